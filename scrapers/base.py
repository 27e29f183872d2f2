"""What a source is: one declaration of where to fetch, how to extract, what matters and how much.

Everything downstream (storage, diffing, alerts, DAGs, CLI) works from a ``Source`` alone, so adding
a source is one module plus one line in ``scrapers/registry.py``.
"""

from __future__ import annotations

import hashlib
import sys
import types
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from diffing import areas, claims, witness
from diffing.acceptance import AcceptancePolicy
from diffing.changes import Change
from diffing.compare import FieldSpec, compare_records, unique_changes
from diffing.records import record_hash
from diffing.tiers import Government


@dataclass(frozen=True)
class Extracted:
    """One record from a fetched document, with the exact bytes it came from."""

    key: str
    record: dict[str, Any]
    raw: bytes
    rejected: str | None = None  # why the source refuses to treat this item as an advisory

    # Cached: extractors keep the Extracted of an unchanged item (the feed repeats 211 items a day).
    @cached_property
    def record_hash(self) -> str:
        return record_hash(self.record)

    @cached_property
    def raw_hash(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True)
class Extraction:
    records: list[Extracted]
    problems: list[str] = field(default_factory=list)
    document_time: datetime | None = None  # what the document says about its own time


# What another source holds, for a source that finds its URLs from it: source name -> {destination
# key: raw text of its confirmed snapshot}.
Known = Callable[[str], dict[str, str]]


@dataclass(frozen=True)
class Discovery:
    """The URLs a source found for this cycle. ``problems`` are failures on the way (a search that
    could not be fetched: counted like a failed fetch); ``unwatched`` names destinations that
    should have a URL and got none (told to ops once, not every cycle)."""

    urls: list[str]
    problems: list[str] = field(default_factory=list)
    unwatched: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlanInputs:
    """What a source may plan a cycle from: the store's answers, handed in as functions so that a
    source never imports the store, and only the lookups a source asks for are made."""

    fetcher: Any  # scrapers.fetch.http.Fetcher: sources that search their publisher's site
    now: datetime
    confirmed_raw: Known  # another source's name -> its confirmed raw text by key
    # another source's name -> (its confirmed records by key, when each key's state last changed)
    followed: Callable[[str], tuple[dict[str, dict[str, Any]], dict[str, datetime]]]
    last_fetched: Callable[[], dict[str, datetime]]  # this source's URLs -> their last fetch
    last_observed: Callable[[str], datetime | None]  # one of this source's URLs -> its last observation


# Kinds recorded as changes but not alerted unless a source says otherwise: a reissue is history.
QUIET_KINDS = frozenset({"advisory_reissued"})


