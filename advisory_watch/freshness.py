"""Is every source still watched? Time since its last successful cycle, against its schedule.

A source that stops succeeding goes quiet, and quiet looks like "nothing changed" — the worst failure
here. Each delivery (every DAG's ``deliver_alerts``, ``advisory-watch run``) therefore checks every
source: one whose last success is older than N × its schedule interval (``stale_after_intervals``,
default 3) raises a ``source_stale`` ops alert, once per silence (a new success ends it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter
from sqlmodel import Session, col, func, select

from advisory_watch.alert_records import ops_alert_keyed
from advisory_watch.results import NotifyMode
from advisory_watch.settings import Settings
from alerts.payload import AlertPayload, ops_payload
from diffing.changes import Severity
from models.tables import Fetch, SourceHealth
from scrapers import registry

_PRESETS = {
    "@hourly": timedelta(hours=1),
    "@daily": timedelta(days=1),
    "@weekly": timedelta(weeks=1),
    "@monthly": timedelta(days=31),
    "@yearly": timedelta(days=366),
}


def schedule_interval(schedule: str) -> timedelta:
    """The longest gap between two runs of a schedule (a preset or a cron expression)."""
    if schedule in _PRESETS:
        return _PRESETS[schedule]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    times = croniter(schedule, start)
    fires = [times.get_next(datetime) for _ in range(50)]
    return max(b - a for a, b in zip(fires, fires[1:], strict=False))


def freshness(session: Session, source: str, now: datetime, factor: float) -> dict[str, Any]:
    """Since when the source has had no success (its last success, else its first live attempt), the
    allowed silence, and whether it is stale. A source never fetched live (only replayed or
    backfilled from the archive) is not judged: it was never being watched."""
    entry = registry.SOURCES.get(source)
    health = session.get(SourceHealth, source)
    first_live = session.exec(
        select(func.min(col(Fetch.observed_at))).where(Fetch.source == source, Fetch.provenance == "live")
    ).one()
    since = None
    if first_live is not None:
        last_success = health.last_success_at if health and health.last_success_at else first_live
        since = last_success
    interval = schedule_interval(entry.schedule) if entry else None
    allowed = interval * factor if interval else None
    silent = (now - since) if since else None
    return {
        "schedule": entry.schedule if entry else None,
        "seconds_since_success": round(silent.total_seconds()) if silent is not None else None,
        "stale_after_seconds": round(allowed.total_seconds()) if allowed else None,
        "stale": bool(silent is not None and allowed is not None and silent > allowed),
        "silent_since": since.isoformat() if since else None,
    }


def stale_payloads(session: Session, now: datetime, factor: float) -> list[tuple[AlertPayload, str]]:
    """(ops payload, when its silence began) for every stale source: the start names the silence, so
    it is told once however many deliveries see it."""
    found = []
    for name in registry.names():
        state = freshness(session, name, now, factor)
        if not state["stale"]:
            continue
        health = session.get(SourceHealth, name)
        hours = state["seconds_since_success"] / 3600
        summary = (
            f"{name}: no successful cycle for {hours:.1f} h (schedule {state['schedule']}; stale after "
            f"{state['stale_after_seconds'] / 3600:g} h) — its destinations are not being watched"
        )
        payload = ops_payload(
            source=name,
            government=registry.government_of(name),
            kind="source_stale",
            summary=summary,
            observed_at=now,
            error=(health.last_error or "")[:2000] if health else "",
            severity=Severity.HIGH,
        )
        found.append((payload, state["silent_since"]))
    return found


def raise_stale_sources(
    session: Session, settings: Settings, *, notify: NotifyMode = True
) -> list[AlertPayload]:
    """An ops alert for every source silent longer than its schedule allows, once per silence: the
    key names when the silence began."""
    raised = []
    for payload, since in stale_payloads(session, datetime.now(UTC), settings.stale_after_intervals):
        raised += ops_alert_keyed(
            session, payload, f"ops:{payload.source}:source_stale:{since}", notify=notify
        )
    session.commit()
    return raised
