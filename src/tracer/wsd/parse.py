"""WSD text -> Diagram, tolerant: odd input becomes warnings, never an exception.

The parser reads line by line in time linear in the text: each statement is
recognised by its first word or character and split with plain string
operations (no regular expression that can backtrack over a long line).
Open groups, parallel blocks and multi-line notes are kept on a small stack,
at most `MAX_DEPTH` deep; lifelines are tracked only to warn about suspicious
(de)activation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tracer.problems import Problem, TracerError
from tracer.wsd.model import (
    Autonumber,
    Branch,
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
    walk,
)
from tracer.wsd.reader import read_wsd

MAX_DEPTH = 64  # groups and parallel blocks inside each other; deeper ones are kept as text
QUOTE_LIMIT = 80  # characters of the diagram a warning quotes at most

GROUP_KINDS = frozenset("alt opt loop par group critical break".split())
_ARROW = re.compile(r"<?--?>>?")  # ->  -->  ->>  -->>  <->  <-->  <->>  <-->>
_NOT_IN_NAME = re.compile(r'[\s:,"<>]')
_WHO = re.compile(r'(?:"[^"\n]*"|[^:"])*')  # names up to the first ':' outside quotes
_NAMES = re.compile(r'\s*("[^"\n]*"|[^,]+)')


@dataclass(frozen=True)
class Parsed:
    """A parsed diagram and the warnings met on the way."""

    diagram: Diagram
    problems: tuple[Problem, ...]


@dataclass
class _Frame:
    """An open group or parallel block: its kind, the line it opened on, its branches so far."""

    kind: str
    line: int
    branches: list[tuple[str, int, list[Statement]]]


@dataclass
class _NoteBlock:
    """A multi-line note being read until its `end note`."""

    kind: str
    position: str
    who: tuple[str, ...]
    line: int
    lines: list[str] = field(default_factory=list)


def clipped(text: str, limit: int = QUOTE_LIMIT) -> str:
    """At most `limit` characters of `text`, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` for a warning: in quotes, on one line, at most `limit` characters of it."""
    return repr(clipped(text, limit))


def _head(text: str) -> tuple[str, str]:
    """The first word and the rest (left-stripped)."""
    parts = text.split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.title: str | None = None
        self.top: list[Statement] = []
        self.frames: list[_Frame] = []
        self.note: _NoteBlock | None = None
        self.too_deep = 0  # groups opened past MAX_DEPTH and not yet ended
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
        if line[:3].lower() == "end" and [w.lower() for w in line.split()] in (
                ["end", "note"], ["end", "ref"], ["end", "state"]):
            self._close_note()
        else:
            self.note.lines.append(line)

    def _close_note(self) -> None:
        assert self.note is not None
        b = self.note
        self.add(Note(b.position, b.who, "\n".join(b.lines), b.kind, True, line=b.line))  # type: ignore[arg-type]
        self.note = None

    def _statement(self, line: str, n: int) -> None:
        if line[0] == "#":
            hashes = len(line) - len(line.lstrip("#"))
            self.add(Comment(line[hashes:].strip(), hashes, line=n))
            return
        word, rest = _head(line)
        keyword = word.lower()
        for handler in (self._title, self._participant, self._note, self._lifeline,
                        self._group, self._directive, self._divider_or_delay, self._message):
            if handler(keyword, rest, line, n):
                return
        self.warn(n, f"unknown statement {quoted(line)}, kept as is")
        self.add(Directive(line, known=False, line=n))

    def _title(self, keyword: str, rest: str, line: str, n: int) -> bool:
        if keyword != "title":
            return False
        if self.title is not None:
            self.warn(n, "second title replaces the first")
        self.title = rest
        return True

    def _participant(self, keyword: str, rest: str, line: str, n: int) -> bool:
        if keyword not in ("participant", "actor") or not rest:
            return False
        name, alias = _split_alias(rest)
        kind = "actor" if keyword == "actor" else "participant"
        if alias is not None:
            self.add(Participant(_unquote(alias), _unquote(name), kind, line=n))
        else:
            self.add(Participant(_unquote(name), None, kind, line=n))
        return True

    def _note(self, keyword: str, rest: str, line: str, n: int) -> bool:
        if keyword not in ("note", "state", "ref"):
            return False
        place, rest = _head(rest)
        position = place.lower()
        if position in ("left", "right"):
            of, rest = _head(rest)
            if of.lower() != "of":
                return False
            position += " of"
        elif position != "over":
            return False
        end = _WHO.match(rest).end()  # type: ignore[union-attr]
        if end < len(rest) and rest[end] != ":":
            return False  # a stray quote
        who, text = rest[:end], (rest[end + 1:] if end < len(rest) else None)
        names = _split_names(who)
        if not names:
            return False
        if text is None and _has_spaced_name(who):
            return False  # `note over A check x`: a missing ':', not a block to read to the end
        if text is None:
            self.note = _NoteBlock(keyword, position, names, n)
        else:
            self.add(Note(position, names, text.strip(), keyword, False, line=n))  # type: ignore[arg-type]
        return True

    def _lifeline(self, keyword: str, rest: str, line: str, n: int) -> bool:
        if keyword not in ("activate", "deactivate", "destroy") or not rest:
            return False
        who = _unquote(rest)
        self.add(Lifeline(keyword, who, line=n))  # type: ignore[arg-type]
        self._track(keyword, who, n)
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
            self.warn(n, f"deactivate {clipped(who)}: {clipped(who)} is not active")

    def _group(self, keyword: str, rest: str, line: str, n: int) -> bool:
        if keyword in GROUP_KINDS:
            return self._open(keyword, rest, line, n)
        in_group = bool(self.frames) and self.frames[-1].kind != "parallel"
        if keyword == "else" and (self.too_deep or in_group):
            if self.too_deep:
                self.add(Directive(line, known=False, line=n))
            else:
                self.frames[-1].branches.append((rest, n, []))
            return True
        if keyword == "end" and not rest and (self.too_deep or in_group):
            if self.too_deep:
                self.too_deep -= 1
                self.add(Directive(line, known=False, line=n))
            else:
                self._close()
            return True
        return False

    def _open(self, kind: str, label: str, line: str, n: int) -> bool:
        """A new group or parallel block, or, past MAX_DEPTH, its line kept as text."""
        if self.too_deep or len(self.frames) >= MAX_DEPTH:
            if not self.too_deep:
                self.warn(n, f"groups nested more than {MAX_DEPTH} deep; "
                             "the deeper ones are kept as plain text")
            self.too_deep += 1
            self.add(Directive(line, known=False, line=n))
        else:
            self.frames.append(_Frame(kind, n, [(label, n, [])]))
        return True

    def _close(self) -> None:
        frame = self.frames.pop()
        if frame.kind == "parallel":
            self.add(Parallel(tuple(frame.branches[0][2]), line=frame.line))
            return
        branches = tuple(Branch(label, tuple(steps), line=ln) for label, ln, steps in frame.branches)
        self.add(Group(frame.kind, branches, line=frame.line))  # type: ignore[arg-type]

    def _directive(self, keyword: str, rest: str, line: str, n: int) -> bool:
        if keyword == "autonumber":
            start = _autonumber(rest)
            if start is False:
                return False
            self.add(Autonumber(start, line=n))  # type: ignore[arg-type]
        elif keyword == "option" and rest:
            self.add(Directive(line, line=n))
        elif line[:8].lower() == "parallel" and line[8:].strip() == "{":
            return self._open("parallel", "", line, n)
        elif line == "}":
            if self.too_deep:  # the end of a block opened too deep
                self.too_deep -= 1
                self.add(Directive(line, known=False, line=n))
            elif self.frames and self.frames[-1].kind == "parallel":
                self._close()
            else:
                return False
        else:
            return False
        return True

    def _divider_or_delay(self, keyword: str, rest: str, line: str, n: int) -> bool:
        if len(line) >= 4 and line.startswith("==") and line.endswith("=="):
            self.add(Divider(line[2:-2].strip(), line=n))
        elif line.startswith("...") and line.endswith("..."):
            self.add(Delay(line[3:-3].strip() if len(line) >= 6 else "", line=n))
        else:
            return False
        return True

    def _message(self, keyword: str, rest: str, line: str, n: int) -> bool:
        parts = _split_message(line)
        if parts is None:
            return False
        src, arrow, act, dst, text = parts
        style = "dotted" if "--" in arrow else "solid"
        head = "open" if arrow.endswith(">>") else "filled"
        if src == "[" or dst == "]":
            if (src == "[") == (dst == "]") or act or arrow.startswith("<"):
                return False
            kind, who = ("found", dst) if src == "[" else ("lost", src)
            self.add(LostFound(kind, _unquote(who), text, style, head, line=n))  # type: ignore[arg-type]
            return True
        src, dst = _unquote(src), _unquote(dst)
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
            self._close_note()
        while self.frames:
            frame = self.frames[-1]
            what = "block opened here is never closed with '}'" if frame.kind == "parallel" \
                else "group opened here is never closed"
            self.warn(frame.line, f"'{frame.kind}' {what}; closed at the end")
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
                self.warn(p.line, f"participant {quoted(p.name)} used but never declared")

    def _check_active(self) -> None:
        for who, lines in self.active.items():
            if lines:
                self.warn(lines[0], f"{clipped(who)} activated here is still active at the end")


def _split_message(line: str) -> tuple[str, str, str, str, str] | None:
    """`A->+B: text` -> (source, arrow, activation, target, text), names as written."""
    if line.startswith('"'):
        close = line.find('"', 1)
        if close < 0:
            return None
        src, rest = line[: close + 1], line[close + 1:].lstrip()
        m = _ARROW.match(rest)
    else:
        m = _ARROW.search(line)
        if m is None:
            return None
        src, rest = line[: m.start()].rstrip(), line
        if not src or src[0] in "+*-" or _NOT_IN_NAME.search(src):
            return None
    if m is None:
        return None
    arrow, rest = m[0], rest[m.end():].lstrip()
    act = rest[:1] if rest[:1] in ("+", "*", "-") else ""
    rest = rest[len(act):].lstrip()
    if rest.startswith('"'):
        close = rest.find('"', 1)
        after = rest[close + 1:].lstrip() if close > 0 else '"'
        if after and after[0] != ":":
            return None
        dst, text = rest[: close + 1], after[1:]
    else:
        colon = rest.find(":")
        dst, text = (rest, "") if colon < 0 else (rest[:colon], rest[colon + 1:])
        if '"' in dst:
            return None
        dst = dst.rstrip()
    if not dst:
        return None
    return src, arrow, act, dst, text.strip()


def _split_alias(rest: str) -> tuple[str, str | None]:
    """`Long name as L` -> ("Long name", "L"); `"a" as "b c"` -> ('"a"', '"b c"')."""
    if rest.endswith('"') and len(rest) > 1:
        start = rest.rfind('"', 0, len(rest) - 1)
        before = rest[:start].rstrip()
        if (start > 0 and rest[start - 1].isspace() and before[-2:].lower() == "as"
                and before[-3:-2].isspace() and before[:-2].strip()):
            return before[:-2].strip(), rest[start:]
    words = rest.rsplit(None, 2)
    if len(words) == 3 and words[1].lower() == "as":
        return words[0], words[2]
    return rest, None


def _autonumber(rest: str) -> int | None | bool:
    """The start of `autonumber [n]`, None for `autonumber off`, False when it is neither."""
    if not rest:
        return 1
    if rest.lower() == "off":
        return None
    if rest.isascii() and rest.isdigit() and len(rest) <= 9:
        return int(rest)
    return False


def _unquote(name: str) -> str:
    """A name without its quotes; a stray `"` cannot be written back, so it is dropped."""
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return name.replace('"', "")


