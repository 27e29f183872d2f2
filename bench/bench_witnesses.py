"""Truth in detail, over every document in ../shared: what the alerts state and on whose word.

python bench/bench_witnesses.py [../shared]

Replays every capture (the two raw feed days, the 120 archived feed days, the 2026 day, and every
government's corpus, U.S. pages included) into fresh stores and prints:

* per source: alerts, the claims they state by witness (field / note / reading), and area claims
  whose name is not a clean place phrase (must be 0);
* the governments' own announcements: claims their new notes made, how many reached an alert on
  the note's word, how many were withheld and why, and any missed (must be none);
* destinations dropped: feed items and corpus documents whose destination could not be named
  (must be 0);
* the hand-read sample (tests/scenarios/corpus/hand_read_alerts.txt): alerts read by hand, and how many of
  them the replays state exactly (every claim, every witness);
* extraction time of one feed item listing 5,000 areas (the inverted index keeps it linear).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from advisory_watch import announcements
from advisory_watch.replay import replay_corpus, replay_files, replay_governments
from advisory_watch.settings import Settings
from alerts.payload import AlertPayload
from diffing.area_names import clean_area_name
from diffing.claims import SUBJECT, claim_line
from models.sessions import session_for
from scrapers import registry
from scrapers.errors import DestinationNotRecognised, ExtractionError
from scrapers.text.corpus_moment import bundle_bytes, moments
from scrapers.us_state import state_dept_feed

ROOT = Path(__file__).resolve().parents[1]
HAND_READ = ROOT / "tests" / "scenarios" / "corpus" / "hand_read_alerts.txt"
CORPUS_SOURCES = {
    "state-dept-page": "unitedstates",
    "country-page": "unitedstates",
    "uk-fcdo": "unitedkingdom",
    "canada-travel": "canada",
    "australia-smartraveller": "australia",
    "ireland-dfa": "ireland",
}


def _replays(shared: Path, workdir: Path) -> list[tuple[str, list[AlertPayload], Settings]]:
    """(name, alerts, store) for every replay of the shared captures."""
    state = shared / "fixtures" / "state_dept"
    runs = {
        "feed 2025-10-07/08 (raw)": lambda s: replay_files(
            "state-dept-feed", sorted(state.glob("TAsTWs-*.xml")), settings=s
        ),
        "feed archive (120 days)": lambda s: replay_files(
            "state-dept-feed", sorted((state / "feed-archive").glob("*.xml")), settings=s
        ),
        "feed 2026-08-22": lambda s: replay_files(
            "state-dept-feed", [state / "feed-2026-08-22.xml"], settings=s
        ),
        "governments --all": lambda s: replay_governments(shared / "fixtures" / "governments", settings=s),
        "country pages": lambda s: replay_corpus(
            "country-page", shared / "fixtures" / "governments" / "unitedstates", settings=s
        ),
    }
    out = []
    for n, (name, run) in enumerate(runs.items()):
        settings = Settings(database_url=f"sqlite:///{workdir / f'replay{n}.db'}")
        alerts = [a for result in run(settings) for a in result.alerts]
        out.append((name, alerts, settings))
    return out


def _dropped(shared: Path) -> tuple[Counter, Counter]:
    """Documents (or feed items) read, and those whose destination could not be named, per source."""
    read: Counter = Counter()
    dropped: Counter = Counter()
    state = shared / "fixtures" / "state_dept"
    for path in sorted(state.glob("*.xml")) + sorted((state / "feed-archive").glob("*.xml")):
        extraction = state_dept_feed.extract(path.read_bytes())
        read["state-dept-feed"] += len(extraction.records) + len(extraction.problems)
        dropped["state-dept-feed"] += sum("destination not recognised" in p for p in extraction.problems)
    for name, folder in CORPUS_SOURCES.items():
        source = registry.load(name)
        roles = source.corpus_roles or {"page": (source.corpus_file,)}
        for _, destination, moment in moments(shared / "fixtures" / "governments" / folder, roles):
            content = bundle_bytes(destination, moment, roles)
            if content is None:
                continue
            read[name] += 1
            try:
                source.extract(content, url=(destination / moment).resolve().as_uri())
            except DestinationNotRecognised:
                dropped[name] += 1
            except ExtractionError:
                pass
    return read, dropped


def hand_read() -> list[tuple[str, list[str]]]:
    """The hand-read sample: ("source | key | date", [claim lines])."""
    out = []
    for line in HAND_READ.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            source, key, date, claims, _verdict = (part.strip() for part in line.split(" | ", 4))
            out.append((f"{source} | {key} | {date}", [c.strip() for c in claims.split(";")]))
    return out


def alert_key(alert: AlertPayload) -> str:
    return f"{alert.source} | {alert.key} | {alert.observed_at[:10]}"


def _linear_items() -> float:
    feed = (ROOT.parent / "shared/fixtures/state_dept/feed-archive/2026-01-07.xml").read_text(
        encoding="utf-8"
    )
    names = [f"{chr(65 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676 % 26)}ville" for i in range(5000)]
    body = "<p>Exercise increased caution in Peru due to crime.</p><p>Do not travel to:</p><ul>"
    body += "".join(f"<li>{n} Province due to crime</li>" for n in names) + "</ul>"
    item = re.search(r"<item>.*?</item>", feed, re.S).group(0)  # type: ignore[union-attr]
    big = re.sub(
        r"<description>.*?</description>", f"<description><![CDATA[{body}]]></description>", item, flags=re.S
    )
    document = (feed[: feed.index("<item>")] + big + "</channel></rss>").encode()
    started = time.perf_counter()
    [extracted] = state_dept_feed.extract(document).records
    elapsed = time.perf_counter() - started
    assert sum("ville" in a["name"] for a in extracted.record["areas"]) == 5000
    return elapsed


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
    console = Console(width=150)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-witnesses-") as tmp:
        replays = _replays(shared, Path(tmp))
        claims = Table(title="Alerts and the witnesses of their claims")
        for column in ("replay", "source", "alerts", "claims", "field", "note", "reading", "unclean areas"):
            claims.add_column(column, justify="right")
        every: list[AlertPayload] = []
        for name, alerts, _ in replays:
            per: dict[str, Counter] = {}
            for alert in alerts:
                if alert.ops or alert.source == "consensus":
                    continue
                every.append(alert)
                counts = per.setdefault(alert.source, Counter())
                counts["alerts"] += 1
                for change in alert.changes or ():
                    counts["claims"] += 1
                    for w in change.get("witnesses") or []:
                        counts[w] += 1
                    named = SUBJECT.get(change["kind"]) == "areas" and change.get("item")
                    counts["unclean"] += bool(
                        named and change["kind"] != "area_revised" and clean_area_name(change["item"]) is None
                    )
            for source, c in sorted(per.items()):
                claims.add_row(
                    name,
                    source,
                    *(str(c[k]) for k in ("alerts", "claims", "field", "note", "reading", "unclean")),
                )
        console.print(claims)

        told = Table(title="What the governments' notes announced, and whether it reached an alert")
        for column in ("replay", "source", "announced", "alerted", "withheld (reason)", "missed"):
            told.add_column(column, justify="right")
        missed = []
        for name, _, settings in replays:
            with session_for(settings) as session:
                found = announcements.audit(session)
            for source in sorted(found.announced):
                reasons = ", ".join(f"{n} {r}" for (s, r), n in found.withheld.items() if s == source) or "0"
                gone = [m for m in found.missed if m[0] == source]
                missed += gone
                told.add_row(
                    name,
                    source,
                    str(found.announced[source]),
                    str(found.alerted[source]),
                    reasons,
                    str(len(gone)),
                )
        console.print(told)
        for m in missed:
            console.print(f"missed: {' | '.join(m)}")

    read, dropped = _dropped(shared)
    drops = Table(title="Destinations dropped (document or feed item whose destination could not be named)")
    for column in ("source", "read", "dropped"):
        drops.add_column(column, justify="right")
    for source in sorted(read):
        drops.add_row(source, str(read[source]), str(dropped[source]))
    console.print(drops)

    by_key = {}
    for alert in every:
        by_key.setdefault(alert_key(alert), alert)
    sample = hand_read()
    right = [
        k
        for k, expected in sample
        if k in by_key and [claim_line(c) for c in by_key[k].changes or ()] == expected
    ]
    governments = Counter(k.split(" | ")[0] for k, _ in sample)
    spread = ", ".join(f"{s} {n}" for s, n in sorted(governments.items()))
    console.print(
        f"hand-read sample: {len(sample)} alerts ({spread}); "
        f"fully right: {len(right)} ({100 * len(right) / max(len(sample), 1):.0f} %)"
    )
    for k, expected in sample:
        if k not in right:
            got = [claim_line(c) for c in by_key[k].changes or ()] if k in by_key else "no alert"
            console.print(f"  differs: {k}: expected {expected}, stated {got}")
    console.print(f"one feed item listing 5,000 areas extracts in {_linear_items() * 1000:.0f} ms")
    console.print(f"bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
