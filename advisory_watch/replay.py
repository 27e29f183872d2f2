"""Captured documents through the ingest core as successive observations (never notifies).

``advisory-watch replay`` and the benches read files in name order (timed by the document or the
file) or the shared corpus layout: a destination's folder of ``YYYY-MM-DDTHHMMSSZ`` moments, or a
government's folder of destinations.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

from sqlmodel import Session

from advisory_watch.ingest import ingest
from advisory_watch.results import FetchInfo, IngestResult
from advisory_watch.settings import Settings, get_settings
from models.sessions import session_for
from scrapers import registry
from scrapers.base import Source
from scrapers.text import corpus_moment

_MOMENT = "%Y-%m-%dT%H%M%SZ"


def _moment_time(name: str) -> datetime | None:
    """The time a corpus moment folder (``YYYY-MM-DDTHHMMSSZ``) stands for, else None."""
    try:
        return datetime.strptime(name, _MOMENT).replace(tzinfo=UTC)
    except ValueError:
        return None


_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})Z?)?(?!\d)")


def name_time(name: str) -> datetime | None:
    """The moment a file's name gives (``…-2025-10-07.xml``: that day at noon UTC, the time the
    archived days stand for; ``…2025-10-07T091024Z…``: that instant), else None."""
    match = _NAME_DATE.search(name)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups())
    try:
        if hour is None:
            return datetime(year, month, day, 12, tzinfo=UTC)
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def corpus_moments(folder: Path, file_name: str) -> list[tuple[datetime, Path]]:
    """The corpus layout (``../shared/fixtures/governments``): ``folder`` is a destination's folder of
    moments (``YYYY-MM-DDTHHMMSSZ``, each holding the files that changed then) or a government's
    folder of destinations. Every moment that holds ``file_name``, oldest first; the others are
    skipped (a moment where only another file of the destination changed)."""
    paths = chain(folder.glob(f"*/{file_name}"), folder.glob(f"*/*/{file_name}"))
    found = [(when, path) for path in paths if (when := _moment_time(path.parent.name)) is not None]
    return sorted(found, key=lambda item: (item[0], str(item[1])))


def is_corpus(folder: Path) -> bool:
    """True when the folder holds moment folders, or destination folders of them."""

    def moment(p: Path) -> bool:
        return p.is_dir() and _moment_time(p.name) is not None

    return folder.is_dir() and any(
        moment(child) or (child.is_dir() and any(moment(grandchild) for grandchild in child.iterdir()))
        for child in folder.iterdir()
    )


# A replayed document: its file, the address it stands for, when it was observed (if known) and the
# time to use when neither that nor the document says.
ReplayDocument = tuple[Path, str, datetime | None, datetime | None]


def _replay(
    source: Source, documents: Iterable[ReplayDocument], settings: Settings
) -> Iterator[IngestResult]:
    """Documents through the whole pipeline as successive fetches, in one session (never notifies)."""
    with session_for(settings) as session:
        for path, url, observed_at, fallback_time in documents:
            yield ingest(
                session,
                source,
                path.read_bytes(),
                url=url,
                observed_at=observed_at,
                fallback_time=fallback_time,
                info=FetchInfo(provenance="replay", provenance_url=str(path)),
                notify=False,
                settings=settings,
            )


def replay_corpus(name: str, folder: Path, *, settings: Settings | None = None) -> Iterator[IngestResult]:
    """Each moment of the source's files, observed at that moment: its ``corpus_roles`` as a bundle
    (``scrapers.text.corpus_moment``) or its single ``corpus_file``. The address names the moment's folder,
    so the destination comes from there when the page does not name it."""
    source = registry.load(name)
    with session_for(settings or get_settings()) as session:
        for _, _, observed in corpus_observations(source, folder):
            yield observed(session, settings or get_settings())


# One observation of the corpus, ready to ingest into a session.
Observation = Callable[[Session, Settings], IngestResult]


def corpus_observations(source: Source, folder: Path) -> Iterator[tuple[datetime, str, Observation]]:
    """(time, source name, observation) for every moment of ``folder`` the source reads, oldest first."""
    roles, file_name = source.corpus_roles, source.corpus_file
    if roles is None and file_name is None:
        raise ValueError(f"{source.name} has no file in the corpus layout (it declares no corpus_file)")

    def observe(content: bytes, url: str, provenance: str, when: datetime) -> Observation:
        def run(session: Session, settings: Settings) -> IngestResult:
            return ingest(
                session,
                source,
                content,
                url=url,
                observed_at=when,
                info=FetchInfo(provenance="replay", provenance_url=provenance),
                notify=False,
                settings=settings,
            )

        return run

    if roles is None:
        for when, path in corpus_moments(folder, file_name):
            yield when, source.name, observe(path.read_bytes(), path.resolve().as_uri(), str(path), when)
        return
    for when, destination, moment in corpus_moment.moments(folder, roles):
        content = corpus_moment.bundle_bytes(destination, moment, roles)
        if content is not None:
            where = destination / moment
            yield when, source.name, observe(content, where.resolve().as_uri(), str(where), when)


def government_folders() -> dict[str, str]:
    """The shared corpus's government folders and the source that reads each, as the sources declare
    them (``Source.corpus_folder``), in registry order."""
    found = {}
    for name in registry.names_in_order():
        folder = registry.load(name).corpus_folder
        if folder is not None:
            found[folder] = name
    return found


def replay_governments(folder: Path, *, settings: Settings | None = None) -> Iterator[IngestResult]:
    """Every government folder under ``folder`` replayed into one store in time order, so that
    findings and consensus alerts across governments appear as they would have live."""
    settings = settings or get_settings()
    folders = government_folders()
    streams = [
        corpus_observations(registry.load(name), folder / sub)
        for sub, name in folders.items()
        if (folder / sub).is_dir()
    ]
    if not streams:
        raise ValueError(f"{folder} holds none of {', '.join(folders)}")
    with session_for(settings) as session:
        for _, _, observed in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
            yield observed(session, settings)


def replay_files(
    name: str, paths: Iterable[Path], *, settings: Settings | None = None, url: str | None = None
) -> Iterator[IngestResult]:
    """Captured documents as successive fetches, in name order, each timed by what the document says
    of its own time, else a date in its name (``TAsTWs-2025-10-07.xml``), else its file's mtime (a
    copy's mtime is when it was copied: the last resort)."""
    source = registry.load(name)
    documents = (
        (
            path,
            url or (source.urls[0] if source.urls else path.resolve().as_uri()),
            None,
            name_time(path.name) or datetime.fromtimestamp(path.stat().st_mtime, UTC),
        )
        for path in sorted(paths, key=lambda p: p.name)
    )
    return _replay(source, documents, settings or get_settings())
