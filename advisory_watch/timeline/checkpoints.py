"""Checkpoints: where the fold stood after an observation, stored every ``fold_checkpoint_every``
observations, so a fold starts from the one before what changed and stops where it meets a stored
one again."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from advisory_watch.settings import Settings
from diffing.records import canonical_json
from models.tables import STORED_STATUSES, Fetch, FoldCheckpoint

# The fetches that are observations of history: those that stored what they read.
OBSERVED = STORED_STATUSES


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


def stored_checkpoints(session: Session, source: str, after: datetime | None = None) -> dict[int, datetime]:
    """When each stored checkpoint of a source (after an instant) stands, by fetch id: their states
    are read only where a fold reaches them."""
    query = select(FoldCheckpoint.fetch_id, FoldCheckpoint.observed_at).where(FoldCheckpoint.source == source)
    if after is not None:
        query = query.where(col(FoldCheckpoint.observed_at) > after)
    return {fid: when for fid, when in session.exec(query).all()}


def load_checkpoint(session: Session, source: str, fetch_id: int) -> Checkpoint:
    when, data = session.exec(
        select(FoldCheckpoint.observed_at, FoldCheckpoint.state).where(
            FoldCheckpoint.source == source, FoldCheckpoint.fetch_id == fetch_id
        )
    ).one()
    return Checkpoint.decode(fetch_id, when, data)


def horizon_after(session: Session, source: str, settled_after: datetime) -> datetime | None:
    """Where a backfill's fold should have met the stored one: the second stored checkpoint from
    ``settled_after`` on (None when there are fewer: the rest of the history is short)."""
    return session.exec(
        select(FoldCheckpoint.observed_at)
        .where(FoldCheckpoint.source == source, col(FoldCheckpoint.observed_at) >= settled_after)
        .order_by(col(FoldCheckpoint.observed_at))
        .offset(1)
        .limit(1)
    ).first()


def checkpoint_before(session: Session, source: str, when: datetime | None) -> Checkpoint | None:
    """The newest checkpoint strictly before ``when`` (the newest of all when None)."""
    query = select(FoldCheckpoint.fetch_id, FoldCheckpoint.observed_at, FoldCheckpoint.state).where(
        FoldCheckpoint.source == source
    )
    if when is not None:
        query = query.where(col(FoldCheckpoint.observed_at) < when)
    row = session.exec(query.order_by(col(FoldCheckpoint.observed_at).desc()).limit(1)).first()
    return Checkpoint.decode(*row) if row else None


def store_checkpoint(session: Session, source: str, checkpoint: Checkpoint, *, replace: bool) -> None:
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


def checkpoint_places(fetch_ids: list[int], stored: dict[int, datetime], every: int) -> set[int]:
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
