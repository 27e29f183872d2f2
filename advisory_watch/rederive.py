"""History in observed-time order, whatever order the observations arrived in.

Live fetches arrive in order and take one step of each destination's acceptance rule
(``pipeline._apply_observation``). A backfill brings observations *older* than what is stored, and a
reprocess changes the records of stored snapshots; in both cases what every later observation meant
(stale? pending? confirmed? which change, when?) depends on what came before it. This module folds the
same rule over a source's whole stored history, in observed-time order, and reconciles the stored
decisions and changes with the result:

- changes that still hold keep their rows (and the alerts that already went out for them);
- changes that no longer hold are removed (an alert that was already sent keeps its payload as the
  record of what was said; one still held is dropped);
- new changes are recorded with alerts in the run's notify mode (held by default for backfills).

A backfill never moves the current state (the confirmed and pending records stay those of the live
fetches); where the re-derived state differs materially from it, the destination is reported as a
conflict. A reprocess does move it: its point is to repair the records.

The fold needs, per stored observation, which destinations it showed (``Fetch.observed_keys``) and
per destination the bytes it had (snapshots are written whenever a destination's bytes change). It
needs no network and no re-extraction, so it costs milliseconds per thousand observations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from advisory_watch.settings import Settings, get_settings
from diffing.acceptance import Decision, Verdict
from models import store
from models.tables import Alert, Change, Delivery, DestinationState, Fetch, Snapshot
from scrapers.base import Extracted, Extraction, Source, canonical_json, transition

# A snapshot whose bytes the current extractor no longer accepts (set by reprocess): not an observation.
REJECTED = "rejected"


@dataclass(frozen=True)
class Observation:
    fetch_id: int
    observed_at: datetime
    keys: frozenset[str] | None  # None: stored before keys were recorded (every destination counts)


@dataclass
class RederiveResult:
    changes_added: int = 0
    changes_removed: int = 0
    dispositions: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def observations(session: Session, source: str) -> list[Observation]:
    """The source's stored observations in observed-time order. An observation with the same bytes as
    the URL's previous one, read by the same extractor, is a repeat (a replayed copy, an archived copy
    of a live fetch): it counts like a 304, as nothing, exactly as in the live path."""
    rows = session.exec(
        select(
            Fetch.id,
            Fetch.observed_at,
            Fetch.observed_keys,
            Fetch.url,
            Fetch.content_hash,
            Fetch.extractor_version,
            Fetch.status,
        )
        .where(Fetch.source == source, col(Fetch.status).in_(["ok", "partial"]))
        .order_by(col(Fetch.observed_at), col(Fetch.id))
    ).all()
    previous: dict[str, tuple[str | None, str | None]] = {}
    timeline = []
    for fid, when, keys, url, content_hash, version, status in rows:
        repeat = status == "ok" and content_hash is not None and previous.get(url) == (content_hash, version)
        if status == "ok":
            previous[url] = (content_hash, version)
        observed = frozenset() if repeat else None if keys is None else frozenset(keys.split())
        timeline.append(Observation(fid, store.as_utc(when), observed))
    return timeline


def snapshots_by_key(session: Session, source: str, position: dict[int, int]) -> dict[str, list[Snapshot]]:
    """Each destination's snapshots in the order of the observations that carried them."""
    rows = session.exec(select(Snapshot).where(Snapshot.source == source)).all()
    by_key: dict[str, list[Snapshot]] = defaultdict(list)
    for row in rows:
        if row.fetch_id in position:
            by_key[row.key].append(row)
    for history in by_key.values():
        history.sort(key=lambda s: (position[s.fetch_id], s.id))
    return by_key


