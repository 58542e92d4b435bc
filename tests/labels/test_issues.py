"""find_label_issues: agreement with cleanlab, the neighbourhood evidence, detection, clear errors."""

from __future__ import annotations

import cleanlab.filter
import cleanlab.rank
import numpy as np
import pandas as pd
import pytest
from cleanlab.count import compute_confident_joint
from sklearn.datasets import load_wine, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

import datafix.labels.issues as issues_module
from datafix import find_label_issues, out_of_fold_proba
from datafix.datasets import make_label_noise
from datafix.labels.issues import combined_confident_joint, neighbor_label_proba
from datafix.neighbors import compute_neighbor_graph

COLUMNS = ["given_label", "suggested_label", "label_quality", "is_label_issue", "model_given_proba",
           "model_suggested_proba", "neighbor_given_share", "neighbor_suggested_share", "neighbor_rows",
           "neighbor_labels", "neighbor_distances"]


@pytest.fixture(scope="module")
def noisy_blobs():
    X, y = make_blobs(n_samples=300, centers=3, cluster_std=1.5, random_state=0)
    y_noisy, is_flipped = make_label_noise(y, rate=0.1, random_state=0)
    proba = out_of_fold_proba(LogisticRegression(max_iter=500), X, y_noisy, random_state=0)
    return X, y_noisy, is_flipped, proba


def test_confident_learning_matches_cleanlab(noisy_blobs):
    X, y, _, proba = noisy_blobs
    found = find_label_issues(X, y, pred_proba=proba, method="confident_learning")
    assert list(found.columns) == COLUMNS
    expected = cleanlab.filter.find_label_issues(y, proba, n_jobs=1)
    np.testing.assert_array_equal(found["is_label_issue"].to_numpy(), expected)
    quality = cleanlab.rank.get_label_quality_scores(y, proba, method="self_confidence")
    np.testing.assert_allclose(found["label_quality"].to_numpy(), quality, rtol=1e-6)


def test_confident_learning_matches_cleanlab_on_many_rows():
    # float32 inside datafix, float64 in cleanlab: the masks must still agree
    rng = np.random.RandomState(0)
    n, k = 20_000, 6
    y = rng.randint(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 2.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y_noisy, _ = make_label_noise(y, rate=0.15, random_state=1)
    found = find_label_issues(None, y_noisy, pred_proba=proba)
    expected = cleanlab.filter.find_label_issues(y_noisy, proba, n_jobs=1)
    assert np.mean(found["is_label_issue"].to_numpy() == expected) > 0.9999


def test_cleanlab_process_pool_gives_the_same_mask(monkeypatch):
    rng = np.random.RandomState(1)
    n, k = 5_000, 4
    y = rng.randint(0, k, n)
    proba = rng.dirichlet(np.ones(k), size=n)
    one_process = find_label_issues(None, y, pred_proba=proba)
    monkeypatch.setattr(issues_module, "CLEANLAB_POOL_MIN_VALUES", 0)  # the pool path, as at 1M rows
    pooled = find_label_issues(None, y, pred_proba=proba)
    pd.testing.assert_frame_equal(one_process, pooled)


def test_pred_proba_means_no_model_is_fitted(noisy_blobs, monkeypatch):
    X, y, _, proba = noisy_blobs

    def refuse(*args, **kwargs):
        raise AssertionError("a model was fitted although pred_proba was given")

    monkeypatch.setattr(issues_module, "out_of_fold_proba", refuse)
    for method in ("auto", "confident_learning"):
        assert len(find_label_issues(X, y, pred_proba=proba, method=method)) == len(y)
    assert len(find_label_issues(None, y, pred_proba=proba)) == len(y)


def test_pred_proba_as_dataframe_with_named_columns(noisy_blobs):
    X, y, _, proba = noisy_blobs
    names = np.array(["a", "b", "c"])
    y_named = names[y]
    shuffled = pd.DataFrame(proba, columns=names)[["b", "c", "a"]]  # the order does not matter
    found = find_label_issues(None, y_named, pred_proba=shuffled, method="confident_learning")
    expected = find_label_issues(None, y, pred_proba=proba, method="confident_learning")
    np.testing.assert_array_equal(found["is_label_issue"], expected["is_label_issue"])
    np.testing.assert_array_equal(found["suggested_label"], names[expected["suggested_label"]])


def test_neighbor_proba_matches_brute_force():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 3))
    codes = rng.randint(0, 3, 120)
    graph = compute_neighbor_graph(X, 5)
    proba = neighbor_label_proba(graph, codes, 3)
    distances, indices = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(X)
    distances, indices = distances[:, 1:], indices[:, 1:]
    weights = np.exp(-((distances / distances[:, -1:]) ** 2))
    expected = np.full((120, 3), 0.1 / 3)
    for i in range(120):
        for j, w in zip(indices[i], weights[i]):
            expected[i, codes[j]] += w
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, expected, rtol=1e-5)
    assert proba.dtype == np.float32


