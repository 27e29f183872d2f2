"""The governments side by side: the world map, the comparison table, one destination compared."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from advisory_watch.catalogue import governments
from history import governments as government_views
from history.svg import aligned_steps
from history.web import (
    NOT_FOUND,
    Basis,
    DestinationKey,
    browser,
    db_session,
    page,
)
from history.worldmap import world_map

router = APIRouter()


@router.get("/governments", response_class=HTMLResponse)
def governments_page(
    request: Request, basis: Basis = "highest", db: Session = Depends(db_session)
) -> HTMLResponse:
    tiers, labels = government_views.world(db, basis)
    rows = government_views.side_by_side(db)
    title = f"World map: {government_views.BASES[basis]}"
    svg = world_map(tiers, labels, link="/compare/{key}", title=title, base=browser(request).base_path)
    return page(
        request,
        "governments.html",
        map=svg,
        rows=rows,
        basis=basis,
        bases=government_views.BASES,
        governments=list(governments().values()),
    )


@router.get(
    "/governments/map.svg",
    summary="The world map as SVG (basis: highest, us or consensus tier)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "SVG"}},
)
def governments_map(
    request: Request, basis: Basis = "highest", db: Session = Depends(db_session)
) -> Response:
    tiers, labels = government_views.world(db, basis)
    title = f"World map: {government_views.BASES[basis]}"
    svg = world_map(tiers, labels, link="/compare/{key}", title=title, base=browser(request).base_path)
    return Response(svg, media_type="image/svg+xml")


@router.get("/compare/{key}", response_class=HTMLResponse, responses=NOT_FOUND)
def compare_page(request: Request, key: DestinationKey, db: Session = Depends(db_session)) -> HTMLResponse:
    advice = government_views.compare(db, key.upper())
    if not any(a.record for a in advice):
        raise HTTPException(404, "no government has advice for this destination")
    name = next(a.record.get("country_name") for a in advice if a.record)
    chart = aligned_steps([(a.government.code, a.series) for a in advice], now=datetime.now(UTC))
    rows = [a.record for a in advice if a.record]
    return page(
        request,
        "compare.html",
        key=key.upper(),
        name=name,
        advice=advice,
        chart=chart,
        disagreements=government_views.disagreements(advice),
        governments=list(governments().values()),
        count=len(rows),
    )
