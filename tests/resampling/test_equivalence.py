"""Each datafix cleaner returns exactly imbalanced-learn's output: same rows, same order, same labels."""

import numpy as np
import pandas as pd
import pytest
from imblearn import under_sampling as imblearn_under
from sklearn.datasets import make_classification

from datafix import resampling


def _binary(n=600, weights=(0.8,), seed=0, n_features=8):
    return make_classification(
        n_samples=n, n_features=n_features, n_informative=4, weights=list(weights), flip_y=0.05, random_state=seed
    )


def _multiclass(n=900, seed=1, n_features=10):
    return make_classification(
        n_samples=n, n_features=n_features, n_informative=4, n_redundant=1, n_classes=3, weights=[0.6, 0.3, 0.1], flip_y=0.05,
        random_state=seed,
    )


def _strings(seed=2):
    X, y = _multiclass(n=500, seed=seed, n_features=6)
    return X, np.array(["ant", "bee", "cat"])[y]


DATASETS = {
    "binary": lambda: _binary(),
    # more than 2000 rows with a 5% minority: the pruned path of the editing cleaners is taken
    "binary-5pct-2500": lambda: _binary(n=2500, weights=(0.95,), seed=3, n_features=20),
    "multiclass": lambda: _multiclass(),
    "multiclass-5features-2500": lambda: make_classification(
        n_samples=2500, n_features=5, n_informative=3, n_redundant=0, n_classes=4, weights=[0.4, 0.3, 0.2, 0.1],
        flip_y=0.05, random_state=4,
    ),
    "string-labels": _strings,
}

PARAMS = {
    "EditedNearestNeighbours": [
        {},
        {"kind_sel": "mode"},
        {"sampling_strategy": "all", "n_neighbors": 5},
        {"sampling_strategy": "majority", "kind_sel": "mode", "n_neighbors": 4},
        {"sampling_strategy": "not majority", "n_neighbors": 1},
    ],
    "RepeatedEditedNearestNeighbours": [{}, {"kind_sel": "mode", "max_iter": 3}, {"sampling_strategy": "all"}],
    "AllKNN": [{}, {"kind_sel": "mode", "n_neighbors": 4}, {"allow_minority": True, "n_neighbors": 5}],
    "TomekLinks": [{}, {"sampling_strategy": "all"}, {"sampling_strategy": "majority"}],
    "NeighbourhoodCleaningRule": [{}, {"n_neighbors": 5}, {"threshold_cleaning": 0.1, "sampling_strategy": "all"}],
    "OneSidedSelection": [
        {"random_state": 0},
        {"random_state": 1, "n_seeds_S": 3},
        {"random_state": 2, "n_neighbors": 3, "sampling_strategy": "all"},
    ],
}

CASES = [
    pytest.param(name, params, data, id=f"{name}-{data}-{'-'.join(f'{k}={v}' for k, v in params.items()) or 'default'}")
    for name, variants in PARAMS.items()
    for params in variants
    for data in DATASETS
]


def _assert_same(anchor_output, datafix_output):
    X_anchor, y_anchor = anchor_output
    X_ours, y_ours = datafix_output[:2]
    assert np.asarray(X_ours).shape == np.asarray(X_anchor).shape
    np.testing.assert_array_equal(np.asarray(X_ours), np.asarray(X_anchor))
    np.testing.assert_array_equal(np.asarray(y_ours), np.asarray(y_anchor))


def _anchor_fit_resample(anchor, X, y):
    """imbalanced-learn's output; where it crashes on string labels (scipy's ``mode`` in ENN's
    ``kind_sel="mode"`` and NCR), its output on the integer codes of the sorted labels, mapped back."""
    try:
        return anchor.fit_resample(X, y)
    except TypeError:
        labels, codes = np.unique(np.asarray(y), return_inverse=True)
        assert labels.dtype.kind in "OUS"  # only string labels are expected to crash it
        X_out, codes_out = anchor.fit_resample(X, codes)
        return X_out, labels[np.asarray(codes_out)]


