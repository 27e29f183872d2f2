"""`make run`'s Airflow: standalone on a PostgreSQL metadata database, watched from start to ^C.

Airflow refuses backfills created from its UI or REST API while its metadata is SQLite, so the
default start gives it the embedded PostgreSQL (`advisory_watch.embedded_postgres`) with the
LocalExecutor, and nothing for the user to install. A user who names their own metadata database
(``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN``) gets it and no server is started. The snapshot store is not
moved: it stays where every command finds it without a setting (``ADVISORY_WATCH_DATABASE_URL``, or
the SQLite file under ``ADVISORY_WATCH_HOME``), so `serve`, `health` and `alerts` read what the DAGs
wrote whether or not Airflow is up.

This process stays in front of Airflow for its whole life: ^C or SIGTERM stops Airflow and then the
database, in that order; if `make` above it dies (SIGKILL), it notices and does the same, so nothing is
left holding the port. A run killed outright leaves at most the database server, which the next start
finds and reuses.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from advisory_watch.embedded_postgres import EmbeddedPostgres, EmbeddedPostgresError
from advisory_watch.usage import UsageError

AIRFLOW_CONN = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"
METADATA_DATABASE = "airflow"
STATE_FILE = "make-run.json"
_STOP_GRACE = 60.0  # what the scheduler gets to finish running tasks (half) and a killed run to stop
_COMPONENTS_GRACE = 10.0


def _say(text: str) -> None:
    print(f"make run: {text}", file=sys.stderr, flush=True)


class LaunchError(UsageError):
    """Airflow cannot be started as asked; the message says why and what to do."""


@dataclass
class Launch:
    """What one `make run` needs to know: its folders, its port and how it was told to stop."""

    home: Path
    port: int
    airflow: str
    say: Callable[[str], None] = _say
    stop_requested: bool = False

    @property
    def database(self) -> EmbeddedPostgres:
        return EmbeddedPostgres(self.home / "postgres")

    @property
    def state_file(self) -> Path:
        return self.home / STATE_FILE


def launch_from_environment() -> int:
    """The entry point `make run` calls (through ``advisory-watch airflow-standalone``)."""
    from advisory_watch.settings import get_settings

    airflow = shutil.which("airflow")
    if airflow is None:
        raise LaunchError("airflow is not installed (pip install -e '.[airflow]')")
    settings = get_settings()
    home = Path(settings.home).resolve()
    port = int(os.environ.get("AIRFLOW__API__PORT", "8080"))
    return run(Launch(home=home, port=port, airflow=airflow))


def run(launch: Launch) -> int:
    """Start the metadata database if it is ours, prepare Airflow, run it until told to stop."""
    started = time.monotonic()
    launch.home.mkdir(parents=True, exist_ok=True)
    _refuse_second_run(launch)
    _refuse_taken_port(launch)
    env = dict(os.environ)
    env.setdefault("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    # One LocalExecutor worker process per slot: Airflow's 32 would be 32 idle processes on a laptop.
    env.setdefault("AIRFLOW__CORE__PARALLELISM", "8")
    own_database = not env.get(AIRFLOW_CONN)
    try:
        if own_database:
            env[AIRFLOW_CONN] = _start_database(launch)
        else:
            from models.db import shown_url

            launch.say(f"Airflow metadata: {shown_url(env[AIRFLOW_CONN])} (given; no database started)")
        _write_state(launch)
        _prepare_airflow(launch, env)
        launch.say(f"Airflow is starting (set-up took {time.monotonic() - started:.1f} s)")
        return _supervise(launch, env)
    except KeyboardInterrupt:  # ^C during set-up, before the handlers of _supervise are in place
        launch.say("interrupted before Airflow started")
        return 130
    finally:
        if own_database and launch.database.stop():
            launch.say("stopped the embedded PostgreSQL")
        launch.state_file.unlink(missing_ok=True)


def stop_leftovers(home: Path) -> bool:
    """Stop a database server a killed run left behind (``make clean`` calls this before removing var/)."""
    return EmbeddedPostgres(home / "postgres").stop()


# -- before Airflow ------------------------------------------------------------------------------------


def _refuse_second_run(launch: Launch) -> None:
    """One `make run` per folder. An earlier one whose `make` was killed stops itself within seconds
    (it watches its parent); wait for that instead of failing."""
    import psutil

    try:
        state = json.loads(launch.state_file.read_text())
        earlier = int(state["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    if not _is_launcher(psutil, earlier):
        _end_orphaned_airflow(launch, psutil, state.get("airflow_pid"))
        return
    deadline = time.monotonic() + _STOP_GRACE + 30
    while _is_launcher(psutil, earlier):
        if time.monotonic() > deadline:
            raise LaunchError(_already_running(launch, earlier))
        try:
            orphaned = psutil.Process(earlier).ppid() in (0, 1)
        except psutil.Error:
            break
        if not orphaned:
            raise LaunchError(_already_running(launch, earlier))
        launch.say(f"waiting for the make run that was killed (pid {earlier}) to stop its Airflow")
        time.sleep(2)


def _already_running(launch: Launch, pid: int) -> str:
    return (
        f"make run is already running from {launch.home} (pid {pid}); stop it (^C, or kill {pid})"
        " or give this one another ADVISORY_WATCH_HOME"
    )


def _end_orphaned_airflow(launch: Launch, psutil, pid: object) -> None:  # noqa: ANN001 - the psutil module
    """A run killed outright (SIGKILL to its process group) leaves Airflow running in its own session,
    holding the port: end that process group, which standalone leads."""
    if not isinstance(pid, int):
        return
    members = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            if os.getpgid(process.pid) == pid and "airflow" in " ".join(process.info["cmdline"] or []):
                members.append(process)
        except (OSError, psutil.Error):
            continue
    if not members:
        return
    launch.say(f"stopping the Airflow left running by a make run that was killed (process group {pid})")
    for signum, wait in ((signal.SIGTERM, 30.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _group_alive(psutil, pid):
                return
            time.sleep(0.5)


def _group_alive(psutil, pgid: int) -> bool:  # noqa: ANN001 - the psutil module
    """Is any process of the group still running? A zombie is not: it waits only to be reaped."""
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                return True
        except (OSError, psutil.Error):
            continue
    return False


def _is_launcher(psutil, pid: int) -> bool:  # noqa: ANN001 - the psutil module
    try:
        process = psutil.Process(pid)
        return process.is_running() and "airflow-standalone" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def _refuse_taken_port(launch: Launch) -> None:
    """A taken UI port would let Airflow start and then die in its API server: say it first."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", launch.port))
        except OSError:
            holder = _port_holder(launch.port)
            raise LaunchError(
                f"port {launch.port} (the Airflow UI) is in use{holder}; stop that or choose another:"
                f" AIRFLOW__API__PORT={launch.port + 1} make run"
            ) from None


