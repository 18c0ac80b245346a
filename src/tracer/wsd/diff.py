"""Compare two diagrams step by step (messages and notes), by meaning, section by section.

Formatting never shows: spacing, comment style, activation lines and `+`/`-`
modifiers, the arrow's line and head (`->`, `-->`, `->>`: lifelines and
asynchronous casts are drawing style), declared-vs-implied participants, and wording that differs only in
case, camelCase, `_`, plurals or punctuation (`tracer.wsd.wording`).
Participants can be renamed on both sides first (`aliases`).

How steps pair:
1. Each diagram is cut into sections at its `# path func()` anchors (a run of
   steps under one anchor). Sections pair by anchor: in order first, then
   sections that moved (the same anchor elsewhere).
2. Inside each pair of sections, steps are aligned in order (heaviest common
   subsequence): equal wording pairs as equal, similar wording between the
   same participants (similarity >= THRESHOLD) as changed (`~`); unrelated
   steps are removed and added, never changed.
3. Steps left over, in sections without a counterpart or unpaired in theirs,
   are aligned once more across the whole diagram, in order, by the same
   rule: a step drawn under another anchor (or under a wrong one, as
   hand-written diagrams have) is still found. It is shown where it stands
   in B, marked with where it stood in A.
4. A reply (`B->A` answering an earlier `A->B`) only pairs when its request
   paired with the other's request: a bare `done` says nothing by itself.

The result is one hunk per section (pair), headed by its anchor, with the
`alt`/`opt`/`loop` around each step. Statements other than messages and notes
(lifelines, directives, kinds this module does not know) are ignored.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import click

from tracer.wsd.align import align
from tracer.wsd.emit import note_head, quote
from tracer.wsd.model import Anchor, Comment, Diagram, Message, Note
from tracer.wsd.wording import similarity, words

Op = Literal["equal", "removed", "added", "changed"]
_SIGN = {"equal": " ", "removed": "-", "added": "+", "changed": "~"}
_COLOUR = {"removed": "red", "added": "green", "changed": "yellow"}
KINDS = ("message", "note")
THRESHOLD = 0.5  # similarity from which two wordings between the same participants are one changed step
_EQUAL_WORTH, _REPLY_WORTH = 2.0, 0.25  # an equal step outweighs any changed one; replies weigh little
MOST_WEIGHED = 600_000  # step pairs between the same participants weighed in one alignment (a few
# seconds); past it, only steps worded the same pair
SectionKey = tuple[str | None, str | None] | None


@dataclass(frozen=True)
class Step:
    """A message or a note, reduced to what diff compares."""

    kind: Literal["message", "note"]
    who: str  # `A->B`, `A-->B` or `note over A,B`, after aliases
    text: str  # the text, whitespace normalised
    line: int
    anchor: Anchor | None
    groups: tuple[str, ...] = ()  # the enclosing group heads, outermost first (`alt x`, `else`)
    index: int = field(default=0, compare=False)  # position among the diagram's steps
    reply_to: int | None = field(default=None, compare=False)  # index of the request it answers
    ends: tuple[str, ...] = field(default=(), compare=False)  # source and target, or the note's participants

    @property
    def words(self) -> tuple[str, ...]:
        return words(self.text)

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.kind, self.who, self.words)

    @property
    def between(self) -> tuple[str, ...]:
        """What must agree for two steps to pair: the kind and the participants, in order."""
        return (self.kind, *self.ends)

    @property
    def section(self) -> SectionKey:
        return (self.anchor.path, self.anchor.func) if self.anchor else None

    def __str__(self) -> str:
        return f"{self.who}: {self.text}" if self.text else self.who


@dataclass(frozen=True)
class Entry:
    op: Op
    a: Step | None
    b: Step | None
    similarity: float = 0.0  # 1.0 for equal, the score for changed, 0 otherwise
    moved: bool = False  # paired with a step of another section

    @property
    def kind(self) -> str:
        step = self.b or self.a
        assert step is not None
        return step.kind


@dataclass(frozen=True)
class Hunk:
    """One section (or pair of sections with the same anchor) and its entries in order."""

    a: Anchor | None
    b: Anchor | None
    entries: tuple[Entry, ...]
    only: Literal["a", "b", ""] = ""  # the side the section's anchor is found on, when only one
    moved: bool = False  # the sections stand in another order among the others

    @property
    def anchor(self) -> Anchor | None:
        return self.b or self.a

    @property
    def same(self) -> bool:
        return not self.moved and all(e.op == "equal" and not e.moved for e in self.entries)


@dataclass(frozen=True)
class DiffResult:
    hunks: tuple[Hunk, ...]
    coarse: tuple[str, ...] = ()  # where steps were paired by equal wording only (too many to weigh)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for h in self.hunks for e in h.entries)

    @property
    def same(self) -> bool:
        return all(h.same for h in self.hunks)

    def stat(self) -> dict[str, dict[str, int]]:
        """Per kind: matched, only_a, only_b, changed counts, and each side's total."""
        names = {"equal": "matched", "removed": "only_a", "added": "only_b", "changed": "changed"}
        out = {k: {"matched": 0, "only_a": 0, "only_b": 0, "changed": 0, "total_a": 0, "total_b": 0}
               for k in KINDS}
        for e in self.entries:
            out[e.kind][names[e.op]] += 1
            out[e.kind]["total_a"] += e.a is not None
            out[e.kind]["total_b"] += e.b is not None
        return out


