"""A callee's walk, kept and reused wherever the same call is walked again.

Many operations walk the same helpers (`_record_action_start`,
`check_instance_state`, a driver's `_get_domain`) with the same arguments.
What a callee's walk draws depends on its frame (the function, the class of
`self`, the participant, what the arguments hold) and on a little of the
walker's state: how many steps were drawn (the step limit), how deep the
frame is (the depth limit), which functions are on the stack (recursion),
which options a note named already, which host roles are known. A kept walk
says what it asked of that state; it is reused only where each answer is the
same, and then replays what the walk did besides drawing: the call graph's
edges, the calls not followed, the tree reads (a kept draft's record), the
fields it set on the caller's objects.

An RPC is kept with the work it drew (once per draft: which methods it
served is asked and replayed too) and the casts' work it left to be drawn
after the steps around it. Walks that send requests walked on in another
service's tree, or run flows or plugins, touch more of the walker's state
(other trees' walks, the tasks added): they are never kept, though the
helpers under them are. A request to a service whose tree is not given is a
step like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Hashable

if TYPE_CHECKING:
    from tracer.analysis.resolve import Ref
    from tracer.index.tree import ReadKey
    from tracer.wsd.model import Statement

Check = tuple[str, Hashable]  # ("receiver" | "stack" | "said" | "served" | "role", what was looked for)
VARIANTS = 4  # walks kept per call


@dataclass(frozen=True)
class Kept:
    """What one callee's walk drew and did."""

    steps: tuple["Statement", ...]
    changes: dict[str, dict[str, tuple[str, ...]]]  # fields set on objects the caller passed
    edges: tuple[tuple[str, str, dict[str, str]], ...]
    unresolved: tuple[Any, ...]
    external: int
    counted: int        # steps it added to the walk's count
    peak: int           # the most the count grew above where it started, at any check
    depth: int          # where it started
    deepest: int        # the deepest frame it asked for, counted from `depth`
    stopped_deep: bool  # whether the depth limit stopped a call in it
    checks: frozenset[Check]  # what it looked for on the stack and in the options named
    found: frozenset[Check]   # which of those were there when it started
    roles: tuple[tuple[str, str], ...]  # host roles it placed
    said: frozenset[str]      # options it named
    served: frozenset[tuple[str, str]]  # (service, RPC method) it drew the work of
    pending: tuple["Statement", ...]    # the work of casts it sent, drawn after the steps around it
    reads: tuple["ReadKey", ...]


def frame_key(ref: "Ref", participant: str, env: tuple[tuple[str, "Ref"], ...], inline: int,
              known: dict[str, Any], passed: dict[str, str], entry: str) -> Hashable:
    """All a callee's walk depends on besides the state a Kept records
    (`entry`: the operation's first participant, whose process the walk
    tells apart from others)."""
    def whole(r: "Ref") -> tuple[str, str, str, str | None]:
        return r.kind, r.name, r.via, r.bound  # a Ref's equality leaves out via and bound
    return (whole(ref), participant, tuple((n, whole(r)) for n, r in env), inline,
            tuple(sorted((k, repr(v)) for k, v in known.items())), tuple(sorted(passed.items())), entry)


class CalleeMemo:
    """The kept walks of one project at one granularity and limits (shared by
    every operation drafted in a process)."""

    def __init__(self, steps: int, depth: int) -> None:
        self.steps, self.depth = steps, depth  # the limits its walks ran under
        self.kept: dict[Hashable, list[Kept]] = {}
        self.hits = 0

    def usable(self, key: Hashable, depth: int, count: int, present: Callable[[Check], bool]) -> Kept | None:
        """A walk kept for `key` whose every answer it relied on is the same
        here: no limit met where it met none (or the same), the same
        functions on the stack, the same options named."""
        for kept in self.kept.get(key, ()):
            if count + kept.peak >= self.steps:
                continue
            if (depth != kept.depth) if kept.stopped_deep else (depth + kept.deepest > self.depth):
                continue
            if frozenset(c for c in kept.checks if present(c)) == kept.found:
                self.hits += 1
                return kept
        return None

    def keep(self, key: Hashable, kept: Kept) -> None:
        """Keep a walk (a few per call: at other depths, other stacks)."""
        variants = self.kept.setdefault(key, [])
        if len(variants) < VARIANTS:
            variants.append(kept)
