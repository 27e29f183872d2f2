"""The alert payload: one frozen dataclass per alert, the same for every source and every sink.

Its JSON (what is stored in ``alert.payload``, what the console sink and ``advisory-watch replay``
print) is, key by key in this order: source, government, governments, country, key, country_name,
kind, field, item, old, new, severity, observed_at (ISO 8601), summary, url, change_note, note,
note_by, raises, thread_with, changes, diff (word-level excerpt, with [-removed-] and [+added+]
marks), error, ops, from_snapshot, to_snapshot, history_url, test, channel, escalation. Keys a kind
of alert does not have are left out (an ops alert has no ``changes`` nor snapshots; a change alert no
``error``); ``AlertPayload.from_json`` reads any stored payload back, keeping keys it does not know.

The daily digest is a message of another shape (``DigestPayload``: a title and its items), stored in
the same outbox; ``parse_payload`` tells the two apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any, Protocol

from diffing.changes import Change, Severity
from diffing.textdiff import excerpt, iter_line_then_word_diff, render_markup
from diffing.tiers import Government

# A destination's own level moving: what an alert leads with (the U.S. level; another government's tier).
LEVEL_KINDS = frozenset({"level_changed", "tier_raised", "tier_lowered"})

# Keys every alert payload has, even when empty; the others are written only when set.
_ALWAYS = frozenset(
    {
        "source",
        "country",
        "key",
        "country_name",
        "kind",
        "field",
        "item",
        "old",
        "new",
        "severity",
        "observed_at",
        "summary",
        "url",
        "change_note",
        "diff",
    }
)


class Headed(Protocol):
    """What an alert or a digest item is named by: its place and its primary change."""

    @property
    def source(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def country_name(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def changes(self) -> tuple[Mapping[str, Any], ...] | None: ...


def place_of(item: Headed) -> str:
    return str(item.country_name or item.key or item.source or "")


def headline_of(item: Headed) -> str:
    """The place and the primary change, plain text, the place said once."""
    place = place_of(item)
    primary = item.changes[0]["summary"] if item.changes else item.summary or item.kind or ""
    return primary if primary.startswith(place) else f"{place} — {primary}".strip(" —")


class Routable(Protocol):
    """What routing reads of an alert or a digest item to choose its channels."""

    @property
    def source(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def severity(self) -> str: ...


@dataclass(frozen=True)
class SnapshotLink:
    """The two snapshots a change alert compares, and the history view of their diff."""

    from_snapshot: int | None
    to_snapshot: int
    history_url: str = ""


@dataclass(frozen=True, kw_only=True)
class AlertPayload:
    """One alert: a change of a destination, a consensus of governments, or an ops notice.

    Declared in the order of its JSON keys (``snapshots`` stands for its three)."""

    source: str
    government: str | None = None
    governments: tuple[str, ...] | None = None  # a consensus alert's governments
    country: str = ""
    key: str = ""
    country_name: str | None = ""
    kind: str
    field: str | None = None
    item: str | None = None
    old: Any = None
    new: Any = None
    severity: str  # a Severity label
    observed_at: str  # ISO 8601
    summary: str
    url: str = ""
    change_note: str | None = None
    note: str | None = None  # the government's words a claim rests on
    note_by: str | None = None
    raises: tuple[Mapping[str, Any], ...] | None = None  # a consensus alert's raises
    thread_with: tuple[int, ...] | None = None  # alerts a consensus alert replies under
    changes: tuple[Mapping[str, Any], ...] | None = None  # every typed change, primary first
    diff: str = ""
    error: str | None = None
    ops: bool = False
    snapshots: SnapshotLink | None = None
    test: bool = False  # `advisory-watch alerts test`
    channel: str | None = None  # an escalation's channel
    escalation: Mapping[str, Any] | None = None  # of_alert, after_minutes, notified, assignee
    extra: Mapping[str, Any] = dataclass_field(default_factory=dict)  # stored keys this version does not know

    @property
    def digest(self) -> bool:
        return False

    @property
    def from_snapshot(self) -> int | None:
        return self.snapshots.from_snapshot if self.snapshots else None

    @property
    def to_snapshot(self) -> int | None:
        return self.snapshots.to_snapshot if self.snapshots else None

    @property
    def history_url(self) -> str:
        return self.snapshots.history_url if self.snapshots else ""

    @property
    def place(self) -> str:
        return place_of(self)

    @property
    def headline(self) -> str:
        """'Peru — Level 2 → Level 3': the place and the primary change, plain text."""
        return headline_of(self)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in _JSON_ORDER:
            if name == "snapshots":
                if self.snapshots is not None:
                    out["from_snapshot"] = self.snapshots.from_snapshot
                    out["to_snapshot"] = self.snapshots.to_snapshot
                    out["history_url"] = self.snapshots.history_url
                continue
            value = getattr(self, name)
            if name in _ALWAYS or (value is not None and value is not False):
                out[name] = _plain(value)
        out.update(self.extra)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertPayload:
        known = {k: v for k, v in data.items() if k in _FIELDS}
        for name in ("governments", "raises", "thread_with", "changes"):
            if known.get(name) is not None:
                known[name] = tuple(known[name])
        snapshots = None
        if "to_snapshot" in data:
            snapshots = SnapshotLink(
                data.get("from_snapshot"), data["to_snapshot"], data.get("history_url") or ""
            )
        extra = {k: v for k, v in data.items() if k not in _FIELDS and k not in _SNAPSHOT_KEYS}
        return cls(**known, snapshots=snapshots, extra=extra)

    def escalated(self, channel: str | None, escalation: Mapping[str, Any]) -> AlertPayload:
        return replace(self, channel=channel, escalation=escalation)


_SNAPSHOT_KEYS = frozenset({"from_snapshot", "to_snapshot", "history_url"})
_JSON_ORDER = tuple(f.name for f in fields(AlertPayload) if f.name != "extra")
_FIELDS = frozenset(_JSON_ORDER) - {"snapshots"}


def _plain(value: Any) -> Any:
    """Tuples as the lists JSON has (and the stored payloads always had)."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, kw_only=True)
