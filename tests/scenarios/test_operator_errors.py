"""#29: what an operator or a new user types by mistake gets one line and a non-zero exit, never a
traceback, and never a silent exit 0. Every case runs the real command in a subprocess; servers are
real processes on 127.0.0.1."""

from __future__ import annotations

import os
import pty
import select
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import FEED_0107, FEED_1008, SHARED, WORKBOOK, run_cli

UK_ISRAEL = SHARED / "fixtures" / "governments" / "unitedkingdom" / "Israel"


def one_line_error(result: subprocess.CompletedProcess, *expected: str, status: int = 2) -> str:
    """The command failed with ``status`` and said so in one line naming every ``expected`` part."""
    assert result.returncode == status, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    for part in expected:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_missing_file_or_folder_is_named(tmp_path):
    one_line_error(
        run_cli("extract", "state-dept-feed", str(tmp_path / "nope.xml")), "No such file", "nope.xml"
    )
    one_line_error(
        run_cli("replay", "state-dept-feed", str(tmp_path / "gone")), "no such file or folder", "gone"
    )
    one_line_error(run_cli("replay", "--all", str(tmp_path / "gone")), "no such file or folder")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("bogus://", "bad database URL bogus://"),
        ("not a url", "bad database URL"),
        ("sqlite:///{tmp}", "is it a folder"),  # a folder given as the database
        ("sqlite:///{tmp}/no/such/folder/x.db", "is it a folder, or in a folder that does not exist"),
        ("postgresql://watcher:hunter2@127.0.0.1:9/aw", "cannot use the database postgresql://watcher:***@"),
    ],
)
def test_a_bad_database_url_is_one_line_without_its_password(tmp_path, monkeypatch, url, expected):
    monkeypatch.setenv("ADVISORY_WATCH_DATABASE_URL", url.format(tmp=tmp_path))
    line = one_line_error(run_cli("db", "upgrade"), expected)
    assert "hunter2" not in line


def test_a_malformed_date_names_the_option(tmp_path):
    assert run_cli("db", "upgrade").returncode == 0
    one_line_error(
        run_cli("reprocess", "--source", "state-dept-feed", "--since", "2025-13-45"), "--since", "2025-13-45"
    )
    one_line_error(
        run_cli("backfill", "--source", "state-dept-feed", "--start", "yesterday", "--end", "2025-01-01"),
        "yesterday",
        status=2,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADVISORY_WATCH_FETCH_TIMEOUT", "abc"),
        ("ADVISORY_WATCH_LOG_LEVEL", "loud"),
        ("ADVISORY_WATCH_FAILURE_THRESHOLD", "3.5"),
    ],
)
def test_a_bad_setting_names_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    one_line_error(run_cli("sources"), f"{name}={value!r}")


def test_unknown_sources_are_refused_not_run_as_nothing(monkeypatch):
    monkeypatch.setenv("ADVISORY_WATCH_SOURCES", "state-dept-feed,bogus")
    one_line_error(run_cli("run", "--dry-run"), "ADVISORY_WATCH_SOURCES", "'bogus'", "state-dept-feed")


def test_countries_by_code_in_any_case_or_by_name(feed_server, tmp_path, monkeypatch):
    # Each into a fresh store: the snapshots written are the destinations the cycle considered.
    for n, (given, stored) in enumerate([("st", 1), ("Sao Tome and Principe", 1), ("ST,mx", 2)]):
        monkeypatch.setenv("ADVISORY_WATCH_DATABASE_URL", f"sqlite:///{tmp_path / f'{n}.db'}")
        result = run_cli("run", "--source", "state-dept-feed", "--dry-run", "--countries", given)
        assert result.returncode == 0, result.stderr
        assert f"state-dept-feed: ok items=211 snapshots={stored} " in result.stderr, (given, result.stderr)
    one_line_error(
        run_cli("run", "--source", "state-dept-feed", "--dry-run", "--countries", "narnia"),
        "--countries",
        "'narnia'",
    )


def test_a_replay_where_nothing_could_be_read_fails(tmp_path):
    for name in ("a.xml", "b.xml"):
        (tmp_path / name).write_text("<html>not a feed</html>")
    result = run_cli("replay", "state-dept-feed", str(tmp_path / "a.xml"))
    assert result.returncode == 1 and "none of the 1 document(s) could be extracted" in result.stderr
    folder = tmp_path / "captures"
    folder.mkdir()
    for name in ("a.xml", "b.xml"):
        (folder / name).write_text("<rss>")
    assert run_cli("replay", "state-dept-feed", str(folder)).returncode == 1
    # One good capture among them: the replay did its job (the bad one is reported, not fatal).
    (folder / "c.xml").write_bytes(FEED_0107.read_bytes())
    mixed = run_cli("replay", "state-dept-feed", str(folder))
    assert mixed.returncode == 0 and "2 file(s) could not be extracted" in mixed.stderr


@pytest.mark.parametrize(
    "content",
    ["routes: [", "channels: '#x'", "routes:\n  - countries: [IL]\n", "thread_window_hours: soon\n"],
)
def test_a_bad_routing_file_is_refused_even_without_slack(tmp_path, monkeypatch, content):
    routing = tmp_path / "routing.yaml"
    routing.write_text(content)
    monkeypatch.setenv("ADVISORY_WATCH_ROUTING", str(routing))
    one_line_error(run_cli("alerts", "flush"), "routing file", str(routing))


def test_a_missing_routing_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISORY_WATCH_ROUTING", str(tmp_path / "routing.yaml"))
    one_line_error(run_cli("alerts", "flush"), "cannot read routing file", "No such file")


