"""Resolve chains (`self.compute_api.pause`) to what they name in a tree.

A `Ref` names a module, class, instance of a class, function or method by
its dotted qualified name; `external` for names outside the tree. Where
static analysis cannot know (factories, configured drivers) the rules'
bindings answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Callable, Literal, TypeVar

from tracer.analysis.decide import Options, decide
from tracer.globs import matches
from tracer.index.model import Bind, ClassDef, Event, Function, If, Module, Return, straight
from tracer.index.options import UNSET
from tracer.index.tree import ReadKey, SourceTree
from tracer.rules import Rules

Kind = Literal["module", "class", "instance", "function", "method", "external", "super"]
MAX_DEPTH = 12
PROPERTIES = {"property", "cached_property", "lazy_property"}  # decorators read as attributes
# Python-2-era names the index renames before parsing (`async` -> `async_`);
# a module of that name (pkg/async/) is still found under its own name
_RENAMED = {"async_": "async", "await_": "await"}
T = TypeVar("T")
Reads = tuple[ReadKey, ...]
UNDECIDED = "unresolved: returns "  # in a Ref's via: the class was one of two a branch returns


@dataclass(frozen=True)
class Ref:
    """`bound`: for a method found on an instance, the instance's class, so
    that `self` inside it dispatches on the subclass (`task.execute()` runs
    the base's execute, whose `self._execute()` is the subclass's)."""

    kind: Kind
    name: str
    via: str = field(default="", compare=False)
    bound: str | None = field(default=None, compare=False)

    @property
    def owner(self) -> str:
        """For a method: the class that defines it."""
        return self.name.rsplit(".", 1)[0]


@dataclass(frozen=True)
class Context:
    """Where a chain is read: a module, maybe a class, local names' refs."""

    module: str
    cls: str | None = None            # the class of `self`
    env: tuple[tuple[str, Ref], ...] = ()
    defining: str | None = None       # the class whose method this is (for super())

    def local(self, name: str) -> Ref | None:
        return dict(self.env).get(name)

    def with_env(self, env: tuple[tuple[str, Ref], ...]) -> "Context":
        """The same place with other local names (quicker than `replace`: asked at every binding)."""
        return Context(self.module, self.cls, env, self.defining)


