"""What the history browser's routers share: the templates, the validated query and path types, the
store session of a request, and how a page and a CSV answer are made.

The app's own settings travel on ``app.state.browser`` (set by ``history.app.create_app``), so a
router is a module of plain functions, not a closure over the app.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict
from urllib.parse import urlsplit

from fastapi import Path as FastApiPath
from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from pydantic import AfterValidator
from sqlmodel import Session

from advisory_watch.settings import Settings, get_settings

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

# Every list the API answers is a page: newest first, ``limit`` rows (default 200, at most 1000), and
# when more follow, a ``Link: <…&before=…&before_id=…>; rel="next"`` header (the body stays a JSON
# list). The next page starts past the last row, by its moment and id (keyset paging: a row written
# meanwhile never shifts a page, and any moment and id given is a place to start from).
DEFAULT_PAGE, MAX_PAGE = 200, 1000
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page (default 200, at most 1000)")]
Before = Annotated[
    datetime | None,
    Query(description="the next page: rows before this moment (from a `next` link)"),
    AfterValidator(lambda value: value if value is None or value.tzinfo else value.replace(tzinfo=UTC)),
]
BeforeId = Annotated[
    int | None, Query(ge=1, le=2**63 - 1, description="with `before`: rows at that moment before this id")
]


class SnapshotFilters(TypedDict):
    country: str | None
    source: str | None
    since: datetime | None


class ChangeFilters(SnapshotFilters):
    severity: str | None


def snapshot_filters(
    country: str | None = None, source: str | None = None, since: Since = None
) -> SnapshotFilters:
    """The filters of snapshot lists: a destination, a source, a first moment."""
    return {"country": country, "source": source, "since": since}


def change_filters(
    country: str | None = None, source: str | None = None, since: Since = None, severity: MinSeverity = None
) -> ChangeFilters:
    """The filters of change lists: those of snapshots and a minimum severity."""
    return {"country": country, "source": source, "since": since, "severity": severity}


@dataclass(frozen=True)
class Paging:
    """One page of a list the API answers: how many rows, where it starts, and the next link."""

    request: Request
    response: Response
    limit: int
    after: tuple[datetime, int] | None

    def rows(self, rows: list[Any], key: Callable[[Any], tuple[datetime, int]]) -> list[Any]:
        """The page's rows (``rows`` was read with one more than ``limit`` when another page follows),
        with the next link set from the last row's ``key(row) -> (moment, id)``."""
        if len(rows) <= self.limit:
            return rows
        page = rows[: self.limit]
        moment, row_id = key(page[-1])
        url = self.request.url.include_query_params(before=moment.isoformat(), before_id=row_id)
        self.response.headers["Link"] = f'<{url}>; rel="next"'
        return page


def paging(
    request: Request,
    response: Response,
    limit: PageSize = DEFAULT_PAGE,
    before: Before = None,
    before_id: BeforeId = None,
) -> Paging:
    """The paging parameters every list takes. ``before`` alone starts before that moment; with
    ``before_id``, past that row of it."""
    after = None if before is None else (before, before_id or 2**63 - 1)
    return Paging(request, response, limit, after)


@dataclass(frozen=True)
class Browser:
    """One app's settings (None: the environment's, read per request), where it is mounted, and
    whether its docs are hidden behind a guard."""

    settings: Settings | None
    base_path: str
    guarded: bool

    @property
    def current(self) -> Settings:
        return self.settings or get_settings()


def browser(request: Request) -> Browser:
    found: Browser = request.app.state.browser
    return found


def db_session(request: Request) -> Iterator[Session]:
    """The store session of one request."""
    from models.sessions import session_for

    with session_for(browser(request).current) as session:
        yield session


def page(request: Request, template: str, **context: Any) -> HTMLResponse:
    here = browser(request)
    return TEMPLATES.TemplateResponse(
        request, template, {"base": here.base_path, "docs_shown": not here.guarded, **context}
    )


def web_url(value: Any) -> bool:
    """Only http(s) URLs from scraped data become links: a feed item's ``javascript:`` link is text."""
    return isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https")


TEMPLATES.env.filters["web_url"] = web_url

# OWASP: a spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A scraped cell as text a spreadsheet will not execute (a leading quote, the OWASP rule)."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_LEAD) else value


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


def csv_stream(
    request: Request, pages: Callable[[Session], Iterable[list[dict[str, Any]]]], filename: str
) -> Response:
    """Every row, as CSV written page by page while it is sent: an export of years of history holds
    one page in memory, not the whole table. The pages are read in a session of the stream's own
    (the request's is closed once the answer starts)."""
    from models.sessions import session_for

    settings = browser(request).current

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer: csv.DictWriter[str] | None = None
        with session_for(settings) as session:
            for rows in pages(session):
                for row in rows:
                    if writer is None:
                        writer = csv.DictWriter(buffer, fieldnames=list(row))
                        writer.writeheader()
                    writer.writerow({k: spreadsheet_safe(_cell(v)) for k, v in row.items()})
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()

    return StreamingResponse(
        lines(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
