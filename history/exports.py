"""Exports: changes, snapshots and alert actions as CSV (cells a spreadsheet will not run), and the
Atom feed of changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from advisory_watch.catalogue import government_of
from diffing.changes import Severity
from history import queries
from history.api import moment_and_id as _moment_and_id
from history.api import snapshot_dict
from history.web import (
    CSV_RESPONSE,
    ChangeFilters,
    MinSeverity,
    Since,
    SnapshotFilters,
    browser,
    change_filters,
    csv_stream,
    db_session,
    snapshot_filters,
)

router = APIRouter()


@router.get(
    "/export/alerts.csv",
    summary="Alert actions as CSV: one row per action (alerts nobody acted on: one row without)",
    response_class=Response,
    responses=CSV_RESPONSE,
)
def export_alerts(request: Request, since: Since = None) -> Response:
    def pages(db: Session) -> Iterator[list[dict[str, Any]]]:
        def read(after: Any) -> list[dict[str, Any]]:
            return queries.alerts_with_actions(db, since=since, limit=PAGE, after=after)

        for alerts in _pages(read, lambda a: (datetime.fromisoformat(a["created_at"]), a["id"])):
            yield [row for alert in alerts for row in _action_rows(alert)]

    return csv_stream(request, pages, "alerts.csv")


def _action_rows(alert: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per action on the alert (one without, for an alert nobody acted on)."""
    fields = ("id", "created_at", "source", "country", "kind", "severity", "title", "status")
    base = {("alert_id" if k == "id" else k): alert[k] for k in fields}
    return [
        {
            **base,
            **{
                f"action_{k}": (action or {}).get(k)
                for k in ("at", "kind", "actor", "actor_name", "via", "summary")
            },
        }
        for action in alert["actions"] or [None]
    ]


# Rows per page an export reads while it streams.
PAGE = 1000


def _pages(read: Callable[[Any], list[Any]], key: Callable[[Any], Any]) -> Iterator[list[Any]]:
    """Every page of a newest-first listing: ``read(after)`` gives the page past ``after``."""
    after = None
    while rows := read(after):
        yield rows
        if len(rows) < PAGE:
            return
        after = key(rows[-1])


@router.get(
    "/export/changes.csv",
    summary="Changes as CSV (same filters as /api/changes)",
    response_class=Response,
    responses=CSV_RESPONSE,
)
def export_changes(request: Request, filters: ChangeFilters = Depends(change_filters)) -> Response:
    def pages(db: Session) -> Iterator[list[dict[str, Any]]]:
        for rows in _pages(
            lambda after: queries.changes(db, **filters, limit=PAGE, after=after), _moment_and_id
        ):
            yield [queries.change_dict(c) for c in rows]

    return csv_stream(request, pages, "changes.csv")


@router.get(
    "/export/snapshots.csv", summary="Snapshots as CSV", response_class=Response, responses=CSV_RESPONSE
)
def export_snapshots(request: Request, filters: SnapshotFilters = Depends(snapshot_filters)) -> Response:
    def pages(db: Session) -> Iterator[list[dict[str, Any]]]:
        def read(after: Any) -> list[Any]:
            return queries.snapshots(db, **filters, limit=PAGE, after=after)

        for rows in _pages(read, _moment_and_id):
            origins = queries.provenance(db, {r.id for r in rows if r.id is not None})
            yield [snapshot_dict(r, *origins.get(r.id or 0, ("live", None))) for r in rows]

    return csv_stream(request, pages, "snapshots.csv")


@router.get(
    "/feeds/changes.atom",
    summary="Atom feed of changes (per country, minimum severity)",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}, "description": "An Atom feed"}},
)
def atom(
    request: Request,
    country: str | None = None,
    severity: MinSeverity = None,
    db: Session = Depends(db_session),
) -> Response:
    ns = "http://www.w3.org/2005/Atom"
    feed = ET.Element("feed", xmlns=ns)
    ET.SubElement(feed, "title").text = "advisory-watch changes" + (
        f" — {country.upper()}" if country else ""
    )
    ET.SubElement(feed, "id").text = f"urn:advisory-watch:changes:{country or 'all'}:{severity or 'all'}"
    ET.SubElement(feed, "link", href=str(request.url), rel="self")
    rows = queries.changes(db, country=country, severity=severity, limit=200)
    ET.SubElement(feed, "updated").text = (rows[0].observed_at if rows else datetime.now(UTC)).isoformat()
    for change in rows:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = f"urn:advisory-watch:change:{change.id}"
        ET.SubElement(entry, "title").text = f"[{Severity(change.severity).label}] {change.summary}"
        ET.SubElement(entry, "updated").text = change.observed_at.isoformat()
        link = (
            f"{browser(request).base_path}/diff/{change.from_snapshot_id}/{change.to_snapshot_id}"
            if change.from_snapshot_id
            else f"{browser(request).base_path}/country/{change.country}"
        )
        ET.SubElement(entry, "link", href=str(request.base_url).rstrip("/") + link)
        ET.SubElement(entry, "category", term=change.kind)
        if (government := government_of(change.source)) is not None:
            ET.SubElement(entry, "category", term=f"government:{government.code}", label=government.name)
        ET.SubElement(entry, "summary").text = f"{change.source}: {change.kind} {change.item}".strip()
    return Response(
        ET.tostring(feed, encoding="unicode", xml_declaration=True), media_type="application/atom+xml"
    )
