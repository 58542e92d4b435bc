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

#: Categorical columns with at most this many categories are one-hot encoded; others frequency-encoded.
MAX_ONE_HOT = 20
#: Columns with fewer rows than this are never called identifier-like.
MIN_ROWS_FOR_IDENTIFIER = 20
#: Rows hashed at a time by :func:`row_hashes` (bounds the normalised copy).
HASH_CHUNK_ROWS = 65_536


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)


def _is_datetime(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series.dtype)


def column_kinds(frame: pd.DataFrame) -> dict:
    """Sort the columns of ``frame`` by kind.

    Returns a dict with lists ``numeric``, ``categorical``, ``datetime``,
    ``constant`` (at most one distinct value, missing counted as a value) and
    ``identifier`` (every value distinct and not a float: row ids, names,
    hashes). Constant and identifier-like columns appear only in their own
    list: they carry no information a model can generalise from, so the
    encoding leaves them out.

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.auditing._context import column_kinds
    >>> frame = pd.DataFrame({"id": range(30), "x": [0.5] * 15 + [1.5] * 15, "c": ["a", "b", "c"] * 10, "k": 1})
    >>> kinds = column_kinds(frame)
    >>> kinds["identifier"], kinds["constant"], kinds["numeric"], kinds["categorical"]
    (['id'], ['k'], ['x'], ['c'])
    """
    kinds = {"numeric": [], "categorical": [], "datetime": [], "constant": [], "identifier": []}
    n_rows = len(frame)
    for column in frame.columns:
        series = frame[column]
        n_unique = series.nunique(dropna=False)
        if n_unique <= 1:
            kinds["constant"].append(column)
        elif (
            n_rows >= MIN_ROWS_FOR_IDENTIFIER
            and n_unique == n_rows
            and not pd.api.types.is_float_dtype(series.dtype)
            and not pd.api.types.is_bool_dtype(series.dtype)
            and not _is_datetime(series)
        ):
            kinds["identifier"].append(column)
        elif _is_datetime(series):
            kinds["datetime"].append(column)
        elif _is_numeric(series):
            kinds["numeric"].append(column)
        else:
            kinds["categorical"].append(column)
    return kinds


def _standardise(values: np.ndarray) -> np.ndarray:
    """Impute NaN and inf with the median of the finite values and scale to zero mean, unit variance
    (float32, new array)."""
    values = np.array(values, dtype=np.float64)
    missing = ~np.isfinite(values)
    if missing.all():
        return np.zeros(values.shape, dtype=np.float32)
    if missing.any():
        values[missing] = np.nanmedian(values)
    std = values.std()
    values -= values.mean()
    if std > 0:
        values /= std
    return values.astype(np.float32)


def encode_features(frame: pd.DataFrame, kinds: dict | None = None) -> np.ndarray:
    """Encode a mixed DataFrame as a float32 matrix for models and neighbour search.

    Numeric, boolean and datetime columns are median-imputed and standardised;
    categorical columns with at most 20 categories are one-hot encoded (missing
    is a category of its own) and scaled by ``1/sqrt(2)`` so that two different
    categories are one unit apart, like one standard deviation of a numeric
    column; categorical columns with more categories become their standardised
    frequency. Constant and identifier-like columns are left out.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from datafix.auditing._context import encode_features
    >>> frame = pd.DataFrame({"x": [1.0, np.nan, 3.0], "c": ["a", "b", None]})
    >>> encode_features(frame).shape
    (3, 4)
    """
    kinds = column_kinds(frame) if kinds is None else kinds
    categorical = []
    for column in kinds["categorical"]:
        codes, uniques = pd.factorize(frame[column].astype(object), use_na_sentinel=False)
        categorical.append((codes, len(uniques)))
    width = len(kinds["numeric"]) + len(kinds["datetime"]) + sum(
        n if n <= MAX_ONE_HOT else 1 for _, n in categorical
    )
    encoded = np.zeros((len(frame), width), dtype=np.float32)  # filled in place: no second copy
    position = 0
    for column in kinds["numeric"]:
        encoded[:, position] = _standardise(frame[column].to_numpy(dtype=np.float64, na_value=np.nan))
        position += 1
    for column in kinds["datetime"]:
        series = frame[column]
        values = series.astype("int64").to_numpy(dtype=np.float64)
        values[series.isna().to_numpy()] = np.nan
        encoded[:, position] = _standardise(values)
        position += 1
    for codes, n_categories in categorical:
        if n_categories <= MAX_ONE_HOT:
            encoded[np.arange(len(codes)), position + codes] = np.float32(1 / np.sqrt(2))
            position += n_categories
        else:
            encoded[:, position] = _standardise(np.bincount(codes)[codes] / len(codes))
            position += 1
    return encoded


def _normalised_column(series: pd.Series) -> pd.Series:
    """A column in a form whose hash depends only on the values: numbers as float64, the rest as text."""
    if _is_numeric(series) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        values = np.where(np.isnan(values), np.nan, values + 0.0)  # one NaN, and -0.0 == 0.0
        return pd.Series(values)
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    text = np.array([str(v) for v in values], dtype=object) if len(values) else values
    text[missing] = "\x00<missing>"
    return pd.Series(text)


