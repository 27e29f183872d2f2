"""Views that change only when the data does — each government's confirmed tiers (the comparison
table, the world map), the destinations table — computed once per change of the store, not once per
request.

A view is kept with the store's version: the newest fetch, snapshot and change ids, one indexed
query. Every ingest writes a fetch row (a 304 too), so a new observation always moves the version;
a repair that rewrites records in place (``advisory-watch reprocess``) is seen within ``TTL`` at the
latest, which bounds how stale a kept view may be. Kept per store (a process may serve several) and
handed out shared: callers read them, never change them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session, func, select

from models.tables import Change, Fetch, Snapshot

TTL = 30.0  # seconds a kept view may stand without looking at the store's version again

T = TypeVar("T")
_kept: dict[tuple[str, str], tuple[tuple[Any, ...], float, Any]] = {}
_lock = threading.Lock()


def store_version(session: Session) -> tuple[Any, ...]:
    """What moves whenever something a view shows may have changed."""
    row = session.exec(
        select(
            select(func.max(Fetch.id)).scalar_subquery(),
            select(func.max(Snapshot.id)).scalar_subquery(),
            select(func.max(Change.id)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def kept(session: Session, name: str, compute: Callable[[Session], T]) -> T:
    """``compute(session)``, or the value kept for this store's current version."""
    key = (str(session.get_bind().url), name)
    version = store_version(session)
    now = time.monotonic()
    with _lock:
        found = _kept.get(key)
    if found is not None and found[0] == version and now - found[1] < TTL:
        value: T = found[2]
        return value
    value = compute(session)
    with _lock:
        _kept[key] = (version, now, value)
    return value
