"""One column type for every moment the store keeps: UTC in, UTC out.

Every row so far was written as UTC without an offset (SQLite keeps no zone; the PostgreSQL columns
are ``timestamp without time zone``), and that stays so: the stored bytes, the migrations and the
golden table digests do not change. What changes is the Python side: a value written is turned into
UTC whatever zone it carries, and a value read comes back aware, in UTC, so the cycle, the timeline
and the browser compare and print moments without converting them first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored as naive UTC, read back as an aware UTC ``datetime``."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a moment must be a datetime, not {type(value).__name__}")
        if value.tzinfo is None:
            return value
        try:
            return value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # within a day of year 1 or 9999, past what UTC can say: the edge itself
            return datetime.min if value.year == datetime.min.year else datetime.max

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
