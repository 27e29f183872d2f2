"""The feed extractor against the real captures; expected values read by hand from the XML."""

from __future__ import annotations

import pytest

from diffing.countries import code_for_name
from scrapers.us_state import state_dept_feed
from tests.conftest import FEED_0107, FEED_1008


@pytest.fixture(scope="module")
def records_1008() -> dict[str, dict]:
    extraction = state_dept_feed.extract(FEED_1008.read_bytes())
    return {item.key: item.record for item in extraction.records}


@pytest.mark.parametrize("capture", [FEED_0107, FEED_1008], ids=["2025-10-07", "2025-10-08"])
def test_every_item_of_both_captures_parses(capture):
    extraction = state_dept_feed.extract(capture.read_bytes())
    assert len(extraction.records) == 211
    assert extraction.problems == []
    assert len({item.key for item in extraction.records}) == 211  # one record per destination
    for item in extraction.records:
        record = item.record
        assert record["level"] in {1, 2, 3, 4}
        assert len(record["country"]) == 2
        assert record["issued"] and len(record["issued"]) == 10
        assert record["url"].startswith("https://travel.state.gov/")
        assert record["indicators"] == sorted(record["indicators"])
        assert set(record["indicators"]) <= set("CTUKDHNEO")
        assert item.rejected is None


def test_peru(records_1008):
    peru = records_1008["PE"]
    assert (peru["level"], peru["indicators"], peru["issued"]) == (2, ["C", "K", "T", "U"], "2025-05-16")
    assert peru["change_note"] == "Reissued after periodic review with minor edits."
    assert len(peru["areas"]) == 2
    loreto, vraem = peru["areas"]
    assert "Loreto" in loreto["name"] and "Colombia" in loreto["name"]
    assert (loreto["level"], loreto["indicators"]) == (4, ["C"])
    assert "VRAEM" in vraem["name"]
    for part in ("Ayacucho", "Cusco", "Huancavelica", "Junín"):
        assert part in vraem["name"]
    assert (vraem["level"], vraem["indicators"]) == (4, ["C", "T"])


@pytest.mark.parametrize(
    ("key", "level", "indicators"),
    [
        ("FR", 2, ["T", "U"]),
        ("HT", 4, ["C", "H", "K", "T", "U"]),
        ("MG", 3, ["C", "U"]),
        ("JP", 1, []),
        ("IS", 1, []),
        ("ST", 2, ["H"]),
    ],
)
def test_levels_and_indicators_read_by_hand(records_1008, key, level, indicators):
    assert records_1008[key]["level"] == level
    assert records_1008[key]["indicators"] == indicators


def test_sao_tome_is_keyed_by_iso_not_fips(records_1008):
    sao_tome = records_1008["ST"]
    assert sao_tome["country"] == "ST"
    assert sao_tome["country_name"] == "Sao Tome and Principe"
    assert "LC" in records_1008 and records_1008["LC"]["country_name"] == "Saint Lucia"  # FIPS "ST"


def test_odd_titles_tags_and_link_schemes(records_1008):
    assert records_1008["MX"]["country_name"] == "Mexico"  # "Mexico Travel Advisory - Level 2: …"
    assert records_1008["LI"]["country_name"] == "Liechtenstein"  # double space before the dash
    assert records_1008["CN"]["country_name"] == "Mainland China, Hong Kong & Macau"
    assert records_1008["HK"]["level"] == 2 and records_1008["MO"]["level"] == 3  # no Country-Tag
    assert records_1008["CH"]["country_name"] == "Switzerland"  # the feed tags it SR
    assert records_1008["SR"]["country_name"] == "Suriname"  # tagged NS
    assert {records_1008[k]["country_name"] for k in ("BQ-BO", "BQ-SA", "BQ-SE")} == {
        "Bonaire",
        "Saba",
        "Sint Eustatius",
    }
    assert records_1008["XK"]["country_name"] == "Kosovo"
    assert records_1008["FR"]["link_scheme"] == "destination"
    assert records_1008["PE"]["link_scheme"] == "legacy"
    assert records_1008["MG"]["change_note"].startswith("The advisory level was increased to Level 3.")


def test_tags_agree_with_names_wherever_the_name_is_recognised():
    """The tag table is checked against pycountry's reading of every destination's own name."""
    extraction = state_dept_feed.extract(FEED_1008.read_bytes())
    mismatches = []
    for item in extraction.records:
        by_name = code_for_name(item.record["country_name"])
        if by_name is not None and by_name != item.key:
            mismatches.append((item.record["country_name"], item.key, by_name))
    assert mismatches == []
