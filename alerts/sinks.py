"""Transports: where a rendered alert is posted. The outbox (alerts/outbox.py) decides what and when.

Errors say what is known about the outcome, because exactly-once delivery depends on it:
``DeliveryRejected``  the service refused it (bad channel, bad token): nothing was posted; tell ops.
``DeliveryFailed``    it was not posted (rate limit or server error after the client's retries).
``DeliveryUncertain`` it may have been posted (timeout, connection lost): look before posting again.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TextIO


class DeliveryError(Exception):
    pass


class DeliveryRejected(DeliveryError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryFailed(DeliveryError):
    pass


class DeliveryUncertain(DeliveryError):
    pass


@dataclass(frozen=True)
class Posted:
    channel_id: str
    ts: str | None = None


class Transport(Protocol):
    name: str
    supports_threads: bool
    can_verify: bool

    def post(
        self,
        channel: str,
        message: dict[str, Any],
        payload: dict[str, Any],
        *,
        marker: str,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> Posted: ...

    def find(
        self, channel: str, marker: str, *, since: datetime, thread_ts: str | None = None
    ) -> Posted | None: ...


class ConsoleTransport:
    """Prints each alert payload as one JSON line (and appends it to a file if configured)."""

    name = "console"
    supports_threads = False
    can_verify = False

    def __init__(self, stream: TextIO | None = None, jsonl_path: Path | None = None) -> None:
        self.stream = stream
        self.jsonl_path = jsonl_path

    def post(self, channel, message, payload, *, marker, thread_ts=None, broadcast=False) -> Posted:
        line = json.dumps(payload, ensure_ascii=False, default=str)
        print(line, file=self.stream or sys.stdout, flush=True)
        if self.jsonl_path is not None:
            self.jsonl_path.parent.mkdir(parents=True, exist_ok=True)
            with self.jsonl_path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        return Posted(channel_id=channel)

    def find(self, channel, marker, *, since, thread_ts=None) -> Posted | None:
        return None
