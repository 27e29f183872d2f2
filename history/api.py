"""The JSON API: changes, snapshots, alerts, health, each government's advice, the tier table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from sqlmodel import Session

from advisory_watch.catalogue import governments
from diffing.tiers import mapping_table
from history import governments as government_views
from history import queries
from history.web import (
    ChangeFilters,
    DestinationKey,
    Paging,
    Since,
    SnapshotFilters,
    change_filters,
    db_session,
    paging,
    snapshot_filters,
)
from models.tables import Snapshot

router = APIRouter()


def snapshot_dict(row: Snapshot, origin: str, origin_url: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "key": row.key,
        "observed_at": row.observed_at.isoformat(),
        "disposition": row.disposition,
        "record_hash": row.record_hash,
        "provenance": origin,
        "capture_url": origin_url if origin == "archive" else None,
    }


@router.get("/api/health", summary="Per source: last success, failures, extraction counts against usual")
def api_health(db: Session = Depends(db_session)) -> list[dict[str, Any]]:
    from advisory_watch.drift import reports

    return reports(db)


def moment_and_id(row: Any) -> tuple[datetime, int]:
    return row.observed_at, row.id


@router.get("/api/alerts", summary="Alerts, newest first, each with its audit trail (actions); paged")
def api_alerts(
    since: Since = None, page: Paging = Depends(paging), db: Session = Depends(db_session)
) -> list[dict[str, Any]]:
    rows = queries.alerts_with_actions(db, since=since, limit=page.limit + 1, after=page.after)
    return page.rows(rows, lambda a: (datetime.fromisoformat(a["created_at"]), a["id"]))


@router.get("/api/changes", summary="Changes, newest first; paged")
def api_changes(
    filters: ChangeFilters = Depends(change_filters),
    page: Paging = Depends(paging),
    db: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    rows = queries.changes(db, **filters, limit=page.limit + 1, after=page.after)
    return [queries.change_dict(c) for c in page.rows(rows, moment_and_id)]


@router.get("/api/snapshots", summary="Snapshots, newest first; paged")
def api_snapshots(
    filters: SnapshotFilters = Depends(snapshot_filters),
    page: Paging = Depends(paging),
    db: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    rows = page.rows(queries.snapshots(db, **filters, limit=page.limit + 1, after=page.after), moment_and_id)
    origins = queries.provenance(db, {r.id for r in rows if r.id is not None})
    return [snapshot_dict(r, *origins.get(r.id or 0, ("live", None))) for r in rows]


@router.get("/api/governments/{key}", summary="Every government's current advice for a destination")
def api_compare(key: DestinationKey, db: Session = Depends(db_session)) -> list[dict[str, Any]]:
    found = []
    for a in government_views.compare(db, key.upper()):
        record = {k: v for k, v in (a.record or {}).items() if k != "text"}
        found.append(
            {
                "government": a.government.code,
                "government_name": a.government.name,
                "source": a.source,
                "level": a.level,
                "native_level": record.get("native_level"),
                "areas": record.get("areas") or [],
                "updated": (a.seen or {}).get("updated") or record.get("updated") or record.get("issued"),
                "update_reason": (a.seen or {}).get("update_reason") or record.get("update_reason"),
                "series": [{"from": when.isoformat(), "level": level} for when, level in a.series],
            }
        )
    return found


@router.get("/api/tiers", summary="The tier table: every government's wording of tiers 1-4")
def api_tiers() -> list[dict[str, Any]]:
    return mapping_table(g.government for g in governments().values())
