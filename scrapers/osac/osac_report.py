"""OSAC Country Security Reports (osac.gov): city threat ratings, indicators, restricted zones.

Discovery (:func:`discover`): report links in the State Department feed's descriptions, and OSAC's
content search (the Browse page's anti-forgery token and cookies, then ``POST /Content/Search``
whose JSON ``viewHTML`` lists the reports). Extraction works on the report page (``.mss-page-title``,
``.mss-content-datetype-container``, ``.mss-content-listitem``) and equally on its plain text (seed
000). Volatile parts (the view counter, "Related Content", error widgets) are stripped before
hashing. A member-only report is recorded as such (rejected, nothing compared), never an error.

Record per country: country, title, published, report_id (the GUID: a new one is a new edition),
threat_ratings [{location, category, rating}], indicators_included / indicators_not_included,
restricted_zones [{name, districts {department: [provinces …]}}], contacts, sections.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import lxml.html

from diffing import areas
from diffing.acceptance import AcceptancePolicy
from diffing.changes import Severity
from diffing.compare import KeyedListField, ScalarField, SetField
from diffing.countries import code_for_name
from diffing.sections import SectionsField
from diffing.threshold_fields import RatingsField
from scrapers.base import Discovery, Extracted, Extraction, Known, PlanInputs, declare
from scrapers.errors import ExtractionError
from scrapers.text import prose
from scrapers.text.decoding import decode_html
from scrapers.us_state import state_dept_feed

name = "osac-report"
title = "OSAC Country Security Reports"
searchable = True  # the history browser's full-text search covers its records
allowed_hosts = frozenset({"www.osac.gov", "osac.gov"})
extractor_version = "osac-report/1"
BASE = "https://www.osac.gov"
BROWSE = f"{BASE}/Content/Browse/Report?subContentTypes=Country%20Security%20Report"
SEARCH = f"{BASE}/Content/Search"
RATINGS = ("LOW", "MEDIUM", "HIGH", "CRITICAL")

fields = (
    ScalarField("report_id", "new_edition", lambda a, b: Severity.LOW, label=lambda v: f"report {v}"),
    RatingsField(
        "threat_ratings",
        "threat_rating_changed",
        keys=("location", "category"),
        value="rating",
        order=RATINGS,
    ),
    SetField(
        "indicators_included",
        "indicator_included",
        "indicator_dropped",
        severity_added=lambda x: Severity.HIGH if x in {"K", "T", "D"} else Severity.MEDIUM,
        severity_removed=lambda x: Severity.INFO,
        label=lambda x: f"{x} {prose.INDICATOR_NAMES.get(x, x)}",
    ),
    KeyedListField(
        "restricted_zones",
        "restricted_zone_added",
        "restricted_zone_removed",
        "restricted_zone_changed",
        same_item=areas.same_area,
        attribute="districts",
        severity_added=lambda z: Severity.HIGH,
        severity_removed=lambda z: Severity.INFO,
        severity_changed=lambda a, b: Severity.MEDIUM,
    ),
    SectionsField(kind="section_changed", keywords_field="_none"),
)
policy = AcceptancePolicy()
quiet_kinds = frozenset({"section_changed", "sources_disagree"})

_VOLATILE = re.compile(
    r"^(\d[\d,]* all time - \d[\d,]* last 7 days|Processing|Warning|Error processing!?)$", re.I
)
_RATING = re.compile(
    r"assessed (?P<location>[A-Z][\w .'\u2019-]*?) as being an? "
    r"(?P<rating>LOW|MEDIUM|MODERATE|HIGH|CRITICAL)-threat location for "
    r"(?P<category>crime|terrorism|political violence)",
    re.I,
)
_INCLUDED = re.compile(
    r"has (?P<neg>not )?included an? [^\u201c\"]{0,60}[\u201c\"](?P<letter>[A-Z])[\u201d\"] Indicator"
)
_PUBLISHED = re.compile(r"^Published:?\s*(?P<date>[A-Z][a-z]+ \d{1,2}, \d{4})")
_TITLE = re.compile(r"^(?P<country>.+?) Country Security Report$")
_MEMBER_ONLY = re.compile(
    r"(available|restricted) (only )?to (OSAC )?(members|constituents)|member[- ]only|log ?in to view", re.I
)
_GUID = re.compile(r"/Report/(?P<guid>[0-9a-f-]{36})", re.I)
_PROVINCES = re.compile(
    r"[Pp]rovinces? of (?P<names>[A-Z\u00c0-\u00de][^,;.]*?)(?=,|;|\.|$| especially| cities| in the)"
)
_IN_PROVINCE = re.compile(r"in the (?P<name>[A-Z\u00c0-\u00de][\w\u00e0-\u00ff]+) province")


def _lines_from_html(content: bytes) -> list[str]:
    root = lxml.html.fromstring(decode_html(content))
    title_el = root.cssselect(".mss-page-title")
    body = root.cssselect(".mss-content-listitem")
    if not title_el or not body:
        text = root.text_content()
        if _MEMBER_ONLY.search(text):
            return ["__MEMBER_ONLY__"]
        raise ExtractionError("no .mss-page-title / .mss-content-listitem: the report page layout changed")
    lines = [" ".join(title_el[0].text_content().split())]
    date_el = root.cssselect(".mss-content-datetype-container")
    if date_el:
        lines.append(" ".join(date_el[0].text_content().split()))
    for block in body:
        for el in block.iter("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div"):
            if el.tag == "div" and any(child.tag in {"p", "li", "div"} for child in el):
                continue
            text = " ".join(el.text_content().split())
            if text:
                lines.append(("\u2022 " if el.tag == "li" else "") + text)
    return lines


def _clean_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = " ".join(raw.replace("\u00a0", " ").split())
        if not line or _VOLATILE.match(line):
            continue
        if line == "Related Content":
            break
        lines.append(line)
    return lines


def _is_heading(line: str, following: str) -> bool:
    return (
        len(line) < 90
        and len(line.split()) <= 12
        and line[0].isupper()
        and not line.startswith("\u2022")
        and not re.search(r"[.:;,]$", line)
        and ":" not in line
        and len(following) > len(line)
    )


def _districts(bullets: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for bullet in bullets:
        department, _, rest = bullet.lstrip("\u2022 ").partition(":")
        if not rest:
            continue
        names: list[str] = []
        for match in _PROVINCES.finditer(rest):
            names += [n.strip() for n in re.split(r",| and ", match.group("names")) if n.strip()]
        names += [m.group("name") for m in _IN_PROVINCE.finditer(rest)]
        out[department.strip()] = list(dict.fromkeys(names))
    return out


def _zones(lines: list[str]) -> list[dict[str, Any]]:
    for i, line in enumerate(lines):
        match = re.search(
            r"Restricted travel zones[^.]*? include (?P<list>[^.]+)\.", line.replace("U.S.", "US")
        )
        if not match:
            continue
        parts, depth, current = [], 0, ""
        for token in re.split(r"(\(|\)| and |, )", match.group("list")):
            depth += token == "("
            depth -= token == ")"
            if depth == 0 and token in (" and ", ", "):
                parts.append(current)
                current = ""
            else:
                current += token
        parts.append(current)
        bullets = []
        for following in lines[i + 1 :]:
            if not following.startswith("\u2022"):
                break
            bullets.append(following)
        zones = [{"name": re.sub(r"^the ", "", p.strip()), "districts": {}} for p in parts if p.strip()]
        if zones:
            target = next((z for z in zones if "VRAEM" in z["name"]), zones[0])
            target["districts"] = _districts(bullets)
        return zones
    return []


def extract_lines(lines: list[str], *, url: str = "") -> dict[str, Any]:
    """Cleaned report lines -> the record. Pure."""
    title = next((m for m in map(_TITLE.match, lines[:15]) if m), None)
    if title is None:
        raise ExtractionError("no '<Country> Country Security Report' title")
    title_line, country_name = title.string, title.group("country")
    code = code_for_name(country_name)
    if code is None:
        raise ExtractionError(f"country {country_name!r} has no ISO code")
    published = None
    for line in lines[:20]:
        match = _PUBLISHED.match(line) or re.match(r"^(?P<date>\d{2}/\d{2}/\d{4})\b", line)
        if match:
            raw = match.group("date")
            fmt = "%m/%d/%Y" if "/" in raw else "%B %d, %Y"
            published = datetime.strptime(raw, fmt).date().isoformat()
            break
    full = "\n".join(lines)
    ratings = [
        {
            "location": m.group("location").strip(),
            "category": m.group("category").lower(),
            "rating": "MEDIUM" if m.group("rating").upper() == "MODERATE" else m.group("rating").upper(),
        }
        for m in _RATING.finditer(full)
    ]
    included = sorted({m.group("letter") for m in _INCLUDED.finditer(full) if not m.group("neg")})
    not_included = sorted({m.group("letter") for m in _INCLUDED.finditer(full) if m.group("neg")})
    sections: list[dict[str, str]] = []
    current: dict[str, Any] = {"heading": "", "lines": []}
    body_start = lines.index(title_line) + 1
    for i, line in enumerate(lines[body_start:], start=body_start):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if _is_heading(line, following) and not _PUBLISHED.match(line):
            sections.append({"heading": current["heading"], "text": "\n\n".join(current["lines"])})
            current = {"heading": line, "lines": []}
        else:
            current["lines"].append(line)
    sections.append({"heading": current["heading"], "text": "\n\n".join(current["lines"])})
    sections = [s for s in sections if s["heading"] or s["text"]]
    contacts = {}
    for section in sections:
        if section["heading"].startswith("Embassy"):
            for line in section["text"].split("\n\n"):
                for part in re.split(r";\s*", line):
                    key, sep, value = part.partition(":")
                    if sep and len(key) < 40:
                        contacts[key.strip()] = value.strip()
    guid = _GUID.search(url or "")
    return {
        "key": code,
        "country": code,
        "country_name": country_name,
        "title": title_line,
        "published": published,
        "report_id": guid.group("guid") if guid else published,
        "url": url,
        # None = the report states nothing about it (a changed layout must not read as "all removed")
        "threat_ratings": ratings or None,
        "indicators_included": included if (included or not_included) else None,
        "indicators_not_included": not_included if (included or not_included) else None,
        "restricted_zones": _zones(lines),
        "contacts": contacts,
        "sections": sections,
    }


def extract(content: bytes, *, url: str = "") -> Extraction:
    if not content.strip():
        raise ExtractionError("empty response body")
    head = content[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head or b"<div" in head:
        lines = _lines_from_html(content)
        if lines == ["__MEMBER_ONLY__"]:
            record = {"key": "", "url": url, "member_only": True}
            return Extraction(
                records=[
                    Extracted(key=_key_from_url(url), record=record, raw=content, rejected="member_only")
                ]
            )
        lines = _clean_lines("\n".join(lines))
    else:
        lines = _clean_lines(content.decode("utf-8", errors="replace"))
    record = extract_lines(lines, url=url)
    return Extraction(records=[Extracted(key=str(record["key"]), record=record, raw=content)])


def _key_from_url(url: str) -> str:
    guid = _GUID.search(url or "")
    return guid.group("guid")[:32] if guid else "unknown"


# -- discovery ---------------------------------------------------------------------------------


def report_links_in_feed(descriptions: list[str]) -> list[str]:
    """OSAC report links in State Department feed descriptions (three URL shapes)."""
    found = re.findall(
        r"https?://(?:www\.)?osac\.gov/(?:Content/Report/[0-9a-f-]{36}|Country/[^\s\"'<>/]+/"
        r"(?:Content/Detail/Report/[0-9a-f-]{36}|Detail))",
        " ".join(descriptions),
        re.I,
    )
    return list(
        dict.fromkeys(u.replace("http://", "https://").replace("//osac.gov", "//www.osac.gov") for u in found)
    )


def parse_search_results(view_html: str) -> list[dict[str, str]]:
    """The search endpoint's viewHTML -> [{url, date, type}]."""
    root = lxml.html.fromstring(f"<div>{view_html}</div>")
    items = []
    for item in root.cssselect(".mss-content-item-details"):
        link = item.cssselect("a[href]")
        meta = " ".join(item.text_content().split())
        date = re.search(r"(\d{2}/\d{2}/\d{4})\s*\|\s*([^|]+?)$", meta)
        if link:
            href = link[0].get("href")
            items.append(
                {
                    "url": href if href.startswith("http") else BASE + href,
                    "date": date.group(1) if date else "",
                    "type": date.group(2).strip() if date else "",
                }
            )
    return items