def test_knn_flags_a_label_that_disagrees_with_its_neighbours():
    X, y = make_blobs(n_samples=200, centers=[[0, 0], [10, 10]], cluster_std=0.5, random_state=0)
    y_noisy = y.copy()
    y_noisy[[3, 50]] = 1 - y_noisy[[3, 50]]
    found = find_label_issues(X, y_noisy, method="knn")
    assert set(np.flatnonzero(found["is_label_issue"])) == {3, 50}
    np.testing.assert_array_equal(found["suggested_label"], y)
    assert found["label_quality"].iloc[[3, 50]].max() < 0.1 < found["label_quality"].drop([3, 50]).min()


def test_auto_beats_or_matches_cleanlab_on_wine():
    # not compared with "knn" alone: with the count rule (a pair of classes loses at least the model's count,
    # combined_confident_joint) "auto" scores 0.86 here, the neighbours alone 0.89
    X, y = load_wine(return_X_y=True)
    y_noisy, is_flipped = make_label_noise(y, rate=0.2, kind="pairwise", random_state=0)
    proba = out_of_fold_proba(None, X, y_noisy, random_state=0)
    auto = find_label_issues(X, y_noisy, pred_proba=proba)["is_label_issue"]
    cleanlab_mask = cleanlab.filter.find_label_issues(y_noisy, proba)
    f1_auto = f1_score(is_flipped, auto)
    assert f1_auto >= f1_score(is_flipped, cleanlab_mask)
    assert f1_auto > 0.8


def test_auto_counts_each_pair_by_the_larger_count_except_into_a_larger_class():
    """The mixture ranks the rows; each (given, true) pair's count is the larger of the model's and the mixture's,
    except a move into a larger class, which keeps the mixture's count."""
    X, y = load_wine(return_X_y=True)
    y_noisy, _ = make_label_noise(y, rate=0.15, kind="uniform", random_state=1)
    proba = out_of_fold_proba(None, X, y_noisy, random_state=0).astype(np.float32)
    graph = compute_neighbor_graph(StandardScaler().fit_transform(X), 10)
    found = find_label_issues(None, y_noisy, pred_proba=proba, neighbor_graph=graph)
    weight = found.attrs["model_weight"]
    assert 0 < weight < 1
    mixture = weight * proba + (1 - weight) * neighbor_label_proba(graph, y_noisy, 3)
    joint = combined_confident_joint(y_noisy, proba, mixture)
    by_model, by_mixture = compute_confident_joint(y_noisy, proba), compute_confident_joint(y_noisy, mixture)
    counts = np.bincount(y_noisy)
    off = ~np.eye(3, dtype=bool)
    into_larger = counts[:, None] < counts[None, :]
    np.testing.assert_array_equal(joint[off & ~into_larger], np.maximum(by_model, by_mixture)[off & ~into_larger])
    np.testing.assert_array_equal(joint[into_larger], by_mixture[into_larger])
    np.testing.assert_array_equal(np.diagonal(joint), np.diagonal(by_mixture))
    expected = cleanlab.filter.find_label_issues(y_noisy, mixture, confident_joint=joint)
    np.testing.assert_array_equal(found["is_label_issue"].to_numpy(), expected)


def test_default_estimator_end_to_end_is_reproducible(noisy_blobs):
    X, y, is_flipped, _ = noisy_blobs
    first = find_label_issues(X, y, random_state=0)
    second = find_label_issues(X, y, random_state=0)
    pd.testing.assert_frame_equal(first, second)
    flagged = first["is_label_issue"].to_numpy()
    assert (flagged & is_flipped).sum() >= 0.7 * is_flipped.sum()


