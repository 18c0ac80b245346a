"""Layout: columns from measured text, rows, bars, groups, and no overlaps."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from textwrap import dedent

import pytest
from render_checks import problems, reference_files

from tracer.render.fonts import load_fonts
from tracer.render.layout import layout
from tracer.render.shapes import Arrow, Box, Layout, Text
from tracer.wsd.model import Diagram, Group, Branch, Message, Note, Participant
from tracer.wsd.parse import parse_file, parse_text

REFS = [pytest.param(f, id=f"{f.parent.name}/{f.stem}") for f in reference_files()] or [
    pytest.param(None, marks=pytest.mark.skip(reason="reference diagrams not found"))
]


def lay(text: str) -> Layout:
    return layout(parse_text(dedent(text)).diagram)


def centres(result: Layout) -> dict[str, float]:
    top: dict[str, float] = {}
    for b in result.boxes("participant"):
        top.setdefault(b.participants[0], b.rect.x + b.rect.w / 2)
    return top


def text_of(result: Layout, *lines: str) -> Text:
    found = [t for t in result.texts() if t.lines == lines]
    assert len(found) == 1, f"{lines} in {[t.lines for t in result.texts()]}"
    return found[0]


@pytest.mark.parametrize("path", REFS)
def test_reference_layouts_have_no_overlaps(path: Path) -> None:
    result = layout(parse_file(path).diagram)
    assert problems(result) == []
    assert result.texts(), "nothing drawn"


FEATURES = """\
    title Every feature\\nin one diagram
    participant "Long\\nname" as L
    actor user
    participant B
    user->L: a fairly long message label that needs room
    L-->B: dotted reply
    L->>B: async call
    B-->>L: async reply
    L<->B: both ways
    L->+B: activate B
    B->+B: nested self call with a label
    B->-B: back
    B->-L: done
    note left of L: on the left
    note right of B: on the right
    note over user,B: across all three participants
    state over B: a state
    ref over L,B: a reference
    alt first case
        opt nested
            loop forever
                user->L: deep
            end
        end
    else
        par
            L->B: one
        else other
            L->B: two
        end
    end
    activate user
    user->B: unicode ünïcødé → 中文
    deactivate user
    L->*C: create
    C->L: made
    destroy C
    """


def test_every_feature_lays_out_without_overlap() -> None:
    result = lay(FEATURES)
    assert problems(result) == []
    kinds = {b.kind for b in result.boxes()}
    assert kinds >= {"participant", "note", "state", "ref", "activation", "frame", "tab", "cross"}


def test_overlap_check_catches_a_moved_label() -> None:
    """The checker itself: a message label pushed onto a note is reported."""
    result = lay("""\
        A->B: hello
        note over A: a note
        """)
    note = next(b for b in result.boxes("note"))
    shapes = tuple(replace(s, rect=note.rect) if isinstance(s, Text) and s.kind == "message"
                   else s for s in result.shapes)
    assert any("overlaps" in p for p in problems(replace(result, shapes=shapes)))


def test_columns_widen_with_the_measured_label() -> None:
    short = centres(lay("A->B: x\n"))
    long_text = "x" * 80
    wide = centres(lay(f"A->B: {long_text}\n"))
    face = load_fonts().body
    assert wide["B"] - wide["A"] >= face.width(long_text)
    assert wide["B"] - wide["A"] > short["B"] - short["A"] + face.width("x" * 70)


def test_narrow_letters_need_less_room_than_wide_ones() -> None:
    """Real metrics, not a character count: 40 'i' are narrower than 40 'W'."""
    narrow, wide = centres(lay("A->B: " + "i" * 40 + "\n")), centres(lay("A->B: " + "W" * 40 + "\n"))
    assert wide["B"] - wide["A"] > 2 * (narrow["B"] - narrow["A"]) - 60


def test_label_sits_between_its_lifelines_above_its_arrow() -> None:
    result = lay("A->B: hello\nB-->A: bye\n")
    xs = centres(result)
    for text, arrow in zip(
        (t for t in result.texts() if t.kind == "message"),
        (s for s in result.shapes if isinstance(s, Arrow)),
    ):
        assert xs["A"] < text.rect.x and text.rect.x1 < xs["B"]
        assert text.rect.y1 <= arrow.points[0][1]
    dotted = [s.dotted for s in result.shapes if isinstance(s, Arrow)]
    assert dotted == [False, True]


def test_nested_activations_are_offset() -> None:
    result = lay("""\
        A->+B: one
        B->+B: self
        B->-B: back
        B->-A: done
        """)
    bars = sorted(result.boxes("activation"), key=lambda b: b.rect.x)
    assert len(bars) == 2
    assert bars[1].rect.x > bars[0].rect.x
    assert bars[0].rect.contains(replace(bars[1].rect, x=bars[0].rect.x))


def test_self_message_loops_right() -> None:
    result = lay("A->A: think\n")
    arrow = next(s for s in result.shapes if isinstance(s, Arrow))
    (x0, y0), (x1, _), (_, y2), (x3, y3) = arrow.points
    assert x1 > x0 and y2 > y0 and x3 == x0 and y3 == y2
    assert text_of(result, "think").rect.x > x1


def test_line_breaks_make_lines() -> None:
    result = lay("A->B: first\\nsecond\nnote over A: one\\n two\n")
    assert text_of(result, "first", "second").rect.h == 2 * load_fonts().body.line_height
    text_of(result, "one", "two")


def test_notes_beside_and_over() -> None:
    result = lay("""\
        A->B: x
        note left of A: left
        note right of B: right
        note over A,B: both
        """)
    xs = centres(result)
    notes = {b.line: b.rect for b in result.boxes("note")}
    assert notes[2].x1 < xs["A"]
    assert notes[3].x > xs["B"]
    assert notes[4].x < xs["A"] and notes[4].x1 > xs["B"]


def test_groups_nest_and_else_separates() -> None:
    result = lay("""\
        alt yes
            opt inner
                A->B: x
            end
        else no
            B->A: y
        end
        """)
    frames = sorted(result.boxes("frame"), key=lambda b: b.rect.w, reverse=True)
    assert len(frames) == 2 and frames[0].rect.contains(frames[1].rect)
    assert [s.kind for s in result.shapes if getattr(s, "kind", "") == "separator"] == ["separator"]
    assert {t.lines for t in result.texts() if t.kind in ("group", "else")} >= {
        ("alt",), ("[yes]",), ("opt",), ("[inner]",), ("[no]",)}


def test_reference_quirks_render(reference_dir: Path) -> None:
    """shelve.wsd's unclosed group still gets a frame, and the parser warns."""
    parsed = parse_file(reference_dir / "nova" / "shelve.wsd")
    assert any("never closed" in p.message for p in parsed.problems)
    result = layout(parsed.diagram)
    assert result.boxes("frame")
    assert problems(result) == []


