"""Where the lifelines go: column positions from the measured texts between them.

Every text that sits between or beside lifelines states a minimum distance
between two columns; positions are the smallest that meet them all
(all constraints point left to right, so one pass in order solves them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tracer.render.fonts import Face
from tracer.wsd.model import Diagram, Lifeline, LostFound, Message, Note, walk


@dataclass(frozen=True)
class Spacing:
    """Distances in pixels at scale 1."""

    margin: float = 16
    box_pad_x: float = 10
    box_pad_y: float = 6
    box_gap: float = 24
    bar_w: float = 10
    bar_step: float = 5
    label_pad: float = 6
    note_pad_x: float = 8
    note_pad_y: float = 5
    note_gap: float = 6
    note_ext: float = 14
    self_w: float = 28
    row_gap: float = 8
    frame_pad: float = 10
    dot_r: float = 4


SPACING = Spacing()


def max_depths(diagram: Diagram) -> dict[str, int]:
    """The deepest activation nesting each participant reaches."""
    depth: dict[str, int] = defaultdict(int)
    deepest: dict[str, int] = defaultdict(int)

    def push(name: str) -> None:
        depth[name] += 1
        deepest[name] = max(deepest[name], depth[name])

    for stmt in walk(diagram.statements):
        if isinstance(stmt, Message):
            if stmt.activation == "+":
                push(stmt.target)
            elif stmt.activation == "-":
                depth[stmt.source] = max(0, depth[stmt.source] - 1)
        elif isinstance(stmt, Lifeline):
            if stmt.action == "activate":
                push(stmt.participant)
            elif stmt.action == "deactivate":
                depth[stmt.participant] = max(0, depth[stmt.participant] - 1)
            else:
                depth[stmt.participant] = 0
    return dict(deepest)


def bar_allowance(depth: int, sp: Spacing = SPACING) -> float:
    """How far activation bars reach either side of a lifeline at most."""
    return 0.0 if depth <= 0 else sp.bar_w / 2 + (depth - 1) * sp.bar_step


def lost_found_reach(face: Face, text: str, sp: Spacing = SPACING) -> float:
    """How far a lost or found message reaches from its lifeline to its dot."""
    w = face.measure(text)[0] if text else 0.0
    return max(40.0, w + 2 * sp.label_pad + 2 * sp.dot_r)


class Columns:
    """Collects `x[j] - x[i] >= d` constraints and solves them."""

    def __init__(self, diagram: Diagram, face: Face, sp: Spacing = SPACING) -> None:
        self.sp = sp
        self.face = face
        self.names = [p.name for p in diagram.participants()]
        self.index = {n: i for i, n in enumerate(self.names)}
        depths = max_depths(diagram)
        self.allow = [bar_allowance(depths.get(n, 0), sp) for n in self.names]
        self.box_w = [face.measure(p.display)[0] + 2 * sp.box_pad_x for p in diagram.participants()]
        self.need: dict[tuple[int, int], float] = {}
        for i in range(len(self.names) - 1):
            self._require(i, i + 1, (self.box_w[i] + self.box_w[i + 1]) / 2 + sp.box_gap)
        for stmt in walk(diagram.statements):
            if isinstance(stmt, Message):
                self._message(stmt)
            elif isinstance(stmt, Note):
                self._note(stmt)
            elif isinstance(stmt, LostFound):
                self._lost_found(stmt)

    def _require(self, i: int, j: int, d: float) -> None:
        if 0 <= i < j < len(self.names):
            self.need[i, j] = max(self.need.get((i, j), 0.0), d)

    def _message(self, msg: Message) -> None:
        sp, i, j = self.sp, self.index[msg.source], self.index[msg.target]
        w = self.face.measure(msg.text)[0] if msg.text else 0.0
        if i == j:
            reach = self.allow[i] + sp.self_w + 2 * sp.label_pad + w
            self._require(i, i + 1, reach + self.allow[min(i + 1, len(self.allow) - 1)])
            return
        a, b = min(i, j), max(i, j)
        end_b = self.box_w[j] / 2 if msg.activation == "*" else self.allow[b]
        end_a = self.box_w[j] / 2 if msg.activation == "*" and j == a else self.allow[a]
        self._require(a, b, end_a + end_b + w + 2 * sp.label_pad + 8)

    def _lost_found(self, msg: LostFound) -> None:
        i = self.index[msg.participant]
        reach = lost_found_reach(self.face, msg.text, self.sp) + self.allow[i] + 8
        if msg.kind == "lost":
            self._require(i, i + 1, reach + self.allow[min(i + 1, len(self.allow) - 1)])
        else:
            self._require(i - 1, i, reach + self.allow[max(i - 1, 0)])

    def note_width(self, note: Note) -> float:
        w = self.face.measure(note.text)[0] + 2 * self.sp.note_pad_x
        if note.kind == "ref":  # its "ref" tag sits on a line of its own
            w = max(w, self.face.width("ref") + 2 * self.sp.note_pad_x)
        idx = [self.index[p] for p in note.participants]
        return max(w, 2 * max(self.allow[k] for k in idx) + 2 * self.sp.note_pad_x)

    def _note(self, note: Note) -> None:
        sp = self.sp
        idx = sorted(self.index[p] for p in note.participants)
        a, b, w = idx[0], idx[-1], self.note_width(note)
        if note.position == "left of":
            self._require(a - 1, a, self.allow[a - 1] + sp.note_gap * 2 + w + self.allow[a])
        elif note.position == "right of":
            self._require(b, b + 1, self.allow[b] + sp.note_gap * 2 + w + self.allow[b + 1 if b + 1 < len(self.allow) else b])
        else:
            half = max(w / 2, sp.note_ext) if a == b else sp.note_ext
            if a != b:
                self._require(a, b, w - 2 * sp.note_ext)
            self._require(a - 1, a, half + sp.note_gap + self.allow[a - 1])
            self._require(b, b + 1, half + sp.note_gap + self.allow[b + 1 if b + 1 < len(self.allow) else b])

    def solve(self) -> dict[str, float]:
        """Column centres, the first at 0 (one pass over the constraints, by column)."""
        into: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for (i, j), d in self.need.items():
            into[j].append((i, d))
        xs: list[float] = []
        for j in range(len(self.names)):
            xs.append(max([0.0] + [xs[i] + d for i, d in into[j]]))
        return dict(zip(self.names, xs))
