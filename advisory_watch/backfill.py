"""Runs for past moments: each source as the Wayback Machine captured it then.

A backfilled run (Airflow's run_type ``backfill``, a manual run with a past logical date, or
``advisory-watch backfill``) asks the archive for the latest capture of each of the source's URLs in
its range, stores it at the capture's time with its provenance (archive + capture URL), and lets the
pipeline put it in its place in history (advisory_watch/timeline/). Alerts it raises are recorded
in the run's notify mode: ``none`` (held; the default), ``digest`` or ``live``.

Politeness: captures already stored are not fetched again; a capture whose digest equals the previous
archived capture of the URL is the same bytes, recorded like a live 304 without downloading it; the
Fetcher backs off on 429/503 and connection resets; Airflow runs these tasks in the
``web_archive_org`` pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from advisory_watch.ingest import ingest
from advisory_watch.results import FetchInfo, IngestResult, NotifyMode, alert_status
from advisory_watch.settings import Settings, get_settings
from alerts.payload import AlertPayload
from models.sessions import session_for
from models.tables import CURRENT_STATUSES, STORED_STATUSES, Fetch, FetchStatus
from scrapers import registry
from scrapers.base import Source
from scrapers.errors import FetchError
from scrapers.fetch import wayback
from scrapers.fetch.http import Fetcher


@dataclass
class Step:
    """One URL at one moment: what the archive had and what became of it."""

    url: str
    at: datetime
    status: str  # ingested | no_capture | already_stored | same_digest | fetch_failed
    capture: wayback.Capture | None = None
    result: IngestResult | None = None
    error: str | None = None


@dataclass
class BackfillReport:
    source: str
    notify: str
    steps: list[Step] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        results = [s.result for s in self.steps if s.result is not None]
        alerts = [a for r in results for a in r.alerts]
        held = alerts if alert_status(self.notify) != "pending" else []
        captures = {s.capture.raw_url for s in self.steps if s.capture is not None}
        return {
            "source": self.source,
            "moments": len({s.at for s in self.steps}),
            "captures_found": len(captures),
            "captures_fetched": sum(s.status == "ingested" for s in self.steps),
            "same_digest": sum(s.status == "same_digest" for s in self.steps),
            "already_stored": sum(s.status == "already_stored" for s in self.steps),
            "no_capture": sum(s.status == "no_capture" for s in self.steps),
            "failed": sum(s.status == "fetch_failed" for s in self.steps),
            "unreadable": sum(r.status == FetchStatus.EXTRACTION_FAILED for r in results),
            "snapshots_written": sum(r.snapshots for r in results),
            "changes": sum(r.changes for r in results),
            "alerts": len(alerts),
            "alerts_held_back": len(held),
            "notify": self.notify,
            "problems": list(dict.fromkeys(p for r in results for p in r.problems))[:20],
        }

    @property
    def alerts(self) -> list[AlertPayload]:
        return [a for s in self.steps if s.result is not None for a in s.result.alerts]


def is_historical(logical_date: datetime | None, *, run_type: str | None, interval: timedelta) -> bool:
    """A backfill, or a manual run dated more than one schedule interval (at least an hour) in the
    past. A scheduled run is always live, however long it waited in its pool."""
    if run_type == "backfill":
        return True
    if run_type != "manual" or logical_date is None:
        return False
    return logical_date < datetime.now(UTC) - max(interval, timedelta(hours=1))


def archive_urls(session: Session, source: Source) -> list[str]:
    """What to look up: a source's fixed URLs, else every URL it has fetched (pages found by planning)."""
    if source.urls:
        return list(source.urls)
    rows = session.exec(select(Fetch.url).where(Fetch.source == source.name).distinct()).all()
    return sorted(u for u in rows if u.startswith("http"))


def backfill_at(
    name: str,
    at: datetime,
    *,
    since: datetime | None = None,
    notify: NotifyMode = "none",
    settings: Settings | None = None,
    fetcher: Fetcher | None = None,
) -> list[Step]:
    """Every URL of a source as archived in (since, at]: the work of one backfilled run."""
    settings = settings or get_settings()
    alert_status(notify)  # refuse an unknown mode before any request
    source = registry.load(name)
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(settings)
    steps: list[Step] = []
    try:
        with session_for(settings) as session:
            for url in archive_urls(session, source):
                steps.append(_one_url(session, source, url, at, since, notify, settings, fetcher))
    finally:
        if own_fetcher:
            fetcher.close()
    return steps


