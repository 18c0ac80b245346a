"""`autonumber`: number the messages of a diagram in document order before it is laid out.

`autonumber` starts at 1, `autonumber 5` at 5, `autonumber off` stops; the
number goes in front of the message's text (`3. pause_instance`), so the
columns are measured with it.
"""

from __future__ import annotations

from dataclasses import replace

from tracer.wsd.model import Autonumber, Diagram, Group, LostFound, Message, Parallel, Statement, walk


class _Counter:
    def __init__(self) -> None:
        self.next: int | None = None

    def statements(self, stmts: tuple[Statement, ...]) -> tuple[Statement, ...]:
        return tuple(self.statement(s) for s in stmts)

    def statement(self, stmt: Statement) -> Statement:
        if isinstance(stmt, Autonumber):
            self.next = stmt.start
        elif isinstance(stmt, (Message, LostFound)) and self.next is not None:
            n, self.next = self.next, self.next + 1
            return replace(stmt, text=f"{n}. {stmt.text}" if stmt.text else f"{n}.")
        elif isinstance(stmt, Group):
            branches = tuple(replace(b, steps=self.statements(b.steps)) for b in stmt.branches)
            return replace(stmt, branches=branches)
        elif isinstance(stmt, Parallel):
            return replace(stmt, steps=self.statements(stmt.steps))
        return stmt


def number_messages(diagram: Diagram) -> Diagram:
    """The diagram with its messages numbered where `autonumber` is on (unchanged without one)."""
    if not any(isinstance(s, Autonumber) for s in walk(diagram.statements)):
        return diagram
    return replace(diagram, statements=_Counter().statements(diagram.statements))

