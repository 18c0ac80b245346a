"""Load and validate `rules/<project>.toml` into typed, frozen rules.

Everything project-specific lives in the rules: participants by module
pattern, factory bindings, RPC clients, notes, persistence, what to skip,
operation discovery and aliases. A bad file is a TracerError naming
`file:line`, the entry and the field.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from string import Formatter

from tracer.bundled import bundled
from tracer.backtrack import hazard
from tracer.globs import any_match, matches
from tracer.problems import TracerError
from tracer.tomlread import TomlReader, load_toml, read_toml

_NAME = re.compile(r"[A-Za-z0-9][\w.-]*")  # one word: no path, nothing empty
_PACKAGE = re.compile(r"[A-Za-z_]\w*")  # the top folder of the tree's code

# The tables a rules file may hold: plain tables with their keys (None: any
# key, as in [aliases]) and arrays of tables ([[name]]) with their fields.
TABLES: dict[str, set[str] | None] = {
    "project": {"name", "package", "client", "database", "title", "resource_title", "file_titles", "titles",
                "fixture"},
    "discovery": {"api_modules", "action_decorator", "resource_methods", "removed_decorator", "prefer",
                  "action_name", "entry_points"},
    "aliases": None, "skip": {"calls", "unknown"}, "runners": {"calls", "wrappers"}, "granularity": {"module"},
    "catalogue": {"operations"}, "settings": None,
}
ENTRIES: dict[str, set[str]] = {
    "participants": {"name", "modules", "opaque", "example", "granularity"},
    "bindings": {"call", "returns", "option", "choices", "example", "item"},
    "registries": {"module"},
    "attributes": {"name", "type", "owner"},
    "rpc": {"client", "service", "server", "cast", "call", "example", "roles"},
    "notes": {"text", "call", "decorator", "example"},
    "persist": {"call", "text", "example", "granularity"},
    "flows": {"add", "run", "method", "text", "arms", "example"},
    "plugins": {"namespace", "loaders", "name", "target", "example"},
    "clients": {"service", "objects", "methods", "method_arg", "prefix", "prefix_kw", "example"},
    "routes": {"client", "request", "operation"},
}
EXAMPLE = {"path", "source", "entry", "steps", "more"}
_QUALIFIED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")

# Python's own container and string methods: a call to one of them on a value
# of unknown type is no step. The engine skips them where `[skip] unknown`
# applies (Rules.skips_unknown); a project's rules add only what is its own.
PYTHON_METHODS = tuple(f"*.{name}" for name in (
    "get", "append", "extend", "update", "pop", "items", "keys", "values", "setdefault", "copy",
    "add", "remove", "discard", "index",
    "split", "join", "format", "replace", "lower", "upper", "startswith", "endswith", "strip"))


@dataclass(frozen=True)
class Example:
    """A rule's example: a module's source and the steps its `entry` draws;
    `more` holds other modules the example needs (path -> source)."""

    path: str
    source: str
    entry: str
    steps: tuple[str, ...]
    more: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ParticipantRule:
    """Modules that run in one participant; `opaque` for another service,
    drawn as messages to it but never walked into."""

    name: str
    modules: tuple[str, ...]
    opaque: bool = False
    example: Example | None = None
    granularity: str | None = None  # only at this granularity (None: always)


@dataclass(frozen=True)
class Binding:
    """A callable whose result static analysis cannot know: `call` -> `returns`.

    `choices` map a user option value (`--driver xenapi`) to another class.
    `variants` are classes to use instead, in order, where the tree lacks
    `returns` (a class one release has and another not): the first the tree
    defines is used. `item`: for a call returning a tuple, the item typed
    (`rsrc, defn, stack = load()`: item 0 is the resource).
    """

    call: str
    returns: str
    option: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    example: Example | None = None
    variants: tuple[str, ...] = ()
    item: int | None = None

    @property
    def candidates(self) -> tuple[str, ...]:
        return (self.returns, *self.variants)


@dataclass(frozen=True)
class RpcRule:
    """Calls `<receiver>.cast|call(ctxt, 'method', ...)` inside `client`."""

    client: str
    service: str
    server: str
    cast: tuple[str, ...] = ("cast",)
    call: tuple[str, ...] = ("call",)
    example: Example | None = None
    roles: tuple[tuple[str, str], ...] = ()  # `server=` text -> host role


@dataclass(frozen=True)
class NoteRule:
    """A call (or decorator) drawn as a note; `text` may use {0} {kw} {name}."""

    text: str
    call: str | None = None
    decorator: str | None = None
    example: Example | None = None


@dataclass(frozen=True)
class PersistRule:
    """A call drawn as a message to the database participant."""

    call: str
    text: str = "{name}"
    example: Example | None = None
    granularity: str | None = None


@dataclass(frozen=True)
class FlowRule:
    """A task flow built by `add` calls and run later: the tasks constructed
    in the arguments of a call matching `add` are remembered, and a call
    matching one of `run` walks each task's `method` in the order added."""

    add: str
    run: tuple[str, ...]
    method: str = "execute"
    example: Example | None = None
    text: str | None = None  # a landmark note before each task's steps, `{task}` its class humanised
    arms: bool = False  # draw each task in the if arm or loop it was added in


