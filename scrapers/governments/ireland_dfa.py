"""Ireland's Department of Foreign Affairs travel advice, from ireland.ie.

Fetch: ``https://www.ireland.ie/en/dfa/overseas-travel/advice/<slug>/`` pages (listed on
``https://www.ireland.ie/en/dfa/overseas-travel/advice/``). The overview's "Security Status" gives
the level in the Department's words ("High Degree of Caution"; "Do Not Travel, with the exception of
East Jerusalem, … where we advise Avoid Non-Essential Travel."); its "Travel Alert" names areas with
stricter advice ("Irish citizens are strongly advised against all travel to: * …"). The archive keeps
the page's date in ``info.json`` (``update_date``); the Department writes no update reason.
"""

from __future__ import annotations

import re
from typing import Any

from diffing import tiers
from diffing.changes import Change
from diffing.countries import name_variants, normalise_name
from scrapers.base import Discovery, Extraction, Known, PlanInputs, declare
from scrapers.errors import LayoutNotRecognised
from scrapers.governments import government_advice as ga
from scrapers.governments import government_page as page
from scrapers.text.page_text import PageLine

name = "ireland-dfa"
title = "Ireland DFA travel advice"
government = tiers.IE
corpus_folder = "ireland"


def alerts_unnoted(change: Change) -> bool:
    """Ireland writes no update note: an area newly advised against at tier 4 (do not travel) alerts
    on the reading alone; other area changes are recorded."""
    return change.kind != "area_removed" and (change.new or {}).get("level") == 4


INDEX_URL = "https://www.ireland.ie/en/dfa/overseas-travel/advice/"
allowed_hosts = frozenset({"www.ireland.ie"})
extractor_version = "ireland-dfa/1"
corpus_roles = {"page": ("Overview.md", "Travel to * overview.md"), "info": ("info.json",)}

# Statements of stricter advice for areas, and the tier each states.
_AREA_ADVICE = re.compile(
    r"\b(?:advised?\s+(?:citizens\s+)?(?:strongly\s+)?against\s+(?P<all>all)\s+travel"
    r"|(?:advised?\s+(?:citizens\s+)?(?:to\s+)?)?avoid\s+(?:all\s+)?(?P<ne>non[-\s]essential)\s+travel"
    r"|advised?\s+(?:citizens\s+)?(?:strongly\s+)?against\s+(?:all\s+)?(?P<ne2>non[-\s]essential|but\s+essential)"
    r"\s+travel"
    r"|\bdo\s+not\s+travel)\b(?P<object>.*)$",
    re.I,
)
_EXCEPTION = re.compile(
    r"with the exception of (?P<areas>.+?),\s*where we (?:advise|recommend)\s+(?P<level>[A-Za-z\- ]+)", re.I
)
_UPDATED = re.compile(r"^(?:Last updated|Updated|Date updated)\s*:?\s*(?P<date>.+)$", re.I)
_ELSEWHERE = re.compile(r"^(?:the\s+)?(?:rest\s+of|remainder\s+of|all\s+other\b|whole\s+of)", re.I)


def _section(lines: list[PageLine], title_text: str) -> tuple[int, list[PageLine]]:
    for start, line in enumerate(lines):
        if line.heading and line.text.lower().rstrip(":").strip() == title_text:
            end = next(
                (
                    i
                    for i in range(start + 1, len(lines))
                    if lines[i].heading and lines[i].heading <= line.heading
                ),
                len(lines),
            )
            return start, lines[start + 1 : end]
    return -1, []


_ENTITY = re.compile(r"^(?P<entity>[A-Z][^:]{1,60}):\s*(?P<level>.+)$")
_ADVISES_FOR = re.compile(r"\badvises\s+(?P<level>[A-Z][A-Za-z\- ]+?)\s+for\s+(?P<where>[A-Z][^.,]+)")


