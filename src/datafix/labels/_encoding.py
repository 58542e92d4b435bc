"""Turning any feature table into what the label-error machinery needs.

* :func:`make_default_estimator`: the model whose out-of-fold probabilities
  judge the labels when the user gives none. A standardised logistic
  regression, with imputation and one-hot encoding for DataFrames with
  categorical or missing values. It was chosen by measurement
  (``benchmarks/label_issues.py --part estimators``; the numbers are in the
  guide's benchmark notes): combined with the neighbour evidence it detects
  label errors about as well as histogram gradient boosting on the
  benchmark data sets, at a small fraction of the time.
* :func:`encode_for_neighbors`: the shared encoding of
  :func:`datafix._tabular.encode_features`, which the default model of
  :func:`datafix.find_label_issues` and the neighbour search both read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

from .._tabular import encode_features
from ..preprocessing import make_preprocessing

__all__ = ["encode_for_neighbors", "make_default_estimator"]

def make_default_estimator(X):
    """The default model for out-of-fold probabilities, fitted to the shape of ``X``.

    Parameters
    ----------
    X : DataFrame, ndarray or sparse matrix
        The features it will be fitted on (only their types are looked at).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted: median imputation and scaling (and one-hot encoding of
        the non-numeric columns of a DataFrame) followed by
        ``LogisticRegression(max_iter=1000)``. For an array without missing
        values the imputer is left out (it would only copy the data); such
        a model then rejects NaN at predict time, so build it from the data
        it will see.

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.labels import make_default_estimator
    >>> frame = pd.DataFrame({"size": [1.0, None, 3.0, 4.0], "colour": ["red", "blue", None, "red"]})
    >>> model = make_default_estimator(frame).fit(frame, [0, 1, 0, 1])
    >>> model.predict_proba(frame).shape
    (4, 2)
    """
    model = default_classifier()
    if sp.issparse(X):
        return make_pipeline(MaxAbsScaler(), model)
    if isinstance(X, pd.DataFrame):  # the same imputation and encoding a recommended pipeline uses
        imputer, encoder = make_preprocessing(X, scale=True)
        return make_pipeline(imputer, encoder, model)
    if not _has_missing(X):  # nothing to impute: an imputer would only copy the data (a second copy of X)
        return make_pipeline(StandardScaler(), model)
    return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(), model)


def default_classifier():
    """The classifier of :func:`make_default_estimator`, without preprocessing (for features already encoded).

    Examples
    --------
    >>> from datafix.labels._encoding import default_classifier
    >>> default_classifier()
    LogisticRegression(max_iter=1000)
    """
    return LogisticRegression(max_iter=1000)


def _has_missing(X) -> bool:
    """Whether a dense array holds NaN; object arrays count as possibly missing (the imputer handles them)."""
    values = np.asarray(X)
    if values.dtype.kind == "f":
        return bool(np.isnan(values).any())
    return values.dtype.kind not in "biu"


def encode_for_neighbors(X) -> np.ndarray:
    """A dense float32 matrix in which Euclidean distance is meaningful, for the neighbour search.

    The one shared encoding, :func:`datafix._tabular.encode_features` (the
    audit and ``datafix clean`` use it too): numeric and date columns
    median-imputed and standardised, categorical columns one-hot encoded
    (scaled so two categories are one unit apart) or frequency-encoded past
    ``MAX_ONE_HOT`` categories, constant and id-like DataFrame columns left
    out. Sparse input is made dense.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.labels import encode_for_neighbors
    >>> encoded = encode_for_neighbors(np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, 30.0]]))
    >>> encoded.dtype, np.round(encoded[:, 1], 3).tolist()
    (dtype('float32'), [-1.225, 0.0, 1.225])
    """
    return encode_features(X)