@pytest.mark.parametrize("name, params, data", CASES)
def test_same_output_as_imblearn(name, params, data):
    X, y = DATASETS[data]()
    anchor = getattr(imblearn_under, name)(**params)
    ours = getattr(resampling, name)(**params)
    anchor_output = _anchor_fit_resample(anchor, X, y)
    ours_output = ours.fit_resample(X, y)
    _assert_same(anchor_output, ours_output)
    np.testing.assert_array_equal(np.asarray(ours_output[0]), X[ours.source_indices_])
    np.testing.assert_array_equal(ours.sample_indices_, ours.source_indices_)
    assert not ours.is_synthetic_.any()


@pytest.mark.parametrize("name", list(PARAMS))
def test_same_output_as_imblearn_with_pandas(name):
    X, y = _multiclass(n=700, seed=5, n_features=6)
    frame = pd.DataFrame(X, columns=[f"col_{i}" for i in range(X.shape[1])], index=np.arange(len(y)) * 10 + 7)
    frame["col_0"] = frame["col_0"].astype(np.float32)  # mixed dtypes must survive
    labels = pd.Series(np.array(["low", "mid", "high"])[y], index=frame.index, name="grade")
    params = PARAMS[name][0]
    anchor_X, anchor_y = _anchor_fit_resample(getattr(imblearn_under, name)(**params), frame, labels)
    ours = getattr(resampling, name)(**params)
    X_out, y_out = ours.fit_resample(frame, labels)
    assert isinstance(X_out, pd.DataFrame) and isinstance(y_out, pd.Series)
    pd.testing.assert_frame_equal(X_out.reset_index(drop=True), anchor_X.reset_index(drop=True))
    np.testing.assert_array_equal(y_out.to_numpy(), np.asarray(anchor_y))
    # kept rows keep their index labels and dtypes
    np.testing.assert_array_equal(X_out.index, frame.index[ours.source_indices_])
    np.testing.assert_array_equal(y_out.index, X_out.index)
    assert (X_out.dtypes == frame.dtypes).all() and y_out.name == "grade"


def test_renn_output_rows_even_where_imblearn_indices_are_wrong():
    """Data that ENN leaves untouched: imbalanced-learn's RENN returns the rows grouped by class but its
    ``sample_indices_`` applies that permutation twice; datafix's indices always match the rows."""
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(20, 1, (30, 2))]
    y = np.r_[np.zeros(60, int), np.ones(30, int)]
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    anchor_X, anchor_y = imblearn_under.RepeatedEditedNearestNeighbours().fit_resample(X, y)
    ours = resampling.RepeatedEditedNearestNeighbours()
    X_out, y_out = ours.fit_resample(X, y)
    np.testing.assert_array_equal(X_out, anchor_X)
    np.testing.assert_array_equal(X[ours.sample_indices_], X_out)


def test_editing_decides_most_rows_without_an_exact_search():
    """The structure is used: in a 5%-minority problem most majority rows are decided cheaply."""
    from datafix.resampling._base import Classes
    from datafix.resampling._kernels import EditingState

    X, y = make_classification(n_samples=6000, n_features=20, weights=[0.95], random_state=0)
    classes = Classes(y)
    state = EditingState(X, classes.codes, 2, 3)
    state.keep(np.arange(len(y)), np.array([True, False]), 3, "all")
    assert state.n_searched == (y == 0).sum()
    assert state.n_exact < 0.5 * state.n_searched


