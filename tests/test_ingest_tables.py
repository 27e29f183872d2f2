"""The bulk write path stores exactly what the row-by-row path stored (issue #20).

``tests/fixtures/ingest_tables.json`` holds, per database, the row count and digest of every table
after ``tests/ingest_scenario.run_scenario`` ran on the row-by-row code (commit 3d02f9e). Ids are part
of the comparison: PostgreSQL's sequences skip the ids of rows a re-derivation deleted, SQLite reuses
them, so each database has its own digests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisory_watch.settings import Settings
from tests.ingest_scenario import dump_tables, run_scenario

GOLDEN = json.loads((Path(__file__).parent / "fixtures" / "ingest_tables.json").read_text())


def _check(url: str, dialect: str) -> None:
    alerts = run_scenario(Settings(database_url=url))
    assert alerts == 30
    tables = dump_tables(url)
    wanted = GOLDEN[dialect]
    assert sorted(tables) == sorted(wanted)
    differing = {name: (tables[name], wanted[name]) for name in wanted if tables[name] != wanted[name]}
    assert not differing, differing


def test_the_scenario_stores_the_same_tables_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path / 'scenario.db'}", "sqlite")


@pytest.mark.postgres
def test_the_scenario_stores_the_same_tables_on_postgres(postgres_url):
    _check(postgres_url, "postgresql")
