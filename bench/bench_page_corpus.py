"""Coverage of the advisory-page and country-page extractors over the U.S. corpus; prints a table.

python bench/bench_page_corpus.py [../shared/fixtures/governments/unitedstates]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from scrapers.errors import ExtractionError
from scrapers.us_state import country_page, state_dept_page

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    corpus = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/fixtures/governments/unitedstates"
    )
    table = Table(title=f"Extraction coverage over {corpus}")
    for column in (
        "source",
        "documents",
        "extracted",
        "failed (named)",
        "with level",
        "with areas",
        "restricted areas",
        "police number",
        "any number",
        "ms/doc",
    ):
        table.add_column(column, justify="right")
    for source, file_name in ((state_dept_page, "Advisory.md"), (country_page, "Safety and Security.md")):
        docs = sorted(corpus.glob(f"*/*/{file_name}"))
        counts: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        started = time.perf_counter()
        for path in docs:
            try:
                record = source.extract(path.read_bytes(), url=path.resolve().as_uri()).records[0].record
            except ExtractionError as exc:
                errors[type(exc).__name__] += 1
                continue
            counts["ok"] += 1
            counts["level"] += record.get("level") is not None
            counts["areas"] += bool(record.get("areas"))
            counts["restricted"] += bool(record.get("restricted_areas"))
            numbers = record.get("emergency_numbers") or []
            counts["police"] += any(n["name"] == "police" for n in numbers)
            counts["numbers"] += bool(numbers)
        elapsed = (time.perf_counter() - started) * 1000 / max(len(docs), 1)
        is_page = source is state_dept_page
        table.add_row(
            source.name,
            str(len(docs)),
            str(counts["ok"]),
            ", ".join(f"{k} {v}" for k, v in errors.items()) or "0",
            str(counts["level"]) if is_page else "-",
            str(counts["areas"]) if is_page else "-",
            "-" if is_page else str(counts["restricted"]),
            "-" if is_page else str(counts["police"]),
            "-" if is_page else str(counts["numbers"]),
            f"{elapsed:.1f}",
        )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
