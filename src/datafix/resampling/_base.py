"""What every kNN cleaner shares: parameters, class bookkeeping, the numeric matrix."""

from __future__ import annotations

import functools
from numbers import Integral

import numpy as np
import pandas as pd
from imblearn.utils import check_sampling_strategy
from sklearn.base import clone, is_classifier
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from .._compat import HasMethods, Interval, StrOptions
from .._deprecation import DEPRECATED, renamed_parameter
from ..base import BaseFix
from ..neighbors import search_threads

CLEANING_STRATEGIES = ("auto", "majority", "not minority", "not majority", "all")

SAMPLING_STRATEGY_CONSTRAINT = [StrOptions(set(CLEANING_STRATEGIES)), list, callable]
N_NEIGHBORS_CONSTRAINT = [Interval(Integral, 1, None, closed="left"), HasMethods(["kneighbors", "kneighbors_graph"])]
N_JOBS_CONSTRAINT = [Integral, None]
NEIGHBOR_ALGORITHM_CONSTRAINT = [StrOptions({"exact", "approximate"})]
#: ``method``, the old name of ``algorithm``: kept in the signature for one release
DEPRECATED_METHOD_CONSTRAINT = [StrOptions({"exact", "approximate", DEPRECATED})]


def searching_with_n_jobs(fit_resample):
    """Run a cleaner's ``_fit_resample`` with its ``n_jobs`` as the neighbour engine's thread count."""

    @functools.wraps(fit_resample)
    def wrapper(self, X, y, sample_weight):
        with search_threads(self.n_jobs):
            return fit_resample(self, X, y, sample_weight)

    return wrapper


def search_algorithm(estimator) -> str:
    """The ``algorithm`` an estimator was given, or its deprecated ``method`` (with a FutureWarning)."""
    return renamed_parameter(estimator.algorithm, estimator.method, old="method", new="algorithm",
                             owner=type(estimator).__name__, default="exact")


class Classes:
    """Labels encoded once: ``codes`` index into the sorted ``labels``.

    ``minority`` is the code of imbalanced-learn's minority class: the
    smallest class, ties going to the class that appears first in ``y``
    (``min(Counter(y), key=...)``, as imbalanced-learn computes it).
    """

    def __init__(self, y: np.ndarray):
        self.labels, self.codes = np.unique(y, return_inverse=True)
        self.codes = self.codes.astype(np.intp)
        self.counts = np.bincount(self.codes, minlength=len(self.labels))
        self.minority = _minority_code(self.codes, len(self.labels))

    @property
    def n_classes(self) -> int:
        return len(self.labels)


def _minority_code(codes: np.ndarray, n_classes: int) -> int:
    counts = np.bincount(codes, minlength=n_classes)
    present = np.flatnonzero(counts)
    smallest = present[counts[present] == counts[present].min()]
    if len(smallest) == 1:
        return int(smallest[0])
    first_seen = np.array([np.argmax(codes == c) for c in smallest])
    return int(smallest[np.argmin(first_seen)])


def sampling_strategy_dict(sampling_strategy, y):
    """imbalanced-learn's fitted ``sampling_strategy_``: ``{class: rows}`` for the classes a cleaner targets."""
    return check_sampling_strategy(sampling_strategy, y, "clean-sampling")


def classes_to_clean(sampling_strategy, labels: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Boolean mask over class codes: which classes ``sampling_strategy`` cleans, for labels ``labels[codes]``.

    Delegates to imbalanced-learn's ``check_sampling_strategy`` (type
    ``"clean-sampling"``) so every strategy means exactly what it means there.
    """
    targeted = sampling_strategy_dict(sampling_strategy, labels[codes])
    mask = np.zeros(len(labels), dtype=bool)
    for label in targeted:
        position = np.searchsorted(labels, label)
        if position < len(labels) and labels[position] == label:
            mask[position] = True
    return mask


def numeric_matrix(X) -> np.ndarray:
    """The features as a float64 array (the base class has already checked they are numeric and finite)."""
    if isinstance(X, pd.DataFrame):
        return X.to_numpy(dtype=np.float64)
    return np.asarray(X, dtype=np.float64)


def class_order(keep: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Kept rows grouped by class (sorted labels), original order within a class: imbalanced-learn's ENN order."""
    kept = np.flatnonzero(keep)
    return kept[np.argsort(codes[kept], kind="stable")]


