"""A legacy advisory page's text -> its record: destination, level, issue date, indicators, areas.

Works on :func:`scrapers.text.page_text.page_lines` of a live page or of the archive's Markdown. The
shapes it knows were read from every version in the corpus (2023-2025 pages):

* title ``Peru - Level 2: Exercise Increased Caution``; ``Mexico Travel Advisory`` (no nationwide
  level: the states carry theirs); ``Mainland China, Hong Kong & Macau - See Summaries - Level 2: …``
  (several jurisdictions, each with its own ``Macau Special Administrative Region (SAR) – Level 3: …``
  section);
* the date as ``Travel Advisory November 15, 2023``;
* areas as "Do not travel to:" lists and as sections headed name-first or level-first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from diffing.countries import code_for_name
from scrapers.errors import DestinationNotRecognised, FieldMissing, LayoutNotRecognised
from scrapers.text import prose
from scrapers.text.page_text import PageLine

_DATE = re.compile(r"([A-Z][a-z]+\s+\d{1,2},\s+\d{4})")
_ISSUED = re.compile(r"^(?:Travel Advisory|Date issued:?)\s+" + _DATE.pattern, re.I)
_LEVEL = re.compile(r"\bLevel\s*([1-4])\b", re.I)
_TITLE = re.compile(r"\s-\s+(?:See Summaries|Level\s*[1-4])\b|\bTravel Advisory\s*$", re.I)
_PAGE_END = re.compile(
    r"^(?:Travel Advisory Levels|Assistance for U\.S\. Citizens|Search for Travel Advisories)", re.I
)
_SAR = re.compile(r"\s*Special Administrative Region\s*(?:\(SAR\))?|\s+SAR\b", re.I)
_LEADING_LABEL = re.compile(r"^(?:Country\s+)?Summary\s*:\s*", re.I)


@dataclass(frozen=True)
class Jurisdiction:
    """A destination of its own inside a page that covers several (Hong Kong, Macau in China's)."""

    key: str
    name: str
    level: int
    lines: list[PageLine]


def _issued(lines: list[PageLine]) -> str | None:
    for line in lines[:12]:
        match = _ISSUED.match(line.text)
        if match:
            try:
                return datetime.strptime(" ".join(match.group(1).split()), "%B %d, %Y").date().isoformat()
            except ValueError:
                return None
    return None


def _title_line(lines: list[PageLine]) -> int:
    """Index of the heading that states the destination and level."""
    for index, line in enumerate(lines[:12]):
        if line.heading and not _ISSUED.match(line.text) and _TITLE.search(line.text) and index > 0:
            return index
    for index, line in enumerate(lines[:12]):
        if line.heading and _TITLE.search(line.text):
            return index
    raise LayoutNotRecognised("advisory page: no '<destination> - Level N' or '… Travel Advisory' title")


def _name_from_title(text: str) -> str:
    text = text.rsplit("#", 1)[-1]  # "Search Travel Advisories# Colombia Travel Advisory"
    return _TITLE.split(text, maxsplit=1)[0].strip(" -")


def jurisdiction_key(name: str) -> str | None:
    return code_for_name(_SAR.sub("", name).strip())


def _jurisdictions(body: list[PageLine]) -> list[tuple[int, Jurisdiction]]:
    """Sections headed "<destination> – Level N: …" where the name is a destination of its own."""
    starts: list[tuple[int, str, str, int]] = []
    for index, line in enumerate(body):
        if not line.heading:
            continue
        section = prose.section_heading(line.text)
        if section and (key := jurisdiction_key(section[0])):
            starts.append((index, key, section[0], section[1]))
    found = []
    for position, (index, key, name, level) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(body)
        found.append((index, Jurisdiction(key, _SAR.sub("", name).strip(), level, body[index + 1 : end])))
    return found


def _body_level(lines: list[PageLine]) -> int | None:
    """The level a page states only in its opening sentence ("Exercise normal precautions in Saba.")."""
    for line in lines[:8]:
        if (
            line.bullet
            or line.heading
            or prose.is_list_heading(line.text)
            or prose.section_heading(line.text)
        ):
            break
        text = _LEADING_LABEL.sub("", line.text)
        for phrase, level in prose.LEVEL_PHRASES.items():
            if prose.normalise_name(text[: len(phrase) + 2]).startswith(phrase):
                return level
    return None


def _prose_lines(lines: list[PageLine]) -> list[prose.Line]:
    """Page blocks as the prose reader's lines; an area heading glued to its text is its own line."""
    found = []
    for line in lines:
        if line.lead and prose.section_heading(line.lead):
            found += [prose.Line(line.lead), prose.Line(line.text[len(line.lead) :].strip())]
        else:
            found.append(prose.Line(line.text, line.bullet))
    return found


def parse(lines: list[PageLine], hint: str | None = None) -> dict:
    """The record of a legacy advisory page. ``hint`` is the destination the caller expects (the
    folder, the URL, --country): it picks a jurisdiction on a page that covers several, and names
    the destination when the page's own title does not."""
    if not lines:
        raise LayoutNotRecognised("advisory page: no text")
    title_index = _title_line(lines)
    title = lines[title_index].text
    end = next(
        (i for i, line in enumerate(lines) if i > title_index and _PAGE_END.match(line.text)), len(lines)
    )
    body = lines[title_index + 1 : end]
    if not any(not line.heading for line in body):
        raise LayoutNotRecognised("advisory page: a title but no advisory text")
    page_name = _name_from_title(title) or _name_from_title(lines[0].text)
    page_key = code_for_name(page_name) or code_for_name(_name_from_title(lines[0].text))
    hint_key = code_for_name(hint) if hint else None
    sections = _jurisdictions(body)
    chosen = next((j for _, j in sections if j.key == hint_key), None)
    if chosen is None and sections and page_key is None:
        chosen = sections[0][1]
    key: str | None
    level: int | None
    if chosen is not None and chosen.key != (page_key or chosen.key):
        key, name, level, area_lines = chosen.key, chosen.name, chosen.level, chosen.lines
    else:
        key = page_key or hint_key
        name = page_name if page_key else (hint or page_name)
        if key is None:
            raise DestinationNotRecognised(f"advisory page: destination {page_name!r} not recognised")
        own = next((j for _, j in sections if j.key == key), None)
        area_lines = body[: sections[0][0]] if sections else body
        if own is not None:
            area_lines = area_lines + own.lines
        level_match = _LEVEL.search(title)
        level = int(level_match.group(1)) if level_match else (own.level if own else _body_level(body))
    issued = _issued(lines)
    if issued is None:
        raise FieldMissing("advisory page: no issue date ('Travel Advisory <Month D, YYYY>')")
    prose_lines = _prose_lines(area_lines)
    note = prose.change_note(prose_lines)
    own_names = {prose.normalise_name(n) for n in (name, page_name) if n}

    def is_country(text: str) -> bool:
        return prose.normalise_name(text) in own_names or jurisdiction_key(text) is not None

    areas = [
        area
        for area in prose.areas(
            [line for line in prose_lines if line.text != note], name, is_country=is_country
        )
        if not prose.is_placeholder(area["name"])
    ]
    countrywide = prose.summary_indicators(prose_lines)
    return {
        "key": key,
        "country_name": name,
        "level": level,
        "indicators": sorted(set(countrywide).union(*(a["indicators"] for a in areas))),
        "areas": areas,
        "issued": issued,
        "last_updated": None,
        "change_note": note,
        "title": title,
        "text": "\n".join(("• " if line.bullet else "") + line.text for line in area_lines),
    }
