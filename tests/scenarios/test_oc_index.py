"""The OC Index source on the official workbook and on the Peru page text (seed 002)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from advisory_watch.ingest import ingest
from diffing.countries import code_for_name
from models.sessions import session_for
from scrapers.oc_index import workbook as oc_index
from tests.conftest import SHARED

WORKBOOK = SHARED / "fixtures" / "oc_index" / "global_oc_index-2025.xlsx"
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


@dataclass
class EditionSource:
    """The oc-index source pinned to one edition of the workbook (as if that were the latest)."""

    edition: int

    def __getattr__(self, item):
        return getattr(oc_index, item)

    @property
    def extract(self):
        return partial(oc_index.extract, edition=self.edition)

    @property
    def extractor_version(self) -> str:
        # Another reading of the same bytes: not a repeat of the other edition's observation.
        return f"{oc_index.extractor_version}+edition-{self.edition}"


def test_2023_then_2025_alerts_on_exactly_the_countries_past_the_thresholds():
    content = WORKBOOK.read_bytes()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with session_for() as session:
        base = ingest(session, EditionSource(2023), content, url=oc_index.urls[0], observed_at=t0)
        assert base.alerts == []
        result = ingest(
            session, EditionSource(2025), content, url=oc_index.urls[0], observed_at=t0 + timedelta(days=7)
        )
        again = ingest(session, oc_index, content, url=oc_index.urls[0], observed_at=t0 + timedelta(days=14))
    assert again.alerts == []  # the same workbook again: nothing
    by_key = {a["key"]: a for a in result.alerts}
    assert by_key["_index"]["kind"] == "new_edition"
    assert by_key["_index"]["new"] == "2025 edition (193 countries)"

    def kinds(key: str) -> set[tuple[str, str, str]]:
        alert = by_key.get(key)
        return {(c["kind"], c["item"], c["severity"]) for c in alert["changes"]} if alert else set()

    # Read by hand from the 2023_dataset and 2025_dataset sheets:
    assert kinds("PE") == {
        ("market_score_changed", "Extortion and protection racketeering", "medium"),  # 4.5 -> 5.5
        ("market_score_changed", "Illicit trade in excisable goods", "high"),  # 2.0 -> 4.5
        ("market_score_changed", "Heroin trade", "info"),  # 5.5 -> 4.5
        ("market_score_changed", "Synthetic drug trade", "info"),  # 4.5 -> 3.5
        ("rank_changed", "resilience.rank", "info"),  # 119th -> 114th (the page: "-5")
    }
    assert {k for k in kinds("EC") if k[0] == "score_changed"} == {
        ("score_changed", "criminality.score", "medium"),  # 7.07 -> 7.48
        ("score_changed", "resilience.score", "medium"),  # 4.88 -> 4.46
    }
    assert {k for k in kinds("HT") if k[0] != "rank_changed"} == {
        ("score_changed", "criminality.score", "high"),  # 5.93 -> 6.53
        ("score_changed", "resilience.score", "medium"),  # 2.46 -> 2.21
        ("market_score_changed", "Extortion and protection racketeering", "medium"),  # 7 -> 8
        ("market_score_changed", "Arms trafficking", "medium"),  # 7 -> 8.5
        ("market_score_changed", "Trade in counterfeit goods", "medium"),  # 5 -> 6
        ("market_score_changed", "Illicit trade in excisable goods", "medium"),  # 5 -> 6
    }
    assert {k for k in kinds("IS") if k[0] != "rank_changed"} == {
        ("score_changed", "criminality.score", "info")
    }
    assert {k for k in kinds("MX") if k[0] != "rank_changed"} == {
        ("score_changed", "resilience.score", "info")
    }
    assert {k for k in kinds("MM") if k[0] != "rank_changed"} == {
        ("market_score_changed", "Cocaine trade", "info")
    }
    assert {k for k in kinds("FI") if k[0] != "rank_changed"} == {
        ("score_changed", "criminality.score", "medium")
    }
    assert {k for k in kinds("SE") if k[0] != "rank_changed"} == set()  # +0.03 / -0.08, no market moved by 1
    assert {k for k in kinds("CL") if k[0] != "rank_changed"} == {
        ("score_changed", "criminality.score", "medium"),  # 5.18 -> 5.48
        ("market_score_changed", "Illicit trade in excisable goods", "medium"),  # 4 -> 5
        ("market_score_changed", "Financial crimes", "medium"),  # 4 -> 5
    }


def test_cli_extract_oc_index(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "advisory_watch.cli",
            "extract",
            "oc-index",
            str(WORKBOOK),
            "--edition",
            "2023",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(out.stdout)
    assert len(rows) == 193
    peru = next(r for r in rows if r["country"] == "PE")
    assert peru["edition"] == 2023 and peru["criminality"]["rank"] == 32
    required = {
        "country",
        "country_name",
        "continent",
        "region",
        "edition",
        "criminality",
        "resilience",
        "criminal_markets",
        "criminal_actors",
        "markets",
        "actors",
        "resilience_indicators",
    }
    assert required <= set(peru)
    page = subprocess.run(
        [sys.executable, "-m", "advisory_watch.cli", "extract", "oc-index", str(PERU_PAGE)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(page.stdout)[0]["criminality"]["score"] == 6.62


def test_a_broken_workbook_is_an_extraction_error():
    from scrapers.errors import ExtractionError

    with pytest.raises(ExtractionError, match="not an OC Index workbook"):
        oc_index.extract(b"PK\x03\x04 truncated")
    with pytest.raises(ExtractionError, match="Profile"):
        oc_index.extract(b"<html>maintenance</html>")


def test_weekly_run_costs_one_304_when_the_workbook_is_unchanged(monkeypatch):
    from advisory_watch.fixture_server import FixtureServer
    from advisory_watch.pipeline import run_source
    from advisory_watch.settings import reset_settings_cache

    with FixtureServer(routes={"/assets/downloads/global_oc_index.xlsx": WORKBOOK}) as server:
        monkeypatch.setenv("ADVISORY_WATCH_URL_REWRITE", f"https://ocindex.net={server.url}")
        reset_settings_cache()
        [first] = run_source("oc-index")
        [second] = run_source("oc-index")
    assert (first.status, first.items, first.alerts) == ("ok", 194, [])
    assert second.status == "not_modified"


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
