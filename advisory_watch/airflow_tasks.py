"""What DAG tasks call. Plain functions over the core, so they run (and are tested) without Airflow."""

from __future__ import annotations

from typing import Any

from advisory_watch.pipeline import run_source, session_for
from advisory_watch.settings import get_settings, reset_settings_cache
from alerts.outbox import flush_configured


def run_cycle(source: str, *, countries: list[str] | None = None, dry_run: bool = False) -> dict[str, Any]:
    """One live cycle; returns a small JSON-able summary for XCom (never the records themselves)."""
    reset_settings_cache()
    results = run_source(
        source, settings=get_settings(), notify=not dry_run, keys=set(countries or []) or None
    )
    failed = [r for r in results if r.status in {"fetch_failed", "extraction_failed"}]
    summary = {
        "source": source,
        "statuses": [r.status for r in results],
        "items": sum(r.items for r in results),
        "snapshots": sum(r.snapshots for r in results),
        "changes": sum(r.changes for r in results),
        "alerts": sum(len(r.alerts) for r in results),
        "problems": [p for r in results for p in r.problems][:20],
        "dry_run": dry_run,
    }
    if failed and len(failed) == len(results):
        # The failure is recorded (and ops told) already; failing the task makes Airflow retry with backoff.
        raise RuntimeError(f"{source}: every fetch failed: {summary['problems']}")
    return summary


def deliver(*, dry_run: bool = False) -> dict[str, Any]:
    """Deliver the outbox through the configured sink (Slack, else console)."""
    if dry_run:
        return {"sent": 0, "failed": 0, "dry_run": True}
    settings = get_settings()
    with session_for(settings) as session:
        report = flush_configured(session, settings)
    return {"sent": report.sent, "verified": report.verified, "pending": report.pending, "dry_run": False}
