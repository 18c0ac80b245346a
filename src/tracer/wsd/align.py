"""Order-respecting alignment of two sequences by a pair score (Needleman-Wunsch
without gap costs: the heaviest common subsequence).

The caller says which pairs may be made and what each is worth; the result
is the set of pairs, in order on both sides, with the largest total worth.

The table is the textbook one, `best[i][j]` = the most the first i items of
one side and the first j of the other can be worth, filled row by row; but
a row differs from the one above only from a pair that may be made on it
to where the row above catches up again. Only those cells are computed, in
one row updated in place, and only their moves kept (every other cell's is
"up"): the same table and the same choices among equal alignments, in time
near the number of pairs that may be made rather than n * m.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence

_DIAG, _LEFT = 0, 1  # a cell's move when it is not "up"; kept as column * 2 + move


def align(n: int, m: int, candidates: Sequence[dict[int, float]]) -> list[tuple[int, int]]:
    """Pairs (i, j), increasing in both, maximising the summed worth.

    `candidates[i]` maps each j that item i may pair with to the pair's worth
    (> 0); pairs not listed cannot be made.
    """
    if not n or not m or not any(candidates):
        return []
    best = [0.0] * (m + 1)  # row i - 1 of the table, becoming row i
    moves: list[array[int]] = [array("q")]
    for i in range(1, n + 1):
        moves.append(_row(best, m, sorted((j + 1, w) for j, w in candidates[i - 1].items() if j < m)))
    return _trace_back(moves, n, m)


def _row(best: list[float], m: int, pairs: list[tuple[int, float]]) -> array[int]:
    """Turn `best` (row i - 1) into row i, given row i's pairs (j, worth) by
    column; the moves of the cells that are not "up", by column."""
    moves = array("q")
    if not pairs:
        return moves  # a row with nothing to pair is the row above
    changed, above = -1, 0.0  # the last cell changed in this row, and its value in the row above
    k, last = 0, len(pairs)
    worth_at, worth = pairs[0]  # the next pair along the row
    j = worth_at
    while True:
        up = best[j]
        value, move = up, -1
        if changed == j - 1:
            diagonal = above  # row i - 1, column j - 1
            if best[j - 1] > value:  # cells left of a changed one are as above
                value, move = best[j - 1], _LEFT
        else:
            diagonal = best[j - 1]
        if j == worth_at:
            if diagonal + worth > value:
                value, move = diagonal + worth, _DIAG
            k += 1
            worth_at, worth = pairs[k] if k < last else (-1, 0.0)
        if move >= 0:
            moves.append(2 * j + move)
            changed, above, best[j] = j, up, value
            if j < m:
                j += 1
                continue
        if k == last:
            return moves
        j = worth_at


def _trace_back(moves: list[array[int]], i: int, j: int) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    while i and j:
        row = moves[i]
        k = bisect_left(row, 2 * j)
        move = row[k] - 2 * j if k < len(row) and row[k] >> 1 == j else None
        if move == _DIAG:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif move is None:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    return pairs
