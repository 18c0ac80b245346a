"""Compare two diagrams step by step (messages and notes), not line by line.

Formatting noise never shows: spacing, comment style, activation lines and
`+`/`-` modifiers, declared-vs-implied participants. Steps are aligned with
difflib; inside a replaced block, steps with the same endpoints are paired up
as changed (`~`) instead of removed plus added.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

import click

from tracer.wsd.emit import arrow, note_head, quote
from tracer.wsd.model import Anchor, Comment, Diagram, Message, Note, walk

Op = Literal["equal", "removed", "added", "changed"]
_SIGN = {"equal": " ", "removed": "-", "added": "+", "changed": "~"}
_COLOUR = {"removed": "red", "added": "green", "changed": "yellow"}
KINDS = ("message", "note")


@dataclass(frozen=True)
class Step:
    """A message or a note, reduced to what diff compares."""

    kind: Literal["message", "note"]
    who: str  # `A->B` or `note over A,B`: what pairs changed steps up
    text: str  # normalised text
    line: int
    anchor: Anchor | None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.who, self.text)

    def __str__(self) -> str:
        return f"{self.who}: {self.text}" if self.text else self.who


@dataclass(frozen=True)
class Entry:
    op: Op
    a: Step | None
    b: Step | None

    @property
    def kind(self) -> str:
        step = self.b or self.a
        assert step is not None
        return step.kind


@dataclass(frozen=True)
class DiffResult:
    entries: tuple[Entry, ...]

    @property
    def same(self) -> bool:
        return all(e.op == "equal" for e in self.entries)

    def stat(self) -> dict[str, dict[str, int]]:
        """Per kind: matched, only_a, only_b, changed counts, and B's total."""
        names = {"equal": "matched", "removed": "only_a", "added": "only_b", "changed": "changed"}
        out = {k: {"matched": 0, "only_a": 0, "only_b": 0, "changed": 0, "total_b": 0} for k in KINDS}
        for e in self.entries:
            out[e.kind][names[e.op]] += 1
            out[e.kind]["total_b"] += e.b is not None
        return out


def normalise(text: str) -> str:
    """Collapse whitespace, also around `\\n` line breaks (literal or real)."""
    parts = re.split(r"\\n|\n", text)
    return "\\n".join(" ".join(p.split()) for p in parts).strip()


def steps_of(diagram: Diagram) -> list[Step]:
    """Messages and notes in document order, each with its nearest preceding anchor."""
    steps: list[Step] = []
    anchor: Anchor | None = None
    for stmt in walk(diagram.statements):
        if isinstance(stmt, Comment) and stmt.anchor is not None:
            anchor = stmt.anchor
        elif isinstance(stmt, Message):
            who = f"{quote(stmt.source)}{arrow(stmt)}{quote(stmt.target)}"
            steps.append(Step("message", who, normalise(stmt.text), stmt.line, anchor))
        elif isinstance(stmt, Note):
            head = note_head(Note(stmt.position, stmt.participants, "", stmt.kind))
            steps.append(Step("note", head, normalise(stmt.text), stmt.line, anchor))
    return steps


