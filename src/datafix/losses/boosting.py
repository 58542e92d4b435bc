"""Focal loss as a custom objective for LightGBM and XGBoost, and a classifier that wraps it.

The objectives give analytic gradients and Hessians of the focal loss with
respect to the raw score (the margin), for binary (a sigmoid of one score)
and multi-class (a softmax of one score per class) problems.

The Hessian of the focal loss is negative for badly misclassified rows (for
``gamma=2``, a binary row whose margin is below about -2.8 on the wrong side).
Newton boosting needs a positive Hessian, so each entry is **floored at the
Hessian of cross-entropy weighted by the focal factor**,
``alpha_t (1 - p_t) ** gamma * p_k (1 - p_k)``, the Hessian one gets when the
focal factor is held fixed. That floor is positive, equals the exact Hessian
when ``gamma=0`` (so ``gamma=0`` is exactly LightGBM's logistic / softmax
objective up to LightGBM's own multi-class scaling), and is of the same order
as the exact Hessian where the latter is positive. Where the exact Hessian is
larger, it is used.

Custom objectives lose two things the built-in ones have: the starting score
(``boost_from_average``) and probabilities from ``predict_proba``.
:meth:`FocalObjective.init_score` gives the constant score that minimises the
focal loss of the training labels, and :class:`FocalBoostingClassifier` puts
it all together as a scikit-learn classifier whose ``predict_proba`` returns
probabilities.

lightgbm and xgboost are imported only when a booster is fitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, validate_params
from .._deprecation import keyword_only_after
from .._optional import import_optional
from ..validation import check_features, check_labels, check_sample_weight, num_rows

__all__ = [
    "FocalObjective",
    "lightgbm_focal_objective",
    "xgboost_focal_objective",
    "FocalBoostingClassifier",
]

_TINY = np.finfo(np.float64).tiny


def _check_gamma(gamma) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, Real) or not 0 <= gamma < np.inf:
        raise ValueError(
            f"gamma must be a finite number >= 0 (0 gives cross-entropy, the paper uses 2), got {gamma!r}."
        )
    return float(gamma)


def _check_alpha(alpha, n_classes: int | None = None):
    """None, a float in [0, 1] (binary) or a non-negative sequence (one per class)."""
    if alpha is None:
        return None
    if isinstance(alpha, Real) and not isinstance(alpha, bool):
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha as a number is the weight of the positive class and must be in [0, 1], got {alpha!r}.")
        if n_classes is not None and n_classes != 2:
            raise ValueError(
                f"alpha={alpha!r} is a single number, the binary convention; with {n_classes} classes give "
                f"one alpha per class, e.g. alpha={[1.0] * n_classes}."
            )
        return float(alpha)
    if isinstance(alpha, (str, bool)) or not isinstance(alpha, (Sequence, np.ndarray)):
        raise ValueError(f"alpha must be None, a number in [0, 1] or a sequence with one value per class, got {alpha!r}.")
    values = np.asarray(alpha, dtype=np.float64)
    if values.ndim != 1 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"alpha must be a 1-D sequence of finite, non-negative values, one per class, got {alpha!r}.")
    if n_classes is not None and len(values) != n_classes:
        raise ValueError(
            f"alpha has {len(values)} values but there are {n_classes} classes; give one alpha per class "
            f"(in the order of the sorted class labels)."
        )
    return values


def _alpha_per_row(alpha, labels: np.ndarray, n_classes: int) -> np.ndarray | float:
    if alpha is None:
        return 1.0
    if isinstance(alpha, float):
        return np.where(labels == 1, alpha, 1.0 - alpha)
    return alpha[labels]


def _check_booster_labels(labels, n_classes: int) -> np.ndarray:
    labels = np.asarray(labels)
    as_int = labels.astype(np.intp)
    if np.any(as_int != labels) or np.any(as_int < 0) or np.any(as_int >= n_classes):
        bad = np.unique(labels[(as_int != labels) | (as_int < 0) | (as_int >= n_classes)])[:5]
        raise ValueError(
            f"the focal objective needs labels encoded as 0..{n_classes - 1} (the raw score has "
            f"{n_classes if n_classes > 2 else 1} column(s)); found {bad.tolist()}. Encode the labels "
            f"(LGBMClassifier and XGBClassifier do) or use FocalBoostingClassifier."
        )
    return as_int


# --- binary: one score per row, p = sigmoid(score) -------------------------------------------


def _binary_loss(labels, raw, gamma, alpha):
    """Focal loss per row of binary labels (0/1) for raw scores."""
    sign = np.where(labels == 1, 1.0, -1.0)
    z = sign * raw
    return -_alpha_per_row(alpha, labels, 2) * expit(-z) ** gamma * log_expit(z)


def _sigmoid_parts(z):
    """``sigmoid(z)``, ``sigmoid(-z)`` and ``log sigmoid(z)`` from one exp and one log1p, stable for any z."""
    e = np.exp(-np.abs(z))
    one_plus_e = 1.0 + e
    big, small = 1.0 / one_plus_e, e / one_plus_e
    positive = z >= 0
    q = np.where(positive, big, small)
    one_minus_q = np.where(positive, small, big)
    log_q = np.minimum(z, 0.0) - np.log1p(e)
    return q, one_minus_q, log_q


def _binary_derivatives(labels, raw, gamma, alpha):
    """Gradient, exact Hessian and Hessian floor of the binary focal loss w.r.t. the raw score."""
    sign = np.where(labels == 1, 1.0, -1.0)
    z = sign * raw
    q, one_minus_q, log_q = _sigmoid_parts(z)
    factor = one_minus_q**gamma if gamma else np.ones_like(z)
    if alpha is not None:
        factor = factor * _alpha_per_row(alpha, labels, 2)
    inner = gamma * q * log_q - one_minus_q
    grad = sign * factor * inner
    hess = factor * q * (-gamma * inner + one_minus_q * (gamma * log_q + gamma + 1.0))
    floor = factor * q * one_minus_q
    return grad, hess, floor


# --- multi-class: one score per class, p = softmax(scores) -----------------------------------


def _multiclass_loss(labels, raw, gamma, alpha):
    log_p = log_softmax(raw, axis=1)
    log_p_true = np.take_along_axis(log_p, labels[:, None], axis=1)[:, 0]
    one_minus_p = -np.expm1(log_p_true)
    return -_alpha_per_row(alpha, labels, raw.shape[1]) * one_minus_p**gamma * log_p_true


def _multiclass_derivatives(labels, raw, gamma, alpha):
    """Gradient, exact diagonal Hessian and floor, each of shape (n, K).

    With ``u = log p_y``, ``P = p_y``, ``m = 1 - P`` and ``r_k = p_k / m``:
    ``grad_y = -A B``, ``grad_k = A r_k B``, ``H_y = A (C + P B)``,
    ``H_k = A (r_k^2 C + r_k (1 - p_k) B)``, where ``A = alpha_y m^gamma``,
    ``B = m - gamma P u`` and ``C = gamma P (2m + u m - (gamma - 1) P u)``.
    """
    n_rows, n_classes = raw.shape
    log_p = log_softmax(raw, axis=1)
    p = np.exp(log_p)
    rows = np.arange(n_rows)
    u = log_p[rows, labels]
    big_p = p[rows, labels]
    others = p.copy()
    others[rows, labels] = 0.0
    m = others.sum(axis=1)  # 1 - p_y without cancellation
    r = others / np.maximum(m, _TINY)[:, None]
    a = _alpha_per_row(alpha, labels, n_classes) * m**gamma
    b = m - gamma * big_p * u
    c = gamma * big_p * (2 * m + u * m - (gamma - 1) * big_p * u)
    a, b, c = a[:, None], b[:, None], c[:, None]
    grad = a * r * b
    hess = a * (r * r * c + r * (1 - p) * b)
    grad[rows, labels] = -(a * b)[:, 0]
    hess[rows, labels] = (a * (c + big_p[:, None] * b))[:, 0]
    floor = a * p * (1 - p)
    return grad, hess, floor


class FocalObjective:
    """Focal loss as a custom objective for LightGBM and XGBoost (binary and multi-class).

    One callable serves the four ways these libraries call an objective:
    ``LGBMClassifier(objective=obj)`` (``obj(y_true, y_pred, weight)``),
    ``lightgbm.train({"objective": obj}, ...)`` (``obj(preds, dataset)``),
    ``XGBClassifier(objective=obj)`` (``obj(y_true, y_pred, sample_weight=...)``)
    and ``xgboost.train(..., obj=obj)`` (``obj(preds, dmatrix)``). A 1-D raw
    score means binary (labels 0/1), a 2-D one of shape ``(n, K)`` means
    ``K`` classes (labels 0..K-1). Sample weights multiply gradients and
    Hessians.

    Usually built by :func:`lightgbm_focal_objective` or
    :func:`xgboost_focal_objective`; most users want
    :class:`FocalBoostingClassifier`, which also sets the starting score and
    returns probabilities.

    Parameters
    ----------
    gamma : float >= 0, default=2.0
        Focusing parameter; 0 gives the logistic / softmax loss.
    alpha : float in [0, 1], sequence or None, default=None
        Binary: a float ``a`` weighs positives by ``a`` and negatives by
        ``1 - a`` (the paper's convention). Any task: one factor per class.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.losses import FocalObjective
    >>> objective = FocalObjective(gamma=2.0)
    >>> grad, hess = objective(np.array([0.0, 1.0]), np.array([0.0, 0.0]))
    >>> grad.round(4), hess.round(4)
    (array([ 0.2983, -0.2983]), array([0.3991, 0.3991]))
    >>> round(objective.init_score([0] * 90 + [1] * 10), 3)  # best constant; log-odds would be -2.197
    -0.82
    """

    @keyword_only_after
    def __init__(self, gamma=2.0, *, alpha=None):
        self.gamma = _check_gamma(gamma)
        self.alpha = _check_alpha(alpha)

    def __repr__(self) -> str:
        alpha = self.alpha.tolist() if isinstance(self.alpha, np.ndarray) else self.alpha
        return f"{type(self).__name__}(gamma={self.gamma}, alpha={alpha})"

    def _alpha_for(self, n_classes: int):
        return _check_alpha(self.alpha, n_classes)

    def gradient_hessian(self, labels, raw_score, sample_weight=None, *, floor=True):
        """Gradient and Hessian of the focal loss with respect to ``raw_score``.

        Parameters
        ----------
        labels : array-like of shape (n,)
            Class codes 0..K-1.
        raw_score : ndarray of shape (n,) (binary) or (n, K)
        sample_weight : array-like of shape (n,), optional
        floor : bool, default=True
            Floor the Hessian as described in the module documentation; with
            ``False`` the exact (possibly negative) Hessian is returned.

        Returns
        -------
        grad, hess : ndarrays of the shape of ``raw_score``
        """
        raw = np.asarray(raw_score, dtype=np.float64)
        if raw.ndim == 1:
            n_classes, derivatives = 2, _binary_derivatives
        elif raw.ndim == 2:
            n_classes, derivatives = raw.shape[1], _multiclass_derivatives
            if n_classes < 2:
                raw, n_classes, derivatives = raw[:, 0], 2, _binary_derivatives
        else:
            raise ValueError(f"raw_score must be 1-D (binary) or 2-D (n_samples, n_classes), got shape {raw.shape}.")
        labels = _check_booster_labels(np.asarray(labels).ravel(), n_classes)
        if len(labels) != raw.shape[0]:
            raise ValueError(f"{len(labels)} labels but raw_score has {raw.shape[0]} rows.")
        grad, hess, hess_floor = derivatives(labels, raw, self.gamma, self._alpha_for(n_classes))
        if floor:
            hess = np.maximum(hess, hess_floor)
        if sample_weight is not None and np.size(sample_weight):
            weight = np.asarray(sample_weight, dtype=np.float64)
            weight = weight[:, None] if grad.ndim == 2 else weight
            grad, hess = grad * weight, hess * weight
        return grad, hess

    def loss(self, labels, raw_score, sample_weight=None):
        """Mean focal loss (weighted by ``sample_weight``) of raw scores; for evaluation and tests."""
        raw = np.asarray(raw_score, dtype=np.float64)
        n_classes = 2 if raw.ndim == 1 else raw.shape[1]
        labels = _check_booster_labels(np.asarray(labels).ravel(), n_classes)
        per_row = (_binary_loss if raw.ndim == 1 else _multiclass_loss)(labels, raw, self.gamma, self._alpha_for(n_classes))
        return float(np.average(per_row, weights=sample_weight))

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Gradient and Hessian, called by LightGBM or XGBoost (see the class documentation)."""
        if hasattr(y_pred, "get_label"):  # native API: (preds, Dataset or DMatrix)
            dataset, y_pred = y_pred, y_true
            y_true, sample_weight = dataset.get_label(), dataset.get_weight()
        return self.gradient_hessian(y_true, y_pred, sample_weight)

    def init_score(self, y, sample_weight=None, n_classes=None):
        """The constant raw score that minimises the (weighted) focal loss of ``y``.

        The counterpart of LightGBM's ``boost_from_average`` and XGBoost's
        ``base_score``, which custom objectives do not get. Pass it as
        LightGBM's ``init_score`` or XGBoost's ``base_margin`` (one row per
        training row) and add it to the raw predictions.

        Parameters
        ----------
        y : array-like of shape (n,)
            Class codes 0..K-1.
        sample_weight : array-like of shape (n,), optional
        n_classes : int, optional
            Defaults to ``max(y) + 1``; 2 means binary (one score).

        Returns
        -------
        float (binary) or ndarray of shape (n_classes,) (centred to sum 0)
        """
        codes = np.asarray(y)
        n_classes = int(codes.max()) + 1 if n_classes is None else int(n_classes)
        codes = _check_booster_labels(codes.ravel(), max(n_classes, 2))
        counts = np.bincount(codes, weights=sample_weight, minlength=n_classes).astype(np.float64)
        counts = counts / counts.sum()
        alpha = self._alpha_for(max(n_classes, 2))
        present = np.flatnonzero(counts)
        if n_classes <= 2:
            labels = np.array([0, 1])

            def total(score):
                return float(np.dot(counts, _binary_loss(labels, np.full(2, score), self.gamma, alpha)))

            prior = np.log(max(counts[1], 1e-12) / max(counts[0], 1e-12))
            result = minimize_scalar(total, bounds=(min(prior, 0) - 5, max(prior, 0) + 5), method="bounded",
                                     options={"xatol": 1e-8})
            return float(result.x)
        labels = present

        def total_and_gradient(scores):
            raw = np.broadcast_to(scores, (len(labels), n_classes))
            losses = _multiclass_loss(labels, raw, self.gamma, alpha)
            grad = _multiclass_derivatives(labels, raw, self.gamma, alpha)[0]
            return float(np.dot(counts[labels], losses)), counts[labels] @ grad

        start = np.log(np.maximum(counts, 1e-12))
        result = minimize(total_and_gradient, start - start.mean(), jac=True, method="L-BFGS-B")
        return result.x - result.x.mean()

    def probabilities(self, raw_score):
        """Class probabilities from raw scores (with the starting score added): sigmoid or softmax.

        Returns an array of shape (n, 2) for a 1-D (binary) score and (n, K) otherwise.
        """
        raw = np.asarray(raw_score, dtype=np.float64)
        if raw.ndim == 1:
            positive = expit(raw)
            return np.column_stack([1.0 - positive, positive])
        return softmax(raw, axis=1)


@keyword_only_after
def lightgbm_focal_objective(gamma=2.0, *, alpha=None) -> FocalObjective:
    """Focal loss as a LightGBM custom objective (binary and multi-class).

    Works as ``LGBMClassifier(objective=...)`` and as
    ``lightgbm.train({"objective": ...}, dataset)``. Sample weights are
    honoured. The Hessian is floored (see :mod:`datafix.losses.boosting`).
    A custom objective gets no starting score and ``predict_proba`` returns
    raw scores: use :class:`FocalBoostingClassifier`, or pass
    ``objective.init_score(y)`` as ``init_score`` and apply
    ``objective.probabilities(raw + init)`` yourself.

    Parameters
    ----------
    gamma : float >= 0, default=2.0
    alpha : float in [0, 1], sequence or None, default=None
        See :class:`FocalObjective`.

    Returns
    -------
    FocalObjective

    Examples
    --------
    >>> import lightgbm as lgb
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from datafix.losses import lightgbm_focal_objective
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> objective = lightgbm_focal_objective(gamma=2.0)
    >>> start = objective.init_score(y)
    >>> model = lgb.LGBMClassifier(objective=objective, n_estimators=20, n_jobs=1, verbosity=-1)
    >>> model = model.fit(X, y, init_score=np.full(len(y), start))
    >>> probabilities = objective.probabilities(model.predict(X, raw_score=True) + start)
    >>> probabilities.shape, bool(np.allclose(probabilities.sum(axis=1), 1))
    ((300, 2), True)
    """
    return FocalObjective(gamma, alpha=alpha)


@keyword_only_after
def xgboost_focal_objective(gamma=2.0, *, alpha=None) -> FocalObjective:
    """Focal loss as an XGBoost custom objective (binary and multi-class).

    Works as ``XGBClassifier(objective=...)`` (weights reach it as
    ``sample_weight``) and as ``xgboost.train(params, dtrain, obj=...)``.
    Set the starting score with ``base_margin`` (``objective.init_score(y)``
    repeated per row) at fit *and* predict time, or use
    :class:`FocalBoostingClassifier`, which does it for you.

    Parameters
    ----------
    gamma : float >= 0, default=2.0
    alpha : float in [0, 1], sequence or None, default=None
        See :class:`FocalObjective`.

    Returns
    -------
    FocalObjective

    Examples
    --------
    >>> import numpy as np
    >>> import xgboost as xgb
    >>> from sklearn.datasets import make_classification
    >>> from datafix.losses import xgboost_focal_objective
    >>> X, y = make_classification(n_samples=300, n_classes=3, n_informative=4, random_state=0)
    >>> objective = xgboost_focal_objective(gamma=1.0)
    >>> margin = np.tile(objective.init_score(y), (len(y), 1))
    >>> model = xgb.XGBClassifier(objective=objective, n_estimators=10, n_jobs=1).fit(X, y, base_margin=margin)
    >>> raw = model.predict(X, output_margin=True, base_margin=margin)
    >>> objective.probabilities(raw).shape
    (300, 3)
    """
    return FocalObjective(gamma, alpha=alpha)


def _booster_kind(estimator) -> str:
    module = type(estimator).__module__.split(".")[0]
    if module in ("lightgbm", "xgboost") and hasattr(estimator, "fit") and hasattr(estimator, "set_params"):
        return module
    raise TypeError(
        f"estimator must be a scikit-learn style LightGBM or XGBoost classifier (lightgbm.LGBMClassifier, "
        f"xgboost.XGBClassifier), got {type(estimator).__name__}."
    )


class FocalBoostingClassifier(ClassifierMixin, BaseEstimator):
    """A LightGBM or XGBoost classifier trained on focal loss, with probabilities out.

    Wraps an unfitted ``lightgbm.LGBMClassifier`` or ``xgboost.XGBClassifier``
    (its hyperparameters are kept), sets its objective to
    :class:`FocalObjective`, starts boosting from the best constant score
    (:meth:`FocalObjective.init_score`, the focal counterpart of
    ``boost_from_average``) and turns raw scores into probabilities in
    ``predict_proba``. It takes ``sample_weight`` in ``fit``, so it sits at the
    end of a :class:`datafix.Pipeline` behind :class:`~datafix.ClassWeighter`
    or any fix, and works with ``GridSearchCV`` (``gamma``, ``alpha``,
    ``estimator__<param>``).

    Parameters
    ----------
    estimator : LGBMClassifier or XGBClassifier, optional
        Unfitted; its ``objective`` is replaced. Default:
        ``LGBMClassifier(verbosity=-1)``.
    gamma : float >= 0, default=2.0
    alpha : float in [0, 1], sequence or None, default=None
        A float for two classes (weight of the second class, in sorted order),
        else one factor per class. See :class:`FocalObjective`.

    Attributes
    ----------
    classes_ : ndarray
        The class labels, sorted.
    estimator_ : the fitted booster
        Its labels are the codes 0..K-1 of ``classes_``.
    objective_ : FocalObjective
    init_score_ : float or ndarray of shape (n_classes,)
        The starting score added to every raw prediction.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from lightgbm import LGBMClassifier
    >>> from sklearn.datasets import make_classification
    >>> from datafix.losses import FocalBoostingClassifier
    >>> X, y = make_classification(n_samples=400, weights=[0.95], random_state=0)
    >>> booster = LGBMClassifier(n_estimators=30, n_jobs=1, verbosity=-1)
    >>> model = FocalBoostingClassifier(booster, gamma=2.0).fit(X, y)
    >>> probabilities = model.predict_proba(X)
    >>> probabilities.shape, bool(np.allclose(probabilities.sum(axis=1), 1))
    ((400, 2), True)
    >>> model.predict(X[:5])
    array([0, 0, 1, 0, 0])
    """

    _parameter_constraints = {
        "estimator": "no_validation",
        "gamma": [Interval(Real, 0, None, closed="left")],
        "alpha": [None, Interval(Real, 0, 1, closed="both"), "array-like"],
    }

    def __init__(self, estimator=None, *, gamma=2.0, alpha=None):
        self.estimator = estimator
        self.gamma = gamma
        self.alpha = alpha

    def _make_estimator(self):
        if self.estimator is None:
            lightgbm = import_optional("lightgbm", "boost")
            return lightgbm.LGBMClassifier(verbosity=-1)
        return clone(self.estimator)

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the booster on focal loss.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Multiplies each row's gradient and Hessian.
        **fit_params
            Passed to the booster's ``fit``. For LightGBM, an ``eval_set`` gets
            the starting score as ``eval_init_score`` (also with ``eval_X`` /
            ``eval_y``); for XGBoost as ``base_margin_eval_set``. Evaluation
            labels are encoded like ``y``.

        Returns
        -------
        self
        """
        validate_params(self)
        _check_gamma(self.gamma)
        X = check_features(X)
        y = check_labels(y, n_rows=num_rows(X))
        weights = check_sample_weight(sample_weight, len(y))
        self.classes_, codes = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        alpha = _check_alpha(self.alpha, n_classes)
        estimator = self._make_estimator()
        kind = _booster_kind(estimator)
        import_optional(kind, "boost")
        for reserved in ("init_score", "base_margin"):
            if reserved in fit_params:
                raise ValueError(f"{reserved} is set by FocalBoostingClassifier (the focal starting score); do not pass it.")
        self.objective_ = FocalObjective(self.gamma, alpha=alpha)
        self.init_score_ = self.objective_.init_score(codes, weights, n_classes)
        estimator.set_params(objective=self.objective_)
        start = self._start(len(codes))
        fit_params = dict(fit_params)
        eval_set = fit_params.get("eval_set")
        if kind == "lightgbm":
            if eval_set is not None:
                fit_params["eval_init_score"] = [self._start(num_rows(X_eval)) for X_eval, _ in eval_set]
                fit_params["eval_set"] = [(X_eval, self._encode(y_eval)) for X_eval, y_eval in eval_set]
            elif fit_params.get("eval_X") is not None:  # LightGBM >= 4.6 spelling
                eval_X, eval_y = fit_params["eval_X"], fit_params.get("eval_y")
                eval_X = eval_X if isinstance(eval_X, (list, tuple)) else [eval_X]
                eval_y = eval_y if isinstance(eval_y, (list, tuple)) else [eval_y]
                fit_params["eval_init_score"] = [self._start(num_rows(X_eval)) for X_eval in eval_X]
                fit_params["eval_X"], fit_params["eval_y"] = tuple(eval_X), tuple(self._encode(y_eval) for y_eval in eval_y)
            estimator.fit(X, codes, sample_weight=weights, init_score=start, **fit_params)
        else:
            if eval_set is not None:
                fit_params["base_margin_eval_set"] = [self._start(num_rows(X_eval)) for X_eval, _ in eval_set]
                fit_params["eval_set"] = [(X_eval, self._encode(y_eval)) for X_eval, y_eval in eval_set]
            estimator.fit(X, codes, sample_weight=weights, base_margin=start, **fit_params)
        self.estimator_ = estimator
        self.n_features_in_ = estimator.n_features_in_
        if hasattr(estimator, "feature_names_in_"):
            self.feature_names_in_ = estimator.feature_names_in_
        return self

    def _encode(self, labels) -> np.ndarray:
        labels = check_labels(labels, name="eval labels", min_classes=1)
        unknown = ~np.isin(labels, self.classes_)
        if unknown.any():
            raise ValueError(f"eval labels {np.unique(labels[unknown])[:5].tolist()} are not classes of y {self.classes_.tolist()}.")
        return np.searchsorted(self.classes_, labels)

    def _start(self, n_rows: int) -> np.ndarray:
        if np.ndim(self.init_score_) == 0:
            return np.full(n_rows, float(self.init_score_))
        return np.tile(self.init_score_, (n_rows, 1))

    def decision_function(self, X):
        """Raw scores with the starting score added: shape (n,) for two classes, else (n, K)."""
        check_is_fitted(self, "estimator_")
        X = check_features(X)
        if _booster_kind(self.estimator_) == "lightgbm":
            raw = self.estimator_.predict(X, raw_score=True)
            return np.asarray(raw, dtype=np.float64) + self.init_score_
        raw = self.estimator_.predict(X, output_margin=True, base_margin=self._start(num_rows(X)))
        return np.asarray(raw, dtype=np.float64)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self, "estimator_")
        return self.objective_.probabilities(self.decision_function(X))

    def predict(self, X):
        """The most probable class of each row."""
        check_is_fitted(self, "estimator_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # LightGBM and XGBoost take missing values and sparse matrices natively
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        return tags
