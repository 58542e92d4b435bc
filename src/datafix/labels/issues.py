"""Finding rows whose given label is probably wrong: :func:`find_label_issues`.

Two kinds of evidence, and their combination:

``"confident_learning"``
    cleanlab's :func:`cleanlab.filter.find_label_issues` (prune by noise
    rate) on out-of-fold predicted probabilities. cleanlab does the work;
    datafix gives it the probabilities in float32, which gives the same mask
    (checked by the tests and the benchmark) in less time.
``"knn"``
    Each row's label against its neighbours' labels. For row ``i`` with
    neighbours ``j`` (the ``N_NEIGHBORS`` nearest other rows of the encoded,
    standardised features, from :mod:`datafix.neighbors`) at distances
    ``d_j``, the weight of neighbour ``j`` is ``exp(-(d_j / d_max)^2)``,
    ``d_max`` the distance to the farthest of them (nearer neighbours count
    more, on a scale that adapts to the local density). The neighbourhood
    probability of class ``c`` is the weighted share of the neighbours
    labelled ``c``, plus a small uniform prior (``0.1 / n_classes`` before
    normalising). A row is an issue when another class has a larger
    neighbourhood probability than its given label.
``"auto"``
    A mixture ``w * model + (1 - w) * neighbourhood`` of the two probability
    matrices, fed to cleanlab's confident learning. The weight ``w`` adapts
    to each dataset: of ``w`` in 0, 0.1, ..., 1 it is the one whose mixture
    best predicts the *given* labels (the smallest log loss of the given
    label, each class counting equally, so a small class is not drowned by a
    large one). Both evidences are out of sample (the model's by its folds,
    the neighbourhood's because a row is not its own neighbour), and label
    noise that does not depend on the evidence lowers both the same way, so
    the source that predicts the noisy labels better is the better judge of
    them. ``w = 1`` (the model alone) when the neighbourhood does not help;
    ties go to the model. cleanlab then removes, of each (given, true) pair
    of classes, the rows with the largest margin under the mixture; how many
    it removes is the larger of the two confident joints' counts, the
    model's and the mixture's (:func:`combined_confident_joint`), so the
    neighbours choose which rows go but never hide errors that the model
    alone counts - except for moves into a larger class, where the mixture's
    count stands (a model that cannot learn a small class counts its rows
    as errors). The features are encoded and standardised
    (:func:`datafix._tabular.encode_features`) before the neighbour search,
    so the rule does not depend on the units of the columns. Without ``X``
    (``X=None`` with ``pred_proba`` and no ``neighbor_graph``) there is no
    neighbourhood, and ``"auto"`` is confident learning on ``pred_proba``.

Every path - :func:`find_label_issues`, :class:`~datafix.LabelCleaner`, the
audit's ``label`` check and ``datafix clean`` - runs the same code on the same
encoding, so at the same defaults and ``random_state`` they flag the same
rows.
"""

from __future__ import annotations

import os
from numbers import Integral

import numpy as np
import pandas as pd

from .._tabular import encode_features, plain_value
from ..neighbors import NeighborGraph, choose_algorithm, compute_neighbor_graph
from ..validation import check_features, check_labels, is_continuous_target, num_rows
from ._encoding import default_classifier
from .multilabel import check_label_proba, check_multilabel_target, multilabel_issues
from .out_of_fold import (
    _check_folds,
    check_cv_counts,
    check_fold_weights,
    check_groups,
    out_of_fold_proba,
)
from .regression import (
    check_predictions,
    check_regressor,
    check_target_values,
    regression_issues,
)

__all__ = ["LABEL_ISSUE_METHODS", "N_NEIGHBORS", "TARGET_TYPES", "find_label_issues", "target_type_of"]

LABEL_ISSUE_METHODS = ("auto", "confident_learning", "knn")
#: ``target_type=`` of :func:`find_label_issues`: detected (``"auto"``), or said.
TARGET_TYPES = ("auto", "classes", "continuous", "multilabel")
#: Neighbours per row for the neighbourhood evidence.
N_NEIGHBORS = 10
#: The model weights ``"auto"`` chooses from (the neighbourhood has the rest).
MODEL_WEIGHTS = np.round(np.linspace(0.0, 1.0, 11), 1)
_PRIOR = 0.1
_CHUNK_VALUES = 2**20  # values per temporary array in the neighbour shares
_SUM_TOLERANCE = 1e-3


