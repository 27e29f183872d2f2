"""Word-level diffs for alerts: what changed, with a little context, cut to fit a Slack message."""

from __future__ import annotations

from diffing.textdiff import (
    WORD_DIFF_MAX_CHARS,
    excerpt,
    has_changes,
    inserted_text,
    line_then_word_diff,
    render_markup,
    word_diff,
)

# São Tomé's advisory before and after its 2025-10-08 raise (the feed's first sentences).
BEFORE = "Exercise normal precautions in Sao Tome and Principe."
AFTER = "Exercise increased caution in Sao Tome and Principe due to health risks."


def test_a_word_diff_marks_whole_words_not_letters():
    marked = render_markup(word_diff(BEFORE, AFTER))
    assert marked == (
        "Exercise [-normal precautions-][+increased caution+] in Sao Tome and "
        "[-Principe.-][+Principe due to health risks.+]"
    )


def test_equal_texts_have_no_changes_and_nothing_inserted():
    diffs = word_diff(BEFORE, BEFORE)
    assert not has_changes(diffs)
    assert inserted_text(diffs) == ""
    assert render_markup(diffs) == BEFORE


def test_inserted_text_is_what_a_keyword_watch_reads():
    assert inserted_text(word_diff(BEFORE, AFTER)) == "increased caution Principe due to health risks."


def test_the_excerpt_keeps_context_around_a_change_in_a_long_text():
    same = " ".join(f"w{i}" for i in range(100))
    diffs = word_diff(same + " old end", same + " new end")
    shown = render_markup(excerpt(diffs, context_words=3))
    assert shown.startswith("… ") and "w98 w99" in shown and "w95" not in shown
    assert shown.endswith("[-old-][+new+] end")
    # Known: the context's last space is lost ("w99[-old-]"), since the equal run's trailing space
    # counts as one of its words; a fix changes every alert's excerpt, so it waits for its own change.


def test_the_excerpt_stops_at_its_size_with_an_ellipsis():
    diffs = word_diff("a", "b " * 1000)
    shown = excerpt(diffs, max_chars=50)
    assert sum(len(text) for _, text in shown) <= 51 and shown[-1][1].endswith("…")


def test_lines_first_then_words_inside_changed_lines():
    old = "Line one stays.\nLevel 1: Exercise normal precautions.\nLine three stays.\n"
    new = "Line one stays.\nLevel 2: Exercise increased caution.\nLine three stays.\n"
    assert render_markup(line_then_word_diff(old, new)) == (
        "Line one stays.\nLevel [-1:-][+2:+] Exercise [-normal precautions.-][+increased caution.+]\n"
        "Line three stays.\n"
    )


def test_a_rewritten_block_over_the_limit_is_shown_as_lines_not_words():
    old = "x " * WORD_DIFF_MAX_CHARS + "\n"
    new = "y " * WORD_DIFF_MAX_CHARS + "\n"
    assert line_then_word_diff(old, new) == [(-1, old), (1, new)]
