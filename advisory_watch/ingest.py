"""One fetched document into the store: extract -> accept -> store -> diff -> outbox, one transaction.

The live cycle (``advisory_watch.pipeline``), replays, backfills and the tests call ``ingest``. It
never raises for what a document contains; what cannot be read or stored is recorded as a fetch with
its reason and told to ops once per failure streak, and the last good snapshots stay current.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlmodel import Session

from advisory_watch import drift, health
from advisory_watch.alert_records import ops_alert
from advisory_watch.observe import apply_observation
from advisory_watch.results import FetchInfo, IngestResult, NotifyMode, RunContext, describe
from advisory_watch.settings import Settings, get_settings
from advisory_watch.timeline import REJECTED, checkpoint_due, extend_checkpoints, insert_observation
from alerts.payload import AlertPayload, ops_payload
from diffing.changes import Severity
from models import blobs, store
from models.tables import Fetch, FetchStatus
from scrapers.base import Extracted, Extraction, Source, choose, remember_item
from scrapers.errors import ExtractionError, FetchError
from scrapers.fetch.http import FetchResult


def record_fetch_failure(run: RunContext, url: str, error: FetchError, observed_at: datetime) -> IngestResult:
    session, source = run.session, run.source
    fetch = Fetch(
        source=source.name,
        url=url,
        observed_at=observed_at,
        status=FetchStatus.FETCH_FAILED,
        error=str(error)[:2000],
    )
    session.add(fetch)
    payload = health.record_failure(
        session,
        source=source.name,
        kind="fetch_failed",
        error=str(error),
        observed_at=observed_at,
        threshold=run.settings.failure_threshold,
        url=url,
    )
    result = IngestResult(source.name, FetchStatus.FETCH_FAILED, observed_at, problems=[str(error)])
    result.alerts = ops_alert(session, payload, notify=run.notify)
    session.commit()
    result.fetch_id = fetch.id
    return result


def record_not_modified(run: RunContext, fetched: FetchResult, observed_at: datetime) -> IngestResult:
    session, source = run.session, run.source
    store.lock_source(session, source.name)
    fetch = Fetch(
        source=source.name,
        url=fetched.url,
        observed_at=observed_at,
        status=FetchStatus.NOT_MODIFIED,
        http_status=304,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        attempts=fetched.attempts,
    )
    session.add(fetch)
    result = IngestResult(source.name, FetchStatus.NOT_MODIFIED, observed_at)
    result.alerts = ops_alert(
        session,
        health.record_success(session, source=source.name, observed_at=observed_at, url=fetched.url),
        notify=run.notify,
    )
    session.commit()
    result.fetch_id = fetch.id
    return result


def ingest(
    session: Session,
    source: Source,
    content: bytes,
    *,
    url: str,
    observed_at: datetime | None = None,
    fallback_time: datetime | None = None,
    info: FetchInfo = FetchInfo(),
    notify: NotifyMode = True,
    keys: set[str] | None = None,
    settings: Settings | None = None,
) -> IngestResult:
    """Store one fetched document and everything that follows from it, in one transaction.

    Never raises for what the document contains: an extractor that refuses or crashes is an
    ``extraction_failed`` fetch, a destination that cannot be stored is isolated in its savepoint,
    and anything else that goes wrong rolls the observation back and is recorded as an
    ``ingest_failed`` fetch with its reason (so the next cycle fetches the bytes again instead of
    taking them as handled), with one ops alert per failure streak.
    """
    run = RunContext(session, source, settings or get_settings(), notify)
    content_hash = blobs.sha256(content)
    try:
        _recall_stored_items(session, source)
        extraction = source.extract(content, url=url)
    except Exception as exc:  # noqa: BLE001 - a crashing extractor is a failed extraction, not a dead cycle
        error = str(exc) if isinstance(exc, ExtractionError) else f"extractor crashed: {describe(exc)}"
        when = observed_at or fallback_time or datetime.now(UTC)
        arrived = Arrival(url, when, content_hash, info, keys)
        return _record_unprocessed(run, arrived, FetchStatus.EXTRACTION_FAILED, error)
    when = store.as_utc(observed_at or extraction.document_time or fallback_time or datetime.now(UTC))
    arrival = Arrival(url, when, content_hash, info, keys)

    def attempt(isolate: bool) -> IngestResult:
        return _ingest_extraction(run, extraction, arrival, isolate=isolate)

    try:
        # The fast path: one transaction, no savepoints.
        return attempt(isolate=False)
    except Exception:  # noqa: BLE001 - retried below with every destination isolated
        session.rollback()
    try:
        return attempt(isolate=True)
    except Exception as exc:  # noqa: BLE001 - no document may stop the cycle; recorded with its reason
        session.rollback()
        return _record_unprocessed(run, arrival, FetchStatus.INGEST_FAILED, describe(exc))


@dataclass(frozen=True)
class Arrival:
    """A document as it came in: from where, observed when, its digest, how it was fetched, and the
    destinations the run asked for (None: all)."""

    url: str
    when: datetime
    content_hash: str
    info: FetchInfo
    keys: set[str] | None


def _record_unprocessed(run: RunContext, arrival: Arrival, status: str, error: str) -> IngestResult:
    """A document that was fetched but not stored: a fetch row with the reason, one ops alert a streak.

    The row carries no validators and is newer than the last good fetch, so the next cycle downloads
    and tries the bytes again; the last good snapshots stay current.
    """
    session, source = run.session, run.source
    url, when, info = arrival.url, arrival.when, arrival.info
    store.lock_source(session, source.name)
    session.add(
        Fetch(
            source=source.name,
            url=url,
            observed_at=when,
            status=status,
            http_status=info.http_status,
            content_hash=arrival.content_hash,
            attempts=info.attempts,
            error=error[:2000],
            provenance=info.provenance,
            provenance_url=info.provenance_url,
            extractor_version=source.extractor_version,
        )
    )
    live = info.provenance != "archive"
    payload = (
        health.record_failure(
            session, source=source.name, kind=status, error=error, observed_at=when, threshold=1, url=url
        )
        if live
        else _archive_problem(source, arrival, error)
    )
    result = IngestResult(source.name, status, when, problems=[error])
    result.alerts = ops_alert(session, payload, notify=run.notify)
    session.commit()
    return result


@dataclass(frozen=True)
class Observation:
    """One document's observation as its three modes and the checks after them see it."""

    run: RunContext
    arrival: Arrival  # its ``when`` moved past a stored observation at the same instant, if any
    extraction: Extraction
    fetch: Fetch
    chosen_by_key: dict[str, Extracted]

    @property
    def live(self) -> bool:
        """Read from the publisher now, not from an archive: it speaks of the site's health today."""
        return self.arrival.info.provenance != "archive"

    @property
    def whole(self) -> bool:
        """Every destination of the document, not a run narrowed to some (``--countries``)."""
        return not self.arrival.keys