def test_the_fixture_server_refuses_missing_files_and_a_taken_port(tmp_path):
    one_line_error(
        run_cli("fixture-server", "--port", "0", "--route", f"/x={tmp_path / 'gone.xml'}"), "gone.xml"
    )
    one_line_error(run_cli("fixture-server", str(tmp_path / "nodir"), "--port", "0"), "nodir")
    one_line_error(
        run_cli("fixture-server", "--port", "0", "--wayback", f"https://x/={tmp_path / 'n'}"), "--wayback"
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "advisory_watch.cli",
                "fixture-server",
                "--port",
                str(port),
                "--route",
                f"/f={FEED_0107}",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    one_line_error(result, f"port {port}", "in use")


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("advisory-watch 0.")


def _start_serve(port: int, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "advisory_watch.cli", "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    banner = process.stderr.readline()
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return process, banner


def test_serve_says_where_it_is_and_what_it_reads_and_an_empty_store_gives_a_hint(tmp_path):
    port = free_port()
    process, banner = _start_serve(port, dict(os.environ))
    try:
        assert f"http://127.0.0.1:{port}/" in banner and f"sqlite:///{tmp_path / 'test.db'}" in banner
        index = httpx.get(f"http://127.0.0.1:{port}/", headers={"accept": "text/html"})
        assert index.status_code == 200 and 'id="empty-store"' in index.text
        assert "advisory-watch run" in index.text and str(tmp_path / "test.db") in index.text
        # A browser gets an error page; an API client keeps its JSON.
        missing = httpx.get(f"http://127.0.0.1:{port}/country/ZZ", headers={"accept": "text/html"})
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
        assert '<h1 id="error">Not found</h1>' in missing.text and "nothing recorded for ZZ" in missing.text
        invalid = httpx.get(f"http://127.0.0.1:{port}/snapshot/0", headers={"accept": "text/html"})
        assert invalid.status_code == 422 and "snapshot_id" in invalid.text and "<h1" in invalid.text
        api = httpx.get(
            f"http://127.0.0.1:{port}/api/changes?since=never", headers={"accept": "text/html,*/*"}
        )
        assert api.status_code == 422 and api.json()["detail"]
        plain = httpx.get(f"http://127.0.0.1:{port}/country/ZZ", headers={"accept": "application/json"})
        assert plain.json() == {"detail": "nothing recorded for ZZ"}
        # A second server on the same port: one line, exit 2.
        second = run_cli("serve", "--port", str(port))
        one_line_error(second, f"port {port}", "in use")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_destination_without_a_state_level_shows_its_changes_not_no_history(tmp_path):
    """/country/IL after the UK's Israel pages: changes from the UK, no U.S. level series."""
    database = f"sqlite:///{tmp_path / 'il.db'}"
    replay = run_cli("replay", "uk-fcdo", str(UK_ISRAEL), "--db", database)
    assert replay.returncode == 0, replay.stderr[-2000:]
    port = free_port()
    process, _ = _start_serve(port, {**os.environ, "ADVISORY_WATCH_DATABASE_URL": database})
    try:
        page = httpx.get(f"http://127.0.0.1:{port}/country/IL").text
        assert "No advisory history yet" not in page
        assert 'id="no-level"' in page and "No State Department level recorded" in page
        assert page.count("<td>uk-fcdo</td>") >= 3  # the UK's changes are listed below
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_replayed_workbook_is_dated_by_the_workbook_not_by_its_copy(tmp_path):
    copy = tmp_path / WORKBOOK.name
    copy.write_bytes(WORKBOOK.read_bytes())  # a fresh copy: its mtime is now
    feed = tmp_path / "TAsTWs-2025-10-08.xml"
    feed.write_bytes(FEED_1008.read_bytes())
    database = tmp_path / "replay.db"
    assert run_cli("replay", "oc-index", str(copy), "--db", f"sqlite:///{database}").returncode == 0
    with sqlite3.connect(database) as db:
        days = {day for (day,) in db.execute("SELECT DISTINCT substr(observed_at, 1, 10) FROM snapshot")}
    # The workbook's own properties: last saved by its publisher on 29 October 2025.
    assert days == {"2025-10-29"}


def test_a_long_replay_shows_progress_on_a_terminal(tmp_path):
    """Rich's bar on a real pseudo-terminal (stderr is a tty); in a pipe the replay stays quiet."""
    archive = SHARED / "fixtures" / "state_dept" / "feed-archive"
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "advisory_watch.cli", "replay", "state-dept-feed", str(archive)],
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(secondary)
    seen = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=120)
    os.close(primary)
    text = seen.decode("utf-8", "replace")
    files = len([p for p in archive.iterdir() if p.is_file()])
    assert process.returncode == 0
    assert "replay state-dept-feed" in text and f"{files}/{files}" in text
    quiet = run_cli("replay", "state-dept-feed", str(archive))
    assert "replay state-dept-feed" not in quiet.stderr


def test_the_suite_leaves_the_tracked_screenshots_alone():
    from tests.conftest import ROOT, SCREENSHOTS

    assert not Path(SCREENSHOTS).resolve().is_relative_to(ROOT) or os.environ.get(
        "ADVISORY_WATCH_SCREENSHOTS"
    )


def test_a_dag_runs_countries_param_takes_the_same_codes_and_names(feed_server):
    """What the DAG's fetch task calls with its ``countries`` Param (given in the Trigger form)."""
    from advisory_watch.airflow_tasks import run_cycle

    assert run_cycle("state-dept-feed", countries=["st", "Mexico"], dry_run=True)["snapshots"] == 2
    with pytest.raises(ValueError, match="'narnia'"):
        run_cycle("state-dept-feed", countries=["narnia"], dry_run=True)
