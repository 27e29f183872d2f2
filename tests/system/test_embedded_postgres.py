"""The embedded PostgreSQL of `make run`: a real server from the wheel, in a temporary folder.

Each case starts the server itself (about a second): first start, reuse by a second start, a
server killed with SIGKILL (stale lock files, children still exiting), a pid file naming another
program, and a stop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from advisory_watch.embedded_postgres import EmbeddedPostgres


@pytest.fixture
def server(tmp_path: Path):
    database = EmbeddedPostgres(tmp_path / "postgres")
    yield database
    database.stop()


def _query(database: EmbeddedPostgres, name: str = "postgres") -> int:
    with psycopg.connect(host=str(database.socket_dir), user="postgres", dbname=name) as connection:
        row = connection.execute("SELECT 1").fetchone()
    assert row is not None
    return int(row[0])


def test_first_start_initialises_and_a_second_start_reuses_the_running_server(server):
    pid, reused = server.start()
    assert not reused and (server.data / "PG_VERSION").exists()
    server.ensure_database("airflow")
    server.ensure_database("airflow")  # idempotent
    assert _query(server, "airflow") == 1
    again, reused = server.start()
    assert (again, reused) == (pid, True)
    assert server.url("airflow") == f"postgresql+psycopg://postgres@/airflow?host={server.socket_dir}"


def test_it_listens_on_its_socket_only_so_a_taken_5432_does_not_matter(server):
    import psutil

    pid, _ = server.start()
    assert (server.socket_dir / ".s.PGSQL.5432").is_socket()
    assert psutil.Process(pid).net_connections(kind="inet") == []


def test_a_server_killed_outright_is_started_again_over_its_stale_locks(server):
    pid, _ = server.start()
    server.ensure_database("airflow")
    os.kill(pid, signal.SIGKILL)
    began = time.monotonic()
    new_pid, reused = server.start()  # at once: the killed server's lock files are still there
    assert not reused and new_pid != pid
    assert time.monotonic() - began < 30
    assert _query(server, "airflow") == 1  # its data survived


def test_a_pid_file_naming_another_program_is_stale(server):
    server.start()
    server.stop()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (server.data / "postmaster.pid").write_text(f"{other.pid}\n{server.data}\n")
        assert server.running_pid() is None
        pid, reused = server.start()
        assert not reused and pid != other.pid
        assert _query(server) == 1
    finally:
        other.kill()
        other.wait()


def test_stop_ends_the_server_and_says_whether_one_ran(server):
    server.start()
    assert server.stop() is True
    assert server.running_pid() is None
    assert not (server.data / "postmaster.pid").exists()
    assert server.stop() is False


def test_a_data_folder_too_deep_for_a_unix_socket_gets_a_short_socket_folder(tmp_path):
    deep = tmp_path.joinpath(*["nested-folder-name"] * 6) / "postgres"
    database = EmbeddedPostgres(deep)
    assert len(str(database.socket_dir / ".s.PGSQL.5432")) <= 100
    assert database.socket_dir != deep
