"""The one neutral core for tables: column kinds, the feature encoding, row hashes.

The fixes (:mod:`datafix.labels`), the audit (:mod:`datafix.auditing`) and the
command line all import from here, so that a label judged by
:func:`datafix.find_label_issues`, by the audit's ``label`` check and by
``datafix clean`` is judged on the same numbers.

* :func:`column_kinds` sorts a DataFrame's columns (numeric, categorical,
  datetime, constant, identifier-like);
* :func:`encode_features` turns any feature table (DataFrame, array, sparse
  matrix) into a dense float32 matrix in which Euclidean distance means
  something: the input of the default out-of-fold model and of the
  neighbour search;
* :func:`row_hashes` gives one hash per row for duplicate and leakage checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["column_kinds", "encode_features", "row_hashes", "is_numeric_column", "is_numeric_dtype", "take_rows", "plain_value",
           "MAX_ONE_HOT"]

#: Categorical columns with more categories than this are pooled (one-hot) or frequency-encoded.
MAX_ONE_HOT = 20

#: Columns with fewer rows than this are never called identifier-like.
MIN_ROWS_FOR_IDENTIFIER = 20
#: Rows hashed at a time by :func:`row_hashes` (bounds the normalised copy).
HASH_CHUNK_ROWS = 65_536


def is_numeric_column(series: pd.Series) -> bool:
    """Numbers and booleans are numeric; text, categoricals (even of numbers) and objects are not.

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix._tabular import is_numeric_column
    >>> [is_numeric_column(pd.Series(v)) for v in ([1.5], [True], ["a"])]
    [True, True, False]
    >>> is_numeric_column(pd.Series([1, 2], dtype="category"))
    False
    """
    return is_numeric_dtype(series.dtype)


def is_numeric_dtype(dtype) -> bool:
    """The rule of :func:`is_numeric_column`, for a dtype."""
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)


def take_rows(data, rows):
    """Rows of an array, sparse matrix, DataFrame or Series by position (index labels kept)."""
    return data.iloc[rows] if isinstance(data, (pd.DataFrame, pd.Series)) else data[rows]


def plain_value(value):
    """A numpy scalar as the Python value it holds (for messages and JSON keys); anything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


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
    >>> from datafix._tabular import column_kinds
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
        elif is_numeric_column(series):
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


def encode_features(frame, kinds: dict | None = None) -> np.ndarray:
    """Encode a feature table as a float32 matrix for models and neighbour search.

    This is the one encoding behind the label evidence of
    :func:`datafix.find_label_issues`, :class:`datafix.LabelCleaner`, the
    audit and ``datafix clean``.

    For a DataFrame: numeric, boolean and datetime columns are median-imputed
    (NaN and inf) and standardised; categorical columns with at most 20
    categories are one-hot encoded (missing is a category of its own) and
    scaled by ``1/sqrt(2)`` so that two different categories are one unit
    apart, like one standard deviation of a numeric column; categorical
    columns with more categories become their standardised frequency.
    Constant and identifier-like columns (see :func:`column_kinds`) are left
    out: they carry nothing a model or a neighbour can generalise from.

    A numeric array or sparse matrix: every column is median-imputed and
    standardised (a constant column becomes zeros). An array of strings or
    other objects is encoded like a DataFrame of its columns.

    Parameters
    ----------
    frame : DataFrame, array-like or sparse matrix of shape (n_samples, n_features)
        Never modified.
    kinds : dict, optional
        :func:`column_kinds` of a DataFrame, when already computed.

    Returns
    -------
    ndarray of float32, shape (n_samples, n_encoded)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from datafix._tabular import encode_features
    >>> frame = pd.DataFrame({"x": [1.0, np.nan, 3.0], "c": ["a", "b", None]})
    >>> encode_features(frame).shape
    (3, 4)
    >>> np.round(encode_features(np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, 30.0]]))[:, 1], 3).tolist()
    [-1.225, 0.0, 1.225]
    """
    if not isinstance(frame, pd.DataFrame):
        values = frame.toarray() if sp.issparse(frame) else np.asarray(frame)
        if values.ndim != 2:
            raise ValueError(f"features must be 2-D (rows x columns), got shape {values.shape}.")
        if values.dtype.kind in "OUS":  # an array of strings (or mixed objects): encode it as a table
            return encode_features(pd.DataFrame(values).infer_objects(), kinds)
        encoded = np.empty(values.shape, dtype=np.float32)
        for position in range(values.shape[1]):
            encoded[:, position] = _standardise(np.asarray(values[:, position], dtype=np.float64))
        return encoded
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
    if is_numeric_column(series) and not pd.api.types.is_bool_dtype(series.dtype):
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
    >>> from datafix._tabular import row_hashes
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