@dataclass(frozen=True)
class PluginRule:
    """A call that loads a plugin by namespace and name (stevedore's
    `DriverManager('pkg.flows', name, invoke_on_load=True)`) runs what the
    entry point names: the tree's `setup.cfg`/`pyproject.toml` entry points,
    else `target` (a function or class; a list: per-release variants, the
    first the tree defines). `name` is the plugin taken where the code names
    it only at run time (`task.type`)."""

    namespace: str
    loaders: tuple[str, ...]
    name: str | None = None
    targets: tuple[str, ...] = ()
    example: Example | None = None


@dataclass(frozen=True)
class ClientRule:
    """Calls on another service's client object: a request to `service`.

    `objects` match what the receiver is (its class, or a library's name with
    `()` dropped); `methods` which of its methods count; `method_arg`, for a
    dispatcher (`client.call(ctx, 2, 'get')`), the positional argument that
    names the client method as a literal; `prefix` goes before the method's
    name (`images.` + `get`), unless the call passes the keyword `prefix_kw`
    a string literal (`controller='image_members'` -> `image_members.`).
    """

    service: str
    objects: tuple[str, ...]
    methods: tuple[str, ...] = ("*",)
    method_arg: int | None = None
    prefix: str = ""
    example: Example | None = None
    prefix_kw: str | None = None


@dataclass(frozen=True)
class RouteRule:
    """What a client method asks of this service: `client` is a regular
    expression over the method (`create_(?P<resource>\\w+)`), `request` the
    REST request it sends and `operation` this service's operation that
    serves it, both formatted with the expression's named groups."""

    client: str
    request: str
    operation: str | None = None

    def match(self, method: str) -> tuple[str, str | None] | None:
        found = re.fullmatch(self.client, method)
        if found is None:
            return None
        groups = {k: v or "" for k, v in found.groupdict().items()}
        return self.request.format(**groups), self.operation.format(**groups) if self.operation else None


@dataclass(frozen=True)
class AttributeRule:
    """`self.<name>` on instances of classes matching `owner` holds a `type`,
    where the code only passes it in (`self.compute_rpcapi = compute_rpcapi`);
    `variants` as for a Binding."""

    name: str
    type: str
    owner: str = "*"
    variants: tuple[str, ...] = ()

    @property
    def candidates(self) -> tuple[str, ...]:
        return (self.type, *self.variants)


@dataclass(frozen=True)
class Registry:
    """A module whose attributes are filled at run time from its submodules
    (`objects.Instance` registered from objects/instance.py)."""

    module: str


