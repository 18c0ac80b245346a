"""WSD text -> Diagram, tolerant: odd input becomes warnings, never an exception.

The parser reads line by line. Open groups and multi-line notes are kept on a
small stack; lifelines are tracked only to warn about suspicious (de)activation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tracer.problems import Problem, TracerError
from tracer.wsd.model import (
    Branch,
    Comment,
    Diagram,
    Directive,
    Group,
    Lifeline,
    Message,
    Note,
    Participant,
    Statement,
    walk,
)

_NAME = r'"[^"\n]*"|[^\s:,"<>+*-][^\s:,"<>]*?'
_ARROW = r"<-->>|<->>|<-->|<->|-->>|->>|-->|->"
_MESSAGE = re.compile(
    rf"^(?P<src>{_NAME})\s*(?P<arrow>{_ARROW})\s*(?P<act>[+*-]?)\s*"
    rf"(?P<dst>\"[^\"\n]*\"|[^:\"]*?)\s*(?::(?P<text>.*))?$"
)
_PARTICIPANT = re.compile(
    r"^(?P<kind>participant|actor)\s+(?P<name>\"[^\"\n]*\"|.+?)"
    r"(?:\s+as\s+(?P<alias>\"[^\"\n]*\"|\S+))?\s*$",
    re.I,
)
_NOTE = re.compile(
    r"^(?P<kind>note|state|ref)\s+(?P<pos>over|left\s+of|right\s+of)\s+"
    r"(?P<who>(?:\"[^\"\n]*\"|[^:\"])+?)\s*(?::(?P<text>.*))?$",
    re.I,
)
_END_NOTE = re.compile(r"^end\s+(note|ref|state)\s*$", re.I)
_LIFELINE = re.compile(r"^(?P<act>activate|deactivate|destroy)\s+(?P<who>.+?)\s*$", re.I)
_GROUP = re.compile(
    r"^(?P<kind>alt|opt|loop|par|group|critical|break)(?:\s+(?P<label>.*?))?\s*$", re.I
)
_ELSE = re.compile(r"^else(?:\s+(?P<label>.*?))?\s*$", re.I)
_END = re.compile(r"^end\s*$", re.I)
_TITLE = re.compile(r"^title(?:\s+(?P<text>.*?))?\s*$", re.I)
_COMMENT = re.compile(r"^(?P<hashes>#+)\s*(?P<text>.*?)\s*$")
_DIRECTIVE = re.compile(r"^(?:autonumber(?:\s+\S+)?|option\s+.*|parallel\s*\{|\})\s*$", re.I)


@dataclass(frozen=True)
class Parsed:
    """A parsed diagram and the warnings met on the way."""

    diagram: Diagram
    problems: tuple[Problem, ...]


@dataclass
class _Frame:
    """An open group: its kind, the line it opened on, its branches so far."""

    kind: str
    line: int
    branches: list[tuple[str, int, list[Statement]]]


@dataclass
class _NoteBlock:
    """A multi-line note being read until its `end note`."""

    head: re.Match[str]
    line: int
    lines: list[str] = field(default_factory=list)


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.title: str | None = None
        self.top: list[Statement] = []
        self.frames: list[_Frame] = []
        self.note: _NoteBlock | None = None
        self.problems: list[Problem] = []
        self.active: dict[str, list[int]] = {}

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def add(self, stmt: Statement) -> None:
        target = self.frames[-1].branches[-1][2] if self.frames else self.top
        target.append(stmt)

    def feed(self, raw: str, n: int) -> None:
        line = raw.strip()
        if self.note is not None:
            self._feed_note(line, n)
        elif line:
            self._statement(line, n)

    def _feed_note(self, line: str, n: int) -> None:
        assert self.note is not None
        if _END_NOTE.match(line):
            self.add(_note(self.note.head, "\n".join(self.note.lines), True, self.note.line))
            self.note = None
        else:
            self.note.lines.append(line)

    def _statement(self, line: str, n: int) -> None:
        for handler in (self._comment, self._title, self._participant, self._note,
                        self._lifeline, self._group, self._directive, self._message):
            if handler(line, n):
                return
        self.warn(n, f"unknown statement {line!r}, kept as is")
        self.add(Directive(line, known=False, line=n))

    def _comment(self, line: str, n: int) -> bool:
        m = _COMMENT.match(line)
        if m:
            self.add(Comment(m["text"], len(m["hashes"]), line=n))
        return m is not None

    def _title(self, line: str, n: int) -> bool:
        m = _TITLE.match(line)
        if m:
            if self.title is not None:
                self.warn(n, "second title replaces the first")
            self.title = m["text"] or ""
        return m is not None

    def _participant(self, line: str, n: int) -> bool:
        m = _PARTICIPANT.match(line)
        if not m:
            return False
        name, alias = _unquote(m["name"]), m["alias"]
        kind = "actor" if m["kind"].lower() == "actor" else "participant"
        if alias:
            self.add(Participant(_unquote(alias), name, kind, line=n))
        else:
            self.add(Participant(name, None, kind, line=n))
        return True

    def _note(self, line: str, n: int) -> bool:
        m = _NOTE.match(line)
        if not m:
            return False
        if not _split_names(m["who"]):
            return False
        if m["text"] is None and _has_spaced_name(m["who"]):
            return False  # `note over A check x`: a missing ':', not a block to read to the end
        if m["text"] is None:
            self.note = _NoteBlock(m, n)
        else:
            self.add(_note(m, m["text"].strip(), False, n))
        return True

    def _lifeline(self, line: str, n: int) -> bool:
        m = _LIFELINE.match(line)
        if not m:
            return False
        action, who = m["act"].lower(), _unquote(m["who"])
        self.add(Lifeline(action, who, line=n))  # type: ignore[arg-type]
        self._track(action, who, n)
        return True

    def _track(self, action: str, who: str, n: int) -> None:
        stack = self.active.setdefault(who, [])
        if action == "activate":
            stack.append(n)
        elif action == "destroy":
            stack.clear()
        elif stack:
            stack.pop()
        else:
            self.warn(n, f"deactivate {who}: {who} is not active")

    def _group(self, line: str, n: int) -> bool:
        if m := _GROUP.match(line):
            self.frames.append(_Frame(m["kind"].lower(), n, [(m["label"] or "", n, [])]))
            return True
        if m := _ELSE.match(line):
            if not self.frames:
                return False
            self.frames[-1].branches.append((m["label"] or "", n, []))
            return True
        if _END.match(line) and self.frames:
            self._close()
            return True
        return False

    def _close(self) -> None:
        frame = self.frames.pop()
        branches = tuple(Branch(label, tuple(steps), line=ln) for label, ln, steps in frame.branches)
        self.add(Group(frame.kind, branches, line=frame.line))  # type: ignore[arg-type]

    def _directive(self, line: str, n: int) -> bool:
        if _DIRECTIVE.match(line):
            self.add(Directive(line, line=n))
            return True
        return False

    def _message(self, line: str, n: int) -> bool:
        m = _MESSAGE.match(line)
        if not m or not m["dst"]:
            return False
        arrow, act = m["arrow"], m["act"]
        src, dst = _unquote(m["src"]), _unquote(m["dst"])
        text = (m["text"] or "").strip()
        style = "dotted" if "--" in arrow else "solid"
        head = "open" if arrow.endswith(">>") else "filled"
        self.add(Message(src, dst, text, style, head, arrow.startswith("<"), act, line=n))  # type: ignore[arg-type]
        if act == "+":
            self._track("activate", dst, n)
        elif act == "-":
            self._track("deactivate", src, n)
        return True

    def finish(self, last: int) -> Parsed:
        if self.note is not None:
            self.warn(self.note.line, "note never closed with 'end note'; closed at the end")
            while self.note.lines and not self.note.lines[-1]:
                self.note.lines.pop()
            self._feed_note("end note", last)
        while self.frames:
            frame = self.frames[-1]
            self.warn(frame.line, f"'{frame.kind}' group opened here is never closed; closed at the end")
            self._close()
        diagram = Diagram(self.title, tuple(self.top))
        self._check_participants(diagram)
        self._check_active()
        return Parsed(diagram, tuple(sorted(self.problems, key=lambda p: p.line)))

    def _check_participants(self, diagram: Diagram) -> None:
        declared = {s.name for s in walk(diagram.statements) if isinstance(s, Participant)}
        if not declared:
            return  # a diagram that declares none uses implied participants throughout
        for p in diagram.participants():
            if p.name not in declared:
                self.warn(p.line, f"participant {p.name!r} used but never declared")

    def _check_active(self) -> None:
        for who, lines in self.active.items():
            if lines:
                self.warn(lines[0], f"{who} activated here is still active at the end")


def _unquote(name: str) -> str:
    """A name without its quotes; a stray `"` cannot be written back, so it is dropped."""
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return name.replace('"', "")


def _has_spaced_name(who: str) -> bool:
    return any(not n.startswith('"') and len(n.split()) > 1
               for n in re.findall(r'\s*("[^"\n]*"|[^,]+)', who))


def _split_names(who: str) -> tuple[str, ...]:
    names = re.findall(r'\s*("[^"\n]*"|[^,]+)', who)
    return tuple(_unquote(n) for n in names if n.strip())


def _note(m: re.Match[str], text: str, multiline: bool, line: int) -> Note:
    position = " ".join(m["pos"].lower().split())
    return Note(position, _split_names(m["who"]), text, m["kind"].lower(),  # type: ignore[arg-type]
                multiline, line=line)


def parse_text(text: str, path: str = "<text>") -> Parsed:
    """Parse WSD text; problems come back as warnings, never as exceptions."""
    parser = _Parser(path)
    lines = text.split("\n")
    for n, raw in enumerate(lines, start=1):
        parser.feed(raw, n)
    return parser.finish(len(lines))


def parse_file(path: Path) -> Parsed:
    """Read and parse a .wsd file; unusable files raise TracerError (exit 2)."""
    if not path.exists():
        raise TracerError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise TracerError(f"{path}: is a directory; give a .wsd file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise TracerError(f"{path}: cannot read ({err.strerror}); check its permissions") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TracerError(
            f"{path}: not UTF-8 (bad byte at offset {err.start}); save it as UTF-8"
        ) from None
    if not text.strip():
        raise TracerError(f"{path}: empty file; write a diagram in it first")
    return parse_text(text, str(path))