def check_pred_proba(pred_proba, classes, n_rows: int) -> np.ndarray:
    """Validate out-of-fold probabilities and return them as float32, columns in sorted class order.

    ``pred_proba`` is an array with one column per class of ``y`` in sorted
    order, or a DataFrame whose columns are the class labels (any order).
    """
    if isinstance(pred_proba, pd.DataFrame):
        columns = list(pred_proba.columns)
        missing = [plain_value(c) for c in classes if c not in set(columns)]
        if missing:
            raise ValueError(
                f"labels {missing[:5]} of y are absent from pred_proba's columns {columns[:10]}; pred_proba "
                f"needs one column per class of y, named by the class label."
            )
        extra = [c for c in columns if c not in set(classes.tolist())]
        if extra:
            raise ValueError(
                f"pred_proba has columns {extra[:5]} for classes that y does not contain; y has classes "
                f"{[plain_value(c) for c in classes[:10]]}. Pass only the columns of the classes of y."
            )
        values = pred_proba[list(classes)].to_numpy(dtype=np.float64)
    else:
        values = np.asarray(pred_proba)
        if values.dtype.kind not in "biuf":
            raise ValueError(f"pred_proba must be numeric probabilities, got dtype {values.dtype}.")
    if values.ndim != 2:
        raise ValueError(
            f"pred_proba must be 2-D (one row per sample, one column per class), got shape {values.shape}."
        )
    if values.shape[0] != n_rows:
        raise ValueError(
            f"pred_proba has {values.shape[0]} rows but y has {n_rows} labels; pass one row of probabilities "
            f"per labelled row."
        )
    if values.shape[1] != len(classes):
        if classes.dtype.kind in "iu" and classes.min() >= 0 and classes.max() >= values.shape[1]:
            absent = [c for c in classes.tolist() if c >= values.shape[1]]
            raise ValueError(
                f"labels {absent[:5]} of y are absent from pred_proba's columns: it has {values.shape[1]} "
                f"columns (classes in sorted order) but y has {len(classes)} classes {classes.tolist()[:10]}."
            )
        raise ValueError(
            f"pred_proba has {values.shape[1]} columns but y has {len(classes)} classes "
            f"{[plain_value(c) for c in classes[:10]]}; pass one column per class of y, in sorted class order."
        )
    values32 = values.astype(np.float32)
    low, high = values32.min(), values32.max()
    if not (np.isfinite(low) and np.isfinite(high)) or low < 0 or high > 1:
        raise ValueError(
            "pred_proba must hold probabilities in [0, 1] (no NaN or inf); found values in "
            f"[{low:.4g}, {high:.4g}]. Pass predict_proba output, not decision_function or logits."
        )
    # row sums as one matrix-vector product (much faster than sum(axis=1) on many rows); float32 rounding,
    # under 1e-4 even for a thousand classes, is far inside the tolerance
    sums = (values32 @ np.ones(values32.shape[1], dtype=np.float32)).astype(np.float64)
    deviation = np.abs(sums - 1.0)
    worst = int(np.argmax(deviation))
    if deviation[worst] > _SUM_TOLERANCE:
        raise ValueError(
            f"every row of pred_proba must sum to 1; {int(np.sum(deviation > _SUM_TOLERANCE))} rows do not "
            f"(row {worst} sums to {sums[worst]:.6g}). Pass predict_proba output, or divide each row by its sum."
        )
    return values32


def encode_labels(labels: np.ndarray):
    """``np.unique(labels, return_inverse=True)``, by counting when the labels are small integers.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.issues import encode_labels
    >>> classes, codes = encode_labels(np.array([7, 3, 7, 5]))
    >>> classes.tolist(), codes.tolist()
    ([3, 5, 7], [2, 0, 2, 1])
    """
    if labels.dtype.kind in "iu" and len(labels):
        low, high = int(labels.min()), int(labels.max())
        if high - low <= max(1024, len(labels)):
            present = np.bincount(labels - low, minlength=high - low + 1) > 0
            lookup = np.cumsum(present) - 1
            classes = (np.flatnonzero(present) + low).astype(labels.dtype)
            return classes, lookup[labels - low].astype(np.intp)
    return np.unique(labels, return_inverse=True)


def _check_two_rows_per_class(classes, counts) -> None:
    single = np.flatnonzero(counts < 2)
    if len(single):
        others = f" (and {len(single) - 1} other classes)" if len(single) > 1 else ""
        raise ValueError(
            f"class {plain_value(classes[single[0]])!r} of y has a single row{others}: a label seen once cannot be judged "
            f"against other rows of its class. Drop or relabel that row, or merge the class into another."
        )