class Source(types.ModuleType):
    """Every member a source may declare, each with its default: the whole contract, in one place.

    A source is a module: its functions stay plain functions, importable and testable one by one. Its
    last line, ``declare(__name__)`` (or ``declare(__name__, Family)`` for a family of sources), makes
    the module an instance of this class, so a member the module does not define is the default
    here, and nothing elsewhere asks a source whether it has one. A hook whose default is ``None`` is
    one only some sources have; the callers say what its absence means.
    """

    # -- What it is. Every source sets these. -----------------------------------------------------
    name: str  # registry key, stored with every row ("state-dept-feed")
    title: str  # shown in `advisory-watch sources`, health and Slack
    extractor_version: str  # a new version means stored snapshots may be re-read (`reprocess`)
    allowed_hosts: frozenset[str]  # the fetcher refuses any other host (redirects included)
    fields: Sequence[FieldSpec]  # which fields of a record matter, and how severe each change is
    policy: AcceptancePolicy  # when a difference is a change (the noise rule)
    urls: Sequence[str] = ()  # fixed URLs, fetched every cycle unless the source plans its own
    government: Government | None = None  # whose advice it is (tiers.UK): consensus, /governments, Slack
    # Its folder under ../shared/fixtures/governments (``advisory-watch replay --all``).
    corpus_folder: str | None = None

    def extract(self, content: bytes, *, url: str) -> Extraction:
        """Pure: bytes in, records out; raises ExtractionError when the layout is not recognised."""
        raise NotImplementedError(f"{self.name} declares no extract()")

    # -- What it fetches. ---------------------------------------------------------------------------
    def plan(self, inputs: PlanInputs) -> Discovery:
        """This cycle's URLs. Sources that search their publisher's site, follow another source's
        records or skip URLs read recently enough say so here; the default is every fixed URL."""
        return Discovery(list(self.urls))

    follows: str | None = None  # the source whose confirmed records it plans from (pages follow the feed)
    # Ask the ingest core for the records of items it already stored (a feed of many items).
    recalls_items: bool = False

    # -- How its snapshots are read again. --------------------------------------------------------
    # (raw, url=) -> Extraction, where a snapshot holds part of the document (a feed's item); else
    # the snapshot's bytes are the whole document and `extract` reads them.
    extract_snapshot: Callable[..., Extraction] | None = None
    # The corpus layout under ../shared/fixtures/governments: one file name per moment, or roles
    # (role -> file names) for a moment read as a bundle of files.
    corpus_file: str | None = None
    corpus_roles: dict[str, tuple[str, ...]] | None = None
    # (records as JSON-ready dicts) -> what `advisory-watch extract` prints instead of them.
    present: Callable[[list[dict[str, Any]]], Any] | None = None
    # (folder, keywords) -> the URL `advisory-watch replay SOURCE DIR` reads the files as, for a source
    # whose files must be registered first (successive versions of one watched document).
    prepare_replay: Callable[[Path, Sequence[str]], str] | None = None
    # Whether the history browser's full-text search covers its current records.
    searchable: bool = False

    # -- What alerts, and what an alert may say. ------------------------------------------------------
    quiet_kinds: frozenset[str] = QUIET_KINDS  # kinds recorded but not alerted
    # (changes, old, new) -> (alerting, findings): a source that decides itself.
    triage: Callable[..., tuple[Sequence[Change], Sequence[Change]]] | None = None
    # (record, confirmed records of other sources) -> findings stored beside changes, never alerted.
    findings: Callable[..., list[Change]] | None = None
    # The government's own note on a version: the record field holding it, who writes it (shown in
    # Slack), and its reader (note, record) -> claims (``diffing.witness``).
    note_field: str | None = None
    note_by: str | None = None
    read_note: Callable[..., list[Any]] | None = None
    note_exhaustive: bool = False  # the note lists everything an edition changed (the U.S.)
    # Fields that are structured data, not a reading of text: a fixed set, or (old, new) -> set.
    field_witnessed: frozenset[str] = frozenset()
    witnessed_fields: Callable[[dict[str, Any], dict[str, Any]], frozenset[str]] | None = None

    @staticmethod
    def alerts_unnoted(change: Change) -> bool:
        """A change no note speaks of that alerts anyway (Ireland writes no notes)."""
        return False

    # -- How its health is judged. ----------------------------------------------------------------
    # metric -> record predicate counted per cycle, and metric -> the count below which it drifted.
    health_metrics: Mapping[str, Callable[[dict[str, Any]], bool]] = MappingProxyType({})
    health_floor: Mapping[str, int] = MappingProxyType({})


def declare(module_name: str, kind: type[Source] = Source) -> None:
    """Make the module a source: its undefined members take the defaults of ``kind``."""
    sys.modules[module_name].__class__ = kind


# Items this process already knows the record of: (source, extractor version, sha256 of the item's
# bytes) -> (key, record). An extractor is a pure function of the bytes for a given version, so a
# record stored for the same bytes by the same version is what reading them again would give. The
# ingest core seeds it from each destination's last snapshot, so a fresh process (every Airflow task)
# reads only the items that changed since.
_READ_ITEMS: OrderedDict[tuple[str, str, str], tuple[str, dict[str, Any]]] = OrderedDict()
_READ_ITEMS_SIZE = 8192


def remember_item(source: str, version: str, raw_hash: str, key: str, record: dict[str, Any]) -> None:
    _READ_ITEMS[(source, version, raw_hash)] = (key, record)
    _READ_ITEMS.move_to_end((source, version, raw_hash))
    while len(_READ_ITEMS) > _READ_ITEMS_SIZE:
        _READ_ITEMS.popitem(last=False)


def recall_item(source: str, version: str, raw: bytes) -> Extracted | None:
    """The item as read before (by this version), or None."""
    raw_hash = hashlib.sha256(raw).hexdigest()
    known = _READ_ITEMS.get((source, version, raw_hash))
    if known is None:
        return None
    extracted = Extracted(key=known[0], record=known[1], raw=raw)
    extracted.__dict__["raw_hash"] = raw_hash  # the cached property, already computed
    return extracted


