"""The advisory-page reader (scrapers/us_state/state_dept_page.py): pages read by hand from the corpus
(../shared/fixtures/governments/unitedstates/<destination>/<moment>/Advisory.md); the quoted words are
the pages' own."""

from __future__ import annotations

import pytest

from scrapers.us_state import state_dept_page
from tests.support.us_corpus import US, needs_corpus
from tests.support.us_corpus import extract as _extract

pytestmark = needs_corpus


# Read by hand from the Markdown: destination folder, moment, key, level, issue date, areas named.
ADVISORIES = [
    ("Afghanistan", "2025-06-18T091137Z", "AF", 4, None, ()),
    ("Argentina", "2025-04-29T091059Z", "AR", 1, None, (("City of Rosario", 2),)),
    ("Bangladesh", "2025-04-19T091020Z", "BD", 3, None, (("Chittagong Hill Tracts Region", 4),)),
    (
        "Benin",
        "2025-06-13T091111Z",
        "BJ",
        2,
        None,
        (("Pendjari and W National Parks", 4), ("Pendjari, Atacora, and Djona Hunting Zones", 4)),
    ),
    ("China", "2025-06-13T091111Z", "CN", 2, "2024-11-27", ()),
    ("Hong Kong", "2025-06-13T091111Z", "HK", 2, "2024-11-27", ()),
    ("Macau", "2025-06-13T091111Z", "MO", 3, "2024-11-27", ()),
    (
        "Mexico",
        "2025-07-15T091523Z",
        "MX",
        None,
        "2024-09-06",
        (("Colima state", 4), ("Campeche state", 1), ("Baja California state", 3)),
    ),
    ("Ethiopia", "2025-06-13T091111Z", "ET", 3, None, (("Amhara Region", 4), ("Gambella Region", 4))),
    ("Peru", "2025-03-26T182716Z", "PE", 2, "2023-11-15", ()),
    ("Russia", "2025-05-09T091043Z", "RU", 4, None, ()),
    ("Saba", "2025-06-13T091111Z", "BQ-SA", 1, "2024-08-19", ()),
    ("Lebanon", "2025-07-04T091105Z", "LB", 4, None, (("Border with Syria", 4),)),
    ("Canada", "2025-06-13T091111Z", "CA", 1, None, ()),
    ("Niger", "2025-06-13T091111Z", "NE", 3, None, (("Border Regions", 4),)),
    ("Colombia", "2025-06-13T091111Z", "CO", 3, None, ()),
    ("Somalia", "2025-06-13T091111Z", "SO", 4, None, ()),
    ("Japan", "2025-06-13T091111Z", "JP", 1, None, ()),
    ("Trinidad and Tobago", "2025-06-13T091111Z", "TT", 3, None, ()),
    ("Uganda", "2025-06-13T091111Z", "UG", 3, None, ()),
    ("Burma (Myanmar)", "2025-06-13T091111Z", "MM", 4, None, ()),
    ("Vanuatu", "2025-05-23T091200Z", "VU", 1, None, ()),
    ("El Salvador", "2025-04-09T091129Z", "SV", 1, None, ()),
]


@pytest.mark.parametrize(("folder", "moment", "key", "level", "issued", "areas"), ADVISORIES)
def test_advisory_pages_read_by_hand(folder, moment, key, level, issued, areas):
    record = _extract(state_dept_page, US / folder / moment / "Advisory.md")
    assert (record["key"], record["level"]) == (key, level)
    if issued:
        assert record["issued"] == issued
    found = {a["name"]: a["level"] for a in record["areas"]}
    for name, area_level in areas:
        assert found.get(name) == area_level, (name, found)
    assert not any(
        name.lower().startswith(("specific areas", "specified areas", "select areas")) for name in found
    )
    assert all(" due to " not in name for name in found)
