"""Known label errors for tests, examples and benchmarks: :func:`make_label_noise`."""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .validation import check_labels

__all__ = ["make_label_noise", "LABEL_NOISE_KINDS"]

LABEL_NOISE_KINDS = ("uniform", "pairwise", "class_conditional", "instance")


def _check_noise_matrix(noise_matrix, n_classes: int, classes) -> np.ndarray:
    if noise_matrix is None:
        raise ValueError(
            "kind='class_conditional' needs noise_matrix: a (n_classes, n_classes) array whose row k is "
            "the distribution of the noisy label for true class k (rows sum to 1)."
        )
    matrix = np.array(noise_matrix, dtype=np.float64, copy=True)
    if matrix.shape != (n_classes, n_classes):
        raise ValueError(
            f"noise_matrix must have shape ({n_classes}, {n_classes}) for the {n_classes} classes "
            f"{list(classes)[:10]} of y (rows and columns in sorted class order), got shape {matrix.shape}."
        )
    if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        raise ValueError("noise_matrix must hold finite, non-negative probabilities.")
    sums = matrix.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-6):
        worst = int(np.argmax(np.abs(sums - 1.0)))
        raise ValueError(
            f"every row of noise_matrix must sum to 1 (row k: P(noisy label | true class k)); row {worst} "
            f"sums to {sums[worst]:.6g}. Divide each row by its sum."
        )
    return matrix


def _check_noise_proba(pred_proba, n_rows: int, n_classes: int) -> np.ndarray:
    if pred_proba is None:
        raise ValueError(
            "kind='instance' needs pred_proba: a model's probabilities for the clean labels, shape "
            "(n_samples, n_classes), e.g. datafix.out_of_fold_proba(model, X, y)."
        )
    proba = np.asarray(pred_proba, dtype=np.float64)
    if proba.shape != (n_rows, n_classes):
        raise ValueError(
            f"pred_proba must have shape ({n_rows}, {n_classes}) (one row per label, one column per class), "
            f"got shape {proba.shape}."
        )
    if not np.all(np.isfinite(proba)) or proba.min() < 0 or proba.max() > 1:
        raise ValueError("pred_proba must hold probabilities in [0, 1] (no NaN or inf).")
    return proba


