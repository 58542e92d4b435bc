"""Out-of-fold predicted probabilities: every row judged by a model that never saw it.

The folds are fitted through :class:`joblib.Parallel`, so whatever joblib
backend is active runs them: processes on this machine with ``n_jobs``, or a
Dask cluster with ``joblib.parallel_config(backend="dask")`` (and Ray with its
joblib backend), with no change to datafix.
"""

from __future__ import annotations

import time
from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
)
from sklearn.utils.validation import has_fit_parameter

from .._progress import Progress
from .._tabular import plain_value, take_rows
from ..validation import check_features, check_labels, check_sample_weight, num_rows
from ._encoding import make_default_estimator

__all__ = ["out_of_fold_proba"]




def check_cv_counts(classes, counts, n_folds: int) -> None:
    """A class needs at least one row per fold; say which class falls short and what to do."""
    short = np.flatnonzero(counts < n_folds)
    if len(short) == 0:
        return
    k = short[np.argmin(counts[short])]
    label, count = plain_value(classes[k]), int(counts[k])
    others = f" ({len(short) - 1} other classes too)" if len(short) > 1 else ""
    if count == 1:
        raise ValueError(
            f"class {label!r} has a single row{others}: out-of-fold probabilities need at least cv={n_folds} "
            f"rows per class, one per fold, and a label seen once cannot be judged against others of its "
            f"class. Drop or relabel that row, or merge the class into another."
        )
    raise ValueError(
        f"class {label!r} has {count} rows but cv={n_folds} needs at least {n_folds}{others}: every fold "
        f"must hold a row of every class. Lower cv (cv={max(2, count)} would do) or drop the class."
    )


def check_groups(groups, n_rows: int, cv) -> np.ndarray | None:
    """Validate ``groups`` (one group label per row) against the rows and the number of folds."""
    if groups is None:
        return None
    values = groups.to_numpy() if isinstance(groups, pd.Series) else np.asarray(groups)
    if values.ndim != 1:
        raise ValueError(f"groups must be 1-D (one group label per row), got shape {values.shape}.")
    if len(values) != n_rows:
        raise ValueError(
            f"groups has {len(values)} entries but there are {n_rows} rows; pass one group label per row "
            f"(e.g. the patient or session id of each row)."
        )
    if np.asarray(pd.isna(values), dtype=bool).any():
        raise ValueError("groups has missing values; give every row a group (e.g. its own id where it has none).")
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        n_groups = len(pd.unique(values))
        if n_groups < cv:
            raise ValueError(
                f"groups has {n_groups} distinct groups but cv={cv} needs at least {cv}, one per test fold; "
                f"lower cv (cv={max(2, n_groups)} would do) or split the groups more finely."
            )
    return values


def _check_folds(cv, codes, classes, random_state, groups=None, *, n_rows=None):
    """The list of (train, test) folds for ``cv`` (an int, or a scikit-learn splitter), grouped if ``groups``.

    With class ``codes`` an int ``cv`` gives stratified folds; with ``codes=None`` (a continuous or
    multi-label target, ``n_rows`` rows) plain shuffled :class:`~sklearn.model_selection.KFold` (or
    :class:`~sklearn.model_selection.GroupKFold` with ``groups``), as cleanlab's regression
    ``CleanLearning`` splits (it shuffles with numpy's global generator instead of ``random_state``).
    """
    n_rows = len(codes) if codes is not None else int(n_rows)
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 (the number of folds), got {cv}.")
        if codes is None:
            if n_rows < cv:
                raise ValueError(f"there are {n_rows} rows but cv={cv} needs at least {cv}; lower cv.")
            if groups is None:
                splitter = KFold(n_splits=int(cv), shuffle=True, random_state=random_state)
            else:
                splitter = GroupKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
        else:
            check_cv_counts(classes, np.bincount(codes, minlength=len(classes)), int(cv))
            if groups is None:
                splitter = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
            else:  # no group in two folds: rows of one patient / session never judge each other
                splitter = StratifiedGroupKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
    elif hasattr(cv, "split") and not isinstance(cv, str):
        splitter = cv
    else:
        raise ValueError(
            f"cv must be an int (the number of stratified folds) or a scikit-learn splitter, got {cv!r}."
        )
    folds = list(splitter.split(np.zeros((n_rows, 1)), codes, groups))
    covered = np.zeros(n_rows, dtype=np.int64)
    for _, test in folds:
        covered[test] += 1
    if not np.all(covered == 1):
        raise ValueError(
            "cv must put every row in exactly one test fold (a partition, as KFold and StratifiedKFold "
            f"do); {int(np.sum(covered != 1))} rows are in none or several."
        )
    return folds