def _names(who: str) -> list[str]:
    """`A, "B,C"` -> ['A', '"B,C"'] (a plain split where no name is quoted)."""
    return who.split(",") if '"' not in who else _NAMES.findall(who)


def _has_spaced_name(who: str) -> bool:
    return any(not n.lstrip().startswith('"') and len(n.split()) > 1 for n in _names(who))


def _split_names(who: str) -> tuple[str, ...]:
    if '"' not in who:
        return tuple(n for n in map(str.strip, who.split(",")) if n)
    return tuple(_unquote(n) for n in _NAMES.findall(who) if n.strip())


def parse_text(text: str, path: str = "<text>") -> Parsed:
    """Parse WSD text; problems come back as warnings, never as exceptions."""
    parser = _Parser(path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # CRLF, and old Macs' lone CR
    for n, raw in enumerate(lines, start=1):
        parser.feed(raw, n)
    return parser.finish(len(lines))


def parse_file(path: Path) -> Parsed:
    """Read (`read_wsd`) and parse a .wsd file; unusable files raise TracerError (exit 2)."""
    return a_diagram(parse_text(read_wsd(path), str(path)), str(path))


def a_diagram(parsed: Parsed, name: str) -> Parsed:
    """The parsed text, unless no line of it is a WSD statement (a text file,
    /etc/passwd): then TracerError, not a diagram of nothing."""
    statements = parsed.diagram.statements
    unknown = [s for s in statements if isinstance(s, Directive) and not s.known]
    if unknown and all(isinstance(s, Comment) or s in unknown for s in statements):
        first = unknown[0].text if len(unknown[0].text) <= 40 else unknown[0].text[:37] + "..."
        raise TracerError(f"{name}: not a diagram: no line is a WSD statement (line {unknown[0].line}: "
                          f"{first!r}); give a .wsd file")
    return parsed
