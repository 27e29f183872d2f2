"""The ``advisory-watch`` command line. Other tools depend on these names and output shapes."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from advisory_watch.settings import Settings, get_settings
from scrapers import registry


def _print_json_line(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=str), flush=True)


def cmd_extract(args: argparse.Namespace) -> int:
    from scrapers.errors import ExtractionError
    from scrapers.text.corpus_moment import bundle_for_path

    source = registry.load(args.source)
    path = Path(args.file)
    roles = source.corpus_roles
    # A corpus moment (its folder, or a file in it) is read as the source reads it: each of its files
    # as it stood at that moment.
    bundled = bundle_for_path(path, roles) if roles else None
    if bundled is None and path.is_dir():
        print(
            f"extraction failed: {path} is a folder but not a corpus moment of {args.source}", file=sys.stderr
        )
        return 2
    content = bundled if bundled is not None else path.read_bytes()
    options: dict[str, Any] = {"edition": args.edition} if args.edition else {}
    if args.country:
        options["country"] = args.country
    url = args.url or (tuple(source.urls) or (Path(args.file).resolve().as_uri(),))[0]
    try:
        extraction = source.extract(content, url=url, **options)
    except ExtractionError as exc:
        print(f"extraction failed: {exc}", file=sys.stderr)
        return 2
    out = []
    for item in extraction.records:
        if item.key.startswith("_"):
            continue  # a record about the document itself (an edition), not a destination
        record = dict(item.record)
        if not args.with_text:
            record.pop("text", None)
        if item.rejected:
            record["rejected"] = item.rejected
        out.append(record)
    present = source.present
    json.dump(present(out) if present else out, sys.stdout, ensure_ascii=False, indent=2)
    print()
    for problem in extraction.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


def _replay_store(args: argparse.Namespace) -> tuple[Settings, tempfile.TemporaryDirectory | None]:
    """A replay's settings: the store --db names, or a fresh temporary SQLite database (a replay never
    writes into the configured store unless asked to)."""
    if args.db:
        return args.settings, None
    holder = tempfile.TemporaryDirectory(prefix="advisory-watch-replay-")
    url = f"sqlite:///{Path(holder.name) / 'replay.db'}"
    return args.settings.model_copy(update={"database_url": url}), holder


def cmd_replay(args: argparse.Namespace) -> int:
    from advisory_watch.replay import is_corpus, replay_corpus, replay_files, replay_governments
    from advisory_watch.results import FAILED_STATUSES

    if args.all:
        if len(args.target) != 1:
            print("replay --all takes one folder (of government folders)", file=sys.stderr)
            return 2
        source_name, folder = None, Path(args.target[0])
    elif len(args.target) == 2:
        source_name, folder = args.target[0], Path(args.target[1])
        if source_name not in registry.names():
            print(f"unknown source {source_name!r}; known: {', '.join(registry.names())}", file=sys.stderr)
            return 2
    else:
        print("replay takes SOURCE DIR, or --all DIR", file=sys.stderr)
        return 2
    if not folder.exists():
        from advisory_watch.usage import UsageError

        raise UsageError(f"replay: no such file or folder: {folder}")
    files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else [folder]
    corpus = source_name is None or is_corpus(folder)
    if source_name is not None and corpus:
        source = registry.load(source_name)
        if source.corpus_file is None and source.corpus_roles is None:
            print(f"{source_name} reads no file of the corpus layout", file=sys.stderr)
            return 2
    settings, holder = _replay_store(args)
    failed = read = 0
    url = None
    prepare = registry.load(source_name).prepare_replay if source_name is not None else None
    if prepare is not None:
        url = prepare(folder, tuple(args.keyword or ()))
    label = "every government" if source_name is None else source_name
    try:
        if source_name is None:
            results = replay_governments(folder, settings=settings)
        elif corpus:
            results = replay_corpus(source_name, folder, settings=settings)
        else:
            results = replay_files(source_name, files, settings=settings, url=url)
        with _progress() as progress:
            task = progress.add_task(f"replay {label}", total=None if corpus else len(files))
            for result in results:
                for payload in result.alerts:
                    _print_json_line(payload.to_json())
                read += 1
                failed += result.status in FAILED_STATUSES
                progress.update(task, advance=1, description=f"replay {label}: {result.status}")
    except ValueError as exc:
        print(f"replay: {exc}", file=sys.stderr)
        return 2
    finally:
        if holder is not None:
            holder.cleanup()
    if read and failed == read:
        print(f"replay: none of the {read} document(s) could be extracted", file=sys.stderr)
        return 1
    if failed:
        print(f"{failed} file(s) could not be extracted (see extraction_failed alerts)", file=sys.stderr)
    return 0


def _progress() -> Any:
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


def cmd_backfill(args: argparse.Namespace) -> int:
    """Past moments of a source from the Wayback Machine, into the configured store."""
    from advisory_watch.backfill import backfill_range, moments, parse_every, parse_moment

    try:
        start = parse_moment(args.start, end_of_day=True)
        end = parse_moment(args.end, end_of_day=True)
        every = parse_every(args.every)
    except ValueError as exc:
        print(f"backfill: {exc}", file=sys.stderr)
        return 2
    if end < start:
        print("backfill: --end is before --start", file=sys.stderr)
        return 2
    total = sum(1 for _ in moments(start, end, every))
    with _progress() as progress:
        task = progress.add_task(f"{args.source} backfill", total=total)

        def advance(at, steps) -> None:  # type: ignore[no-untyped-def]
            statuses = ", ".join(sorted({s.status for s in steps})) or "no URL"
            progress.update(task, advance=1, description=f"{args.source} {at:%Y-%m-%d %H:%M} {statuses}")
            if args.json:
                for step in steps:
                    for payload in step.result.alerts if step.result else ():
                        _print_json_line(payload.to_json())

        report = backfill_range(
            args.source, start, end, every=every, notify=args.notify, settings=args.settings, on_step=advance
        )
    summary = report.summary()
    print(
        "backfill {source}: {moments} moment(s), {captures_found} capture(s) found, "
        "{captures_fetched} fetched, {same_digest} same digest, {already_stored} already stored, "
        "{no_capture} without a capture, {failed} failed; {snapshots_written} snapshot(s) written, "
        "{changes} change(s), {alerts} alert(s) ({alerts_held_back} held back, notify={notify})".format(
            **summary
        ),
        file=sys.stderr,
    )
    for problem in summary["problems"]:
        print(f"  {problem}", file=sys.stderr)
    return 1 if summary["failed"] else 0


def _moment(text: str, option: str) -> Any:
    from advisory_watch.backfill import parse_moment
    from advisory_watch.usage import UsageError

    try:
        return parse_moment(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from exc


def cmd_reprocess(args: argparse.Namespace) -> int:
    """Current extractors over stored snapshots (no network); history re-derived from them."""
    from advisory_watch.reprocess import ReprocessError, reprocess

    since = _moment(args.since, "--since") if args.since else None
    try:
        outcome = reprocess(args.source, since=since, settings=args.settings)
    except ReprocessError as exc:
        print(f"reprocess refused: {exc}", file=sys.stderr)
        return 1
    summary = outcome.summary()
    print(
        "reprocess {source}: {snapshots} snapshot(s) re-read, {records_changed} record(s) changed, "
        "{rejected} no longer accepted, {unreadable} unreadable; {changes_added} change(s) added, "
        "{changes_removed} removed, {dispositions_updated} decision(s) updated".format(**summary),
        file=sys.stderr,
    )
    if args.json:
        _print_json_line(summary)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """One cycle of every enabled source. A source that fails is reported with its reason and the
    others still run; the exit status is 1 when anything failed, after delivery."""
    from advisory_watch.delivery import flush_configured
    from advisory_watch.freshness import raise_stale_sources
    from advisory_watch.pipeline import run_source
    from advisory_watch.results import FAILED_STATUSES
    from models.sessions import session_for

    settings = args.settings
    enabled = _enabled_sources(settings.sources)
    names = [args.source] if args.source else [n for n in registry.names() if n in enabled]
    keys = _destination_keys(args.countries) if args.countries else None
    status = 0
    for name in names:
        started = time.monotonic()
        try:
            results = run_source(name, settings=settings, notify=not args.dry_run, keys=keys)
        except Exception as exc:  # noqa: BLE001 - one source must not stop the others
            print(f"{name}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 1
            continue
        for result in results:
            line = (
                f"{name}: {result.status} items={result.items} snapshots={result.snapshots} "
                f"changes={result.changes} alerts={len(result.alerts)}"
            )
            if result.status in FAILED_STATUSES:
                line += f" reason: {'; '.join(result.problems)[:500]}"
            if result.failed:
                line += f" isolated={','.join(sorted(result.failed))}"
            print(line, file=sys.stderr)
            status = status or int(result.status in FAILED_STATUSES or bool(result.failed))
        print(f"{name}: cycle took {time.monotonic() - started:.2f} s", file=sys.stderr)
    if not args.dry_run:
        with session_for(settings) as session:
            for stale in raise_stale_sources(session, settings):
                print(f"STALE {stale.summary}", file=sys.stderr)
            report = flush_configured(session, settings)
        _print_flush(report)
    return status


def _enabled_sources(setting: str) -> list[str]:
    """ADVISORY_WATCH_SOURCES as source names (empty: all); a name no source has is a mistake, not a
    cycle that quietly runs nothing."""
    from advisory_watch.usage import UsageError

    named = [n.strip() for n in setting.split(",") if n.strip()]
    unknown = [n for n in named if n not in registry.SOURCES]
    if unknown:
        raise UsageError(
            f"ADVISORY_WATCH_SOURCES names no source {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(registry.names())}"
        )
    return named or registry.names()


def _destination_keys(text: str) -> set[str]:
    from advisory_watch.usage import UsageError
    from diffing.countries import destination_keys

    keys, unknown = destination_keys(text.split(","))
    if unknown:
        raise UsageError(
            f"--countries: no destination called {', '.join(map(repr, unknown))}; "
            "give ISO codes (ST, IL) or names (Israel), comma-separated"
        )
    return keys


def _print_flush(report) -> None:  # type: ignore[no-untyped-def]
    print(
        f"delivered {report.sent} alert(s) ({report.verified} verified as already posted), "
        f"{report.waiting} still pending, {report.leased} leased (being sent, or waiting out a lease), "
        f"{report.failed + report.rejected} failed in this flush"
        + (f": {'; '.join(report.errors[:3])}" if report.errors else ""),
        file=sys.stderr,
    )


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
        if taken := _port_taken("fixture-server", "127.0.0.1", args.port, exc):
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


def cmd_alerts_pending(args: argparse.Namespace) -> int:
    from alerts.outbox import pending
    from models.sessions import session_for

    with session_for(args.settings) as session:
        for alert in pending(session):
            _print_json_line(
                {
                    "id": alert.id,
                    "status": alert.status,
                    "attempts": alert.attempts,
                    "last_error": alert.last_error,
                    **alert.payload,
                }
            )
    return 0


def cmd_alerts_flush(args: argparse.Namespace) -> int:
    from advisory_watch.delivery import flush_configured
    from models.sessions import session_for

    settings = args.settings
    with session_for(settings) as session:
        report = flush_configured(session, settings)
    _print_flush(report)
    return 0 if report.pending == 0 else 1


def cmd_alerts_act(args: argparse.Namespace) -> int:
    """``alerts ack|assign|snooze``: the Slack buttons' actions, recorded as the CLI user."""
    import getpass

    from alerts import actions
    from alerts.interactions import tell_slack
    from alerts.outbox import configured_transport
    from models.sessions import session_for

    kind = {"ack": "acknowledge", "assign": "assign", "snooze": "snooze"}[args.alerts_command]
    value = getattr(args, "to", None) or getattr(args, "for_", None)
    user = getpass.getuser()
    settings = args.settings
    with session_for(settings) as session:
        try:
            acted = actions.act(session, args.alert_id, kind, actions.Actor(user, user, "cli"), value=value)
        except actions.ActionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if acted.action is None:
            print(f"alert {args.alert_id}: already done, nothing changed", file=sys.stderr)
            return 0
        tell_slack(session, configured_transport(settings), acted, None)
    print(acted.reply.replace("<@", "@").replace(">", ""))
    return 0


