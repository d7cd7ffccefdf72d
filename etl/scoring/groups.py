"""Groups of rows that arrive sorted by their keys (the scoring's SQL orders its inputs by measure and
period): where each group begins, and the rows of each."""

from __future__ import annotations

import numpy as np


def group_starts(*keys: np.ndarray) -> np.ndarray:
    """The first row of each run of equal keys, for rows sorted by those keys (int64, ascending; empty for
    no rows). Compares neighbouring rows, so it costs one pass instead of a sort of joined key strings."""
    size = len(keys[0]) if keys else 0
    if size == 0:
        return np.array([], dtype=np.int64)
    change = np.zeros(size, dtype=bool)
    change[0] = True
    for key in keys:
        values = np.asarray(key)
        change[1:] |= values[1:] != values[:-1]
    return np.flatnonzero(change)


def group_slices(*keys: np.ndarray) -> list[slice]:
    """The rows of each run of equal keys, in order, for rows sorted by those keys."""
    starts = group_starts(*keys).tolist()
    return [slice(begin, end) for begin, end in zip(starts, starts[1:] + [len(keys[0])])]
