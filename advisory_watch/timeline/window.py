"""The window: the stored history a fold goes over, loaded once from a checkpoint (to a horizon when
one is given): each observation and which destinations it showed, each destination's snapshots among
them, and where the checkpoint left each destination."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from advisory_watch.timeline.checkpoints import OBSERVED, Checkpoint, checkpoint_places
from models import blobs, store
from models.store import SnapRow
from models.tables import Fetch, FetchStatus, Snapshot
from scrapers.base import Source

# A snapshot whose bytes the current extractor no longer accepts (set by reprocess): not an observation.
REJECTED = "rejected"


@dataclass(frozen=True)
class Observation:
    fetch_id: int
    observed_at: datetime
    keys: frozenset[str] | None  # None: stored before keys were recorded (every destination counts)


@dataclass
class KeyFold:
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
class Window:
    """The stored history a fold goes over: the observations after a checkpoint (all of them when
    there is none), each destination's snapshots among them, and where the checkpoint left it."""

    start: Checkpoint | None
    timeline: list[Observation]
    position: dict[int, int]
    folds: dict[str, KeyFold]
    urls_at: dict[int, dict[str, int]]  # position -> each URL's last full reading, at the marks
    complete: bool = True  # False: the observations end at ``until``, the history goes on
    stored: dict[int, datetime] = field(default_factory=dict)  # the stored checkpoints after ``start``


def load_window(
    session: Session,
    source: Source,
    start: Checkpoint | None,
    marks: tuple[dict[int, datetime], int] | None = None,
    until: datetime | None = None,
) -> Window:
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
    places = checkpoint_places([row[0] for row in rows], *marks) if marks is not None else set()
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
        fold = KeyFold(histories.get(key, []), seen)
        ids = begun.get(key, [None, None, None, None])
        fold.current, fold.confirmed, fold.pending, fold.last = (known.get(i) if i else None for i in ids)
        folds[key] = fold
    blobs.get_records(
        session, {s.record_hash for f in folds.values() for s in (*f.history, f.confirmed, f.pending) if s}
    )
    return Window(start, timeline, position, folds, urls_at, complete, marks[0] if marks else {})


def add_snapshots(window: Window, rows: list[SnapRow]) -> None:
    """Put snapshots just written (for observations in the window) in their destinations' histories."""
    position = window.position
    for row in rows:
        fold = window.folds.get(row.key)
        if fold is None:
            seen = [i for i, obs in enumerate(window.timeline) if obs.keys is None or row.key in obs.keys]
            fold = window.folds[row.key] = KeyFold([], seen)
        fold.history.append(row)
        fold.history.sort(key=lambda s: (position[s.fetch_id], s.id))
    window.folds = dict(sorted(window.folds.items()))


def _observed_after(session: Session, source: str, when: datetime) -> bool:
    query = select(Fetch.id).where(
        Fetch.source == source, col(Fetch.status).in_(OBSERVED), col(Fetch.observed_at) > when
    )
    return session.exec(query.limit(1)).first() is not None


def _readings(session: Session, fetch_ids: set[int]) -> dict[int, tuple[str | None, str | None]]:
    if not fetch_ids:
        return {}
    rows = session.exec(
        select(Fetch.id, Fetch.content_hash, Fetch.extractor_version).where(
            col(Fetch.id).in_(list(fetch_ids))
        )
    ).all()
    return {fid: (content_hash, version) for fid, content_hash, version in rows}


def record_of(session: Session, snapshot: SnapRow | None) -> dict[str, Any] | None:
    return blobs.get_record(session, snapshot.record_hash) if snapshot is not None else None
