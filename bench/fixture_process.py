"""The fixture server in its own process for the benchmarks, so its CPU is not counted as ours."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def fixture_server(*args: str) -> Iterator[str]:
    """``advisory-watch fixture-server ARGS`` on a free loopback port; yields its base URL once it answers."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "advisory_watch.cli", "fixture-server", "--port", str(port), *args],
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(50):
            try:
                httpx.get(f"{url}/__fixture/log")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait()
