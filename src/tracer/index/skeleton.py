"""A module's text with the bodies of its functions left out, for a quick index.

An operation walks a few of a module's functions; LibCST costs about a second
per 5,000 lines. So the module is first read with the stdlib's ast (many times
faster) to find each function's body, and LibCST parses the text with those
bodies blanked: classes, signatures, decorators, imports and assignments are
indexed at once, a body only when the walk asks for it (model.Function.events).

Lines do not move: a blanked body is `pass` on its first line and empty lines
after it. A body the module's own index reads is kept: one that imports
(module imports are gathered from bodies too) or sets `self.x = ...` (a
class's attributes).
"""

from __future__ import annotations

import ast
import warnings
from typing import Iterator


def outline(text: str) -> tuple[str, dict[int, int]] | None:
    """(text with bodies blanked, {def line: last line} of each blanked
    function), or None when ast cannot read the text (the caller indexes it whole)."""
    if "\r" in text:  # ast counts \r as a line end, str.split("\n") does not
        return None
    try:
        with warnings.catch_warnings():  # old code has '\d' in plain strings: not ours to say
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = text.split("\n")
    spans: dict[int, int] = {}
    for fn in _defs(tree.body):
        first = _body_start(fn, lines)
        if first is None or fn.end_lineno is None or _kept(fn):
            continue
        line = lines[first - 1]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        lines[first - 1:fn.end_lineno] = [indent + "pass"] + [""] * (fn.end_lineno - first)
        spans[fn.lineno] = fn.end_lineno
    return "\n".join(lines), spans


_Def = (ast.FunctionDef, ast.AsyncFunctionDef)


def _defs(body: list[ast.stmt]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions and methods, in classes and statement blocks; not inside functions."""
    for stmt in body:
        if isinstance(stmt, _Def):
            yield stmt
        elif isinstance(stmt, ast.ClassDef):
            yield from _defs(stmt.body)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for part in ("body", "orelse", "finalbody"):
                yield from _defs(getattr(stmt, part, []))
            for handler in getattr(stmt, "handlers", []):
                yield from _defs(handler.body)


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


def _kept(fn: ast.AST) -> bool:
    """Does the body hold what the module's index reads (imports, self.x = ...)?"""
    for node in ast.walk(fn):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return True
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                for t in node.targets):
            return True
    return False