def insert_observation(
    session: Session,
    source: Source,
    fetch: Fetch,
    chosen_by_key: dict[str, Extracted],
    result: Any,
    *,
    notify: Any,
    settings: Settings,
) -> None:
    """Put an observation older than the newest one in its place, then re-derive the history.

    Snapshots are sparse (a destination's snapshot stands until its bytes change), so inserting a
    different one at time t would silently change what the next observation showed. Where that
    happens the next observation gets an explicit copy of what it really showed.
    """
    from advisory_watch.pipeline import new_snapshot

    timeline = observations(session, source.name)
    position = {obs.fetch_id: i for i, obs in enumerate(timeline)}
    histories = snapshots_by_key(session, source.name, position)
    here = position[fetch.id]
    for key in sorted(chosen_by_key):
        chosen = chosen_by_key[key]
        history = histories.get(key, [])
        earlier = [s for s in history if position[s.fetch_id] < here]
        as_of = earlier[-1] if earlier else None
        raw_hash = store.sha256(chosen.raw)
        if as_of is not None and (as_of.record_hash, as_of.raw_hash) == (chosen.record_hash, raw_hash):
            continue
        new_snapshot(session, source, key, fetch, chosen, raw_hash, "backfilled")
        result.snapshots += 1
        if as_of is None:
            continue
        following = next((obs for obs in timeline[here + 1 :] if obs.keys is None or key in obs.keys), None)
        if following is None:
            continue
        later = [s for s in history if position[s.fetch_id] > here]
        if later and position[later[0].fetch_id] <= position[following.fetch_id]:
            continue  # the next observation has its own snapshot already
        session.add(
            Snapshot(
                source=source.name,
                key=key,
                observed_at=following.observed_at,
                fetch_id=following.fetch_id,
                record_hash=as_of.record_hash,
                raw_hash=as_of.raw_hash,
                extractor_version=as_of.extractor_version,
                disposition=as_of.disposition,
            )
        )
    session.flush()
    outcome = rederive(session, source, notify=notify, settings=settings, keep_current_state=True)
    result.changes += outcome.changes_added
    result.alerts += outcome.alerts
    result.decisions["inserted_in_history"] += 1
    if outcome.changes_removed:
        result.decisions["changes_superseded"] += outcome.changes_removed
    if outcome.conflicts:
        result.problems.append(
            "re-derived state differs from the live state (live kept): " + " ".join(outcome.conflicts)
        )


@dataclass
class _Fold:
    confirmed: Snapshot | None = None
    pending: Snapshot | None = None
    last: Snapshot | None = None
    transitions: list[tuple[Snapshot, Snapshot, datetime]] = field(default_factory=list)


def _fold_key(
    session: Session,
    source: Source,
    history: list[Snapshot],
    timeline: list[Observation],
    indices: list[int],
    position: dict[int, int],
    dispositions: dict[int, str],
) -> _Fold:
    """One destination through every observation that showed it: the live rule, step by step."""
    state = _Fold()
    cursor = 0
    current: Snapshot | None = None
    for i in indices:
        while cursor < len(history) and position[history[cursor].fetch_id] <= i:
            current = history[cursor]
            cursor += 1
        if current is None or current.disposition == REJECTED:
            continue
        obs = timeline[i]
        state.last = current
        if state.confirmed is not None and current.record_hash == state.confirmed.record_hash:
            verdict = Verdict(Decision.UNCHANGED)  # what decide() says for an identical record, cheaply
        else:
            verdict = source.policy.decide(
                source.fields,
                _record(session, state.confirmed),
                _record(session, state.pending),
                store.get_record(session, current.record_hash),
                obs.observed_at,
            )
        if current.fetch_id == obs.fetch_id:
            dispositions[current.id] = verdict.decision.value
        if verdict.becomes_confirmed:
            if state.confirmed is not None and verdict.decision is not Decision.BASELINE:
                state.transitions.append((state.confirmed, current, obs.observed_at))
            state.confirmed, state.pending = current, None
        elif verdict.becomes_pending:
            state.pending = current
        elif verdict.drops_pending:
            state.pending = None
    return state


def _record(session: Session, snapshot: Snapshot | None) -> dict[str, Any] | None:
    return store.get_record(session, snapshot.record_hash) if snapshot is not None else None


def rederive(
    session: Session,
    source: Source,
    *,
    notify: Any = "none",
    settings: Settings | None = None,
    keep_current_state: bool = True,
) -> RederiveResult:
    """Fold the acceptance rule over the stored history and make the stored changes match it."""
    from advisory_watch.pipeline import IngestResult, record_changes

    settings = settings or get_settings()
    outcome = RederiveResult()
    timeline = observations(session, source.name)
    position = {obs.fetch_id: i for i, obs in enumerate(timeline)}
    histories = snapshots_by_key(session, source.name, position)
    store.get_records(session, {s.record_hash for h in histories.values() for s in h})
    legacy = [i for i, obs in enumerate(timeline) if obs.keys is None]
    indices_by_key: dict[str, list[int]] = defaultdict(list)
    for i, obs in enumerate(timeline):
        for key in obs.keys or ():
            indices_by_key[key].append(i)

    dispositions: dict[int, str] = {}
    folds: dict[str, _Fold] = {}
    for key, history in histories.items():
        indices = sorted(set(indices_by_key.get(key, [])).union(legacy)) if legacy else indices_by_key[key]
        folds[key] = _fold_key(session, source, history, timeline, indices, position, dispositions)

    for history in histories.values():
        for snap in history:
            wanted = dispositions.get(snap.id)
            if wanted is not None and snap.disposition not in (wanted, REJECTED):
                snap.disposition = wanted
                outcome.dispositions += 1

    desired = {
        (key, new.id): (old, new, when) for key, fold in folds.items() for old, new, when in fold.transitions
    }
    existing: dict[tuple[str, int], list[Change]] = defaultdict(list)
    for row in session.exec(
        select(Change).where(Change.source == source.name, col(Change.from_snapshot_id).is_not(None))
    ).all():
        existing[(row.key, row.to_snapshot_id)].append(row)
    for ident, rows in existing.items():
        wanted_transition = desired.get(ident)
        if wanted_transition is not None and _rows_match(session, source, rows, *wanted_transition):
            desired.pop(ident)
            continue
        _remove_changes(session, source.name, rows)
        outcome.changes_removed += len(rows)
    session.flush()

    scratch = IngestResult(source.name, "rederive", datetime.now().astimezone())
    for (_key, _to), (old, new, when) in sorted(desired.items(), key=lambda item: item[1][2]):
        outcome.alerts += record_changes(
            session,
            source,
            store.get_record(session, old.record_hash),
            store.get_record(session, new.record_hash),
            when,
            old.id,
            new.id,
            notify=notify,
            settings=settings,
            result=scratch,
        )
    outcome.changes_added = scratch.changes
    _settle_states(session, source, folds, keep_current_state, outcome)
    session.flush()
    return outcome