@dataclass(frozen=True)
class Discovery:
    api_modules: tuple[str, ...]
    action_decorator: str
    resource_methods: tuple[tuple[str, str], ...]
    removed_decorator: str | None = None
    prefer: tuple[str, ...] = ()
    action_name: str = "{literal}"  # {literal}, {function}, {module}
    # operations that start at a named function or method (`pkg.mod.Class.method`),
    # where the REST layer dispatches by name and cannot be followed
    entry_points: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Rules:
    project: str
    package: str
    path: str
    client: str
    database: str
    title: str
    fixture: str | None
    participants: tuple[ParticipantRule, ...]
    bindings: tuple[Binding, ...]
    registries: tuple[Registry, ...]
    attributes: tuple[AttributeRule, ...]
    rpc: tuple[RpcRule, ...]
    notes: tuple[NoteRule, ...]
    persist: tuple[PersistRule, ...]
    skip: tuple[str, ...]
    skip_unknown: tuple[str, ...]  # the rules' own; see skips_unknown
    aliases: tuple[tuple[str, str], ...]
    discovery: Discovery
    module_granularity: tuple[str, ...] = ()  # catalogue names drawn per module
    catalogue: tuple[str, ...] = ()  # the operations the catalogue draws
    flows: tuple[FlowRule, ...] = ()
    plugins: tuple[PluginRule, ...] = ()
    clients: tuple[ClientRule, ...] = ()
    routes: tuple[RouteRule, ...] = ()
    runners: tuple[str, ...] = ()  # calls that run the function handed to them
    wrappers: tuple[str, ...] = ()  # calls returning the function handed to them, wrapped: `wrap(f)(x)` is `f(x)`
    settings: tuple[tuple[str, object], ...] = ()  # (pattern on a name, its value under the default configuration)
    resource_title: str = "{op}"  # the title of an operation named by resource_methods
    file_titles: tuple[tuple[str, str], ...] = ()  # an action's title by the file serving it (no .py), not `title`
    titles: tuple[tuple[str, str], ...] = ()  # one operation's title by the name asked for (an alias too), before all
    digest: str = field(default="", compare=False)

    def participant_of(self, module: str) -> str | None:
        for rule in self.participants:
            if any_match(module, rule.modules):
                return rule.name
        return None

    def skips_unknown(self, call: str, name: str = "") -> bool:
        """Whether a call that resolves to nothing in the tree (its text, and
        the name it was read as) is left out: the rules' `[skip] unknown`, or
        one of Python's container and string methods unless a note or
        persist rule of the project draws that call (`*.session.add`)."""
        if any_match(call, self.skip_unknown):
            return True
        drawn = any_match(call, self._drawn_calls) or any_match(name, self._drawn_calls)
        return not drawn and any_match(call, PYTHON_METHODS)

    def note_rule(self, call: str = "", qual: str = "", deco: str = "") -> "NoteRule | None":
        """The first note rule for a decorator (by its name or last part), or
        for a call (by its text or what it resolved to)."""
        key = (call, qual, deco)
        if key not in self._memo:
            self._memo[key] = next((rule for rule in self.notes if
                                    (deco and rule.decorator and (matches(deco, rule.decorator) or
                                                                  matches(deco.rsplit(".", 1)[-1], rule.decorator)))
                                    or (call and rule.call and (matches(call, rule.call) or matches(qual, rule.call)))),
                                   None)
        return self._memo[key]  # type: ignore[return-value]

    def persist_rule(self, call: str, qual: str) -> "PersistRule | None":
        key = ("persist", call, qual)
        if key not in self._memo:
            self._memo[key] = next((rule for rule in self.persist
                                    if matches(call, rule.call) or matches(qual, rule.call)), None)
        return self._memo[key]  # type: ignore[return-value]

    @cached_property
    def _drawn_calls(self) -> tuple[str, ...]:
        return tuple(rule.call for rule in (*self.notes, *self.persist) if rule.call)

    @cached_property
    def _memo(self) -> dict[tuple[str, ...], object]:
        """Answers of note_rule/persist_rule (the walk asks the same ones
        again and again)."""
        return {}

    def is_opaque(self, participant: str) -> bool:
        return any(r.opaque for r in self.participants if r.name == participant)

    def route(self, method: str) -> tuple[str, str | None] | None:
        """The REST request a client method sends, and the operation serving it."""
        for rule in self.routes:
            if (found := rule.match(method)) is not None:
                return found
        return None

    def alias(self, name: str) -> str | None:
        return dict(self.aliases).get(name)

    def granularity_of(self, name: str) -> str:
        return "module" if name in self.module_granularity else "service"

    def at(self, granularity: str) -> "Rules":
        """The rules that apply when drawing at this granularity."""
        keep = lambda r: r.granularity in (None, granularity)  # noqa: E731
        return replace(self, participants=tuple(filter(keep, self.participants)),
                       persist=tuple(filter(keep, self.persist)))


def rules_dir() -> Path:
    """`TRACER_RULES_DIR`, else the rules shipped with the package."""
    env = os.environ.get("TRACER_RULES_DIR")
    if env:
        return Path(env)
    return bundled("rules")


def available_projects(folder: Path | None = None) -> list[str]:
    folder = folder or rules_dir()
    return sorted(p.stem for p in folder.glob("*.toml") if not p.stem.startswith("_") and p.is_file())


def load_rules(project: str, folder: Path | None = None) -> Rules:
    folder = folder or rules_dir()
    path = folder / f"{project}.toml"
    if not path.is_file():
        known = ", ".join(available_projects(folder)) or "none"
        raise TracerError(f"no rules for project '{project}' in {folder} (known: {known})")
    return parse_rules(read_toml(path), str(path))