def anti_forgery_token(browse_html: bytes) -> str:
    root = lxml.html.fromstring(browse_html)
    field = root.cssselect("input[name=__RequestVerificationToken]")
    if not field or not field[0].get("value"):
        raise ExtractionError("the Browse page has no __RequestVerificationToken")
    return field[0].get("value")


def discover(fetcher: Any, known: Known, *, pages: int = 10, page_size: int = 100) -> Discovery:
    """Feed links first, then OSAC's content search. A failing search leaves the feed's links and a
    problem for ops, not an empty run."""
    from scrapers.errors import FetchError

    urls = report_links_in_feed(list(known(state_dept_feed.name).values()))
    try:
        urls += _search(fetcher, pages=pages, page_size=page_size)
    except (FetchError, ExtractionError, ValueError) as exc:
        return Discovery(list(dict.fromkeys(urls)), [f"OSAC search: {exc}"])
    return Discovery(list(dict.fromkeys(urls)))


def _search(fetcher: Any, *, pages: int, page_size: int) -> list[str]:
    urls: list[str] = []
    with fetcher.session() as http:
        browse = http.get(BROWSE, allowed_hosts=allowed_hosts)
        token = anti_forgery_token(browse.content or b"")
        for page in range(1, pages + 1):
            answer = http.post(
                SEARCH,
                allowed_hosts=allowed_hosts,
                data={
                    "__RequestVerificationToken": token,
                    "pageSize": str(page_size),
                    "pageNumber": str(page),
                    "subContentTypes": "Country Security Report",
                },
            )
            items = parse_search_results(json.loads(answer.content or b"{}").get("viewHTML") or "")
            urls += [i["url"] for i in items if "Country Security Report" in i["type"] or not i["type"]]
            if len(items) < page_size:
                break
    return urls


def findings(record: dict[str, Any], confirmed: Any) -> list[Any]:
    """Cross-check with the State Department feed: indicators the report states vs the advisory's."""
    from diffing.changes import Change

    advisory = confirmed("state-dept-feed", record.get("key"))
    included = record.get("indicators_included")
    if advisory is None or included is None:
        return []
    report_set, advisory_set = set(included), set(advisory.get("indicators") or [])
    if report_set == advisory_set:
        return []
    return [
        Change(
            "sources_disagree",
            "indicators_included",
            sorted(advisory_set),
            sorted(report_set),
            Severity.INFO,
            f"{record.get('country_name')} — OSAC report ({record.get('published')}) states indicators "
            f"{''.join(sorted(report_set)) or 'none'}, "
            f"the current advisory {''.join(sorted(advisory_set)) or 'none'}",
            item="indicators",
        )
    ]


def plan(inputs: PlanInputs) -> Discovery:
    """This cycle's URLs: the reports the feed links and OSAC's search finds."""
    return discover(inputs.fetcher, inputs.confirmed_raw)


declare(__name__)