def label_counts(neighbor_codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Per row, how many of its neighbours fall in each class: shape (n_rows, n_classes)."""
    counts = np.zeros((neighbor_codes.shape[0], n_classes), dtype=np.intp)
    rows = np.arange(neighbor_codes.shape[0])
    for column in range(neighbor_codes.shape[1]):
        np.add.at(counts, (rows, neighbor_codes[:, column]), 1)
    return counts


def mode_code(neighbor_codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Most frequent class per row, ties to the smallest label (``scipy.stats.mode``'s rule)."""
    return np.argmax(label_counts(neighbor_codes, n_classes), axis=1)


class BaseCleaner(BaseFix):
    """A cleaning sampler: keeps a subset of the rows, never creates any.

    Features must be numeric, finite and dense: Euclidean neighbours are
    undefined otherwise, and each case gets a clear error before any work.
    """

    _requires_numeric = True
    _allow_nan = False
    _allow_sparse = False

    def _fit_resample(self, X, y, sample_weight):  # pragma: no cover - abstract
        raise NotImplementedError


_ENGINE_CLASSES = (NearestNeighbors, KNeighborsClassifier)


def is_euclidean(estimator, *, predicts: bool = False) -> bool:
    """Whether ``estimator`` is a scikit-learn neighbour object that datafix's engine reproduces.

    True for a plain :class:`~sklearn.neighbors.NearestNeighbors` or
    :class:`~sklearn.neighbors.KNeighborsClassifier` (not a subclass) whose
    metric is Euclidean (``"minkowski"`` with ``p=2``, ``"euclidean"``,
    ``"l2"``) without ``metric_params``, any ``algorithm``; when the object
    also ``predicts`` (a classifier's vote), its ``weights`` must be
    ``"uniform"``. Anything else runs through the object itself.
    """
    if type(estimator) not in _ENGINE_CLASSES:
        return False
    params = estimator.get_params(deep=False)
    metric = params.get("metric", "minkowski")
    if not isinstance(metric, str):
        return False
    if metric == "minkowski":
        if params.get("p", 2) != 2:
            return False
    elif metric not in ("euclidean", "l2"):
        return False
    if params.get("metric_params"):
        return False
    if predicts and params.get("weights", "uniform") != "uniform":
        return False
    return True


class Neighbourhood:
    """A resolved ``n_neighbors`` parameter: how many neighbours, and who finds them.

    ``n_neighbors`` is the number of neighbours examined per row, the row
    itself not counted. ``estimator`` is ``None`` when datafix's engine finds
    them (an integer, or a Euclidean scikit-learn object), otherwise the
    unfitted neighbour object whose ``kneighbors`` is used, as
    imbalanced-learn uses it.
    """

    def __init__(self, n_neighbors: int, estimator=None):
        self.n_neighbors = int(n_neighbors)
        self.estimator = estimator

    @property
    def uses_engine(self) -> bool:
        return self.estimator is None


def editing_neighbourhood(n_neighbors, n_jobs, name: str, *, set_n_jobs: bool = True):
    """``(nn_, Neighbourhood)`` for Wilson editing, exactly as imbalanced-learn's ``check_neighbors_object``.

    An integer ``k`` means ``NearestNeighbors(n_neighbors=k + 1)`` (the
    first neighbour found is the row itself); an object is cloned and its
    ``n_neighbors`` counts that first neighbour, so it examines
    ``n_neighbors - 1`` rows. ``nn_`` is the neighbour object
    imbalanced-learn would record; with ``n_jobs`` set on it when
    ``set_n_jobs`` (imbalanced-learn's editing sets it; its repeated
    variants do not).
    """
    if isinstance(n_neighbors, Integral):
        nn = NearestNeighbors(n_neighbors=int(n_neighbors) + 1, n_jobs=n_jobs if set_n_jobs else None)
        return nn, Neighbourhood(int(n_neighbors))
    nn = clone(n_neighbors)
    if set_n_jobs and "n_jobs" in nn.get_params(deep=False):
        nn.set_params(n_jobs=n_jobs)
    k = getattr(nn, "n_neighbors", None)
    if not isinstance(k, Integral) or k < 2:
        raise ValueError(
            f"{name} was given n_neighbors={type(nn).__name__}(n_neighbors={k!r}); a neighbour object's "
            f"n_neighbors counts the row itself (imbalanced-learn drops the first neighbour found), so it "
            f"must be an integer of at least 2; pass n_neighbors={type(nn).__name__}(n_neighbors=k + 1) "
            f"to examine k neighbours, or an integer k."
        )
    return nn, Neighbourhood(int(k) - 1, None if is_euclidean(nn) else nn)


def fit_neighbours(estimator, X, y=None):
    """Fit a neighbour object on ``X`` (with ``y`` when it is a classifier, which cannot fit without labels)."""
    if is_classifier(estimator):
        return estimator.fit(X, y)
    return estimator.fit(X)


def check_enough_rows(n_rows: int, n_neighbors: int, name: str, extra: str = "") -> None:
    """A clear error when there are too few rows for the neighbourhood asked for."""
    if n_rows - 1 < n_neighbors:
        raise ValueError(
            f"{name} needs each row's {n_neighbors} nearest other rows, but {extra}only {n_rows} rows "
            f"are available; lower n_neighbors to at most {max(n_rows - 1, 0)} or pass more rows."
        )


__all__ = [
    "BaseCleaner",
    "Classes",
    "searching_with_n_jobs",
    "search_algorithm",
    "Neighbourhood",
    "editing_neighbourhood",
    "fit_neighbours",
    "is_euclidean",
    "sampling_strategy_dict",
    "check_enough_rows",
    "class_order",
    "classes_to_clean",
    "label_counts",
    "mode_code",
    "numeric_matrix",
]
