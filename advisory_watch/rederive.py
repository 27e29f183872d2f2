"""History in observed-time order, whatever order the observations arrived in.

Live fetches arrive in order and take one step of each destination's acceptance rule
(``advisory_watch.observe``). A backfill brings observations *older* than what is stored, and a
reprocess changes the records of stored snapshots; in both cases what every later observation meant
(stale? pending? confirmed? which change, when?) depends on what came before it. This module folds the
same rule over a source's stored history, in observed-time order, and reconciles the stored
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
needs no network and no re-extraction.

**Checkpoints** keep its cost flat over years of hourly history: every ``fold_checkpoint_every``
observations the fold's position is stored (``FoldCheckpoint``: each destination's current,
confirmed, pending and last snapshot, and each URL's last full reading). Live cycles extend them as
they go, and a re-fold adds them in long stretches without any (backfilled history). A backfill
loads the history from the checkpoint before the inserted observation to the second one after it,
and stops at the first checkpoint where the fold meets the stored one again — the same current and
last snapshots, confirmed and pending records of the same content — so history beyond is unchanged
and its cost does not grow with the history after it. Only a fold that does not meet the stored one
there (a destination no stored observation had) loads the rest and folds over.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from advisory_watch.history_writes import NewSnapshot, insert_snapshots, record_changes
from advisory_watch.results import IngestResult, NotifyMode
from advisory_watch.settings import Settings, get_settings
from alerts import outbox
from alerts.payload import AlertPayload
from diffing.acceptance import Decision, Verdict
from diffing.records import canonical_json
from models import store
from models.store import SnapRow, StateRow
from models.tables import (
    STORED_STATUSES,
    Change,
    Fetch,
    FetchStatus,
    FoldCheckpoint,
    Snapshot,
)
from scrapers.base import Extracted, Source, transition

# A snapshot whose bytes the current extractor no longer accepts (set by reprocess): not an observation.
REJECTED = "rejected"
OBSERVED = STORED_STATUSES


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
    alerts: list[AlertPayload] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Checkpoint:
    """The fold after one observation: per key [current, confirmed, pending, last] snapshot ids, and
    per URL the fetch of its last full reading."""

    fetch_id: int
    observed_at: datetime
    keys: dict[str, list[int | None]]
    urls: dict[str, int]

    def encode(self) -> bytes:
        return zlib.compress(canonical_json({"keys": self.keys, "urls": self.urls}).encode(), 6)

    @classmethod
    def decode(cls, fetch_id: int, observed_at: datetime, data: bytes) -> Checkpoint:
        state = json.loads(zlib.decompress(data))
        return cls(fetch_id, observed_at, state["keys"], state["urls"])

    def same_fold(self, other: Checkpoint) -> bool:
        return (self.keys, self.urls) == (other.keys, other.urls)


def _checkpoints(session: Session, source: str, after: datetime | None = None) -> dict[int, datetime]:
    """When each stored checkpoint of a source (after an instant) stands, by fetch id: their states
    are read only where a fold reaches them."""
    query = select(FoldCheckpoint.fetch_id, FoldCheckpoint.observed_at).where(FoldCheckpoint.source == source)
    if after is not None:
        query = query.where(col(FoldCheckpoint.observed_at) > after)
    return {fid: when for fid, when in session.exec(query).all()}


def _stored_checkpoint(session: Session, source: str, fetch_id: int) -> Checkpoint:
    when, data = session.exec(
        select(FoldCheckpoint.observed_at, FoldCheckpoint.state).where(
            FoldCheckpoint.source == source, FoldCheckpoint.fetch_id == fetch_id
        )
    ).one()
    return Checkpoint.decode(fetch_id, when, data)


def _horizon(session: Session, source: str, settled_after: datetime) -> datetime | None:
    """Where a backfill's fold should have met the stored one: the second stored checkpoint from
    ``settled_after`` on (None when there are fewer: the rest of the history is short)."""
    return session.exec(
        select(FoldCheckpoint.observed_at)
        .where(FoldCheckpoint.source == source, col(FoldCheckpoint.observed_at) >= settled_after)
        .order_by(col(FoldCheckpoint.observed_at))
        .offset(1)
        .limit(1)
    ).first()


def _checkpoint_before(session: Session, source: str, when: datetime | None) -> Checkpoint | None:
    """The newest checkpoint strictly before ``when`` (the newest of all when None)."""
    query = select(FoldCheckpoint.fetch_id, FoldCheckpoint.observed_at, FoldCheckpoint.state).where(
        FoldCheckpoint.source == source
    )
    if when is not None:
        query = query.where(col(FoldCheckpoint.observed_at) < when)
    row = session.exec(query.order_by(col(FoldCheckpoint.observed_at).desc()).limit(1)).first()
    return Checkpoint.decode(*row) if row else None


@dataclass
class _KeyFold:
    """One destination's fold: where it stands, and its snapshots (in observation order) to come."""

    history: list[SnapRow]
    indices: list[int]  # window positions of the observations that showed it
    current: SnapRow | None = None
    confirmed: SnapRow | None = None
    pending: SnapRow | None = None
    last: SnapRow | None = None
    cursor: int = 0  # next entry of ``history``
    next_index: int = 0  # next entry of ``indices``

    def ids(self) -> list[int | None]:
        return [
            s.id if s is not None else None for s in (self.current, self.confirmed, self.pending, self.last)
        ]

    def resume(self, snapshots: list[SnapRow | None], position: dict[int, int], at: int) -> None:
        """Stand where a stored checkpoint at position ``at`` says, the observations up to it passed."""
        self.current, self.confirmed, self.pending, self.last = snapshots
        while self.cursor < len(self.history) and position[self.history[self.cursor].fetch_id] <= at:
            self.cursor += 1
        while self.next_index < len(self.indices) and self.indices[self.next_index] <= at:
            self.next_index += 1


