"""Glob patterns of a project's rules that match nothing in a source tree.

`trace rules check --source TREE` asks this of the patterns the walk
matches names with: participants' modules against the tree's module names;
call patterns (`[skip]`, `[runners]`, notes, persist, bindings, flows,
plugins' loaders)
against the calls its modules make, as written and with the first name read
through the module's imports (`compute_utils.notify` ->
`pkg.compute.utils.notify`), and against the functions, classes and methods
it defines (what a call resolves to); decorator patterns (notes, discovery)
against its decorators, whole and by their last name. Test modules are left
out. A pattern written for another release may well match nothing in this
one: the check says so, it does not judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import translate
from pathlib import Path
from typing import Iterable, Iterator

from tracer.index.model import Function, If, Loop, Module, Try
from tracer.index.tree import SourceTree, is_utf8
from tracer.rules import Rules
from tracer.tomlread import TomlReader, read_toml

KINDS = ("module", "call", "decorator")
_GROUP = "_rc"  # the named groups of _alternation (fnmatch's own may be g0, g1, ...)


@dataclass(frozen=True)
class Pattern:
    """One glob of the rules: where it is written and what it matches."""

    table: str
    index: int | None  # the entry of [[table]]; None in a plain [table]
    key: str
    glob: str
    kind: str  # one of KINDS

    @property
    def where(self) -> str:
        entry = f"[[{self.table}]] #{self.index + 1}" if self.index is not None else f"[{self.table}]"
        return f"{entry} {self.key}"


@dataclass(frozen=True)
class Names:
    """What a tree holds for the patterns to match, by kind."""

    modules: frozenset[str]
    calls: frozenset[str]
    decorators: frozenset[str]

    def of(self, kind: str) -> frozenset[str]:
        return {"module": self.modules, "call": self.calls, "decorator": self.decorators}[kind]


@dataclass(frozen=True)
class Unmatched:
    pattern: Pattern
    line: int  # in the rules file, from 1


def patterns(rules: Rules) -> list[Pattern]:
    """Every glob the walk matches names with, in the order of the file's tables."""
    found: list[Pattern] = []
    add = lambda table, i, key, globs, kind: found.extend(  # noqa: E731
        Pattern(table, i, key, g, kind) for g in globs if g)
    disc = rules.discovery
    add("discovery", None, "action_decorator", [disc.action_decorator], "decorator")
    add("discovery", None, "removed_decorator", [disc.removed_decorator], "decorator")
    for i, part in enumerate(rules.participants):
        add("participants", i, "modules", part.modules, "module")
    for i, binding in enumerate(rules.bindings):
        add("bindings", i, "call", [binding.call], "call")
    for i, note in enumerate(rules.notes):
        add("notes", i, "call", [note.call], "call")
        add("notes", i, "decorator", [note.decorator], "decorator")
    for i, persist in enumerate(rules.persist):
        add("persist", i, "call", [persist.call], "call")
    for i, flow in enumerate(rules.flows):
        add("flows", i, "add", [flow.add], "call")
        add("flows", i, "run", flow.run, "call")
    for i, plugin in enumerate(rules.plugins):
        add("plugins", i, "loaders", plugin.loaders, "call")
    add("runners", None, "calls", rules.runners, "call")
    add("runners", None, "wrappers", rules.wrappers, "call")
    add("skip", None, "calls", rules.skip, "call")
    add("skip", None, "unknown", rules.skip_unknown, "call")
    return list(dict.fromkeys(found))


def names_in(tree: SourceTree, package: str) -> Names:
    """The module names, call names and decorator names of `package` in the
    tree (indexing each of its modules; a tree's IndexCache keeps them)."""
    modules, calls, decorators = set(), set(), set()
    for name in module_names(tree, package):
        modules.add(name)
        module = tree.module(name)
        if module is not None:
            _collect(module, calls, decorators)
    return Names(frozenset(modules), frozenset(calls), frozenset(decorators))


def module_names(tree: SourceTree, package: str) -> list[str]:
    """The package's modules, test modules and files not named in UTF-8
    (which no import can name; drafting warns of them) left out."""
    top = tree.root / package
    files = sorted(top.rglob("*.py")) if (top / "__init__.py").is_file() else []
    names = [tree.module_name(p) for p in files if "tests" not in p.relative_to(tree.root).parts]
    return [name for name in names if is_utf8(name)]