def normalise(text: str) -> str:
    """Collapse whitespace, also around `\\n` line breaks (literal or real)."""
    parts = re.split(r"\\n|\n", text)
    return "\\n".join(" ".join(p.split()) for p in parts).strip()


def parse_aliases(pairs: Iterable[str]) -> dict[str, str]:
    """`["image_api=images"]` -> {"image_api": "images"}; a bad item raises ValueError."""
    out: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise ValueError(f"{pair!r}: write it as NAME=OTHER (image_api=images)")
        out[old.strip()] = new.strip()
    return out


# --- steps -------------------------------------------------------------------------------


def steps_of(diagram: Diagram, aliases: Mapping[str, str] | None = None) -> list[Step]:
    """Messages and notes in document order, each with its nearest preceding anchor and groups."""
    rename = dict(aliases or {})
    steps: list[Step] = []
    anchor: Anchor | None = None
    for stmt, groups in _walk(diagram.statements, ()):
        if isinstance(stmt, Comment):
            anchor = stmt.anchor or anchor
        elif isinstance(stmt, Message):
            src, dst = rename.get(stmt.source, stmt.source), rename.get(stmt.target, stmt.target)
            who = f"{quote(src)}{'<->' if stmt.both_ways else '->'}{quote(dst)}"  # the arrow's style is formatting
            steps.append(Step("message", who, normalise(stmt.text), stmt.line, anchor, groups, len(steps),
                              ends=(src, dst)))
        elif isinstance(stmt, Note):
            names = tuple(rename.get(p, p) for p in stmt.participants)
            head = note_head(Note(stmt.position, names, "", stmt.kind))
            steps.append(Step("note", head, normalise(stmt.text), stmt.line, anchor, groups, len(steps),
                              ends=names))
    return _mark_replies(steps)


def _walk(statements: Iterable[object], groups: tuple[str, ...]) -> Iterator[tuple[object, tuple[str, ...]]]:
    """Statements in order with their group heads; any statement with `branches` is a group."""
    for stmt in statements:
        branches = getattr(stmt, "branches", None)
        if branches is None:
            yield stmt, groups
            continue
        first = ""
        for i, branch in enumerate(branches):
            label = str(getattr(branch, "label", ""))
            if i == 0:
                first = head = f"{getattr(stmt, 'kind', 'group')} {label}".strip()
            else:
                head = f"else {label}".strip() + f" ({first})"
            yield from _walk(getattr(branch, "steps", ()), (*groups, head))


def _mark_replies(steps: list[Step]) -> list[Step]:
    """A message B->A answers the latest unanswered A->B before it."""
    open_requests: dict[tuple[str, ...], list[Step]] = defaultdict(list)  # by (source, target)
    out = list(steps)
    for step in steps:
        if step.kind != "message" or step.ends[0] == step.ends[1]:
            continue
        answered = open_requests.get(step.ends[::-1])
        if answered:
            out[step.index] = replace(step, reply_to=answered.pop().index)
        else:
            open_requests[step.ends].append(step)
    return out


