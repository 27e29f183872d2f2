"""`make run`'s supervisor without Airflow: a stand-in `airflow` executable records what it is asked,
so the order of things, the database choice and the pre-flight refusals are checked in seconds.
`tests/system/test_make_run.py` runs the real thing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisory_watch import local_airflow
from advisory_watch.local_airflow import Launch, LaunchError

STAND_IN = """#!{python}
import json, os, sys
conn = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
executor = os.environ.get("AIRFLOW__CORE__EXECUTOR")
with open({log!r}, "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "conn": conn, "executor": executor}}) + "\\n")
"""


@pytest.fixture
def stand_in(tmp_path: Path) -> tuple[str, Path]:
    log = tmp_path / "airflow-calls.jsonl"
    script = tmp_path / "airflow"
    script.write_text(STAND_IN.format(python=sys.executable, log=str(log)))
    script.chmod(0o755)
    return str(script), log


def _launch(tmp_path: Path, airflow: str, said: list[str]) -> Launch:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return Launch(home=tmp_path / "var", port=port, airflow=airflow, say=said.append)


def _group_gone(pgid: int, within: float) -> bool:
    """Its last member may linger a moment as a zombie until init reaps it."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_by_default_airflow_runs_on_the_embedded_postgres_which_is_stopped_after(
    tmp_path, stand_in, monkeypatch
):
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    monkeypatch.delenv("AIRFLOW__CORE__EXECUTOR", raising=False)
    airflow, log = stand_in
    said: list[str] = []
    assert local_airflow.run(_launch(tmp_path, airflow, said)) == 0
    calls = _calls(log)
    assert [c["argv"][:2] for c in calls] == [["db", "migrate"], ["pools", "import"], ["standalone"]]
    socket_dir = tmp_path / "var" / "postgres"
    assert {c["conn"] for c in calls} == {f"postgresql+psycopg://postgres@/airflow?host={socket_dir}"}
    assert {c["executor"] for c in calls} == {"LocalExecutor"}
    assert any(s.startswith("embedded PostgreSQL for Airflow's metadata") for s in said)
    assert said[-1] == "stopped the embedded PostgreSQL"
    assert not (socket_dir / "postmaster.pid").exists()
    assert not (tmp_path / "var" / local_airflow.STATE_FILE).exists()


def test_a_given_metadata_url_is_used_and_no_database_is_started(tmp_path, stand_in, monkeypatch):
    given = "postgresql://airflow:secret@127.0.0.1:5432/airflow"
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", given)
    airflow, log = stand_in
    said: list[str] = []
    assert local_airflow.run(_launch(tmp_path, airflow, said)) == 0
    assert {c["conn"] for c in _calls(log)} == {given}
    assert not (tmp_path / "var" / "postgres").exists()
    assert (
        said[0]
        == "Airflow metadata: postgresql://airflow:***@127.0.0.1:5432/airflow (given; no database started)"
    )


def test_a_taken_ui_port_is_refused_in_one_line_naming_the_holder(tmp_path, stand_in):
    airflow, log = stand_in
    launch = _launch(tmp_path, airflow, [])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", launch.port))
        holder.listen()
        with pytest.raises(LaunchError) as refused:
            local_airflow.run(launch)
    message = str(refused.value)
    assert f"port {launch.port} (the Airflow UI) is in use by pid {os.getpid()}" in message
    assert f"AIRFLOW__API__PORT={launch.port + 1} make run" in message
    assert not log.exists()  # nothing was started


def test_a_second_make_run_on_the_same_folder_is_refused(tmp_path, stand_in):
    airflow, log = stand_in
    launch = _launch(tmp_path, airflow, [])
    launch.home.mkdir(parents=True)
    # Another launcher, alive and not orphaned (its parent is this test).
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "airflow-standalone"])
    try:
        (launch.home / local_airflow.STATE_FILE).write_text(
            json.dumps({"pid": other.pid, "airflow_pid": None})
        )
        with pytest.raises(LaunchError, match=f"make run is already running .*pid {other.pid}"):
            local_airflow.run(launch)
    finally:
        other.kill()
        other.wait()
    assert not log.exists()


def test_the_airflow_a_killed_run_left_is_ended_before_starting(tmp_path, stand_in, monkeypatch):
    """SIGKILL to make's group leaves Airflow in its own session: the next start ends that group."""
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite:///unused.db")
    airflow, log = stand_in
    said: list[str] = []
    launch = _launch(tmp_path, airflow, said)
    launch.home.mkdir(parents=True)
    child = (
        "import subprocess, sys, time;"
        " subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', 'airflow', 'scheduler']);"
        " time.sleep(120)"
    )
    leftover = subprocess.Popen(
        [sys.executable, "-c", child, "airflow", "standalone"], start_new_session=True
    )
    time.sleep(0.5)
    dead_launcher = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_launcher.wait()
    state = {"pid": dead_launcher.pid, "airflow_pid": leftover.pid}
    (launch.home / local_airflow.STATE_FILE).write_text(json.dumps(state))
    try:
        assert local_airflow.run(launch) == 0
        assert leftover.wait(timeout=5) == -signal.SIGTERM
        assert _group_gone(leftover.pid, within=5)  # the whole group, its child included
        killed = (
            f"stopping the Airflow left running by a make run that was killed (process group {leftover.pid})"
        )
        assert said[0] == killed
        assert [c["argv"][0] for c in _calls(log)] == ["db", "pools", "standalone"]
    finally:
        if leftover.poll() is None:
            os.killpg(leftover.pid, signal.SIGKILL)
