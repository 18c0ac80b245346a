"""Diagram -> canonical WSD text: deterministic, and parses back to an equal diagram."""

from __future__ import annotations

import re
from functools import lru_cache

from tracer.wsd.model import (
    Autonumber,
    Comment,
    Delay,
    Diagram,
    Directive,
    Divider,
    Group,
    Lifeline,
    LostFound,
    Message,
    Note,
    Parallel,
    Participant,
    Statement,
)

INDENT = "    "
_SAFE_NAME = re.compile(r"^[\w.]+(?:-+[\w.]+)*$")
_KEYWORDS = frozenset(
    "participant actor note state ref activate deactivate destroy alt else opt loop par "
    "group critical break end title autonumber option parallel".split()
)


def emit(diagram: Diagram) -> str:
    """Canonical WSD text: title first, then the statements in order."""
    lines: list[str] = []
    if diagram.title is not None:
        lines.append(f"title {diagram.title}".rstrip())
    previous: Statement | None = None
    for stmt in diagram.statements:
        if _starts_section(previous, stmt) or (previous is None and lines):
            lines.append("")
        lines.extend(emit_statement(stmt, 0))
        previous = stmt
    return "\n".join(lines) + "\n"


def _starts_section(previous: Statement | None, stmt: Statement) -> bool:
    """A blank line goes before a run of comments and after the declarations."""
    if previous is None or isinstance(previous, Comment):
        return False
    return isinstance(stmt, Comment) or (
        isinstance(previous, Participant) and not isinstance(stmt, Participant)
    )


def emit_statement(stmt: Statement, depth: int) -> list[str]:
    """The line(s) of one statement, indented `depth` levels."""
    pad = INDENT * depth
    if isinstance(stmt, Group):
        return _group(stmt, depth)
    if isinstance(stmt, Parallel):
        inner = [line for s in stmt.steps for line in emit_statement(s, depth + 1)]
        return [pad + "parallel {", *inner, pad + "}"]
    if isinstance(stmt, Note):
        return [pad + line for line in _note(stmt)]
    return [pad + _simple(stmt)]


def _simple(stmt: Statement) -> str:
    if isinstance(stmt, Participant):
        return _participant(stmt)
    if isinstance(stmt, Message):
        return message_text(stmt)
    if isinstance(stmt, Lifeline):
        return f"{stmt.action} {quote(stmt.participant)}"
    if isinstance(stmt, Comment):
        return ("#" * stmt.level + " " + stmt.text).rstrip()
    if isinstance(stmt, Directive):
        return stmt.text
    if isinstance(stmt, LostFound):
        return lost_found_text(stmt)
    if isinstance(stmt, Divider):
        return f"== {stmt.text} =="
    if isinstance(stmt, Delay):
        return f"... {stmt.text} ..." if stmt.text else "..."
    if isinstance(stmt, Autonumber):
        return autonumber_text(stmt)
    raise TypeError(f"not a statement: {stmt!r}")


@lru_cache(maxsize=4096)
def quote(name: str) -> str:
    """A participant name as written: bare when safe, else in double quotes."""
    if _SAFE_NAME.match(name) and name.lower() not in _KEYWORDS and not name.startswith("."):
        return name
    return f'"{name}"'


def arrow(msg: Message) -> str:
    """`->`, `-->`, `->>`, `<->`... for a message's style, head and direction."""
    body = "--" if msg.style == "dotted" else "-"
    head = ">>" if msg.head == "open" else ">"
    return ("<" if msg.both_ways else "") + body + head


def message_text(msg: Message) -> str:
    """`A->+B: text` (no `:` when the text is empty)."""
    line = f"{quote(msg.source)}{arrow(msg)}{msg.activation}{quote(msg.target)}"
    return f"{line}: {msg.text}" if msg.text else line


def lost_found_text(msg: LostFound) -> str:
    """`A->]: text` (lost) or `[->A: text` (found)."""
    body = "--" if msg.style == "dotted" else "-"
    arrow = body + (">>" if msg.head == "open" else ">")
    ends = f"{quote(msg.participant)}{arrow}]" if msg.kind == "lost" else f"[{arrow}{quote(msg.participant)}"
    return f"{ends}: {msg.text}" if msg.text else ends


def autonumber_text(stmt: Autonumber) -> str:
    """`autonumber` (from 1), `autonumber 5`, `autonumber off`."""
    if stmt.start is None:
        return "autonumber off"
    return "autonumber" if stmt.start == 1 else f"autonumber {stmt.start}"


def _participant(p: Participant) -> str:
    if p.label is not None:
        return f'{p.kind} "{p.label}" as {quote(p.name)}'
    return f"{p.kind} {quote(p.name)}"


def note_head(note: Note) -> str:
    """`note over A,B` without the text."""
    who = ",".join(quote(p) for p in note.participants)
    return f"{note.kind} {note.position} {who}"


def _note(note: Note) -> list[str]:
    if not note.multiline and "\n" not in note.text:
        return [f"{note_head(note)}: {note.text}".rstrip()]
    body = [INDENT + line if line else "" for line in note.text.split("\n")] if note.text else []
    end = "end ref" if note.kind == "ref" else "end note"
    return [note_head(note), *body, end]


def _group(group: Group, depth: int) -> list[str]:
    pad = INDENT * depth
    lines: list[str] = []
    for i, branch in enumerate(group.branches):
        keyword = group.kind if i == 0 else "else"
        lines.append(f"{pad}{keyword} {branch.label}".rstrip())
        for stmt in branch.steps:
            lines.extend(emit_statement(stmt, depth + 1))
    lines.append(f"{pad}end")
    return lines
