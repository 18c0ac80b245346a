"""Load and validate `rules/<project>.toml` into typed, frozen rules.

Everything project-specific lives in the rules: participants by module
pattern, factory bindings, RPC clients, notes, persistence, what to skip,
operation discovery and aliases. A bad file is a TracerError naming
`file:line`, the entry and the field.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tracer.bundled import bundled
from tracer.backtrack import hazard
from tracer.problems import TracerError

# The tables a rules file may hold: plain tables with their keys (None: any
# key, as in [aliases]) and arrays of tables ([[name]]) with their fields.
TABLES: dict[str, set[str] | None] = {
    "project": {"name", "package", "client", "database", "title", "fixture"},
    "discovery": {"api_modules", "action_decorator", "resource_methods", "removed_decorator", "prefer",
                  "action_name", "entry_points"},
    "aliases": None, "skip": {"calls", "unknown"}, "runners": {"calls"}, "granularity": {"module"},
    "catalogue": {"operations"},
}
ENTRIES: dict[str, set[str]] = {
    "participants": {"name", "modules", "opaque", "example", "granularity"},
    "bindings": {"call", "returns", "option", "choices", "example"},
    "registries": {"module"},
    "attributes": {"name", "type", "owner"},
    "rpc": {"client", "service", "server", "cast", "call", "example", "roles"},
    "notes": {"text", "call", "decorator", "example"},
    "persist": {"call", "text", "example", "granularity"},
    "flows": {"add", "run", "method", "example"},
    "clients": {"service", "objects", "methods", "method_arg", "prefix", "example"},
    "routes": {"client", "request", "operation"},
}
EXAMPLE = {"path", "source", "entry", "steps", "more"}


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
    """

    call: str
    returns: str
    option: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    example: Example | None = None


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


