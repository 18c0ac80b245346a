"""Write a layout as a standalone SVG document.

Text stays text (`<text>`, searchable), every element carries the WSD line
it came from (`data-line`), and with a URL template the texts of a section
under an anchor comment link to the source it describes.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from string import Formatter
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from tracer.render import style
from tracer.render.fonts import FONT_FAMILY, Fonts, load_fonts, split_lines
from tracer.render.shapes import Arrow, Box, Layout, Rule, Shape, Text
from tracer.problems import TracerError
from tracer.wsd.model import Anchor

LINK_FIELDS = ("path", "func", "tag", "line")


EMBEDDED_FAMILY = "TracerAileron"
# Characters XML 1.0 does not allow at all (NUL, most C0 controls, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Text without the characters XML cannot hold, each shown as U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def escape(text: str) -> str:
    return _escape(_xml_safe(text))


def quoteattr(text: str) -> str:
    return _quoteattr(_xml_safe(text))


@dataclass(frozen=True)
class SourceLinks:
    """`https://host/{tag}/{path}#L{line}`-style template.

    Fields: path and func from the anchor, tag as given, line always 1 (the
    anchor does not know the def line).
    """

    template: str
    tag: str = ""

    def __post_init__(self) -> None:
        """A template that could only fail or leak is refused up front."""
        try:
            names = [name for _, name, _, _ in Formatter().parse(self.template) if name is not None]
            Formatter().format(self.template, path="p", func="f", line=1, tag="t")
        except (ValueError, KeyError, IndexError, AttributeError):
            names = [""]
        if any(name not in LINK_FIELDS for name in names):
            raise TracerError(f"--source-url {self.template!r}: use only the fields "
                              f"{' '.join('{' + f + '}' for f in LINK_FIELDS)}, and write {{{{ and }}}} for braces")

    def url(self, anchor: Anchor) -> str | None:
        if not anchor.path and "{path}" in self.template:
            return None
        fields = {"path": anchor.path or "", "func": anchor.func or "",
                  "line": 1, "tag": self.tag}
        try:
            return self.template.format(**fields)
        except (KeyError, IndexError, ValueError):
            return None


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _line_attr(line: int) -> str:
    return f' data-line="{line}"' if line else ""


def _box(box: Box) -> str:
    paint, r = style.BOX_PAINT[box.kind], box.rect
    fill = paint.fill or "none"
    common = f'fill="{fill}" stroke="{paint.stroke}" stroke-width="{_num(paint.width)}"'
    cls = f' class="{box.kind}"{_line_attr(box.line)}'
    if box.kind == "dot":
        return (f'<circle{cls} cx="{_num(r.x + r.w / 2)}" cy="{_num(r.y + r.h / 2)}" '
                f'r="{_num(r.w / 2)}" {common}/>')
    if box.kind == "cross":
        d = f"M{_num(r.x)},{_num(r.y)}L{_num(r.x1)},{_num(r.y1)}M{_num(r.x)},{_num(r.y1)}L{_num(r.x1)},{_num(r.y)}"
        return f'<path{cls} d="{d}" {common}/>'
    if box.kind == "note":
        f = style.FOLD
        pts = [(r.x, r.y), (r.x1 - f, r.y), (r.x1, r.y + f), (r.x1, r.y1), (r.x, r.y1)]
        fold = f"M{_num(r.x1 - f)},{_num(r.y)}V{_num(r.y + f)}H{_num(r.x1)}"
        return (f'<g{cls}><polygon points="{_points(pts)}" {common}/>'
                f'<path d="{fold}" fill="none" stroke="{paint.stroke}"/></g>')
    radius = ' rx="8"' if box.kind == "state" else ""
    return (f'<rect{cls} x="{_num(r.x)}" y="{_num(r.y)}" width="{_num(r.w)}" '
            f'height="{_num(r.h)}"{radius} {common}/>')


def _points(pts: list[tuple[float, float]] | tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in pts)


def _rule(rule: Rule) -> str:
    colour = style.LIFELINE_COLOUR if rule.kind in ("lifeline", "delay") else style.SEPARATOR_COLOUR
    pattern = {"delay": style.DELAY_DASH, "divider": None}.get(rule.kind, style.DASH)
    dash = f' stroke-dasharray="{",".join(_num(d) for d in pattern)}"' if pattern else ""
    return (f'<line class="{rule.kind}"{_line_attr(rule.line)} x1="{_num(rule.x0)}" y1="{_num(rule.y0)}" '
            f'x2="{_num(rule.x1)}" y2="{_num(rule.y1)}" stroke="{colour}"{dash}/>')


def _arrow(arrow: Arrow) -> str:
    dash = ' stroke-dasharray="5,4"' if arrow.dotted else ""
    parts = [f'<polyline points="{_points(arrow.points)}" fill="none" '
             f'stroke="{style.ARROW_COLOUR}" stroke-width="1.2"{dash}/>']
    ends = [(arrow.points[-2], arrow.points[-1])]
    if arrow.both_ways:
        ends.append((arrow.points[1], arrow.points[0]))
    for tail, tip in ends:
        left, right = style.head_points(tail, tip)
        if arrow.head == "filled":
            parts.append(f'<polygon points="{_points([tip, left, right])}" fill="{style.ARROW_COLOUR}"/>')
        else:
            parts.append(f'<polyline points="{_points([left, tip, right])}" fill="none" '
                         f'stroke="{style.ARROW_COLOUR}" stroke-width="1.2"/>')
    return f'<g class="message"{_line_attr(arrow.line)}>{"".join(parts)}</g>'


def _text(text: Text, fonts: Fonts, links: SourceLinks | None) -> str:
    face = fonts.title if text.title_face else fonts.body
    r = text.rect
    centred = text.align == "center"
    x = r.x + r.w / 2 if centred else r.x
    anchor = ' text-anchor="middle"' if centred else ""
    size = f' font-size="{_num(face.size)}"' if text.title_face else ""
    spans = "".join(
        f'<tspan x="{_num(x)}" y="{_num(r.y + face.ascent + k * face.line_height)}"'
        f'{_fit(face.width(ln))}>{escape(ln)}</tspan>'
        for k, ln in enumerate(text.lines)
    )
    out = f'<text class="{text.kind}"{_line_attr(text.line)}{anchor}{size}>{spans}</text>'
    url = links.url(text.anchor) if links and text.anchor else None
    if url:
        out = f"<a href={quoteattr(url)}><title>{escape(str(text.anchor))}</title>{out}</a>"
    return out


def _fit(width: float) -> str:
    """Hold a line to its measured width, whatever font the viewer falls back to."""
    if width <= 0:
        return ""
    return f' textLength="{_num(width)}" lengthAdjust="spacingAndGlyphs"'


def _shape(shape: Shape, fonts: Fonts, links: SourceLinks | None) -> str:
    if isinstance(shape, Box):
        return _box(shape)
    if isinstance(shape, Rule):
        return _rule(shape)
    if isinstance(shape, Arrow):
        return _arrow(shape)
    return _text(shape, fonts, links)


def _font_face(fonts: Fonts) -> str:
    """The measuring font itself (Aileron, public domain, 13 KB), so viewers draw the same widths."""
    data = base64.b64encode(fonts.body.main.font_bytes).decode("ascii")
    return (f"<style>@font-face{{font-family:{EMBEDDED_FAMILY};"
            f"src:url(data:font/ttf;base64,{data}) format('truetype');}}</style>")


def render_svg(lay: Layout, links: SourceLinks | None = None, embed_font: bool = True) -> str:
    """The whole SVG document as text."""
    fonts = load_fonts()
    w, h = _num(lay.width), _num(lay.height)
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family={quoteattr(EMBEDDED_FAMILY + ", " + FONT_FAMILY)} font-size="{_num(fonts.body.size)}" fill="{style.TEXT_COLOUR}">',
        f"<title>{escape(' '.join(split_lines(lay.title)) if lay.title else 'sequence diagram')}</title>",
        *([_font_face(fonts)] if embed_font else []),
        f'<rect width="100%" height="100%" fill="{style.BACKGROUND}"/>',
    ]
    body = [_shape(s, fonts, links) for s in lay.shapes]
    return "\n".join(head + body + ["</svg>", ""])
