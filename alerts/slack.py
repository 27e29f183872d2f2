"""Slack transports on slack-sdk: the Web API with a bot token (threads, verification) and webhooks.

Rate limits (429 with Retry-After) and 5xx are retried by slack-sdk's retry handlers
(RateLimitErrorRetryHandler, ServerErrorRetryHandler). Connection errors and timeouts are *not*
retried blindly for chat.postMessage — the message may have been posted — they surface as
DeliveryUncertain, and the outbox looks for the message (by the marker in its metadata) before
posting again. Bot scopes: chat:write, channels:history and channels:read (for that look-up). Messages posted
with a bot token carry the alert's buttons; ``update``/``reply`` show what people did about it.
"""

from __future__ import annotations

import socket
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from alerts.sinks import DeliveryFailed, DeliveryRejected, DeliveryUncertain, Posted

EVENT_TYPE = "advisory_watch_alert"
_UNCERTAIN = (TimeoutError, socket.timeout, URLError, ConnectionError, OSError)


def _post_retry_handlers() -> list:
    return [RateLimitErrorRetryHandler(max_retry_count=4), ServerErrorRetryHandler(max_retry_count=3)]


def _raise_api_error(exc: SlackApiError) -> None:
    status = getattr(exc.response, "status_code", 200)
    if status == 429 or status >= 500:
        raise DeliveryFailed(f"Slack answered HTTP {status}") from exc
    raise DeliveryRejected(str(exc.response.get("error") or exc)) from exc


class SlackWebTransport:
    name = "slack"
    supports_threads = True
    can_verify = True

    def __init__(self, token: str, base_url: str = "https://slack.com/api/", timeout: int = 15) -> None:
        self.client = WebClient(
            token=token, base_url=base_url, timeout=timeout, retry_handlers=_post_retry_handlers()
        )
        # Reads are safe to retry on connection errors.
        self.reader = WebClient(
            token=token,
            base_url=base_url,
            timeout=timeout,
            retry_handlers=[*_post_retry_handlers(), ConnectionErrorRetryHandler(max_retry_count=2)],
        )
        self._channel_ids: dict[str, str] = {}

    def post(self, channel, message, payload, *, marker, thread_ts=None, broadcast=False) -> Posted:
        try:
            response = self.client.chat_postMessage(
                channel=channel,
                text=message["text"],
                blocks=message["blocks"],
                thread_ts=thread_ts,
                reply_broadcast=broadcast if thread_ts else None,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"marker": marker}},
            )
        except SlackApiError as exc:
            _raise_api_error(exc)
            raise  # pragma: no cover - _raise_api_error always raises
        except _UNCERTAIN as exc:
            raise DeliveryUncertain(f"{type(exc).__name__}: {exc}") from exc
        channel_id = str(response.get("channel") or channel)
        self._channel_ids[channel] = channel_id
        return Posted(channel_id=channel_id, ts=response.get("ts"))

    def update(self, channel_id: str, ts: str, message: dict[str, Any]) -> None:
        """Rewrite a posted message in place (an action changed where its alert stands)."""
        try:
            self.client.chat_update(channel=channel_id, ts=ts, text=message["text"], blocks=message["blocks"])
        except SlackApiError as exc:
            _raise_api_error(exc)
        except _UNCERTAIN as exc:
            raise DeliveryUncertain(f"{type(exc).__name__}: {exc}") from exc

    def reply(self, channel_id: str, thread_ts: str, text: str) -> None:
        """A plain reply in a message's thread (who did what)."""
        try:
            self.client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, text=text)
        except SlackApiError as exc:
            _raise_api_error(exc)
        except _UNCERTAIN as exc:
            raise DeliveryUncertain(f"{type(exc).__name__}: {exc}") from exc

    def _channel_id(self, channel: str) -> str:
        if not channel.startswith("#"):
            return channel
        if channel in self._channel_ids:
            return self._channel_ids[channel]
        cursor = None
        while True:
            page = self.reader.conversations_list(cursor=cursor, limit=1000, exclude_archived=True)
            for item in page.get("channels") or []:
                self._channel_ids["#" + item["name"]] = item["id"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if channel in self._channel_ids or not cursor:
                break
        return self._channel_ids.get(channel, channel)

    def find(
        self, channel: str, marker: str, *, since: datetime, thread_ts: str | None = None
    ) -> Posted | None:
        """The message carrying this marker, if an earlier attempt did post it (thread or channel)."""
        try:
            channel_id = self._channel_id(channel)
            for message in self._messages(channel_id, since, thread_ts):
                metadata: dict[str, Any] = message.get("metadata") or {}
                if (metadata.get("event_payload") or {}).get("marker") == marker:
                    return Posted(channel_id=channel_id, ts=message.get("ts"))
        except SlackApiError as exc:
            _raise_api_error(exc)
        except _UNCERTAIN as exc:
            raise DeliveryUncertain(f"cannot verify: {type(exc).__name__}: {exc}") from exc
        return None

    def _messages(self, channel_id: str, since: datetime, thread_ts: str | None, max_pages: int = 20):
        cursor = None
        for _ in range(max_pages):
            if thread_ts:
                page = self.reader.conversations_replies(
                    channel=channel_id, ts=thread_ts, cursor=cursor, include_all_metadata=True, limit=200
                )
            else:
                page = self.reader.conversations_history(
                    channel=channel_id,
                    oldest=f"{since.timestamp():.6f}",
                    cursor=cursor,
                    include_all_metadata=True,
                    limit=200,
                )
            yield from page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return


class SlackWebhookTransport:
    """Incoming webhook: simple, no threads, and no way to verify (at-least-once on timeouts)."""

    name = "slack-webhook"
    supports_threads = False
    can_verify = False

    def __init__(self, url: str, timeout: int = 15) -> None:
        self.client = WebhookClient(url, timeout=timeout, retry_handlers=_post_retry_handlers())

    def post(self, channel, message, payload, *, marker, thread_ts=None, broadcast=False) -> Posted:
        try:
            response = self.client.send(text=message["text"], blocks=message["blocks"])
        except _UNCERTAIN as exc:
            raise DeliveryUncertain(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryFailed(f"webhook answered {response.status_code}")
        if response.status_code != 200:
            raise DeliveryRejected(f"webhook answered {response.status_code}: {response.body}")
        return Posted(channel_id="webhook")

    def find(self, channel, marker, *, since, thread_ts=None) -> Posted | None:
        return None
