"""Drafts from the hand-written Liberty-shaped tree in fixtures/liberty."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracer.analysis.walk import Limits
from tracer.pipeline import Project
from tracer.rules import load_rules
from tracer.source import FIXTURES
from tracer.wsd.diff import diff_diagrams
from tracer.wsd.emit import emit
from tracer.wsd.model import Comment, walk
from tracer.wsd.parse import parse_file

from layers import assert_layers, CLASSIC

EXPECTED = Path(__file__).resolve().parents[1] / "expected" / "nova" / "liberty"


@pytest.fixture(scope="module")
def project() -> Project:
    return Project(load_rules("nova"), FIXTURES / "liberty")


@pytest.mark.parametrize("detail", ["normal", "full"])
def test_pause_draft_is_exactly_the_expected_text(project: Project, detail: str):
    """The whole draft, so that any change in output is a visible diff.
    After an intended change: TRACER_UPDATE_EXPECTED=1 pytest, then review."""
    text = emit(project.draft("pause", Limits(detail=detail)).diagram)
    expected = EXPECTED / ("pause.wsd" if detail == "normal" else f"pause-{detail}.wsd")
    if os.environ.get("TRACER_UPDATE_EXPECTED"):
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")


def test_pause_messages_and_anchors_match_the_reference(project: Project, reference_dir: Path):
    """Every message and anchor of the hand-written pause diagram is drafted;
    what differs is in the notes' wording and steps the reference left out."""
    ours = project.draft("pause").diagram
    ref = parse_file(reference_dir / "nova" / "pause.wsd").diagram
    result = diff_diagrams(ours, ref)
    assert not [e for e in result.entries if e.op == "added" and e.kind == "message"]
    changed = [e.a.who for e in result.entries if e.op == "changed" and e.kind == "message"]
    # the manager's save: the reference omits power_state and writes vm_states.PAUSED
    assert changed == ["nova_compute->database"]
    ours_anchors = {(a.path, a.func) for a in ours.anchors()}
    assert {(a.path, a.func) for a in ref.anchors()} <= ours_anchors


@pytest.mark.parametrize("op", sorted(CLASSIC))
def test_classic_operation_reaches_every_layer(project: Project, op: str):
    draft = project.draft(op)
    assert_layers(draft.diagram, CLASSIC[op]["liberty"])


def test_every_anchor_names_a_function_in_the_tree(project: Project):
    from tracer.lint import lint_anchors
    for op in CLASSIC:
        problems = lint_anchors(project.draft(op).diagram, f"{op}.wsd", FIXTURES / "liberty")
        assert problems == [], (op, [str(p) for p in problems])


def test_drafts_are_deterministic(project: Project):
    again = Project(load_rules("nova"), FIXTURES / "liberty")
    assert emit(project.draft("reboot").diagram) == emit(again.draft("reboot").diagram)


def test_python2_file_is_read_and_reported_once(project: Project):
    draft = project.draft("pause")
    assert [p for p in draft.problems if "guest.py" in p] == \
        ["nova/virt/libvirt/guest.py: read 'async' used as a name on line 117"]
    anchors = [s.text for s in walk(draft.diagram.statements) if isinstance(s, Comment)]
    assert "nova/virt/libvirt/guest.py pause()" in anchors or \
        any("libvirt/driver.py pause()" in a for a in anchors)
