"""Ties: data with exact duplicate rows (including duplicates with different labels).

datafix's rule (docs/guide/resampling.md, "Ties and exact duplicates"): a
row's neighbours are the *other* rows (its own position is never one, an
exact duplicate of it is, at distance 0), ordered by float64 distance, then
by row position. The result is a function of the data alone: the same
whatever the row chunking, the thread count and the clusters used for the
cheap bounds. Checked here against a brute-force implementation of the rule,
and across chunkings, thread counts and clusterings.
"""

from contextlib import ExitStack, contextmanager
from functools import cache

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits

from datafix import neighbors, resampling
from datafix.resampling import _kernels


def duplicated_data(n_unique=900, n_classes=2, seed=0, conflicting=0.02, n_features=6):
    """Rows repeated 1-4 times, shuffled; a few copies carry another label (conflicting duplicates)."""
    weights = [0.8] if n_classes == 2 else [0.5, 0.3]
    X, y = make_classification(
        n_samples=n_unique, n_features=n_features, n_informative=4, n_redundant=1, n_classes=n_classes,
        weights=weights, flip_y=0.05, random_state=seed,
    )
    rng = np.random.default_rng(seed)
    copies = rng.integers(1, 5, size=n_unique)
    rows = np.repeat(np.arange(n_unique), copies)
    rows = rows[rng.permutation(len(rows))]
    X, y = X[rows], y[rows].copy()
    flip = rng.random(len(y)) < conflicting
    y[flip] = (y[flip] + 1) % n_classes
    return X, y


def reference_neighbours(X, k):
    """The documented rule by brute force: other rows by (float64 distance, position)."""
    distances = cdist(X, X)
    np.fill_diagonal(distances, np.inf)
    return np.argsort(distances, axis=1, kind="stable")[:, :k]


def reference_enn(X, y, n_neighbors, kind_sel, clean_labels, found=None):
    found = reference_neighbours(X, n_neighbors) if found is None else found[:, :n_neighbors]
    labels = np.unique(y)
    votes = y[found]
    if kind_sel == "all":
        agree = np.all(votes == y[:, None], axis=1)
    else:  # the most frequent label, ties to the smallest
        counts = (votes[:, :, None] == labels[None, None, :]).sum(axis=1)
        agree = labels[np.argmax(counts, axis=1)] == y
    keep = agree | ~np.isin(y, clean_labels)
    kept = np.flatnonzero(keep)
    return kept[np.argsort(y[kept], kind="stable")]


@contextmanager
def engine_settings(chunk_rows=None, threads=1, rows_per_cluster=None, prune_min_rows=None, self_tile=None):
    """Run the cleaners with other query chunks, BLAS/chunk threads, bound clusters and self-search tiles.

    ``self_tile`` turns on the symmetric self-search (normally from 8192 rows) with tiles of that many rows.
    """
    with ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        if chunk_rows is not None:  # the chunk is the budget divided by the fit rows, at least 16 rows
            patch.setattr(neighbors, "_MEMORY_BUDGET", 1)
        if rows_per_cluster is not None:
            patch.setattr(_kernels, "_ROWS_PER_CLUSTER", rows_per_cluster)
        if prune_min_rows is not None:
            patch.setattr(_kernels, "_PRUNE_MIN_ROWS", prune_min_rows)
        if self_tile is not None:  # and used whenever it applies (no pruning; Tomek links search every row)
            patch.setattr(neighbors, "_SELF_TILE", self_tile)
            patch.setattr(neighbors, "_SELF_MIN_ROWS", 0)
            patch.setattr(_kernels, "_SELF_SEARCH_FROM", 0.0)
            if prune_min_rows is None:
                patch.setattr(_kernels, "_PRUNE_MIN_ROWS", 10**9)
        stack.enter_context(threadpool_limits(threads, user_api="blas"))
        yield


SETTINGS = {
    "default-1-thread": {},
    "16-row-chunks-2-threads": {"chunk_rows": 16, "threads": 2},
    "4-threads-small-clusters": {"threads": 4, "rows_per_cluster": 150, "prune_min_rows": 100},
    "16-row-chunks-large-clusters-always-pruned": {"chunk_rows": 16, "rows_per_cluster": 5000, "prune_min_rows": 10},
    "self-search-64-row-tiles-2-threads": {"self_tile": 64, "threads": 2},
    "self-search-300-row-tiles": {"self_tile": 300},
}

CLEANERS = {
    "EditedNearestNeighbours": [{}, {"kind_sel": "mode", "n_neighbors": 4}, {"sampling_strategy": "all"}],
    "RepeatedEditedNearestNeighbours": [{}, {"kind_sel": "mode"}],
    "AllKNN": [{}, {"kind_sel": "mode", "n_neighbors": 4}],
    "TomekLinks": [{}, {"sampling_strategy": "all"}],
    "NeighbourhoodCleaningRule": [{}, {"n_neighbors": 5}],
    "OneSidedSelection": [{"random_state": 0}, {"random_state": 1, "n_neighbors": 3}],
}
_DATA = {"binary": lambda: duplicated_data(), "3-classes": lambda: duplicated_data(n_unique=1000, n_classes=3, seed=1)}


