"""The production path: the same pipeline on PostgreSQL gives the same history as on SQLite."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine, inspect

from models.db import upgrade
from tests.conftest import ARCHIVE
from tests.test_replay import replay

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