@dataclass
class _Window:
    """The stored history a fold goes over: the observations after a checkpoint (all of them when
    there is none), each destination's snapshots among them, and where the checkpoint left it."""

    start: Checkpoint | None
    timeline: list[Observation]
    position: dict[int, int]
    folds: dict[str, _KeyFold]
    urls_at: dict[int, dict[str, int]]  # position -> each URL's last full reading, at the marks
    complete: bool = True  # False: the observations end at ``until``, the history goes on
    stored: dict[int, datetime] = field(default_factory=dict)  # the stored checkpoints after ``start``


def _window(
    session: Session,
    source: Source,
    start: Checkpoint | None,
    marks: tuple[dict[int, datetime], int] | None = None,
    until: datetime | None = None,
) -> _Window:
    """Load the window (up to ``until`` when given). ``marks`` (the stored checkpoints, and the spacing
    of new ones) says where the fold will store checkpoints: there the URL readings are kept."""
    after = start.observed_at if start is not None else None
    query = select(
        Fetch.id,
        Fetch.observed_at,
        Fetch.observed_keys,
        Fetch.url,
        Fetch.content_hash,
        Fetch.extractor_version,
        Fetch.status,
    ).where(Fetch.source == source.name, col(Fetch.status).in_(OBSERVED))
    if after is not None:
        query = query.where(col(Fetch.observed_at) > after)
    if until is not None:
        query = query.where(col(Fetch.observed_at) <= until)
    rows = session.exec(query.order_by(col(Fetch.observed_at), col(Fetch.id))).all()
    complete = until is None or not _observed_after(session, source.name, until)
    places = _marks([row[0] for row in rows], *marks) if marks is not None else set()
    readings = dict(start.urls) if start is not None else {}
    # An observation with the same bytes as the URL's previous one, read by the same extractor, is a
    # repeat (a replayed copy, an archived copy of a live fetch): it counts like a 304, as nothing,
    # exactly as in the live path.
    reading_of = _readings(session, set(readings.values()))
    timeline: list[Observation] = []
    urls_at: dict[int, dict[str, int]] = {}
    for fid, when, keys, url, content_hash, version, status in rows:
        previous = reading_of.get(readings[url]) if url in readings else None
        repeat = status == FetchStatus.OK and content_hash is not None and previous == (content_hash, version)
        if status == FetchStatus.OK:
            readings[url] = fid
            reading_of[fid] = (content_hash, version)
        observed = frozenset() if repeat else None if keys is None else frozenset(keys.split())
        timeline.append(Observation(fid, when, observed))
        if len(timeline) - 1 in places:
            urls_at[len(timeline) - 1] = dict(readings)
    position = {obs.fetch_id: i for i, obs in enumerate(timeline)}

    where = [Snapshot.source == source.name]
    if after is not None:
        where.append(col(Snapshot.observed_at) > after)
    if until is not None:
        where.append(col(Snapshot.observed_at) <= until)
    histories: dict[str, list[SnapRow]] = defaultdict(list)
    for snap in store.snapshot_rows(session, where):
        if snap.fetch_id in position:
            histories[snap.key].append(snap)
    for history in histories.values():
        history.sort(key=lambda s: (position[s.fetch_id], s.id))

    begun = start.keys if start is not None else {}
    known = store.snapshots_by_id(session, {sid for ids in begun.values() for sid in ids if sid is not None})
    indices: dict[str, list[int]] = defaultdict(list)
    for i, obs in enumerate(timeline):
        for key in obs.keys or ():
            indices[key].append(i)
    legacy = [i for i, obs in enumerate(timeline) if obs.keys is None]
    folds = {}
    for key in sorted(set(begun) | set(histories)):
        seen = sorted(set(indices.get(key, [])).union(legacy)) if legacy else indices.get(key, [])
        fold = _KeyFold(histories.get(key, []), seen)
        ids = begun.get(key, [None, None, None, None])
        fold.current, fold.confirmed, fold.pending, fold.last = (known.get(i) if i else None for i in ids)
        folds[key] = fold
    store.get_records(
        session, {s.record_hash for f in folds.values() for s in (*f.history, f.confirmed, f.pending) if s}
    )
    return _Window(start, timeline, position, folds, urls_at, complete, marks[0] if marks else {})


