"""What people do about an alert — acknowledge, assign, snooze its destination — and escalation when
nobody does: recorded once each (the audit trail), then shown on every Slack message of the alert.

The same functions serve the Slack interactions endpoint, Socket Mode and the CLI, so an action taken
anywhere reads the same everywhere. Each action carries a ``once`` key: an alert is acknowledged once
(a double click or a retried request finds the row and changes nothing), an assignment or snooze is
one row per click (Slack's retries repeat the click's ``action_ts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.tables import Alert, AlertAction, Delivery, Snooze

SNOOZE_FOR = {"1d": timedelta(days=1), "1w": timedelta(weeks=1)}
SNOOZE_LABEL = {"1d": "1 day", "1w": "1 week"}
KINDS = ("acknowledge", "assign", "snooze", "escalate")


@dataclass(frozen=True)
class Actor:
    """Who acted: a Slack user (``id`` U…), a CLI user (login name) or the product itself."""

    id: str
    name: str
    via: str  # slack | cli | system

    @property
    def mention(self) -> str:
        return f"<@{self.id}>" if self.via == "slack" else f"{self.name} ({self.via})"


@dataclass(frozen=True)
class Acted:
    """The outcome of one action: ``action`` is None when it was a repeat (nothing recorded)."""

    alert: Alert
    action: AlertAction | None
    reply: str


class ActionError(ValueError):
    """An action that cannot apply: an unknown alert, a bad snooze length, no assignee."""


def _clock(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _hhmm(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _record(session: Session, action: AlertAction) -> AlertAction | None:
    """Insert unless its ``once`` key is taken (a repeat): then None, and nothing else changes."""
    if session.exec(select(AlertAction.id).where(AlertAction.once == action.once)).first() is not None:
        return None
    try:
        with session.begin_nested():
            session.add(action)
    except IntegrityError:  # a concurrent request recorded it first
        return None
    session.flush()
    return action


def act(
    session: Session,
    alert_id: int,
    kind: str,
    actor: Actor,
    *,
    value: str | None = None,
    click: str | None = None,
    message: tuple[str, str] | None = None,
    now: datetime | None = None,
) -> Acted:
    """Record ``kind`` on the alert. ``value``: the assignee (assign) or 1d/1w (snooze); ``click``: what
    makes this request one action (Slack's action_ts); ``message``: the (channel id, ts) acted on."""
    when = _clock(now)
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise ActionError(f"no alert {alert_id}")
    click = click or when.isoformat()
    detail: dict[str, Any] = {}
    if kind == "acknowledge":
        once, reply = f"acknowledge:{alert_id}", f"Acknowledged by {actor.mention} at {_hhmm(when)}"
    elif kind == "assign":
        if not value:
            raise ActionError("assign needs a person")
        detail = {"assignee": value}
        once, reply = f"assign:{alert_id}:{click}", f"Assigned to {_person(value)} by {actor.mention}"
    elif kind == "snooze":
        if value not in SNOOZE_FOR:
            raise ActionError(f"snooze for {value!r}: choose one of {', '.join(SNOOZE_FOR)}")
        if not alert.country:
            raise ActionError(f"alert {alert_id} names no destination to snooze")
        until = when + SNOOZE_FOR[value]
        detail = {"country": alert.country, "until": until.isoformat(), "for": value}
        once = f"snooze:{alert_id}:{click}"
        reply = (
            f"{actor.mention} snoozed {alert.country} for {SNOOZE_LABEL[value]}: its alerts go to the "
            f"digest until {_hhmm(until)}"
        )
    else:
        raise ActionError(f"unknown action {kind!r}")
    channel_id, ts = message or (None, None)
    action = _record(
        session,
        AlertAction(
            alert_id=alert_id,
            kind=kind,
            actor=actor.id[:64],
            actor_name=actor.name[:128],
            via=actor.via,
            detail=detail or None,
            channel_id=channel_id,
            message_ts=ts,
            once=once[:128],
            created_at=when,
        ),
    )
    if action is not None and kind == "snooze":
        session.add(
            Snooze(
                country=alert.country,
                until=datetime.fromisoformat(detail["until"]),
                actor=actor.id[:64],
                action_id=action.id,
                created_at=when,
            )
        )
    session.commit()
    return Acted(alert, action, reply)


def _person(value: str) -> str:
    return f"<@{value}>" if value[:1] in "UW" and value.isalnum() else value


def actions_of(session: Session, alert_ids: list[int]) -> dict[int, list[AlertAction]]:
    """Each alert's actions, oldest first."""
    found: dict[int, list[AlertAction]] = {i: [] for i in alert_ids}
    if alert_ids:
        rows = session.exec(
            select(AlertAction)
            .where(col(AlertAction.alert_id).in_(alert_ids))
            .order_by(col(AlertAction.created_at), col(AlertAction.id))
        ).all()
        for row in rows:
            found[row.alert_id].append(row)
    return found


@dataclass(frozen=True)
class Standing:
    """Where an alert stands, for its messages: who acknowledged it, who has it, what is snoozed."""

    alert_id: int
    acknowledged: str | None = None
    assignee: str | None = None
    snoozed_until: str | None = None
    escalated: str | None = None

    def lines(self) -> list[str]:
        lines = []
        if self.acknowledged:
            lines.append(f":white_check_mark: {self.acknowledged}")
        if self.assignee:
            lines.append(f":bust_in_silhouette: Assigned to {self.assignee}")
        if self.snoozed_until:
            lines.append(f":zzz: Destination snoozed until {self.snoozed_until} (alerts to the digest)")
        if self.escalated:
            lines.append(f":rotating_light: {self.escalated}")
        return lines


def standing(actions: list[AlertAction], alert_id: int) -> Standing:
    acknowledged = assignee = snoozed = escalated = None
    for a in actions:
        who = Actor(a.actor, a.actor_name or a.actor, a.via).mention
        if a.kind == "acknowledge":
            acknowledged = f"Acknowledged by {who} at {_hhmm(a.created_at)}"
        elif a.kind == "assign":
            assignee = _person((a.detail or {}).get("assignee", ""))
        elif a.kind == "snooze":
            snoozed = _hhmm(datetime.fromisoformat((a.detail or {})["until"]))
        elif a.kind == "escalate":
            escalated = f"Escalated at {_hhmm(a.created_at)}: not acknowledged in time"
    return Standing(alert_id, acknowledged, assignee, snoozed, escalated)


def snoozed_countries(session: Session, now: datetime | None = None) -> set[str]:
    when = _clock(now)
    rows = session.exec(select(Snooze.country).where(col(Snooze.until) > when)).all()
    return {str(c).upper() for c in rows}


def messages_of(session: Session, alert: Alert) -> list[tuple[Alert, Delivery]]:
    """Every Slack message that shows this alert: its own deliveries and its escalation's."""
    alerts = [alert]
    escalation = session.exec(select(Alert).where(Alert.dedupe_key == f"escalation:{alert.id}")).first()
    if escalation is not None:
        alerts.append(escalation)
    found = []
    for shown in alerts:
        for delivery in session.exec(
            select(Delivery).where(Delivery.alert_id == shown.id, Delivery.status == "sent")
        ).all():
            if delivery.channel_id and delivery.ts:
                found.append((shown, delivery))
    return found