def row_hashes(frame: pd.DataFrame, columns=None) -> np.ndarray:
    """One uint64 per row, equal for rows whose values in ``columns`` are equal.

    Numbers compare by value whatever their dtype (``1`` in an integer column
    equals ``1.0`` in a float column), missing values equal each other, other
    values compare as text. Two different rows share a hash with probability
    about ``n**2 / 2**65`` (about 3e-8 for a million rows).

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.auditing._context import row_hashes
    >>> h = row_hashes(pd.DataFrame({"a": [1, 1, 2], "b": ["x", "x", None]}))
    >>> bool(h[0] == h[1]), bool(h[0] == h[2])
    (True, False)
    """
    columns = list(frame.columns) if columns is None else list(columns)
    hashes = np.zeros(len(frame), dtype=np.uint64)
    if not columns:
        return hashes
    # a row's hash depends on that row only: hashing chunks of rows gives the same values with a
    # normalised copy of one chunk at a time instead of the whole table
    for start in range(0, len(frame), HASH_CHUNK_ROWS):
        part = frame.iloc[start : start + HASH_CHUNK_ROWS]
        normalised = pd.DataFrame({i: _normalised_column(part[c]).to_numpy() for i, c in enumerate(columns)})
        hashes[start : start + len(part)] = pd.util.hash_pandas_object(normalised, index=False).to_numpy()
    return hashes


class AuditContext:
    """The data of one audit and what its checks share; expensive parts are computed once.

    Parameters
    ----------
    features : DataFrame
        Training features (the target column removed).
    labels : ndarray or None
        Class labels, one per row; ``None`` when the audit has no target.
    test_features : DataFrame or None
    estimator, pred_proba, cv, n_jobs, random_state
        Passed to :func:`datafix.find_label_issues` by the label check.
    progress : callable(str) or None
        Called with a short description before each expensive step.
    verbose : bool
        Let the neighbour search and the out-of-fold fits report their own progress on stderr.
    """

    def __init__(self, features, labels=None, *, test_features=None, estimator=None, pred_proba=None,
                 cv=5, n_jobs=None, random_state=None, progress=None, verbose=False):
        self.features = features
        self.labels = labels
        self.test_features = test_features
        self.estimator = estimator
        self.pred_proba = pred_proba
        self.cv = cv
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
        from ..labels.issues import encode_labels

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
        from ..neighbors import choose_method, compute_neighbor_graph

        k = min(max(n_neighbors, self.max_neighbors), self.n_rows - 1)
        if self._graph is None or self._graph.n_neighbors < min(n_neighbors, self.n_rows - 1):
            self.progress(f"neighbour graph (k={k})")
            self._graph = compute_neighbor_graph(
                self.encoded, k, method=choose_method(self.n_rows), n_jobs=self.n_jobs, verbose=self.verbose
            )
        return self._graph.subgraph(min(n_neighbors, self._graph.n_neighbors))

    def release_neighbor_graph(self) -> None:
        """Drop the shared graph (1M rows x 10 neighbours: 160 MiB) once no remaining check needs it."""
        self._graph = None

    @cached_property
    def model_proba(self) -> np.ndarray:
        """Out-of-fold probabilities (float32, sorted class order): ``pred_proba`` or fitted on the encoding.

        The default model is :func:`datafix.labels.make_default_estimator`'s
        logistic regression without its imputer and scaler: the encoding is
        already imputed and standardised.
        """
        from ..labels import out_of_fold_proba
        from ..labels.issues import check_pred_proba

        if self.pred_proba is not None:
            return check_pred_proba(self.pred_proba, self.classes, self.n_rows)
        estimator = self.estimator
        if estimator is None:  # the encoding is already imputed and standardised: another scaler would only copy it
            from ..labels._encoding import default_classifier

            estimator = default_classifier()
        self.progress("out-of-fold probabilities")
        proba = out_of_fold_proba(estimator, self.encoded, self.labels, cv=self.cv, n_jobs=self.n_jobs,
                                  random_state=self.random_state, verbose=self.verbose)
        return proba.astype(np.float32)

    @cached_property
    def label_issues(self) -> pd.DataFrame:
        """:func:`datafix.find_label_issues` (``"auto"``) on the audit's probabilities and shared neighbour graph.

        The model's out-of-fold probabilities and the label shares of each
        row's neighbours in the audit's one graph (no second search), judged
        by confident learning. Positional index.
        """
        from ..labels import find_label_issues
        from ..labels.issues import N_NEIGHBORS

        proba = self.model_proba
        graph = None
        if self.encoded.shape[1] and self.n_rows > 2:
            graph = self.neighbor_graph(N_NEIGHBORS)
        self.progress("confident learning")
        return find_label_issues(None, self.labels, pred_proba=proba, neighbor_graph=graph, n_jobs=self.n_jobs)
