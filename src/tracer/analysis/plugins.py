"""What a plugin-loading call runs (`[[plugins]]` rules).

`DriverManager('pkg.flows', task.type, invoke_on_load=True)` loads the
entry point `task.type` of the namespace `pkg.flows` and calls it. The
namespace is read from the call, the name too when it is a literal (else
the rule's `name`), and the function or class from the tree's entry points
(else the rule's `target`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracer.entrypoints import EntryPoints, entry_points
from tracer.globs import matches
from tracer.index.model import Arg, Call
from tracer.index.tree import SourceTree
from tracer.rules import PluginRule

if TYPE_CHECKING:
    from tracer.analysis.resolve import Resolver


@dataclass(frozen=True)
class Loaded:
    """A loading call's plugin: its name, what it names (None: unknown, see
    `why`), and whether the call also calls it (`invoke_on_load=True`)."""

    name: str
    target: str | None
    invoked: bool
    why: str = ""  # what the walk could not tell, for `explain`


def defined_targets(rule: PluginRule, resolver: Resolver) -> tuple[str, ...]:
    """The rule's targets the tree defines (a function or a class)."""
    return tuple(t for t in rule.targets if resolver.find_function(t) or resolver.find_class(t))


def _arg(call: Call, position: int, keyword: str) -> Arg | None:
    positional = [a for a in call.args if a.keyword is None]
    if position < len(positional):
        return positional[position]
    return next((a for a in call.args if a.keyword == keyword), None)


class Plugins:
    """The `[[plugins]]` rules of a project, against one tree's entry points."""

    def __init__(self, rules: tuple[PluginRule, ...], tree: SourceTree) -> None:
        self.rules = rules
        self.tree = tree
        self._points: EntryPoints | None = None
        self.ends = {p.rsplit(".", 1)[-1] for rule in rules for p in rule.loaders}  # last names of loaders

    @property
    def points(self) -> EntryPoints:
        if self._points is None:
            self._points = entry_points(self.tree)
        return self._points

    def rule(self, call: Call, names: tuple[str, ...]) -> PluginRule | None:
        """The rule for a loading call (its text or what it resolved to
        matches a loader) of a namespace the rules name."""
        namespace = _arg(call, 0, "namespace")
        if namespace is None or namespace.literal is None:
            return None
        return next((r for r in self.rules if r.namespace == namespace.literal
                     and any(matches(n, p) for n in names for p in r.loaders)), None)

    def loaded(self, call: Call, rule: PluginRule, defined: tuple[str, ...]) -> Loaded:
        """The plugin a call loads; `defined`: the rule's targets the tree defines."""
        given = _arg(call, 1, "name")
        if given is not None and given.literal is not None:
            name, why = given.literal, ""
        elif rule.name:
            name = rule.name
            why = (f"plugin name {given.text if given else '(none)'} is known only at run time: "
                   f"the rules' '{rule.name}' is drawn")
        else:
            name, why = None, "plugin name is known only at run time and the rules name none"
        invoke = next((a for a in call.args if a.keyword == "invoke_on_load"), None)
        invoked = invoke is not None and invoke.text == "True"
        if name is None:
            return Loaded("", None, invoked, why)
        target = self.points.get(rule.namespace, {}).get(name) or (defined[0] if defined else None)
        if target is None:
            why = f"no entry point '{name}' in {rule.namespace} (setup.cfg, pyproject.toml) and no target in the rules"
        return Loaded(name, target, invoked, why)
