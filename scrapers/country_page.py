"""State Department country information pages (``…/Country-Information-Pages/<Country>.html``).

Seed 001 is Peru's "Safety and Security" section. Record: sections as normalised text; inside Safety and
Security, the areas under the embassy's restricted-travel policy and the emergency numbers (police,
tourist police, embassy). Changes: ``restricted_area_added`` / ``_removed``, ``emergency_number_changed``,
section text diffs (informational).
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

from diffing.acceptance import AcceptancePolicy
from diffing.changes import Severity
from diffing.compare import RatingsField, SetField
from diffing.sections import SectionsField
from scrapers.base import Extracted, Extraction
from scrapers.countries import code_for_name
from scrapers.errors import ExtractionError

name = "country-page"
title = "U.S. State Department country information pages"
urls: tuple[str, ...] = ()
allowed_hosts = frozenset({"travel.state.gov"})
extractor_version = "country-page/1"
fields = (
    SetField(
        "restricted_areas",
        "restricted_area_added",
        "restricted_area_removed",
        severity_added=lambda a: Severity.HIGH,
        severity_removed=lambda a: Severity.INFO,
    ),
    RatingsField(
        "emergency_numbers", "emergency_number_changed", keys=("service",), value="number", order=()
    ),
    SectionsField(kind="section_changed", keywords_field="_none"),
)
policy = AcceptancePolicy()
quiet_kinds = frozenset({"section_changed"})

_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$")
_BOLD_HEAD = re.compile(r"^\*\*([^*]{2,60}?):?\*\*:?\s*")
_RESTRICTED = re.compile(
    r"Restricted Travel Policy for [^.]*? traveling to (?P<areas>.+?)(?:, which|\.)", re.I
)
_PHONE = r"(\+?\d[\d\- ]{1,18}\d)"
_NUMBERS = (
    ("police", re.compile(_PHONE + r" \((?:National )?Police\)", re.I)),
    ("tourist police", re.compile(_PHONE + r" \(tourist police\)", re.I)),
    ("embassy", re.compile(r"U\.S\. Embassy at " + _PHONE, re.I)),
)


def _lines(content: bytes) -> list[str]:
    text = content.decode("utf-8", "replace")
    if "<html" in text[:2000].lower() or "<div" in text[:2000].lower():
        try:
            root = lxml.html.fromstring(text)
        except (etree.ParserError, ValueError) as exc:
            raise ExtractionError(f"not a readable HTML page ({exc})") from exc
        main = root.cssselect(".tsg-rwd-accordion-content, main, article") or [root]
        blocks = []
        for el in main[0].iter("h1", "h2", "h3", "h4", "p", "li"):
            line = " ".join(el.text_content().split())
            if line:
                blocks.append(("# " if el.tag in {"h1", "h2", "h3", "h4"} else "") + line)
        return blocks
    return [line.strip() for line in text.splitlines() if line.strip()]


def _clean(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(text.replace("**", "").split())


def extract(content: bytes, *, url: str = "") -> Extraction:
    if not content.strip():
        raise ExtractionError("empty response body")
    lines = _lines(content)
    sections: list[dict[str, Any]] = []
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            name_text = _clean(heading.group(1))
            if not sections or sections[-1]["heading"] != name_text:
                sections.append({"heading": name_text, "text": ""})
            continue
        if line.startswith("[") and "javascript:" in line:
            continue
        if not sections:
            sections.append({"heading": "", "text": ""})
        sections[-1]["text"] = (sections[-1]["text"] + "\n\n" + _clean(line)).strip()
    if not any(s["text"] for s in sections):
        raise ExtractionError("the country page has no text")
    safety = next((s for s in sections if s["heading"].lower().startswith("safety")), None)
    if safety is None:
        raise ExtractionError("no 'Safety and Security' section: the page layout changed")
    country_match = re.search(r"Country-Information-Pages/([A-Za-z-]+)\.html", url or "")
    country_name = country_match.group(1).replace("-", " ") if country_match else ""
    if not country_name:
        mention = re.search(r"problem in ([A-Z][a-z]+)|Embassy ([A-Z][a-z]+) enforces", safety["text"])
        country_name = next((g for g in (mention.groups() if mention else ()) if g), "")
        country_name = {"Lima": "Peru"}.get(country_name, country_name)
    key = code_for_name(country_name)
    if key is None:
        raise ExtractionError(f"country {country_name!r} not recognised")
    restricted = []
    for match in _RESTRICTED.finditer(safety["text"]):
        for part in re.split(r"\s+and\s+(?![^(]*\))", match.group("areas")):
            area = re.sub(r"^(the|specific areas of the)\s+", "", part.strip(), flags=re.I)
            if area:
                restricted.append(area)
    numbers = []
    for service, pattern in _NUMBERS:
        found = pattern.search(safety["text"])
        if found:
            numbers.append({"service": service, "number": found.group(1).strip()})
    record = {
        "key": key,
        "country": key,
        "country_name": country_name,
        "url": url,
        "sections": sections,
        "restricted_areas": sorted(set(restricted)) or None,
        "emergency_numbers": numbers or None,
    }
    return Extraction(records=[Extracted(key=key, record=record, raw=content)])


def discover(fetcher: Any, *, feed_descriptions: list[str] = ()) -> tuple[list[str], list[str]]:
    """Country information pages the advisories link to."""
    found = re.findall(
        r"https://travel\.state\.gov/content/travel/en/international-travel/International-Travel-Country-"
        r"Information-Pages/[A-Za-z-]+\.html",
        " ".join(feed_descriptions),
    )
    return list(dict.fromkeys(found)), []