class DigestItem:
    """One change in a digest: what the digest lists of it, and what its routes match on."""

    source: str
    country: str
    key: str
    country_name: str
    kind: str
    severity: str
    summary: str
    changes: tuple[Mapping[str, Any], ...]
    what: str

    @property
    def place(self) -> str:
        return place_of(self)

    @property
    def headline(self) -> str:
        return headline_of(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "country": self.country,
            "key": self.key,
            "country_name": self.country_name,
            "kind": self.kind,
            "severity": self.severity,
            "summary": self.summary,
            "changes": [dict(c) for c in self.changes],
            "what": self.what,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DigestItem:
        return cls(**{**data, "changes": tuple(data.get("changes") or ())})


@dataclass(frozen=True, kw_only=True)
class DigestPayload:
    """One digest message for one channel: the changes of a window, by severity and place."""

    channel: str
    title: str
    items: tuple[DigestItem, ...]
    severity: str
    observed_at: str
    summary: str
    source: str = "digest"
    kind: str = "digest"
    country: str = ""
    key: str = ""

    digest = True
    ops = False
    escalation = None
    thread_with = None
    history_url = ""

    @property
    def headline(self) -> str:
        return self.title

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "digest": True,
            "channel": self.channel,
            "title": self.title,
            "items": [i.to_json() for i in self.items],
            "severity": self.severity,
            "observed_at": self.observed_at,
            "summary": self.summary,
            "country": self.country,
            "key": self.key,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DigestPayload:
        fields = {k: v for k, v in data.items() if k != "digest"}
        return cls(**{**fields, "items": tuple(DigestItem.from_json(i) for i in data.get("items") or ())})


Payload = AlertPayload | DigestPayload


def parse_payload(data: Mapping[str, Any] | None) -> Payload:
    """A stored payload as its type (a digest, or an alert)."""
    data = data or {}
    if data.get("digest"):
        return DigestPayload.from_json(data)
    return AlertPayload.from_json(data)


def primary_change(changes: list[Change]) -> Change:
    """The change that names the alert: a level change if there is one, else the most severe."""
    return next((c for c in changes if c.kind in LEVEL_KINDS), None) or max(
        changes, key=lambda c: int(c.severity)
    )


def change_payload(
    *,
    source: str,
    changes: list[Change],
    old_record: dict[str, Any] | None,
    new_record: dict[str, Any],
    observed_at: datetime,
    from_snapshot: int | None,
    to_snapshot: int,
    history_base_url: str = "",
    alerting: list[Change] | None = None,
    note_by: str | None = None,
    government: Government | None = None,
) -> AlertPayload:
    """One alert for one update of one destination, listing every typed change in it.

    ``alerting``: the changes that raised the alert (default: all). The headline and the severity
    come from them; the other changes ride along as context (an unconfirmed area change must not
    make a confirmed indicator change look critical). Each change names its witnesses
    (``diffing.witness``); ``note`` quotes the government's own note where a claim rests on it and
    ``note_by`` says whose note it is."""
    deciding = alerting or changes
    primary = primary_change(deciding)
    ordered = [primary] + [c for c in changes if c is not primary]
    diff_text = ""
    if old_record is not None:
        # Lines first, words inside changed lines: an advisory rewritten end to end stays cheap.
        old_text, new_text = old_record.get("text") or "", new_record.get("text") or ""
        if old_text != new_text:  # texts that differ always diff to some change
            diff_text = render_markup(excerpt(iter_line_then_word_diff(old_text, new_text)))
    history_url = ""
    if history_base_url and from_snapshot is not None:
        history_url = f"{history_base_url.rstrip('/')}/diff/{from_snapshot}/{to_snapshot}"
    summary = primary.summary
    if len(ordered) > 1:
        summary += "; " + "; ".join(c.summary.split(" — ", 1)[-1] for c in ordered[1:])
    quoted = _quoted_note(ordered)
    return AlertPayload(
        source=source,
        government=government.code if government else None,
        country=new_record.get("country") or "",
        key=new_record.get("key") or "",
        country_name=new_record.get("country_name") or "",
        kind=primary.kind,
        field=primary.field,
        item=primary.item,
        old=primary.old,
        new=primary.new,
        severity=max(deciding, key=lambda c: int(c.severity)).severity.label,
        observed_at=observed_at.isoformat(),
        summary=summary,
        url=new_record.get("url") or "",
        change_note=new_record.get("change_note"),
        note=quoted,
        note_by=(note_by or "the government's note") if quoted else None,
        changes=tuple(c.as_dict() for c in ordered),
        diff=diff_text,
        snapshots=SnapshotLink(from_snapshot, to_snapshot, history_url),
    )


def _quoted_note(changes: list[Change]) -> str | None:
    """The note the alert quotes: the words of the government's note its claims rest on."""
    return next(
        (c.details.get("note") for c in changes if "note" in c.witnesses and c.details.get("note")), None
    )


def ops_payload(
    *,
    source: str,
    kind: str,
    summary: str,
    observed_at: datetime,
    url: str = "",
    error: str = "",
    severity: Severity = Severity.HIGH,
    government: Government | None = None,
) -> AlertPayload:
    return AlertPayload(
        source=source,
        government=government.code if government else None,
        kind=kind,
        severity=severity.label,
        observed_at=observed_at.isoformat(),
        summary=summary,
        url=url,
        error=error,
        ops=True,
    )
