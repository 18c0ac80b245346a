"""Property tests: random diagrams survive emit -> parse; no text makes the parser raise."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tracer.wsd.emit import emit
from tracer.wsd.model import (
    Autonumber, Branch, Comment, Delay, Diagram, Directive, Divider, Group, Lifeline, LostFound,
    Message, Note, Parallel, Participant,
)
from tracer.wsd.parse import parse_text

_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters='"')
_PLAIN = st.text(_CHARS, max_size=16).map(str.strip)
_ODD_NAME = _PLAIN.filter(bool)
_NAME = st.one_of(
    st.sampled_from(["client", "nova_api", "nova-api", "db.v2", "libvirt", "end", "note", "A"]),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,8}(-[a-z0-9]{1,4})?", fullmatch=True),
    _ODD_NAME,
)
_TEXT = st.one_of(_PLAIN, st.lists(_PLAIN, min_size=2, max_size=3).map("\\n".join).map(str.strip))
_BLOCK = st.lists(_PLAIN.filter(lambda s: not s.lower().startswith("end")), max_size=3).map("\n".join)


@st.composite
def notes(draw) -> Note:
    multiline = draw(st.booleans())
    return Note(
        draw(st.sampled_from(["over", "left of", "right of"])),
        tuple(draw(st.lists(_NAME, min_size=1, max_size=3))),
        draw(_BLOCK if multiline else _TEXT),
        draw(st.sampled_from(["note", "state", "ref"])),
        multiline,
    )


_SIMPLE = st.one_of(
    st.builds(Participant, _NAME, st.none() | _PLAIN, st.sampled_from(["participant", "actor"])),
    st.builds(Message, _NAME, _NAME, _TEXT, st.sampled_from(["solid", "dotted"]),
              st.sampled_from(["filled", "open"]), st.booleans(), st.sampled_from(["", "+", "-", "*"])),
    notes(),
    st.builds(Lifeline, st.sampled_from(["activate", "deactivate", "destroy"]), _NAME),
    st.builds(Comment, _PLAIN, st.integers(1, 3)),
    st.sampled_from([Directive("option footer=none")]),
    st.builds(Autonumber, st.none() | st.integers(0, 10**6)),
    st.builds(LostFound, st.sampled_from(["lost", "found"]), _NAME, _TEXT,
              st.sampled_from(["solid", "dotted"]), st.sampled_from(["filled", "open"])),
    st.builds(Divider, _PLAIN),
    st.builds(Delay, _PLAIN),
)


def _groups(children):
    branches = st.builds(Branch, _PLAIN, st.lists(children, max_size=3).map(tuple))
    kinds = st.sampled_from(["alt", "opt", "loop", "par", "group", "critical", "break"])
    groups = st.builds(Group, kinds, st.lists(branches, min_size=1, max_size=2).map(tuple))
    return groups | st.builds(Parallel, st.lists(children, max_size=3).map(tuple))


_STATEMENT = st.recursive(_SIMPLE, _groups, max_leaves=8)
DIAGRAMS = st.builds(Diagram, st.none() | _PLAIN, st.lists(_STATEMENT, max_size=8).map(tuple))


@settings(max_examples=200, deadline=None)
@given(DIAGRAMS)
@example(Diagram(None, (Participant("client"), Note("over", ("unknown",), ""))))  # a name, not a warning
def test_emit_then_parse_gives_the_same_diagram(diagram: Diagram) -> None:
    text = emit(diagram)
    parsed = parse_text(text)
    assert parsed.diagram == diagram, text
    assert not [p for p in parsed.problems
                if p.message.startswith("unknown statement") or "never closed" in p.message]


_WSD_BITS = st.sampled_from([
    "A", "B", "->", "-->", "->>", "<->", "+", "-", "*", ":", " ", "\n", "\\n", '"', ",", "#",
    "note over ", "end", "end note", "alt ", "else", "participant ", " as ", "activate ",
    "deactivate ", "title ", "ref over ", "loop", "\t", "é", "[", "]", "==", "...", "parallel {",
    "}", "autonumber ", "state over ",
])
_WSD_LIKE = st.lists(_WSD_BITS, max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), _WSD_LIKE))
def test_parse_never_raises_and_its_canonical_form_is_stable(text: str) -> None:
    first = parse_text(text)
    emitted = emit(first.diagram)
    assert parse_text(emitted).diagram == first.diagram, emitted
