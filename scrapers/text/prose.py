"""Reading the State Department's advisory prose: text lines, risk indicators, restricted areas.

The feed states indicators only in prose ("due to crime, civil unrest, and the risk of kidnapping"),
country-wide in the headline sentence and per area in "Do not travel to:" lists and
"<area> – Level 4: Do Not Travel" sections. These functions are pure and work on both the feed's
HTML descriptions and the archive's Markdown-in-<p> descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
from lxml import etree

from diffing.areas import area_tokens
from diffing.countries import normalise_name
from scrapers.text.area_merge import merge_areas

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
_LEVEL_PHRASE = (
    r"(?:Do\s+not\s+travel|Reconsider\s+travel|Exercise\s+increased?\s+caution"
    r"|Exercise\s+normal\s+precautions?)"
)
# "Do not travel to:", "Do Not Travel to the below areas of Benin due to crime …:", "Level 4 Do Not
# Travel to:", "Exercise Increased Caution When Traveling To:" — a list of areas follows.
_LIST_HEADING = re.compile(
    r"^(?:Level\s*[1-4]\s*:?\s*)?(" + _LEVEL_PHRASE + r")\s+(?:to|in|when\s+(?:traveling|visiting)\s+to)\b"
    r"(?![^:]*\bdue\s+to\s*:)[^:]{0,160}:\s*$",
    re.I,
)
# An area's section: "Sinaloa state – Level 4: Do Not Travel", "Colima state – Do Not Travel",
# "Border with Syria – Level 4: Do Not Travel, Depart If You Are There" or, level first,
# "Level 4: Do Not Travel - Chittagong Hill Tracts Region".
_SECTION_HEADING = re.compile(
    r"^(?P<name>.+?)\s*[\u2013\u2014-]\s*(?:Level\s*(?P<level>[1-4])\s*:?\s*)?(?P<phrase>"
    + _LEVEL_PHRASE
    + r")"
    r"(?:\s*,\s*Depart\s+If\s+You\s+Are\s+There)?\.?\s*$",
    re.I,
)
_LEVEL_WORDS = re.compile(r"\bLevel\s*[1-4]\b", re.I)
_LEVEL_FIRST_SECTION = re.compile(
    r"^Level\s*(?P<level>[1-4])\s*:?\s*(?P<phrase>"
    + _LEVEL_PHRASE
    + r")\s*[\u2013\u2014-]\s*(?P<name>.{3,})$",
    re.I,
)
# What stands in for area names where a page has not named them ("Specific areas of Jamaica").
_PLACEHOLDER_AREA = re.compile(
    r"^(?:the\s+)?(?:specific|specified|select|selected|certain|some|other|several|following|below|these|those|all)\s+"
    r"(?:areas?|parts?|regions?|locations?|places?|neighbou?rhoods?|communities)\b(?:\s+(?:of|in)\s+[^,;]{0,60})?$",
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


@dataclass(frozen=True)
class Line:
    text: str
    bullet: bool = False


_GLUED_BOLD = re.compile(r"(?<=\w)\*\*(?=\w)")
_EMPHASIS_UNDERSCORES = re.compile(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")


def _clean(text: str) -> str:
    """Markdown marks out, whitespace folded. Called for every line of every item, hence the guards."""
    if "[" in text:
        text = _MD_LINK.sub(r"\1", text)
    if "*" in text:
        # Bold glued to a word ("due to**crime**", "the**Yemen border**") keeps the words apart.
        text = _GLUED_BOLD.sub(" ", text).replace("**", "")
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


_LEVEL_SENTENCE = re.compile(
    r"(?:Do\s+not\s+travel|Reconsider\s+travel|Exercise\s+increased?\s+caution)", re.I
)


def summary_indicators(lines: list[Line]) -> list[str]:
    """The indicators of every level sentence of the summary paragraph, not only the first: Burma's
    "Do not travel to Burma due to civil unrest, armed conflict … Reconsider travel to Burma due to
    limited … healthcare … Exercise increased caution due to wrongful detentions." names U, O, H, D."""
    sentence, _ = headline(lines)
    if not sentence:
        return []
    paragraph = next((line.text for line in lines if sentence[:60] in line.text), sentence)
    found: set[str] = set()
    for part in _SENTENCE_SPLIT.split(paragraph):
        if _LEVEL_SENTENCE.match(part.strip()):
            found.update(indicators_in(due_to_clause(part)))
    return sorted(found)


def change_note(lines: list[Line]) -> str | None:
    """The editor's note many descriptions open with ("Reissued after periodic review …")."""
    for line in lines[:3]:
        if _HEADLINE.match(line.text) or line.bullet:
            return None
        if _CHANGE_NOTE.search(line.text) and len(line.text) < 600:
            return line.text
    return None


