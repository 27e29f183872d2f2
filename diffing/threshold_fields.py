"""Field comparators for numbers and ratings that matter only past a threshold: an OC Index score or
rank, a market's score, OSAC's threat ratings. Declared by sources beside ``diffing.compare``'s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from diffing.changes import Change, Severity
from diffing.compare import Record, subject_name


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
                f"{subject_name(new)} — {self.label or self.path} {a} → {b} ({delta:+g})",
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
                    f"{subject_name(new)} — {item} {c.old} → {c.new} ({c.new - c.old:+.2f})",
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
                    self.kind,
                    self.name,
                    a,
                    b,
                    severity,
                    f"{subject_name(new)} — {label}: {a} → {b}",
                    item=label,
                )
            )
        return changes
