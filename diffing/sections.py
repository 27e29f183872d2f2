"""Section-aware comparison of long documents, and watched keywords in what was added.

An alert says "section 3.4. Extortion: 2 paragraphs changed" rather than a wall of text. Sections are
matched by heading, then (for renamed ones) by identical text, so a moved section is neither
"removed" nor "added".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from diffing.changes import Change, Severity
from diffing.compare import Record
from diffing.textdiff import excerpt, has_changes, inserted_text, line_then_word_diff, render_markup

_SENTENCES = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _match_sections(
    old: list[dict], new: list[dict]
) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    by_heading = {s["heading"]: s for s in old}
    pairs, added = [], []
    used: set[int] = set()
    for section in new:
        match = by_heading.get(section["heading"])
        if match is not None and id(match) not in used:
            pairs.append((match, section))
            used.add(id(match))
        else:
            added.append(section)
    removed = [s for s in old if id(s) not in used]
    for section in list(added):  # renamed: same text under another heading
        twin = next((s for s in removed if s["text"] == section["text"]), None)
        if twin is not None:
            pairs.append((twin, section))
            added.remove(section)
            removed.remove(twin)
    return pairs, added, removed


def quote_sentence(text: str, needle: re.Pattern[str]) -> str:
    for sentence in _SENTENCES.findall(text):
        if needle.search(sentence):
            return " ".join(sentence.split())
    return ""


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """'re:<regex>' is a pattern; anything else a case-insensitive phrase."""
    if keyword.startswith("re:"):
        return re.compile(keyword[3:], re.I)
    return re.compile(r"\b" + re.escape(keyword) + r"\b", re.I)


@dataclass(frozen=True)
class SectionsField:
    name: str = "sections"
    keywords_field: str = "keywords"
    kind: str = "document_changed"

    def compare(self, old: Record, new: Record) -> list[Change]:
        doc = str(new.get("title") or new.get("country_name") or new.get("key"))
        pairs, added, removed = _match_sections(
            list(old.get(self.name) or []), list(new.get(self.name) or [])
        )
        changes: list[Change] = []
        added_text: list[tuple[str, str, str]] = []  # (heading, added words, new section text)
        for before, after in pairs:
            if before["text"] == after["text"]:
                continue
            diffs = line_then_word_diff(before["text"], after["text"])
            if not has_changes(diffs):
                continue
            old_p, new_p = _paragraphs(before["text"]), _paragraphs(after["text"])
            changed = max(
                len([p for p in new_p if p not in old_p]), len([p for p in old_p if p not in new_p]), 1
            )
            label = after["heading"] or "(introduction)"
            changes.append(
                Change(
                    self.kind,
                    self.name,
                    before["heading"],
                    after["heading"],
                    Severity.INFO,
                    f"{doc} — section {label}: {changed} paragraph{'s' if changed != 1 else ''} changed",
                    item=label,
                    details={"excerpt": render_markup(excerpt(diffs, max_chars=400))},
                )
            )
            added_text.append((label, inserted_text(diffs), after["text"]))
        for section in added:
            label = section["heading"] or "(introduction)"
            changes.append(
                Change(
                    self.kind,
                    self.name,
                    None,
                    section["heading"],
                    Severity.INFO,
                    f"{doc} — section {label} added",
                    item=label,
                    details={"excerpt": section["text"][:400]},
                )
            )
            added_text.append((label, section["text"], section["text"]))
        for section in removed:
            label = section["heading"] or "(introduction)"
            changes.append(
                Change(
                    self.kind,
                    self.name,
                    section["heading"],
                    None,
                    Severity.INFO,
                    f"{doc} — section {label} removed",
                    item=label,
                )
            )
        for keyword in new.get(self.keywords_field) or []:
            pattern = keyword_pattern(keyword)
            for label, words, full in added_text:
                if pattern.search(words):
                    sentence = quote_sentence(full, pattern)
                    changes.append(
                        Change(
                            "keyword_matched",
                            self.name,
                            None,
                            sentence,
                            Severity.HIGH,
                            f"{doc} — “{keyword}” added in section {label}: “{sentence}”",
                            item=f"{keyword} @ {label}",
                            details={"keyword": keyword, "sentence": sentence},
                        )
                    )
                    break
        return changes


def as_dicts(sections: list[Any]) -> list[dict[str, str]]:
    return [s.as_dict() if hasattr(s, "as_dict") else dict(s) for s in sections]