def unmatched(rules: Rules, names: Names) -> list[Unmatched]:
    """The patterns of `rules` that match no name of their kind, with their line."""
    globs = patterns(rules)
    hit: set[Pattern] = set()
    for kind in KINDS:
        mine = [p for p in globs if p.kind == kind]
        hit.update(_matched(mine, names.of(kind)))
    text = read_toml(Path(rules.path)) if Path(rules.path).is_file() else ""
    reader = TomlReader(text, rules.path)
    return [Unmatched(p, _line(reader, p)) for p in globs if p not in hit]


def _matched(globs: list[Pattern], names: Iterable[str]) -> set[Pattern]:
    """The patterns some name matches: one regular expression of the
    patterns still unmatched, made again only when one of them matches."""
    left = list(globs)
    hit: set[Pattern] = set()
    regex = _alternation(left)
    for name in names:
        while regex is not None and (found := regex.match(name)) is not None:
            done = left[next(int(k[len(_GROUP):]) for k, v in found.groupdict().items()
                             if v is not None and k.startswith(_GROUP))]
            hit.add(done)
            left = [p for p in left if p is not done]
            regex = _alternation(left)
        if regex is None:
            break
    return hit


def _alternation(globs: list[Pattern]) -> re.Pattern[str] | None:
    """One expression, a named group per pattern (`_rc0`, `_rc1`, ...); a
    decorator pattern also matches as the last part (`*.` + pattern), as
    discovery reads it."""
    if not globs:
        return None
    parts = []
    for i, p in enumerate(globs):
        alts = [translate(p.glob)] + ([translate("*." + p.glob)] if p.kind == "decorator" else [])
        parts.append(f"(?P<{_GROUP}{i}>{'|'.join(alts)})")
    return re.compile("|".join(parts))


def _collect(module: Module, calls: set[str], decorators: set[str]) -> None:
    for name, value in module.assigns.items():
        calls.add(f"{module.name}.{name}")
    for cls in module.classes.values():
        calls.add(f"{module.name}.{cls.name}")
        decorators.update(_decorator_names(module, cls.decorators))
    for fn in _functions(module):
        calls.add(f"{module.name}.{fn.qualname}")
        decorators.update(_decorator_names(module, fn.decorators))
        for callee in _callees(fn.events):
            calls.add(callee)
            calls.add(_through_imports(module, callee))


def _functions(module: Module) -> Iterator[Function]:
    todo = list(module.functions.values()) + [m for c in module.classes.values() for m in c.methods.values()]
    while todo:
        fn = todo.pop()
        yield fn
        todo.extend(fn.nested.values())


def _callees(events: tuple) -> Iterator[str]:
    for ev in events:
        if isinstance(ev, If):
            yield from _callees(ev.body)
            yield from _callees(ev.orelse)
        elif isinstance(ev, Loop):
            yield from _callees(ev.body)
        elif isinstance(ev, Try):
            yield from _callees(ev.body)
            for handler in ev.handlers:
                yield from _callees(handler.events)
        elif hasattr(ev, "callee"):
            yield ev.callee


def _decorator_names(module: Module, decos: tuple) -> set[str]:
    names = set()
    for deco in decos:
        names.update((deco.name, deco.name.rsplit(".", 1)[-1], _through_imports(module, deco.name)))
    return names


def _through_imports(module: Module, dotted: str) -> str:
    """`utils.spawn` with `from pkg import utils` -> `pkg.utils.spawn`."""
    head, dot, rest = dotted.partition(".")
    target = module.imports.get(head)
    return f"{target}{dot}{rest}" if target else dotted


def _line(reader: TomlReader, p: Pattern) -> int:
    """The line the pattern is written on: the first after its key's line that
    quotes it, up to the next table; else the key's line."""
    start = reader.line_of(p.table, p.index, p.key)
    quoted = (f'"{p.glob}"', f"'{p.glob}'")
    for i in range(start - 1, len(reader.lines)):
        line = reader.lines[i]
        if i >= start and line.lstrip().startswith("["):
            break
        if any(q in line for q in quoted):
            return i + 1
    return start
