"""The level-over-time chart, drawn server-side."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from history.svg import LEVEL_COLOURS, level_chart

T0 = datetime(2025, 10, 7, 12, tzinfo=UTC)
T1 = datetime(2025, 10, 8, 12, tzinfo=UTC)


def test_a_level_history_is_one_valid_svg_with_a_step_per_level():
    svg = level_chart([(T0, 1), (T1, 2)], {"OSAC": [T1]}, now=datetime(2025, 10, 20, tzinfo=UTC))
    root = etree.fromstring(svg.encode())  # well-formed
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert LEVEL_COLOURS[1] in svg and LEVEL_COLOURS[2] in svg
    assert "OSAC edition 2025-10-08" in svg and "2025-10-07" in svg and "2025-10-20" in svg


def test_no_level_says_so_instead_of_an_empty_chart():
    assert "No State Department level recorded" in level_chart([], {}, now=T1)
