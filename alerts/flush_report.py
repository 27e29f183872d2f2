"""What one outbox flush did, as the caller reads it: delivery reports, the caller records (the health
page hears of Slack's refusals from the report, never from the outbox itself)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Refusal:
    """Slack refused a delivery outright (a broken token, an unknown channel): the caller records it
    on the health page; delivery itself only reports."""

    channel: str
    reason: str
    at: datetime


@dataclass
class FlushReport:
    """What one flush did, and what the outbox holds after it (counted in the database, not guessed).

    ``failed`` and ``rejected`` are this flush's attempts that did not go through; ``waiting`` the
    deliveries (and not yet routed alerts) still pending afterwards; ``leased`` the deliveries
    claimed by a sender (this one or another worker) whose lease has not run out."""

    sent: int = 0
    verified: int = 0
    failed: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    waiting: int = 0
    leased: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    transport: str = ""
    finished_at: datetime | None = None

    @property
    def reached_slack(self) -> bool:
        """Something went out through Slack and nothing was refused: the delivery path works."""
        return bool(self.sent) and not self.rejected and self.transport not in ("", "console")

    @property
    def pending(self) -> int:
        """Everything not delivered yet: what is waiting and what is held by a lease."""
        return self.waiting + self.leased
