"""Order-respecting alignment of two sequences by a pair score (Needleman-Wunsch
without gap costs: the heaviest common subsequence).

The caller says which pairs may be made and what each is worth; the result
is the set of pairs, in order on both sides, with the largest total worth.
"""

from __future__ import annotations

from collections.abc import Sequence

_DIAG, _UP, _LEFT = 0, 1, 2


def align(n: int, m: int, candidates: Sequence[dict[int, float]]) -> list[tuple[int, int]]:
    """Pairs (i, j), increasing in both, maximising the summed worth.

    `candidates[i]` maps each j that item i may pair with to the pair's worth
    (> 0); pairs not listed cannot be made.
    """
    if not n or not m or not any(candidates):
        return []
    back = [bytearray(m + 1) for _ in range(n + 1)]
    prev = [0.0] * (m + 1)
    for i in range(1, n + 1):
        cur = [0.0] * (m + 1)
        row, allowed = back[i], candidates[i - 1]
        for j in range(1, m + 1):
            best, move = prev[j], _UP
            if cur[j - 1] > best:
                best, move = cur[j - 1], _LEFT
            worth = allowed.get(j - 1)
            if worth is not None and prev[j - 1] + worth > best:
                best, move = prev[j - 1] + worth, _DIAG
            cur[j], row[j] = best, move
        prev = cur
    return _trace_back(back, n, m)


def _trace_back(back: list[bytearray], i: int, j: int) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    while i and j:
        move = back[i][j]
        if move == _DIAG:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif move == _UP:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    return pairs
