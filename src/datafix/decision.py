"""Probabilities and decisions after a fix: prior correction and cost-sensitive prediction.

A fix that resamples rows or weights classes changes the class distribution a
model learns from, and a probabilistic classifier's ``predict_proba`` follows
that distribution: after balancing a 20:1 data set it says "50 % minority" for
rows where the truth is closer to 5 %. Two tools put decisions back on a
sound footing.

:func:`adjust_to_priors`
    Bayes' prior-shift formula. If a model estimates ``p(c | x)`` under class
    priors ``pi_trained`` and the data it will meet has priors ``pi_target``
    (with the same ``p(x | c)``), then

    ``p'(c | x) = p(c | x) * pi_target(c) / pi_trained(c)``, renormalised so
    that each row sums to one.

    :class:`datafix.Pipeline` applies it for you with
    ``prior_correction=True``.

:class:`CostSensitiveClassifier`
    Predicts the class of least expected cost under the estimator's
    probabilities, with a cost matrix you give or one tuned by cross-validation.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from ._compat import HasMethods, Interval, StrOptions, validate_params
from ._deprecation import keyword_only_after
from .validation import check_labels, check_sample_weight, num_rows

__all__ = ["adjust_to_priors", "CostSensitiveClassifier"]

# multipliers tried for one class's cost in each step of the coordinate search: 1/64 ... 64
_COST_MULTIPLIERS = 2.0 ** np.arange(-6.0, 6.5, 0.5)
_MAX_SEARCH_ROUNDS = 10


def _check_priors(priors, n_classes: int, name: str) -> np.ndarray:
    try:
        values = np.array(priors, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric: one prior per class (column of proba).") from None
    if values.ndim != 1 or len(values) != n_classes:
        raise ValueError(
            f"{name} must have one entry per class, shape ({n_classes},) to match the {n_classes} columns "
            f"of proba; got shape {values.shape}."
        )
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(
            f"{name} must be finite and positive for every class, got {values.tolist()}; a class with zero "
            f"prior cannot be shifted (drop its column, or give it a small positive prior)."
        )
    return values / values.sum()


def _check_proba(proba, name: str = "proba") -> np.ndarray:
    try:
        values = np.array(proba, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric array of shape (n_samples, n_classes).") from None
    if values.ndim != 2 or values.shape[1] < 2:
        raise ValueError(
            f"{name} must have shape (n_samples, n_classes) with at least 2 classes, got shape {values.shape}; "
            f"for a binary model pass both columns of predict_proba."
        )
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"{name} must hold finite, non-negative probabilities.")
    if np.any(values.sum(axis=1) <= 0):
        raise ValueError(f"{name} has rows whose probabilities are all zero; every row needs positive mass.")
    return values


def adjust_to_priors(proba, trained_priors, target_priors) -> np.ndarray:
    """Shift class probabilities from the priors a model was trained under to other priors.

    Bayes' prior-shift formula: with ``p(c|x)`` the model's probabilities,

    ``p'(c|x) = p(c|x) * target_priors[c] / trained_priors[c]``, renormalised
    so that every row sums to one.

    It is exact when only the class priors differ between the two
    distributions (``p(x|c)`` is the same), which is what resampling a class
    uniformly or weighting it does.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Probabilities (rows need not sum exactly to one; they are renormalised).
    trained_priors : array-like of shape (n_classes,)
        The class distribution the model was fitted on, in the column order
        of ``proba``. Positive; need not sum to one (counts or total weights
        are fine).
    target_priors : array-like of shape (n_classes,)
        The class distribution to shift to, e.g. that of the original training
        data. Positive; need not sum to one.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        The adjusted probabilities, a new array; rows sum to one.

    Examples
    --------
    A model fitted on balanced data says 50/50; the real data is 9:1.

    >>> from datafix.decision import adjust_to_priors
    >>> adjust_to_priors([[0.5, 0.5], [0.2, 0.8]], trained_priors=[1, 1], target_priors=[0.9, 0.1])
    array([[0.9       , 0.1       ],
           [0.69230769, 0.30769231]])
    """
    values = _check_proba(proba)
    n_classes = values.shape[1]
    ratio = _check_priors(target_priors, n_classes, "target_priors") / _check_priors(
        trained_priors, n_classes, "trained_priors"
    )
    adjusted = values * ratio
    adjusted /= adjusted.sum(axis=1, keepdims=True)
    return adjusted


def _adjust_log_proba_to_priors(log_proba, trained_priors, target_priors) -> np.ndarray:
    """:func:`adjust_to_priors` in log space (for ``predict_log_proba``): no underflow for tiny probabilities."""
    values = np.array(log_proba, dtype=np.float64)
    n_classes = values.shape[1]
    shift = np.log(_check_priors(target_priors, n_classes, "target_priors")) - np.log(
        _check_priors(trained_priors, n_classes, "trained_priors")
    )
    shifted = values + shift
    return shifted - logsumexp(shifted, axis=1, keepdims=True)


def _class_priors(y, sample_weight, classes) -> np.ndarray:
    """The (weighted) share of each of ``classes`` in ``y``, normalised over those classes."""
    present, codes = np.unique(np.asarray(y), return_inverse=True)
    totals = np.bincount(codes.ravel(), weights=sample_weight, minlength=len(present))
    total_of = dict(zip(present.tolist(), totals.tolist()))
    shares = np.array([total_of.get(label, 0.0) for label in np.asarray(classes).tolist()], dtype=np.float64)
    return shares / shares.sum() if shares.sum() > 0 else shares


def _describe_classes(classes, limit: int = 10) -> str:
    shown = [c.item() if hasattr(c, "item") else c for c in classes[:limit]]
    return repr(shown)[:-1] + (", ...]" if len(classes) > limit else "]")


def _check_cost_matrix(cost_matrix, classes) -> np.ndarray:
    n_classes = len(classes)
    order = f"rows = true class, columns = predicted class, both in the order of classes_ {_describe_classes(classes)}"
    try:
        costs = np.array(cost_matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"cost_matrix must be a numeric array of shape ({n_classes}, {n_classes}) ({order}).") from None
    if costs.shape != (n_classes, n_classes):
        raise ValueError(
            f"cost_matrix must have shape ({n_classes}, {n_classes}) for the {n_classes} classes of y ({order}); "
            f"got shape {costs.shape}. Give one cost per (true, predicted) pair, or cost_matrix=None to tune it."
        )
    if not np.all(np.isfinite(costs)):
        bad = np.argwhere(~np.isfinite(costs))[:5].tolist()
        raise ValueError(f"cost_matrix has NaN or infinite entries at (true, predicted) {bad}; every cost must be finite.")
    if np.any(costs < 0):
        bad = np.argwhere(costs < 0)[:5].tolist()
        raise ValueError(
            f"cost_matrix has negative entries at (true, predicted) {bad}; costs must be >= 0 (adding a constant "
            f"to a whole row leaves every decision unchanged, so shift each row up by its minimum)."
        )
    return costs


def _score_predictions(scoring, y_true, y_pred, sample_weight, n_classes) -> float:
    if scoring == "balanced_accuracy":
        return balanced_accuracy_score(y_true, y_pred, sample_weight=sample_weight)
    if scoring == "f1_macro":
        return f1_score(
            y_true, y_pred, labels=np.arange(n_classes), average="macro", sample_weight=sample_weight, zero_division=0
        )
    return float(scoring(y_true, y_pred) if sample_weight is None else scoring(y_true, y_pred, sample_weight=sample_weight))


def _tune_class_costs(proba, y_codes, sample_weight, score):
    """Coordinate search for per-class misclassification costs ``w`` maximising ``score``.

    With ``C[j, k] = w[j]`` for ``j != k`` the least-expected-cost class is
    ``argmax_k w[k] * p(k|x)``, so each candidate costs one argmax. Returns
    ``(w, best_score, argmax_score)`` with ``w`` scaled so that its smallest
    entry is 1.
    """
    n_classes = proba.shape[1]
    log_proba = np.log(np.clip(proba, 1e-300, None))

    def evaluate(log_costs):
        return score(y_codes, np.argmax(log_proba + log_costs, axis=1))

    argmax_score = evaluate(np.zeros(n_classes))
    frequencies = np.bincount(y_codes, weights=sample_weight, minlength=n_classes)
    starts = [np.zeros(n_classes)]
    if np.all(frequencies > 0):
        starts.append(-np.log(frequencies / frequencies.sum()))  # the "balanced" costs, 1 / class share
    start_scores = [evaluate(start) for start in starts]
    best = int(np.argmax(start_scores))  # ties keep plain argmax
    log_costs, best_score = starts[best].copy(), start_scores[best]
    steps = np.log(_COST_MULTIPLIERS)
    steps = steps[np.argsort(np.abs(steps), kind="stable")]  # ties go to the smallest change
    for _ in range(_MAX_SEARCH_ROUNDS):
        improved = False
        for k in range(n_classes):
            for step in steps:
                if step == 0:
                    continue
                candidate = log_costs.copy()
                candidate[k] += step
                candidate_score = evaluate(candidate)
                if candidate_score > best_score + 1e-12:
                    log_costs, best_score, improved = candidate, candidate_score, True
        if not improved:
            break
    return np.exp(log_costs - log_costs.min()), best_score, argmax_score


class CostSensitiveClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Predict the class of least expected cost under a classifier's probabilities.

    For a row with probabilities ``P(j|x)`` and a cost matrix ``C`` where
    ``C[j, k]`` is the cost of **predicting class k when the true class is j**
    (rows: true class, columns: predicted class, both in ``classes_`` order),
    the prediction is

    ``argmin_k  sum_j P(j|x) * C[j, k]``.

    The 0/1 matrix (``1 - identity``) gives plain argmax. Use it with a
    :class:`datafix.Pipeline` fitted with ``prior_correction=True`` so that
    ``P`` reflects the real class priors and ``C`` alone expresses what errors
    cost; this is the multiclass counterpart of a tuned decision threshold
    (scikit-learn's ``TunedThresholdClassifierCV`` is binary only).

    **When** ``cost_matrix=None`` the costs are tuned by cross-validation in
    the family ``C[j, k] = w[j]`` for ``j != k`` and ``0`` on the diagonal
    (one cost per true class: "missing a row of class j costs w[j]"), for
    which the decision is ``argmax_k w[k] * P(k|x)``. Out-of-fold
    probabilities come from ``cv`` folds of ``estimator``; ``w`` starts from
    plain argmax or from ``1 / class share`` (whichever scores better) and a
    coordinate search changes one class's cost at a time by factors
    ``2**-6 ... 2**6`` (in steps of ``sqrt(2)``) while ``scoring`` improves.
    Then ``estimator`` is refitted on all the data.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``
        Fitted on (a clone of) the data in ``fit``; may be a
        :class:`datafix.Pipeline` with fixes and ``prior_correction=True``.
    cost_matrix : array-like of shape (n_classes, n_classes), default=None
        Non-negative, finite costs, ``C[true, predicted]``, in ``classes_``
        (sorted label) order. ``None`` tunes them (see above).
    cv : int or cross-validation splitter, default=5
        Folds for tuning (only used when ``cost_matrix=None``); an int means
        stratified, shuffled folds seeded by ``random_state``.
    scoring : {"balanced_accuracy", "f1_macro"} or callable, default="balanced_accuracy"
        What the tuning maximises on the out-of-fold predictions; a callable
        is called as ``scoring(y_true, y_pred)`` (plus ``sample_weight=`` when
        weights are given), higher is better.
    n_jobs : int, default=None
        Folds fitted in parallel through joblib.
    random_state : int, RandomState instance or None, default=None
        Seeds the fold shuffling.

    Attributes
    ----------
    estimator_ : estimator
        ``estimator`` fitted on all the data.
    classes_ : ndarray of shape (n_classes,)
    cost_matrix_ : ndarray of shape (n_classes, n_classes)
        The costs used by ``predict`` (given or tuned; tuned ones are scaled
        so the cheapest class costs 1).
    cv_score_ : float
        Only when tuned: ``scoring`` of the tuned costs on out-of-fold
        probabilities.
    cv_score_argmax_ : float
        Only when tuned: ``scoring`` of plain argmax on the same probabilities.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from datafix import CostSensitiveClassifier
    >>> X, y = make_classification(n_samples=300, n_classes=3, n_informative=4,
    ...                            weights=[0.8, 0.15, 0.05], random_state=0)
    >>> costs = [[0, 1, 1], [5, 0, 5], [20, 20, 0]]  # missing class 2 is 20 times worse
    >>> model = CostSensitiveClassifier(LogisticRegression(), cost_matrix=costs).fit(X, y)
    >>> model.predict(X[:5]).shape
    (5,)
    >>> tuned = CostSensitiveClassifier(LogisticRegression(), random_state=0).fit(X, y)
    >>> tuned.cost_matrix_.shape, bool(tuned.cv_score_ >= tuned.cv_score_argmax_)
    ((3, 3), True)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "cost_matrix": ["array-like", None],
        "cv": [Interval(Integral, 2, None, closed="left"), HasMethods(["split", "get_n_splits"])],
        "scoring": [StrOptions({"balanced_accuracy", "f1_macro"}), callable],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    @keyword_only_after
    def __init__(self, estimator, *, cost_matrix=None, cv=5, scoring="balanced_accuracy", n_jobs=None, random_state=None):
        self.estimator = estimator
        self.cost_matrix = cost_matrix
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags = get_tags(self.estimator).input_tags
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit ``estimator`` (after tuning the costs by cross-validation when none are given).

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Passed to ``estimator.fit`` (in every fold, too) and used to weight
            the tuning score.

        Returns
        -------
        self : CostSensitiveClassifier
        """
        if not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"estimator {type(self.estimator).__name__} has no predict_proba, which CostSensitiveClassifier "
                f"needs; use a probabilistic classifier (e.g. SVC(probability=True)) or wrap it in "
                f"sklearn.calibration.CalibratedClassifierCV."
            )
        validate_params(self)
        n_rows = num_rows(X)
        y_values = check_labels(y, n_rows=n_rows)
        weights = check_sample_weight(sample_weight, n_rows)
        classes, y_codes = np.unique(y_values, return_inverse=True)
        fit_params = {} if weights is None else {"sample_weight": weights}

        if self.cost_matrix is not None:
            costs = _check_cost_matrix(self.cost_matrix, classes)
        else:
            if isinstance(self.cv, Integral):
                counts = np.bincount(y_codes, minlength=len(classes))
                smallest = int(np.argmin(counts))
                if counts[smallest] < self.cv:
                    label = classes[smallest].item() if hasattr(classes[smallest], "item") else classes[smallest]
                    raise ValueError(
                        f"class {label!r} has {counts[smallest]} rows but cv={self.cv} needs at least {self.cv} to "
                        f"tune the costs; lower cv, drop the class, or give a cost_matrix."
                    )
                splitter = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
            else:
                splitter = self.cv
            oof_proba = cross_val_predict(
                clone(self.estimator), X, y_values, cv=splitter, method="predict_proba",
                params=fit_params or None, n_jobs=self.n_jobs,
            )

            def score(true_codes, predicted_codes):
                if callable(self.scoring):
                    return _score_predictions(
                        self.scoring, classes[true_codes], classes[predicted_codes], weights, len(classes)
                    )
                return _score_predictions(self.scoring, true_codes, predicted_codes, weights, len(classes))

            class_costs, self.cv_score_, self.cv_score_argmax_ = _tune_class_costs(oof_proba, y_codes, weights, score)
            costs = np.repeat(class_costs[:, None], len(classes), axis=1)
            np.fill_diagonal(costs, 0.0)

        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        if not np.array_equal(np.asarray(self.estimator_.classes_), classes):
            raise ValueError(
                f"the fitted estimator's classes_ {_describe_classes(np.asarray(self.estimator_.classes_))} differ "
                f"from the classes of y {_describe_classes(classes)}; the cost matrix cannot be aligned."
            )
        self.classes_ = self.estimator_.classes_
        self.cost_matrix_ = costs
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def predict_proba(self, X):
        """The fitted estimator's probabilities, unchanged (columns in ``classes_`` order)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def expected_cost(self, X):
        """Expected cost of predicting each class: ``predict_proba(X) @ cost_matrix_``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return self.predict_proba(X) @ self.cost_matrix_

    def predict(self, X):
        """The class of least expected cost for each row (the first in ``classes_`` order on ties)."""
        return self.classes_[np.argmin(self.expected_cost(X), axis=1)]