@dataclass(frozen=True)
class ClientRule:
    """Calls on another service's client object: a request to `service`.

    `objects` match what the receiver is (its class, or a library's name with
    `()` dropped); `methods` which of its methods count; `method_arg`, for a
    dispatcher (`client.call(ctx, 2, 'get')`), the positional argument that
    names the client method as a literal; `prefix` goes before the method's
    name (`images.` + `get`).
    """

    service: str
    objects: tuple[str, ...]
    methods: tuple[str, ...] = ("*",)
    method_arg: int | None = None
    prefix: str = ""
    example: Example | None = None


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
    where the code only passes it in (`self.compute_rpcapi = compute_rpcapi`)."""

    name: str
    type: str
    owner: str = "*"


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
    skip_unknown: tuple[str, ...]
    aliases: tuple[tuple[str, str], ...]
    discovery: Discovery
    module_granularity: tuple[str, ...] = ()  # catalogue names drawn per module
    catalogue: tuple[str, ...] = ()  # the operations the catalogue draws
    flows: tuple[FlowRule, ...] = ()
    clients: tuple[ClientRule, ...] = ()
    routes: tuple[RouteRule, ...] = ()
    runners: tuple[str, ...] = ()  # calls that run the function handed to them
    digest: str = field(default="", compare=False)

    def participant_of(self, module: str) -> str | None:
        for rule in self.participants:
            if any(fnmatchcase(module, pat) for pat in rule.modules):
                return rule.name
        return None

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
    return sorted(p.stem for p in folder.glob("*.toml") if not p.stem.startswith("_"))


def load_rules(project: str, folder: Path | None = None) -> Rules:
    folder = folder or rules_dir()
    path = folder / f"{project}.toml"
    if not path.is_file():
        known = ", ".join(available_projects(folder)) or "none"
        raise TracerError(f"no rules for project '{project}' in {folder} (known: {known})")
    return parse_rules(path.read_text(encoding="utf-8"), str(path))


def parse_rules(text: str, path: str) -> Rules:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"\(at line (\d+), column \d+\)", str(err))
        line = m.group(1) if m else "1"
        raise TracerError(f"{path}:{line}: not valid TOML: {str(err).split(' (at')[0]}") from None
    return _Reader(text, path).rules(data)


class _Reader:
    """Builds typed rules, knowing where each entry stands for messages."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path

    def fail(self, table: str, index: int | None, key: str, message: str) -> TracerError:
        line = self._line_of(table, index, key)
        entry = f"[[{table}]] #{index + 1}" if index is not None else f"[{table}]"
        return TracerError(f"{self.path}:{line}: {entry}: '{key}' {message}")

    def fail_top(self, name: str, message: str) -> TracerError:
        """A top-level name of the wrong kind."""
        return TracerError(f"{self.path}:{self._line_of(name, None, name)}: '{name}' {message}")

    def _line_of(self, table: str, index: int | None, key: str) -> int:
        start = self._header(table, index)
        for i in range(start, len(self.lines)):
            if i > start and self.lines[i].lstrip().startswith("["):
                break
            if re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", self.lines[i]):
                return i + 1
        nested = self._header(f"{table}.{key}", None, -1)  # [table.key] written as a table of its own
        return (nested if nested >= 0 else start) + 1

    def _header(self, table: str, index: int | None, default: int = 0) -> int:
        """The line (from 0) of the table's header, of its entry #index for [[table]]."""
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
        starts = [i for i, line in enumerate(self.lines) if header.match(line)]
        if not starts:  # only dotted headers: [table.sub]
            dotted = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\.")
            starts = [i for i, line in enumerate(self.lines) if dotted.match(line)][:1]
        if index is not None and index < len(starts):
            return starts[index]
        return starts[0] if starts else default

    def get(self, d: dict, table: str, index: int | None, key: str, kind: type,
            default: Any = ...) -> Any:
        if key not in d:
            if default is ...:
                raise self.fail(table, index, key, "is required")
            return default
        value = d[key]
        if kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.fail(table, index, key, "must be a list of strings")
            return tuple(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(table, index, key, f"must be {_KINDS.get(kind, kind.__name__)}, not {_kind(value)}")
        return value

    def mapping(self, d: dict, table: str, index: int | None, key: str) -> tuple[tuple[str, str], ...]:
        """An inline table of strings (`{ a = "x", b = "y" }`), sorted."""
        value = self.get(d, table, index, key, dict, {})
        bad = next((k for k, v in value.items() if not isinstance(v, str)), None)
        if bad is not None:
            raise self.fail(table, index, key, f"must map names to strings ('{bad}' does not)")
        return tuple(sorted(value.items()))

    def shape(self, data: dict, tables: dict[str, set[str] | None], entries: dict[str, set[str]]) -> None:
        """Every top-level name is a known table, written as one, with known keys only."""
        for name, value in data.items():
            if name in tables:
                if not isinstance(value, dict):
                    raise self.fail_top(name, f"must be a table, not {_kind(value)} (write [{name}])")
                if tables[name] is not None:
                    self.known_keys(value, name, None, tables[name])
            elif name in entries:
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    raise self.fail_top(name, f"must be written as [[{name}]] entries")
                for i, item in enumerate(value):
                    self.known_keys(item, name, i, entries[name])
            else:
                known = [f"[{t}]" for t in tables] + [f"[[{t}]]" for t in entries]
                mine = f"[[{name}]]" if isinstance(value, list) else f"[{name}]"
                close = difflib.get_close_matches(name, [*tables, *entries], n=1, cutoff=0.6)
                hint = f"; did you mean {known[[*tables, *entries].index(close[0])]}?" if close else ""
                raise TracerError(f"{self.path}:{self._line_of(name, None, name)}: {mine} is not a known "
                                  f"table{hint} (known: {', '.join(known)})")

    def known_keys(self, d: dict, table: str, index: int | None, allowed: set[str]) -> None:
        for key in d:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise self.fail(table, index, key, f"is not a known field{hint} (known: {', '.join(sorted(allowed))})")

    def entries(self, data: dict, table: str, allowed: set[str] | None = None) -> list[tuple[int, dict]]:
        allowed = ENTRIES[table] if allowed is None else allowed
        items = data.get(table, [])
        if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
            raise self.fail_top(table, f"must be written as [[{table}]] entries")
        for i, item in enumerate(items):
            self.known_keys(item, table, i, allowed)
        return list(enumerate(items))

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
        discovery = Discovery(gd("api_modules", list, () if entry_points else ...),
                              gd("action_decorator", str, "" if entry_points else ...),
                              methods, gd("removed_decorator", str, None),
                              gd("prefer", list, ()), self._action_name(gd("action_name", str, "{literal}")),
                              entry_points)
        aliases = data.get("aliases", {})
        bad = next((k for k, v in aliases.items() if not isinstance(v, str)), None)
        if bad is not None:
            raise self.fail("aliases", None, bad, "must map a name to an operation name (a string)")
        return Rules(
            project=g("name"), package=g("package"), path=self.path,
            client=g("client", str, "client"), database=g("database", str, "database"),
            title=g("title", str, "{op}"), fixture=g("fixture", str, None),
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
                                           self.get(d, "attributes", i, "type", str),
                                           self.get(d, "attributes", i, "owner", str, "*"))
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
            aliases=tuple(sorted(aliases.items())),
            discovery=discovery,
            module_granularity=self.get(data.get("granularity", {}), "granularity", None, "module", list, ()),
            catalogue=self.get(data.get("catalogue", {}), "catalogue", None, "operations", list, ()),
            flows=tuple(FlowRule(self.get(d, "flows", i, "add", str), self.get(d, "flows", i, "run", list),
                                 self.get(d, "flows", i, "method", str, "execute"), self.example(d, "flows", i))
                        for i, d in self.entries(data, "flows")),
            clients=tuple(self._client(i, d) for i, d in self.entries(data, "clients")),
            routes=tuple(self._route(i, d) for i, d in self.entries(data, "routes")),
        )

    def _client(self, i: int, d: dict) -> ClientRule:
        arg = self.get(d, "clients", i, "method_arg", int, None)
        if arg is not None and arg < 0:
            raise self.fail("clients", i, "method_arg", "must be a position (0 or more)")
        return ClientRule(self.get(d, "clients", i, "service", str), self.get(d, "clients", i, "objects", list),
                          self.get(d, "clients", i, "methods", list, ("*",)), arg,
                          self.get(d, "clients", i, "prefix", str, ""), self.example(d, "clients", i))

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

    def _action_name(self, template: str) -> str:
        try:
            template.format(literal="", function="", module="")
        except (KeyError, IndexError, ValueError):
            raise self.fail("discovery", None, "action_name",
                            "may use only {literal}, {function} and {module}") from None
        return template

    def _entry_points(self, points: dict) -> tuple[tuple[str, str], ...]:
        for name, target in points.items():
            if not isinstance(target, str) or not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", target):
                raise self.fail("discovery", None, "entry_points",
                                f"must map operation names to qualified names (pkg.module.Class.method): {name!r}")
        return tuple(sorted(points.items()))

    def granularity(self, d: dict, table: str, i: int) -> str | None:
        value = self.get(d, table, i, "granularity", str, None)
        if value not in (None, "service", "module"):
            raise self.fail(table, i, "granularity", "must be 'service' or 'module'")
        return value

    def _binding(self, i: int, d: dict) -> Binding:
        return Binding(self.get(d, "bindings", i, "call", str), self.get(d, "bindings", i, "returns", str),
                       self.get(d, "bindings", i, "option", str, None), self.mapping(d, "bindings", i, "choices"),
                       self.example(d, "bindings", i))

    def _note(self, i: int, d: dict) -> NoteRule:
        call = self.get(d, "notes", i, "call", str, None)
        deco = self.get(d, "notes", i, "decorator", str, None)
        if (call is None) == (deco is None):
            raise self.fail("notes", i, "call", "or 'decorator' is required (exactly one)")
        return NoteRule(self.get(d, "notes", i, "text", str), call, deco, self.example(d, "notes", i))


_KINDS = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
          dict: "a table"}


def _kind(value: object) -> str:
    """A TOML value's kind, for messages."""
    return next((name for t, name in _KINDS.items() if isinstance(value, t)), "a date")
