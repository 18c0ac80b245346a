"""Random diagrams built from the model lay out without overlaps and draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from render_checks import problems

from tracer.render.layout import layout
from tracer.render.svg import render_svg
from tracer.wsd.model import (
    Autonumber, Branch, Delay, Diagram, Divider, Group, Lifeline, LostFound, Message, Note,
)

NAMES = ["a", "bb", "service_c", "D"]
words = st.text(alphabet="abcdefghij WXYZ_()=.:", min_size=0, max_size=40)
texts = st.lists(words, min_size=1, max_size=3).map("\\n".join)
names = st.sampled_from(NAMES)

messages = st.builds(
    Message, names, names, texts,
    st.sampled_from(["solid", "dotted"]), st.sampled_from(["filled", "open"]), st.booleans(),
    st.sampled_from(["", "", "+", "-"]),
)
notes = st.builds(
    Note, st.sampled_from(["over", "left of", "right of"]),
    st.lists(names, min_size=1, max_size=3, unique=True).map(tuple), texts,
    st.sampled_from(["note", "note", "state", "ref"]),
)
lifelines = st.builds(Lifeline, st.sampled_from(["activate", "deactivate"]), names)
edges = st.builds(LostFound, st.sampled_from(["lost", "found"]), names, texts,
                  st.sampled_from(["solid", "dotted"]), st.sampled_from(["filled", "open"]))
rows = st.builds(Divider, words) | st.builds(Delay, words) | st.builds(Autonumber, st.none() | st.integers(0, 99))
simple = st.one_of(messages, messages, notes, lifelines, edges, rows)


def groups(inner):
    branches = st.lists(st.builds(Branch, words, st.lists(inner, max_size=4).map(tuple)),
                        min_size=1, max_size=3).map(tuple)
    return st.builds(Group, st.sampled_from(["alt", "opt", "loop", "par"]), branches)


statements = st.recursive(simple, groups, max_leaves=12)
diagrams = st.builds(Diagram, st.one_of(st.none(), words), st.lists(statements, max_size=14).map(tuple))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diagrams)
def test_random_diagrams_have_no_overlaps(diagram: Diagram) -> None:
    result = layout(diagram)
    assert problems(result) == []
    ET.fromstring(render_svg(result).encode())
