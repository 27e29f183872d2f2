"""Read-side queries of the history browser. Pure reads over models/; no web framework here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from advisory_watch.catalogue import government_of, searchable
from diffing.acceptance import CONFIRMING
from diffing.changes import Severity
from history import derived
from models import blobs, store
from models.tables import Alert, AlertAction, Change, DestinationState, Fetch, Snapshot

STATE_DEPT, OSAC, OC_INDEX = "state-dept-feed", "osac-report", "oc-index"


@dataclass
class Destination:
    key: str
    name: str
    level: int | None
    issued: str | None
    region: str
    continent: str
    osac: list[dict[str, Any]]
    criminality: float | None
    resilience: float | None
    last_change: datetime | None


def confirmed(session: Session, source: str) -> dict[str, dict[str, Any]]:
    return store.confirmed_records(session, source)


def destination_name(session: Session, key: str) -> str:
    """The display name of one destination: its advisory's, else any source's record, else the key."""
    for source, record_key in ((STATE_DEPT, key), (OSAC, key), (OC_INDEX, key.split("-")[0])):
        state = session.get(DestinationState, (source, record_key))
        record = store.snapshot_record(session, state.confirmed_snapshot_id) if state else None
        if record and record.get("country_name"):
            return str(record["country_name"])
    return key


def destinations(session: Session) -> list[Destination]:
    """Every destination with its U.S. level, OSAC ratings and OC Index scores; kept until the store
    changes (``history.derived``)."""
    return derived.kept(session, "destinations", _destinations)


def _destinations(session: Session) -> list[Destination]:
    advisories, reports, index = (
        confirmed(session, STATE_DEPT),
        confirmed(session, OSAC),
        confirmed(session, OC_INDEX),
    )
    last = dict(
        session.exec(select(Change.country, func.max(Change.observed_at)).group_by(Change.country)).all()
    )
    keys = sorted(set(advisories) | {k for k in index if not k.startswith("_")} | set(reports))
    rows = []
    for key in keys:
        advisory, oc, report = advisories.get(key, {}), index.get(key.split("-")[0], {}), reports.get(key, {})
        rows.append(
            Destination(
                key=key,
                name=advisory.get("country_name")
                or oc.get("country_name")
                or report.get("country_name")
                or key,
                level=advisory.get("level"),
                issued=advisory.get("issued"),
                region=oc.get("region", ""),
                continent=oc.get("continent", ""),
                osac=report.get("threat_ratings") or [],
                criminality=(oc.get("criminality") or {}).get("score"),
                resilience=(oc.get("resilience") or {}).get("score"),
                last_change=last[key.split("-")[0]] if last.get(key.split("-")[0]) else None,
            )
        )
    return rows


def filtered(
    rows: list[Destination],
    *,
    region: str = "",
    level: int | None = None,
    days: int | None = None,
    sort: str = "name",
    now: datetime | None = None,
) -> list[Destination]:
    now = now or datetime.now(UTC)
    if region:
        rows = [r for r in rows if region in (r.region, r.continent)]
    if level:
        rows = [r for r in rows if r.level == level]
    if days:
        rows = [r for r in rows if r.last_change and r.last_change >= now - timedelta(days=days)]
    keyfuncs = {
        "name": lambda r: r.name.lower(),
        "level": lambda r: (-(r.level or 0), r.name.lower()),
        "criminality": lambda r: (-(r.criminality or 0), r.name.lower()),
        "resilience": lambda r: (r.resilience if r.resilience is not None else 99, r.name.lower()),
        "changed": lambda r: (-(r.last_change.timestamp() if r.last_change else 0), r.name.lower()),
    }
    return sorted(rows, key=keyfuncs.get(sort, keyfuncs["name"]))


def level_series(session: Session, key: str) -> list[tuple[datetime, int]]:
    """The confirmed level over time: one point per accepted snapshot (the chart's steps)."""
    rows = session.exec(
        select(Snapshot)
        .where(Snapshot.source == STATE_DEPT, Snapshot.key == key)
        .where(col(Snapshot.disposition).in_(CONFIRMING))
        .order_by(col(Snapshot.observed_at))
    ).all()
    records = blobs.get_records(session, {r.record_hash for r in rows})
    series: list[tuple[datetime, int]] = []
    for row in rows:
        level = records[row.record_hash].get("level")
        if level and (not series or series[-1][1] != level):
            series.append((row.observed_at, level))
    return series


def edition_marks(session: Session, source: str, key: str) -> list[datetime]:
    rows = session.exec(
        select(Snapshot.observed_at)
        .where(Snapshot.source == source, Snapshot.key == key)
        .where(col(Snapshot.disposition).in_(CONFIRMING))
    ).all()
    return [r for r in rows]


def changes(
    session: Session,
    *,
    country: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    severity: str | None = None,
    limit: int = 5000,
    after: tuple[datetime, int] | None = None,
) -> list[Change]:
    """Changes, newest first; ``after`` (a page's last row: its moment and id) starts past it."""
    query = select(Change)
    if after is not None:
        query = query.where(
            or_(
                col(Change.observed_at) < after[0],
                (col(Change.observed_at) == after[0]) & (col(Change.id) < after[1]),
            )
        )
    if country:
        query = query.where(Change.country == country.upper())
    if source:
        query = query.where(Change.source == source)
    if since:
        query = query.where(col(Change.observed_at) >= since)
    if severity:
        query = query.where(col(Change.severity) >= int(Severity.parse(severity)))
    return list(
        session.exec(query.order_by(col(Change.observed_at).desc(), col(Change.id).desc()).limit(limit)).all()
    )


def snapshots(
    session: Session,
    *,
    country: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    limit: int = 5000,
    after: tuple[datetime, int] | None = None,
) -> list[Snapshot]:
    """Snapshots, newest first; ``after`` (a page's last row: its moment and id) starts past it."""
    query = select(Snapshot)
    if after is not None:
        query = query.where(
            or_(
                col(Snapshot.observed_at) < after[0],
                (col(Snapshot.observed_at) == after[0]) & (col(Snapshot.id) < after[1]),
            )
        )
    if country:
        query = query.where(Snapshot.key == country.upper())
    if source:
        query = query.where(Snapshot.source == source)
    if since:
        query = query.where(col(Snapshot.observed_at) >= since)
    return list(
        session.exec(
            query.order_by(col(Snapshot.observed_at).desc(), col(Snapshot.id).desc()).limit(limit)
        ).all()
    )


def provenance(session: Session, snapshot_ids: set[int]) -> dict[int, tuple[str, str | None]]:
    """Where each snapshot's bytes came from: ``live``, ``replay`` or ``archive`` (+ capture URL)."""
    if not snapshot_ids:
        return {}
    rows = session.exec(
        select(Snapshot.id, Fetch.provenance, Fetch.provenance_url)
        .join(Fetch, col(Snapshot.fetch_id) == col(Fetch.id))
        .where(col(Snapshot.id).in_(snapshot_ids))
    ).all()
    return {sid: (kind, url) for sid, kind, url in rows}


def change_dict(change: Change) -> dict[str, Any]:
    government = government_of(change.source)
    return {
        "id": change.id,
        "source": change.source,
        "government": government.code if government else None,
        "country": change.country,
        "key": change.key,
        "kind": change.kind,
        "item": change.item,
        "old": change.old,
        "new": change.new,
        "severity": Severity(change.severity).label,
        "observed_at": change.observed_at.isoformat(),
        "summary": change.summary,
        "from_snapshot": change.from_snapshot_id,
        "to_snapshot": change.to_snapshot_id,
    }


def snapshot(session: Session, snapshot_id: int) -> tuple[Snapshot, dict[str, Any]] | None:
    row = session.get(Snapshot, snapshot_id)
    return (row, blobs.get_record(session, row.record_hash)) if row else None


def raw_of(session: Session, row: Snapshot) -> str:
    return blobs.get_blob(session, row.raw_hash).decode("utf-8", "replace")


def record_text(record: dict[str, Any]) -> str:
    """The readable text of any source's record (advisory text, report or document sections)."""
    if record.get("text"):
        return str(record["text"])
    if record.get("sections"):
        return "\n\n".join(f"{s['heading']}\n{s['text']}".strip() for s in record["sections"])
    return ""


def search(session: Session, query: str, limit: int = 50) -> list[tuple[str, str, str, str]]:
    """(source, key, name, snippet) of current records whose text contains the query."""
    needle = query.strip().lower()
    if not needle:
        return []
    hits = []
    for source in searchable():
        for key, record in sorted(confirmed(session, source).items()):
            text = record_text(record)
            at = text.lower().find(needle)
            if at >= 0:
                snippet = text[max(0, at - 80) : at + len(needle) + 80].replace("\n", " ")
                hits.append((source, key, str(record.get("country_name") or key), snippet))
                if len(hits) >= limit:
                    return hits
    return hits


def states_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(DestinationState)).one()


