"""LabelCleaner: find label errors in the training set and drop, relabel or down-weight them."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from .._compat import HasMethods, Interval, StrOptions
from ..base import BaseFix, Resampled
from .issues import LABEL_ISSUE_METHODS, TARGET_TYPES, find_label_issues, target_type_of
from .multilabel import check_multilabel_target
from .out_of_fold import _weight_parameter
from .regression import check_target_values

__all__ = ["LABEL_CLEANER_ACTIONS", "LabelCleaner", "limit_per_class", "relabel_is_justified"]

LABEL_CLEANER_ACTIONS = ("drop", "relabel", "downweight")
#: Default of ``LabelCleaner(max_class_fraction=...)``, chosen by ``benchmarks/label_issues.py --part protocol`` (the guide has the numbers).
DEFAULT_MAX_CLASS_FRACTION = 0.3


def limit_per_class(is_issue, codes, quality, max_class_fraction) -> np.ndarray:
    """``is_issue`` with at most ``floor(max_class_fraction * n_c)`` rows of each class ``c`` left flagged.

    Where a class has more flagged rows than that, the ones with the lowest
    label quality (the strongest evidence) stay flagged.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.cleaner import limit_per_class
    >>> codes = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1])
    >>> flagged = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    >>> quality = np.array([0.3, 0.1, 0.2, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    >>> np.flatnonzero(limit_per_class(flagged, codes, quality, 0.5)).tolist()
    [1, 2, 4]
    """
    if max_class_fraction is None or max_class_fraction >= 1:
        return is_issue.copy()
    limited = np.zeros_like(is_issue)
    counts = np.bincount(codes)
    flagged = np.flatnonzero(is_issue)
    # within each class, the flagged rows by rising quality; keep the first floor(fraction * n_c)
    order = flagged[np.lexsort((quality[flagged], codes[flagged]))]
    classes_in_order = codes[order]
    first = np.searchsorted(classes_in_order, classes_in_order, side="left")
    rank = np.arange(len(order)) - first
    allowed = np.floor(max_class_fraction * counts[classes_in_order] + 1e-9).astype(np.int64)
    limited[order[rank < allowed]] = True
    return limited


def relabel_is_justified(codes, suggested_codes, given_proba, suggested_proba, counts) -> np.ndarray:
    """Whether each row may move from its given class to the suggested one.

    A move into a *larger* class needs the suggested class to win even after
    each class's probability is divided by its share of the rows (the
    likelihood ratio instead of the posterior ratio): a model and a
    neighbourhood favour a big class for any row near it, so being rare is
    not taken as evidence of a wrong label. A move into a class of the same
    size or smaller needs nothing more.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.cleaner import relabel_is_justified
    >>> counts = np.array([95, 5])           # class 1 is rare
    >>> relabel_is_justified(np.array([1, 1, 0]), np.array([0, 0, 1]),
    ...                      np.array([0.3, 0.01, 0.3]), np.array([0.7, 0.99, 0.7]), counts).tolist()
    [False, True, True]
    """
    upward = counts[suggested_codes] > counts[codes]
    prior = counts / counts.sum()
    stronger = suggested_proba / prior[suggested_codes] > given_proba / prior[codes]
    return ~upward | stronger


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
        gives each flagged row its ``suggested_label`` - except a row of a
        smaller class whose suggestion is a larger class, which is relabelled
        only when the suggestion still wins once each class's probability is
        divided by the class's share of the rows
        (:func:`~datafix.labels.cleaner.relabel_is_justified`); otherwise it
        keeps its label;
    ``action="downweight"``
        multiplies each flagged row's weight (1 when no weights came in) by
        its ``label_quality`` (for a continuous target by Huber's weight
        ``threshold / |residual_score|``, as if its residual were at the
        threshold: ``label_quality`` there is below ``exp(-threshold)``, which
        would amount to dropping the row); the output always carries weights.

    A continuous ``y`` (a regression target) or a 2-D 0/1 ``y`` (multi-label)
    is judged as :func:`datafix.find_label_issues` judges it (out-of-fold
    residuals, or cleanlab's multi-label confident learning); ``"drop"`` and
    ``"downweight"`` work as above, ``"relabel"`` is refused (there is no
    class to move a row to). For these targets ``max_class_fraction`` caps
    the share of *all* rows acted on.

    No class loses (is dropped, relabelled or down-weighted in) more than
    ``max_class_fraction`` of its rows: where confident learning flags more,
    the rows with the strongest evidence (lowest label quality) are acted
    on and the rest kept. This guards the class a user is trying to learn:
    on imbalanced data, a rare class is often flagged wholesale because it is
    rare, not because its labels are wrong.

    At predict time it does nothing.

    Parameters
    ----------
    estimator : classifier with ``predict_proba`` (or a regressor, for a continuous y), optional
        The model for the out-of-fold probabilities (predictions); ``None``
        uses the default model of :func:`datafix.find_label_issues`.
    action : {"drop", "relabel", "downweight"}, default="drop"
    method : {"auto", "confident_learning", "knn"}, default="auto"
        See :func:`datafix.find_label_issues`.
    cv : int or splitter, default=5
        Folds for the out-of-fold probabilities; every class of the training
        set needs at least ``cv`` rows.
    max_class_fraction : float in (0, 1] or None, default=0.3
        The largest share of any class's rows the cleaner acts on; ``None``
        or 1 for no limit.
    n_jobs : int, default=None
        Parallel folds through joblib (a Dask or Ray backend distributes them).
    random_state : int, RandomState instance or None, default=None
        Makes the folds reproducible.
    target_type : {"auto", "classes", "continuous", "multilabel"}, default="auto"
        What ``y`` holds; ``"auto"`` detects it (see
        :func:`datafix.labels.issues.target_type_of`).

    Attributes
    ----------
    label_issues_ : DataFrame
        :func:`datafix.find_label_issues`'s result on the training set.
    n_issues_ : int
        The number of flagged rows.
    is_cleaned_ : ndarray of bool
        The rows acted on (dropped, relabelled or down-weighted): the
        flagged rows within ``max_class_fraction`` of each class (and, for
        ``"relabel"``, with a justified move).
    classes_ : ndarray
        The classes of the training labels (for a multi-label y, the label
        names: its DataFrame's columns, else the column positions).
    target_type_ : str
        What ``y`` was found to hold: ``"classes"``, ``"continuous"`` or
        ``"multilabel"``.
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

    A continuous target: the rows with outlying values are dropped.

    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = X @ [1.0, 2.0, -1.0] + rng.normal(scale=0.1, size=200)
    >>> y[:4] += 5.0
    >>> cleaner = LabelCleaner(Ridge(), random_state=0).fit(X, y)
    >>> np.flatnonzero(cleaner.is_cleaned_).tolist()
    [0, 1, 2, 3]
    """

    _parameter_constraints = {
        "estimator": [None, HasMethods(["fit", "predict"])],
        "action": [StrOptions(set(LABEL_CLEANER_ACTIONS))],
        "method": [StrOptions(set(LABEL_ISSUE_METHODS))],
        "cv": [Interval(Integral, 2, None, closed="left"), "cv_object"],
        "max_class_fraction": [None, Interval(Real, 0, 1, closed="right")],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
        "target_type": [StrOptions(set(TARGET_TYPES))],
    }

    def __init__(self, estimator=None, *, action="drop", method="auto", cv=5,
                 max_class_fraction=DEFAULT_MAX_CLASS_FRACTION, n_jobs=None, random_state=None, target_type="auto"):
        self.estimator = estimator
        self.action = action
        self.method = method
        self.cv = cv
        self.max_class_fraction = max_class_fraction
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.target_type = target_type

    def _check_target(self, y, n_rows):
        """Class labels as every fix takes them, or a multi-label 0/1 matrix (its values, checked)."""
        target = target_type_of(y, self.target_type)
        if target == "continuous" and self.action == "relabel":
            raise ValueError(
                "action='relabel' needs class labels, but y is continuous; use action='drop' or "
                "action='downweight' for outlying target values."
            )
        if target == "multilabel" and self.action == "relabel":
            raise ValueError(
                "action='relabel' needs one class label per row, but y is a multi-label matrix; use action='drop' "
                "or action='downweight'."
            )
        self.target_type_ = target
        if target == "multilabel":
            self._label_names = check_multilabel_target(y, n_rows)[1]
            return y.to_numpy() if hasattr(y, "to_numpy") else (y.toarray() if hasattr(y, "toarray") else np.asarray(y))
        if target == "continuous":
            check_target_values(y, n_rows)
            return y.to_numpy(copy=True) if hasattr(y, "to_numpy") else np.array(y, copy=True)
        return super()._check_target(y, n_rows)

    def _fit_resample(self, X, y, sample_weight):
        if self.target_type_ == "multilabel":  # the label names travel with the matrix
            import pandas as pd

            y = pd.DataFrame(y, columns=self._label_names)
        issues = find_label_issues(
            X,
            y,
            estimator=self.estimator,
            method=self.method,
            cv=self.cv,
            sample_weight=sample_weight if self.estimator is None or _takes_weights(self.estimator) else None,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            target_type=self.target_type_,
        )
        self.label_issues_ = issues
        is_issue = issues["is_label_issue"].to_numpy(dtype=bool)
        self.n_issues_ = int(is_issue.sum())
        if self.target_type_ != "classes":  # no classes: the limit is a share of all rows
            if self.target_type_ == "multilabel":
                self.classes_ = np.asarray(issues.attrs["labels"], dtype=object)
            codes = np.zeros(len(is_issue), dtype=np.intp)
            quality = issues["label_quality"].to_numpy(dtype=np.float64)
            acted = limit_per_class(is_issue, codes, quality, self.max_class_fraction)
            self.is_cleaned_ = acted
            if self.action == "drop":
                return Resampled(np.flatnonzero(~acted))
            if self.target_type_ == "continuous":  # Huber's weight: as if the residual were at the threshold
                quality = issues.attrs["threshold"] / np.maximum(np.abs(issues["residual_score"].to_numpy()), 1e-300)
            factor = np.where(acted, np.minimum(quality, 1.0), 1.0)
            return Resampled(np.arange(len(is_issue)),
                             sample_weight=factor if sample_weight is None else sample_weight * factor)
        classes, codes = np.unique(issues["given_label"].to_numpy(), return_inverse=True)
        quality = issues["label_quality"].to_numpy(dtype=np.float64)
        acted = limit_per_class(is_issue, codes, quality, self.max_class_fraction)
        n_rows = len(y)
        if self.action == "relabel":
            suggested = issues["suggested_label"].to_numpy()
            suggested_codes = np.searchsorted(classes, suggested)
            acted &= relabel_is_justified(codes, suggested_codes, quality, _suggested_proba(issues),
                                          np.bincount(codes, minlength=len(classes)))
            self.is_cleaned_ = acted
            new_labels = y.copy()
            new_labels[acted] = suggested[acted]
            return Resampled(np.arange(n_rows), y=new_labels)
        self.is_cleaned_ = acted
        if self.action == "drop":
            return Resampled(np.flatnonzero(~acted))
        factor = np.where(acted, quality, 1.0)
        weights = factor if sample_weight is None else sample_weight * factor
        return Resampled(np.arange(n_rows), sample_weight=weights)


def _takes_weights(estimator) -> bool:
    return _weight_parameter(estimator) is not None


def _suggested_proba(issues) -> np.ndarray:
    """The evidence's probability of the suggested label, from the why-columns and the model weight."""
    weight = float(issues.attrs.get("model_weight", 1.0))
    model = np.nan_to_num(issues["model_suggested_proba"].to_numpy(dtype=np.float64))
    neighbors = np.nan_to_num(issues["neighbor_suggested_share"].to_numpy(dtype=np.float64))
    return weight * model + (1 - weight) * neighbors
