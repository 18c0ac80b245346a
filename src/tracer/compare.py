"""Compare one operation's drafts from two trees: the step diff of
`trace diff`, plus what happened to the functions the steps point to.

An anchor (`# pkg/compute/api.py pause()`) found on one side only is paired
with one on the other side: the same function name (leading underscores
aside) in another file is `moved` when that name is unique on both sides or
aligned steps link the two; a similar name in the same file is `renamed`
when aligned steps link them or they are that file's only unpaired anchors. The rest are `gone` (only in the old tree) or `new`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from tracer.wsd.diff import DiffResult, diff_diagrams, format_json, format_stat, format_unified
from tracer.wsd.model import Anchor, Comment, Diagram, walk

Change = Literal["moved", "renamed", "gone", "new"]
_ORDER = ("moved", "renamed", "gone", "new")
Key = tuple[str | None, str | None]


@dataclass(frozen=True)
class AnchorChange:
    change: Change
    a: Anchor | None
    b: Anchor | None

    def __str__(self) -> str:
        a, b = self.a, self.b
        if self.change == "moved" and a and b:
            return f"{a.func}(): {a.path} -> {b.path}" if a.func == b.func else f"{a} -> {b}"
        if self.change == "renamed" and a and b:
            return f"{a.path}: {a.func}() -> {b.func}()"
        return str(a or b)


@dataclass(frozen=True)
class Comparison:
    steps: DiffResult
    anchors: tuple[AnchorChange, ...]

    @property
    def same(self) -> bool:
        return self.steps.same and not self.anchors


def compare(a: Diagram, b: Diagram) -> Comparison:
    steps = diff_diagrams(a, b)
    return Comparison(steps, anchor_changes(steps, anchors_of(a), anchors_of(b)))


def anchors_of(diagram: Diagram) -> dict[Key, Anchor]:
    found: dict[Key, Anchor] = {}
    for stmt in walk(diagram.statements):
        if isinstance(stmt, Comment) and stmt.anchor is not None:
            found.setdefault(_key(stmt.anchor), stmt.anchor)
    return found


def anchor_changes(steps: DiffResult, a: dict[Key, Anchor], b: dict[Key, Anchor]) -> tuple[AnchorChange, ...]:
    only_a = {k: v for k, v in a.items() if k not in b}
    only_b = {k: v for k, v in b.items() if k not in a}
    votes: Counter[tuple[Key, Key]] = Counter(
        (_key(e.a.anchor), _key(e.b.anchor)) for e in steps.entries
        if e.a and e.b and e.a.anchor and e.b.anchor
        and _key(e.a.anchor) in only_a and _key(e.b.anchor) in only_b)
    pairs = [p for p, _ in votes.most_common()] + _same_names(only_a, only_b) + _lone_in_file(only_a, only_b)
    changes: list[AnchorChange] = []
    for ka, kb in pairs:
        if ka in only_a and kb in only_b and (_bare(ka[1]) == _bare(kb[1]) or
                                              (ka[0] == kb[0] and _similar(ka[1], kb[1]))):
            kind: Change = "renamed" if ka[0] == kb[0] else "moved"
            changes.append(AnchorChange(kind, only_a.pop(ka), only_b.pop(kb)))
    changes += [AnchorChange("gone", v, None) for v in only_a.values()]
    changes += [AnchorChange("new", None, v) for v in only_b.values()]
    return tuple(sorted(changes, key=lambda c: _ORDER.index(c.change)))


def _similar(a: str | None, b: str | None) -> bool:
    """Close spelling, or one name extends the other (`_stop` -> `_stop_server`)."""
    if not a or not b:
        return False
    x, y = sorted((a.strip("_"), b.strip("_")), key=len)
    return y.startswith(x) or SequenceMatcher(None, a, b).ratio() >= 0.6


def _bare(name: str | None) -> str | None:
    return name.lstrip("_") if name else None


def _lone_in_file(only_a: dict[Key, Anchor], only_b: dict[Key, Anchor]) -> list[tuple[Key, Key]]:
    """Pairs of anchors that are the only ones of their file on each side."""
    files_a, files_b = Counter(k[0] for k in only_a), Counter(k[0] for k in only_b)
    by_b = {k[0]: k for k in only_b}
    return [(k, by_b[k[0]]) for k in only_a if files_a[k[0]] == 1 and files_b[k[0]] == 1]


def _same_names(only_a: dict[Key, Anchor], only_b: dict[Key, Anchor]) -> list[tuple[Key, Key]]:
    """Pairs of anchors whose bare function name is unique on each side."""
    names_a = Counter(_bare(k[1]) for k in only_a)
    names_b = Counter(_bare(k[1]) for k in only_b)
    by_b = {_bare(k[1]): k for k in only_b}
    return [(k, by_b[n]) for k in only_a if (n := _bare(k[1])) and names_a[n] == 1 and names_b[n] == 1]


def _key(anchor: Anchor) -> Key:
    return (anchor.path, anchor.func)


def format_anchors(changes: tuple[AnchorChange, ...]) -> str:
    if not changes:
        return ""
    counts = Counter(c.change for c in changes)
    lines = ["anchors: " + ", ".join(f"{counts[k]} {k}" for k in _ORDER if counts[k])]
    lines += [f"  {c.change:<8} {c}" for c in changes]
    return "\n".join(lines) + "\n"


def format_text(result: Comparison, a_name: str, b_name: str, color: bool = False) -> str:
    steps = format_unified(result.steps, a_name, b_name, color=color)
    if result.anchors and not steps:  # same steps, other functions: still say which sides
        steps = f"--- {a_name}\n+++ {b_name}\n(the same steps)\n"
    return steps + format_anchors(result.anchors)


def format_stat_text(result: Comparison, a_name: str, b_name: str) -> str:
    counts = Counter(c.change for c in result.anchors)
    tail = ", ".join(f"{counts[k]} {k}" for k in _ORDER if counts[k]) or "none changed"
    return format_stat(result.steps, a_name, b_name) + f"anchors: {tail}\n"


def format_json_text(result: Comparison, a_name: str, b_name: str) -> str:
    doc = json.loads(format_json(result.steps, a_name, b_name))
    doc["same"] = result.same
    doc["anchors"] = [{"change": c.change, "a": str(c.a) if c.a else None, "b": str(c.b) if c.b else None}
                      for c in result.anchors]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