def _add_snapshots(window: _Window, rows: list[SnapRow]) -> None:
    """Put snapshots just written (for observations in the window) in their destinations' histories."""
    position = window.position
    for row in rows:
        fold = window.folds.get(row.key)
        if fold is None:
            seen = [i for i, obs in enumerate(window.timeline) if obs.keys is None or row.key in obs.keys]
            fold = window.folds[row.key] = _KeyFold([], seen)
        fold.history.append(row)
        fold.history.sort(key=lambda s: (position[s.fetch_id], s.id))
    window.folds = dict(sorted(window.folds.items()))


def _observed_after(session: Session, source: str, when: datetime) -> bool:
    query = select(Fetch.id).where(
        Fetch.source == source, col(Fetch.status).in_(OBSERVED), col(Fetch.observed_at) > when
    )
    return session.exec(query.limit(1)).first() is not None


def _marks(fetch_ids: list[int], stored: dict[int, datetime], every: int) -> set[int]:
    """Positions of the window's checkpoints: the stored ones' (so a re-fold can meet them), one every
    ``every`` observations after the last of them, and as many in any stretch between two of them
    (or before the first) at least twice as long: backfilled history gets checkpoints too."""
    places = [i for i, fid in enumerate(fetch_ids) if fid in stored]
    marks = set(places)
    previous = -1  # the window's start
    for place in places:
        if place - previous >= 2 * every:
            marks.update(range(previous + every, place - every + 1, every))
        previous = place
    marks.update(range(previous + every, len(fetch_ids), every))
    return marks


def _readings(session: Session, fetch_ids: set[int]) -> dict[int, tuple[str | None, str | None]]:
    if not fetch_ids:
        return {}
    rows = session.exec(
        select(Fetch.id, Fetch.content_hash, Fetch.extractor_version).where(
            col(Fetch.id).in_(list(fetch_ids))
        )
    ).all()
    return {fid: (content_hash, version) for fid, content_hash, version in rows}