def _status(lines: list[PageLine], names: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """The Security Status statement for the destination, and any other entity the page rates on
    its own ("Israel: High Degree of Caution" / "Palestine: Do Not Travel": Palestine is an area).
    Pages without the heading state it in a sentence ("The Department … advises High Degree of
    Caution for Israel.")."""
    index, status = _section(lines, "security status")
    statements = [line.text for line in status if not line.heading]
    if index < 0 or not statements:
        for line in lines[:30]:
            if match := _ADVISES_FOR.search(line.text):
                return match.group("level"), []
        raise LayoutNotRecognised("no 'Security Status' on the page (not a DFA travel advice overview)")
    entities = [(m.group("entity"), m.group("level")) for text in statements if (m := _ENTITY.match(text))]
    if not entities:
        return statements[0], []
    own = next((e for e in entities if normalise_name(e[0]) in names), entities[0])
    others = [
        ga.area(entity, government, found[0])
        for entity, level in entities
        if (entity, level) != own and (found := tiers.find_tier(government, level)) is not None
    ]
    return own[1], others


def _split_names(text: str) -> list[str]:
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", text)
    return [ga.area_name(p) for p in parts if ga.area_name(p)]


def _areas(lines: list[PageLine], names: list[str]) -> list[dict[str, Any]]:
    areas: list[dict[str, Any]] = []
    collecting: int | None = None
    for line in lines:
        match = _AREA_ADVICE.search(line.text)  # a statement may be a heading ("#### … all travel to:")
        if match is None:
            if line.bullet and collecting is not None:
                areas.append(ga.area(ga.area_name(line.text), government, collecting))
            elif not line.bullet:
                collecting = None
            continue
        tier = 4 if match.group("all") or "not travel" in match.group(0).lower() else 3
        obj = match.group("object").strip()
        if not re.match(r"^(?:to|in|within)\b|^:", obj, re.I):
            collecting = None
            continue
        # The statement's own sentence: "… to the Chittagong Hill Tracts. The area is made up of …:"
        target = re.split(
            r"(?<=[a-z)])[.;]\s+(?=[A-Z])", re.sub(r"^(?:to|in|within)\s+", "", obj, flags=re.I)
        )[0]
        if target.rstrip().endswith(":") or obj.startswith(":"):
            collecting = tier
            continue
        collecting = None
        area_name = ga.area_name(target)
        norm = normalise_name(area_name)
        if not area_name or _ELSEWHERE.match(area_name) or any(norm == n for n in names):
            continue
        areas.append(ga.area(area_name, government, tier))
    return areas


def extract(content: bytes, *, url: str = "", country: str | None = None) -> Extraction:
    document = page.read_document(content, url=url, country=country)
    where = page.resolve(document, document.meta.get("name"))
    names = [v for n in (where.name, document.hint or "") if n for v in name_variants(n)]
    statement, areas = _status(document.lines, names)
    found = tiers.find_tier(government, statement)
    if found is None:
        raise LayoutNotRecognised(f"the page names no DFA security status: {statement[:80]!r}")
    tier = found[0]
    exception = _EXCEPTION.search(statement)
    if exception and (other := tiers.find_tier(government, exception.group("level"))) is not None:
        areas += [ga.area(n, government, other[0]) for n in _split_names(exception.group("areas"))]
    _, alert = _section(document.lines, "travel alert")
    areas += _areas(alert, names)
    rec = ga.record(
        where=where,
        government=government,
        level=tier,
        native_level=tiers.native(government, tier),
        areas=areas,
        updated=_updated(document.lines) or ga.iso_date(document.meta.get("update_date")),
        update_reason=None,
        url=url,
        text="\n".join([statement] + [line.text for line in alert if _AREA_ADVICE.search(line.text)]),
    )
    return ga.extraction(content, rec)


def _updated(lines: list[PageLine]) -> str | None:
    for line in lines[:80]:
        if match := _UPDATED.match(line.text):
            return ga.iso_date(match.group("date"))
    return None


_SLUG = re.compile(r'href="(?:https://www\.ireland\.ie)?/en/dfa/overseas-travel/advice/([a-z0-9-]+)/"')


def discover(fetcher: Any, known: Known) -> Discovery:
    """The destination pages the advice list links to."""
    return ga.discover_links(
        fetcher,
        INDEX_URL,
        allowed_hosts,
        _SLUG,
        "https://www.ireland.ie/en/dfa/overseas-travel/advice/{slug}/",
    )


def plan(inputs: PlanInputs) -> Discovery:
    """This cycle's URLs: every destination page the advice list links to."""
    return discover(inputs.fetcher, inputs.confirmed_raw)


# What changes matter, how much, and when a version is accepted: the same for the four governments.
declare(__name__, ga.GovernmentAdvice)
