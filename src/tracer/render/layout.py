"""Lay a diagram out: walk its statements top to bottom into positioned shapes.

Columns come from `columns.py`; here each statement takes a row: a message
its label and arrow, a note its box, a group a header row, then its
branches, then a closing gap. Activation bars are stacks per participant.
At the end everything is shifted so the drawing starts at the margin.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracer.render.columns import SPACING, Columns, Spacing, lost_found_reach
from tracer.render.fonts import Face, Fonts, load_fonts, split_lines
from tracer.render.numbering import number_messages
from tracer.render.shapes import Arrow, Box, Layout, Rect, Rule, Shape, Text, bounds, layer, shift
from tracer.wsd.model import (
    Anchor, Comment, Delay, Diagram, Directive, Divider, Group, Lifeline, LostFound, Message, Note,
    Parallel, Statement, walk,
)

# Shapes whose extent a group frame must enclose (bars and lifelines run through).
_CONTENT = (Text, Arrow)


@dataclass
class _Bar:
    start: float
    depth: int
    line: int


class _Builder:
    def __init__(self, diagram: Diagram, fonts: Fonts, sp: Spacing) -> None:
        self.sp, self.face, self.fonts = sp, fonts.body, fonts
        self.cols = Columns(diagram, fonts.body, sp)
        self.x = self.cols.solve()
        self.participants = diagram.participants()
        self.shapes: list[Shape] = []
        self.bars: dict[str, list[_Bar]] = {p.name: [] for p in self.participants}
        self.ends: dict[str, float] = {}
        self.created: dict[str, float] = {}
        self.born_late = {s.target for s in walk(diagram.statements)
                          if isinstance(s, Message) and s.activation == "*"}
        self.anchor: Anchor | None = None
        self.footer = True
        self.delays: list[tuple[float, float]] = []
        self.y = 0.0
        self.last_arrow: float | None = None

    # -- helpers -------------------------------------------------------------
    def text(self, kind: str, x: float, y: float, text: str, align: str = "left",
             line: int = 0, who: tuple[str, ...] = (), face: Face | None = None) -> Text:
        face = face or self.face
        w, h = face.measure(text)
        left = x - w / 2 if align == "center" else x
        shape = Text(kind, Rect(left, y, w, h), tuple(split_lines(text)), align,  # type: ignore[arg-type]
                     face is self.fonts.title, line, who, self.anchor)
        self.shapes.append(shape)
        return shape

    def add(self, shape: Shape) -> None:
        self.shapes.append(shape)

    def edge(self, name: str, rightward: bool) -> float:
        """Where an arrow meets a lifeline: the side of its top bar, or the line."""
        stack, c = self.bars[name], self.x[name]
        if not stack:
            return c
        # Deeper bars sit further right: the right side is the top bar's,
        # the left side the first bar's, so no arrow crosses a bar.
        if not rightward:
            return c - self.sp.bar_w / 2
        return c + self.sp.bar_w / 2 + (stack[-1].depth - 1) * self.sp.bar_step

    def activate(self, name: str, y: float, line: int) -> None:
        stack = self.bars[name]
        stack.append(_Bar(y, len(stack) + 1, line))

    def deactivate(self, name: str, y: float) -> None:
        if self.bars[name]:
            bar = self.bars[name].pop()
            self._bar_box(name, bar, max(y, bar.start + 8))

    def _bar_box(self, name: str, bar: _Bar, end: float) -> None:
        left = self.x[name] - self.sp.bar_w / 2 + (bar.depth - 1) * self.sp.bar_step
        self.add(Box("activation", Rect(left, bar.start, self.sp.bar_w, end - bar.start),
                     bar.line, (name,), self.anchor))

    # -- statements ------------------------------------------------------------
    def statements(self, stmts: tuple[Statement, ...]) -> None:
        for stmt in stmts:
            if isinstance(stmt, Message):
                self.self_message(stmt) if stmt.is_self else self.message(stmt)
            elif isinstance(stmt, Note):
                self.note(stmt)
            elif isinstance(stmt, Lifeline):
                self.lifeline(stmt)
            elif isinstance(stmt, Group):
                self.group(stmt)
            elif isinstance(stmt, Parallel):
                self.parallel(stmt)
            elif isinstance(stmt, LostFound):
                self.lost_found(stmt)
            elif isinstance(stmt, Divider):
                self.divider(stmt)
            elif isinstance(stmt, Delay):
                self.delay(stmt)
            elif isinstance(stmt, Comment) and stmt.anchor is not None:
                self.anchor = stmt.anchor
            elif isinstance(stmt, Directive) and stmt.text.replace(" ", "") == "optionfooter=none":
                self.footer = False

    def message(self, msg: Message) -> None:
        sp = self.sp
        rightward = self.x[msg.target] > self.x[msg.source]
        x0 = self.edge(msg.source, rightward)
        top = self.y + sp.row_gap
        h = self.face.measure(msg.text)[1] if msg.text else 0.0
        y = top + h + 3
        if msg.activation == "+":
            self.activate(msg.target, y, msg.line)
        if msg.activation == "*":
            y = self.create(msg.target, top + h, msg.line)
            half = self.box_size(msg.target)[0] / 2
            x1 = self.x[msg.target] + (-half if rightward else half)
        else:
            x1 = self.edge(msg.target, not rightward)
        if msg.text:
            self.text("message", (x0 + x1) / 2, top, msg.text, "center", msg.line,
                      (msg.source, msg.target))
        self.add(Arrow(((x0, y), (x1, y)), msg.style == "dotted", msg.head, msg.both_ways,
                       msg.line, self.anchor))
        if msg.activation == "-":
            self.deactivate(msg.source, y)
        self.last_arrow = y
        self.y = max(y, self.y)
        if msg.activation == "*":
            self.y = y + self.box_size(msg.target)[1] / 2

    def lost_found(self, msg: LostFound) -> None:
        """An arrow from a dot beside the lifeline (found) or to one (lost)."""
        sp, name = self.sp, msg.participant
        lost = msg.kind == "lost"
        top = self.y + sp.row_gap
        h = self.face.measure(msg.text)[1] if msg.text else 0.0
        y = top + h + 3
        near = self.edge(name, lost)
        reach = lost_found_reach(self.face, msg.text, sp)
        far = near + reach if lost else near - reach
        r = sp.dot_r
        if msg.text:
            self.text("message", (near + far) / 2, top, msg.text, "center", msg.line, (name,))
        tip = far - r if lost else near
        self.add(Arrow(((near, y), (tip, y)) if lost else ((far + r, y), (tip, y)),
                       msg.style == "dotted", msg.head, False, msg.line, self.anchor))
        self.add(Box("dot", Rect(far - r, y - r, 2 * r, 2 * r), msg.line, (name,), self.anchor))
        self.last_arrow = y
        self.y = y + r

    def parallel(self, block: Parallel) -> None:
        """Each statement of the block starts on the same row."""
        start, bottom = self.y, self.y
        for stmt in block.steps:
            self.y = start
            self.statements((stmt,))
            bottom = max(bottom, self.y)
        self.y = bottom

    def _across(self) -> tuple[float, float]:
        """Left and right ends of a line across every lifeline."""
        xs = list(self.x.values()) or [0.0]
        return min(xs) - self.sp.note_ext, max(xs) + self.sp.note_ext

    def divider(self, div: Divider) -> None:
        sp = self.sp
        top = self.y + sp.row_gap
        w, h = self.face.measure(div.text)
        w, h = w + 2 * sp.note_pad_x, h + 2 * sp.note_pad_y - 4
        left, right = self._across()
        mid = top + h / 2
        self.add(Rule("divider", left, mid - 1.5, right, mid - 1.5, div.line, self.anchor))
        self.add(Rule("divider", left, mid + 1.5, right, mid + 1.5, div.line, self.anchor))
        if div.text:
            centre = (left + right) / 2
            self.add(Box("banner", Rect(centre - w / 2, top, w, h), div.line, (), self.anchor))
            self.text("divider", centre, top + sp.note_pad_y - 2, div.text, "center", div.line)
        self.y = top + h

    def delay(self, delay: Delay) -> None:
        """A gap in which the lifelines are dotted, its text in the middle."""
        sp = self.sp
        top = self.y + sp.row_gap
        h = self.face.measure(delay.text)[1] if delay.text else 0.0
        bottom = top + h + 2 * sp.row_gap + 8
        if delay.text:
            left, right = self._across()
            w = self.face.measure(delay.text)[0] + 2 * sp.note_pad_x
            y = (top + bottom - h) / 2
            self.add(Box("gap", Rect((left + right - w) / 2, y - 2, w, h + 4), delay.line, (), self.anchor))
            self.text("delay", (left + right) / 2, y, delay.text, "center", delay.line)
        self.delays.append((self.y, bottom))
        self.y = bottom

    def self_message(self, msg: Message) -> None:
        sp, name = self.sp, msg.source
        top = self.y + sp.row_gap
        h = self.face.measure(msg.text)[1] if msg.text else 0.0
        out_y, back_y = top + 4, top + 4 + max(h - 4, 16)
        x_out = self.edge(name, True)
        if msg.activation == "-":
            self.deactivate(name, back_y)
        if msg.activation == "+":
            self.activate(name, back_y, msg.line)
        x_back = self.edge(name, True)
        far = max(x_out, x_back) + sp.self_w
        if msg.text:
            self.text("message", far + sp.label_pad, top, msg.text, "left", msg.line, (name,))
        pts = ((x_out, out_y), (far, out_y), (far, back_y), (x_back, back_y))
        self.add(Arrow(pts, msg.style == "dotted", msg.head, msg.both_ways, msg.line, self.anchor))
        self.last_arrow = back_y
        self.y = back_y

    def note(self, note: Note) -> None:
        sp = self.sp
        top = self.y + sp.row_gap
        w = self.cols.note_width(note)
        who = sorted(note.participants, key=self.x.__getitem__)
        xs = [self.x[p] for p in who]
        label = note.text
        h = self.face.measure(label)[1] + 2 * sp.note_pad_y
        if note.kind == "ref":
            h += self.face.line_height + 2
        if note.position == "left of":
            left = xs[0] - self._allow(who[0]) - sp.note_gap - w
        elif note.position == "right of":
            left = xs[-1] + self._allow(who[-1]) + sp.note_gap
        else:
            span = xs[-1] - xs[0] + (2 * sp.note_ext if len(set(xs)) > 1 else 0)
            w = max(w, span)
            left = (xs[0] + xs[-1]) / 2 - w / 2
        rect = Rect(left, top, w, h)
        self.add(Box(note.kind, rect, note.line, note.participants, self.anchor))
        text_y = top + sp.note_pad_y
        if note.kind == "ref":
            self.text("ref", left + sp.note_pad_x, text_y, "ref", "left", note.line, note.participants)
            text_y += self.face.line_height + 2
        self.text("note", left + w / 2, text_y, label, "center", note.line, note.participants)
        self.y = rect.y1

    def _allow(self, name: str) -> float:
        return self.cols.allow[self.cols.index[name]]

    def lifeline(self, stmt: Lifeline) -> None:
        name = stmt.participant
        at = self.last_arrow if self.last_arrow is not None else self.y
        if stmt.action == "activate":
            self.activate(name, at, stmt.line)
        elif stmt.action == "deactivate":
            start = self.bars[name][-1].start if self.bars[name] else at
            self.deactivate(name, at if at > start else self.y)
        else:
            while self.bars[name]:
                self.deactivate(name, at)
            c = self.x[name]
            self.add(Box("cross", Rect(c - 6, at - 6, 12, 12), stmt.line, (name,), self.anchor))
            self.ends[name] = at

    def group(self, group: Group) -> None:
        sp = self.sp
        first = len(self.shapes)
        top = self.y + sp.row_gap
        header = self.face.line_height + 6
        self.y = top + header
        separators: list[tuple[float, str, int]] = []
        touched: set[str] = set()
        for k, branch in enumerate(group.branches):
            if k:
                sep = self.y + sp.row_gap
                separators.append((sep, branch.label, branch.line))
                self.y = sep + (self.face.line_height + 2 if branch.label else 0)
            self.statements(branch.steps)
        for s in self.shapes[first:]:
            touched.update(getattr(s, "participants", ()))
        self.y += sp.row_gap
        x0, x1 = self._extent(first, touched)
        kind = group.kind
        label = group.branches[0].label if group.branches else ""
        tab_w = self.face.measure(kind)[0] + 2 * 6
        label_w = self.face.measure(f"[{label}]")[0] + 2 * 6 if label else 0.0
        x1 = max(x1, x0 + tab_w + label_w + sp.frame_pad)
        for _, text, _ in separators:
            if text:
                x1 = max(x1, x0 + 6 + self.face.measure(f"[{text}]")[0] + sp.frame_pad)
        self.add(Box("frame", Rect(x0, top, x1 - x0, self.y - top), group.line, (), self.anchor))
        self.add(Box("tab", Rect(x0, top, tab_w, header - 2), group.line, (), self.anchor))
        self.text("group", x0 + 6, top + 2, kind, "left", group.line)
        if label:
            self.text("group", x0 + tab_w + 6, top + 2, f"[{label}]", "left", group.line)
        for sep, text, line in separators:
            self.add(Rule("separator", x0, sep, x1, sep, line, self.anchor))
            if text:
                self.text("else", x0 + 6, sep + 1, f"[{text}]", "left", line)

    def _extent(self, first: int, touched: set[str]) -> tuple[float, float]:
        """Left and right of a frame around shapes[first:] and the lifelines they touch."""
        rects = [bounds(s) for s in self.shapes[first:] if isinstance(s, _CONTENT)
                 or (isinstance(s, Box) and s.kind in ("frame", "note", "state", "ref"))]
        for name in touched:
            a = self._allow(name)
            rects.append(Rect(self.x[name] - a, 0, 2 * a, 0))
        if not rects:
            c = next(iter(self.x.values()), 0.0)
            rects.append(Rect(c, 0, 0, 0))
        pad = self.sp.frame_pad
        return min(r.x for r in rects) - pad, max(r.x1 for r in rects) + pad

    # -- participants ------------------------------------------------------------
    def box_size(self, name: str) -> tuple[float, float]:
        k = self.cols.index[name]
        w = self.cols.box_w[k]
        h = self.face.measure(self.participants[k].display)[1] + 2 * self.sp.box_pad_y
        return w, h

    def create(self, name: str, top: float, line: int) -> float:
        """`A->*B`: B's box drawn where the message arrives; returns the arrow y."""
        w, h = self.box_size(name)
        self.created[name] = top + h
        self._participant_box(name, top, h)
        return top + h / 2

    def _participant_box(self, name: str, y: float, h: float) -> None:
        k = self.cols.index[name]
        p, w, c = self.participants[k], self.cols.box_w[k], self.x[name]
        self.add(Box("participant", Rect(c - w / 2, y, w, h), p.line, (name,)))
        self.text("participant", c, y + self.sp.box_pad_y, p.display, "center", p.line, (name,))

    def heads(self, top: float) -> float:
        h = max((self.box_size(p.name)[1] for p in self.participants), default=0.0)
        for p in self.participants:
            if p.name not in self.born_late:
                self._participant_box(p.name, top, h)
        return top + h

    def _lifeline(self, name: str, start: float, stop: float, line: int) -> None:
        """The dashed lifeline from start to stop, dotted where a delay passes."""
        x = self.x[name]
        for d0, d1 in self.delays:
            a, b = max(start, d0), min(stop, d1)
            if a < b:
                if a > start:
                    self.add(Rule("lifeline", x, start, x, a, line))
                self.add(Rule("delay", x, a, x, b, line))
                start = b
        if stop > start:
            self.add(Rule("lifeline", x, start, x, stop, line))

    def feet(self, lifeline_top: float) -> None:
        end = self.y + 2 * self.sp.row_gap
        for name, stack in self.bars.items():
            while stack:
                self._bar_box(name, stack.pop(), end)
        h = max((self.box_size(p.name)[1] for p in self.participants), default=0.0)
        for p in self.participants:
            start = self.created.get(p.name, lifeline_top)
            stop = self.ends.get(p.name, end)
            self._lifeline(p.name, start, stop, p.line)
            if self.footer and p.name not in self.ends:
                self._participant_box(p.name, end, h)
        self.y = end + (h if self.footer else 0)


