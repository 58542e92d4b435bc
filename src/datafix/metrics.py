"""Imbalance-aware evaluation: a per-class report, the metrics scikit-learn lacks, and scorers.

At 20:1 a classifier that never predicts the minority class has 95% accuracy.
The numbers here look at every class separately (recall, specificity, their
geometric mean) and at the quality of the probabilities (PR-AUC, Brier score,
calibration error), so that a fix that helps the minority class shows up.

scikit-learn's metrics are used wherever one exists (precision, recall, F1,
balanced accuracy, Matthews correlation, average precision, ROC-AUC, log
loss); this module adds only what it lacks: specificity, the G-mean and the
expected calibration error, plus a one-call report and scorers that survive a
cross-validation fold in which a class is missing.

Every function takes ``sample_weight``. A weight counts as that many rows: with
integer weights, every number equals the one computed on the data with each
row repeated ``weight`` times.

Undefined ratios (the precision of a class that is never predicted, the
recall of a class with no true rows in the data) are reported as 0, as
scikit-learn does with ``zero_division=0``, without a warning.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    make_scorer,
    matthews_corrcoef,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.metrics import get_scorer as _sklearn_get_scorer
from sklearn.utils.metadata_routing import MetadataRequest
from sklearn.utils.multiclass import unique_labels

from .validation import check_labels, check_sample_weight

__all__ = [
    "expected_calibration_error",
    "geometric_mean_score",
    "get_scorer",
    "get_scorers",
    "imbalanced_report",
    "scorer_names",
    "specificity_score",
]

#: Rows of ``y_proba`` must sum to 1 within this tolerance (float32 softmax
#: output is off by ~1e-7); they are then rescaled to sum to 1 exactly.
_PROBABILITY_SUM_TOLERANCE = 1e-3

_AVERAGES = (None, "macro", "weighted", "binary")


# --------------------------------------------------------------------------- #
# input checks
# --------------------------------------------------------------------------- #


def _length(values) -> int:
    if hasattr(values, "shape") and len(getattr(values, "shape", ())) > 0:
        return int(values.shape[0])
    try:
        return len(values)
    except TypeError:
        return -1


def _show(values, limit=5) -> str:
    """A short, readable list of labels for error messages (no numpy reprs)."""
    values = list(values)
    shown = [value.item() if hasattr(value, "item") else value for value in values[:limit]]
    return repr(shown)[:-1] + (f", ... ({len(values)} in all)]" if len(values) > limit else "]")


def _check_weights(sample_weight, n_rows: int):
    if sample_weight is not None and not isinstance(sample_weight, numbers.Number):
        n_weights = _length(sample_weight)
        if n_weights != n_rows:
            raise ValueError(
                f"sample_weight has {n_weights} weights but y_true has {n_rows} labels; "
                f"pass one weight per row."
            )
    return check_sample_weight(sample_weight, n_rows)


def _check_targets(y_true, y_pred, sample_weight):
    """Validate true and predicted labels and weights; return numpy copies."""
    n_true, n_pred = _length(y_true), _length(y_pred)
    if n_true >= 0 and n_pred >= 0 and n_true != n_pred:
        raise ValueError(
            f"y_true and y_pred have different lengths ({n_true} and {n_pred}); "
            f"pass one prediction per true label."
        )
    y_true = check_labels(y_true, name="y_true", min_classes=1)
    y_pred = check_labels(y_pred, name="y_pred", min_classes=1)
    try:
        present = unique_labels(y_true, y_pred)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"y_true and y_pred cannot be compared as class labels ({error}); "
            f"convert both to one type, e.g. with .astype(str)."
        ) from None
    return y_true, y_pred, present, _check_weights(sample_weight, len(y_true))


def _check_labels_argument(labels) -> np.ndarray:
    values = check_labels(labels, name="labels", min_classes=1)
    if not pd.Index(values).is_unique:
        raise ValueError(f"labels has repeated classes ({_show(values)}); list each class once.")
    return values


def _encode(y, classes: np.ndarray, *, name: str, labels_name: str) -> np.ndarray:
    """Column index of each label in ``classes``; an unknown label is an error."""
    codes = pd.Index(classes).get_indexer(pd.Index(y))
    unknown = codes < 0
    if unknown.any():
        missing = pd.unique(np.asarray(y)[unknown])
        raise ValueError(
            f"{name} has labels that are not in {labels_name} ({_show(missing)}); pass labels= listing "
            f"every class, in the column order of y_proba (e.g. labels=estimator.classes_)."
        )
    return codes


def _check_probabilities(y_true, y_proba, *, labels=None, sample_weight=None, labels_name=None):
    """Validate ``y_true`` against a probability matrix.

    Returns ``(y_true, codes, proba, classes, weights)`` where ``proba`` is a
    new (n_samples, n_classes) float array whose rows sum to 1 and ``codes``
    are the column indices of the true labels.
    """
    if y_proba is None:
        raise ValueError("y_proba is required: pass the output of predict_proba, one row per label.")
    y_true = check_labels(y_true, name="y_true", min_classes=1)
    try:
        proba = np.array(y_proba, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise ValueError(
            "y_proba must be numeric: the (n_samples, n_classes) output of predict_proba."
        ) from None
    if proba.ndim not in (1, 2):
        raise ValueError(
            f"y_proba must be 1-D (binary: probability of the positive class) or 2-D "
            f"(n_samples, n_classes), got shape {proba.shape}."
        )
    if proba.shape[0] != len(y_true):
        raise ValueError(
            f"y_proba has {proba.shape[0]} rows but y_true has {len(y_true)} labels; "
            f"pass one row of probabilities per label."
        )
    weights = _check_weights(sample_weight, len(y_true))
    if labels is not None:
        classes = _check_labels_argument(labels)
        source = labels_name or "labels"
    else:
        classes = np.unique(y_true)
        source = "y_true"
    if proba.ndim == 1:
        if len(classes) != 2:
            raise ValueError(
                f"y_proba is 1-D (the probability of the positive class), which needs exactly 2 "
                f"classes, but there are {len(classes)} in {source} ({_show(classes)}); pass the "
                f"(n_samples, n_classes) matrix from predict_proba, or labels=[negative, positive]."
            )
        proba = np.column_stack([1.0 - proba, proba])
    if proba.shape[1] != len(classes):
        raise ValueError(
            f"y_proba has {proba.shape[1]} columns but there are {len(classes)} classes in {source} "
            f"({_show(classes)}); pass labels=estimator.classes_ (the column order of "
            f"predict_proba)."
        )
    if proba.shape[1] < 2:
        raise ValueError("y_proba has one column; probabilities need at least 2 classes.")
    if not np.isfinite(proba).all():
        raise ValueError("y_proba has NaN or infinite values; pass probabilities in [0, 1].")
    if (proba < -1e-9).any() or (proba > 1 + 1e-9).any():
        raise ValueError(
            f"y_proba has values outside [0, 1] (min {proba.min():.4g}, max {proba.max():.4g}); "
            f"pass probabilities (predict_proba), not scores or logits."
        )
    row_sums = proba.sum(axis=1)
    off = np.abs(row_sums - 1.0) > _PROBABILITY_SUM_TOLERANCE
    if off.any():
        first = int(np.flatnonzero(off)[0])
        raise ValueError(
            f"y_proba rows must sum to 1, but {int(off.sum())} rows do not (row {first} sums to "
            f"{row_sums[first]:.4g}); pass predict_proba output, or normalise the rows "
            f"(softmax for logits)."
        )
    proba = np.clip(proba, 0.0, 1.0) / row_sums[:, None]
    codes = _encode(y_true, classes, name="y_true", labels_name=source)
    return y_true, codes, proba, classes, weights


def _check_average(average, allowed) -> None:
    if average not in allowed:
        raise ValueError(f"average must be one of {list(allowed)}, got {average!r}.")


# --------------------------------------------------------------------------- #
# per-class counts
# --------------------------------------------------------------------------- #


def _divide(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _recall_specificity_support(y_true, y_pred, labels, sample_weight):
    """Per-class recall, specificity and (weighted) support for ``labels``."""
    counts = multilabel_confusion_matrix(y_true, y_pred, labels=labels, sample_weight=sample_weight)
    true_negative, false_positive = counts[:, 0, 0], counts[:, 0, 1]
    false_negative, true_positive = counts[:, 1, 0], counts[:, 1, 1]
    support = true_positive + false_negative
    recall = _divide(true_positive, support)
    specificity = _divide(true_negative, true_negative + false_positive)
    return recall, specificity, support


def _resolve_labels(labels, present, average, pos_label):
    if average == "binary":
        if pos_label is None:
            pos_label = present[-1]
        if len(present) > 2:
            raise ValueError(
                f"average='binary' needs at most 2 classes, found {len(present)} "
                f"({_show(present)}); use average='macro' or 'weighted' for multiclass data."
            )
        if len(present) == 2 and pos_label not in list(present):
            raise ValueError(
                f"pos_label={pos_label!r} is not one of the classes {_show(present)}; "
                f"pass pos_label=<the positive class>."
            )
        return np.asarray([pos_label], dtype=object)
    if labels is None:
        return present
    return _check_labels_argument(labels)


def _average(values, support, average):
    if average is None:
        return values
    if average == "weighted":
        total = float(np.sum(support))
        return 0.0 if total == 0 else float(np.average(values, weights=support))
    return float(np.mean(values))


def specificity_score(y_true, y_pred, *, labels=None, average="macro", sample_weight=None, pos_label=None):
    """Specificity (true negative rate) of each class against the rest.

    For class ``k``, ``specificity = TN / (TN + FP)``: of the rows that are
    *not* ``k``, the fraction not predicted as ``k``. Recall is the same ratio
    for the rows that *are* ``k``. Matches ``imblearn.metrics.specificity_score``
    (see Notes for ``sample_weight``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, optional
        The classes to score, in this order. Default: every class in
        ``y_true`` or ``y_pred``, sorted.
    average : {"macro", "weighted", "binary"} or None, default="macro"
        ``None`` returns one value per class; ``"macro"`` their mean;
        ``"weighted"`` their mean weighted by each class's (weighted) support;
        ``"binary"`` the value of ``pos_label``.
    sample_weight : array-like of shape (n_samples,), optional
        Row weights; a weight counts as that many rows.
    pos_label : int or str, optional
        The positive class when ``average="binary"``; default: the greater
        of the two classes (1 for 0/1 labels).

    Returns
    -------
    float or ndarray of shape (n_labels,)

    Notes
    -----
    A class with no negative rows has an undefined specificity, reported as 0.
    imbalanced-learn 0.14 counts true negatives without the weights
    (``n_samples - weighted counts``), so with ``sample_weight`` its
    specificity agrees with this one only when the weights average to 1;
    this function uses the weighted count of true negatives throughout.

    Examples
    --------
    >>> from datafix.metrics import specificity_score
    >>> y_true = ["cat", "cat", "cat", "dog"]
    >>> y_pred = ["cat", "cat", "dog", "dog"]
    >>> specificity_score(y_true, y_pred, average=None)
    array([1.        , 0.66666667])
    >>> round(float(specificity_score(y_true, y_pred)), 4)
    0.8333
    """
    _check_average(average, _AVERAGES)
    y_true, y_pred, present, weights = _check_targets(y_true, y_pred, sample_weight)
    labels = _resolve_labels(labels, present, average, pos_label)
    _, specificity, support = _recall_specificity_support(y_true, y_pred, labels, weights)
    return _average(specificity, support, average)


def geometric_mean_score(y_true, y_pred, *, labels=None, average="multiclass", sample_weight=None, pos_label=None):
    """Geometric mean of the per-class recalls (G-mean).

    With ``average="multiclass"`` (the default) the score is
    ``(recall_1 * recall_2 * ... * recall_K) ** (1 / K)`` over the classes: it
    is high only when every class is recognised, and 0 as soon as one class
    is never found. For two classes it equals ``sqrt(sensitivity *
    specificity)``. With ``average=None`` each class gets
    ``sqrt(recall_k * specificity_k)`` (the ``geo`` column of imbalanced-learn's
    ``classification_report_imbalanced``); ``"macro"``, ``"weighted"`` and
    ``"binary"`` give ``sqrt(mean recall * mean specificity)`` as
    ``imblearn.metrics.geometric_mean_score`` does.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, optional
        The classes to score. Default: every class in ``y_true`` or
        ``y_pred``, sorted.
    average : {"multiclass", "macro", "weighted", "binary"} or None, default="multiclass"
        See above.
    sample_weight : array-like of shape (n_samples,), optional
        Row weights; a weight counts as that many rows.
    pos_label : int or str, optional
        The positive class when ``average="binary"``; default: the greater
        of the two classes (1 for 0/1 labels).

    Returns
    -------
    float or ndarray of shape (n_labels,)

    Notes
    -----
    With ``average="multiclass"``, a class with no true rows (it appears only
    in ``y_pred`` or ``labels``, e.g. a cross-validation fold that lacks it)
    has no recall and is left out of the mean, as in scikit-learn's
    ``balanced_accuracy_score``. imbalanced-learn counts such a class as recall
    0, which makes the whole score 0; on data where every class has true
    rows the two agree. A recall of 0 gives a G-mean of 0 (imbalanced-learn's
    default ``correction=0``; no correction is offered).

    Examples
    --------
    >>> from datafix.metrics import geometric_mean_score
    >>> y_true = ["a"] * 8 + ["b"] * 2
    >>> y_pred = ["a"] * 8 + ["a", "b"]
    >>> float(geometric_mean_score(y_true, y_pred))   # sqrt(1.0 * 0.5)
    0.7071067811865476
    >>> geometric_mean_score(y_true, y_pred, average=None)
    array([0.70710678, 0.70710678])
    """
    _check_average(average, ("multiclass", *_AVERAGES))
    y_true, y_pred, present, weights = _check_targets(y_true, y_pred, sample_weight)
    if average == "multiclass":
        labels = present if labels is None else _check_labels_argument(labels)
        recall, _, support = _recall_specificity_support(y_true, y_pred, labels, weights)
        recall = recall[support > 0]
        if len(recall) == 0 or (recall == 0).any():
            return 0.0
        return float(np.exp(np.mean(np.log(recall))))
    labels = _resolve_labels(labels, present, average, pos_label)
    recall, specificity, support = _recall_specificity_support(y_true, y_pred, labels, weights)
    if average is None:
        return np.sqrt(recall * specificity)
    return float(np.sqrt(_average(recall, support, average) * _average(specificity, support, average)))


# --------------------------------------------------------------------------- #
# probability metrics
# --------------------------------------------------------------------------- #


def expected_calibration_error(y_true, y_proba, *, n_bins=10, labels=None, sample_weight=None):
    """Expected calibration error of the top label (Guo et al., 2017).

    Each row's confidence is its largest probability and it is correct when
    that class is the true one. Rows are grouped into ``n_bins`` equal-width
    confidence bins ``(0, 1/n_bins], (1/n_bins, 2/n_bins], ..., ((n_bins-1)/n_bins, 1]``
    (confidence 0 falls into the first), and

    ``ECE = sum over bins b of (W_b / W) * |accuracy_b - confidence_b|``

    where ``W_b`` is the weight of the rows in bin ``b``, ``W`` the total
    weight, and accuracy and confidence are weighted means within the bin.
    0 means that, in every bin, the model is right as often as it claims.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Probabilities, columns in the order of ``labels`` (default: the
        sorted classes of ``y_true``), as ``predict_proba`` returns them with
        ``labels=estimator.classes_``. For two classes a 1-D array of the
        positive (second) class's probability is accepted. Rows must sum to 1
        within 1e-3 and are rescaled to sum to 1 exactly.
    n_bins : int, default=10
        Number of equal-width confidence bins.
    labels : array-like of shape (n_classes,), optional
        The class of each column of ``y_proba``. Needed when a class has no
        rows in ``y_true``.
    sample_weight : array-like of shape (n_samples,), optional
        Row weights; a weight counts as that many rows.

    Returns
    -------
    float
        In [0, 1]; lower is better. A tie for the largest probability
        goes to the first such column.

    Examples
    --------
    >>> from datafix.metrics import expected_calibration_error
    >>> y_true = ["a", "a", "b", "b"]
    >>> y_proba = [[0.9, 0.1], [0.9, 0.1], [0.3, 0.7], [0.6, 0.4]]
    >>> round(expected_calibration_error(y_true, y_proba, n_bins=5), 4)
    0.275

    Bin (0.8, 1] holds two right rows at 0.9 (gap 0.1 each), bin (0.6, 0.8] a
    right row at 0.7 (gap 0.3) and bin (0.4, 0.6] a wrong row at 0.6 (gap
    0.6): (0.2 + 0.3 + 0.6) / 4 = 0.275.
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, numbers.Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    _, codes, proba, _, weights = _check_probabilities(
        y_true, y_proba, labels=labels, sample_weight=sample_weight
    )
    return _expected_calibration_error(codes, proba, weights, int(n_bins))


def _expected_calibration_error(codes, proba, weights, n_bins):
    if weights is None:
        weights = np.ones(len(codes))
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == codes
    inner_edges = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    bins = np.searchsorted(inner_edges, confidence, side="left")
    bin_correct = np.bincount(bins, weights=weights * correct, minlength=n_bins)
    bin_confidence = np.bincount(bins, weights=weights * confidence, minlength=n_bins)
    return float(np.abs(bin_correct - bin_confidence).sum() / weights.sum())


def _one_vs_rest(codes, proba, weights, metric):
    """Mean of ``metric(is_class_k, proba[:, k])`` over the classes it is defined for."""
    w = np.ones(len(codes)) if weights is None else weights
    values = []
    for column in range(proba.shape[1]):
        positive = codes == column
        if w[positive].sum() > 0 and w[~positive].sum() > 0:
            values.append(metric(positive, proba[:, column], sample_weight=weights))
    return float(np.mean(values)) if values else float("nan")


def _brier_score(codes, proba, weights):
    one_hot = np.zeros_like(proba)
    one_hot[np.arange(len(codes)), codes] = 1.0
    per_row = ((proba - one_hot) ** 2).sum(axis=1)
    if proba.shape[1] == 2:
        per_row = per_row / 2.0
    return float(np.average(per_row, weights=weights))


_PROBABILITY_SCORE_FUNCTIONS = {
    "average_precision_macro": lambda codes, proba, weights: _one_vs_rest(
        codes, proba, weights, average_precision_score
    ),
    "roc_auc_ovr": lambda codes, proba, weights: _one_vs_rest(codes, proba, weights, roc_auc_score),
    "brier": _brier_score,
    "ece": lambda codes, proba, weights: _expected_calibration_error(codes, proba, weights, 10),
    "log_loss": lambda codes, proba, weights: float(
        log_loss(codes, proba, labels=np.arange(proba.shape[1]), sample_weight=weights)
    ),
}


def _probability_scores(codes, proba, weights) -> dict:
    return {name: function(codes, proba, weights) for name, function in _PROBABILITY_SCORE_FUNCTIONS.items()}


def _probability_score(y_true, y_proba, *, score, labels=None, sample_weight=None) -> float:
    """One of the probability scores of ``imbalanced_report``, by name."""
    _, codes, proba, _, weights = _check_probabilities(
        y_true, y_proba, labels=labels, sample_weight=sample_weight
    )
    return _PROBABILITY_SCORE_FUNCTIONS[score](codes, proba, weights)


# --------------------------------------------------------------------------- #
# the report
# --------------------------------------------------------------------------- #

_REPORT_COLUMNS = ["precision", "recall", "specificity", "f1", "gmean", "support"]


def imbalanced_report(y_true, y_pred, y_proba=None, *, labels=None, sample_weight=None):
    """Per-class and dataset-level scores of a classifier, for imbalanced data.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,), optional
        Predicted probabilities (``predict_proba``), columns in the order of
        ``labels``; for two classes, the positive class's probability alone is
        accepted. Adds the probability scores.
    labels : array-like, optional
        Every class, in the order of the rows (and of the columns of
        ``y_proba``); pass ``estimator.classes_``. Default: the sorted classes
        of ``y_true`` and ``y_pred``.
    sample_weight : array-like of shape (n_samples,), optional
        Row weights; a weight counts as that many rows (support becomes the
        weighted count).

    Returns
    -------
    pandas.DataFrame
        Index: the classes, then ``"macro avg"`` and ``"weighted avg"``.
        Columns: ``precision``, ``recall``, ``specificity``, ``f1``,
        ``gmean`` (per class ``sqrt(recall * specificity)``) and ``support``
        (true rows of the class; in the average rows, the total). The
        ``macro avg`` row is the plain mean of each column over the classes,
        ``weighted avg`` the mean weighted by support (imbalanced-learn's
        ``avg / total`` line).

        ``report.attrs["scores"]`` is a dict of dataset-level scores:
        ``balanced_accuracy`` (mean recall), ``mcc`` (Matthews correlation),
        ``gmean`` (geometric mean of the recalls, see
        ``geometric_mean_score``) and, with ``y_proba``,
        ``average_precision_macro`` (mean one-vs-rest PR-AUC over the
        classes, both classes when binary), ``roc_auc_ovr`` (mean one-vs-rest
        ROC-AUC), ``brier`` (scikit-learn's ``brier_score_loss``: in [0, 1]
        for two classes, the multiclass sum over classes in [0, 2]
        otherwise), ``ece`` (``expected_calibration_error``, 10 bins)
        and ``log_loss``. A one-vs-rest score is averaged over the classes
        that have both positive and negative rows; with none, it is NaN.

    Examples
    --------
    >>> from datafix.metrics import imbalanced_report
    >>> y_true = ["a"] * 8 + ["b"] * 2
    >>> y_pred = ["a"] * 8 + ["a", "b"]
    >>> report = imbalanced_report(y_true, y_pred)
    >>> print(report.round(3))
                  precision  recall  specificity     f1  gmean  support
    a                 0.889    1.00         0.50  0.941  0.707        8
    b                 1.000    0.50         1.00  0.667  0.707        2
    macro avg         0.944    0.75         0.75  0.804  0.707       10
    weighted avg      0.911    0.90         0.60  0.886  0.707       10
    >>> {name: round(value, 3) for name, value in report.attrs["scores"].items()}
    {'balanced_accuracy': 0.75, 'mcc': 0.667, 'gmean': 0.707}
    """
    y_true, y_pred, present, weights = _check_targets(y_true, y_pred, sample_weight)
    if labels is None:
        classes = present
    else:
        classes = _check_labels_argument(labels)
        for name, values in (("y_true", y_true), ("y_pred", y_pred)):
            _encode(values, classes, name=name, labels_name="labels")
    if y_proba is not None:
        _, codes, proba, classes, _ = _check_probabilities(
            y_true, y_proba, labels=classes, sample_weight=weights,
            labels_name="labels" if labels is not None else "y_true and y_pred",
        )

    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=classes, average=None, sample_weight=weights, zero_division=0.0
    )
    _, specificity, _ = _recall_specificity_support(y_true, y_pred, classes, weights)
    per_class = pd.DataFrame(
        {
            "precision": precision,
            "recall": recall,
            "specificity": specificity,
            "f1": f1,
            "gmean": np.sqrt(recall * specificity),
        },
        index=pd.Index(list(classes), dtype=object),
    )
    total = support.sum()
    macro = per_class.mean(axis=0)
    weighted = per_class.apply(lambda column: np.average(column, weights=support), axis=0)
    report = pd.concat([per_class, macro.to_frame("macro avg").T, weighted.to_frame("weighted avg").T])
    report["support"] = np.concatenate([support, [total, total]])
    report = report[_REPORT_COLUMNS]

    scores = {
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred, sample_weight=weights)),
        "mcc": float(matthews_corrcoef(y_true, y_pred, sample_weight=weights)),
        "gmean": geometric_mean_score(y_true, y_pred, labels=classes, sample_weight=weights),
    }
    if y_proba is not None:
        scores.update(_probability_scores(codes, proba, weights))
    report.attrs["scores"] = scores
    return report


