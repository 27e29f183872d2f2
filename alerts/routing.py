"""Which Slack channels an alert goes to, from a YAML file that ops edit without code changes.

See ``alerts/routing.example.yaml``. A live alert goes to every non-digest route it matches
(countries / regions / sources filters, all optional, and a minimum severity); when none matches, to
``default_channel``. Ops alerts (fetch or extraction failures, Slack errors) go to ``ops_channel``.
Digest routes receive only the daily digest of the changes they match.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from alerts.payload import AlertPayload, DigestPayload, Routable
from diffing.changes import Severity


@dataclass(frozen=True)
class Route:
    channel: str
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    min_severity: Severity = Severity.INFO
    digest: bool = False
    escalate_after_minutes: float | None = None  # high/critical alerts here not acknowledged by then

    def matches(self, payload: Routable, region_of: dict[str, set[str]]) -> bool:
        country = str(payload.country or "").upper()
        if self.countries and country not in self.countries:
            return False
        if self.regions and not (region_of.get(country, set()) & self.regions):
            return False
        if self.sources and payload.source not in self.sources:
            return False
        return Severity.parse(payload.severity or "info") >= self.min_severity


@dataclass(frozen=True)
class Routing:
    default_channel: str | None = None
    ops_channel: str | None = None
    thread_window_hours: float = 72.0
    routes: tuple[Route, ...] = ()
    regions: dict[str, frozenset[str]] = field(default_factory=dict)
    escalation_channel: str | None = None
    escalate_after_minutes: float | None = None  # for alerts that went to the default channel

    def escalation_minutes(self, payload: Routable, channels: list[str]) -> float | None:
        """How long a high or critical alert delivered to ``channels`` may stay unacknowledged: the
        shortest of its matching routes' limits (the top-level one for the default channel)."""
        if not self.escalation_channel:
            return None
        index = self.region_of
        limits = [
            r.escalate_after_minutes
            for r in self.routes
            if r.escalate_after_minutes is not None
            and not r.digest
            and r.channel in channels
            and r.matches(payload, index)
        ]
        if self.escalate_after_minutes is not None and self.default_channel in channels:
            limits.append(self.escalate_after_minutes)
        return min(limits) if limits else None

    @property
    def region_of(self) -> dict[str, set[str]]:
        index: dict[str, set[str]] = {}
        for region, countries in self.regions.items():
            for country in countries:
                index.setdefault(country, set()).add(region)
        return index

    def live_channels(self, payload: AlertPayload | DigestPayload) -> list[str]:
        if isinstance(payload, DigestPayload) or payload.escalation:
            return [payload.channel] if payload.channel else []
        if payload.ops:
            channel = self.ops_channel or self.default_channel
            return [channel] if channel else []
        index = self.region_of
        channels = [r.channel for r in self.routes if not r.digest and r.matches(payload, index)]
        if not channels and self.default_channel:
            channels = [self.default_channel]
        return list(dict.fromkeys(channels))

    def digest_routes(self) -> list[Route]:
        routes = [r for r in self.routes if r.digest]
        if not routes and self.default_channel:
            routes = [Route(channel=self.default_channel, digest=True)]
        return routes

    def digest_matches(self, route: Route, payload: Routable) -> bool:
        return route.matches(payload, self.region_of)


class RoutingError(ValueError):
    """The routing file is not valid; the message says where."""


def _codes(values: Any, where: str) -> frozenset[str]:
    if values is None:
        return frozenset()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RoutingError(f"{where} must be a list of strings")
    return frozenset(v.strip().upper() for v in values)


_TOP_LEVEL_KEYS = frozenset(
    {
        "default_channel",
        "ops_channel",
        "thread_window_hours",
        "routes",
        "regions",
        "escalation_channel",
        "escalate_after_minutes",
    }
)


def parse(data: dict[str, Any]) -> Routing:
    if not isinstance(data, dict):
        raise RoutingError("the routing file must be a mapping")
    unknown = set(data) - _TOP_LEVEL_KEYS
    if unknown:
        raise RoutingError(
            f"unknown keys at the top level: {', '.join(sorted(map(str, unknown)))} "
            f"(known: {', '.join(sorted(_TOP_LEVEL_KEYS))})"
        )
    if not isinstance(data.get("routes") or [], list):
        raise RoutingError("routes must be a list")
    if not isinstance(data.get("regions") or {}, dict):
        raise RoutingError("regions must be a mapping of region name to country codes")
    window = data.get("thread_window_hours", 72)
    if isinstance(window, bool) or not isinstance(window, int | float) or window < 0:
        raise RoutingError("thread_window_hours must be a number of hours")
    regions = {str(k): _codes(v, f"regions.{k}") for k, v in (data.get("regions") or {}).items()}
    routes = []
    for i, raw in enumerate(data.get("routes") or []):
        if not isinstance(raw, dict) or not raw.get("channel"):
            raise RoutingError(f"routes[{i}] needs a channel")
        unknown = set(raw) - {
            "channel",
            "countries",
            "regions",
            "sources",
            "min_severity",
            "digest",
            "escalate_after_minutes",
        }
        if unknown:
            raise RoutingError(f"routes[{i}] has unknown keys: {', '.join(sorted(unknown))}")
        region_names = frozenset(str(r) for r in raw.get("regions") or [])
        missing = region_names - set(regions)
        if missing:
            raise RoutingError(f"routes[{i}] names undefined regions: {', '.join(sorted(missing))}")
        try:
            severity = Severity.parse(raw.get("min_severity", "info"))
        except KeyError as exc:
            raise RoutingError(
                f"routes[{i}].min_severity {raw.get('min_severity')!r} is not a severity"
            ) from exc
        routes.append(
            Route(
                channel=str(raw["channel"]),
                countries=_codes(raw.get("countries"), f"routes[{i}].countries"),
                regions=region_names,
                sources=frozenset(str(s) for s in raw.get("sources") or []),
                min_severity=severity,
                digest=bool(raw.get("digest", False)),
                escalate_after_minutes=_minutes(raw.get("escalate_after_minutes"), f"routes[{i}]"),
            )
        )
    return Routing(
        default_channel=data.get("default_channel"),
        ops_channel=data.get("ops_channel"),
        thread_window_hours=float(window),
        routes=tuple(routes),
        regions=regions,
        escalation_channel=data.get("escalation_channel"),
        escalate_after_minutes=_minutes(data.get("escalate_after_minutes"), "the top level"),
    )


def _minutes(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise RoutingError(f"escalate_after_minutes at {where} must be a positive number of minutes")
    return float(value)


def load(path: Path | None, default_channel: str | None = None) -> Routing:
    """The routing file, or (without one) everything to the default channel."""
    if path is None:
        return Routing(default_channel=default_channel, ops_channel=default_channel)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise RoutingError(f"cannot read routing file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RoutingError(f"routing file {path} is not valid YAML{where}: {problem}") from exc
    try:
        routing = parse(data)
    except RoutingError as exc:
        raise RoutingError(f"routing file {path}: {exc}") from exc
    if routing.default_channel is None and default_channel:
        routing = replace(
            routing, default_channel=default_channel, ops_channel=routing.ops_channel or default_channel
        )
    return routing
