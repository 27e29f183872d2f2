"""The OC Index source through the ingest core: editions in turn alert on the countries past the
thresholds, an unchanged workbook costs one 304. (The reader itself: tests/unit/scrapers/oc_index/.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from advisory_watch.ingest import ingest
from models.sessions import session_for
from scrapers.oc_index import workbook as oc_index
from tests.conftest import WORKBOOK


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
    by_key = {a.key: a for a in result.alerts}
    assert by_key["_index"].kind == "new_edition"
    assert by_key["_index"].new == "2025 edition (193 countries)"

    def kinds(key: str) -> set[tuple[str, str, str]]:
        alert = by_key.get(key)
        return {(c["kind"], c["item"], c["severity"]) for c in alert.changes} if alert else set()

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
