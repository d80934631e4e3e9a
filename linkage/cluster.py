"""Clustering links into entities: connected components, without chaining across strong keys.

The person pass never lets a record join two ID keys, so components here only ever join records
that have no valid ID; `components` is the plain graph step, kept in one place.
"""

from __future__ import annotations

import numpy as np


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label (0..k-1) of each of n nodes given undirected edges a[i]-b[i]."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)
