"""SVG and PNG drawing: valid documents, searchable text, lines, links, scale."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path
from textwrap import dedent

import pytest
from PIL import Image
from render_checks import reference_files

from tracer.problems import TracerError
from tracer.render.layout import layout
from tracer.render.png import render_png
from tracer.render.svg import SourceLinks, render_svg
from tracer.wsd.parse import parse_file, parse_text

SVG = "{http://www.w3.org/2000/svg}"
REFS = [pytest.param(f, id=f"{f.parent.name}/{f.stem}") for f in reference_files()] or [
    pytest.param(None, marks=pytest.mark.skip(reason="reference diagrams not found"))
]

SAMPLE = dedent("""\
    title Pause & <resume>
    participant client
    participant nova_api
    # nova/compute/api.py API.pause()
    client->nova_api: pause "now" & then
    note over nova_api: check policy
    alt locked
        nova_api-->client: 409
    end
    """)


def svg_root(text: str, links: SourceLinks | None = None) -> ET.Element:
    return ET.fromstring(render_svg(layout(parse_text(text).diagram), links).encode())


def all_text(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("path", REFS)
def test_reference_svgs_are_valid_xml_with_all_texts(path: Path) -> None:
    diagram = parse_file(path).diagram
    root = ET.fromstring(render_svg(layout(diagram)).encode())
    assert root.find(f"{SVG}title").text == diagram.title
    texts = " ".join(all_text(root))
    for p in diagram.participants():
        assert p.display.split("\\n")[0] in texts


def test_svg_keeps_text_escaped_and_searchable() -> None:
    root = svg_root(SAMPLE)
    assert root.find(f"{SVG}title").text == "Pause & <resume>"
    texts = all_text(root)
    assert 'pause "now" & then' in texts and "check policy" in texts
    assert "Aileron" in root.get("font-family")


def test_svg_elements_carry_their_wsd_line() -> None:
    root = svg_root(SAMPLE)
    lines = {(el.get("class"), el.get("data-line")) for el in root.iter() if el.get("data-line")}
    assert ("message", "5") in lines  # the arrow group
    assert ("note", "6") in lines
    assert ("frame", "7") in lines
    assert ("message", "8") in lines


def test_svg_links_anchored_sections_to_the_source() -> None:
    links = SourceLinks("https://opendev.org/openstack/nova/src/tag/{tag}/{path}#L{line}", "12.0.0")
    root = svg_root(SAMPLE, links)
    anchors = list(root.iter(f"{SVG}a"))
    assert anchors, "no links"
    assert {a.get("href") for a in anchors} == {
        "https://opendev.org/openstack/nova/src/tag/12.0.0/nova/compute/api.py#L1"}
    linked = {"".join(t.itertext()) for a in anchors for t in a.iter(f"{SVG}text")}
    assert 'pause "now" & then' in linked
    assert not list(svg_root(SAMPLE).iter(f"{SVG}a"))


def test_a_bad_template_is_refused_before_drawing() -> None:
    for template in ("https://x/{nope}", "https://x/{path", "https://x/{path.__class__}"):
        with pytest.raises(TracerError, match="use only the fields"):
            SourceLinks(template)


def test_multiline_text_becomes_tspans() -> None:
    root = svg_root("A->B: one\\ntwo\n")
    spans = [[s.text for s in t.iter(f"{SVG}tspan")] for t in root.iter(f"{SVG}text")]
    assert ["one", "two"] in spans


def test_png_matches_the_layout_size_and_scales() -> None:
    result = layout(parse_text(SAMPLE).diagram)
    one = Image.open(io.BytesIO(render_png(result)))
    two = Image.open(io.BytesIO(render_png(result, scale=2)))
    assert one.format == "PNG"
    assert abs(one.width - result.width) <= 1 and abs(one.height - result.height) <= 1
    assert abs(two.width - 2 * one.width) <= 2 and abs(two.height - 2 * one.height) <= 2


def test_png_draws_text_where_the_layout_puts_it() -> None:
    result = layout(parse_text(SAMPLE).diagram)
    image = Image.open(io.BytesIO(render_png(result))).convert("L")
    label = next(t for t in result.texts() if t.kind == "message" and t.line == 5)
    r = label.rect
    inside = image.crop((int(r.x), int(r.y), int(r.x1), int(r.y1)))
    assert inside.getextrema()[0] < 100, "no dark text pixels in the label box"
    blank = image.crop((int(r.x), int(r.y1) + 30, int(r.x1), int(r.y1) + 32))
    assert blank.getextrema()[1] > 200


@pytest.mark.parametrize("path", REFS[:3])
def test_reference_pngs_open(path: Path) -> None:
    data = render_png(layout(parse_file(path).diagram))
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert im.width > 300 and im.height > 300


def test_svg_embeds_the_measuring_font_and_holds_lines_to_measured_widths() -> None:
    import base64
    import re

    from tracer.render.fonts import load_fonts

    text = render_svg(layout(parse_text(SAMPLE).diagram))
    face = re.search(r"@font-face\{font-family:(\w+);src:url\(data:font/ttf;base64,([^)]+)\)", text)
    assert face and base64.b64decode(face[2]).startswith(b"\x00\x01\x00\x00")
    root = ET.fromstring(text.encode())
    assert root.get("font-family").startswith(face[1])
    span = next(s for s in root.iter(f"{SVG}tspan") if s.text == "check policy")
    assert float(span.get("textLength")) == pytest.approx(load_fonts().body.width("check policy"), abs=0.1)
    plain = render_svg(layout(parse_text(SAMPLE).diagram), embed_font=False)
    assert "@font-face" not in plain and len(plain) < len(text) - 10000
