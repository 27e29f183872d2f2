"""The README and docs/ say only what the code has: links resolve, the generated tables are current,
and every command they show exists with the options they give it.

What the commands print is checked where they can run here: tests/scenarios/test_docs_commands.py
runs the README's loopback quick start, the documented CLI backfill and the governments README's
extract as written.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from advisory_watch.cli import build_parser
from advisory_watch.settings import settings_table
from tests.conftest import ROOT

DOCS = sorted(
    [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "scrapers").rglob("README.md")],
)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+)$", markdown, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def code_lines(markdown: str) -> list[str]:
    """The lines of fenced and indented code blocks, continuation lines joined, comments dropped."""
    lines, fenced, pending = [], False, ""
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not (fenced or line.startswith("    ")):
            continue
        text = line.strip().removeprefix("$ ")
        if text.startswith("#"):
            continue
        text = pending + text
        if text.endswith("\\"):
            pending = text[:-1] + " "
            continue
        pending = ""
        lines.append(text)
    return lines


def test_the_readme_is_an_index():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    assert readme.splitlines()[2].strip().startswith("make run")
    assert readme.splitlines()[3].strip().startswith("make test")


@pytest.mark.parametrize("page", DOCS, ids=_name)
def test_every_relative_link_resolves(page: Path):
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^(https?|mailto):", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists() or (
            anchor
            and resolved.suffix == ".md"
            and anchor not in _anchors(resolved.read_text(encoding="utf-8"))
        ):
            broken.append(target)
    assert not broken, f"{_name(page)}: links to nothing: {broken}"


def test_the_settings_page_is_generated_from_the_settings():
    page = (ROOT / "docs" / "operations" / "settings.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- settings:begin -->\n(.*?)<!-- settings:end -->", page, re.S)
    assert found, "docs/operations/settings.md has no settings table between its markers"
    assert found.group(1) == settings_table(), "stale: paste advisory_watch.settings.settings_table()"


MAKE_TARGETS = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))


@pytest.mark.parametrize("page", DOCS, ids=_name)
def test_every_command_shown_exists_with_the_options_shown(page: Path):
    """`make` targets are the Makefile's; `advisory-watch` command lines parse with the CLI's own
    parser (placeholders such as FILE and DIR stand for any path)."""
    parser = build_parser()
    for line in code_lines(page.read_text(encoding="utf-8")):
        for command in re.split(r"\s*(?:&&|;|\|)\s*|\s&\s*$", line):
            bare = [w for w in command.split() if not re.match(r"^[A-Z_]+=", w)]
            if not bare or Path(bare[0]).name not in ("make", "advisory-watch"):
                continue  # not a command (a diagram, YAML, output), or another program's
            words = shlex.split(command.split(" #")[0])
            while words and "=" in words[0] and not words[0].startswith("-"):
                words = words[1:]  # VAR=value prefixes
            if not words:
                continue
            program = Path(words[0]).name
            if program == "make":
                assert set(w for w in words[1:] if "=" not in w) <= MAKE_TARGETS, line
            elif program == "advisory-watch":
                try:
                    parser.parse_args(words[1:])
                except SystemExit as exc:  # argparse's way of refusing
                    pytest.fail(f"{_name(page)}: `{line}` is not a command advisory-watch has ({exc})")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("page", DOCS, ids=_name)
def test_every_command_synopsis_names_real_commands_and_options(page: Path):
    """Synopses in running text and tables (`advisory-watch replay SOURCE DIR [--db URL]`): each
    subcommand exists, and each option it shows is one that subcommand takes."""
    wrong = []
    for span in re.findall(r"`(advisory-watch [^`]+)`", page.read_text(encoding="utf-8")):
        for synopsis in re.split(r"\s+/\s+(?=advisory-watch|[a-z])", span):
            words = synopsis.replace("\\|", "|").split()
            parser = build_parser()
            if words and words[0] == "advisory-watch":
                words = words[1:]
            while words and "|" not in words[0] and words[0] in _subcommands(parser):
                parser, words = _subcommands(parser)[words[0]], words[1:]
            if parser.prog == "advisory-watch" and words and not words[0].startswith("-"):
                wrong.append(f"{span}: no command {words[0]!r}")
                continue
            known = {option for action in parser._actions for option in action.option_strings}
            for option in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", " ".join(words)):
                if option not in known:
                    wrong.append(f"{span}: {parser.prog} takes no {option}")
    assert not wrong, f"{_name(page)}: " + "; ".join(wrong)
