"""Decide a branch when its test depends only on literal arguments.

`if live and not rebuild and not flavor:` inside a method called with
`live=False` is known to be false: the walk takes only the else part.
"""

from __future__ import annotations

import ast
import warnings
import operator
from functools import lru_cache
from typing import Any, Mapping

from tracer.globs import matches
from tracer.index.model import Arg

UNKNOWN = object()
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_, ast.IsNot: operator.is_not,
            ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}


def literal(arg: Arg, known: dict[str, Any]) -> Any:
    """The value of an argument that is a literal (or a known name, or
    `a if test else b` where the known names settle the test), else UNKNOWN."""
    if arg.text in known:
        return known[arg.text]
    value = _literal(arg.text)
    if value is UNKNOWN and known and " if " in arg.text and isinstance(node := _parsed(arg.text), ast.IfExp):
        test = _value(node.test, known)
        if test is not UNKNOWN:
            value = _value(node.body if test else node.orelse, known)
    return value if isinstance(value, (bool, int, str, type(None))) else UNKNOWN


@lru_cache(maxsize=1 << 14)
def _literal(text: str) -> Any:
    try:
        with warnings.catch_warnings():  # the project's own text: `'\s'` is its business
            warnings.simplefilter("ignore", (SyntaxWarning, DeprecationWarning))
            value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return UNKNOWN
    return value if isinstance(value, (bool, int, str, type(None))) else UNKNOWN


def decide(test: str, known: Mapping[str, Any]) -> bool | None:
    """True or False when `test` is settled by the known names, else None."""
    if not known:
        return None
    tree = _parsed(test)
    if tree is None:
        return None
    value = _value(tree, known)
    return None if value is UNKNOWN else bool(value)


@lru_cache(maxsize=1 << 14)
def _parsed(test: str) -> ast.expr | None:
    """A test's expression (parsed once: the walk meets the same tests often)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", (SyntaxWarning, DeprecationWarning))
            return ast.parse(test, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _value(node: ast.AST, known: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return known.get(node.id, UNKNOWN)
    if isinstance(node, ast.Attribute) and (dotted := _dotted(node)):
        return known.get(dotted, UNKNOWN)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):  # `kind in ['delete', 'soft_delete']`
        items = tuple(_value(item, known) for item in node.elts)
        return UNKNOWN if any(item is UNKNOWN for item in items) else items
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _value(node.operand, known)
        return UNKNOWN if inner is UNKNOWN else not inner
    if isinstance(node, ast.BoolOp):
        return _bool_op(node, known)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = _value(node.left, known), _value(node.comparators[0], known)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        try:
            return _COMPARE[type(node.ops[0])](left, right)
        except TypeError:
            return UNKNOWN
    return UNKNOWN


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


class Options(Mapping):
    """Configuration options by their declared defaults, as `decide` reads
    names: `CONF.reclaim_instance_interval`, `CONF.group.name`. Remembers
    which options it answered for (`used`)."""

    def __init__(self, defaults: dict[str, object], unset: object, root: str = "CONF",
                 settings: tuple[tuple[str, object], ...] = ()) -> None:
        self.defaults = defaults
        self.unset = unset
        self.root = root
        self.settings = settings  # (pattern, value): names the rules know the value of
        self.used: list[str] = []

    def __getitem__(self, key: str) -> Any:
        for pattern, value in self.settings:
            if matches(key, pattern):
                if key not in self.used:
                    self.used.append(key)
                return value
        parts = key.split(".")
        if parts[0] != self.root or len(parts) < 2:
            raise KeyError(key)
        value = self.defaults.get(parts[-1], self.unset)
        if value is self.unset:
            raise KeyError(key)
        if key not in self.used:
            self.used.append(key)
        return value

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return len(self.defaults)


def _bool_op(node: ast.BoolOp, known: Mapping[str, Any]) -> Any:
    values = [_value(v, known) for v in node.values]
    settles = (lambda v: not v) if isinstance(node.op, ast.And) else bool
    if any(v is not UNKNOWN and settles(v) for v in values):
        return isinstance(node.op, ast.Or)
    return UNKNOWN if any(v is UNKNOWN for v in values) else isinstance(node.op, ast.And)
