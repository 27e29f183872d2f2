"""Severities: one scale for every government's levels."""

from __future__ import annotations

import pytest

from diffing.changes import Change, Severity, level_change_severity, reached_level_severity


@pytest.mark.parametrize(
    ("old", "new", "severity"),
    [
        (1, 2, Severity.MEDIUM),
        (2, 3, Severity.HIGH),
        (1, 4, Severity.CRITICAL),
        (3, 4, Severity.CRITICAL),
        (4, 3, Severity.INFO),
        (2, 1, Severity.INFO),
    ],
)
def test_a_raise_is_as_severe_as_the_level_reached_a_lowering_is_info(old, new, severity):
    assert level_change_severity(old, new) is severity


def test_a_move_whose_direction_nobody_read():
    assert reached_level_severity(3) is Severity.HIGH
    assert reached_level_severity(1) is Severity.INFO  # level 1 is the floor: it was a lowering
    assert reached_level_severity(None) is Severity.MEDIUM


def test_severities_parse_from_labels_numbers_and_themselves():
    assert Severity.parse("high") is Severity.HIGH
    assert Severity.parse(" Critical ") is Severity.CRITICAL
    assert Severity.parse(0) is Severity.INFO
    assert Severity.parse(Severity.LOW) is Severity.LOW
    with pytest.raises(KeyError):
        Severity.parse("urgent")


def test_a_change_as_a_dict_carries_its_severity_label():
    change = Change(
        "level_changed", "level", 1, 2, Severity.MEDIUM, "Peru — Level 1 → Level 2", witnesses=("field",)
    )
    assert change.as_dict() == {
        "kind": "level_changed",
        "field": "level",
        "old": 1,
        "new": 2,
        "severity": "medium",
        "summary": "Peru — Level 1 → Level 2",
        "item": None,
        "details": {},
        "witnesses": ("field",),
    }
