"""Database sessions for every entry point: one URL from the settings, migrated once per process."""

from __future__ import annotations

from sqlmodel import Session

from advisory_watch.settings import Settings, get_settings
from models.db import engine_for, upgrade

_migrated: set[str] = set()


def ensure_schema(url: str) -> None:
    """Run migrations once per process and database (they are also run by `advisory-watch db upgrade`)."""
    if url not in _migrated:
        upgrade(url)
        _migrated.add(url)


def session_for(settings: Settings | None = None) -> Session:
    settings = settings or get_settings()
    url = settings.effective_database_url
    ensure_schema(url)
    return Session(engine_for(url), expire_on_commit=False)
