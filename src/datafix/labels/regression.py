"""Label errors in a continuous target: out-of-fold residuals with a robust cut.

:func:`datafix.find_label_issues` comes here when ``y`` is continuous (by the
rule of :func:`datafix.validation.is_continuous_target`, or
``target_type="continuous"``). The evidence is a regressor's **out-of-fold**
prediction of each row (the same fold machinery, groups and weights as the
classification path; :class:`~sklearn.model_selection.KFold` shuffled by
``random_state``, or :class:`~sklearn.model_selection.GroupKFold` with
``groups``), from the given regressor, or else from the better fitting of a
linear and a gradient-boosting model (:func:`default_regressors`). The rule:

1. residuals ``r = y - prediction``; their centre ``m`` (median) and robust
   scale ``s = 1.4826 * median(|r - m|)`` (the standard deviation of a
   normal distribution with the same median absolute deviation), so that the
   outliers being looked for do not widen the yardstick that finds them;
2. the robust score ``z = (r - m) / s``; a row is flagged when
   ``|z| > REGRESSION_THRESHOLD``;
3. ``REFIT_ROUNDS`` times, the folds are refitted without the flagged rows in
   their *training* rows (every row is still predicted by the model of its
   own fold) and steps 1-2 run again on the new residuals: an outlying
   target no longer pulls the predictions of its neighbours or of itself.

``label_quality`` is cleanlab's ``"residual"`` label quality score
(:func:`cleanlab.regression.rank.get_label_quality_scores`) of the
standardised residual, ``exp(-|z|)``: 1 for a row predicted exactly, and
below ``exp(-REGRESSION_THRESHOLD)`` exactly for the flagged rows. cleanlab's
default ``"outre"`` score searches ``n / 2`` neighbours per row, quadratic in
the rows, so it is not used. The flagged set does not depend on any order:
there are no ties to break (a row exactly at the threshold is not flagged).

The threshold and the number of refits were chosen on the tune half of
``benchmarks/label_issues.py --part regression``; the guide lists the
measurements on both halves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from .out_of_fold import _run_folds, check_fold_weights

__all__ = ["REFIT_ROUNDS", "REGRESSION_THRESHOLD", "default_regressors", "regression_issues", "robust_scores"]

#: Flag a row when its robust residual score ``|z|`` is above this.
REGRESSION_THRESHOLD = 3.0
#: How many times the folds are refitted without the flagged rows before the final cut.
REFIT_ROUNDS = 1
_NORMAL_MAD = 1.4826  # standard deviation / median absolute deviation of a normal distribution


def default_regressors():
    """The regressors that judge a continuous target when none is given: a linear and a non-linear one.

    Both are fitted out of fold on the shared encoding
    (:func:`datafix._tabular.encode_features`: imputed, standardised,
    categorical columns one-hot encoded); the one whose residuals have the
    smaller robust scale (it fits the bulk of the rows better, so a shifted
    target stands out more against it) is used, the linear one on a tie.

    Examples
    --------
    >>> from datafix.labels.regression import default_regressors
    >>> [type(model).__name__ for model in default_regressors()]
    ['RidgeCV', 'HistGradientBoostingRegressor']
    """
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import RidgeCV

    return [RidgeCV(), HistGradientBoostingRegressor(random_state=0)]


def check_target_values(y, n_rows) -> np.ndarray:
    """A continuous target as 1-D float64: numeric, finite, one value per row.

    Examples
    --------
    >>> from datafix.labels.regression import check_target_values
    >>> check_target_values([1, 2.5, 4], 3)
    array([1. , 2.5, 4. ])
    """
    values = y.to_numpy() if isinstance(y, pd.Series) else np.asarray(y)
    if values.ndim != 1:
        raise ValueError(f"a continuous y must be 1-D (one number per row), got shape {values.shape}.")
    if values.dtype.kind not in "biuf":
        raise ValueError(
            f"y has dtype {values.dtype}, but target_type='continuous' needs numbers; pass a numeric target, or "
            f"target_type='classes' for class labels."
        )
    values = values.astype(np.float64)
    if n_rows is not None and len(values) != n_rows:
        raise ValueError(
            f"X and y have different lengths: X has {n_rows} rows, y has {len(values)} values. Pass one value per row."
        )
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"y has {int(bad.sum())} missing or infinite values (first at row {int(np.flatnonzero(bad)[0])}); "
            f"drop those rows or fill in their values first."
        )
    return values


def check_predictions(predictions, n_rows: int) -> np.ndarray:
    """Out-of-fold predictions given by the caller: 1-D, numeric, finite, one per row.

    Examples
    --------
    >>> from datafix.labels.regression import check_predictions
    >>> check_predictions([[1.0], [2.0]], 2)
    array([1., 2.])
    """
    values = predictions.to_numpy() if isinstance(predictions, (pd.Series, pd.DataFrame)) else np.asarray(predictions)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1 or values.dtype.kind not in "biuf":
        raise ValueError(
            f"predictions must be 1-D numbers (a regressor's out-of-fold prediction per row), got shape "
            f"{values.shape} of dtype {values.dtype}."
        )
    if len(values) != n_rows:
        raise ValueError(f"predictions has {len(values)} values but y has {n_rows}; pass one prediction per row.")
    values = values.astype(np.float64)
    if not np.isfinite(values).all():
        raise ValueError("predictions has NaN or infinite values; pass finite out-of-fold predictions.")
    return values


def check_regressor(estimator):
    """Refuse a classifier or an object without ``fit``/``predict`` for a continuous target.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from datafix.labels.regression import check_regressor
    >>> check_regressor(LogisticRegression())
    Traceback (most recent call last):
    ...
    ValueError: estimator LogisticRegression is a classifier, but y is continuous; ...
    """
    if not hasattr(estimator, "fit") or not hasattr(estimator, "predict"):
        raise ValueError(
            f"estimator must be a regressor with fit and predict for a continuous y, got {type(estimator).__name__}."
        )
    if is_classifier(estimator):
        raise ValueError(
            f"estimator {type(estimator).__name__} is a classifier, but y is continuous; pass a regressor (e.g. "
            f"HistGradientBoostingRegressor()), or target_type='classes' if y holds class labels."
        )


def robust_scores(residuals: np.ndarray):
    """``(z, centre, scale)``: each residual's distance from the median in robust standard deviations.

    The scale is ``1.4826 * MAD``; when more than half the residuals are
    equal (MAD 0) it is ``1.2533 *`` the mean absolute deviation from the
    median, and when all are equal every score is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.regression import robust_scores
    >>> z, centre, scale = robust_scores(np.array([-1.0, 0.0, 1.0, 0.5, -0.5, 20.0]))
    >>> float(centre), np.round(z, 2).tolist()
    (0.25, [-1.12, -0.22, 0.67, 0.22, -0.67, 17.76])
    """
    centre = float(np.median(residuals))
    deviation = np.abs(residuals - centre)
    scale = _NORMAL_MAD * float(np.median(deviation))
    if scale <= 0:
        scale = 1.2533 * float(deviation.mean())  # sqrt(pi / 2): the normal's sd / mean absolute deviation
    if scale <= 0:
        return np.zeros_like(residuals), centre, 0.0
    return (residuals - centre) / scale, centre, scale


def _quality(values, predictions, centre, scale):
    """cleanlab's ``"residual"`` label quality score of the standardised residual: ``exp(-|z|)``."""
    from cleanlab.regression.rank import get_label_quality_scores

    if scale <= 0:
        return np.ones(len(values))
    return get_label_quality_scores((values - centre) / scale, predictions / scale, method="residual")


