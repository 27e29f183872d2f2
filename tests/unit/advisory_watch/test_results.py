"""How a run's alerts travel, and an exception as one line."""

from __future__ import annotations

import pytest

from advisory_watch.results import alert_status, describe


def test_notify_modes_are_alert_statuses():
    assert [alert_status(m) for m in (True, False, "live", "digest", "none")] == [
        "pending",
        "held",
        "pending",
        "digest",
        "held",
    ]
    with pytest.raises(ValueError, match="notify must be one of"):
        alert_status("loud")


def test_an_exception_is_one_bounded_line():
    assert describe(ValueError("bad feed\nTraceback …")) == "ValueError: bad feed"
    assert len(describe(RuntimeError("x" * 5000))) == 2000
