"""State Department country information pages (``…/Country-Information-Pages/<Country>.html``).

Read as text (``scrapers.text.page_text``): a live page's main content rendered to Markdown, or the
archive's Markdown of its "Safety and Security" section. Record: the sections as normalised text;
from Safety and Security, the areas U.S. government staff may not visit or need approval for, with
the kind of restriction (``scrapers.us_state.staff_restrictions``), and the emergency numbers by service,
normalised (``scrapers.us_state.emergency_numbers``). Changes that alert: a restricted area added, removed
or its kind changed; an emergency number changed or removed. Reworded sections are recorded as
section diffs (info).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from diffing import areas
from diffing.acceptance import AcceptancePolicy
from diffing.changes import Change, Severity
from diffing.compare import KeyedListField
from diffing.countries import code_for_name, country_of, destination_hint
from diffing.sections import SectionsField
from scrapers.base import Discovery, Extracted, Extraction, Known, PlanInputs, declare
from scrapers.errors import DestinationNotRecognised, FetchError, LayoutNotRecognised
from scrapers.text.decoding import decode_html
from scrapers.text.page_text import PageLine, html_title, page_lines, page_markdown
from scrapers.us_state import state_dept_feed, state_dept_page
from scrapers.us_state.emergency_numbers import emergency_numbers
from scrapers.us_state.staff_restrictions import restricted_areas

name = "country-page"
title = "U.S. State Department country information pages"
allowed_hosts = frozenset({"travel.state.gov"})
# The file this source reads at each moment of the corpus layout (`advisory-watch replay`).
corpus_file = "Safety and Security.md"
extractor_version = "country-page/2"  # 2: read as text; restriction kinds; numbers by service, E.164
_KIND_RANK = {"curfew": 1, "restricted": 2, "approval required": 3, "only permitted": 3, "prohibited": 4}
fields = (
    KeyedListField(
        "restricted_areas",
        "restricted_area_added",
        "restricted_area_removed",
        "restricted_area_kind_changed",
        same_item=areas.same_area,
        attribute="kind",
        severity_added=lambda a: Severity.HIGH if a.get("kind") == "prohibited" else Severity.MEDIUM,
        severity_removed=lambda a: Severity.MEDIUM,
        severity_changed=lambda a, b: (
            Severity.HIGH
            if _KIND_RANK.get(str(b.get("kind")), 0) > _KIND_RANK.get(str(a.get("kind")), 0)
            else Severity.MEDIUM
        ),
        describe=lambda a: f"{a['name']} ({a.get('kind')})",
        noun="restricted area",
    ),
    KeyedListField(
        "emergency_numbers",
        "emergency_number_added",
        "emergency_number_removed",
        "emergency_number_changed",
        same_item=lambda a, b: a == b,
        attribute="numbers",
        severity_added=lambda a: Severity.INFO,
        severity_removed=lambda a: Severity.MEDIUM,
        severity_changed=lambda a, b: Severity.MEDIUM,
        describe=lambda a: f"{a['name']} {', '.join(a.get('numbers') or [])}",
        noun="number",
    ),
    SectionsField(kind="section_changed", keywords_field="_none"),
)
policy = AcceptancePolicy()
_NUMBER_KINDS = frozenset({"emergency_number_changed", "emergency_number_removed"})
# A new number for a service is history; the section prose is shown as diffs, never alerted.
quiet_kinds = frozenset({"section_changed", "emergency_number_added"})
_PAGE_TITLE = re.compile(r"^(?P<name>.+?)\s+(?:International\s+)?Travel\s+Information\b", re.I)


def _all_numbers(record: dict) -> set[str]:
    return {n for item in record.get("emergency_numbers") or [] for n in item.get("numbers") or []}


def triage(changes: list[Change], old: dict, new: dict) -> tuple[list[Change], list[Change]]:
    """Restricted-area changes alert. A number change alerts when a number the service had is gone
    from the page: the same number now read under another service ("Dial 119 for fire or
    ambulance") is the page's wording, recorded but not alerted."""
    still_there = _all_numbers(new)
    alerting = []
    for change in changes:
        if change.kind in _NUMBER_KINDS:
            before = set((change.old or {}).get("numbers") or [])
            if before <= still_there:
                continue
        elif change.kind in quiet_kinds:
            continue
        alerting.append(change)
    return alerting, []


def _sections(lines: list[PageLine]) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for line in lines:
        if line.heading:
            if not sections or sections[-1]["heading"] != line.text:
                sections.append({"heading": line.text, "text": ""})
            continue
        if not sections:
            sections.append({"heading": "", "text": ""})
        sections[-1]["text"] = (sections[-1]["text"] + "\n\n" + line.text).strip()
    return sections


def _safety_lines(lines: list[PageLine]) -> list[PageLine]:
    """The lines of the Safety and Security section (to the next heading of its depth or above)."""
    start = next(
        (i for i, line in enumerate(lines) if line.heading and line.text.lower().startswith("safety")), None
    )
    if start is None:
        raise LayoutNotRecognised("no 'Safety and Security' section: the page layout changed")
    depth = lines[start].heading
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].heading
            and lines[i].heading <= depth
            and not lines[i].text.lower().startswith("safety")
        ),
        len(lines),
    )
    return lines[start + 1 : end]


