"""Glob patterns (fnmatch, case-sensitive) asked about many times.

A walk asks the same few hundred patterns about the same names thousands
of times: each tuple of patterns is compiled once into one regular
expression, and each answer is remembered.
"""

from __future__ import annotations

import re
from fnmatch import translate
from functools import lru_cache
from typing import Callable

Test = Callable[[str], bool]


@lru_cache(maxsize=1024)
def compiled(patterns: tuple[str, ...]) -> Test:
    """A test: does a name match any of `patterns`? (answers remembered)."""
    if not patterns:
        return lambda name: False
    match = re.compile("|".join(translate(p) for p in patterns)).match
    return lru_cache(maxsize=1 << 16)(lambda name: match(name) is not None)


def any_match(name: str, patterns: tuple[str, ...]) -> bool:
    return compiled(patterns)(name)


def matches(name: str, pattern: str) -> bool:
    """fnmatchcase(name, pattern), remembered."""
    return compiled((pattern,))(name)
