"""Database URLs as users write them, and as they may be shown."""

from __future__ import annotations

from models.db import database_url, shown_url


def test_driver_spellings_name_the_same_database():
    assert database_url("postgres://u@h/db") == "postgresql://u@h/db"
    assert database_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_a_password_is_never_shown():
    assert (
        shown_url("postgresql://aw:s3cret@db.internal:5432/aw") == "postgresql://aw:***@db.internal:5432/aw"
    )
    assert "s3cret" not in shown_url("postgresql://aw:s3cret@[bad")