# --- pairing -----------------------------------------------------------------------------


@dataclass
class _Section:
    key: SectionKey
    anchor: Anchor | None
    steps: list[int]


def sections_of(steps: list[Step]) -> list[_Section]:
    """Runs of consecutive steps under the same anchor."""
    out: list[_Section] = []
    for step in steps:
        if out and out[-1].key == step.section:
            out[-1].steps.append(step.index)
        else:
            out.append(_Section(step.section, step.anchor, [step.index]))
    return out


def _pair_sections(ra: list[_Section], rb: list[_Section]) -> list[tuple[int, int]]:
    """Sections with the same anchor: in order first, then the ones that moved."""
    where: dict[SectionKey, list[int]] = defaultdict(list)
    for j, y in enumerate(rb):
        where[y.key].append(j)
    if sum(len(where.get(x.key, ())) for x in ra) > MOST_WEIGHED:  # thousands of sections under a few anchors
        pairs = _in_order([x.key for x in ra], [y.key for y in rb])
    else:
        pairs = align(len(ra), len(rb), [dict.fromkeys(where.get(x.key, ()), 1.0) for x in ra])
    used_a, used_b = {i for i, _ in pairs}, {j for _, j in pairs}
    waiting: dict[SectionKey, list[int]] = defaultdict(list)
    for j, y in enumerate(rb):
        if j not in used_b:
            waiting[y.key].append(j)
    for i, x in enumerate(ra):
        if i not in used_a and waiting[x.key]:
            pairs.append((i, waiting[x.key].pop(0)))
    return pairs


def _worth(x: Step, y: Step) -> float | None:
    """What pairing x with y is worth, or None when they are not the same step."""
    if x.between != y.between or (x.reply_to is None) != (y.reply_to is None):
        return None
    scale = _REPLY_WORTH if x.reply_to is not None else 1.0
    if x.key == y.key:
        return _EQUAL_WORTH * scale
    score = similarity(x.words, y.words)
    return score * scale if score >= THRESHOLD else None


def _align_steps(ia: list[int], ib: list[int], sa: list[Step], sb: list[Step], coarse: bool) -> dict[int, int]:
    """Pairs (A index -> B index) of an order-respecting alignment of the two
    lists (`coarse`: too many to weigh, equal steps only)."""
    if coarse:
        return _equal_runs(ia, ib, sa, sb)
    by_who: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for pos, j in enumerate(ib):
        by_who[sb[j].between].append(pos)
    candidates: list[dict[int, float]] = []
    for i in ia:
        allowed = {}
        for pos in by_who.get(sa[i].between, ()):
            worth = _worth(sa[i], sb[ib[pos]])
            if worth is not None:
                allowed[pos] = worth
        candidates.append(allowed)
    return {ia[p]: ib[q] for p, q in align(len(ia), len(ib), candidates)}


def _too_many(ia: list[int], ib: list[int], sa: list[Step], sb: list[Step]) -> bool:
    """Would aligning these weigh more than MOST_WEIGHED pairs?"""
    if len(ia) * len(ib) <= MOST_WEIGHED:
        return False
    per_who = Counter(sb[j].between for j in ib)
    return sum(per_who[sa[i].between] for i in ia) > MOST_WEIGHED


def _equal_runs(ia: list[int], ib: list[int], sa: list[Step], sb: list[Step]) -> dict[int, int]:
    """Too many steps to weigh every pair: equal steps paired in order
    (`_in_order`); no step pairs as changed."""
    ka = [(sa[i].key, sa[i].reply_to is None) for i in ia]
    kb = [(sb[j].key, sb[j].reply_to is None) for j in ib]
    return {ia[p]: ib[q] for p, q in _in_order(ka, kb)}