@pytest.mark.parametrize("n_neighbors", [3, 4])
def test_mode_evidence_decides_more_rows_and_keeps_the_brute_force_rows(n_neighbors):
    """kind_sel="mode" needs only a strict majority of own-class neighbours: fewer exact searches, same rows."""
    from datafix.neighbors import compute_neighbor_graph
    from datafix.resampling._base import Classes, mode_code
    from datafix.resampling._kernels import EditingState

    X, y = make_classification(n_samples=6000, n_features=20, weights=[0.95], flip_y=0.02, random_state=0)
    classes = Classes(y)
    rows, clean = np.arange(len(y)), np.array([True, False])
    state_all = EditingState(X, classes.codes, 2, n_neighbors)
    state_mode = EditingState(X, classes.codes, 2, n_neighbors, rule="mode")
    keep_all = state_all.keep(rows, clean, n_neighbors, "mode")
    keep_mode = state_mode.keep(rows, clean, n_neighbors, "mode")
    neighbor_codes = classes.codes[compute_neighbor_graph(X, n_neighbors).indices]
    brute = (mode_code(neighbor_codes, 2) == classes.codes) | (classes.codes == 1)
    np.testing.assert_array_equal(keep_mode, brute)
    np.testing.assert_array_equal(keep_all, brute)
    assert state_mode.n_exact < state_all.n_exact
    with pytest.raises(ValueError, match="kind_sel='mode'"):
        state_mode.keep(rows, clean, n_neighbors, "all")


def test_tomek_searches_only_rows_that_can_be_linked(monkeypatch):
    from datafix.resampling import _kernels

    searched = []
    original = _kernels.kneighbors

    def counting(X_fit, X_query, n_neighbors, **kwargs):
        searched.append(len(X_query))
        return original(X_fit, X_query, n_neighbors, **kwargs)

    monkeypatch.setattr(_kernels, "kneighbors", counting)
    X, y = make_classification(n_samples=4000, n_features=10, weights=[0.95], random_state=0)
    resampling.TomekLinks().fit_resample(X, y)
    assert sum(searched) <= 2 * (y == 1).sum()


@pytest.mark.parametrize("kind_sel", ["all", "mode"])
def test_editing_at_scale_takes_every_pruning_stage_and_stays_identical(kind_sel):
    """12k rows: own-cluster bounds, the approximate second stage and the exact search are all used."""
    X, y = make_classification(
        n_samples=12000, n_features=20, n_informative=5, weights=[0.95], flip_y=0.01, random_state=7
    )
    anchor_X, anchor_y = imblearn_under.EditedNearestNeighbours(kind_sel=kind_sel).fit_resample(X, y)
    X_out, y_out = resampling.EditedNearestNeighbours(kind_sel=kind_sel).fit_resample(X, y)
    np.testing.assert_array_equal(X_out, anchor_X)
    np.testing.assert_array_equal(y_out, anchor_y)


def test_editing_with_the_wide_probe_stage_stays_identical(monkeypatch):
    """The third cheap stage (more clusters probed, from 300k rows) and the block search of other-class
    distances forced on 12k rows: the same rows, and fewer rows left to the exact search."""
    from datafix.resampling import _kernels
    from datafix.resampling._base import Classes

    X, y = make_classification(
        n_samples=12000, n_features=20, n_informative=5, weights=[0.95], flip_y=0.01, random_state=7
    )
    classes = Classes(y)
    rows, clean = np.arange(len(y)), np.array([True, False])
    without = _kernels.EditingState(X, classes.codes, 2, 3)
    keep_without = without.keep(rows, clean, 3, "all")
    monkeypatch.setattr(_kernels, "_WIDE_PROBE_FROM_ROWS", 0)
    monkeypatch.setattr(_kernels, "_WIDE_PROBES", 3)
    monkeypatch.setattr(_kernels, "_TILES_FROM_ROWS", 0)  # the other-class distances by blocks too
    with_wide = _kernels.EditingState(X, classes.codes, 2, 3)
    np.testing.assert_array_equal(with_wide.keep(rows, clean, 3, "all"), keep_without)
    assert with_wide.n_exact < without.n_exact
    anchor_X, anchor_y = imblearn_under.RepeatedEditedNearestNeighbours().fit_resample(X, y)
    X_out, y_out = resampling.RepeatedEditedNearestNeighbours().fit_resample(X, y)
    np.testing.assert_array_equal(X_out, anchor_X)
    np.testing.assert_array_equal(y_out, anchor_y)