def test_undeclared_participants_get_columns_in_order() -> None:
    diagram = Diagram("t", (Participant("A"), Message("A", "Z", "x"), Message("Z", "M", "y")))
    names = [b.participants[0] for b in layout(diagram).boxes("participant")]
    assert names[:3] == ["A", "Z", "M"]


def test_elements_keep_their_source_line() -> None:
    result = lay("participant A\nA->B: x\nnote over B: n\nalt c\nA->B: y\nend\n")
    lines = {(type(s).__name__, getattr(s, "kind", "")): s.line for s in result.shapes}
    assert lines["Arrow", ""] in (2, 5)
    assert lines["Box", "note"] == 3
    assert lines["Box", "frame"] == 4


def test_group_built_in_the_model_directly() -> None:
    body = (Message("A", "B", "x", line=2),)
    diagram = Diagram(None, (Group("loop", (Branch("each", body, line=1),), line=1),
                             Note("over", ("A", "B"), "n", line=3)))
    result = layout(diagram)
    assert problems(result) == []
    assert any(isinstance(s, Box) and s.kind == "frame" and s.line == 1 for s in result.shapes)


@pytest.mark.parametrize("text", [
    "title only", "# just a comment", "note over A: alone", "A->A: self only", "alt x\nend",
    "note left of A: left\nnote right of A: right", "deactivate A\nactivate A", "A->B:\nB-->A:",
    "ref over A", "alt\nelse a very long else label that is wider than the frame\nend",
])
def test_edge_cases_lay_out(text: str) -> None:
    result = lay(text + "\n")
    assert problems(result) == []
    assert result.width > 0 and result.height > 0
