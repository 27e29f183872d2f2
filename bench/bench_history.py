"""Benchmark of the history browser (issue #8): render time of each page with 120 days of history.

The database is filled from the real captures (the two 2025-10 feeds, 120 archive days, the OC Index
2023/2025 editions, an OSAC report); each page is requested 10 times after one warm-up. Target: <= 200 ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from history.app import create_app  # noqa: E402
from tests.scenarios.test_history import sao_tome_snapshots  # noqa: E402
from tests.support.history_fixture import build  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="aw-bench-history-") as tmp:
        settings = build(Path(tmp))
        client = TestClient(create_app(settings))
        first, second = sao_tome_snapshots(settings)
        pages = [
            "/",
            "/?region=South+America&sort=level",
            "/country/ST",
            "/country/PE",
            f"/diff/{first}/{second}",
            f"/snapshot/{second}",
            "/search?q=kidnapping",
            "/api/changes",
            "/export/changes.csv",
            "/feeds/changes.atom?country=ST",
        ]
        for path in pages:
            client.get(path)
            samples = []
            for _ in range(10):
                start = time.perf_counter()
                response = client.get(path)
                samples.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, path
            print(f"{path:40s} median {statistics.median(samples):6.1f} ms  max {max(samples):6.1f} ms")


if __name__ == "__main__":
    main()
