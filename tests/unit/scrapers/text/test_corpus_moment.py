"""Corpus moments: a folder named by the moment its files were captured."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapers.text.corpus_moment import moment_time


def test_a_moment_folder_names_its_utc_time():
    assert moment_time("2025-12-11T062209Z") == datetime(2025, 12, 11, 6, 22, 9, tzinfo=UTC)


def test_other_names_are_no_moment():
    assert moment_time("notes") is None
    assert moment_time("info.json") is None
