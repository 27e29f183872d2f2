"""A fake Slack Web API on 127.0.0.1 that records requests, checks payloads and injects faults.

It implements what advisory-watch calls (chat.postMessage, chat.update, conversations.history,
conversations.replies, conversations.list, apps.connections.open for Socket Mode) closely enough
that the real slack-sdk client runs against it unchanged.
Faults are queued per method: {"status": 429, "retry_after": 1}, {"status": 500},
{"delay": 3, "post": True} (post, then answer too late: the client times out), {"error": "…"}.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "xoxb-test-token"
BLOCK_LIMIT, HEADER_LIMIT, SECTION_LIMIT = 50, 150, 3000


@dataclass
class FakeSlackState:
    channels: dict[str, str] = field(default_factory=lambda: {"travel-risk": "C0TRAVEL", "ops": "C0OPS"})
    messages: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    faults: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: float = 1_700_000_000.0
    socket_url: str | None = None  # what apps.connections.open answers (a loopback WebSocket server)

    def next_ts(self) -> str:
        """Like Slack's: the current time, unique per message."""
        self.clock = max(time.time(), self.clock + 0.000001)
        return f"{self.clock:.6f}"

    def channel_id(self, channel: str) -> str | None:
        name = channel.lstrip("#")
        if channel in self.channels.values():
            return channel
        return self.channels.get(name)


def _validate(body: dict[str, Any]) -> list[str]:
    problems = []
    if not body.get("text"):
        problems.append("no fallback text")
    blocks = body.get("blocks") or []
    if len(blocks) > BLOCK_LIMIT:
        problems.append(f"{len(blocks)} blocks")
    for block in blocks:
        if "type" not in block:
            problems.append("block without type")
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "header" and (
            len(text) > HEADER_LIMIT or block["text"].get("type") != "plain_text"
        ):
            problems.append("bad header")
        if block.get("type") == "section" and len(text) > SECTION_LIMIT:
            problems.append("section too long")
    return problems


def _handler(state: FakeSlackState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def _body(self) -> dict[str, Any]:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if (self.headers.get("Content-Type") or "").startswith("application/json"):
                return json.loads(raw or "{}")
            body: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw).items()}
            for key in ("blocks", "metadata"):
                if isinstance(body.get(key), str):
                    body[key] = json.loads(body[key])
            return body

        def do_POST(self) -> None:  # noqa: N802
            method = urlsplit(self.path).path.rsplit("/", 1)[-1]
            body = self._body()
            with state.lock:
                state.requests.append({"method": method, "body": body, "time": time.time()})
                queue = state.faults.get(method) or []
                fault = queue.pop(0) if queue else None
            app_level = method == "apps.connections.open" and (
                self.headers.get("Authorization") or ""
            ).startswith("Bearer xapp-")
            if self.headers.get("Authorization") != f"Bearer {TOKEN}" and not app_level:
                return self._reply(200, {"ok": False, "error": "invalid_auth"})
            if fault and fault.get("status"):
                headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
                return self._reply(fault["status"], {"ok": False, "error": "ratelimited"}, headers)
            if fault and fault.get("error"):
                return self._reply(200, {"ok": False, "error": fault["error"]})
            handler = getattr(self, "api_" + method.replace(".", "_"), None)
            if handler is None:
                return self._reply(200, {"ok": False, "error": "unknown_method"})
            result = handler(body)
            if fault and fault.get("delay"):
                time.sleep(fault["delay"])
            return self._reply(200, result)

        def api_chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
            channel = state.channel_id(str(body.get("channel", "")))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            problems = _validate(body)
            if problems:
                with state.lock:
                    state.violations += problems
                return {"ok": False, "error": "invalid_blocks", "problems": problems}
            with state.lock:
                message = {
                    "channel": channel,
                    "ts": state.next_ts(),
                    "text": body.get("text"),
                    "blocks": body.get("blocks"),
                    "thread_ts": body.get("thread_ts"),
                    "reply_broadcast": str(body.get("reply_broadcast")).lower() in {"true", "1"},
                    "metadata": body.get("metadata"),
                }
                state.messages.append(message)
            return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

        def api_chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
            problems = _validate(body)
            if problems:
                with state.lock:
                    state.violations += problems
                return {"ok": False, "error": "invalid_blocks", "problems": problems}
            with state.lock:
                for message in state.messages:
                    if message["channel"] == body.get("channel") and message["ts"] == body.get("ts"):
                        message["text"], message["blocks"] = body.get("text"), body.get("blocks")
                        return {"ok": True, "channel": message["channel"], "ts": message["ts"]}
            return {"ok": False, "error": "message_not_found"}

        def api_apps_connections_open(self, body: dict[str, Any]) -> dict[str, Any]:
            if not state.socket_url:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": state.socket_url}

        def _visible(self, message: dict[str, Any], include_metadata: bool) -> dict[str, Any]:
            out = {k: v for k, v in message.items() if k != "metadata"}
            if include_metadata and message.get("metadata"):
                out["metadata"] = message["metadata"]
            return out

        def api_conversations_history(self, body: dict[str, Any]) -> dict[str, Any]:
            channel = state.channel_id(str(body.get("channel", "")))
            if channel is None or str(body.get("channel", "")).startswith("#"):
                return {"ok": False, "error": "channel_not_found"}
            oldest = float(body.get("oldest") or 0)
            meta = str(body.get("include_all_metadata")).lower() in {"true", "1"}
            with state.lock:
                rows = [
                    m
                    for m in state.messages
                    if m["channel"] == channel
                    and float(m["ts"]) >= oldest
                    and (not m["thread_ts"] or m["reply_broadcast"])
                ]
            return {
                "ok": True,
                "messages": [self._visible(m, meta) for m in reversed(rows)],
                "has_more": False,
            }

        def api_conversations_replies(self, body: dict[str, Any]) -> dict[str, Any]:
            channel = state.channel_id(str(body.get("channel", "")))
            meta = str(body.get("include_all_metadata")).lower() in {"true", "1"}
            with state.lock:
                rows = [
                    m
                    for m in state.messages
                    if m["channel"] == channel
                    and (m["ts"] == body.get("ts") or m["thread_ts"] == body.get("ts"))
                ]
            return {"ok": True, "messages": [self._visible(m, meta) for m in rows], "has_more": False}

        def api_conversations_list(self, body: dict[str, Any]) -> dict[str, Any]:
            with state.lock:
                channels = [{"id": cid, "name": name} for name, cid in state.channels.items()]
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

    return Handler


class FakeSlack:
    def __init__(self) -> None:
        self.state = FakeSlackState()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.httpd.daemon_threads = True

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/api/"

    def __enter__(self) -> FakeSlack:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def inject(self, method: str, *faults: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.faults.setdefault(method, []).extend(faults)

    def posts(self) -> list[dict[str, Any]]:
        return [r for r in self.state.requests if r["method"] == "chat.postMessage"]

    def calls(self, method: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return [r for r in self.state.requests if r["method"] == method]
