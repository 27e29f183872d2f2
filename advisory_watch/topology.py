"""The production topology of docker-compose.yml, run as local processes (no Docker engine needed).

Airflow 3 with the CeleryExecutor: ``api-server``, ``scheduler``, ``dag-processor``, ``triggerer`` and
Celery workers as separate processes; metadata and the snapshot store in databases of their own on
a PostgreSQL server; Redis as the broker. The environment is the compose file's own
(``x-airflow-common.environment``), rewritten for localhost: service host names become 127.0.0.1,
the databases fresh ones, paths this checkout's. One deliberate difference: the compose file's FAB
auth manager is a provider package not installed here, so the REST API is reached through Airflow's
simple auth manager (every user an admin, tokens from ``GET /auth/token``).

Used by ``tests/system/test_topology.py`` and by ``make topology`` (start, print the URLs, wait for ^C).
Every process is started in its own session and stopped by process group id.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _argv(args: tuple[str, ...]) -> list[str]:
    """A command of this environment (airflow, advisory-watch) by its full path."""
    return [str(Path(sys.executable).parent / args[0]), *args[1:]]


def compose_environment(
    compose_file: Path,
    *,
    databases: dict[str, str],
    pg_host: str,
    redis_url: str,
    api_port: int,
    jwt_secret: str,
) -> dict[str, str]:
    """The Airflow services' environment from the compose file, for processes on this machine.

    ``databases`` maps the compose file's database names (``airflow``, ``advisory_watch``) to the
    local ones; credentials are dropped (the local server trusts loopback)."""
    compose = yaml.safe_load(compose_file.read_text())
    env = {key: str(value) for key, value in compose["x-airflow-common"]["environment"].items()}

    def local_database(match: re.Match[str]) -> str:
        return f"{match['scheme']}://{pg_host}/{databases[match['db']]}"

    rewritten: dict[str, str] = {}
    for key, value in env.items():
        value = re.sub(
            r"(?P<scheme>[a-z0-9+]+)://[^@/\s]*@postgres(?::\d+)?/(?P<db>\w+)", local_database, value
        )
        value = re.sub(r"redis://[^@/\s]*@?redis:6379/\d+", redis_url, value)
        value = value.replace("http://airflow-apiserver:8080", f"http://127.0.0.1:{api_port}")
        value = value.replace("/opt/advisory-watch", str(ROOT))
        rewritten[key] = value
    rewritten["AIRFLOW__API_AUTH__JWT_SECRET"] = jwt_secret  # one for every process: they trust each other
    rewritten["AIRFLOW__CORE__AUTH_MANAGER"] = SIMPLE_AUTH_MANAGER
    rewritten["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] = "True"
    leftovers = [f"{k}={v}" for k, v in rewritten.items() if re.search(r"@postgres\b|//redis:|\$\{", v)]
    if leftovers:
        raise ValueError(f"compose environment not rewritten for localhost: {leftovers}")
    return rewritten


@dataclass
class Topology:
    """Start with :meth:`start`, stop with :meth:`stop` (or use it as a context manager)."""

    home: Path
    pg_admin_url: str = "postgresql://127.0.0.1:5432/test"
    redis_url: str = "redis://127.0.0.1:6379/9"
    workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    api_port: int = field(default_factory=free_port)
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    # -- set-up -------------------------------------------------------------------------------
    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _create_databases(self) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.names = {
            "airflow": f"aw_topology_meta_{suffix}",
            "advisory_watch": f"aw_topology_store_{suffix}",
        }
        admin = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.names.values():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()

    def _drop_databases(self) -> None:
        if not self.names:
            return
        admin = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def environment(self) -> dict[str, str]:
        host = self.pg_admin_url.split("://", 1)[1].split("/", 1)[0].split("@")[-1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__") and k != "AIRFLOW_HOME"}
        env.update(
            compose_environment(
                ROOT / "docker-compose.yml",
                databases=self.names,
                pg_host=host,
                redis_url=self.redis_url,
                api_port=self.api_port,
                jwt_secret=self.jwt_secret,
            )
        )
        env.update(
            AIRFLOW_HOME=str(self.home / "airflow"),
            AIRFLOW__API__PORT=str(self.api_port),
            AIRFLOW__API__WORKERS="1",
            AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT=str(free_port()),
            AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
            # Paused at creation, as an operator finds a new deployment: the REST API unpauses.
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
            AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
            AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="20",
            AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL="3",
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        env.update(self.extra_env)
        return env

    def command(self, *args: str, timeout: float = 600) -> None:
        done = subprocess.run(
            _argv(args),
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")

    def start_process(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.home / "logs").joinpath(f"{name}.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            _argv(args),
            env={**self.environment(), **(env or {})},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its children too
        )
        self.processes[name] = process
        return process

    def start_worker(self, name: str) -> subprocess.Popen:
        return self.start_process(
            name,
            "airflow",
            "celery",
            "worker",
            "--celery-hostname",
            f"{name}@%h",
            "--concurrency",
            "2",
            env={"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())},
        )

    def start(self) -> Topology:
        self.home.mkdir(parents=True, exist_ok=True)
        self._create_databases()
        try:
            self._flush_broker()
            self.command("airflow", "db", "migrate")
            self.command("advisory-watch", "db", "upgrade")
            self.command("advisory-watch", "airflow-setup")
            self.start_process("api-server", "airflow", "api-server", "--port", str(self.api_port))
            self.start_process("scheduler", "airflow", "scheduler")
            self.start_process("dag-processor", "airflow", "dag-processor")
            self.start_process("triggerer", "airflow", "triggerer")
            for number in range(1, self.workers + 1):
                self.start_worker(f"worker{number}")
            self.wait_until(
                lambda: self._get("/api/v2/monitor/health").status_code == 200, 180, "the API server"
            )
        except BaseException:
            self.stop()
            raise
        return self

    def _flush_broker(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    # -- running --------------------------------------------------------------------------------
    def worker_running(self, ti_id: str) -> str | None:
        """The worker whose processes run a task instance (Airflow titles the task process with its
        id), else None."""
        import psutil

        for name, process in self.processes.items():
            if not name.startswith("worker") or process.poll() is not None:
                continue
            for child in psutil.Process(process.pid).children(recursive=True):
                try:
                    if ti_id in " ".join(child.cmdline()):
                        return name
                except psutil.Error:
                    continue
        return None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill a process and everything it started (a container dying), by process group id."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes.pop(name)
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=20)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
        self._drop_databases()
        self.names = {}

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _token(self) -> str:
        answer = httpx.get(f"{self.api}/auth/token", timeout=30)
        answer.raise_for_status()
        return answer.json()["access_token"]

    def _get(self, path: str) -> httpx.Response:
        try:
            return httpx.get(f"{self.api}{path}", timeout=30)
        except httpx.HTTPError:
            return httpx.Response(599)

    def rest(self, method: str, path: str, **kwargs: Any) -> Any:
        """The REST API v2 with a fresh token (simple auth manager, all admins)."""
        answer = httpx.request(
            method,
            f"{self.api}{path}",
            headers={"Authorization": f"Bearer {self._token()}"},
            timeout=60,
            **kwargs,
        )
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:2000]}")
        return answer.json() if answer.content else None

    def wait_until(self, condition: Any, timeout: float, what: str, every: float = 1.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = condition()
            except (httpx.HTTPError, RuntimeError):
                value = None
            if value:
                return value
            for name, process in self.processes.items():
                if process.poll() is not None and not name.startswith("worker"):
                    raise RuntimeError(f"{name} exited ({process.returncode}); see {self.home / 'logs'}")
            time.sleep(every)
        raise TimeoutError(f"{what}: not within {timeout:g} s; logs in {self.home / 'logs'}")


def main() -> None:  # pragma: no cover - the interactive `make topology`
    home = Path(os.environ.get("TOPOLOGY_HOME", ROOT / "var" / "topology"))
    with Topology(home=home) as topology:
        print(f"Airflow API/UI: {topology.api}  (simple auth manager, every user an admin)")
        print(f"metadata and store databases: {topology.names}; logs in {home / 'logs'}")
        print("^C stops every process and drops the databases")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
