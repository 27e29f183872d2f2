"""Repository functions over the tables: snapshots, states, fetch validators (blobs and records are
``models.blobs``).

Everything here goes to the database each time. Snapshots and destination states are read as plain
rows (``SnapRow``, ``StateRow``), not ORM objects: the write path updates them in bulk statements,
and a session kept across many observations (a replay) must never hand out a stale copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, insert, text
from sqlmodel import Session, col, func, select

from models.blobs import get_blob, get_record, get_records, rows_of, table_of
from models.tables import (
    CURRENT_STATUSES,
    STORED_STATUSES,
    Change,
    DestinationState,
    Fetch,
    FetchStatus,
    Snapshot,
)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Rows inserted in one statement (executemany / multi-row VALUES); their ids, in row order."""
    if not rows:
        return []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [row[0] for row in session.execute(stmt, rows)]


class SnapRow(NamedTuple):
    id: int
    key: str
    observed_at: datetime
    fetch_id: int | None
    record_hash: str
    raw_hash: str
    extractor_version: str
    disposition: str


@dataclass
class StateRow:
    """A destination's state as the write path holds it; ``stored`` False until it is inserted."""

    source: str
    key: str
    confirmed_snapshot_id: int | None = None
    pending_snapshot_id: int | None = None
    last_snapshot_id: int | None = None
    updated_at: datetime | None = None
    stored: bool = True

    def values(self) -> tuple[int | None, int | None, int | None, datetime | None]:
        return (self.confirmed_snapshot_id, self.pending_snapshot_id, self.last_snapshot_id, self.updated_at)


_SNAP_COLUMNS: tuple[Any, ...] = (
    Snapshot.id,
    Snapshot.key,
    Snapshot.observed_at,
    Snapshot.fetch_id,
    Snapshot.record_hash,
    Snapshot.raw_hash,
    Snapshot.extractor_version,
    Snapshot.disposition,
)


def snapshot_rows(session: Session, where: Iterable[Any]) -> list[SnapRow]:
    """Snapshots matching the conditions, as plain rows (observed_at in UTC)."""
    rows = rows_of(session, select(*_SNAP_COLUMNS).where(*where))
    return [SnapRow(r[0], r[1], r[2], *r[3:]) for r in rows]


def snapshot_record(session: Session, snapshot_id: int | None) -> dict[str, Any] | None:
    if snapshot_id is None:
        return None
    found = snapshots_by_id(session, {snapshot_id})
    return get_record(session, found[snapshot_id].record_hash) if found else None


def confirmed_records(session: Session, source: str) -> dict[str, dict[str, Any]]:
    """Every destination's confirmed record of a source, in three queries whatever the count."""
    states = states_for(session, source)
    snaps = snapshots_by_id(
        session, {s.confirmed_snapshot_id for s in states.values() if s.confirmed_snapshot_id}
    )
    records = get_records(session, {s.record_hash for s in snaps.values()})
    return {
        key: records[snaps[state.confirmed_snapshot_id].record_hash]
        for key, state in states.items()
        if state.confirmed_snapshot_id in snaps
    }


def confirmed_raw_by_key(session: Session, source: str) -> dict[str, str]:
    """The raw bytes (as text) of each destination's confirmed snapshot of a source: the links
    other sources follow, and which destinations the source watches."""
    states = states_for(session, source)
    ids = {s.confirmed_snapshot_id for s in states.values() if s.confirmed_snapshot_id is not None}
    snapshots = snapshots_by_id(session, ids)
    return {
        key: get_blob(session, snapshots[state.confirmed_snapshot_id].raw_hash).decode("utf-8", "replace")
        for key, state in states.items()
        if state.confirmed_snapshot_id in snapshots
    }


def states_for(session: Session, source: str, keys: Iterable[str] | None = None) -> dict[str, StateRow]:
    """A source's destination states: all of them, or those of ``keys``."""
    columns: tuple[Any, ...] = (
        DestinationState.key,
        DestinationState.confirmed_snapshot_id,
        DestinationState.pending_snapshot_id,
        DestinationState.last_snapshot_id,
        DestinationState.updated_at,
    )
    query = select(*columns).where(DestinationState.source == source)
    if keys is not None:
        query = query.where(col(DestinationState.key).in_(sorted(keys)))
    rows = rows_of(session, query)
    return {r[0]: StateRow(source, r[0], r[1], r[2], r[3], r[4]) for r in rows}