@lru_cache(maxsize=32)
def parse_rules(text: str, path: str) -> Rules:
    rules = _Reader(text, path).rules(load_toml(text, path))
    return replace(rules, digest=hashlib.sha256(text.encode()).hexdigest())


class _Reader(TomlReader):
    """Builds typed rules."""

    def entries(self, data: dict, table: str, allowed: set[str] | None = None) -> list[tuple[int, dict]]:
        return super().entries(data, table, ENTRIES[table] if allowed is None else allowed)

    def example(self, d: dict, table: str, i: int) -> Example | None:
        ex = d.get("example")
        if ex is None:
            return None
        if not isinstance(ex, dict):
            raise self.fail(table, i, "example", "must be a table with path, source, entry, steps")
        unknown = sorted(set(ex) - EXAMPLE)
        if unknown:
            raise self.fail(table, i, "example", f"has an unknown field '{unknown[0]}' "
                            f"(known: {', '.join(sorted(EXAMPLE))})")
        g = lambda k, t, d=...: self.get(ex, table, i, k, t, d)  # noqa: E731
        more = g("more", dict, {})
        if not all(isinstance(v, str) for v in more.values()):
            raise self.fail(table, i, "example", "'more' must map paths to source text")
        return Example(g("path", str), g("source", str), g("entry", str), g("steps", list),
                       tuple(sorted(more.items())))

    def rules(self, data: dict) -> Rules:
        self.shape(data, TABLES, ENTRIES)
        proj = data.get("project", {})
        g = lambda k, t=str, d=...: self.get(proj, "project", None, k, t, d)  # noqa: E731
        disc = data.get("discovery", {})
        gd = lambda k, t=str, d=...: self.get(disc, "discovery", None, k, t, d)  # noqa: E731
        methods = self.mapping(disc, "discovery", None, "resource_methods")
        entry_points = self._entry_points(gd("entry_points", dict, {}))
        discovery = Discovery(self._api_modules(gd("api_modules", list, () if entry_points else ...)),
                              gd("action_decorator", str, "" if entry_points else ...),
                              methods, gd("removed_decorator", str, None),
                              gd("prefer", list, ()), self._action_name(gd("action_name", str, "{literal}")),
                              entry_points)
        aliases = data.get("aliases", {})
        bad = next((k for k, v in aliases.items() if not isinstance(v, str)), None)
        if bad is not None:
            raise self.fail("aliases", None, bad, "must map a name to an operation name (a string)")
        return Rules(
            project=self._word(g("name"), "name", _NAME, "a project's name, one word"),
            package=self._word(g("package"), "package", _PACKAGE, "a package's name, the tree's top folder"),
            path=self.path,
            client=g("client", str, "client"), database=g("database", str, "database"),
            title=self._title(g("title", str, "{op}"), "title"),
            fixture=self._word(g("fixture", str, None), "fixture", _NAME, "a folder's name under fixtures/"),
            resource_title=self._title(g("resource_title", str, "{op}"), "resource_title"),
            file_titles=tuple((f, self._title(t, "file_titles")) for f, t in
                              self.mapping(proj, "project", None, "file_titles")),
            titles=tuple((n, self._title(t, "titles")) for n, t in self.mapping(proj, "project", None, "titles")),
            participants=tuple(ParticipantRule(self.get(d, "participants", i, "name", str),
                                               self.get(d, "participants", i, "modules", list),
                                               self.get(d, "participants", i, "opaque", bool, False),
                                               self.example(d, "participants", i),
                                               self.granularity(d, "participants", i))
                               for i, d in self.entries(data, "participants")),
            bindings=tuple(self._binding(i, d) for i, d in self.entries(data, "bindings")),
            registries=tuple(Registry(self.get(d, "registries", i, "module", str))
                             for i, d in self.entries(data, "registries")),
            attributes=tuple(AttributeRule(self.get(d, "attributes", i, "name", str),
                                           *self.classes(d, "attributes", i, "type")[:1],
                                           self.get(d, "attributes", i, "owner", str, "*"),
                                           self.classes(d, "attributes", i, "type")[1:])
                             for i, d in self.entries(data, "attributes")),
            rpc=tuple(RpcRule(self.get(d, "rpc", i, "client", str), self.get(d, "rpc", i, "service", str),
                              self.get(d, "rpc", i, "server", str),
                              self.get(d, "rpc", i, "cast", list, ("cast",)),
                              self.get(d, "rpc", i, "call", list, ("call",)),
                              self.example(d, "rpc", i),
                              self.mapping(d, "rpc", i, "roles"))
                      for i, d in self.entries(data, "rpc")),
            notes=tuple(self._note(i, d) for i, d in self.entries(data, "notes")),
            persist=tuple(PersistRule(self.get(d, "persist", i, "call", str),
                                      self.get(d, "persist", i, "text", str, "{name}"),
                                      self.example(d, "persist", i),
                                      self.granularity(d, "persist", i))
                          for i, d in self.entries(data, "persist")),
            skip=self.get(data.get("skip", {}), "skip", None, "calls", list, ()),
            skip_unknown=self.get(data.get("skip", {}), "skip", None, "unknown", list, ()),
            runners=self.get(data.get("runners", {}), "runners", None, "calls", list, ()),
            wrappers=self.get(data.get("runners", {}), "runners", None, "wrappers", list, ()),
            aliases=tuple(sorted(aliases.items())),
            discovery=discovery,
            module_granularity=self.get(data.get("granularity", {}), "granularity", None, "module", list, ()),
            catalogue=self.get(data.get("catalogue", {}), "catalogue", None, "operations", list, ()),
            flows=tuple(self._flow(i, d) for i, d in self.entries(data, "flows")),
            plugins=tuple(self._plugin(i, d) for i, d in self.entries(data, "plugins")),
            clients=tuple(self._client(i, d) for i, d in self.entries(data, "clients")),
            routes=tuple(self._route(i, d) for i, d in self.entries(data, "routes")),
            settings=self._settings(data.get("settings", {})),
        )

    def _settings(self, table: dict) -> tuple[tuple[str, object], ...]:
        """`"*.cell_type" = "None"`: a name's value under the default
        configuration, as a Python literal (what the options' declared
        defaults cannot tell: a value computed from them)."""
        out = []
        for name, text in table.items():
            try:
                value = ast.literal_eval(text) if isinstance(text, str) else ...
            except (ValueError, SyntaxError, RecursionError, MemoryError):
                value = ...
            if value is ... or not isinstance(value, (bool, int, float, str, type(None))):
                raise self.fail("settings", None, name, "must be a Python literal in a string "
                                "(\"None\", \"0\", \"'api'\")")
            out.append((name, value))
        return tuple(out)

    def _client(self, i: int, d: dict) -> ClientRule:
        arg = self.get(d, "clients", i, "method_arg", int, None)
        if arg is not None and arg < 0:
            raise self.fail("clients", i, "method_arg", "must be a position (0 or more)")
        keyword = self.get(d, "clients", i, "prefix_kw", str, None)
        if keyword is not None and not keyword.isidentifier():
            raise self.fail("clients", i, "prefix_kw", "must be a keyword argument's name (controller)")
        return ClientRule(self.get(d, "clients", i, "service", str), self.get(d, "clients", i, "objects", list),
                          self.get(d, "clients", i, "methods", list, ("*",)), arg,
                          self.get(d, "clients", i, "prefix", str, ""), self.example(d, "clients", i), keyword)

    def _flow(self, i: int, d: dict) -> FlowRule:
        text = self.get(d, "flows", i, "text", str, None)
        try:
            text is None or text.format(task="")
        except (KeyError, IndexError, ValueError):
            raise self.fail("flows", i, "text", "may use only {task} (the task's class)") from None
        return FlowRule(self.get(d, "flows", i, "add", str), self.get(d, "flows", i, "run", list),
                        self.get(d, "flows", i, "method", str, "execute"), self.example(d, "flows", i), text,
                        self.get(d, "flows", i, "arms", bool, False))

    def _plugin(self, i: int, d: dict) -> PluginRule:
        namespace = self.get(d, "plugins", i, "namespace", str)
        if not namespace.strip():
            raise self.fail("plugins", i, "namespace", "must name the plugins' namespace (pkg.flows)")
        loaders = self.get(d, "plugins", i, "loaders", list)
        if not loaders:
            raise self.fail("plugins", i, "loaders", "must name at least one loading call")
        targets = self.classes(d, "plugins", i, "target") if "target" in d else ()
        bad = next((t for t in targets if not _QUALIFIED.fullmatch(t)), None)
        if bad is not None:
            raise self.fail("plugins", i, "target", f"must be a qualified name (pkg.module.function): {bad!r}")
        return PluginRule(namespace, loaders, self.get(d, "plugins", i, "name", str, None), targets,
                          self.example(d, "plugins", i))

    def _route(self, i: int, d: dict) -> RouteRule:
        pattern = self.get(d, "routes", i, "client", str)
        try:
            groups = set(re.compile(pattern).groupindex)
        except re.error as err:
            raise self.fail("routes", i, "client", f"is not a regular expression: {err}") from None
        if (why := hazard(pattern)) is not None:
            raise self.fail("routes", i, "client", f"can backtrack catastrophically: {why}")
        for key in ("request", "operation"):
            template = self.get(d, "routes", i, key, str, ... if key == "request" else None)
            try:
                template is None or template.format(**{g: "" for g in groups})
            except (KeyError, IndexError, ValueError):
                raise self.fail("routes", i, key, f"may use only the named groups of 'client' "
                                f"({', '.join(sorted(groups)) or 'none'})") from None
        return RouteRule(pattern, d["request"], d.get("operation"))

    def _word(self, value: str | None, key: str, pattern: re.Pattern[str], what: str) -> str | None:
        """A [project] name that must be one word of its kind (None passes)."""
        if value is not None and not pattern.fullmatch(value):
            raise self.fail("project", None, key, f"must be {what}, not {value!r}")
        return value

    def _title(self, template: str, key: str) -> str:
        """The diagram's title: text and {op}, nothing else (a field with
        an index, conversion or width could fail or fill the memory)."""
        try:
            fields = [(name, conv, spec) for _, name, spec, conv in Formatter().parse(template) if name is not None]
        except ValueError:  # a lone { or }
            fields = [None]
        if any(f != ("op", None, "") for f in fields):
            raise self.fail("project", None, key, "may use only {op} (the operation's name); "
                            "write {{ and }} for braces") from None
        if not template.strip() or not template.isprintable():
            raise self.fail("project", None, key, "must be one line of text (a diagram's title), "
                            "not empty, without newlines or control characters")
        return template

    def _api_modules(self, patterns: tuple[str, ...]) -> tuple[str, ...]:
        """Globs of files inside the tree: relative to its root, never up out of it."""
        for pattern in patterns:
            if not pattern or pattern.startswith("/") or ".." in pattern.split("/"):
                raise self.fail("discovery", None, "api_modules", "must be glob patterns relative to the "
                                f"tree's root, without '..' (pkg/api/*.py), not {pattern!r}")
        return patterns

    def _action_name(self, template: str) -> str:
        try:
            template.format(literal="", function="", module="")
        except (KeyError, IndexError, ValueError):
            raise self.fail("discovery", None, "action_name",
                            "may use only {literal}, {function} and {module}") from None
        return template

    def _entry_points(self, points: dict) -> tuple[tuple[str, str], ...]:
        for name, target in points.items():
            if not isinstance(target, str) or not _QUALIFIED.fullmatch(target):
                raise self.fail("discovery", None, "entry_points",
                                f"must map operation names to qualified names (pkg.module.Class.method): {name!r}")
        return tuple(sorted(points.items()))

    def granularity(self, d: dict, table: str, i: int) -> str | None:
        value = self.get(d, table, i, "granularity", str, None)
        if value not in (None, "service", "module"):
            raise self.fail(table, i, "granularity", "must be 'service' or 'module'")
        return value

    def _binding(self, i: int, d: dict) -> Binding:
        first, *variants = self.classes(d, "bindings", i, "returns")
        item = self.get(d, "bindings", i, "item", int, None)
        if item is not None and item < 0:
            raise self.fail("bindings", i, "item", "must be 0 or more (the tuple item's position)")
        return Binding(self.get(d, "bindings", i, "call", str), first,
                       self.get(d, "bindings", i, "option", str, None), self.mapping(d, "bindings", i, "choices"),
                       self.example(d, "bindings", i), tuple(variants), item)

    def classes(self, d: dict, table: str, i: int, key: str) -> tuple[str, ...]:
        """A class's qualified name, or a list of them (the release's variants,
        in order of preference)."""
        value = d.get(key, "")
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return tuple(value)
        if isinstance(value, str) and value:
            return (value,)
        if key not in d:
            raise self.fail(table, i, key, "is required")
        raise self.fail(table, i, key, "must be a class's qualified name, or a list of them "
                        "(the first the tree defines is used)")

    def _note(self, i: int, d: dict) -> NoteRule:
        call = self.get(d, "notes", i, "call", str, None)
        deco = self.get(d, "notes", i, "decorator", str, None)
        if (call is None) == (deco is None):
            raise self.fail("notes", i, "call", "or 'decorator' is required (exactly one)")
        return NoteRule(self.get(d, "notes", i, "text", str), call, deco, self.example(d, "notes", i))
