"""The bulk write path stores exactly what the row-by-row path stored (issue #20), and nothing
changes it unnoticed since.

``tests/scenarios/fixtures/ingest_tables.json`` holds, per database, the row count and digest of every table
after ``tests/ingest_scenario.run_scenario``. The digests were first taken from the row-by-row code
(commit 3d02f9e), which the bulk path matched table for table; they were re-taken once, on purpose,
for #28 (truthful alerts): alerts state their claims with witnesses (three more alerts: changes State's
note announced that the reading missed), a new note only is weighed (fewer findings), and advisory
pages read every level sentence of their summary for indicators (their records changed); and the
``sourcehealth`` digest once more for #29, which added its ``failing`` column (empty at the scenario's
end: every other table's digest is unchanged). Ids are
part of the comparison: PostgreSQL's sequences skip the ids of rows a re-derivation deleted, SQLite
reuses them, so each database has its own digests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisory_watch.settings import Settings
from tests.support.ingest_scenario import dump_tables, run_scenario, table_rows

NOBODY_ACTED = {"alertaction", "snooze"}  # the scenario has no people in it: these stay empty
# The fold's checkpoints depend on their spacing (the setting under test), not on what was stored.
BY_SETTING = {"foldcheckpoint"}
GOLDEN = json.loads((Path(__file__).parent / "fixtures" / "ingest_tables.json").read_text())


def _check(url: str, dialect: str, checkpoint_every: int) -> None:
    alerts = run_scenario(Settings(database_url=url, fold_checkpoint_every=checkpoint_every))
    assert alerts == 33
    payloads = [v for row in table_rows(url)["alert"] for v in row if isinstance(v, dict) and "kind" in v]
    # Every alert of a government's source names the government (#18): here the U.S.'s, ops alerts too.
    assert payloads and all(p.get("government") == "US" for p in payloads)
    # Every claim of every alert names its witnesses (#28).
    assert all(c.get("witnesses") for p in payloads if not p.get("ops") for c in p["changes"])
    tables = dump_tables(url)
    wanted = GOLDEN[dialect]
    assert set(tables) == set(wanted)
    assert all(tables[name]["rows"] == 0 for name in NOBODY_ACTED)
    differing = {
        name: (tables[name], wanted[name])
        for name in wanted
        if name not in BY_SETTING and tables[name] != wanted[name]
    }
    assert not differing, differing


# Every 7 observations: each backfilled day re-folds from a checkpoint and stops where it meets the
# stored fold again; every 100: the first re-folds from the start. Both must store the same history.
@pytest.mark.parametrize("checkpoint_every", [7, 100])
def test_the_scenario_stores_the_same_tables_on_sqlite(tmp_path, checkpoint_every):
    _check(f"sqlite:///{tmp_path / 'scenario.db'}", "sqlite", checkpoint_every)


@pytest.mark.postgres
def test_the_scenario_stores_the_same_tables_on_postgres(postgres_url):
    _check(postgres_url, "postgresql", 7)
