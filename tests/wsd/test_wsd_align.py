"""The alignment diff pairs steps with, against the textbook definitions it
replaces: the full Needleman-Wunsch table and the quadratic longest run."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.wsd.align import align
from tracer.wsd.diff import _increasing


def _table(n: int, m: int, candidates: list[dict[int, float]]) -> list[tuple[int, int]]:
    """Every cell of the table; ties: up, then left, then diagonal only when better."""
    if not n or not m or not any(candidates):
        return []
    prev, back = [0.0] * (m + 1), [[1] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        cur = [0.0] * (m + 1)
        for j in range(1, m + 1):
            best, move = prev[j], 1
            if cur[j - 1] > best:
                best, move = cur[j - 1], 2
            worth = candidates[i - 1].get(j - 1)
            if worth is not None and prev[j - 1] + worth > best:
                best, move = prev[j - 1] + worth, 0
            cur[j], back[i][j] = best, move
        prev = cur
    pairs, i, j = [], n, m
    while i and j:
        if back[i][j] == 0:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif back[i][j] == 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def _quadratic(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    best: list[list[tuple[int, int]]] = []
    for pair in pairs:
        chains = [c for c in best if c[-1][1] < pair[1]]
        best.append(max(chains, key=len, default=[]) + [pair])
    return max(best, key=len, default=[])


@st.composite
def _problems(draw: st.DrawFn) -> tuple[int, int, list[dict[int, float]]]:
    n, m = draw(st.integers(0, 12)), draw(st.integers(0, 12))
    worth = st.sampled_from([1.0, 0.5, 0.75, 0.3])  # few values: many equal alignments
    candidates = [draw(st.dictionaries(st.integers(0, max(m - 1, 0)), worth, max_size=m)) if m else {}
                  for _ in range(n)]
    return n, m, candidates


@settings(max_examples=400, deadline=None)
@given(_problems())
def test_align_makes_the_tables_choice(problem: tuple[int, int, list[dict[int, float]]]) -> None:
    n, m, candidates = problem
    assert align(n, m, candidates) == _table(n, m, candidates)


def test_align_on_long_similar_sequences_matches_the_table() -> None:
    rng = random.Random(7)
    a = [rng.choice("abcde") for _ in range(300)]
    b = [x if rng.random() > 0.2 else rng.choice("abcde") for x in a]
    candidates = [{j: (1.0 if x == y else 0.4) for j, y in enumerate(b) if x == y or abs(i - j) < 3}
                  for i, x in enumerate(a)]
    assert align(len(a), len(b), candidates) == _table(len(a), len(b), candidates)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(0, 15), max_size=25))
def test_increasing_makes_the_quadratic_runs_choice(seconds: list[int]) -> None:
    pairs = list(enumerate(seconds))
    assert _increasing(pairs) == _quadratic(pairs)
