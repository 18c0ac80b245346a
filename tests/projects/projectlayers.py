"""Assert the layers a drafted operation passes: anchors (`path func()`),
messages between participants (text matched as a substring) and notes."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracer.wsd.model import Comment, Diagram, Message, Note, walk


@dataclass(frozen=True)
class Layers:
    anchors: tuple[str, ...] = ()                       # "path func()", exact
    messages: tuple[tuple[str, str, str], ...] = ()     # (source, target, text contained)
    notes: tuple[tuple[str, str], ...] = ()             # (participant, text contained)
    absent: tuple[str, ...] = field(default=())         # participants never drawn


def shown(diagram: Diagram) -> str:
    steps = list(walk(diagram.statements))
    lines = [s.text for s in steps if isinstance(s, Comment)]
    lines += [f"{m.source}->{m.target}: {m.text}" for m in steps if isinstance(m, Message)]
    return "\n".join(lines)


def assert_layers(diagram: Diagram, want: Layers) -> None:
    steps = list(walk(diagram.statements))
    anchors = {s.text for s in steps if isinstance(s, Comment)}
    messages = [s for s in steps if isinstance(s, Message)]
    notes = [s for s in steps if isinstance(s, Note)]
    for anchor in want.anchors:
        assert anchor in anchors, (anchor, shown(diagram))
    for source, target, text in want.messages:
        assert any(m.source == source and m.target == target and text in m.text for m in messages), \
            ((source, target, text), shown(diagram))
    for who, text in want.notes:
        assert any(who in n.participants and text in n.text for n in notes), (who, text, shown(diagram))
    drawn = {p for m in messages for p in (m.source, m.target)}
    for name in want.absent:
        assert name not in drawn, (name, shown(diagram))
