"""Plain, picklable records of one module: definitions and call sites.

Dotted expressions are kept as strings (`self.compute_api.pause`); a call
whose callee is not a plain dotted name (`f()()`, `x[0].y()`) keeps the
text of its callee in `callee` with `dotted=False`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union


@dataclass(frozen=True)
class Arg:
    """One argument at a call site: keyword (or None), and its value as text.

    `literal` holds the value of a string literal, else None.
    """

    keyword: str | None
    text: str
    literal: str | None = None


@dataclass(frozen=True)
class Call:
    """A call site; `nested` when it is an argument of another call."""

    callee: str
    args: tuple[Arg, ...]
    line: int
    dotted: bool = True
    nested: bool = False


@dataclass(frozen=True)
class SetAttr:
    """`target.attr = value` (the value as text)."""

    target: str
    attr: str
    value: str
    line: int


@dataclass(frozen=True)
class Bind:
    """`name = value`, the value as a chain (`compute.API()`, `self.x`);
    `index` for one name of a tuple (`a, b = f()`: a is item 0 of f());
    `literal` for a string assigned as it is."""

    name: str
    value: str
    line: int
    index: int | None = None
    literal: str | None = None  # `method = 'migrate_volume'`: the string (value is '')


@dataclass(frozen=True)
class If:
    """A branch: `test` as text, the body and the else part as events."""

    test: str
    body: tuple["Event", ...]
    orelse: tuple["Event", ...]
    line: int


@dataclass(frozen=True)
class Loop:
    header: str
    body: tuple["Event", ...]
    line: int


@dataclass(frozen=True)
class Raise:
    line: int


@dataclass(frozen=True)
class Return:
    """`return value`, the value as a chain ('' when not a chain); `items`
    the chains of a returned tuple's items."""

    value: str
    line: int
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Handler:
    """`except TYPES:` (the types as text, '' for a bare except) and its events."""

    types: str
    events: tuple["Event", ...]
    line: int


@dataclass(frozen=True)
class Try:
    """A try statement's body and its exception handlers (its else and
    finally parts follow it as plain events)."""

    body: tuple["Event", ...]
    handlers: tuple[Handler, ...]
    line: int


@dataclass(frozen=True)
class Yield:
    """A `yield` statement: where a context manager made of a generator
    hands over to the `with` block (what follows runs at its end)."""

    line: int


Event = Union[Call, SetAttr, Bind, If, Loop, Raise, Return, Try, Yield]


def straight(events: tuple[Event, ...]) -> Iterator[Event]:
    """The events on the way when nothing fails: a try's body in its place."""
    for ev in events:
        if isinstance(ev, Try):
            yield from straight(ev.body)
        else:
            yield ev


@dataclass(frozen=True)
class Decorator:
    name: str
    args: tuple[Arg, ...]
    line: int


@dataclass(frozen=True)
class Body:
    """What a function does: its events and the functions defined in it;
    `problem` says why a body read late could not be read (then it is empty)."""

    events: tuple[Event, ...]
    nested: dict[str, "Function"]
    problem: str = ""


@dataclass(frozen=True)
class Source:
    """A function's text from its `def` line, its body not indexed yet."""

    text: str
    line: int  # the line of the `def` in the module


@dataclass(frozen=True)
class Function:
    """A function or method; its body is indexed when first asked for
    (`body` None, `source` set: see index/skeleton.py)."""

    name: str
    qualname: str  # Class.method or function, within the module
    params: tuple[str, ...]
    decorators: tuple[Decorator, ...]
    line: int
    is_classmethod: bool = False
    body: Body | None = None
    source: Source | None = None
    defaults: dict[str, object] = field(default_factory=dict)  # parameter -> its default, where a literal

    @property
    def events(self) -> tuple[Event, ...]:
        return self.parsed().events

    @property
    def nested(self) -> dict[str, "Function"]:
        """Functions defined inside it (in its blocks too, not deeper)."""
        return self.parsed().nested

    def parsed(self) -> Body:
        if self.body is None:
            from tracer.index.build import build_body  # LibCST, imported when a body is first read
            object.__setattr__(self, "body", build_body(self))
        return self.body  # type: ignore[return-value]


@dataclass(frozen=True)
class ClassDef:
    name: str
    bases: tuple[str, ...]
    methods: dict[str, Function]
    attrs: dict[str, str]  # self.x / class-level x -> value text (calls kept as text)
    decorators: tuple[Decorator, ...]
    line: int
    constants: dict[str, str] = field(default_factory=dict)  # class-level name -> a string literal it is set to


@dataclass(frozen=True)
class Module:
    """Everything the walk needs from one file."""

    name: str  # dotted module name
    path: str  # relative to the tree, with `/`
    is_package: bool
    imports: dict[str, str]  # local name -> absolute dotted target
    functions: dict[str, Function]
    classes: dict[str, ClassDef]
    assigns: dict[str, str]  # module-level name -> value text
    problems: tuple[str, ...] = field(default=())
    star_imports: tuple[str, ...] = ()  # modules imported with `from x import *`
    constants: dict[str, str] = field(default_factory=dict)  # module-level name -> a string literal it is set to