def layout(diagram: Diagram, fonts: Fonts | None = None, sp: Spacing = SPACING) -> Layout:
    """Positions and boxes for a whole diagram, at scale 1."""
    fonts = fonts or load_fonts()
    diagram = number_messages(diagram)
    b = _Builder(diagram, fonts, sp)
    title_h = fonts.title.measure(diagram.title)[1] + sp.row_gap if diagram.title else 0.0
    lifeline_top = b.heads(title_h)
    b.y = lifeline_top
    b.statements(diagram.statements)
    b.feet(lifeline_top)
    return _finish(b, diagram.title, fonts)


def _finish(b: _Builder, title: str | None, fonts: Fonts) -> Layout:
    rects = [bounds(s) for s in b.shapes] or [Rect(0, 0, 0, 0)]
    left, right = min(r.x for r in rects), max(r.x1 for r in rects)
    if title:
        b.text("title", (left + right) / 2, 0, title, "center", 0, (), fonts.title)
        t = b.shapes[-1].rect  # type: ignore[union-attr]
        left, right = min(left, t.x), max(right, t.x1)
    m = b.sp.margin
    shapes = sorted((shift(s, m - left, m) for s in b.shapes), key=layer)
    height = max(bounds(s).y1 for s in shapes) + m if shapes else 2 * m
    return Layout(right - left + 2 * m, height, title, tuple(shapes))
