"""A loopback server for captured pages, with ETags and fault injection.

Serves DIR's files at their paths (DIR/_res/rss/TAsTWs.xml -> /_res/rss/TAsTWs.xml), plus routes
mapping an upstream path to any file (``--route /_res/rss/TAsTWs.xml=captures/2025-10-07.xml``).
Tests and demos steer it over HTTP (loopback only):

  POST /__fixture/route {"path": "/x", "file": "/abs/file"}        serve another capture at /x
  POST /__fixture/fault {"path": "/x", "status": 503, "retry_after": 1, "times": 1,
                         "delay": 0.5, "truncate": 100, "redirect": "http://elsewhere/",
                         "drip": 2.0}
  GET  /__fixture/log                                               requests seen, as JSON
  POST /__fixture/reset                                             forget faults and the log

It also stands in for the Wayback Machine (``--wayback URL=DIR``): each file in DIR named
``YYYY-MM-DD….ext`` is a capture of URL taken that day at 12:00:00 UTC, listed by
``/cdx/search/cdx`` (url, from, to, filter=statuscode:200, limit, output=json; partial timestamps as
the archive reads them) and served raw by ``/web/<timestamp>id_/<url>``; a timestamp that is not a
capture redirects to the nearest one, as the archive does. Faults apply to these paths too, plus
``{"reset": true}`` to drop the connection without an answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    status: int | None = None
    retry_after: str | None = None
    times: int = 1
    delay: float = 0.0
    truncate: int | None = None
    redirect: str | None = None
    reset: bool = False
    drip: float = 0.0  # send the body one byte every this many seconds (a stalled-but-alive server)


@dataclass
class FixtureState:
    root: Path | None
    routes: dict[str, Path] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    captures: dict[str, dict[str, Path]] = field(default_factory=dict)  # url -> timestamp -> file

    def add_captures(self, url: str, folder: Path) -> int:
        found = self.captures.setdefault(url, {})
        for file in sorted(folder.iterdir()):
            match = re.match(r"(\d{4})-(\d{2})-(\d{2})", file.name)
            if match and file.is_file():
                found["".join(match.groups()) + "120000"] = file
        return len(found)

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
            if fault and fault.reset:
                self.close_connection = True
                self.connection.shutdown(2)
                return
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
            if path == "/cdx/search/cdx" and not (fault and fault.status):
                return self._cdx()
            archived = re.fullmatch(r"/web/(\d{14})id_/(.+)", self.path)
            if archived and not (fault and (fault.status or fault.redirect)):
                return self._capture(archived.group(1), archived.group(2))
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
            if fault and fault.drip:
                self._drip(data, fault.drip)
                return
            self.wfile.write(data)

        def _drip(self, data: bytes, every: float) -> None:
            """One byte, then a pause, until the client gives up (bounded: at most 600 s)."""
            self.close_connection = True
            started = time.monotonic()
            for index in range(len(data)):
                if time.monotonic() - started > 600:
                    return
                try:
                    self.wfile.write(data[index : index + 1])
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(every)

        def _cdx(self) -> None:
            query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
            captures = state.captures.get(query.get("url", ""), {})
            low = query.get("from", "").ljust(14, "0")
            high = query.get("to", "99999999999999") + "99991231235959"[len(query.get("to", "")) :]
            rows = [
                [
                    _urlkey(query["url"]),
                    stamp,
                    query["url"],
                    "text/xml",
                    "200",
                    _digest(file),
                    str(file.stat().st_size),
                ]
                for stamp, file in sorted(captures.items())
                if low <= stamp <= high
            ]
            limit = int(query.get("limit", "0") or 0)
            if limit > 0:
                rows = rows[:limit]
            elif limit < 0:
                rows = rows[limit:]
            header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
            body = json.dumps([header, *rows] if rows else []).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _capture(self, stamp: str, original: str) -> None:
            captures = state.captures.get(original, {})
            if not captures:
                return self._json(404, {"error": f"no capture of {original}"})
            if stamp not in captures:
                nearest = min(captures, key=lambda s: abs(int(s) - int(stamp)))
                self.send_response(302)
                self.send_header("Location", f"/web/{nearest}id_/{original}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = captures[stamp].read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _digest(file: Path) -> str:
    """The archive's digest: base32 of the SHA-1 of the bytes."""
    return base64.b32encode(hashlib.sha1(file.read_bytes()).digest()).decode()  # noqa: S324 - archive's choice


def _urlkey(url: str) -> str:
    parts = urlsplit(url)
    host = ",".join(reversed((parts.hostname or "").split(".")))
    return f"{host}){parts.path}".lower()


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
        self,
        root: Path | None = None,
        *,
        port: int = 0,
        routes: dict[str, Path] | None = None,
        wayback: dict[str, Path] | None = None,
    ) -> None:
        self.state = FixtureState(root=root, routes=dict(routes or {}))
        for url, folder in (wayback or {}).items():
            self.state.add_captures(url, folder)
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
