"""A view kept until the store changes: the same version hands back the kept value, a new fetch row
(every ingest writes one) computes it again, and nothing is kept past the TTL."""

from __future__ import annotations

from datetime import UTC, datetime

from advisory_watch.settings import Settings
from history import derived
from models.sessions import session_for
from models.tables import Fetch, FetchStatus


def test_a_view_is_computed_once_per_version_of_the_store(tmp_path, monkeypatch):
    calls: list[int] = []

    def compute(session) -> int:  # noqa: ANN001
        calls.append(1)
        return len(calls)

    with session_for(Settings(database_url=f"sqlite:///{tmp_path / 'store.db'}")) as session:
        assert derived.kept(session, "view", compute) == 1
        assert derived.kept(session, "view", compute) == 1  # the same store: kept
        session.add(
            Fetch(source="s", url="u", observed_at=datetime(2026, 3, 4, tzinfo=UTC), status=FetchStatus.OK)
        )
        session.commit()
        assert derived.kept(session, "view", compute) == 2  # a new observation: computed again
        monkeypatch.setattr(derived, "TTL", 0.0)
        assert derived.kept(session, "view", compute) == 3  # past the TTL: looked at again
    with session_for(Settings(database_url=f"sqlite:///{tmp_path / 'other.db'}")) as other:
        monkeypatch.setattr(derived, "TTL", 30.0)
        assert derived.kept(other, "view", compute) == 4  # another store keeps its own