@dataclass
class _FoldRun:
    transitions: list[tuple[str, SnapRow, SnapRow, datetime]] = field(default_factory=list)
    dispositions: dict[int, str] = field(default_factory=dict)
    stopped_at: datetime | None = None  # the checkpoint where the fold met the stored one
    # Destinations whose fold met the stored one at a checkpoint and skipped ahead to a later one:
    # their stored history between the two (after, up to) stands as it is.
    skipped: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    checkpoints: list[tuple[Checkpoint, bool]] = field(default_factory=list)  # to store (replacing?)


def _advance(fold: _KeyFold, position: dict[int, int], upto: int) -> None:
    while fold.cursor < len(fold.history) and position[fold.history[fold.cursor].fetch_id] <= upto:
        fold.current = fold.history[fold.cursor]
        fold.cursor += 1


def _fold_segment(
    session: Session, source: Source, window: _Window, key: str, fold: _KeyFold, upto: int, run: _FoldRun
) -> None:
    """One destination through the observations that showed it, up to position ``upto``: the live
    rule, step by step."""
    while fold.next_index < len(fold.indices) and fold.indices[fold.next_index] <= upto:
        i = fold.indices[fold.next_index]
        fold.next_index += 1
        _advance(fold, window.position, i)
        current = fold.current
        if current is None or current.disposition == REJECTED:
            continue
        obs = window.timeline[i]
        fold.last = current
        if fold.confirmed is not None and current.record_hash == fold.confirmed.record_hash:
            verdict = Verdict(Decision.UNCHANGED)  # what decide() says for an identical record, cheaply
        else:
            verdict = source.policy.decide(
                source.fields,
                _record(session, fold.confirmed),
                _record(session, fold.pending),
                store.get_record(session, current.record_hash),
                obs.observed_at,
            )
        if current.fetch_id == obs.fetch_id:
            run.dispositions[current.id] = verdict.decision.value
        if verdict.becomes_confirmed:
            if fold.confirmed is not None and verdict.decision is not Decision.BASELINE:
                run.transitions.append((key, fold.confirmed, current, obs.observed_at))
            fold.confirmed, fold.pending = current, None
        elif verdict.becomes_pending:
            fold.pending = current
        elif verdict.drops_pending:
            fold.pending = None
    _advance(fold, window.position, upto)


def _record(session: Session, snapshot: SnapRow | None) -> dict[str, Any] | None:
    return store.get_record(session, snapshot.record_hash) if snapshot is not None else None


def _fold(
    session: Session,
    source: Source,
    start: Checkpoint | None,
    every: int,
    settled_after: datetime | None,
    window: _Window | None = None,
) -> tuple[_Window, _FoldRun]:
    """Fold from ``start`` to the newest observation, storing a checkpoint every ``every`` observations
    (at the stored checkpoints' own places where there are some).

    With ``settled_after`` (history after that instant is what it was), a destination whose fold meets
    its stored checkpoint past that instant stops folding: what follows for it is what is stored. It
    resumes from the last stored checkpoint (where new checkpoints need every destination's place);
    the fold stops altogether at a checkpoint that every destination and URL meet. Such a fold first
    loads the history only up to the second stored checkpoint past that instant, where it nearly
    always stops; only if it does not is the rest loaded and the fold done over (nothing is written
    until a fold is kept). ``window``: already loaded from ``start`` with the checkpoints' marks."""
    if window is not None:
        stored = window.stored  # loaded with the window's marks
    else:
        stored = _checkpoints(session, source.name, start.observed_at if start is not None else None)
        horizon = _horizon(session, source.name, settled_after) if settled_after is not None else None
        window = _window(session, source, start, marks=(stored, every), until=horizon)
    run = _fold_window(session, source, window, stored, settled_after)
    if run.stopped_at is None and not window.complete:
        window = _window(session, source, start, marks=(stored, every))
        run = _fold_window(session, source, window, stored, settled_after)
    for checkpoint, replace in run.checkpoints:
        _store_checkpoint(session, source.name, checkpoint, replace=replace)
    return window, run


