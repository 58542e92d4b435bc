"""The conformance suite every public fix passes. Fixes are listed in registry.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

import datafix as dfx
from tests.common.registry import FIXES

CASES = [pytest.param(case, id=case.name, marks=case.marks) for case in FIXES]


def _flatten(X):
    return np.asarray(X).reshape(len(X), -1)


def make_data(kind: str):
    """Small imbalanced 3-class data of the kind a fix takes."""
    if kind == "images":
        rng = np.random.RandomState(0)
        y = np.repeat([0, 1, 2], [40, 15, 6])
        X = rng.randint(0, 256, size=(len(y), 8, 8)).astype(np.uint8)
        X[y == 1, :4] //= 2  # make classes somewhat separable
        return X, y
    X, y = make_classification(
        n_samples=150, n_features=5, n_informative=3, n_redundant=0, n_classes=3,
        weights=[0.6, 0.3, 0.1], class_sep=1.5, random_state=0,
    )
    return X, y


def as_pandas(X, y):
    frame = pd.DataFrame(X, columns=[f"feature_{i}" for i in range(X.shape[1])])
    frame["feature_0"] = frame["feature_0"].astype(np.float32)
    index = pd.Index(1000 + 3 * np.arange(len(y)), name="row_id")
    frame.index = index
    labels = pd.Series(np.array(["ant", "bee", "cat"])[y], index=index, name="species")
    return frame, labels


def fit_resample(fix, X, y, sample_weight=None):
    output = fix.fit_resample(X, y, sample_weight=sample_weight)
    assert isinstance(output, tuple) and len(output) in (2, 3)
    return output


def rows_equal(X_out, X_in, source):
    X_out = X_out.to_numpy() if isinstance(X_out, pd.DataFrame) else np.asarray(X_out)
    X_in = X_in.to_numpy() if isinstance(X_in, pd.DataFrame) else np.asarray(X_in)
    return np.array_equal(X_out, X_in[source])


@pytest.mark.parametrize("case", CASES)
def test_clone_and_params_round_trip(case):
    fix = case.make()
    params = fix.get_params()
    twin = clone(fix)
    assert twin.get_params().keys() == params.keys()
    twin.set_params(**fix.get_params(deep=False))
    assert not hasattr(twin, "source_indices_")
    X, y = make_data(case.data)
    fitted = clone(fix)
    fit_resample(fitted, X, y)
    assert hasattr(fitted, "source_indices_")
    assert not hasattr(clone(fitted), "source_indices_")


@pytest.mark.parametrize("case", CASES)
def test_does_not_mutate_inputs(case):
    X, y = make_data(case.data)
    weights = np.linspace(0.5, 2.0, len(y))
    X_before, y_before, w_before = X.copy(), y.copy(), weights.copy()
    fit_resample(case.make(), X, y, sample_weight=weights)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(weights, w_before)
    if case.data == "tabular":
        frame, labels = as_pandas(X, y)
        frame_before, labels_before = frame.copy(), labels.copy()
        fit_resample(case.make(), frame, labels)
        pd.testing.assert_frame_equal(frame, frame_before)
        pd.testing.assert_series_equal(labels, labels_before)


@pytest.mark.parametrize("case", CASES)
def test_pandas_round_trip(case):
    if case.data != "tabular":
        pytest.skip("image batches are numpy arrays; a DataFrame cannot hold them")
    frame, labels = as_pandas(*make_data(case.data))
    fix = case.make()
    X_out, y_out = fit_resample(fix, frame, labels)[:2]
    assert isinstance(X_out, pd.DataFrame) and isinstance(y_out, pd.Series)
    assert list(X_out.columns) == list(frame.columns)
    assert X_out.dtypes.equals(frame.dtypes)
    assert y_out.name == labels.name
    assert X_out.index.equals(y_out.index)
    kept = ~fix.is_synthetic_
    assert X_out.index[kept].equals(frame.index[fix.source_indices_[kept]])
    assert not set(X_out.index[~kept]) & set(frame.index)
    assert set(y_out.unique()) <= set(labels.unique())


@pytest.mark.parametrize("case", CASES)
def test_provenance_is_consistent(case):
    X, y = make_data(case.data)
    fix = case.make()
    X_out, y_out = fit_resample(fix, X, y)[:2]
    source, synthetic = fix.source_indices_, fix.is_synthetic_
    assert len(source) == len(synthetic) == len(y_out) == len(X_out)
    assert synthetic.dtype == bool
    assert np.all((source >= 0) & (source < len(y)))
    kept = ~synthetic
    assert rows_equal(X_out[kept], X, source[kept])


@pytest.mark.parametrize("case", CASES)
def test_weights_follow_rows(case):
    X, y = make_data(case.data)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    fix = case.make()
    output = fit_resample(fix, X, y, sample_weight=weights)
    assert len(output) == 3, "weights in must give weights out"
    weights_out = output[2]
    assert weights_out.shape == (len(output[1]),)
    assert np.all(np.isfinite(weights_out)) and np.all(weights_out >= 0)
    # Doubling every incoming weight doubles every outgoing weight: weights are
    # carried (times whatever the fix multiplies in), never replaced.
    doubled = fit_resample(clone(fix), X, y, sample_weight=2 * weights)[2]
    np.testing.assert_allclose(doubled, 2 * weights_out, rtol=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_deterministic_under_random_state(case):
    if case.random:
        assert "random_state" in case.make().get_params(), "a random fix must take random_state"
        assert case.make().get_params()["random_state"] is not None, "registry must fix random_state"
    X, y = make_data(case.data)
    first = fit_resample(case.make(), X, y)
    second = fit_resample(case.make(), X, y)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("case", CASES)
def test_skipped_at_predict_time(case):
    X, y = make_data(case.data)
    steps = [("fix", case.make())]
    if case.data == "images":
        steps.append(("flatten", FunctionTransformer(_flatten)))
    steps.append(("model", LogisticRegression(max_iter=500)))
    pipe = dfx.Pipeline(steps).fit(X, y)
    assert len(pipe.source_indices_) == len(pipe.is_synthetic_)
    features = _flatten(X) if case.data == "images" else X
    np.testing.assert_array_equal(pipe.predict(X), pipe[-1].predict(features))
    np.testing.assert_allclose(pipe.predict_proba(X), pipe[-1].predict_proba(features))
    assert pipe.score(X, y) == pipe[-1].score(features, y)


def _bad_inputs(kind):
    X, y = make_data(kind)
    y_float = y.astype(float)
    y_float[3] = np.nan
    return {
        "nan-labels": (X, y_float, "missing labels"),
        "single-class": (X, np.zeros(len(y), dtype=int), "only one class"),
        "empty": (X[:0], y[:0], "empty|no rows"),
        "mismatched-lengths": (X, y[:-1], "different lengths"),
        "2d-y": (X, y.reshape(-1, 1), "1-D"),
    }


@pytest.mark.parametrize("problem", ["nan-labels", "single-class", "empty", "mismatched-lengths", "2d-y"])
@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_clear_error(case, problem):
    X, y, message = _bad_inputs(case.data)[problem]
    with pytest.raises(ValueError, match=message):
        case.make().fit_resample(X, y)


@pytest.mark.parametrize("case", CASES)
def test_usable_inside_imblearn_pipeline_when_no_weights(case):
    from imblearn.pipeline import Pipeline as ImblearnPipeline

    X, y = make_data(case.data)
    output = fit_resample(case.make(), X, y)
    if len(output) == 3:
        pytest.skip("this fix produces weights, which imbalanced-learn's pipeline cannot carry")
    steps = [("fix", case.make())]
    if case.data == "images":
        steps.append(("flatten", FunctionTransformer(_flatten)))
    steps.append(("model", LogisticRegression(max_iter=500)))
    pipe = ImblearnPipeline(steps).fit(X, y)
    assert pipe.predict(X).shape == (len(y),)
