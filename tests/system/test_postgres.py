"""The production path: the same pipeline on PostgreSQL gives the same history as on SQLite."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine, inspect, text

from models.db import database_url, upgrade
from tests.conftest import ARCHIVE, FEED_0107, FEED_1008, FEED_PATH, run_cli
from tests.scenarios.test_replay import replay

pytestmark = pytest.mark.postgres


def test_migrations_upgrade_from_empty(postgres_url):
    upgrade(postgres_url)
    engine = create_engine(postgres_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"blob", "fetch", "snapshot", "destinationstate", "change", "alert", "sourcehealth"} <= tables
    upgrade(postgres_url)  # idempotent


def test_replay_on_postgres_matches_sqlite(postgres_url, tmp_path):
    folder = tmp_path / "days"
    folder.mkdir()
    for day in ("2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"):
        shutil.copy(ARCHIVE / f"{day}.xml", folder / f"{day}.xml")
    on_sqlite = replay(folder, "--db", f"sqlite:///{tmp_path / 'x.db'}")
    on_postgres = replay(folder, "--db", postgres_url)

    def strip(alerts):
        return [
            {k: v for k, v in a.items() if k not in {"from_snapshot", "to_snapshot", "history_url"}}
            for a in alerts
        ]

    assert strip(on_postgres) == strip(on_sqlite)
    assert [(a["country"], a["old"], a["new"]) for a in on_postgres] == [
        ("BH", 2, 3),
        ("KW", 1, 3),
        ("QA", 1, 3),
        ("AE", 2, 3),
        ("JO", 2, 3),
        ("CY", 1, 3),
        ("OM", 2, 3),
        ("SA", 2, 3),
    ]


@pytest.mark.parametrize("written", ["postgresql://", "postgresql+psycopg2://", "postgres://"])
def test_the_two_real_captures_replay_into_postgres_from_the_environment(
    postgres_url, feed_server, tmp_path, monkeypatch, written
):
    """ADVISORY_WATCH_DATABASE_URL as people write it: psycopg 3 is the driver; psycopg2 and
    ``postgres://`` URLs name the same database. Two live cycles over the two real captures store
    the same alert as the replay on SQLite."""
    folder = tmp_path / "two"
    folder.mkdir()
    shutil.copy(FEED_0107, folder / "a.xml")
    shutil.copy(FEED_1008, folder / "b.xml")
    [on_sqlite] = replay(folder)
    url = written + postgres_url.split("://", 1)[1]
    monkeypatch.setenv("ADVISORY_WATCH_DATABASE_URL", url)
    assert run_cli("db", "upgrade").returncode == 0
    first = run_cli("run", "--source", "state-dept-feed")
    feed_server.state.routes[FEED_PATH] = FEED_1008
    second = run_cli("run", "--source", "state-dept-feed")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    engine = create_engine(database_url(url))
    with engine.connect() as conn:
        assert conn.dialect.driver == "psycopg"
        rows = conn.execute(text("SELECT country, kind, payload FROM alert")).all()
    engine.dispose()
    assert [(r[0], r[1]) for r in rows] == [("ST", "level_changed")]
    assert rows[0][2]["summary"] == on_sqlite["summary"]
