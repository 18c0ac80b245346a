"""Export a diagram as PlantUML or Mermaid text (the table in WSD.md).

What has no equivalent is kept as a comment in the output and reported once
per kind (`Export.dropped`), at the first line where it occurs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from tracer.problems import Problem
from tracer.wsd.emit import autonumber_text, lost_found_text
from tracer.wsd.model import (
    Autonumber, Comment, Delay, Diagram, Directive, Divider, Group, Lifeline, LostFound, Message,
    Note, Parallel, Participant, Statement,
)

TARGETS = ("plantuml", "mermaid")


@dataclass(frozen=True)
class Export:
    text: str
    dropped: tuple[Problem, ...]


class _Writer:
    """Shared walk; subclasses say how each statement reads in their syntax."""

    comment_mark = "'"
    name = ""

    def __init__(self, diagram: Diagram, path: str) -> None:
        self.diagram, self.path = diagram, path
        self.lines: list[str] = []
        self.depth = 0
        self.first: dict[str, int] = {}
        self.count: Counter[str] = Counter()

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def keep(self, what: str, source_line: int, text: str) -> None:
        """No equivalent: keep the WSD text as a comment and note it once."""
        self.emit(f"{self.comment_mark} {text}".rstrip())
        self.first.setdefault(what, source_line)
        self.count[what] += 1

    def dropped(self) -> tuple[Problem, ...]:
        out = []
        for what, line in self.first.items():
            more = self.count[what] - 1
            tail = f" (and {more} more)" if more else ""
            out.append(Problem(self.path, line, f"no {self.name} equivalent for {what}; "
                                                f"kept as a comment{tail}"))
        return tuple(out)

    def statements(self, stmts: tuple[Statement, ...]) -> None:
        for s in stmts:
            if isinstance(s, Participant):
                continue  # all declared up front, in order
            if isinstance(s, Message):
                self.message(s)
            elif isinstance(s, Note):
                self.note(s)
            elif isinstance(s, Lifeline):
                self.lifeline(s)
            elif isinstance(s, Group):
                self.group(s)
            elif isinstance(s, Comment):
                self.emit(f"{self.comment_mark} {s.text}".rstrip())
            elif isinstance(s, Directive):
                self.directive(s)
            elif isinstance(s, Autonumber):
                self.autonumber(s)
            elif isinstance(s, LostFound):
                self.lost_found(s)
            elif isinstance(s, Divider):
                self.divider(s)
            elif isinstance(s, Delay):
                self.delay(s)
            elif isinstance(s, Parallel):
                self.parallel(s)

    def parallel(self, p: Parallel) -> None:
        """No equivalent: the steps one after the other, between comments."""
        self.keep("'parallel' blocks (steps drawn one after the other)", p.line, "parallel {")
        self.statements(p.steps)
        self.emit(f"{self.comment_mark} }}")

    def lost_found(self, m: LostFound) -> None:
        self.keep(f"{m.kind} messages", m.line, lost_found_text(m))

    def divider(self, d: Divider) -> None:
        self.keep("dividers", d.line, f"== {d.text} ==")

    def delay(self, d: Delay) -> None:
        self.keep("delays", d.line, f"...{d.text}...")

    def autonumber(self, a: Autonumber) -> None:
        self.emit(autonumber_text(a))

    def message(self, m: Message) -> None: ...
    def note(self, n: Note) -> None: ...
    def lifeline(self, s: Lifeline) -> None: ...
    def group(self, g: Group) -> None: ...
    def directive(self, d: Directive) -> None: ...


class _PlantUML(_Writer):
    name = "PlantUML"

    def run(self) -> str:
        self.emit("@startuml")
        if self.diagram.title:
            self.emit(f"title {self.diagram.title}")
        for p in self.diagram.participants():
            label = f'"{p.label}" as ' if p.label is not None else ""
            self.emit(f"{p.kind} {label}{_quote_name(p.name)}")
        self.statements(self.diagram.statements)
        self.emit("@enduml")
        return "\n".join(self.lines) + "\n"

    def message(self, m: Message) -> None:
        body = "--" if m.style == "dotted" else "-"
        arrow = ("<" if m.both_ways else "") + body + (">>" if m.head == "open" else ">")
        act = {"+": " ++", "-": " --", "*": " **", "": ""}[m.activation]
        text = f" : {m.text}" if m.text else ""
        self.emit(f"{_quote_name(m.source)} {arrow} {_quote_name(m.target)}{act}{text}")

    def note(self, n: Note) -> None:
        who = ", ".join(_quote_name(p) for p in n.participants)
        keyword = {"note": "note", "state": "hnote", "ref": "ref"}[n.kind]
        if "\n" in n.text:
            self.emit(f"{keyword} {n.position} {who}")
            for line in n.text.split("\n"):
                self.emit(line)
            self.emit("end ref" if n.kind == "ref" else "end note" if n.kind == "note" else "endhnote")
        else:
            self.emit(f"{keyword} {n.position} {who} : {n.text}")

    def lifeline(self, s: Lifeline) -> None:
        self.emit(f"{s.action} {_quote_name(s.participant)}")

    def lost_found(self, m: LostFound) -> None:
        arrow = ("--" if m.style == "dotted" else "-") + (">>" if m.head == "open" else ">")
        who = _quote_name(m.participant)
        ends = f"{who} {arrow}]" if m.kind == "lost" else f"[{arrow} {who}"
        self.emit(f"{ends} : {m.text}" if m.text else ends)

    def divider(self, d: Divider) -> None:
        self.emit(f"== {d.text} ==")

    def delay(self, d: Delay) -> None:
        self.emit(f"...{d.text}..." if d.text else "...")

    def autonumber(self, a: Autonumber) -> None:
        self.emit("autonumber stop" if a.start is None else f"autonumber {a.start}")

    def group(self, g: Group) -> None:
        for k, branch in enumerate(g.branches):
            self.depth -= bool(k)
            self.emit(f"{g.kind if not k else 'else'} {branch.label}".rstrip())
            self.depth += 1
            self.statements(branch.steps)
        self.depth -= 1
        self.emit("end")

    def directive(self, d: Directive) -> None:
        text = d.text.strip()
        if text.replace(" ", "") == "optionfooter=none":
            self.emit("hide footbox")
        else:
            self.keep(f"'{text.split()[0]}'", d.line, text)


def _quote_name(name: str) -> str:
    return name if re.fullmatch(r"\w+", name) else f'"{name}"'


# Mermaid lexes these words as keywords even at the start of a longer name.
_MERMAID_KEYWORDS = (
    "participant", "actor", "create", "destroy", "box", "loop", "rect", "opt", "alt", "else",
    "par", "and", "critical", "option", "break", "end", "left of", "right of", "links", "link",
    "properties", "details", "over", "note", "activate", "deactivate", "title", "autonumber",
    "off", "sequencediagram", "accdescr", "acctitle",
)
_MERMAID_ARROWS = {("solid", "filled"): "->>", ("dotted", "filled"): "-->>",
                   ("solid", "open"): "-)", ("dotted", "open"): "--)"}
_MERMAID_BLOCKS = {"alt": "else", "par": "and", "critical": "option", "opt": None,
                   "loop": None, "break": None}


_ENTITIES = {"#": "#35;", ";": "#59;", "<": "#lt;", ">": "#gt;"}


def mermaid_text(text: str) -> str:
    """Text safe in a Mermaid label: entity codes for `#` and `;`, no bare `end`."""
    text = re.sub(r"[#;<>]", lambda m: _ENTITIES[m[0]], text)
    text = re.sub(r"\bend\b", lambda m: f"#{ord(m[0][0])};{m[0][1:]}", text, flags=re.IGNORECASE)
    return text.replace("\\n", "<br/>").replace("\n", "<br/>").strip() or " "


def mermaid_id(name: str, taken: set[str]) -> str:
    """A participant id the Mermaid lexer reads as one name, unique."""
    ident = re.sub(r"\W", "_", name) or "p"
    low = ident.lower()
    if ident[0].isdigit() or any(low.startswith(k.replace(" ", "")) for k in _MERMAID_KEYWORDS):
        ident = "p_" + ident
    base, n = ident, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


class _Mermaid(_Writer):
    comment_mark = "%%"
    name = "Mermaid"

    def __init__(self, diagram: Diagram, path: str) -> None:
        super().__init__(diagram, path)
        taken: set[str] = set()
        self.ids = {p.name: mermaid_id(p.name, taken) for p in diagram.participants()}
        self.active: Counter[str] = Counter()
        self.last_message: tuple[int, Message] | None = None

    def run(self) -> str:
        self.emit("sequenceDiagram")
        self.depth = 1
        if self.diagram.title:
            self.emit(f"title {mermaid_text(self.diagram.title).replace('<br/>', ' ')}")
        for p in self.diagram.participants():
            shown = p.display
            alias = f" as {mermaid_text(shown)}" if shown != self.ids[p.name] else ""
            self.emit(f"{p.kind} {self.ids[p.name]}{alias}")
        self.statements(self.diagram.statements)
        return "\n".join(self.lines) + "\n"

    def message(self, m: Message) -> None:
        arrow = _MERMAID_ARROWS[m.style, m.head]
        act = m.activation
        if m.both_ways:
            self.keep("both-way arrows (drawn one way)", m.line, f"{m.source}<->{m.target} (both ways)")
        if act == "*":
            self.keep("'->*' (created as an ordinary participant)", m.line,
                      f"{m.source}->*{m.target}")
            act = ""
        if act == "-" and not self.active[m.source]:
            self.keep("'->-' of an inactive participant", m.line, f"{m.source}->-{m.target}")
            act = ""
        if act == "+":
            self.active[m.target] += 1
        elif act == "-":
            self.active[m.source] -= 1
        self.last_message = (len(self.lines), m)
        self.emit(f"{self.ids[m.source]}{arrow}{act}{self.ids[m.target]}: {mermaid_text(m.text)}")

    def note(self, n: Note) -> None:
        if n.kind != "note":
            self.keep(f"'{n.kind} over'", n.line, f"{n.kind} {n.position} {','.join(n.participants)}: {n.text}")
            return
        order = [p.name for p in self.diagram.participants()]
        who = sorted(set(n.participants), key=order.index)
        if n.position == "over":
            if len(who) > 2:
                self.keep("notes over more than 2 participants (spanned first to last)", n.line,
                          f"note over {','.join(n.participants)}")
            ends = [who[0], who[-1]] if len(who) > 1 else who
            where = "over " + ",".join(self.ids[p] for p in ends)
        else:
            where = f"{n.position} {self.ids[who[0] if n.position == 'left of' else who[-1]]}"
        self.emit(f"Note {where}: {mermaid_text(n.text)}")

    def lifeline(self, s: Lifeline) -> None:
        who = self.ids[s.participant]
        if s.action == "activate":
            self.active[s.participant] += 1
            self.emit(f"activate {who}")
        elif s.action == "deactivate":
            if not self.active[s.participant]:
                self.keep("'deactivate' of an inactive participant", s.line, f"deactivate {s.participant}")
                return
            self.active[s.participant] -= 1
            self.emit(f"deactivate {who}")
        else:
            self._destroy(s)

    def _destroy(self, s: Lifeline) -> None:
        """Mermaid puts `destroy X` before the message that ends X."""
        last = self.last_message
        if last is None or s.participant not in (last[1].source, last[1].target):
            self.keep("'destroy' not after a message to it", s.line, f"destroy {s.participant}")
            return
        index, _ = last
        indent = self.lines[index][: len(self.lines[index]) - len(self.lines[index].lstrip())]
        self.lines.insert(index, f"{indent}destroy {self.ids[s.participant]}")
        self.active[s.participant] = 0
        self.last_message = None

    def group(self, g: Group) -> None:
        if g.kind not in _MERMAID_BLOCKS:
            self.keep(f"'{g.kind}' groups (contents kept, frame dropped)", g.line, f"{g.kind} {g.branches[0].label if g.branches else ''}")
            for b in g.branches:
                self.statements(b.steps)
            self.emit("%% end")
            return
        divider = _MERMAID_BLOCKS[g.kind]
        for k, branch in enumerate(g.branches):
            label = mermaid_text(branch.label) if branch.label else ""
            if not k:
                self.emit(f"{g.kind} {label}".rstrip())
            elif divider:
                self.depth -= 1
                self.emit(f"{divider} {label}".rstrip())
            else:
                self.keep(f"'else' in '{g.kind}'", branch.line, f"else {branch.label}")
                self.depth -= 1
            self.depth += 1
            self.statements(branch.steps)
        self.depth -= 1
        self.emit("end")

    def directive(self, d: Directive) -> None:
        words = d.text.split()
        self.keep(f"'{words[0] if words else d.text}'", d.line, d.text)


def export(diagram: Diagram, target: str, path: str = "<diagram>") -> Export:
    """The diagram as `target` text (plantuml or mermaid) and what could not be said."""
    writer = _PlantUML(diagram, path) if target == "plantuml" else _Mermaid(diagram, path)
    text = writer.run()
    return Export(text, writer.dropped())
