"""Steps -> a Diagram: title, participants in order of appearance, statements."""

from __future__ import annotations

from tracer.wsd.model import Diagram, Participant, Statement


def to_diagram(title: str, statements: list[Statement], first: str) -> Diagram:
    probe = Diagram(title, tuple(statements))
    order = [first] + [p.name for p in probe.participants() if p.name != first]
    decls: list[Statement] = [Participant(name) for name in order]
    return Diagram(title, tuple(decls + statements))