class Resolver:
    def __init__(self, tree: SourceTree, rules: Rules, options: dict[str, str] | None = None) -> None:
        self.tree = tree
        self.rules = rules
        self.options = options or {}
        # answers remembered, each with the tree reads that found it (logged again when
        # it is given again: a draft's record of what it read must not depend on the drafts before it)
        self._modules: dict[str, tuple[tuple[Module, str] | None, Reads]] = {}  # module_of
        self._mros: dict[str, tuple[list[str], Reads]] = {}
        self._evals: dict[tuple[object, ...], tuple[Ref | None, Reads]] = {}
        self._chosen: dict[tuple[str, ...], tuple[str, Reads]] = {}

    def _remembered(self, table: dict[Any, tuple[T, Reads]], key: Any, find: Callable[[], T]) -> T:
        """`find()`, remembered in `table` under `key`."""
        known = table.get(key)
        if known is not None:
            if known[1]:
                self.tree.reread(known[1])
            return known[0]
        start = len(self.tree.trail)
        found = find()
        table[key] = (found, self.tree.trail_since(start))
        return found

    def chosen(self, candidates: tuple[str, ...]) -> str:
        """The first of a rule's classes the tree defines (a release's
        variant), else the first."""
        return self._remembered(self._chosen, candidates, lambda: next(
            (self._canonical(c) for c in candidates if self.find_class(c)), candidates[0]))

    def _canonical(self, qualname: str) -> str:
        """A qualname under the name of the module that defines it
        (`pkg.async_.X` is `pkg.async.X` where the tree has pkg/async/)."""
        found = self.module_of(qualname)
        return f"{found[0].name}.{found[1]}" if found and found[1] else qualname

    # definitions ---------------------------------------------------------
    def module_of(self, qualname: str) -> tuple[Module, str] | None:
        """The longest module prefix of a qualname in the tree, and the rest."""
        return self._remembered(self._modules, qualname, lambda: self._module_of(qualname))

    def _module_of(self, qualname: str) -> tuple[Module, str] | None:
        parts = qualname.split(".")
        for i in range(len(parts), 0, -1):
            mod = self.tree.module(".".join(parts[:i]))
            if mod is None and _RENAMED.keys() & set(parts[:i]):  # `import pkg.async` read as pkg.async_
                mod = self.tree.module(".".join(_RENAMED.get(p, p) for p in parts[:i]))
            if mod is not None:
                return mod, ".".join(parts[i:])
        return None

    def find_class(self, qualname: str) -> tuple[Module, ClassDef] | None:
        found = self.module_of(qualname)
        if found and found[1] and "." not in found[1] and found[1] in found[0].classes:
            return found[0], found[0].classes[found[1]]
        return None

    def find_function(self, qualname: str) -> tuple[Module, ClassDef | None, Function] | None:
        found = self.module_of(qualname)
        if not found or not found[1]:
            return None
        mod, rest = found
        if "." not in rest:
            fn = mod.functions.get(rest)
            return (mod, None, fn) if fn else None
        cls_name, meth = rest.split(".", 1)
        cls = mod.classes.get(cls_name)
        if cls and meth in cls.methods:
            return mod, cls, cls.methods[meth]
        return None

    def mro(self, cls_qual: str, depth: int = 0) -> list[str]:
        """The class and its bases in tree, in Python's order (C3); bases
        outside the tree are left out. Where C3 finds no order (a base it
        cannot see would have settled it), depth first, once each."""
        if depth == 0:
            return list(self._remembered(self._mros, cls_qual, lambda: self._mro(cls_qual, 0)))
        return self._mro(cls_qual, depth)

    def _mro(self, cls_qual: str, depth: int) -> list[str]:
        found = self.find_class(cls_qual)
        if not found or depth > MAX_DEPTH:
            return [cls_qual] if found else []
        mod, cls = found
        bases = [ref.name for base in cls.bases
                 if (ref := self.eval(base, Context(mod.name), depth + 1)) and ref.kind == "class"]
        lines = [self.mro(b, depth + 1) for b in bases]
        merged = _c3([list(line) for line in lines] + [list(bases)])
        if merged is None:
            merged = []
            for line in lines:
                merged += [c for c in line if c not in merged]
        return [cls_qual] + [c for c in merged if c != cls_qual]

    def method(self, cls_qual: str, name: str, after: str | None = None) -> Ref | None:
        chain = self.mro(cls_qual)
        if after in chain:
            chain = chain[chain.index(after) + 1:]
        for qual in chain:
            found = self.find_class(qual)
            if found and name in found[1].methods:
                return Ref("method", f"{qual}.{name}", "mro" if qual != cls_qual else "class")
        return None

    # evaluation ------------------------------------------------------------
    def eval(self, chain: str, ctx: Context, depth: int = 0) -> Ref | None:
        """What a chain refers to, or None when it cannot be known (asked
        from outside, remembered: walks ask the same in the same places)."""
        if depth:
            return self._eval(chain, ctx, depth)
        key = (chain, ctx.module, ctx.cls, ctx.defining,
               tuple((name, ref.kind, ref.name, ref.via, ref.bound) for name, ref in ctx.env))
        return self._remembered(self._evals, key, lambda: self._eval(chain, ctx, 0))

    def _eval(self, chain: str, ctx: Context, depth: int) -> Ref | None:
        if not chain or depth > MAX_DEPTH:
            return None
        if "(" in chain:  # texts kept whole: `Client(version, **args)`
            chain = without_args(chain)
        parts = chain.split(".")
        ref = self._head(parts[0], ctx, depth)
        for part in parts[1:]:
            if ref is None:
                return None
            ref = self._step(ref, part, depth)
        return ref

    def _head(self, part: str, ctx: Context, depth: int) -> Ref | None:
        name, calls = _strip(part)
        if name == "super" and calls and ctx.cls:
            return Ref("super", ctx.defining or ctx.cls, "super", ctx.cls)
        ref = self._name(name, ctx, depth)
        for _ in range(calls):
            ref = self.call_result(ref, depth) if ref else None
        return ref

    def _name(self, name: str, ctx: Context, depth: int) -> Ref | None:
        if name == "self" and ctx.cls:
            return Ref("instance", ctx.cls, "self")
        if name == "cls" and ctx.cls:
            return Ref("class", ctx.cls, "cls")
        local = ctx.local(name)
        if local is not None:
            return local
        return self.symbol(ctx.module, name, depth)

    def _step(self, ref: Ref, part: str, depth: int) -> Ref | None:
        name, calls = _strip(part)
        if name == "__enter__" and calls == 1 and ref.kind == "instance" and self.find_class(ref.name) \
                and self.method(ref.name, name) is None:
            return ref  # a class of the tree entered through a library base's __enter__: itself, by convention
        out = self.attr(ref, name, depth)
        for _ in range(calls):
            out = self.call_result(out, depth) if out else None
        return out

    def constant(self, chain: str, ctx: Context) -> str | None:
        """The string a module-level or class-level constant holds, named
        here by `chain` (`POLICY_ROOT`, `policies.POLICY_ROOT`, imported by
        name, `fields.NotificationPhase.START`); None for anything else."""
        head, _, name = chain.rpartition(".")
        module: str | None = ctx.module
        if head:
            ref = self.eval(head, ctx)
            if ref is not None and ref.kind == "class":
                return next((found[1].constants[name] for cls in self.mro(ref.name)
                             if (found := self.find_class(cls)) and name in found[1].constants), None)
            module = ref.name if ref is not None and ref.kind == "module" else None
        elif (mod := self.tree.module(ctx.module)) is not None and name in mod.imports:
            module, _, name = mod.imports[name].rpartition(".")
        found = self.tree.module(module) if module else None
        return found.constants.get(name) if found is not None else None

    def symbol(self, module: str, name: str, depth: int = 0) -> Ref | None:
        """A name defined or imported at module level."""
        mod = self.tree.module(module)
        if mod is None or depth > MAX_DEPTH:
            return None
        if name in mod.classes:
            return Ref("class", f"{module}.{name}", "definition")
        if name in mod.functions:
            return Ref("function", f"{module}.{name}", "definition")
        if name in mod.imports:
            return self.absolute(mod.imports[name], depth + 1)
        if name in mod.assigns:  # a global set at run time (`OPS = None`) is typed by the rules
            return self.eval(mod.assigns[name], Context(module), depth + 1) or self._global_rule(module, name)
        if mod.is_package and self.tree.module(f"{module}.{name}") is not None:
            return Ref("module", f"{module}.{name}", "submodule")
        if mod.is_package and name in _RENAMED and self.tree.module(f"{module}.{_RENAMED[name]}") is not None:
            return Ref("module", f"{module}.{_RENAMED[name]}", "submodule")
        for star in mod.star_imports:
            if star != module and (ref := self.symbol(star, name, depth + 1)) is not None:
                return ref
        if any(reg.module == module for reg in self.rules.registries):
            definer = self.tree.find_definer(module, name)
            ref = self.symbol(definer, name, depth + 1) if definer else None
            return Ref(ref.kind, ref.name, "rule registry") if ref else None
        return None

    def absolute(self, dotted: str, depth: int = 0) -> Ref:
        found = self.module_of(dotted)
        if found is None:
            return Ref("external", dotted, "outside the tree")
        mod, rest = found
        ref: Ref | None = Ref("module", mod.name, "import")
        for part in rest.split(".") if rest else []:
            ref = self.attr(ref, part, depth + 1) if ref else None
        return ref or Ref("external", dotted, "not defined in the tree")

    def attr(self, ref: Ref, name: str, depth: int = 0) -> Ref | None:
        if ref.kind == "external":  # a library's global the rules type (`pecan.request.rpcapi`)
            return self._global_rule(ref.name, name) or Ref("external", f"{ref.name}.{name}", ref.via)
        if ref.kind == "module":
            return self.symbol(ref.name, name, depth + 1)
        if ref.kind in ("instance", "class", "super"):
            after = ref.name if ref.kind == "super" else None
            meth = self.method(ref.name, name, after=after)
            if meth and self._is_property(meth.name):  # `self.notifier.cast`: what the property returns
                got = self._returns(meth.name, depth + 1)
                return got if got is not None and got.kind != "external" else \
                    self._attr_rule(ref.name, name) or got
            if meth:
                bound = ref.bound if ref.kind == "super" else ref.name
                return Ref(meth.kind, meth.name, f"{ref.via}, {meth.via}" if ref.via else meth.via, bound)
            return self._attr_rule(ref.name, name) or self._class_attr(ref.name, name, depth)
        return None

    def _is_property(self, qualname: str) -> bool:
        found = self.find_function(qualname)
        return found is not None and any(d.name.rsplit(".", 1)[-1] in PROPERTIES for d in found[2].decorators)

    def _attr_rule(self, cls_qual: str, name: str) -> Ref | None:
        for rule in self.rules.attributes:
            if matches(name, rule.name) and any(matches(c, rule.owner) for c in self.mro(cls_qual)):
                return Ref("instance", self.chosen(rule.candidates), "rule attribute")
        return None

    def _global_rule(self, module: str, name: str) -> Ref | None:
        for rule in self.rules.attributes:
            if matches(name, rule.name) and matches(module, rule.owner):
                return Ref("instance", self.chosen(rule.candidates), "rule attribute")
        return None

    def _class_attr(self, cls_qual: str, name: str, depth: int) -> Ref | None:
        for qual in self.mro(cls_qual):
            found = self.find_class(qual)
            if found and name in found[1].attrs:
                ctx = Context(found[0].name, qual)
                ref = self.eval(found[1].attrs[name], ctx, depth + 1)
                return Ref(ref.kind, ref.name, f"self-attribute ({ref.via})") if ref else None
        return None

    def call_result(self, ref: Ref, depth: int = 0) -> Ref | None:
        """What calling `ref` gives: an instance, a bound result, or None."""
        if ref.kind == "class":
            return Ref("instance", ref.name, "constructor")
        if ref.kind == "external":
            return Ref("external", ref.name + "()", ref.via)
        if ref.kind not in ("function", "method"):
            return None
        bound = self.binding(ref.name)
        if bound is not None:
            return bound
        # `return self` gives the object the method was called on (a subclass's)
        return self._returns(ref.name, depth, me=ref.bound if ref.kind == "method" else None)

    def binding(self, qualname: str, index: int | None = None) -> Ref | None:
        """What the rules say a call returns (with `index`: that item of the
        tuple it returns)."""
        for rule in self.rules.bindings:
            if rule.item == index and matches(qualname, rule.call):
                choice = dict(rule.choices).get(self.options.get(rule.option or "", ""))
                return Ref("instance", self.chosen(rule.candidates) if choice is None else choice, "rule binding")
        return None

    def _returns(self, qualname: str, depth: int, index: int | None = None, me: str | None = None) -> Ref | None:
        """What a function returns (its first top-level return that tells);
        with `index`, that item of the tuple it returns. An if/else that
        returns in both arms gives the arm the options' declared defaults
        choose, else the first arm's, its via saying what the other is.
        `me`: the class of the object a method is called on, what its
        `return self` gives."""
        found = self.find_function(qualname)
        if not found or depth > MAX_DEPTH:
            return None
        mod, cls, fn = found
        ctx = Context(mod.name, f"{mod.name}.{cls.name}" if cls else None)
        return self._told(fn.events, ctx, {}, depth, index, me if cls else None)

    def _told(self, events: tuple[Event, ...], ctx: Context, env: dict[str, Ref], depth: int,
              index: int | None, me: str | None = None) -> Ref | None:
        """The first return among these events that tells (`env`: the locals
        bound on the way, updated)."""
        for ev in straight(events):
            if isinstance(ev, Bind) and ev.index is None:  # locals the return may name
                env.pop(ev.name, None)
                if (local := self.eval(ev.value, replace(ctx, env=tuple(env.items())), depth + 1)) is not None:
                    env[ev.name] = local
            if isinstance(ev, If) and (ref := self._arms(ev, ctx, env, depth, index, me)) is not None:
                return ref
            if not isinstance(ev, Return):
                continue
            here = replace(ctx, env=tuple(env.items()))
            if index is None and ev.value == "self" and me:
                return Ref("instance", me, "return value")
            if index is None and ev.value:
                ref = self.eval(ev.value, here, depth + 1)
            elif index is not None and len(ev.items) > index and ev.items[index]:
                ref = self.eval(ev.items[index], here, depth + 1)
            elif index is not None and ev.value.endswith("()"):  # `return other()`: its item
                ref = self.item(ev.value, index, here, depth + 1)
            else:
                continue
            if ref and ref.kind in ("instance", "external"):
                return Ref(ref.kind, ref.name, ref.via if UNDECIDED in ref.via else "return value")
        return None

    def _arms(self, ev: If, ctx: Context, env: dict[str, Ref], depth: int, index: int | None,
              me: str | None = None) -> Ref | None:
        """What a branch returns: the arm the configuration's declared
        defaults (and the rules' settings) choose, its locals kept after it
        when it returns nothing; else, where both arms return a class, the
        first arm's, with the other named in its via."""
        settled = decide(ev.test, Options(self.tree.options(ctx.module.split(".")[0]), UNSET,
                                          settings=self.rules.settings))
        if settled is not None:
            return self._told(ev.body if settled else ev.orelse, ctx, env, depth, index, me)
        first = self._told(ev.body, ctx, dict(env), depth, index, me) if ev.orelse else None
        other = self._told(ev.orelse, ctx, dict(env), depth, index, me) if first else None
        if first is None or other is None:
            return None  # an arm that may fall through: the return after the branch tells
        if other.name == first.name:
            return first
        return Ref(first.kind, first.name, f"return value ({UNDECIDED}{first.name} or {other.name})")

    def handed_back(self, chain: str, index: int, ctx: Context) -> tuple[Ref, str] | None:
        """The callee and the parameter it returns, unchanged, as item `index`
        of its tuple (`return tmpl, stack, new` where `stack` is a parameter
        it never rebinds): that item is what the caller passed."""
        callee = self.eval(chain[:-2], ctx) if chain.endswith("()") else None
        found = self.find_function(callee.name) if callee and callee.kind in ("function", "method") else None
        if callee is None or found is None:
            return None
        fn = found[2]
        events = list(straight(fn.events))
        bound = {ev.name for ev in events if isinstance(ev, Bind)}
        for ev in events:
            if isinstance(ev, Return) and len(ev.items) > index:
                name = ev.items[index]
                return (callee, name) if name in fn.params and name not in bound else None
        return None

    def item(self, chain: str, index: int, ctx: Context, depth: int = 0) -> Ref | None:
        """Item `index` of the tuple a call returns: `a, b = self._pair()`."""
        callee = self.eval(chain[:-2], ctx, depth + 1) if chain.endswith("()") else None
        if callee is None or callee.kind not in ("function", "method"):
            return None
        return self.binding(callee.name, index) or self._returns(callee.name, depth + 1, index)


@lru_cache(maxsize=4096)
def without_args(text: str) -> str:
    """`someclient.Client(version, **args).stacks` -> `someclient.Client().stacks`."""
    out, level = [], 0
    for ch in text:
        if ch == "(":
            if level == 0:
                out.append("()")
            level += 1
        elif ch == ")":
            level = max(0, level - 1)
        elif level == 0:
            out.append(ch)
    return "".join(out)


def _c3(lines: list[list[str]]) -> list[str] | None:
    """Merge linearisations as Python does; None when no order exists."""
    out: list[str] = []
    lines = [line for line in lines if line]
    while lines:
        head = next((line[0] for line in lines if not any(line[0] in other[1:] for other in lines)), None)
        if head is None:
            return None
        out.append(head)
        lines = [rest for line in lines if (rest := [c for c in line if c != head])]
    return out


def _strip(part: str) -> tuple[str, int]:
    """'get_guest()' -> ('get_guest', 1); item access `[]` is dropped."""
    calls = part.count("()")
    return part.replace("()", "").replace("[]", ""), calls