def make_label_noise(y, *, rate=0.1, kind="uniform", noise_matrix=None, pred_proba=None, random_state=None):
    """Flip some labels on purpose, to create label errors whose positions are known.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The clean labels (at least two classes). Never modified.
    rate : float in [0, 1), default=0.1
        For ``"uniform"``, ``"pairwise"`` and ``"instance"``: the fraction of each class that is
        flipped. Exactly ``round(rate * n_k)`` rows of class ``k`` are chosen at
        random (so the realised rate is ``rate`` up to rounding, in every
        class). Not used by ``"class_conditional"``.
    kind : {"uniform", "pairwise", "class_conditional", "instance"}, default="uniform"
        ``"uniform"``: a flipped row gets any *other* class, uniformly at random.
        ``"pairwise"``: every flipped row of class ``k`` gets the same other
        class, the next one in sorted order (the last class goes to the first),
        as confusable classes do.
        ``"class_conditional"``: each row of true class ``k`` draws its noisy
        label from row ``k`` of ``noise_matrix``.
        ``"instance"``: instance-dependent noise, as annotators make it: within
        each class, rows the model of ``pred_proba`` finds ambiguous are more
        likely to be flipped (chosen with probability proportional to
        ``1 - pred_proba[i, k]``), and a flipped row gets another class with
        probability proportional to ``pred_proba[i, j]`` (the class it is
        most easily confused with).
    noise_matrix : array-like of shape (n_classes, n_classes), optional
        Only for ``"class_conditional"``: ``noise_matrix[k, j]`` is the
        probability that a row of true class ``k`` is given label ``j``
        (classes in sorted order; rows sum to 1; the diagonal is the
        probability of keeping the label).
    pred_proba : array-like of shape (n_samples, n_classes), optional
        Only for ``"instance"``: a model's probabilities for the clean labels
        (columns in sorted class order), for instance
        ``datafix.out_of_fold_proba(model, X, y)``.
    random_state : int, RandomState instance or None, default=None
        Makes the flips reproducible.

    Returns
    -------
    y_noisy : ndarray or Series of shape (n_samples,)
        The labels with errors; a Series (same index and name) when ``y`` is one.
    is_flipped : ndarray of bool, shape (n_samples,)
        True exactly where ``y_noisy`` differs from ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.datasets import make_label_noise
    >>> y = np.repeat([0, 1, 2], 10)
    >>> y_noisy, is_flipped = make_label_noise(y, rate=0.2, random_state=0)
    >>> int(is_flipped.sum()), bool(np.all((y_noisy != y) == is_flipped))
    (6, True)
    >>> y_pair, flipped = make_label_noise(y, rate=0.2, kind="pairwise", random_state=0)
    >>> sorted(set(zip(y[flipped].tolist(), y_pair[flipped].tolist())))
    [(0, 1), (1, 2), (2, 0)]

    Instance-dependent noise flips the rows a model finds ambiguous:

    >>> proba = np.where(np.arange(3) == y[:, None], 0.98, 0.01)   # a confident model ...
    >>> proba[[0, 1]] = [0.30, 0.69, 0.01]                            # ... unsure about rows 0 and 1
    >>> y_inst, flipped = make_label_noise(y, rate=0.2, kind="instance", pred_proba=proba, random_state=0)
    >>> int(flipped.sum()), bool(flipped[[0, 1]].any())
    (6, True)
    """
    values = check_labels(y)
    if kind not in LABEL_NOISE_KINDS:
        raise ValueError(f"kind must be one of {list(LABEL_NOISE_KINDS)}, got {kind!r}.")
    if kind != "instance" and pred_proba is not None:
        raise ValueError(f"pred_proba is only used with kind='instance', not kind={kind!r}.")
    if kind != "class_conditional":
        if noise_matrix is not None:
            raise ValueError(f"noise_matrix is only used with kind='class_conditional', not kind={kind!r}.")
        if isinstance(rate, bool) or not isinstance(rate, Real) or not 0 <= rate < 1:
            raise ValueError(f"rate must be a number in [0, 1) (the fraction of each class flipped), got {rate!r}.")
    classes, codes = np.unique(values, return_inverse=True)
    n_classes = len(classes)
    matrix = _check_noise_matrix(noise_matrix, n_classes, classes) if kind == "class_conditional" else None
    proba = _check_noise_proba(pred_proba, len(values), n_classes) if kind == "instance" else None
    rng = check_random_state(random_state)

    new_codes = codes.copy()
    for k in range(n_classes):
        members = np.flatnonzero(codes == k)
        if kind == "class_conditional":
            new_codes[members] = rng.choice(n_classes, size=len(members), p=matrix[k])
            continue
        n_flip = int(round(rate * len(members)))
        if kind == "instance":
            ambiguity = 1.0 - proba[members, k] + 1e-6
            chosen = rng.choice(members, size=n_flip, replace=False, p=ambiguity / ambiguity.sum())
        else:
            chosen = rng.choice(members, size=n_flip, replace=False)
        if kind == "instance":
            others = proba[chosen] + 1e-6
            others[:, k] = 0.0
            cumulative = np.cumsum(others / others.sum(axis=1, keepdims=True), axis=1)
            drawn = (cumulative < rng.random_sample(n_flip)[:, None]).sum(axis=1)
            new_codes[chosen] = np.minimum(drawn, n_classes - 1)
        elif kind == "uniform":
            new_codes[chosen] = (k + rng.randint(1, n_classes, size=n_flip)) % n_classes
        else:
            new_codes[chosen] = (k + 1) % n_classes
    is_flipped = new_codes != codes
    y_noisy = classes[new_codes]
    if isinstance(y, pd.Series):
        y_noisy = pd.Series(y_noisy, index=y.index, name=y.name)
        try:
            y_noisy = y_noisy.astype(y.dtype)
        except (TypeError, ValueError):
            pass
    return y_noisy, is_flipped
