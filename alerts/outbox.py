"""The outbox: every alert reaches each of its channels exactly once.

How: alerts are written in the ingest transaction (status pending). A flush routes each new alert to
its channels (one Delivery row per alert and channel, unique), then for each delivery:
  1. claims it with a conditional UPDATE (pending, or a 'sending' claim older than the lease), so two
     workers never post the same delivery;
  2. if an earlier attempt may have posted it (attempts > 0), looks for the message by its marker
     (Slack message metadata) and, if found, records it as sent without posting again;
  3. counts the attempt (committed before posting), posts, and records channel id, ts and thread.
A crash between posting and recording leaves a stale claim; the next flush after the lease verifies
and finds the message. Refusals (channel_not_found, invalid_auth) keep the delivery pending and raise
one ops alert. Follow-ups for the same destination and source within the thread window are posted as
replies in the first alert's thread, broadcast to the channel when severe.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from alerts import actions, blocks, escalation
from alerts.flush_report import FlushReport, Refusal
from alerts.payload import DigestPayload, ops_payload, parse_payload
from alerts.routing import Routing
from alerts.sinks import ConsoleTransport, DeliveryError, DeliveryRejected, DeliveryUncertain, Transport
from diffing.changes import Severity
from models.tables import Alert, Delivery

LEASE = timedelta(minutes=5)
BROADCAST_FROM = Severity.HIGH


def pending(session: Session, limit: int = 1000) -> list[Alert]:
    query = select(Alert).where(Alert.status == "pending").order_by(col(Alert.id)).limit(limit)
    return list(session.exec(query).all())


def withdraw_for_changes(session: Session, change_ids: list[int]) -> None:
    """The alerts of changes that history no longer supports. An alert already delivered (or pending
    delivery) stays, detached from its change, as the record of what was said; an alert still held or
    waiting for the digest (never shown to anyone) is withdrawn with its deliveries."""
    for alert in session.exec(select(Alert).where(col(Alert.change_id).in_(change_ids))).all():
        if alert.status in ("held", "digest"):
            session.exec(delete(Delivery).where(col(Delivery.alert_id) == alert.id))
            session.delete(alert)
        else:
            alert.change_id = None
    session.flush()


def _insert_ignore(session: Session, values: dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.exec(
        insert(Delivery).values(**values).on_conflict_do_nothing(index_elements=["alert_id", "channel"])
    )


def route_new_alerts(session: Session, routing: Routing, now: datetime | None = None) -> int:
    """Plan one delivery per channel for alerts not yet routed (routing read at flush time)."""
    planned = 0
    snoozed = actions.snoozed_countries(session, now)
    for alert in session.exec(
        select(Alert).where(Alert.status == "pending", col(Alert.routed).is_(False))
    ).all():
        payload = parse_payload(alert.payload)
        live = not (payload.ops or payload.digest or payload.escalation)
        if live and str(alert.country or "").upper() in snoozed:
            # A snoozed destination's alerts wait for the digest (its changes are in it), not a channel.
            alert.routed, alert.status = True, "digest"
            session.add(alert)
            continue
        channels = routing.live_channels(payload)
        for channel in channels:
            _insert_ignore(
                session,
                {
                    "alert_id": alert.id,
                    "channel": channel,
                    "source": alert.source,
                    "key": alert.key,
                    "status": "pending",
                    "attempts": 0,
                },
            )
            planned += 1
        alert.routed = True
        if not channels:
            alert.status = "failed"
            alert.last_error = "no channel: configure default_channel or a matching route"
        session.add(alert)
    session.commit()
    return planned


def _claim(session: Session, delivery_id: int, now: datetime, lease: timedelta) -> str | None:
    token = uuid.uuid4().hex
    result = session.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .where(
            or_(
                col(Delivery.status) == "pending",
                (col(Delivery.status) == "sending") & (col(Delivery.claimed_at) < now - lease),
            )
        )
        .values(status="sending", claim=token, claimed_at=now)
    )
    session.commit()
    return token if result.rowcount == 1 else None


def _thread_root(
    session: Session, delivery: Delivery, window: timedelta, now: datetime, alert: Alert
) -> Delivery | None:
    """The message a delivery replies under: the first of the alerts it names (``thread_with``: a
    consensus alert joins the governments' own alerts), else the last alert of the same source and
    destination in this channel within the thread window."""
    named = [i for i in parse_payload(alert.payload).thread_with or () if isinstance(i, int)]
    if named:
        first = session.exec(
            select(Delivery)
            .where(Delivery.channel == delivery.channel, col(Delivery.alert_id).in_(named))
            .where(Delivery.status == "sent", col(Delivery.sent_at) >= now - window)
            .order_by(col(Delivery.sent_at))
            .limit(1)
        ).first()
        if first is not None:
            return first
    if not delivery.key:
        return None
    return session.exec(
        select(Delivery)
        .where(
            Delivery.channel == delivery.channel,
            Delivery.source == delivery.source,
            Delivery.key == delivery.key,
        )
        .where(
            Delivery.status == "sent", col(Delivery.sent_at) >= now - window, col(Delivery.id) != delivery.id
        )
        .order_by(col(Delivery.sent_at).desc())
        .limit(1)
    ).first()


def _ops_notice(session: Session, alert: Alert, delivery: Delivery, reason: str, now: datetime) -> None:
    """Slack refused a delivery: tell ops once, in Slack and — since a refused token refuses the ops
    alert too — on the console/JSON sink. (The health page hears of it from the caller, through the
    report's refusals.)"""
    from advisory_watch.settings import get_settings

    print(f"advisory-watch: Slack refused alert {alert.id} for {delivery.channel}: {reason}", file=sys.stderr)
    if parse_payload(alert.payload).ops:
        return  # never an ops alert about an ops alert
    payload = ops_payload(
        source="slack",
        kind="slack_delivery_failed",
        observed_at=now,
        severity=Severity.HIGH,
        summary=f"Slack refused alerts for {delivery.channel}: {reason}; they stay pending",
        error=reason,
    )
    dedupe = f"ops:slack:{reason}:{delivery.channel}"[:255]
    if session.exec(select(Alert.id).where(Alert.dedupe_key == dedupe)).first() is None:
        session.add(
            Alert(
                dedupe_key=dedupe,
                source="slack",
                kind=payload.kind,
                severity=int(Severity.HIGH),
                payload=payload.to_json(),
                created_at=now,
                status="pending",
            )
        )
        session.commit()
        # The same notice where it is seen without Slack: a JSON line on stderr and in the JSON file.
        ConsoleTransport(stream=sys.stderr, jsonl_path=get_settings().alerts_jsonl).post(
            "console", {}, payload.to_json(), marker=dedupe
        )


def _mark_sent(
    session: Session,
    delivery: Delivery,
    channel_id: str,
    ts: str | None,
    thread_ts: str | None,
    now: datetime,
) -> None:
    delivery.status = "sent"
    delivery.channel_id = channel_id
    delivery.ts = ts
    delivery.thread_ts = thread_ts or ts
    delivery.sent_at = now
    delivery.last_error = None
    session.add(delivery)
    alert = session.get(Alert, delivery.alert_id)
    if alert is not None and alert.channel is None:
        alert.channel, alert.slack_ts = channel_id, ts
    session.commit()
    _settle_alert(session, delivery.alert_id, now)


def _settle_alert(session: Session, alert_id: int, now: datetime) -> None:
    open_rows = session.exec(
        select(Delivery.id).where(Delivery.alert_id == alert_id, Delivery.status != "sent")
    )
    if open_rows.first() is None:
        alert = session.get(Alert, alert_id)
        if alert is not None and alert.status == "pending":
            alert.status, alert.delivered_at = "sent", now
            session.add(alert)
            session.commit()


def flush(
    session: Session,
    transport: Transport,
    routing: Routing,
    *,
    now: datetime | None = None,
    lease: timedelta = LEASE,
    limit: int = 5000,
) -> FlushReport:
    """Route new alerts, then deliver every claimable delivery once, oldest first.

    A second round delivers the ops alerts the first round raised (a refused channel), so ops hear of
    it in the same flush.
    """
    report = FlushReport(transport=transport.name)
    seen: set[int] = set()
    escalation.queue_escalations(session, routing, now=now)
    for _ in range(2):
        route_new_alerts(session, routing, now)
        ids = session.exec(
            select(Delivery.id)
            .where(col(Delivery.status).in_(["pending", "sending"]))
            .order_by(col(Delivery.id))
            .limit(limit)
        ).all()
        fresh = [i for i in ids if i is not None and i not in seen]
        seen.update(fresh)
        rejected_before = report.rejected
        _deliver(session, transport, routing, fresh, report, now=now, lease=lease)
        if report.rejected == rejected_before:
            break
    _count_left(session, report)
    report.finished_at = now or datetime.now(UTC)
    return report


def _count_left(session: Session, report: FlushReport) -> None:
    statuses = dict(session.exec(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    unrouted = session.exec(
        select(func.count()).select_from(Alert).where(Alert.status == "pending", col(Alert.routed).is_(False))
    ).one()
    report.waiting = int(statuses.get("pending", 0)) + int(unrouted)
    report.leased = int(statuses.get("sending", 0))


def _deliver(
    session: Session,
    transport: Transport,
    routing: Routing,
    ids: list[int],
    report: FlushReport,
    *,
    now: datetime | None,
    lease: timedelta,
) -> None:
    window = timedelta(hours=routing.thread_window_hours)
    for delivery_id in ids:
        moment = now or datetime.now(UTC)
        if _claim(session, delivery_id, moment, lease) is None:
            continue
        delivery = session.get(Delivery, delivery_id)
        alert = session.get(Alert, delivery.alert_id) if delivery is not None else None
        if delivery is None or alert is None:  # claimed just now, so both rows exist
            raise LookupError(f"delivery {delivery_id} or its alert vanished after it was claimed")
        session.refresh(delivery)
        if _waits_for_earlier(session, delivery):
            # Per destination and channel, alerts go out in order, so a follow-up never overtakes (or
            # loses the thread of) an earlier alert whose delivery is still unresolved.
            _release(
                session, delivery, alert, delivery.last_error or "waiting for an earlier alert", count=False
            )
            continue
        marker = f"aw-{alert.id}-{delivery.id}"
        if delivery.attempts > 0:
            thread_ts = delivery.thread_ts  # where the earlier attempt posted: look there, post there again
        else:
            root = (
                _thread_root(session, delivery, window, moment, alert) if transport.supports_threads else None
            )
            thread_ts = (root.thread_ts or root.ts) if root else None
        try:
            if delivery.attempts > 0 and transport.can_verify:
                found = transport.find(
                    delivery.channel,
                    marker,
                    since=alert.created_at - timedelta(minutes=1),
                    thread_ts=thread_ts,
                )
                if found is not None:
                    _mark_sent(session, delivery, found.channel_id, found.ts, thread_ts, moment)
                    report.verified += 1
                    continue
            delivery.thread_ts = thread_ts
            delivery.attempts += 1
            alert.attempts += 1
            session.add_all([delivery, alert])
            session.commit()
            severe = Severity.parse(parse_payload(alert.payload).severity or "info") >= BROADCAST_FROM
            posted = transport.post(
                delivery.channel,
                message_of(session, alert, with_controls=transport.name == "slack"),
                alert.payload,
                marker=marker,
                thread_ts=thread_ts,
                broadcast=bool(thread_ts) and severe,
            )
        except DeliveryRejected as exc:
            _release(session, delivery, alert, f"rejected: {exc.reason}")
            _ops_notice(session, alert, delivery, exc.reason, moment)
            report.refusals.append(Refusal(channel=delivery.channel, reason=exc.reason, at=moment))
            report.rejected += 1
            report.errors.append(exc.reason)
            continue
        except DeliveryError as exc:
            kind = "uncertain" if isinstance(exc, DeliveryUncertain) else "failed"
            _release(session, delivery, alert, f"{kind}: {exc}")
            report.failed += 1
            report.errors.append(str(exc))
            continue
        _mark_sent(session, delivery, posted.channel_id, posted.ts, thread_ts, moment)
        report.sent += 1


def message_of(session: Session, alert: Alert, *, with_controls: bool = True) -> dict[str, Any]:
    """The Slack message of an alert as it stands now: a digest, or the alert with what people did
    about it and its buttons (an escalation shows, and acts on, the alert it escalates)."""
    payload = parse_payload(alert.payload)
    if isinstance(payload, DigestPayload):
        return blocks.render_digest(payload.title, payload.items)
    if not with_controls:
        return blocks.render(payload)
    subject = int((payload.escalation or {}).get("of_alert") or alert.id or 0)
    return blocks.render(payload, actions.standing(actions.actions_of(session, [subject])[subject], subject))


def _release(session: Session, delivery: Delivery, alert: Alert, error: str, count: bool = True) -> None:
    delivery.status = "pending"
    delivery.claim = None
    if count:
        delivery.last_error = error[:2000]
        alert.last_error = error[:2000]
    session.add_all([delivery, alert])
    session.commit()


def _waits_for_earlier(session: Session, delivery: Delivery) -> bool:
    if not delivery.key:
        return False
    earlier = session.exec(
        select(Delivery.id)
        .where(
            Delivery.channel == delivery.channel,
            Delivery.source == delivery.source,
            Delivery.key == delivery.key,
        )
        .where(col(Delivery.id) < delivery.id, Delivery.status != "sent")
        .limit(1)
    ).first()
    return earlier is not None
