"""What every check shares: the data and the expensive things computed once.

The :class:`AuditContext` holds the training features (a DataFrame), the
labels, the optional test features, and lazily computes - at most once per
audit - the column kinds, the numeric encoding used by the model and the
neighbour graph, the per-row hashes used by the duplicate and leakage checks,
the neighbour graph itself and the out-of-fold label issues.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

__all__ = ["AuditContext", "column_kinds", "encode_features", "row_hashes"]

from .._tabular import (  # noqa: F401  (re-exported: the checks and older imports use these names)
    HASH_CHUNK_ROWS,
    MAX_ONE_HOT,
    MIN_ROWS_FOR_IDENTIFIER,
    _is_datetime,
    column_kinds,
    encode_features,
    row_hashes,
)
from ..labels import find_label_issues
from ..labels.issues import N_NEIGHBORS, check_pred_proba, encode_labels, fit_out_of_fold
from ..neighbors import choose_method, compute_neighbor_graph


class AuditContext:
    """The data of one audit and what its checks share; expensive parts are computed once.

    Parameters
    ----------
    features : DataFrame
        Training features (the target column removed).
    labels : ndarray or None
        Class labels, one per row; ``None`` when the audit has no target.
    test_features : DataFrame or None
    estimator, pred_proba, cv, groups, n_jobs, random_state
        Passed to :func:`datafix.find_label_issues` by the label check.
    progress : callable(str) or None
        Called with a short description before each expensive step.
    verbose : bool
        Let the neighbour search and the out-of-fold fits report their own progress on stderr.
    """

    def __init__(self, features, labels=None, *, test_features=None, estimator=None, pred_proba=None,
                 cv=5, groups=None, n_jobs=None, random_state=None, progress=None, verbose=False):
        self.features = features
        self.labels = labels
        self.test_features = test_features
        self.estimator = estimator
        self.pred_proba = pred_proba
        self.cv = cv
        self.groups = groups
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.progress = progress or (lambda message: None)
        self.verbose = verbose
        self.max_neighbors = 0
        self._graph = None

    @property
    def n_rows(self) -> int:
        return len(self.features)

    @cached_property
    def kinds(self) -> dict:
        return column_kinds(self.features)

    @cached_property
    def encoded(self) -> np.ndarray:
        self.progress("encoding features")
        return encode_features(self.features, self.kinds)

    @cached_property
    def feature_hashes(self) -> np.ndarray:
        return row_hashes(self.features)

    @cached_property
    def _encoded_labels(self):
        return encode_labels(self.labels)

    @property
    def classes(self) -> np.ndarray:
        """The sorted distinct labels."""
        return self._encoded_labels[0]

    @property
    def label_codes(self) -> np.ndarray:
        """Each row's position in :attr:`classes`."""
        return self._encoded_labels[1]

    def neighbor_graph(self, n_neighbors: int):
        """The shared k-nearest-neighbour graph of the encoded features, first ``n_neighbors`` columns.

        Computed once, with the largest ``n_neighbors`` any selected check
        declared, through :func:`datafix.neighbors.compute_neighbor_graph`.
        """
        k = min(max(n_neighbors, self.max_neighbors), self.n_rows - 1)
        if self._graph is None or self._graph.n_neighbors < min(n_neighbors, self.n_rows - 1):
            self.progress(f"neighbour graph (k={k})")
            self._graph = compute_neighbor_graph(
                self.encoded, k, algorithm=choose_method(self.n_rows), n_jobs=self.n_jobs, verbose=self.verbose
            )
        return self._graph.subgraph(min(n_neighbors, self._graph.n_neighbors))

    def release_neighbor_graph(self) -> None:
        """Drop the shared graph (1M rows x 10 neighbours: 160 MiB) once no remaining check needs it."""
        self._graph = None

    @cached_property
    def model_proba(self) -> np.ndarray:
        """Out-of-fold probabilities (float32, sorted class order): ``pred_proba`` or fitted on the encoding.

        The very call :func:`datafix.find_label_issues` makes at its defaults
        (:func:`datafix.labels.issues.fit_out_of_fold`): the default logistic
        regression on the shared encoding, or the audit's ``estimator`` on it.
        """
        if self.pred_proba is not None:
            return check_pred_proba(self.pred_proba, self.classes, self.n_rows)
        self.progress("out-of-fold probabilities")
        encoded = self.encoded
        return fit_out_of_fold(self.estimator, encoded, encoded, self.labels, cv=self.cv, groups=self.groups,
                               n_jobs=self.n_jobs, random_state=self.random_state, verbose=self.verbose)

    @cached_property
    def label_issues(self) -> pd.DataFrame:
        """:func:`datafix.find_label_issues` (``"auto"``) on the audit's probabilities and shared neighbour graph.

        The model's out-of-fold probabilities and the label shares of each
        row's neighbours in the audit's one graph (no second search), judged
        by the same code as :func:`datafix.find_label_issues` on the same
        encoding: at the same ``cv`` and ``random_state`` both flag the same
        rows. Indexed like the features (the neighbour columns name rows by
        their index labels).
        """

        proba = self.model_proba
        graph = None
        if self.encoded.shape[1] and self.n_rows > 2:
            graph = self.neighbor_graph(N_NEIGHBORS)
        self.progress("confident learning")
        labels = pd.Series(self.labels, index=self.features.index)
        return find_label_issues(None, labels, pred_proba=proba, neighbor_graph=graph, n_jobs=self.n_jobs)
