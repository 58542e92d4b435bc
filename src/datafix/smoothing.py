"""Soft labels for every estimator: label smoothing and mixup as fixes.

scikit-learn estimators take hard labels, one class per row. A soft label (a
probability for every class) still reaches them through an exact bridge: an
estimator that minimises a weighted log loss, fitted on each row repeated once
per class ``c`` with weight ``q_c`` (the row's soft probability of class ``c``),
minimises the soft-label cross-entropy ``-sum_c q_c log p_c(x)``. The fixes in
this module produce exactly that expansion:

* :class:`LabelSmoother` replaces each hard label by
  ``(1 - epsilon) * one_hot + epsilon * prior``;
* :class:`Mixup` adds convex combinations of pairs of rows whose soft label
  mixes the two labels in the same proportion;
* :func:`smooth_labels` returns the soft targets as an ``(n, K)`` array, for
  torch losses and models that take soft targets directly.

Expanded rows carry weights, so both fixes always return
``(X, y, sample_weight)``; use them in :class:`datafix.Pipeline` (which hands
the weights to the final estimator), not in ``imblearn.pipeline.Pipeline``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ._compat import Interval, StrOptions, validate_parameter_constraints
from ._deprecation import DEPRECATED, renamed_parameter
from .base import BaseFix, Resampled
from .validation import check_labels

__all__ = ["LabelSmoother", "Mixup", "smooth_labels", "SMOOTHING_PRIORS"]

SMOOTHING_PRIORS = ("uniform", "class_frequency")

_SMOOTHING_CONSTRAINTS = {
    "epsilon": [Interval(Real, 0, 1, closed="both")],
    "prior": [StrOptions(set(SMOOTHING_PRIORS))],
}


def _class_prior(prior: str, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """The distribution the smoothed mass is spread over, one entry per class."""
    if prior == "uniform":
        return np.full(n_classes, 1.0 / n_classes)
    counts = np.bincount(codes, minlength=n_classes).astype(np.float64)
    return counts / counts.sum()


def _soft_targets(codes: np.ndarray, n_classes: int, epsilon: float, prior: np.ndarray) -> np.ndarray:
    """``(1 - epsilon) * one_hot(codes) + epsilon * prior``, shape (n, n_classes)."""
    targets = np.empty((len(codes), n_classes), dtype=np.float64)
    targets[:] = epsilon * prior
    targets[np.arange(len(codes)), codes] += 1.0 - epsilon
    return targets


def _encode_labels(y: np.ndarray, classes) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(classes, codes)``: the column order and each label's column."""
    if classes is None:
        return np.unique(y, return_inverse=True)
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(f"classes must be a 1-D list of class labels, got an array of shape {classes.shape}.")
    column_index = pd.Index(classes)
    if not column_index.is_unique:
        duplicated = column_index[column_index.duplicated()].unique()[:5].tolist()
        raise ValueError(f"classes has duplicate entries {duplicated}; list each class once.")
    if len(classes) < 2:
        raise ValueError(
            f"classes has {len(classes)} entry; at least 2 classes are needed for soft labels."
        )
    codes = column_index.get_indexer(y)
    unknown = codes < 0
    if unknown.any():
        missing = pd.unique(y[unknown])[:5].tolist()
        raise ValueError(
            f"y has labels {missing} that are not in classes {classes[:10].tolist()}; "
            f"add them to classes (or leave classes=None to use the labels found in y)."
        )
    return classes, codes.astype(np.intp)


