"""The neighbour work behind the cleaners, with the cheap decisions taken first.

Every function here takes centred-or-not float64 features ``X``, class codes
and returns decisions that equal the brute-force answer (up to the order of
exactly equidistant neighbours, which are ranked by row position).
"""

from __future__ import annotations

import numpy as np

from ..neighbors import (
    _WITHIN_TILE,
    _approximate_search,
    _kneighbors_by_tiles,
    cluster_rows,
    compute_neighbor_graph,
    kneighbors,
    map_in_threads,
    uses_self_search,
)
from ._base import mode_code

# Pruning pays when the exact "nearest row of another class" searches cost much
# less than a full search for every query row (see EditingState).
_PRUNE_IF_OTHER_SEARCH_BELOW = 0.7
_PRUNE_WITHOUT_SAMPLING_BELOW = 0.15
_PRUNE_IF_COST_BELOW = 0.8  # estimated cost of pruning, as a fraction of a full search
_PRUNING_SAMPLE = 500
_PRUNE_MIN_ROWS = 2000
_ROWS_PER_CLUSTER = 1000
_ROUNDING_MARGIN = 1e-9
# searching every row among the rows computes each distance once (datafix.neighbors' self-search): worth it
# as soon as this fraction of the rows must be searched
_SELF_SEARCH_FROM = 0.6
# the third stage of cheap decisions (datafix.neighbors' approximate search with more clusters probed), from
# this many rows: each probe reads about 4000 rows, so 8 probes cost a tenth of an exact search or less
_WIDE_PROBES = 8
_WIDE_PROBE_FROM_ROWS = 300_000
# from this many rows on both sides, the other-class search scores blocks of 768 x 768 rows (column minima)
_TILES_FROM_ROWS = 8 * _WITHIN_TILE


