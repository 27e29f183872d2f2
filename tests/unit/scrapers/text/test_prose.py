"""Indicators and area headings from advisory prose, as the State Department writes them."""

from __future__ import annotations

from scrapers.text import prose


def test_indicators_named_in_a_due_to_clause():
    assert prose.indicators_in("due to crime, terrorism, and kidnapping") == ["C", "K", "T"]
    assert prose.indicators_in("due to health risks") == ["H"]
    assert prose.indicators_in("Exercise normal precautions") == []


def test_placeholders_are_not_area_names():
    assert prose.is_placeholder("Specified Areas")
    assert not prose.is_placeholder("Cauca")