def cmd_slack_socket(args: argparse.Namespace) -> int:
    from alerts.socket_mode import run

    return run(args.settings, once=args.once)


def cmd_alerts_digest(args: argparse.Namespace) -> int:
    from advisory_watch.delivery import flush
    from alerts.digest import queue_digests
    from alerts.outbox import configured_routing, configured_transport
    from models.sessions import session_for

    settings = args.settings
    transport = configured_transport(settings)
    routing = configured_routing(settings, transport)
    with session_for(settings) as session:
        queued = queue_digests(session, routing, hours=args.hours)
        print(f"{len(queued)} digest(s) queued", file=sys.stderr)
        report = flush(session, transport, routing)
    _print_flush(report)
    return 0 if report.pending == 0 else 1


def cmd_alerts_test(args: argparse.Namespace) -> int:
    """Send a sample alert (a real level change from the 2025-10-08 capture) through the configured path."""
    from datetime import UTC, datetime

    from advisory_watch.delivery import flush
    from alerts.outbox import configured_routing, configured_transport
    from alerts.routing import Routing
    from models.sessions import session_for
    from models.tables import Alert

    settings = args.settings
    now = datetime.now(UTC)
    payload = {
        "source": "state-dept-feed",
        "country": "ST",
        "key": "ST",
        "country_name": "Sao Tome and Principe",
        "kind": "level_changed",
        "field": "level",
        "item": None,
        "old": 1,
        "new": 2,
        "severity": "medium",
        "observed_at": now.isoformat(),
        "summary": "Sao Tome and Principe — Level 1 → Level 2 (TEST)",
        "url": "https://travel.state.gov/content/travel/en/traveladvisories/traveladvisories/"
        "sao-tome-and-principe-travel-advisory.html",
        "change_note": "advisory-watch test message",
        "changes": [
            {
                "kind": "level_changed",
                "summary": "Sao Tome and Principe — Level 1 → Level 2",
                "severity": "medium",
                "field": "level",
                "old": 1,
                "new": 2,
                "item": None,
                "details": {},
            }
        ],
        "diff": "",
        "test": True,
    }
    transport = configured_transport(settings)
    routing = configured_routing(settings, transport)
    if args.channel:
        routing = Routing(default_channel=args.channel, ops_channel=args.channel)
    with session_for(settings) as session:
        session.add(
            Alert(
                dedupe_key=f"test:{now.isoformat()}",
                source="test",
                key="",
                kind="level_changed",
                severity=2,
                payload=payload,
                created_at=now,
                status="pending",
            )
        )
        session.commit()
        report = flush(session, transport, routing)
    _print_flush(report)
    return 0 if report.pending == 0 else 1


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


def cmd_serve(args: argparse.Namespace) -> int:
    """The history browser. Beyond localhost it requires ADVISORY_WATCH_UI_TOKEN (bearer or basic auth)."""
    import uvicorn
    from fastapi import Depends

    from history.app import create_app, token_guard
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


def _port_taken(command: str, host: str, port: int, exc: OSError) -> Exception | None:
    """A failed bind on a taken port, as the one-line mistake it is; None for any other failure."""
    from advisory_watch.usage import UsageError

    if exc.errno == errno.EADDRINUSE:
        return UsageError(f"{command}: port {port} on {host} is in use; choose another --port")
    return None


def _bound_socket(host: str, port: int) -> Any:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if taken := _port_taken("serve", host, port, exc):
            raise taken from exc
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


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
            _print_json_line(rep)
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
