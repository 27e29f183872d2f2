"""Source health: one ops alert per failure streak, one "recovered" message when it ends.

Layout changes (extraction failures) alert on the first failure; network trouble (fetch failures)
only after ``threshold`` in a row, since one timeout an hour is weather, not news.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from alerts.payload import AlertPayload, ops_payload
from diffing.changes import Severity
from models.tables import SourceHealth
from scrapers import registry

# A URL that has not failed for this long is forgotten: it left the plan (a page no longer linked), or
# the failure had no URL of its own to be read again (discovery).
FAILING_MEMORY = timedelta(hours=24)


def _still_failing(failing: dict[str, str] | None, now: datetime, *, read: str | None) -> dict[str, str]:
    if read is None:
        return {}
    return {
        url: when
        for url, when in (failing or {}).items()
        if url != read and _utc(now) - _utc(datetime.fromisoformat(when)) < FAILING_MEMORY
    }


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(session: Session, source: str) -> SourceHealth:
    row = session.get(SourceHealth, source)
    if row is None:
        row = SourceHealth(source=source)
        session.add(row)
    return row


def record_failure(
    session: Session,
    *,
    source: str,
    kind: str,
    error: str,
    observed_at: datetime,
    threshold: int,
    url: str = "",
) -> AlertPayload | None:
    """Count a failure; return an ops payload when this failure is the one to tell ops about."""
    row = _row(session, source)
    row.consecutive_failures += 1
    row.last_error = error[:2000]
    row.updated_at = observed_at
    row.failing = {**(row.failing or {}), url: observed_at.isoformat()}
    if row.alerted or row.consecutive_failures < max(1, threshold):
        return None
    row.alerted = True
    noun = {
        "extraction_failed": "extraction failed",
        "ingest_failed": "the fetched document could not be stored",
    }.get(kind, "fetch failed")
    return ops_payload(
        source=source,
        government=registry.government_of(source),
        kind=kind,
        summary=f"{source}: {noun} ({row.consecutive_failures} in a row); last good snapshot stays current",
        observed_at=observed_at,
        url=url,
        error=error[:2000],
    )


def record_success(
    session: Session, *, source: str, observed_at: datetime, url: str | None = None
) -> AlertPayload | None:
    """``url`` was read. The streak ends (with a "recovered" payload when ops had been told) once no
    URL of the source is failing any more: one page read while others still fail is not "working
    again". Without ``url`` (a whole-source success, such as a Slack flush) every failure is cleared."""
    row = _row(session, source)
    row.last_success_at = observed_at
    row.updated_at = observed_at
    still_failing = _still_failing(row.failing, observed_at, read=url)
    row.failing = still_failing or None
    if still_failing:
        return None
    was_alerted = row.alerted
    failures = row.consecutive_failures
    row.consecutive_failures = 0
    row.alerted = False
    if not was_alerted:
        return None
    return ops_payload(
        source=source,
        government=registry.government_of(source),
        kind="source_recovered",
        summary=f"{source}: working again after {failures} failed attempt(s)",
        observed_at=observed_at,
        severity=Severity.INFO,
    )
