"""Repository functions over the tables: blobs, records, states, fetch validators.

Records are immutable per hash, so decoded records are cached in-process; everything else goes to
the database each time.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from models.tables import Blob, Change, DestinationState, Fetch, Snapshot
from scrapers.base import canonical_json

_RECORD_CACHE: OrderedDict[str, dict[str, Any]] = OrderedDict()
_RECORD_CACHE_SIZE = 4096


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_blob(session: Session, data: bytes, digest: str | None = None) -> str:
    """Store bytes once per content hash (insert-or-ignore, safe under concurrent writers)."""
    digest = digest or sha256(data)
    values = {"hash": digest, "size": len(data), "data": zlib.compress(data, 6)}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = pg_insert(Blob).values(**values).on_conflict_do_nothing(index_elements=["hash"])
    elif dialect == "sqlite":
        stmt = sqlite_insert(Blob).values(**values).on_conflict_do_nothing(index_elements=["hash"])
    else:  # pragma: no cover - other databases are not supported targets
        if session.get(Blob, digest) is None:
            session.add(Blob(**values))
        return digest
    session.exec(stmt)  # type: ignore[call-overload]
    return digest


def get_blob(session: Session, digest: str) -> bytes:
    blob = session.get(Blob, digest)
    if blob is None:
        raise KeyError(f"blob {digest} is missing")
    return zlib.decompress(blob.data)


def put_record(session: Session, record: dict[str, Any]) -> str:
    text = canonical_json(record).encode()
    digest = sha256(text)
    put_blob(session, text, digest)
    # Cache what a later load would return (canonical key order), so a record read back from the
    # database and one still in memory give byte-identical alerts.
    _remember(digest, json.loads(text))
    return digest


def _remember(digest: str, record: dict[str, Any]) -> None:
    _RECORD_CACHE[digest] = record
    _RECORD_CACHE.move_to_end(digest)
    while len(_RECORD_CACHE) > _RECORD_CACHE_SIZE:
        _RECORD_CACHE.popitem(last=False)


def get_record(session: Session, digest: str) -> dict[str, Any]:
    cached = _RECORD_CACHE.get(digest)
    if cached is not None:
        return cached
    record = json.loads(get_blob(session, digest))
    _remember(digest, record)
    return record


def get_records(session: Session, digests: set[str]) -> dict[str, dict[str, Any]]:
    """Many records in one query (cache first): one ingest needs the confirmed record of every key."""
    missing = [d for d in digests if d not in _RECORD_CACHE]
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        for blob in session.exec(select(Blob).where(col(Blob.hash).in_(chunk))).all():
            _remember(blob.hash, json.loads(zlib.decompress(blob.data)))
    return {d: _RECORD_CACHE[d] for d in digests if d in _RECORD_CACHE}


def snapshot_record(session: Session, snapshot_id: int | None) -> dict[str, Any] | None:
    if snapshot_id is None:
        return None
    snap = session.get(Snapshot, snapshot_id)
    return get_record(session, snap.record_hash) if snap else None


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


def states_for(session: Session, source: str) -> dict[str, DestinationState]:
    rows = session.exec(select(DestinationState).where(DestinationState.source == source)).all()
    return {row.key: row for row in rows}


def snapshots_by_id(session: Session, ids: set[int]) -> dict[int, Snapshot]:
    if not ids:
        return {}
    rows = session.exec(select(Snapshot).where(col(Snapshot.id).in_(ids))).all()
    return {row.id: row for row in rows if row.id is not None}


# Bytes that were downloaded but not stored: the next cycle must download them again, not send the
# validators of an older success and take the server's 304 as "already handled".
UNPROCESSED = ("extraction_failed", "ingest_failed")


def last_validators(session: Session, source: str, url: str) -> tuple[str | None, str | None]:
    """ETag and Last-Modified of the newest successful fetch of this URL, for a conditional GET;
    none when the newest download of the URL could not be extracted or stored."""
    row = session.exec(
        select(Fetch)
        .where(Fetch.source == source, Fetch.url == url)
        .where(col(Fetch.status).in_(["ok", "not_modified", *UNPROCESSED]))
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
    row = session.exec(
        select(Fetch.id)
        .where(Fetch.source == source, Fetch.content_hash == content_hash, Fetch.observed_at == observed_at)
        .where(Fetch.status == "ok")
        .limit(1)
    ).first()
    return row is not None


def free_instant(session: Session, source: str, when: datetime) -> datetime:
    """``when``, or the first microsecond after it that no stored observation of the source holds.

    Two different documents observed at the same instant (equal channel dates in a replay, two
    workers stamping the same second) are ordered by arrival instead of colliding.
    """
    taken = set(
        session.exec(
            select(Fetch.observed_at).where(
                Fetch.source == source,
                col(Fetch.status).in_(["ok", "partial"]),
                col(Fetch.observed_at) >= when,
                col(Fetch.observed_at) < when + timedelta(seconds=1),
            )
        ).all()
    )
    taken = {as_utc(t) for t in taken}
    while when in taken:
        when += timedelta(microseconds=1)
    return when


def last_observed(session: Session, source: str, url: str) -> datetime | None:
    """When this URL was last fetched successfully (for per-document schedules)."""
    row = session.exec(
        select(Fetch.observed_at)
        .where(Fetch.source == source, Fetch.url == url, col(Fetch.status).in_(["ok", "not_modified"]))
        .order_by(col(Fetch.observed_at).desc())
        .limit(1)
    ).first()
    return as_utc(row) if row else None


def last_fetched_by_url(session: Session, source: str) -> dict[str, datetime]:
    """Newest successful fetch time per URL of a source (one query, for planning page fetches)."""
    rows = session.exec(
        select(Fetch.url, func.max(Fetch.observed_at))
        .where(Fetch.source == source, col(Fetch.status).in_(["ok", "not_modified"]))
        .group_by(Fetch.url)
    ).all()
    return {url: as_utc(when) for url, when in rows}


def latest_observation(session: Session, source: str) -> datetime | None:
    """When the newest successfully ingested document of a source was observed."""
    row = session.exec(
        select(Fetch.observed_at)
        .where(Fetch.source == source, col(Fetch.status).in_(["ok", "partial"]))
        .order_by(col(Fetch.observed_at).desc())
        .limit(1)
    ).first()
    return as_utc(row) if row else None


def previous_reading(
    session: Session, source: str, url: str, before: datetime, exclude_id: int | None = None
) -> tuple[str | None, str | None] | None:
    """(content hash, extractor version) of this URL's observation just before ``before`` (full
    fetches only): the same bytes read by the same extractor are the same observation again."""
    query = select(Fetch.content_hash, Fetch.extractor_version).where(
        Fetch.source == source, Fetch.url == url, Fetch.status == "ok", col(Fetch.observed_at) <= before
    )
    if exclude_id is not None:
        query = query.where(Fetch.id != exclude_id)
    row = session.exec(query.order_by(col(Fetch.observed_at).desc(), col(Fetch.id).desc()).limit(1)).first()
    return tuple(row) if row else None


def is_change_target(session: Session, snapshot_id: int | None) -> bool:
    row = session.exec(select(Change.id).where(Change.to_snapshot_id == snapshot_id).limit(1)).first()
    return row is not None


def latest_fetch(session: Session, source: str) -> Fetch | None:
    return session.exec(
        select(Fetch).where(Fetch.source == source).order_by(col(Fetch.id).desc()).limit(1)
    ).first()


def as_utc(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