# --------------------------------------------------------------------------- #
# scorers
# --------------------------------------------------------------------------- #


class _ProbabilityScorer:
    """Scorer ``(estimator, X, y_true, sample_weight=None) -> float`` on ``predict_proba``.

    The classes come from the fitted estimator's ``classes_``, so a
    validation fold that lacks a class is scored without error.
    """

    def __init__(self, name, score, sign):
        self.name = name
        self._score = score
        self._sign = sign
        self._sample_weight_request = None

    def __call__(self, estimator, X, y_true, sample_weight=None):
        classes = getattr(estimator, "classes_", None)
        if classes is None or not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"scoring {self.name!r} needs a fitted classifier with classes_ and predict_proba; "
                f"{type(estimator).__name__} lacks them. Use a probabilistic classifier, or a "
                f"scoring on labels such as 'gmean'."
            )
        proba = estimator.predict_proba(X)
        value = _probability_score(
            y_true, proba, score=self._score, labels=classes, sample_weight=sample_weight
        )
        return self._sign * value

    def set_score_request(self, *, sample_weight=None):
        """Request ``sample_weight`` for scoring under scikit-learn's metadata routing.

        Parameters
        ----------
        sample_weight : bool, str or None
            As in scikit-learn's ``set_score_request``.

        Returns
        -------
        self
        """
        self._sample_weight_request = sample_weight
        return self

    def get_metadata_routing(self):
        """The metadata this scorer requests (``sample_weight`` if set)."""
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="sample_weight", alias=self._sample_weight_request)
        return request

    def __repr__(self):
        return f"datafix.metrics.get_scorer({self.name!r})"


