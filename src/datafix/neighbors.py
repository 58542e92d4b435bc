"""The one k-nearest-neighbour engine every kNN user in datafix shares.

Cleaning samplers (:mod:`datafix.resampling`), neighbourhood label evidence,
near-duplicates and outliers all ask the same question - "which rows are
closest to this one?" - and all of them go through this module, so a neighbour
graph can be computed once and reused (:func:`compute_neighbor_graph`,
:meth:`NeighborGraph.subgraph`).

Distances are Euclidean. ``X`` is a numeric 2-D array (encode and scale
DataFrames first).

Exact search (``algorithm="exact"``, the default)
-------------------------------------------------
Brute force, in chunks of query rows, built on one BLAS matrix product per
chunk:

1. the data are centred (which shrinks norms and so rounding error) and the
   product ``-2 q.x + |x|^2`` is computed in **float32**;
2. for each query, the k-th smallest of the minima of blocks of columns
   (8 to 64 columns, more for larger fit sets) is an upper bound on its k-th
   nearest distance; every column under that bound, widened by a rigorous
   bound on float32 rounding error, is a *candidate* (typically a few per
   row);
3. the candidates' distances are recomputed in **float64** from the
   differences (no cancellation) and sorted by ``(distance, index)``.

Chunks run in parallel threads, each product single-threaded: independent
chunks never wait for each other, where one multi-threaded product per chunk
makes every thread wait at every chunk. The thread count is ``n_jobs``
(``None``: as many threads as the BLAS library is set to use,
``OPENBLAS_NUM_THREADS`` or ``threadpoolctl``; ``-1``: every core); see
:func:`search_threads` to set it for a block of code. Many small independent
searches (one per cluster, in the cleaners' bounds and the approximate
search) run the same way through :func:`map_in_threads`, results kept in
cluster order.

Step 2 only discards rows that cannot be among the k nearest even allowing for
float32 error, so the result is the float64 exact answer: float32 is used only
where it is safe. Equidistant neighbours are ordered by increasing row index
(scikit-learn's order among exact ties is an implementation detail and can
differ); exact duplicate rows are always exactly equidistant (the float64
distances are computed per pair, from the same centred values), so they are
ordered by index. Each query's answer depends only on the query, the fit rows
and ``k``: not on the chunk it falls in, nor on the thread count (tested with
duplicated rows). Memory is bounded by ``chunk_size * n_fit`` float32 values per thread
(about 8 MiB by default, at least 16 query rows per chunk). From 200k fit
rows the scores are computed in tiles of 16k columns for 128 query rows, with
a running bound (the k-th smallest block minimum of the tiles seen so far),
so that the fit rows' float32 copy is read once per 128 queries instead of
once per 16, with the same answer.

A graph of ``X`` among itself (:func:`compute_neighbor_graph`, from a few
thousand to a few hundred thousand rows) is searched symmetrically instead:
the rows are put in the order of a few k-means clusters and cut into tiles;
one float32 product per pair of tiles serves the rows of both tiles (half
the products of searching every row against every row); each row's
threshold is its k-th smallest float32 distance within its own tile,
widened by twice the rounding bound, and every column under it is a
candidate, refined in float64 exactly as above. The answer is the same.

One more exact search serves the cleaners (:mod:`datafix.resampling`), with
the same float32 error bound, the same float64 refinement and the same
``(distance, index)`` order: many queries against a large fit set are
scored in blocks of 768 x 768 rows, one product and one column minimum per
block (the fastest reduction numpy has); the k-th smallest block minimum
bounds each query's k-th distance, and so does, where one is known, the
k-th distance of k real rows a cheaper search found for it; only the blocks
under the smaller bound are scored again for that query.

Approximate search (``algorithm="approximate"``)
------------------------------------------------
An inverted-file index in numpy: k-means centroids (from a sample), each row
filed under its nearest centroid, each query searched in the rows of its
``n_probe`` nearest centroids only, with the same exact float64 refinement of
the candidates. Only the rows of the cluster being searched are converted to
centred float64, so float32 data are never copied whole, and each cluster's
results are merged into a running best-k per query (memory O(n * k)).
Returned distances are true distances to real rows, so the k-th returned
distance is always an upper bound on the exact one - the cleaners use this
to decide most rows cheaply and search exactly only the rest.

Speed and memory are measured by ``benchmarks/resampling.py`` (against
scikit-learn and imbalanced-learn on the same data); the results, with the
date and the machine, are in the user guide (``docs/guide/resampling.md``,
"Speed").
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd

from ._deprecation import DEPRECATED, renamed_parameter
from ._progress import Progress
from .validation import check_features

__all__ = [
    "NeighborGraph", "cluster_rows", "compute_neighbor_graph", "kneighbors", "choose_algorithm",
    "NEIGHBOR_ALGORITHMS", "EXACT_MAX_ROWS", "map_in_threads", "search_threads", "uses_self_search",
]

#: The search algorithms: ``algorithm=`` of :func:`kneighbors`, :func:`compute_neighbor_graph` and the cleaners.
NEIGHBOR_ALGORITHMS = ("exact", "approximate")
NEIGHBOR_METHODS = NEIGHBOR_ALGORITHMS  # the old name, kept for one release
#: Up to this many rows, datafix's own callers (label evidence, the audit) search exactly; above, approximately
#: (the exact search grows with the square of the rows; ``benchmarks/audit.py`` measures both).
EXACT_MAX_ROWS = 50_000


def choose_algorithm(n_samples: int) -> str:
    """The search algorithm datafix uses for a graph of ``n_samples`` rows when the user does not choose.

    ``"exact"`` up to :data:`EXACT_MAX_ROWS` rows, ``"approximate"`` above
    (the exact search grows with the square of the rows).

    Examples
    --------
    >>> from datafix.neighbors import choose_algorithm
    >>> choose_algorithm(10_000), choose_algorithm(1_000_000)
    ('exact', 'approximate')
    """
    return "exact" if n_samples <= EXACT_MAX_ROWS else "approximate"


choose_method = choose_algorithm  # the old name, kept for one release

_FLOAT32_EPS = float(np.finfo(np.float32).eps)
_MEMORY_BUDGET = 2 * 2**20  # float32 values per chunk of the distance matrix (8 MiB)


@dataclass(frozen=True)
class NeighborGraph:
    """Each row's k nearest other rows, nearest first.

    Attributes
    ----------
    indices : ndarray of int, shape (n_samples, n_neighbors)
        ``indices[i]`` are the positions of row ``i``'s nearest other rows
        (row ``i`` itself is never included), nearest first; ties in distance
        are ordered by increasing position.
    distances : ndarray of float64, shape (n_samples, n_neighbors)
        The matching Euclidean distances, ascending along each row.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.neighbors import compute_neighbor_graph
    >>> graph = compute_neighbor_graph(np.array([[0.0], [1.0], [3.0], [7.0]]), 2)
    >>> graph.indices
    array([[1, 2],
           [0, 2],
           [1, 0],
           [2, 1]])
    >>> graph.subgraph(1).distances.ravel()
    array([1., 1., 2., 4.])
    """

    indices: np.ndarray
    distances: np.ndarray

    @property
    def n_neighbors(self) -> int:
        """The number of neighbours stored per row."""
        return int(self.indices.shape[1])

    @property
    def n_samples(self) -> int:
        """The number of rows of the graph."""
        return int(self.indices.shape[0])

    def subgraph(self, n_neighbors: int) -> "NeighborGraph":
        """The graph of the first ``n_neighbors`` neighbours, without recomputation.

        Parameters
        ----------
        n_neighbors : int
            At least 1 and at most :attr:`n_neighbors`.

        Returns
        -------
        NeighborGraph
        """
        if not isinstance(n_neighbors, Integral) or not 1 <= n_neighbors <= self.n_neighbors:
            raise ValueError(
                f"n_neighbors must be an integer between 1 and {self.n_neighbors} (the neighbours this "
                f"graph holds), got {n_neighbors!r}; compute a larger graph for more neighbours."
            )
        return NeighborGraph(self.indices[:, :n_neighbors], self.distances[:, :n_neighbors])


def _check_matrix(X, name: str) -> np.ndarray:
    """A dense, finite float32 or float64 matrix, or the shared clear error (:func:`datafix.validation.check_features`).

    float32 stays float32 (no copy): the search converts to float64 only what it
    refines, and float32 to float64 is exact.
    """
    X = check_features(X, name=name, numeric=True, allow_nan=False, allow_sparse=False)
    values = X.to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X)
    return values if values.dtype in (np.float32, np.float64) else values.astype(np.float64)


def _check_algorithm(algorithm) -> None:
    if algorithm not in NEIGHBOR_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {list(NEIGHBOR_ALGORITHMS)}, got {algorithm!r}.")


def _resolve_n_jobs(n_jobs):
    """Threads for ``n_jobs`` (scikit-learn's convention), ``None`` staying ``None`` (the BLAS thread count)."""
    if n_jobs is None:
        return None
    if not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(
            f"n_jobs must be None, a positive number of threads, or -1 for every core (-2 for all but one, ...); "
            f"got {n_jobs!r}."
        )
    if n_jobs > 0:
        return int(n_jobs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores + 1 + int(n_jobs))


def _check_count(n_neighbors, n_available: int, what: str) -> int:
    if not isinstance(n_neighbors, Integral) or isinstance(n_neighbors, bool) or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be a positive integer, got {n_neighbors!r}.")
    if n_neighbors > n_available:
        raise ValueError(
            f"n_neighbors={n_neighbors} but only {n_available} {what}; lower n_neighbors "
            f"to at most {n_available} or pass more rows."
        )
    return int(n_neighbors)


def _chunk_rows(n_fit: int, chunk_size) -> int:
    if chunk_size is not None:
        return max(1, int(chunk_size))
    return int(min(4096, max(16, _MEMORY_BUDGET // max(n_fit, 1))))


class _ChunkThreads:
    """Run independent chunks on parallel threads, each BLAS product single-threaded.

    One multi-threaded product per chunk synchronises its threads on every
    chunk; independent chunks never wait for each other. The thread count is
    the one :func:`search_threads` set on the calling thread (``n_jobs``), or
    else the BLAS library's (``OPENBLAS_NUM_THREADS``, ``threadpoolctl``). The
    BLAS library is lowered to one thread while searches run and restored
    when the last running search ends.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._controller = None
        self._active = 0
        self._limit = None
        self._blas = 1
        self._local = threading.local()

    def _blas_threads_locked(self) -> int:
        if self._active:  # limited to 1 meanwhile: the count it had before
            return self._blas
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            self._controller = ThreadpoolController()
        counts = [lib.num_threads for lib in self._controller.lib_controllers if lib.user_api == "blas"]
        return max(counts, default=1)

    def threads(self) -> int:
        """Threads a search may use: ``n_jobs`` or the BLAS thread count outside any search, 1 inside a worker."""
        if getattr(self._local, "in_worker", False):  # nested work runs on the worker's own thread
            return 1
        requested = getattr(self._local, "n_jobs", None)
        if requested is not None:
            return requested
        with self._lock:
            return self._blas_threads_locked()

    @contextmanager
    def requested(self, n_jobs):
        previous = getattr(self._local, "n_jobs", None)
        self._local.n_jobs = _resolve_n_jobs(n_jobs) if n_jobs is not None else previous
        try:
            yield
        finally:
            self._local.n_jobs = previous

    def run(self, function, starts, n_threads: int) -> list:
        """``[function(start) for start in starts]``, on up to ``n_threads`` threads (results in order)."""
        with self._lock:
            if self._active == 0:
                self._blas = self._blas_threads_locked()
                if self._blas > 1:
                    self._limit = self._controller.limit(limits=1, user_api="blas")
            self._active += 1
        try:
            n_threads = min(n_threads, len(starts))
            if n_threads <= 1:
                return [function(start) for start in starts]
            local = self._local

            def in_worker(start):
                local.in_worker = True
                try:
                    return function(start)
                finally:
                    local.in_worker = False

            with ThreadPoolExecutor(n_threads) as pool:
                return list(pool.map(in_worker, starts))
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0 and self._limit is not None:
                    self._limit.restore_original_limits()
                    self._limit = None


_CHUNK_THREADS = _ChunkThreads()


def search_threads(n_jobs):
    """A context in which this thread's neighbour searches use ``n_jobs`` threads.

    ``None`` keeps the default (as many threads as the BLAS library is set to
    use), ``-1`` means every core, ``-2`` all but one, and so on
    (scikit-learn's convention). Answers never depend on the thread count.
    The cleaners of :mod:`datafix.resampling` run their search in this
    context with their own ``n_jobs``.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.neighbors import compute_neighbor_graph, search_threads
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> with search_threads(1):
    ...     graph = compute_neighbor_graph(X, 2)
    >>> bool((graph.indices == compute_neighbor_graph(X, 2, n_jobs=2).indices).all())
    True
    """
    if n_jobs is not None:
        _resolve_n_jobs(n_jobs)  # the error before any work
    return _CHUNK_THREADS.requested(n_jobs)


def map_in_threads(function, items) -> list:
    """``[function(item) for item in items]`` on the search threads (see :func:`search_threads`).

    For many independent small searches (one per cluster, say) that are each
    too small to be split into parallel chunks: BLAS products run
    single-threaded meanwhile, and searches started inside ``function`` run
    on the calling worker's thread. Results come back in the order of
    ``items``, so the outcome never depends on the thread count.
    """
    items = list(items)
    return _CHUNK_THREADS.run(function, items, _CHUNK_THREADS.threads())


def _select(rows, cols, dist, n_queries: int, k: int):
    """Per query, the k candidates of smallest ``(distance, index)``; returns (distances, indices).

    One quicksort of the distances (runs of equal distances then put in column
    order), and one sort of ``(row, rank)`` packed in an int64: several times
    faster than a three-key ``lexsort`` on the millions of candidates of a
    self-search, with the same order.
    """
    n_candidates = len(rows)
    if n_candidates >= 2**32:  # the rank would not fit beside the row
        order = np.lexsort((cols, dist, rows))
        sorted_rows = rows[order]
    else:
        by_distance = np.argsort(dist)
        sorted_dist = dist[by_distance]
        tied = np.flatnonzero(sorted_dist[1:] == sorted_dist[:-1])
        if len(tied):  # equal distances: by column (positions of a run are contiguous, so sorting them all works)
            in_run = np.zeros(n_candidates, dtype=bool)
            in_run[tied] = True
            in_run[tied + 1] = True
            positions = np.flatnonzero(in_run)
            members = by_distance[positions]
            by_distance[positions] = members[np.lexsort((cols[members], sorted_dist[positions]))]
        del sorted_dist
        key = rows.astype(np.int64)  # (row, rank) in one int64, built and sorted in place (bounded memory)
        key <<= 32
        key[by_distance] |= np.arange(n_candidates)
        key.sort()
        order = by_distance[key & 0xFFFFFFFF]
        del by_distance
        key >>= 32
        sorted_rows = key
    dist, cols = dist[order], cols[order]
    starts = np.searchsorted(sorted_rows, np.arange(n_queries))
    counts = np.diff(np.append(starts, n_candidates))
    if np.any(counts < k):  # a bug in the candidate bound, never a user error
        raise RuntimeError("neighbour search found too few candidates")
    take = starts[:, None] + np.arange(k)[None, :]
    return dist[take], cols[take]


_ROWS_PER_LIST = 4000  # rows per cluster of the approximate search
_TILE_MIN_FIT = 200_000  # fit rows from which the exact search scores tiles of columns
_TILE_COLUMNS = 16_384  # columns per tile (8 MiB of float32 scores for 128 query rows)
_TILE_QUERY_ROWS = 128
_LARGEST_BLOCK = 64  # columns per block for the block-minimum candidate filter, for large fit sets


def _block_size(n_fit: int) -> int:
    """Columns per block: about ``sqrt(n_fit / 24)`` (a power of two, 8 to 64).

    Per query, the filter partitions ``n_fit / block`` block minima and scans
    the blocks under the bound; long rows of block minima also make the
    block-minimum reduction fast. Small fit sets (the clusters of the
    approximate search and of the cleaners' bounds) get small blocks.
    """
    return int(min(_LARGEST_BLOCK, max(8, 2 ** round(np.log2(np.sqrt(max(n_fit, 1) / 24))))))


class _Prepared:
    """The fit rows, centred, in float64, plus a padded float32 copy laid out for the score product.

    ``augmented`` holds ``[-2 x, |x|^2]`` per row (float32), so that one matrix
    product with ``[q, 1]`` gives ``|q - x|^2 - |q|^2`` directly; it is padded
    to a whole number of blocks with rows whose score is huge.
    """

    def __init__(self, X_fit: np.ndarray, scores: bool = True):
        self.center = X_fit.mean(axis=0, dtype=np.float64)
        self.X = np.subtract(X_fit, self.center, dtype=np.float64)
        self.norms = np.einsum("ij,ij->i", self.X, self.X)
        self.max_norm = float(np.sqrt(self.norms.max()))
        if not scores:  # the self-search lays out its own float32 copies
            return
        n_fit, n_features = self.X.shape
        self.block = _block_size(n_fit)
        n_padded = -(-n_fit // self.block) * self.block
        # filled column by column in its final (transposed) layout: no float64 temporary, no second float32 copy
        augmented_T = np.zeros((n_features + 1, n_padded), dtype=np.float32)
        for j in range(n_features):
            np.multiply(self.X[:, j], -2.0, out=augmented_T[j, :n_fit], casting="same_kind")
        augmented_T[n_features, :n_fit] = self.norms
        augmented_T[n_features, n_fit:] = np.float32(np.finfo(np.float32).max / 4)
        self.augmented_T = augmented_T

    def center_queries(self, X_query: np.ndarray) -> np.ndarray:
        return X_query - self.center


def _exact_search(prepared: _Prepared, Q: np.ndarray, k: int, exclude, chunk_size, verbose, label="exact search"):
    """Exact k nearest rows of ``prepared`` for each (centred) query row of ``Q``.

    Per chunk of queries: float32 scores for all fit rows (one BLAS product),
    the minimum of each block of 8 to 64 columns (strided, see below), the k-th smallest block minimum
    as a bound, then every column of every block under the bound (widened by
    the float32 error bound) refined in float64.
    """
    n_fit, n_features = prepared.X.shape
    n_queries = Q.shape[0]
    block = prepared.block
    n_blocks = prepared.augmented_T.shape[1] // block
    k_search = min(k + (1 if exclude is not None else 0), n_fit)
    distances = np.empty((n_queries, k), dtype=np.float64)
    indices = np.empty((n_queries, k), dtype=np.intp)
    # threads pay only for a search of several chunks' worth of scores
    n_threads = _CHUNK_THREADS.threads() if n_queries * prepared.augmented_T.shape[1] > 2 * _MEMORY_BUDGET else 1
    step = _chunk_rows(prepared.augmented_T.shape[1], chunk_size)
    if chunk_size is None and n_threads > 1:  # at least two chunks per thread, so that every thread has work
        step = max(1, min(step, -(-n_queries // (2 * n_threads))))
    progress = Progress(n_queries, enabled=verbose, label=f"datafix.neighbors {label}", unit="row", min_interval=2.0)

    n_padded = prepared.augmented_T.shape[1]
    # a large fit set is scored tile by tile (a few MiB of columns), so that the fit rows' float32 copy is read
    # once per 128 queries instead of once per 16 (benchmarks/resampling.py --enn-1m measures it)
    tile = max(block, (_TILE_COLUMNS // block) * block)
    tiled = n_fit >= _TILE_MIN_FIT and n_padded >= 2 * tile and tile // block >= k_search
    if tiled and chunk_size is None:
        step = _TILE_QUERY_ROWS
        if n_threads > 1:
            step = max(1, min(step, -(-n_queries // (2 * n_threads))))

    def candidates_whole(Qa, n_chunk, error):
        # block b holds the columns b, b + n_blocks, b + 2 n_blocks, ...: the minimum over
        # blocks is then an element-wise minimum of contiguous slices (fast)
        scores = (Qa @ prepared.augmented_T).reshape(n_chunk, block, n_blocks)
        block_min = scores.min(axis=1)
        if k_search == 1:  # the nearest row only (other-class searches): a plain minimum
            bound = block_min.min(axis=1) + 2.0 * error
        elif k_search <= n_blocks:  # k_search blocks hold a score under the bound: so do the k_search nearest
            bound = np.partition(block_min, k_search - 1, axis=1)[:, k_search - 1] + 2.0 * error
        else:  # fewer blocks than neighbours wanted: every column is a candidate
            bound = np.full(n_chunk, np.inf)
        pair_rows, pair_blocks = _nonzero_2d(block_min <= bound[:, None])
        block_scores = scores[pair_rows, :, pair_blocks]
        inner_pairs, inner_slots = _nonzero_2d(block_scores <= bound[pair_rows][:, None])
        return pair_rows[inner_pairs], inner_slots * n_blocks + pair_blocks[inner_pairs]

    def candidates_tiled(Qa, n_chunk, error):
        # the same filter per tile, with a running bound: the k_search-th smallest block minimum of the tiles
        # seen so far (only ever decreasing), then every candidate checked against the final bound
        best = None
        found_rows, found_cols, found_scores = [], [], []
        for first in range(0, n_padded, tile):
            width = min(tile, n_padded - first)
            n_tile_blocks = width // block
            scores = (Qa @ prepared.augmented_T[:, first : first + width]).reshape(n_chunk, block, n_tile_blocks)
            block_min = scores.min(axis=1)
            if k_search == 1:
                smallest = block_min.min(axis=1, keepdims=True)
                best = smallest if best is None else np.minimum(best, smallest)
            else:
                pool = block_min if best is None else np.concatenate([best, block_min], axis=1)
                best = np.partition(pool, k_search - 1, axis=1)[:, :k_search]
            bound = best.max(axis=1) + 2.0 * error
            pair_rows, pair_blocks = _nonzero_2d(block_min <= bound[:, None])
            block_scores = scores[pair_rows, :, pair_blocks]
            inner_pairs, inner_slots = _nonzero_2d(block_scores <= bound[pair_rows][:, None])
            found_rows.append(pair_rows[inner_pairs])
            found_cols.append(first + inner_slots * n_tile_blocks + pair_blocks[inner_pairs])
            found_scores.append(block_scores[inner_pairs, inner_slots])
        rows, cols, scores = (np.concatenate(parts) for parts in (found_rows, found_cols, found_scores))
        keep = scores <= bound[rows]
        return rows[keep], cols[keep]

    def search_chunk(start):
        stop = min(start + step, n_queries)
        Qc = Q[start:stop]
        n_chunk = stop - start
        q_norms = np.einsum("ij,ij->i", Qc, Qc)
        Qa = np.ones((n_chunk, n_features + 1), dtype=np.float32)
        Qa[:, :n_features] = Qc
        # rigorous bound on float32 rounding in a score (product, sums, conversions)
        error = (n_features + 4) * _FLOAT32_EPS * (np.sqrt(q_norms) + prepared.max_norm) ** 2
        rows, cols = (candidates_tiled if tiled else candidates_whole)(Qa, n_chunk, error)
        valid = cols < n_fit
        if exclude is not None:
            valid &= cols != exclude[start:stop][rows]
        rows, cols = rows[valid], cols[valid]
        diff = Qc[rows] - prepared.X[cols]
        dist = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        distances[start:stop], indices[start:stop] = _select(rows, cols, dist, n_chunk, k)
        progress.advance(stop - start)

    _CHUNK_THREADS.run(search_chunk, range(0, n_queries, step), n_threads)
    progress.close()
    return distances, indices


_SELF_TILE = 768  # rows per tile of the symmetric self-search (2.25 MiB of float32 distances per tile pair)
_SELF_MIN_ROWS = 8 * _SELF_TILE  # rows from which a graph of X among itself uses the symmetric self-search
_SELF_MAX_NEIGHBORS = 64
_SELF_MAX_ROWS = 400_000  # its candidates (about 20 per row) are held until the end: bounded memory above that
_REFINE_BATCH = 1 << 16  # candidate pairs refined in float64 at a time (about 10 MiB per gathered array)


def _nonzero_2d(mask: np.ndarray):
    """``np.nonzero`` of a C-contiguous 2-D mask, through the much faster 1-D search."""
    flat = np.flatnonzero(mask)
    rows = flat // mask.shape[1]
    return rows, flat - rows * mask.shape[1]


def uses_self_search(n_rows: int, k: int) -> bool:
    """Whether an exact graph of ``n_rows`` rows among themselves uses the symmetric self-search.

    That search computes each pair's distance once for both rows (see
    :func:`compute_neighbor_graph`), so searching every row costs less than
    searching a large part of them separately; the cleaners use this to
    choose. It applies from a few thousand to a few hundred thousand rows
    (its memory grows with the rows, not only with the chunks), for up to 64
    neighbours.
    """
    return (max(_SELF_MIN_ROWS, 2 * _SELF_TILE) <= n_rows <= _SELF_MAX_ROWS
            and k <= min(_SELF_MAX_NEIGHBORS, _SELF_TILE // 4))


def _exact_self_search(prepared: _Prepared, k: int, verbose: bool):
    """Exact k nearest other rows of every row of ``prepared``, computing each pair's distance once.

    The rows are put in the order of a few k-means clusters and cut into
    tiles of about ``_SELF_TILE`` rows. For each pair of tiles ``I <= J`` one
    float32 product gives ``|x_i - x_j|^2`` for every ``i`` in ``I`` and ``j``
    in ``J``, which serves the rows of both tiles (half the products of a
    search of every row against every row, and no larger temporaries than a
    tile pair).

    1. Within its own tile (its cluster, roughly) each row's k-th smallest
       float32 distance, widened by twice the rigorous float32 error bound,
       is a threshold that its true k nearest rows all pass (the k rows found
       in the tile are real rows, so they bound the true k-th distance).
    2. Every pair of tiles is scored; each row keeps, as candidates, the
       columns under its threshold (a row minimum first tells which rows
       have any).
    3. The candidates' distances are recomputed in float64 from the
       differences and ordered by ``(distance, index)``, exactly as
       :func:`_exact_search` does; the answer is therefore the same.
    """
    X = prepared.X
    n, n_features = X.shape
    order = cluster_rows(X, max(1, n // _SELF_TILE)) if n > _SELF_TILE else np.zeros(n, dtype=np.intp)
    order = np.argsort(order, kind="stable")
    n_tiles = max(1, int(round(n / _SELF_TILE)))
    edges = np.linspace(0, n, n_tiles + 1).astype(np.intp)  # equal tiles: each has at least k + 1 rows
    sorted_rows = X[order]
    left = _fit_side(sorted_rows, prepared.norms[order])
    right = _query_side(sorted_rows, prepared.norms[order])
    del sorted_rows
    error = _rounding_bound(n_features, prepared.norms[order], prepared.max_norm)
    threshold = np.empty(n, dtype=np.float32)
    n_threads = _CHUNK_THREADS.threads()
    progress = Progress(n_tiles * (n_tiles + 1) // 2, enabled=verbose, label="datafix.neighbors exact self-search",
                        unit="tile pair", min_interval=2.0)

    def own_tile(tile):
        start, stop = edges[tile], edges[tile + 1]
        scores = left[start:stop] @ right[:, start:stop]
        np.fill_diagonal(scores, np.inf)
        kth = np.partition(scores, k - 1, axis=1)[:, k - 1].astype(np.float64)
        limit = kth + 2.0 * error[start:stop]
        limit32 = limit.astype(np.float32)
        low = limit32 < limit  # rounded down: round up instead, so that the threshold stays rigorous
        limit32[low] = np.nextafter(limit32[low], np.float32(np.inf))
        threshold[start:stop] = limit32
        rows, cols = _nonzero_2d(scores <= limit32[:, None])
        progress.advance(1)
        return (rows + start).astype(np.int32), (cols + start).astype(np.int32)

    def tile_row(tile):
        start, stop = edges[tile], edges[tile + 1]
        found_rows, found_cols = [], []
        mine = threshold[start:stop]
        for other in range(tile + 1, n_tiles):
            first, last = edges[other], edges[other + 1]
            scores = left[start:stop] @ right[:, first:last]
            theirs = threshold[first:last]
            hit = np.flatnonzero(scores.min(axis=1) <= mine)
            if len(hit):
                rows, cols = _nonzero_2d(scores[hit] <= mine[hit, None])
                found_rows.append(hit[rows] + start)
                found_cols.append(cols + first)
            hit = np.flatnonzero(scores.min(axis=0) <= theirs)
            if len(hit):
                # those rows of the other tile scored again, row by row (a column gather is slow); the new
                # float32 values obey the same error bound
                again = left[first + hit] @ right[:, start:stop]
                rows, cols = _nonzero_2d(again <= theirs[hit, None])
                found_rows.append(hit[rows] + first)
                found_cols.append(cols + start)
        progress.advance(n_tiles - 1 - tile)
        if not found_rows:
            return np.empty(0, np.int32), np.empty(0, np.int32)
        return np.concatenate(found_rows).astype(np.int32), np.concatenate(found_cols).astype(np.int32)

    tiles = list(range(n_tiles))
    pieces = _CHUNK_THREADS.run(own_tile, tiles, n_threads)
    # the tiles with the most partners first, so that the threads finish together
    pieces += _CHUNK_THREADS.run(tile_row, tiles, n_threads)
    progress.close()
    rows = order[np.concatenate([piece[0] for piece in pieces])]
    cols = order[np.concatenate([piece[1] for piece in pieces])]
    del pieces
    dist = np.empty(len(rows), dtype=np.float64)

    def refine(first):
        part = slice(first, first + _REFINE_BATCH)
        diff = X[rows[part]] - X[cols[part]]
        np.sqrt(np.einsum("ij,ij->i", diff, diff), out=dist[part])

    _CHUNK_THREADS.run(refine, range(0, len(rows), _REFINE_BATCH), n_threads)
    return _select(rows, cols, dist, n, k)


_WITHIN_TILE = 768  # fit rows per block of the block search (and query rows per chunk)


def _fit_side(rows, norms) -> np.ndarray:
    """``[x, |x|^2, 1]`` per row, float32: its product with :func:`_query_side` of ``q`` is ``|x - q|^2``."""
    n, n_features = rows.shape
    left = np.empty((n, n_features + 2), dtype=np.float32)
    left[:, :n_features] = rows
    left[:, n_features] = norms
    left[:, n_features + 1] = 1.0
    return left


def _query_side(rows, norms) -> np.ndarray:
    """``[-2 q, 1, |q|^2]`` per row as float32 columns: the right factor of :func:`_fit_side`'s product."""
    n, n_features = rows.shape
    right = np.empty((n_features + 2, n), dtype=np.float32)
    np.multiply(rows.T, -2.0, out=right[:n_features], casting="same_kind")
    right[n_features] = 1.0
    right[n_features + 1] = norms
    return right


def _rounding_bound(n_features: int, norms, max_norm) -> np.ndarray:
    """A rigorous bound, per row, on the float32 rounding of a distance from that product (inputs, products, sums)."""
    return (n_features + 6) * _FLOAT32_EPS * (np.sqrt(norms) + max_norm) ** 2


def _kneighbors_by_tiles(X_fit, X_query, k, *, bound=None, exclude=None):
    """Exact k nearest rows of ``X_fit`` for each query, for many queries against a large fit set.

    Per chunk of 768 queries and block of 768 fit rows, one float32 product
    ``[x, |x|^2, 1] . [-2 q, 1, |q|^2]`` and its column minimum (a fast
    reduction) are all that is computed for every pair. A query's k-th
    smallest block minimum (k real rows; the (k+1)-th with ``exclude``, as
    one block may hold the excluded row) bounds its k-th distance; so does
    ``bound``, when given: the k-th distance of k real rows already found
    other than the excluded one (a relative slack absorbs rounding between
    searches). Only the blocks whose minimum is under the smaller bound,
    widened by twice the rigorous float32 error bound, are scored again for
    that query and refined in float64. ``exclude`` holds, per query, a fit
    position never returned (the query's own row) or -1. The same answer as
    :func:`kneighbors`, ties by index, whatever the chunks and threads.
    """
    n_blocks = -(-X_fit.shape[0] // _WITHIN_TILE)
    k_blocks = k + (1 if exclude is not None else 0)  # blocks whose minima bound the k-th distance
    if bound is None and k_blocks > n_blocks:  # fewer blocks than neighbours: no bound from block minima
        return _exact(X_fit, X_query, k, exclude, None, False)
    prepared = _Prepared(X_fit, scores=False)
    X = prepared.X
    n_fit, n_features = X.shape
    Q = prepared.center_queries(X_query)
    n_queries = Q.shape[0]
    left = _fit_side(X, prepared.norms)
    q_norms = np.einsum("ij,ij->i", Q, Q)
    error = _rounding_bound(n_features, q_norms, prepared.max_norm)
    if bound is not None:
        radius = np.asarray(bound, dtype=np.float64) * (1.0 + 1e-9)
        given_limit = np.square(radius) * (1.0 + 1e-12) + 2.0 * error
    starts_fit = np.arange(0, n_fit, _WITHIN_TILE)
    distances = np.empty((n_queries, k), dtype=np.float64)
    indices = np.empty((n_queries, k), dtype=np.intp)

    def search_chunk(start):
        stop = min(start + _WITHIN_TILE, n_queries)
        right = _query_side(Q[start:stop], q_norms[start:stop])
        minima = np.empty((n_blocks, stop - start), dtype=np.float32)
        for block, first in enumerate(starts_fit):
            np.min(left[first : first + _WITHIN_TILE] @ right, axis=0, out=minima[block])
        limit = np.full(stop - start, np.inf)
        if k_blocks <= n_blocks:
            kth = minima.min(axis=0) if k_blocks == 1 else np.partition(minima, k_blocks - 1, axis=0)[k_blocks - 1]
            limit = kth.astype(np.float64) + 2.0 * error[start:stop]
        if bound is not None:
            np.minimum(limit, given_limit[start:stop], out=limit)
        limit32 = limit.astype(np.float32)
        low = limit32 < limit  # rounded down: round up instead, so that the threshold stays rigorous
        limit32[low] = np.nextafter(limit32[low], np.float32(np.inf))
        hit_blocks, hit_queries = _nonzero_2d(minima <= limit32[None, :])  # grouped by block
        edges = np.searchsorted(hit_blocks, np.arange(n_blocks + 1))
        found_q, found_f = [], []
        for block in np.flatnonzero(np.diff(edges)):
            queries = hit_queries[edges[block] : edges[block + 1]]
            first = starts_fit[block]
            scores = left[first : first + _WITHIN_TILE] @ right[:, queries]
            fit_rows, slots = _nonzero_2d(scores <= limit32[queries])
            found_q.append(queries[slots])
            found_f.append(fit_rows + first)
        rows, cols = np.concatenate(found_q), np.concatenate(found_f)
        if exclude is not None:
            keep = cols != exclude[start + rows]
            rows, cols = rows[keep], cols[keep]
        diff = Q[start + rows] - X[cols]
        dist = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        distances[start:stop], indices[start:stop] = _select(rows, cols, dist, stop - start, k)

    _CHUNK_THREADS.run(search_chunk, range(0, n_queries, _WITHIN_TILE), _CHUNK_THREADS.threads())
    return distances, indices


def _nearest_centroids(points: np.ndarray, centroids: np.ndarray, n_nearest: int, center=None) -> np.ndarray:
    """Positions of the ``n_nearest`` closest centroids of each point (unordered), chunked.

    With ``center``, the centroids are in centred coordinates and each chunk
    of points is centred (in float64) on the fly.
    """
    centroid_norms = np.einsum("ij,ij->i", centroids, centroids)
    result = np.empty((points.shape[0], n_nearest), dtype=np.intp)
    step = _chunk_rows(centroids.shape[0], None)

    def assign(start):
        chunk = points[start : start + step]
        if center is not None:
            chunk = np.subtract(chunk, center, dtype=np.float64)
        scores = chunk @ centroids.T
        scores *= -2.0
        scores += centroid_norms[None, :]
        if n_nearest == 1:
            result[start : start + step, 0] = np.argmin(scores, axis=1)
        else:
            result[start : start + step] = np.argpartition(scores, n_nearest - 1, axis=1)[:, :n_nearest]

    starts = range(0, points.shape[0], step)
    # chunks on the search threads (the same chunks and products whatever the thread count)
    _CHUNK_THREADS.run(assign, starts, _CHUNK_THREADS.threads() if len(starts) >= 4 else 1)
    return result


def _kmeans_centroids(X: np.ndarray, n_lists: int, rng, n_iter: int = 8, center=None) -> np.ndarray:
    """k-means centroids from a sample of the rows (in centred coordinates when ``center`` is given)."""
    sample = np.asarray(X[rng.choice(X.shape[0], size=min(X.shape[0], 64 * n_lists), replace=False)],
                        dtype=np.float64)
    if center is not None:
        sample -= center
    centroids = sample[rng.choice(sample.shape[0], size=n_lists, replace=False)].copy()
    for _ in range(n_iter):
        labels = _nearest_centroids(sample, centroids, 1)[:, 0]
        counts = np.bincount(labels, minlength=n_lists)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, sample)
        filled = counts > 0
        centroids[filled] = sums[filled] / counts[filled, None]
    return centroids


def cluster_rows(X, n_clusters, *, random_state=0):
    """Group rows into ``n_clusters`` spatial clusters (a few k-means steps on a sample).

    Cheap (a handful of products with the centroids) and meant for bounds,
    not for clustering quality: a row's k nearest rows *within its cluster*
    are real rows, so their distances bound its exact k-th neighbour distance
    from above. The cleaners of :mod:`datafix.resampling` use this to decide
    most rows without an exact search.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_clusters : int
        At least 1; capped at the number of rows.
    random_state : int, default=0

    Returns
    -------
    ndarray of int, shape (n_samples,)
        The cluster of each row, in ``range(n_clusters)``.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.neighbors import cluster_rows
    >>> X = np.r_[np.zeros((5, 2)), np.full((5, 2), 10.0)]
    >>> labels = cluster_rows(X, 2)
    >>> len(set(labels[:5])), len(set(labels[5:])), bool(labels[0] != labels[5])
    (1, 1, True)
    """
    X = _check_matrix(X, "X")
    n_clusters = max(1, min(int(n_clusters), X.shape[0]))
    centred = np.subtract(X, X.mean(axis=0, dtype=np.float64), dtype=np.float64)
    centroids = _kmeans_centroids(centred, n_clusters, np.random.default_rng(random_state), n_iter=4)
    return _nearest_centroids(centred, centroids, 1)[:, 0]


def _approximate_search(X_fit, X_query, k, exclude, *, n_probe=None, n_lists=None, verbose=False):
    """Inverted-file search: each query is searched exactly among the rows of its ``n_probe`` nearest clusters.

    The rows are split into ``n_lists`` k-means clusters of a few thousand
    rows; for each cluster, the queries that probe it are searched against
    its rows with the exact engine (one BLAS product per cluster), and each
    query keeps the best ``k`` over its probes. Cost: about ``n_probe *
    n_fit / n_lists`` distances per query instead of ``n_fit``.
    """
    n_fit = X_fit.shape[0]
    n_queries = X_query.shape[0]
    if n_lists is None:
        n_lists = max(1, int(round(n_fit / _ROWS_PER_LIST)))
    n_lists = max(1, min(int(n_lists), n_fit))
    n_probe = max(1, min(int(n_probe if n_probe is not None else 2), n_lists))
    if n_lists == 1 or n_fit <= 4 * _ROWS_PER_LIST and n_probe >= n_lists:
        return _exact(X_fit, X_query, k, exclude, None, verbose)
    # no n x d float64 copy of the data: only each cluster's rows are centred in float64, when it is searched
    center = X_fit.mean(axis=0, dtype=np.float64)
    rng = np.random.default_rng(0)
    centroids = _kmeans_centroids(X_fit, n_lists, rng, center=center)
    row_list = _nearest_centroids(X_fit, centroids, 1, center=center)[:, 0]
    probes = _nearest_centroids(X_query, centroids, n_probe, center=center)
    members_order = np.argsort(row_list, kind="stable")
    list_starts = np.searchsorted(row_list[members_order], np.arange(n_lists + 1))
    pair_query = np.repeat(np.arange(n_queries), n_probe)
    pair_list = probes.ravel()
    order = np.argsort(pair_list, kind="stable")
    pair_query, pair_list = pair_query[order], pair_list[order]
    pair_starts = np.searchsorted(pair_list, np.arange(n_lists + 1))
    # running best k per query, merged cluster by cluster: memory O(n_queries * k), not O(n_queries * n_probe * k)
    best_distance = np.full((n_queries, k), np.inf)
    best_index = np.full((n_queries, k), -1, dtype=np.intp)
    progress = Progress(n_lists, enabled=verbose, label="datafix.neighbors approximate search", unit="cluster",
                        min_interval=2.0)

    def search_list(list_id):
        queries = pair_query[pair_starts[list_id] : pair_starts[list_id + 1]]
        members = members_order[list_starts[list_id] : list_starts[list_id + 1]]
        if len(queries) == 0 or len(members) == 0:
            return None
        local_exclude = None
        if exclude is not None:
            # members are in increasing row order (stable sort by list): each excluded row's position among them,
            # found without an n_fit-long array per list
            wanted = exclude[queries]
            local_exclude = np.minimum(np.searchsorted(members, wanted), len(members) - 1)
            local_exclude[(wanted < 0) | (members[local_exclude] != wanted)] = -1
        k_here = min(k, len(members) - (1 if local_exclude is not None else 0))
        if k_here < 1:
            return None
        sub = _Prepared(X_fit[members])
        distances, indices = _exact_search(sub, sub.center_queries(X_query[queries]), k_here, local_exclude, None, False)
        return queries, distances, members[indices]

    # clusters searched in parallel threads, a batch at a time (bounded memory), merged in cluster order
    batch = max(1, 2 * _CHUNK_THREADS.threads())
    for first in range(0, n_lists, batch):
        list_ids = range(first, min(first + batch, n_lists))
        for result in map_in_threads(search_list, list_ids):
            if result is None:
                continue
            queries, distances, indices = result
            merged_distance = np.concatenate([best_distance[queries], distances], axis=1)
            merged_index = np.concatenate([best_index[queries], indices], axis=1)
            # nearest first; equal distances by row position, as in the exact search
            order = _order_by_distance_then_index(merged_distance, merged_index, k)
            best_distance[queries] = np.take_along_axis(merged_distance, order, axis=1)
            best_index[queries] = np.take_along_axis(merged_index, order, axis=1)
        progress.advance(len(list_ids))
    progress.close()
    short = np.flatnonzero(best_index[:, -1] < 0)
    if len(short):  # too few rows in the probed clusters: search those queries exactly
        sub_exclude = None if exclude is None else exclude[short]
        best_distance[short], best_index[short] = _exact(X_fit, X_query[short], k, sub_exclude, None, False)
    return best_distance, best_index


def _order_by_distance_then_index(distance, index, k):
    """Per row, positions of the ``k`` smallest distances, ties broken by smaller index (unfilled -1 last)."""
    index_key = np.where(index < 0, np.iinfo(np.intp).max, index)
    by_index = np.argsort(index_key, axis=1, kind="stable")
    distance_sorted = np.take_along_axis(distance, by_index, axis=1)
    by_distance = np.argsort(distance_sorted, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(by_index, by_distance, axis=1)


def _exact(X_fit, X_query, k, exclude, chunk_size, verbose):
    """Exact search of raw (uncentred) rows; ``X_query is X_fit`` searches X among itself without a second copy."""
    n_fit = X_fit.shape[0]
    if (X_query is X_fit and chunk_size is None and exclude is not None and uses_self_search(n_fit, k)
            and np.array_equal(exclude, np.arange(n_fit))):
        return _exact_self_search(_Prepared(X_fit, scores=False), k, verbose)
    prepared = _Prepared(X_fit)
    Q = prepared.X if X_query is X_fit else prepared.center_queries(X_query)
    return _exact_search(prepared, Q, k, exclude, chunk_size, verbose)


def _search(X_fit, X_query, k, *, exclude, algorithm, chunk_size, verbose, n_probe=None, n_lists=None):
    if algorithm == "approximate":
        return _approximate_search(X_fit, X_query, k, exclude, n_probe=n_probe, n_lists=n_lists, verbose=verbose)
    return _exact(X_fit, X_query, k, exclude, chunk_size, verbose)


def kneighbors(
    X_fit, X_query, n_neighbors, *, algorithm="exact", exclude=None, chunk_size=None, n_jobs=None, verbose=False,
    method=DEPRECATED,
):
    """The ``n_neighbors`` rows of ``X_fit`` nearest to each row of ``X_query``.

    Parameters
    ----------
    X_fit : array-like of shape (n_fit, n_features)
        The rows searched. Numeric, finite, dense.
    X_query : array-like of shape (n_queries, n_features)
        The rows whose neighbours are wanted.
    n_neighbors : int
        How many neighbours per query row.
    algorithm : {"exact", "approximate"}, default="exact"
        The search algorithm; see the module documentation.
    exclude : array-like of int, shape (n_queries,), optional
        For each query row, a position in ``X_fit`` to leave out of its
        neighbours (typically the query row itself when the queries are rows of
        ``X_fit``); ``-1`` leaves nothing out.
    chunk_size : int, optional
        Query rows per chunk; by default chosen to keep the distance chunk
        near 8 MiB (one chunk per thread at a time).
    n_jobs : int, optional
        Threads of the search: ``None`` as many as the BLAS library is set to
        use, ``-1`` every core. The answer does not depend on it.
    verbose : bool, default=False
        Report progress on stderr.
    method : {"exact", "approximate"}
        Deprecated: the old name of ``algorithm``, removed in datafix 0.3.

    Returns
    -------
    distances : ndarray of float64, shape (n_queries, n_neighbors)
        Euclidean distances, ascending along each row.
    indices : ndarray of int, shape (n_queries, n_neighbors)
        Positions in ``X_fit``; equidistant rows ordered by position.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.neighbors import kneighbors
    >>> distances, indices = kneighbors(np.array([[0.0], [1.0], [3.0]]), np.array([[2.9]]), 2)
    >>> indices, distances.round(2)
    (array([[2, 1]]), array([[0.1, 1.9]]))
    """
    algorithm = renamed_parameter(algorithm, method, old="method", new="algorithm", owner="kneighbors",
                                  default="exact")
    _check_algorithm(algorithm)
    X_fit = _check_matrix(X_fit, "X_fit")
    X_query = _check_matrix(X_query, "X_query")
    if X_query.shape[1] != X_fit.shape[1]:
        raise ValueError(
            f"X_query has {X_query.shape[1]} features but X_fit has {X_fit.shape[1]}; both need the same columns."
        )
    if exclude is not None:
        exclude = np.asarray(exclude, dtype=np.intp)
        if exclude.shape != (X_query.shape[0],):
            raise ValueError(f"exclude must hold one position per query row ({X_query.shape[0]}), got shape {exclude.shape}.")
    available = X_fit.shape[0] - (1 if exclude is not None and np.any(exclude >= 0) else 0)
    k = _check_count(n_neighbors, available, "rows of X_fit can be neighbours")
    with search_threads(n_jobs):
        return _search(X_fit, X_query, k, exclude=exclude, algorithm=algorithm, chunk_size=chunk_size,
                       verbose=verbose)


def compute_neighbor_graph(
    X, n_neighbors, *, algorithm="exact", n_jobs=None, verbose=False, chunk_size=None, method=DEPRECATED
):
    """Each row's ``n_neighbors`` nearest other rows of ``X``, computed once to be reused.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric, finite, dense features.
    n_neighbors : int
        Neighbours per row (the row itself is never one of them); at most
        ``n_samples - 1``.
    algorithm : {"exact", "approximate"}, default="exact"
        The search algorithm; see the module documentation.
    n_jobs : int, optional
        Threads of the search: ``None`` as many as the BLAS library is set to
        use, ``-1`` every core (see :func:`search_threads`). The graph does
        not depend on it.
    verbose : bool, default=False
        Report progress on stderr.
    chunk_size : int, optional
        Query rows per chunk (memory bound), chosen automatically by default.
    method : {"exact", "approximate"}
        Deprecated: the old name of ``algorithm``, removed in datafix 0.3.

    Returns
    -------
    NeighborGraph

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.neighbors import compute_neighbor_graph
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> graph = compute_neighbor_graph(X, 5)
    >>> graph.indices.shape, bool((graph.indices != np.arange(100)[:, None]).all())
    ((100, 5), True)
    """
    algorithm = renamed_parameter(algorithm, method, old="method", new="algorithm", owner="compute_neighbor_graph",
                                  default="exact")
    _check_algorithm(algorithm)
    X = _check_matrix(X, "X")
    k = _check_count(n_neighbors, X.shape[0] - 1, "other rows exist in X (a row is never its own neighbour)")
    with search_threads(n_jobs):
        distances, indices = _search(
            X, X, k, exclude=np.arange(X.shape[0], dtype=np.intp), algorithm=algorithm, chunk_size=chunk_size,
            verbose=verbose,
        )
    return NeighborGraph(indices=indices, distances=distances)
