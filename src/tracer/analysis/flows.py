"""The tasks a flow was built from, and the groups they are drawn in.

A task added inside an `if` or a loop (`if method == 'web-download':
flow.add(Download())`) runs only on that side, or once per item: at the
flow's run, the tasks are drawn in the order added, each inside the
`opt`/`alt`/`loop` it was added in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tracer.analysis.text import wsd_text
from tracer.wsd.model import Branch, Group, Statement


@dataclass(frozen=True)
class Cond:
    """An arm a task was added in: `kind` opt (an if's `arm` 0, its else 1)
    or loop, `text` the test or loop header, `site` where the if or loop is."""

    kind: str
    text: str
    site: str
    arm: int = 0


@dataclass(frozen=True)
class Added:
    """A task class added to a flow, inside these arms (outermost first)."""

    cls: str
    conds: tuple[Cond, ...] = ()


def arrange(tasks: list[Added], draw: Callable[[str], list[Statement]]) -> list[Statement]:
    """Each task's steps (`draw(cls)`), in order, inside the groups it was
    added in; a group whose tasks draw nothing is left out."""
    out: list[Statement] = []
    i = 0
    while i < len(tasks):
        if not tasks[i].conds:
            out += draw(tasks[i].cls)
            i += 1
            continue
        site = tasks[i].conds[0].site
        j = i
        while j < len(tasks) and tasks[j].conds and tasks[j].conds[0].site == site:
            j += 1
        out += _group(tasks[i:j], draw)
        i = j
    return out


def _group(tasks: list[Added], draw: Callable[[str], list[Statement]]) -> list[Statement]:
    """The tasks added under one if or loop (their first arm)."""
    first = tasks[0].conds[0]
    arms: dict[int, list[Statement]] = {}
    for arm in sorted({t.conds[0].arm for t in tasks}):
        inner = [Added(t.cls, t.conds[1:]) for t in tasks if t.conds[0].arm == arm]
        arms[arm] = arrange(inner, draw)
    if first.kind == "loop":
        body = arms.get(0, [])
        return [Group("loop", (Branch(wsd_text(first.text), tuple(body)),))] if body else []
    body, orelse = arms.get(0, []), arms.get(1, [])
    if body and orelse:
        return [Group("alt", (Branch(wsd_text(first.text), tuple(body)), Branch("", tuple(orelse))))]
    if body or orelse:
        label = first.text if body else f"not ({first.text})"
        return [Group("opt", (Branch(wsd_text(label), tuple(body or orelse)),))]
    return []
