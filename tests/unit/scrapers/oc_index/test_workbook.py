"""The OC Index workbook reader (scrapers/oc_index/workbook.py) on the official workbook, every edition, and
on the Peru page text (seed 002); numbers read by hand from the site and the workbook."""

from __future__ import annotations

import pytest

from diffing.countries import code_for_name
from scrapers.oc_index import workbook as oc_index
from tests.conftest import SHARED, WORKBOOK

PERU_PAGE = next((SHARED / "seeds").glob("002_*.txt"))


@pytest.fixture(scope="module")
def editions():
    return oc_index.read_workbook(WORKBOOK.read_bytes())


def records(edition: int) -> dict[str, dict]:
    return {r.key: r.record for r in oc_index.extract(WORKBOOK.read_bytes(), edition=edition).records}


def test_peru_2025_from_the_workbook():
    peru = records(2025)["PE"]
    assert peru["criminality"] == {
        "score": 6.62,
        "rank": 31,
        "delta": 0.22,
        "rank_delta": -1,
        "continent_rank": 10,
        "region_rank": 6,
    }
    assert (peru["resilience"]["score"], peru["resilience"]["rank"]) == (4.46, 114)
    assert (peru["continent"], peru["region"], peru["edition"]) == ("Americas", "South America", 2025)
    assert peru["markets"]["Cocaine trade"] == {"score": 9.0, "delta": 0.0}
    assert peru["markets"]["Non-renewable resource crimes"]["score"] == 9.0
    assert peru["markets"]["Synthetic drug trade"] == {"score": 3.5, "delta": -1.0}


@pytest.mark.parametrize(
    ("edition", "criminality", "resilience"), [(2021, 26, 106), (2023, 32, 119), (2025, 31, 114)]
)
def test_peru_ranks_match_the_site_in_every_edition(edition, criminality, resilience):
    peru = records(edition)["PE"]
    assert (peru["criminality"]["rank"], peru["resilience"]["rank"]) == (criminality, resilience)


def test_page_text_gives_the_same_numbers():
    page = oc_index.extract_page_text(PERU_PAGE.read_text(encoding="utf-8"))
    book = records(2025)["PE"]
    assert page["country"] == "PE"
    for pillar in ("criminality", "resilience"):
        for field in ("score", "delta", "rank", "rank_delta", "continent_rank", "region_rank"):
            assert page[pillar][field] == book[pillar][field], (pillar, field)
    assert page["resilience"]["rank_delta"] == -5 and page["resilience"]["region_rank"] == 7
    assert page["criminal_markets"] == book["criminal_markets"] == {"score": 6.33, "delta": 0.13}
    for market, values in page["markets"].items():
        assert book["markets"][market] == values, market
    assert page["markets"]["Synthetic drug trade"] == {"score": 3.5, "delta": -1.0}


def test_every_country_of_every_edition_has_its_own_iso_code(editions):
    for year, rows in editions.items():
        codes = [code_for_name(r["country_name"]) for r in rows]
        assert None not in codes, year
        assert len(rows) == 193 and len(set(codes)) == 193, year
    assert code_for_name("Congo, Dem. Rep.") == "CD" and code_for_name("Korea, DPR") == "KP"
    assert code_for_name("Côte d'Ivoire") == "CI" and code_for_name("Congo, Rep,") == "CG"


def test_header_spellings_and_editions(editions):
    assert (
        oc_index.normalise_header("Criminality avg.")
        == oc_index.normalise_header("Criminality avg,")
        == "criminality"
    )
    assert oc_index.normalise_header("Resilience") == "resilience"
    peru21 = records(2021)["PE"]
    assert "Extortion and protection racketeering" not in peru21["markets"]  # not in the 2021 edition
    assert "Private sector actors" not in peru21["actors"]
    assert len(records(2025)["PE"]["markets"]) == 15 and len(peru21["markets"]) == 10
    assert all(
        len(str(v["score"]).split(".")[-1]) <= 2
        for r in records(2025).values()
        if r["key"] != "_index"
        for v in r["markets"].values()
    )


def test_competition_ranking_shares_ties():
    assert oc_index.competition_ranks({"a": 9.0, "b": 7.5, "c": 7.5, "d": 1.0}) == {
        "a": 1,
        "b": 2,
        "c": 2,
        "d": 4,
    }


def test_a_broken_workbook_is_an_extraction_error():
    from scrapers.errors import ExtractionError

    with pytest.raises(ExtractionError, match="not an OC Index workbook"):
        oc_index.extract(b"PK\x03\x04 truncated")
    with pytest.raises(ExtractionError, match="Profile"):
        oc_index.extract(b"<html>maintenance</html>")


def test_the_thresholds_are_the_settings_when_the_fields_are_asked_for(monkeypatch):
    """Not frozen when the module was first imported: a changed setting takes effect on the next cycle."""
    from advisory_watch.settings import reset_settings_cache

    def thresholds() -> dict[str, float]:
        return {f.name: f.threshold for f in oc_index.fields if hasattr(f, "threshold")}

    reset_settings_cache()
    assert thresholds() == {
        "criminality.score": 0.25,
        "resilience.score": 0.25,
        "criminality.rank": 5,
        "resilience.rank": 5,
        "markets": 1.0,
    }
    monkeypatch.setenv("ADVISORY_WATCH_OC_SCORE_THRESHOLD", "0.5")
    monkeypatch.setenv("ADVISORY_WATCH_OC_RANK_THRESHOLD", "10")
    reset_settings_cache()
    try:
        assert thresholds()["criminality.score"] == 0.5 and thresholds()["resilience.rank"] == 10
    finally:
        monkeypatch.undo()
        reset_settings_cache()
