"""Slack sinks on slack-sdk: the Web API with a bot token (main path) and incoming webhooks."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from alerts import blocks
from alerts.sinks import Delivery


def _retry_handlers() -> list:
    return [
        ConnectionErrorRetryHandler(max_retry_count=3),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=3),
    ]


class SlackWebSink:
    name = "slack"

    def __init__(
        self, token: str, channel: str, base_url: str = "https://slack.com/api/", timeout: int = 15
    ) -> None:
        self.channel = channel
        self.client = WebClient(
            token=token, base_url=base_url, timeout=timeout, retry_handlers=_retry_handlers()
        )

    def send(self, payload: dict[str, Any]) -> Delivery:
        message = blocks.render(payload)
        response = self.client.chat_postMessage(
            channel=self.channel,
            text=message["text"],
            blocks=message["blocks"],
            unfurl_links=False,
            unfurl_media=False,
        )
        return Delivery(channel=str(response.get("channel") or self.channel), ts=response.get("ts"))


class SlackWebhookSink:
    name = "slack-webhook"

    def __init__(self, url: str, timeout: int = 15) -> None:
        self.client = WebhookClient(url, timeout=timeout, retry_handlers=_retry_handlers())

    def send(self, payload: dict[str, Any]) -> Delivery:
        message = blocks.render(payload)
        response = self.client.send(text=message["text"], blocks=message["blocks"])
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.body}")
        return Delivery(channel="webhook")