def neighbor_label_proba(graph, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """The distance-weighted class shares of each row's neighbours (rows sum to 1).

    Parameters
    ----------
    graph : datafix.neighbors.NeighborGraph
        Each row's nearest other rows.
    codes : ndarray of int, shape (n_samples,)
        Class codes ``0 .. n_classes - 1`` of the rows.
    n_classes : int

    Returns
    -------
    ndarray of float32, shape (n_samples, n_classes)

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.neighbors import compute_neighbor_graph
    >>> from datafix.labels.issues import neighbor_label_proba
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    >>> proba = neighbor_label_proba(compute_neighbor_graph(X, 2), np.array([0, 0, 1, 1, 1, 1]), 2)
    >>> proba.argmax(axis=1).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    n_rows, k = graph.distances.shape
    result = np.empty((n_rows, n_classes), dtype=np.float32)
    step = max(1, _CHUNK_VALUES // max(k, n_classes))  # in chunks of rows: temporaries stay a few MiB
    for start in range(0, n_rows, step):
        stop = min(start + step, n_rows)
        distances = np.asarray(graph.distances[start:stop], dtype=np.float64)
        farthest = distances[:, -1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = np.where(farthest > 0, distances / farthest, 0.0)
        weights = np.exp(-(scaled**2))
        flat = np.repeat(np.arange(stop - start), k) * n_classes + codes[graph.indices[start:stop]].ravel()
        shares = np.bincount(flat, weights=weights.ravel(), minlength=(stop - start) * n_classes)
        shares = shares.reshape(stop - start, n_classes) + _PRIOR / n_classes
        result[start:stop] = shares / shares.sum(axis=1, keepdims=True)
    return result


def _check_graph(graph, n_rows: int):
    """The graph's first ``N_NEIGHBORS`` neighbours, after checking it describes these ``n_rows`` rows."""
    if not isinstance(graph, NeighborGraph):
        raise ValueError(
            f"neighbor_graph must be a datafix.neighbors.NeighborGraph (from compute_neighbor_graph), got "
            f"{type(graph).__name__}."
        )
    if graph.n_samples != n_rows:
        raise ValueError(
            f"neighbor_graph has {graph.n_samples} rows but y has {n_rows} labels; compute the graph on the "
            f"same rows, in the same order."
        )
    return graph.subgraph(min(N_NEIGHBORS, graph.n_neighbors))


#: With ``n_jobs=None``, cleanlab runs in one process below this many probabilities (rows x classes), and with its
#: own default (a process per physical core) from there on, where the pool's start-up pays for itself (measured by
#: ``benchmarks/label_issues.py --part speed-proba``; the numbers are in the guide's benchmark notes).
CLEANLAB_POOL_MIN_VALUES = 2_000_000


def _cleanlab_jobs(n_jobs, n_values: int):
    """The ``n_jobs`` to hand cleanlab: the caller's, or by size when the caller left it to datafix."""
    if n_jobs is None:
        return 1 if n_values < CLEANLAB_POOL_MIN_VALUES else None  # None: cleanlab's default
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return int(n_jobs)


def _small_codes(codes, n_classes):
    # the smallest integer type for the codes: cleanlab compares them with every class, faster on narrow integers
    # (the mask is the same; see the guide's benchmark notes)
    return codes.astype(np.int16 if n_classes <= np.iinfo(np.int16).max else np.int64)


def _confident_learning(codes, proba32, n_jobs, model_proba=None) -> np.ndarray:
    """cleanlab's prune-by-noise-rate mask on ``proba32``; given ``model_proba`` (for a mixture), with
    :func:`combined_confident_joint`'s counts."""
    import cleanlab.filter

    small_codes = _small_codes(codes, proba32.shape[1])
    jobs = _cleanlab_jobs(n_jobs, proba32.size)
    joint = None if model_proba is None else combined_confident_joint(small_codes, model_proba, proba32)
    return np.asarray(cleanlab.filter.find_label_issues(small_codes, proba32, n_jobs=jobs, confident_joint=joint),
                      dtype=bool)


def combined_confident_joint(codes, model_proba, mixed_proba) -> np.ndarray:
    """How many rows of each given class ``"auto"`` removes as each other class.

    cleanlab's confident joints (:func:`cleanlab.count.compute_confident_joint`,
    calibrated; row = given class, column = true class) of the model alone
    and of the mixture. Entry ``(i, j)`` off the diagonal is the larger of
    the two, except where class ``j`` has more rows than class ``i``: a move
    into a larger class keeps the mixture's count. The diagonal is the
    mixture's. The mixture then chooses *which* rows of each pair are
    removed, by cleanlab's margin rule.

    Why the larger count: each source under-counts the errors it has
    absorbed. The model is fitted on the noisy labels, and flips that sit
    together (instance-dependent noise, near a class boundary) vouch for
    each other as neighbours; a mixture that predicts the given labels
    better (the weight rule) can then count fewer errors than confident
    learning on the model alone finds. Why not into a larger class: a model
    that cannot represent a small class gives all of its rows a low
    probability and counts them as errors of the big one; rare is not
    wrong, so there the mixture, which the given labels preferred, decides.
    Chosen on the tune half of ``benchmarks/label_issues.py --part protocol``
    (the guide has the numbers).

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.issues import combined_confident_joint
    >>> codes = np.array([0, 0, 0, 1, 1, 1])
    >>> model = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9], [0.2, 0.8], [0.3, 0.7]])
    >>> flat = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.1, 0.9], [0.2, 0.8], [0.3, 0.7]])
    >>> int(combined_confident_joint(codes, model, flat)[0, 1])   # the model's count of 0 -> 1
    1
    >>> int(combined_confident_joint(codes[1:], model[1:], flat[1:])[0, 1])   # 0 is now the smaller class
    0
    """
    from cleanlab.count import compute_confident_joint

    by_model = compute_confident_joint(codes, np.asarray(model_proba, dtype=np.float32))
    by_mixture = compute_confident_joint(codes, np.asarray(mixed_proba, dtype=np.float32))
    counts = np.bincount(codes, minlength=len(by_mixture))
    into_larger = counts[:, None] < counts[None, :]
    joint = np.where(into_larger, by_mixture, np.maximum(by_model, by_mixture))
    np.fill_diagonal(joint, np.diagonal(by_mixture))
    return joint


def choose_model_weight(model_proba, neighbor_proba, codes, n_classes: int) -> float:
    """The weight of the model in ``"auto"``'s mixture: the one that best predicts the given labels.

    Of :data:`MODEL_WEIGHTS`, the ``w`` whose mixture ``w * model + (1 - w) *
    neighbours`` gives the given labels the smallest log loss, averaged per
    class and then over classes (every class counts the same). Ties go to
    the larger weight, so the model alone (``w = 1``) wins when the
    neighbours add nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.issues import choose_model_weight
    >>> codes = np.array([0, 0, 1, 1])
    >>> sharp = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
    >>> flat = np.full((4, 2), 0.5)
    >>> choose_model_weight(sharp, flat, codes, 2), choose_model_weight(flat, sharp, codes, 2)
    (1.0, 0.0)
    """
    rows = np.arange(len(codes))
    model_given = model_proba[rows, codes].astype(np.float64)
    neighbor_given = neighbor_proba[rows, codes].astype(np.float64)
    counts = np.bincount(codes, minlength=n_classes)
    row_weight = 1.0 / counts[codes]
    best_weight, best_loss = 1.0, np.inf
    for weight in MODEL_WEIGHTS[::-1]:  # from the model alone down: ties keep the larger weight
        mixed = np.clip(weight * model_given + (1 - weight) * neighbor_given, 1e-6, 1.0)
        loss = float(-(row_weight @ np.log(mixed)))
        if loss < best_loss - 1e-12:
            best_weight, best_loss = float(weight), loss
    return best_weight


def _suggestions(proba, codes, is_issue):
    """The most probable class; for a flagged row whose given label is the most probable, the runner-up."""
    best = proba.argmax(axis=1)
    tie = is_issue & (best == codes)
    if tie.any():
        others = proba[tie].copy()
        others[np.arange(len(others)), codes[tie]] = -np.inf
        best[tie] = others.argmax(axis=1)
    return best


def _result_index(X, y, n_rows):
    if isinstance(X, pd.DataFrame):
        return X.index
    if X is None and isinstance(y, pd.Series):
        return y.index
    return pd.RangeIndex(n_rows)


def target_type_of(y, target_type="auto") -> str:
    """What kind of target ``y`` is: ``"classes"``, ``"continuous"`` or ``"multilabel"``.

    With ``target_type="auto"``: a 2-D ``y`` (array, sparse matrix or
    DataFrame of several columns) is a multi-label indicator matrix; a 1-D
    numeric ``y`` that looks continuous
    (:func:`datafix.validation.is_continuous_target`: not all whole numbers,
    more than 20 distinct values and more than 5% of the rows) is continuous;
    anything else holds classes. Any other ``target_type`` is taken as said,
    after a check that ``y`` has the right shape.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels.issues import target_type_of
    >>> target_type_of(["a", "b", "a"]), target_type_of(np.linspace(0, 1, 50)), target_type_of(np.eye(3))
    ('classes', 'continuous', 'multilabel')
    """
    if target_type not in TARGET_TYPES:
        raise ValueError(f"target_type must be one of {list(TARGET_TYPES)}, got {target_type!r}.")
    if isinstance(y, pd.DataFrame):
        n_dims = 2 if y.shape[1] > 1 or target_type == "multilabel" else 1
    elif hasattr(y, "ndim") and hasattr(y, "shape"):  # arrays, Series and sparse matrices
        n_dims = y.ndim if not (y.ndim == 2 and y.shape[1] == 1 and target_type != "multilabel") else 1
    elif isinstance(y, (list, tuple)) and any(isinstance(v, (list, tuple, set)) for v in y):
        raise ValueError(
            "y holds lists of labels; for a multi-label target pass a 0/1 indicator matrix, one column per label: "
            "sklearn.preprocessing.MultiLabelBinarizer().fit_transform(y)."
        )
    else:
        n_dims = np.ndim(y) if y is not None else 1
    if target_type == "auto":
        if n_dims == 2:
            return "multilabel"
        values = y.to_numpy() if isinstance(y, pd.Series) else y
        return "continuous" if y is not None and n_dims == 1 and is_continuous_target(values) else "classes"
    if target_type == "multilabel" and n_dims != 2:
        raise ValueError(
            "target_type='multilabel' needs a 2-D 0/1 indicator matrix (one column per label), got a 1-D y; turn "
            "lists of labels into one with sklearn.preprocessing.MultiLabelBinarizer().fit_transform(lists)."
        )
    if target_type != "multilabel" and n_dims == 2:
        raise ValueError(
            f"target_type={target_type!r} needs a 1-D y (one value per row), got a 2-D y; pass one column "
            f"(y[:, 0] or df['target']), or target_type='multilabel' for a 0/1 indicator matrix."
        )
    return target_type


def _check_classification_only(target, method, pred_proba, neighbor_graph, predictions):
    """Refuse, before any work, the arguments that have no meaning for a continuous or multi-label ``y``."""
    if target == "continuous":
        if method != "auto":
            raise ValueError(
                f"method={method!r} needs class labels, but y is continuous; use method='auto' (out-of-fold "
                f"regression residuals), or bin y into classes first (e.g. pd.qcut(y, 4, labels=False))."
            )
        if pred_proba is not None:
            raise ValueError(
                "pred_proba has no meaning for a continuous y; pass predictions= (a regressor's out-of-fold "
                "prediction per row) instead."
            )
    else:
        if predictions is not None:
            raise ValueError(
                "predictions= is for a continuous y (a regressor's out-of-fold predictions); for a multi-label y "
                "pass pred_proba= (each label's out-of-fold probability of being present)."
            )
        if method == "knn":
            raise ValueError(
                "method='knn' needs one class label per row, but y is a multi-label matrix; use method='auto' "
                "(cleanlab's multi-label confident learning)."
            )
    if neighbor_graph is not None:
        raise ValueError(
            f"neighbor_graph is used by the class-label evidence only; a {target} y is judged by out-of-fold "
            f"model {'predictions' if target == 'continuous' else 'probabilities'}: leave neighbor_graph out."
        )


def _other_target(target, X, y, *, estimator, pred_proba, predictions, cv, groups, sample_weight, n_jobs,
                  random_state):
    """:func:`find_label_issues` for a continuous or multi-label ``y`` (``method`` checked already)."""
    if estimator is not None and (pred_proba is not None or predictions is not None):
        raise ValueError(
            "pass either estimator (datafix fits it out of fold) or your own out-of-fold "
            f"{'predictions' if target == 'continuous' else 'pred_proba'}, not both."
        )
    given = predictions if target == "continuous" else pred_proba
    if X is None:
        if given is None:
            raise ValueError(
                f"X is required unless {'predictions' if target == 'continuous' else 'pred_proba'} is given: "
                f"pass the features."
            )
        n_rows = None
    else:
        X = check_features(X)
        n_rows = num_rows(X)
    if target == "continuous":
        values = check_target_values(y, n_rows)
        n_rows = len(values)
        if predictions is not None:
            predictions = check_predictions(predictions, n_rows)
        elif estimator is not None:
            check_regressor(estimator)
    else:
        indicator, names = check_multilabel_target(y, n_rows)
        n_rows = len(indicator)
        if pred_proba is not None:
            pred_proba = check_label_proba(pred_proba, n_rows, indicator.shape[1])
    fits_model = given is None
    if groups is not None:
        groups = check_groups(groups, n_rows, cv if fits_model else 2)
    if sample_weight is not None and not fits_model:
        raise ValueError(
            "sample_weight is passed to the out-of-fold models, and none is fitted here (out-of-fold "
            f"{'predictions' if target == 'continuous' else 'pred_proba'} given); leave sample_weight out."
        )
    folds, encoded = None, None
    if fits_model:
        folds = _check_folds(cv, None, None, random_state, groups, n_rows=n_rows)
        if estimator is None:
            encoded = encode_features(X)
            if encoded.shape[1] == 0:
                raise ValueError(
                    "X has no column that can predict y (every column is constant or id-like, so the encoding "
                    "leaves it out); add informative features, or pass an estimator of your own."
                )
    index = X.index if isinstance(X, pd.DataFrame) else (y.index if X is None and isinstance(y, (pd.Series, pd.DataFrame))
                                                        else None)
    if target == "continuous":
        return regression_issues(X, encoded, values, estimator=estimator, predictions=predictions, folds=folds,
                                 sample_weight=sample_weight, n_jobs=n_jobs, index=index)
    return multilabel_issues(X, encoded, indicator, names, estimator=estimator, pred_proba=pred_proba, folds=folds,
                             sample_weight=sample_weight, n_jobs=n_jobs, index=index)


def find_label_issues(X, y, *, estimator=None, pred_proba=None, neighbor_graph=None, method="auto", cv=5,
                      groups=None, sample_weight=None, n_jobs=None, random_state=None, predictions=None,
                      target_type="auto"):
    """Find the rows whose given label is probably wrong.

    Parameters
    ----------
    X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features), or None
        Features, as you have them: unscaled numbers, strings, missing values,
        ids and dates are fine. They are encoded once by
        :func:`datafix._tabular.encode_features` (the encoding of the audit
        and of ``datafix clean``: numeric and date columns imputed and
        standardised, categorical ones one-hot encoded, constant and id-like
        columns left out), and the default model and the neighbour search
        both work on that encoding. ``None`` is allowed only with
        ``pred_proba`` (and then there is no neighbourhood evidence unless
        ``neighbor_graph`` is given). Never modified.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        The given labels (no missing values). Class labels (at least two
        classes, each with two rows or more); or a continuous target (a
        regression: see :mod:`datafix.labels.regression`); or a 2-D 0/1
        indicator matrix, one column per label (multi-label: see
        :mod:`datafix.labels.multilabel`). ``target_type`` says which, or
        leaves it to :func:`~datafix.labels.issues.target_type_of`.
    estimator : classifier with ``predict_proba`` (a regressor for a continuous y), optional
        The model whose out-of-fold probabilities (predictions) judge the
        labels; cloned per fold and fitted on ``X`` as given. ``None`` uses
        a logistic regression on the encoding (:func:`datafix.labels.make_default_estimator`
        builds the same model for raw data); for a continuous y
        the better fitting of a ridge and a gradient-boosting regressor
        (:func:`datafix.labels.regression.default_regressors`), for a
        multi-label y a one-vs-rest logistic regression. Not allowed
        together with ``pred_proba`` or ``predictions``.
    pred_proba : array-like of shape (n_samples, n_classes) or DataFrame, optional
        Out-of-fold probabilities you computed yourself (columns in sorted
        class order, or a DataFrame with the class labels as columns; for a
        multi-label y, each label's probability of being present, one
        column per label); no model is fitted. They must come from models
        that did not see the row, or every label looks right. Refused for a
        continuous y (pass ``predictions``).
    neighbor_graph : datafix.neighbors.NeighborGraph, optional
        Each row's nearest other rows, computed once by you (for instance
        with :func:`datafix.neighbors.compute_neighbor_graph` on your own
        encoding, shared with other work); the neighbourhood evidence uses
        its first ``N_NEIGHBORS`` (10) neighbours instead of searching ``X``.
        With it, ``X`` may be ``None`` for every method.
    method : {"auto", "confident_learning", "knn"}, default="auto"
        Which evidence decides; see :mod:`datafix.labels.issues`.
        ``"knn"`` fits no model (``estimator`` and ``cv`` are not used).
    cv : int or splitter, default=5
        Folds for the out-of-fold probabilities.
    groups : array-like of shape (n_samples,), optional
        A group label per row (patient, session, source): no group is split
        between the training and the test rows of a fold (see
        :func:`datafix.out_of_fold_proba`), so near-copies within a group
        cannot vouch for each other's labels.
    sample_weight : array-like of shape (n_samples,), optional
        Passed to the fold models' ``fit``; an error if the model takes no
        weights. Not used by the neighbourhood evidence or the thresholds.
    n_jobs : int, default=None
        Parallel folds (through joblib, so a Dask or Ray backend distributes
        them), parallel neighbour search, and cleanlab's processes
        (``None``: one process for cleanlab below 2 million probabilities,
        rows x classes, cleanlab's own default of a process per physical
        core from there on, where the pool pays for itself).
    random_state : int, RandomState instance or None, default=None
        Makes the folds reproducible.
    predictions : array-like of shape (n_samples,), optional
        For a continuous y only: out-of-fold predictions of a regressor you
        computed yourself; no model is fitted and ``X`` may be ``None``.
    target_type : {"auto", "classes", "continuous", "multilabel"}, default="auto"
        What ``y`` holds. ``"auto"`` detects it
        (:func:`~datafix.labels.issues.target_type_of`: 2-D is multi-label,
        a 1-D float target with many distinct non-whole values is
        continuous); say it when the rule guesses wrong (whole-number
        amounts are classes to ``"auto"``).

    Returns
    -------
    DataFrame
        Indexed like ``X`` (a DataFrame's index, else positions), with columns

        ``given_label``
            The label of ``y``.
        ``suggested_label``
            The most probable class under the evidence; for a flagged row,
            the most probable class other than its given label.
        ``label_quality``
            The evidence's probability of the given label, in [0, 1]; low
            means suspicious (cleanlab's "self-confidence").
        ``is_label_issue``
            Whether the row is flagged.

        and, to say *why* a row is flagged:

        ``model_given_proba``, ``model_suggested_proba``
            The out-of-fold model's probability of the given and of the
            suggested label (NaN for ``method="knn"``).
        ``neighbor_given_share``, ``neighbor_suggested_share``
            The distance-weighted share of the row's nearest neighbours that
            carry the given and the suggested label (NaN without a
            neighbourhood).
        ``neighbor_rows``, ``neighbor_labels``, ``neighbor_distances``
            For flagged rows, the index labels, the given labels and the
            distances (on the standardised encoding) of its nearest rows,
            nearest first, as lists; ``None`` for the other rows.

        ``result.attrs["model_weight"]`` is the weight of the model in the
        evidence (1 for confident learning alone, 0 for ``"knn"``, chosen per
        dataset by ``"auto"``).

        For a continuous y the columns are ``given_label`` (the value),
        ``suggested_label`` (the out-of-fold prediction), ``label_quality``,
        ``is_label_issue``, ``residual`` and ``residual_score`` (see
        :mod:`datafix.labels.regression`); for a multi-label y
        ``given_label`` and ``suggested_label`` are tuples of label names,
        with ``label_quality`` and ``is_label_issue`` (see
        :mod:`datafix.labels.multilabel`). ``result.attrs["target_type"]``
        says which.

    Raises
    ------
    ValueError
        Before any model is fitted, for arguments that do not fit the
        target: ``method="confident_learning"`` or ``"knn"``, ``pred_proba``
        or ``neighbor_graph`` with a continuous y; ``predictions`` with class
        labels; a 2-D y that is not 0/1; ``groups`` of the wrong length or
        with fewer distinct groups than folds.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from datafix import find_label_issues
    >>> from datafix.datasets import make_label_noise
    >>> X, y = load_iris(return_X_y=True)
    >>> y_noisy, is_flipped = make_label_noise(y, rate=0.1, random_state=0)
    >>> issues = find_label_issues(X, y_noisy, random_state=0)
    >>> list(issues.columns[:4])
    ['given_label', 'suggested_label', 'label_quality', 'is_label_issue']
    >>> found = issues["is_label_issue"].to_numpy()
    >>> bool((found & is_flipped).sum() >= 0.8 * is_flipped.sum())
    True
    >>> worst = issues[found].sort_values("label_quality").iloc[0]
    >>> len(worst["neighbor_labels"]), bool(worst["neighbor_suggested_share"] > worst["neighbor_given_share"])
    (10, True)

    A neighbour graph computed once can stand in for ``X``:

    >>> from datafix.neighbors import compute_neighbor_graph
    >>> graph = compute_neighbor_graph(X, 10)
    >>> knn = find_label_issues(None, y_noisy, neighbor_graph=graph, method="knn")
    >>> bool(knn["is_label_issue"].sum() > 0)
    True

    A continuous target: rows whose value is far from an out-of-fold
    prediction (here a linear model, for speed) are flagged.

    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.default_rng(0)
    >>> features = rng.normal(size=(200, 3))
    >>> target = features @ [1.0, 2.0, -1.0] + rng.normal(scale=0.1, size=200)
    >>> target[[5, 50]] += [3.0, -4.0]
    >>> found = find_label_issues(features, target, estimator=Ridge(), random_state=0)
    >>> np.flatnonzero(found["is_label_issue"]).tolist(), found.attrs["target_type"]
    ([5, 50], 'continuous')

    A multi-label target (one 0/1 column per label):

    >>> import pandas as pd
    >>> tags = pd.DataFrame({"red": features[:, 0] > 0, "round": features[:, 1] > 0}).astype(int)
    >>> found = find_label_issues(features, tags, random_state=0)
    >>> found["given_label"].iloc[0], found.attrs["target_type"]
    (('red',), 'multilabel')
    """
    if method not in LABEL_ISSUE_METHODS:
        raise ValueError(f"method must be one of {list(LABEL_ISSUE_METHODS)}, got {method!r}.")
    target = target_type_of(y, target_type)
    if predictions is not None and target == "classes":
        raise ValueError(
            "predictions= is for a continuous y (a regressor's out-of-fold predictions); for class labels pass "
            "pred_proba= (out-of-fold class probabilities)."
        )
    if target != "classes":
        _check_classification_only(target, method, pred_proba, neighbor_graph, predictions)
        return _other_target(target, X, y, estimator=estimator, pred_proba=pred_proba, predictions=predictions,
                             cv=cv, groups=groups, sample_weight=sample_weight, n_jobs=n_jobs,
                             random_state=random_state)
    if estimator is not None and pred_proba is not None:
        raise ValueError(
            "pass either estimator (datafix computes out-of-fold probabilities with it) or pred_proba "
            "(probabilities you computed), not both."
        )
    if X is None:
        if method == "knn" and neighbor_graph is None:
            raise ValueError("method='knn' compares each row with its neighbours in X; pass X or neighbor_graph.")
        if pred_proba is None and method != "knn":
            raise ValueError("X is required unless pred_proba is given: pass the features.")
        n_rows = None
    else:
        X = check_features(X)
        n_rows = num_rows(X)
    labels = check_labels(y, n_rows=n_rows)
    fits_model = pred_proba is None and method != "knn"
    if groups is not None:
        groups = check_groups(groups, len(labels), cv if fits_model else 2)
    if sample_weight is not None and not fits_model:
        raise ValueError(
            "sample_weight is passed to the out-of-fold models, and none is fitted here (pred_proba given or "
            "method='knn'); leave sample_weight out."
        )
    if neighbor_graph is not None:
        neighbor_graph = _check_graph(neighbor_graph, len(labels))
    classes, codes = encode_labels(labels)
    n_classes = len(classes)
    counts = np.bincount(codes, minlength=n_classes)

    if fits_model and isinstance(cv, Integral) and not isinstance(cv, bool):
        check_cv_counts(classes, counts, int(cv))
    _check_two_rows_per_class(classes, counts)
    model_proba = None
    if pred_proba is not None:
        model_proba = check_pred_proba(pred_proba, classes, len(labels))

    needs_neighbors = neighbor_graph is None and (method == "knn" or (method == "auto" and X is not None))
    encoded = None
    if X is not None and (needs_neighbors or (fits_model and estimator is None)):
        encoded = encode_features(X)
        if encoded.shape[1] == 0:
            raise ValueError(
                "X has no column that can tell the classes apart (every column is constant or id-like, so the "
                "encoding leaves it out); add informative features, or pass pred_proba or an estimator of your own."
            )
    graph = neighbor_graph
    if fits_model:  # validates estimator and cv before any other work

        def fit_folds():
            return fit_out_of_fold(estimator, X, encoded, labels, cv=cv, groups=groups, sample_weight=sample_weight,
                                   n_jobs=n_jobs, random_state=random_state)

        if graph is None and needs_neighbors and n_jobs is None and len(labels) >= SIDE_BY_SIDE_MIN_ROWS:
            _check_estimator(estimator, sample_weight, len(labels))
            model_proba, graph = _side_by_side(fit_folds, lambda threads: _neighbor_graph(encoded, threads))
        else:
            model_proba = fit_folds()
    if graph is None and needs_neighbors:
        graph = _neighbor_graph(encoded, n_jobs)
    neighbor_proba = None
    if graph is not None and method != "confident_learning":
        neighbor_proba = neighbor_label_proba(graph, codes, n_classes)
    if method != "auto":
        graph = graph if method == "knn" else None

    if method == "knn":
        proba, weight = neighbor_proba, 0.0
        is_issue = proba.argmax(axis=1) != codes
    else:
        weight = 1.0
        if neighbor_proba is not None:
            weight = choose_model_weight(model_proba, neighbor_proba, codes, n_classes)
        if weight == 1.0:
            proba = model_proba
            is_issue = _confident_learning(codes, proba, n_jobs)
        else:
            proba = weight * model_proba + (1 - weight) * neighbor_proba
            is_issue = _confident_learning(codes, proba, n_jobs, model_proba=model_proba)
    quality = np.clip(proba[np.arange(len(codes)), codes].astype(np.float64), 0.0, 1.0)
    suggested = _suggestions(proba, codes, is_issue)
    index = _result_index(X, y, len(labels))
    result = pd.DataFrame(
        {
            "given_label": labels,
            "suggested_label": classes[suggested],
            "label_quality": quality,
            "is_label_issue": is_issue,
            **_explanations(codes, suggested, is_issue, model_proba, neighbor_proba, graph, labels, index),
        },
        index=index,
    )
    result.attrs["model_weight"] = weight
    return result


def fit_out_of_fold(estimator, X, encoded, labels, *, cv, groups=None, sample_weight=None, n_jobs=None,
                    random_state=None, verbose=False) -> np.ndarray:
    """The out-of-fold probabilities every label path uses (float32): ``estimator`` on ``X``, or the default
    classifier on the shared ``encoded`` features when ``estimator`` is None."""
    if estimator is None:
        estimator, X = default_classifier(), encoded  # the encoding is imputed and standardised already
    proba = out_of_fold_proba(estimator, X, labels, cv=cv, groups=groups, sample_weight=sample_weight,
                              n_jobs=n_jobs, random_state=random_state, verbose=verbose)
    return proba.astype(np.float32)


#: From this many rows on, ``"auto"`` (with ``n_jobs=None``) fits the folds and searches the neighbours side by side.
SIDE_BY_SIDE_MIN_ROWS = 20_000


def _check_estimator(estimator, sample_weight, n_rows):
    """The checks :func:`out_of_fold_proba` makes on the model, made before the side-by-side work starts."""
    if estimator is None:
        return
    if not hasattr(estimator, "fit") or not hasattr(estimator, "predict_proba"):
        raise ValueError(
            f"estimator must be a classifier with fit and predict_proba, got {type(estimator).__name__}; "
            f"for a model without probabilities wrap it, e.g. CalibratedClassifierCV(model)."
        )
    check_fold_weights(estimator, sample_weight, n_rows)


def _side_by_side(fit_folds, build_graph):
    """``(fit_folds(), build_graph(threads))`` with the neighbour search in a second thread, each on half the cores.

    The two are independent and about as long on large data; one after the other, each with every core, they
    spend much of their time waiting on each other's threads (``benchmarks/label_issues.py --part speed-auto``).
    The results do not depend on the thread counts: the graph by construction, the out-of-fold model as the
    tests check on the default model.
    """
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    half = max(1, (os.cpu_count() or 2) // 2)
    with threadpool_limits(limits=half), ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(build_graph, half)
        try:
            proba = fit_folds()
        except BaseException:
            future.cancel()
            raise
        return proba, future.result()


def _neighbor_graph(encoded, n_jobs):
    n_neighbors = min(N_NEIGHBORS, len(encoded) - 1)
    return compute_neighbor_graph(encoded, n_neighbors, algorithm=choose_algorithm(len(encoded)), n_jobs=n_jobs)


def _explanations(codes, suggested, is_issue, model_proba, neighbor_proba, graph, labels, index) -> dict:
    """The why-columns of :func:`find_label_issues`."""
    rows = np.arange(len(codes))
    missing = np.full(len(codes), np.nan)

    def pick(proba, which):
        return missing if proba is None else proba[rows, which].astype(np.float64)

    columns = {
        "model_given_proba": pick(model_proba, codes),
        "model_suggested_proba": pick(model_proba, suggested),
        "neighbor_given_share": pick(neighbor_proba, codes),
        "neighbor_suggested_share": pick(neighbor_proba, suggested),
    }
    neighbor_rows, neighbor_labels, neighbor_distances = ([None] * len(codes) for _ in range(3))
    if graph is not None:
        flagged = np.flatnonzero(is_issue)
        near = graph.indices[flagged]
        found = zip(np.asarray(index)[near].tolist(), labels[near].tolist(),
                    np.asarray(graph.distances[flagged], dtype=np.float64).tolist())
        for row, (rows_of, labels_of, distances_of) in zip(flagged.tolist(), found):  # flagged rows only
            neighbor_rows[row], neighbor_labels[row], neighbor_distances[row] = rows_of, labels_of, distances_of
    columns.update(neighbor_rows=neighbor_rows, neighbor_labels=neighbor_labels,
                   neighbor_distances=neighbor_distances)
    return columns
