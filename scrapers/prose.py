"""Reading the State Department's advisory prose: text lines, risk indicators, restricted areas.

The feed states indicators only in prose ("due to crime, civil unrest, and the risk of kidnapping"),
country-wide in the headline sentence and per area in "Do not travel to:" lists and
"<area> – Level 4: Do Not Travel" sections. These functions are pure and work on both the feed's
HTML descriptions and the archive's Markdown-in-<p> descriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from scrapers.countries import normalise_name

INDICATOR_NAMES: dict[str, str] = {
    "C": "Crime",
    "T": "Terrorism",
    "U": "Civil Unrest",
    "H": "Health",
    "N": "Natural Disaster",
    "E": "Time-limited Event",
    "K": "Kidnapping or Hostage Taking",
    "D": "Wrongful Detention",
    "O": "Other",
}

# Phrases of a "due to …" clause and the indicator each one names.
_INDICATOR_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("C", re.compile(r"\bcrim(e|es|inal)", re.I)),
    ("T", re.compile(r"\bterror", re.I)),
    ("U", re.compile(r"\bunrest|\bdemonstrations|\bprotests", re.I)),
    ("K", re.compile(r"\bkidnap|\bhostage", re.I)),
    ("D", re.compile(r"\bdetention|\bdetain", re.I)),
    ("H", re.compile(r"\bhealth|\bdisease|\bepidemic|\boutbreak", re.I)),
    ("N", re.compile(r"\bnatural disaster|\bearthquake|\bhurricane|\bvolcan|\btyphoon", re.I)),
    ("E", re.compile(r"\b(time-limited|major|sporting|international) events?\b", re.I)),
    (
        "O",
        re.compile(
            r"\barmed conflict|\bland ?mines|\bunexploded|\barbitrary enforcement|\bother risks"
            r"|\bcivil aviation|\bmilitary (?:activity|tensions)|\bmissile|\bdrone attacks",
            re.I,
        ),
    ),
)

LEVEL_PHRASES = {
    "do not travel": 4,
    "reconsider travel": 3,
    "exercise increased caution": 2,
    "exercise increase caution": 2,
    "exercise normal precautions": 1,
    "exercise normal precaution": 1,
}

_HEADLINE = re.compile(
    r"(Exercise\s+(?:normal|increased?)\s+(?:precautions?|caution)|Reconsider\s+travel|Do\s+not\s+travel)"
    r"(?!\s+(?:to|in)(?:\s+the\s+following(?:\s+areas)?)?\s*:)([^.]*)",
    re.I,
)
_LIST_HEADING = re.compile(
    r"^(Do\s+not\s+travel|Reconsider\s+travel|Exercise\s+increased?\s+caution)\s+(?:to|in)\b[^:]{0,40}:\s*$",
    re.I,
)
_SECTION_HEADING = re.compile(
    r"^(?P<name>.+?)\s*[\u2013\u2014-]\s*Level\s*(?P<level>[1-4])\s*:\s*"
    r"(?:Do\s+Not\s+Travel|Reconsider\s+Travel|Exercise\s+Increased\s+Caution|Exercise\s+Normal\s+Precautions?)"
    r"\.?\s*$",
    re.I,
)
_CHANGE_NOTE = re.compile(
    r"reissued|updated|advisory level|no changes?\b|risk indicator|indicators?\s+(?:was|were)"
    r"|summary was|level (?:was )?(?:increased|decreased|raised|lowered)|level\s+(?:increased|decreased)",
    re.I,
)
_DUE_TO = re.compile(r"\bdue\s+to\b(.*)", re.I | re.S)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u200b]+")
_BLOCK_TAGS = {"p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section"}
_AREA_STOPWORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "in",
        "to",
        "area",
        "areas",
        "region",
        "regions",
        "department",
        "departments",
        "province",
        "provinces",
        "state",
        "states",
        "within",
        "some",
        "which",
        "includes",
        "include",
        "including",
        "border",
        "city",
        "cities",
        "except",
        "excluding",
        "parts",
        "part",
        "with",
        "for",
        "all",
        "travel",
        "along",
        "near",
        "from",
        "its",
        "a",
        "an",
        "on",
        "at",
        "by",
    ]
)


@dataclass(frozen=True)
class Line:
    text: str
    bullet: bool = False


_EMPHASIS_UNDERSCORES = re.compile(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")


def _clean(text: str) -> str:
    """Markdown marks out, whitespace folded. Called for every line of every item, hence the guards."""
    if "[" in text:
        text = _MD_LINK.sub(r"\1", text)
    if "*" in text:
        text = text.replace("**", "")
    if "_" in text:
        text = _EMPHASIS_UNDERSCORES.sub("", text.replace("__", ""))
    return _SPACES.sub(" ", text).strip()


def description_lines(description: str) -> list[Line]:
    """Split an advisory description (HTML, or Markdown wrapped in <p>) into text lines."""
    if not description.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(description, create_parent="div")
    except (etree.ParserError, ValueError):
        return [Line(_clean(description))] if _clean(description) else []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag == "li":
            el.text = "\n\u2022 " + (el.text or "")
            el.tail = "\n" + (el.tail or "")
        elif tag in _BLOCK_TAGS:
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
        elif tag == "br":
            el.tail = "\n" + (el.tail or "")
    # Markdown list items ("* …") only in Markdown descriptions: in HTML a leading "*" is a footnote mark.
    markdown_lists = root.find(".//li") is None
    lines: list[Line] = []
    for raw in root.text_content().split("\n"):
        stripped = raw.strip()
        if not stripped:
            continue
        bullet = False
        if stripped.startswith("\u2022"):
            bullet, stripped = True, stripped[1:]
        elif markdown_lists and re.match(r"^[*-]\s+", stripped):
            bullet, stripped = True, re.sub(r"^[*-]\s+", "", stripped)
        text = _clean(stripped)
        if text:
            lines.append(Line(text, bullet))
    return lines


def indicators_in(clause: str) -> list[str]:
    """The indicator letters a 'due to …' clause names, sorted."""
    return sorted({letter for letter, pattern in _INDICATOR_PATTERNS if pattern.search(clause)})


def due_to_clause(sentence: str) -> str:
    match = _DUE_TO.search(sentence)
    return match.group(1) if match else ""


def headline(lines: list[Line]) -> tuple[str, int | None]:
    """The country-wide sentence ("Exercise increased caution in X due to …") and the level it states."""
    flat = " ".join(line.text for line in lines)
    match = _HEADLINE.search(flat)
    if not match:
        return "", None
    phrase = normalise_name(match.group(1))
    return (match.group(1) + match.group(2)).strip(), LEVEL_PHRASES.get(phrase)


def change_note(lines: list[Line]) -> str | None:
    """The editor's note many descriptions open with ("Reissued after periodic review …")."""
    for line in lines[:3]:
        if _HEADLINE.match(line.text) or line.bullet:
            return None
        if _CHANGE_NOTE.search(line.text) and len(line.text) < 600:
            return line.text
    return None


