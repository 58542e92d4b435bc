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
    The average of the two probability matrices (model and neighbourhood),
    fed to cleanlab's confident learning. Chosen by measurement
    (``benchmarks/label_issues.py``): averaging two evidences with different
    errors gives better-calibrated probabilities, and confident learning's
    per-class thresholds then flag more of the true errors with fewer false
    alarms than either evidence alone. Without ``X`` (``X=None`` with
    ``pred_proba``) there is no neighbourhood, and ``"auto"`` is confident
    learning on ``pred_proba``.
"""

from __future__ import annotations

import os
from numbers import Integral

import numpy as np
import pandas as pd

from ..validation import check_features, check_labels, num_rows
from .out_of_fold import _plain, check_cv_counts, out_of_fold_proba

__all__ = ["find_label_issues", "LABEL_ISSUE_METHODS", "N_NEIGHBORS"]

LABEL_ISSUE_METHODS = ("auto", "confident_learning", "knn")
#: Neighbours per row for the neighbourhood evidence.
N_NEIGHBORS = 10
#: Weight of the model's probabilities in ``"auto"`` (the neighbourhood has the rest).
MODEL_WEIGHT = 0.5
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
        missing = [_plain(c) for c in classes if c not in set(columns)]
        if missing:
            raise ValueError(
                f"labels {missing[:5]} of y are absent from pred_proba's columns {columns[:10]}; pred_proba "
                f"needs one column per class of y, named by the class label."
            )
        extra = [c for c in columns if c not in set(classes.tolist())]
        if extra:
            raise ValueError(
                f"pred_proba has columns {extra[:5]} for classes that y does not contain; y has classes "
                f"{[_plain(c) for c in classes[:10]]}. Pass only the columns of the classes of y."
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
            f"{[_plain(c) for c in classes[:10]]}; pass one column per class of y, in sorted class order."
        )
    values32 = values.astype(np.float32)
    low, high = values32.min(), values32.max()
    if not (np.isfinite(low) and np.isfinite(high)) or low < 0 or high > 1:
        raise ValueError(
            "pred_proba must hold probabilities in [0, 1] (no NaN or inf); found values in "
            f"[{low:.4g}, {high:.4g}]. Pass predict_proba output, not decision_function or logits."
        )
    # row sums as one matrix-vector product (a tenth of the time of sum(axis=1) at 1M x 10); float32 rounding,
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
            f"class {_plain(classes[single[0]])!r} of y has a single row{others}: a label seen once cannot be judged "
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
    from ..neighbors import NeighborGraph

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


def _neighbor_evidence(X, codes, n_classes, n_jobs):
    from ..neighbors import choose_method, compute_neighbor_graph
    from ._encoding import encode_for_neighbors

    encoded = encode_for_neighbors(X)
    n_neighbors = min(N_NEIGHBORS, len(codes) - 1)
    graph = compute_neighbor_graph(encoded, n_neighbors, method=choose_method(len(codes)), n_jobs=n_jobs)
    return neighbor_label_proba(graph, codes, n_classes)


#: With ``n_jobs=None``, cleanlab runs in one process below this many probabilities (rows x classes), and with its
#: own default (a process per physical core) from there on. Measured on 2 cores, 10 classes: a process pool costs
#: about 20 ms (10k rows: 10 ms in one process, 31 ms with the pool) and pays off from about 200k rows (300k: 282
#: ms against 255 ms; 1M: 0.86 s against 1.16 s).
CLEANLAB_POOL_MIN_VALUES = 2_000_000


def _cleanlab_jobs(n_jobs, n_values: int):
    """The ``n_jobs`` to hand cleanlab: the caller's, or by size when the caller left it to datafix."""
    if n_jobs is None:
        return 1 if n_values < CLEANLAB_POOL_MIN_VALUES else None  # None: cleanlab's default
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return int(n_jobs)


def _confident_learning(codes, proba32, n_jobs) -> np.ndarray:
    import cleanlab.filter

    # the smallest integer type for the codes: cleanlab compares them with every class (measured at 1M x 10:
    # 0.82 s with int16 codes against 0.86 s with int64; the mask is the same)
    small_codes = codes.astype(np.int16 if proba32.shape[1] <= np.iinfo(np.int16).max else np.int64)
    jobs = _cleanlab_jobs(n_jobs, proba32.size)
    return np.asarray(cleanlab.filter.find_label_issues(small_codes, proba32, n_jobs=jobs), dtype=bool)


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


