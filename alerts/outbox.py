"""Delivering the outbox: every pending alert once, oldest first, each marked sent in its own commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select

from advisory_watch.settings import Settings
from alerts.sinks import AlertSink, ConsoleSink
from models.tables import Alert


def configured_sink(settings: Settings) -> AlertSink:
    """Slack when configured, else the console: the main job runs without Slack."""
    if settings.slack_token and settings.slack_channel:
        from alerts.slack import SlackWebSink

        return SlackWebSink(settings.slack_token, settings.slack_channel, settings.slack_base_url)
    if settings.slack_webhook_url:
        from alerts.slack import SlackWebhookSink

        return SlackWebhookSink(settings.slack_webhook_url)
    return ConsoleSink(jsonl_path=settings.alerts_jsonl)


def pending(session: Session, limit: int = 1000) -> list[Alert]:
    return list(
        session.exec(
            select(Alert).where(Alert.status == "pending").order_by(col(Alert.id)).limit(limit)
        ).all()
    )


def deliver_pending(session: Session, sink: AlertSink) -> tuple[int, int]:
    """(sent, failed). A failed alert stays pending with its error, to be tried on the next flush."""
    sent = failed = 0
    for alert in pending(session):
        alert.attempts += 1
        try:
            delivery = sink.send(alert.payload)
        except Exception as exc:  # noqa: BLE001 - any sink failure keeps the alert pending
            alert.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            session.add(alert)
            session.commit()
            failed += 1
            continue
        alert.status = "sent"
        alert.delivered_at = datetime.now(UTC)
        alert.channel = delivery.channel
        alert.slack_ts = delivery.ts
        session.add(alert)
        session.commit()
        sent += 1
    return sent, failed
