"""Which library reads the feed: lxml directly, against BeautifulSoup, over the whole feed archive.

The feed extractor (``scrapers/us_state/state_dept_feed.py``) parses with ``lxml.etree`` and walks
``channel/item`` itself; live HTML pages go through markdownify, which is built on BeautifulSoup.
This prints, for the 120 archived days plus the two raw captures and the 2026 day, the CPU time of
reaching every item's title, link and description each way, best of three, and the ratio — the
figure the README quotes. Run: ``.venv/bin/python bench/bench_parsers.py``.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADVISORY_WATCH_SHARED", ROOT.parent / "shared"))
STATE_DEPT = SHARED / "fixtures" / "state_dept"


def feed_files() -> list[bytes]:
    paths = sorted((STATE_DEPT / "feed-archive").glob("*.xml"))
    paths += sorted(STATE_DEPT.glob("TAsTWs-*.xml")) + [STATE_DEPT / "feed-2026-08-22.xml"]
    return [p.read_bytes() for p in paths]


def with_lxml(content: bytes) -> int:
    root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, huge_tree=True))
    items = 0
    for item in root.iterfind("channel/item"):
        item.findtext("title"), item.findtext("link"), item.findtext("description")
        items += 1
    return items


def with_soup(parser: str) -> Callable[[bytes], int]:
    def read(content: bytes) -> int:
        soup = BeautifulSoup(content, parser)
        items = 0
        for item in soup.find_all("item"):
            for name in ("title", "link", "description"):
                tag = item.find(name)
                _ = tag.get_text() if tag is not None else None
            items += 1
        return items

    return read


def cpu_seconds(read: Callable[[bytes], int], documents: list[bytes]) -> tuple[float, int]:
    best, items = float("inf"), 0
    for _ in range(3):
        started = time.process_time()
        items = sum(read(d) for d in documents)
        best = min(best, time.process_time() - started)
    return best, items


def main() -> None:
    warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)  # html.parser on XML, on purpose
    documents = feed_files()
    size = sum(map(len, documents)) / 1e6
    print(f"{len(documents)} feed documents, {size:.1f} MB")
    floor, items = cpu_seconds(with_lxml, documents)
    print(f"  lxml.etree                      {floor:6.2f} s CPU  ({items} items)")
    for parser in ("lxml-xml", "html.parser"):
        seconds, found = cpu_seconds(with_soup(parser), documents)
        print(
            f"  BeautifulSoup({parser!r:13})    {seconds:6.2f} s CPU  ({found} items)"
            f"  {seconds / floor:5.1f}x lxml",
            flush=True,
        )


if __name__ == "__main__":
    main()
