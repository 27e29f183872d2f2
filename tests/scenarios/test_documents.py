"""Watched documents on seeds 003 (Wikipedia) and 004 (EUAA report), as text, PDF and HTML."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from diffing.compare import compare_records
from scrapers.documents import watchlist as documents
from scrapers.documents.document_text import html_sections, split_sections
from scrapers.errors import ExtractionError
from tests.conftest import SHARED

SEED_003 = next((SHARED / "seeds").glob("003_*.txt"))
SEED_004 = next((SHARED / "seeds").glob("004_*.txt"))
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
EXTORTION_SENTENCE = "Extortion is a problem in Peru.267"
NEW_SENTENCE = "On 1 December 2025 the government declared a state of emergency in Trujillo and Chiclayo."


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "advisory_watch.cli", *args], capture_output=True, text=True)


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


def test_the_euaa_report_as_a_pdf_has_the_same_sections(tmp_path):
    from fpdf import FPDF

    replacements = {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2022": "-",
        "\u00a0": " ",
        "\u2026": "...",
    }
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    for line in SEED_004.read_text(encoding="utf-8").split("\n"):
        text = (
            "".join(replacements.get(ch, ch) for ch in line.strip())
            .encode("latin-1", "replace")
            .decode("latin-1")
        )
        if text:
            pdf.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(4)
    path = tmp_path / "euaa-peru.pdf"
    pdf.output(str(path))
    result = run_cli("extract", "document", str(path))
    assert result.returncode == 0, result.stderr
    extracted = json.loads(result.stdout)
    assert extracted["content_type"] == "pdf"
    assert [s["heading"] for s in extracted["sections"] if s["heading"]] == EUAA_HEADINGS
    extortion = next(s for s in extracted["sections"] if s["heading"] == "3.4. Extortion")
    assert extortion["text"].startswith(EXTORTION_SENTENCE)


def _replay(tmp_path, versions: list[str], *keywords: str) -> list[dict]:
    folder = tmp_path / "doc"
    folder.mkdir()
    for i, text in enumerate(versions):
        (folder / f"v{i}.txt").write_text(text, encoding="utf-8")
    args = ["replay", "document", str(folder)]
    for keyword in keywords:
        args += ["--keyword", keyword]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_edited_paragraph_is_one_changed_section(tmp_path):
    original = SEED_004.read_text(encoding="utf-8")
    edited = original.replace(EXTORTION_SENTENCE, "Extortion is a growing and violent problem in Peru.267", 1)
    assert edited != original
    [alert] = _replay(tmp_path, [original, edited, edited])  # the unchanged third version raises nothing
    assert alert["kind"] == "document_changed" and alert["severity"] == "info"
    [change] = alert["changes"]
    assert change["item"] == "3.4. Extortion"
    assert change["summary"].endswith("section 3.4. Extortion: 1 paragraph changed")
    assert "Extortion is a [+growing and violent +]problem in Peru" in change["details"]["excerpt"]


def test_added_keyword_quotes_the_sentence(tmp_path):
    original = SEED_003.read_text(encoding="utf-8")
    events = original.index("== Events ==") + len("== Events ==\n")
    edited = original[:events] + NEW_SENTENCE + " " + original[events:]
    [alert] = _replay(tmp_path, [original, edited], "state of emergency", "Tren de Aragua")
    assert alert["kind"] == "keyword_matched" and alert["severity"] == "high"
    keyword = next(c for c in alert["changes"] if c["kind"] == "keyword_matched")
    assert keyword["details"] == {"keyword": "state of emergency", "sentence": NEW_SENTENCE}
    assert {c["item"] for c in alert["changes"] if c["kind"] == "document_changed"} == {"Events"}


def test_moved_sections_are_not_removed_and_added():
    _, sections = split_sections(SEED_004.read_text(encoding="utf-8"))
    old = {"key": "d", "title": "t", "sections": [s.as_dict() for s in sections], "keywords": []}
    moved = dict(old, sections=list(reversed(old["sections"])))
    assert compare_records(documents.fields, old, moved) == []
    renamed = dict(
        old,
        sections=[
            dict(s, heading=s["heading"].replace("Extortion", "Extortion (racketeering)"))
            for s in old["sections"]
        ],
    )
    assert compare_records(documents.fields, old, renamed) == []


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


def test_watchlist_example_is_valid(monkeypatch):
    from pathlib import Path

    from advisory_watch.settings import reset_settings_cache

    monkeypatch.setenv(
        "ADVISORY_WATCH_DOCUMENTS", str(Path(documents.__file__).with_name("documents.example.yaml"))
    )
    reset_settings_cache()
    entries = documents.load_watchlist()
    assert {e.key for e in entries} == {
        "wiki-peru-security-crisis",
        "euaa-coi-peru-2023",
        "osac-peru-report-page",
    }
    assert "en.wikipedia.org" in documents.allowed_hosts
    assert entries[0].keywords[0] == "state of emergency"


def test_a_live_cycle_fetches_every_watched_document(tmp_path, monkeypatch):
    """The watchlist's URLs are the source's URLs: `run` fetches each watched document and stores it.
    (A module-level ``__getattr__`` behind the source class's empty default once made `run` fetch
    nothing at all, and no test ran the cycle.)"""
    from advisory_watch.fixture_server import FixtureServer
    from advisory_watch.settings import get_settings, reset_settings_cache
    from models.sessions import session_for
    from models.store import confirmed_records

    served = tmp_path / "peru.txt"
    served.write_bytes(SEED_003.read_bytes())
    with FixtureServer(routes={"/wiki/peru": served, "/reports/peru": served}) as server:
        watchlist = tmp_path / "documents.yaml"
        watchlist.write_text(
            "documents:\n"
            + "".join(
                f"  - id: {key}\n    name: Peru ({key})\n    url: {server.url}/{path}\n    country: PE\n"
                for key, path in (("wiki-peru", "wiki/peru"), ("report-peru", "reports/peru"))
            ),
            encoding="utf-8",
        )
        monkeypatch.setenv("ADVISORY_WATCH_DOCUMENTS", str(watchlist))
        monkeypatch.setenv("ADVISORY_WATCH_SOURCES", "document")
        reset_settings_cache()
        assert documents.urls == (f"{server.url}/wiki/peru", f"{server.url}/reports/peru")
        assert documents.allowed_hosts == {"127.0.0.1"}
        done = run_cli("run", "--source", "document", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("document: ok") + done.stderr.count("document: changed") == 2, done.stderr
    with session_for(get_settings()) as session:
        assert set(confirmed_records(session, "document")) == {"wiki-peru", "report-peru"}
