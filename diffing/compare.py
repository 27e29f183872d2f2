"""Field comparators that sources declare, and the generic record comparison built from them.

A source says *which* fields matter and *how severe* each kind of change is; this module turns two
records into typed changes for any source. Adding a source never touches this file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any, Protocol

from diffing.changes import Change, Severity

Record = dict[str, Any]


class FieldSpec(Protocol):
    @property
    def name(self) -> str: ...

    def compare(self, old: Record, new: Record) -> list[Change]: ...


def subject_name(record: Record) -> str:
    """The name a change summary opens with: the destination, a document's title, else its key."""
    return str(record.get("country_name") or record.get("title") or record.get("key") or "")


@dataclass(frozen=True)
class ScalarField:
    """A value compared as a whole (a level, a rating, a score): one change when it differs."""

    name: str
    kind: str
    severity: Callable[[Any, Any], Severity]
    label: Callable[[Any], str] = str
    significant: Callable[[Any, Any], bool] = lambda old, new: old != new

    def compare(self, old: Record, new: Record) -> list[Change]:
        a, b = old.get(self.name), new.get(self.name)
        if a is None or b is None or not self.significant(a, b):
            return []
        return [
            Change(
                kind=self.kind,
                field=self.name,
                old=a,
                new=b,
                severity=self.severity(a, b),
                summary=f"{subject_name(new)} — {self.label(a)} → {self.label(b)}",
            )
        ]


@dataclass(frozen=True)
class SetField:
    """A set of labels (indicator letters): one change per label added or removed."""

    name: str
    added_kind: str
    removed_kind: str
    severity_added: Callable[[str], Severity]
    severity_removed: Callable[[str], Severity]
    label: Callable[[str], str] = str

    def compare(self, old: Record, new: Record) -> list[Change]:
        if new.get(self.name) is None:
            return []  # not stated in this version: unknown, not "all removed"
        a, b = set(old.get(self.name) or []), set(new.get(self.name) or [])
        changes = [
            Change(
                self.added_kind,
                self.name,
                sorted(a),
                sorted(b),
                self.severity_added(x),
                f"{subject_name(new)} — +{self.label(x)}",
                item=x,
            )
            for x in sorted(b - a)
        ]
        changes += [
            Change(
                self.removed_kind,
                self.name,
                sorted(a),
                sorted(b),
                self.severity_removed(x),
                f"{subject_name(new)} — −{self.label(x)}",
                item=x,
            )
            for x in sorted(a - b)
        ]
        return changes


def _identities(items: list[dict], attribute: str) -> list[str]:
    """Each item's name, or "name (attribute value)" where one name stands for several items.

    Real records repeat a name (Kenya's two "Specified Areas" sections, one at Level 4, one at
    Level 3); told apart by their attribute they stay two areas whose changes cannot collide.
    """
    counts: dict[str, int] = {}
    for item in items:
        counts[str(item.get("name"))] = counts.get(str(item.get("name")), 0) + 1
    return [
        f"{item.get('name')} ({attribute} {item.get(attribute)})"
        if counts[str(item.get("name"))] > 1
        else str(item.get("name"))
        for item in items
    ]


