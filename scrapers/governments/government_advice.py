"""What the four other governments' travel-advice sources share: record shape, typed changes, the
noise discipline and the way a document becomes text.

Record (one per destination page): key (ISO 3166-1 alpha-2, or ``CC-XX`` for a sub-national entry
such as the UK's Canary Islands, with ``region`` naming it), country, country_name, government,
native_level (the government's words), level (tier 1-4, ``diffing.tiers``), areas
([{name, native_level, level}]), updated (YYYY-MM-DD, the government's own date), update_reason,
url, text (the advice statements, for the alert's diff).

Changes: tier_raised / tier_lowered, area_added / area_removed / area_tier_changed. The government's
"updated" date is not a field: the UK's "Still current at" and Canada's daily ``update_date``
re-stamps change the bytes, never a compared field, so they are stored snapshots, not changes.

Every document is read as text (``scrapers.text.page_text``): a live HTML page, a Content API JSON part
rendered from its HTML, the archive's Markdown, or a corpus moment bundle all reach the same parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from diffing import areas, tiers
from diffing.acceptance import DatedEditionPolicy
from diffing.changes import Change, Severity, level_change_severity
from diffing.compare import FieldSpec, KeyedListField, Record
from diffing.countries import code_for_name, destination_hint, nearest_code, normalise_name, slug_name
from scrapers.base import Discovery, Extracted, Extraction, Source
from scrapers.errors import DestinationNotRecognised, FieldMissing, LayoutNotRecognised
from scrapers.governments import government_note
from scrapers.text.corpus_moment import Bundle, read_bundle
from scrapers.text.page_text import PageLine, clean, page_lines, page_markdown


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


# --- documents -> text -------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """What a parser is given: the page as text lines, its metadata, and where it came from."""

    lines: list[PageLine]
    markdown: str
    meta: dict[str, Any]  # info.json (corpus) or the Content API's fields (live UK)
    hint: str | None  # the destination the address, the folder or --country names


def _json_meta(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _slug_hint(url: str) -> str | None:
    """A live page's address names its destination: ``…/destinations/americas/peru``,
    ``…/advice/united-arab-emirates/`` -> "peru", "united arab emirates"."""
    if not url.startswith(("http://", "https://")):
        return None
    last = [part for part in urlsplit(url).path.split("/") if part][-1:]
    return slug_name(last[0]) if last and re.fullmatch(r"[a-z0-9-]+", last[0]) else None


def read_document(
    content: bytes,
    *,
    url: str,
    country: str | None,
    page_of_json: Callable[[dict[str, Any]], tuple[str, dict[str, Any]]] | None = None,
) -> Document:
    """Bytes -> Document: a corpus moment bundle, a JSON API answer (``page_of_json`` renders it),
    an HTML page or Markdown text."""
    if not content.strip():
        raise LayoutNotRecognised("empty response body")
    bundle: Bundle | None = read_bundle(content)
    hint = country or destination_hint(url) or _slug_hint(url)
    meta: dict[str, Any] = {}
    if bundle is not None:
        markdown = page_markdown((bundle.get("page") or "").encode())  # Markdown, or a saved HTML page
        meta = _json_meta(bundle.get("info"))
        hint = country or bundle.destination or hint
    elif content.lstrip()[:1] in (b"{", b"[") and page_of_json is not None:
        data = _json_meta(content.decode("utf-8", errors="replace"))
        if not data:
            raise LayoutNotRecognised("not a JSON object")
        html, meta = page_of_json(data)
        markdown = page_markdown(html.encode()) if html else ""
    else:
        markdown = page_markdown(content)
    return Document(page_lines(markdown), markdown, meta, hint)


# --- destinations ------------------------------------------------------------------------------

# Names these governments write that pycountry does not resolve, and destinations that are part of a
# country (separate advice for a region, keyed by its ISO 3166-2 code where one exists):
# normalised name -> (key, ISO country).
REGIONS: dict[str, tuple[str, str]] = {
    "canary islands": ("ES-CN", "ES"),
    "antarctica british antarctic territory": ("AQ-BAT", "AQ"),
    "british antarctic territory": ("AQ-BAT", "AQ"),
    "azores": ("PT-20", "PT"),
    "madeira": ("PT-30", "PT"),
    "bonaire st eustatius saba": ("BQ", "BQ"),
    "bonaire sint eustatius and saba": ("BQ", "BQ"),
    "st helena ascension and tristan da cunha": ("SH", "SH"),
    "st helena": ("SH", "SH"),
    "st kitts and nevis": ("KN", "KN"),
    "st lucia": ("LC", "LC"),
    "st vincent and the grenadines": ("VC", "VC"),
    "st maarten": ("SX", "SX"),
    "st martin": ("MF", "MF"),
    "st pierre and miquelon": ("PM", "PM"),
    "st barthelemy": ("BL", "BL"),
    "south georgia and south sandwich islands": ("GS", "GS"),
    "the occupied palestinian territories": ("PS", "PS"),
    "occupied palestinian territories": ("PS", "PS"),
    "palestine": ("PS", "PS"),
    "israel the west bank and gaza": ("IL", "IL"),
    "congo": ("CG", "CG"),
    "democratic republic of the congo": ("CD", "CD"),
    "dr congo": ("CD", "CD"),
    "republic of the congo": ("CG", "CG"),
    "congo brazzaville": ("CG", "CG"),
    "congo kinshasa": ("CD", "CD"),
    "korea south": ("KR", "KR"),
    "korea north": ("KP", "KP"),
    "ivory coast": ("CI", "CI"),
    "east timor": ("TL", "TL"),
    "swaziland": ("SZ", "SZ"),
    "the netherlands": ("NL", "NL"),
    "netherlands the": ("NL", "NL"),
    "usa": ("US", "US"),
    "united states": ("US", "US"),
    "united states of america": ("US", "US"),
    "uk": ("GB", "GB"),
    "cape verde": ("CV", "CV"),
    "falkland islands": ("FK", "FK"),
    "pitcairn island": ("PN", "PN"),
    "pitcairn islands": ("PN", "PN"),
    "st pierre miquelon": ("PM", "PM"),
    "democratic republic of congo": ("CD", "CD"),
    "democratic republic of congo kinshasa": ("CD", "CD"),
    "republic of congo": ("CG", "CG"),
    "republic of congo brazzaville": ("CG", "CG"),
    "congo democratic republic of drc": ("CD", "CD"),
    "congo democratic republic of": ("CD", "CD"),
    "korea democratic republic of north korea": ("KP", "KP"),
    "israel and the occupied palestinian territories": ("IL", "IL"),
    "israel and the occupied territories": ("IL", "IL"),
    "israel and palestine": ("IL", "IL"),
    "israel the west bank and the gaza strip": ("IL", "IL"),
    "china hong kong macao": ("CN", "CN"),
    "saint tome sao tome and principe": ("ST", "ST"),
    "virgin islands uk": ("VG", "VG"),
    "virgin islands us": ("VI", "VI"),
    "great britain": ("GB", "GB"),
}


@dataclass(frozen=True)
class Destination:
    key: str
    country: str
    name: str
    region: str | None = None


def destination(name: str) -> Destination | None:
    """A destination's key from the name a government (or its folder) writes."""
    text = name.replace("_", " ").strip()
    norm = normalise_name(text)
    if norm in REGIONS:
        key, country = REGIONS[norm]
        return Destination(key, country, text, text if key != country else None)
    code = code_for_name(text) or nearest_code(text)
    if code is None:
        return None
    country = code.split("-", 1)[0]
    return Destination(code, country, text, text if code != country else None)


def resolve(document: Document, named: str | None) -> Destination:
    """The page's own name wins; the hint (folder, address, --country) is the fallback."""
    for candidate in (named, document.hint):
        if candidate and (found := destination(candidate)) is not None:
            return found
    raise DestinationNotRecognised(
        f"destination not recognised (page names {named!r}, hint {document.hint!r})"
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