def _port_holder(port: int) -> str:
    import psutil

    try:
        for connection in psutil.net_connections(kind="tcp"):
            listening = connection.laddr and connection.laddr.port == port and connection.status == "LISTEN"
            if listening and connection.pid:
                command = " ".join(psutil.Process(connection.pid).cmdline()[:3])
                return f" by pid {connection.pid} ({command})"
    except psutil.Error:
        pass
    return ""


def _start_database(launch: Launch) -> str:
    database = launch.database
    began = time.monotonic()
    try:
        pid, reused = database.start()
        database.ensure_database(METADATA_DATABASE)
    except EmbeddedPostgresError as exc:
        raise LaunchError(f"the embedded PostgreSQL in {database.data} would not start: {exc}") from exc
    if reused:
        launch.say(f"reusing the embedded PostgreSQL a killed run left running (pid {pid}, {database.data})")
    else:
        launch.say(
            f"embedded PostgreSQL for Airflow's metadata: {database.data} (Unix socket only, pid {pid},"
            f" {time.monotonic() - began:.1f} s)"
        )
    return database.url(METADATA_DATABASE)


def _write_state(launch: Launch, airflow_pid: int | None = None) -> None:
    """Who runs here: the next start reads it to wait for, or clean up after, this one."""
    state = {"pid": os.getpid(), "port": launch.port, "airflow_pid": airflow_pid}
    launch.state_file.write_text(json.dumps(state) + "\n")


