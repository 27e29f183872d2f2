"""A history database filled from the real captures: the two 2025-10 feeds, 120 archive days, the OC Index
2023 and 2025 editions, and seed 000 as an OSAC report (with a <script> injected into one line)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from advisory_watch.ingest import ingest
from advisory_watch.replay import replay_files
from advisory_watch.settings import Settings
from models.sessions import session_for
from scrapers.oc_index import workbook as oc_index
from scrapers.osac import osac_report
from tests.conftest import ARCHIVE, FEED_0107, FEED_1008, SHARED, WORKBOOK
from tests.scenarios.test_oc_index import EditionSource

INJECTED = "<script>alert('injected')</script>"


def build(folder: Path) -> Settings:
    settings = Settings(home=folder, database_url=f"sqlite:///{folder / 'history.db'}")
    # replay_files orders by file name: the 2025-10 captures first, then the archive days.
    list(replay_files("state-dept-feed", [FEED_0107, FEED_1008], settings=settings))
    list(replay_files("state-dept-feed", sorted(ARCHIVE.glob("*.xml")), settings=settings))
    workbook = WORKBOOK.read_bytes()
    seed = next((SHARED / "seeds").glob("000_*.txt")).read_text(encoding="utf-8")
    report = seed.replace(
        "Counterfeit currency is a concern.", f"Counterfeit currency is a concern. {INJECTED}", 1
    )
    with session_for(settings) as session:
        ingest(
            session,
            EditionSource(2023),
            workbook,
            url=oc_index.urls[0],
            observed_at=datetime(2023, 6, 1, tzinfo=UTC),
            settings=settings,
            notify=False,
        )
        ingest(
            session,
            EditionSource(2025),
            workbook,
            url=oc_index.urls[0],
            observed_at=datetime(2025, 9, 1, tzinfo=UTC),
            settings=settings,
            notify=False,
        )
        ingest(
            session,
            osac_report,
            report.encode(),
            url=f"https://www.osac.gov/Content/Report/{'1' * 8}-0000-0000-0000-{'0' * 12}",
            observed_at=datetime(2025, 10, 9, tzinfo=UTC),
            settings=settings,
            notify=False,
        )
    return settings
