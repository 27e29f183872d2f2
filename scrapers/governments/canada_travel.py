"""Global Affairs Canada travel advice and advisories, from travel.gc.ca.

Fetch: ``https://travel.gc.ca/destinations/<slug>`` pages (the list of slugs from
``https://travel.gc.ca/travelling/advisories``). The "Risk level" tab writes one heading per level:
``<Destination> - <level>`` for the whole country first, then ``<region> - <level>`` for each area
with its own ("Valley of the Apurímac, Ene and Mantaro Rivers (VRAEM) - Avoid all travel"). The page
states "Last updated" and "Latest updates"; in the archive they sit in ``info.json`` (``update_date``,
``update_reason``), which Canada re-stamps nearly every day without another change: the date is kept
on the record but is not a compared field, so a re-stamp is never a change.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html

from diffing import tiers
from scrapers.base import Discovery, Extraction, Known, PlanInputs, declare
from scrapers.errors import LayoutNotRecognised
from scrapers.governments import government_advice as ga
from scrapers.governments import government_page as page
from scrapers.text.decoding import decode_html
from scrapers.text.page_text import PageLine, clean, is_html

name = "canada-travel"
title = "Global Affairs Canada travel advice and advisories"
government = tiers.CA
corpus_folder = "canada"
note_by = 'Canada\'s "Latest updates"'
INDEX_URL = "https://travel.gc.ca/travelling/advisories"
allowed_hosts = frozenset({"travel.gc.ca"})
extractor_version = "canada-travel/1"
corpus_roles = {"page": ("risk.md",), "info": ("info.json",)}

_LEVEL_HEADING = re.compile(r"^(?P<name>.+?)\s+[-–—]\s+(?P<level>[A-Za-z][A-Za-z \-]+?)\s*$")
_LAST_UPDATED = re.compile(r"^(?:Last updated|Date modified)\s*:?\s*(?P<date>.+)$", re.I)
_LATEST = re.compile(r"^Latest updates?\s*:?\s*(?P<reason>.*)$", re.I)


def level_headings(lines: list[PageLine]) -> list[tuple[str, int, str, int]]:
    """(name, tier, native wording, line index) of every "<name> - <level>" heading."""
    found = []
    for index, line in enumerate(lines):
        if not line.heading:
            continue
        match = _LEVEL_HEADING.match(line.text)
        if not match:
            continue
        tier = tiers.tier_for(government, match.group("level"))
        if tier is not None:
            found.append((match.group("name").strip(), tier, tiers.native(government, tier), index))
    return found


_GENERIC = re.compile(r"^regional advisor(?:y|ies)\b", re.I)


def _listed(markdown: str, heading: str) -> list[str]:
    """The top-level list items under a heading, to the next heading. Nested items ("+ the city of
    Los Mochis" under "Sinaloa, excluding the following areas:") are exceptions, not areas."""
    items: list[str] = []
    inside = False
    for raw in markdown.splitlines():
        if raw.startswith("#"):
            if inside:
                break
            inside = clean(raw.lstrip("#")).startswith(heading)
            continue
        if inside and re.match(r"^\*\s+\S", raw):  # depth 1 is "*"; "+" and "-" are nested
            items.append(clean(raw[1:]))
    return items


def _dated(lines: list[PageLine]) -> tuple[str | None, str | None]:
    updated = reason = None
    for index, line in enumerate(lines):
        if updated is None and (m := _LAST_UPDATED.match(line.text)):
            updated = ga.iso_date(m.group("date"))
        if reason is None and (m := _LATEST.match(line.text)):
            reason = m.group("reason").strip() or (lines[index + 1].text if index + 1 < len(lines) else None)
    return updated, reason


# The live page's labelled fields (the archive's info.json was read from them).
_LABELS = {"name": "nameLbl", "update_date": "lastUpdateDateLbl", "update_reason": "lastUpdateTextLbl"}


def _labelled(content: bytes) -> dict[str, str]:
    """The page's name, "Last updated" date and "Latest updates" note by their element ids, where
    the content is the live HTML page; {} otherwise."""
    if not is_html(content):
        return {}
    try:
        root = lxml.html.fromstring(decode_html(content))
    except (lxml.etree.ParserError, ValueError):
        return {}
    found = {}
    for field, element_id in _LABELS.items():
        element = root.get_element_by_id(element_id, None)
        if element is not None and element.text_content().strip():
            found[field] = " ".join(element.text_content().split())
    return found


def extract(content: bytes, *, url: str = "", country: str | None = None) -> Extraction:
    document = page.read_document(content, url=url, country=country)
    document.meta.update(_labelled(content))
    headings = level_headings(document.lines)
    if not headings:
        raise LayoutNotRecognised("no '<destination> - <risk level>' heading (not a travel.gc.ca risk page)")
    first_name, tier, native_level, _ = headings[0]
    where = page.resolve(document, first_name)
    if first_name.isupper() and document.hint and (spelled := page.destination(document.hint)) is not None:
        where = spelled if spelled.key == where.key else where  # "NEPAL - AVOID …": the folder's spelling
    areas = []
    for area_heading, area_tier, _, _ in headings[1:]:
        if _GENERIC.match(area_heading):
            # "Regional advisory - Avoid all travel" heads a list: the listed places are the areas
            listed = _listed(document.markdown, area_heading)
            areas += [ga.area(ga.area_name(item), government, area_tier) for item in listed]
        else:
            areas.append(ga.area(ga.area_name(area_heading), government, area_tier))
    statements = []
    for _, _, _, index in headings:
        statements.append(document.lines[index].text)
        if index + 1 < len(document.lines) and not document.lines[index + 1].heading:
            statements.append(document.lines[index + 1].text)
    updated, reason = _dated(document.lines)
    if document.meta.get("update_reason"):  # the page's own label wins over a line that looks like one
        reason = document.meta["update_reason"]
    rec = ga.record(
        where=where,
        government=government,
        level=tier,
        native_level=native_level,
        areas=areas,
        updated=updated or ga.iso_date(document.meta.get("update_date")),
        update_reason=reason or document.meta.get("update_reason"),
        url=url,
        text="\n".join(statements),
    )
    return ga.extraction(content, rec)


_SLUG = re.compile(r'href="(?:https://travel\.gc\.ca)?/destinations/([a-z0-9-]+)"')


def discover(fetcher: Any, known: Known) -> Discovery:
    """The destination pages the advisories list links to."""
    return ga.discover_links(
        fetcher, INDEX_URL, allowed_hosts, _SLUG, "https://travel.gc.ca/destinations/{slug}"
    )


def plan(inputs: PlanInputs) -> Discovery:
    """This cycle's URLs: every destination page the advisories list links to."""
    return discover(inputs.fetcher, inputs.confirmed_raw)


# What changes matter, how much, and when a version is accepted: the same for the four governments.
declare(__name__, ga.GovernmentAdvice)
