"""The transport and routing the settings name: Slack (bot token or webhook) when configured, else the
console, and the routing file read whatever the transport."""

from __future__ import annotations

from advisory_watch.settings import Settings
from alerts.routing import Routing
from alerts.routing import load as load_routing
from alerts.sinks import ConsoleTransport, Transport


def configured_transport(settings: Settings) -> Transport:
    """Slack when configured, else the console: the main job runs without Slack."""
    if settings.slack_token:
        from alerts.slack import SlackWebTransport

        return SlackWebTransport(settings.slack_token, settings.slack_base_url)
    if settings.slack_webhook_url:
        from alerts.slack import SlackWebhookTransport

        return SlackWebhookTransport(settings.slack_webhook_url)
    return ConsoleTransport(jsonl_path=settings.alerts_jsonl)


def configured_routing(settings: Settings, transport: Transport) -> Routing:
    # A routing file is read (and a bad one refused) whatever the transport: a mistake in it must
    # show the first time it is set, not on the day a Slack token arrives.
    routing = load_routing(settings.routing, settings.slack_channel)
    if transport.name in {"console", "slack-webhook"}:
        # One destination: every alert and the digest go there (a routing file's channels do not apply).
        channel = "console" if transport.name == "console" else "webhook"
        return Routing(default_channel=channel, ops_channel=channel)
    return routing
