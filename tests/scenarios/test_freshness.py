"""A source that stops succeeding is news: time since its last successful live cycle, against its
schedule, in `advisory-watch health` and the history browser; an ops alert once per silence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from advisory_watch.freshness import freshness, raise_stale_sources, schedule_interval
from advisory_watch.ingest import ingest
from advisory_watch.results import FetchInfo
from advisory_watch.settings import get_settings
from models.sessions import session_for
from models.tables import Alert, SourceHealth
from scrapers.us_state import state_dept_feed
from tests.conftest import FEED_0107, FEED_1008, run_cli


def test_schedule_intervals():
    assert schedule_interval("@hourly") == timedelta(hours=1)
    assert schedule_interval("15 * * * *") == timedelta(hours=1)
    assert schedule_interval("@weekly") == timedelta(weeks=1)
    assert schedule_interval("0 6 * * 1-5") == timedelta(days=3)  # Friday 06:00 -> Monday 06:00


def _stale_alerts(session) -> list[Alert]:
    return session.exec(select(Alert).where(Alert.kind == "source_stale")).all()


def test_a_silent_source_is_told_once_per_silence():
    now = datetime.now(UTC)
    settings = get_settings()
    with session_for() as session:
        ingest(session, state_dept_feed, FEED_0107.read_bytes(), url=state_dept_feed.urls[0], observed_at=now)
        assert raise_stale_sources(session, settings) == []
        # Four hours without a success on an hourly schedule (allowed: 3 h).
        session.get(SourceHealth, "state-dept-feed").last_success_at = now - timedelta(hours=4)
        session.commit()
        state = freshness(session, "state-dept-feed", now, 3)
        assert state["stale"] and state["stale_after_seconds"] == 3 * 3600
        [raised] = raise_stale_sources(session, settings)
        assert raised.kind == "source_stale" and "no successful cycle for 4.0 h" in raised.summary
        assert raise_stale_sources(session, settings) == []  # the same silence: told once
        # A success ends the silence; a later silence is told again.
        ingest(session, state_dept_feed, FEED_1008.read_bytes(), url=state_dept_feed.urls[0], observed_at=now)
        assert not freshness(session, "state-dept-feed", now, 3)["stale"]
        session.get(SourceHealth, "state-dept-feed").last_success_at = now - timedelta(hours=7)
        session.commit()
        assert len(raise_stale_sources(session, settings)) == 1
        assert len(_stale_alerts(session)) == 2
        # Sources never fetched live (oc-index here) are not judged.
        assert not freshness(session, "oc-index", now, 3)["stale"]


def test_replayed_history_is_not_a_silence():
    with session_for() as session:
        ingest(
            session,
            state_dept_feed,
            FEED_0107.read_bytes(),
            url=state_dept_feed.urls[0],
            observed_at=datetime(2025, 10, 7, 12, tzinfo=UTC),
            info=FetchInfo(provenance="replay"),
        )
        assert raise_stale_sources(session, get_settings()) == []


def test_health_command_shows_the_silence_and_fails():
    now = datetime.now(UTC)
    with session_for() as session:
        ingest(session, state_dept_feed, FEED_0107.read_bytes(), url=state_dept_feed.urls[0], observed_at=now)
        session.get(SourceHealth, "state-dept-feed").last_success_at = now - timedelta(hours=5)
        session.commit()
    shown = run_cli("health", "--source", "state-dept-feed")
    assert shown.returncode == 1
    assert "5.0 h ago; STALE: allowed 3 h" in shown.stdout