def _make_datafix_scorer(name):
    if name == "gmean":
        return make_scorer(geometric_mean_score)
    if name == "specificity":
        return make_scorer(specificity_score, average="macro")
    if name == "mcc":
        return make_scorer(matthews_corrcoef)
    if name == "balanced_accuracy":
        return make_scorer(balanced_accuracy_score)
    if name == "f1_macro":
        return make_scorer(f1_score, average="macro", zero_division=0.0, pos_label=None)  # no pos_label=1 default: string labels
    score, sign = _PROBABILITY_SCORERS[name]
    return _ProbabilityScorer(name, score, sign)


_PROBABILITY_SCORERS = {
    "average_precision_macro": ("average_precision_macro", 1),
    "roc_auc_ovr": ("roc_auc_ovr", 1),
    "neg_brier_score": ("brier", -1),
    "neg_ece": ("ece", -1),
    "neg_log_loss": ("log_loss", -1),
}
_SCORER_NAMES = sorted(["gmean", "specificity", "mcc", "balanced_accuracy", "f1_macro", *_PROBABILITY_SCORERS])


def scorer_names():
    """The scoring names datafix defines (any scikit-learn name works too).

    Returns
    -------
    list of str
        Sorted.

    Examples
    --------
    >>> from datafix.metrics import scorer_names
    >>> scorer_names()  # doctest: +NORMALIZE_WHITESPACE
    ['average_precision_macro', 'balanced_accuracy', 'f1_macro', 'gmean', 'mcc',
     'neg_brier_score', 'neg_ece', 'neg_log_loss', 'roc_auc_ovr', 'specificity']
    """
    return list(_SCORER_NAMES)


