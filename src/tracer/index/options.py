"""The configuration options a tree declares, with their defaults.

oslo.config options are declared as calls such as
`cfg.IntOpt('reclaim_instance_interval', default=0, help=...)`. They are read
statically from the source text: the files that mention `Opt(` are scanned,
each declaration is cut out by its brackets and parsed on its own. An option
declared twice with different defaults (in two groups, say) has no known
default.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Iterable

_DECL = re.compile(r"\b\w*Opt\(\s*['\"]([\w.-]+)['\"]")
UNSET = object()  # an option whose default is not a plain literal, or is ambiguous


def declared_options(texts: Iterable[str]) -> dict[str, object]:
    """Option name (dashes as underscores) -> its literal default, or UNSET,
    from the texts of a package's modules."""
    found: dict[str, object] = {}
    for text in texts:
        if "Opt(" not in text:
            continue
        for name, default in _declarations(text):
            key = name.replace("-", "_")
            found[key] = UNSET if key in found and found[key] != default else default
    return found


def _declarations(text: str) -> list[tuple[str, object]]:
    out = []
    for match in _DECL.finditer(text):
        call = _bracketed(text, match.start() + match.group(0).index("("))
        out.append((match.group(1), _default(call) if call else UNSET))
    return out


def _bracketed(text: str, start: int, limit: int = 4000) -> str | None:
    """The text from `start` (an opening bracket) to its closing bracket."""
    depth = 0
    quote = None
    i = start
    end = min(len(text), start + limit)
    while i < end:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return "f" + text[start:i + 1]
        i += 1
    return None


def _default(call: str) -> object:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node = ast.parse(call, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return UNSET
    if not isinstance(node, ast.Call):
        return UNSET
    for kw in node.keywords:
        if kw.arg == "default":
            try:
                value = ast.literal_eval(kw.value)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                return UNSET
            return value if isinstance(value, (bool, int, float, str, type(None))) else UNSET
    return None  # no default given: oslo.config's default is None
