"""Benchmark of document diffing (issue #10): seed 004 (the 150 KB EUAA report) with one paragraph edited.

Prints the time of the section-aware diff (target <= 200 ms) and of extracting both versions.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from diffing.compare import compare_records
from scrapers.documents import watchlist as documents

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADVISORY_WATCH_SHARED", ROOT.parent / "shared"))
SEED_004 = next((SHARED / "seeds").glob("004_*.txt"))


def main() -> None:
    original = SEED_004.read_bytes()
    edited = original.replace(
        b"Extortion is a problem in Peru.", b"Extortion is a growing problem in Peru.", 1
    )
    start = time.perf_counter()
    old = documents.extract(original, url="file:///seed-004").records[0].record
    new = documents.extract(edited, url="file:///seed-004").records[0].record
    extract_ms = (time.perf_counter() - start) * 1000 / 2
    samples = []
    for _ in range(20):
        start = time.perf_counter()
        changes = compare_records(documents.fields, old, new)
        samples.append((time.perf_counter() - start) * 1000)
    assert [c.item for c in changes] == ["3.4. Extortion"], changes
    print(
        f"document: {len(original) / 1000:.0f} kB, {len(new['sections'])} sections; "
        f"extraction {extract_ms:.0f} ms"
    )
    print(
        f"section diff, one paragraph changed: median {statistics.median(samples):.1f} ms, "
        f"max {max(samples):.1f} ms over {len(samples)} runs (target <= 200 ms)"
    )


if __name__ == "__main__":
    main()
