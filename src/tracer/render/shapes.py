"""What a layout is made of: frozen, positioned shapes the drawers paint.

Coordinates are pixels at scale 1, y growing down. Every shape keeps the
WSD line it came from (`line`, 0 when it has none) and the anchor comment
(`pkg/compute/api.py pause()`) of the section it is in, for links.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Union

from tracer.wsd.model import Anchor

BoxKind = Literal["participant", "note", "state", "ref", "activation", "frame", "tab", "cross",
                  "banner", "gap", "dot"]
TextKind = Literal["title", "participant", "message", "note", "group", "else", "ref", "divider",
                   "delay"]
Align = Literal["left", "center"]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def x1(self) -> float:
        return self.x + self.w

    @property
    def y1(self) -> float:
        return self.y + self.h

    def overlaps(self, other: "Rect", tolerance: float = 0.5) -> bool:
        """True when the interiors meet (touching edges do not count)."""
        return (
            self.x < other.x1 - tolerance
            and other.x < self.x1 - tolerance
            and self.y < other.y1 - tolerance
            and other.y < self.y1 - tolerance
        )

    def contains(self, other: "Rect", tolerance: float = 0.5) -> bool:
        return (
            self.x <= other.x + tolerance
            and self.y <= other.y + tolerance
            and other.x1 <= self.x1 + tolerance
            and other.y1 <= self.y1 + tolerance
        )

    def moved(self, dx: float, dy: float = 0.0) -> "Rect":
        return Rect(self.x + dx, self.y + dy, self.w, self.h)


@dataclass(frozen=True)
class Box:
    """A drawn rectangle: participant, note, activation bar, group frame..."""

    kind: BoxKind
    rect: Rect
    line: int = 0
    participants: tuple[str, ...] = ()
    anchor: Anchor | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Text:
    """Lines of text in `rect`; `align` says how each line sits in it."""

    kind: TextKind
    rect: Rect
    lines: tuple[str, ...]
    align: Align = "left"
    title_face: bool = False
    line: int = 0
    participants: tuple[str, ...] = ()
    anchor: Anchor | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Arrow:
    """A message: a polyline from source to target (self messages loop)."""

    points: tuple[tuple[float, float], ...]
    dotted: bool = False
    head: Literal["filled", "open"] = "filled"
    both_ways: bool = False
    line: int = 0
    anchor: Anchor | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Rule:
    """A straight line: a lifeline (dashed; dotted in a delay), an `else` separator, a divider."""

    kind: Literal["lifeline", "delay", "separator", "divider"]
    x0: float
    y0: float
    x1: float
    y1: float
    line: int = 0
    anchor: Anchor | None = field(default=None, compare=False)


Shape = Union[Box, Text, Arrow, Rule]

# Paint order, back to front.
_LAYER = {"frame": 0, "tab": 5, "lifeline": 1, "delay": 1, "separator": 2, "divider": 2,
          "activation": 3}


def layer(shape: Shape) -> int:
    if isinstance(shape, (Box, Rule)):
        return _LAYER.get(shape.kind, 6)
    if isinstance(shape, Arrow):
        return 4
    return 7


def shift(shape: Shape, dx: float, dy: float) -> Shape:
    if isinstance(shape, (Box, Text)):
        return replace(shape, rect=shape.rect.moved(dx, dy))
    if isinstance(shape, Arrow):
        return replace(shape, points=tuple((x + dx, y + dy) for x, y in shape.points))
    return replace(shape, x0=shape.x0 + dx, x1=shape.x1 + dx, y0=shape.y0 + dy, y1=shape.y1 + dy)


def bounds(shape: Shape) -> Rect:
    if isinstance(shape, (Box, Text)):
        return shape.rect
    if isinstance(shape, Arrow):
        xs = [p[0] for p in shape.points]
        ys = [p[1] for p in shape.points]
        return Rect(min(xs), min(ys) - 5, max(xs) - min(xs), max(ys) - min(ys) + 10)
    return Rect(min(shape.x0, shape.x1), min(shape.y0, shape.y1),
                abs(shape.x1 - shape.x0), abs(shape.y1 - shape.y0))


@dataclass(frozen=True)
class Layout:
    """A laid-out diagram: its size and its shapes in paint order."""

    width: float
    height: float
    title: str | None
    shapes: tuple[Shape, ...]

    def texts(self) -> tuple[Text, ...]:
        return tuple(s for s in self.shapes if isinstance(s, Text))

    def boxes(self, *kinds: str) -> tuple[Box, ...]:
        return tuple(s for s in self.shapes if isinstance(s, Box) and (not kinds or s.kind in kinds))
