"""A module's text with the bodies of its functions left out, for a quick index.

An operation walks a few of a module's functions; LibCST costs about a second
per 5,000 lines. So the module is first read with the stdlib's ast (many times
faster) to find each function's body, and LibCST parses the text with those
bodies left out: classes, signatures, decorators, imports and assignments are
indexed at once, a body only when the walk asks for it (model.Function.events).

A left-out body is one `pass` line; the outline maps its lines back to the
module's. A container literal assigned at module or class level over several
lines (`opts = [cfg.StrOpt(...), ...]`) is left out too, as `opts = []`: the
index keeps no more of it. A body that imports is kept (module imports are
gathered from bodies too); what a left-out body sets on `self` (a class's
attributes) is read here, from the stdlib's tree.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from typing import Iterator


def outline(text: str) -> Outline | None:
    """The text with bodies left out, or None when ast cannot read it (the
    caller then indexes it whole)."""
    if "\r" in text:  # ast counts \r as a line end, str.split("\n") does not
        return None
    try:
        with warnings.catch_warnings():  # old code has '\d' in plain strings: not ours to say
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = text.split("\n")
    kept: list[str] = []
    real: list[int] = [0]  # real[skeleton line] = the module's line
    spans: dict[int, int] = {}
    attrs: dict[int, dict[str, str]] = {}
    done = 0  # lines of `lines` copied or left out so far
    for node in sorted((*_defs(tree.body), *_literals(tree.body)), key=lambda n: n.lineno):
        if isinstance(node, ast.expr):  # a literal: left out, its lines kept
            if node.lineno <= done or node.end_lineno is None or node.end_col_offset is None:
                continue
            kept += lines[done:node.lineno - 1] + _emptied(node, lines)
            real += range(done + 1, node.end_lineno + 1)
            done = node.end_lineno
            continue
        fn = node
        first = _body_start(fn, lines)
        if first is None or first <= done or fn.end_lineno is None or _kept(lines[first - 1:fn.end_lineno]):
            continue
        kept += lines[done:first - 1]
        real += range(done + 1, first)
        line = lines[first - 1]
        kept.append(line[: len(line) - len(line.lstrip(" \t"))] + "pass")
        real.append(first)
        done = fn.end_lineno
        spans[fn.lineno] = fn.end_lineno
        if (found := self_attrs(fn.body)):
            attrs[fn.lineno] = found
    kept += lines[done:]
    real += range(done + 1, len(lines) + 1)
    return Outline("\n".join(kept), spans, real, attrs)


@dataclass(frozen=True)
class Outline:
    """`text`: the module with each left-out body a `pass`; `spans`: {def
    line: last line} of those functions; `real`: the module's line of each
    line of `text` (real[n] for line n, counted from 1); `attrs`: what the
    left-out bodies set on `self`."""

    text: str
    spans: dict[int, int]
    real: list[int]
    attrs: dict[int, dict[str, str]]  # {def line: its `self.x = ...` (build._self_attrs)} of those functions


_Def = (ast.FunctionDef, ast.AsyncFunctionDef)


def _outer(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements at module and class level, in statement blocks too; a
    function is given, its body is not entered."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.ClassDef):
            yield from _outer(stmt.body)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for part in ("body", "orelse", "finalbody"):
                yield from _outer(getattr(stmt, part, []))
            for handler in getattr(stmt, "handlers", []):
                yield from _outer(handler.body)


def _defs(body: list[ast.stmt]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions and methods, in classes and statement blocks; not inside functions."""
    return (stmt for stmt in _outer(body) if isinstance(stmt, _Def))


_EMPTY = {ast.Dict: "{}", ast.List: "[]", ast.Tuple: "()", ast.Set: "{()}"}
LONG_LITERAL = 256  # bytes on one line from which a literal is left out too


