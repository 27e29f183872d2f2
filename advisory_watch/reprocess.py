"""Reprocess: the current extractor over stored snapshots (no network), then history re-derived.

An extractor fix repairs history this way (``advisory-watch reprocess``, the ``reprocess_history``
DAG); the fold itself is ``advisory_watch.timeline``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, delete, select

from advisory_watch.results import RunContext
from advisory_watch.settings import Settings, get_settings
from advisory_watch.timeline import REJECTED, RederiveResult, rederive
from models import blobs, store
from models.sessions import session_for
from models.tables import Fetch, FoldCheckpoint, Snapshot
from scrapers import registry
from scrapers.base import Extraction, Source, choose, extract_snapshot
from scrapers.errors import ExtractionError


@dataclass
class ReprocessResult:
    source: str
    snapshots: int = 0
    records_changed: int = 0
    rejected: int = 0
    failed: int = 0
    rederived: RederiveResult = field(default_factory=RederiveResult)

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "snapshots": self.snapshots,
            "records_changed": self.records_changed,
            "rejected": self.rejected,
            "unreadable": self.failed,
            "changes_added": self.rederived.changes_added,
            "changes_removed": self.rederived.changes_removed,
            "dispositions_updated": self.rederived.dispositions,
        }


class ReprocessError(Exception):
    """The current extractor cannot read bytes it (or an earlier version) once read: nothing is changed."""


def reprocess(
    name: str,
    *,
    since: datetime | None = None,
    settings: Settings | None = None,
    source: Source | None = None,
) -> ReprocessResult:
    """Re-run the current extractor over stored snapshots (no network), then re-derive the history.

    An extractor fix repairs history this way: records change in place (same snapshot, new record),
    and the changes, decisions and current state follow from them. Alerts for changes this reveals
    are recorded held: they are history, not news. An extractor that fails on stored bytes is a
    regression, not a repair: the whole reprocess is refused and nothing is written.
    """
    settings = settings or get_settings()
    source = source or registry.load(name)
    outcome = ReprocessResult(name)
    with session_for(settings) as session:
        store.lock_source(session, name)
        query = select(Snapshot, Fetch.url).join(Fetch, col(Snapshot.fetch_id) == col(Fetch.id))
        query = query.where(Snapshot.source == name)
        if since is not None:
            query = query.where(col(Snapshot.observed_at) >= since)
        readings: dict[tuple[str, str], Extraction | ExtractionError] = {}
        first_failure: str | None = None
        for snap, url in session.exec(query.order_by(col(Snapshot.observed_at), col(Snapshot.id))).all():
            outcome.snapshots += 1
            reading = readings.get((snap.raw_hash, url))
            if reading is None:
                try:
                    reading = extract_snapshot(source, blobs.get_blob(session, snap.raw_hash), url=url)
                except ExtractionError as exc:
                    reading = exc
                readings[(snap.raw_hash, url)] = reading
            if isinstance(reading, ExtractionError):
                outcome.failed += 1
                first_failure = first_failure or f"snapshot {snap.id} ({snap.key}): {reading}"
                continue
            candidates = [e for e in reading.records if e.key == snap.key and not e.rejected]
            if not candidates:
                outcome.rejected += 1
                snap.disposition = REJECTED
                continue
            chosen = choose(source, candidates)
            record_hash = blobs.put_record(session, chosen.record)
            if snap.disposition == REJECTED:
                snap.disposition = "reprocessed"  # an observation again; the fold sets its decision
            if record_hash != snap.record_hash:
                snap.record_hash = record_hash
                outcome.records_changed += 1
            snap.extractor_version = source.extractor_version
        if first_failure is not None:
            session.rollback()
            raise ReprocessError(
                f"{name}: extractor {source.extractor_version} cannot read {outcome.failed} stored "
                f"snapshot(s), e.g. {first_failure}; nothing was changed"
            )
        session.flush()
        # Records changed anywhere in history: every checkpoint of the fold is void.
        session.exec(delete(FoldCheckpoint).where(FoldCheckpoint.source == name))  # type: ignore[call-overload]
        outcome.rederived = rederive(
            RunContext(session, source, settings, notify="none"), keep_current_state=False
        )
        session.commit()
    return outcome
