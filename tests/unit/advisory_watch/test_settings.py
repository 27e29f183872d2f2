"""Settings from the environment, each with a description (docs/operations/settings.md is made of them)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from advisory_watch.settings import Settings, settings_table


def test_every_setting_is_described_and_in_the_table():
    table = settings_table()
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert f"`ADVISORY_WATCH_{name.upper()}`" in table


def test_the_environment_is_read_with_the_prefix(monkeypatch):
    monkeypatch.setenv("ADVISORY_WATCH_FAILURE_THRESHOLD", "5")
    monkeypatch.setenv("ADVISORY_WATCH_LOG_LEVEL", "debug")
    settings = Settings()
    assert settings.failure_threshold == 5 and settings.log_level == "DEBUG"


def test_an_unknown_log_level_is_refused():
    with pytest.raises(ValidationError, match="not a log level"):
        Settings(log_level="loud")


def test_without_a_database_url_the_store_is_sqlite_under_home(tmp_path):
    assert (
        Settings(home=tmp_path, database_url=None).effective_database_url
        == f"sqlite:///{tmp_path / 'advisory-watch.db'}"
    )
