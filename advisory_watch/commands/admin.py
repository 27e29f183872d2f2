"""Administration: the store's schema, health, the sources, Airflow, and the loopback fixture server."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from advisory_watch.commands import port_taken, print_json_line
from scrapers import registry


def cmd_fixture_server(args: argparse.Namespace) -> int:
    """Serve captures on loopback. Every file and folder named must exist before it starts: a server
    answering 404 for a mistyped path would look like an upstream that lost its page."""
    from advisory_watch.fixture_server import FixtureServer
    from advisory_watch.usage import UsageError

    def existing(text: str, *, folder: bool, what: str) -> Path:
        path = Path(text).resolve()
        if not (path.is_dir() if folder else path.is_file()):
            raise UsageError(
                f"fixture-server: {what} {text!r} is not an existing {'folder' if folder else 'file'}"
            )
        return path

    routes, wayback = {}, {}
    for spec in args.route or []:
        path, _, file = spec.partition("=")
        routes[path] = existing(file, folder=False, what=f"--route {path}=")
    for spec in args.wayback or []:
        url, _, folder = spec.partition("=")
        wayback[url] = existing(folder, folder=True, what=f"--wayback {url}=")
    root = existing(args.dir, folder=True, what="folder") if args.dir else None
    try:
        server = FixtureServer(root, port=args.port, routes=routes, wayback=wayback)
    except OSError as exc:
        if taken := port_taken("fixture-server", "127.0.0.1", args.port, exc):
            raise taken from exc
        raise
    print(f"serving {args.dir or '(routes only)'} on {server.url}", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from models.db import shown_url, upgrade

    url = args.settings.effective_database_url
    upgrade(url)
    # Container logs keep this line: the password never goes in it.
    print(f"database at {shown_url(url)} is up to date", file=sys.stderr)
    return 0


def cmd_airflow_setup(args: argparse.Namespace) -> int:
    """Create the pools the DAGs use (a missing pool stalls tasks) and migrate the snapshot store."""
    import shutil

    from advisory_watch.local_airflow import import_pools
    from models.db import upgrade

    upgrade(args.settings.effective_database_url)
    airflow = shutil.which("airflow")
    if airflow is None:
        print("airflow is not installed (pip install -e '.[airflow]')", file=sys.stderr)
        return 2
    done = import_pools(airflow)
    if done.returncode != 0:
        print(f"airflow pools import failed:\n{(done.stderr or done.stdout).strip()}", file=sys.stderr)
        return 1
    for pool, (slots, _) in registry.pools().items():
        print(f"pool {pool}: {slots} slot(s)", file=sys.stderr)
    return 0


def cmd_airflow_standalone(args: argparse.Namespace) -> int:
    """What `make run` runs: Airflow standalone on the embedded PostgreSQL, until ^C."""
    from advisory_watch import local_airflow

    if args.stop_leftovers:
        stopped = local_airflow.stop_leftovers(args.settings.home)
        said = "stopped the embedded PostgreSQL" if stopped else "no embedded PostgreSQL was running"
        print(said, file=sys.stderr)
        return 0
    return local_airflow.launch_from_environment()


def cmd_health(args: argparse.Namespace) -> int:
    """Per source: last success, failure streak, latest extraction against the usual; exit 1 while any
    source is failing or drifting, so a cron or a probe can act on it."""
    from advisory_watch.drift import reports
    from models.sessions import session_for

    with session_for(args.settings) as session:
        found = reports(session, args.source)
    unhealthy = False
    for rep in found:
        unhealthy = unhealthy or bool(rep["consecutive_failures"] or rep["drifting"] or rep["stale"])
        if args.json:
            print_json_line(rep)
            continue
        counts = ", ".join(
            f"{k} {v}" + (f" (usually {rep['usual'][k]:g})" if k in rep["usual"] else "")
            for k, v in rep["latest"].items()
        )
        silent = rep["seconds_since_success"]
        print(
            f"{rep['source']}: last success {rep['last_success_at'] or 'never'}"
            + (f" ({silent / 3600:.1f} h ago" if silent is not None else "")
            + (f"; STALE: allowed {rep['stale_after_seconds'] / 3600:g} h" if rep["stale"] else "")
            + (")" if silent is not None else "")
            + "; "
            f"{rep['consecutive_failures']} failure(s) in a row"
            + (f"; last error: {rep['last_error'][:200]}" if rep["last_error"] else "")
        )
        if counts:
            print(f"  latest extraction ({rep['latest_observation']}): {counts}")
        for metric, state in rep["drifting"].items():
            print(f"  DRIFT {metric}: {state['now']} (usually {state['usual']:g}) since {state['since']}")
    return int(unhealthy)


def cmd_sources(args: argparse.Namespace) -> int:
    if args.doc:
        print(sources_table())
        return 0
    for name in registry.names():
        entry = registry.SOURCES[name]
        print(f"{name}\t{entry.dag_id}\t{entry.schedule}\t{entry.description}")
    return 0


def sources_table() -> str:
    """Every source as the README's table shows it: read from each source's class, never written by hand."""
    rows = registry.documentation()
    header = ["source", "title", "family", "government", "hosts", "DAG", "schedule", "declares"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [
            f"`{row['source']}`",
            row["title"],
            row["family"],
            row["government"],
            row["hosts"],
            f"`{row['dag']}`",
            f"`{row['schedule']}`",
            row["declares"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
