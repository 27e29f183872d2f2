"""Alerts recorded in the outbox, in the same transaction as what raised them; delivered later.

Every alert has a dedupe key: the same transition, re-derived or retried, is one alert.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import Session, select

from advisory_watch.results import NotifyMode, alert_status
from alerts.payload import AlertPayload
from diffing.changes import Severity
from models import blobs
from models.tables import Alert


def add_alert(
    session: Session,
    payload: AlertPayload,
    dedupe_key: str,
    *,
    notify: NotifyMode,
    change_id: int | None = None,
) -> AlertPayload:
    existing = session.exec(select(Alert).where(Alert.dedupe_key == dedupe_key[:255])).first()
    if existing is not None:
        # Re-derived history raising a transition it raised before: one alert, pointing at the new row.
        if change_id is not None and existing.change_id != change_id:
            existing.change_id = change_id
        return payload
    session.add(
        Alert(
            dedupe_key=dedupe_key[:255],
            source=payload.source,
            key=payload.key or "",
            country=payload.country or "",
            kind=payload.kind,
            severity=int(Severity.parse(payload.severity)),
            change_id=change_id,
            payload=payload.to_json(),
            created_at=datetime.now(UTC),
            status=alert_status(notify),
        )
    )
    return payload


def ops_alert(session: Session, payload: AlertPayload | None, *, notify: NotifyMode) -> list[AlertPayload]:
    """An ops alert for one observation (its source, kind and time name it)."""
    if payload is None:
        return []
    key = f"ops:{payload.source}:{payload.kind}:{payload.observed_at}"
    return [add_alert(session, payload, key, notify=notify)]


def ops_alert_once(
    session: Session, payload: AlertPayload, identity: str, *, notify: NotifyMode
) -> list[AlertPayload]:
    """An ops alert raised once per identity (a destination and its error), not once per cycle."""
    digest = blobs.sha256(re.sub(r"\d+", "#", identity).encode())[:24]
    return ops_alert_keyed(session, payload, f"ops:{payload.source}:{payload.kind}:{digest}", notify=notify)


def ops_alert_keyed(
    session: Session, payload: AlertPayload, key: str, *, notify: NotifyMode
) -> list[AlertPayload]:
    """An ops alert under the caller's dedupe key, unless one was already raised under it."""
    if session.exec(select(Alert.id).where(Alert.dedupe_key == key)).first() is not None:
        return []
    return [add_alert(session, payload, key, notify=notify)]