def states_and_snapshots(
    session: Session, source: str, keys: Iterable[str] | None = None
) -> tuple[dict[str, StateRow], dict[int, SnapRow]]:
    """Every destination's state (or those of ``keys``) and its confirmed, pending and last
    snapshots, their records loaded into the cache: what one step of the acceptance rule reads."""
    states = states_for(session, source, keys)
    wanted = {
        sid
        for st in states.values()
        for sid in (st.confirmed_snapshot_id, st.pending_snapshot_id, st.last_snapshot_id)
        if sid is not None
    }
    snapshots = snapshots_by_id(session, wanted)
    get_records(session, {snap.record_hash for snap in snapshots.values()})
    return states, snapshots


def state_of(session: Session, source: str, key: str) -> StateRow | None:
    """One destination's state (a cross-check between sources)."""
    row = session.exec(
        select(
            DestinationState.confirmed_snapshot_id,
            DestinationState.pending_snapshot_id,
            DestinationState.last_snapshot_id,
            DestinationState.updated_at,
        ).where(DestinationState.source == source, DestinationState.key == key)
    ).first()
    return StateRow(source, key, row[0], row[1], row[2], row[3]) if row else None


def write_states(session: Session, rows: Iterable[StateRow]) -> None:
    """New states inserted and changed ones updated, one statement each."""
    fresh, changed = [], []
    for row in rows:
        values = {
            "confirmed_snapshot_id": row.confirmed_snapshot_id,
            "pending_snapshot_id": row.pending_snapshot_id,
            "last_snapshot_id": row.last_snapshot_id,
            "updated_at": row.updated_at,
        }
        if row.stored:
            changed.append({"b_source": row.source, "b_key": row.key, **values})
        else:
            fresh.append({"source": row.source, "key": row.key, **values})
            row.stored = True
    table = table_of(DestinationState)
    if fresh:
        session.execute(insert(table), fresh)
    if changed:
        stmt = (
            table.update()
            .where(table.c.source == bindparam("b_source"), table.c.key == bindparam("b_key"))
            .values({name: bindparam(name) for name in changed[0] if not name.startswith("b_")})
        )
        session.execute(stmt, changed)


def snapshots_by_id(session: Session, ids: set[int]) -> dict[int, SnapRow]:
    found: dict[int, SnapRow] = {}
    wanted = list(ids)
    for start in range(0, len(wanted), 500):
        for row in snapshot_rows(session, [col(Snapshot.id).in_(wanted[start : start + 500])]):
            found[row.id] = row
    return found


def change_targets(session: Session, snapshot_ids: set[int]) -> set[int]:
    """Which of these snapshots some stored change leads to."""
    if not snapshot_ids:
        return set()
    query = select(Change.to_snapshot_id).where(col(Change.to_snapshot_id).in_(list(snapshot_ids)))
    return {row[0] for row in rows_of(session, query)}


# Bytes that were downloaded but not stored: the next cycle must download them again, not send the
# validators of an older success and take the server's 304 as "already handled".
UNPROCESSED = (FetchStatus.EXTRACTION_FAILED, FetchStatus.INGEST_FAILED)


def last_validators(session: Session, source: str, url: str) -> tuple[str | None, str | None]:
    """ETag and Last-Modified of the newest successful fetch of this URL, for a conditional GET;
    none when the newest download of the URL could not be extracted or stored."""
    row = session.exec(
        select(Fetch)
        .where(Fetch.source == source, Fetch.url == url)
        .where(col(Fetch.status).in_([*CURRENT_STATUSES, *UNPROCESSED]))
        .where(Fetch.provenance == "live")
        .order_by(col(Fetch.observed_at).desc(), col(Fetch.id).desc())
        .limit(1)
    ).first()
    if row is None or row.status in UNPROCESSED:
        return (None, None)
    return (row.etag, row.last_modified)


