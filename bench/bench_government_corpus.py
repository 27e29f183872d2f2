"""Coverage of the four governments' extractors over the shared corpus; prints a table.

python bench/bench_government_corpus.py [../shared/fixtures/governments]

Every moment of every destination is read as its source reads it (the moment's bundle: each file
as it stood then); a document extracts or fails with a named error, counted by error.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from scrapers import registry
from scrapers.errors import ExtractionError
from scrapers.text.corpus_moment import bundle_bytes, moments

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {
    "uk-fcdo": "unitedkingdom",
    "canada-travel": "canada",
    "australia-smartraveller": "australia",
    "ireland-dfa": "ireland",
}


def coverage(source_name: str, folder: Path) -> dict:
    source = registry.load(source_name)
    counts: Counter[str] = Counter()
    tiers: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    failed: dict[str, str] = {}
    started = time.perf_counter()
    for _, destination, moment in moments(folder, source.corpus_roles):
        content = bundle_bytes(destination, moment, source.corpus_roles)
        if content is None:
            continue
        counts["documents"] += 1
        try:
            record = source.extract(content, url=(destination / moment).resolve().as_uri()).records[0].record
        except ExtractionError as exc:
            errors[type(exc).__name__] += 1
            failed[f"{destination.name}/{moment}"] = f"{type(exc).__name__}: {exc}"
            continue
        counts["extracted"] += 1
        tiers[record["level"]] += 1
        counts["areas"] += bool(record["areas"])
        counts["updated"] += bool(record["updated"])
        counts["reason"] += bool(record["update_reason"])
    counts["ms"] = int((time.perf_counter() - started) * 1000)
    return {"counts": counts, "tiers": tiers, "errors": errors, "failed": failed}


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/fixtures/governments"
    table = Table(title=f"Government advice extraction over {corpus}")
    for column in (
        "source",
        "moments",
        "extracted",
        "failed (named)",
        "tiers 1/2/3/4",
        "with areas",
        "with date",
        "with reason",
        "ms/doc",
    ):
        table.add_column(column, justify="right")
    for source_name, folder in FOLDERS.items():
        found = coverage(source_name, corpus / folder)
        c, t = found["counts"], found["tiers"]
        table.add_row(
            source_name,
            str(c["documents"]),
            str(c["extracted"]),
            ", ".join(f"{k} {v}" for k, v in found["errors"].items()) or "0",
            "/".join(str(t[i]) for i in range(1, 5)),
            str(c["areas"]),
            str(c["updated"]),
            str(c["reason"]),
            f"{c['ms'] / max(c['documents'], 1):.1f}",
        )
        for where, error in list(found["failed"].items())[:5]:
            print(f"{source_name}: {where}: {error}", file=sys.stderr)
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
