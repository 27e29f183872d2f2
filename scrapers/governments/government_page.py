"""A government's page as its parser is given it, and the destination it is about.

Every document is read as text (``scrapers.text.page_text``): a live HTML page, a Content API JSON
part rendered from its HTML, the archive's Markdown, or a corpus moment bundle all reach the same
parser. The destination is the page's own name where it resolves, else the hint the address, the
corpus folder or ``--country`` gives; the names these governments write that pycountry does not
know, and the regions with advice of their own, are listed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from diffing.countries import code_for_name, destination_hint, nearest_code, normalise_name, slug_name
from scrapers.errors import DestinationNotRecognised, LayoutNotRecognised
from scrapers.text.corpus_moment import Bundle, read_bundle
from scrapers.text.page_text import PageLine, page_lines, page_markdown


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
