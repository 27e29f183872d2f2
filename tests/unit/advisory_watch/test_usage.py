"""Ordinary mistakes explained in one line; defects left to their traceback."""

from __future__ import annotations

from pydantic import ValidationError

from advisory_watch.settings import Settings
from advisory_watch.usage import UsageError, explain


def test_a_bad_setting_names_its_variable():
    try:
        Settings(fetch_timeout="abc")
    except ValidationError as exc:
        assert "ADVISORY_WATCH_FETCH_TIMEOUT" in (explain(exc) or "")


def test_a_missing_file_names_it():
    assert explain(FileNotFoundError(2, "No such file or directory", "routing.yaml")) == (
        "No such file or directory: routing.yaml"
    )


def test_a_usage_error_is_its_own_message_and_a_defect_is_not_explained():
    assert explain(UsageError("replay takes SOURCE DIR")) == "replay takes SOURCE DIR"
    assert explain(KeyError("x")) is None
