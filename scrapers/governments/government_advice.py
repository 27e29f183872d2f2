"""What the four other governments' travel-advice sources share: record shape, typed changes and the
noise discipline (a page as its parser is given it, and its destination: ``government_page``).

Record (one per destination page): key (ISO 3166-1 alpha-2, or ``CC-XX`` for a sub-national entry
such as the UK's Canary Islands, with ``region`` naming it), country, country_name, government,
native_level (the government's words), level (tier 1-4, ``diffing.tiers``), areas
([{name, native_level, level}]), updated (YYYY-MM-DD, the government's own date), update_reason,
url, text (the advice statements, for the alert's diff).

Changes: tier_raised / tier_lowered, area_added / area_removed / area_tier_changed. The government's
"updated" date is not a field: the UK's "Still current at" and Canada's daily ``update_date``
re-stamps change the bytes, never a compared field, so they are stored snapshots, not changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from diffing import areas, tiers
from diffing.acceptance import DatedEditionPolicy
from diffing.changes import Change, Severity, level_change_severity
from diffing.compare import FieldSpec, KeyedListField, Record
from diffing.countries import normalise_name
from scrapers.base import Discovery, Extracted, Extraction, Source
from scrapers.errors import FieldMissing
from scrapers.governments import government_note
from scrapers.governments.government_page import Destination
from scrapers.text.page_text import clean


@dataclass(frozen=True)
class TierField:
    """The destination's tier: ``tier_raised`` or ``tier_lowered``, worded in the government's terms."""

    name: str = "level"

    def compare(self, old: Record, new: Record) -> list[Change]:
        a, b = old.get(self.name), new.get(self.name)
        if a is None or b is None or a == b:
            return []
        subject = new.get("country_name") or new.get("key")
        summary = (
            f"{new.get('government')}: {subject} — tier {a} → {b} "
            f"({old.get('native_level')} → {new.get('native_level')})"
        )
        kind = "tier_raised" if b > a else "tier_lowered"
        return [Change(kind, self.name, a, b, level_change_severity(a, b), summary)]


def describe_area(area: dict[str, Any]) -> str:
    """ "Niassa Province: the districts of Mecula and Marrupo in Niassa Province (FCDO advises against
    all but essential travel)": the area, the part its statement names, and the advice."""
    part = f": {area['detail']}" if area.get("detail") else ""
    return f"{area['name']}{part} ({area.get('native_level') or 'tier ' + str(area.get('level'))})"


@dataclass(frozen=True)
class NoteField:
    """A new update note that announces a move of the advice (``scrapers.governments.government_note``): a
    ``note_updated`` change, so that a version whose reading shows nothing new is weighed too."""

    name: str = "update_reason"

    def compare(self, old: Record, new: Record) -> list[Change]:
        a, b = old.get(self.name), new.get(self.name)
        if not b or a == b or not government_note.claims(b, new):
            return []
        subject = new.get("country_name") or new.get("key")
        return [Change("note_updated", self.name, a, b, Severity.INFO, f"{subject} — new note: {b}")]


fields: tuple[FieldSpec, ...] = (
    TierField(),
    NoteField(),
    KeyedListField(
        "areas",
        "area_added",
        "area_removed",
        "area_tier_changed",
        same_item=areas.same_area,
        attribute="level",
        severity_added=lambda a: Severity.HIGH if a.get("level", 0) >= 4 else Severity.MEDIUM,
        severity_removed=lambda a: Severity.INFO,
        severity_changed=lambda a, b: level_change_severity(a.get("level", 0), b.get("level", 0)),
        describe=describe_area,
    ),
)
_AREA_KINDS = frozenset({"area_added", "area_removed", "area_tier_changed"})
# Area lists are read from prose that is reworded far more often than the advice changes: an area
# change alerts when the government's own new note confirms it (``diffing.witness``); otherwise it is
# recorded (history, digests) and rides along in the next alert. A new note is stored as a change
# (``note_updated``, quiet) so that a version whose only news is its note is still weighed.
quiet_kinds = frozenset({"advisory_reissued", "note_updated", *_AREA_KINDS})
# The witnesses: the level is a labelled field (Canada's "Risk level" heading, Smartraveller's
# "Advice levels", Ireland's "Security Status"); the UK declares its own (``uk_fcdo``).
field_witnessed = frozenset({"level"})
note_field = "update_reason"


def read_note(note: str | None, record: dict) -> list:
    return government_note.claims(note, record)


health_metrics = {
    "level": lambda r: r.get("level") is not None,
    "areas": lambda r: bool(r.get("areas")),
}
health_floor = {"records": 1}  # one page per observation


def _as_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# The dated-edition rule (``diffing.acceptance``) for a government's page: edited in place (same-date
# edits count), its date possibly missing on a live page. A tier change is accepted at once; an area
# change at once too — for a source that flickers, take "areas" out of ``immediate_fields`` and an
# area change waits for the next observation to show it again.
policy = DatedEditionPolicy(
    date_field="updated",
    immediate_fields=("level", "areas", "update_reason"),
    same_date_edits=True,
    require_date=False,
)


# --- the record --------------------------------------------------------------------------------

_DATE_FORMATS = ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%Y-%m-%d")


