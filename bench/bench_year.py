"""A simulated year of hourly cycles of the State Department feed (issue #20): is the cost flat?

8,760 hourly observations made from the 120 real days of ../shared/fixtures/state_dept/feed-archive:
the year is the archive stretched (each real day stands for ~3 days of hourly cycles), so every real
change happens once, in its order, and every other hour repeats the bytes of the hour before —
what an hourly poller sees. Each hour goes through the whole ingest core as a live observation.

Prints, per simulated month: the median and 95th percentile of the per-cycle time, the database size
and its growth; then the end against the start (target: within 20 %), and what a backfilled capture
inserted into the year costs — early, mid-year and late — against a fold from one checkpoint and a
fold of the whole year (target: no more than a checkpointed fold).

    .venv/bin/python bench/bench_year.py [--hours 8760] [--save YEAR.db | --reuse YEAR.db]

``--save`` keeps the year's database; ``--reuse`` copies a saved one and measures only the backfills.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADVISORY_WATCH_SHARED", ROOT.parent / "shared"))
ARCHIVE = SHARED / "fixtures" / "state_dept" / "feed-archive"
FEED_URL = "https://travel.state.gov/_res/rss/TAsTWs.xml"
START = datetime(2025, 12, 12, 8, tzinfo=UTC)
HOURS_PER_MONTH = 730


def _db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _checkpointed_sqlite_bytes(url: str) -> int:
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    return pages * size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=int, default=8760)
    parser.add_argument("--save", type=Path, help="keep the year's database here")
    parser.add_argument("--reuse", type=Path, help="a saved year: measure the backfills only")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="aw-year-"))
    os.environ["ADVISORY_WATCH_HOME"] = str(workdir)
    url = f"sqlite:///{workdir / 'year.db'}"
    os.environ["ADVISORY_WATCH_DATABASE_URL"] = url
    if args.reuse:
        shutil.copyfile(args.reuse, workdir / "year.db")

    from advisory_watch.cli import settle_imports
    from advisory_watch.ingest import ingest
    from advisory_watch.results import FetchInfo
    from advisory_watch.settings import get_settings
    from models.sessions import session_for
    from scrapers import registry

    settings = get_settings()
    source = registry.load("state-dept-feed")
    days = sorted(ARCHIVE.glob("*.xml"))
    settle_imports()
    if args.reuse:
        bench_backfill(settings, source, lambda hour: days[hour * len(days) // args.hours], args.hours)
        return

    def day_of(hour: int) -> Path:
        return days[hour * len(days) // args.hours]

    cycle_times: list[float] = []
    monthly: list[tuple[int, float, float, int, int]] = []
    decisions: dict[str, int] = {}
    alerts = 0
    with session_for(settings) as session:
        for hour in range(args.hours):
            path = day_of(hour)
            started = time.perf_counter()
            result = ingest(
                session,
                source,
                path.read_bytes(),
                url=FEED_URL,
                observed_at=START + timedelta(hours=hour),
                info=FetchInfo(provenance="live"),
                notify=False,
                settings=settings,
            )
            cycle_times.append(time.perf_counter() - started)
            alerts += len(result.alerts)
            for decision, count in result.decisions.items():
                decisions[decision] = decisions.get(decision, 0) + count
            if (hour + 1) % HOURS_PER_MONTH == 0 or hour + 1 == args.hours:
                month = cycle_times[-HOURS_PER_MONTH:]
                size = _checkpointed_sqlite_bytes(url)
                monthly.append(
                    (
                        len(monthly) + 1,
                        statistics.median(month),
                        sorted(month)[int(0.95 * (len(month) - 1))],
                        size,
                        size - (monthly[-1][3] if monthly else 0),
                    )
                )
    print(f"year: {args.hours} hourly observations from {len(days)} real days; {alerts} alerts")
    print(f"year: decisions {dict(sorted(decisions.items()))}")
    print("month  median ms  p95 ms  database MB  growth MB")
    for month, median, p95, size, growth in monthly:
        print(f"{month:5d}  {1000 * median:9.1f}  {1000 * p95:6.1f}  {size / 1e6:11.2f}  {growth / 1e6:9.2f}")
    first, last = monthly[0][1], monthly[-1][1]
    print(
        f"year: per-cycle median, last month against the first: {1000 * last:.1f} ms vs "
        f"{1000 * first:.1f} ms = {100 * (last / first - 1):+.0f} % (target within 20 %)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"year: {sum(cycle_times):.1f} s of cycles; peak RSS {rss:.0f} MiB")
    if args.save:
        _checkpointed_sqlite_bytes(url)
        shutil.copyfile(workdir / "year.db", args.save)
    bench_backfill(settings, source, day_of, args.hours)


def bench_backfill(settings, source, day_of, hours) -> None:  # noqa: ANN001
    """A capture of the next real day, half a day before the year's own copy of it: the change seen
    earlier (each insertion stays; the next one sees the year with it)."""
    from advisory_watch import ingest as ingest_module
    from advisory_watch.ingest import ingest
    from advisory_watch.results import FetchInfo, RunContext
    from advisory_watch.timeline import rederive
    from advisory_watch.timeline.checkpoints import checkpoint_before
    from advisory_watch.timeline.fold import fold_history
    from models.sessions import session_for

    inserting: list[float] = []
    insert_observation = ingest_module.insert_observation

    def timed_insert(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started = time.perf_counter()
        insert_observation(*args, **kwargs)
        inserting.append(time.perf_counter() - started)

    ingest_module.insert_observation = timed_insert
    with session_for(settings) as session:
        # The first insertion in a process also compiles its SQL statements: measured, not compared.
        for label, fraction in (("first (cold)", 0.3), ("early", 0.08), ("mid-year", 0.5), ("late", 0.92)):
            hour = int(fraction * hours)
            changes_at = next(h for h in range(hour, hours) if day_of(h) != day_of(hour))
            capture = day_of(changes_at).read_bytes()
            started = time.perf_counter()
            result = ingest(
                session,
                source,
                capture,
                url=FEED_URL,
                observed_at=START + timedelta(hours=changes_at - 12, minutes=30),
                info=FetchInfo(provenance="archive"),
                notify="none",
                settings=settings,
            )
            elapsed = time.perf_counter() - started
            assert result.status == "ok" and result.decisions["inserted_in_history"] == 1, result
            print(
                f"backfill {label}: capture of {day_of(changes_at).stem} inserted at hour {changes_at - 12} "
                f"in {1000 * elapsed:.0f} ms, of which putting it in its place and re-deriving "
                f"{1000 * inserting[-1]:.0f} ms ({result.snapshots} snapshots, {result.changes} changes)"
            )

        newest = checkpoint_before(session, source.name, None)
        before = checkpoint_before(session, source.name, newest.observed_at) if newest else None
        started = time.perf_counter()
        window, _run = fold_history(session, source, before, settings.fold_checkpoint_every, None)
        one = time.perf_counter() - started
        session.rollback()
        started = time.perf_counter()
        rederive(RunContext(session, source, settings, notify="none"), keep_current_state=True)
        whole = time.perf_counter() - started
        session.rollback()
    print(
        f"fold: from the checkpoint before the newest ({len(window.timeline)} observations) "
        f"{1000 * one:.0f} ms; the whole year from its first observation {1000 * whole:.0f} ms"
    )
    print(
        f"backfill: placing and re-deriving, worst of early/mid/late {1000 * max(inserting[1:]):.0f} ms "
        f"vs a checkpointed fold {1000 * one:.0f} ms (target: no more than a checkpointed fold)"
    )


if __name__ == "__main__":
    main()