def _in_order(ka: list[Hashable], kb: list[Hashable]) -> list[tuple[int, int]]:
    """Equal keys paired in order, in near linear time, the patience way:
    keys found once on each side anchor the longest in-order run of them,
    and the stretches between anchors are paired the same way; a stretch
    with no such key is paired greedily (each key on one side to its next
    match on the other), its equal heads and tails first."""
    pairs: list[tuple[int, int]] = []
    todo = [(0, len(ka), 0, len(kb))]
    while todo:
        a0, a1, b0, b1 = todo.pop()
        while a0 < a1 and b0 < b1 and ka[a0] == kb[b0]:  # equal heads
            pairs.append((a0, b0))
            a0, b0 = a0 + 1, b0 + 1
        while a0 < a1 and b0 < b1 and ka[a1 - 1] == kb[b1 - 1]:  # equal tails
            pairs.append((a1 - 1, b1 - 1))
            a1, b1 = a1 - 1, b1 - 1
        once_a, once_b = _once(ka, a0, a1), _once(kb, b0, b1)
        anchors = _increasing(sorted((p, once_b[k]) for k, p in once_a.items() if k in once_b))
        if not anchors:
            pairs += _greedy(ka, kb, a0, a1, b0, b1)
            continue
        pairs += anchors
        for (p, q), (p1, q1) in zip([(a0 - 1, b0 - 1), *anchors], [*anchors, (a1, b1)]):
            if p + 1 < p1 and q + 1 < q1:
                todo.append((p + 1, p1, q + 1, q1))
    return sorted(pairs)


def _greedy(ka: list[Hashable], kb: list[Hashable], a0: int, a1: int, b0: int, b1: int) -> list[tuple[int, int]]:
    """Each key of ka[a0:a1] paired with its next match in kb[b0:b1] after the last pair made."""
    places: dict[Hashable, list[int]] = defaultdict(list)
    for q in range(b0, b1):
        places[kb[q]].append(q)
    pairs, last = [], b0 - 1
    for p in range(a0, a1):
        found = places.get(ka[p])
        if found:
            k = bisect_right(found, last)
            if k < len(found):
                last = found[k]
                pairs.append((p, last))
    return pairs


def _once(keys: list[Hashable], start: int, end: int) -> dict[Hashable, int]:
    """The keys found once in keys[start:end], with their place."""
    seen: dict[Hashable, int] = {}
    for n in range(start, end):
        seen[keys[n]] = -1 if keys[n] in seen else n
    return {k: n for k, n in seen.items() if n >= 0}


def _drop_lone_replies(pairs: dict[int, int], sa: list[Step], sb: list[Step]) -> dict[int, int]:
    """A reply stays paired only when its request is paired with the other's request."""
    return {i: j for i, j in pairs.items()
            if sa[i].reply_to is None or pairs.get(sa[i].reply_to) == sb[j].reply_to}


def diff_diagrams(a: Diagram, b: Diagram, aliases: Mapping[str, str] | None = None) -> DiffResult:
    """Pair the steps of `a` and `b` section by section (see the module's docstring)."""
    sa, sb = steps_of(a, aliases), steps_of(b, aliases)
    ra, rb = sections_of(sa), sections_of(sb)
    section_pairs = _pair_sections(ra, rb)
    pairs: dict[int, int] = {}
    coarse_runs: list[tuple[int, int]] = []  # the sizes of the alignments too large to weigh

    def align_run(ia: list[int], ib: list[int]) -> None:
        coarse = _too_many(ia, ib, sa, sb)
        if coarse:
            coarse_runs.append((len(ia), len(ib)))
        pairs.update(_align_steps(ia, ib, sa, sb, coarse))

    for i, j in section_pairs:
        align_run(ra[i].steps, rb[j].steps)
    taken = set(pairs.values())
    align_run([s.index for s in sa if s.index not in pairs], [s.index for s in sb if s.index not in taken])
    pairs = _drop_lone_replies(pairs, sa, sb)
    section_pairs += _pair_by_steps(ra, rb, section_pairs, pairs)
    largest = max(coarse_runs, default=None)
    coarse = (f"{largest[0]:,} x {largest[1]:,} steps to align at once (over {MOST_WEIGHED:,} pairs to weigh): "
              "only steps worded the same were paired",) if largest else ()
    return DiffResult(_hunks(sa, sb, ra, rb, section_pairs, pairs), coarse)


