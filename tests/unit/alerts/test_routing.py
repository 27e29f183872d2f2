"""Routing rules: which alerts go to which channels, and the shipped example file."""

from __future__ import annotations

import pytest

from alerts.payload import AlertPayload
from alerts.routing import RoutingError, parse
from tests.conftest import ROOT


def _alert(**fields) -> AlertPayload:
    """An alert with only what routing reads set."""
    return AlertPayload(
        **{"source": "x", "kind": "level_changed", "observed_at": "", "summary": "", **fields}
    )


def test_routing_rules():
    routing = parse(
        {
            "default_channel": "#all",
            "ops_channel": "#ops",
            "regions": {"latam": ["PE", "CO"]},
            "routes": [
                {"channel": "#latam", "regions": ["latam"], "min_severity": "medium"},
                {"channel": "#peru", "countries": ["pe"], "sources": ["state-dept-feed"]},
                {"channel": "#digest", "digest": True},
            ],
        }
    )
    peru_high = _alert(country="PE", severity="high", source="state-dept-feed")
    assert routing.live_channels(peru_high) == ["#latam", "#peru"]
    assert routing.live_channels(_alert(country="PE", severity="info", source="osac-report")) == ["#all"]
    assert routing.live_channels(_alert(country="FR", severity="critical", source="x")) == ["#all"]
    assert routing.live_channels(_alert(ops=True, severity="high")) == ["#ops"]
    assert [r.channel for r in routing.digest_routes()] == ["#digest"]
    for bad in (
        {"routes": [{"countries": ["PE"]}]},
        {"routes": [{"channel": "#x", "regions": ["nowhere"]}]},
        {"routes": [{"channel": "#x", "min_severity": "loud"}]},
        {"routes": [{"channel": "#x", "colour": 1}]},
    ):
        with pytest.raises(RoutingError):
            parse(bad)


def test_shipped_routing_example_is_valid():

    from alerts.routing import load

    routing = load(ROOT / "alerts" / "routing.example.yaml")
    assert routing.default_channel == "#travel-risk" and routing.ops_channel == "#advisory-watch-ops"
    assert "#latam-security" in routing.live_channels(_alert(country="PE", severity="high", source="x"))
