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

from diffing.acceptance import DatedEditionPolicy
from diffing.changes import Change, Severity
from diffing.compare import EditionField, KeyedListField, ScalarField, SetField
from scrapers import change_note, prose
from scrapers.base import Extracted, Extraction, recall_item
from scrapers.countries import code_for_name, country_of, destination_key
from scrapers.errors import ExtractionError

name = "state-dept-feed"
# Ask the ingest core for the records of items it already stored (``scrapers.base.recall_item``).
recalls_items = True
title = "U.S. State Department travel advisories (RSS feed)"
urls = ("https://travel.state.gov/_res/rss/TAsTWs.xml",)
allowed_hosts = frozenset({"travel.state.gov"})
# 2: 2026 area statements, words kept apart around bold marks; run `advisory-watch reprocess`.
extractor_version = "state-dept-feed/2"

_LEVEL_SEVERITY = {4: Severity.CRITICAL, 3: Severity.HIGH, 2: Severity.MEDIUM, 1: Severity.LOW}
_SERIOUS_INDICATORS = frozenset({"K", "T", "D"})
_PLACEHOLDER = re.compile(r"summary not available", re.I)
_LEVEL_IN_TEXT = re.compile(r"Level\s*([1-4])\b", re.I)
_TITLE_SPLIT = re.compile(r"\s+-\s+See Summaries\b.*$|\s+-\s+Level\s*\d.*$|\s+Travel Advisory\b.*$", re.I)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)


def level_severity(old: int, new: int) -> Severity:
    """A raise is as severe as the level reached; a lowering is informational."""
    return _LEVEL_SEVERITY[new] if new > old else Severity.INFO


def indicator_label(letter: str) -> str:
    return f"{letter} {prose.INDICATOR_NAMES.get(letter, letter)}"


fields = (
    ScalarField("level", "level_changed", level_severity, label=lambda v: f"Level {v}"),
    SetField(
        "indicators",
        "indicator_added",
        "indicator_removed",
        severity_added=lambda x: Severity.HIGH if x in _SERIOUS_INDICATORS else Severity.MEDIUM,
        severity_removed=lambda x: Severity.INFO,
        label=indicator_label,
    ),
    KeyedListField(
        "areas",
        "area_added",
        "area_removed",
        "area_level_changed",
        same_item=prose.same_area,
        attribute="level",
        severity_added=lambda a: Severity.HIGH if a.get("level", 0) >= 4 else Severity.MEDIUM,
        severity_removed=lambda a: Severity.INFO,
        severity_changed=lambda a, b: level_severity(a.get("level", 0), b.get("level", 0)),
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
# They alert when State's own change note confirms them (``triage``).
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
# Which claim of a change note speaks to a change kind, and in which direction.
_SUBJECT = {
    "level_changed": "level",
    "indicator_added": "indicators",
    "indicator_removed": "indicators",
    "area_added": "areas",
    "area_removed": "areas",
    "area_level_changed": "areas",
}
_DIRECTION = {
    "indicator_added": "added",
    "indicator_removed": "removed",
    "area_added": "added",
    "area_removed": "removed",
}


def _confirms(claim: change_note.Claim, change: Change, new: dict) -> bool:
    if claim.subject != _SUBJECT.get(change.kind) or claim.change == "none":
        return False
    if claim.subject == "level":
        return claim.to is None or claim.to == new.get("level")
    if claim.change in ("added", "removed") and claim.change != _DIRECTION.get(change.kind, "changed"):
        return claim.change == "removed" and change.kind == "area_level_changed"
    return not claim.items or change.item in claim.items


def triage(changes: list[Change], old: dict, new: dict) -> tuple[list[Change], list[Change]]:
    """Which changes alert, and what the change note adds as findings.

    A level change always alerts (the feed states the level as data). An indicator or area change
    alerts when the note confirms it; one the note contradicts ("no changes to … risk indicators")
    is wording drift: recorded, not alerted, and a ``note_disagrees`` finding; a claim that no
    extracted difference matches is a ``note_unmatched`` finding (the extractor may have missed it).
    """
    claims = change_note.claims(new.get("change_note"))
    if not claims or (
        old.get("change_note") == new.get("change_note") and old.get("issued") == new.get("issued")
    ):
        return [c for c in changes if c.kind not in quiet_kinds], []
    alerting: list[Change] = []
    findings: list[Change] = []
    used: set[change_note.Claim] = set()
    subject_name = new.get("country_name") or new.get("key") or ""
    for change in changes:
        confirming = [c for c in claims if _confirms(c, change, new)]
        used.update(confirming)
        denied = any(c.subject == _SUBJECT.get(change.kind) and c.change == "none" for c in claims)
        # A level change is never quiet; a quiet kind alerts only when a claim confirms it.
        if confirming or change.kind not in quiet_kinds:
            alerting.append(change)
        if denied and not confirming:
            findings.append(
                Change(
                    "note_disagrees",
                    change.field,
                    change.old,
                    change.new,
                    Severity.INFO,
                    f"{subject_name} — {change.kind} {change.item or ''} contradicts the note: "
                    f"{new.get('change_note')}",
                    item=f"{change.kind} {change.item or ''}".strip(),
                )
            )
    for claim in claims:
        if claim.change != "none" and claim not in used:
            findings.append(
                Change(
                    "note_unmatched",
                    claim.subject,
                    None,
                    claim.describe(),
                    Severity.INFO,
                    f"{subject_name} — the note says {claim.describe()} but the extracted record "
                    f"shows no such change: {new.get('change_note')}",
                    item=claim.describe(),
                )
            )
    return alerting, findings


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
    key = destination_key(cats.get("Country-Tag"), name_text)
    if not name_text or key is None:
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
    link = _text(item, "link").strip()
    record = {
        "key": key,
        "country": country_of(key),
        "country_name": name_text,
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
