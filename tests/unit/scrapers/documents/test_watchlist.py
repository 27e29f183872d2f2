"""The watched-documents source (scrapers/documents/watchlist.py): its example watchlist, and its fields
on the EUAA report's sections."""

from __future__ import annotations

from diffing.compare import compare_records
from scrapers.documents import watchlist as documents
from scrapers.documents.document_text import split_sections
from tests.conftest import SHARED

SEED_003 = next((SHARED / "seeds").glob("003_*.txt"))
SEED_004 = next((SHARED / "seeds").glob("004_*.txt"))
EXTORTION_SENTENCE = "Extortion is a problem in Peru.267"


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