def _ingest_extraction(
    run: RunContext, extraction: Extraction, arrival: Arrival, *, isolate: bool
) -> IngestResult:
    """The observation's transaction, in one of three modes — the same bytes as the URL's last time, a
    past moment (older than what is stored), a live one — then the checks that follow every observation.
    ``isolate`` puts each destination in a savepoint: the slower path, taken only when the fast one
    failed, so one destination cannot take the others with it."""
    session, source, when, content_hash = run.session, run.source, arrival.when, arrival.content_hash
    store.lock_source(session, source.name)
    if store.already_ingested(session, source.name, content_hash, when):
        # The same bytes at the same time: a task retry, a repeated replay, or another worker was first.
        session.rollback()
        return IngestResult(source.name, "duplicate", when)
    previous_error = store.latest_error(session, source.name)
    newest = store.latest_observation(session, source.name)
    if newest is not None and newest >= when:
        # Only a stored observation at or after this instant can hold it (never on a live cycle).
        when = store.free_instant(session, source.name, when)
        arrival = replace(arrival, when=when)
    fetch, chosen_by_key, result = _open_observation(run, extraction, arrival)
    seen = Observation(run, arrival, extraction, fetch, chosen_by_key)
    if newest is not None and newest > when:
        _past_moment(seen, result)
    elif seen.whole and store.previous_reading(session, source.name, arrival.url, when, fetch.id) == (
        content_hash,
        source.extractor_version,
    ):
        _same_bytes_again(result)
    else:
        _live_moment(seen, result, isolate=isolate)
    _after_observation(seen, result, previous_error)
    session.commit()
    return result


def _open_observation(
    run: RunContext, extraction: Extraction, arrival: Arrival
) -> tuple[Fetch, dict[str, Extracted], IngestResult]:
    """The fetch row (which destinations the document showed) and each destination's chosen item."""
    session, source, keys, info, when = run.session, run.source, arrival.keys, arrival.info, arrival.when
    groups: dict[str, list[Extracted]] = defaultdict(list)
    rejected = 0
    for extracted in extraction.records:
        if keys and extracted.key not in keys:
            continue
        if extracted.rejected:
            rejected += 1
            continue
        groups[extracted.key].append(extracted)

    fetch = Fetch(
        source=source.name,
        url=arrival.url,
        observed_at=when,
        # A narrowed run saw only some destinations: its validators must not make the next full run a 304.
        status=FetchStatus.PARTIAL if keys else FetchStatus.OK,
        http_status=info.http_status,
        etag=info.etag,
        last_modified=info.last_modified,
        content_hash=arrival.content_hash,
        attempts=info.attempts,
        item_count=len(extraction.records),
        error="; ".join(extraction.problems)[:2000] or None,
        provenance=info.provenance,
        provenance_url=info.provenance_url,
        extractor_version=source.extractor_version,
        observed_keys=" ".join(sorted(groups)),
    )
    session.add(fetch)
    session.flush()
    result = IngestResult(
        source.name,
        FetchStatus.OK,
        when,
        fetch_id=fetch.id,
        items=len(extraction.records),
        rejected=rejected,
        problems=list(extraction.problems),
    )
    return fetch, {key: choose(source, candidates) for key, candidates in groups.items()}, result