def _weight_parameter(estimator):
    """The fit keyword that carries ``sample_weight`` to ``estimator`` (a pipeline's last step), or None."""
    steps = getattr(estimator, "steps", None)
    if steps:
        name, last = steps[-1]
        return f"{name}__sample_weight" if last != "passthrough" and has_fit_parameter(last, "sample_weight") else None
    return "sample_weight" if has_fit_parameter(estimator, "sample_weight") else None


def check_fold_weights(estimator, sample_weight, n_rows: int):
    """``(keyword, weights)`` for the fold fits; a clear error when the model cannot take weights."""
    weights = check_sample_weight(sample_weight, n_rows)
    if weights is None:
        return None, None
    keyword = _weight_parameter(estimator)
    if keyword is None:
        raise ValueError(
            f"sample_weight was given but {type(estimator).__name__}.fit takes no sample_weight, so the "
            f"out-of-fold models cannot use it; pass an estimator that accepts sample_weight, or leave the "
            f"weights out."
        )
    # scaled to mean 1: a factor common to every row (a pipeline doubling all weights) changes nothing, where a
    # regularised model would otherwise read it as weaker regularisation
    return keyword, weights / weights.mean()


def _fit_predict_fold(estimator, X, codes, train, test, n_classes: int, fold: int, weight_keyword=None,
                      weights=None, output="proba"):
    """Fit a clone on the training rows and predict the test rows.

    ``output="proba"``: class probabilities in class-code columns; ``"predict"``: a regressor's
    predictions (one column); ``"multilabel"``: each label's probability of being present
    (``codes`` is then the 0/1 indicator matrix).
    """
    started = time.perf_counter()
    fit_params = {} if weights is None else {weight_keyword: weights[train]}
    model = clone(estimator).fit(take_rows(X, train), codes[train], **fit_params)
    if output == "predict":
        full = np.asarray(model.predict(take_rows(X, test)), dtype=np.float64).reshape(len(test), 1)
    elif output == "multilabel":
        full = label_presence_proba(model, take_rows(X, test), n_classes)
    else:
        proba = np.asarray(model.predict_proba(take_rows(X, test)), dtype=np.float64)
        columns = np.asarray(model.classes_, dtype=np.intp)
        full = np.zeros((len(test), n_classes), dtype=np.float64)
        full[:, columns] = proba
    return fold, test, full, time.perf_counter() - started


def label_presence_proba(model, X, n_labels: int) -> np.ndarray:
    """Each label's probability of being present, from a fitted multi-label model.

    ``OneVsRestClassifier`` returns an (n, n_labels) matrix; ``MultiOutputClassifier`` and forests a
    list of (n, 2) matrices, one per label, whose column for class 1 is taken (0 where a label was
    always absent in the training rows, 1 where always present).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.multioutput import MultiOutputClassifier
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from datafix.labels.out_of_fold import label_presence_proba
    >>> X = np.arange(8.0).reshape(-1, 1)
    >>> Y = np.array([[0, 1], [0, 1], [0, 1], [0, 1], [1, 1], [1, 1], [1, 1], [1, 1]])
    >>> model = MultiOutputClassifier(DecisionTreeClassifier(max_depth=1)).fit(X, Y)
    >>> label_presence_proba(model, X, 2)[[0, 7]].tolist()     # label 1 was always present
    [[0.0, 1.0], [1.0, 1.0]]
    """
    proba = model.predict_proba(X)
    if isinstance(proba, list):
        columns = []
        for label_proba, label_classes in zip(proba, model.classes_):
            label_proba = np.asarray(label_proba, dtype=np.float64)
            present = np.flatnonzero(np.asarray(label_classes) == 1)
            columns.append(label_proba[:, present[0]] if len(present) else np.zeros(len(label_proba)))
        proba = np.column_stack(columns)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[1] != n_labels:
        raise ValueError(
            f"the multi-label model's predict_proba gave shape {proba.shape}, not (n_rows, {n_labels}); pass a "
            f"model that predicts one probability per label, e.g. OneVsRestClassifier(LogisticRegression())."
        )
    return proba


