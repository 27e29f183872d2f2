"""Field comparators that sources declare, and the generic record comparison built from them.

A source says *which* fields matter and *how severe* each kind of change is; this module turns two
records into typed changes for any source. Adding a source never touches this file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from diffing.changes import Change, Severity

Record = dict[str, Any]


class FieldSpec(Protocol):
    name: str

    def compare(self, old: Record, new: Record) -> list[Change]: ...


def _subject(record: Record) -> str:
    return str(record.get("country_name") or record.get("title") or record.get("key") or "")


@dataclass(frozen=True)
class ScalarField:
    """A value compared as a whole (a level, a rating, a score): one change when it differs."""

    name: str
    kind: str
    severity: Callable[[Any, Any], Severity]
    label: Callable[[Any], str] = str
    significant: Callable[[Any, Any], bool] = lambda old, new: old != new

    def compare(self, old: Record, new: Record) -> list[Change]:
        a, b = old.get(self.name), new.get(self.name)
        if a is None or b is None or not self.significant(a, b):
            return []
        return [
            Change(
                kind=self.kind,
                field=self.name,
                old=a,
                new=b,
                severity=self.severity(a, b),
                summary=f"{_subject(new)} — {self.label(a)} → {self.label(b)}",
            )
        ]


@dataclass(frozen=True)
class SetField:
    """A set of labels (indicator letters): one change per label added or removed."""

    name: str
    added_kind: str
    removed_kind: str
    severity_added: Callable[[str], Severity]
    severity_removed: Callable[[str], Severity]
    label: Callable[[str], str] = str

    def compare(self, old: Record, new: Record) -> list[Change]:
        if new.get(self.name) is None:
            return []  # not stated in this version: unknown, not "all removed"
        a, b = set(old.get(self.name) or []), set(new.get(self.name) or [])
        changes = [
            Change(
                self.added_kind,
                self.name,
                sorted(a),
                sorted(b),
                self.severity_added(x),
                f"{_subject(new)} — +{self.label(x)}",
                item=x,
            )
            for x in sorted(b - a)
        ]
        changes += [
            Change(
                self.removed_kind,
                self.name,
                sorted(a),
                sorted(b),
                self.severity_removed(x),
                f"{_subject(new)} — −{self.label(x)}",
                item=x,
            )
            for x in sorted(a - b)
        ]
        return changes


@dataclass(frozen=True)
class KeyedListField:
    """A list of named items (restricted areas) matched across versions by a similarity rule."""

    name: str
    added_kind: str
    removed_kind: str
    changed_kind: str
    same_item: Callable[[str, str], bool]
    attribute: str
    severity_added: Callable[[dict], Severity]
    severity_removed: Callable[[dict], Severity]
    severity_changed: Callable[[dict, dict], Severity]
    describe: Callable[[dict], str] = lambda item: str(item.get("name"))

    def compare(self, old: Record, new: Record) -> list[Change]:
        before = list(old.get(self.name) or [])
        after = list(new.get(self.name) or [])
        unmatched = list(before)
        changes: list[Change] = []
        for item in after:
            match = next((o for o in unmatched if o["name"] == item["name"]), None) or next(
                (o for o in unmatched if self.same_item(o["name"], item["name"])), None
            )
            if match is None:
                changes.append(
                    Change(
                        self.added_kind,
                        self.name,
                        None,
                        item,
                        self.severity_added(item),
                        f"{_subject(new)} — +area {self.describe(item)}",
                        item=item["name"],
                    )
                )
                continue
            unmatched.remove(match)
            if match.get(self.attribute) != item.get(self.attribute):
                changes.append(
                    Change(
                        self.changed_kind,
                        self.name,
                        match,
                        item,
                        self.severity_changed(match, item),
                        f"{_subject(new)} — {item['name']}: {self.attribute} "
                        f"{match.get(self.attribute)} → {item.get(self.attribute)}",
                        item=item["name"],
                    )
                )
        changes += [
            Change(
                self.removed_kind,
                self.name,
                item,
                None,
                self.severity_removed(item),
                f"{_subject(new)} — −area {self.describe(item)}",
                item=item["name"],
            )
            for item in unmatched
        ]
        return changes


@dataclass(frozen=True)
class EditionField:
    """The record's own edition date: a newer edition with no other change is a reissue."""

    name: str
    kind: str = "advisory_reissued"

    def compare(self, old: Record, new: Record) -> list[Change]:
        a, b = old.get(self.name), new.get(self.name)
        if a is None or b is None or b <= a:
            return []
        note = new.get("change_note") or ""
        return [
            Change(
                self.kind,
                self.name,
                a,
                b,
                Severity.INFO,
                f"{_subject(new)} — reissued {b}" + (f": {note}" if note else ""),
            )
        ]


