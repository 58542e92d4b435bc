"""The shared neighbour engine: exactness against scikit-learn, the graph, the approximate mode, errors."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist
from sklearn.datasets import make_classification
from sklearn.neighbors import NearestNeighbors

from datafix.neighbors import NeighborGraph, cluster_rows, compute_neighbor_graph, kneighbors


def _data(n=1500, n_features=20, seed=0, scale=1.0, shift=0.0):
    if n_features < 5:
        X = np.random.default_rng(seed).normal(size=(n, n_features))
    else:
        X, _ = make_classification(n_samples=n, n_features=n_features, random_state=seed)
    return X * scale + shift


def _brute_force(X, k):
    """Exact neighbours from differences (no cancellation), ties by position."""
    distances = cdist(X, X)
    np.fill_diagonal(distances, np.inf)
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return order


@pytest.mark.parametrize("n_features", [2, 7, 20, 64])
@pytest.mark.parametrize("n_neighbors", [1, 3, 10])
def test_graph_matches_sklearn(n_features, n_neighbors):
    X = _data(n_features=n_features)
    graph = compute_neighbor_graph(X, n_neighbors)
    distances, indices = NearestNeighbors(n_neighbors=n_neighbors + 1).fit(X).kneighbors(X)
    np.testing.assert_array_equal(graph.indices, indices[:, 1:])
    np.testing.assert_allclose(graph.distances, distances[:, 1:], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("scale, shift", [(1e-4, 0.0), (1e4, 0.0), (1.0, 1e6)])
def test_exact_under_bad_scaling(scale, shift):
    """Float32 is used only where safe: tiny, huge and far-from-origin data stay exact.

    (Far from the origin scikit-learn's own float64 |x|^2 - 2xy + |y|^2 loses
    digits, so the reference here is computed from differences.)
    """
    X = _data(n=800, scale=scale, shift=shift)
    graph = compute_neighbor_graph(X, 4)
    np.testing.assert_array_equal(graph.indices, _brute_force(X, 4))


def test_small_chunks_give_the_same_answer():
    X = _data(n=700)
    whole = compute_neighbor_graph(X, 5)
    chunked = compute_neighbor_graph(X, 5, chunk_size=7)
    np.testing.assert_array_equal(whole.indices, chunked.indices)
    np.testing.assert_array_equal(whole.distances, chunked.distances)


def test_threads_give_the_same_answer_and_leave_the_blas_thread_count_as_it_was():
    from threadpoolctl import threadpool_info, threadpool_limits

    X = np.random.default_rng(3).normal(size=(3000, 12))
    with threadpool_limits(1, user_api="blas"):
        single = compute_neighbor_graph(X, 5)
    with threadpool_limits(3, user_api="blas"):
        before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
        threaded = compute_neighbor_graph(X, 5)
        after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    np.testing.assert_array_equal(threaded.indices, single.indices)
    np.testing.assert_array_equal(threaded.distances, single.distances)
    assert after == before


def test_kneighbors_against_other_points_and_exclude():
    X = _data(n=900)
    X_fit, X_query = X[:600], X[600:]
    distances, indices = kneighbors(X_fit, X_query, 4)
    ref_d, ref_i = NearestNeighbors(n_neighbors=4).fit(X_fit).kneighbors(X_query)
    np.testing.assert_array_equal(indices, ref_i)
    np.testing.assert_allclose(distances, ref_d, rtol=1e-12)
    # excluding each query's own row equals the graph
    rows = np.arange(50, 120)
    _, own = kneighbors(X_fit, X_fit[rows], 3, exclude=rows)
    np.testing.assert_array_equal(own, compute_neighbor_graph(X_fit, 3).indices[rows])


def test_ties_are_ordered_by_position_and_self_is_never_a_neighbour():
    X = np.repeat(np.arange(5.0)[:, None], 4, axis=0)  # every value four times
    graph = compute_neighbor_graph(X, 3)
    assert not np.any(graph.indices == np.arange(len(X))[:, None])
    np.testing.assert_array_equal(graph.distances, 0.0)
    for row, neighbours in enumerate(graph.indices):
        assert list(neighbours) == sorted(neighbours)
        assert set(neighbours) == set(np.flatnonzero(X[:, 0] == X[row, 0])) - {row}


def test_subgraph_reuses_the_graph():
    X = _data(n=400)
    graph = compute_neighbor_graph(X, 6)
    small = graph.subgraph(2)
    assert isinstance(small, NeighborGraph) and small.n_neighbors == 2 and graph.n_samples == 400
    np.testing.assert_array_equal(small.indices, compute_neighbor_graph(X, 2).indices)
    with pytest.raises(ValueError, match="between 1 and 6"):
        graph.subgraph(7)


def test_approximate_is_an_upper_bound_with_good_recall():
    X = _data(n=12000, seed=3)
    exact = compute_neighbor_graph(X, 5)
    approximate = compute_neighbor_graph(X, 5, algorithm="approximate")
    assert np.all(approximate.distances >= exact.distances - 1e-9)  # real rows: never closer than exact
    assert not np.any(approximate.indices == np.arange(len(X))[:, None])
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(exact.indices, approximate.indices)])
    assert recall > 0.8


def test_cluster_rows_partitions_rows():
    X = _data(n=3000)
    labels = cluster_rows(X, 6)
    assert labels.shape == (3000,) and labels.min() >= 0 and labels.max() < 6
    np.testing.assert_array_equal(labels, cluster_rows(X, 6))  # deterministic


def test_dataframe_input_and_no_mutation():
    X = _data(n=300)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    before = frame.copy()
    graph = compute_neighbor_graph(frame, 3)
    pd.testing.assert_frame_equal(frame, before)
    np.testing.assert_array_equal(graph.indices, compute_neighbor_graph(X, 3).indices)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 4.0]]), "missing or infinite"),
        (sp.csr_matrix(np.eye(4)), "sparse"),
        (np.array([["a", "b"], ["c", "d"], ["e", "f"]]), "numeric"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]}), "non-numeric columns"),
        (np.zeros((0, 3)), "empty"),
        (np.zeros(5), "2-D"),
    ],
)
def test_bad_input_errors(X, message):
    with pytest.raises(ValueError, match=message):
        compute_neighbor_graph(X, 1)


def test_bad_parameters():
    X = _data(n=10)
    with pytest.raises(ValueError, match="at most 9"):
        compute_neighbor_graph(X, 10)
    with pytest.raises(ValueError, match="positive integer"):
        compute_neighbor_graph(X, 0)
    with pytest.raises(ValueError, match="algorithm must be one of"):
        compute_neighbor_graph(X, 2, algorithm="fast")
    with pytest.raises(ValueError, match="same columns"):
        kneighbors(X, X[:, :3], 2)


def test_choose_algorithm_switches_to_approximate_above_the_shared_threshold():
    from datafix.neighbors import EXACT_MAX_ROWS, choose_algorithm, choose_method

    assert choose_algorithm(EXACT_MAX_ROWS) == "exact"
    assert choose_algorithm(EXACT_MAX_ROWS + 1) == "approximate"
    assert choose_method is choose_algorithm  # the old name, for one release


@pytest.mark.parametrize("function", ["kneighbors", "compute_neighbor_graph"])
def test_method_is_the_deprecated_name_of_algorithm(function):
    X = np.random.default_rng(6).normal(size=(20_000, 4))
    call = (lambda **kw: compute_neighbor_graph(X, 3, **kw)) if function == "compute_neighbor_graph" else (
        lambda **kw: NeighborGraph(*kneighbors(X, X[:500], 3, **kw)[::-1]))
    new = call(algorithm="approximate")
    with pytest.warns(FutureWarning, match="`method` was renamed to `algorithm`"):
        old = call(method="approximate")
    np.testing.assert_array_equal(old.indices, new.indices)
    np.testing.assert_array_equal(old.distances, new.distances)
    with pytest.raises(TypeError, match="got both"):
        call(algorithm="approximate", method="exact")


def test_n_jobs_sets_the_threads_and_not_the_answer():
    from threadpoolctl import threadpool_info

    from datafix import neighbors
    from datafix.neighbors import search_threads

    X = np.random.default_rng(7).normal(size=(3000, 10))
    X[1500:1700] = X[:200]  # exact duplicates
    used = []
    original_run = neighbors._CHUNK_THREADS.run

    def spy(function, starts, n_threads):
        used.append(n_threads)
        return original_run(function, starts, n_threads)

    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    graphs = {}
    import unittest.mock

    with unittest.mock.patch.object(neighbors._CHUNK_THREADS, "run", spy):
        for n_jobs in (1, 2, 3, -1, None):
            used.clear()
            graphs[n_jobs] = compute_neighbor_graph(X, 4, n_jobs=n_jobs)
            if n_jobs in (1, 2, 3):
                assert used == [n_jobs]
        used.clear()
        with search_threads(2):
            kneighbors(X, X, 4)
        assert used == [2]
    for graph in graphs.values():
        np.testing.assert_array_equal(graph.indices, graphs[1].indices)
        np.testing.assert_array_equal(graph.distances, graphs[1].distances)
    assert [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"] == before
    with pytest.raises(ValueError, match="n_jobs"):
        compute_neighbor_graph(X, 4, n_jobs=0)


def test_float32_input_is_searched_without_being_modified_and_matches_float64():
    from datafix.neighbors import compute_neighbor_graph

    # 20,000 rows: more than four clusters' worth, so the approximate search really uses its clusters
    X32 = np.random.default_rng(3).normal(size=(20_000, 6)).astype(np.float32)
    before = X32.copy()
    for method in ["exact", "approximate"]:
        g32 = compute_neighbor_graph(X32, 5, algorithm=method)
        g64 = compute_neighbor_graph(X32.astype(np.float64), 5, algorithm=method)
        np.testing.assert_array_equal(g32.indices, g64.indices)
        np.testing.assert_allclose(g32.distances, g64.distances, rtol=1e-12)
    np.testing.assert_array_equal(X32, before)


def test_map_in_threads_keeps_order_and_runs_nested_searches_on_the_worker_thread():
    import threading

    from threadpoolctl import threadpool_limits

    from datafix.neighbors import map_in_threads

    X = np.random.default_rng(4).normal(size=(2000, 8))
    seen_threads = set()

    def work(start):
        seen_threads.add(threading.get_ident())
        # a search large enough to be split into parallel chunks outside a worker
        return start, kneighbors(X, X[start : start + 500], 3)[1]

    with threadpool_limits(2, user_api="blas"):
        results = map_in_threads(work, [0, 500, 1000, 1500])
    assert [start for start, _ in results] == [0, 500, 1000, 1500]
    whole = kneighbors(X, X, 3)[1]
    np.testing.assert_array_equal(np.concatenate([found for _, found in results]), whole)
    assert threading.get_ident() not in seen_threads  # ran on worker threads


@pytest.mark.parametrize("n_neighbors", [1, 4])
def test_tiled_search_of_a_large_fit_set_gives_the_same_answer(n_neighbors, monkeypatch):
    """Above _TILE_MIN_FIT rows the exact search scores tiles of columns; forced here on small data with duplicates."""
    from datafix import neighbors

    X = np.random.default_rng(5).normal(size=(5000, 10))
    X[2500:2800] = X[:300]  # exact duplicates: ties across tiles
    whole = compute_neighbor_graph(X, n_neighbors)
    queries = kneighbors(X, X[:700] + 0.01, n_neighbors)
    monkeypatch.setattr(neighbors, "_TILE_MIN_FIT", 0)
    monkeypatch.setattr(neighbors, "_TILE_COLUMNS", 512)
    for chunk_size in (None, 5):
        tiled = compute_neighbor_graph(X, n_neighbors, chunk_size=chunk_size)
        np.testing.assert_array_equal(tiled.indices, whole.indices)
        np.testing.assert_array_equal(tiled.distances, whole.distances)
    tiled_queries = kneighbors(X, X[:700] + 0.01, n_neighbors)
    np.testing.assert_array_equal(tiled_queries[1], queries[1])
    np.testing.assert_array_equal(tiled_queries[0], queries[0])


@pytest.mark.parametrize("n_neighbors", [1, 3])
def test_search_within_a_known_bound_gives_the_same_answer(n_neighbors, monkeypatch):
    """The block search with a known bound and the query's own row left out (the cleaners' exact search of
    undecided rows) equals kneighbors, ties included, whatever the bound's slack (or none, or unknown for some
    rows), the tiling and the thread count."""
    from datafix import neighbors

    X = np.round(np.random.default_rng(6).normal(size=(3000, 8)), 1)
    X[1500:1800] = X[:300]  # exact duplicates and many equal distances
    queries = np.arange(0, 3000, 7)
    distances, indices = kneighbors(X, X[queries], n_neighbors, exclude=queries)
    partly_unknown = distances[:, -1].copy()
    partly_unknown[::5] = np.inf  # rows no earlier stage searched: the block minima bound them
    for bound in (distances[:, -1], distances[:, -1] * 1.2, distances[:, -1] * 3.0, partly_unknown, None):
        for tile, n_jobs in ((768, 1), (64, 2)):
            monkeypatch.setattr(neighbors, "_WITHIN_TILE", tile)
            with neighbors.search_threads(n_jobs):
                found = neighbors._kneighbors_by_tiles(X, X[queries], n_neighbors, bound=bound, exclude=queries)
            np.testing.assert_array_equal(found[1], indices)
            np.testing.assert_array_equal(found[0], distances)


@pytest.mark.parametrize("n_neighbors", [1, 2])
def test_search_by_blocks_of_rows_gives_the_same_answer(n_neighbors, monkeypatch):
    """The block search of the cleaners' other-class distances equals kneighbors, ties included, on any tiling."""
    from datafix import neighbors

    X = np.round(np.random.default_rng(8).normal(size=(3000, 6)), 1)
    X[1500:1900] = X[:400]
    queries = np.r_[X[:500], X[2000:2500] + 0.05]
    expected = kneighbors(X, queries, n_neighbors)
    for tile, n_jobs in ((768, 1), (100, 2)):
        monkeypatch.setattr(neighbors, "_WITHIN_TILE", tile)
        with neighbors.search_threads(n_jobs):
            found = neighbors._kneighbors_by_tiles(X, queries, n_neighbors)
        np.testing.assert_array_equal(found[1], expected[1])
        np.testing.assert_array_equal(found[0], expected[0])