def iso_date(text: str | None) -> str | None:
    """'10 December 2025', 'December 10, 2025', '2025-12-10T13:27:42+00:00' -> '2025-12-10'."""
    if not text:
        return None
    text = clean(str(text)).strip()
    iso = re.match(r"(\d{4}-\d{2}-\d{2})", text)
    if iso:
        return iso.group(1) if _as_date(iso.group(1)) else None
    found = re.search(r"(\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2}, \d{4})", text)
    if not found:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(found.group(1), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def area(
    name: str, government: tiers.Government, level: int, native_level: str | None = None
) -> dict[str, Any]:
    """An area with its own tier; ``native_level`` where the government words an area's advice
    otherwise than a country's (the UK's "all travel" to a part)."""
    return {"name": name, "native_level": native_level or tiers.native(government, level), "level": level}


def record(
    *,
    where: Destination,
    government: tiers.Government,
    level: int | None,
    native_level: str | None,
    areas: list[dict[str, Any]],
    updated: str | None,
    update_reason: str | None,
    url: str,
    text: str,
) -> dict[str, Any]:
    if level is None:
        raise FieldMissing(f"{government.code} advice for {where.name}: no level found on the page")
    return {
        "key": where.key,
        "country": where.country,
        "country_name": where.name,
        "region": where.region,
        "government": government.code,
        "native_level": native_level or tiers.native(government, level),
        "level": level,
        "areas": _unique_areas(areas),
        "updated": updated,
        "update_reason": update_reason,
        "url": url,
        "text": text,
    }


def _unique_areas(areas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (name, tier), in page order."""
    seen: set[tuple[str, int]] = set()
    out = []
    for item in areas:
        ident = (normalise_name(item["name"]), item["level"])
        if item["name"] and ident not in seen:
            seen.add(ident)
            out.append(item)
    return out


def extraction(content: bytes, rec: dict[str, Any]) -> Extraction:
    return Extraction(records=[Extracted(key=rec["key"], record=rec, raw=content)])


# --- phrases shared by the parsers -------------------------------------------------------------

_DUE_TO = re.compile(r"\s*(?:,\s*)?\b(?:due to|because of|owing to)\b.*$", re.I)
_SENTENCE_END = re.compile(r"(?<=[a-z)])\.\s+(?=[A-Z])")
_EXCEPTION = re.compile(r",?\s+(?:with the exception of|excluding)\b.*$", re.I)
_TRAILING = re.compile(r"[\s,;:.]+$|\s+(?:and|or)$", re.I)


def area_name(text: str) -> str:
    """An area as a list item or a sentence's object names it: reasons and trailing marks cut."""
    name = clean(text)
    name = _DUE_TO.sub("", name)
    name = _SENTENCE_END.split(name, maxsplit=1)[0]  # "… India and Pakistan. The Wagah crossing is closed"
    name = _EXCEPTION.sub("", name)
    name = re.sub(r"\s*\((?:see|read) [^)]*\)", "", name, flags=re.I)
    for _ in range(2):
        name = _TRAILING.sub("", name)
    return name.strip()


def discover_links(
    fetcher: Any, index_url: str, allowed: frozenset[str], link: re.Pattern[str], address: str
) -> Discovery:
    """The destination pages an index page links to: ``link`` finds each slug in the page,
    ``address`` (``str.format`` with ``slug``) makes its URL. A failed index is a failed discovery
    (counted like a failed fetch); the cycle goes on."""
    try:
        answer = fetcher.get(index_url, allowed_hosts=allowed)
    except Exception as exc:  # noqa: BLE001 - reported, never raised into the cycle
        said = str(exc)
        return Discovery([], problems=[said if index_url in said else f"{index_url}: {said}"])
    slugs = sorted(set(link.findall((answer.content or b"").decode("utf-8", errors="replace"))))
    if not slugs:
        return Discovery([], problems=[f"{index_url} links to no destination page"])
    return Discovery([address.format(slug=slug) for slug in slugs])


def findings(
    rec: dict[str, Any], confirmed: Callable[[str, str | None], dict[str, Any] | None]
) -> list[Change]:
    """``governments_disagree`` against every other government's confirmed advice for the same
    destination (``diffing.consensus``): stored beside the changes as information, never alerted."""
    from diffing.consensus import disagreements
    from scrapers import registry  # the catalogue loads every source module, this one among them

    own = rec.get("government")
    others: dict[str, dict[str, Any]] = {}
    for code, gov in registry.governments().items():
        if code == own:
            continue
        for source_name in gov.sources:
            other = confirmed(source_name, rec.get("key"))
            if other is not None and other.get("level") is not None:
                others[code] = other
                break
    return disagreements(rec, str(own), others, areas.same_area)


class GovernmentAdvice(Source):
    """The family of the four governments' travel advice: what changes matter, how much, when a
    version is accepted, how the government's note is read and how health is judged are the same
    for each; a government's module adds how to find, fetch and read its pages."""

    fields = fields
    policy = policy
    quiet_kinds = quiet_kinds
    field_witnessed = field_witnessed
    note_field = note_field
    read_note = staticmethod(read_note)
    findings = staticmethod(findings)
    health_metrics = health_metrics
    health_floor = health_floor
