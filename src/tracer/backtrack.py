"""Can a regular expression backtrack catastrophically?

Python matches regular expressions by backtracking, so a pattern such as
`(a+)+b` takes exponential time on a near miss (`aaaa...a!`). `hazard()`
reads the parsed pattern and names the shape that allows it: inside a
repeat, a part of variable length followed by something that can match its
first character (the same text then splits in many ways), or alternatives
under a repeat that can begin with the same character; or, one after the
other, four or more repeats of variable length that can match the same
character (`\\w*\\w*\\w*\\w*Z`: the text splits between them in n**4 ways).
It is conservative: an unambiguous rewrite passes (`(\\w+\\.)*` rather than
`(\\w+)*`).
"""

from __future__ import annotations

import re

try:
    import re._parser as _parser  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _parser  # type: ignore[no-redef]

Chars = frozenset[str]
# the characters sets are compared on: Latin-1 and a few beyond it
PROBE: Chars = frozenset(chr(c) for c in range(256)) | frozenset("\u0100\u03a9\u0663\u2028\u3000")
_CATEGORY = {"DIGIT": r"\d", "SPACE": r"\s", "WORD": r"\w", "LINEBREAK": r"\n"}
NESTED = ("a repeated part inside a repeat can match the same text in more than one way (as in (a+)+); "
          "end each repetition with a character the part cannot match, e.g. (\\w+\\.)*")
OVERLAP = "alternatives under a repeat can begin with the same character (as in (\\d+|\\w+)*); make them distinct"
RUN = ("four or more repeats in a row can match the same characters (as in \\w*\\w*\\w*\\w*), so the text splits "
       "between them in many ways; keep fewer, or separate them with a character they cannot match")
MOST_IN_A_ROW = 3  # repeats able to take the same character, one after the other (n**3 on a short name)


def hazard(pattern: str) -> str | None:
    """Why `pattern` can backtrack catastrophically, or None."""
    try:
        tree = _parser.parse(pattern)
    except re.error:
        return None  # compiling reports it
    return _walk(list(tree), frozenset(), False) or (RUN if _in_a_row(list(tree)) > MOST_IN_A_ROW else None)


def _in_a_row(seq: list) -> int:
    """The most repeats of variable length one after the other that can all
    match one character (a part between them that takes that character, or
    may take nothing, keeps the run going; groups, alternatives, optional
    parts and lookarounds are looked into)."""
    shared = _all_chars(seq)
    return max((_run(seq, c, 0)[1] for c in shared), default=0)


def _run(seq: list, c: str, run: int) -> tuple[int, int]:
    """Walk `seq` for character `c` with `run` repeats already in a row:
    the run at its end, and the longest met."""
    most = run
    for op, arg in seq:
        name = str(op)
        if name == "SUBPATTERN":
            run, inner = _run(arg[-1], c, run)
        elif name == "ATOMIC_GROUP":
            run, inner = _run(arg, c, run)
        elif name in ("ASSERT", "ASSERT_NOT"):
            inner = _run(arg[1], c, run)[1]  # tried where it stands, then given up
        elif name == "BRANCH":
            ends = [_run(branch, c, run) for branch in arg[1]]
            run, inner = max(e for e, _ in ends), max(m for _, m in ends)
        elif name.endswith("REPEAT") and name != "POSSESSIVE_REPEAT":
            low, high, body = arg
            takes = c in _all_chars(body)
            if high <= 1:  # optional: its parts stand in the row
                run, inner = _run(body, c, run)
            else:  # one more in the row if it varies; a fixed one takes c or may take nothing, or ends the row
                run = run + 1 if takes and low != high else run if takes or low == 0 else 0
                inner = run
        else:
            chars, nullable = _first_item(name, arg)
            run = run if nullable or c in chars else 0
            inner = run
        most = max(most, inner, run)
    return run, most