def compare_records(fields: Sequence[FieldSpec], old: Record, new: Record) -> list[Change]:
    """Typed changes between two records; an edition change is reported only when nothing else changed."""
    changes: list[Change] = []
    editions: list[Change] = []
    for spec in fields:
        found = spec.compare(old, new)
        (editions if isinstance(spec, EditionField) else changes).extend(found)
    return changes or editions


def material_equal(fields: Sequence[FieldSpec], a: Record, b: Record) -> bool:
    """Equal in every declared field except the edition date."""
    return not any(spec.compare(a, b) for spec in fields if not isinstance(spec, EditionField))


def _dig(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class ThresholdField:
    """A number that matters only when it moves by at least ``threshold``; worse moves are more severe.

    ``worse`` is the direction that means more risk ("up": a criminality score or an OC Index rank
    number going down… see the source). A worse move of twice the threshold or more is high, a smaller
    worse move medium, a better move informational.
    """

    path: str
    kind: str
    threshold: float
    worse: str  # "up" or "down"
    label: str = ""

    @property
    def name(self) -> str:
        return self.path

    def severity(self, delta: float) -> Severity:
        worse = delta > 0 if self.worse == "up" else delta < 0
        if not worse:
            return Severity.INFO
        return Severity.HIGH if abs(delta) >= 2 * self.threshold else Severity.MEDIUM

    def compare(self, old: Record, new: Record) -> list[Change]:
        a, b = _dig(old, self.path), _dig(new, self.path)
        if a is None or b is None or abs(b - a) < self.threshold - 1e-9:
            return []
        delta = round(b - a, 2)
        return [
            Change(
                self.kind,
                self.path,
                a,
                b,
                self.severity(delta),
                f"{_subject(new)} — {self.label or self.path} {a} → {b} ({delta:+g})",
                item=self.path,
            )
        ]


@dataclass(frozen=True)
class KeyedThresholdField:
    """A mapping of named numbers ({market: {score: …}}): one change per name past the threshold."""

    name: str
    kind: str
    threshold: float
    worse: str
    value_key: str = "score"

    def compare(self, old: Record, new: Record) -> list[Change]:
        before, after = old.get(self.name) or {}, new.get(self.name) or {}
        changes = []
        for item in sorted(set(before) & set(after)):
            spec = ThresholdField(
                f"{self.name}.{item}.{self.value_key}", self.kind, self.threshold, self.worse, label=item
            )
            found = spec.compare({self.name: before}, {self.name: after})
            changes += [
                Change(
                    c.kind,
                    self.name,
                    c.old,
                    c.new,
                    c.severity,
                    f"{_subject(new)} — {item} {c.old} → {c.new} ({c.new - c.old:+.2f})",
                    item=item,
                )
                for c in found
            ]
        return changes


@dataclass(frozen=True)
class RatingsField:
    """Ratings keyed by some fields (location + category): a change when a rating moves or appears."""

    name: str
    kind: str
    keys: tuple[str, ...]
    value: str
    order: tuple[str, ...]  # from least to most severe

    def _rank(self, value: Any) -> int:
        return self.order.index(value) if value in self.order else -1

    def compare(self, old: Record, new: Record) -> list[Change]:
        def index(record: Record) -> dict[tuple, Any]:
            return {
                tuple(item.get(k) for k in self.keys): item.get(self.value)
                for item in record.get(self.name) or []
            }

        before, after = index(old), index(new)
        changes = []
        for key in sorted(set(before) | set(after), key=str):
            a, b = before.get(key), after.get(key)
            if a == b or b is None:
                continue
            worse = self._rank(b) > self._rank(a)
            severity = (
                (Severity.HIGH if self._rank(b) >= len(self.order) - 2 else Severity.MEDIUM)
                if worse
                else Severity.INFO
            )
            label = " ".join(str(k) for k in key)
            changes.append(
                Change(
                    self.kind, self.name, a, b, severity, f"{_subject(new)} — {label}: {a} → {b}", item=label
                )
            )
        return changes
