"""A loopback server for captured pages, with ETags and fault injection.

Serves DIR's files at their paths (DIR/_res/rss/TAsTWs.xml -> /_res/rss/TAsTWs.xml), plus routes
mapping an upstream path to any file (``--route /_res/rss/TAsTWs.xml=captures/2025-10-07.xml``).
Tests and demos steer it over HTTP (loopback only):

  POST /__fixture/route {"path": "/x", "file": "/abs/file"}        serve another capture at /x
  POST /__fixture/fault {"path": "/x", "status": 503, "retry_after": 1, "times": 1,
                         "delay": 0.5, "truncate": 100, "redirect": "http://elsewhere/"}
  GET  /__fixture/log                                               requests seen, as JSON
  POST /__fixture/reset                                             forget faults and the log
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Fault:
    status: int | None = None
    retry_after: str | None = None
    times: int = 1
    delay: float = 0.0
    truncate: int | None = None
    redirect: str | None = None


@dataclass
class FixtureState:
    root: Path | None
    routes: dict[str, Path] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def resolve(self, path: str) -> Path | None:
        if path in self.routes:
            return self.routes[path]
        if self.root is None:
            return None
        candidate = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() not in candidate.parents or not candidate.is_file():
            return None
        return candidate

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            queue = self.faults.get(path) or self.faults.get("*")
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault


def _handler(state: FixtureState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "advisory-watch-fixtures/1"

        def log_message(self, *args: Any) -> None:  # quiet; the log endpoint has the requests
            return

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            path = urlsplit(self.path).path
            if path == "/__fixture/route":
                state.routes[body["path"]] = Path(body["file"])
                return self._json(200, {"ok": True})
            if path == "/__fixture/fault":
                target = body.pop("path", "*")
                ra = body.get("retry_after")
                fault = Fault(**{**body, "retry_after": None if ra is None else str(ra)})
                with state.lock:
                    state.faults.setdefault(target, []).append(fault)
                return self._json(200, {"ok": True})
            if path == "/__fixture/reset":
                with state.lock:
                    state.faults.clear()
                    state.log.clear()
                return self._json(200, {"ok": True})
            return self._json(404, {"error": "unknown control endpoint"})

        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if path == "/__fixture/log":
                with state.lock:
                    return self._json(200, list(state.log))
            fault = state.take_fault(path)
            with state.lock:
                state.log.append(
                    {
                        "path": path,
                        "time": time.time(),
                        "headers": dict(self.headers.items()),
                        "fault": None if fault is None else fault.__dict__.copy(),
                    }
                )
            if fault and fault.delay:
                time.sleep(fault.delay)
            if fault and fault.redirect:
                self.send_response(302)
                self.send_header("Location", fault.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault and fault.status:
                self.send_response(fault.status)
                if fault.retry_after is not None:
                    self.send_header("Retry-After", fault.retry_after)
                data = f"injected {fault.status}".encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            file = state.resolve(path)
            if file is None:
                return self._json(404, {"error": f"no fixture for {path}"})
            data = file.read_bytes()
            etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
            last_modified = formatdate(file.stat().st_mtime, usegmt=True)
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", mimetypes.guess_type(file.name)[0] or "application/octet-stream")
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if fault and fault.truncate is not None:
                self.wfile.write(data[: fault.truncate])
                self.close_connection = True
                return
            self.wfile.write(data)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that hangs up early (size cap, timeout test) is not the server's error
        super().handle_error(request, client_address)


class FixtureServer:
    """The server in a background thread: ``with FixtureServer(root) as server: server.url``."""

    def __init__(
        self, root: Path | None = None, *, port: int = 0, routes: dict[str, Path] | None = None
    ) -> None:
        self.state = FixtureState(root=root, routes=dict(routes or {}))
        self.httpd = _QuietServer(("127.0.0.1", port), _handler(self.state))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FixtureServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        self.httpd.serve_forever()