def _literals(body: list[ast.stmt]) -> Iterator[ast.expr]:
    """The values of assignments, at module and class level, that are
    container literals over several lines or a long one (option lists,
    schemas, route tables, data): the index keeps only an assigned name's
    chain, none for a literal, so an empty one reads the same at a fraction
    of the parse."""
    return (stmt.value for stmt in _outer(body) if isinstance(stmt, ast.Assign) and type(stmt.value) in _EMPTY
            and ((stmt.value.end_lineno or 0) > stmt.value.lineno
                 or (stmt.value.end_col_offset or 0) - stmt.value.col_offset > LONG_LITERAL))


def _emptied(literal: ast.expr, lines: list[str]) -> list[str]:
    """A literal's lines, the literal made empty: `X = {}` on its first line
    (what stood before and after it kept), then as many blank lines as it had."""
    assert literal.end_lineno is not None and literal.end_col_offset is not None
    head, tail = lines[literal.lineno - 1], lines[literal.end_lineno - 1]
    first = _cut(head, literal.col_offset) + _EMPTY[type(literal)] + _cut(tail, literal.end_col_offset, True)
    return [first] + [""] * (literal.end_lineno - literal.lineno)


def _cut(line: str, col: int, after: bool = False) -> str:
    """The text of a line before (or after) a column ast counts in UTF-8 bytes."""
    raw = line.encode("utf-8")
    return (raw[col:] if after else raw[:col]).decode("utf-8", errors="replace")


def _body_start(fn: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> int | None:
    """The line the body starts on, when it starts a line of its own (not
    `def f(): return 1`)."""
    head = fn.body[0]
    decorators = getattr(head, "decorator_list", None)
    if decorators:
        first, col = decorators[0].lineno, decorators[0].col_offset - 1  # the `@`
    else:
        first, col = head.lineno, head.col_offset
    line = lines[first - 1]
    indent = len(line) - len(line.lstrip(" \t"))
    if first <= fn.lineno or col != indent:
        return None
    return first


_KEPT = re.compile(r"\bimport\b")


def _kept(body: list[str]) -> bool:
    """Does a body hold imports (the module's imports are gathered from
    bodies too)? Read in the text: a word in a comment or a string keeps a
    body that could have been left out, which costs time only."""
    return any(_KEPT.search(line) for line in body)


def self_attrs(body: list[ast.stmt]) -> dict[str, str]:
    """`self.x = value` in a body, in blocks too, not in nested defs (first
    one wins): the same as build._self_attrs reads in LibCST's tree."""
    found: dict[str, str] = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and \
                        target.value.id == "self" and (value := _value_chain(stmt.value)):
                    found.setdefault(target.attr, value)
        elif isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
                               *_TRY_STAR)):
            for part in (stmt.body, getattr(stmt, "handlers", ()), getattr(stmt, "orelse", ()),
                         getattr(stmt, "finalbody", ())):
                for item in part:
                    inner = self_attrs(item.body) if isinstance(item, ast.ExceptHandler) else self_attrs([item])
                    for key, value in inner.items():
                        found.setdefault(key, value)
    return found


_TRY_STAR = (ast.TryStar,) if hasattr(ast, "TryStar") else ()


def _value_chain(expr: ast.expr) -> str | None:
    """build.value_chain on the stdlib's tree: `x or API()` -> 'API()'."""
    if isinstance(expr, ast.BoolOp):
        return next((c for c in map(_value_chain, reversed(expr.values)) if c), None)
    if isinstance(expr, ast.IfExp):
        return _value_chain(expr.body) or _value_chain(expr.orelse)
    return _chain(expr)


def _chain(expr: ast.expr) -> str | None:
    """build.chain on the stdlib's tree: `a.b(x).c` -> 'a.b().c'."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        head = _chain(expr.value)
        return f"{head}.{expr.attr}" if head else None
    if isinstance(expr, (ast.Call, ast.Subscript)):
        head = _chain(expr.func if isinstance(expr, ast.Call) else expr.value)
        return (f"{head}()" if isinstance(expr, ast.Call) else f"{head}[]") if head else None
    return None