def _pair_by_steps(ra: list[_Section], rb: list[_Section], section_pairs: list[tuple[int, int]],
                   pairs: dict[int, int]) -> list[tuple[int, int]]:
    """Lone sections that pair with each other for most of the steps either has paired
    (an anchor renamed, or a wrong one): they make one hunk."""
    lone_a = set(range(len(ra))) - {i for i, _ in section_pairs}
    lone_b = set(range(len(rb))) - {j for _, j in section_pairs}
    home_a = {i: n for n in lone_a for i in ra[n].steps}
    home_b = {j: n for n in lone_b for j in rb[n].steps}
    votes: dict[tuple[int, int], int] = defaultdict(int)
    paired_a: dict[int, int] = defaultdict(int)
    paired_b: dict[int, int] = defaultdict(int)
    for i, j in pairs.items():
        paired_a[home_a.get(i, -1)] += 1
        paired_b[home_b.get(j, -1)] += 1
        if i in home_a and j in home_b:
            votes[home_a[i], home_b[j]] += 1
    return [(x, y) for (x, y), n in votes.items() if 2 * n > paired_a[x] and 2 * n > paired_b[y]]


# --- hunks -------------------------------------------------------------------------------


def _hunks(sa: list[Step], sb: list[Step], ra: list[_Section], rb: list[_Section],
           section_pairs: list[tuple[int, int]], pairs: dict[int, int]) -> tuple[Hunk, ...]:
    """One hunk per section pair or lone section, in B's order (A's lone ones after their predecessor)."""
    home_a = {i: n for n, sec in enumerate(ra) for i in sec.steps}
    partner = dict(section_pairs)
    b_to_a = {j: i for i, j in section_pairs}
    ordered: list[tuple[float, int, int | None, int | None]] = []
    for j in range(len(rb)):
        ordered.append((j, 0, b_to_a.get(j), j))
    place = -0.5
    for i in range(len(ra)):
        if i in partner:
            place = partner[i] + 0.5
        else:
            ordered.append((place, i + 1, i, None))
    ordered.sort(key=lambda t: (t[0], t[1]))
    back = {j: i for i, j in pairs.items()}
    in_order = set(_increasing(sorted(section_pairs)))
    hunks = []
    for _, _, i, j in ordered:
        ia = ra[i].steps if i is not None else []
        ib = rb[j].steps if j is not None else []
        entries = _merge(ia, ib, sa, sb, pairs, back, home_a, i)
        if not entries:
            continue
        only: Literal["a", "b", ""] = "" if i is not None and j is not None else ("a" if j is None else "b")
        hunks.append(Hunk(ra[i].anchor if i is not None else None, rb[j].anchor if j is not None else None,
                          tuple(entries), only, moved=not only and (i, j) not in in_order))
    return tuple(hunks)


