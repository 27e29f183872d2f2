"""The country-information-page reader (scrapers/us_state/country_page.py): staff restrictions and emergency
numbers read by hand from the corpus's "Safety and Security" sections."""

from __future__ import annotations

import pytest

from scrapers.us_state import country_page
from tests.support.us_corpus import US, needs_corpus
from tests.support.us_corpus import extract as _extract

pytestmark = needs_corpus


# Read by hand from "Safety and Security.md": restricted areas (kind) and numbers by service.
COUNTRY_PAGES = [
    (
        "Peru",
        "2025-05-16T091135Z",
        {"VRAEM (Valley of the Apurímac, Ene, and Mantaro Rivers)": "restricted"},
        {"police": ["105"], "tourist police": ["+5180022221"], "embassy": ["+5116182000"]},
    ),
    (
        "Barbados",
        "2025-03-26T182716Z",
        {},
        {"fire": ["311"], "police": ["211"], "ambulance": ["511"], "embassy": ["+12462274000"]},
    ),
    (
        "Belarus",
        "2025-03-26T182716Z",
        {},
        {"fire": ["101"], "police": ["102"], "ambulance": ["103"], "embassy": ["+375172101283"]},
    ),
    (
        "Kenya",
        "2025-03-26T182716Z",
        {},
        {"police": ["112", "911", "999"], "embassy": ["+254203636000", "+254203636451"]},
    ),
    ("Belize", "2025-05-30T091037Z", {}, {"police": ["911"], "embassy": ["+5018224011"]}),
    (
        "Morocco",
        "2025-06-05T091223Z",
        {},
        {"police": ["19", "190"], "consulate Casablanca": ["+212522642000"]},
    ),
    ("Albania", "2025-03-26T182716Z", {}, {"police": ["112", "129"], "embassy": ["+35542247285"]}),
    ("Angola", "2025-07-01T091329Z", {}, {"police": ["111", "113"], "embassy": ["+244222641000"]}),
    ("Japan", "2025-06-03T091124Z", {}, {"police": ["110"], "fire": ["119"]}),
    (
        "Trinidad and Tobago",
        "2025-03-26T182716Z",
        {
            "Laventille": "prohibited",
            "Beetham": "prohibited",
            "Sea Lots": "prohibited",
            "Cocorite": "prohibited",
        },
        {},
    ),
    (
        "Guatemala",
        "2025-03-26T182716Z",
        {
            "Zone 18 in Guatemala City": "prohibited",
            "Huehuetenango Department": "prohibited",
            "San Marcos Department": "prohibited",
            "Agua volcano": "prohibited",
        },
        {"embassy": ["+50223540000"]},
    ),
    ("Malaysia", "2025-03-26T182716Z", {"Eastern Sabah": "prohibited"}, {}),
    ("Kyrgyzstan", "2025-03-26T182716Z", {"Batken province": "approval required"}, {}),
    ("Nicaragua", "2025-03-26T182716Z", {"Managua’s Oriental Market (Mercado Oriental)": "prohibited"}, {}),
    ("Honduras", "2025-03-26T182716Z", {"Gracias a Dios": "restricted"}, {}),
    ("Egypt", "2025-04-03T091137Z", {"Sharm-El-Sheikh": "only permitted"}, {}),
    ("South Sudan", "2025-03-26T182716Z", {"Whole country (curfew)": "curfew"}, {}),
    (
        "Benin",
        "2025-03-26T182716Z",
        {"Park Pendjari": "restricted", "Park W": "restricted"},
        {"embassy": ["+22921307500"]},
    ),
    ("Uruguay", "2025-03-26T182716Z", {"Casavalle": "restricted", "Cerro Norte": "restricted"}, {}),
    ("Ethiopia", "2025-03-26T182716Z", {"Somali region": "prohibited"}, {}),
]


@pytest.mark.parametrize(("folder", "moment", "restricted", "numbers"), COUNTRY_PAGES)
def test_country_pages_read_by_hand(folder, moment, restricted, numbers):
    path = US / folder / moment / "Safety and Security.md"
    if not path.exists():
        path = next(US.glob(f"{folder}/*/Safety and Security.md"))
    record = _extract(country_page, path)
    kinds = {a["name"]: a["kind"] for a in record["restricted_areas"] or []}
    for name, kind in restricted.items():
        assert kinds.get(name) == kind, (name, kinds)
    by_service = {n["name"]: n["numbers"] for n in record["emergency_numbers"] or []}
    for service, expected in numbers.items():
        assert by_service.get(service) == expected, (service, by_service)
