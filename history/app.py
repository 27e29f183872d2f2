"""The history browser app (FastAPI + Jinja2, server-rendered, no JavaScript).

Routes other tools link to: ``/`` index, ``/country/{ISO2}`` timeline, ``/diff/{a}/{b}``,
``/snapshot/{id}``, ``/search``, ``/api/changes``, ``/api/snapshots``, ``/export/changes.csv``,
``/export/snapshots.csv``, ``/feeds/changes.atom``, ``/docs``. Every piece of scraped content is
escaped by Jinja2's autoescape, or sanitised with nh3 where captured HTML is shown.

The app is a factory that mounts routers: ``pages`` (the HTML views), ``api`` (JSON), ``exports``
(CSV, Atom), ``government_pages`` (the governments side by side), with ``security`` (content policy,
Host allow-list, token guard) and ``web`` (what the routers share).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from advisory_watch.settings import Settings, get_settings
from history import api, exports, government_pages, pages, security
from history.web import TEMPLATES, Browser


def _wants_html(request: Request) -> bool:
    """A browser asking for a page gets an HTML error page; API clients and feeds keep JSON errors."""
    path = request.url.path
    if "/api/" in path or path.endswith((".csv", ".atom", ".json")):
        return False
    return "text/html" in request.headers.get("accept", "")


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
    app.state.browser = Browser(settings, base_path, guarded)
    security.install(app, allowed_hosts)

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

    for router in (pages.router, api.router, exports.router, government_pages.router):
        app.include_router(router)

    from alerts.interactions import interactions_app

    # Mounted apps do not inherit this app's dependencies: Slack signs its requests instead.
    app.mount("/slack", interactions_app(lambda: settings or get_settings()))
    return app