def get_scorer(name):
    """A scorer for ``cross_validate``, ``GridSearchCV`` or any datafix ``scoring=``.

    Every scorer is greater-is-better (losses are negated: ``neg_``), works
    for binary and multiclass data with any labels, and scores a fold in
    which a class is missing from the true labels: the probability scorers
    take the classes from the fitted estimator's ``classes_``.

    | name | score |
    |---|---|
    | ``"gmean"`` | ``geometric_mean_score`` (multiclass) |
    | ``"specificity"`` | ``specificity_score``, macro average |
    | ``"mcc"`` | ``matthews_corrcoef`` |
    | ``"balanced_accuracy"`` | ``balanced_accuracy_score`` |
    | ``"f1_macro"`` | ``f1_score(average="macro")`` |
    | ``"average_precision_macro"`` | mean one-vs-rest average precision (PR-AUC) |
    | ``"roc_auc_ovr"`` | mean one-vs-rest ROC-AUC |
    | ``"neg_brier_score"`` | minus the Brier score (multiclass-aware) |
    | ``"neg_ece"`` | minus ``expected_calibration_error`` |
    | ``"neg_log_loss"`` | minus the log loss |

    The last five call ``predict_proba``; the others ``predict``. Any other
    name is looked up with ``sklearn.metrics.get_scorer``.

    Parameters
    ----------
    name : str
        A name from the table or from ``sklearn.metrics.get_scorer_names()``.

    Returns
    -------
    callable
        ``scorer(estimator, X, y_true, sample_weight=None) -> float``. The
        label scorers are scikit-learn ``make_scorer`` objects; all support
        ``set_score_request(sample_weight=True)`` under metadata routing.

    Raises
    ------
    ValueError
        For a name neither datafix nor scikit-learn knows.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from datafix.metrics import get_scorer
    >>> X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    >>> scores = cross_val_score(LogisticRegression(), X, y, scoring=get_scorer("gmean"), cv=3)
    >>> scores.shape
    (3,)
    >>> get_scorer("accuracy")
    make_scorer(accuracy_score, response_method='predict')
    """
    if not isinstance(name, str):
        raise ValueError(
            f"scoring name must be a string, got {type(name).__name__}; use get_scorers for "
            f"lists, dicts and callables."
        )
    if name in _SCORER_NAMES:
        return _make_datafix_scorer(name)
    try:
        return _sklearn_get_scorer(name)
    except ValueError:
        raise ValueError(
            f"unknown scoring name {name!r}; datafix's names are {_SCORER_NAMES}, and any name in "
            f"sklearn.metrics.get_scorer_names() works too."
        ) from None


