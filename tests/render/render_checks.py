"""What a readable layout means, as checks over its boxes.

Labels = every text that is not inside its own box (message labels, group
and else labels, the title) plus the boxes that hold text (participant
boxes, notes, states, refs, group tabs). Rules:

1. no two labels overlap;
2. a text inside a box (a participant name, a note's text) stays inside it;
3. no label overlaps an activation bar, except
   - a message label over the bars of participants strictly between its two
     ends (it crosses their lifelines, as in every sequence diagram),
   - a note over participants covering their own bars and those between them,
   - group tabs, group and else labels, divider banners and delay texts,
     which sit on a row of their own across lifelines;
4. no label crosses a group frame's border: it is inside the frame or outside;
   frames are nested or apart;
5. everything lies on the canvas.
"""

from __future__ import annotations

from pathlib import Path

from tracer.render.shapes import Box, Layout, Rect, Text, bounds

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "openstack-workflow"
HOLDERS = ("participant", "note", "state", "ref", "tab", "banner", "gap")


def reference_files() -> list[Path]:
    return sorted(REFERENCE.glob("*/*.wsd")) if REFERENCE.is_dir() else []


def _holder_of(text: Text, holders: list[Box]) -> Box | None:
    for box in holders:
        if box.line == text.line and box.rect.contains(text.rect, tolerance=3):
            return box
    return None


def problems(lay: Layout) -> list[str]:
    out: list[str] = []
    holders = list(lay.boxes(*HOLDERS))
    free: list[Text] = []
    for t in lay.texts():
        holder = _holder_of(t, holders)
        if holder is None:
            if t.kind in ("participant", "note", "ref"):
                out.append(f"{t.kind} text {t.lines} (line {t.line}) outside its box")
            free.append(t)
    labels: list[tuple[str, Rect, Text | Box]] = [(f"{t.kind} {t.lines}", t.rect, t) for t in free]
    labels += [(f"{b.kind} line {b.line}", b.rect, b) for b in holders]
    for i, (name_a, ra, _) in enumerate(labels):
        for name_b, rb, _ in labels[i + 1:]:
            if ra.overlaps(rb):
                out.append(f"{name_a} overlaps {name_b}")
    out += _bar_problems(lay, labels)
    out += _frame_problems(lay, labels)
    canvas = Rect(0, 0, lay.width, lay.height)
    out += [f"{s} off the canvas" for s in lay.shapes if not canvas.contains(bounds(s))]
    return out


def _centres(lay: Layout) -> dict[str, float]:
    return {b.participants[0]: b.rect.x + b.rect.w / 2 for b in lay.boxes("participant")}


def _exempt(item: Text | Box, bar: Box, xs: dict[str, float]) -> bool:
    who = item.participants
    if isinstance(item, Text) and item.kind in ("group", "else") or \
            getattr(item, "kind", "") in ("tab", "banner", "gap"):
        return True
    if not who:
        return False
    lo, hi = min(xs[p] for p in who), max(xs[p] for p in who)
    x = xs[bar.participants[0]]
    if isinstance(item, Text) and item.kind == "message":
        return lo < x < hi
    if isinstance(item, Box) and item.kind in ("note", "state", "ref"):
        return lo <= x <= hi and _over(item, xs)
    return False


def _over(box: Box, xs: dict[str, float]) -> bool:
    """A note drawn across the lifelines of its participants (`note over`)."""
    return all(box.rect.x <= xs[p] <= box.rect.x1 for p in box.participants)


def _bar_problems(lay: Layout, labels) -> list[str]:
    xs = _centres(lay)
    out = []
    for bar in lay.boxes("activation"):
        for name, rect, item in labels:
            if rect.overlaps(bar.rect) and not _exempt(item, bar, xs):
                out.append(f"{name} overlaps the bar of {bar.participants[0]} (line {bar.line})")
    return out


def _frame_problems(lay: Layout, labels) -> list[str]:
    frames = lay.boxes("frame")
    out = []
    for f in frames:
        for name, rect, _ in labels:
            if rect.overlaps(f.rect) and not f.rect.contains(rect):
                out.append(f"{name} crosses the frame of line {f.line}")
        for g in frames:
            if g is not f and f.rect.overlaps(g.rect) and not (
                f.rect.contains(g.rect) or g.rect.contains(f.rect)
            ):
                out.append(f"frames of lines {f.line} and {g.line} cross")
    return out
