"""The fix contract: every datafix step that changes the training set.

A *fix* changes the training set - which rows there are, their labels, their
weights - while a pipeline is fitted, and does nothing at predict time. Every
fix subclasses :class:`BaseFix` and implements one hook, ``_fit_resample``,
which returns a :class:`Resampled` description of the output rows. The base
class does everything else:

* parameter validation (``_parameter_constraints``, checked once per call);
* input validation with clear errors (features, labels, weights);
* the pandas round trip: DataFrame / Series in, DataFrame / Series out, with
  column names and dtypes kept;
* provenance: ``source_indices_`` and ``is_synthetic_`` after fitting;
* weights: a row copied from an input row keeps that row's weight unless the
  hook says otherwise; ``fit_resample`` returns ``(X, y)`` when there are no
  weights and ``(X, y, sample_weight)`` when weights came in or were produced.

Index policy for pandas output
------------------------------
A row copied from an input row keeps that row's index label (so a fix that
duplicates rows repeats labels, as ``DataFrame.iloc`` does). A synthetic row
gets a new label that cannot collide with any input label: for an integer
index, ``max(index) + 1, max(index) + 2, ...``; for any other index, the
strings ``"synthetic_0", "synthetic_1", ...`` (with a numeric suffix added if
such a label already exists).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from ._compat import validate_params
from ._deprecation import renamed_attributes
from .validation import check_features, check_labels, check_sample_weight, num_rows

__all__ = ["BaseFix", "Resampled", "is_fix", "assemble_rows"]


#: ``take_rows`` is ``assemble_rows`` (it assembles a fix's output rows; ``_tabular.take_rows`` selects rows).
__getattr__ = renamed_attributes(__name__, {"take_rows": "assemble_rows"}, globals())


class Resampled(NamedTuple):
    """What a fix's ``_fit_resample`` hook returns: a description of its output rows.

    Attributes
    ----------
    source_indices : ndarray of int, shape (n_out,)
        For each output row, the position of the input row it came from (for a
        synthetic row, the row it was generated from).
    y : ndarray of shape (n_out,), optional
        The output labels. ``None`` means ``y[source_indices]``.
    sample_weight : ndarray of shape (n_out,), optional
        The output weights. ``None`` means "weights follow rows":
        ``sample_weight[source_indices]`` when weights came in, none otherwise.
        A hook that sets them must already include the incoming weights.
    is_synthetic : ndarray of bool, shape (n_out,), optional
        Which output rows are synthetic. ``None`` means none are.
    X_synthetic : array-like of shape (n_synthetic, n_features), optional
        The features of the synthetic rows, in output order. Required when
        any row is synthetic.

    Examples
    --------
    Keep rows 0 and 2, then add one synthetic row generated from row 2:

    >>> import numpy as np
    >>> from datafix.base import Resampled
    >>> out = Resampled(np.array([0, 2, 2]), is_synthetic=np.array([False, False, True]), X_synthetic=[[9.0]])
    >>> out.source_indices.tolist(), out.is_synthetic.tolist()
    ([0, 2, 2], [False, False, True])
    """

    source_indices: np.ndarray
    y: np.ndarray | None = None
    sample_weight: np.ndarray | None = None
    is_synthetic: np.ndarray | None = None
    X_synthetic: Any = None


def is_fix(step) -> bool:
    """Whether ``step`` changes the training set during fit (has ``fit_resample``).

    True for datafix fixes, imbalanced-learn samplers and pipelines made only of
    them.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from imblearn.under_sampling import RandomUnderSampler
    >>> from datafix.base import is_fix
    >>> is_fix(RandomUnderSampler()), is_fix(StandardScaler())
    (True, False)
    """
    return hasattr(step, "fit_resample")


def _synthetic_index(index: pd.Index, n_new: int) -> pd.Index:
    """New index labels for synthetic rows that cannot collide with ``index``."""
    if n_new == 0:
        return index[:0]
    if pd.api.types.is_integer_dtype(index.dtype):
        start = int(index.max()) + 1 if len(index) else 0
        return pd.RangeIndex(start, start + n_new)
    prefix = "synthetic_"
    existing = set(index.astype(str)) if len(index) else set()
    suffix = 0
    while any(label.startswith(prefix) for label in existing):
        suffix += 1
        prefix = f"synthetic{suffix}_"
    return pd.Index([f"{prefix}{i}" for i in range(n_new)], dtype=object)


def _output_index(index: pd.Index, source_indices: np.ndarray, is_synthetic: np.ndarray) -> pd.Index:
    if not is_synthetic.any():
        return index.take(source_indices)
    labels = np.empty(len(source_indices), dtype=object)
    labels[~is_synthetic] = np.asarray(index.take(source_indices[~is_synthetic]), dtype=object)
    labels[is_synthetic] = np.asarray(_synthetic_index(index, int(is_synthetic.sum())), dtype=object)
    new_index = pd.Index(labels)
    if pd.api.types.is_integer_dtype(index.dtype):
        new_index = new_index.astype(index.dtype)
    return new_index


def assemble_rows(X, source_indices, is_synthetic=None, X_synthetic=None):
    """Build the output features: copies of input rows plus synthetic rows.

    Parameters
    ----------
    X : DataFrame, ndarray or sparse matrix
        The input features.
    source_indices : ndarray of int
        For each output row, its input row.
    is_synthetic : ndarray of bool, optional
        Which output rows are synthetic; their features come from
        ``X_synthetic`` in order.
    X_synthetic : array-like, optional
        Features of the synthetic rows.

    Returns
    -------
    The same container type as ``X`` (DataFrame with the same columns and
    dtypes, ndarray with the same dtype, or CSR matrix), a new object.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.base import assemble_rows
    >>> assemble_rows(np.array([[0, 0], [1, 1]]), np.array([1, 0, 1]))
    array([[1, 1],
           [0, 0],
           [1, 1]])
    """
    source_indices = np.asarray(source_indices, dtype=np.intp)
    if is_synthetic is None or not np.any(is_synthetic):
        if isinstance(X, pd.DataFrame):
            return X.iloc[source_indices]
        return X[source_indices]
    is_synthetic = np.asarray(is_synthetic, dtype=bool)
    kept_positions = np.flatnonzero(~is_synthetic)
    synthetic_positions = np.flatnonzero(is_synthetic)
    if isinstance(X, pd.DataFrame):
        synthetic = pd.DataFrame(np.asarray(X_synthetic), columns=X.columns)
        synthetic = synthetic.astype(X.dtypes.to_dict())
        combined = pd.concat([X.iloc[source_indices[~is_synthetic]], synthetic], axis=0)
        order = np.empty(len(source_indices), dtype=np.intp)
        order[kept_positions] = np.arange(len(kept_positions))
        order[synthetic_positions] = len(kept_positions) + np.arange(len(synthetic_positions))
        result = combined.iloc[order]
        result.index = _output_index(X.index, source_indices, is_synthetic)
        return result
    if sp.issparse(X):
        synthetic = sp.csr_matrix(X_synthetic, dtype=X.dtype)
        combined = sp.vstack([X[source_indices[~is_synthetic]], synthetic], format="csr")
        order = np.empty(len(source_indices), dtype=np.intp)
        order[kept_positions] = np.arange(len(kept_positions))
        order[synthetic_positions] = len(kept_positions) + np.arange(len(synthetic_positions))
        return combined[order]
    result = np.empty((len(source_indices),) + X.shape[1:], dtype=X.dtype)
    n_kept = len(kept_positions)
    if n_kept == X.shape[0] and kept_positions[-1] == n_kept - 1 and np.array_equal(source_indices[:n_kept], np.arange(n_kept)):
        # the common layout "every input row in order, then synthetic rows": no temporary copy of X
        result[:n_kept] = X
        result[n_kept:] = np.asarray(X_synthetic).astype(X.dtype, copy=False)
        return result
    result[kept_positions] = X[source_indices[~is_synthetic]]
    result[synthetic_positions] = np.asarray(X_synthetic).astype(X.dtype, copy=False)
    return result


def _wrap_labels(y_original, y_values: np.ndarray, index: pd.Index | None):
    """Return labels in the container the caller used (Series stays Series, a DataFrame of labels stays one)."""
    if isinstance(y_original, pd.DataFrame):
        return pd.DataFrame(y_values, index=index, columns=y_original.columns).astype(y_original.dtypes.to_dict())
    if isinstance(y_original, pd.Series):
        series = pd.Series(y_values, index=index, name=y_original.name)
        try:
            return series.astype(y_original.dtype)
        except (TypeError, ValueError):
            return series
    return y_values


class BaseFix(BaseEstimator):
    """Base class of every datafix fix; subclasses implement ``_fit_resample``.

    Subclasses declare ``_parameter_constraints`` (checked on every call) and
    may set these class attributes:

    ``_requires_numeric`` (bool)
        Features must be numeric (DataFrames with non-numeric columns raise).
    ``_allow_nan`` (bool)
        Whether NaN features are accepted.
    ``_allow_sparse`` (bool)
        Whether sparse matrices are accepted.

    A subclass with other input (images, say) overrides ``_check_features``.

    After ``fit_resample`` every fix has ``source_indices_`` (for each output
    row, the input row it came from), ``is_synthetic_`` and ``classes_``.

    Examples
    --------
    A fix that drops the first row of each class, in one hook:

    >>> import numpy as np
    >>> from datafix import BaseFix, Resampled
    >>> class DropFirstRowOfEachClass(BaseFix):
    ...     def _fit_resample(self, X, y, sample_weight):
    ...         first = [np.flatnonzero(y == label)[0] for label in np.unique(y)]
    ...         return Resampled(np.setdiff1d(np.arange(len(y)), first))
    >>> fix = DropFirstRowOfEachClass()
    >>> X_out, y_out, w_out = fix.fit_resample([[0], [1], [2], [3]], [0, 1, 0, 1], sample_weight=[1, 2, 3, 4])
    >>> y_out.tolist(), w_out.tolist(), fix.source_indices_.tolist()
    ([0, 1], [3.0, 4.0], [2, 3])
    """

    _parameter_constraints: dict = {}
    _requires_numeric = False
    _allow_nan = True
    _allow_sparse = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._allow_sparse
        tags.input_tags.allow_nan = self._allow_nan
        tags.input_tags.string = not self._requires_numeric
        tags.input_tags.categorical = not self._requires_numeric
        return tags

    def _check_features(self, X):
        return check_features(
            X, numeric=self._requires_numeric, allow_nan=self._allow_nan, allow_sparse=self._allow_sparse
        )

    def _check_target(self, y, n_rows):
        """Validate ``y`` and return its values as an array (class labels, 1-D, by default).

        A fix that takes other targets (a multi-label 0/1 matrix) overrides this.
        """
        return check_labels(y, n_rows=n_rows)

    def _fit_resample(self, X, y, sample_weight) -> Resampled:  # pragma: no cover - abstract
        raise NotImplementedError

    def fit_resample(self, X, y, sample_weight=None):
        """Fit the fix and return the changed training set.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Training features. Never modified.
        y : array-like of shape (n_samples,)
            Class labels. Never modified.
        sample_weight : array-like of shape (n_samples,), optional
            Per-row weights. They follow rows: a kept row keeps its weight.

        Returns
        -------
        X_out, y_out : the new training set, in the caller's container types.
        sample_weight_out : ndarray, returned only when weights were passed in
            or the fix produced them.
        """
        validate_params(self)
        X_checked = self._check_features(X)
        n_rows = num_rows(X_checked)
        y_values = self._check_target(y, n_rows)
        weights = check_sample_weight(sample_weight, n_rows)
        self.classes_ = np.unique(y_values) if y_values.ndim == 1 else np.arange(y_values.shape[1])
        self.n_features_in_ = X_checked.shape[1] if len(X_checked.shape) == 2 else None
        if isinstance(X_checked, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X_checked.columns, dtype=object)

        result = self._fit_resample(X_checked, y_values, weights)
        source = np.asarray(result.source_indices, dtype=np.intp)
        n_out = len(source)
        synthetic = np.zeros(n_out, dtype=bool) if result.is_synthetic is None else np.asarray(result.is_synthetic, bool)
        y_out = y_values[source] if result.y is None else np.asarray(result.y)
        if result.sample_weight is not None:
            weights_out = np.asarray(result.sample_weight, dtype=np.float64)
        elif weights is not None:
            weights_out = weights[source]
        else:
            weights_out = None
        if len(y_out) != n_out or len(synthetic) != n_out or (weights_out is not None and len(weights_out) != n_out):
            raise RuntimeError(f"{type(self).__name__}._fit_resample returned inconsistent lengths")  # a bug, not user error

        self.source_indices_ = source
        self.is_synthetic_ = synthetic
        X_out = assemble_rows(X_checked, source, synthetic, result.X_synthetic)
        index = X_out.index if isinstance(X_out, pd.DataFrame) else None
        if index is None and isinstance(y, (pd.Series, pd.DataFrame)):
            index = _output_index(y.index, source, synthetic)
        y_out = _wrap_labels(y, y_out, index)
        if weights_out is None:
            return X_out, y_out
        return X_out, y_out, weights_out

    def fit(self, X, y, sample_weight=None):
        """Fit the fix (the same work as :meth:`fit_resample`) and return ``self``."""
        self.fit_resample(X, y, sample_weight=sample_weight)
        return self
