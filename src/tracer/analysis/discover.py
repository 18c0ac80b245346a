"""Find the operations a tree serves: REST handlers named by the rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from tracer.globs import matches
from tracer.analysis.resolve import Ref, Resolver
from tracer.analysis.text import words
from tracer.index.model import ClassDef, Function, Module
from tracer.index.tree import SourceTree, read_text
from tracer.rules import Rules


@dataclass(frozen=True)
class Operation:
    name: str
    path: str
    line: int
    handler: str        # Class.method
    ref: Ref            # the handler method
    removed: str | None = None  # the release that removed it, if marked so
    inherited: str = ""  # the class that defines the handler, when not the one serving it
    resource: bool = False  # named by the rules' resource_methods (`keypair.create`), not an action

    def describe(self) -> str:
        gone = f"  (removed in {self.removed})" if self.removed else ""
        base = f" (defined in {self.inherited})" if self.inherited else ""
        return f"{self.name}\t{self.path}:{self.line} {self.handler}{base}{gone}"


def discover(tree: SourceTree, rules: Rules, only: str | None = None) -> list[Operation]:
    """Every handler in the API modules, sorted by name; clashing names get
    their module as prefix (`servers.create`). With `only`, just the files
    whose text mentions that name are read (a quick scan, no parse)."""
    found: list[Operation] = []
    for path in tree.files(rules.discovery.api_modules):
        if only is not None and not _mentions(path, only):
            continue
        module = tree.module(tree.module_name(path))
        if module is not None:
            found += _module_ops(module, rules)
    found += _entry_points(tree, rules)
    taken = {alias for alias, target in rules.aliases if alias != target}  # `create` may name another op
    return sorted(_disambiguate(found, rules.discovery.prefer, taken), key=lambda op: op.name)


def _disambiguate(ops: list[Operation], prefer: tuple[str, ...], taken: set[str]) -> list[Operation]:
    """Clashing names get their module as prefix, except in a preferred module
    (the rules name it: a servers.py may keep `reboot`); so does a name an
    alias of the rules gives another operation. Handlers of one module that
    still share a name (one action on several controllers) get their class's
    resource instead (`snapshot_admin.os-force_delete`), then the handler too."""
    names = Counter(op.name for op in ops)
    out = []
    for op in ops:
        if op.name in taken:
            out.append(_qualified(op))
            continue
        clash = names[op.name] > 1
        preferred = any(matches(op.path, pat) for pat in prefer) and \
            sum(1 for o in ops if o.name == op.name and any(matches(o.path, p) for p in prefer)) == 1
        out.append(_qualified(op) if clash and not preferred else op)
    for rename in (_by_class, _by_handler):
        left = Counter(op.name for op in out)
        out = [rename(op, first) if left[op.name] > 1 else op for op, first in zip(out, ops)]
    return out


def _mentions(path: Path, name: str) -> bool:
    text = read_text(path)
    return text is None or any(part in text for part in name.split("."))  # None: the index reports it


def _qualified(op: Operation) -> Operation:
    module = Path(op.path).stem
    return replace(op, name=f"{module}.{op.name}")


def _by_class(op: Operation, first: Operation) -> Operation:
    """`first`'s name under the handler's class: its words, `Controller` left out."""
    owner = op.handler.rpartition(".")[0] or op.handler
    return replace(op, name=f"{'_'.join(words(owner.removesuffix('Controller')))}.{first.name}")


def _by_handler(op: Operation, first: Operation) -> Operation:
    """`first`'s name under the handler's class and method."""
    return replace(op, name=f"{op.handler}.{first.name}")


def _module_ops(module: Module, rules: Rules) -> list[Operation]:
    ops = []
    stem = Path(module.path).stem
    for cls in module.classes.values():
        for fn, owner in _handlers(module, cls):
            action = _action_name(fn, stem, rules)
            name = action or _resource_name(cls, fn, stem, rules)
            if name:
                served = f"{module.name}.{cls.name}"
                ref = Ref("method", f"{module.name}.{owner.name}.{fn.name}", "handler",
                          bound=served if owner is not cls else None)
                ops.append(Operation(name, module.path, fn.line, f"{cls.name}.{fn.name}", ref, _removed(fn, rules),
                                     owner.name if owner is not cls else "", resource=not action))
    for fn in module.functions.values():  # flask-style handlers: `@rest.post('/x')` on a function
        name = _action_name(fn, stem, rules)
        if name:
            ref = Ref("function", f"{module.name}.{fn.name}", "handler")
            ops.append(Operation(name, module.path, fn.line, fn.qualname, ref, _removed(fn, rules)))
    return ops


def _handlers(module: Module, cls: ClassDef) -> list[tuple[Function, ClassDef]]:
    """A class's methods with the class defining each: its own, and those it
    inherits from classes of the same module (a base whose subclasses say
    what `self._get()` reads). The root of such a family is taken for an
    abstract base: a method one of its subclasses inherits is that
    subclass's operation, not the root's."""
    found: dict[str, tuple[Function, ClassDef]] = {}
    lineage = _lineage(module, cls, ())
    for owner in lineage:
        for fn in owner.methods.values():
            found.setdefault(fn.name, (fn, owner))
    heirs = [c for c in module.classes.values() if c is not cls and cls in _lineage(module, c, ())]
    if len(lineage) > 1 or not heirs:
        return list(found.values())
    return [(fn, owner) for fn, owner in found.values()
            if all(_overrides(module, heir, cls, fn.name) for heir in heirs)]


def _overrides(module: Module, heir: ClassDef, root: ClassDef, method: str) -> bool:
    """Whether `heir`, or a class between it and `root`, defines `method`."""
    return any(method in c.methods for c in _lineage(module, heir, ()) if c is not root)


def _lineage(module: Module, cls: ClassDef, seen: tuple[str, ...]) -> list[ClassDef]:
    """`cls`, then its bases defined in the same module, depth first (a
    loop of bases is cut)."""
    out = [cls]
    for base in cls.bases:
        found = module.classes.get(base)
        if found is not None and found.name not in seen and found is not cls:
            out += [c for c in _lineage(module, found, (*seen, cls.name)) if c not in out]
    return out


def _entry_points(tree: SourceTree, rules: Rules) -> list[Operation]:
    """Operations the rules start at a named function or method (a method
    may be inherited: `self` is still the named class); those the tree does
    not define are left out."""
    r = Resolver(tree, rules)
    ops = []
    for name, target in rules.discovery.entry_points:
        owner, method = target.rsplit(".", 1)
        ref = r.method(owner, method) if r.find_class(owner) else None
        ref = Ref("method", ref.name, "entry point", bound=owner) if ref else None
        if ref is None and r.find_function(target):
            ref = Ref("function", target, "entry point")
        found = r.find_function(ref.name) if ref else None
        if ref and found:
            ops.append(Operation(name, found[0].path, found[2].line, found[2].qualname, ref))
    return ops


def _matches(decorator: str, pattern: str) -> bool:
    return matches(decorator, pattern) or matches(decorator, "*." + pattern)


def _action_name(fn: Function, stem: str, rules: Rules) -> str | None:
    """The operation a decorated handler serves, named by the rules'
    `action_name` template ({literal}: the decorator's first literal
    argument, {function}: the handler's name, {module}: its file's name)."""
    for deco in fn.decorators:
        if _matches(deco.name, rules.discovery.action_decorator):
            literal = next((a.literal for a in deco.args if a.literal), None)
            if literal and literal.isprintable():  # a line break or a terminal escape names nothing
                return rules.discovery.action_name.format(literal=literal, function=fn.name, module=stem)
    return None


def _resource_name(cls: ClassDef, fn: Function, stem: str, rules: Rules) -> str | None:
    template = dict(rules.discovery.resource_methods).get(fn.name)
    if template is None or not cls.name.endswith("Controller"):
        return None
    resource = "_".join(words(cls.name.removesuffix("Controller"))) or stem
    return template.format(module=stem, method=fn.name, resource=resource)


def _removed(fn: Function, rules: Rules) -> str | None:
    pattern = rules.discovery.removed_decorator
    for deco in fn.decorators if pattern else ():
        if _matches(deco.name, pattern):
            return next((a.literal for a in deco.args if a.literal), "an earlier release")
    return None