def find_label_issues(X, y, *, estimator=None, pred_proba=None, neighbor_graph=None, method="auto", cv=5,
                      n_jobs=None, random_state=None):
    """Find the rows whose given label is probably wrong.

    Parameters
    ----------
    X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features), or None
        Features. DataFrames may hold categorical (non-numeric) and missing
        values: the default estimator and the neighbour search encode them.
        ``None`` is allowed only with ``pred_proba`` and a method other than
        ``"knn"`` (then there is no neighbourhood evidence). Never modified.
    y : array-like of shape (n_samples,)
        The given labels (no missing values; at least two classes, each with
        two rows or more).
    estimator : classifier with ``predict_proba``, optional
        The model whose out-of-fold probabilities judge the labels; cloned
        per fold. ``None`` uses :func:`datafix.labels.make_default_estimator`.
        Not allowed together with ``pred_proba``.
    pred_proba : array-like of shape (n_samples, n_classes) or DataFrame, optional
        Out-of-fold probabilities you computed yourself (columns in sorted
        class order, or a DataFrame with the class labels as columns); no
        model is fitted. They must come from models that did not see the
        row, or every label looks right.
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
    n_jobs : int, default=None
        Parallel folds (through joblib, so a Dask or Ray backend distributes
        them), parallel neighbour search, and cleanlab's processes
        (``None``: one process for cleanlab below 2 million probabilities,
        rows x classes, cleanlab's own default of a process per physical
        core from there on, where the pool pays for itself).
    random_state : int, RandomState instance or None, default=None
        Makes the folds reproducible.

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

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from datafix import find_label_issues
    >>> from datafix.datasets import make_label_noise
    >>> X, y = load_iris(return_X_y=True)
    >>> y_noisy, is_flipped = make_label_noise(y, rate=0.1, random_state=0)
    >>> issues = find_label_issues(X, y_noisy, random_state=0)
    >>> list(issues.columns)
    ['given_label', 'suggested_label', 'label_quality', 'is_label_issue']
    >>> found = issues["is_label_issue"].to_numpy()
    >>> bool((found & is_flipped).sum() >= 0.8 * is_flipped.sum())
    True

    A neighbour graph computed once can stand in for ``X``:

    >>> from datafix.neighbors import compute_neighbor_graph
    >>> graph = compute_neighbor_graph(X, 10)
    >>> knn = find_label_issues(None, y_noisy, neighbor_graph=graph, method="knn")
    >>> bool(knn["is_label_issue"].sum() > 0)
    True
    """
    if method not in LABEL_ISSUE_METHODS:
        raise ValueError(f"method must be one of {list(LABEL_ISSUE_METHODS)}, got {method!r}.")
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
    if neighbor_graph is not None:
        neighbor_graph = _check_graph(neighbor_graph, len(labels))
    classes, codes = encode_labels(labels)
    n_classes = len(classes)
    counts = np.bincount(codes, minlength=n_classes)

    model_proba = None
    if pred_proba is None and method != "knn" and isinstance(cv, Integral) and not isinstance(cv, bool):
        check_cv_counts(classes, counts, int(cv))
    _check_two_rows_per_class(classes, counts)
    if pred_proba is not None:
        model_proba = check_pred_proba(pred_proba, classes, len(labels))

    if model_proba is None and method != "knn":  # validates estimator and cv before any other work
        model_proba = out_of_fold_proba(
            estimator, X, labels, cv=cv, n_jobs=n_jobs, random_state=random_state
        ).astype(np.float32)
    neighbor_proba = None
    if neighbor_graph is not None and method != "confident_learning":
        neighbor_proba = neighbor_label_proba(neighbor_graph, codes, n_classes)
    elif method == "knn" or (method == "auto" and X is not None):
        neighbor_proba = _neighbor_evidence(X, codes, n_classes, n_jobs)

    if method == "knn":
        proba = neighbor_proba
        is_issue = proba.argmax(axis=1) != codes
    else:
        if neighbor_proba is None:
            proba = model_proba
        else:
            proba = MODEL_WEIGHT * model_proba + (1 - MODEL_WEIGHT) * neighbor_proba
        is_issue = _confident_learning(codes, proba, n_jobs)
    quality = np.clip(proba[np.arange(len(codes)), codes].astype(np.float64), 0.0, 1.0)
    suggested = _suggestions(proba, codes, is_issue)
    return pd.DataFrame(
        {
            "given_label": labels,
            "suggested_label": classes[suggested],
            "label_quality": quality,
            "is_label_issue": is_issue,
        },
        index=_result_index(X, y, len(labels)),
    )
