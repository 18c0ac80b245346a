"""Pure functions over drawn steps: trimming, sharing and measuring them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tracer.wsd.model import Branch, Comment, Group, Lifeline, Message, Note, Statement

STOPPED = "walk stopped:"  # the note where a limit stopped the walk; never trimmed


@dataclass(frozen=True)
class Landmark(Note):
    """A note a rule made (a notification, a policy or state check, an action
    record): kept at any depth, where a helper's other notes fold away."""


def kept_deep(step: Statement) -> bool:
    """Does a step survive in a helper past the inline limit?"""
    return isinstance(step, (Message, Landmark)) or (isinstance(step, Note) and step.text.startswith(STOPPED))


def common_ends(a: list[Statement], b: list[Statement]) -> tuple[list[Statement], ...]:
    """Split two branches into a shared head, what differs, and a shared tail,
    so that steps both branches take are drawn once, outside the group."""
    if not a or not b:
        return [], a, b, []
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    m = 0
    while m < min(len(a), len(b)) - n and a[-1 - m] == b[-1 - m]:
        m += 1
    # what is shared must open and close its own lifelines: each arm's balance there
    while n and not _balanced(a[:n]):
        n -= 1
    while m and not _balanced(a[len(a) - m:]):
        m -= 1
    while m and len(a) - m - 1 >= 0 and is_reply(a[len(a) - m - 1], a[len(a) - m]):
        m -= 1  # keep a reply with the message it answers
    while n and n < len(a) and is_reply(a[n - 1], a[n]):
        n -= 1
    return a[:n], a[n:len(a) - m], b[n:len(b) - m], a[len(a) - m:]


def _balanced(steps: list[Statement]) -> bool:
    """Does every lifeline these steps start end among them, and the reverse?"""
    level: dict[str, int] = {}
    for step in steps:
        if isinstance(step, Lifeline) and step.action in ("activate", "deactivate"):
            level[step.participant] = level.get(step.participant, 0) + (1 if step.action == "activate" else -1)
        elif isinstance(step, Message) and step.activation == "+":
            level[step.target] = level.get(step.target, 0) + 1
        elif isinstance(step, Message) and step.activation == "-":
            level[step.source] = level.get(step.source, 0) - 1
    return not any(level.values())


def is_reply(first: Statement, second: Statement) -> bool:
    return isinstance(first, Message) and isinstance(second, Message) and \
        (first.source, first.target) == (second.target, second.source)


def messages_only(steps: list[Statement] | tuple[Statement, ...], participant: str) -> list[Statement]:
    """Steps without the notes over `participant` (landmarks stay): what a
    deep helper sends, and all that happens in the participants it reaches."""
    return _trim(steps, lambda s: not (isinstance(s, Note) and not isinstance(s, Landmark)
                                       and s.participants == (participant,)))


def brief(steps: list[Statement] | tuple[Statement, ...], hidden: set[str]) -> list[Statement]:
    """Only the messages between participants (none to or from `hidden`,
    such as the database), with their anchors and the groups around them;
    notes left out, except where the walk stopped."""
    return _trim(steps, lambda s: not isinstance(s, Note) and
                 not (isinstance(s, Message) and {s.source, s.target} & hidden))


def _trim(steps: list[Statement] | tuple[Statement, ...], keep: Callable[[Statement], bool]) -> list[Statement]:
    """The steps `keep` accepts, inside groups too (a group left empty goes,
    an `alt` left with one branch is an `opt`); a stop note always stays; an
    anchor with no step after it (before the next anchor) says nothing."""
    kept: list[Statement] = []
    for step in steps:
        if isinstance(step, Group):
            branches = tuple(Branch(b.label, tuple(_trim(b.steps, keep))) for b in step.branches)
            if any(b.steps for b in branches):
                kept.append(Group(step.kind, branches) if len(branches) > 1 or step.kind != "alt"
                            else Group("opt", branches))
        elif keep(step) or (isinstance(step, Note) and step.text.startswith(STOPPED)):
            kept.append(step)
    return [s for i, s in enumerate(kept)
            if not (isinstance(s, Comment) and (i + 1 == len(kept) or isinstance(kept[i + 1], Comment)))]


READS = ("get", "list", "show", "read", "fetch", "find", "lookup", "load", "count")


def asks(step: Statement) -> bool:
    """A message that only reads: `get instance by uuid`, `GET /v2.0/ports`."""
    return isinstance(step, Message) and reading(step.text)


def reading(text: str) -> bool:
    """Words that only read: `get instance by uuid`, `GET /v2.0/ports`."""
    return text.split(" ", 1)[0].lower() in READS or " GET " in f" {text} "


def without_reads(steps: list[Statement] | tuple[Statement, ...], source: str, nested: bool = False,
                  everywhere: bool = False) -> list[Statement]:
    """The steps without what `source` only reads (the request, what happens
    while it is served, and its answer): those inside a group (a lookup, a
    group of reads only, stays), or `everywhere`."""
    out: list[Statement] = []
    waiting: str | None = None  # the participant whose answer ends a read being left out
    for step in steps:
        if waiting is not None:
            if isinstance(step, Message) and (step.source, step.target) == (waiting, source):
                waiting = None
            continue
        if (nested or everywhere) and isinstance(step, Message) and step.source == source and \
                step.target != source and asks(step):
            waiting = step.target
            continue
        if isinstance(step, Group) and (everywhere or not all(only_reads(b.steps) for b in step.branches)):
            step = Group(step.kind, tuple(Branch(b.label, tuple(without_reads(b.steps, source, True, everywhere)))
                                          for b in step.branches))
        out.append(step)
    return out


def only_reads(steps: tuple[Statement, ...] | list[Statement]) -> bool:
    """Steps that only look something up (a lookup drawn as alternatives)."""
    return bool(steps) and all(
        isinstance(s, Comment) or asks(s) or (isinstance(s, Message) and s.text == "done")
        or (isinstance(s, Group) and all(only_reads(b.steps) for b in s.branches)) for s in steps)


def size(steps: list[Statement] | tuple[Statement, ...]) -> int:
    return sum(1 + sum(size(b.steps) for b in s.branches) if isinstance(s, Group) else 1 for s in steps)


def sends(steps: list[Statement] | tuple[Statement, ...]) -> bool:
    """Does anything here message another participant?"""
    return any(isinstance(s, Message) or (isinstance(s, Group) and any(sends(b.steps) for b in s.branches))
               for s in steps)


def has_message(steps: list[Statement] | tuple[Statement, ...]) -> bool:
    """Does anything here reach another participant (or say where the walk
    stopped, which is never trimmed away)?"""
    return any(kept_deep(s) or (isinstance(s, Group) and any(has_message(b.steps) for b in s.branches))
               for s in steps)
