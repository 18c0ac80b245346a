"""The normal level of detail: passes over drawn steps that leave out what a
person drawing the diagram by hand leaves out.

Each pass takes and returns a list of statements and is pure:
- a lookup drawn as alternatives (`get instance by uuid` or `by id`) is one step;
- arms that draw the same steps are drawn once;
- guards read as a person writes them (`not (not x)` is `x`, constants by
  their name, long conditions cut);
- branches left empty go (an `alt` with one arm left is an `opt`);
- a note said again right after itself is said once (a handler under five
  schema decorators validates its request once, as a person draws it);
- groups nest at most two deep: a deeper group's steps are kept, each arm
  led by a note that names its condition (a loop's steps stand alone).
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import replace

from tracer.analysis.steps import only_reads
from tracer.wsd.model import Branch, Comment, Group, Message, Note, Statement

MAX_DEPTH = 2
MAX_GUARD = 60


def fold(steps: list[Statement]) -> list[Statement]:
    for apply in (lookups, same_arms, empty_branches, repeats, guards, shallow):
        steps = apply(steps)
    return steps


def _map_groups(steps: list[Statement], change) -> list[Statement]:
    """Rebuild the steps bottom up; `change(group)` returns the statements
    that stand in the group's place."""
    out: list[Statement] = []
    for step in steps:
        if isinstance(step, Group):
            inner = replace(step, branches=tuple(Branch(b.label, tuple(_map_groups(list(b.steps), change)))
                                                 for b in step.branches))
            out += change(inner)
        else:
            out.append(step)
    return out


# lookups ---------------------------------------------------------------------
def lookups(steps: list[Statement]) -> list[Statement]:
    """`alt by uuid: get ... else: get ...` is one lookup: its first arm."""
    def change(group: Group) -> list[Statement]:
        if group.kind == "alt" and len(group.branches) > 1 and all(only_reads(b.steps) for b in group.branches):
            return [s for s in group.branches[0].steps if not isinstance(s, Comment)]
        return [group]
    return _map_groups(steps, change)


# arms ------------------------------------------------------------------------
def same_arms(steps: list[Statement]) -> list[Statement]:
    def change(group: Group) -> list[Statement]:
        if group.kind == "alt" and len(group.branches) > 1 and \
                all(b.steps == group.branches[0].steps for b in group.branches[1:]):
            return list(group.branches[0].steps)
        return [group]
    return _map_groups(steps, change)


def empty_branches(steps: list[Statement]) -> list[Statement]:
    def change(group: Group) -> list[Statement]:
        kept = tuple(b for b in group.branches if any(not isinstance(s, Comment) for s in b.steps))
        if not kept:
            return []
        if len(kept) == len(group.branches):
            return [group]
        if group.kind == "alt" and len(kept) == 1:
            branch = kept[0]
            label = branch.label or _negate(group.branches[0].label)
            return [Group("opt", (Branch(label, branch.steps),))]
        return [replace(group, branches=kept)]
    return _map_groups(steps, change)


def _negate(label: str) -> str:
    return f"not ({label})" if label else ""


# guards ----------------------------------------------------------------------
def guard(label: str) -> str:
    """A condition as a person writes it: double negation gone, constants by
    their name (`vm_states.ACTIVE` -> `ACTIVE`), at most MAX_GUARD characters."""
    text = label
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(label.replace("\\n", " "), mode="eval")
        text = ast.unparse(_simplify(tree.body))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    text = _CONSTANT.sub(r"\1", text).replace("self.", "")
    if len(text) > MAX_GUARD:
        text = _cut(text)
    return text


_OPPOSITE = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot,
             ast.IsNot: ast.Is, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt}