def is_placeholder(name: str) -> bool:
    """True for words that stand where an area's name should be ("Specific areas of Jamaica")."""
    return bool(_PLACEHOLDER_AREA.match(name.strip()))


def is_list_heading(text: str) -> bool:
    """True for a line that introduces a list of areas ("Do Not Travel To:")."""
    return bool(_LIST_HEADING.match(text))


def section_heading(text: str) -> tuple[str, int] | None:
    """(area name, level) of an area section heading in either order, else None."""
    match = _SECTION_HEADING.match(text) or _LEVEL_FIRST_SECTION.match(text)
    if not match or _LEVEL_WORDS.search(match.group("name")):
        return None  # "Level 3 – Reconsider Travel", "Risks in specific areas -Level 4": no area named
    level = match.group("level")
    return match.group("name"), int(level) if level else LEVEL_PHRASES[normalise_name(match.group("phrase"))]


_SENTENCE_AFTER_NAME = re.compile(r"(?<=[a-z]{3})\.\s+(?=[A-Z])")


def _area_name(text: str) -> str:
    name = re.split(r"\s+due\s+to\b", text, maxsplit=1, flags=re.I)[0]
    name = _SENTENCE_AFTER_NAME.split(name, maxsplit=1)[0]
    name = re.sub(r"\s+([,;])", r"\1", name)  # "**Yala** , **Pattani**" -> "Yala, Pattani"
    name = re.sub(r"^the\s+", "", name.strip(), flags=re.I)
    return name.strip(" .,;:*").strip()


# The 2026 format's area statements: "Do Not Travel to <area> due to <reasons>", as "Increased Risk
# Areas:" bullets, under "Do not travel to:" lists or as sentences of their own.
_AREA_SENTENCE = re.compile(
    r"^(?P<phrase>Do\s+not\s+travel|Reconsider\s+travel|Exercise\s+increased?\s+caution)\s+"
    r"(?:to|in|near|along|within)\s+(?P<rest>.+)$",
    re.I,
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_FOR_ANY_REASON = re.compile(r"\s+for\s+any\s+reason\b.*$", re.I)
# What an area statement names when it does not name an area ("Do not travel to these areas …").
_GENERIC_AREA_WORDS = frozenset({"these", "this", "following", "any", "other", "those", "such", "there"})


def _sentences(text: str) -> list[str]:
    return _SENTENCE_SPLIT.split(text) if len(text) < 2000 else [text]


def sentence_area(text: str, country_name: str, is_country: Callable[[str], bool]) -> dict | None:
    """The area a statement like "Reconsider Travel to Xaisomboun Province due to civil unrest" names,
    with its level and the indicators of its reasons; None for the country itself or no area."""
    match = _AREA_SENTENCE.match(text)
    if not match or text.rstrip().endswith(":"):
        return None
    rest = match.group("rest")
    name = _area_name(_FOR_ANY_REASON.sub("", rest))
    tokens = area_tokens(name)
    if not tokens or tokens & _GENERIC_AREA_WORDS:
        return None
    bare = re.sub(r"\s*\([^)]*\)", "", name)
    if normalise_name(bare) == normalise_name(country_name) or is_country(bare):
        return None
    return {
        "name": name,
        "level": LEVEL_PHRASES[normalise_name(match.group("phrase"))],
        "indicators": indicators_in(due_to_clause(rest)),
    }


def areas(
    lines: list[Line], country_name: str = "", is_country: Callable[[str], bool] = lambda name: False
) -> list[dict]:
    """Restricted areas: list items under "Do not travel to:", "<area> – Level N" sections and area
    statements ("Do Not Travel to <area> due to …"), merged. ``is_country`` tells a statement about
    the whole destination ("Do not travel to Burma for any reason") from one about an area."""
    listed: list[dict] = []
    sections: list[dict] = []
    stated: list[dict] = []
    list_level: int | None = None
    for line in lines:
        for sentence in _sentences(line.text):
            found = sentence_area(sentence, country_name, is_country)
            if found is not None:
                stated.append(found)
        if not line.bullet:
            heading = _LIST_HEADING.match(line.text)
            list_level = LEVEL_PHRASES.get(normalise_name(heading.group(1))) if heading else None
            section = section_heading(line.text)
            if section:
                name = _area_name(section[0])
                if name and normalise_name(name) != normalise_name(country_name):
                    sections.append(
                        {
                            "name": name,
                            "level": section[1],
                            "indicators": indicators_in(due_to_clause(section[0])),
                        }
                    )
            continue
        if list_level is not None and not _AREA_SENTENCE.match(line.text):
            name = _area_name(line.text)
            if name:
                listed.append(
                    {"name": name, "level": list_level, "indicators": indicators_in(due_to_clause(line.text))}
                )
    return merge_areas(sections, listed, stated)
