"""Dividers, delays, autonumber, parallel blocks, lost and found messages, state and ref:
parsed without warnings, written back canonically, drawn offline, exported."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from textwrap import dedent

from render_checks import problems

from tracer.render.export import export
from tracer.render.layout import layout
from tracer.render.png import render_png
from tracer.render.shapes import Rule
from tracer.render.svg import render_svg
from tracer.wsd.diff import diff_diagrams
from tracer.wsd.emit import emit
from tracer.wsd.model import Autonumber, Delay, Divider, LostFound, Message, Parallel
from tracer.wsd.parse import parse_text

SAMPLE = dedent("""\
    title New statements
    participant client
    participant nova_api
    participant nova_compute
    autonumber
    [->client: user clicks
    client->+nova_api: POST /servers/x/action
    == the API side ==
    nova_api->nova_compute: pause_instance
    parallel {
        nova_compute->nova_api: event
        client->client: poll
    }
    ...a few seconds later...
    state over nova_compute: PAUSED
    ref over client, nova_api: see unpause
    nova_api-->-client: 202
    autonumber off
    nova_compute->]: notification lost
    """)


def test_sample_parses_without_warnings_and_round_trips() -> None:
    parsed = parse_text(SAMPLE, "s.wsd")
    assert parsed.problems == ()
    kinds = [type(s).__name__ for s in parsed.diagram.statements[3:]]
    assert kinds == ["Autonumber", "LostFound", "Message", "Divider", "Message", "Parallel", "Delay",
                     "Note", "Note", "Message", "Autonumber", "LostFound"]
    text = emit(parsed.diagram)
    assert "== the API side ==" in text and "... a few seconds later ..." in text
    assert "parallel {\n    nova_compute->nova_api: event\n    client->client: poll\n}" in text
    assert "[->client: user clicks" in text and "nova_compute->]: notification lost" in text
    assert "autonumber\n" in text and "autonumber off\n" in text
    assert parse_text(text).diagram == parsed.diagram
    assert emit(parse_text(text).diagram) == text


def test_unclosed_parallel_block_is_closed_with_a_warning() -> None:
    parsed = parse_text("parallel {\nA->B: x\nend\n", "p.wsd")
    assert [str(p) for p in parsed.problems] == [
        "p.wsd:1: 'parallel' block opened here is never closed with '}'; closed at the end",
        "p.wsd:3: unknown statement 'end', kept as is",
    ]
    (block,) = parsed.diagram.statements
    assert isinstance(block, Parallel) and block.steps[0] == Message("A", "B", "x")


def test_diff_compares_messages_inside_parallel_blocks_and_ignores_the_rest() -> None:
    a = parse_text(SAMPLE).diagram
    b = parse_text(SAMPLE.replace("nova_compute->nova_api: event", "nova_compute->nova_api: callback")
                   .replace("== the API side ==", "== elsewhere ==")).diagram
    result = diff_diagrams(a, b)
    changed = [(e.op, (e.a or e.b).text) for e in result.entries if e.op != "equal"]
    assert changed == [("removed", "event"), ("added", "callback")]
    assert diff_diagrams(a, parse_text(SAMPLE.replace("== the API side ==", "== x ==")).diagram).same


def test_sample_is_drawn_without_overlaps() -> None:
    lay = layout(parse_text(SAMPLE).diagram)
    assert problems(lay) == []
    texts = {t.lines[0]: t for t in lay.texts()}
    # autonumber: 1 to 6, then off
    assert {"1. user clicks", "2. POST /servers/x/action", "3. pause_instance", "4. event", "5. poll",
            "6. 202", "notification lost"} <= set(texts)
    # the parallel block's two messages share a row
    assert texts["4. event"].rect.y == texts["5. poll"].rect.y
    # a divider across all lifelines, its label in a banner
    dividers = [s for s in lay.shapes if isinstance(s, Rule) and s.kind == "divider"]
    lifelines = [s for s in lay.shapes if isinstance(s, Rule) and s.kind == "lifeline"]
    assert len(dividers) == 2
    assert dividers[0].x0 < min(r.x0 for r in lifelines) and dividers[0].x1 > max(r.x0 for r in lifelines)
    assert lay.boxes("banner")[0].rect.contains(texts["the API side"].rect)
    # the delay: every lifeline dotted for a while, its text in a gap
    assert len([s for s in lay.shapes if isinstance(s, Rule) and s.kind == "delay"]) == 3
    assert lay.boxes("gap")[0].rect.contains(texts["a few seconds later"].rect)
    # lost and found messages end in a dot beside their lifeline
    dots = lay.boxes("dot")
    client_x = next(r.x0 for r in lifelines if r.line == 2)
    compute_x = next(r.x0 for r in lifelines if r.line == 4)
    assert len(dots) == 2 and dots[0].rect.x1 < client_x and dots[1].rect.x > compute_x
    assert lay.boxes("state") and lay.boxes("ref")


def test_sample_draws_as_svg_and_png() -> None:
    lay = layout(parse_text(SAMPLE).diagram)
    svg = ET.fromstring(render_svg(lay).encode())
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(f"{ns}circle")) == 2
    assert {e.get("class") for e in svg.iter()} >= {"divider", "delay", "banner", "gap", "dot"}
    assert render_png(lay, scale=2).startswith(b"\x89PNG")


def test_autonumber_start_and_restart() -> None:
    diagram = parse_text("autonumber 10\nA->B: a\nB->A\nautonumber off\nA->B: c\nautonumber\nA->B: d\n").diagram
    assert diagram.statements[0] == Autonumber(10)
    labels = [t.lines[0] for t in layout(diagram).texts() if t.kind == "message"]
    assert labels == ["10. a", "11.", "c", "1. d"]


def test_export_plantuml_has_every_equivalent() -> None:
    result = export(parse_text(SAMPLE).diagram, "plantuml", "s.wsd")
    lines = [ln.strip() for ln in result.text.splitlines()]
    for expected in ("autonumber 1", "[-> client : user clicks", "== the API side ==",
                     "...a few seconds later...", "hnote over nova_compute : PAUSED",
                     "ref over client, nova_api : see unpause", "autonumber stop",
                     "nova_compute ->] : notification lost", "' parallel {", "' }"):
        assert expected in lines, (expected, result.text)
    assert [p.message for p in result.dropped] == [
        "no PlantUML equivalent for 'parallel' blocks (steps drawn one after the other); kept as a comment"]


def test_export_mermaid_keeps_the_rest_as_comments_with_one_warning_each() -> None:
    result = export(parse_text(SAMPLE + "== again ==\n").diagram, "mermaid", "s.wsd")
    lines = [ln.strip() for ln in result.text.splitlines()]
    assert "autonumber" in lines and "autonumber off" in lines
    assert "%% [->client: user clicks" in lines and "%% == the API side ==" in lines
    assert "nova_compute->>nova_api: event" in lines
    messages = sorted(p.message for p in result.dropped)
    assert messages == sorted([
        "no Mermaid equivalent for found messages; kept as a comment",
        "no Mermaid equivalent for dividers; kept as a comment (and 1 more)",
        "no Mermaid equivalent for 'parallel' blocks (steps drawn one after the other); kept as a comment",
        "no Mermaid equivalent for delays; kept as a comment",
        "no Mermaid equivalent for 'state over'; kept as a comment",
        "no Mermaid equivalent for 'ref over'; kept as a comment",
        "no Mermaid equivalent for lost messages; kept as a comment",
    ])


def test_model_values() -> None:
    d = parse_text("[-->>A: in\nA->>]: out\n== ==\n...\n").diagram
    assert d.statements == (LostFound("found", "A", "in", "dotted", "open"),
                            LostFound("lost", "A", "out", "solid", "open"), Divider(""), Delay(""))
    assert [p.name for p in d.participants()] == ["A"]
