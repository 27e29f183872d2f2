"""What one document's trip through the ingest core produced, and how its alerts travel.

Shared by the live cycle, replays, backfills and re-derived history, so none of them imports another
to learn these shapes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from alerts.payload import AlertPayload
from models.tables import FetchStatus

if TYPE_CHECKING:
    from sqlmodel import Session

    from advisory_watch.settings import Settings
    from scrapers.base import Source

# Outcomes of one document that mean it was not stored (the others: ok, partial, not_modified, duplicate).
FAILED_STATUSES = frozenset(
    {FetchStatus.FETCH_FAILED, FetchStatus.EXTRACTION_FAILED, FetchStatus.INGEST_FAILED}
)
# Outcomes that mean a document was read from upstream (stored, or confirmed unchanged).
READ_STATUSES = frozenset({FetchStatus.OK, FetchStatus.PARTIAL, FetchStatus.NOT_MODIFIED, "duplicate"})


@dataclass
class IngestResult:
    source: str
    status: str
    observed_at: datetime
    fetch_id: int | None = None
    items: int = 0
    rejected: int = 0
    snapshots: int = 0
    decisions: Counter = field(default_factory=Counter)
    changes: int = 0
    alerts: list[AlertPayload] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # destinations isolated this cycle: key -> error
    findings: Counter = field(default_factory=Counter)  # note_disagrees, note_unmatched, ...


@dataclass(frozen=True)
class FetchInfo:
    http_status: int | None = 200
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1
    provenance: str = "live"
    provenance_url: str | None = None


# How a run's alerts travel: ``live`` to the routed channels, ``digest`` into the next digest only,
# ``none`` recorded and held. Backfills default to ``none``; ``True``/``False`` mean live/none.
NotifyMode = bool | str
ALERT_STATUS = {"live": "pending", "digest": "digest", "none": "held"}


def alert_status(notify: NotifyMode) -> str:
    if isinstance(notify, bool):
        return "pending" if notify else "held"
    if notify not in ALERT_STATUS:
        raise ValueError(f"notify must be one of {sorted(ALERT_STATUS)}, not {notify!r}")
    return ALERT_STATUS[notify]


@dataclass(frozen=True)
class RunContext:
    """One source's run as each of its steps sees it: the store session, the source, the settings,
    and how its alerts travel. Handed down whole instead of the four to eleven parameters the steps
    of the ingest path used to take one by one."""

    session: Session
    source: Source
    settings: Settings
    notify: NotifyMode = True


def describe(exc: BaseException) -> str:
    """An exception as one line for a fetch row, an ops alert and the logs."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:2000]
