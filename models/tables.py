"""The snapshot store's tables.

Raw bytes and records are content-addressed blobs (zlib, stored once per hash): the feed repeats the
same 211 items every hour, so history costs a few bytes per observation, not a copy of the feed.
Snapshots are written only when a destination's record differs from its previous snapshot.
Alerts are an outbox: recorded in the same transaction as the change, delivered later, exactly once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.utc import UtcDateTime


class Blob(SQLModel, table=True):
    hash: str = Field(primary_key=True, max_length=64)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class FetchStatus(StrEnum):
    """What one fetch row records (stored as its string)."""

    OK = "ok"  # read and stored: every destination it shows
    PARTIAL = "partial"  # read and stored, some destinations isolated (``IngestResult.failed``)
    NOT_MODIFIED = "not_modified"  # a 304, or an archive capture with the digest of the last one
    NO_CAPTURE = "no_capture"  # a backfill found no archive capture in the run's range
    FETCH_FAILED = "fetch_failed"
    EXTRACTION_FAILED = "extraction_failed"  # downloaded, not read: the layout changed
    INGEST_FAILED = "ingest_failed"  # read, not stored


# Fetches that stored what they read, and fetches that showed the stored document unchanged.
STORED_STATUSES = (FetchStatus.OK, FetchStatus.PARTIAL)
CURRENT_STATUSES = (FetchStatus.OK, FetchStatus.NOT_MODIFIED)


class Fetch(SQLModel, table=True):
    # "The newest observation of this source / of this URL": without these, each cycle would sort the
    # source's whole history (a year of hourly cycles made every cycle twice as slow).
    __table_args__ = (
        Index("ix_fetch_source_observed", "source", "observed_at"),
        Index("ix_fetch_source_url_observed", "source", "url", "observed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, max_length=64)
    url: str
    observed_at: datetime = Field(index=True, sa_type=UtcDateTime)
    status: str = Field(max_length=32)  # a FetchStatus
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = Field(default=None, max_length=64)
    attempts: int = 1
    item_count: int | None = None
    error: str | None = None
    provenance: str = Field(default="live", max_length=16)  # live | replay | archive
    provenance_url: str | None = None
    extractor_version: str | None = None
    # Destinations this observation showed (accepted items, space-separated). Snapshots are written only
    # when a destination's bytes change, so this is what lets history be re-derived in any order.
    observed_keys: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Snapshot(SQLModel, table=True):
    # uq_snapshot leads with the source: it serves "this source's snapshots" (no index of its own).
    __table_args__ = (UniqueConstraint("source", "key", "observed_at", "record_hash", name="uq_snapshot"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    key: str = Field(index=True, max_length=32)
    observed_at: datetime = Field(index=True, sa_type=UtcDateTime)
    fetch_id: int | None = Field(default=None, foreign_key="fetch.id")
    record_hash: str = Field(foreign_key="blob.hash", max_length=64)
    raw_hash: str = Field(foreign_key="blob.hash", max_length=64)
    extractor_version: str
    disposition: str = Field(max_length=32)


class DestinationState(SQLModel, table=True):
    source: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=32)
    confirmed_snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    pending_snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    last_snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    updated_at: datetime = Field(sa_type=UtcDateTime)


class Change(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("source", "key", "to_snapshot_id", "kind", "item", name="uq_change"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, max_length=64)
    key: str = Field(index=True, max_length=32)
    country: str = Field(index=True, max_length=8)
    kind: str = Field(max_length=48)
    field_name: str = Field(max_length=48)
    item: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    old: Any = Field(default=None, sa_column=Column(JSON))
    new: Any = Field(default=None, sa_column=Column(JSON))
    severity: int = Field(index=True)
    summary: str
    observed_at: datetime = Field(index=True, sa_type=UtcDateTime)
    from_snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    to_snapshot_id: int = Field(foreign_key="snapshot.id")


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=255)
    source: str = Field(index=True, max_length=64)
    key: str = Field(default="", max_length=32)
    country: str = Field(default="", max_length=8)
    kind: str = Field(max_length=48)
    severity: int
    change_id: int | None = Field(default=None, foreign_key="change.id")
    payload: Any = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(index=True, sa_type=UtcDateTime)
    status: str = Field(default="pending", index=True, max_length=16)  # pending | sent | held | failed
    routed: bool = Field(default=False, index=True)
    attempts: int = 0
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    channel: str | None = None
    slack_ts: str | None = None
    last_error: str | None = None


class Delivery(SQLModel, table=True):
    """One alert to one channel: the unit delivered exactly once (claimed, sent, confirmed)."""

    __table_args__ = (UniqueConstraint("alert_id", "channel", name="uq_delivery"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    channel: str = Field(max_length=255)
    source: str = Field(default="", max_length=64)
    key: str = Field(default="", max_length=32)
    status: str = Field(default="pending", index=True, max_length=16)  # pending | sending | sent
    attempts: int = 0
    claimed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claim: str | None = Field(default=None, max_length=64)
    channel_id: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    sent_at: datetime | None = Field(default=None, index=True, sa_type=UtcDateTime)
    last_error: str | None = None


class SourceHealth(SQLModel, table=True):
    source: str = Field(primary_key=True, max_length=64)
    consecutive_failures: int = 0
    alerted: bool = False
    last_error: str | None = None
    last_success_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # Extraction drift ops were told about: metric -> {"usual", "now", "since"}; cleared on recovery.
    drift: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    # URL -> when it last failed, for the URLs failing now: a source of many pages has recovered when
    # every one of them has been read again, not when any one page is.
    failing: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class ExtractionHealth(SQLModel, table=True):
    """What one observation's extraction yielded: the evidence the drift watch compares over time."""

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    fetch_id: int | None = Field(default=None, foreign_key="fetch.id")
    observed_at: datetime = Field(sa_type=UtcDateTime)
    records: int
    # metric -> count of records having it (level, indicators, areas, numbers, ratings, ...), plus
    # rejected, unrecognised and note_disagreements.
    counts: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    findings: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # examples, by kind