def _merge(ia: list[int], ib: list[int], sa: list[Step], sb: list[Step], pairs: dict[int, int],
           back: dict[int, int], home_a: dict[int, int],
           section_a: int | None) -> list[Entry]:
    """A section's entries in order: pairs inside it in both orders, the rest where it stands.

    A's steps paired elsewhere are shown at their partner in B; B's steps
    paired elsewhere are shown here, marked as moved.
    """
    in_b = set(ib)
    sync = _increasing([(i, pairs[i]) for i in ia if pairs.get(i) in in_b])
    synced = set(sync)
    entries: list[Entry] = []
    pa = pb = 0
    for i, j in [*sync, (None, None)]:
        while pa < len(ia) and (i is None or ia[pa] != i):
            x = ia[pa]
            if x not in pairs:
                entries.append(Entry("removed", sa[x], None))
            pa += 1
        while pb < len(ib) and (j is None or ib[pb] != j):
            y = ib[pb]
            if y in back:
                x = back[y]
                entries.append(_pair(sa[x], sb[y], moved=home_a[x] != section_a or (x, y) not in synced))
            else:
                entries.append(Entry("added", None, sb[y]))
            pb += 1
        if i is not None and j is not None:
            entries.append(_pair(sa[i], sb[j], moved=False))
            pa, pb = pa + 1, pb + 1
    return entries


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs increasing in both members (pairs come sorted
    by the first): each pair follows the earliest of the longest runs it can
    end, and the earliest longest run wins; O(n log n), a Fenwick tree over
    the second members holding (length, -index) maxima."""
    ranks = {v: r for r, v in enumerate(sorted({j for _, j in pairs}), 1)}
    tree = [(0, 0)] * (len(ranks) + 1)
    length, before = [0] * len(pairs), [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        best, r = (0, 0), ranks[j] - 1  # the runs ending below j
        while r:
            best, r = max(best, tree[r]), r & (r - 1)
        length[k], before[k] = best[0] + 1, -best[1] - 1 if best[0] else -1
        r = ranks[j]
        while r < len(tree):
            tree[r], r = max(tree[r], (length[k], -k - 1)), r + (r & -r)
    if not pairs:
        return []
    k = length.index(max(length))
    run = []
    while k >= 0:
        run.append(pairs[k])
        k = before[k]
    return run[::-1]


def _pair(x: Step, y: Step, moved: bool) -> Entry:
    if x.key == y.key:
        return Entry("equal", x, y, 1.0, moved)
    return Entry("changed", x, y, round(similarity(x.words, y.words), 3), moved)


# --- output ------------------------------------------------------------------------------


def format_unified(result: DiffResult, a_name: str, b_name: str, context: int = 3,
                   color: bool = False) -> str:
    """`diff -u` style: one hunk per section that differs, headed by its anchor."""
    if result.same:
        return ""
    paint = _painter(color)
    lines = [paint(f"--- {a_name}", "bold"), paint(f"+++ {b_name}", "bold")]
    for hunk in result.hunks:
        if hunk.same:
            continue
        near = _near_changes(hunk.entries, context)
        shown = [e for k, e in enumerate(hunk.entries) if k in near]
        lines.append(paint(_hunk_header(hunk, shown or list(hunk.entries), a_name, b_name), "cyan"))
        lines += _hunk_body(hunk, near, paint)
    return "\n".join(lines) + "\n"


def _painter(color: bool):
    def paint(text: str, style: str | None) -> str:
        if not color or style is None:
            return text
        return click.style(text, bold=True) if style == "bold" else click.style(text, fg=style)
    return paint


def _hunk_header(hunk: Hunk, shown: list[Entry], a_name: str, b_name: str) -> str:
    a_line = next((e.a.line for e in shown if e.a and not e.moved), 0)
    b_line = next((e.b.line for e in shown if e.b), 0)
    where = f"@@ -{a_line} +{b_line} @@"
    anchor = str(hunk.anchor) if hunk.anchor else ""
    if hunk.a and hunk.b and hunk.a != hunk.b:
        same_file = hunk.a.path == hunk.b.path and hunk.b.func
        anchor = f"{hunk.a} -> {f'{hunk.b.func}()' if same_file else hunk.b}"
    if hunk.moved:
        anchor += " (moved)"
    if anchor and hunk.only:
        anchor += f" (only in {a_name if hunk.only == 'a' else b_name})"
    return f"{where} {anchor}" if anchor else where


def _hunk_body(hunk: Hunk, near: set[int], paint) -> list[str]:
    """The entries near a change, each under the group heads it sits in; `...` between them."""
    if not near:
        count = len(hunk.entries)
        return [f"  ({count} equal step{'' if count == 1 else 's'})"]
    lines: list[str] = []
    heads: tuple[str, ...] = ()
    for k, e in enumerate(hunk.entries):
        if k not in near:
            if lines and lines[-1] != "  ...":
                lines.append("  ...")
                heads = ()
            continue
        groups = (e.b or e.a).groups  # type: ignore[union-attr]
        common = 0
        while common < min(len(heads), len(groups)) and heads[common] == groups[common]:
            common += 1
        lines += ["  " + "  " * depth + groups[depth] for depth in range(common, len(groups))]
        heads = groups
        lines.append(paint(_entry_line(e, "  " * len(groups)), _COLOUR.get(e.op)))
    return lines[:-1] if lines[-1] == "  ..." else lines


def _near_changes(entries: tuple[Entry, ...], context: int) -> set[int]:
    shown: set[int] = set()
    for k, e in enumerate(entries):
        if e.op != "equal" or e.moved:
            shown.update(range(max(0, k - context), min(len(entries), k + context + 1)))
    return shown


def _entry_line(e: Entry, pad: str) -> str:
    where = f"  (A:{e.a.line} {e.a.anchor or 'no anchor'})" if e.moved and e.a else ""
    if e.op == "changed":
        assert e.a and e.b
        other = "" if e.a.who == e.b.who else f"{e.b.who}: "
        return f'~ {pad}{e.a.who}: "{e.a.text}" -> {other}"{e.b.text}"{where}'
    return f"{_SIGN[e.op]} {pad}{e.b or e.a}{where}"


def shares(stat: dict[str, dict[str, int]]) -> dict[str, float]:
    """Percentages of each side's steps the other has: equal only, and equal or changed."""
    total_a = sum(c["total_a"] for c in stat.values())
    total_b = sum(c["total_b"] for c in stat.values())
    matched = sum(c["matched"] for c in stat.values())
    paired = matched + sum(c["changed"] for c in stat.values())

    def pct(n: int, total: int) -> float:
        return round(100 * n / total, 1) if total else 100.0
    return {"b_equal_in_a": pct(matched, total_b), "b_found_in_a": pct(paired, total_b),
            "a_equal_in_b": pct(matched, total_a), "a_found_in_b": pct(paired, total_a)}


