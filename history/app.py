"""The history browser app (FastAPI + Jinja2, server-rendered, no JavaScript).

Routes other tools link to: ``/`` index, ``/country/{ISO2}`` timeline, ``/diff/{a}/{b}``,
``/snapshot/{id}``, ``/search``, ``/api/changes``, ``/api/snapshots``, ``/export/changes.csv``,
``/export/snapshots.csv``, ``/feeds/changes.atom``, ``/docs``. Every piece of scraped content is
escaped by Jinja2's autoescape, or sanitised with nh3 where captured HTML is shown.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import nh3
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as FastApiPath
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from pydantic import AfterValidator
from sqlmodel import Session, col, select
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from advisory_watch.catalogue import government_of, governments
from advisory_watch.settings import Settings, get_settings
from diffing.areas import same_area
from diffing.changes import Severity
from diffing.consensus import disagreements as disagreements_of
from diffing.textdiff import EQUAL, INSERT, word_diff
from diffing.tiers import mapping_table
from history import governments as government_views
from history import queries
from history.svg import aligned_steps, level_chart
from history.worldmap import world_map
from models.db import shown_url
from models.tables import Snapshot


def _wants_html(request: Request) -> bool:
    """A browser asking for a page gets an HTML error page; API clients and feeds keep JSON errors."""
    path = request.url.path
    if "/api/" in path or path.endswith((".csv", ".atom", ".json")):
        return False
    return "text/html" in request.headers.get("accept", "")


TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))

# Validated query and path types: bad input is a 422 with the reason, never a 500.
SeverityName = Literal["info", "low", "medium", "high", "critical"]
RowId = Annotated[int, FastApiPath(ge=1, le=2**63 - 1)]
Since = Annotated[
    datetime | None,
    Query(description="ISO date or date-time; without a timezone it is UTC"),
    AfterValidator(lambda value: value if value is None or value.tzinfo else value.replace(tzinfo=UTC)),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such destination or snapshot"}}
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}, "description": "CSV"}}
Basis = Literal["highest", "us", "consensus"]
DestinationKey = Annotated[str, FastApiPath(pattern=r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,8})?$")]
MinSeverity = Annotated[SeverityName | None, Query(description="minimum: info, low, medium, high, critical")]


def web_url(value: Any) -> bool:
    """Only http(s) URLs from scraped data become links: a feed item's ``javascript:`` link is text."""
    return isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https")


TEMPLATES.env.filters["web_url"] = web_url

# OWASP: a spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A scraped cell as text a spreadsheet will not execute (a leading quote, the OWASP rule)."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_LEAD) else value


def token_guard(token: str) -> Callable[..., None]:
    """Bearer token, or basic auth with the token as password: for a server bound beyond localhost."""
    bearer, basic = HTTPBearer(auto_error=False), HTTPBasic(auto_error=False)

    def guard(
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
        login: HTTPBasicCredentials | None = Depends(basic),
    ) -> None:
        given = (
            credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
        ) or (login.password if login else None)
        # Compared as bytes: a non-ASCII token must be a 401, not a TypeError (500).
        if not given or not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Basic"})

    return guard


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


def _snapshot_dict(row: Snapshot, origin: str, origin_url: str | None) -> dict[str, Any]:
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


