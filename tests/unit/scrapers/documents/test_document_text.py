"""Sections of a document as text, PDF and HTML (scrapers/documents/document_text.py), on seeds 003
(Wikipedia) and 004 (the EUAA report); headings read by hand from the seeds."""

from __future__ import annotations

import pytest

from scrapers.documents.document_text import html_sections, split_sections
from scrapers.errors import ExtractionError
from tests.conftest import SHARED

SEED_003 = next((SHARED / "seeds").glob("003_*.txt"))
SEED_004 = next((SHARED / "seeds").glob("004_*.txt"))
EXTORTION_SENTENCE = "Extortion is a problem in Peru.267"


EUAA_HEADINGS = [
    "1. Overview",
    "1.1. Economy",
    "1.2. Government",
    "1.3. Judicial system",
    "1.3.1. Structure",
    "1.3.2. Effectiveness",
    "1.3.3. Witness protection program",
    "1.4. State security forces",
    "1.4.1. Effectiveness",
    "1.5. Political developments",
    "2. Demonstrations",
    "2.1. Treatment by authorities",
    "2.2. Investigations into abuses",
    "3. Criminality",
    "3.1. Homicides",
    "3.2. Human trafficking",
    "3.3. Kidnapping",
    "3.4. Extortion",
    "3.5. Armed and criminal groups",
    "3.5.1. Criminal groups",
    "3.5.2. Shining Path (Sendero Luminoso) and Militarized Communist",
    "3.6. State response",
    "4. Domestic violence and gender-based violence",
    "4.1. Prevalence and social attitudes",
    "4.2. Legislation and state protection",
    "4.2.1. Reporting and seeking assistance",
    "4.2.2. State protection",
    "4.2.3. Hotlines and shelters",
    "5. Situation of LGBTI people",
]


def test_euaa_report_text_has_its_numbered_sections():
    _, sections = split_sections(SEED_004.read_text(encoding="utf-8"))
    assert [s.heading for s in sections if s.heading] == EUAA_HEADINGS
    extortion = next(s for s in sections if s.heading == "3.4. Extortion")
    assert extortion.text.startswith(EXTORTION_SENTENCE)
    # numbered list items inside 1.3.1 ("1. Unlicenced Justices of Peace …") are text, not headings
    structure = next(s for s in sections if s.heading == "1.3.1. Structure")
    assert "Unlicenced Justices of Peace" in structure.text


def test_wikipedia_article_sections():
    title, sections = split_sections(SEED_003.read_text(encoding="utf-8"))
    assert title == "Peruvian security crisis"
    assert [s.heading for s in sections] == ["", "Events"]
    assert sections[1].text.startswith("Since 2021, there has been a steady increase in crime")


def test_html_with_a_selector_and_dropped_parts():
    html = b"""<html><head><title>Report</title></head><body><nav>Home | About</nav>
    <div class="report"><h2>Crime</h2><p>Crime is common.</p><p class="views">5277 all time</p>
    <h2>Kidnapping</h2><p>Kidnapping is rare.</p></div><footer>Related Content</footer></body></html>"""
    title, sections = html_sections(html, selector=".report", drop=(".views",))
    assert title == "Report"
    assert [(s.heading, s.text) for s in sections] == [
        ("Crime", "Crime is common."),
        ("Kidnapping", "Kidnapping is rare."),
    ]
    with pytest.raises(ExtractionError, match="matches nothing"):
        html_sections(html, selector=".mss-content-listitem")


def test_html_main_content_without_a_selector():
    paragraphs = "".join(f"<p>{p}</p>" for p in SEED_003.read_text(encoding="utf-8").split("\n\n")[3:8])
    html = (
        f"<html><head><title>Peruvian security crisis</title></head><body><nav><a href='/'>Main page</a>"
        f"<a href='/r'>Random</a></nav><main><h1>Peruvian security crisis</h1><h2>Events</h2>{paragraphs}"
        f"</main><footer>This page was last edited on 1 November 2025</footer></body></html>"
    ).encode()
    _, sections = html_sections(html)
    text = " ".join(s.text for s in sections)
    assert "Supreme Decree 012-2022-PCM" in text
    assert "last edited" not in text and "Random" not in text
