"""UK FCDO foreign travel advice, from the GOV.UK Content API.

Fetch: ``https://www.gov.uk/api/content/foreign-travel-advice`` (the index: ``links.children``, one per
destination with its ``base_path``) and ``…/foreign-travel-advice/<slug>`` (JSON: ``details.parts[]``
with ``slug``, ``title`` and an HTML ``body``; ``details.change_description`` is the "Latest update",
``public_updated_at`` the "Updated" date, ``details.reviewed_at`` the "Still current at" date).

The level is read from the "Warnings and insurance" part's own statements ("FCDO advises against all
travel to …", "… all but essential travel to …"), the same text the archive's Markdown holds, and
mapped to a tier in ``diffing.tiers`` (parts vs the whole country: see there). Areas are the
part's "Areas where FCDO advises against …" headings, each with the tier of its statements.
"Still current at" re-stamps change nothing that is compared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import regex

from diffing import tiers
from diffing.area_names import clean_area_name
from diffing.countries import name_variants, normalise_name
from scrapers.base import Discovery, Extraction, Known, PlanInputs, declare
from scrapers.errors import LayoutNotRecognised
from scrapers.governments import government_advice as ga
from scrapers.governments import government_page as page
from scrapers.text.page_text import PageLine

name = "uk-fcdo"
title = "UK FCDO foreign travel advice"
government = tiers.UK
corpus_folder = "unitedkingdom"
note_by = 'FCDO\'s "Latest update"'


def witnessed_fields(old: dict[str, Any], new: dict[str, Any]) -> frozenset[str]:
    """The tier is data where GOV.UK's ``alert_status`` gave it (the live Content API), on both
    versions; read from the statements (the archive's pages) it is a text reading."""
    if new.get("alert_status") is not None and old.get("alert_status") is not None:
        return frozenset({"level"})
    return frozenset()


INDEX_URL = "https://www.gov.uk/api/content/foreign-travel-advice"
allowed_hosts = frozenset({"www.gov.uk"})
extractor_version = "uk-fcdo/1"
# The corpus layout (``advisory-watch replay``): the files this source reads at each moment.
corpus_roles = {"page": ("Warnings and insurance.md",), "info": ("info.json",)}

# Tolerant of what an editor's hand does: a typo in a word ("advices", "esential", "trave"), doubled
# or non-breaking spaces (the ``regex`` module's fuzzy matching; "all" itself must be exact).
_STATEMENT = regex.compile(
    r"\b(?:advises){e<=1}\s+(?:against){e<=1}\s+(all\s+(?:but){e<=1}\s+(?:essential){e<=2}|all)\s+(?:travel){e<=1}\b",
    regex.I | regex.BESTMATCH,
)
# "FCDO advises against:" with the statements as the bullets that follow ("- all travel to …").
_BARE_STATEMENT = regex.compile(r"\b(?:advises){e<=1}\s+(?:against){e<=1}\s*:\s*$", regex.I)
_SECTION = regex.compile(r"^areas\s+where\s+(?:the\s+)?(?:fcdo){e<=1}\s+(?:advises){e<=1}\b", regex.I)
_EXCEPT = re.compile(r"[,;]?\s*\(?\b(?:with\s+the\s+)?except(?:ion|ing)?\b.*$", re.I)
_WHOLE = re.compile(
    r"^(?:the\s+)?(?:whole\s+of|entire(?:ty\s+of)?|rest\s+of|remainder\s+of|all\s+other\s+(?:parts|"
    r"regions|areas|provinces|states)\s+of|all\s+parts\s+of|all\s+areas\s+of)\b",
    re.I,
)
_STATED = regex.compile(r"^(?:The\s+)?(?:FCDO){e<=1}\s+(?:also\s+|now\s+)?(?:advises){e<=1}")
_GENERIC_OBJECT = re.compile(
    r"^(?:the\s+)?(?:this|these|that|those|the\s+following|all\s+(?:of\s+)?(?:this|the))\b", re.I
)
_LIST_END = re.compile(r":\s*$")
_REASON_LIST = re.compile(r"\b(?:due to|because|including)\b[^:]*:\s*$", re.I)
_OBJECT_START = re.compile(r"^(?:to|within|on|along|in|across|around|near|to within)\b", re.I)


@dataclass
class _Reading:
    """What the statements of the page say, as they are read in order."""

    country_names: list[str]
    areas: list[dict[str, Any]] = field(default_factory=list)
    whole_all: bool = False  # "FCDO advises against all travel to Russia." (no exception)
    whole: bool = False  # the whole country is covered, some of it less strictly
    essential: bool = False  # some statement is "all but essential"
    statements: list[str] = field(default_factory=list)

    def tier(self) -> int:
        if self.whole_all and not self.essential:
            return 4
        if self.whole or self.whole_all:
            return 3
        return 2 if self.areas else 1


@dataclass(frozen=True)
class _Statement:
    tier: int  # 4: all travel, 3: all but essential travel
    name: str  # the area the statement's object names
    lists_areas: bool  # "… travel to:" -- the bullets that follow are its areas
    whole: bool  # the object is the whole country, or all of it left to this advice
    pure: bool  # the whole country, with no exception


def _statements(text: str, country_names: list[str]) -> list[_Statement]:
    """Each "advises against … travel <object>" in a line; "… to Niamey, and advises against all
    travel to the rest of Niger" is two."""
    found = list(_STATEMENT.finditer(text))
    out = []
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        obj = re.sub(r"[,;]?\s*(?:and|but)?\s*(?:FCDO|it|we)?\s*$", "", text[match.end() : end].strip())
        if not _OBJECT_START.match(obj):
            continue  # "areas where FCDO advises against all travel, to leave …": no object
        tier = 3 if "but" in match.group(1).lower().split() or "ess" in match.group(1).lower() else 4
        lists_areas = bool(_LIST_END.search(obj)) and not _REASON_LIST.search(obj) and "except" not in obj
        target = ga.area_name(re.sub(r"^to\s+", "", obj, flags=re.I))
        whole, pure = _covers_whole(target, country_names)
        out.append(_Statement(tier, ga.area_name(_EXCEPT.sub("", target)), lists_areas, whole, pure))
    return out


_AREA_WORDING = {4: "FCDO advises against all travel", 3: "FCDO advises against all but essential travel"}


def _area(name_text: str, advising: tiers.Government, tier: int) -> dict[str, Any]:
    return ga.area(name_text, advising, tier, _AREA_WORDING[tier])


def _covers_whole(target: str, country_names: list[str]) -> tuple[bool, bool]:
    """(covers the whole country, with no exception and no part left to other advice)."""
    marker = _WHOLE.match(target)
    if marker:
        # "the rest of Niger", "all other regions of Ukraine" -- not "the rest of Cabo Delgado Province"
        remainder = normalise_name(target[marker.end() :])
        covers = remainder.startswith("the country") or any(
            remainder == v or remainder.startswith(v + " ") for v in country_names
        )
        return covers, False
    norm = normalise_name(target)
    for variant in country_names:
        if norm == variant:
            return True, True
        rest = norm[len(variant) :] if norm.startswith(variant + " ") else ""
        if rest.startswith((" except", " with the")):
            return True, False
        if rest.startswith((" and ", " including ")):
            # "Israel and the Occupied Palestinian Territories": the country and more, no exception
            return True, "except" not in rest
    return False, False


def read_statements(lines: list[PageLine], country_names: list[str]) -> _Reading:
    """The page's advice statements, in order: areas with their tiers, and what covers the whole."""
    reading = _Reading(country_names)
    section_tier: int | None = None  # inside "## Areas where FCDO advises against …"
    heading: str | None = None  # the ### area heading the statements sit under
    collecting: int | None = None  # the tier of the bullets that follow a "… travel to:" statement
    bare = False  # inside the bullets of "FCDO advises against:"

    for line in lines:
        if line.heading:
            collecting = None
            if line.heading <= 2:
                text = " ".join(line.text.lower().split())
                section_tier = None
                if _SECTION.match(text):
                    section_tier = 3 if regex.search(r"(?:essential){e<=2}", text) else 4
                heading = None
            elif section_tier is not None:
                heading = line.text.rstrip(":").strip()
                if line.text.endswith(":"):
                    heading, collecting = None, section_tier  # "### All parts:" labels a list
                continue
        if section_tier is not None and line.text.lower().startswith("find out more about"):
            section_tier, heading = None, None  # what follows ("### Cyclone Gezani") is news, not areas
            continue
        said = line.text
        if bare and line.bullet:
            said = "FCDO advises against " + line.text  # a bullet of "FCDO advises against:"
        elif not line.bullet:
            bare = bool(_BARE_STATEMENT.search(line.text))
            if bare:
                continue
        statements = _statements(said, country_names)
        if not statements:
            if line.bullet and collecting is not None:
                if heading is None:
                    reading.areas.append(_area(ga.area_name(line.text), government, collecting))
            elif not line.bullet and not line.heading and not line.text.startswith("("):
                collecting = None
            continue
        stated = line.heading or line.bullet or _STATED.match(said)
        if section_tier is None and not stated:
            continue  # prose that mentions advice, not a statement of it
        reading.statements.append(said)
        collecting = None
        for found in statements:
            reading.essential = reading.essential or found.tier == 3
            if found.whole:
                reading.whole = True
                reading.whole_all = reading.whole_all or (found.pure and found.tier == 4)
                continue
            if found.lists_areas:
                collecting = found.tier
            if heading is not None and section_tier is not None:
                area = _area(heading, government, found.tier)
                # The heading names the area; the statement may name a part of it ("the districts of
                # Mecula and Marrupo in Niassa Province" under "### Niassa Province"): kept beside the
                # name, so an alert says which part the advice is about.
                detail = None if found.lists_areas else clean_area_name(found.name)
                if (
                    detail
                    and not _GENERIC_OBJECT.match(detail)
                    and normalise_name(detail) != normalise_name(heading)
                ):
                    area["detail"] = detail
                reading.areas.append(area)
            elif not found.lists_areas and found.name:
                reading.areas.append(_area(found.name, government, found.tier))
    return reading


def _after(lines: list[PageLine], label: str) -> str | None:
    """The value of a "Label:" line (the next line, a definition rendered ":   value")."""
    for i, line in enumerate(lines[:40]):
        if line.text.rstrip(":").strip().lower() == label.lower() and i + 1 < len(lines):
            return lines[i + 1].text.lstrip(":").strip()
    return None


def page_of_json(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A Content API travel-advice item -> (its "Warnings and insurance" part's HTML, metadata)."""
    details = data.get("details") or {}
    parts = details.get("parts") or []
    if not isinstance(parts, list) or not parts:
        raise LayoutNotRecognised("GOV.UK content item has no details.parts")
    chosen = next(
        (p for p in parts if isinstance(p, dict) and "warnings" in str(p.get("slug", ""))),
        parts[0] if isinstance(parts[0], dict) else {},
    )
    body = chosen.get("body")
    if isinstance(body, list):  # the multi-content-type form: [{content_type, content}]
        body = next((b.get("content") for b in body if b.get("content_type") == "text/html"), "")
    country = (details.get("country") or {}).get("name") or data.get("title")
    meta = {
        "name": country,
        "update_reason": details.get("change_description"),
        "update_date": data.get("public_updated_at"),
        "reviewed_at": details.get("reviewed_at"),
        "alert_status": details.get("alert_status"),
    }
    return f"<html><body><main>{body or ''}</main></body></html>", meta


def extract(content: bytes, *, url: str = "", country: str | None = None) -> Extraction:
    document = page.read_document(content, url=url, country=country, page_of_json=page_of_json)
    dated = any(line.text.lower().startswith("still current at") for line in document.lines[:20])
    if not (dated or document.meta.get("update_date") or any("FCDO" in line.text for line in document.lines)):
        raise LayoutNotRecognised("not an FCDO travel advice page (no 'Still current at', no FCDO)")
    where = page.resolve(document, document.meta.get("name"))
    names = list(
        dict.fromkeys(
            v
            for n in (where.name, document.hint or "", document.meta.get("name") or "")
            if n
            for v in name_variants(n)
        )
    )
    reading = read_statements(document.lines, names)
    status = document.meta.get("alert_status")
    tier = alert_status_tier(status) if isinstance(status, list) else reading.tier()
    rec = ga.record(
        where=where,
        government=government,
        level=tier,
        native_level=_native(reading, tier),
        areas=reading.areas,
        updated=ga.iso_date(_after(document.lines, "Updated"))
        or ga.iso_date(document.meta.get("update_date")),
        update_reason=_after(document.lines, "Latest update") or document.meta.get("update_reason"),
        url=url,
        text="\n".join(reading.statements),
    )
    if document.meta.get("alert_status") is not None:
        rec["alert_status"] = document.meta["alert_status"]
    return ga.extraction(content, rec)


def alert_status_tier(status: list[str]) -> int:
    """GOV.UK's own statement of the advice (``details.alert_status``), on the tier scale: the
    strictest whole-country value, else parts (2), else none (1)."""
    tiers_found = [tiers.UK_ALERT_STATUS_TIER.get(str(value), 1) for value in status]
    return max(tiers_found, default=1)


def _native(reading: _Reading, tier: int) -> str:
    if tier == 2:
        kind = "all travel" if any(a["level"] == 4 for a in reading.areas) else "all but essential travel"
        return f"FCDO advises against {kind} to parts"
    return tiers.native(government, tier)


def discover(fetcher: Any, known: Known) -> Discovery:
    """The destinations' Content API addresses, from the index's ``links.children``."""
    try:
        answer = fetcher.get(INDEX_URL, allowed_hosts=allowed_hosts)
        children = (json.loads(answer.content or b"{}").get("links") or {}).get("children") or []
    except Exception as exc:  # noqa: BLE001 - reported as a failed discovery, the cycle goes on
        return Discovery([], problems=[f"GOV.UK travel advice index: {exc}"])
    found = []
    for child in children:
        path = child.get("base_path") or ""
        if path.startswith("/foreign-travel-advice/"):
            found.append(f"https://www.gov.uk/api/content{path}")
    if not found:
        return Discovery([], problems=["GOV.UK travel advice index listed no destination"])
    return Discovery(sorted(set(found)))


def plan(inputs: PlanInputs) -> Discovery:
    """This cycle's URLs: every destination's Content API address the index lists."""
    return discover(inputs.fetcher, inputs.confirmed_raw)


# What changes matter, how much, and when a version is accepted: the same for the four governments.
declare(__name__, ga.GovernmentAdvice)
