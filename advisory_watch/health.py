"""Source health: one ops alert per failure streak, one "recovered" message when it ends.

Layout changes (extraction failures) alert on the first failure; network trouble (fetch failures)
only after ``threshold`` in a row, since one timeout an hour is weather, not news.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from alerts.payload import ops_payload
from diffing.changes import Severity
from models.tables import SourceHealth


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
) -> dict[str, Any] | None:
    """Count a failure; return an ops payload when this failure is the one to tell ops about."""
    row = _row(session, source)
    row.consecutive_failures += 1
    row.last_error = error[:2000]
    row.updated_at = observed_at
    if row.alerted or row.consecutive_failures < max(1, threshold):
        return None
    row.alerted = True
    noun = {
        "extraction_failed": "extraction failed",
        "ingest_failed": "the fetched document could not be stored",
    }.get(kind, "fetch failed")
    return ops_payload(
        source=source,
        kind=kind,
        summary=f"{source}: {noun} ({row.consecutive_failures} in a row); last good snapshot stays current",
        observed_at=observed_at,
        url=url,
        error=error[:2000],
    )


def record_success(session: Session, *, source: str, observed_at: datetime) -> dict[str, Any] | None:
    """Reset the streak; return a "recovered" payload when ops had been told about it."""
    row = _row(session, source)
    was_alerted = row.alerted
    failures = row.consecutive_failures
    row.consecutive_failures = 0
    row.alerted = False
    row.last_success_at = observed_at
    row.updated_at = observed_at
    if not was_alerted:
        return None
    return ops_payload(
        source=source,
        kind="source_recovered",
        summary=f"{source}: working again after {failures} failed attempt(s)",
        observed_at=observed_at,
        severity=Severity.INFO,
    )
