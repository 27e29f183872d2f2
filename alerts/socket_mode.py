"""Slack interactions over Socket Mode, for teams that cannot expose ``/slack/interactions``: a small
long-running process (``advisory-watch slack-socket``; the ``slack-socket`` compose service) holding a
WebSocket to Slack with an app-level token. Each button click arrives as an envelope, is acknowledged
at once (Slack's three seconds) and acted on by the same code as the HTTP endpoint."""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from advisory_watch.settings import Settings
from alerts.interactions import run_payload

log = logging.getLogger(__name__)


def run(settings: Settings, *, once: bool = False) -> int:
    """Serve until interrupted (or, with ``once``, until one interaction was handled)."""
    if not settings.slack_app_token or not settings.slack_token:
        log.error("Socket Mode needs ADVISORY_WATCH_SLACK_APP_TOKEN (xapp-…) and ADVISORY_WATCH_SLACK_TOKEN")
        return 2
    handled = threading.Event()
    client = SocketModeClient(
        app_token=settings.slack_app_token,
        web_client=WebClient(token=settings.slack_token, base_url=settings.slack_base_url),
        auto_reconnect_enabled=not once,
    )

    def on_request(socket: SocketModeClient, request: SocketModeRequest) -> None:
        socket.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type != "interactive":
            return
        try:
            run_payload(settings, request.payload)
        except Exception:  # noqa: BLE001 - one bad interaction must not stop the listener
            log.exception("interaction failed")
        handled.set()

    client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]  # slack-sdk types the base client
    client.connect()
    try:
        while not (once and handled.is_set()):
            handled.wait(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
    return 0
