"""Benchmarks of the State Department feed pipeline; prints figures next to the targets of issue #20.

1. Replay of ../shared/fixtures/state_dept/feed-archive end to end (migrations included): seconds,
   days per second, peak RSS, database size against the raw bytes replayed.
                                                targets: 120 days <= 3 s, RSS <= 120 MB, DB <= 4 % of raw
2. CPU time of one unchanged-feed cycle (conditional GET answered 304).           target <= 25 ms
3. CPU time of one changed-feed cycle (2025-10-07 -> 2025-10-08 capture, as a fresh process: nothing
   read or loaded yet).                                                            target <= 100 ms
4. Extraction of one description with 500 / 2,000 / 5,000 "Do not travel to:" list items (issue #14:
   it was quadratic, 240 s for 5,000).                                 target: 5,000 well under 1 s
5. Replay of feed-archive/ then feed-2026-08-22.xml: destinations with areas on the last archived day
   and on the 2026 day (the 2026 format's area statements are read).
The fixture server runs in a separate process so its CPU is not counted.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

import httpx
from fixture_process import fixture_server

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADVISORY_WATCH_SHARED", ROOT.parent / "shared"))
STATE_DEPT = SHARED / "fixtures" / "state_dept"
ARCHIVE = STATE_DEPT / "feed-archive"
FEED_PATH = "/_res/rss/TAsTWs.xml"


def _use_db(path: Path) -> None:
    from advisory_watch.settings import reset_settings_cache

    os.environ["ADVISORY_WATCH_DATABASE_URL"] = f"sqlite:///{path}"
    reset_settings_cache()


def bench_replay(workdir: Path) -> None:
    from advisory_watch.replay import replay_files

    db = workdir / "replay.db"
    _use_db(db)
    from advisory_watch.cli import settle_imports

    files = sorted(ARCHIVE.glob("*.xml"))
    raw_bytes = sum(f.stat().st_size for f in files)
    settle_imports()  # as `advisory-watch replay` does before it starts
    start = time.perf_counter()
    alerts = sum(len(r.alerts) for r in replay_files("state-dept-feed", files))
    elapsed = time.perf_counter() - start
    wal_bytes = sum(p.stat().st_size for p in workdir.glob("replay.db*"))
    from models.db import engine_for

    engine_for.cache_clear()
    import sqlite3

    connection = sqlite3.connect(db)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_bytes = db.stat().st_size
    connection.execute("VACUUM")
    connection.close()
    vacuumed = db.stat().st_size
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"replay: {len(files)} days in {elapsed:.2f} s = {len(files) / elapsed:.1f} days/s; {alerts} alerts "
        "(target <= 3 s)"
    )
    print(f"replay: peak RSS {rss_mb:.0f} MiB (target <= 120 MB)")
    print(
        f"replay: database {db_bytes / 1e6:.2f} MB after checkpoint = {100 * db_bytes / raw_bytes:.2f} % of "
        f"{raw_bytes / 1e6:.1f} MB raw feeds ({vacuumed / 1e6:.2f} MB vacuumed; "
        f"{wal_bytes / 1e6:.2f} MB with WAL) (target <= 4 %)"
    )


def bench_cycles(workdir: Path) -> None:
    from advisory_watch.ingest import forget_recalled
    from advisory_watch.pipeline import run_source
    from advisory_watch.settings import get_settings, reset_settings_cache
    from models import blobs
    from scrapers.base import forget_items
    from scrapers.us_state import state_dept_feed

    with fixture_server("--route", f"{FEED_PATH}={STATE_DEPT / 'TAsTWs-2025-10-07.xml'}") as url:
        os.environ["ADVISORY_WATCH_URL_REWRITE"] = f"https://travel.state.gov={url}"
        _use_db(workdir / "cycles.db")
        reset_settings_cache()
        settings = get_settings()
        run_source("state-dept-feed", settings=settings, notify=False)  # baseline (and warm imports)

        httpx.post(
            f"{url}/__fixture/route",
            json={"path": FEED_PATH, "file": str(STATE_DEPT / "TAsTWs-2025-10-08.xml")},
        )
        # A fresh process, as every Airflow task is: nothing read or loaded yet.
        state_dept_feed._extract_raw_item.cache_clear()
        blobs._RECORD_CACHE.clear()
        forget_items()
        forget_recalled()
        cpu = time.process_time()
        wall = time.perf_counter()
        [changed] = run_source("state-dept-feed", settings=settings, notify=False)
        changed_cpu, changed_wall = time.process_time() - cpu, time.perf_counter() - wall
        assert changed.status == "ok" and len(changed.alerts) == 1, changed

        samples = []
        for _ in range(20):
            cpu = time.process_time()
            [unchanged] = run_source("state-dept-feed", settings=settings, notify=False)
            samples.append(time.process_time() - cpu)
            assert unchanged.status == "not_modified"
        samples.sort()
        print(
            f"changed cycle: {1000 * changed_cpu:.0f} ms CPU ({1000 * changed_wall:.0f} ms wall), "
            f"211 items, 1 alert (target <= 100 ms)"
        )
        print(
            f"unchanged cycle (304): median {1000 * samples[len(samples) // 2]:.1f} ms CPU, "
            f"max {1000 * samples[-1]:.1f} ms over {len(samples)} cycles (target <= 25 ms)"
        )


def _list_feed(items: int) -> bytes:
    """The 2025-10-07 capture's first item with a description of ``items`` distinct list entries."""
    import re

    feed = (STATE_DEPT / "TAsTWs-2025-10-07.xml").read_text(encoding="utf-8")
    item = re.search(r"<item>.*?</item>", feed, re.S).group(0)
    names = [
        f"{chr(65 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676 % 26)}ville" for i in range(items)
    ]
    body = "<p>Do not travel to:</p><ul>" + "".join(f"<li>{n} Province due to crime</li>" for n in names)
    big = re.sub(
        r"<description>.*?</description>",
        f"<description><![CDATA[{body}</ul>]]></description>",
        item,
        flags=re.S,
    )
    return (feed[: feed.index("<item>")] + big + "</channel></rss>").encode()


def bench_long_lists() -> None:
    from scrapers.us_state import state_dept_feed

    for items in (500, 2000, 5000):
        document = _list_feed(items)
        state_dept_feed._extract_raw_item.cache_clear()
        start = time.perf_counter()
        [extracted] = state_dept_feed.extract(document).records
        elapsed = time.perf_counter() - start
        print(
            f"long list: {items} items extracted in {1000 * elapsed:.0f} ms "
            f"({len(extracted.record['areas'])} areas)"
        )


def bench_2026_areas() -> None:
    from scrapers.us_state import state_dept_feed

    for path in (ARCHIVE / "2026-04-15.xml", STATE_DEPT / "feed-2026-08-22.xml"):
        records = [e.record for e in state_dept_feed.extract(path.read_bytes()).records if not e.rejected]
        with_areas = sum(1 for r in records if r["areas"])
        print(f"areas: {path.name}: {with_areas} of {len(records)} destinations name areas")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="aw-bench-") as tmp:
        workdir = Path(tmp)
        os.environ["ADVISORY_WATCH_HOME"] = str(workdir)
        bench_replay(workdir)
        bench_cycles(workdir)
        bench_long_lists()
        bench_2026_areas()


if __name__ == "__main__":
    main()