def forget_items() -> None:
    """For benchmarks of a fresh process."""
    _READ_ITEMS.clear()


def choose(source: Source, candidates: list[Extracted]) -> Extracted:
    """The one item that speaks for a destination when a document carries several."""
    chosen_record = source.policy.pick([c.record for c in candidates])
    return next(c for c in candidates if c.record is chosen_record)


def extract_snapshot(source: Source, raw: bytes, *, url: str) -> Extraction:
    """Re-extract a stored snapshot's raw bytes (reprocess). A source whose snapshots hold a part of
    the fetched document (a feed's item) declares ``extract_snapshot``; for the rest the raw bytes are
    the whole document, read by ``extract``."""
    own = source.extract_snapshot
    return own(raw, url=url) if own is not None else source.extract(raw, url=url)


@dataclass(frozen=True)
class Transition:
    """What a source makes of one confirmed transition old -> new: its typed changes, what the alert
    may state about them (each claim with its witnesses, ``diffing.witness``), the ones that alert,
    findings about it (stored beside the changes, never alerted) and every row to store."""

    changes: list[Change]
    alerting: list[Change]
    findings: list[Change]
    stated: list[Change]

    @property
    def stored(self) -> list[Change]:
        """Typed changes, findings, and the claims an alert makes beyond what was read (a change on
        the note's word, an area revision), so history lists every change an alert stated."""
        said = [c for c in self.stated if c.kind == "area_revised" or c.witnesses == (claims.NOTE,)]
        return unique_changes([*self.changes, *self.findings, *said])


def fields_witnessed(source: Source, old: dict[str, Any], new: dict[str, Any]) -> frozenset[str]:
    own = source.witnessed_fields
    return own(old, new) if own is not None else source.field_witnessed


def standing_areas(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Names of the areas both versions advise against at the same level."""
    before = {(a.get("name"), a.get("level")) for a in old.get("areas") or [] if isinstance(a, dict)}
    return [
        str(a.get("name"))
        for a in new.get("areas") or []
        if isinstance(a, dict) and (a.get("name"), a.get("level")) in before
    ]


def note_of(source: Source, old: dict[str, Any], new: dict[str, Any]) -> tuple[str | None, bool]:
    """The government's note on the new version, and whether it is new there: its words changed. (A
    re-dated edition repeating its note announces nothing again: the feed re-dates whole batches.)"""
    note_field = source.note_field
    if note_field is None:
        return None, False
    note = new.get(note_field) or None
    return note, bool(note) and note != (old.get(note_field) or None)


def transition(source: Source, old: dict[str, Any], new: dict[str, Any]) -> Transition:
    """A source that declares its note (``note_field``, ``read_note``) is weighed by the witness
    rule (``diffing.witness.weigh``); one with a ``triage`` (changes, old, new) -> (alerting,
    findings) decides itself; else every change whose kind is not in its ``quiet_kinds`` alerts.
    The live cycle and re-derived history both call this, so they store the same rows."""
    changes = compare_records(source.fields, old, new)
    quiet = source.quiet_kinds
    fielded = fields_witnessed(source, old, new)
    read_note = source.read_note
    if read_note is not None:
        note, is_new = note_of(source, old, new)
        testimony = witness.weigh(
            changes,
            read_note(note, new) if is_new else [],
            note=note,
            note_is_new=is_new,
            field_witnessed=fielded,
            quiet_kinds=quiet,
            subject_name=str(new.get("country_name") or new.get("key") or ""),
            note_exhaustive=source.note_exhaustive,
            standing_areas=standing_areas(old, new),
            level_after=new.get("level") if isinstance(new.get("level"), int) else None,
            same_place=areas.same_area,
            alerts_unnoted=source.alerts_unnoted,
        )
        return Transition(changes, testimony.alerting, testimony.findings, testimony.stated)
    triage = source.triage
    if triage is not None:
        alerting, findings = triage(changes, old, new)
        alerting = list(alerting)
    else:
        alerting, findings = [c for c in changes if c.kind not in quiet], []
    riding = [c for c in changes if c not in alerting and c.kind not in QUIET_KINDS]

    def told(change: Change) -> Change:
        return witness.witnessed(change, claims.FIELD if change.field in fielded else claims.READING)

    stated = [told(c) for c in [*alerting, *riding]]
    return Transition(changes, stated[: len(alerting)], list(findings), stated)
