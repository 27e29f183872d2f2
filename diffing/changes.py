"""The typed change: what alerts, storage and the history UI share.

Severity scale (documented in docs/noise-and-witnesses.md):
  info      recorded and shown in history; lowering a level, removing an indicator or area, reissues
  low       small movements (OC Index scores just past the threshold)
  medium    raise to Level 2, an indicator or area added at Level 2-3
  high      raise to Level 3, K/T/D indicator added, a Level 4 area added
  critical  raise to Level 4
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        if isinstance(value, int):
            return cls(value)
        return cls[value.strip().upper()]


# How severe reaching each level (tier) of advice is: one table for every government's scale.
LEVEL_SEVERITY = {4: Severity.CRITICAL, 3: Severity.HIGH, 2: Severity.MEDIUM, 1: Severity.LOW}
# Indicators whose addition is high severity: kidnapping (K), terrorism (T), wrongful detention (D).
SERIOUS_INDICATORS = frozenset({"K", "T", "D"})


def level_change_severity(old: int, new: int) -> Severity:
    """A raise is as severe as the level reached; a lowering is informational."""
    return LEVEL_SEVERITY[new] if new > old else Severity.INFO


def reached_level_severity(level: int | None) -> Severity:
    """A move to ``level`` whose direction nobody read (a note's "changed to Level 3"): as a raise to
    it. Level 1 is the floor, so a move there was a lowering: informational. No level: medium."""
    if not level:
        return Severity.MEDIUM
    return Severity.INFO if level == 1 else LEVEL_SEVERITY.get(level, Severity.MEDIUM)


@dataclass(frozen=True)
class Change:
    kind: str
    field: str
    old: Any
    new: Any
    severity: Severity
    summary: str
    item: str | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    # Who says so (``diffing.witness``): "field", "note", "reading"; empty where nobody was asked.
    witnesses: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.label
        return data
