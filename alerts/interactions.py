"""Slack interactions: the buttons on alert messages, received at ``POST /slack/interactions`` (or over
Socket Mode), acted on once, and shown back in Slack.

The endpoint checks Slack's signature and timestamp (slack-sdk's ``SignatureVerifier``: HMAC of the
raw body with the app's signing secret, at most five minutes old) before reading anything, answers
200 at once and does the work after the answer, so Slack's three-second limit holds however slow the
database or the Web API is. Slack retries a request it got no answer to; a retry repeats the click's
``action_ts`` and records nothing new (``alerts.actions``), so it changes no message either.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import BackgroundTasks, FastAPI, Request, Response
from slack_sdk.signature import SignatureVerifier
from sqlmodel import Session

from advisory_watch.settings import Settings, get_settings
from alerts import actions, blocks
from alerts.configured import configured_transport
from alerts.outbox import message_of
from alerts.sinks import DeliveryError

log = logging.getLogger(__name__)

KIND_OF_ACTION = {blocks.ACKNOWLEDGE: "acknowledge", blocks.ASSIGN: "assign", blocks.SNOOZE: "snooze"}


def _alert_id(action: dict[str, Any]) -> int | None:
    block_id = str(action.get("block_id") or "")
    if block_id.startswith("aw:") and block_id[3:].isdigit():
        return int(block_id[3:])
    return None


def handle_payload(
    session: Session, transport: Any, payload: dict[str, Any], *, now: datetime | None = None
) -> list[actions.Acted]:
    """Act on a ``block_actions`` payload's clicks on alert controls; others are ignored."""
    if payload.get("type") != "block_actions":
        return []
    user = payload.get("user") or {}
    actor = actions.Actor(
        str(user.get("id") or "unknown"), str(user.get("username") or user.get("name") or ""), "slack"
    )
    container = payload.get("container") or {}
    message = (
        (str(container.get("channel_id")), str(container.get("message_ts")))
        if container.get("channel_id") and container.get("message_ts")
        else None
    )
    done = []
    for action in payload.get("actions") or []:
        kind = KIND_OF_ACTION.get(str(action.get("action_id")))
        alert_id = _alert_id(action)
        if kind is None or alert_id is None:
            continue  # "Open history" is a link; anything else is not ours
        value = {
            "assign": action.get("selected_user"),
            "snooze": (action.get("selected_option") or {}).get("value"),
        }.get(kind)
        try:
            acted = actions.act(
                session,
                alert_id,
                kind,
                actor,
                value=value,
                click=str(action.get("action_ts") or ""),
                message=message,
                now=now,
            )
        except actions.ActionError as exc:
            log.warning("slack action refused: %s", exc)
            continue
        if acted.action is not None:
            tell_slack(session, transport, acted, message)
        done.append(acted)
    return done


def tell_slack(
    session: Session, transport: Any, acted: actions.Acted, acted_on: tuple[str, str] | None
) -> None:
    """Every message showing the alert is rewritten to say where it stands; the thread of the message
    acted on (every message's, for an action taken outside Slack) gets a reply saying who did what."""
    if not hasattr(transport, "update"):
        return  # a webhook or the console cannot change what it posted
    shown = actions.messages_of(session, acted.alert)
    for alert, delivery in shown:
        try:
            transport.update(delivery.channel_id, delivery.ts, message_of(session, alert))
        except DeliveryError as exc:
            log.warning("cannot update message %s in %s: %s", delivery.ts, delivery.channel_id, exc)
    threads = {
        (d.channel_id, d.thread_ts or d.ts)
        for a, d in shown
        if (acted_on is None and a.id == acted.alert.id) or (d.channel_id, d.ts) == acted_on
    }
    if acted_on is not None and not threads:
        threads = {acted_on}
    for channel_id, thread_ts in sorted(threads):
        try:
            transport.reply(channel_id, thread_ts, acted.reply)
        except DeliveryError as exc:
            log.warning("cannot reply in thread %s of %s: %s", thread_ts, channel_id, exc)


def run_payload(settings: Settings, payload: dict[str, Any]) -> list[actions.Acted]:
    """One interaction, in its own session (the endpoint's background work, Socket Mode's handler)."""
    from models.sessions import session_for

    with session_for(settings) as session:
        return handle_payload(session, configured_transport(settings), payload)


def interactions_app(settings: Callable[[], Settings] = get_settings) -> FastAPI:
    """The endpoint as an app of its own: mounted under ``/slack`` by the history browser, where the
    browser's own guards (a token, Airflow's login) do not apply — Slack signs its requests instead."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/interactions")
    async def interactions(request: Request, background: BackgroundTasks) -> Response:
        current = settings()
        secret = current.slack_signing_secret
        if not secret:
            return Response("Slack interactions are not configured (no signing secret)", status_code=503)
        body = await request.body()
        if not SignatureVerifier(secret).is_valid_request(body, dict(request.headers)):
            return Response("bad or stale signature", status_code=401)
        try:
            payload = json.loads(parse_qs(body.decode())["payload"][0])
        except (KeyError, IndexError, ValueError, UnicodeDecodeError):
            return Response("no interaction payload", status_code=400)
        background.add_task(run_payload, current, payload)
        return Response(status_code=200)

    return app