def smooth_labels(y, epsilon=0.1, *, classes=None, prior="uniform") -> np.ndarray:
    """Soft targets for hard labels: ``(1 - epsilon) * one_hot + epsilon * prior``.

    Each row's target is a probability distribution over the classes: the
    row's own class gets ``1 - epsilon + epsilon * prior_k``, every other class
    ``c`` gets ``epsilon * prior_c``. Use the result as the target of a loss
    that takes class probabilities, e.g. ``torch.nn.CrossEntropyLoss`` (which
    accepts probabilities as targets), or of a model you train yourself. For a
    scikit-learn estimator use :class:`LabelSmoother`, which reaches the same
    objective through weighted rows.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Hard class labels (numbers or strings).
    epsilon : float in [0, 1], default=0.1
        The probability mass moved from the labelled class to the prior.
        ``0`` gives one-hot targets.
    classes : array-like of shape (n_classes,), optional
        The classes, in column order. Defaults to the sorted labels of ``y``.
        Pass it when ``y`` (a batch, say) may miss some classes; every label of
        ``y`` must be in it.
    prior : {"uniform", "class_frequency"}, default="uniform"
        How the smoothed mass is spread: equally over the classes
        (``1 / K`` each, the usual label smoothing and torch's
        ``label_smoothing``), or in proportion to each class's frequency in
        ``y``.

    Returns
    -------
    ndarray of float64, shape (n_samples, n_classes)
        Rows sum to 1; columns follow ``classes``.

    Raises
    ------
    ValueError
        For missing or 2-D labels, ``epsilon`` outside [0, 1], an unknown
        ``prior``, labels not in ``classes``, or fewer than two classes.

    See Also
    --------
    LabelSmoother : the same targets as weighted rows, for scikit-learn estimators.

    Examples
    --------
    >>> from datafix import smooth_labels
    >>> smooth_labels(["cat", "dog", "cat"], epsilon=0.2)
    array([[0.9, 0.1],
           [0.1, 0.9],
           [0.9, 0.1]])
    >>> smooth_labels([0, 2], epsilon=0.3, classes=[0, 1, 2])
    array([[0.8, 0.1, 0.1],
           [0.1, 0.1, 0.8]])
    """
    validate_parameter_constraints(
        _SMOOTHING_CONSTRAINTS, {"epsilon": epsilon, "prior": prior}, caller_name="smooth_labels"
    )
    labels = check_labels(y, min_classes=1 if classes is not None else 2)
    classes, codes = _encode_labels(labels, classes)
    prior_vector = _class_prior(prior, codes, len(classes))
    return _soft_targets(codes, len(classes), float(epsilon), prior_vector)


