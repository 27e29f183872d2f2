"""The Internet Archive's Wayback Machine: a URL as it was at a past moment.

A backfilled run must see a source as it was at its logical date; fetching today's page for a past
date would fabricate history. Two requests per capture, both through the shared Fetcher (URL rewrite,
allow-list, retries with backoff on 429/503 and connection resets, size cap):

- the CDX API lists captures: ``/cdx/search/cdx?url=…&from=…&to=…&filter=statuscode:200&limit=-1
  &output=json`` gives the latest 200 capture in the range (a JSON array whose first row names the
  columns; an empty body or ``[]`` when there is none);
- ``/web/<timestamp>id_/<url>`` gives the capture's original bytes (without ``id_`` the archive wraps
  the page in its own HTML, which would be extracted as a layout change).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from scrapers.errors import FetchError

ARCHIVE = "https://web.archive.org"
allowed_hosts = frozenset({"web.archive.org"})
TIMESTAMP = "%Y%m%d%H%M%S"


class ArchiveError(FetchError):
    """The archive answered, but not with a capture list we can read."""


@dataclass(frozen=True)
class Capture:
    timestamp: str  # YYYYMMDDhhmmss, UTC
    original: str
    digest: str  # the archive's content digest (base32 SHA-1): equal digests, equal bytes

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp, TIMESTAMP).replace(tzinfo=UTC)

    @property
    def raw_url(self) -> str:
        return f"{ARCHIVE}/web/{self.timestamp}id_/{self.original}"


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP)


def cdx_url(url: str, *, to: datetime, since: datetime | None = None) -> str:
    query: dict[str, Any] = {"url": url}
    if since is not None:
        query["from"] = timestamp(since)
    query.update(to=timestamp(to), filter="statuscode:200", limit=-1, output="json")
    return f"{ARCHIVE}/cdx/search/cdx?{urlencode(query)}"


def parse_cdx(body: bytes) -> list[Capture]:
    """Pure: the CDX JSON (header row, then one row per capture) -> captures, oldest first."""
    if not body.strip():
        return []
    try:
        rows = json.loads(body)
    except ValueError as exc:
        raise ArchiveError(f"the CDX answer is not JSON: {body[:80]!r}") from exc
    if not isinstance(rows, list) or not rows:
        return []
    header = rows[0]
    if not isinstance(header, list) or not {"timestamp", "original", "digest"} <= set(header):
        raise ArchiveError(f"the CDX answer has no timestamp/original/digest columns: {header!r}")
    column = {name: i for i, name in enumerate(header)}
    captures = []
    for row in rows[1:]:
        if not isinstance(row, list) or len(row) != len(header):
            raise ArchiveError(f"a CDX row does not match its header: {row!r}")
        stamp = str(row[column["timestamp"]])
        if len(stamp) != 14 or not stamp.isdigit():
            raise ArchiveError(f"a CDX row has a malformed timestamp: {stamp!r}")
        captures.append(Capture(stamp, str(row[column["original"]]), str(row[column["digest"]])))
    return sorted(captures, key=lambda c: c.timestamp)


def latest_capture(fetcher: Any, url: str, *, at: datetime, since: datetime | None = None) -> Capture | None:
    """The latest capture of ``url`` at or before ``at`` (and after ``since``), or None."""
    answer = fetcher.get(cdx_url(url, to=at, since=since), allowed_hosts=allowed_hosts)
    captures = [c for c in parse_cdx(answer.content or b"") if c.captured_at <= at]
    if since is not None:
        captures = [c for c in captures if c.captured_at > since]
    return captures[-1] if captures else None


def fetch_capture(fetcher: Any, capture: Capture) -> Any:
    """The capture's original bytes (a FetchResult)."""
    return fetcher.get(capture.raw_url, allowed_hosts=allowed_hosts)