def area_tokens(name: str) -> frozenset[str]:
    return frozenset(t for t in normalise_name(name).split() if t not in _AREA_STOPWORDS and len(t) > 1)


def _token_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short)


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the tokens of a that appear (or prefix-match) in b."""
    if not a:
        return 0.0
    return sum(1 for t in a if any(_token_match(t, u) for u in b)) / len(a)


def same_area(a: str, b: str, threshold: float = 0.75) -> bool:
    ta, tb = area_tokens(a), area_tokens(b)
    return max(containment(ta, tb), containment(tb, ta)) >= threshold


def _area_name(text: str) -> str:
    name = re.split(r"\s+due\s+to\b", text, maxsplit=1, flags=re.I)[0]
    name = re.sub(r"^the\s+", "", name.strip(), flags=re.I)
    return name.strip(" .,;:*").strip()


def areas(lines: list[Line], country_name: str = "") -> list[dict]:
    """Restricted areas: list items under "Do not travel to:" and "<area> – Level N" sections, merged."""
    listed: list[dict] = []
    sections: list[dict] = []
    list_level: int | None = None
    for line in lines:
        if not line.bullet:
            heading = _LIST_HEADING.match(line.text)
            list_level = LEVEL_PHRASES.get(normalise_name(heading.group(1))) if heading else None
            section = _SECTION_HEADING.match(line.text)
            if section:
                name = _area_name(section.group("name"))
                if name and normalise_name(name) != normalise_name(country_name):
                    sections.append(
                        {
                            "name": name,
                            "level": int(section.group("level")),
                            "indicators": indicators_in(due_to_clause(section.group("name"))),
                        }
                    )
            continue
        if list_level is not None:
            name = _area_name(line.text)
            if name:
                listed.append(
                    {"name": name, "level": list_level, "indicators": indicators_in(due_to_clause(line.text))}
                )
    merged = [dict(s, indicators=list(s["indicators"])) for s in sections]
    for item in listed:
        target = next(
            (s for s in merged if containment(area_tokens(item["name"]), area_tokens(s["name"])) >= 0.75),
            None,
        )
        if target is None:
            target = next((s for s in merged if same_area(s["name"], item["name"])), None)
        if target is None:
            merged.append(item)
            continue
        target["indicators"] = sorted(set(target["indicators"]) | set(item["indicators"]))
        target["level"] = max(target["level"], item["level"])
    return merged