def _destination(markdown: str, lines: list[PageLine], hint: str | None) -> tuple[str, str]:
    """(key, name): the page's own title ("Peru International Travel Information") first, then the
    hint (--country, the URL's slug, the corpus folder)."""
    for text in (html_title(markdown), *(line.text for line in lines[:3] if line.heading == 1)):
        match = _PAGE_TITLE.match(text or "")
        if match and (key := code_for_name(match.group("name"))):
            return key, match.group("name")
    if hint and (key := code_for_name(hint)):
        return key, hint
    raise DestinationNotRecognised(
        f"country page: destination {hint!r} not recognised (no page title names one)"
    )


def extract(content: bytes, *, url: str = "", country: str | None = None) -> Extraction:
    if not content.strip():
        raise LayoutNotRecognised("empty response body")
    markdown = page_markdown(content)
    lines = page_lines(markdown)
    sections = _sections(lines)
    if not any(s["text"] for s in sections):
        raise LayoutNotRecognised("the country page has no text")
    safety = _safety_lines(lines)
    key, country_name = _destination(markdown, lines, country or destination_hint(url))
    restricted = restricted_areas(safety)
    numbers = emergency_numbers(safety, country_of(key))
    record = {
        "key": key,
        "country": country_of(key),
        "country_name": country_name,
        "url": url,
        "sections": sections,
        # None when the page states none; a restriction or number that disappears from a page
        # that had it is a removal (alerted), whatever else the page still says.
        "restricted_areas": restricted or None,
        "emergency_numbers": numbers or None,
    }
    return Extraction(records=[Extracted(key=key, record=record, raw=content)])


# The site's own list of country information pages: the fallback for a destination that neither the
# feed nor its advisory page links.
COUNTRY_LIST_URL = (
    "https://travel.state.gov/content/travel/en/international-travel/International-Travel-Country-"
    "Information-Pages.html"
)
_PAGE_LINK = re.compile(
    r"(?:https?://travel\.state\.gov)?/content/travel/en/international-travel/"
    r"International-Travel-Country-Information-Pages/[A-Za-z-]+\.html"
)


def page_links(text: str) -> list[str]:
    """Country information page URLs in a text (absolute or site-relative), absolute, in order."""
    return list(
        dict.fromkeys(
            urljoin(COUNTRY_LIST_URL, link.replace("http://", "https://"))
            for link in _PAGE_LINK.findall(text)
        )
    )


def page_destination(url: str) -> str | None:
    """The destination a country page's URL names ("SouthAfrica.html" -> "ZA"), if it names one."""
    hint = destination_hint(url)
    return code_for_name(hint) if hint else None


def discover(fetcher: Any, known: Known) -> Discovery:
    """One page per destination, found where the site links it: the feed's descriptions, then the
    advisory pages ("Read the country information page …"), then — only for feed destinations
    still without one — the site's country list. A destination none of them gives is named to ops."""
    watched = known(state_dept_feed.name)
    linked = [*watched.values(), *known(state_dept_page.name).values()]
    by_destination: dict[str, str] = {}
    for text in linked:
        for url in page_links(text):
            by_destination.setdefault(page_destination(url) or url, url)

    def without_page() -> list[str]:
        return sorted(k for k in watched if k not in by_destination and country_of(k) not in by_destination)

    problems: list[str] = []
    if missing := without_page():
        try:
            answer = fetcher.get(COUNTRY_LIST_URL, allowed_hosts=allowed_hosts)
            listed = page_links(decode_html(answer.content or b""))
        except FetchError as exc:
            problems.append(f"the site's country list could not be fetched: {exc}")
        else:
            for url in listed:
                key = page_destination(url)
                if key is not None and (key in missing or any(country_of(k) == key for k in missing)):
                    by_destination.setdefault(key, url)
    return Discovery(list(dict.fromkeys(by_destination.values())), problems, without_page())


def plan(inputs: PlanInputs) -> Discovery:
    """This cycle's URLs: one country page per destination, found where the site links it."""
    return discover(inputs.fetcher, inputs.confirmed_raw)


declare(__name__)
