"""The history browser under load (issue #35): 20 concurrent clients over the page mix, on a store of
everything in ../shared (a year and more of the five governments' pages, the 120 feed days).

The store is built with the CLI (``replay --all`` of the governments' corpus, then the feed archive
into the same store), served by ``advisory-watch serve`` on 127.0.0.1 in its own process, and asked
by 20 client threads, each going round the page mix. Prints throughput, the median and p95 per page
and overall, and the largest answer. Target: p95 <= 500 ms at 20 clients; no answer unbounded.

    .venv/bin/python bench/bench_read_path.py [--rounds 5] [--clients 20] [--save DB | --reuse DB]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADVISORY_WATCH_SHARED", ROOT.parent / "shared"))
CLI = [sys.executable, "-m", "advisory_watch.cli"]
PAGES = [
    "/",
    "/governments",
    "/country/PE",
    "/country/IL",
    "/compare/IL",
    "/api/changes",
    "/api/snapshots",
    "/api/alerts",
    "/api/governments/PK",
    "/export/changes.csv",
    "/feeds/changes.atom",
    "/search?q=kidnapping",
]


def build(db: Path) -> None:
    url = f"sqlite:///{db}"
    started = time.perf_counter()
    for args in (
        ["replay", "--all", str(SHARED / "fixtures" / "governments")],
        ["replay", "state-dept-feed", str(SHARED / "fixtures" / "state_dept" / "feed-archive")],
    ):
        subprocess.run([*CLI, *args, "--db", url], check=True, capture_output=True, cwd=ROOT)
    print(f"store built in {time.perf_counter() - started:.0f} s ({db.stat().st_size / 1e6:.1f} MB)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--db", f"sqlite:///{db}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/tiers", timeout=2)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the history browser did not start")


def load(port: int, clients: int, rounds: int) -> tuple[dict[str, list[float]], dict[str, int], float]:
    samples: dict[str, list[float]] = {page: [] for page in PAGES}
    sizes: dict[str, int] = dict.fromkeys(PAGES, 0)
    lock = threading.Lock()

    def client(offset: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            for turn in range(rounds * len(PAGES)):
                page = PAGES[(offset + turn) % len(PAGES)]
                started = time.perf_counter()
                response = http.get(page)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{page}: HTTP {response.status_code}")
                with lock:
                    samples[page].append(elapsed)
                    sizes[page] = max(sizes[page], len(response.content))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, sizes, time.perf_counter() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5, help="times each client goes round the page mix")
    parser.add_argument("--save", type=Path, help="keep the store built here")
    parser.add_argument("--reuse", type=Path, help="a store --save kept (skips building)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aw-bench-read-") as tmp:
        db = Path(tmp) / "store.db"
        if args.reuse:
            shutil.copy(args.reuse, db)
        else:
            build(db)
            if args.save:
                shutil.copy(db, args.save)
        port = free_port()
        server = serve(db, port)
        try:
            for page in PAGES:  # warm: the first answer of each page pays its imports and caches
                httpx.get(f"http://127.0.0.1:{port}{page}", timeout=120)
            samples, sizes, wall = load(port, args.clients, args.rounds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    every = [v for values in samples.values() for v in values]
    for page in PAGES:
        values = samples[page]
        print(
            f"{page:26s} median {statistics.median(values):7.0f} ms  p95 {p95(values):7.0f} ms  "
            f"largest {sizes[page] / 1000:8.1f} kB"
        )
    print(
        f"{args.clients} clients, {len(every)} requests in {wall:.1f} s: {len(every) / wall:.1f} requests/s, "
        f"median {statistics.median(every):.0f} ms, p95 {p95(every):.0f} ms (target <= 500 ms)"
    )


if __name__ == "__main__":
    main()
