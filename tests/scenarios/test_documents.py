"""Watched documents on seeds 003 (Wikipedia) and 004 (EUAA report), as text, PDF and HTML."""

from __future__ import annotations

import json
import subprocess
import sys

from scrapers.documents import watchlist as documents
from tests.conftest import SHARED
from tests.unit.scrapers.documents.test_document_text import EUAA_HEADINGS

SEED_003 = next((SHARED / "seeds").glob("003_*.txt"))
SEED_004 = next((SHARED / "seeds").glob("004_*.txt"))
EXTORTION_SENTENCE = "Extortion is a problem in Peru.267"
NEW_SENTENCE = "On 1 December 2025 the government declared a state of emergency in Trujillo and Chiclayo."


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "advisory_watch.cli", *args], capture_output=True, text=True)


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
