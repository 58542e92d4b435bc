"""Check that a fix keeps the fix contract: the analogue of scikit-learn's ``check_estimator``.

:func:`check_fix` runs every check on one fix; :func:`parametrize_with_fix_checks`
turns a list of fixes into one pytest test per (fix, check) pair. datafix's
own conformance suite (``tests/common``) is built from these, so a fix you
write is held to exactly the rules datafix's fixes are held to:

``clone_and_params``
    ``clone`` gives an unfitted twin with the same parameters; fitting adds
    ``source_indices_``.
``no_input_mutation``
    ``X``, ``y`` and ``sample_weight`` (arrays, DataFrames, Series) are left
    untouched.
``pandas_round_trip``
    DataFrame in, DataFrame out: same columns and dtypes, the label Series
    keeps its name, kept rows keep their index labels, synthetic rows get
    labels that do not collide with existing ones.
``provenance``
    ``source_indices_`` and ``is_synthetic_`` describe every output row;
    kept rows equal their source rows.
``weights_follow_rows``
    weights in give weights out, carried (doubling every incoming weight
    doubles every outgoing one), finite and non-negative.
``deterministic``
    two fits give identical output (a random fix takes ``random_state``).
``skipped_at_predict``
    inside :class:`datafix.Pipeline` the fix changes nothing at predict time.
``bad_input``
    NaN labels, a single class, empty input, mismatched lengths and a 2-D
    ``y`` raise a ``ValueError`` that names the problem.
``imblearn_pipeline``
    a fix that produces no weights runs inside ``imblearn.pipeline.Pipeline``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from .pipeline import Pipeline

__all__ = ["check_fix", "parametrize_with_fix_checks", "FIX_CHECKS", "make_fix_data"]


def make_fix_data(kind: str = "tabular"):
    """Small imbalanced 3-class data of the kind a fix takes: ``"tabular"`` (150 x 5) or ``"images"``
    (61 uint8 images of 8 x 8).

    Examples
    --------
    >>> from datafix.testing import make_fix_data
    >>> X, y = make_fix_data()
    >>> X.shape, sorted(set(y.tolist()))
    ((150, 5), [0, 1, 2])
    """
    if kind == "images":
        rng = np.random.RandomState(0)
        y = np.repeat([0, 1, 2], [40, 15, 6])
        X = rng.randint(0, 256, size=(len(y), 8, 8)).astype(np.uint8)
        X[y == 1, :4] //= 2  # make classes somewhat separable
        return X, y
    if kind != "tabular":
        raise ValueError(f"data must be 'tabular' or 'images', got {kind!r}.")
    from sklearn.datasets import make_classification

    return make_classification(n_samples=150, n_features=5, n_informative=3, n_redundant=0, n_classes=3,
                               weights=[0.6, 0.3, 0.1], class_sep=1.5, random_state=0)


def _as_pandas(X, y):
    frame = pd.DataFrame(X, columns=[f"feature_{i}" for i in range(X.shape[1])])
    frame["feature_0"] = frame["feature_0"].astype(np.float32)  # a second dtype that must survive
    index = pd.Index(1000 + 3 * np.arange(len(y)), name="row_id")
    frame.index = index
    labels = pd.Series(np.array(["ant", "bee", "cat"])[y], index=index, name="species")
    return frame, labels


def _fit_resample(fix, X, y, sample_weight=None):
    output = fix.fit_resample(X, y, sample_weight=sample_weight)
    assert isinstance(output, tuple) and len(output) in (2, 3), \
        f"fit_resample must return (X, y) or (X, y, sample_weight), got {type(output).__name__}"
    return output


def _flatten(X):
    return np.asarray(X).reshape(len(X), -1)


def _rows_equal(X_out, X_in, source):
    X_out = X_out.to_numpy() if isinstance(X_out, pd.DataFrame) else np.asarray(X_out)
    X_in = X_in.to_numpy() if isinstance(X_in, pd.DataFrame) else np.asarray(X_in)
    return np.array_equal(X_out, X_in[source])


def check_clone_and_params(fix, data="tabular"):
    params = fix.get_params()
    twin = clone(fix)
    assert twin.get_params().keys() == params.keys(), "clone changed the parameter names"
    twin.set_params(**fix.get_params(deep=False))
    assert not hasattr(twin, "source_indices_"), "a clone must be unfitted"
    X, y = make_fix_data(data)
    fitted = clone(fix)
    _fit_resample(fitted, X, y)
    assert hasattr(fitted, "source_indices_"), "fitting must set source_indices_"
    assert not hasattr(clone(fitted), "source_indices_"), "a clone of a fitted fix must be unfitted"


def check_no_input_mutation(fix, data="tabular"):
    X, y = make_fix_data(data)
    weights = np.linspace(0.5, 2.0, len(y))
    X_before, y_before, w_before = X.copy(), y.copy(), weights.copy()
    _fit_resample(clone(fix), X, y, sample_weight=weights)
    np.testing.assert_array_equal(X, X_before, err_msg="the fix modified X")
    np.testing.assert_array_equal(y, y_before, err_msg="the fix modified y")
    np.testing.assert_array_equal(weights, w_before, err_msg="the fix modified sample_weight")
    if data == "tabular":
        frame, labels = _as_pandas(X, y)
        frame_before, labels_before = frame.copy(), labels.copy()
        _fit_resample(clone(fix), frame, labels)
        pd.testing.assert_frame_equal(frame, frame_before)
        pd.testing.assert_series_equal(labels, labels_before)


def check_pandas_round_trip(fix, data="tabular"):
    if data != "tabular":
        return  # image batches are numpy arrays; a DataFrame cannot hold them
    frame, labels = _as_pandas(*make_fix_data(data))
    fix = clone(fix)
    X_out, y_out = _fit_resample(fix, frame, labels)[:2]
    assert isinstance(X_out, pd.DataFrame) and isinstance(y_out, pd.Series), "pandas in must give pandas out"
    assert list(X_out.columns) == list(frame.columns), "column names changed"
    assert X_out.dtypes.equals(frame.dtypes), "column dtypes changed"
    assert y_out.name == labels.name, "the label Series lost its name"
    assert X_out.index.equals(y_out.index), "X and y disagree on the index"
    kept = ~fix.is_synthetic_
    assert X_out.index[kept].equals(frame.index[fix.source_indices_[kept]]), "kept rows lost their index labels"
    assert not set(X_out.index[~kept]) & set(frame.index), "synthetic rows reuse existing index labels"
    assert set(y_out.unique()) <= set(labels.unique()), "new class labels appeared"


def check_provenance(fix, data="tabular"):
    X, y = make_fix_data(data)
    fix = clone(fix)
    X_out, y_out = _fit_resample(fix, X, y)[:2]
    source, synthetic = fix.source_indices_, fix.is_synthetic_
    assert len(source) == len(synthetic) == len(y_out) == len(X_out), "provenance does not cover every output row"
    assert synthetic.dtype == bool, "is_synthetic_ must be boolean"
    assert np.all((source >= 0) & (source < len(y))), "source_indices_ point outside the input"
    kept = ~synthetic
    assert _rows_equal(X_out[kept], X, source[kept]), "a kept row differs from its source row"


def check_weights_follow_rows(fix, data="tabular"):
    X, y = make_fix_data(data)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    output = _fit_resample(clone(fix), X, y, sample_weight=weights)
    assert len(output) == 3, "weights in must give weights out"
    weights_out = output[2]
    assert weights_out.shape == (len(output[1]),), "one weight per output row"
    assert np.all(np.isfinite(weights_out)) and np.all(weights_out >= 0), "weights must be finite and >= 0"
    # doubling every incoming weight doubles every outgoing weight: weights are carried, never replaced
    doubled = _fit_resample(clone(fix), X, y, sample_weight=2 * weights)[2]
    np.testing.assert_allclose(doubled, 2 * weights_out, rtol=1e-9, err_msg="weights are not carried")


def check_deterministic(fix, data="tabular"):
    X, y = make_fix_data(data)
    params = fix.get_params()
    if "random_state" in params and params["random_state"] is None:
        fix = clone(fix).set_params(random_state=0)
    first = _fit_resample(clone(fix), X, y)
    second = _fit_resample(clone(fix), X, y)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg="two fits gave different output")


def check_skipped_at_predict(fix, data="tabular"):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer

    X, y = make_fix_data(data)
    steps = [("fix", clone(fix))]
    if data == "images":
        steps.append(("flatten", FunctionTransformer(_flatten)))
    steps.append(("model", LogisticRegression(max_iter=500)))
    pipe = Pipeline(steps).fit(X, y)
    assert len(pipe.source_indices_) == len(pipe.is_synthetic_)
    features = _flatten(X) if data == "images" else X
    np.testing.assert_array_equal(pipe.predict(X), pipe[-1].predict(features), err_msg="the fix acted at predict")
    np.testing.assert_allclose(pipe.predict_proba(X), pipe[-1].predict_proba(features))
    assert pipe.score(X, y) == pipe[-1].score(features, y)


def check_bad_input(fix, data="tabular"):
    import re

    X, y = make_fix_data(data)
    y_float = y.astype(float)
    y_float[3] = np.nan
    cases = {
        "NaN labels": (X, y_float, "missing labels"),
        "a single class": (X, np.zeros(len(y), dtype=int), "only one class"),
        "empty input": (X[:0], y[:0], "empty|no rows"),
        "mismatched lengths": (X, y[:-1], "different lengths"),
        "a 2-D y": (X, y.reshape(-1, 1), "1-D"),
    }
    for problem, (X_bad, y_bad, message) in cases.items():
        try:
            clone(fix).fit_resample(X_bad, y_bad)
        except ValueError as error:
            assert re.search(message, str(error)), f"{problem}: the error does not say so: {error}"
        else:
            raise AssertionError(f"{problem}: fit_resample raised no ValueError")


def check_imblearn_pipeline(fix, data="tabular"):
    from imblearn.pipeline import Pipeline as ImblearnPipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer

    X, y = make_fix_data(data)
    if len(_fit_resample(clone(fix), X, y)) == 3:
        return  # a fix that produces weights cannot run in imbalanced-learn's pipeline, which drops them
    steps = [("fix", clone(fix))]
    if data == "images":
        steps.append(("flatten", FunctionTransformer(_flatten)))
    steps.append(("model", LogisticRegression(max_iter=500)))
    assert ImblearnPipeline(steps).fit(X, y).predict(X).shape == (len(y),)


#: Every check, by name, in the order :func:`check_fix` runs them.
FIX_CHECKS = {
    "clone_and_params": check_clone_and_params,
    "no_input_mutation": check_no_input_mutation,
    "pandas_round_trip": check_pandas_round_trip,
    "provenance": check_provenance,
    "weights_follow_rows": check_weights_follow_rows,
    "deterministic": check_deterministic,
    "skipped_at_predict": check_skipped_at_predict,
    "bad_input": check_bad_input,
    "imblearn_pipeline": check_imblearn_pipeline,
}


def check_fix(fix, *, data: str = "tabular", checks=None) -> list:
    """Run the fix contract's checks on ``fix``; raise ``AssertionError`` naming the first that fails.

    Parameters
    ----------
    fix : fix
        An unfitted fix (anything with ``fit_resample`` that records
        provenance); it is cloned for every check, never fitted itself.
    data : {"tabular", "images"}, default="tabular"
        The kind of data the fix takes (see :func:`make_fix_data`).
    checks : list of str, optional
        Run only these (names of :data:`FIX_CHECKS`).

    Returns
    -------
    list of str
        The names of the checks that ran.

    Examples
    --------
    >>> import datafix as dfx
    >>> from datafix.testing import check_fix
    >>> check_fix(dfx.ClassWeighter())[:3]
    ['clone_and_params', 'no_input_mutation', 'pandas_round_trip']
    """
    names = list(FIX_CHECKS) if checks is None else list(checks)
    unknown = [name for name in names if name not in FIX_CHECKS]
    if unknown:
        raise ValueError(f"unknown checks {unknown}; the checks are: {', '.join(FIX_CHECKS)}.")
    for name in names:
        try:
            FIX_CHECKS[name](fix, data)
        except AssertionError as error:
            raise AssertionError(f"{type(fix).__name__} fails the {name!r} check: {error}") from error
    return names


def parametrize_with_fix_checks(fixes, *, data: str = "tabular", ids=None):
    """A pytest decorator: one test per (fix, check) pair, like scikit-learn's ``parametrize_with_checks``.

    The decorated test takes ``fix`` and ``check`` and calls ``check(fix)``.

    Parameters
    ----------
    fixes : list of fixes
    data : {"tabular", "images"}, default="tabular"
    ids : list of str, optional
        Test ids of the fixes (default: their class names).

    Examples
    --------
    >>> import datafix as dfx
    >>> from datafix.testing import parametrize_with_fix_checks
    >>> @parametrize_with_fix_checks([dfx.ClassWeighter()])
    ... def test_my_fix(fix, check):
    ...     check(fix)
    >>> len(test_my_fix.pytestmark[0].args[1])
    9
    """
    import functools

    import pytest

    ids = ids or [type(fix).__name__ for fix in fixes]
    params = [
        pytest.param(fix, functools.partial(check, data=data), id=f"{name}-{check_name}")
        for fix, name in zip(fixes, ids)
        for check_name, check in FIX_CHECKS.items()
    ]
    return pytest.mark.parametrize("fix, check", params)