def test_output_shape_and_consistency(noisy_blobs):
    X, y, _, proba = noisy_blobs
    found = find_label_issues(X, y, pred_proba=proba)
    np.testing.assert_array_equal(found["given_label"], y)
    assert found.index.equals(pd.RangeIndex(len(y)))
    quality = found["label_quality"].to_numpy()
    assert np.all((quality >= 0) & (quality <= 1))
    flagged = found["is_label_issue"].to_numpy()
    assert found["is_label_issue"].dtype == bool
    assert np.all(found["suggested_label"].to_numpy()[flagged] != y[flagged])
    # flagged rows are, on the whole, the low-quality ones
    assert quality[flagged].mean() < quality[~flagged].mean()


def test_dataframe_with_categorical_and_missing_values():
    rng = np.random.RandomState(0)
    n = 240
    y = np.array(["no", "yes"])[rng.randint(0, 2, n)]
    frame = pd.DataFrame({
        "amount": np.where(rng.rand(n) < 0.1, np.nan, (y == "yes") * 3.0 + rng.randn(n)),
        "region": pd.Categorical(rng.choice(["north", "south", None], n)),
        "channel": np.where(y == "yes", "web", "shop").astype(object),
    }, index=pd.Index(np.arange(n) * 7 + 1, name="order_id"))
    frame.loc[frame.index[::11], "channel"] = None
    y_noisy, is_flipped = make_label_noise(pd.Series(y, index=frame.index), rate=0.1, random_state=0)
    before = frame.copy()
    for method in ("auto", "knn", "confident_learning"):
        found = find_label_issues(frame, y_noisy, method=method, random_state=0)
        assert found.index.equals(frame.index)
        assert (found["is_label_issue"].to_numpy() & is_flipped).sum() >= 0.5 * is_flipped.sum()
    pd.testing.assert_frame_equal(frame, before)


def test_inputs_are_not_modified(noisy_blobs):
    X, y, _, proba = noisy_blobs
    X_before, y_before, proba_before = X.copy(), y.copy(), proba.copy()
    find_label_issues(X, y, pred_proba=proba)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(proba, proba_before)


def test_bad_probabilities(noisy_blobs):
    X, y, _, proba = noisy_blobs
    with pytest.raises(ValueError, match=r"must sum to 1.*divide each row by its sum"):
        find_label_issues(X, y, pred_proba=proba * 0.9)
    with pytest.raises(ValueError, match=r"in \[0, 1\].*not decision_function"):
        find_label_issues(X, y, pred_proba=np.log(proba + 1e-9))
    with pytest.raises(ValueError, match="no NaN"):
        with_nan = proba.copy()
        with_nan[3, 1] = np.nan
        find_label_issues(X, y, pred_proba=with_nan)
    with pytest.raises(ValueError, match="has 299 rows but y has 300"):
        find_label_issues(X, y, pred_proba=proba[:-1])
    with pytest.raises(ValueError, match="must be 2-D"):
        find_label_issues(X, y, pred_proba=proba[:, 0])
    with pytest.raises(ValueError, match="has 4 columns but y has 3 classes"):
        find_label_issues(X, y, pred_proba=np.hstack([proba * 0.5, proba[:, :1] * 0 + 0.5])[:, :4])


def test_labels_absent_from_pred_proba_columns(noisy_blobs):
    X, y, _, proba = noisy_blobs
    y_extra = y.copy()
    y_extra[:2] = 7  # a fourth class, with no column of its own
    with pytest.raises(ValueError, match=r"labels \[7\] of y are absent from pred_proba's columns"):
        find_label_issues(X, y_extra, pred_proba=proba)
    frame = pd.DataFrame(proba, columns=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"labels \[.*2.*\] of y are absent from pred_proba's columns"):
        find_label_issues(X, y, pred_proba=frame)


def test_class_with_one_row(noisy_blobs):
    X, y, _, proba = noisy_blobs
    y_single = y.copy()
    y_single[0] = 9
    for kwargs in ({}, {"method": "knn"}):
        with pytest.raises(ValueError, match="class 9 (of y )?has a single row"):
            find_label_issues(X, y_single, **kwargs)
    one_hot = np.zeros((len(y), 4))
    one_hot[np.arange(len(y)), np.unique(y_single, return_inverse=True)[1]] = 1
    with pytest.raises(ValueError, match="class 9 of y has a single row"):
        find_label_issues(X, y_single, pred_proba=one_hot)