def _fold_window(
    session: Session,
    source: Source,
    window: _Window,
    stored: dict[int, datetime],
    settled_after: datetime | None,
) -> _FoldRun:
    run = _FoldRun()
    end = len(window.timeline) - 1
    stored_marks = sorted(m for m in window.urls_at if window.timeline[m].fetch_id in stored)
    last_stored = stored_marks[-1] if stored_marks and len(stored_marks) == len(stored) else None
    active = dict(window.folds)
    settled: dict[str, datetime] = {}  # destination -> the checkpoint where it met the stored fold
    for mark in sorted({*window.urls_at, end}):
        for key, fold in active.items():
            _fold_segment(session, source, window, key, fold, mark, run)
        if mark not in window.urls_at:
            continue  # the end of the window, not a checkpoint
        obs = window.timeline[mark]
        old = _stored_checkpoint(session, source.name, obs.fetch_id) if obs.fetch_id in stored else None
        keys = dict(old.keys) if old is not None else {}
        if old is not None and settled_after is not None and obs.observed_at >= settled_after:
            meeting = _meeting(session, window, old, active)
            if len(meeting) == len(active) and window.urls_at[mark] == old.urls:
                run.stopped_at = obs.observed_at
                for key, since in settled.items():
                    run.skipped[key] = (since, obs.observed_at)
                break
            for key in meeting:
                settled[key] = obs.observed_at
                del active[key]
        keys.update({key: fold.ids() for key, fold in active.items()})
        here = Checkpoint(obs.fetch_id, obs.observed_at, keys, window.urls_at[mark])
        if mark == last_stored and settled:
            _resume(session, window, here, settled, run, mark)
            active = dict(window.folds)
        if old is None or not old.same_fold(here):
            run.checkpoints.append((here, old is not None))
    return run


def _meeting(session: Session, window: _Window, old: Checkpoint, active: dict[str, _KeyFold]) -> list[str]:
    """The destinations whose fold stands where the stored checkpoint has it: the same current and
    last snapshots, and a confirmed and pending record with the same content (a backfilled snapshot
    may now hold, under another id, the record a later one brought: what follows is decided the same)."""
    differing = {k: old.keys[k] for k, fold in active.items() if k in old.keys and old.keys[k] != fold.ids()}
    wanted = {sid for ids in differing.values() for sid in ids[1:3] if sid is not None}
    rows = {s.id: s for fold in window.folds.values() for s in fold.history if s.id in wanted}
    rows.update(store.snapshots_by_id(session, wanted - set(rows)))

    def same(mine: SnapRow | None, theirs: int | None) -> bool:
        if mine is None or theirs is None:
            return mine is None and theirs is None
        return theirs in rows and rows[theirs].record_hash == mine.record_hash

    meeting = []
    for key, fold in active.items():
        if key not in old.keys:
            continue
        if key not in differing:
            meeting.append(key)
            continue
        current, confirmed, pending, last = differing[key]
        if (current, last) == (fold.ids()[0], fold.ids()[3]) and (
            same(fold.confirmed, confirmed) and same(fold.pending, pending)
        ):
            meeting.append(key)
    return meeting


def _resume(
    session: Session,
    window: _Window,
    checkpoint: Checkpoint,
    settled: dict[str, datetime],
    run: _FoldRun,
    mark: int,
) -> None:
    """The settled destinations stand where the last stored checkpoint has them, and fold on from it."""
    wanted = {sid for key in settled for sid in checkpoint.keys[key] if sid is not None}
    known = {s.id: s for fold in window.folds.values() for s in fold.history if s.id in wanted}
    known.update(store.snapshots_by_id(session, wanted - set(known)))
    for key, since in settled.items():
        ids = checkpoint.keys[key]
        window.folds[key].resume([known.get(i) if i else None for i in ids], window.position, mark)
        run.skipped[key] = (since, checkpoint.observed_at)
    settled.clear()


