"""What the parser can take, told before it is asked.

LibCST's native parser overflows its stack (a segmentation fault that takes
the process down) on brackets nested a thousand or more deep. Python itself
refuses more than 200 (`too many nested parentheses`), so no module a Python
can import nests deeper: a module that does is refused here, by one scan of
its text (strings and comments skipped), before LibCST sees it.
"""

from __future__ import annotations

import re

MAX_NESTING = 200  # Python's own limit on nested brackets

_TOKEN = re.compile(r"""
    [rRbBuUfF]{0,2}(?:'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
                    |\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
                    |'[^'\\\n]*(?:\\.[^'\\\n]*)*'
                    |"[^"\\\n]*(?:\\.[^"\\\n]*)*")
  | \#[^\n]*
  | [(\[{)\]}]
""", re.VERBOSE)
_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")


def too_deep(text: str) -> tuple[int, str] | None:
    """Where and why LibCST must not parse `text` (brackets nested too
    deep), else None."""
    if sum(text.count(c) for c in _OPEN) <= MAX_NESTING:
        return None  # too few brackets to nest that deep: no scan needed
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in _OPEN:
            depth += 1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, match.start()) + 1
                return line, f"brackets nested more than {MAX_NESTING} deep, which Python refuses too"
        elif token in _CLOSE:
            depth -= 1
    return None
