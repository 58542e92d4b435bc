"""Tomek links and one-sided selection."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils import check_random_state

from .._compat import Interval
from ..base import Resampled
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
    numeric_matrix,
    sampling_strategy_dict,
    searching_with_n_jobs,
)
from ._kernels import knn_predict, nearest_neighbor_largest_first, tomek_mask

__all__ = ["TomekLinks", "OneSidedSelection"]


def _tomek_keep(X, codes, n_classes, clean_mask) -> np.ndarray:
    nearest = nearest_neighbor_largest_first(X, codes, n_classes)
    return np.flatnonzero(~tomek_mask(codes, nearest, clean_mask))


class TomekLinks(BaseCleaner):
    """Remove rows that form a Tomek link: two rows of different classes, each the other's nearest neighbour.

    The same algorithm, parameters and output as
    :class:`imblearn.under_sampling.TomekLinks`: the row of a link that
    belongs to a class targeted by ``sampling_strategy`` is removed (both rows
    with ``sampling_strategy="all"``); the kept rows stay in their original
    order.

    Faster than imbalanced-learn because only the rows that can be in a link
    are searched: every link has an end outside the largest class, so those
    rows are searched first, then only the rows of the largest class that are
    the nearest neighbour of one of them (at most twice the rows outside the
    largest class; 10% of the data for a 5% minority).

    Parameters
    ----------
    sampling_strategy : str, list or callable, default="auto"
        Which classes lose their end of a link, as in imbalanced-learn
        (``"auto"`` = every class but the minority).
    n_jobs : int or None, default=None
        Threads of the neighbour search: ``None`` as many as the BLAS library
        is set to use, ``-1`` every core (see
        :func:`datafix.neighbors.search_threads`). The output does not depend
        on it.

    Attributes
    ----------
    sample_indices_ : ndarray of int
        The kept rows (same as ``source_indices_``).
    sampling_strategy_ : dict
        The classes cleaned and their row counts, as in imbalanced-learn.

    Notes
    -----
    Features must be numeric, finite and dense. A row is never its own
    nearest neighbour and equidistant rows are ranked by position, so with
    exact duplicate rows the links can differ from imbalanced-learn's (whose
    "nearest neighbour" of a duplicated row may be the row itself).

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.resampling import TomekLinks
    >>> X = np.array([[0.0], [1.0], [1.2], [3.0], [5.0]])
    >>> y = np.array([0, 0, 1, 0, 0])
    >>> X_res, y_res = TomekLinks().fit_resample(X, y)
    >>> X_res.ravel(), y_res
    (array([0. , 1.2, 3. , 5. ]), array([0, 1, 0, 0]))
    """

    _parameter_constraints = {
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINT,
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, *, sampling_strategy="auto", n_jobs=None):
        self.sampling_strategy = sampling_strategy
        self.n_jobs = n_jobs

    @searching_with_n_jobs
    def _fit_resample(self, X, y, sample_weight):
        classes = Classes(y)
        check_enough_rows(len(y), 1, type(self).__name__)
        self.sampling_strategy_ = sampling_strategy_dict(self.sampling_strategy, y)
        clean = classes_to_clean(self.sampling_strategy, classes.labels, classes.codes)
        kept = _tomek_keep(numeric_matrix(X), classes.codes, classes.n_classes, clean)
        self.sample_indices_ = kept
        return Resampled(kept)


class OneSidedSelection(BaseCleaner):
    """Keep the rows a nearest-neighbour rule misclassifies, then remove Tomek links.

    The same algorithm, parameters, random draws and output as
    :class:`imblearn.under_sampling.OneSidedSelection`: for each class
    targeted by ``sampling_strategy`` (in sorted label order), draw
    ``n_seeds_S`` seed rows of that class (with ``random_state``, exactly as
    imbalanced-learn draws them), classify the class's other rows with a
    ``n_neighbors``-nearest-neighbour rule fitted on the minority class plus
    the seeds, and keep the seeds and the misclassified rows; untargeted
    classes are kept whole. Finally remove the Tomek links among the kept rows
    (for the targeted classes).

    Parameters
    ----------
    sampling_strategy : str, list or callable, default="auto"
        See :class:`TomekLinks`.
    random_state : int, RandomState instance or None, default=None
        Draws the seeds.
    n_neighbors : int, classifier or None, default=None
        Neighbours of the nearest-neighbour rule (``None`` means 1), or, as
        in imbalanced-learn, a classifier such as
        :class:`~sklearn.neighbors.KNeighborsClassifier` cloned for each
        targeted class. A Euclidean uniform-weight ``KNeighborsClassifier``
        (any ``algorithm``) runs on datafix's engine; any other classifier
        runs itself, as in imbalanced-learn.
    n_seeds_S : int, default=1
        Seed rows drawn per targeted class (with replacement, as in
        imbalanced-learn).
    n_jobs : int or None, default=None
        Threads of the neighbour search (see :class:`TomekLinks`); as in
        imbalanced-learn, also set on the ``KNeighborsClassifier`` built for
        an integer ``n_neighbors``.

    Attributes
    ----------
    sample_indices_ : ndarray of int
        The kept rows in output order (same as ``source_indices_``). A seed
        drawn twice appears twice, as in imbalanced-learn.
    estimators_ : list of classifiers
        For each targeted class (sorted labels), the classifier fitted on the
        minority class plus that class's seeds, as in imbalanced-learn.
    sampling_strategy_ : dict
        The classes cleaned and their row counts, as in imbalanced-learn.

    Notes
    -----
    imbalanced-learn fails with an ``UnboundLocalError`` when
    ``n_neighbors`` is a neighbour object that is not a
    ``KNeighborsClassifier`` (say ``NearestNeighbors``); datafix takes any
    classifier with ``fit`` and ``predict`` and gives a clear error for
    anything else.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from datafix.resampling import OneSidedSelection
    >>> X, y = make_classification(n_samples=500, weights=[0.1], random_state=0)
    >>> X_res, y_res = OneSidedSelection(random_state=0).fit_resample(X, y)
    >>> bool((y_res == 1).sum() < (y == 1).sum()), bool((y_res == 0).sum() == (y == 0).sum())
    (True, True)
    """

    _parameter_constraints = {
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINT,
        "random_state": ["random_state"],
        "n_neighbors": [*N_NEIGHBORS_CONSTRAINT, None],
        "n_seeds_S": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None, n_neighbors=None, n_seeds_S=1, n_jobs=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.n_seeds_S = n_seeds_S
        self.n_jobs = n_jobs

    def _classifier(self):
        """The classifier imbalanced-learn clones for each class, and who finds its neighbours."""
        n_neighbors = 1 if self.n_neighbors is None else self.n_neighbors
        if isinstance(n_neighbors, Integral):
            return KNeighborsClassifier(n_neighbors=int(n_neighbors), n_jobs=self.n_jobs), Neighbourhood(n_neighbors)
        if not (hasattr(n_neighbors, "fit") and hasattr(n_neighbors, "predict")):
            raise ValueError(
                f"OneSidedSelection classifies rows with n_neighbors, so it must be None, an integer or a "
                f"classifier with fit and predict such as KNeighborsClassifier; got {type(n_neighbors).__name__} "
                f"(for NearestNeighbors(n_neighbors=k), pass KNeighborsClassifier(n_neighbors=k))."
            )
        classifier = clone(n_neighbors)
        if is_euclidean(classifier, predicts=True):
            return classifier, Neighbourhood(classifier.n_neighbors)
        return classifier, Neighbourhood(0, classifier)

    @searching_with_n_jobs
    def _fit_resample(self, X, y, sample_weight):
        classifier, voters = self._classifier()
        classes = Classes(y)
        codes, n_classes = classes.codes, classes.n_classes
        self.sampling_strategy_ = sampling_strategy_dict(self.sampling_strategy, y)
        clean = classes_to_clean(self.sampling_strategy, classes.labels, codes)
        n_neighbors = voters.n_neighbors
        minority_rows = np.flatnonzero(codes == classes.minority)
        X = numeric_matrix(X)
        random_state = check_random_state(self.random_state)
        reference_size = len(minority_rows) + self.n_seeds_S
        if voters.uses_engine and clean.any() and n_neighbors > reference_size:
            raise ValueError(
                f"OneSidedSelection classifies with n_neighbors={n_neighbors} neighbours among the minority "
                f"class and the seeds, but there are only {reference_size} such rows (class "
                f"{classes.labels[classes.minority]!r} has {len(minority_rows)}); lower n_neighbors."
            )
        pieces = []
        self.estimators_ = []
        for code in range(n_classes):
            class_rows = np.flatnonzero(codes == code)
            if not clean[code]:
                pieces.append(class_rows)
                continue
            drawn = random_state.randint(low=0, high=len(class_rows), size=self.n_seeds_S)
            seeds = class_rows[drawn]
            reference = np.append(minority_rows, seeds)
            rest = np.delete(class_rows, drawn)
            fitted = clone(classifier).fit(X[reference], y[reference])
            self.estimators_.append(fitted)
            if len(rest) == 0:
                misclassified = rest
            elif voters.uses_engine:
                predicted = knn_predict(X[reference], codes[reference], X[rest], n_neighbors, n_classes)
                misclassified = rest[predicted != code]
            else:
                misclassified = rest[np.asarray(fitted.predict(X[rest])) != y[rest]]
            pieces.append(np.concatenate([seeds, misclassified]))
        selected = np.concatenate(pieces).astype(np.intp)
        check_enough_rows(len(selected), 1, type(self).__name__, "after selection ")
        kept = _tomek_keep(X[selected], codes[selected], n_classes, clean)
        self.sample_indices_ = selected[kept]
        return Resampled(self.sample_indices_)
