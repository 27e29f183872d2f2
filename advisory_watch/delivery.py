"""Delivering the outbox, and telling the health page how it went.

The outbox only reports what Slack did (``FlushReport``); recording that on the health page (source
``slack``) is the caller's business, so delivery never reaches up into the application. Every face
(the CLI, the Airflow tasks) flushes through here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from advisory_watch import health
from advisory_watch.settings import Settings
from alerts import outbox
from alerts.configured import configured_routing, configured_transport
from alerts.flush_report import FlushReport
from alerts.routing import Routing
from alerts.sinks import Transport


def record(session: Session, report: FlushReport) -> None:
    """A refusal marks Slack failing at once (threshold 1: a refused token stays refused); a flush that
    reached Slack with nothing refused ends the streak."""
    for refusal in report.refusals:
        health.record_failure(
            session,
            source="slack",
            kind="delivery_failed",
            error=f"{refusal.channel}: {refusal.reason}",
            observed_at=refusal.at,
            threshold=1,
        )
    if report.reached_slack and report.finished_at is not None:
        health.record_success(session, source="slack", observed_at=report.finished_at)
    session.commit()


def flush(
    session: Session,
    transport: Transport,
    routing: Routing,
    *,
    lease: timedelta = outbox.LEASE,
) -> FlushReport:
    report = outbox.flush(session, transport, routing, lease=lease)
    record(session, report)
    return report


def flush_configured(session: Session, settings: Settings) -> FlushReport:
    transport = configured_transport(settings)
    return flush(session, transport, configured_routing(settings, transport))
