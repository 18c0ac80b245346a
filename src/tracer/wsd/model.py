"""The diagram model shared by the parser, the tracer, diff, lint and renderers.

Every element remembers the line it came from (`line`), but lines are left out
of equality so that a diagram parsed from its own emitted text compares equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Union

LineStyle = Literal["solid", "dotted"]
Head = Literal["filled", "open"]
Activation = Literal["+", "-", "*", ""]
NotePosition = Literal["over", "left of", "right of"]
NoteKind = Literal["note", "state", "ref"]
LifelineAction = Literal["activate", "deactivate", "destroy"]
GroupKind = Literal["alt", "opt", "loop", "par", "group", "critical", "break"]


@dataclass(frozen=True)
class Anchor:
    """A place in the source a section of the diagram describes.

    `path` is relative to the source tree (`pkg/compute/api.py`), `func` is
    `name` or `Class.name` without parentheses; either may be None.
    """

    path: str | None
    func: str | None
    line: int = field(default=0, compare=False)

    def __str__(self) -> str:
        parts = [p for p in (self.path, f"{self.func}()" if self.func else None) if p]
        return " ".join(parts)


@dataclass(frozen=True)
class Participant:
    """A lifeline; `label` is the displayed name when an alias is used."""

    name: str
    label: str | None = None
    kind: Literal["participant", "actor"] = "participant"
    line: int = field(default=0, compare=False)

    @property
    def display(self) -> str:
        return self.label if self.label is not None else self.name


@dataclass(frozen=True)
class Message:
    source: str
    target: str
    text: str
    style: LineStyle = "solid"
    head: Head = "filled"
    both_ways: bool = False
    activation: Activation = ""
    line: int = field(default=0, compare=False)

    @property
    def is_self(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class Note:
    """`note over A,B: text`; also `state over` and `ref over` (premium)."""

    position: NotePosition
    participants: tuple[str, ...]
    text: str
    kind: NoteKind = "note"
    multiline: bool = False
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Lifeline:
    action: LifelineAction
    participant: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Comment:
    """`# text`; `level` counts the leading `#` (headings use two or three)."""

    text: str
    level: int = 1
    line: int = field(default=0, compare=False)

    @property
    def anchor(self) -> Anchor | None:
        return parse_anchor(self.text, self.line)


@dataclass(frozen=True)
class LostFound:
    """A message to or from outside the diagram: `A->]: t` (lost), `[->A: t` (found)."""

    kind: Literal["lost", "found"]
    participant: str
    text: str
    style: LineStyle = "solid"
    head: Head = "filled"
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Divider:
    """`== text ==`: a line across the diagram with a label."""

    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Delay:
    """`...text...`: time passes; the lifelines are broken for a moment."""

    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Autonumber:
    """`autonumber [n]` numbers the messages from n (1 if left out); `autonumber off` stops."""

    start: int | None = 1
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Directive:
    """A statement kept verbatim: `option footer=none`, unknown ones."""

    text: str
    known: bool = True
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Branch:
    """One arm of a group: the `alt` part, or an `else` part."""

    label: str
    steps: tuple["Statement", ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Group:
    kind: GroupKind
    branches: tuple[Branch, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Parallel:
    """`parallel {` ... `}`: the steps inside happen at the same time.

    Read as a group of one unlabelled branch by code that walks any statement
    with `kind` and `branches`.
    """

    steps: tuple["Statement", ...]
    line: int = field(default=0, compare=False)
    kind: ClassVar[str] = "parallel"

    @property
    def branches(self) -> tuple[Branch, ...]:
        return (Branch("", self.steps, self.line),)


Statement = Union[Participant, Message, Note, Lifeline, Comment, Directive, Group, LostFound,
                  Divider, Delay, Autonumber, Parallel]


@dataclass(frozen=True)
class Diagram:
    """A whole diagram: its title and statements in order.

    Participant declarations are statements, kept where they stood; the full
    participant order, implied ones included, is `participants()`.
    """

    title: str | None
    statements: tuple[Statement, ...]

    def participants(self) -> tuple[Participant, ...]:
        seen: dict[str, Participant] = {}
        for stmt in walk(self.statements):
            for name, decl in _names_of(stmt):
                if name not in seen:
                    seen[name] = decl or Participant(name, line=stmt.line)
        return tuple(seen.values())

    def anchors(self) -> tuple[Anchor, ...]:
        return tuple(
            a for s in walk(self.statements) if isinstance(s, Comment) and (a := s.anchor)
        )


def walk(statements: tuple[Statement, ...]):
    """Every statement in document order, groups and parallel blocks before their contents."""
    for stmt in statements:
        yield stmt
        if isinstance(stmt, Group):
            for branch in stmt.branches:
                yield from walk(branch.steps)
        elif isinstance(stmt, Parallel):
            yield from walk(stmt.steps)


def _names_of(stmt: Statement) -> list[tuple[str, Participant | None]]:
    if isinstance(stmt, Participant):
        return [(stmt.name, stmt)]
    if isinstance(stmt, Message):
        return [(stmt.source, None), (stmt.target, None)]
    if isinstance(stmt, Note):
        return [(p, None) for p in stmt.participants]
    if isinstance(stmt, (Lifeline, LostFound)):
        return [(stmt.participant, None)]
    return []


_PATH = r"[\w./-]+\.py"
_FUNC = r"(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*"
_ANCHOR_MAX = 1000
_ANCHOR = re.compile(rf"^(?:(?P<path>{_PATH}))?\s*(?:(?P<func>{_FUNC})\s*\(\s*\))?\s*$")


def parse_anchor(text: str, line: int = 0) -> Anchor | None:
    """`pkg/compute/api.py pause()` -> Anchor; free text -> None."""
    if len(text) > _ANCHOR_MAX:
        return None  # prose, not a path and a name
    m = _ANCHOR.match(text.strip())
    if not m or not (m.group("path") or m.group("func")):
        return None
    return Anchor(m.group("path"), m.group("func"), line)
