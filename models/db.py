"""Engine and migrations: one database URL for every command, DAG task and test."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

MIGRATIONS = Path(__file__).with_name("migrations")


# The PostgreSQL driver shipped is psycopg 3, SQLAlchemy 2.1's default for ``postgresql://``. URLs
# written for psycopg2 (older deployments, Airflow examples) and ``postgres://`` (hosting providers)
# still work: they name the same database, only the driver differs.
_DRIVER_ALIASES = (("postgresql+psycopg2://", "postgresql+psycopg://"), ("postgres://", "postgresql://"))


def shown_url(url: str) -> str:
    """A database URL as it may be printed or shown: never its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def database_url(url: str) -> str:
    """The URL as the shipped drivers take it."""
    for written, meant in _DRIVER_ALIASES:
        if url.startswith(written):
            return meant + url[len(written) :]
    return url


def make_engine(url: str) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the store to the newest schema; safe to run on every start."""
    command.upgrade(alembic_config(url), revision)