@cache
def _cached(name):
    X, y = _DATA[name]()
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y, reference_neighbours(X, 5)


DATA = {name: (lambda name=name: _cached(name)[:2]) for name in _DATA}


@pytest.mark.parametrize("data", list(DATA))
@pytest.mark.parametrize(
    "name, params", [(name, params) for name, variants in CLEANERS.items() for params in variants],
    ids=lambda value: value if isinstance(value, str) else "-".join(f"{k}={v}" for k, v in value.items()) or "default",
)
def test_output_with_duplicates_is_independent_of_chunks_threads_and_clusters(name, params, data):
    X, y = DATA[data]()
    assert len(np.unique(X, axis=0)) < len(X)  # the data really have duplicates
    outputs = {}
    for label, settings in SETTINGS.items():
        with engine_settings(**settings):
            outputs[label] = getattr(resampling, name)(**params).fit_resample(X, y)
    reference = outputs.pop("default-1-thread")
    for label, output in outputs.items():
        np.testing.assert_array_equal(output[0], reference[0], err_msg=label)
        np.testing.assert_array_equal(output[1], reference[1], err_msg=label)


@pytest.mark.parametrize("data", list(DATA))
@pytest.mark.parametrize("params", [{}, {"kind_sel": "mode"}, {"n_neighbors": 5, "sampling_strategy": "all"}],
                         ids=["default", "mode", "k5-all"])
@pytest.mark.parametrize("settings", list(SETTINGS))
def test_enn_with_duplicates_follows_the_documented_rule(data, params, settings):
    X, y, found = _cached(data)
    cleaner = resampling.EditedNearestNeighbours(**params)
    with engine_settings(**SETTINGS[settings]):
        cleaner.fit_resample(X, y)
    expected = reference_enn(
        X, y, params.get("n_neighbors", 3), params.get("kind_sel", "all"), list(cleaner.sampling_strategy_), found
    )
    np.testing.assert_array_equal(cleaner.sample_indices_, expected)


@pytest.mark.parametrize("data", list(DATA))
@pytest.mark.parametrize("sampling_strategy", ["auto", "all"])
def test_tomek_with_duplicates_follows_the_documented_rule(data, sampling_strategy):
    X, y, found = _cached(data)
    cleaner = resampling.TomekLinks(sampling_strategy=sampling_strategy)
    cleaner.fit_resample(X, y)
    nearest = found[:, 0]
    linked = (y[nearest] != y) & (nearest[nearest] == np.arange(len(y))) & np.isin(y, list(cleaner.sampling_strategy_))
    np.testing.assert_array_equal(cleaner.sample_indices_, np.flatnonzero(~linked))


def test_the_graph_with_duplicates_is_the_same_for_every_chunk_size_and_thread_count():
    X, _ = duplicated_data(n_unique=600)
    expected = reference_neighbours(X, 6)
    for chunk_size in (None, 1, 7, 64):
        for threads in (1, 2, 3):
            with threadpool_limits(threads, user_api="blas"):
                graph = neighbors.compute_neighbor_graph(X, 6, chunk_size=chunk_size)
            np.testing.assert_array_equal(graph.indices, expected, err_msg=f"chunk_size={chunk_size}, {threads}")
    reference = neighbors.compute_neighbor_graph(X, 6)
    for self_tile in (24, 64, 250):  # the symmetric self-search, forced on these few rows
        for threads in (1, 2):
            with engine_settings(threads=threads, self_tile=self_tile):
                assert neighbors.uses_self_search(len(X), 6)
                graph = neighbors.compute_neighbor_graph(X, 6)
            np.testing.assert_array_equal(graph.indices, expected, err_msg=f"self_tile={self_tile}, {threads}")
            np.testing.assert_array_equal(graph.distances, reference.distances)


def test_a_duplicate_is_a_neighbour_at_distance_zero_but_the_row_itself_never_is():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0], [0.0, 0.0], [5.0, 5.0], [9.0, 9.0]])
    y = np.array([0, 1, 1, 1, 0, 0])
    # rows 0, 1 and 3 are one point; row 0's nearest others are 1 and 3 (position order), both of class 1
    cleaner = resampling.EditedNearestNeighbours(n_neighbors=2, sampling_strategy="all").fit(X, y)
    assert 0 not in cleaner.sample_indices_
    np.testing.assert_array_equal(reference_enn(X, y, 2, "all", [0, 1]), cleaner.sample_indices_)
