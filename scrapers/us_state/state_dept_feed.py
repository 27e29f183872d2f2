"""State Department travel advisories, from the advisory RSS feed.

Fetch: ``https://travel.state.gov/_res/rss/TAsTWs.xml`` (one document, ~211 items, hourly).
Record per destination: country (ISO 3166-1 alpha-2), country_name, level 1-4, title, issued,
change_note, indicators (union of country-wide and per-area letters), areas, url, text.
Changes: level_changed, indicator_added/removed, area_added/removed/area_level_changed,
advisory_reissued; accepted under the dated-edition noise discipline (diffing/acceptance.py).
"""

from __future__ import annotations

import email.utils
import re
from datetime import datetime
from functools import lru_cache
from html import unescape

from lxml import etree

from diffing import areas, tiers
from diffing.acceptance import DatedEditionPolicy
from diffing.changes import SERIOUS_INDICATORS, Severity, level_change_severity
from diffing.compare import EditionField, KeyedListField, ScalarField, SetField
from diffing.countries import code_for_name, country_of, destination_key, pycountry_name
from scrapers.base import Extracted, Extraction, declare, recall_item
from scrapers.errors import ExtractionError
from scrapers.text import prose
from scrapers.us_state import change_note

name = "state-dept-feed"
# Ask the ingest core for the records of items it already stored (``scrapers.base.recall_item``).
recalls_items = True
title = "U.S. State Department travel advisories (RSS feed)"
searchable = True  # the history browser's full-text search covers its records
government = tiers.US
urls = ("https://travel.state.gov/_res/rss/TAsTWs.xml",)
allowed_hosts = frozenset({"travel.state.gov"})
# 2: 2026 area statements, words kept apart around bold marks; run `advisory-watch reprocess`.
extractor_version = "state-dept-feed/2"

_PLACEHOLDER = re.compile(r"summary not available", re.I)
_LEVEL_IN_TEXT = re.compile(r"Level\s*([1-4])\b", re.I)
_TITLE_SPLIT = re.compile(
    r"\s*-?\s*See (?:Individual )?Summaries\b.*$|\s+-\s+Level\s*\d.*$|\s+Travel Advisory\b.*$", re.I
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)


def indicator_label(letter: str) -> str:
    return f"{letter} {prose.INDICATOR_NAMES.get(letter, letter)}"


fields = (
    ScalarField("level", "level_changed", level_change_severity, label=lambda v: f"Level {v}"),
    SetField(
        "indicators",
        "indicator_added",
        "indicator_removed",
        severity_added=lambda x: Severity.HIGH if x in SERIOUS_INDICATORS else Severity.MEDIUM,
        severity_removed=lambda x: Severity.INFO,
        label=indicator_label,
    ),
    KeyedListField(
        "areas",
        "area_added",
        "area_removed",
        "area_level_changed",
        same_item=areas.same_area,
        attribute="level",
        severity_added=lambda a: Severity.HIGH if a.get("level", 0) >= 4 else Severity.MEDIUM,
        severity_removed=lambda a: Severity.INFO,
        severity_changed=lambda a, b: level_change_severity(a.get("level", 0), b.get("level", 0)),
        describe=lambda a: f"{a['name']} (Level {a.get('level')})",
    ),
    EditionField("issued"),
)
# Extraction health (advisory_watch/drift.py): the share of records with each key field is watched
# against the trailing fortnight, and the feed has never had fewer than ~210 destinations.
health_metrics = {
    "level": lambda r: r.get("level") is not None,
    "indicators": lambda r: bool(r.get("indicators")),
    "areas": lambda r: bool(r.get("areas")),
}
health_floor = {"records": 150}
policy = DatedEditionPolicy(date_field="issued", immediate_fields=("level",))
# The feed states indicators and areas only in prose, which the two CMSs render differently: on their
# own, changes to them are recorded (history, digests) and carried in the next level-change alert.
# They alert when State's own change note confirms them (``diffing.witness``).
quiet_kinds = frozenset(
    {
        "advisory_reissued",
        "indicator_added",
        "indicator_removed",
        "area_added",
        "area_removed",
        "area_level_changed",
    }
)
# The witnesses (``diffing.witness``): the level is data (Threat-Level, the title); indicators and
# areas are read from prose; State's change note, new with each edition, says what that edition changed.
field_witnessed = frozenset({"level"})
note_field = "change_note"
note_exhaustive = True  # "There was no change to the advisory level. The "unrest" risk indicator was added."
note_by = "State's change note"


def read_note(note: str | None, record: dict) -> list[change_note.Claim]:
    return change_note.claims(note)


def _text(item: etree._Element, tag: str) -> str:
    el = item.find(tag)
    return (el.text or "") if el is not None else ""


