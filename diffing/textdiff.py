"""Word-level text diffs with diff-match-patch, for display in alerts and the history UI.

diff-match-patch diffs characters; advisory texts read better diffed by word, so words are mapped to
single code points first (the same trick as its line mode), diffed, and mapped back. The timeout is
set deliberately to none: with a timeout the answer depends on how busy the machine is, and the same
two snapshots must always give the same diff (alerts, exports and the history UI agree). Word mode
keeps advisory-sized texts to a few hundred symbols, so this stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from diff_match_patch import diff_match_patch

DIFF_TIMEOUT_SECONDS = 0.0  # 0 = no timeout: deterministic
_WORDS = re.compile(r"\s+|[^\s]+")

EQUAL, INSERT, DELETE = (
    diff_match_patch.DIFF_EQUAL,
    diff_match_patch.DIFF_INSERT,
    diff_match_patch.DIFF_DELETE,
)


def _words_to_chars(a: str, b: str) -> tuple[str, str, list[str]]:
    table: list[str] = [""]
    index: dict[str, int] = {}

    def encode(text: str) -> str:
        out = []
        for word in _WORDS.findall(text):
            code = index.get(word)
            if code is None:
                code = len(table)
                table.append(word)
                index[word] = code
            out.append(chr(code))
        return "".join(out)

    return encode(a), encode(b), table


def word_diff(old: str, new: str) -> list[tuple[int, str]]:
    """[(op, text)] with op in EQUAL/INSERT/DELETE, diffed word by word."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    a, b, table = _words_to_chars(old or "", new or "")
    diffs = dmp.diff_main(a, b, False)
    dmp.diff_cleanupSemantic(diffs)
    return [(op, "".join(table[ord(c)] for c in text)) for op, text in diffs]


def has_changes(diffs: list[tuple[int, str]]) -> bool:
    return any(op != EQUAL for op, _ in diffs)


def excerpt(
    diffs: Iterable[tuple[int, str]], context_words: int = 8, max_chars: int = 600
) -> list[tuple[int, str]]:
    """Only the changed runs with a little context, cut to max_chars: what fits in an alert.

    Reads ``diffs`` one run ahead and no further than the cut, so a lazy diff
    (``iter_line_then_word_diff``) never computes the word diffs of what the excerpt leaves out."""
    out: list[tuple[int, str]] = []
    size = 0
    runs = iter(diffs)
    current = next(runs, None)
    i = 0
    while current is not None:
        following = next(runs, None)
        op, text = current
        if op == EQUAL:
            words = text.split(" ")
            if len(words) > 2 * context_words:
                head = " ".join(words[:context_words]) if i > 0 else ""
                tail = " ".join(words[-context_words:]) if following is not None else ""
                text = (head + " … " + tail).strip() if head or tail else ""
        if text:
            if size + len(text) > max_chars:
                out.append((op, text[: max(0, max_chars - size)] + "…"))
                break
            out.append((op, text))
            size += len(text)
        current, i = following, i + 1
    return out


def render_markup(diffs: list[tuple[int, str]], insert: str = "[+{}+]", delete: str = "[-{}-]") -> str:
    parts = []
    for op, text in diffs:
        if op == INSERT:
            parts.append(insert.format(text))
        elif op == DELETE:
            parts.append(delete.format(text))
        else:
            parts.append(text)
    return "".join(parts)


# Above this size a replaced block is shown as removed and inserted lines, not diffed word by word:
# word diffs cost O(N·D) without a timeout, and a rewritten advisory would make one alert take
# seconds. Deterministic either way.
WORD_DIFF_MAX_CHARS = 3000


def line_then_word_diff(old: str, new: str) -> list[tuple[int, str]]:
    """For long texts: diff lines first (cheap), then words only inside the lines that changed."""
    return list(iter_line_then_word_diff(old, new))


def iter_line_then_word_diff(old: str, new: str) -> Iterator[tuple[int, str]]:
    """``line_then_word_diff`` computed as it is read: each changed block's word diff only when the
    reader gets there (an alert's excerpt stops at 600 characters; the rest is never diffed)."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    a, b, lines = dmp.diff_linesToChars(old or "", new or "")
    coarse = dmp.diff_main(a, b, False)
    dmp.diff_charsToLines(coarse, lines)
    i = 0
    while i < len(coarse):
        op, text = coarse[i]
        if (
            op == DELETE
            and i + 1 < len(coarse)
            and coarse[i + 1][0] == INSERT
            and len(text) + len(coarse[i + 1][1]) <= WORD_DIFF_MAX_CHARS
        ):
            yield from word_diff(text, coarse[i + 1][1])
            i += 2
            continue
        yield (op, text)
        i += 1


def inserted_text(diffs: list[tuple[int, str]]) -> str:
    return " ".join(text for op, text in diffs if op == INSERT)
