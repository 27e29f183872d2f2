"""Benchmarks of backfills and history re-derivation (issue #7); prints figures.

1. Backfill of every archived feed day (2025-12-12 -> 2026-04-15, one moment a day) from a loopback
   Wayback Machine in a separate process: seconds, archive requests, database size.
2. One capture inserted in the middle of 119 stored days (the out-of-order path: snapshots put in
   place, the acceptance rule folded over the whole history, changes reconciled): wall time.
3. Reprocess of the 120 stored days (every snapshot re-read by the extractor, history re-derived).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fixture_process import fixture_server

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADVISORY_WATCH_SHARED", ROOT.parent / "shared"))
ARCHIVE = SHARED / "fixtures" / "state_dept" / "feed-archive"
FEED_URL = "https://travel.state.gov/_res/rss/TAsTWs.xml"
SOURCE = "state-dept-feed"


def bench_backfill(workdir: Path) -> None:
    from advisory_watch.backfill import backfill_range
    from advisory_watch.settings import Settings

    with fixture_server("--wayback", f"{FEED_URL}={ARCHIVE}") as url:
        db = workdir / "backfill.db"
        settings = Settings(database_url=f"sqlite:///{db}", url_rewrite=f"https://web.archive.org={url}")
        start = time.perf_counter()
        report = backfill_range(
            SOURCE,
            datetime(2025, 12, 12, 23, 59, 59, tzinfo=UTC),
            datetime(2026, 4, 15, 23, 59, 59, tzinfo=UTC),
            settings=settings,
        )
        elapsed = time.perf_counter() - start
        log = httpx.get(f"{url}/__fixture/log").json()
    summary = report.summary()
    cdx = sum(r["path"] == "/cdx/search/cdx" for r in log)
    raw = sum(r["path"].startswith("/web/") for r in log)
    days = summary["moments"]
    print(
        f"backfill: {days} days in {elapsed:.2f} s = {days / elapsed:.1f} days/s; "
        f"{summary['captures_fetched']} captures, {summary['no_capture']} days without; "
        f"{cdx} CDX + {raw} capture requests; {summary['changes']} changes, {summary['alerts']} alerts held"
    )
    size = sum(p.stat().st_size for p in workdir.glob("backfill.db*"))
    print(f"backfill: database {size / 1e6:.2f} MB with WAL")


def bench_insertion_and_reprocess(workdir: Path) -> None:
    from advisory_watch.ingest import ingest
    from advisory_watch.reprocess import reprocess
    from advisory_watch.results import FetchInfo
    from advisory_watch.settings import Settings
    from models.sessions import session_for
    from scrapers import registry

    settings = Settings(database_url=f"sqlite:///{workdir / 'history.db'}")
    source = registry.load(SOURCE)
    files = sorted(ARCHIVE.glob("*.xml"))
    middle = files[len(files) // 2]
    with session_for(settings) as session:
        for path in files:
            if path != middle:
                ingest(session, source, path.read_bytes(), url=FEED_URL, info=FetchInfo(provenance="replay"))
        start = time.perf_counter()
        result = ingest(
            session, source, middle.read_bytes(), url=FEED_URL, info=FetchInfo(provenance="replay")
        )
        inserted = time.perf_counter() - start
    print(
        f"insertion: {middle.stem} into {len(files) - 1} stored days in {1000 * inserted:.0f} ms "
        f"({result.snapshots} snapshots, decisions {dict(result.decisions)})"
    )
    start = time.perf_counter()
    outcome = reprocess(SOURCE, settings=settings)
    elapsed = time.perf_counter() - start
    summary = outcome.summary()
    print(
        f"reprocess: {summary['snapshots']} snapshots of {len(files)} days in {elapsed:.2f} s; "
        f"{summary['records_changed']} records changed, {summary['changes_added']} changes added, "
        f"{summary['changes_removed']} removed"
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="aw-bench-") as tmp:
        workdir = Path(tmp)
        os.environ["ADVISORY_WATCH_HOME"] = str(workdir)
        bench_backfill(workdir)
        bench_insertion_and_reprocess(workdir)


if __name__ == "__main__":
    main()