def _categories(item: etree._Element) -> dict[str, str]:
    return {(c.get("domain") or "").strip(): (c.text or "").strip() for c in item.findall("category")}


def country_name_from_title(title_text: str) -> str:
    return _TITLE_SPLIT.sub("", title_text).strip()


def parse_issued(value: str) -> str | None:
    """'Wed, 08 Oct 2025' -> '2025-10-08'. Bogus years stay as they are; the policy judges them."""
    match = re.search(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{1,4})", value)
    if not match:
        return None
    try:
        month = datetime.strptime(match.group(2).title(), "%b").month
        day, year = int(match.group(1)), int(match.group(3))
        return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= day <= 31 else None
    except ValueError:
        return None


def _channel_time(channel: etree._Element) -> datetime | None:
    value = _text(channel, "pubDate").strip()
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def extract_item(item: etree._Element) -> Extracted:
    """One feed item -> one record. Raises ExtractionError when the item has no level or no name."""
    return _extract_raw_item(etree.tostring(item, encoding="utf-8"))


@lru_cache(maxsize=2048)
def _extract_raw_item(raw: bytes) -> Extracted:
    """Pure, so memoised: an hourly feed repeats ~200 unchanged items, which then cost one hash each
    (in a fresh process too: the ingest core tells ``recall_item`` the records it stored)."""
    known = recall_item(name, extractor_version, raw)
    if known is not None:
        return known
    item = etree.fromstring(raw, _PARSER)
    title_text = prose._clean(unescape(_text(item, "title")))
    cats = _categories(item)
    name_text = country_name_from_title(title_text)
    link = _text(item, "link").strip()
    key = destination_key(cats.get("Country-Tag"), name_text, link)
    if key is None:
        raise ExtractionError(f"item {title_text!r}: destination not recognised")
    level_match = _LEVEL_IN_TEXT.search(cats.get("Threat-Level", "")) or _LEVEL_IN_TEXT.search(title_text)
    if not level_match:
        raise ExtractionError(f"item {title_text!r}: no advisory level")
    description = _text(item, "description")
    lines = prose.description_lines(description)
    text = "\n".join(("• " if line.bullet else "") + line.text for line in lines)
    sentence, _ = prose.headline(lines)
    note = prose.change_note(lines)
    # The note's own sentences ("Do not travel to Plateau … states were added.") name no area.
    area_lines = [line for line in lines if line.text != note]
    area_list = prose.areas(area_lines, name_text, is_country=lambda name: code_for_name(name) == key)
    countrywide = prose.indicators_in(prose.due_to_clause(sentence))
    indicators = sorted(set(countrywide).union(*(a["indicators"] for a in area_list)))
    record = {
        "key": key,
        "country": country_of(key),
        "country_name": name_text or pycountry_name(key),
        "level": int(level_match.group(1)),
        "title": title_text,
        "issued": parse_issued(_text(item, "pubDate")),
        "change_note": note,
        "indicators": indicators,
        "areas": area_list,
        "url": link,
        "link_scheme": "destination" if "/destination." in link else "legacy",
        "text": text,
    }
    rejected = None
    if _PLACEHOLDER.search(text):
        rejected = "placeholder"
    elif len(text) < 40:
        rejected = "no_content"
    elif record["issued"] is None:
        rejected = "no_issue_date"
    return Extracted(key=key, record=record, raw=raw, rejected=rejected)


def extract_snapshot(raw: bytes, *, url: str = urls[0]) -> Extraction:
    """A stored snapshot's bytes (one ``<item>``) -> its record again, for reprocessing history."""
    try:
        return Extraction(records=[_extract_raw_item(raw)])
    except etree.XMLSyntaxError as exc:
        raise ExtractionError(f"not a feed item ({exc})") from exc


def extract(content: bytes, *, url: str = urls[0]) -> Extraction:
    """The whole feed -> records. A document that is not this feed raises ExtractionError."""
    if not content or not content.strip():
        raise ExtractionError("empty response body")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ExtractionError(f"not well-formed XML ({exc})") from exc
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise ExtractionError(f"not an RSS feed (root element <{root.tag}>)")
    items = channel.findall("item")
    if not items:
        raise ExtractionError("the feed has no items")
    records: list[Extracted] = []
    problems: list[str] = []
    for position, item in enumerate(items, start=1):
        try:
            records.append(extract_item(item))
        except ExtractionError as exc:
            problems.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - one unreadable item must not cost the others
            problems.append(f"item {position}: extractor error {type(exc).__name__}: {exc}"[:500])
    if not records:
        raise ExtractionError("no item could be read: " + "; ".join(problems[:5]))
    return Extraction(records=records, problems=problems, document_time=_channel_time(channel))


declare(__name__)
