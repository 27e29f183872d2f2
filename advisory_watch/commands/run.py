"""One live cycle of the enabled sources, then stale sources and delivery."""

from __future__ import annotations

import argparse
import sys
import time

from advisory_watch.commands import print_flush
from scrapers import registry


def cmd_run(args: argparse.Namespace) -> int:
    """One cycle of every enabled source. A source that fails is reported with its reason and the
    others still run; the exit status is 1 when anything failed, after delivery."""
    from advisory_watch.delivery import flush_configured
    from advisory_watch.freshness import raise_stale_sources
    from advisory_watch.pipeline import run_source
    from advisory_watch.results import FAILED_STATUSES
    from models.sessions import session_for

    settings = args.settings
    enabled = _enabled_sources(settings.sources)
    names = [args.source] if args.source else [n for n in registry.names() if n in enabled]
    keys = _destination_keys(args.countries) if args.countries else None
    status = 0
    for name in names:
        started = time.monotonic()
        try:
            results = run_source(name, settings=settings, notify=not args.dry_run, keys=keys)
        except Exception as exc:  # noqa: BLE001 - one source must not stop the others
            print(f"{name}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 1
            continue
        for result in results:
            line = (
                f"{name}: {result.status} items={result.items} snapshots={result.snapshots} "
                f"changes={result.changes} alerts={len(result.alerts)}"
            )
            if result.status in FAILED_STATUSES:
                line += f" reason: {'; '.join(result.problems)[:500]}"
            if result.failed:
                line += f" isolated={','.join(sorted(result.failed))}"
            print(line, file=sys.stderr)
            status = status or int(result.status in FAILED_STATUSES or bool(result.failed))
        print(f"{name}: cycle took {time.monotonic() - started:.2f} s", file=sys.stderr)
    if not args.dry_run:
        with session_for(settings) as session:
            for stale in raise_stale_sources(session, settings):
                print(f"STALE {stale.summary}", file=sys.stderr)
            report = flush_configured(session, settings)
        print_flush(report)
    return status


def _enabled_sources(setting: str) -> list[str]:
    """ADVISORY_WATCH_SOURCES as source names (empty: all); a name no source has is a mistake, not a
    cycle that quietly runs nothing."""
    from advisory_watch.usage import UsageError

    named = [n.strip() for n in setting.split(",") if n.strip()]
    unknown = [n for n in named if n not in registry.SOURCES]
    if unknown:
        raise UsageError(
            f"ADVISORY_WATCH_SOURCES names no source {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(registry.names())}"
        )
    return named or registry.names()


def _destination_keys(text: str) -> set[str]:
    from advisory_watch.usage import UsageError
    from diffing.countries import destination_keys

    keys, unknown = destination_keys(text.split(","))
    if unknown:
        raise UsageError(
            f"--countries: no destination called {', '.join(map(repr, unknown))}; "
            "give ISO codes (ST, IL) or names (Israel), comma-separated"
        )
    return keys
