"""Escalation: a high or critical alert nobody acknowledged within its route's limit is re-posted once
to the escalation channel, naming who was notified.

It runs at the start of every outbox flush (the delivery DAG's schedule). Exactly once: the escalation
is an ``escalate`` action (one per alert, by its ``once`` key) and an alert in the outbox (one per
alert, by its dedupe key), written in one transaction; the outbox then delivers it exactly once like
any alert. Acknowledging the alert later updates the escalation message too (``alerts.actions``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from alerts.payload import AlertPayload, parse_payload
from alerts.routing import Routing
from diffing.changes import Severity
from models.tables import Alert, AlertAction, Delivery

ESCALATES_FROM = Severity.HIGH
SYSTEM = "advisory-watch"
LOOK_BACK = timedelta(days=7)  # the longest limit honoured: older alerts are history, not pages


def queue_escalations(session: Session, routing: Routing, *, now: datetime | None = None) -> int:
    """Queue the escalations now due; returns how many."""
    if not routing.escalation_channel:
        return 0
    now = (now or datetime.now(UTC)).astimezone(UTC)
    handled = select(AlertAction.alert_id).where(col(AlertAction.kind).in_(["acknowledge", "escalate"]))
    candidates = session.exec(
        select(Alert)
        .where(Alert.status == "sent", col(Alert.severity) >= int(ESCALATES_FROM))
        .where(col(Alert.delivered_at) >= now - LOOK_BACK)
        .where(col(Alert.id).not_in(handled))
        .where(~col(Alert.dedupe_key).startswith("escalation:"))
    ).all()
    queued = 0
    for alert in candidates:
        payload = parse_payload(alert.payload)
        if not isinstance(payload, AlertPayload) or payload.ops:
            continue
        if alert.delivered_at is None or alert.id is None:
            continue
        deliveries = session.exec(
            select(Delivery).where(Delivery.alert_id == alert.id, Delivery.status == "sent")
        ).all()
        notified = sorted({d.channel for d in deliveries})
        minutes = routing.escalation_minutes(payload, notified)
        if minutes is None:
            continue
        if alert.delivered_at + timedelta(minutes=minutes) > now:
            continue
        assigned = [
            (a.detail or {}).get("assignee")
            for a in session.exec(
                select(AlertAction).where(AlertAction.alert_id == alert.id, AlertAction.kind == "assign")
            ).all()
        ]
        session.add(
            AlertAction(
                alert_id=alert.id,
                kind="escalate",
                actor=SYSTEM,
                actor_name=SYSTEM,
                via="system",
                detail={
                    "channel": routing.escalation_channel,
                    "after_minutes": minutes,
                    "notified": notified,
                },
                once=f"escalate:{alert.id}",
                created_at=now,
            )
        )
        session.add(
            Alert(
                dedupe_key=f"escalation:{alert.id}",
                source=alert.source,
                key=alert.key,
                country=alert.country,
                kind="escalation",
                severity=alert.severity,
                change_id=None,
                payload=payload.escalated(
                    routing.escalation_channel,
                    {
                        "of_alert": alert.id,
                        "after_minutes": minutes,
                        "notified": notified,
                        "assignee": assigned[-1] if assigned else None,
                    },
                ).to_json(),
                created_at=now,
                status="pending",
            )
        )
        session.commit()
        queued += 1
    return queued
