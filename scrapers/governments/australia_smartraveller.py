"""DFAT Smartraveller travel advice (Australia), from smartraveller.gov.au.

Fetch: ``https://www.smartraveller.gov.au/destinations/<region>/<slug>`` pages (listed on
``https://www.smartraveller.gov.au/destinations``). The overview's "Advice levels" block states the
overall level ("Exercise a high degree of caution in Peru overall.") and each area's ("Reconsider
your need to travel to: * … * …"), each once briefly and once with its reasons; the areas are the
listed items where there is a list, else the statement's object. "Latest update" opens the page; the
archive keeps the page's date in ``info.json`` (``last_updated``).
"""

from __future__ import annotations

import re
from typing import Any

from diffing import tiers
from diffing.countries import name_variants, normalise_name
from scrapers.base import Discovery, Extraction, Known, PlanInputs, declare
from scrapers.errors import LayoutNotRecognised
from scrapers.governments import government_advice as ga
from scrapers.governments import government_page as page
from scrapers.text.page_text import PageLine

name = "australia-smartraveller"
title = "DFAT Smartraveller travel advice (Australia)"
government = tiers.AU
corpus_folder = "australia"
note_by = "Smartraveller's latest update"
INDEX_URL = "https://www.smartraveller.gov.au/destinations"
allowed_hosts = frozenset({"www.smartraveller.gov.au"})
extractor_version = "australia-smartraveller/1"
corpus_roles = {"page": ("overview.md",), "info": ("info.json",)}

_UPDATED = re.compile(r"^(?:Last updated|Updated|Date updated)\s*:?\s*(?P<date>.+)$", re.I)


def _section(lines: list[PageLine], title_text: str) -> list[PageLine]:
    """The lines under a heading, to the next heading of the same or a higher level."""
    for start, line in enumerate(lines):
        if line.heading and line.text.lower().startswith(title_text):
            depth = line.heading
            end = next(
                (i for i in range(start + 1, len(lines)) if lines[i].heading and lines[i].heading <= depth),
                len(lines),
            )
            return lines[start + 1 : end]
    return []


def _object(text: str, wording_end: int) -> str:
    return re.sub(r"^[\s:]*(?:to|in|within)?\s*", "", text[wording_end:], flags=re.I).strip()


def _blocks(lines: list[PageLine]) -> list[tuple[int, str, list[str]]]:
    """(tier, the first statement's object, its listed items) for each statement block."""
    blocks: list[tuple[int, str, list[str]]] = []
    current: tuple[int, str, list[str]] | None = None
    for line in lines:
        found = None if line.bullet else tiers.find_tier(government, line.text)
        if found is not None:
            tier, wording_end = found
            obj = _object(line.text, wording_end)
            if current is None or current[0] != tier or not _restates(current[1], obj):
                current = (tier, obj, [])
                blocks.append(current)
            continue
        if line.bullet and current is not None:
            current[2].append(line.text)
        elif line.text.startswith("See ") or line.heading:
            current = None
    return blocks


def _restates(first: str, again: str) -> bool:
    """The long form of a statement repeats its short form ("… to Gaza." / "… to Gaza due to …");
    "Do not travel to border areas with Lebanon" after "Do not travel to Gaza" is another area."""
    a, b = normalise_name(first), normalise_name(again)
    return not a or not b or a.startswith(b) or b.startswith(a)


def _is_overall(obj: str, names: list[str]) -> bool:
    norm = normalise_name(obj)
    return "overall" in norm.split() or any(norm == n or norm.startswith(n + " ") for n in names) or not norm


def extract(content: bytes, *, url: str = "", country: str | None = None) -> Extraction:
    document = page.read_document(content, url=url, country=country)
    levels = _section(document.lines, "advice levels")
    if not levels:
        levels = _section(document.lines, "we advise") or [
            line for line in document.lines if tiers.find_tier(government, line.text)
        ]
    blocks = _blocks(levels)
    if not blocks:
        raise LayoutNotRecognised("no Smartraveller advice level ('Advice levels', 'We advise:') on the page")
    where = page.resolve(document, document.meta.get("destination"))
    names = [v for n in (where.name, document.hint or "") if n for v in name_variants(n)]
    chosen = next((i for i, b in enumerate(blocks) if _is_overall(b[1], names)), 0)
    overall = blocks[chosen]
    areas = []
    for index, (tier, obj, items) in enumerate(blocks):
        if index == chosen:
            continue
        for item in items or [obj]:
            area_name = ga.area_name(item)
            # "… in Oman due to the hostilities" restating "… in Oman overall" names no area
            if area_name and not _is_overall(area_name, names):
                areas.append(ga.area(area_name, government, tier))
    rec = ga.record(
        where=where,
        government=government,
        level=overall[0],
        native_level=tiers.native(government, overall[0]),
        areas=areas,
        updated=_updated(document.lines) or ga.iso_date(document.meta.get("last_updated")),
        update_reason=_latest(document.lines),
        url=url,
        text="\n".join(line.text for line in levels),
    )
    return ga.extraction(content, rec)


def _updated(lines: list[PageLine]) -> str | None:
    for line in lines[:60]:
        if match := _UPDATED.match(line.text):
            return ga.iso_date(match.group("date"))
    return None


def _latest(lines: list[PageLine]) -> str | None:
    for index, line in enumerate(lines[:40]):
        if line.text.lower().rstrip(":") == "latest update" and index + 1 < len(lines):
            return lines[index + 1].text
    return None


_SLUG = re.compile(r'href="(?:https://www\.smartraveller\.gov\.au)?/destinations/([a-z-]+/[a-z0-9-]+)"')


def discover(fetcher: Any, known: Known) -> Discovery:
    """The destination pages the destinations list links to (``<region>/<slug>``)."""
    return ga.discover_links(
        fetcher, INDEX_URL, allowed_hosts, _SLUG, "https://www.smartraveller.gov.au/destinations/{slug}"
    )


def plan(inputs: PlanInputs) -> Discovery:
    """This cycle's URLs: every destination page the destinations list links to."""
    return discover(inputs.fetcher, inputs.confirmed_raw)


# What changes matter, how much, and when a version is accepted: the same for the four governments.
declare(__name__, ga.GovernmentAdvice)
