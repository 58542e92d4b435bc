"""Class weights: how much each class counts, as a function or as a fix."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np

from ._compat import Interval, StrOptions
from ._deprecation import DEPRECATED, keyword_only_after, renamed_attributes, renamed_parameter
from .base import BaseFix, Resampled
from .validation import check_labels, check_sample_weight

__all__ = ["ClassWeighter", "compute_class_weights", "NAMED_CLASS_WEIGHTS"]

#: The named class weightings a ``class_weight`` parameter takes (besides a dict).
NAMED_CLASS_WEIGHTS = ("balanced", "effective_number", "inverse_sqrt")


__getattr__ = renamed_attributes(__name__, {"CLASS_WEIGHT_STRATEGIES": "NAMED_CLASS_WEIGHTS"}, globals())


def compute_class_weights(y, class_weight="balanced", *, beta=0.999, sample_weight=None, strategy=DEPRECATED) -> dict:
    """Weight per class so that rare classes count more.

    ``class_weight`` names the formula (as scikit-learn's
    ``class_weight="balanced"`` does) or gives the weights. The formulas, with
    ``n_k`` the number of rows of class ``k`` (the sum of their weights when
    ``sample_weight`` is given), ``n`` the total and ``K``
    the number of classes:

    ``"balanced"``
        ``n / (K * n_k)``, scikit-learn's ``class_weight="balanced"``.
    ``"effective_number"``
        proportional to ``(1 - beta) / (1 - beta ** n_k)`` (Cui et al., 2019,
        "Class-Balanced Loss Based on Effective Number of Samples"). ``beta``
        close to 1 approaches ``"balanced"``; ``beta=0`` gives equal weights.
    ``"inverse_sqrt"``
        proportional to ``1 / sqrt(n_k)``, a milder correction.
    dict
        The user's own weight per class; every class of ``y`` must be present.

    Whatever the formula, the weights are normalised so that the **mean
    weight over the rows is 1** (``sum_k n_k * w_k == n``): the total weight of
    the data set does not change, so regularisation strength and learning rates
    keep their meaning.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    class_weight : {"balanced", "effective_number", "inverse_sqrt"} or dict, default="balanced"
        The formula, or ``{class_label: weight}`` for every class of ``y``.
    beta : float in [0, 1), default=0.999
        Only for ``"effective_number"``.
    sample_weight : array-like of shape (n_samples,), optional
        Row weights; class sizes become weighted counts.
    strategy : {"balanced", "effective_number", "inverse_sqrt"} or dict
        Deprecated old name of ``class_weight``; removed in datafix 0.3.

    Returns
    -------
    dict
        ``{class_label: weight}`` for every class of ``y``, in sorted order.

    Examples
    --------
    >>> from datafix import compute_class_weights
    >>> compute_class_weights(["a"] * 8 + ["b"] * 2)
    {'a': 0.625, 'b': 2.5}
    >>> weights = compute_class_weights([0] * 90 + [1] * 10, class_weight="inverse_sqrt")
    >>> round(weights[1] / weights[0], 3)
    3.0
    """
    class_weight = renamed_parameter(class_weight, strategy, old="strategy", new="class_weight",
                                     owner="compute_class_weights", default="balanced")
    y = check_labels(y, min_classes=1)
    weights = check_sample_weight(sample_weight, len(y))
    classes, codes = np.unique(y, return_inverse=True)
    counts = np.bincount(codes, weights=weights, minlength=len(classes)).astype(np.float64)
    if np.any(counts == 0):
        empty = classes[counts == 0]
        raise ValueError(f"classes {list(empty[:5])} have zero total sample weight; class weights are undefined.")
    if isinstance(class_weight, Mapping):
        missing = [c for c in classes if c not in class_weight]
        if missing:
            raise ValueError(
                f"class_weight dict has no weight for classes {missing[:5]}; give a weight for every class of y."
            )
        raw = np.array([float(class_weight[c]) for c in classes])
        if not np.all(np.isfinite(raw)) or np.any(raw < 0) or not raw.any():
            raise ValueError("class_weight dict weights must be finite, non-negative and not all zero.")
    elif _is_name(class_weight, "balanced"):
        raw = 1.0 / counts
    elif _is_name(class_weight, "effective_number"):
        if not (isinstance(beta, Real) and 0 <= beta < 1):
            raise ValueError(f"beta must be a number in [0, 1) for 'effective_number', got {beta!r}.")
        raw = (1.0 - beta) / (1.0 - np.power(beta, counts))
    elif _is_name(class_weight, "inverse_sqrt"):
        raw = 1.0 / np.sqrt(counts)
    else:
        raise ValueError(
            f"class_weight must be one of {list(NAMED_CLASS_WEIGHTS)} or a dict of class weights, "
            f"got {class_weight!r}."
        )
    raw = raw * counts.sum() / np.dot(counts, raw)
    return {cls.item() if hasattr(cls, "item") else cls: float(w) for cls, w in zip(classes, raw)}


def _is_name(class_weight, name: str) -> bool:
    return isinstance(class_weight, str) and class_weight == name


class ClassWeighter(BaseFix):
    """A fix that multiplies each row's weight by its class weight.

    Rows, labels and order are unchanged; the output always carries weights
    (``fit_resample`` returns ``(X, y, sample_weight)``), the incoming weights
    (ones when none were given) times :func:`compute_class_weights` of the
    training labels, so the estimator receives exactly
    ``user_weight * class_weight_[label]``.

    When weights come in, class sizes are weighted: class ``k`` counts as
    ``n * (sum of its weights) / (sum of all weights)`` rows. That keeps the
    weights' meaning as repetitions (a row of weight 2 counts like two copies of
    it) while leaving the result unchanged when every weight is scaled by the
    same factor.

    Parameters
    ----------
    class_weight : {"balanced", "effective_number", "inverse_sqrt"} or dict, default="balanced"
        The formula, or the weight of every class; see :func:`compute_class_weights`.
    beta : float in [0, 1), default=0.999
        For ``"effective_number"``. Keyword-only.
    strategy : {"balanced", "effective_number", "inverse_sqrt"} or dict
        Deprecated old name of ``class_weight``; removed in datafix 0.3.

    Attributes
    ----------
    class_weight_ : dict
        The weight of each class, learnt from the training labels.
    source_indices_, is_synthetic_ : ndarray
        Provenance (identity: every row is kept).

    Examples
    --------
    >>> from datafix import ClassWeighter
    >>> X = [[0], [1], [2], [3]]
    >>> X_out, y_out, weights = ClassWeighter().fit_resample(X, [0, 0, 0, 1])
    >>> weights
    array([0.66666667, 0.66666667, 0.66666667, 2.        ])
    >>> weighter = ClassWeighter("effective_number", beta=0.9).fit(X, [0, 0, 0, 1])
    >>> {label: round(weight, 3) for label, weight in weighter.class_weight_.items()}
    {0: 0.7, 1: 1.898}
    """

    _parameter_constraints = {
        "class_weight": [StrOptions(set(NAMED_CLASS_WEIGHTS)), dict],
        "beta": [Interval(Real, 0, 1, closed="left")],
        "strategy": [StrOptions({DEPRECATED, *NAMED_CLASS_WEIGHTS}), dict],
    }

    @keyword_only_after
    def __init__(self, class_weight="balanced", *, beta=0.999, strategy=DEPRECATED):
        self.class_weight = class_weight
        self.beta = beta
        self.strategy = strategy

    def _fit_resample(self, X, y, sample_weight):
        class_weight = renamed_parameter(self.class_weight, self.strategy, old="strategy", new="class_weight",
                                         owner="ClassWeighter", default="balanced")
        relative_weights = None if sample_weight is None else sample_weight * (len(y) / sample_weight.sum())
        self.class_weight_ = compute_class_weights(y, class_weight, beta=self.beta, sample_weight=relative_weights)
        classes, codes = np.unique(y, return_inverse=True)
        per_class = np.array([self.class_weight_[c.item() if hasattr(c, "item") else c] for c in classes])
        row_weights = per_class[codes]
        if sample_weight is not None:
            row_weights = row_weights * sample_weight
        return Resampled(np.arange(len(y)), sample_weight=row_weights)