def test_nan_labels(noisy_blobs):
    X, y, _, proba = noisy_blobs
    y_nan = y.astype(float)
    y_nan[5] = np.nan
    with pytest.raises(ValueError, match="missing labels"):
        find_label_issues(X, y_nan, pred_proba=proba)
    with pytest.raises(ValueError, match="missing labels"):
        find_label_issues(X, pd.Series(y_nan))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "vote"}, "method must be one of"),
        ({"estimator": LogisticRegression(), "pred_proba": "given"}, "not both"),
        ({"X": None}, "X is required unless pred_proba"),
        ({"X": None, "pred_proba": "given", "method": "knn"}, "method='knn'.*pass X"),
    ],
)
def test_bad_arguments(noisy_blobs, kwargs, message):
    X, y, _, proba = noisy_blobs
    arguments = {"X": X, **kwargs}
    if arguments.get("pred_proba") == "given":
        arguments["pred_proba"] = proba
    with pytest.raises(ValueError, match=message):
        find_label_issues(arguments.pop("X"), y, **arguments)


def test_cleanlab_jobs_mapping():
    assert issues_module._cleanlab_jobs(None, 10_000) == 1
    assert issues_module._cleanlab_jobs(None, issues_module.CLEANLAB_POOL_MIN_VALUES) is None  # cleanlab's default
    assert issues_module._cleanlab_jobs(3, 10) == 3
    assert issues_module._cleanlab_jobs(-1, 10) >= 1


def test_scaled_features_give_the_same_neighbour_evidence():
    X, y = make_blobs(n_samples=150, centers=3, random_state=1)
    y_noisy, _ = make_label_noise(y, rate=0.1, random_state=0)
    raw = find_label_issues(X * [1.0, 1000.0], y_noisy, method="knn")
    scaled = find_label_issues(StandardScaler().fit_transform(X), y_noisy, method="knn")
    np.testing.assert_array_equal(raw["is_label_issue"], scaled["is_label_issue"])


@pytest.mark.parametrize(
    "labels",
    [
        np.array([5, -2, 5, 9, -2]),
        np.arange(10, dtype=np.uint8)[::-1],
        np.array([10**12, 3, 3]),  # too wide a range for counting: falls back to np.unique
        np.array(["b", "a", "b"]),
        np.random.RandomState(0).randint(0, 7, 5000),
    ],
)
def test_encode_labels_equals_np_unique(labels):
    classes, codes = issues_module.encode_labels(labels)
    expected_classes, expected_codes = np.unique(labels, return_inverse=True)
    np.testing.assert_array_equal(classes, expected_classes)
    assert classes.dtype == expected_classes.dtype
    np.testing.assert_array_equal(codes, expected_codes)


@pytest.mark.parametrize("method", ["auto", "knn"])
def test_a_precomputed_neighbor_graph_gives_the_result_of_the_internal_search(noisy_blobs, method):
    from datafix.labels import encode_for_neighbors

    X, y, _, proba = noisy_blobs
    graph = compute_neighbor_graph(encode_for_neighbors(X), 15)  # more neighbours than used: the first 10 count
    searched = find_label_issues(X, y, pred_proba=proba, method=method)
    given = find_label_issues(None, y, pred_proba=proba, neighbor_graph=graph, method=method)
    pd.testing.assert_frame_equal(searched, given)


def test_neighbor_graph_is_not_used_by_confident_learning(noisy_blobs):
    X, y, _, proba = noisy_blobs
    graph = compute_neighbor_graph(X[:, ::-1], 10)
    plain = find_label_issues(None, y, pred_proba=proba, method="confident_learning")
    with_graph = find_label_issues(None, y, pred_proba=proba, neighbor_graph=graph, method="confident_learning")
    pd.testing.assert_frame_equal(plain, with_graph)


def test_bad_neighbor_graph(noisy_blobs):
    X, y, _, proba = noisy_blobs
    with pytest.raises(ValueError, match="NeighborGraph"):
        find_label_issues(None, y, pred_proba=proba, neighbor_graph=np.zeros((len(y), 10), dtype=int))
    with pytest.raises(ValueError, match="neighbor_graph has 299 rows but y has 300"):
        find_label_issues(None, y, pred_proba=proba, neighbor_graph=compute_neighbor_graph(X[:-1], 10))