def _store_checkpoint(session: Session, source: str, checkpoint: Checkpoint, *, replace: bool) -> None:
    table = FoldCheckpoint.__table__
    if replace:
        session.execute(
            table.update()
            .where(table.c.source == source, table.c.fetch_id == checkpoint.fetch_id)
            .values(state=checkpoint.encode())
        )
        return
    session.execute(
        table.insert().values(
            source=source,
            fetch_id=checkpoint.fetch_id,
            observed_at=checkpoint.observed_at,
            state=checkpoint.encode(),
        )
    )


def checkpoint_due(session: Session, source: str, settings: Settings) -> bool:
    """Whether ``fold_checkpoint_every`` observations came after the newest checkpoint (counted no
    further than that, on the observed-time index: constant cost however long the history)."""
    newest = session.exec(
        select(func.max(FoldCheckpoint.observed_at)).where(FoldCheckpoint.source == source)
    ).one()
    query = select(Fetch.id).where(Fetch.source == source, col(Fetch.status).in_(OBSERVED))
    if newest is not None:
        query = query.where(col(Fetch.observed_at) > newest)
    counted = select(func.count()).select_from(query.limit(settings.fold_checkpoint_every).subquery())
    return session.exec(counted).one() >= settings.fold_checkpoint_every


def extend_checkpoints(session: Session, source: Source, settings: Settings) -> None:
    """Fold on from the newest checkpoint, storing the next ones (a live cycle, every so often)."""
    _fold(
        session, source, _checkpoint_before(session, source.name, None), settings.fold_checkpoint_every, None
    )


def insert_observation(
    session: Session,
    source: Source,
    fetch: Fetch,
    chosen_by_key: dict[str, Extracted],
    result: IngestResult,
    *,
    notify: NotifyMode,
    settings: Settings,
) -> None:
    """Put an observation older than the newest one in its place, then re-derive the history.

    Snapshots are sparse (a destination's snapshot stands until its bytes change), so inserting a
    different one at time t would silently change what the next observation showed. Where that
    happens the next observation gets an explicit copy of what it really showed.
    """
    when = fetch.observed_at
    start = _checkpoint_before(session, source.name, when)
    # One window serves both the placing and the fold after it (the new snapshots put in it).
    marks = (
        _checkpoints(session, source.name, start.observed_at if start else None),
        settings.fold_checkpoint_every,
    )
    window = _window(session, source, start, marks=marks, until=_horizon(session, source.name, when))
    placed = _place(window, fetch, when, chosen_by_key)
    if placed is None:  # a destination's next observation lies beyond the horizon
        window = _window(session, source, start, marks=marks)
        placed = _place(window, fetch, when, chosen_by_key)
    assert placed is not None  # the whole history was loaded
    written, settled_after = placed
    result.snapshots += sum(1 for snapshot in written if snapshot.copy_of is None)
    _add_snapshots(window, insert_snapshots(session, source, written))
    outcome = rederive(
        session,
        source,
        notify=notify,
        settings=settings,
        keep_current_state=True,
        start=start,
        settled_after=settled_after,
        window=window,
    )
    result.changes += outcome.changes_added
    result.alerts += outcome.alerts
    result.decisions["inserted_in_history"] += 1
    if outcome.changes_removed:
        result.decisions["changes_superseded"] += outcome.changes_removed
    if outcome.conflicts:
        result.problems.append(
            "re-derived state differs from the live state (live kept): " + " ".join(outcome.conflicts)
        )


