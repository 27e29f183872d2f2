"""Where alerts go. A sink takes one payload and says where it went; the outbox does the rest.

The console sink (JSON lines on stdout, optionally appended to a file) is what runs when Slack is
not configured, so the main job works with no Slack at all.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO


@dataclass(frozen=True)
class Delivery:
    channel: str
    ts: str | None = None


class AlertSink(Protocol):
    name: str

    def send(self, payload: dict[str, Any]) -> Delivery: ...


class ConsoleSink:
    """Prints each alert as one JSON object per line."""

    name = "console"

    def __init__(self, stream: TextIO | None = None, jsonl_path: Path | None = None) -> None:
        self.stream = stream or sys.stdout
        self.jsonl_path = jsonl_path

    def send(self, payload: dict[str, Any]) -> Delivery:
        line = json.dumps(payload, ensure_ascii=False, default=str)
        print(line, file=self.stream, flush=True)
        if self.jsonl_path is not None:
            self.jsonl_path.parent.mkdir(parents=True, exist_ok=True)
            with self.jsonl_path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        return Delivery(channel="console")
