"""Label errors in a multi-label target (a 0/1 indicator matrix, one column per label).

:func:`datafix.find_label_issues` comes here when ``y`` is 2-D (or with
``target_type="multilabel"``). The evidence is each label's **out-of-fold**
probability of being present, from a one-vs-rest model
(:class:`~sklearn.multiclass.OneVsRestClassifier` around the default logistic
regression, on the shared encoding; any model whose ``predict_proba`` gives
one column per label, or a list of per-label ``(n, 2)`` matrices as
:class:`~sklearn.multioutput.MultiOutputClassifier` does, can be passed).
The folds are shuffled :class:`~sklearn.model_selection.KFold` (or
:class:`~sklearn.model_selection.GroupKFold` with ``groups``).

The decision is cleanlab's: :func:`cleanlab.multilabel_classification.filter.find_label_issues`
(confident learning one label at a time, prune by noise rate; a row is
flagged when any of its labels looks wrong) and
:func:`cleanlab.multilabel_classification.rank.get_label_quality_scores`
for ``label_quality``. ``suggested_label`` is the set of labels whose
probability is above 0.5; at exactly 0.5 the given value is kept (ties go to
the given label).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._tabular import plain_value
from ._encoding import default_classifier
from .out_of_fold import _run_folds, check_fold_weights

__all__ = ["check_multilabel_target", "default_multilabel_classifier", "multilabel_issues"]


def default_multilabel_classifier():
    """One-vs-rest logistic regression: the default model for a multi-label target (on the shared encoding).

    Examples
    --------
    >>> from datafix.labels.multilabel import default_multilabel_classifier
    >>> default_multilabel_classifier()
    OneVsRestClassifier(estimator=LogisticRegression(max_iter=1000))
    """
    from sklearn.multiclass import OneVsRestClassifier

    return OneVsRestClassifier(default_classifier())


def check_multilabel_target(y, n_rows=None):
    """Validate a multi-label indicator matrix: ``(indicator as int8, label names)``.

    ``y`` is a 2-D array, sparse matrix or DataFrame of 0/1 (or booleans),
    one column per label; a DataFrame's column names name the labels, else
    the column positions. Every label must be present in two rows or more and
    absent from two rows or more (a label always on or always off cannot be
    judged).

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.multilabel import check_multilabel_target
    >>> indicator, names = check_multilabel_target(np.array([[1, 0], [0, 1], [1, 1], [0, 0]]))
    >>> indicator.dtype, names.tolist()
    (dtype('int8'), [0, 1])
    >>> check_multilabel_target(np.array([[1, 2], [0, 1], [1, 1], [0, 0]]))
    Traceback (most recent call last):
    ...
    ValueError: y is 2-D, which datafix reads as a multi-label indicator matrix (one 0/1 column per label), but it holds 2 (row 0, column 1); ...
    """
    if isinstance(y, pd.DataFrame):
        names = np.asarray(y.columns, dtype=object)
        values = y.to_numpy()
    elif sp.issparse(y):
        values = y.toarray()
        names = np.arange(values.shape[1])
    else:
        values = np.asarray(y)
        names = np.arange(values.shape[1]) if values.ndim == 2 else None
    if values.ndim != 2:
        raise ValueError(
            f"a multi-label y must be a 2-D 0/1 indicator matrix (one column per label), got shape {values.shape}; "
            f"turn lists of labels into one with sklearn.preprocessing.MultiLabelBinarizer().fit_transform(lists)."
        )
    if n_rows is not None and values.shape[0] != n_rows:
        raise ValueError(
            f"X and y have different lengths: X has {n_rows} rows, y has {values.shape[0]}. Pass one row of labels "
            f"per row of X."
        )
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.any():
        row, column = np.argwhere(missing)[0]
        raise ValueError(
            f"y has {int(missing.sum())} missing values (first at row {row}, column {plain_value(names[column])!r}); "
            f"a multi-label y needs 0 or 1 in every cell."
        )
    ok = np.isin(values, [0, 1]) if values.dtype.kind in "biuf" else np.zeros(values.shape, dtype=bool)
    if values.dtype == object:
        ok = np.vectorize(lambda v: isinstance(v, (bool, int, float, np.bool_, np.number)) and v in (0, 1),
                          otypes=[bool])(values)
    if not ok.all():
        row, column = np.argwhere(~ok)[0]
        raise ValueError(
            f"y is 2-D, which datafix reads as a multi-label indicator matrix (one 0/1 column per label), but it "
            f"holds {plain_value(values[row, column])!r} (row {row}, column {plain_value(names[column])!r}); for one "
            f"target pass a single column (y[:, 0] or df['target']), for lists of labels use "
            f"sklearn.preprocessing.MultiLabelBinarizer."
        )
    indicator = values.astype(np.int8)
    present = indicator.sum(axis=0)
    short = np.flatnonzero((present < 2) | (len(indicator) - present < 2))
    if len(short):
        k = short[0]
        state = "present in" if present[k] < 2 else "absent from"
        count = int(min(present[k], len(indicator) - present[k]))
        raise ValueError(
            f"label {plain_value(names[k])!r} of y is {state} only {count} rows: a label needs two rows with it and "
            f"two without to be judged. Drop that column of y."
        )
    return indicator, names


def check_label_proba(pred_proba, n_rows: int, n_labels: int) -> np.ndarray:
    """Per-label probabilities given by the caller: (n_rows, n_labels), each in [0, 1] (rows need not sum to 1).

    Examples
    --------
    >>> from datafix.labels.multilabel import check_label_proba
    >>> check_label_proba([[0.9, 0.8], [0.1, 0.3]], 2, 2).shape
    (2, 2)
    """
    values = pred_proba.to_numpy() if isinstance(pred_proba, pd.DataFrame) else np.asarray(pred_proba)
    if values.ndim != 2 or values.shape != (n_rows, n_labels) or values.dtype.kind not in "biuf":
        raise ValueError(
            f"pred_proba for a multi-label y must be numbers of shape ({n_rows}, {n_labels}), each label's "
            f"out-of-fold probability of being present; got shape {values.shape}."
        )
    values = values.astype(np.float64)
    if not np.isfinite(values).all() or values.min() < 0 or values.max() > 1:
        raise ValueError("pred_proba must hold probabilities in [0, 1] (no NaN or inf).")
    return values


def _label_lists(indicator):
    rows, columns = np.nonzero(indicator)
    cuts = np.searchsorted(rows, np.arange(1, len(indicator)))
    return [part.tolist() for part in np.split(columns, cuts)]


def multilabel_issues(X, encoded, indicator, names, *, estimator=None, pred_proba=None, folds=None,
                      sample_weight=None, n_jobs=None, index=None) -> pd.DataFrame:
    """The result of :func:`datafix.find_label_issues` for a multi-label target (inputs already validated).

    ``indicator`` is the 0/1 matrix of :func:`check_multilabel_target`, ``names``
    its label names; ``folds`` the (train, test) pairs of the out-of-fold fits
    (unused when ``pred_proba`` is given); ``estimator=None`` fits
    :func:`default_multilabel_classifier` on ``encoded``.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.multilabel import multilabel_issues
    >>> indicator = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1], [0, 0]] * 5)
    >>> proba = np.where(indicator == 1, 0.9, 0.1)
    >>> proba[0] = [0.05, 0.95]                       # row 0 looks like the other label
    >>> found = multilabel_issues(None, None, indicator, np.array(["a", "b"]), pred_proba=proba)
    >>> found.loc[0, "given_label"], found.loc[0, "suggested_label"], bool(found.loc[0, "is_label_issue"])
    (('a',), ('b',), True)
    """
    import cleanlab.multilabel_classification.filter as multilabel_filter
    import cleanlab.multilabel_classification.rank as multilabel_rank

    n_rows, n_labels = indicator.shape
    if pred_proba is None:
        if estimator is None:
            estimator, X = default_multilabel_classifier(), encoded
        elif not hasattr(estimator, "fit") or not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"estimator must be a multi-label classifier with fit and predict_proba, got "
                f"{type(estimator).__name__}; wrap a classifier, e.g. OneVsRestClassifier(model)."
            )
        weight_keyword, weights = check_fold_weights(estimator, sample_weight, n_rows)
        with warnings.catch_warnings():  # a label absent from a fold's training rows: OneVsRest predicts it constant
            warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
            warnings.filterwarnings("ignore", message="Label not .* is present in all training examples")
            proba = _run_folds(estimator, X, indicator, folds, n_labels, n_jobs=n_jobs,
                               weight_keyword=weight_keyword, weights=weights, output="multilabel")
    else:
        proba = pred_proba
    lists = _label_lists(indicator)
    is_issue = np.asarray(multilabel_filter.find_label_issues(lists, proba, n_jobs=1), dtype=bool)
    quality = np.asarray(multilabel_rank.get_label_quality_scores(lists, proba), dtype=np.float64)
    suggested = np.where(proba > 0.5, 1, np.where(proba < 0.5, 0, indicator))
    name_list = [plain_value(name) for name in names]

    def as_tuples(matrix):
        return [tuple(name_list[k] for k in row) for row in _label_lists(matrix)]

    result = pd.DataFrame(
        {
            "given_label": as_tuples(indicator),
            "suggested_label": as_tuples(suggested),
            "label_quality": quality,
            "is_label_issue": is_issue,
        },
        index=pd.RangeIndex(n_rows) if index is None else index,
    )
    result.attrs.update(target_type="multilabel", labels=name_list)
    return result
