"""One list of an advisory's areas from the three places it names them (its sections, its lists and
its sentences): an area named twice, in other words, is one area at the higher level."""

from __future__ import annotations

from collections.abc import Sequence

from diffing.areas import area_tokens, containment
from diffing.countries import normalise_name


class _AreaIndex:
    """Merged areas with an inverted index of their name tokens, so merging n list items costs O(n).

    Two tokens match when equal or when one (of four letters or more) prefixes the other; both then
    share the key ``token[:4]``, so an area can only merge into an entry found under one of its keys.
    A key shared by more than ``common`` entries says nothing about identity (like a stop word) and is
    not followed; an area whose keys are all that common merges only with an identical name.
    """

    common = 32

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self.tokens: list[frozenset[str]] = []
        self.by_key: dict[str, list[int]] = {}
        self.by_name: dict[str, int] = {}

    @staticmethod
    def _keys(tokens: frozenset[str]) -> set[str]:
        return {t[:4] for t in tokens}

    def candidates(self, tokens: frozenset[str]) -> list[int]:
        found: set[int] = set()
        for key in self._keys(tokens):
            posting = self.by_key.get(key, [])
            if len(posting) <= self.common:
                found.update(posting)
        return sorted(found)

    def add(self, entry: dict) -> None:
        index = len(self.entries)
        tokens = area_tokens(entry["name"])
        self.entries.append(entry)
        self.tokens.append(tokens)
        self.by_name.setdefault(normalise_name(entry["name"]), index)
        for key in self._keys(tokens):
            self.by_key.setdefault(key, []).append(index)

    def target_for(self, name: str, exclude: set[int] | frozenset[int] = frozenset()) -> dict | None:
        exact = self.by_name.get(normalise_name(name))
        if exact is not None:
            return self.entries[exact]
        tokens = area_tokens(name)
        candidates = [i for i in self.candidates(tokens) if i not in exclude]
        for index in candidates:
            if containment(tokens, self.tokens[index]) >= 0.75:
                return self.entries[index]
        for index in candidates:
            if max(containment(tokens, self.tokens[index]), containment(self.tokens[index], tokens)) >= 0.75:
                return self.entries[index]
        return None


def merge_areas(sections: list[dict], listed: list[dict], stated: Sequence[dict] = ()) -> list[dict]:
    """Section areas, then list items merged into the area they name again (higher level wins), then
    area statements ("Do Not Travel to X due to …"), merged into a section or list area they name
    again, or into an identical statement, but never by similarity into another statement: two
    statements with their own reasons ("… due to crime", "… due to unexploded ordnance") are two
    areas, however alike their names."""
    index = _AreaIndex()
    for section in sections:
        index.add(dict(section, indicators=list(section["indicators"])))
    statements: set[int] = set()
    for item, is_statement in [*((i, False) for i in listed), *((i, True) for i in stated)]:
        target = index.target_for(item["name"], exclude=statements if is_statement else frozenset())
        if target is None:
            if is_statement:
                statements.add(len(index.entries))
            index.add(item)
            continue
        target["indicators"] = sorted(set(target["indicators"]) | set(item["indicators"]))
        target["level"] = max(target["level"], item["level"])
    return index.entries