def regression_issues(X, encoded, values, *, estimator=None, predictions=None, folds=None, sample_weight=None,
                      n_jobs=None, index=None, threshold=None, refit_rounds=None) -> pd.DataFrame:
    """The result of :func:`datafix.find_label_issues` for a continuous target (inputs already validated).

    ``folds`` are the (train, test) pairs of the out-of-fold fits (unused when
    ``predictions`` are given); ``estimator=None`` chooses between :func:`default_regressors`
    on ``encoded``. ``threshold`` and ``refit_rounds`` default to
    :data:`REGRESSION_THRESHOLD` and :data:`REFIT_ROUNDS` (the benchmark tries others).

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.regression import regression_issues
    >>> values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 20.0])
    >>> found = regression_issues(None, None, values, predictions=np.array([1.1, 2.0, 2.9, 4.2, 4.9, 6.1, 7.0]))
    >>> found["is_label_issue"].tolist()
    [False, False, False, False, False, False, True]
    """
    threshold = REGRESSION_THRESHOLD if threshold is None else float(threshold)
    refit_rounds = REFIT_ROUNDS if refit_rounds is None else int(refit_rounds)
    model_name = None
    if predictions is None:
        candidates = [estimator] if estimator is not None else default_regressors()
        X = X if estimator is not None else encoded

        def fit(model, excluded):
            weight_keyword, weights = check_fold_weights(model, sample_weight, len(values))
            rounds = folds if excluded is None else [(train[~excluded[train]], test) for train, test in folds]
            return _run_folds(model, X, values, rounds, 1, n_jobs=n_jobs, weight_keyword=weight_keyword,
                              weights=weights, output="predict")

        fitted = [(model, fit(model, None)) for model in candidates]
        # the model that fits the bulk best: smallest robust residual scale, the first (linear) one on a tie
        estimator, predictions = min(fitted, key=lambda pair: robust_scores(values - pair[1])[2])
        model_name = type(estimator).__name__
        for _ in range(refit_rounds):
            z, _, _ = robust_scores(values - predictions)
            flagged = np.abs(z) > threshold
            if not flagged.any():
                break
            predictions = fit(estimator, flagged)
    residuals = values - predictions
    z, centre, scale = robust_scores(residuals)
    is_issue = np.abs(z) > threshold
    result = pd.DataFrame(
        {
            "given_label": values,
            "suggested_label": predictions,
            "label_quality": _quality(values, predictions, centre, scale),
            "is_label_issue": is_issue,
            "residual": residuals,
            "residual_score": z,
        },
        index=pd.RangeIndex(len(values)) if index is None else index,
    )
    result.attrs.update(target_type="continuous", residual_centre=centre, residual_scale=scale, threshold=threshold,
                        model=model_name)
    return result