def format_stat(result: DiffResult, a_name: str, b_name: str) -> str:
    """Per-kind counts and the share of each side's steps found in the other."""
    stat = result.stat()
    rows = [f"{'':8} {'matched':>8} {'only A':>8} {'only B':>8} {'changed':>8}"]
    for kind, c in stat.items():
        rows.append(f"{kind:8} {c['matched']:8} {c['only_a']:8} {c['only_b']:8} {c['changed']:8}")
    pct = shares(stat)
    total_a = sum(c["total_a"] for c in stat.values())
    total_b = sum(c["total_b"] for c in stat.values())
    rows.append(f"{pct['b_equal_in_a']:.1f}% of {b_name}'s {total_b} steps found in {a_name} "
                f"({pct['b_found_in_a']:.1f}% counting changed text)")
    rows.append(f"{pct['a_equal_in_b']:.1f}% of {a_name}'s {total_a} steps found in {b_name} "
                f"({pct['a_found_in_b']:.1f}% counting changed text)")
    return "\n".join(rows) + "\n"


def json_doc(result: DiffResult, a_name: str, b_name: str) -> dict[str, object]:
    """Files, verdict, counts, shares, warnings (steps paired coarsely) and
    every pairing, in the order the hunks show them."""
    stat = result.stat()
    pct = shares(stat)
    return {
        "a": a_name,
        "b": b_name,
        "same": result.same,
        "stat": stat,
        "found_in_a_percent": pct["b_equal_in_a"],
        "found_or_changed_percent": pct["b_found_in_a"],
        "shares": pct,
        "warnings": list(result.coarse),
        "steps": [_entry_json(e, h) for h in result.hunks for e in h.entries],
    }


def format_json(result: DiffResult, a_name: str, b_name: str) -> str:
    """A stable JSON document (see `json_doc`)."""
    return json.dumps(json_doc(result, a_name, b_name), indent=2, ensure_ascii=False) + "\n"


def _entry_json(e: Entry, hunk: Hunk) -> dict[str, object]:
    def side(s: Step | None) -> dict[str, object] | None:
        if s is None:
            return None
        return {"who": s.who, "text": s.text, "line": s.line,
                "anchor": str(s.anchor) if s.anchor else None, "groups": list(s.groups)}
    return {"op": e.op, "kind": e.kind, "similarity": e.similarity, "moved": e.moved,
            "section": str(hunk.anchor) if hunk.anchor else None, "a": side(e.a), "b": side(e.b)}

