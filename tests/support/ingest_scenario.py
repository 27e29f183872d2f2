"""One fixed sequence of real observations through the ingest core, and a dump of what it stored.

The bulk write path (#20) must leave the database exactly as the row-by-row path did. The digests
in ``tests/scenarios/fixtures/ingest_tables.json`` were taken from the row-by-row code (commit
3d02f9e) running
this scenario; ``tests/scenarios/test_ingest_tables.py`` runs it again on SQLite and PostgreSQL and compares.

The scenario covers every write the core makes: 117 archive days in order (baselines, snapshots,
pending and confirmed changes, alerts), three held-out days inserted afterwards into their place
(backfill: snapshots, explicit copies, re-derived changes), the newest day again an hour later (a
repeat), and the advisory pages of twelve destinations over their corpus moments (a second source,
sparse keys).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, select

from advisory_watch.ingest import ingest
from advisory_watch.results import FetchInfo
from advisory_watch.settings import Settings
from models.sessions import session_for
from scrapers import registry
from tests.conftest import ARCHIVE, FEED_URL, SHARED

US_CORPUS = SHARED / "fixtures" / "governments" / "unitedstates"
PAGE_DESTINATIONS = (
    "Afghanistan",
    "Brazil",
    "Colombia",
    "Haiti",
    "Israel",
    "Mexico",
    "Nigeria",
    "Peru",
    "Philippines",
    "Russia",
    "Ukraine",
    "Venezuela",
)
# Columns that hold the wall-clock time of the run, not anything the data decided.
WALL_CLOCK = {("alert", "created_at"), ("sourcehealth", "updated_at")}


def run_scenario(settings: Settings) -> int:
    """Ingest the scenario into the settings' database; returns the number of alerts raised."""
    feed = registry.load("state-dept-feed")
    page = registry.load("state-dept-page")
    days = sorted(ARCHIVE.glob("*.xml"))
    held_out = days[30::30]
    alerts = 0

    def put(session, source, path: Path, url: str, when: datetime | None = None) -> None:  # noqa: ANN001
        nonlocal alerts
        result = ingest(
            session,
            source,
            path.read_bytes(),
            url=url,
            observed_at=when,
            info=FetchInfo(provenance="replay", provenance_url=path.name),
            notify=False,
            settings=settings,
        )
        alerts += len(result.alerts)

    with session_for(settings) as session:
        for path in days:
            if path not in held_out:
                put(session, feed, path, FEED_URL)
        for path in held_out:
            put(session, feed, path, FEED_URL)
        last = registry.load("state-dept-feed").extract(days[-1].read_bytes()).document_time
        put(session, feed, days[-1], FEED_URL, last + timedelta(hours=1))
        for destination in PAGE_DESTINATIONS:
            url = f"https://travel.state.gov/advisories/{destination.replace(' ', '-').lower()}.html"
            for moment in sorted((US_CORPUS / destination).glob("*/Advisory.md")):
                when = datetime.strptime(moment.parent.name, "%Y-%m-%dT%H%M%SZ").replace(tzinfo=UTC)
                put(session, page, moment, url, when)
    return alerts


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def table_rows(url: str) -> dict[str, list[list[Any]]]:
    """Every stored table except Alembic's, rows in primary-key order, wall-clock columns left out,
    values normalised across SQLite and PostgreSQL (reflected types: JSON and times decoded)."""
    engine = create_engine(url)
    found: dict[str, list[list[Any]]] = {}
    with engine.connect() as conn:
        metadata = MetaData()
        metadata.reflect(conn)
        for name, table in sorted(metadata.tables.items()):
            if name == "alembic_version":
                continue
            columns = sorted(
                (c for c in table.columns if (name, c.name) not in WALL_CLOCK), key=lambda c: c.name
            )
            order = list(table.primary_key.columns) or columns
            rows = conn.execute(select(*columns).order_by(*order))
            found[name] = [[_value(v) for v in row] for row in rows]
    engine.dispose()
    return found


def dump_tables(url: str, *, without: Callable[[str, Any], Any] | None = None) -> dict[str, dict[str, Any]]:
    """Per table: row count and the sha256 of its rows (``table_rows``); ``without(table, value)``
    takes out of each value what was added since the digests were taken."""
    found = table_rows(url)
    if without is not None:
        found = {name: [[without(name, v) for v in row] for row in rows] for name, rows in found.items()}
    return {
        name: {
            "rows": len(rows),
            "sha256": hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest(),
        }
        for name, rows in found.items()
    }
