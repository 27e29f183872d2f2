"""The newest observation of a source: one step of each destination's acceptance rule.

``advisory_watch.timeline`` folds the same step over the whole stored history; the two must agree
(tests/scenarios/test_backfill.py replays the archive in and out of order and compares). The
step is planned in memory for every destination (decision, snapshot or reuse), then written in batches through
``advisory_watch.history_writes``. With ``isolate`` each destination is planned and written in its
own savepoint instead: the slower path, taken when the batch failed, so that one destination that
cannot be stored keeps its last good state and the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from advisory_watch.alert_records import ops_alert_once
from advisory_watch.history_writes import NewSnapshot, insert_snapshots, record_changes, record_findings
from advisory_watch.results import IngestResult, RunContext, describe
from alerts.payload import ops_payload
from diffing.acceptance import Decision, Verdict
from diffing.changes import Severity
from models import blobs, store
from models.store import SnapRow, StateRow
from models.tables import Fetch
from scrapers.base import Extracted

_FEW = 20


@dataclass
class _Step:
    key: str
    chosen: Extracted
    state: StateRow | None
    confirmed: dict[str, Any] | None
    verdict: Verdict
    reuse: SnapRow | None  # the destination's last snapshot, when it holds exactly these bytes


@dataclass(frozen=True)
class _Moment:
    """This observation as its steps see it: the run, the fetch row, the destinations' states and
    snapshots (updated as steps are written), and the result they add to."""

    run: RunContext
    fetch: Fetch
    states: dict[str, StateRow]
    snapshots: dict[int, SnapRow]
    result: IngestResult

    @property
    def when(self) -> datetime:
        return self.fetch.observed_at


def apply_observation(
    run: RunContext,
    fetch: Fetch,
    chosen_by_key: dict[str, Extracted],
    result: IngestResult,
    *,
    isolate: bool = False,
) -> None:
    # A page of one destination reads that destination's state, not the source's ~200 (a feed: all).
    few = chosen_by_key.keys() if len(chosen_by_key) <= _FEW else None
    states, snapshots = store.states_and_snapshots(run.session, run.source.name, few)
    moment = _Moment(run, fetch, states, snapshots, result)
    if not isolate:
        _write(moment, [_plan(moment, key, chosen_by_key[key]) for key in sorted(chosen_by_key)])
        return
    for key in sorted(chosen_by_key):
        before = (result.decisions.copy(), result.snapshots, result.changes, len(result.alerts))
        try:
            # A savepoint per destination: one that cannot be stored rolls back alone and keeps its
            # last good state; the other destinations and the rest of the cycle go on.
            with run.session.begin_nested():
                _write(moment, [_plan(moment, key, chosen_by_key[key])])
        except Exception as exc:  # noqa: BLE001 - isolate the destination, tell ops once, go on
            result.decisions, result.snapshots, result.changes = before[0], before[1], before[2]
            del result.alerts[before[3] :]
            states.pop(key, None)
            _isolated(moment, key, describe(exc))


def _isolated(moment: _Moment, key: str, error: str) -> None:
    source, result = moment.run.source, moment.result
    result.failed[key] = error
    result.problems.append(f"{key}: {error}")
    result.alerts += ops_alert_once(
        moment.run.session,
        ops_payload(
            source=source.name,
            government=source.government,
            kind="destination_failed",
            observed_at=moment.when,
            url=moment.fetch.url,
            summary=f"{source.name}: {key} could not be stored ({error}); its last good state "
            "stays current, every other destination was processed",
            error=error,
            severity=Severity.HIGH,
        ),
        f"{key}:{error}",
        notify=moment.run.notify,
    )


def _plan(moment: _Moment, key: str, chosen: Extracted) -> _Step:
    """What the acceptance rule says of this destination's new item; nothing written yet."""
    session, source, snapshots = moment.run.session, moment.run.source, moment.snapshots

    def snapshot(snapshot_id: int | None) -> SnapRow | None:
        return snapshots.get(snapshot_id) if snapshot_id is not None else None

    def record_of(snap: SnapRow | None) -> dict[str, Any] | None:
        return blobs.get_record(session, snap.record_hash) if snap else None

    state = moment.states.get(key)
    confirmed_snap = snapshot(state.confirmed_snapshot_id) if state else None
    confirmed = record_of(confirmed_snap)
    if confirmed_snap is not None and confirmed_snap.record_hash == chosen.record_hash:
        verdict = Verdict(Decision.UNCHANGED)  # what decide() says for an identical record, cheaply
    else:
        pending = record_of(snapshot(state.pending_snapshot_id)) if state else None
        verdict = source.policy.decide(source.fields, confirmed, pending, chosen.record, moment.when)
    moment.result.decisions[verdict.decision.value] += 1
    last = snapshot(state.last_snapshot_id) if state else None
    same_bytes = last is not None and (last.record_hash, last.raw_hash) == (
        chosen.record_hash,
        chosen.raw_hash,
    )
    return _Step(key, chosen, state, confirmed, verdict, last if same_bytes else None)