def out_of_fold_proba(estimator, X, y, *, cv=5, groups=None, sample_weight=None, n_jobs=None, random_state=None,
                      verbose=False):
    """Predicted class probabilities for every row from a model fitted without that row.

    The rows are split into ``cv`` stratified folds; for each fold a clone of
    ``estimator`` is fitted on the other folds and predicts the fold. The
    folds run through :class:`joblib.Parallel`, so under
    ``joblib.parallel_config(backend="dask")`` a Dask cluster fits them.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, or None
        Cloned for each fold, never fitted itself. ``None`` uses
        :func:`datafix.labels.make_default_estimator` (a scaled logistic
        regression that handles categorical and missing values).
    X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
        Features, as the estimator accepts them. Never modified.
    y : array-like of shape (n_samples,)
        Class labels. Every class needs at least ``cv`` rows.
    cv : int or splitter, default=5
        The number of stratified, shuffled folds, or a scikit-learn splitter
        whose test folds partition the rows.
    groups : array-like of shape (n_samples,), optional
        A group label per row (a patient, a session, a source). With an int
        ``cv`` the folds are :class:`~sklearn.model_selection.StratifiedGroupKFold`:
        no group is split between a fold's training and test rows, so rows of
        one group never vouch for each other's labels. Passed to a splitter's
        ``split`` otherwise (``GroupKFold`` and friends need it).
    sample_weight : array-like of shape (n_samples,), optional
        Passed to each fold model's ``fit`` (its training rows' weights; for a
        pipeline, to its last step), scaled to mean 1 so that a factor common
        to all rows changes nothing. A model whose ``fit`` takes no
        ``sample_weight`` is an error.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib's meaning: ``None`` is 1 unless a
        ``joblib.parallel_config`` says otherwise, ``-1`` all cores).
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds reproducibly (the estimator's own randomness is
        its own parameter).
    verbose : bool, default=False
        Print one line per finished fold on stderr.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Row ``i`` is the fold model's ``predict_proba`` for row ``i``, columns
        in the order of the sorted classes of ``y``. A class absent from a
        fold's training rows (possible only with a custom splitter) gets 0.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from datafix import out_of_fold_proba
    >>> X, y = load_iris(return_X_y=True)
    >>> proba = out_of_fold_proba(LogisticRegression(max_iter=500), X, y, random_state=0)
    >>> proba.shape, bool(abs(proba.sum(axis=1) - 1).max() < 1e-9)
    ((150, 3), True)
    >>> float((proba.argmax(axis=1) == y).mean()) > 0.9
    True
    """
    X = check_features(X)
    labels = check_labels(y, n_rows=num_rows(X))
    classes, codes = np.unique(labels, return_inverse=True)
    groups = check_groups(groups, len(codes), cv)
    folds = _check_folds(cv, codes, classes, random_state, groups)
    if estimator is None:
        estimator = make_default_estimator(X)
    elif not hasattr(estimator, "fit") or not hasattr(estimator, "predict_proba"):
        raise ValueError(
            f"estimator must be a classifier with fit and predict_proba, got {type(estimator).__name__}; "
            f"for a model without probabilities wrap it, e.g. CalibratedClassifierCV(model)."
        )
    weight_keyword, weights = check_fold_weights(estimator, sample_weight, len(codes))
    return _run_folds(estimator, X, codes, folds, len(classes), n_jobs=n_jobs, verbose=verbose,
                      weight_keyword=weight_keyword, weights=weights)


def _run_folds(estimator, X, codes, folds, n_classes, *, n_jobs=None, verbose=False, weight_keyword=None,
               weights=None, output="proba"):
    width = 1 if output == "predict" else n_classes
    proba = np.zeros((len(codes), width), dtype=np.float64)
    name = type(estimator).__name__
    jobs = (
        delayed(_fit_predict_fold)(estimator, X, codes, train, test, n_classes, fold, weight_keyword, weights,
                                   output)
        for fold, (train, test) in enumerate(folds)
    )
    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs)
    progress = Progress(len(folds), enabled=verbose, label=f"datafix out-of-fold {name}", unit="fold")
    for fold, test, fold_proba, seconds in results:
        proba[test] = fold_proba
        progress.advance(1, f"fold {fold + 1} done in {seconds:.1f} s")
    progress.close()
    return proba[:, 0] if output == "predict" else proba