def diff_diagrams(a: Diagram, b: Diagram) -> DiffResult:
    """Align the steps of `a` and `b`; changed text on the same endpoints is `changed`."""
    sa, sb = steps_of(a), steps_of(b)
    entries: list[Entry] = []
    matcher = SequenceMatcher(None, [s.key for s in sa], [s.key for s in sb], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            entries += [Entry("equal", x, y) for x, y in zip(sa[i1:i2], sb[j1:j2])]
        else:
            entries += _pair_up(sa[i1:i2], sb[j1:j2])
    return DiffResult(tuple(entries))


def _pair_up(sa: list[Step], sb: list[Step]) -> list[Entry]:
    """Within a replaced block, steps on the same endpoints (in order) are changes."""
    entries: list[Entry] = []
    matcher = SequenceMatcher(None, [s.who for s in sa], [s.who for s in sb], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            entries += [Entry("changed", x, y) for x, y in zip(sa[i1:i2], sb[j1:j2])]
        else:
            entries += [Entry("removed", x, None) for x in sa[i1:i2]]
            entries += [Entry("added", None, y) for y in sb[j1:j2]]
    return entries


def format_unified(result: DiffResult, a_name: str, b_name: str, context: int = 3,
                   color: bool = False) -> str:
    """`diff -u` style: hunks of steps headed by the anchor of their first change."""
    if result.same:
        return ""
    paint = _painter(color)
    lines = [paint(f"--- {a_name}", "bold"), paint(f"+++ {b_name}", "bold")]
    for start, stop in _hunks(result.entries, context):
        lines.append(paint(_hunk_header(result.entries, start, stop), "cyan"))
        lines += [paint(_entry_line(e), _COLOUR.get(e.op)) for e in result.entries[start:stop]]
    return "\n".join(lines) + "\n"


def _painter(color: bool):
    def paint(text: str, style: str | None) -> str:
        if not color or style is None:
            return text
        return click.style(text, bold=True) if style == "bold" else click.style(text, fg=style)
    return paint


def _entry_line(e: Entry) -> str:
    if e.op == "changed":
        assert e.a and e.b
        return f'~ {e.a.who}: "{e.a.text}" -> "{e.b.text}"'
    return f"{_SIGN[e.op]} {e.b or e.a}"


def _hunks(entries: tuple[Entry, ...], context: int) -> list[tuple[int, int]]:
    """[start, stop) ranges around changes, merged when their context overlaps."""
    ranges: list[tuple[int, int]] = []
    for i, e in enumerate(entries):
        if e.op == "equal":
            continue
        start, stop = max(0, i - context), min(len(entries), i + context + 1)
        if ranges and start <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(stop, ranges[-1][1]))
        else:
            ranges.append((start, stop))
    return ranges


def _hunk_header(entries: tuple[Entry, ...], start: int, stop: int) -> str:
    chunk = entries[start:stop]
    a_lines = [e.a.line for e in chunk if e.a]
    b_lines = [e.b.line for e in chunk if e.b]
    first = next(e for e in chunk if e.op != "equal")
    anchor = (first.b or first.a).anchor  # type: ignore[union-attr]
    where = f"-{_span(a_lines)} +{_span(b_lines)}"
    return f"@@ {where} @@ {anchor}" if anchor else f"@@ {where} @@"


def _span(lines: list[int]) -> str:
    """The line of the hunk's first step on one side (0 when it has none)."""
    return str(lines[0]) if lines else "0"


def format_stat(result: DiffResult, a_name: str, b_name: str) -> str:
    """Per-kind counts and the share of B's steps found in A."""
    stat = result.stat()
    rows = [f"{'':8} {'matched':>8} {'only A':>8} {'only B':>8} {'changed':>8}"]
    for kind, c in stat.items():
        rows.append(f"{kind:8} {c['matched']:8} {c['only_a']:8} {c['only_b']:8} {c['changed']:8}")
    found, changed, total = _shares(stat)
    rows.append(
        f"{found:.1f}% of {b_name}'s {total} steps found in {a_name} "
        f"({changed:.1f}% counting changed text)"
    )
    return "\n".join(rows) + "\n"


def _shares(stat: dict[str, dict[str, int]]) -> tuple[float, float, int]:
    total = sum(c["total_b"] for c in stat.values())
    matched = sum(c["matched"] for c in stat.values())
    changed = sum(c["changed"] for c in stat.values())
    if not total:
        return 100.0, 100.0, 0
    return 100 * matched / total, 100 * (matched + changed) / total, total


def format_json(result: DiffResult, a_name: str, b_name: str) -> str:
    """A stable JSON document: files, verdict, counts and every aligned step."""
    stat = result.stat()
    found, with_changed, _ = _shares(stat)
    doc = {
        "a": a_name,
        "b": b_name,
        "same": result.same,
        "stat": stat,
        "found_in_a_percent": round(found, 1),
        "found_or_changed_percent": round(with_changed, 1),
        "steps": [_entry_json(e) for e in result.entries],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _entry_json(e: Entry) -> dict[str, object]:
    def side(s: Step | None) -> dict[str, object] | None:
        if s is None:
            return None
        return {"who": s.who, "text": s.text, "line": s.line,
                "anchor": str(s.anchor) if s.anchor else None}
    return {"op": e.op, "kind": e.kind, "a": side(e.a), "b": side(e.b)}
