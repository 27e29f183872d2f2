"""The JSON API: changes, snapshots, alerts, health, each government's advice, the tier table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from advisory_watch.catalogue import governments
from diffing.tiers import mapping_table
from history import governments as government_views
from history import queries
from history.web import (
    DEFAULT_PAGE,
    Before,
    BeforeId,
    DestinationKey,
    MinSeverity,
    PageSize,
    Since,
    db_session,
    next_page,
    page_start,
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
    request: Request,
    response: Response,
    since: Since = None,
    limit: PageSize = DEFAULT_PAGE,
    before: Before = None,
    before_id: BeforeId = None,
    db: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    rows = queries.alerts_with_actions(db, since=since, limit=limit + 1, after=page_start(before, before_id))
    return next_page(
        request, response, rows, limit, lambda a: (datetime.fromisoformat(a["created_at"]), a["id"])
    )


@router.get("/api/changes", summary="Changes, newest first; paged")
def api_changes(
    request: Request,
    response: Response,
    country: str | None = None,
    source: str | None = None,
    since: Since = None,
    severity: MinSeverity = None,
    limit: PageSize = DEFAULT_PAGE,
    before: Before = None,
    before_id: BeforeId = None,
    db: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    filters = {"country": country, "source": source, "since": since, "severity": severity}
    rows = queries.changes(db, **filters, limit=limit + 1, after=page_start(before, before_id))
    return [queries.change_dict(c) for c in next_page(request, response, rows, limit, moment_and_id)]


@router.get("/api/snapshots", summary="Snapshots, newest first; paged")
def api_snapshots(
    request: Request,
    response: Response,
    country: str | None = None,
    source: str | None = None,
    since: Since = None,
    limit: PageSize = DEFAULT_PAGE,
    before: Before = None,
    before_id: BeforeId = None,
    db: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    rows = queries.snapshots(
        db, country=country, source=source, since=since, limit=limit + 1, after=page_start(before, before_id)
    )
    page = next_page(request, response, rows, limit, moment_and_id)
    origins = queries.provenance(db, {r.id for r in page if r.id is not None})
    return [snapshot_dict(r, *origins.get(r.id or 0, ("live", None))) for r in page]


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