def negate(test: str) -> str:
    """The condition under which `test` is false: `a != b` -> `a == b`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node = ast.parse(test.replace("\\n", " "), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return f"not ({test})"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ast.unparse(node.operand)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _OPPOSITE:
        return ast.unparse(ast.Compare(node.left, [_OPPOSITE[type(node.ops[0])]()], node.comparators))
    return ast.unparse(ast.UnaryOp(ast.Not(), node))


def _simplify(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and \
            isinstance(node.operand, ast.UnaryOp) and isinstance(node.operand.op, ast.Not):
        node = node.operand.operand
    if isinstance(node, ast.BoolOp):
        return ast.BoolOp(node.op, [_simplify(v) for v in node.values])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ast.UnaryOp(node.op, _simplify(node.operand))
    return node


_CALL_ARGS = re.compile(r"(?<=[\w\]])\(([^()]*)\)")  # a call's arguments, not a parenthesised test
_CONSTANT = re.compile(r"\b(?:[A-Za-z_]\w*\.)+([A-Z][A-Z0-9_]*)\b")  # vm_states.ACTIVE -> ACTIVE


def _cut(text: str) -> str:
    """Long conditions: calls lose their arguments, then the text is cut at a
    word boundary."""
    prev = None
    while prev != text:
        prev, text = text, _CALL_ARGS.sub(lambda m: "()" if m.group(1) and "," in m.group(1) or
                                          len(m.group(1)) > 12 else m.group(0), text)
        if len(text) <= MAX_GUARD:
            return text
    cut = text[:MAX_GUARD - 3]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cut.rstrip(" ,(") + "..."


# repeats ---------------------------------------------------------------------
def repeats(steps: list[Statement]) -> list[Statement]:
    """A note equal to the step right before it goes (in every arm too),
    letter case aside (`notify: pause.start`, then `notify: PAUSE.START`
    from the constants a second notifier is given)."""
    def once(seq: list[Statement]) -> list[Statement]:
        out: list[Statement] = []
        for step in seq:
            if not (isinstance(step, Note) and out and _said(out[-1], step)):
                out.append(step)
        return out

    def change(group: Group) -> list[Statement]:
        return [replace(group, branches=tuple(Branch(b.label, tuple(once(list(b.steps)))) for b in group.branches))]
    return once(_map_groups(steps, change))


def guards(steps: list[Statement]) -> list[Statement]:
    def change(group: Group) -> list[Statement]:
        return [replace(group, branches=tuple(Branch(guard(b.label) if b.label else "", b.steps)
                                              for b in group.branches))]
    return _map_groups(steps, change)


def _said(before: Statement, note: Note) -> bool:
    """Does `note` say what the step before it said?"""
    return type(before) is type(note) and \
        replace(before, text=before.text.casefold()) == replace(note, text=note.text.casefold())  # type: ignore[arg-type]


# depth -----------------------------------------------------------------------
def shallow(steps: list[Statement], depth: int = 0) -> list[Statement]:
    """Groups deeper than MAX_DEPTH give way to their steps, each arm led by a
    note naming its condition over the participant that decides it."""
    out: list[Statement] = []
    for step in steps:
        if not isinstance(step, Group):
            out.append(step)
            continue
        if depth < MAX_DEPTH:
            out.append(replace(step, branches=tuple(Branch(b.label, tuple(shallow(list(b.steps), depth + 1)))
                                                    for b in step.branches)))
            continue
        for i, branch in enumerate(step.branches):
            who = _decider(branch.steps)
            if who and step.kind != "loop":  # a loop's steps read the same without it
                word = "if" if i == 0 else "else if" if branch.label else "else"
                out.append(Note("over", (who,), f"{word} {branch.label}".strip()))
            out += shallow(list(branch.steps), depth + 1)
    return out


def _decider(steps: tuple[Statement, ...]) -> str | None:
    for s in steps:
        if isinstance(s, Message):
            return s.source
        if isinstance(s, Note):
            return s.participants[0]
        if isinstance(s, Group):
            for b in s.branches:
                found = _decider(b.steps)
                if found:
                    return found
    return None
