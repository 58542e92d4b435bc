"""out_of_fold_proba: agreement with scikit-learn's cross_val_predict, clear errors, progress."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from datafix import out_of_fold_proba


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_features=6, n_informative=4, n_classes=3, random_state=0)
    return X, np.array(["zebra", "ant", "moose"])[y]


def test_matches_cross_val_predict(data):
    X, y = data
    proba = out_of_fold_proba(LogisticRegression(max_iter=500), X, y, cv=4, random_state=1)
    classes, codes = np.unique(y, return_inverse=True)
    expected = cross_val_predict(
        LogisticRegression(max_iter=500), X, codes,
        cv=StratifiedKFold(4, shuffle=True, random_state=1), method="predict_proba",
    )
    np.testing.assert_allclose(proba, expected, rtol=1e-10, atol=1e-12)
    # columns follow the sorted classes: the most probable column is mostly the label
    assert (classes[proba.argmax(axis=1)] == y).mean() > 0.7


def test_parallel_equals_sequential_and_is_reproducible(data):
    X, y = data
    one = out_of_fold_proba(LogisticRegression(max_iter=500), X, y, random_state=0, n_jobs=1)
    with joblib.parallel_config(backend="threading"):  # the parallel path, without process start-up
        two = out_of_fold_proba(LogisticRegression(max_iter=500), X, y, random_state=0, n_jobs=2)
    again = out_of_fold_proba(LogisticRegression(max_iter=500), X, y, random_state=0)
    np.testing.assert_allclose(one, two)
    np.testing.assert_array_equal(one, again)


def test_default_estimator_on_categorical_and_missing():
    rng = np.random.RandomState(0)
    n = 200
    y = rng.randint(0, 2, n)
    frame = pd.DataFrame({
        "size": np.where(rng.rand(n) < 0.1, np.nan, y * 2.0 + rng.randn(n)),
        "colour": pd.Series(np.where(y == 1, "red", "blue"), dtype="category"),
        "shape": np.where(rng.rand(n) < 0.2, None, np.where(rng.rand(n) < 0.5, "round", "square")).astype(object),
        "flag": rng.rand(n) < 0.5,
    })
    frame.loc[::17, "colour"] = np.nan
    before = frame.copy()
    proba = out_of_fold_proba(None, frame, y, random_state=0)
    pd.testing.assert_frame_equal(frame, before)
    assert proba.shape == (n, 2) and np.allclose(proba.sum(axis=1), 1)
    assert (proba.argmax(axis=1) == y).mean() > 0.9


def test_default_estimator_imputes_only_arrays_with_missing_values(data):
    from sklearn.impute import SimpleImputer

    from datafix.labels import make_default_estimator

    X, y = data
    step_types = [type(step) for _, step in make_default_estimator(X).steps]
    assert SimpleImputer not in step_types
    holed = X.copy()
    holed[::7, 0] = np.nan
    assert SimpleImputer in [type(step) for _, step in make_default_estimator(holed).steps]
    proba = out_of_fold_proba(None, holed, y, random_state=0)
    codes = np.unique(y, return_inverse=True)[1]
    assert np.isfinite(proba).all() and (proba.argmax(axis=1) == codes).mean() > 0.6  # 3 classes: chance is 1/3


def test_verbose_reports_each_fold_on_stderr(data, capsys):
    X, y = data
    out_of_fold_proba(LogisticRegression(max_iter=500), X, y, cv=3, random_state=0, verbose=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("datafix out-of-fold LogisticRegression") for line in lines)
    assert all("done" in line for line in lines) and "3/3" in lines[-1]  # a line per fold, then the total
    out_of_fold_proba(LogisticRegression(max_iter=500), X, y, cv=3, random_state=0)
    assert capsys.readouterr().err == ""


def test_custom_splitter(data):
    X, y = data
    splitter = StratifiedKFold(3, shuffle=True, random_state=5)
    proba = out_of_fold_proba(LogisticRegression(max_iter=500), X, y, cv=splitter)
    assert proba.shape == (len(y), 3)


def test_class_with_fewer_rows_than_cv():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.array(["cat"] * 3 + ["dog"] * 17)
    with pytest.raises(ValueError, match=r"class 'cat' has 3 rows but cv=5 needs at least 5.*Lower cv"):
        out_of_fold_proba(None, X, y)
    y_single = np.array(["cat"] + ["dog"] * 19)
    with pytest.raises(ValueError, match="class 'cat' has a single row"):
        out_of_fold_proba(None, X, y_single)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cv": 1}, "cv must be at least 2"),
        ({"cv": "five"}, "cv must be an int"),
        ({"estimator": LinearSVC()}, "predict_proba"),
    ],
)
def test_bad_arguments(data, kwargs, message):
    X, y = data
    kwargs = {"estimator": None, **kwargs}
    estimator = kwargs.pop("estimator")
    with pytest.raises(ValueError, match=message):
        out_of_fold_proba(estimator, X, y, **kwargs)


def test_bad_labels(data):
    X, y = data
    y_nan = np.where(np.arange(len(y)) == 4, None, y)
    with pytest.raises(ValueError, match="missing labels"):
        out_of_fold_proba(None, X, y_nan)
    with pytest.raises(ValueError, match="different lengths"):
        out_of_fold_proba(None, X, y[:-1])