def _feature_bytes_per_row(X) -> int:
    if isinstance(X, pd.DataFrame):
        return int(sum(getattr(dtype, "itemsize", 8) for dtype in X.dtypes))
    if sp.issparse(X):
        return int(X.data.itemsize + X.indices.itemsize) * max(1, X.nnz // max(1, X.shape[0]))
    return int(X.dtype.itemsize * int(np.prod(X.shape[1:])))


class LabelSmoother(BaseFix):
    """Label smoothing for any estimator that takes ``sample_weight``.

    Each training row with label ``k`` becomes one row per class ``c``, with
    the same features, label ``c`` and weight
    ``w * ((1 - epsilon) * [c == k] + epsilon * prior_c)``, where ``w`` is the
    row's incoming weight (1 when none was given). An estimator that minimises
    a weighted log loss then minimises the soft-label cross-entropy with the
    targets of :func:`smooth_labels`, exactly: LogisticRegression,
    SGDClassifier(loss="log_loss"), HistGradientBoostingClassifier,
    LGBMClassifier, XGBClassifier, an MLP with ``sample_weight``...
    Each source row's weights sum to its incoming weight, so the total weight,
    and with it the meaning of regularisation strength, is unchanged.

    The cost is ``K`` times the rows (for ``K`` classes). Rows whose weight is
    zero are not emitted (so ``epsilon=0`` returns the input rows unchanged,
    with their weights). The expanded rows are copies, not synthetic:
    ``source_indices_`` repeats each input row once per class, in input order
    and class order, and pandas output repeats each row's index label. At
    predict and score time the fix does nothing, so cross-validation scores
    the model on the hard labels.

    Parameters
    ----------
    epsilon : float in [0, 1], default=0.1
        The probability mass moved from the labelled class to the prior.
    prior : {"uniform", "class_frequency"}, default="uniform"
        How the smoothed mass is spread over the classes: equally, or in
        proportion to each class's row count in the training labels (row
        counts, not weighted counts).
    max_output_rows : int, default=10_000_000
        The largest training set the expansion may produce (rows x classes);
        a larger one raises a ``ValueError`` before any work is done.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes, in the order their expanded rows appear.
    prior_ : ndarray of shape (n_classes,)
        The prior the smoothed mass was spread over.
    source_indices_ : ndarray of int
        For each output row, its input row.
    is_synthetic_ : ndarray of bool
        All False: expanded rows are copies of input rows.

    See Also
    --------
    smooth_labels : the soft targets as an ``(n, K)`` array.
    Mixup : soft labels from convex combinations of rows.

    Examples
    --------
    >>> from datafix import LabelSmoother
    >>> X = [[0.0], [1.0], [2.0]]
    >>> X_out, y_out, weights = LabelSmoother(epsilon=0.2).fit_resample(X, ["a", "b", "a"])
    >>> y_out
    array(['a', 'b', 'a', 'b', 'a', 'b'], dtype='<U1')
    >>> weights
    array([0.9, 0.1, 0.1, 0.9, 0.9, 0.1])

    In a pipeline the final estimator gets the weights:

    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from datafix import make_pipeline
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> pipe = make_pipeline(LabelSmoother(epsilon=0.1), LogisticRegression()).fit(X, y)
    >>> len(pipe.source_indices_)
    200
    """

    _parameter_constraints = {
        **_SMOOTHING_CONSTRAINTS,
        "max_output_rows": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, epsilon=0.1, *, prior="uniform", max_output_rows=10_000_000):
        self.epsilon = epsilon
        self.prior = prior
        self.max_output_rows = max_output_rows

    def _fit_resample(self, X, y, sample_weight):
        classes, codes = np.unique(y, return_inverse=True)
        n_classes = len(classes)
        epsilon = float(self.epsilon)
        self.prior_ = _class_prior(self.prior, codes, n_classes)
        # Every prior entry is positive, so a row with positive weight expands
        # into K rows when epsilon > 0 and into 1 row when epsilon == 0.
        n_positive = len(y) if sample_weight is None else int(np.count_nonzero(sample_weight))
        n_output = n_positive * (n_classes if epsilon > 0 else 1)
        if n_output > self.max_output_rows:
            gigabytes = n_output * _feature_bytes_per_row(X) / 1e9
            raise ValueError(
                f"LabelSmoother would expand {n_positive:,} rows x {n_classes} classes into "
                f"{n_output:,} weighted rows (about {gigabytes:.1f} GB of features), more than "
                f"max_output_rows={self.max_output_rows:,}. Raise max_output_rows if you have the "
                f"memory, train on a subsample, or give a model that takes soft targets the output "
                f"of datafix.smooth_labels (e.g. a torch model with CrossEntropyLoss)."
            )
        weights = _soft_targets(codes, n_classes, epsilon, self.prior_)
        if sample_weight is not None:
            weights *= sample_weight[:, None]
        emitted = weights > 0
        rows, columns = np.nonzero(emitted)
        return Resampled(rows, y=classes[columns], sample_weight=weights[emitted])


class Mixup(BaseFix):
    """Mixup for any estimator that takes ``sample_weight``: soft-labelled blends of rows.

    Adds ``n_samples`` synthetic rows ``lam * x_i + (1 - lam) * x_j`` with
    ``lam ~ Beta(mixup_alpha, mixup_alpha)`` and ``i, j`` drawn from the training rows
    (Zhang et al., 2018, "mixup: Beyond Empirical Risk Minimization"). The
    blend's soft label, ``lam`` on ``y_i``'s class and ``1 - lam`` on ``y_j``'s,
    is expressed as :class:`LabelSmoother` does: the blend appears once with
    label ``y_i`` and weight ``lam * w_i`` and once with label ``y_j`` and
    weight ``(1 - lam) * w_i`` (a single row with weight ``w_i`` when both
    labels agree), where ``w_i`` is the incoming weight of the source row
    ``x_i`` (1 when none was given): as every synthetic row, a blend inherits
    its source row's weight. Zero-weight rows are not emitted.

    The output is the input rows, unchanged and in order, followed by the
    synthetic rows (``is_synthetic_`` True, ``source_indices_`` the row
    ``x_i``). Each row ``i`` is used as a source about equally often (rows are
    visited in a random order); partners ``j`` are drawn uniformly. Rows with
    zero incoming weight take part in no blend.

    Features must be floating point (integer and boolean features cannot hold
    a blend; convert them with ``X.astype(float)``) and finite.

    Parameters
    ----------
    mixup_alpha : float > 0, default=0.2
        The concentration of the Beta distribution ``lam`` is drawn from
        (timm's name; ``alpha`` in the mixup paper): small values keep blends
        close to one of the two rows, ``mixup_alpha=1`` draws ``lam``
        uniformly. Not focal loss's ``alpha``, which weights classes.
    n_samples : float > 0 or int >= 0, default=1.0
        How many blends to add: a float is a fraction of the training rows
        (``1.0`` adds as many blends as there are rows), an int is a count.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of pairs and of ``lam``.
    alpha : float > 0
        Deprecated old name of ``mixup_alpha``; removed in datafix 0.3.

    Attributes
    ----------
    pairs_ : ndarray of int, shape (n_blends, 2)
        For each blend, the input rows ``i`` (its source) and ``j``.
    lambdas_ : ndarray of float, shape (n_blends,)
        For each blend, the weight ``lam`` of row ``i``.
    source_indices_, is_synthetic_ : ndarray
        Provenance of every output row.

    See Also
    --------
    LabelSmoother : soft labels by smoothing towards a prior.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix import Mixup
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> mixup = Mixup(mixup_alpha=0.4, n_samples=2, random_state=0)
    >>> X_out, y_out, weights = mixup.fit_resample(X, y)
    >>> mixup.pairs_.shape, mixup.lambdas_.shape
    ((2, 2), (2,))

    The input rows come first, unchanged; then the blends, each once per
    label of its pair, with weights that sum to 1 per blend:

    >>> bool(np.all(X_out[:4] == X)), bool(mixup.is_synthetic_[4:].all())
    (True, True)
    >>> float(weights[4:].sum())
    2.0
    """

    _parameter_constraints = {
        "mixup_alpha": [Interval(Real, 0, None, closed="neither")],
        "n_samples": [Interval(Integral, 0, None, closed="left"), Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "alpha": [StrOptions({DEPRECATED}), Interval(Real, 0, None, closed="neither")],
    }
    _requires_numeric = True
    _allow_nan = False

    def __init__(self, mixup_alpha=0.2, *, n_samples=1.0, random_state=None, alpha=DEPRECATED):
        self.mixup_alpha = mixup_alpha
        self.n_samples = n_samples
        self.random_state = random_state
        self.alpha = alpha

    def _check_features(self, X):
        X = super()._check_features(X)
        if isinstance(X, pd.DataFrame):
            not_float = [column for column, dtype in X.dtypes.items() if not pd.api.types.is_float_dtype(dtype)]
        else:
            not_float = [] if X.dtype.kind in "fc" else [f"dtype {X.dtype}"]
        if not_float:
            raise ValueError(
                f"Mixup blends rows into fractional values, which X's non-float features "
                f"{not_float[:5]} cannot hold. Convert them to float first, e.g. X.astype(float)."
            )
        return X

    def _number_of_blends(self, n_rows: int) -> int:
        if isinstance(self.n_samples, Integral):
            return int(self.n_samples)
        return int(round(float(self.n_samples) * n_rows))

    def _fit_resample(self, X, y, sample_weight):
        mixup_alpha = renamed_parameter(self.mixup_alpha, self.alpha, old="alpha", new="mixup_alpha",
                                        owner="Mixup", default=0.2)
        rng = check_random_state(self.random_state)
        n_rows = len(y)
        n_blends = self._number_of_blends(n_rows)
        eligible = np.arange(n_rows) if sample_weight is None else np.flatnonzero(sample_weight > 0)
        repeats = -(-n_blends // len(eligible))
        visits = [rng.permutation(eligible) for _ in range(repeats)]
        first = np.concatenate(visits)[:n_blends].astype(np.intp) if visits else np.zeros(0, dtype=np.intp)
        second = rng.choice(eligible, size=n_blends).astype(np.intp)
        lambdas = rng.beta(mixup_alpha, mixup_alpha, size=n_blends)
        self.pairs_ = np.column_stack([first, second])
        self.lambdas_ = lambdas

        if sp.issparse(X):
            blends = sp.csr_matrix(X[first].multiply(lambdas[:, None]) + X[second].multiply(1.0 - lambdas[:, None]))
        else:
            values = X.to_numpy(dtype=np.float64) if isinstance(X, pd.DataFrame) else np.asarray(X)
            blends = lambdas[:, None] * values[first] + (1.0 - lambdas[:, None]) * values[second]

        # Two candidate rows per blend: (label y_i, lam) and (label y_j, 1 - lam).
        same_label = y[first] == y[second]
        share = np.column_stack([np.where(same_label, 1.0, lambdas), np.where(same_label, 0.0, 1.0 - lambdas)])
        source_weight = np.ones(n_blends) if sample_weight is None else sample_weight[first]
        candidate_weights = (share * source_weight[:, None]).ravel()
        candidate_labels = np.column_stack([y[first], y[second]]).ravel()
        emitted = candidate_weights > 0
        blend_of_row = np.repeat(np.arange(n_blends), 2)[emitted]

        original_weights = np.ones(n_rows) if sample_weight is None else sample_weight
        n_synthetic = len(blend_of_row)
        return Resampled(
            source_indices=np.concatenate([np.arange(n_rows), first[blend_of_row]]),
            y=np.concatenate([y, candidate_labels[emitted]]),
            sample_weight=np.concatenate([original_weights, candidate_weights[emitted]]),
            is_synthetic=np.concatenate([np.zeros(n_rows, dtype=bool), np.ones(n_synthetic, dtype=bool)]),
            X_synthetic=blends[blend_of_row],
        )
