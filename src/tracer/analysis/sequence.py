"""Steps -> a Diagram: title, participants in order of appearance, statements."""

from __future__ import annotations

from dataclasses import replace

from tracer.wsd.model import Branch, Diagram, Group, Lifeline, Message, Note, Participant, Statement


def to_diagram(title: str, statements: list[Statement], first: str,
               roles: dict[str, str] | None = None) -> Diagram:
    """`roles` maps host-role participants to their service; a service seen
    in one role only is drawn under its plain name."""
    renames = _single_roles(statements, roles or {})
    body = [rename(s, renames) for s in statements]  # also: the walk's own kinds of note become notes
    probe = Diagram(title, tuple(body))
    order = [first] + [p.name for p in probe.participants() if p.name != first]
    decls: list[Statement] = [Participant(name) for name in order]
    return Diagram(title, tuple(decls + body))


def _single_roles(statements: list[Statement], roles: dict[str, str]) -> dict[str, str]:
    """Roles drawn under their service's name: a service whose roles never
    meet on one path (alternatives in different arms are the same host)."""
    used = {p.name for p in Diagram(None, tuple(statements)).participants()}
    per_service: dict[str, list[str]] = {}
    for role, service in roles.items():
        if role in used:
            per_service.setdefault(service, []).append(role)
    together = _paths(statements, set(roles))
    return {name: service for service, names in per_service.items() if service not in used
            and not any(len(path & set(names)) > 1 for path in together) for name in names}


def _paths(statements: list[Statement] | tuple[Statement, ...], names: set[str]) -> set[frozenset[str]]:
    """The sets of `names` that one run through the steps can meet: the arms
    of an `alt` are alternatives; an `opt` or a loop may run or not."""
    paths: set[frozenset[str]] = {frozenset()}
    for stmt in statements:
        if isinstance(stmt, Group):
            arms: set[frozenset[str]] = set()
            for branch in stmt.branches:
                arms |= _paths(branch.steps, names)
            if stmt.kind != "alt" or len(stmt.branches) < 2:
                arms.add(frozenset())
        else:
            arms = {frozenset(_names(stmt) & names)}
        paths = {p | a for p in paths for a in arms}
    return paths


def _names(stmt: Statement) -> set[str]:
    if isinstance(stmt, Message):
        return {stmt.source, stmt.target}
    if isinstance(stmt, Note):
        return set(stmt.participants)
    if isinstance(stmt, Lifeline):
        return {stmt.participant}
    return set()


def rename(stmt: Statement, names: dict[str, str]) -> Statement:
    n = lambda x: names.get(x, x)  # noqa: E731
    if isinstance(stmt, Message):
        return replace(stmt, source=n(stmt.source), target=n(stmt.target))
    if isinstance(stmt, Note):
        return Note(stmt.position, tuple(map(n, stmt.participants)), stmt.text, stmt.kind, stmt.multiline, stmt.line)
    if isinstance(stmt, Lifeline):
        return replace(stmt, participant=n(stmt.participant))
    if isinstance(stmt, Group):
        return replace(stmt, branches=tuple(Branch(b.label, tuple(rename(s, names) for s in b.steps))
                                            for b in stmt.branches))
    return stmt
