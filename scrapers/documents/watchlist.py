"""Watched documents: any page or PDF report the user lists, diffed section by section.

Configured by the user, not by code: a watchlist YAML (``ADVISORY_WATCH_DOCUMENTS``, example in
``documents.example.yaml`` beside this module) of entries with ``name``, ``url``, ``country``,
optional ``id``,
``selector`` (CSS of the part to keep), ``drop`` (CSS of parts to remove: navigation, view counters,
"last edited" lines), ``keywords`` (phrases, or ``re:`` patterns) and ``schedule`` (hourly / daily /
weekly). Content: HTML (the selector, else trafilatura's main-content extraction), PDF (pypdf), plain
text and Wikipedia wikitext (``action=raw``). Changes: ``document_changed`` per changed section
(informational, with a word-level excerpt) and ``keyword_matched`` (high) when added text contains a
watched keyword, quoting the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from diffing.acceptance import AcceptancePolicy
from diffing.sections import SectionsField
from scrapers.base import Discovery, Extracted, Extraction, PlanInputs, Source, declare
from scrapers.documents.document_text import html_sections, pdf_text, split_sections
from scrapers.errors import ExtractionError

name = "document"
title = "Watched documents (user watchlist)"
extractor_version = "document/1"
fields = (SectionsField(),)
policy = AcceptancePolicy()
quiet_kinds: frozenset[str] = frozenset()
_INTERVALS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}


@dataclass(frozen=True)
class WatchedDocument:
    name: str
    url: str
    country: str = ""
    id: str = ""
    selector: str | None = None
    drop: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    schedule: str = "daily"

    @property
    def key(self) -> str:
        base = self.id or re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")
        return base[:32]


_ADHOC: dict[str, WatchedDocument] = {}


def load_watchlist(path: Path | None = None) -> list[WatchedDocument]:
    if path is None:
        from advisory_watch.settings import get_settings

        path = get_settings().documents
    if path is None:
        return list(_ADHOC.values())
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read the documents watchlist {path}: {exc}") from exc
    entries = []
    for i, raw in enumerate(data.get("documents") or []):
        if not isinstance(raw, dict) or not raw.get("name") or not raw.get("url"):
            raise ValueError(f"documents[{i}] needs a name and a url")
        schedule = str(raw.get("schedule", "daily"))
        if schedule not in _INTERVALS:
            raise ValueError(f"documents[{i}].schedule must be one of {sorted(_INTERVALS)}")
        entries.append(
            WatchedDocument(
                name=str(raw["name"]),
                url=str(raw["url"]),
                country=str(raw.get("country", "")).upper(),
                id=str(raw.get("id", "")),
                selector=raw.get("selector"),
                drop=tuple(raw.get("drop") or ()),
                keywords=tuple(str(k) for k in raw.get("keywords") or ()),
                schedule=schedule,
            )
        )
    keys = [e.key for e in entries]
    if len(keys) != len(set(keys)):
        raise ValueError("two watched documents have the same id/name")
    return entries + list(_ADHOC.values())


def watch_adhoc(document: WatchedDocument) -> None:
    """Watch a document for this process only (the replay command's files)."""
    _ADHOC[document.url] = document


def prepare_replay(folder: Path, keywords: Sequence[str]) -> str:
    """A folder's files are successive versions of one document, watched with ``keywords``."""
    url = folder.resolve().as_uri()
    watch_adhoc(WatchedDocument(name=folder.name, url=url, keywords=tuple(keywords)))
    return url


searchable = True


class WatchedDocuments(Source):
    """The URLs and hosts are the watchlist's, read when asked for (the user edits it between
    cycles). Properties on the class: a module-level ``__getattr__`` (PEP 562) is consulted only after
    the class's defaults, so ``urls`` read as the base's empty default and no document was fetched."""

    @property
    def urls(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(d.url for d in load_watchlist())

    @property
    def allowed_hosts(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset((urlsplit(d.url).hostname or "") for d in load_watchlist())

    def plan(self, inputs: PlanInputs) -> Discovery:
        """The watched documents due by their own schedule (hourly, daily, weekly), whatever the DAG's."""
        return Discovery([url for url in self.urls if is_due(url, inputs.last_observed(url), inputs.now)])


def entry_for(url: str) -> WatchedDocument:
    for document in load_watchlist():
        if document.url == url:
            return document
    return WatchedDocument(name=url, url=url)


def is_due(url: str, last_observed: datetime | None, now: datetime) -> bool:
    if last_observed is None:
        return True
    return now - last_observed >= _INTERVALS[entry_for(url).schedule] - timedelta(minutes=5)


def read_sections(content: bytes, document: WatchedDocument) -> tuple[str, str, list[dict[str, str]]]:
    """(content type, title, sections) of a fetched document."""
    head = content[:1024].lstrip().lower()
    if content.startswith(b"%PDF"):
        kind, (doc_title, sections) = "pdf", split_sections(pdf_text(content))
    elif head.startswith((b"<!doctype html", b"<html")) or b"<body" in content[:4096].lower():
        kind, (doc_title, sections) = (
            "html",
            html_sections(content, selector=document.selector, drop=document.drop),
        )
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ExtractionError("neither PDF, HTML nor UTF-8 text") from exc
        kind, (doc_title, sections) = "text", split_sections(text)
    if not sections or not any(s.text for s in sections):
        raise ExtractionError("the document has no text")
    return kind, doc_title, [s.as_dict() for s in sections]


def extract(content: bytes, *, url: str) -> Extraction:
    if not content.strip():
        raise ExtractionError("empty document")
    document = entry_for(url)
    kind, doc_title, sections = read_sections(content, document)
    record = {
        "key": document.key,
        "country": document.country,
        "country_name": document.name,
        "title": doc_title,
        "url": url,
        "content_type": kind,
        "sections": sections,
        "keywords": list(document.keywords),
    }
    return Extraction(records=[Extracted(key=document.key, record=record, raw=content)])


def present(records: list[dict[str, Any]]) -> dict[str, Any]:
    """What `advisory-watch extract document FILE` prints."""
    record = records[0]
    return {"title": record["title"], "content_type": record["content_type"], "sections": record["sections"]}


declare(__name__, WatchedDocuments)
