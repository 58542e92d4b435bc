"""LabelCleaner: find label errors in the training set and drop, relabel or down-weight them."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .._compat import HasMethods, Interval, StrOptions
from ..base import BaseFix, Resampled
from .issues import LABEL_ISSUE_METHODS, find_label_issues

__all__ = ["LabelCleaner", "LABEL_CLEANER_ACTIONS"]

LABEL_CLEANER_ACTIONS = ("drop", "relabel", "downweight")


class LabelCleaner(BaseFix):
    """A fix that finds the training rows whose label is probably wrong and deals with them.

    At fit time it runs :func:`datafix.find_label_issues` on the training set
    it is given - inside :class:`datafix.Pipeline` under ``cross_validate`` or
    ``GridSearchCV`` that is the training fold only, so the validation fold
    never leaks into the cleaning - and then:

    ``action="drop"``
        removes the flagged rows (the others keep their order, labels and
        weights);
    ``action="relabel"``
        gives each flagged row its ``suggested_label``;
    ``action="downweight"``
        multiplies each flagged row's weight (1 when no weights came in) by
        its ``label_quality``; the output always carries weights.

    At predict time it does nothing.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, optional
        The model for the out-of-fold probabilities; ``None`` uses
        :func:`datafix.labels.make_default_estimator`.
    action : {"drop", "relabel", "downweight"}, default="drop"
    method : {"auto", "confident_learning", "knn"}, default="auto"
        See :func:`datafix.find_label_issues`.
    cv : int or splitter, default=5
        Folds for the out-of-fold probabilities; every class of the training
        set needs at least ``cv`` rows.
    n_jobs : int, default=None
        Parallel folds through joblib (a Dask or Ray backend distributes them).
    random_state : int, RandomState instance or None, default=None
        Makes the folds reproducible.

    Attributes
    ----------
    label_issues_ : DataFrame
        :func:`datafix.find_label_issues`'s result on the training set.
    n_issues_ : int
        The number of flagged rows.
    classes_ : ndarray
        The classes of the training labels.
    source_indices_, is_synthetic_ : ndarray
        Provenance: the kept rows (``"drop"``) or every row.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from datafix import LabelCleaner
    >>> from datafix.datasets import make_label_noise
    >>> X, y = load_iris(return_X_y=True)
    >>> y_noisy, is_flipped = make_label_noise(y, rate=0.1, random_state=0)
    >>> cleaner = LabelCleaner(random_state=0)
    >>> X_clean, y_clean = cleaner.fit_resample(X, y_noisy)
    >>> len(y_clean) == len(y) - cleaner.n_issues_
    True
    >>> relabelled = LabelCleaner(action="relabel", random_state=0).fit_resample(X, y_noisy)[1]
    >>> bool((relabelled == y).mean() > (y_noisy == y).mean())
    True
    """

    _parameter_constraints = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "action": [StrOptions(set(LABEL_CLEANER_ACTIONS))],
        "method": [StrOptions(set(LABEL_ISSUE_METHODS))],
        "cv": [Interval(Integral, 2, None, closed="left"), "cv_object"],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, action="drop", method="auto", cv=5, n_jobs=None, random_state=None):
        self.estimator = estimator
        self.action = action
        self.method = method
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit_resample(self, X, y, sample_weight):
        issues = find_label_issues(
            X,
            y,
            estimator=self.estimator,
            method=self.method,
            cv=self.cv,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        self.label_issues_ = issues
        is_issue = issues["is_label_issue"].to_numpy(dtype=bool)
        self.n_issues_ = int(is_issue.sum())
        n_rows = len(y)
        if self.action == "drop":
            return Resampled(np.flatnonzero(~is_issue))
        if self.action == "relabel":
            suggested = issues["suggested_label"].to_numpy()
            new_labels = y.copy()
            new_labels[is_issue] = suggested[is_issue]
            return Resampled(np.arange(n_rows), y=new_labels)
        factor = np.where(is_issue, issues["label_quality"].to_numpy(dtype=np.float64), 1.0)
        weights = factor if sample_weight is None else sample_weight * factor
        return Resampled(np.arange(n_rows), sample_weight=weights)