@dataclass(frozen=True)
class KeyedListField:
    """A list of named items (restricted areas) matched across versions by a similarity rule.

    Matching goes exact identity first, then exact name, then the similarity rule, each item used
    once; exact matches are looked up in dicts, so only unmatched items pay for the similarity rule.
    """

    name: str
    added_kind: str
    removed_kind: str
    changed_kind: str
    same_item: Callable[[str, str], bool]
    attribute: str
    severity_added: Callable[[dict], Severity]
    severity_removed: Callable[[dict], Severity]
    severity_changed: Callable[[dict, dict], Severity]
    describe: Callable[[dict], str] = lambda item: str(item.get("name"))
    noun: str = "area"  # what an item is, in change summaries ("+area …", "−number …")
    # Above this many unmatched items on both sides, the pairwise similarity rule is skipped: a
    # list that long is not a list of areas a person wrote, and it must not cost quadratic time.
    fuzzy_limit: int = 200

    def compare(self, old: Record, new: Record) -> list[Change]:
        before = [i for i in (old.get(self.name) or []) if isinstance(i, dict)]
        after = [i for i in (new.get(self.name) or []) if isinstance(i, dict)]
        before_ids, after_ids = _identities(before, self.attribute), _identities(after, self.attribute)
        unmatched: dict[int, str] = dict(enumerate(before_ids))
        by_identity: dict[str, list[int]] = {}
        by_name: dict[str, list[int]] = {}
        for index, (item, ident) in enumerate(zip(before, before_ids, strict=True)):
            by_identity.setdefault(ident, []).append(index)
            by_name.setdefault(str(item.get("name")), []).append(index)

        def take(candidates: list[int]) -> int | None:
            for index in candidates:
                if index in unmatched:
                    del unmatched[index]
                    return index
            return None

        pairs: list[tuple[int | None, int]] = []
        for index, (item, ident) in enumerate(zip(after, after_ids, strict=True)):
            match = take(by_identity.get(ident, []))
            if match is None:
                match = take(by_name.get(str(item.get("name")), []))
            pairs.append((match, index))
        fuzzy = len(unmatched) * sum(1 for m, _ in pairs if m is None) <= self.fuzzy_limit**2
        changes: list[Change] = []
        for match, index in pairs:
            item, ident = after[index], after_ids[index]
            if match is None and fuzzy:
                name = str(item.get("name"))
                similar = (i for i in unmatched if self.same_item(str(before[i].get("name")), name))
                match = take(list(islice(similar, 1)))
            if match is None:
                changes.append(
                    Change(
                        self.added_kind,
                        self.name,
                        None,
                        item,
                        self.severity_added(item),
                        f"{subject_name(new)} — +{self.noun} {self.describe(item)}",
                        item=ident,
                    )
                )
                continue
            old_item = before[match]
            if old_item.get(self.attribute) != item.get(self.attribute):
                changes.append(
                    Change(
                        self.changed_kind,
                        self.name,
                        old_item,
                        item,
                        self.severity_changed(old_item, item),
                        f"{subject_name(new)} — {item['name']}: {self.attribute} "
                        f"{old_item.get(self.attribute)} → {item.get(self.attribute)}",
                        item=ident,
                    )
                )
        changes += [
            Change(
                self.removed_kind,
                self.name,
                before[index],
                None,
                self.severity_removed(before[index]),
                f"{subject_name(new)} — −{self.noun} {self.describe(before[index])}",
                item=ident,
            )
            for index, ident in sorted(unmatched.items())
        ]
        return changes


@dataclass(frozen=True)
class EditionField:
    """The record's own edition date: a newer edition with no other change is a reissue."""

    name: str
    kind: str = "advisory_reissued"

    def compare(self, old: Record, new: Record) -> list[Change]:
        a, b = old.get(self.name), new.get(self.name)
        if a is None or b is None or b <= a:
            return []
        note = new.get("change_note") or ""
        return [
            Change(
                self.kind,
                self.name,
                a,
                b,
                Severity.INFO,
                f"{subject_name(new)} — reissued {b}" + (f": {note}" if note else ""),
            )
        ]


# A change's ``item`` is part of its unique key (source, destination, snapshot, kind, item); it must
# stay short enough for any index. A longer name keeps its full text in the change's old/new values.
ITEM_KEY_BYTES = 400


def item_key(item: str | None) -> str | None:
    """The item as stored in the change's key: the name itself, or a bounded prefix plus a digest."""
    if item is None or len(item.encode()) <= ITEM_KEY_BYTES:
        return item
    digest = hashlib.sha256(item.encode()).hexdigest()[:16]
    return item.encode()[:300].decode("utf-8", "ignore") + f"… #{digest}"


def unique_changes(changes: Sequence[Change]) -> list[Change]:
    """Changes whose (kind, item) pairs are unique, whatever a field comparator produced.

    Storage keys a change by (destination, snapshot, kind, item): two changes with the same pair
    would abort the whole write. Every item is bounded (``item_key``); an exact duplicate (same
    kind, item, old and new) is merged into one; a different change under a repeated pair is told
    apart by a numbered suffix, so nothing is lost and nothing collides.
    """
    seen: dict[tuple[str, str | None], list[Change]] = {}
    out: list[Change] = []
    for change in changes:
        key = (change.kind, item_key(change.item))
        if key[1] != change.item:
            change = replace(change, item=key[1])
        earlier = seen.setdefault(key, [])
        if any(e.old == change.old and e.new == change.new for e in earlier):
            continue
        if earlier:
            change = replace(change, item=f"{key[1] or ''} #{len(earlier) + 1}".strip())
        earlier.append(change)
        out.append(change)
    return out


def compare_records(fields: Sequence[FieldSpec], old: Record, new: Record) -> list[Change]:
    """Typed changes between two records; an edition change is reported only when nothing else changed.

    The result is unique in (kind, item) for every source (``unique_changes``).
    """
    changes: list[Change] = []
    editions: list[Change] = []
    for spec in fields:
        found = spec.compare(old, new)
        (editions if isinstance(spec, EditionField) else changes).extend(found)
    return unique_changes(changes or editions)


def material_equal(fields: Sequence[FieldSpec], a: Record, b: Record) -> bool:
    """Equal in every declared field except the edition date."""
    return not any(spec.compare(a, b) for spec in fields if not isinstance(spec, EditionField))