def _write(moment: _Moment, steps: list[_Step]) -> None:
    """The planned steps stored: new snapshots in one batch, then states, changes and alerts."""
    session, source, when = moment.run.session, moment.run.source, moment.when
    # History re-derived by a backfill may already have a change into the reused snapshot (the live
    # state was kept where the two disagreed): a confirming observation then gets its own snapshot.
    confirming = [s for s in steps if s.reuse is not None and s.verdict.becomes_confirmed]
    targets = store.change_targets(session, {s.reuse.id for s in confirming if s.reuse is not None})
    for step in confirming:
        if step.reuse is not None and step.reuse.id in targets:
            step.reuse = None
    fresh = [s for s in steps if s.reuse is None]
    written = insert_snapshots(
        session,
        source,
        [
            NewSnapshot(s.key, moment.fetch.id, when, s.verdict.decision.value, extracted=s.chosen)
            for s in fresh
        ],
    )
    moment.result.snapshots += len(written)
    snapshot_of = {s.key: s.reuse for s in steps if s.reuse is not None}
    snapshot_of.update({snap.key: snap for snap in written})
    touched = []
    for step in steps:
        snapshot = snapshot_of[step.key]
        moment.snapshots[snapshot.id] = snapshot
        state = step.state or StateRow(source.name, step.key, updated_at=when, stored=False)
        moment.states[step.key] = state
        before = state.values()
        _advance(moment, state, step, snapshot)
        if state.values() != before or not state.stored:
            touched.append(state)
    store.write_states(session, touched)


def _advance(moment: _Moment, state: StateRow, step: _Step, snapshot: SnapRow) -> None:
    """The destination's state after its step, and the changes and alert a confirmation brings."""
    run, when, result = moment.run, moment.when, moment.result
    _set_state(state, when, last_snapshot_id=snapshot.id)
    verdict = step.verdict
    if verdict.becomes_confirmed:
        findings = run.source.findings
        if findings is not None:
            found = findings(step.chosen.record, _confirmed_lookup(run.session))
            record_findings(run, step.chosen.record, found, when, snapshot.id, result)
        if step.confirmed is not None and verdict.decision is not Decision.BASELINE:
            result.alerts += record_changes(
                run,
                step.confirmed,
                step.chosen.record,
                when=when,
                between=(state.confirmed_snapshot_id, snapshot.id),
                result=result,
            )
        _set_state(state, when, confirmed_snapshot_id=snapshot.id, pending_snapshot_id=None)
    elif verdict.becomes_pending:
        _set_state(state, when, pending_snapshot_id=snapshot.id)
    elif verdict.drops_pending:
        _set_state(state, when, pending_snapshot_id=None)


def _set_state(state: StateRow, when: datetime, **values: int | None) -> None:
    """Assign only what differs, so an unchanged destination costs no UPDATE."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)
            state.updated_at = when


def _confirmed_lookup(session: Session):  # type: ignore[no-untyped-def]
    """(source, key) -> that destination's confirmed record in another source, for cross-checks."""

    def lookup(source_name: str, key: str | None) -> dict[str, Any] | None:
        state = store.state_of(session, source_name, key or "")
        return store.snapshot_record(session, state.confirmed_snapshot_id) if state else None

    return lookup
