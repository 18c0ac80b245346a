"""The whole flow for one project: rules -> tree -> index -> walk -> diagram."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from tracer.analysis.discover import Operation, discover
from tracer.analysis.resolve import Resolver
from tracer.analysis.sequence import to_diagram
from tracer.analysis.services import Services
from tracer.analysis.fold import fold
from tracer.analysis.steps import brief
from tracer.analysis.walk import Limits, Walk, Walker
from tracer.index.cache import IndexCache
from tracer.index.tree import SourceTree
from tracer.problems import TracerError
from tracer.rules import Rules
from tracer.wsd.model import Diagram


@dataclass
class Draft:
    operation: Operation
    diagram: Diagram
    walk: Walk
    problems: list[str]


class Project:
    """A project's rules bound to one source tree, indexed lazily (and kept
    in `cache` across runs when given)."""

    def __init__(self, rules: Rules, root: Path, options: dict[str, str] | None = None,
                 cache: IndexCache | None = None) -> None:
        self.rules = rules
        self.tree = SourceTree(root, cache)
        self.resolver = Resolver(self.tree, rules, options)
        self.services = Services()  # other services' trees, added by `with_service`
        self._ops: list[Operation] | None = None

    def with_service(self, other: "Project") -> None:
        """Walk requests to `other`'s service on in its tree."""
        self.services.trees = {**self.services.trees, other.rules.project: other}
        other.services = self.services

    def operations(self) -> list[Operation]:
        if self._ops is None:
            self._ops = discover(self.tree, self.rules)
        return self._ops

    def find(self, name: str) -> Operation:
        target = self.rules.alias(name) or name
        if self._ops is None:  # a quick look first: only the files naming it
            quick = {op.name: op for op in discover(self.tree, self.rules, only=target)}
            if target in quick:
                return quick[target]
        ops = {op.name: op for op in self.operations()}
        if target in ops:
            return ops[target]
        if target != name:
            raise TracerError(f"'{name}' is an alias of '{target}', which this {self.rules.project} tree "
                              f"does not serve (`trace ops {self.rules.project}` lists what it does)")
        close = difflib.get_close_matches(name, [n for n in [*ops, *dict(self.rules.aliases)] if n != name], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; `trace ops " + self.rules.project + "` lists them"
        raise TracerError(f"no operation '{name}' in {self.rules.project}{hint}")

    def start(self, name: str, granularity: str | None = None) -> tuple[Operation, Rules, str]:
        """The operation, the rules at the granularity to draw it with
        (default: the rules' choice for that name), its first participant."""
        op = self.find(name)
        if op.removed:
            raise TracerError(f"operation '{name}' ({op.handler}, {op.path}:{op.line}) was removed "
                              f"in {op.removed}: this tree only answers it with an error", exit_code=1)
        rules = self.rules.at(granularity or self.rules.granularity_of(name))
        entry = rules.participant_of(self.tree.module_name(self.tree.root / op.path))
        return op, rules, entry or "api"

    def draft(self, name: str, limits: Limits = Limits(), granularity: str | None = None) -> Draft:
        """Draw one operation; granularity 'service' or 'module'. Requests to
        the services in `self.services` are walked on in their trees. The
        detail (`limits.detail`): `full` draws all the walk met, `normal`
        folds what a person leaves out, `brief` keeps only the messages
        between participants other than databases."""
        op, rules, entry = self.start(name, granularity)
        walk = Walker(self.resolver, rules, limits, self.services,
                      frozenset({(self.rules.project, op.name)})).walk(op.ref, entry, name)
        title = self.rules.title.format(op=name)
        steps = walk.statements
        if limits.folds:
            steps = fold(steps)
        if limits.detail == "brief":
            databases = {self.rules.database, *(name for n, s in self.services.trees.items()
                                                for name in (s.rules.database, f"{n}_{s.rules.database}"))}
            steps = brief(steps, databases)
        diagram = to_diagram(title, steps, self.rules.client, walk.roles)
        problems = [*self.tree.problems, *(p for s in self.services.trees.values() for p in s.tree.problems)]
        return Draft(op, diagram, walk, problems)
