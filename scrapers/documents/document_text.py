"""Long-form documents to sections: plain text, Wikipedia wikitext/plain renderings, HTML and PDF.

Pure functions. Headings split a document into sections: wikitext ``== Events ==``, numbered report
headings ("3.4. Extortion", accepted only in a plausible numbering sequence so that numbered list items
and figures are not mistaken for headings), and HTML h1-h6.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import lxml.html

from scrapers.errors import ExtractionError
from scrapers.text.decoding import decode_html

_WIKI_HEADING = re.compile(r"^(={1,6})\s*(.+?)\s*\1\s*$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Z\u00c0-\u00de][^:;]{1,90})$")
_SENTENCE_END = re.compile(r"[.!?:;][\"'\u201d\u2019)]*\d{0,4}\s*$")


@dataclass(frozen=True)
class Section:
    heading: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"heading": self.heading, "text": self.text}


def _is_successor(previous: tuple[int, ...] | None, number: tuple[int, ...]) -> bool:
    """Is `number` the next heading after `previous` (sibling, first child, or an ancestor's sibling)?"""
    if previous is None:
        return number == (1,)
    if number == (*previous, 1):
        return True
    for depth in range(len(previous), 0, -1):
        if number == (*previous[: depth - 1], previous[depth - 1] + 1):
            return True
    return False


def _normalise_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    # PDF text renderings put a blank line after every line; fold that so paragraphs survive.
    text_lines = [i for i, line in enumerate(lines) if line.strip()]
    followed = sum(1 for i in text_lines if i + 1 < len(lines) and not lines[i + 1].strip())
    if text_lines and followed >= 0.5 * len(text_lines):
        folded: list[str] = []
        for i, line in enumerate(lines):
            if (
                not line.strip()
                and i > 0
                and lines[i - 1].strip()
                and i + 1 < len(lines)
                and lines[i + 1].strip()
            ):
                if _SENTENCE_END.search(lines[i - 1]):
                    folded.append("")
                continue
            folded.append(line)
        lines = folded
    return lines


def _heading_like(text: str) -> bool:
    """Report headings are short titles: no sentence break inside, at most one comma, no trailing ,/."""
    text = text.strip()
    return not text.endswith((",", ".")) and ". " not in text and text.count(",") <= 1 and "url" not in text


def _continues_heading(line: str) -> bool:
    return bool(line) and len(line) < 40 and line[0].islower() and not _SENTENCE_END.search(line)


def split_sections(text: str, *, title: str = "") -> tuple[str, list[Section]]:
    """(title, sections) of a plain-text document. Text before the first heading is section ''."""
    lines = _normalise_lines(text)
    sections: list[tuple[str, list[str]]] = [("", [])]
    previous_number: tuple[int, ...] | None = None
    for raw in lines:
        line = raw.strip()
        if sections[-1][0] and not sections[-1][1] and _continues_heading(line):
            sections[-1] = (f"{sections[-1][0]} {line}", [])  # a heading wrapped onto a second line
            continue
        wiki = _WIKI_HEADING.match(line)
        if wiki:
            if len(wiki.group(1)) == 1 and not title:
                title = wiki.group(2)
                continue
            sections.append((wiki.group(2), []))
            continue
        numbered = _NUMBERED.match(line)
        if numbered and _heading_like(numbered.group(2)):
            number = tuple(int(n) for n in numbered.group(1).split("."))
            if _is_successor(previous_number, number):
                previous_number = number
                sections.append((f"{numbered.group(1)}. {numbered.group(2).strip()}", []))
                continue
        sections[-1][1].append(line)
    out = []
    for heading, body in sections:
        body_text = re.sub(r"\n{3,}", "\n\n", "\n".join(body)).strip()
        if heading or body_text:
            out.append(Section(heading, body_text))
    if not title:
        first = next((ln.strip() for ln in lines if ln.strip()), "")
        title = first[:200]
    return title, out


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def html_sections(
    content: bytes, *, selector: str | None = None, drop: tuple[str, ...] = ()
) -> tuple[str, list[Section]]:
    """HTML: the main text by a CSS selector, else by trafilatura; headings h1-h6 split sections."""
    try:
        root = lxml.html.fromstring(decode_html(content))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not parseable HTML: {exc}") from exc
    title = (root.findtext(".//title") or "").strip()
    for css in drop:
        for el in root.cssselect(css):
            el.drop_tree()
    if selector:
        found = root.cssselect(selector)
        if not found:
            raise ExtractionError(f"the selector {selector!r} matches nothing: the page layout changed")
        main = found[0]
    else:
        import trafilatura

        extracted = trafilatura.extract(
            lxml.html.tostring(root),
            output_format="xml",
            include_comments=False,
            include_tables=True,
            favor_recall=True,
        )
        if not extracted:
            raise ExtractionError("no main content found in the page")
        main = lxml.etree.fromstring(extracted.encode())
    lines: list[str] = []
    for el in main.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        text = " ".join(" ".join(el.itertext()).split())
        if not text:
            continue
        if re.fullmatch(r"h[1-6]", tag) or (tag == "head" and main.tag == "doc"):
            lines += ["", "== " + text + " ==", ""]
        elif tag in {"p", "li", "td", "th", "blockquote", "pre", "dd", "dt"} or (tag == "item"):
            lines += [text, ""]
    _, sections = split_sections("\n".join(lines))
    return title, sections


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ExtractionError(f"unreadable PDF: {exc}") from exc
