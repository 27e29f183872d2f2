"""Content-addressed blobs and records: raw bytes and extracted records, zlib-compressed, stored once
per hash.

Records are immutable per hash, so decoded records are cached in-process (the feed repeats the same
items every hour: an ingest reads the confirmed record of every destination from memory).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import OrderedDict
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, SQLModel, col, select

from diffing.records import canonical_bytes
from models.tables import Blob

_RECORD_CACHE: OrderedDict[str, dict[str, Any]] = OrderedDict()
_RECORD_CACHE_SIZE = 4096


def table_of(model: type[SQLModel]) -> Table:
    """The model's table, for bulk statements (SQLModel sets it on each table class; its types do not)."""
    return model.__table__  # type: ignore[attr-defined]


def rows_of(session: Session, statement: Any) -> list[Any]:
    """A plain SELECT through the session's connection: rows, without the ORM's per-statement work
    (these readers never need an autoflush: the write path inserts with statements, not objects)."""
    return list(session.connection().execute(statement).all())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_blob(session: Session, data: bytes, digest: str | None = None) -> str:
    digest = digest or sha256(data)
    put_blobs(session, {digest: data})
    return digest


def put_blobs(session: Session, blobs: dict[str, bytes]) -> None:
    """Store byte strings once per content hash: one query for the hashes already there, one
    insert-or-ignore statement for the rest (safe under concurrent writers)."""
    if not blobs:
        return
    stored: set[str] = set()
    digests = list(blobs)
    for start in range(0, len(digests), 500):
        chunk = digests[start : start + 500]
        stored.update(row[0] for row in rows_of(session, select(Blob.hash).where(col(Blob.hash).in_(chunk))))
    rows = [
        {"hash": d, "size": len(data), "data": zlib.compress(data, 6)}
        for d, data in blobs.items()
        if d not in stored
    ]
    if not rows:
        return
    table = table_of(Blob)
    dialect = session.get_bind().dialect.name
    stmt: Insert
    if dialect == "postgresql":
        stmt = pg_insert(table).on_conflict_do_nothing(index_elements=["hash"])
    elif dialect == "sqlite":
        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=["hash"])
    else:  # pragma: no cover - other databases are not supported targets
        raise NotImplementedError(f"blob storage on {dialect}")
    session.execute(stmt, rows)


def get_blob(session: Session, digest: str) -> bytes:
    blob = session.get(Blob, digest)
    if blob is None:
        raise KeyError(f"blob {digest} is missing")
    return zlib.decompress(blob.data)


def put_record(session: Session, record: dict[str, Any]) -> str:
    digest, data = record_blob(record)
    put_blob(session, data, digest)
    return digest


def record_blob(record: dict[str, Any]) -> tuple[str, bytes]:
    """A record's hash and stored bytes. Caches what a later load would return (canonical key order),
    so a record read back from the database and one still in memory give byte-identical alerts."""
    data = canonical_bytes(record)
    digest = sha256(data)
    if digest not in _RECORD_CACHE:
        _remember(digest, json.loads(data))
    return digest, data


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
        for digest, data in rows_of(session, select(Blob.hash, Blob.data).where(col(Blob.hash).in_(chunk))):
            _remember(digest, json.loads(zlib.decompress(data)))
    return {d: _RECORD_CACHE[d] for d in digests if d in _RECORD_CACHE}
