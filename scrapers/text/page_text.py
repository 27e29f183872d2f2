"""travel.state.gov pages as text lines: live HTML and archived Markdown read by one parser.

The State Department's pages change their markup far more often than their wording, and the only
long history of them (the corpus under ``../shared/fixtures/governments/unitedstates``) is Markdown
rendered with ``markdownify``. So the page extractors parse text: a thin layer picks the page's main
content with markup and renders it with the same library; Markdown and plain text pass through.
Everything after :func:`page_lines` is the same for a live page, an archive and a file on the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree
from markdownify import markdownify

from scrapers.errors import LayoutNotRecognised
from scrapers.text.decoding import decode_html

# Where the main copy sits on the site's page generations, most specific first. Anything outside it
# (menus, footers, the "Search for Travel Advisories" box) is navigation, not advice.
MAIN_CONTENT = (
    ".tsg-rwd-main-copy-body-frame",
    ".tsg-rwd-main-copy-frame",
    ".tsg-rwd-content-page-parsysxxx",
    "main",
    "article",
    "#content",
    "body",
)
_DROP = ("script", "style", "noscript", "nav", "header", "footer", "form", "iframe", "svg")
# A Markdown link whose target may hold one level of parentheses: [text](javascript:void(0); "tip").
_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\((?:[^()]|\([^()]*\))*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?:[*+\-\u2022]|\d{1,2}[.)])\s+")
_GLUED_BOLD = re.compile(r"(?<=\w)\*\*(?=\w)")
_EMPHASIS_UNDERSCORES = re.compile(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")
_BOLD_LEAD = re.compile(r"^((?:\*\*[^*]+\*\*[ \t]*)+)(?=\S)")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u200b]+")
# Sentence ends, but not after the abbreviations this site writes mid-sentence ("U.S. Embassy").
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bU\.S\.)(?<!\bU\.N\.)(?<!\bD\.C\.)(?<!\bNo\.)(?<!\bSt\.)(?<!\bMt\.)(?<!\b[A-Z]\.)"
    r"([\"\u201d)]*)\s+(?=[\"\u201c(]?[A-Z0-9])"
)


@dataclass(frozen=True)
class PageLine:
    """One block of a page: a heading (its depth), a list item, or a paragraph."""

    text: str
    heading: int = 0
    bullet: bool = False
    # A paragraph that opens in bold ("**Chittagong Hill Tracts Region – Level 4: Do Not Travel**The
    # Khagrachari …"): the bold words, which often are a heading the page glued to its text.
    lead: str = ""


def is_html(content: bytes) -> bool:
    head = content[:4096].lower()
    return b"<html" in head or b"<!doctype html" in head or b"<body" in head or b"<div" in head


def html_to_markdown(content: bytes) -> str:
    """The main content of an HTML page as Markdown, the way the archive rendered it."""
    try:
        root = lxml.html.fromstring(decode_html(content))
    except (etree.ParserError, ValueError) as exc:
        raise LayoutNotRecognised(f"not a readable HTML page ({exc})") from exc
    return main_markdown(root)


def main_markdown(root: lxml.html.HtmlElement) -> str:
    """A parsed page's main content as Markdown, its ``<title>`` kept in a comment. Drops the page's
    navigation from ``root`` in place."""
    for tag in _DROP:
        for el in root.iter(tag):
            el.drop_tree()
    main = next((found[0] for selector in MAIN_CONTENT if (found := root.cssselect(selector))), root)
    title = root.findtext(".//title") or ""
    body = markdownify(lxml.html.tostring(main, encoding="unicode"), heading_style="ATX", bullets="*")
    return f"<!-- title: {' '.join(title.split())} -->\n{body}" if title.strip() else body


def page_markdown(content: bytes) -> str:
    """Markdown for a page: rendered from HTML, or the bytes themselves when already text."""
    if is_html(content):
        return html_to_markdown(content)
    return content.decode("utf-8", errors="replace")


def html_title(markdown: str) -> str:
    """The HTML ``<title>`` kept by :func:`html_to_markdown`, else ''."""
    match = re.match(r"<!-- title: (.*?) -->", markdown)
    return match.group(1) if match else ""


def clean(text: str) -> str:
    """Markdown marks out (links to their text, emphasis), whitespace folded."""
    if "[" in text:
        for _ in range(3):  # a link's text may itself be a link or a heading
            text, count = _LINK.subn(r"\1", text)
            if not count:
                break
    if "*" in text:
        text = _GLUED_BOLD.sub(" ", text).replace("**", "").replace("*", "")
    if "_" in text:
        text = _EMPHASIS_UNDERSCORES.sub("", text.replace("__", ""))
    return _SPACES.sub(" ", text).strip()


def page_lines(markdown: str) -> list[PageLine]:
    """Markdown -> blocks. Accordion headers the site renders as links ("[#### Mainland China –
    Level 2 …](javascript:…)") are headings; lone indicator-pill letters are dropped."""
    lines: list[PageLine] = []
    for raw in markdown.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("<!--"):
            continue
        bullet = False
        if _BULLET.match(stripped) and not stripped.startswith("**"):
            bullet, stripped = True, _BULLET.sub("", stripped, count=1)
        text = clean(stripped)
        heading = _HEADING.match(text)
        if heading:
            level, text = len(heading.group(1)), clean(heading.group(2))
        else:
            level = 0
        if not text or (len(text) == 1 and text.isalpha()):
            continue
        lead = _BOLD_LEAD.match(stripped) if not level else None
        lead_text = clean(lead.group(1)) if lead and lead.end() < len(stripped) else ""
        lines.append(PageLine(text, heading=level, bullet=bullet and not level, lead=lead_text))
    return lines


def sentences(text: str) -> list[str]:
    """A paragraph's sentences; "U.S. Embassy" and "No. 55" do not end one."""
    found, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        found.append(text[start : match.start()] + match.group(1))
        start = match.end()
    found.append(text[start:])
    return [s.strip() for s in found if s.strip()]