def _action_summary(action: AlertAction) -> str:
    detail = action.detail or {}
    if action.kind == "assign":
        return f"assigned to {detail.get('assignee')}"
    if action.kind == "snooze":
        return f"snoozed {detail.get('country')} until {detail.get('until')}"
    if action.kind == "escalate":
        return f"escalated to {detail.get('channel')} after {detail.get('after'):g} min"
    return "acknowledged"


def action_dict(action: AlertAction) -> dict[str, Any]:
    return {
        "at": action.created_at.isoformat(),
        "kind": action.kind,
        "actor": action.actor,
        "actor_name": action.actor_name,
        "via": action.via,
        "summary": _action_summary(action),
        "detail": action.detail,
        "channel_id": action.channel_id,
        "message_ts": action.message_ts,
    }


def alerts_with_actions(
    session: Session,
    *,
    alert_id: int | None = None,
    since: datetime | None = None,
    limit: int = 500,
    after: tuple[datetime, int] | None = None,
) -> list[dict[str, Any]]:
    """Alerts, newest first, each with its audit trail; ``after`` (a page's last alert: its creation
    and id) starts past it."""
    from alerts.actions import actions_of
    from alerts.payload import parse_payload

    query = select(Alert).order_by(col(Alert.created_at).desc(), col(Alert.id).desc()).limit(limit)
    if after is not None:
        query = query.where(
            or_(
                col(Alert.created_at) < after[0],
                (col(Alert.created_at) == after[0]) & (col(Alert.id) < after[1]),
            )
        )
    if alert_id is not None:
        query = query.where(Alert.id == alert_id)
    if since is not None:
        query = query.where(col(Alert.created_at) >= since)
    rows = session.exec(query).all()
    trail = actions_of(session, [a.id for a in rows if a.id is not None])
    out = []
    for alert in rows:
        payload = parse_payload(alert.payload)
        out.append(
            {
                "id": alert.id,
                "created_at": alert.created_at.isoformat(),
                "source": alert.source,
                "country": alert.country,
                "kind": alert.kind,
                "severity": Severity(alert.severity).label,
                "title": payload.headline,
                "status": alert.status,
                "delivered_at": alert.delivered_at.isoformat() if alert.delivered_at else None,
                "history_url": payload.history_url or None,
                "actions": [action_dict(a) for a in trail.get(alert.id or 0, [])],
            }
        )
    return out
