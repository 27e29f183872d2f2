"""The typed change: what alerts, storage and the history UI share.

Severity scale (documented in the README):
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
