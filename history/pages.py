"""The browser's pages: destinations, a destination's timeline, a snapshot, a diff, health, alerts, search."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

import nh3
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from diffing.changes import Severity
from diffing.textdiff import EQUAL, INSERT, word_diff
from history import queries
from history.svg import level_chart
from history.web import (
    NOT_FOUND,
    RowId,
    browser,
    db_session,
    page,
)
from models.db import shown_url
from models.tables import Snapshot

router = APIRouter()


def _diff_html(old: str, new: str) -> tuple[str, str, str, int]:
    """(inline, left, right, number of changes) with anchors for 'next change' navigation."""
    inline, left, right = [], [], []
    count = 0
    for op, text in word_diff(old, new):
        safe = html.escape(text)
        if op == EQUAL:
            inline.append(safe)
            left.append(safe)
            right.append(safe)
            continue
        count += 1
        anchor = f'<a id="change-{count}" href="#change-{count + 1}" title="next change">↓</a>'
        tag = "ins" if op == INSERT else "del"
        inline.append(f"{anchor}<{tag}>{safe}</{tag}>")
        (right if op == INSERT else left).append(f"<{tag}>{safe}</{tag}>")
    return "".join(inline), "".join(left), "".join(right), count


def _captured_html(session: Session, row: Snapshot, record: dict[str, Any]) -> str:
    raw = queries.raw_of(session, row)
    match = re.search(r"<description><!\[CDATA\[(.*?)\]\]></description>", raw, re.S)
    if match:  # the feed item's own HTML, sanitised
        return nh3.clean(
            match.group(1),
            tags={"p", "ul", "ol", "li", "b", "i", "u", "em", "strong", "br", "a"},
            attributes={"a": {"href"}},
            url_schemes={"https"},
            link_rel="noopener nofollow",
        )
    return html.escape(queries.record_text(record))


@router.get("/", response_class=HTMLResponse)
def index(
    request: Request,
    region: str = "",
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    sort: str = "name",
    db: Session = Depends(db_session),
) -> HTMLResponse:
    rows = queries.destinations(db)
    regions = sorted({r.region for r in rows if r.region} | {r.continent for r in rows if r.continent})
    shown = queries.filtered(rows, region=region, level=level, days=days, sort=sort)

    def query(by: str) -> str:
        params = {"region": region, "level": level or "", "days": days or "", "sort": by}
        return "&".join(f"{k}={html.escape(str(v))}" for k, v in params.items())

    return page(
        request,
        "index.html",
        rows=shown,
        database=shown_url(browser(request).current.effective_database_url),
        regions=regions,
        region=region,
        level=level,
        days=days,
        sort=sort,
        query=query,
    )


@router.get("/country/{key}", response_class=HTMLResponse, responses=NOT_FOUND)
def country(request: Request, key: str, db: Session = Depends(db_session)) -> HTMLResponse:
    key = key.upper()
    series = queries.level_series(db, key)
    marks = {
        "OSAC": queries.edition_marks(db, queries.OSAC, key),
        "OC Index": queries.edition_marks(db, queries.OC_INDEX, key.split("-")[0]),
    }
    changes = queries.changes(db, country=key.split("-")[0], limit=500)
    snapshots = db.exec(
        select(Snapshot).where(Snapshot.key == key).order_by(col(Snapshot.observed_at).desc()).limit(200)
    ).all()
    if not series and not changes and not snapshots:
        raise HTTPException(404, f"nothing recorded for {key}")
    name = queries.destination_name(db, key)
    return page(
        request,
        "country.html",
        key=key,
        name=name,
        changes=changes,
        snapshots=snapshots,
        origins=queries.provenance(db, {s.id for s in snapshots if s.id is not None}),
        chart=level_chart(series, marks, now=datetime.now(UTC)),
        sev=lambda s: Severity(s).label,
    )


@router.get("/snapshot/{snapshot_id}", response_class=HTMLResponse, responses=NOT_FOUND)
def snapshot(request: Request, snapshot_id: RowId, db: Session = Depends(db_session)) -> HTMLResponse:
    found = queries.snapshot(db, snapshot_id)
    if found is None:
        raise HTTPException(404, "no such snapshot")
    row, record = found
    origin, origin_url = queries.provenance(db, {snapshot_id}).get(snapshot_id, ("live", None))
    return page(
        request,
        "snapshot.html",
        snap=row,
        origin=origin,
        origin_url=origin_url if origin == "archive" else None,
        record=record,
        record_json=json.dumps(record, indent=2, ensure_ascii=False),
        captured=_captured_html(db, row, record),
    )


@router.get("/diff/{a}/{b}", response_class=HTMLResponse, responses=NOT_FOUND)
def diff(request: Request, a: RowId, b: RowId, db: Session = Depends(db_session)) -> HTMLResponse:
    first, second = queries.snapshot(db, a), queries.snapshot(db, b)
    if first is None or second is None:
        raise HTTPException(404, "no such snapshot")
    inline, left, right, count = _diff_html(queries.record_text(first[1]), queries.record_text(second[1]))
    return page(
        request,
        "diff.html",
        a=first[0],
        b=second[0],
        inline=inline,
        left=left,
        right=right,
        changes_count=count,
        name=second[1].get("country_name") or second[0].key,
    )


@router.get("/health", response_class=HTMLResponse)
def health_page(request: Request, db: Session = Depends(db_session)) -> HTMLResponse:
    from advisory_watch.drift import reports

    return page(request, "health.html", reports=reports(db))


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, db: Session = Depends(db_session)) -> HTMLResponse:
    return page(request, "alerts.html", alerts=queries.alerts_with_actions(db, limit=200))


@router.get("/alert/{alert_id}", response_class=HTMLResponse, responses=NOT_FOUND)
def alert_page(request: Request, alert_id: RowId, db: Session = Depends(db_session)) -> HTMLResponse:
    found = queries.alerts_with_actions(db, alert_id=alert_id)
    if not found:
        raise HTTPException(404, "no such alert")
    return page(request, "alert.html", alert=found[0])


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, q: str = "", db: Session = Depends(db_session)) -> HTMLResponse:
    return page(request, "search.html", q=q, hits=queries.search(db, q))
