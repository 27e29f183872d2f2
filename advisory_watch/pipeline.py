"""A source's live cycle, top-down. What happens to a feed document in one live cycle:

1. **Plan** (``source.plan(plan_inputs(...))``): the feed has one fixed URL; other sources discover
   theirs, follow another source's records (the advisory pages follow the feed) or skip what is not
   due. A discovery that failed is a failed fetch of "discovery"; destinations with no URL are told to
   ops once.
2. **For each URL, within the cycle's deadline**: a conditional GET (``Fetcher.get`` with the last
   ETag / Last-Modified; allow-listed hosts, retries with backoff, a size cap and an overall deadline).
   A failure is a fetch row and a health streak (``record_fetch_failure``: one ops alert per outage);
   a 304 says the stored document is still current (``record_not_modified``).
3. **Ingest** what was downloaded (``advisory_watch.ingest``), one transaction per document: extract
   (a layout change is an ``extraction_failed`` ops alert and the last good snapshot stays current,
   never a change), then one of three modes — the same bytes as last time (like a 304), a past moment
   (inserted in its place, ``advisory_watch.timeline``), or a live one: each destination's record goes
   through the acceptance rule (``advisory_watch.observe``: confirm, hold pending, or ignore), a
   snapshot is stored when it differs, typed changes and a text diff are computed, the witness rule
   decides what an alert may claim, and the alert is written to the outbox with the change
   (``advisory_watch.history_writes``). Drift, health and unreadable items are checked after every
   observation.
4. **Deliver** (the caller: ``deliver_alerts`` in the DAG, ``advisory-watch run`` after its cycles):
   the outbox posts each alert once per routed channel (``advisory_watch.delivery``).

Every step below the cycle is handed one ``RunContext`` (the session, the source, the settings, how
alerts travel) instead of those four one by one. DAG tasks and ``advisory-watch run`` call
``run_source``; nothing here imports Airflow. docs/architecture.md
draws the same cycle with the layers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from advisory_watch.alert_records import ops_alert_once
from advisory_watch.ingest import ingest, record_fetch_failure, record_not_modified
from advisory_watch.results import FetchInfo, IngestResult, NotifyMode, RunContext, describe
from advisory_watch.settings import Settings, get_settings
from alerts.payload import ops_payload
from diffing.changes import Severity
from models import store
from models.sessions import session_for
from scrapers import registry
from scrapers.base import Discovery, PlanInputs, Source
from scrapers.errors import FetchError
from scrapers.fetch.http import Fetcher


def run_source(
    name: str,
    *,
    settings: Settings | None = None,
    notify: NotifyMode = True,
    keys: set[str] | None = None,
    fetcher: Fetcher | None = None,
    planned: list[str] | None = None,
) -> list[IngestResult]:
    """One live cycle of a source: conditional GET of each URL, then ingest what changed.

    ``planned`` fetches exactly those URLs (a batch of a mapped DAG task) instead of planning.
    """
    settings = settings or get_settings()
    source = registry.load(name)
    results: list[IngestResult] = []
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(settings)
    try:
        with session_for(settings) as session:
            run = RunContext(session, source, settings, notify)
            found = (
                Discovery(list(planned))
                if planned is not None
                else source.plan(plan_inputs(session, source, fetcher))
            )
            urls = found.urls
            if found.unwatched:
                results.append(_unwatched(run, found.unwatched))
            for problem in found.problems:
                results.append(record_fetch_failure(run, "discovery", FetchError(problem), datetime.now(UTC)))
            started = time.monotonic()
            for position, url in enumerate(urls):
                if time.monotonic() - started > settings.cycle_deadline:
                    # Bounded: what is left is due again next cycle, and ops hear why.
                    results.append(_cycle_deadline_passed(run, urls[position:]))
                    break
                try:
                    result = _fetch_and_ingest(run, fetcher, url, keys)
                except Exception as exc:  # noqa: BLE001 - one URL must not stop the others
                    session.rollback()
                    result = record_fetch_failure(run, url, FetchError(describe(exc)), datetime.now(UTC))
                if result is not None:
                    results.append(result)
    finally:
        if own_fetcher:
            fetcher.close()
    return results


def _unwatched(run: RunContext, keys: list[str]) -> IngestResult:
    """Destinations a source found no URL for: ops hear once per set of destinations, and the rest
    of the cycle goes on."""
    session, source = run.session, run.source
    now = datetime.now(UTC)
    summary = f"{source.name}: no page found for {', '.join(keys)}; these destinations are not watched"
    result = IngestResult(source.name, "discovery_incomplete", now, problems=[summary])
    result.alerts = ops_alert_once(
        session,
        ops_payload(
            source=source.name,
            government=source.government,
            kind="destinations_unwatched",
            observed_at=now,
            summary=summary,
            severity=Severity.MEDIUM,
        ),
        "unwatched:" + ",".join(keys),
        notify=run.notify,
    )
    session.commit()
    return result


def _fetch_and_ingest(
    run: RunContext, fetcher: Fetcher, url: str, keys: set[str] | None
) -> IngestResult | None:
    """One URL of a cycle: conditional GET, then ingest what changed."""
    session, source = run.session, run.source
    observed_at = datetime.now(UTC)
    etag, last_modified = store.last_validators(session, source.name, url)
    try:
        fetched = fetcher.get(url, allowed_hosts=source.allowed_hosts, etag=etag, last_modified=last_modified)
    except FetchError as exc:
        return record_fetch_failure(run, url, exc, observed_at)
    if fetched.not_modified:
        return record_not_modified(run, fetched, observed_at)
    info = FetchInfo(
        http_status=fetched.status,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        attempts=fetched.attempts,
    )
    return ingest(
        session,
        source,
        fetched.content or b"",
        url=url,
        observed_at=observed_at,
        info=info,
        notify=run.notify,
        keys=keys,
        settings=run.settings,
    )


def _cycle_deadline_passed(run: RunContext, left: list[str]) -> IngestResult:
    error = FetchError(
        f"the cycle passed its {run.settings.cycle_deadline:g} s deadline with {len(left)} URL(s) left "
        f"(first: {left[0]}); they are due again next cycle"
    )
    return record_fetch_failure(run, "cycle", error, datetime.now(UTC))


def plan_inputs(session: Session, source: Source, fetcher: Fetcher | None) -> PlanInputs:
    """The store's answers a source may plan from, each looked up only when the source asks."""

    def followed(other: str) -> tuple[dict[str, dict[str, Any]], dict[str, datetime]]:
        changed_at = {key: state.updated_at for key, state in store.states_for(session, other).items()}
        return store.confirmed_records(session, other), changed_at

    return PlanInputs(
        fetcher=fetcher,
        now=datetime.now(UTC),
        confirmed_raw=lambda other: store.confirmed_raw_by_key(session, other),
        followed=followed,
        last_fetched=lambda: store.last_fetched_by_url(session, source.name),
        last_observed=lambda url: store.last_observed(session, source.name, url),
    )


def planned_batches(name: str, batch_size: int, settings: Settings | None = None) -> list[list[str]]:
    """The due URLs of a source in batches: one mapped Airflow task per batch, not one per country."""
    source = registry.load(name)
    with session_for(settings) as session:
        urls = source.plan(plan_inputs(session, source, None)).urls
    return [urls[i : i + batch_size] for i in range(0, len(urls), batch_size)]
