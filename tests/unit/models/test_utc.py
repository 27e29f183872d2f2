"""The store's one moment type: whatever zone goes in, UTC is stored, and UTC comes back, aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select, text

from models.utc import UtcDateTime

LIMA = timezone(timedelta(hours=-5))


def _table() -> tuple[Table, object]:
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", UtcDateTime))
    table.metadata.create_all(engine)
    return table, engine


def test_an_aware_moment_is_stored_as_naive_utc_and_read_back_aware():
    table, engine = _table()
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(table.insert(), [{"id": 1, "at": datetime(2026, 3, 1, 7, 30, tzinfo=LIMA)}])
        stored = conn.execute(text("SELECT at FROM t")).scalar_one()
        read = conn.execute(select(table.c.at)).scalar_one()
    # 07:30 in Lima is 12:30 UTC: the row holds UTC without an offset, as every row before it did.
    assert stored == "2026-03-01 12:30:00.000000"
    assert read == datetime(2026, 3, 1, 12, 30, tzinfo=UTC) and read.tzinfo is UTC


def test_a_naive_moment_is_taken_as_utc_and_comparisons_bind_the_same_way():
    table, engine = _table()
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(table.insert(), [{"id": 1, "at": datetime(2026, 3, 1, 12)}, {"id": 2, "at": None}])
        later = conn.execute(
            select(table.c.id).where(table.c.at >= datetime(2026, 3, 1, 6, 59, tzinfo=LIMA))
        ).all()
        values = conn.execute(select(table.c.at).order_by(table.c.id)).scalars().all()
    assert later == [(1,)]  # 06:59 Lima = 11:59 UTC, before the row's 12:00
    assert values == [datetime(2026, 3, 1, 12, tzinfo=UTC), None]


def test_a_moment_at_the_edge_of_the_calendar_binds_to_the_edge():
    """``since=0001-01-01T00:00+00:01`` is a minute before year 1 in UTC: every row is after it."""
    table, engine = _table()
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(table.insert(), [{"id": 1, "at": datetime(2026, 3, 1, 12)}])
        early = datetime(1, 1, 1, tzinfo=timezone(timedelta(minutes=1)))
        late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(minutes=-1)))
        assert conn.execute(select(table.c.id).where(table.c.at >= early)).all() == [(1,)]
        assert conn.execute(select(table.c.id).where(table.c.at <= late)).all() == [(1,)]
