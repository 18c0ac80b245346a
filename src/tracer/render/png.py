"""Paint a layout into a PNG with Pillow (no browser, no system library).

The layout is at scale 1; `scale` multiplies coordinates and font sizes,
for high-DPI pictures.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

from tracer.problems import TracerError
from tracer.render import style
from tracer.render.fonts import Face, Fonts, load_fonts
from tracer.render.shapes import Arrow, Box, Layout, Rule, Text

Point = tuple[float, float]
MAX_PIXELS = 250_000_000  # about 750 MB of memory; the largest catalogue picture is 54 million


def check_size(lay: Layout, scale: float) -> tuple[int, int]:
    """The picture's size in pixels; TracerError when it is too big to paint."""
    size = (max(1, math.ceil(lay.width * scale)), max(1, math.ceil(lay.height * scale)))
    if size[0] * size[1] > MAX_PIXELS:
        raise TracerError(f"a PNG of {size[0]} x {size[1]} pixels is more than the "
                          f"{MAX_PIXELS // 1_000_000} million a picture may have; "
                          "draw it as SVG (-f svg) or at a smaller --scale")
    return size


class _Painter:
    def __init__(self, lay: Layout, scale: float, fallback_font: str | None) -> None:
        self.k = scale
        self.fonts: Fonts = load_fonts(scale, fallback_font)
        size = check_size(lay, scale)
        self.image = Image.new("RGB", size, style.BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)

    def p(self, x: float, y: float) -> Point:
        return x * self.k, y * self.k

    def w(self, width: float) -> int:
        return max(1, round(width * self.k))

    def dashed(self, a: Point, b: Point, colour: str, width: float,
               pattern: tuple[float, float] = style.DASH) -> None:
        on, off = (d * self.k for d in pattern)
        length = math.dist(a, b)
        if length == 0:
            return
        ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
        t = 0.0
        while t < length:
            end = min(t + on, length)
            self.draw.line([(a[0] + ux * t, a[1] + uy * t), (a[0] + ux * end, a[1] + uy * end)],
                           fill=colour, width=self.w(width))
            t = end + off

    def box(self, box: Box) -> None:
        paint = style.BOX_PAINT[box.kind]
        r = box.rect
        x0, y0 = self.p(r.x, r.y)
        x1, y1 = self.p(r.x1, r.y1)
        width = self.w(paint.width)
        if box.kind == "dot":
            self.draw.ellipse([x0, y0, x1, y1], fill=paint.fill, outline=paint.stroke)
        elif box.kind == "cross":
            self.draw.line([(x0, y0), (x1, y1)], fill=paint.stroke, width=width)
            self.draw.line([(x0, y1), (x1, y0)], fill=paint.stroke, width=width)
        elif box.kind == "note":
            fold = style.FOLD * self.k
            pts = [(x0, y0), (x1 - fold, y0), (x1, y0 + fold), (x1, y1), (x0, y1)]
            self.draw.polygon(pts, fill=paint.fill, outline=paint.stroke, width=width)
            self.draw.line([(x1 - fold, y0), (x1 - fold, y0 + fold), (x1, y0 + fold)],
                           fill=paint.stroke, width=width)
        elif box.kind == "state":
            self.draw.rounded_rectangle([x0, y0, x1, y1], radius=8 * self.k, fill=paint.fill,
                                        outline=paint.stroke, width=width)
        else:
            self.draw.rectangle([x0, y0, x1, y1], fill=paint.fill, outline=paint.stroke, width=width)

    def rule(self, rule: Rule) -> None:
        a, b = self.p(rule.x0, rule.y0), self.p(rule.x1, rule.y1)
        if rule.kind == "divider":
            self.draw.line([a, b], fill=style.DIVIDER_COLOUR, width=self.w(1.0))
            return
        colour = style.LIFELINE_COLOUR if rule.kind in ("lifeline", "delay") else style.SEPARATOR_COLOUR
        self.dashed(a, b, colour, 1.0, style.DELAY_DASH if rule.kind == "delay" else style.DASH)

    def arrow(self, arrow: Arrow) -> None:
        pts = [self.p(x, y) for x, y in arrow.points]
        for a, b in zip(pts, pts[1:]):
            if arrow.dotted:
                self.dashed(a, b, style.ARROW_COLOUR, 1.2)
            else:
                self.draw.line([a, b], fill=style.ARROW_COLOUR, width=self.w(1.2))
        self.head(pts[-2], pts[-1], arrow.head)
        if arrow.both_ways:
            self.head(pts[1], pts[0], arrow.head)

    def head(self, tail: Point, tip: Point, kind: str) -> None:
        left, right = style.head_points(tail, tip, self.k)
        if kind == "filled":
            self.draw.polygon([tip, left, right], fill=style.ARROW_COLOUR)
        else:
            self.draw.line([left, tip, right], fill=style.ARROW_COLOUR, width=self.w(1.2))

    def text(self, text: Text) -> None:
        face: Face = self.fonts.title if text.title_face else self.fonts.body
        y = text.rect.y * self.k
        for line in text.lines:
            x = text.rect.x * self.k
            if text.align == "center":
                x += (text.rect.w * self.k - face.width(line)) / 2
            for run in face.runs(line):
                font = run.font or face.main
                self.draw.text((x, y), run.text, font=font, fill=style.TEXT_COLOUR, anchor="la")
                x += font.getlength(run.text)
            y += face.line_height


def render_png(lay: Layout, scale: float = 1.0, fallback_font: str | None = None) -> bytes:
    """The picture as PNG bytes."""
    painter = _Painter(lay, scale, fallback_font)
    for shape in lay.shapes:
        if isinstance(shape, Box):
            painter.box(shape)
        elif isinstance(shape, Rule):
            painter.rule(shape)
        elif isinstance(shape, Arrow):
            painter.arrow(shape)
        else:
            painter.text(shape)
    out = io.BytesIO()
    dpi = round(72 * scale)
    painter.image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
