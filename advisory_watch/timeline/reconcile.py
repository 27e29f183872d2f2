"""Reconciliation: the stored dispositions, changes and destination states made to match what the
fold derived. Changes that still hold keep their rows; those that no longer hold are removed (their
alerts the outbox's to withdraw or keep); new ones are recorded with their alerts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from advisory_watch.history_writes import record_changes
from advisory_watch.results import IngestResult, RunContext
from advisory_watch.timeline.checkpoints import Checkpoint
from advisory_watch.timeline.fold import fold_history
from advisory_watch.timeline.window import REJECTED, KeyFold, Window, record_of
from alerts import outbox
from alerts.payload import AlertPayload
from diffing.records import canonical_json
from models import blobs, store
from models.store import SnapRow, StateRow
from models.tables import Change, Snapshot
from scrapers.base import Source, transition


@dataclass
class RederiveResult:
    changes_added: int = 0
    changes_removed: int = 0
    dispositions: int = 0
    alerts: list[AlertPayload] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def rederive(
    run: RunContext,
    *,
    keep_current_state: bool = True,
    start: Checkpoint | None = None,
    settled_after: datetime | None = None,
    window: Window | None = None,
) -> RederiveResult:
    """Fold the acceptance rule over the stored history (from ``start``, a checkpoint history before
    which is unchanged) and make the stored changes match it. New changes' alerts travel as the run
    says (``run.notify``: held, for a backfill or a reprocess)."""
    session, source, settings = run.session, run.source, run.settings
    outcome = RederiveResult()
    window, folded = fold_history(
        session, source, start, settings.fold_checkpoint_every, settled_after, window
    )

    updates = [
        {"b_id": snap.id, "disposition": wanted}
        for fold in window.folds.values()
        for snap in fold.history
        if (wanted := folded.dispositions.get(snap.id)) is not None
        and snap.disposition not in (wanted, REJECTED)
    ]
    if updates:
        table = Snapshot.__table__
        session.execute(
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values(disposition=bindparam("disposition")),
            updates,
        )
        outcome.dispositions = len(updates)

    desired = {(key, new.id): (old, new, when) for key, old, new, when in folded.transitions}
    query = select(Change).where(Change.source == source.name, col(Change.from_snapshot_id).is_not(None))
    if start is not None:
        query = query.where(col(Change.observed_at) > start.observed_at)
    if folded.stopped_at is not None:
        query = query.where(col(Change.observed_at) <= folded.stopped_at)
    existing: dict[tuple[str, int], list[Change]] = defaultdict(list)
    for row in session.exec(query).all():
        gap = folded.skipped.get(row.key)
        if gap is not None and gap[0] < row.observed_at <= gap[1]:
            continue  # a stretch this destination's fold skipped: its stored changes stand
        existing[(row.key, row.to_snapshot_id)].append(row)
    for ident, rows in existing.items():
        wanted_transition = desired.get(ident)
        if wanted_transition is not None and _rows_match(session, source, rows, *wanted_transition):
            desired.pop(ident)
            continue
        _remove_changes(session, rows)
        outcome.changes_removed += len(rows)
    session.flush()

    scratch = IngestResult(source.name, "rederive", datetime.now().astimezone())
    for _ident, (old, new, when) in sorted(desired.items(), key=lambda item: item[1][2]):
        outcome.alerts += record_changes(
            run,
            blobs.get_record(session, old.record_hash),
            blobs.get_record(session, new.record_hash),
            when=when,
            between=(old.id, new.id),
            result=scratch,
        )
    outcome.changes_added = scratch.changes
    if folded.stopped_at is None:
        # A fold that met its stored checkpoint ends where the stored history already ends.
        _settle_states(session, source, window.folds, keep_current_state, outcome)
    session.flush()
    return outcome


def _rows_match(
    session: Session, source: Source, rows: list[Change], old: SnapRow, new: SnapRow, when: datetime
) -> bool:
    """Stored change rows still say what the transition old -> new at ``when`` says (same kinds,
    items and values: a reprocess may have changed the records behind them)."""
    if any(r.from_snapshot_id != old.id or r.observed_at != when for r in rows):
        return False
    wanted = transition(source, record_of(session, old), record_of(session, new)).stored
    return sorted(
        (c.kind, c.item or "", canonical_json(c.old), canonical_json(c.new)) for c in wanted
    ) == sorted((r.kind, r.item, canonical_json(r.old), canonical_json(r.new)) for r in rows)


def _remove_changes(session: Session, rows: list[Change]) -> None:
    """Drop changes history no longer supports; their alerts are the outbox's to withdraw or keep."""
    outbox.withdraw_for_changes(session, [r.id for r in rows if r.id is not None])
    for row in rows:
        session.delete(row)


def _settle_states(
    session: Session, source: Source, folds: dict[str, KeyFold], keep_current: bool, outcome: RederiveResult
) -> None:
    states = store.states_for(session, source.name)
    touched: list[StateRow] = []
    for key, fold in sorted(folds.items()):
        if fold.last is None:
            continue
        state = states.get(key)
        ids = {
            "confirmed_snapshot_id": fold.confirmed.id if fold.confirmed else None,
            "pending_snapshot_id": fold.pending.id if fold.pending else None,
            "last_snapshot_id": fold.last.id,
        }
        if state is None:
            touched.append(StateRow(source.name, key, updated_at=fold.last.observed_at, stored=False, **ids))
            continue
        if keep_current:
            # The live state stays as it is (even a re-derived rendering of the same edition would be a
            # visible change); only a material difference is worth telling ops about.
            if not _same_content(session, source, state, fold):
                outcome.conflicts.append(key)
            ids = {"last_snapshot_id": ids["last_snapshot_id"]}  # a fact of history, not a decision
        if any(getattr(state, name) != value for name, value in ids.items()):
            for name, value in ids.items():
                setattr(state, name, value)
            touched.append(state)
    store.write_states(session, touched)


def _same_content(session: Session, source: Source, state: StateRow, fold: KeyFold) -> bool:
    """Whether the live state and the re-derived one say the same thing, by the source's own rule:
    the re-derived confirmed record, seen live now, would be no change (identical, another rendering of
    the same edition, or a stale copy). Pending records are transient and not compared."""
    live = store.snapshot_record(session, state.confirmed_snapshot_id)
    derived = record_of(session, fold.confirmed)
    if live is None or derived is None:
        return live is None and derived is None
    when = fold.last.observed_at if fold.last is not None else datetime.now().astimezone()
    verdict = source.policy.decide(source.fields, live, None, derived, when)
    return not (verdict.becomes_confirmed or verdict.becomes_pending)
