"""The caller, not the outbox, records Slack's health from a flush report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, create_engine

from advisory_watch.delivery import record
from advisory_watch.drift import report as health_report
from alerts.flush_report import FlushReport, Refusal
from models.tables import SQLModel

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _session(tmp_path) -> Session:  # noqa: ANN001 - pytest's tmp_path
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    SQLModel.metadata.create_all(engine)
    return Session(engine, expire_on_commit=False)


def test_a_refusal_marks_slack_failing_at_once_and_a_later_delivery_ends_it(tmp_path):
    with _session(tmp_path) as session:
        refused = FlushReport(
            rejected=1,
            transport="slack",
            finished_at=NOW,
            refusals=[Refusal(channel="#travel-risk", reason="invalid_auth", at=NOW)],
        )
        assert not refused.reached_slack
        record(session, refused)
        shown = health_report(session, "slack")
        assert shown["consecutive_failures"] == 1
        assert shown["last_error"] == "#travel-risk: invalid_auth"

        later = NOW + timedelta(minutes=5)
        delivered = FlushReport(sent=3, transport="slack", finished_at=later)
        assert delivered.reached_slack
        record(session, delivered)
        shown = health_report(session, "slack")
        assert shown["consecutive_failures"] == 0
        assert shown["last_success_at"] == later.isoformat()


def test_the_console_or_an_empty_flush_says_nothing_about_slack(tmp_path):
    with _session(tmp_path) as session:
        for quiet in (
            FlushReport(sent=4, transport="console", finished_at=NOW),
            FlushReport(sent=0, transport="slack", finished_at=NOW),
        ):
            assert not quiet.reached_slack
            record(session, quiet)
        assert health_report(session, "slack")["last_success_at"] is None