def lock_source(session: Session, source: str) -> None:
    """Serialise writers of one source for the rest of this transaction (two workers, one source).

    PostgreSQL: a transaction-scoped advisory lock keyed by the source name. SQLite: taking the
    database write lock now (a write statement) instead of at the first insert, so the duplicate
    check that follows cannot race.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        key = int.from_bytes(hashlib.sha256(source.encode()).digest()[:8], "big", signed=True)
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=key))  # type: ignore[call-overload]
    elif dialect == "sqlite":
        session.exec(  # type: ignore[call-overload]
            text(
                "INSERT OR IGNORE INTO sourcehealth (source, consecutive_failures, alerted) VALUES (:s, 0, 0)"
            ).bindparams(s=source)
        )


def already_ingested(session: Session, source: str, content_hash: str, observed_at: datetime) -> bool:
    query = (
        select(Fetch.id)
        .where(Fetch.source == source, Fetch.content_hash == content_hash, Fetch.observed_at == observed_at)
        .where(Fetch.status == FetchStatus.OK)
        .limit(1)
    )
    return bool(rows_of(session, query))


def free_instant(session: Session, source: str, when: datetime) -> datetime:
    """``when``, or the first microsecond after it that no stored observation of the source holds.

    Two different documents observed at the same instant (equal channel dates in a replay, two
    workers stamping the same second) are ordered by arrival instead of colliding.
    """
    taken = set(
        session.exec(
            select(Fetch.observed_at).where(
                Fetch.source == source,
                col(Fetch.status).in_(STORED_STATUSES),
                col(Fetch.observed_at) >= when,
                col(Fetch.observed_at) < when + timedelta(seconds=1),
            )
        ).all()
    )
    taken = {t for t in taken}
    while when in taken:
        when += timedelta(microseconds=1)
    return when


def last_observed(session: Session, source: str, url: str) -> datetime | None:
    """When this URL was last fetched successfully (for per-document schedules)."""
    row = session.exec(
        select(Fetch.observed_at)
        .where(Fetch.source == source, Fetch.url == url, col(Fetch.status).in_(CURRENT_STATUSES))
        .order_by(col(Fetch.observed_at).desc())
        .limit(1)
    ).first()
    return row if row else None


def last_fetched_by_url(session: Session, source: str) -> dict[str, datetime]:
    """Newest successful fetch time per URL of a source (one query, for planning page fetches)."""
    rows = session.exec(
        select(Fetch.url, func.max(Fetch.observed_at))
        .where(Fetch.source == source, col(Fetch.status).in_(CURRENT_STATUSES))
        .group_by(Fetch.url)
    ).all()
    return {url: when for url, when in rows}


def latest_observation(session: Session, source: str) -> datetime | None:
    """When the newest successfully ingested document of a source was observed."""
    query = (
        select(Fetch.observed_at)
        .where(Fetch.source == source, col(Fetch.status).in_(STORED_STATUSES))
        .order_by(col(Fetch.observed_at).desc())
        .limit(1)
    )
    rows = rows_of(session, query)
    return rows[0][0] if rows else None


def previous_reading(
    session: Session, source: str, url: str, before: datetime, exclude_id: int | None = None
) -> tuple[str | None, str | None] | None:
    """(content hash, extractor version) of this URL's observation just before ``before`` (full
    fetches only): the same bytes read by the same extractor are the same observation again."""
    query = select(Fetch.content_hash, Fetch.extractor_version).where(
        Fetch.source == source,
        Fetch.url == url,
        Fetch.status == FetchStatus.OK,
        col(Fetch.observed_at) <= before,
    )
    if exclude_id is not None:
        query = query.where(Fetch.id != exclude_id)
    rows = rows_of(session, query.order_by(col(Fetch.observed_at).desc(), col(Fetch.id).desc()).limit(1))
    return tuple(rows[0]) if rows else None


def latest_error(session: Session, source: str) -> str | None:
    """The error recorded on the source's newest fetch (None when it had none, or none was made)."""
    rows = rows_of(
        session, select(Fetch.error).where(Fetch.source == source).order_by(col(Fetch.id).desc()).limit(1)
    )
    return rows[0][0] if rows else None


def as_utc(value: datetime) -> datetime:
    """A moment entering the store from outside (a document's own date, a caller's), naive taken as
    UTC; moments read from the store are UTC already (``models.utc.UtcDateTime``)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