# No inline scripts anywhere in this app: scripts are refused outright. Inline styles are the one
# allowance (the pages carry their small stylesheet inline).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def create_app(
    settings: Settings | None = None,
    *,
    dependencies: Sequence[Any] = (),
    base_path: str = "",
    allowed_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """The history browser. With ``dependencies`` (a token guard, Airflow's user check) the OpenAPI
    schema and the docs pages are not served at all: FastAPI serves them outside app dependencies.
    ``allowed_hosts`` installs a Host allow-list (``advisory-watch serve`` always passes one, so a web
    page cannot read a loopback server through DNS rebinding)."""
    guarded = bool(dependencies)
    app = FastAPI(
        title="advisory-watch history",
        description="Snapshots, changes and feeds of advisory-watch.",
        dependencies=list(dependencies),
        docs_url=None if guarded else "/docs",
        redoc_url=None if guarded else "/redoc",
        openapi_url=None if guarded else "/openapi.json",
    )
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not _wants_html(request):
            return await http_exception_handler(request, exc)
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return _error_page(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if not _wants_html(request):
            return await request_validation_exception_handler(request, exc)
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'][1:]) or 'request'}: {error['msg']}"
            for error in exc.errors()
        )
        return _error_page(request, 422, reasons)

    def _error_page(request: Request, status: int, detail: str, headers: Any = None) -> Response:
        titles = {
            404: "Not found",
            401: "Sign-in required",
            403: "Forbidden",
            422: "That request is not valid",
        }
        return TEMPLATES.TemplateResponse(
            request,
            "error.html",
            {
                "base": base_path,
                "docs_shown": not guarded,
                "status": status,
                "title": titles.get(status, "Error"),
                "detail": detail,
            },
            status_code=status,
            headers=headers,
        )

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response = await call_next(request)
        # The interactive docs load their own scripts; every other response gets the strict policy.
        docs = request.url.path.rstrip("/").endswith(("/docs", "/redoc"))
        for name, value in SECURITY_HEADERS.items():
            if not (docs and name == "Content-Security-Policy"):
                response.headers.setdefault(name, value)
        return response

    def session() -> Any:
        from models.sessions import session_for

        with session_for(settings or get_settings()) as s:
            yield s

    def page(request: Request, template: str, **context: Any) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(
            request, template, {"base": base_path, "docs_shown": not guarded, **context}
        )

    @app.get("/", response_class=HTMLResponse)
    def index(
        request: Request,
        region: str = "",
        level: Annotated[int | None, Query(ge=1, le=4)] = None,
        days: Annotated[int | None, Query(ge=0, le=36500)] = None,
        sort: str = "name",
        db: Session = Depends(session),
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
            database=shown_url((settings or get_settings()).effective_database_url),
            regions=regions,
            region=region,
            level=level,
            days=days,
            sort=sort,
            query=query,
        )

    @app.get("/country/{key}", response_class=HTMLResponse, responses=NOT_FOUND)
    def country(request: Request, key: str, db: Session = Depends(session)) -> HTMLResponse:
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

    @app.get("/snapshot/{snapshot_id}", response_class=HTMLResponse, responses=NOT_FOUND)
    def snapshot(request: Request, snapshot_id: RowId, db: Session = Depends(session)) -> HTMLResponse:
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

    @app.get("/diff/{a}/{b}", response_class=HTMLResponse, responses=NOT_FOUND)
    def diff(request: Request, a: RowId, b: RowId, db: Session = Depends(session)) -> HTMLResponse:
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

    @app.get("/health", response_class=HTMLResponse)
    def health_page(request: Request, db: Session = Depends(session)) -> HTMLResponse:
        from advisory_watch.drift import reports

        return page(request, "health.html", reports=reports(db))

    @app.get("/api/health", summary="Per source: last success, failures, extraction counts against usual")
    def api_health(db: Session = Depends(session)) -> list[dict[str, Any]]:
        from advisory_watch.drift import reports

        return reports(db)

    @app.get("/alerts", response_class=HTMLResponse)
    def alerts_page(request: Request, db: Session = Depends(session)) -> HTMLResponse:
        return page(request, "alerts.html", alerts=queries.alerts_with_actions(db, limit=200))

    @app.get("/alert/{alert_id}", response_class=HTMLResponse, responses=NOT_FOUND)
    def alert_page(request: Request, alert_id: RowId, db: Session = Depends(session)) -> HTMLResponse:
        found = queries.alerts_with_actions(db, alert_id=alert_id)
        if not found:
            raise HTTPException(404, "no such alert")
        return page(request, "alert.html", alert=found[0])

    @app.get("/api/alerts", summary="Alerts, newest first, each with its audit trail (actions)")
    def api_alerts(since: Since = None, db: Session = Depends(session)) -> list[dict[str, Any]]:
        return queries.alerts_with_actions(db, since=since)

    @app.get(
        "/export/alerts.csv",
        summary="Alert actions as CSV: one row per action (alerts nobody acted on: one row without)",
        response_class=Response,
        responses=CSV_RESPONSE,
    )
    def export_alerts(since: Since = None, db: Session = Depends(session)) -> Response:
        rows = []
        for alert in queries.alerts_with_actions(db, since=since):
            fields = ("id", "created_at", "source", "country", "kind", "severity", "title", "status")
            base = {("alert_id" if k == "id" else k): alert[k] for k in fields}
            for action in alert["actions"] or [None]:
                rows.append(
                    {
                        **base,
                        **{
                            f"action_{k}": (action or {}).get(k)
                            for k in ("at", "kind", "actor", "actor_name", "via", "summary")
                        },
                    }
                )
        return _csv(rows, "alerts.csv")

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = "", db: Session = Depends(session)) -> HTMLResponse:
        return page(request, "search.html", q=q, hits=queries.search(db, q))

    @app.get("/api/changes", summary="Changes, newest first")
    def api_changes(
        country: str | None = None,
        source: str | None = None,
        since: Since = None,
        severity: MinSeverity = None,
        db: Session = Depends(session),
    ) -> list[dict[str, Any]]:
        return [
            queries.change_dict(c)
            for c in queries.changes(db, country=country, source=source, since=since, severity=severity)
        ]

    @app.get("/api/snapshots", summary="Snapshots, newest first")
    def api_snapshots(
        country: str | None = None,
        source: str | None = None,
        since: Since = None,
        db: Session = Depends(session),
    ) -> list[dict[str, Any]]:
        rows = queries.snapshots(db, country=country, source=source, since=since)
        origins = queries.provenance(db, {r.id for r in rows if r.id is not None})
        return [_snapshot_dict(r, *origins.get(r.id or 0, ("live", None))) for r in rows]

    def _csv(rows: list[dict[str, Any]], filename: str) -> Response:
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {
                        k: spreadsheet_safe(
                            json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                        )
                        for k, v in row.items()
                    }
                )
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @app.get(
        "/export/changes.csv",
        summary="Changes as CSV (same filters as /api/changes)",
        response_class=Response,
        responses=CSV_RESPONSE,
    )
    def export_changes(
        country: str | None = None,
        source: str | None = None,
        since: Since = None,
        severity: MinSeverity = None,
        db: Session = Depends(session),
    ) -> Response:
        return _csv(api_changes(country, source, since, severity, db), "changes.csv")

    @app.get(
        "/export/snapshots.csv", summary="Snapshots as CSV", response_class=Response, responses=CSV_RESPONSE
    )
    def export_snapshots(
        country: str | None = None,
        source: str | None = None,
        since: Since = None,
        db: Session = Depends(session),
    ) -> Response:
        return _csv(api_snapshots(country, source, since, db), "snapshots.csv")

    @app.get(
        "/feeds/changes.atom",
        summary="Atom feed of changes (per country, minimum severity)",
        response_class=Response,
        responses={200: {"content": {"application/atom+xml": {}}, "description": "An Atom feed"}},
    )
    def atom(
        request: Request,
        country: str | None = None,
        severity: MinSeverity = None,
        db: Session = Depends(session),
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
                f"{base_path}/diff/{change.from_snapshot_id}/{change.to_snapshot_id}"
                if change.from_snapshot_id
                else f"{base_path}/country/{change.country}"
            )
            ET.SubElement(entry, "link", href=str(request.base_url).rstrip("/") + link)
            ET.SubElement(entry, "category", term=change.kind)
            if (government := government_of(change.source)) is not None:
                ET.SubElement(entry, "category", term=f"government:{government.code}", label=government.name)
            ET.SubElement(entry, "summary").text = f"{change.source}: {change.kind} {change.item}".strip()
        return Response(
            ET.tostring(feed, encoding="unicode", xml_declaration=True), media_type="application/atom+xml"
        )

    @app.get("/governments", response_class=HTMLResponse)
    def governments_page(
        request: Request, basis: Basis = "highest", db: Session = Depends(session)
    ) -> HTMLResponse:
        tiers, labels = government_views.world(db, basis)
        by_government = government_views.tiers_by_government(db)
        keys = sorted({k for records in by_government.values() for k in records})
        rows = []
        for key in keys:
            levels = {c: r[key]["level"] for c, r in by_government.items() if key in r}
            words = {c: r[key].get("native_level") or "" for c, r in by_government.items() if key in r}
            name = next((r[key].get("country_name") for r in by_government.values() if key in r), key)
            rows.append(
                {
                    "key": key,
                    "name": name,
                    "levels": levels,
                    "words": words,
                    "spread": max(levels.values()) - min(levels.values()),
                }
            )
        rows.sort(key=lambda r: (-r["spread"], str(r["name"]).lower()))
        title = f"World map: {government_views.BASES[basis]}"
        svg = world_map(tiers, labels, link="/compare/{key}", title=title, base=base_path)
        return page(
            request,
            "governments.html",
            map=svg,
            rows=rows,
            basis=basis,
            bases=government_views.BASES,
            governments=list(governments().values()),
        )

    @app.get(
        "/governments/map.svg",
        summary="The world map as SVG (basis: highest, us or consensus tier)",
        response_class=Response,
        responses={200: {"content": {"image/svg+xml": {}}, "description": "SVG"}},
    )
    def governments_map(basis: Basis = "highest", db: Session = Depends(session)) -> Response:
        tiers, labels = government_views.world(db, basis)
        title = f"World map: {government_views.BASES[basis]}"
        svg = world_map(tiers, labels, link="/compare/{key}", title=title, base=base_path)
        return Response(svg, media_type="image/svg+xml")

    @app.get("/compare/{key}", response_class=HTMLResponse, responses=NOT_FOUND)
    def compare_page(request: Request, key: DestinationKey, db: Session = Depends(session)) -> HTMLResponse:
        advice = government_views.compare(db, key.upper())
        if not any(a.record for a in advice):
            raise HTTPException(404, "no government has advice for this destination")
        name = next(a.record.get("country_name") for a in advice if a.record)
        chart = aligned_steps([(a.government.code, a.series) for a in advice], now=datetime.now(UTC))
        rows = [a.record for a in advice if a.record]
        disagreements = [
            c.summary
            for a in advice
            if a.record
            for c in disagreements_of(
                a.record | {"government": a.government.code},
                a.government.code,
                {b.government.code: b.record for b in advice if b.record and b is not a},
                same_area,
            )
        ]
        return page(
            request,
            "compare.html",
            key=key.upper(),
            name=name,
            advice=advice,
            chart=chart,
            disagreements=list(dict.fromkeys(disagreements)),
            governments=list(governments().values()),
            count=len(rows),
        )

    @app.get("/api/governments/{key}", summary="Every government's current advice for a destination")
    def api_compare(key: DestinationKey, db: Session = Depends(session)) -> list[dict[str, Any]]:
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

    @app.get("/api/tiers", summary="The tier table: every government's wording of tiers 1-4")
    def api_tiers() -> list[dict[str, Any]]:
        return mapping_table(g.government for g in governments().values())

    from alerts.interactions import interactions_app

    # Mounted apps do not inherit this app's dependencies: Slack signs its requests instead.
    app.mount("/slack", interactions_app(lambda: settings or get_settings()))
    return app
