"""One way to name the store: every command that reads or writes it takes --db, the environment
variable its default. Proved with two stores side by side: what --db names is written and read, the
environment's store is left alone."""

from __future__ import annotations

import json
import os
import sqlite3

import httpx
import pytest

from advisory_watch.cli import build_parser
from tests.conftest import FEED_1008, FEED_PATH, run_cli

STORE_COMMANDS = [
    ["run"],
    ["backfill", "--source", "state-dept-feed", "--start", "2026-01-01", "--end", "2026-01-02"],
    ["reprocess", "--source", "state-dept-feed"],
    ["replay", "state-dept-feed", "DIR"],
    ["db", "upgrade"],
    ["alerts", "pending"],
    ["alerts", "flush"],
    ["alerts", "digest"],
    ["alerts", "test"],
    ["alerts", "ack", "1"],
    ["alerts", "assign", "1", "--to", "U1"],
    ["alerts", "snooze", "1", "--for", "1d"],
    ["health"],
    ["serve"],
    ["slack-socket"],
    ["airflow-setup"],
]


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=" ".join)
def test_every_command_that_touches_the_store_takes_db(command):
    args = build_parser().parse_args([*command, "--db", "sqlite:////tmp/elsewhere.db"])
    assert args.db == "sqlite:////tmp/elsewhere.db"


def _snapshots(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("select count(*) from snapshot").fetchone()[0]


def test_run_alerts_and_health_use_the_store_db_names(feed_server, tmp_path):
    other = tmp_path / "other.db"
    url = f"sqlite:///{other}"
    assert run_cli("db", "upgrade", "--db", url).returncode == 0
    first = run_cli("run", "--source", "state-dept-feed", "--db", url)
    assert first.returncode == 0, first.stderr
    assert _snapshots(other) == 211
    configured = os.environ["ADVISORY_WATCH_DATABASE_URL"].removeprefix("sqlite:///")
    assert not os.path.exists(configured) or _snapshots(configured) == 0  # the environment's store: untouched

    httpx.post(f"{feed_server.url}/__fixture/route", json={"path": FEED_PATH, "file": str(FEED_1008)})
    held = run_cli("run", "--source", "state-dept-feed", "--dry-run", "--db", url)
    assert "alerts=1" in held.stderr
    assert run_cli("alerts", "pending", "--db", url).stdout == ""  # held, not pending
    health = run_cli("health", "--json", "--db", url)
    [feed] = [r for r in map(json.loads, health.stdout.splitlines()) if r["source"] == "state-dept-feed"]
    assert feed["last_success_at"] is not None and feed["consecutive_failures"] == 0
    empty = run_cli("health", "--json", "--source", "state-dept-feed")  # the environment's store: nothing ran
    assert [json.loads(line)["last_success_at"] for line in empty.stdout.splitlines()] == [None]


def test_a_store_db_names_that_cannot_be_opened_is_named_in_one_line(tmp_path):
    missing = tmp_path / "no-such-folder" / "store.db"
    done = run_cli("health", "--db", f"sqlite:///{missing}")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and str(missing) in done.stderr, done.stderr
