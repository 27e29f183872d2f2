"""A moment of the shared corpus as one document: the files a source reads, as they stood then.

The corpus (``../shared/fixtures/governments``) keeps, per destination, one folder per moment holding
only the files that changed then; a destination's state at a moment is the newest version of each
file at or before it. Canada's level sits in ``risk.md`` but its update date in ``info.json``, which
changes nearly daily on its own. So a source that reads several files declares them as *roles*
(role -> file-name patterns) and is given a bundle: one JSON document naming the destination, the
moment and each role's text. The bundle is what is stored as the snapshot's raw bytes, so a
re-extraction (``advisory-watch reprocess``) reads exactly what the replay read.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

MOMENT_FORMAT = "%Y-%m-%dT%H%M%SZ"
_MARK = "advisory-watch/corpus-moment"

Roles = Mapping[str, Sequence[str]]  # role -> file-name patterns (fnmatch), first role is the page


@dataclass(frozen=True)
class Bundle:
    destination: str
    moment: str
    files: dict[str, str]  # role -> text

    def get(self, role: str) -> str | None:
        return self.files.get(role)


def moment_time(name: str) -> datetime | None:
    try:
        return datetime.strptime(name, MOMENT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _role_of(file_name: str, roles: Roles) -> str | None:
    return next(
        (role for role, patterns in roles.items() if any(fnmatch.fnmatch(file_name, p) for p in patterns)),
        None,
    )


@lru_cache(maxsize=4096)
def _listing(destination: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A destination's moment folders, oldest first, each with its file names. The corpus is read
    only; a replay asks for every moment of a destination, so it is listed once."""
    return tuple(
        (p.name, tuple(sorted(f.name for f in p.iterdir())))
        for p in sorted(destination.iterdir())
        if p.is_dir() and moment_time(p.name) is not None
    )


def _moments(destination: Path) -> list[Path]:
    return [destination / name for name, _ in _listing(destination)]


def state_at(destination: Path, moment: str, roles: Roles) -> dict[str, Path]:
    """Each role's newest file at or before ``moment`` (role -> path)."""
    found: dict[str, Path] = {}
    for name, files in _listing(destination):
        if name > moment:
            break
        for file_name in files:
            role = _role_of(file_name, roles)
            if role is not None:
                found[role] = destination / name / file_name
    return found


def bundle_bytes(destination: Path, moment: str, roles: Roles) -> bytes | None:
    """The bundle of a destination at a moment, or None when its page (first role) is not there yet."""
    paths = state_at(destination, moment, roles)
    if next(iter(roles)) not in paths:
        return None
    files = {role: path.read_text(encoding="utf-8", errors="replace") for role, path in paths.items()}
    document = {_MARK: 1, "destination": destination.name, "moment": moment, "files": files}
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode()


def read_bundle(content: bytes) -> Bundle | None:
    """The bundle in ``content``, or None when it is not one (a live page, a single file)."""
    if not content.lstrip().startswith(b"{") or _MARK.encode() not in content[:200]:
        return None
    try:
        data = json.loads(content)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get(_MARK) != 1 or not isinstance(data.get("files"), dict):
        return None
    return Bundle(str(data.get("destination") or ""), str(data.get("moment") or ""), dict(data["files"]))


def destinations(folder: Path) -> list[Path]:
    """A government folder's destination folders, or ``[folder]`` when it is one destination."""
    if any(moment_time(p.name) for p in folder.iterdir() if p.is_dir()):
        return [folder]
    return sorted(p for p in folder.iterdir() if p.is_dir())


def moments(folder: Path, roles: Roles) -> Iterator[tuple[datetime, Path, str]]:
    """(time, destination folder, moment) for every moment at which one of the roles' files changed,
    oldest first across destinations."""
    found = []
    for destination in destinations(folder):
        for name, files in _listing(destination):
            if any(_role_of(f, roles) for f in files):
                when = moment_time(name)
                assert when is not None
                found.append((when, destination, name))
    yield from sorted(found, key=lambda m: (m[0], m[1].name))


def bundle_for_path(path: Path, roles: Roles) -> bytes | None:
    """``path`` as a source reads it: a moment folder (or a file inside one) becomes that moment's
    bundle; anything else is None (read the file itself)."""
    folder = path if path.is_dir() else path.parent
    if moment_time(folder.name) is None:
        return None
    if path.is_file() and _role_of(path.name, roles) is None:
        return None
    return bundle_bytes(folder.parent, folder.name, roles)
