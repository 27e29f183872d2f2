"""History: read captured files (extract), replay them, backfill from the archive, reprocess the store."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from advisory_watch.commands import print_json_line, progress_bar
from advisory_watch.settings import Settings
from scrapers import registry


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
        with progress_bar() as progress:
            task = progress.add_task(f"replay {label}", total=None if corpus else len(files))
            for result in results:
                for payload in result.alerts:
                    print_json_line(payload.to_json())
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
    with progress_bar() as progress:
        task = progress.add_task(f"{args.source} backfill", total=total)

        def advance(at, steps) -> None:  # type: ignore[no-untyped-def]
            statuses = ", ".join(sorted({s.status for s in steps})) or "no URL"
            progress.update(task, advance=1, description=f"{args.source} {at:%Y-%m-%d %H:%M} {statuses}")
            if args.json:
                for step in steps:
                    for payload in step.result.alerts if step.result else ():
                        print_json_line(payload.to_json())

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
        print_json_line(summary)
    return 0
