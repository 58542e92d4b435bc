"""The neighbour work behind the cleaners, with the cheap decisions taken first.

Every function here takes centred-or-not float64 features ``X``, class codes
and returns decisions that equal the brute-force answer (up to the order of
exactly equidistant neighbours, which are ranked by row position).
"""

from __future__ import annotations

import numpy as np

from ..neighbors import kneighbors
from ._base import mode_code

# Pruning pays when the exact "nearest row of another class" searches cost much
# less than a full search for every query row (see edited_keep).
_PRUNE_IF_OTHER_SEARCH_BELOW = 0.5


def nearest_other_class_distance(X: np.ndarray, codes: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Exact distance from each query row to the nearest row of a different class."""
    result = np.full(len(queries), np.inf)
    query_codes = codes[queries]
    for code in np.unique(query_codes):
        members = np.flatnonzero(query_codes == code)
        others = np.flatnonzero(codes != code)
        if len(others) == 0:
            continue
        distances, _ = kneighbors(X[others], X[queries[members]], 1)
        result[members] = distances[:, 0]
    return result


def edited_keep(X, codes, n_classes, clean_mask, n_neighbors, kind_sel, *, method="exact", verbose=False):
    """Which rows Wilson's editing keeps: imbalanced-learn's ``EditedNearestNeighbours`` rule.

    A row of a cleaned class is kept when all (``kind_sel="all"``) or most
    (``"mode"``, ties to the smallest label) of its ``n_neighbors`` nearest
    other rows share its class; rows of other classes are always kept.

    The cheap decision first: if a row's k-th nearest neighbour found by the
    approximate search (a true distance to a real row, so an upper bound on
    the exact k-th distance) is closer than the nearest row of any other class
    (computed exactly), all k exact nearest neighbours share its class and the
    row is kept under both rules. Only the undecided rows get an exact search.
    The pruning is used when the other-class searches are cheap, i.e. when
    the cleaned classes are large (the usual imbalanced case).
    """
    n = len(codes)
    keep = np.ones(n, dtype=bool)
    queries = np.flatnonzero(clean_mask[codes])
    if len(queries) == 0:
        return keep
    counts = np.bincount(codes[queries], minlength=n_classes)
    other_work = float(np.sum(counts * (n - np.bincount(codes, minlength=n_classes))))
    undecided = queries
    if method == "exact" and n > 2000 and other_work < _PRUNE_IF_OTHER_SEARCH_BELOW * len(queries) * n:
        other = nearest_other_class_distance(X, codes, queries)
        upper, found = kneighbors(X, X[queries], n_neighbors, method="approximate", exclude=queries)
        # the k rows found share the query's class and are all closer than any row of another
        # class (with a margin for rounding: the two distances come from different searches)
        same_class = np.all(codes[found] == codes[queries][:, None], axis=1)
        decided = same_class & (upper[:, -1] * (1 + 1e-9) + 1e-12 < other)
        undecided = queries[~decided]
    if len(undecided):
        _, indices = kneighbors(X, X[undecided], n_neighbors, method=method, exclude=undecided, verbose=verbose)
        neighbor_codes = codes[indices]
        own = codes[undecided]
        if kind_sel == "all":
            keep[undecided] = np.all(neighbor_codes == own[:, None], axis=1)
        else:
            keep[undecided] = mode_code(neighbor_codes, n_classes) == own
    return keep


def nearest_neighbor_largest_first(X, codes, n_classes) -> np.ndarray:
    """The nearest other row of every row that can be in a Tomek link, ``-1`` for the rest.

    A Tomek link joins two rows of different classes that are each other's
    nearest neighbour, so every link has an end outside the largest class
    ``L``. Search the rows outside ``L`` first; a row of ``L`` can only be
    linked to a row ``j`` whose nearest neighbour it is, so only those rows
    of ``L`` are searched next. In a binary problem with a 5% minority that
    is at most 10% of the rows.
    """
    n = len(codes)
    nearest = np.full(n, -1, dtype=np.intp)
    largest = int(np.argmax(np.bincount(codes, minlength=n_classes)))
    outside = np.flatnonzero(codes != largest)
    if len(outside):
        nearest[outside] = kneighbors(X, X[outside], 1, exclude=outside)[1][:, 0]
    targets = nearest[outside]
    second = np.unique(targets[codes[targets] == largest]) if len(outside) else np.empty(0, np.intp)
    if len(second):
        nearest[second] = kneighbors(X, X[second], 1, exclude=second)[1][:, 0]
    return nearest


def tomek_mask(codes, nearest, clean_mask) -> np.ndarray:
    """Rows of cleaned classes that are in a Tomek link (from the nearest-neighbour array)."""
    n = len(codes)
    known = nearest >= 0
    candidate = known & clean_mask[codes]
    candidate[candidate] = codes[nearest[candidate]] != codes[candidate]
    rows = np.flatnonzero(candidate)
    partners = nearest[rows]
    mutual = nearest[partners] == rows
    links = np.zeros(n, dtype=bool)
    links[rows[mutual]] = True
    return links


def knn_predict(X_fit, codes_fit, X_query, n_neighbors, n_classes) -> np.ndarray:
    """A uniform-weight k-nearest-neighbour classifier's prediction (ties to the smallest label)."""
    _, indices = kneighbors(X_fit, X_query, n_neighbors)
    return mode_code(codes_fit[indices], n_classes)