def _rows_match(
    session: Session, source: Source, rows: list[Change], old: Snapshot, new: Snapshot, when: datetime
) -> bool:
    """Stored change rows still say what the transition old -> new at ``when`` says (same kinds,
    items and values: a reprocess may have changed the records behind them)."""
    if any(r.from_snapshot_id != old.id or store.as_utc(r.observed_at) != when for r in rows):
        return False
    wanted = transition(source, _record(session, old), _record(session, new)).stored
    return sorted(
        (c.kind, c.item or "", canonical_json(c.old), canonical_json(c.new)) for c in wanted
    ) == sorted((r.kind, r.item, canonical_json(r.old), canonical_json(r.new)) for r in rows)


def _remove_changes(session: Session, source: str, rows: list[Change]) -> None:
    """Drop changes history no longer supports. Alerts already delivered stay, detached, as the record
    of what was said; alerts still held (never shown to anyone) go with their change."""
    ids = [r.id for r in rows]
    alerts = session.exec(select(Alert).where(col(Alert.change_id).in_(ids))).all()
    for alert in alerts:
        if alert.status in ("held", "digest"):
            session.exec(delete(Delivery).where(Delivery.alert_id == alert.id))  # type: ignore[call-overload]
            session.delete(alert)
        else:
            alert.change_id = None
    session.flush()
    for row in rows:
        session.delete(row)


def _settle_states(
    session: Session, source: Source, folds: dict[str, _Fold], keep_current: bool, outcome: RederiveResult
) -> None:
    states = store.states_for(session, source.name)
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
            session.add(
                DestinationState(source=source.name, key=key, updated_at=fold.last.observed_at, **ids)
            )
            continue
        if keep_current:
            # The live state stays as it is (even a re-derived rendering of the same edition would be a
            # visible change); only a material difference is worth telling ops about.
            if not _same_content(session, source, state, fold):
                outcome.conflicts.append(key)
            ids = {"last_snapshot_id": ids["last_snapshot_id"]}  # a fact of history, not a decision
        for name, value in ids.items():
            if getattr(state, name) != value:
                setattr(state, name, value)


def _same_content(session: Session, source: Source, state: DestinationState, fold: _Fold) -> bool:
    """Whether the live state and the re-derived one say the same thing, by the source's own rule:
    the re-derived confirmed record, seen live now, would be no change (identical, another rendering of
    the same edition, or a stale copy). Pending records are transient and not compared."""
    live = store.snapshot_record(session, state.confirmed_snapshot_id)
    derived = _record(session, fold.confirmed)
    if live is None or derived is None:
        return live is None and derived is None
    when = fold.last.observed_at if fold.last is not None else datetime.now().astimezone()
    verdict = source.policy.decide(source.fields, live, None, derived, store.as_utc(when))
    return not (verdict.becomes_confirmed or verdict.becomes_pending)


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
    from advisory_watch.pipeline import _choose, session_for
    from scrapers import registry
    from scrapers.base import extract_snapshot
    from scrapers.errors import ExtractionError

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
                    reading = extract_snapshot(source, store.get_blob(session, snap.raw_hash), url=url)
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
            chosen = _choose(source, candidates)
            record_hash = store.put_record(session, chosen.record)
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
        outcome.rederived = rederive(
            session, source, notify="none", settings=settings, keep_current_state=False
        )
        session.commit()
    return outcome
