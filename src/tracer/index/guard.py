"""What the parser can take, told before it is asked.

LibCST's native parser overflows its stack (a segmentation fault that takes
the process down) on brackets nested a thousand or more deep, and on long
chains in one expression: `a.b.c...`, `f(1)(1)...`, `x[1][1]...`,
`- - - 1`, `1 + 1 + ...` (thousands long: a crash; a few thousand: minutes
of parsing). Python itself refuses more than 200 nested brackets and chains
of about 2,700; real code chains a few dozen at most. A module past either
bound is refused here, by one scan of its text (strings and comments
skipped), before LibCST sees it: a module's outline, or a function's body
(tracer.index.build), so an expression in one body costs that body only.
"""

from __future__ import annotations

import re

MAX_NESTING = 200  # Python's own limit on nested brackets
MAX_CHAIN = 500    # operators, attributes, calls and items in a row at one bracket level

_TOKEN = re.compile(r"""
    [rRbBuUfF]{0,2}(?:'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
                    |\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
                    |'[^'\\\n]*(?:\\.[^'\\\n]*)*'
                    |"[^"\\\n]*(?:\\.[^"\\\n]*)*")
  | \#[^\n]*
  | \\\n
  | \w*\.[\w.]*
  | \b(?:and|or|not|if|else|await)\b
  | [-+*/%@&|^~<>!=:]+
  | [(\[{)\]},;\n]
""", re.VERBOSE | re.DOTALL)
_CHAINED = ".+-*/%@&|^~<>([{'\""
_WORDS = ("not", "and", "or", "if", "else", "await")
_ENDS_CHAIN = frozenset((",", ";", ":", "=", "->", ":="))  # an expression ends: the count starts again
_COMPARED = frozenset(("==", "<=", ">=", "!="))


class Refused(Exception):
    """A text kept from LibCST: the line (of the text) and the reason."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(f"{line}: {why}")
        self.line, self.why = line, why


def check(text: str) -> None:
    """Raise Refused where LibCST must not parse `text`."""
    if (deep := too_deep(text)) is not None:
        raise Refused(*deep)


def too_deep(text: str) -> tuple[int, str] | None:
    """Where and why LibCST must not parse `text` (brackets nested too
    deep, an expression chained too long), else None."""
    if sum(text.count(c) for c in "([{") <= MAX_NESTING and \
            sum(text.count(c) for c in _CHAINED) + sum(text.count(w) for w in _WORDS) <= MAX_CHAIN:
        return None  # too few brackets and operators to go that far: no scan needed
    found = _excess(_TOKEN.findall(text))
    if found is None:
        return None
    index, why = found
    match = next(m for i, m in enumerate(_TOKEN.finditer(text)) if i == index)
    return text.count("\n", 0, match.start()) + 1, why


def _excess(tokens: list[str]) -> tuple[int, str] | None:
    """The first token past a bound (its index, and which bound), if any."""
    outer: list[int] = []  # the chain counted at each enclosing bracket level
    run = 0                # the chain at this level
    for index, token in enumerate(tokens):
        head = token[0]
        if head in "([{":  # an item, call or group: one link here, a new level inside
            outer.append(run + 1)
            run = 0
            if len(outer) > MAX_NESTING:
                return index, f"brackets nested more than {MAX_NESTING} deep, which Python refuses too"
            continue
        if head in ")]}":
            run = outer.pop() if outer else 0
        elif head == "\n":
            run = run if outer else 0  # a line ends a statement outside brackets
        elif token in _ENDS_CHAIN or token[-1] == "=" and token not in _COMPARED:  # `,` `:` `=` `+=` ...
            run = 0
        elif head == "#" or head == "\\":
            continue  # a comment, a line continued
        elif token[-1] in "'\"":
            run += 1  # a string: strings in a row are one string, nested
        elif "." in token:
            run += token.count(".")
        elif head.isalpha() or head == "_":
            run += 1  # and, or, not, if, else, await (comparisons are flat: not counted)
        else:
            run += len(token)
        if run > MAX_CHAIN:
            return index, f"an expression chained more than {MAX_CHAIN} operators, attributes or calls long"
    return None
