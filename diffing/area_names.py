"""An area's name as a reader may be shown it: a clean place phrase, mended where a word was split
or glued, or nothing where the name read is not a place."""

from __future__ import annotations

import re
from typing import Any

# A capital letter cut from the rest of its word by a stray space ("southeast T urkiye"); "A" and
# "I" are words of their own.
_SPLIT_WORD = re.compile(r"\b([B-HJ-Z]) ([a-z]{3,})\b")
# Words glued across a lost space ("Rwanda-BurundiBorder", "(DRC)Border").
_GLUED = re.compile(r"(?:(?<=[a-z]{3})|(?<=\)))(?=[A-Z][a-z]{2,})")
# A preposition left at the front of a name cut from its statement ("for mainland regions along …").
_LEADING_PREPOSITION = re.compile(r"^(?:for|to|in|into|on)\s+(?=[a-z])", re.I)
_NOT_A_PLACE = re.compile(
    r"^(?:level\b|levels?\s*[:\d]|or\b|and\b|but\b|if\b|the following\b|following\b|these\b|those\b|"
    r"this\b|such\b|which\b|areas where\b|areas? (?:listed|named|mentioned) (?:below|above)\b)"
    r"|\b(?:must|should|is allowed|are allowed|may not|will be|is advised|are advised|personnel)\b"
    r"|^[^A-Za-z]*$|[:;]\s*$|^\W",
    re.I,
)
_MAX_AREA_WORDS = 60


def clean_area_name(name: Any) -> str | None:
    """The area's name as a clean place phrase, or None where it is not one ("Level: 4",
    "following territories", a sentence about personnel, "or remain in Venezuela"). A word split
    by a stray space or glued to the next is mended ("southeast T urkiye" -> "southeast Turkiye")."""
    if not isinstance(name, str):
        return None
    text = " ".join(name.split())
    text = _SPLIT_WORD.sub(lambda m: m.group(1) + m.group(2), text)
    text = _GLUED.sub(" ", text)
    text = re.sub(r"\s+'s\b", "'s", text)  # "St. Ann 's Parish"
    text = _LEADING_PREPOSITION.sub("", text)
    if not text or _NOT_A_PLACE.search(text) or len(text.split()) > _MAX_AREA_WORDS:
        return None
    if len(text) < 3 or not re.search(r"[A-Za-z]{3,}", text):
        return None
    return text
