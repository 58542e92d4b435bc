"""The neighbourhood cleaning rule."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from .._compat import Interval
from ..base import Resampled
from ..neighbors import kneighbors
from ._base import (
    N_JOBS_CONSTRAINT,
    N_NEIGHBORS_CONSTRAINT,
    SAMPLING_STRATEGY_CONSTRAINT,
    BaseCleaner,
    Classes,
    Neighbourhood,
    check_enough_rows,
    classes_to_clean,
    is_euclidean,
    mode_code,
    numeric_matrix,
    sampling_strategy_dict,
    searching_with_n_jobs,
)
from ._edited import EditedNearestNeighbours

__all__ = ["NeighbourhoodCleaningRule"]


class NeighbourhoodCleaningRule(BaseCleaner):
    """Edit the data, then clean the neighbourhoods of misclassified minority rows.

    The same algorithm, parameters and output as
    :class:`imblearn.under_sampling.NeighbourhoodCleaningRule`:

    1. rows removed by :class:`EditedNearestNeighbours` with
       ``kind_sel="mode"`` and this ``n_neighbors`` (or by the
       ``edited_nearest_neighbours`` sampler given);
    2. for each minority row that a nearest-neighbour classifier (fitted on
       all rows, so the row itself is one of its neighbours) misclassifies,
       its nearest other rows, when their class is targeted by
       ``sampling_strategy`` and larger than ``threshold_cleaning`` times the
       minority class.

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
    n_neighbors : int or neighbour object, default=3
        As in imbalanced-learn: an integer ``k`` votes with
        ``KNeighborsClassifier(k)``; a ``NearestNeighbors(n)`` object votes
        with ``KNeighborsClassifier(n - 1)`` (Euclidean, whatever its metric:
        imbalanced-learn keeps only its count); any other object (a
        ``KNeighborsClassifier``) votes itself. Euclidean uniform-weight
        classifiers run on datafix's engine, others through the object. The
        default editing of step 1 receives the same value (see
        :class:`EditedNearestNeighbours` for what an object means there).
    threshold_cleaning : float, default=0.5
        A class is cleaned in step 2 only if it has more than
        ``threshold_cleaning`` times the minority class's rows.
    n_jobs : int or None, default=None
        Threads of the neighbour search (see
        :class:`EditedNearestNeighbours`); as in imbalanced-learn, also
        passed to the classifier and the default editing.

    Attributes
    ----------
    classes_to_clean_ : list
        The classes step 2 may remove rows from.
    edited_nearest_neighbours_ : sampler
        The fitted editing sampler of step 1.
    nn_ : KNeighborsClassifier or classifier
        The classifier of step 2, fitted on all rows, as in imbalanced-learn.
    sampling_strategy_ : dict
        The classes cleaned and their row counts, as in imbalanced-learn.
    sample_indices_ : ndarray of int
        The kept rows (same as ``source_indices_``).

    Notes
    -----
    imbalanced-learn fails when ``n_neighbors`` is a ``KNeighborsClassifier``
    and no ``edited_nearest_neighbours`` is given (its editing fits the
    classifier without labels); datafix accepts it, the editing then
    examining ``n_neighbors - 1`` rows, as for any neighbour object.

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

    def _classifier(self):
        """Step 2's classifier as imbalanced-learn builds it, and who finds its neighbours."""
        n_neighbors = self.n_neighbors
        if isinstance(n_neighbors, Integral):
            return KNeighborsClassifier(n_neighbors=int(n_neighbors), n_jobs=self.n_jobs), Neighbourhood(n_neighbors)
        if isinstance(n_neighbors, NearestNeighbors):  # imbalanced-learn's backward compatibility: only the count
            k = n_neighbors.n_neighbors - 1
            if k < 1:
                raise ValueError(
                    f"NeighbourhoodCleaningRule was given n_neighbors=NearestNeighbors(n_neighbors="
                    f"{n_neighbors.n_neighbors}), which counts the row itself and so leaves no neighbour to vote; "
                    f"pass NearestNeighbors(n_neighbors=k + 1) or an integer k."
                )
            return KNeighborsClassifier(n_neighbors=k, n_jobs=self.n_jobs), Neighbourhood(k)
        if not hasattr(n_neighbors, "predict"):
            raise ValueError(
                f"NeighbourhoodCleaningRule votes with n_neighbors, so it must be an integer, a NearestNeighbors "
                f"or a classifier with predict and kneighbors (such as KNeighborsClassifier); got "
                f"{type(n_neighbors).__name__}."
            )
        classifier = clone(n_neighbors)
        k = getattr(classifier, "n_neighbors", None)
        engine = is_euclidean(classifier, predicts=True)
        return classifier, Neighbourhood(k if engine else 0, None if engine else classifier)

    def _editor(self):
        if self.edited_nearest_neighbours is None:
            return EditedNearestNeighbours(
                sampling_strategy=self.sampling_strategy, n_neighbors=self.n_neighbors, kind_sel="mode",
                n_jobs=self.n_jobs,
            )
        if not hasattr(self.edited_nearest_neighbours, "fit_resample"):
            raise ValueError(
                f"edited_nearest_neighbours must be a sampler with fit_resample (or None), got "
                f"{type(self.edited_nearest_neighbours).__name__}."
            )
        return clone(self.edited_nearest_neighbours)

    @searching_with_n_jobs
    def _fit_resample(self, X, y, sample_weight):
        name = type(self).__name__
        classifier, voters = self._classifier()
        editor = self._editor()
        classes = Classes(y)
        codes = classes.codes
        self.sampling_strategy_ = sampling_strategy_dict(self.sampling_strategy, y)
        if voters.uses_engine:
            check_enough_rows(len(y), voters.n_neighbors, name)
        X = numeric_matrix(X)

        # step 1: the editing
        editor.fit_resample(X, y)
        kept = getattr(editor, "sample_indices_", None)
        if kept is None:
            raise ValueError(
                f"edited_nearest_neighbours ({type(editor).__name__}) has no sample_indices_ after "
                f"fit_resample; pass a cleaning sampler that records the rows it keeps, such as "
                f"datafix.resampling.EditedNearestNeighbours."
            )
        self.edited_nearest_neighbours_ = editor
        removed = np.ones(len(y), dtype=bool)
        removed[np.asarray(kept, dtype=np.intp)] = False

        targeted = classes_to_clean(self.sampling_strategy, classes.labels, codes)
        minority_count = classes.counts[classes.minority]
        cleanable = targeted & (classes.counts > minority_count * self.threshold_cleaning)
        order_seen = np.argsort([np.argmax(codes == c) for c in range(classes.n_classes)], kind="stable")
        self.classes_to_clean_ = [classes.labels[c].item() if hasattr(classes.labels[c], "item") else classes.labels[c]
                                  for c in order_seen if cleanable[c]]

        # step 2: the neighbourhoods of misclassified minority rows
        self.nn_ = classifier.fit(X, y)
        minority_rows = np.flatnonzero(codes == classes.minority)
        if voters.uses_engine:
            k = voters.n_neighbors
            graph = getattr(editor, "_neighbor_graph", None) if self.edited_nearest_neighbours is None else None
            if graph is not None and graph.n_neighbors >= k:  # the editing's graph: the same neighbours
                neighbors = graph.indices[minority_rows, :k]
            else:
                _, neighbors = kneighbors(X, X[minority_rows], k, exclude=minority_rows)
            # the classifier's k neighbours of a training row are the row itself and its k - 1 nearest others
            votes = np.concatenate([codes[minority_rows][:, None], codes[neighbors[:, : k - 1]]], axis=1)
            misclassified = mode_code(votes, classes.n_classes) != classes.minority
        else:  # through the classifier itself, as imbalanced-learn does
            X_minority = X[minority_rows]
            misclassified = np.asarray(classifier.predict(X_minority)) != y[minority_rows]
            neighbors = np.asarray(
                classifier.kneighbors(X_minority, n_neighbors=classifier.n_neighbors + 1, return_distance=False)
            )[:, 1:]
        around = np.unique(neighbors[misclassified].ravel())
        removed[around[cleanable[codes[around]]]] = True
        kept = np.flatnonzero(~removed)
        self.sample_indices_ = kept
        return Resampled(kept)
