"""Numbers that matter only past a threshold, with the OC Index's own fields (Peru, 2023 -> 2025)."""

from __future__ import annotations

from diffing.changes import Severity
from diffing.threshold_fields import ThresholdField

CRIMINALITY = ThresholdField("criminality.score", "score_changed", 0.5, worse="up", label="criminality")


def _peru(score: float) -> dict:
    return {"key": "PE", "country_name": "Peru", "criminality": {"score": score}}


def test_a_move_below_the_threshold_is_no_change():
    assert CRIMINALITY.compare(_peru(6.1), _peru(6.5)) == []


def test_a_worse_move_is_medium_and_twice_the_threshold_high():
    [medium] = CRIMINALITY.compare(_peru(6.1), _peru(6.7))
    assert (medium.severity, medium.summary) == (Severity.MEDIUM, "Peru — criminality 6.1 → 6.7 (+0.6)")
    [high] = CRIMINALITY.compare(_peru(6.1), _peru(7.2))
    assert high.severity is Severity.HIGH


def test_a_better_move_is_informational_and_a_missing_value_no_change():
    [better] = CRIMINALITY.compare(_peru(7.2), _peru(6.1))
    assert better.severity is Severity.INFO
    assert CRIMINALITY.compare({"key": "PE"}, _peru(6.1)) == []
