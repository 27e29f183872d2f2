"""Ordinary mistakes of whoever runs a command, said in one line.

A missing file, a mistyped database URL or setting, a port already taken: the person at the terminal
needs the thing to fix, not a traceback. :func:`explain` names the mistakes we know; anything else is a
defect and keeps its traceback. Setting ``ADVISORY_WATCH_LOG_LEVEL=DEBUG`` shows the traceback of an
explained mistake too.
"""

from __future__ import annotations

import errno

from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from alerts.routing import RoutingError
from models.db import shown_url


class UsageError(Exception):
    """A command given something it cannot use (an unknown source, a malformed date, …)."""


def _settings_problem(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        name = "ADVISORY_WATCH_" + "_".join(str(part) for part in error["loc"]).upper()
        problems.append(f"{name}={error.get('input')!r}: {error['msg']}")
    return "bad setting " + "; ".join(problems)


def _os_problem(exc: OSError) -> str | None:
    if exc.errno == errno.EADDRINUSE:
        return f"address already in use ({exc.strerror}); choose another --port or stop what holds it"
    if exc.filename is not None and exc.errno in {
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EACCES,
        errno.EEXIST,
    }:
        return f"{exc.strerror}: {exc.filename}"
    return None


def explain(exc: BaseException, *, database_url: str | None = None) -> str | None:
    """One line saying what to fix, or None when ``exc`` is not an ordinary mistake (a defect)."""
    if isinstance(exc, UsageError | RoutingError):
        return str(exc)
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return _settings_problem(exc)
    where = f" {shown_url(database_url)}" if database_url else ""
    if isinstance(exc, NoSuchModuleError | ArgumentError):
        return (
            f"bad database URL{where}: {exc}; expected e.g. sqlite:////path/to/file.db or "
            "postgresql+psycopg://user@host/db (ADVISORY_WATCH_DATABASE_URL)"
        )
    if isinstance(exc, OperationalError):
        reason = " ".join(str(exc.orig if exc.orig is not None else exc).split())
        hint = ""
        if "unable to open database file" in reason:
            hint = " (is it a folder, or in a folder that does not exist?)"
        return f"cannot use the database{where}: {reason}{hint}"
    if isinstance(exc, OSError):
        return _os_problem(exc)
    return None