class FoldCheckpoint(SQLModel, table=True):
    """Where the fold of a source's history stood after one observation (``advisory_watch.timeline``).

    ``state`` is zlib-compressed JSON: per destination the ids of its current, confirmed, pending and
    last snapshots, and per URL the fetch whose bytes a next observation of it would repeat. A
    backfill re-folds from the checkpoint before it instead of from the first observation.
    """

    __table_args__ = (
        UniqueConstraint("source", "fetch_id", name="uq_foldcheckpoint"),
        Index("ix_foldcheckpoint_source_observed", "source", "observed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    fetch_id: int = Field(foreign_key="fetch.id")
    observed_at: datetime = Field(sa_type=UtcDateTime)
    state: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class AlertAction(SQLModel, table=True):
    """What someone did about an alert (acknowledge, assign, snooze its destination) or what the
    product did (escalate): the audit trail. ``once`` makes a repeated action one row: an alert is
    acknowledged and escalated once; Slack's retries of one click carry the same action timestamp."""

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    kind: str = Field(max_length=16)  # acknowledge | assign | snooze | escalate
    actor: str = Field(max_length=64)  # Slack user id, the CLI user, or "advisory-watch"
    actor_name: str = Field(default="", max_length=128)
    via: str = Field(max_length=8)  # slack | cli | system
    detail: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # assignee, until, …
    channel_id: str | None = Field(default=None, max_length=32)  # the message acted on
    message_ts: str | None = Field(default=None, max_length=32)
    once: str = Field(unique=True, max_length=128)
    created_at: datetime = Field(index=True, sa_type=UtcDateTime)


class Snooze(SQLModel, table=True):
    """A destination whose alerts go to the digest instead of the live channels until ``until``."""

    id: int | None = Field(default=None, primary_key=True)
    country: str = Field(index=True, max_length=8)
    until: datetime = Field(sa_type=UtcDateTime)
    actor: str = Field(max_length=64)
    action_id: int | None = Field(default=None, foreign_key="alertaction.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
