"""Run the examples rules carry: a module's source in, the steps it draws out."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from tracer.analysis.resolve import Ref, Resolver
from tracer.analysis.sequence import to_diagram
from tracer.analysis.walk import Walker
from tracer.index.tree import SourceTree
from tracer.rules import Example, Rules
from tracer.wsd.model import Message, Note, Statement, walk


@dataclass(frozen=True)
class Outcome:
    name: str           # e.g. "notes #1"
    expected: tuple[str, ...]
    actual: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def examples(rules: Rules) -> list[tuple[str, Example]]:
    """Every example in the rules, named by its table and position."""
    found = []
    tables = (("participants", rules.participants), ("bindings", rules.bindings), ("rpc", rules.rpc),
              ("notes", rules.notes), ("persist", rules.persist), ("flows", rules.flows), ("plugins", rules.plugins),
              ("clients", rules.clients))
    for table, entries in tables:
        for i, rule in enumerate(entries):
            if rule.example is not None:
                found.append((f"{table} #{i + 1}", rule.example))
    return found


def run_example(rules: Rules, example: Example) -> tuple[str, ...]:
    """Write the example into a fresh tree and walk its entry (per service)."""
    rules = rules.at("service")
    with tempfile.TemporaryDirectory(prefix="tracer-example-") as tmp:
        root = Path(tmp)
        for path, source in ((example.path, example.source), *example.more):
            _write_module(root, path, source)
        target = root / example.path
        tree = SourceTree(root)
        module = tree.module_name(target)
        participant = rules.participant_of(module) or "caller"
        walker = Walker(Resolver(tree, rules), rules)
        result = walker.walk(Ref("method" if "." in example.entry else "function",
                                 f"{module}.{example.entry}"), participant, "example")
        diagram = to_diagram("example", result.statements, participant, result.roles)
        # the request that starts the example and its response are not the rule's steps
        return tuple(step_line(s) for s in walk(diagram.statements) if isinstance(s, Note) or
                     (isinstance(s, Message) and rules.client not in (s.source, s.target)))


def _write_module(root: Path, path: str, source: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    for folder in target.relative_to(root).parents:
        init = root / folder / "__init__.py"
        if str(folder) != "." and not init.exists():
            init.touch()
    target.write_text(source, encoding="utf-8")


def step_line(step: Statement) -> str:
    if isinstance(step, Message):
        return f"{step.source}->{step.target}: {step.text}"
    assert isinstance(step, Note)
    return f"note {step.position} {','.join(step.participants)}: {step.text}"


def check_examples(rules: Rules) -> list[Outcome]:
    return [Outcome(name, ex.steps, run_example(rules, ex)) for name, ex in examples(rules)]