def get_scorers(scoring):
    """Scorers by name from any ``scoring=`` value.

    Parameters
    ----------
    scoring : str, list or tuple of str, dict, or callable
        A name (see ``get_scorer``); several names; a dict from your
        name to a scoring name or a scorer callable; or one callable
        ``scorer(estimator, X, y)``, named ``"score"``.

    Returns
    -------
    dict
        Name to scorer, in the given order.

    Raises
    ------
    ValueError
        For unknown names, repeated names, an empty collection or a value
        of another type.

    Examples
    --------
    >>> from datafix.metrics import get_scorers
    >>> list(get_scorers(["gmean", "neg_ece"]))
    ['gmean', 'neg_ece']
    >>> list(get_scorers({"pr_auc": "average_precision_macro"}))
    ['pr_auc']
    """
    if isinstance(scoring, str):
        return {scoring: get_scorer(scoring)}
    if callable(scoring):
        return {"score": scoring}
    if isinstance(scoring, (list, tuple)):
        if not scoring:
            raise ValueError("scoring is an empty list; pass at least one scoring name.")
        bad = [item for item in scoring if not isinstance(item, str)]
        if bad:
            raise ValueError(
                f"a scoring list must hold names (str), got {bad[0]!r}; for callables pass a "
                f"dict {{name: scorer}}."
            )
        repeated = sorted({item for item in scoring if list(scoring).count(item) > 1})
        if repeated:
            raise ValueError(f"scoring lists {repeated} more than once; list each name once.")
        return {item: get_scorer(item) for item in scoring}
    if isinstance(scoring, dict):
        if not scoring:
            raise ValueError("scoring is an empty dict; pass at least one {name: scorer}.")
        scorers = {}
        for key, value in scoring.items():
            if not isinstance(key, str):
                raise ValueError(f"scoring dict keys must be names (str), got {key!r}.")
            if isinstance(value, str):
                scorers[key] = get_scorer(value)
            elif callable(value):
                scorers[key] = value
            else:
                raise ValueError(
                    f"scoring[{key!r}] must be a scoring name or a scorer callable, "
                    f"got {type(value).__name__}."
                )
        return scorers
    raise ValueError(
        f"scoring must be a name, a list or tuple of names, a dict {{name: scorer or name}} or a "
        f"callable scorer(estimator, X, y), got {type(scoring).__name__}; see "
        f"datafix.metrics.scorer_names()."
    )
