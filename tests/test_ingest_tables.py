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
from tests.ingest_scenario import dump_tables, run_scenario, table_rows

ADDED_SINCE = {"foldcheckpoint", "alertaction", "snooze"}  # the fold's checkpoints (#20); actions (#19)
NOBODY_ACTED = {"alertaction", "snooze"}  # the scenario has no people in it: these stay empty
GOLDEN = json.loads((Path(__file__).parent / "fixtures" / "ingest_tables.json").read_text())


def _without_government(table: str, value: object) -> object:
    """An alert payload as the row-by-row code wrote it: the ``government`` key (#18) came later."""
    if table == "alert" and isinstance(value, dict) and "government" in value:
        return {k: v for k, v in value.items() if k != "government"}
    return value


def _check(url: str, dialect: str, checkpoint_every: int) -> None:
    alerts = run_scenario(Settings(database_url=url, fold_checkpoint_every=checkpoint_every))
    assert alerts == 30
    payloads = [v for row in table_rows(url)["alert"] for v in row if isinstance(v, dict) and "kind" in v]
    # Every alert of a government's source names the government (#18): here the U.S.'s, ops alerts too.
    assert payloads and all(p.get("government") == "US" for p in payloads)
    tables = dump_tables(url, without=_without_government)
    wanted = GOLDEN[dialect]
    # Tables added since the digests were taken hold new kinds of rows, nothing the old path wrote.
    assert set(tables) - set(wanted) == ADDED_SINCE
    assert all(tables[name]["rows"] == 0 for name in NOBODY_ACTED)
    differing = {name: (tables[name], wanted[name]) for name in wanted if tables[name] != wanted[name]}
    assert not differing, differing


# Every 7 observations: each backfilled day re-folds from a checkpoint and stops where it meets the
# stored fold again; every 100: the first re-folds from the start. Both must store the same history.
@pytest.mark.parametrize("checkpoint_every", [7, 100])
def test_the_scenario_stores_the_same_tables_on_sqlite(tmp_path, checkpoint_every):
    _check(f"sqlite:///{tmp_path / 'scenario.db'}", "sqlite", checkpoint_every)


@pytest.mark.postgres
def test_the_scenario_stores_the_same_tables_on_postgres(postgres_url):
    _check(postgres_url, "postgresql", 7)