def _past_moment(seen: Observation, result: IngestResult) -> None:
    """Older than what is stored (a backfill): inserted in its place, and what follows from it
    re-derived, without moving the current state."""
    insert_observation(seen.run, seen.fetch, seen.chosen_by_key, result)


def _same_bytes_again(result: IngestResult) -> None:
    """The same bytes as the URL's previous observation (a replayed copy, or a live copy of an archived
    capture): like a 304, not a second observation that could confirm anything."""
    result.decisions["repeat"] += 1


def _live_moment(seen: Observation, result: IngestResult, *, isolate: bool) -> None:
    """The newest observation: accepted, stored, diffed and alerted (``advisory_watch.observe``); every
    so often it stores the next fold checkpoints."""
    apply_observation(seen.run, seen.fetch, seen.chosen_by_key, result, isolate=isolate)
    if seen.whole:
        _extend_checkpoints(seen.run, result)


def _after_observation(seen: Observation, result: IngestResult, previous_error: str | None) -> None:
    """What every observation is checked for, whatever its mode: drift of what the extraction yielded,
    the source's health, and items that could not be read (told once per new set of problems)."""
    session, source, when, notify = seen.run.session, seen.run.source, seen.arrival.when, seen.run.notify
    if seen.live and seen.whole:
        # What this extraction yielded, against the trailing fortnight: a format that moved on.
        for payload in drift.observe(
            session, source, seen.extraction, dict(result.findings), fetch_id=seen.fetch.id, when=when
        ):
            result.alerts += ops_alert(session, payload, notify=notify)
    if seen.live:
        # Archive captures say nothing about whether the site works today: live health is left alone.
        result.alerts += ops_alert(
            session,
            health.record_success(session, source=source.name, observed_at=when, url=seen.arrival.url),
            notify=notify,
        )
    problems = seen.extraction.problems
    if problems and (previous_error or "") != (seen.fetch.error or ""):
        payload = ops_payload(
            source=source.name,
            government=source.government,
            kind="extraction_failed",
            observed_at=when,
            url=seen.arrival.url,
            summary=f"{source.name}: {len(problems)} item(s) could not be read; they were skipped",
            error="; ".join(problems)[:2000],
            severity=Severity.MEDIUM,
        )
        result.alerts += ops_alert(session, payload, notify=notify)


def _archive_problem(source: Source, arrival: Arrival, error: str) -> AlertPayload | None:
    """An archived capture that cannot be read: told to ops (held with the backfill), not a health streak."""
    url, when, info = arrival.url, arrival.when, arrival.info
    return ops_payload(
        source=source.name,
        government=source.government,
        kind="extraction_failed",
        observed_at=when,
        url=info.provenance_url or url,
        summary=f"{source.name}: the archived capture {info.provenance_url or url} could not be read",
        error=error[:2000],
        severity=Severity.LOW,
    )


def _extend_checkpoints(run: RunContext, result: IngestResult) -> None:
    """Every so often a live observation stores the next fold checkpoints. They only make backfills
    cheaper: one that cannot be written is a problem noted on the result, never a lost observation."""
    if not checkpoint_due(run.session, run.source.name, run.settings):
        return
    try:
        with run.session.begin_nested():
            extend_checkpoints(run.session, run.source, run.settings)
    except Exception as exc:  # noqa: BLE001 - an optimisation must not cost the observation
        result.problems.append(f"fold checkpoint not stored: {describe(exc)}")


_recalled: set[tuple[str, str]] = set()


def _recall_stored_items(session: Session, source: Source) -> None:
    """Once per process, database and source that asks for it: the records of each destination's last
    snapshot, by the bytes they were read from, so the extractor reads only the items that changed."""
    ident = (source.name, str(session.get_bind().url))
    if not source.recalls_items or ident in _recalled:
        return
    _recalled.add(ident)
    states, snapshots = store.states_and_snapshots(session, source.name)
    for state in states.values():
        snap = snapshots.get(state.last_snapshot_id) if state.last_snapshot_id else None
        if snap and snap.extractor_version == source.extractor_version and snap.disposition != REJECTED:
            record = blobs.get_record(session, snap.record_hash)
            remember_item(source.name, source.extractor_version, snap.raw_hash, snap.key, record)


def forget_recalled() -> None:
    """For benchmarks of a fresh process."""
    _recalled.clear()
