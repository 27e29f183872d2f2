"""State Department advisory pages: the authoritative indicators and restricted areas.

The feed names indicators only in prose; the advisory page marks them explicitly. Two generations:
new pages (``…/travel-advisories/destination.<iso3>.html``: ``cmp-traveladvisory__header level-N``,
``li.tsg-utility-risk-pill`` "Terrorism (T)", ``risk-level level-N`` sections with ``location-name``
and ``location-summary``, "Date issued:") and legacy pages (``…/<slug>-travel-advisory.html``:
``.tsg-rwd-emergency-alertheader-title`` "Peru - Level 2: …", a date box, ``span.showThreat`` with
``data-tooltip`` "K: Kidnap and Hostage" for all nine indicators, the active ones marked ``active``).
Same record shape as the feed; here indicator and area changes alert, since they are explicit.

Fetched only when needed (:func:`due_urls`): a page whose feed item changed since the page was last
fetched, or any page not fetched for a week (the slow full sweep).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import lxml.html
import pycountry
from markdownify import markdownify

from diffing import tiers
from diffing.acceptance import DatedEditionPolicy
from diffing.countries import code_for_name, country_of, destination_hint
from scrapers.base import Discovery, Extracted, Extraction, PlanInputs, declare
from scrapers.errors import DestinationNotRecognised, ExtractionError, FieldMissing, LayoutNotRecognised
from scrapers.text import prose
from scrapers.text.decoding import decode_html
from scrapers.text.page_text import is_html, main_markdown, page_lines, page_markdown
from scrapers.us_state import advisory_text, state_dept_feed

name = "state-dept-page"
title = "U.S. State Department advisory pages"
government = tiers.US
corpus_folder = "unitedstates"
follows = state_dept_feed.name  # the feed's confirmed items name each page and when it changed
allowed_hosts = frozenset({"travel.state.gov"})
# The file this source reads at each moment of the corpus layout (`advisory-watch replay`).
corpus_file = "Advisory.md"
# 2: legacy pages read as text (HTML or Markdown); 3: every level sentence of the summary names
# indicators ("… Exercise increased caution due to wrongful detentions."), not only the first.
extractor_version = "state-dept-page/3"
fields = state_dept_feed.fields
# The page is authoritative: its indicators and areas are explicit, and it is edited in place.
policy = DatedEditionPolicy(
    date_field="issued", immediate_fields=("level", "indicators", "areas"), same_date_edits=True
)
# Indicators and areas the page marks (new layout, legacy HTML pills) are data and alert as they
# change. Read from prose (the archive's Markdown, where the pills are not marked) they are as
# uncertain as the feed's and alert the way the feed's do: when the page's change note confirms them.
quiet_kinds = state_dept_feed.quiet_kinds
note_field = state_dept_feed.note_field
note_exhaustive = state_dept_feed.note_exhaustive
note_by = state_dept_feed.note_by
read_note = state_dept_feed.read_note


def witnessed_fields(old: dict, new: dict) -> frozenset[str]:
    if "prose" in (old.get("indicators_from"), new.get("indicators_from")):
        return state_dept_feed.field_witnessed
    return frozenset({"level", "indicators", "areas"})


SWEEP = timedelta(days=7)
_LETTER = re.compile(r"\(([CTUKDHNEO])\)\s*$")
_TOOLTIP = re.compile(r"^([CTUKDHNEO]):")


def _text(el: Any) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def _date(text: str) -> str | None:
    match = re.search(r"([A-Z][a-z]+ \d{1,2}, \d{4})", text)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%B %d, %Y").date().isoformat()
    except ValueError:
        return None


def _key(url: str, name_text: str) -> str | None:
    iso3 = re.search(r"destination\.([a-z]{3})\.html", url or "")
    if iso3:
        country = pycountry.countries.get(alpha_3=iso3.group(1).upper())
        if country:
            return country.alpha_2
    name_text = re.sub(r"^(Kingdom|Republic|State) of (the )?", "", name_text.strip())
    return code_for_name(name_text)


def _new_page(root: Any, url: str) -> dict[str, Any]:
    header = root.cssselect(".cmp-traveladvisory__header")[0]
    level_match = re.search(r"level-([1-4])", header.get("class", "")) or re.search(
        r"Level\s*([1-4])",
        _text(root.cssselect(".travel-level")[0]) if root.cssselect(".travel-level") else "",
    )
    if not level_match:
        raise ExtractionError("advisory page: no level in the header")
    heading = _text(header.cssselect("h2")[0]) if header.cssselect("h2") else ""
    name_text = re.sub(r"^Travel advisory\s*-\s*", "", heading, flags=re.I)
    indicators = sorted(
        {m.group(1) for li in root.cssselect("li.tsg-utility-risk-pill") if (m := _LETTER.search(_text(li)))}
    )
    areas = []
    for section in root.cssselect(".risk-level"):
        level = re.search(r"level-([1-4])", section.get("class", ""))
        for block in section.cssselect(".location-name-summary") or [section]:
            area_name = (
                _text(block.cssselect(".location-name")[0]) if block.cssselect(".location-name") else ""
            )
            summary = (
                _text(block.cssselect(".location-summary")[0]) if block.cssselect(".location-summary") else ""
            )
            if area_name and level:
                areas.append(
                    {
                        "name": re.sub(r"^The\s+", "", area_name),
                        "level": int(level.group(1)),
                        "indicators": prose.indicators_in(prose.due_to_clause(summary).split(". ")[0]),
                    }
                )
    issued = _date(_text(root.cssselect(".date-issued")[0])) if root.cssselect(".date-issued") else None
    updated = root.cssselect("#tsg-page_date")
    body = root.cssselect(".cmp-traveladvisory__body")
    return {
        "country_name": name_text,
        "level": int(level_match.group(1)),
        "indicators": indicators,
        "areas": areas,
        "issued": issued,
        "last_updated": _date(_text(updated[0])) if updated else None,
        "text": _text(body[0]) if body else "",
        "title": heading,
    }


def _legacy_markdown(root: Any) -> str:
    """The legacy page's header (title, date box) and main copy as the archive's Markdown shape."""
    title_text = _text(root.cssselect(".tsg-rwd-emergency-alertheader-title")[0])
    date_box = root.cssselect(".tsg-rwd-date-box, .tsg-rwd-emergency-alertheader-date")
    issued = _date(_text(date_box[0])) if date_box else None
    body = root.cssselect(".tsg-rwd-main-copy-frame")
    header = f"### {title_text}\n\n"
    if issued:
        header = (
            f"### Travel Advisory {datetime.fromisoformat(issued):%B} {int(issued[8:])}, {issued[:4]}\n\n"
            + header
        )
    return header + (markdownify(lxml.html.tostring(body[0], encoding="unicode")) if body else "")


def _legacy_indicators(root: Any) -> list[str] | None:
    """The active indicator pills; None where the markup does not mark them (the archive's Markdown)."""
    threats = root.cssselect("span.showThreat")
    if not threats:
        return None
    return sorted(
        {
            m.group(1)
            for span in threats
            if "active" in (span.get("class") or "").split()
            and (m := _TOOLTIP.match(span.get("data-tooltip") or ""))
        }
    )


def extract(content: bytes, *, url: str = "", country: str | None = None) -> Extraction:
    """A new-style page (read by its markup), or a legacy page as HTML or as the archive's Markdown
    (read as text). ``country`` (else the URL) is a hint for pages that cover several destinations
    or do not name theirs."""
    if not content.strip():
        raise LayoutNotRecognised("empty response body")
    hint = country or destination_hint(url)
    markup_indicators = None
    if is_html(content):
        try:
            root = lxml.html.fromstring(decode_html(content))
        except (lxml.etree.ParserError, ValueError) as exc:
            raise LayoutNotRecognised(f"not parseable HTML: {exc}") from exc
        if root.cssselect(".cmp-traveladvisory__header"):
            return _new_extraction(root, url, content)
        if root.cssselect(".tsg-rwd-emergency-alertheader-title"):
            markdown = _legacy_markdown(root)
            markup_indicators = _legacy_indicators(root)
        else:
            markdown = main_markdown(root)
    else:
        markdown = page_markdown(content)
    fields_ = advisory_text.parse(page_lines(markdown), hint=hint)
    fields_["indicators_from"] = "prose"
    if markup_indicators is not None:
        fields_["indicators"], fields_["indicators_from"] = markup_indicators, "markup"
    key = fields_["key"]
    record = {"country": country_of(key), "url": url, **fields_}
    return Extraction(records=[Extracted(key=key, record=record, raw=content)])


def _new_extraction(root: Any, url: str, content: bytes) -> Extraction:
    fields_ = _new_page(root, url)
    key = _key(url, fields_["country_name"])
    if key is None:
        raise DestinationNotRecognised(f"destination {fields_['country_name']!r} not recognised")
    if fields_["issued"] is None:
        raise FieldMissing("advisory page: no issue date")
    record = {"key": key, "country": country_of(key), "url": url, "change_note": None, **fields_}
    return Extraction(records=[Extracted(key=key, record=record, raw=content)])


def due_urls(
    feed_records: dict[str, dict[str, Any]],
    feed_changed_at: dict[str, datetime],
    last_fetched: dict[str, datetime],
    now: datetime,
) -> list[str]:
    """Pages to fetch now: the feed item changed since the page's last fetch, or a week has passed."""
    due = []
    for key, record in sorted(feed_records.items()):
        url = record.get("url")
        if not url:
            continue
        fetched = last_fetched.get(url)
        changed = feed_changed_at.get(key)
        if fetched is None or (changed is not None and changed > fetched) or now - fetched >= SWEEP:
            due.append(url)
    return due


def plan(inputs: PlanInputs) -> Discovery:
    """This cycle's URLs: the pages whose feed item changed since their last fetch, or not read for a week."""
    records, changed_at = inputs.followed(follows)
    return Discovery(due_urls(records, changed_at, inputs.last_fetched(), inputs.now))


declare(__name__)
