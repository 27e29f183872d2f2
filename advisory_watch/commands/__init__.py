"""The ``advisory-watch`` commands, by group: ``history`` (extract, replay, backfill, reprocess), ``run``
(one live cycle), ``alerts`` (the outbox and acting on alerts), ``admin`` (the store, health, sources,
Airflow, the fixture server). ``advisory_watch.cli`` is the parser that names them, and the face that
starts the history browser. Each command imports what it needs when it runs, so ``--help`` and the
parser stay fast.

What the commands print in common lives here.
"""

from __future__ import annotations

import errno
import json
import sys
from typing import Any


def print_json_line(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=str), flush=True)


def print_flush(report) -> None:  # type: ignore[no-untyped-def]
    print(
        f"delivered {report.sent} alert(s) ({report.verified} verified as already posted), "
        f"{report.waiting} still pending, {report.leased} leased (being sent, or waiting out a lease), "
        f"{report.failed + report.rejected} failed in this flush"
        + (f": {'; '.join(report.errors[:3])}" if report.errors else ""),
        file=sys.stderr,
    )


def progress_bar() -> Any:
    """A progress bar on stderr while it is a terminal; nothing at all in a log or a pipe."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=not console.is_terminal,
    )


def port_taken(command: str, host: str, port: int, exc: OSError) -> Exception | None:
    """A failed bind on a taken port, as the one-line mistake it is; None for any other failure."""
    from advisory_watch.usage import UsageError

    if exc.errno == errno.EADDRINUSE:
        return UsageError(f"{command}: port {port} on {host} is in use; choose another --port")
    return None