def _all_chars(seq: list) -> Chars:
    """Every character a part can take anywhere in it (not only first)."""
    out: Chars = frozenset()
    for op, arg in seq:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            out |= _chars(name, arg)
        elif name == "SUBPATTERN":
            out |= _all_chars(arg[-1])
        elif name == "ATOMIC_GROUP":
            out |= _all_chars(arg)
        elif name.endswith("REPEAT"):
            out |= _all_chars(arg[2])
        elif name == "BRANCH":
            out |= frozenset().union(*(_all_chars(b) for b in arg[1]))
        elif name not in ("AT", "ASSERT", "ASSERT_NOT"):
            out |= PROBE
    return out


def _walk(seq: list, follow: Chars, loop: bool) -> str | None:
    """The first hazard in `seq`, which `follow` may follow, inside a repeat if `loop`."""
    for i, (op, arg) in enumerate(seq):
        rest, nullable = _first(seq[i + 1:])
        found = _item(str(op), arg, rest | follow if nullable else rest, loop)
        if found:
            return found
    return None


def _item(name: str, arg, after: Chars, loop: bool) -> str | None:
    if name == "SUBPATTERN":
        return _walk(arg[-1], after, loop)
    if name == "ATOMIC_GROUP":
        return _walk(arg, frozenset(), loop)
    if name in ("ASSERT", "ASSERT_NOT"):
        return _walk(arg[1], frozenset(), loop)
    if name == "GROUPREF_EXISTS":
        return _walk(arg[1], after, loop) or (_walk(arg[2], after, loop) if arg[2] else None)
    if name.endswith("REPEAT"):
        low, high, body = arg
        starts, _ = _first(body)
        possessive = name == "POSSESSIVE_REPEAT"
        if loop and low != high and not possessive and starts & after:
            return NESTED
        many = high > 1
        inner = (starts | (frozenset() if possessive else after)) if many else after
        return _walk(body, inner, loop or many)
    if name == "BRANCH":
        branches = arg[1]
        if loop:
            firsts = [_first(b)[0] for b in branches]
            if any(a & b for i, a in enumerate(firsts) for b in firsts[i + 1:]):
                return OVERLAP
        return next((found for b in branches if (found := _walk(b, after, loop))), None)
    return None


def _first(seq: list) -> tuple[Chars, bool]:
    """The characters `seq` can begin with, and whether it can match nothing."""
    out: Chars = frozenset()
    for op, arg in seq:
        chars, nullable = _first_item(str(op), arg)
        out |= chars
        if not nullable:
            return out, False
    return out, True


def _first_item(name: str, arg) -> tuple[Chars, bool]:
    if name in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
        return _chars(name, arg), False
    if name == "SUBPATTERN":
        return _first(arg[-1])
    if name == "ATOMIC_GROUP":
        return _first(arg)
    if name.endswith("REPEAT"):
        chars, nullable = _first(arg[2])
        return chars, nullable or arg[0] == 0
    if name in ("BRANCH", "GROUPREF_EXISTS"):
        parts = [_first(b) for b in (arg[1] if name == "BRANCH" else [arg[1], arg[2] or []])]
        return frozenset().union(*(c for c, _ in parts)), any(n for _, n in parts)
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return frozenset(), True
    return PROBE, True  # a back reference: could be anything


def _chars(name: str, arg) -> Chars:
    """The characters one single-character item matches (within PROBE)."""
    if name == "LITERAL":
        return frozenset(chr(arg))
    if name == "NOT_LITERAL":
        return PROBE - {chr(arg)}
    if name == "ANY":
        return PROBE
    if name == "RANGE":
        return frozenset(c for c in PROBE if arg[0] <= ord(c) <= arg[1]) | {chr(arg[0]), chr(arg[1])}
    if name == "CATEGORY":
        return _category(str(arg))
    if name == "IN":
        negate = any(str(op) == "NEGATE" for op, _ in arg)
        chars = frozenset().union(*(_chars(str(op), a) for op, a in arg if str(op) != "NEGATE"))
        return PROBE - chars if negate else chars
    return PROBE


def _category(name: str) -> Chars:
    base = name.removeprefix("CATEGORY_").removeprefix("UNI_").removeprefix("LOC_")
    negate = base.startswith("NOT_")
    pattern = _CATEGORY.get(base.removeprefix("NOT_"))
    if pattern is None:
        return PROBE
    chars = frozenset(c for c in PROBE if re.fullmatch(pattern, c))
    return PROBE - chars if negate else chars
