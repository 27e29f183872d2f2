"""The ``advisory-watch`` command line. Other tools depend on these names and output shapes."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from typing import Any

from advisory_watch.commands import port_taken
from advisory_watch.commands.admin import (
    cmd_airflow_setup,
    cmd_airflow_standalone,
    cmd_db_upgrade,
    cmd_fixture_server,
    cmd_health,
    cmd_sources,
)
from advisory_watch.commands.alerts import (
    cmd_alerts_act,
    cmd_alerts_digest,
    cmd_alerts_flush,
    cmd_alerts_pending,
    cmd_alerts_test,
    cmd_slack_socket,
)
from advisory_watch.commands.history import cmd_backfill, cmd_extract, cmd_replay, cmd_reprocess
from advisory_watch.commands.run import cmd_run
from advisory_watch.settings import get_settings
from scrapers import registry


def cmd_serve(args: argparse.Namespace) -> int:
    """The history browser. Beyond localhost it requires ADVISORY_WATCH_UI_TOKEN (bearer or basic auth)."""
    import uvicorn
    from fastapi import Depends

    from history.app import create_app
    from history.security import token_guard
    from models.db import shown_url

    settings = args.settings
    dependencies = []
    if args.host not in {"127.0.0.1", "localhost", "::1"}:
        if not settings.ui_token:
            print("refusing to serve beyond localhost without ADVISORY_WATCH_UI_TOKEN", file=sys.stderr)
            return 2
        dependencies.append(Depends(token_guard(settings.ui_token)))
    elif settings.ui_token:
        dependencies.append(Depends(token_guard(settings.ui_token)))
    hosts = ["127.0.0.1", "localhost", "::1", "[::1]", *settings.ui_allowed_hosts.split(",")]
    if args.host not in {"0.0.0.0", "::"}:
        hosts.append(args.host)
    app = create_app(
        settings, dependencies=dependencies, allowed_hosts=[h.strip() for h in hosts if h.strip()]
    )
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
    server = uvicorn.Server(config)
    sockets = [_bound_socket(args.host, args.port)]  # a port in use is said before anything else
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"history browser on http://{shown_host}:{sockets[0].getsockname()[1]}/ "
        f"(database {shown_url(settings.effective_database_url)}; ^C stops it)",
        file=sys.stderr,
        flush=True,
    )
    server.run(sockets=sockets)
    return 0


def _bound_socket(host: str, port: int) -> Any:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if taken := port_taken("serve", host, port, exc):
            raise taken from exc
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("advisory-watch")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _store_option(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--db``: the one way every command that reads or writes the store names it."""
    parser.add_argument(
        "--db",
        metavar="URL",
        help="the store's SQLAlchemy URL (default: ADVISORY_WATCH_DATABASE_URL, else SQLite under "
        "ADVISORY_WATCH_HOME)",
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="advisory-watch", description=__doc__)
    parser.add_argument("--version", action="version", version=f"advisory-watch {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    sources = registry.names()

    p = sub.add_parser("extract", help="print the records extracted from a captured file as JSON")
    p.add_argument("source", choices=sources)
    p.add_argument("file", help="a captured page, or a corpus moment folder (YYYY-MM-DDTHHMMSSZ)")
    p.add_argument("--with-text", action="store_true", help="include the full advisory text")
    p.add_argument("--edition", type=int, help="oc-index: the edition (year) to extract; default the latest")
    p.add_argument("--url", help="the address the file was fetched from (a hint to the destination)")
    p.add_argument(
        "--country",
        help="page sources: the destination, where the page does not name it (a name or ISO code)",
    )
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser(
        "replay",
        help="feed captured files through the pipeline; print alerts as JSON lines",
        description="replay SOURCE DIR: one source's captures (files, or the corpus layout); "
        "replay --all DIR: a folder of government folders (unitedstates, unitedkingdom, canada, australia, "
        "ireland) in time order into one store, so that cross-government consensus alerts appear",
    )
    p.add_argument("target", nargs="+", metavar="SOURCE DIR | DIR")
    p.add_argument("--all", action="store_true", help="DIR holds several governments' corpus folders")
    p.add_argument("--db", help="the store's SQLAlchemy URL (default: a fresh temporary SQLite database)")
    p.add_argument(
        "--keyword", action="append", help="document: a watched keyword or re:pattern (repeatable)"
    )
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser(
        "backfill", help="fetch past moments of a source from the Wayback Machine into the store"
    )
    p.add_argument("--source", choices=sources, required=True)
    p.add_argument("--start", required=True, help="first date (its end) or ISO datetime, UTC")
    p.add_argument("--end", required=True, help="last date (its end) or ISO datetime, UTC")
    p.add_argument("--every", default="1d", help="step between moments: 1d, 12h, 1w (default 1d)")
    _store_option(p)
    p.add_argument(
        "--notify",
        choices=["none", "digest", "live"],
        default="none",
        help="where alerts go: held (default), the next digest, or the live channels",
    )
    p.add_argument("--json", action="store_true", help="print every alert raised as a JSON line")
    p.set_defaults(func=cmd_backfill)

    p = sub.add_parser(
        "reprocess", help="re-run the current extractors over stored snapshots and re-derive history"
    )
    p.add_argument("--source", choices=sources, required=True)
    p.add_argument("--since", help="only snapshots observed from this date or ISO datetime on")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    _store_option(p)
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser("run", help="one live cycle; alerts go to the configured sinks")
    p.add_argument("--source", choices=sources)
    p.add_argument("--countries", help="comma-separated destination keys to consider (default: all)")
    p.add_argument("--dry-run", action="store_true", help="record alerts as held; deliver nothing")
    _store_option(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("fixture-server", help="serve captured files on 127.0.0.1 at their upstream paths")
    p.add_argument("dir", nargs="?")
    p.add_argument("--port", type=int, default=8801)
    p.add_argument("--route", action="append", help="PATH=FILE: serve FILE at upstream PATH (repeatable)")
    p.add_argument(
        "--wayback",
        action="append",
        help="URL=DIR: act as the Wayback Machine, DIR's YYYY-MM-DD* files being captures of URL",
    )
    p.set_defaults(func=cmd_fixture_server)

    p = sub.add_parser("db", help="database maintenance")
    dbsub = p.add_subparsers(dest="db_command", required=True)
    _store_option(dbsub.add_parser("upgrade", help="apply migrations")).set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser("alerts", help="the alert outbox")
    asub = p.add_subparsers(dest="alerts_command", required=True)
    _store_option(asub.add_parser("pending", help="list undelivered alerts")).set_defaults(
        func=cmd_alerts_pending
    )
    _store_option(asub.add_parser("flush", help="deliver pending alerts")).set_defaults(func=cmd_alerts_flush)
    digest = asub.add_parser("digest", help="queue and send the digest of the last HOURS of changes")
    _store_option(digest)
    digest.add_argument("--hours", type=float, default=24.0)
    digest.set_defaults(func=cmd_alerts_digest)
    test = asub.add_parser("test", help="send a sample alert through the configured sink")
    test.add_argument("--channel", help="send to this channel instead of the routed ones")
    _store_option(test)
    test.set_defaults(func=cmd_alerts_test)
    ack = asub.add_parser("ack", help="acknowledge an alert (as you, the CLI user)")
    ack.add_argument("alert_id", type=int)
    _store_option(ack)
    ack.set_defaults(func=cmd_alerts_act)
    assign = asub.add_parser("assign", help="assign an alert to someone (a Slack user id U… or a name)")
    assign.add_argument("alert_id", type=int)
    assign.add_argument("--to", required=True)
    _store_option(assign)
    assign.set_defaults(func=cmd_alerts_act)
    snooze = asub.add_parser("snooze", help="send an alert's destination to the digest for a while")
    snooze.add_argument("alert_id", type=int)
    snooze.add_argument("--for", dest="for_", choices=["1d", "1w"], required=True)
    _store_option(snooze)
    snooze.set_defaults(func=cmd_alerts_act)
    p = sub.add_parser("slack-socket", help="receive Slack button clicks over Socket Mode (no public URL)")
    p.add_argument("--once", action="store_true", help="stop after the first interaction (tests)")
    _store_option(p)
    p.set_defaults(func=cmd_slack_socket)

    p = sub.add_parser("sources", help="list the registered sources")
    p.add_argument(
        "--doc",
        action="store_true",
        help="a Markdown table of every source, read from its class (the README's)",
    )
    p.set_defaults(func=cmd_sources)
    p = sub.add_parser("health", help="failures, extraction counts and drift per source (exit 1: unhealthy)")
    p.add_argument("--source", choices=sources)
    p.add_argument("--json", action="store_true", help="one JSON object per source")
    _store_option(p)
    p.set_defaults(func=cmd_health)
    p = sub.add_parser("serve", help="the history browser (default 127.0.0.1:8000)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    _store_option(p)
    p.set_defaults(func=cmd_serve)
    _store_option(
        sub.add_parser("airflow-setup", help="create the Airflow pools and migrate the store")
    ).set_defaults(func=cmd_airflow_setup)
    standalone = sub.add_parser(
        "airflow-standalone",
        help="Airflow standalone with its metadata on the embedded PostgreSQL (what `make run` runs)",
    )
    standalone.add_argument(
        "--stop-leftovers", action="store_true", help="only stop an embedded PostgreSQL a killed run left"
    )
    standalone.set_defaults(func=cmd_airflow_standalone)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. An ordinary mistake (see :mod:`advisory_watch.usage`) is one line on stderr
    and exit status 2; anything else is a defect and keeps its traceback."""
    from advisory_watch.usage import explain

    try:
        return _main(argv)
    except Exception as exc:
        database_url = _configured_database_url(sys.argv[1:] if argv is None else argv)
        message = explain(exc, database_url=database_url)
        if message is None:
            raise
        logging.getLogger("advisory_watch").debug("the mistake's traceback", exc_info=exc)
        print(f"advisory-watch: error: {message}", file=sys.stderr)
        return 2


def _configured_database_url(argv: list[str]) -> str | None:
    """The store a failed command was using, for its one-line explanation: --db if given, else the
    environment's."""
    for position, word in enumerate(argv):
        if word == "--db" and position + 1 < len(argv):
            return argv[position + 1]
        if word.startswith("--db="):
            return word.removeprefix("--db=")
    try:
        return get_settings().effective_database_url
    except Exception:  # noqa: BLE001 - the settings themselves may be the mistake being explained
        return None


def _main(argv: list[str] | None) -> int:
    from advisory_watch import redaction

    settings = get_settings()
    redaction.install(settings)  # before any logger can print a token, a webhook or a password
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    # The command's settings, passed to it explicitly: --db names the store, else the environment does.
    args.settings = (
        settings.model_copy(update={"database_url": args.db}) if vars(args).get("db") else settings
    )
    settle_imports()
    return int(args.func(args) or 0)


def settle_imports() -> None:
    """Move what the imports allocated out of the garbage collector's sight (``gc.freeze``): a replay or
    a cycle allocates many short-lived objects, and each collection would otherwise walk every module's
    objects again (docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