def _place(
    window: _Window, fetch: Fetch, when: datetime, chosen_by_key: dict[str, Extracted]
) -> tuple[list[NewSnapshot], datetime] | None:
    """The snapshots an observation inserted at ``when`` adds (its own, and copies for the next
    observations that showed what came before), and the instant after which history is unchanged;
    None when the window ends before some destination's next observation."""
    timeline, position = window.timeline, window.position
    here = position[fetch.id]
    written: list[NewSnapshot] = []
    settled_after = when
    for key in sorted(chosen_by_key):
        chosen = chosen_by_key[key]
        fold = window.folds.get(key)
        history = fold.history if fold is not None else []
        earlier = [s for s in history if position[s.fetch_id] < here]
        as_of = earlier[-1] if earlier else fold.current if fold is not None else None
        if as_of is not None and (as_of.record_hash, as_of.raw_hash) == (chosen.record_hash, chosen.raw_hash):
            continue
        written.append(NewSnapshot(key, fetch.id, when, "backfilled", extracted=chosen))
        if as_of is None:
            continue
        following = next((obs for obs in timeline[here + 1 :] if obs.keys is None or key in obs.keys), None)
        if following is None:
            if not window.complete:
                return None
            continue
        later = [s for s in history if position[s.fetch_id] > here]
        if later and position[later[0].fetch_id] <= position[following.fetch_id]:
            continue  # the next observation has its own snapshot already
        written.append(
            NewSnapshot(key, following.fetch_id, following.observed_at, as_of.disposition, copy_of=as_of)
        )
        settled_after = max(settled_after, following.observed_at)
    return written, settled_after


def rederive(
    session: Session,
    source: Source,
    *,
    notify: NotifyMode = "none",
    settings: Settings | None = None,
    keep_current_state: bool = True,
    start: Checkpoint | None = None,
    settled_after: datetime | None = None,
    window: _Window | None = None,
) -> RederiveResult:
    """Fold the acceptance rule over the stored history (from ``start``, a checkpoint history before
    which is unchanged) and make the stored changes match it."""
    settings = settings or get_settings()
    outcome = RederiveResult()
    window, run = _fold(session, source, start, settings.fold_checkpoint_every, settled_after, window)

    updates = [
        {"b_id": snap.id, "disposition": wanted}
        for fold in window.folds.values()
        for snap in fold.history
        if (wanted := run.dispositions.get(snap.id)) is not None
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

    desired = {(key, new.id): (old, new, when) for key, old, new, when in run.transitions}
    query = select(Change).where(Change.source == source.name, col(Change.from_snapshot_id).is_not(None))
    if start is not None:
        query = query.where(col(Change.observed_at) > start.observed_at)
    if run.stopped_at is not None:
        query = query.where(col(Change.observed_at) <= run.stopped_at)
    existing: dict[tuple[str, int], list[Change]] = defaultdict(list)
    for row in session.exec(query).all():
        gap = run.skipped.get(row.key)
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
    if run.stopped_at is None:
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
    wanted = transition(source, _record(session, old), _record(session, new)).stored
    return sorted(
        (c.kind, c.item or "", canonical_json(c.old), canonical_json(c.new)) for c in wanted
    ) == sorted((r.kind, r.item, canonical_json(r.old), canonical_json(r.new)) for r in rows)


def _remove_changes(session: Session, rows: list[Change]) -> None:
    """Drop changes history no longer supports; their alerts are the outbox's to withdraw or keep."""
    outbox.withdraw_for_changes(session, [r.id for r in rows if r.id is not None])
    for row in rows:
        session.delete(row)


def _settle_states(
    session: Session, source: Source, folds: dict[str, _KeyFold], keep_current: bool, outcome: RederiveResult
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


def _same_content(session: Session, source: Source, state: StateRow, fold: _KeyFold) -> bool:
    """Whether the live state and the re-derived one say the same thing, by the source's own rule:
    the re-derived confirmed record, seen live now, would be no change (identical, another rendering of
    the same edition, or a stale copy). Pending records are transient and not compared."""
    live = store.snapshot_record(session, state.confirmed_snapshot_id)
    derived = _record(session, fold.confirmed)
    if live is None or derived is None:
        return live is None and derived is None
    when = fold.last.observed_at if fold.last is not None else datetime.now().astimezone()
    verdict = source.policy.decide(source.fields, live, None, derived, when)
    return not (verdict.becomes_confirmed or verdict.becomes_pending)