def _rows_of(X: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``X[rows]`` for sorted unique ``rows``, without a copy when they are all the rows (ENN's single pass)."""
    return X if len(rows) == X.shape[0] else X[rows]


def exact_kneighbors(X_fit, X_query, k):
    """The exact ``k`` nearest rows of ``X_fit`` (no exclusion), ``(distances, indices)``.

    Many pairs on both sides are scored by blocks of rows
    (:func:`datafix.neighbors._kneighbors_by_tiles`); fewer go through
    :func:`datafix.neighbors.kneighbors`. The same answer either way.
    """
    if len(X_fit) >= _TILES_FROM_ROWS and len(X_query) >= _TILES_FROM_ROWS:  # (it falls back itself for large k)
        return _kneighbors_by_tiles(X_fit, X_query, k)
    return kneighbors(X_fit, X_query, k)


def nearest_other_class_distance(X: np.ndarray, codes: np.ndarray, queries: np.ndarray, rows=None, rank=1) -> np.ndarray:
    """Exact distance from each query row to its ``rank``-th nearest row of a different class among ``rows`` (default all).

    ``inf`` where fewer than ``rank`` such rows exist.
    """
    rows = np.arange(len(codes)) if rows is None else rows
    result = np.full(len(queries), np.inf)
    query_codes = codes[queries]
    for code in np.unique(query_codes):
        members = np.flatnonzero(query_codes == code)
        others = rows[codes[rows] != code]
        if len(others) < rank:
            continue
        distances, _ = exact_kneighbors(X[others], X[queries[members]], rank)
        result[members] = distances[:, rank - 1]
    return result


class EditingState:
    """Neighbourhood evidence for Wilson editing, kept across passes on shrinking subsets.

    For each row of a cleaned class, one of:

    * *decided*: ``s`` rows of its own class, all closer than its ``r``-th
      nearest row of the other classes; then at most ``r - 1`` of its ``K``
      nearest rows are of another class, so at least ``s`` share its class.
      With ``rule="all"``, ``s = K`` and ``r = 1``: its ``k`` nearest rows,
      for every ``k <= K``, share its class, and it is kept by both
      ``kind_sel`` rules. With ``rule="mode"``, ``s = K // 2 + 1`` and
      ``r = K - s + 1``: its own class is a strict majority of its ``K``
      nearest rows, and it is kept by the ``"mode"`` rule at ``k = K`` (a
      weaker proof, so many more rows are decided). Found cheaply: its nearest rows within its spatial cluster
      (:func:`datafix.neighbors.cluster_rows`), then within its nearest
      clusters of the approximate search, bound its exact neighbour
      distances from above, and the nearest other-class row is searched
      exactly (cheap when the cleaned classes are large, the usual case).
    * *exact*: its ``K`` exact nearest rows.

    Removing rows never invalidates this evidence unless one of the ``K``
    stored rows is removed (other-class rows only get farther), so repeated
    editing (RENN, AllKNN) only searches again for the few rows whose stored
    neighbours were removed.
    """

    def __init__(self, X, codes, n_classes, max_neighbors, *, algorithm="exact", rule="all"):
        self.X, self.codes, self.n_classes = X, codes, n_classes
        self.K, self.algorithm = int(max_neighbors), algorithm
        self.rule = rule
        self.same_needed = self.K if rule == "all" else self.K // 2 + 1
        self.other_rank = self.K - self.same_needed + 1
        n = len(codes)
        self.lists = np.zeros((n, self.K), dtype=np.intp)
        self.exact = np.zeros(n, dtype=bool)
        self.valid = np.zeros(n, dtype=bool)
        self._clusters = None
        self.full_graph = None  # every row's K nearest, when a pass over every row searched them all at once
        self.n_searched = 0  # rows searched (for tests and benchmarks)
        self.n_exact = 0  # rows that needed an exact search

    def _cluster_labels(self):
        if self._clusters is None:
            n_clusters = max(1, int(round(len(self.codes) / _ROWS_PER_CLUSTER)))
            self._clusters = cluster_rows(self.X, n_clusters)
        return self._clusters

    def keep(self, rows: np.ndarray, clean_mask: np.ndarray, n_neighbors: int, kind_sel: str) -> np.ndarray:
        """Which of ``rows`` (the current subset, original positions) one editing pass keeps."""
        if self.rule == "mode" and (kind_sel != "mode" or n_neighbors != self.K):
            raise ValueError("evidence gathered for kind_sel='mode' proves nothing for another rule or k")
        n = len(self.codes)
        alive = np.zeros(n, dtype=bool)
        alive[rows] = True
        row_codes = self.codes[rows]
        keep = np.ones(len(rows), dtype=bool)
        query_positions = np.flatnonzero(clean_mask[row_codes])
        queries = rows[query_positions]
        if len(queries) == 0:
            return keep
        fresh = self.valid[queries] & np.all(alive[self.lists[queries]], axis=1)
        stale = queries[~fresh]
        if len(stale):
            # searched in original row order, so equidistant rows always rank by original position
            # (a later pass of RENN / AllKNN receives its rows grouped by class)
            self._refresh(stale, np.sort(rows), alive)
        exact = self.exact[queries]
        exact_rows = queries[exact]
        neighbor_codes = self.codes[self.lists[exact_rows, :n_neighbors]]
        own = self.codes[exact_rows]
        if kind_sel == "all":
            decision = np.all(neighbor_codes == own[:, None], axis=1)
        else:
            decision = mode_code(neighbor_codes, self.n_classes) == own
        keep[query_positions[exact]] = decision
        return keep

    def _refresh(self, stale, rows, alive):
        X, codes, K = self.X, self.codes, self.K
        self.n_searched += len(stale)
        local = np.full(len(codes), -1, dtype=np.intp)
        local[rows] = np.arange(len(rows))
        undecided = stale
        bound = None  # per undecided row, the K-th distance of K real rows found (an upper bound on the exact one)
        if self.algorithm == "exact" and len(rows) > _PRUNE_MIN_ROWS:
            counts_alive = np.bincount(codes[rows], minlength=self.n_classes)
            counts_stale = np.bincount(codes[stale], minlength=self.n_classes)
            other_fraction = float(np.sum(counts_stale * (len(rows) - counts_alive))) / (len(stale) * len(rows))
            # with few other-class rows, pruning costs little even when it decides little: no need to sample
            if other_fraction < _PRUNE_WITHOUT_SAMPLING_BELOW or (
                other_fraction < _PRUNE_IF_OTHER_SEARCH_BELOW and self._pruning_pays(stale, rows, other_fraction)
            ):
                undecided, bound = self._decide_cheaply(stale, rows, alive)
        if len(undecided):
            self.n_exact += len(undecided)
            if self.algorithm == "exact" and len(undecided) >= _SELF_SEARCH_FROM * len(rows) and uses_self_search(
                len(rows), K
            ):
                graph = compute_neighbor_graph(_rows_of(X, rows), K)
                if len(rows) == len(codes):
                    self.full_graph = graph
                found = graph.indices[local[undecided]]
            elif bound is not None and np.all(np.isfinite(bound)):
                # a bound on each row's K-th distance is known: only the rows within it are refined
                _, found = _kneighbors_by_tiles(
                    _rows_of(X, rows), X[undecided], K, bound=bound, exclude=local[undecided]
                )
            else:
                _, found = kneighbors(
                    _rows_of(X, rows), X[undecided], K, algorithm=self.algorithm, exclude=local[undecided]
                )
            self.lists[undecided] = rows[found]
            self.exact[undecided] = True
            self.valid[undecided] = True

    def _pruning_pays(self, stale, rows, other_fraction) -> bool:
        """Estimate on a sample of rows whether the cheap decisions save work.

        Pruning costs the other-class searches (``other_fraction`` of a full
        search) plus a full search for every undecided row; it pays when the
        own-cluster bound decides enough rows (many, in a binary imbalanced
        problem; few when several classes mix).
        """
        sample = stale
        if len(stale) > _PRUNING_SAMPLE:
            sample = np.sort(np.random.default_rng(0).choice(stale, size=_PRUNING_SAMPLE, replace=False))
        other = nearest_other_class_distance(self.X, self.codes, sample, rows, self.other_rank)
        decided = np.zeros(len(sample), dtype=bool)
        for positions, queries, found, distances in self._own_cluster_neighbours(sample, rows):
            decided[positions] = self._decided(queries, found, distances, other[positions])
        return other_fraction + (1.0 - decided.mean()) < _PRUNE_IF_COST_BELOW

    def _own_cluster_neighbours(self, stale, rows):
        """For each cluster: (positions in stale, query rows, their K nearest rows in the cluster, distances).

        The clusters are searched in parallel threads (each search is too
        small to be split), results in cluster order.
        """
        X, K = self.X, self.K
        clusters = self._cluster_labels()
        stale_clusters = clusters[stale]
        alive_clusters = clusters[rows]
        # rows grouped by cluster once (not one full scan per cluster)
        alive_order = np.argsort(alive_clusters, kind="stable")
        alive_sorted = rows[alive_order]
        alive_starts = np.searchsorted(alive_clusters[alive_order], np.arange(clusters.max() + 2))
        stale_order = np.argsort(stale_clusters, kind="stable")
        stale_starts = np.searchsorted(stale_clusters[stale_order], np.arange(clusters.max() + 2))
        present = np.flatnonzero(np.diff(stale_starts) > 0)

        def search(cluster):
            members = alive_sorted[alive_starts[cluster] : alive_starts[cluster + 1]]
            positions = stale_order[stale_starts[cluster] : stale_starts[cluster + 1]]
            if len(members) <= K:
                return None
            queries = stale[positions]
            # each query's own position among the members (members are sorted: rows are, within a cluster)
            exclude = np.searchsorted(members, queries)
            exclude[(exclude >= len(members)) | (members[np.minimum(exclude, len(members) - 1)] != queries)] = -1
            distances, found = kneighbors(X[members], X[queries], K, exclude=exclude)
            return positions, queries, members[found], distances

        return [result for result in map_in_threads(search, present) if result is not None]

    def _decide_cheaply(self, stale, rows, alive):
        """Mark as decided the stale rows whose nearby same-class rows beat every other-class row; return the rest.

        Stages of bounds, cheapest first: the ``K`` nearest rows within the
        row's own spatial cluster, then (for the rows still undecided) within
        its 2 nearest clusters of the approximate search, then, from
        ``_WIDE_PROBE_FROM_ROWS`` rows, within its 8 nearest. Also returns,
        per undecided row, the smallest K-th distance those stages found (K
        real rows, so an upper bound on the exact one, which bounds the exact
        search that follows; ``inf`` where no stage searched the row).
        """
        X, codes, K = self.X, self.codes, self.K
        other = nearest_other_class_distance(X, codes, stale, rows, self.other_rank)
        decided = np.zeros(len(stale), dtype=bool)
        bound = np.full(len(stale), np.inf)
        for positions, queries, found, distances in self._own_cluster_neighbours(stale, rows):
            decided[positions] = self._accept(queries, found, distances, other[positions])
            bound[positions] = distances[:, -1]
        remaining = np.flatnonzero(~decided)
        if len(remaining) > 0.002 * len(rows) and len(rows) > 4 * _ROWS_PER_CLUSTER:
            local = np.full(len(codes), -1, dtype=np.intp)
            local[rows] = np.arange(len(rows))
            queries = stale[remaining]
            distances, found = kneighbors(
                _rows_of(X, rows), X[queries], K, algorithm="approximate", exclude=local[queries]
            )
            decided[remaining] = self._accept(queries, rows[found], distances, other[remaining])
            bound[remaining] = np.minimum(bound[remaining], distances[:, -1])
            remaining = np.flatnonzero(~decided)
            if len(remaining) and len(rows) >= _WIDE_PROBE_FROM_ROWS:
                # a third stage, for the few rows left on large data: more clusters probed (a small fraction of
                # the rows each), which decides many boundary rows and tightens the bound of the exact search
                queries = stale[remaining]
                distances, found = _approximate_search(
                    _rows_of(X, rows), X[queries], K, local[queries], n_probe=_WIDE_PROBES
                )
                decided[remaining] = self._accept(queries, rows[found], distances, other[remaining])
                bound[remaining] = np.minimum(bound[remaining], distances[:, -1])
        return stale[~decided], bound[~decided]

    def _decided(self, queries, found, distances, other):
        """Rows with ``s`` found rows of their class closer than their ``r``-th nearest other-class row."""
        same = self.codes[found] == self.codes[queries][:, None]
        # distances from different searches: allow for rounding before calling a row decided
        closer = distances * (1 + _ROUNDING_MARGIN) + 1e-12 < other[:, None]
        return np.count_nonzero(same & closer, axis=1) >= self.same_needed

    def _accept(self, queries, found, distances, other):
        """Record the decided rows (see ``_decided``); return which they are."""
        ok = self._decided(queries, found, distances, other)
        self.lists[queries[ok]] = found[ok]
        self.exact[queries[ok]] = False
        self.valid[queries[ok]] = True
        return ok


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
    if len(outside) >= _SELF_SEARCH_FROM * n and uses_self_search(n, 1):  # several classes of similar size
        return compute_neighbor_graph(X, 1).indices[:, 0]
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
    _, indices = exact_kneighbors(X_fit, X_query, n_neighbors)
    return mode_code(codes_fit[indices], n_classes)