def _one_url(
    session: Session,
    source: Source,
    url: str,
    at: datetime,
    since: datetime | None,
    notify: NotifyMode,
    settings: Settings,
    fetcher: Fetcher,
) -> Step:
    try:
        capture = wayback.latest_capture(fetcher, url, at=at, since=since)
    except FetchError as exc:
        return _failed(session, source, url, at, exc)
    if capture is None:
        _record(session, source, url, at, FetchStatus.NO_CAPTURE, wayback.cdx_url(url, to=at, since=since))
        return Step(url, at, "no_capture")
    if _stored(session, source.name, capture.raw_url):
        return Step(url, at, "already_stored", capture)
    when = capture.captured_at
    if _previous_digest(session, source.name, url, when) == capture.digest:
        _record(session, source, url, when, FetchStatus.NOT_MODIFIED, capture.raw_url, etag=capture.digest)
        return Step(url, at, "same_digest", capture)
    try:
        fetched = wayback.fetch_capture(fetcher, capture)
    except FetchError as exc:
        return _failed(session, source, url, at, exc, capture)
    # The archive's digest is this capture's validator: a later capture with the same digest is the
    # same bytes (see _previous_digest). Live conditional GETs only read live validators.
    info = FetchInfo(
        http_status=fetched.status,
        etag=capture.digest,
        attempts=fetched.attempts,
        provenance="archive",
        provenance_url=capture.raw_url,
    )
    result = ingest(
        session,
        source,
        fetched.content or b"",
        url=url,
        observed_at=when,
        info=info,
        notify=notify,
        settings=settings,
    )
    return Step(url, at, "ingested", capture, result)


def _failed(
    session: Session,
    source: Source,
    url: str,
    at: datetime,
    error: FetchError,
    capture: wayback.Capture | None = None,
) -> Step:
    """Recorded for the history of the run; live source health is not touched (the site may be fine)."""
    session.rollback()
    capture_url = capture.raw_url if capture else None
    _record(session, source, url, at, FetchStatus.FETCH_FAILED, capture_url, error=str(error)[:2000])
    return Step(url, at, "fetch_failed", capture, error=str(error))


def _record(
    session: Session,
    source: Source,
    url: str,
    when: datetime,
    status: str,
    archive_url: str | None,
    **details: str,
) -> None:
    """An archive look that stored no document (no capture, same digest, failure): one fetch row."""
    session.add(
        Fetch(
            source=source.name,
            url=url,
            observed_at=when,
            status=status,
            provenance="archive",
            provenance_url=archive_url,
            **details,
        )
    )
    session.commit()


def _stored(session: Session, source: str, capture_url: str) -> bool:
    row = session.exec(
        select(Fetch.id)
        .where(Fetch.source == source, Fetch.provenance_url == capture_url)
        .where(
            col(Fetch.status).in_([*STORED_STATUSES, FetchStatus.NOT_MODIFIED, FetchStatus.EXTRACTION_FAILED])
        )
        .limit(1)
    ).first()
    return row is not None


def _previous_digest(session: Session, source: str, url: str, before: datetime) -> str | None:
    row = session.exec(
        select(Fetch.etag)
        .where(Fetch.source == source, Fetch.url == url, Fetch.provenance == "archive")
        .where(col(Fetch.status).in_(CURRENT_STATUSES), col(Fetch.observed_at) < before)
        .order_by(col(Fetch.observed_at).desc())
        .limit(1)
    ).first()
    return row


def moments(start: datetime, end: datetime, every: timedelta) -> Iterator[datetime]:
    at = start
    while at <= end:
        yield at
        at += every


def backfill_range(
    name: str,
    start: datetime,
    end: datetime,
    *,
    every: timedelta = timedelta(days=1),
    notify: NotifyMode = "none",
    settings: Settings | None = None,
    on_step: Callable[[datetime, list[Step]], None] | None = None,
) -> BackfillReport:
    """``advisory-watch backfill``: one archived look per moment from start to end, oldest first."""
    settings = settings or get_settings()
    report = BackfillReport(name, notify if isinstance(notify, str) else ("live" if notify else "none"))
    previous: datetime | None = start - every
    with Fetcher(settings) as fetcher:
        for at in moments(start, end, every):
            steps = backfill_at(name, at, since=previous, notify=notify, settings=settings, fetcher=fetcher)
            report.steps += steps
            previous = at
            if on_step is not None:
                on_step(at, steps)
    return report


def parse_every(text: str) -> timedelta:
    """``1d``, ``12h``, ``30m``, ``1w``: the step of a CLI backfill."""
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise ValueError(f"--every takes a number and m/h/d/w, like 1d or 6h (got {text!r})")
    return timedelta(**{units[unit]: int(number)})


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime:
    """A date (its end when ``end_of_day``: a day's run sees that whole day) or an ISO datetime, UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO datetime: {exc}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if end_of_day and len(text) == 10:
        value += timedelta(days=1, seconds=-1)
    return value.astimezone(UTC)
