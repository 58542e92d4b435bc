"""Wilson's editing and its repeated variants: ENN, RepeatedENN, AllKNN."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import clone

from .._compat import Interval, StrOptions
from ..base import Resampled
from ._base import (
    DEPRECATED_METHOD_CONSTRAINT,
    N_JOBS_CONSTRAINT,
    N_NEIGHBORS_CONSTRAINT,
    NEIGHBOR_ALGORITHM_CONSTRAINT,
    SAMPLING_STRATEGY_CONSTRAINT,
    BaseCleaner,
    Classes,
    check_enough_rows,
    class_order,
    classes_to_clean,
    editing_neighbourhood,
    fit_neighbours,
    mode_code,
    numeric_matrix,
    sampling_strategy_dict,
    search_algorithm,
    searching_with_n_jobs,
)
from .._deprecation import DEPRECATED
from ._kernels import EditingState

__all__ = ["EditedNearestNeighbours", "RepeatedEditedNearestNeighbours", "AllKNN"]

_KIND_SEL_CONSTRAINT = [StrOptions({"all", "mode"})]


def _edit(state: EditingState, rows, labels, sampling_strategy, n_neighbors, kind_sel, estimator=None):
    """One ENN pass over ``rows`` (original positions): the rows kept, in ENN order.

    ``sampling_strategy`` is evaluated on the labels of ``rows``, as
    imbalanced-learn does on each pass of its repeated variants. With an
    ``estimator`` (a non-Euclidean or custom neighbour object) the pass runs
    through that object, as imbalanced-learn runs it; otherwise on ``state``.
    """
    codes = state.codes[rows]
    clean = classes_to_clean(sampling_strategy, labels, codes)
    if estimator is None:
        keep = state.keep(rows, clean, n_neighbors, kind_sel)
    else:
        keep = _keep_with_estimator(estimator, state.X, codes, state.n_classes, rows, clean, kind_sel)
    return rows[class_order(keep, codes)]


def _keep_with_estimator(estimator, X, row_codes, n_classes, rows, clean, kind_sel):
    """Wilson editing through a neighbour object, step for step as imbalanced-learn does it.

    The object is fitted on the current rows; each row of a cleaned class asks
    it for its ``n_neighbors`` nearest rows and the first one found (the row
    itself, or an exact duplicate of it) is dropped.
    """
    nn = fit_neighbours(clone(estimator), X[rows], row_codes)
    keep = np.ones(len(rows), dtype=bool)
    for code in np.flatnonzero(clean):
        members = np.flatnonzero(row_codes == code)
        if len(members) == 0:
            continue
        found = np.asarray(nn.kneighbors(X[rows[members]], return_distance=False))[:, 1:]
        neighbor_codes = row_codes[found]
        if kind_sel == "all":
            keep[members] = np.all(neighbor_codes == code, axis=1)
        else:
            keep[members] = mode_code(neighbor_codes, n_classes) == code
    return keep


class _EditingData:
    """What a pass needs besides the evidence: the matrix, the codes (for the object path)."""

    def __init__(self, X, codes, n_classes):
        self.X, self.codes, self.n_classes = X, codes, n_classes


class EditedNearestNeighbours(BaseCleaner):
    """Remove rows whose nearest neighbours mostly (or all) belong to another class.

    The same algorithm, parameters and output as
    :class:`imblearn.under_sampling.EditedNearestNeighbours`: for every row
    of a class targeted by ``sampling_strategy``, look at its ``n_neighbors``
    nearest other rows; keep it if all of them (``kind_sel="all"``) or most
    of them (``kind_sel="mode"``, ties going to the smallest label) share its
    class. Rows come out grouped by class (sorted labels), in their original
    order within a class, exactly as imbalanced-learn returns them.

    Faster than imbalanced-learn because most rows are decided without an
    exact neighbour search: a row whose nearest row of another class is
    farther than some k of its own class (found by a cheap approximate search)
    is kept under either rule, and with ``kind_sel="mode"`` it is enough that
    a strict majority of k rows of its own class be closer than its
    ``k - majority + 1``-th nearest row of another class; only the remaining
    rows are searched exactly. See :mod:`datafix.neighbors` for the search
    itself.

    Parameters
    ----------
    sampling_strategy : str, list or callable, default="auto"
        Which classes to clean, as in imbalanced-learn: ``"auto"`` (= ``"not
        minority"``), ``"majority"``, ``"not minority"``, ``"not majority"``,
        ``"all"``, a list of class labels, or a callable ``y -> dict``.
    n_neighbors : int or neighbour object, default=3
        Neighbours examined per row (the row itself is not counted), or, as
        in imbalanced-learn, a scikit-learn neighbour object (anything with
        ``kneighbors`` and ``kneighbors_graph``) whose ``n_neighbors``
        counts the row itself: ``NearestNeighbors(n_neighbors=4)`` examines
        3 neighbours. A Euclidean :class:`~sklearn.neighbors.NearestNeighbors`
        or :class:`~sklearn.neighbors.KNeighborsClassifier` (default metric,
        any ``algorithm``) runs on datafix's engine; any other metric or
        object runs through the object itself, exactly as imbalanced-learn
        runs it (same output, imbalanced-learn's speed).
    kind_sel : {"all", "mode"}, default="all"
        Keep a row when all of its neighbours, or their majority, share its class.
    n_jobs : int or None, default=None
        Threads of the neighbour search: ``None`` as many as the BLAS library
        is set to use, ``-1`` every core (see
        :func:`datafix.neighbors.search_threads`). The output does not depend
        on it. As in imbalanced-learn, it is also set on ``nn_``.
    algorithm : {"exact", "approximate"}, default="exact"
        The neighbour search algorithm (a datafix extra). ``"approximate"``
        uses the approximate search for every row (for data too large for
        exact search; results then differ slightly from imbalanced-learn's).
    method : {"exact", "approximate"}
        Deprecated: the old name of ``algorithm``, removed in datafix 0.3.

    Attributes
    ----------
    sample_indices_ : ndarray of int
        The kept rows (same as ``source_indices_``), named as in imbalanced-learn.
    nn_ : neighbour object
        imbalanced-learn's validated neighbour object: ``NearestNeighbors(n_neighbors + 1)``
        for an integer, a clone of the object given otherwise (with ``n_jobs``
        set), fitted on ``X``.
    sampling_strategy_ : dict
        The classes cleaned and their row counts, as in imbalanced-learn.
    source_indices_, is_synthetic_ : ndarray
        Provenance: the input row of each output row; never synthetic.

    Notes
    -----
    Differences from imbalanced-learn (see the user guide, "Differences from
    imbalanced-learn"): the features must be numeric, finite and dense
    (imbalanced-learn also takes sparse matrices). On datafix's engine a
    row's own position is always left out of its neighbours and equidistant
    neighbours are ranked by row position, whereas imbalanced-learn drops the
    first neighbour its tree returns, which with exact duplicate rows may be
    a duplicate rather than the row itself; the two can then keep different
    rows. A ``KNeighborsClassifier`` object is accepted (imbalanced-learn
    fails to fit it without labels). Weights follow rows: every kept row
    keeps its weight.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from datafix.resampling import EditedNearestNeighbours
    >>> X, y = make_classification(n_classes=2, class_sep=2, weights=[0.1, 0.9], n_informative=3,
    ...     n_redundant=1, flip_y=0, n_features=20, n_clusters_per_class=1, n_samples=1000, random_state=10)
    >>> X_res, y_res = EditedNearestNeighbours().fit_resample(X, y)
    >>> sorted(Counter(y_res).items())
    [(np.int64(0), 100), (np.int64(1), 887)]
    """

    _parameter_constraints = {
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINT,
        "n_neighbors": N_NEIGHBORS_CONSTRAINT,
        "kind_sel": _KIND_SEL_CONSTRAINT,
        "n_jobs": N_JOBS_CONSTRAINT,
        "algorithm": NEIGHBOR_ALGORITHM_CONSTRAINT,
        "method": DEPRECATED_METHOD_CONSTRAINT,
    }

    def __init__(
        self, *, sampling_strategy="auto", n_neighbors=3, kind_sel="all", n_jobs=None, algorithm="exact",
        method=DEPRECATED,
    ):
        self.sampling_strategy = sampling_strategy
        self.n_neighbors = n_neighbors
        self.kind_sel = kind_sel
        self.n_jobs = n_jobs
        self.algorithm = algorithm
        self.method = method

    @searching_with_n_jobs
    def _fit_resample(self, X, y, sample_weight):
        name = type(self).__name__
        algorithm = search_algorithm(self)
        classes = Classes(y)
        self.sampling_strategy_ = sampling_strategy_dict(self.sampling_strategy, y)
        nn, neighbourhood = editing_neighbourhood(self.n_neighbors, self.n_jobs, name)
        k = neighbourhood.n_neighbors
        check_enough_rows(len(y), k, name)
        X = numeric_matrix(X)
        if neighbourhood.uses_engine:
            state = EditingState(X, classes.codes, classes.n_classes, k, algorithm=algorithm, rule=self.kind_sel)
        else:
            state = _EditingData(X, classes.codes, classes.n_classes)
        keep_positions = _edit(
            state, np.arange(len(y)), classes.labels, self.sampling_strategy, k, self.kind_sel, neighbourhood.estimator
        )
        self.nn_ = fit_neighbours(nn, X, y)
        # every row's neighbours, when the editing searched them all (NeighbourhoodCleaningRule reuses them)
        self._neighbor_graph = getattr(state, "full_graph", None)
        self.sample_indices_ = keep_positions
        return Resampled(keep_positions)


def _class_counts(codes, n_classes):
    return np.bincount(codes, minlength=n_classes)


def _stopping_state(classes, current, minority_count):
    """After a pass of RENN / AllKNN: has a cleaned class fallen below the original minority's size,
    and has any class disappeared? (imbalanced-learn's two stopping rules.)"""
    counts = _class_counts(classes.codes[current], classes.n_classes)
    present = counts > 0
    others = present.copy()
    others[classes.minority] = False
    return bool(np.any(counts[others] < minority_count)), int(present.sum()) < classes.n_classes


class RepeatedEditedNearestNeighbours(BaseCleaner):
    """Apply :class:`EditedNearestNeighbours` repeatedly until it stops removing rows.

    The same algorithm, parameters and output as
    :class:`imblearn.under_sampling.RepeatedEditedNearestNeighbours`: repeat
    editing (``sampling_strategy`` re-evaluated on the remaining rows each
    time) until i) ``max_iter`` passes, ii) a pass removes nothing, iii) a
    cleaned class becomes smaller than the original minority class, or iv) a
    class disappears. Each pass uses the fast editing of
    :class:`EditedNearestNeighbours`.

    Parameters
    ----------
    sampling_strategy : str, list or callable, default="auto"
        See :class:`EditedNearestNeighbours`.
    n_neighbors : int or neighbour object, default=3
        See :class:`EditedNearestNeighbours`; an object that is not Euclidean
        runs every pass through itself.
    max_iter : int, default=100
        Most editing passes.
    kind_sel : {"all", "mode"}, default="all"
    n_jobs : int or None, default=None
        Threads of the neighbour search (see :class:`EditedNearestNeighbours`).
    algorithm : {"exact", "approximate"}, default="exact"
        The neighbour search algorithm (see :class:`EditedNearestNeighbours`).
    method : {"exact", "approximate"}
        Deprecated: the old name of ``algorithm``, removed in datafix 0.3.

    Attributes
    ----------
    n_iter_ : int
        Passes run.
    sample_indices_ : ndarray of int
        The kept rows in output order (same as ``source_indices_``).
    nn_ : neighbour object
        imbalanced-learn's validated neighbour object (unfitted, as there).
    enn_ : EditedNearestNeighbours
        The editing each pass applies (datafix's, configured as
        imbalanced-learn configures its ``enn_``; the passes share one
        neighbour evidence, so it is not fitted itself).
    sampling_strategy_ : dict
        The classes cleaned and their row counts on the input, as in imbalanced-learn.

    Notes
    -----
    The output rows are those imbalanced-learn returns. imbalanced-learn's own
    ``sample_indices_`` is wrong when the very first pass removes nothing (it
    applies the class-grouping permutation twice); datafix's always matches
    the rows returned.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from datafix.resampling import RepeatedEditedNearestNeighbours
    >>> X, y = make_classification(n_samples=300, weights=[0.2], flip_y=0.05, random_state=0)
    >>> renn = RepeatedEditedNearestNeighbours()
    >>> X_res, y_res = renn.fit_resample(X, y)
    >>> bool((y_res == 1).sum() < (y == 1).sum()), renn.n_iter_ >= 1
    (True, True)
    """

    _parameter_constraints = {
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINT,
        "n_neighbors": N_NEIGHBORS_CONSTRAINT,
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "kind_sel": _KIND_SEL_CONSTRAINT,
        "n_jobs": N_JOBS_CONSTRAINT,
        "algorithm": NEIGHBOR_ALGORITHM_CONSTRAINT,
        "method": DEPRECATED_METHOD_CONSTRAINT,
    }

    def __init__(
        self, *, sampling_strategy="auto", n_neighbors=3, max_iter=100, kind_sel="all", n_jobs=None,
        algorithm="exact", method=DEPRECATED,
    ):
        self.sampling_strategy = sampling_strategy
        self.n_neighbors = n_neighbors
        self.max_iter = max_iter
        self.kind_sel = kind_sel
        self.n_jobs = n_jobs
        self.algorithm = algorithm
        self.method = method

    @searching_with_n_jobs
    def _fit_resample(self, X, y, sample_weight):
        name = type(self).__name__
        algorithm = search_algorithm(self)
        classes = Classes(y)
        n_classes = classes.n_classes
        self.sampling_strategy_ = sampling_strategy_dict(self.sampling_strategy, y)
        self.nn_, neighbourhood = editing_neighbourhood(self.n_neighbors, None, name, set_n_jobs=False)
        self.enn_ = EditedNearestNeighbours(
            sampling_strategy=self.sampling_strategy, n_neighbors=clone(self.nn_), kind_sel=self.kind_sel,
            n_jobs=self.n_jobs, algorithm=algorithm,
        )
        k = neighbourhood.n_neighbors
        check_enough_rows(len(y), k, name)
        X = numeric_matrix(X)
        minority_count = classes.counts[classes.minority]
        current = np.arange(len(y))
        if neighbourhood.uses_engine:
            state = EditingState(X, classes.codes, n_classes, k, algorithm=algorithm, rule=self.kind_sel)
        else:
            state = _EditingData(X, classes.codes, n_classes)
        for n_iter in range(self.max_iter):
            check_enough_rows(len(current), k, name, f"after {n_iter} passes ")
            kept = _edit(
                state, current, classes.labels, self.sampling_strategy, k, self.kind_sel, neighbourhood.estimator
            )
            converged = len(kept) == len(current)
            current = kept
            minority_became_majority, class_removed = _stopping_state(classes, current, minority_count)
            if converged or minority_became_majority or class_removed:
                break
        self.n_iter_ = n_iter + 1
        self.sample_indices_ = current
        return Resampled(current)


class AllKNN(BaseCleaner):
    """Apply :class:`EditedNearestNeighbours` with 1, 2, ..., ``n_neighbors`` neighbours in turn.

    The same algorithm, parameters and output as
    :class:`imblearn.under_sampling.AllKNN`: edit with 1 neighbour, then
    edit the result with 2, and so on up to ``n_neighbors``; stop early when a
    class disappears or (unless ``allow_minority``) a cleaned class becomes
    smaller than the original minority class.

    Parameters
    ----------
    sampling_strategy : str, list or callable, default="auto"
        See :class:`EditedNearestNeighbours`.
    n_neighbors : int or neighbour object, default=3
        The largest neighbourhood examined. An object's ``n_neighbors``
        counts the row itself (``NearestNeighbors(n_neighbors=4)`` means 3);
        as in imbalanced-learn, only that number is taken from the object:
        every pass searches Euclidean neighbours whatever its metric
        (imbalanced-learn's passes build their own ``NearestNeighbors``), so
        the output is imbalanced-learn's for any object.
    kind_sel : {"all", "mode"}, default="all"
    allow_minority : bool, default=False
        Carry on even when a majority class becomes smaller than the minority.
    n_jobs : int or None, default=None
        Threads of the neighbour search (see :class:`EditedNearestNeighbours`).
    algorithm : {"exact", "approximate"}, default="exact"
        The neighbour search algorithm (see :class:`EditedNearestNeighbours`).
    method : {"exact", "approximate"}
        Deprecated: the old name of ``algorithm``, removed in datafix 0.3.

    Attributes
    ----------
    sample_indices_ : ndarray of int
        The kept rows in output order (same as ``source_indices_``).
    nn_ : neighbour object
        imbalanced-learn's validated neighbour object (unfitted, as there).
    enn_ : EditedNearestNeighbours
        The editing of the last pass (``n_neighbors`` set to that pass's
        size, as imbalanced-learn leaves its ``enn_``; not fitted itself).
    sampling_strategy_ : dict
        The classes cleaned and their row counts on the input, as in imbalanced-learn.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from datafix.resampling import AllKNN
    >>> X, y = make_classification(n_samples=300, weights=[0.2], flip_y=0.05, random_state=0)
    >>> X_res, y_res = AllKNN().fit_resample(X, y)
    >>> bool(len(y_res) < len(y)), bool((y_res == 0).sum() == (y == 0).sum())
    (True, True)
    """

    _parameter_constraints = {
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINT,
        "n_neighbors": N_NEIGHBORS_CONSTRAINT,
        "kind_sel": _KIND_SEL_CONSTRAINT,
        "allow_minority": ["boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
        "algorithm": NEIGHBOR_ALGORITHM_CONSTRAINT,
        "method": DEPRECATED_METHOD_CONSTRAINT,
    }

    def __init__(
        self, *, sampling_strategy="auto", n_neighbors=3, kind_sel="all", allow_minority=False, n_jobs=None,
        algorithm="exact", method=DEPRECATED,
    ):
        self.sampling_strategy = sampling_strategy
        self.n_neighbors = n_neighbors
        self.kind_sel = kind_sel
        self.allow_minority = allow_minority
        self.n_jobs = n_jobs
        self.algorithm = algorithm
        self.method = method

    @searching_with_n_jobs
    def _fit_resample(self, X, y, sample_weight):
        name = type(self).__name__
        algorithm = search_algorithm(self)
        classes = Classes(y)
        n_classes = classes.n_classes
        self.sampling_strategy_ = sampling_strategy_dict(self.sampling_strategy, y)
        self.nn_, neighbourhood = editing_neighbourhood(self.n_neighbors, None, name, set_n_jobs=False)
        largest = neighbourhood.n_neighbors  # Euclidean whatever the object: imbalanced-learn uses only its count
        check_enough_rows(len(y), largest, name)
        X = numeric_matrix(X)
        minority_count = classes.counts[classes.minority]
        current = np.arange(len(y))
        state = EditingState(X, classes.codes, n_classes, largest, algorithm=algorithm)
        for size in range(1, largest + 1):
            check_enough_rows(len(current), size, type(self).__name__, f"with {size} neighbours ")
            if len(current) - 1 < state.K:  # too few rows left to keep n_neighbors of evidence per row
                state = EditingState(X, classes.codes, n_classes, size, algorithm=algorithm)
            current = _edit(state, current, classes.labels, self.sampling_strategy, size, self.kind_sel)
            minority_became_majority, class_removed = _stopping_state(classes, current, minority_count)
            if (minority_became_majority and not self.allow_minority) or class_removed:
                break
        self.enn_ = EditedNearestNeighbours(
            sampling_strategy=self.sampling_strategy, n_neighbors=size, kind_sel=self.kind_sel, n_jobs=self.n_jobs,
            algorithm=algorithm,
        )
        self.sample_indices_ = current
        return Resampled(current)