def _prepare_airflow(launch: Launch, env: dict[str, str]) -> None:
    """Migrate Airflow's metadata, then create the DAGs' pools (a missing pool stalls tasks) in one call."""
    from scrapers import registry

    _airflow(launch, env, "db", "migrate")
    done = import_pools(launch.airflow, env)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise LaunchError(f"airflow pools import failed (exit {done.returncode}):\n" + "\n".join(said))
    launch.say(f"pools: {', '.join(f'{name} ({slots})' for name, (slots, _) in registry.pools().items())}")


def import_pools(airflow: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Every pool the DAGs use, in one ``airflow pools import``: one Airflow start instead of one per
    pool (`make run` and `advisory-watch airflow-setup` both)."""
    from scrapers import registry

    pools = {
        name: {"slots": slots, "description": description, "include_deferred": False}
        for name, (slots, description) in registry.pools().items()
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(pools, file)
    try:
        return subprocess.run(
            [airflow, "pools", "import", file.name],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.unlink(file.name)


def _airflow(launch: Launch, env: dict[str, str], *arguments: str) -> None:
    done = subprocess.run(
        [launch.airflow, *arguments], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-15:]
        command = " ".join(arguments)
        raise LaunchError(f"airflow {command} failed (exit {done.returncode}):\n" + "\n".join(said))


# -- Airflow's life -----------------------------------------------------------------------------------


def _supervise(launch: Launch, env: dict[str, str]) -> int:
    """Run `airflow standalone` until it ends or we are told to stop; then stop it, children and all."""

    def request_stop(signum: int, _frame: object) -> None:
        launch.stop_requested = True

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    parent = os.getppid()
    # Its own session: a terminal's ^C reaches this process only, which then stops Airflow once and in
    # order (standalone given two SIGINTs abandons its components half-stopped).
    child = subprocess.Popen(
        [launch.airflow, "standalone"], env=env, stdin=subprocess.DEVNULL, start_new_session=True
    )
    _write_state(launch, airflow_pid=child.pid)
    try:
        while True:
            try:
                return child.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
            if os.getppid() != parent:
                launch.say("make was killed: stopping Airflow and its database")
                launch.stop_requested = True
            if launch.stop_requested:
                _stop_airflow(launch, child)
                return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_airflow(launch: Launch, child: subprocess.Popen) -> None:
    """Standalone stops its components on SIGINT; whatever is still there after the grace is ended."""
    import psutil

    launch.say("stopping Airflow")
    began = time.monotonic()
    try:
        components = psutil.Process(child.pid).children()
        family = [child.pid, *(p.pid for p in psutil.Process(child.pid).children(recursive=True))]
    except psutil.Error:
        components, family = [], [child.pid]
    # The scheduler first, while the API server its running tasks report to is still up; stopped
    # together (as standalone does), the tasks wait on a dead API and the scheduler on them.
    schedulers = [p for p in _alive(psutil, [c.pid for c in components]) if "scheduler" in _command(p)]
    for process in schedulers:
        process.terminate()
    _wait_gone(psutil, schedulers, _STOP_GRACE / 2)
    # The rest hold nothing a kill can lose (the DAG processor re-parses, the triggerer has no
    # triggers here); Airflow's own stop of them takes ~30 s, so they get a short grace.
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=_COMPONENTS_GRACE)
    for process in _alive(psutil, family):
        process.kill()
    if child.poll() is None:
        child.wait(timeout=15)
    launch.say(f"Airflow stopped in {time.monotonic() - began:.0f} s")


def _wait_gone(psutil, processes: list, timeout: float) -> None:  # noqa: ANN001 - the psutil module
    """Until each has exited: a zombie counts as gone (standalone, its parent, reaps it later)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(psutil, [p.pid for p in processes]):
        time.sleep(0.2)


def _command(process) -> str:  # noqa: ANN001 - a psutil.Process
    try:
        return " ".join(process.cmdline())
    except Exception:  # noqa: BLE001 - gone or unreadable: not the one we look for
        return ""


def _alive(psutil, pids: list[int]) -> list:  # noqa: ANN001 - the psutil module
    found = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            continue
    return found
