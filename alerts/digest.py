"""The daily digest: one message per digest channel, the last 24 h of changes by severity and place.

Built from the change table (every typed change, including those that do not alert on their own,
such as indicators inferred from the feed's prose), filtered by each digest route, and queued in the
outbox like any alert, so it is delivered exactly once. An empty day sends nothing.

Backfills run with ``notify=digest`` leave their alerts in status ``digest``: the changes behind them
(observed long ago, so outside any 24 h window) join the next digest once, marked ``digested`` then.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from alerts.payload import DigestItem, DigestPayload
from alerts.routing import Routing
from diffing.changes import Severity
from models.tables import Alert, Change


def _item(change: Change) -> DigestItem:
    place, _, what = change.summary.partition(" — ")
    label = Severity(change.severity).label
    return DigestItem(
        source=change.source,
        country=change.country,
        key=change.key,
        country_name=place,
        kind=change.kind,
        severity=label,
        summary=change.summary,
        changes=({"kind": change.kind, "summary": change.summary, "severity": label},),
        what=what or change.summary,
    )


def queue_digests(
    session: Session,
    routing: Routing,
    *,
    now: datetime | None = None,
    hours: float = 24.0,
    notify: bool = True,
) -> list[DigestPayload]:
    """Queue today's digest for every digest route that has something to say; returns the payloads."""
    now = now or datetime.now(UTC)
    since = now - timedelta(hours=hours)
    changes = session.exec(
        select(Change)
        .where(col(Change.observed_at) >= since, col(Change.observed_at) < now)
        .where(Change.kind != "advisory_reissued")
        .order_by(col(Change.observed_at), col(Change.id))
    ).all()
    backfilled, waiting = _backfilled_changes(session)
    seen = {c.id for c in changes}
    changes = list(changes) + [c for c in backfilled if c.id not in seen]
    items = [_item(c) for c in changes]
    queued = []
    for route in routing.digest_routes():
        mine = [i for i in items if routing.digest_matches(route, i)]
        if not mine:
            continue
        worst = max(Severity.parse(i.severity) for i in mine)
        payload = DigestPayload(
            channel=route.channel,
            title=f"Travel-risk digest — {len(mine)} change(s) in the {hours:g} h to "
            f"{now.strftime('%Y-%m-%d %H:%M')} UTC",
            items=tuple(mine),
            severity=worst.label,
            observed_at=now.isoformat(),
            summary=f"{len(mine)} change(s)",
        )
        dedupe = f"digest:{route.channel}:{since.isoformat()}:{now.isoformat()}"
        if session.exec(select(Alert.id).where(Alert.dedupe_key == dedupe)).first() is None:
            session.add(
                Alert(
                    dedupe_key=dedupe[:255],
                    source="digest",
                    kind="digest",
                    severity=int(worst),
                    payload=payload.to_json(),
                    created_at=now,
                    status="pending" if notify else "held",
                )
            )
            queued.append(payload)
    if routing.digest_routes():
        for alert in waiting:
            alert.status = "digested"
    session.commit()
    return queued


def _backfilled_changes(session: Session) -> tuple[list[Change], list[Alert]]:
    """Changes of alerts a backfill left for the digest: every change of each alert's transition."""
    waiting = session.exec(select(Alert).where(Alert.status == "digest")).all()
    found: list[Change] = []
    for alert in waiting:
        primary = session.get(Change, alert.change_id) if alert.change_id is not None else None
        if primary is None:
            continue
        found += session.exec(
            select(Change)
            .where(Change.source == primary.source, Change.key == primary.key)
            .where(Change.to_snapshot_id == primary.to_snapshot_id, Change.kind != "advisory_reissued")
            .order_by(col(Change.id))
        ).all()
    return found, list(waiting)
