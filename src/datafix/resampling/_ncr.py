"""The neighbourhood cleaning rule."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import clone

from .._compat import Interval
from ..base import Resampled
from ._base import (
    N_JOBS_CONSTRAINT,
    N_NEIGHBORS_CONSTRAINT,
    SAMPLING_STRATEGY_CONSTRAINT,
    BaseCleaner,
    Classes,
    check_enough_rows,
    classes_to_clean,
    mode_code,
    numeric_matrix,
)
from ._kernels import edited_keep
from ..neighbors import kneighbors

__all__ = ["NeighbourhoodCleaningRule"]


class NeighbourhoodCleaningRule(BaseCleaner):
    """Edit the data, then clean the neighbourhoods of misclassified minority rows.

    The same algorithm, parameters and output as
    :class:`imblearn.under_sampling.NeighbourhoodCleaningRule`:

    1. rows removed by :class:`EditedNearestNeighbours` with
       ``kind_sel="mode"`` (or by the ``edited_nearest_neighbours`` sampler
       given);
    2. for each minority row that a ``n_neighbors``-nearest-neighbour
       classifier (fitted on all rows, so the row itself is one of its
       neighbours) misclassifies, its ``n_neighbors`` nearest other rows, when
       their class is targeted by ``sampling_strategy`` and larger than
       ``threshold_cleaning`` times the minority class.

    Both sets are removed; the kept rows stay in their original order. Only
    the minority rows are searched for step 2, and step 1 uses the fast
    editing of :class:`EditedNearestNeighbours`.

    Parameters
    ----------
    sampling_strategy : str, list or callable, default="auto"
        See :class:`EditedNearestNeighbours`.
    edited_nearest_neighbours : sampler or None, default=None
        A sampler with ``fit_resample`` and ``sample_indices_`` (datafix's or
        imbalanced-learn's ENN) for step 1; ``None`` builds
        ``EditedNearestNeighbours(sampling_strategy, n_neighbors, kind_sel="mode")``.
    n_neighbors : int, default=3
    threshold_cleaning : float, default=0.5
        A class is cleaned in step 2 only if it has more than
        ``threshold_cleaning`` times the minority class's rows.
    n_jobs : int or None, default=None
        Accepted for compatibility; unused.

    Attributes
    ----------
    classes_to_clean_ : list
        The classes step 2 may remove rows from.
    sample_indices_ : ndarray of int
        The kept rows (same as ``source_indices_``).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from datafix.resampling import NeighbourhoodCleaningRule
    >>> X, y = make_classification(n_samples=400, weights=[0.2], flip_y=0.05, random_state=0)
    >>> X_res, y_res = NeighbourhoodCleaningRule().fit_resample(X, y)
    >>> bool((y_res == 1).sum() < (y == 1).sum()), bool((y_res == 0).sum() == (y == 0).sum())
    (True, True)
    """

    _parameter_constraints = {
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINT,
        "edited_nearest_neighbours": [None, object],
        "n_neighbors": N_NEIGHBORS_CONSTRAINT,
        "threshold_cleaning": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self, *, sampling_strategy="auto", edited_nearest_neighbours=None, n_neighbors=3, threshold_cleaning=0.5,
        n_jobs=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.edited_nearest_neighbours = edited_nearest_neighbours
        self.n_neighbors = n_neighbors
        self.threshold_cleaning = threshold_cleaning
        self.n_jobs = n_jobs

    def _edited_rows(self, X, classes) -> np.ndarray:
        """Step 1: a boolean mask of the rows the editing removes."""
        removed = np.ones(len(classes.codes), dtype=bool)
        if self.edited_nearest_neighbours is None:
            clean = classes_to_clean(self.sampling_strategy, classes.labels, classes.codes)
            keep = edited_keep(X, classes.codes, classes.n_classes, clean, self.n_neighbors, "mode")
            return ~keep
        editor = clone(self.edited_nearest_neighbours)
        editor.fit_resample(X, classes.labels[classes.codes])
        kept = getattr(editor, "sample_indices_", None)
        if kept is None:
            raise ValueError(
                f"edited_nearest_neighbours ({type(editor).__name__}) has no sample_indices_ after "
                f"fit_resample; pass a cleaning sampler that records the rows it keeps, such as "
                f"datafix.resampling.EditedNearestNeighbours."
            )
        removed[np.asarray(kept, dtype=np.intp)] = False
        return removed

    def _fit_resample(self, X, y, sample_weight):
        if self.edited_nearest_neighbours is not None and not hasattr(self.edited_nearest_neighbours, "fit_resample"):
            raise ValueError(
                f"edited_nearest_neighbours must be a sampler with fit_resample (or None), got "
                f"{type(self.edited_nearest_neighbours).__name__}."
            )
        classes = Classes(y)
        codes = classes.codes
        check_enough_rows(len(y), self.n_neighbors, type(self).__name__)
        X = numeric_matrix(X)
        removed = self._edited_rows(X, classes)

        targeted = classes_to_clean(self.sampling_strategy, classes.labels, codes)
        minority_count = classes.counts[classes.minority]
        cleanable = targeted & (classes.counts > minority_count * self.threshold_cleaning)
        order_seen = np.argsort([np.argmax(codes == c) for c in range(classes.n_classes)], kind="stable")
        self.classes_to_clean_ = [classes.labels[c].item() if hasattr(classes.labels[c], "item") else classes.labels[c]
                                  for c in order_seen if cleanable[c]]

        minority_rows = np.flatnonzero(codes == classes.minority)
        _, neighbors = kneighbors(X, X[minority_rows], self.n_neighbors, exclude=minority_rows)
        # the classifier's k neighbours of a training row are the row itself and its k - 1 nearest others
        voters = np.concatenate([codes[minority_rows][:, None], codes[neighbors[:, : self.n_neighbors - 1]]], axis=1)
        misclassified = mode_code(voters, classes.n_classes) != classes.minority
        around = np.unique(neighbors[misclassified].ravel())
        removed[around[cleanable[codes[around]]]] = True
        kept = np.flatnonzero(~removed)
        self.sample_indices_ = kept
        return Resampled(kept)
