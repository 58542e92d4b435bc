"""Input checks shared by every public entry point.

Each check raises before any work is done, with a message that names the
argument, what was expected, what was found and what to do about it. None of
them mutates its input.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._tabular import is_numeric_dtype

__all__ = [
    "check_classification_target",
    "check_column_names",
    "check_features",
    "check_hashable_cells",
    "check_labels",
    "check_sample_weight",
    "check_target_column",
    "feature_frame",
    "is_continuous_target",
    "num_rows",
    "split_target",
    "warn_similar_labels",
]

#: A numeric target with more distinct values than this (and than ``CONTINUOUS_SHARE`` of its rows) that are
#: not all whole numbers is a quantity to predict, not classes.
CONTINUOUS_MIN_VALUES = 20
CONTINUOUS_SHARE = 0.05


def num_rows(X) -> int:
    """Number of rows of a 2-D table, array, sparse matrix or image batch.

    Examples
    --------
    >>> from datafix.validation import num_rows
    >>> num_rows([[1, 2], [3, 4], [5, 6]])
    3
    """
    if hasattr(X, "shape"):
        return int(X.shape[0])
    if hasattr(X, "__len__"):
        return len(X)
    return int(np.asarray(X).shape[0])


def _describe_positions(mask: np.ndarray, limit: int = 5) -> str:
    positions = np.flatnonzero(mask)
    shown = ", ".join(str(int(p)) for p in positions[:limit])
    more = f", ... ({len(positions)} in all)" if len(positions) > limit else ""
    return f"[{shown}{more}]"


def first_line(error) -> str:
    """The first line of an exception's message (its type's name when the message is empty).

    Examples
    --------
    >>> from datafix.validation import first_line
    >>> first_line(ValueError("bad input" + chr(10) + "more detail")), first_line(KeyError())
    ('bad input', 'KeyError')
    """
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def check_labels(y, *, name: str = "y", n_rows: int | None = None, min_classes: int = 2) -> np.ndarray:
    """Validate class labels and return them as a 1-D numpy array.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels: numbers, strings or a pandas Series (any dtype,
        categorical included).
    name : str, default="y"
        The argument's name, used in error messages.
    n_rows : int, optional
        The number of rows of ``X``; a different length is an error.
    min_classes : int, default=2
        The fewest distinct classes accepted.

    Returns
    -------
    ndarray of shape (n_samples,)
        The labels, unchanged in value (not encoded). A new array: the
        caller's object is never modified.

    Raises
    ------
    ValueError
        For missing labels (NaN / None), 2-D input, empty input, a length
        that differs from ``n_rows`` or fewer than ``min_classes`` classes.

    Examples
    --------
    >>> from datafix.validation import check_labels
    >>> check_labels(["cat", "dog", "cat"])
    array(['cat', 'dog', 'cat'], dtype='<U3')
    >>> check_labels([0, 0, 0])
    Traceback (most recent call last):
    ...
    ValueError: y has only one class (0); at least 2 classes are needed. ...
    """
    if y is None:
        raise ValueError(f"{name} is required: pass the class labels, one per row of X.")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(
                f"{name} must be 1-D (one label per row), got a DataFrame with "
                f"{y.shape[1]} columns; pass a single column such as df['target']."
            )
        raise ValueError(
            f"{name} must be 1-D, got a one-column DataFrame; pass the column itself, "
            f"e.g. df[{y.columns[0]!r}]."
        )
    if sp.issparse(y):
        raise ValueError(f"{name} must be a dense 1-D array of labels, got a sparse matrix.")
    values = y.to_numpy(copy=True) if isinstance(y, pd.Series) else np.array(y, copy=True)
    if values.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one label per row), got an array of shape {values.shape}; "
            f"for a column vector use y.ravel(). Multi-output targets are not supported."
        )
    if values.shape[0] == 0:
        raise ValueError(f"{name} is empty: there are no labels to work with.")
    if n_rows is not None and values.shape[0] != n_rows:
        raise ValueError(
            f"X and {name} have different lengths: X has {n_rows} rows, {name} has "
            f"{values.shape[0]} labels. Pass one label per row."
        )
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.any():
        raise ValueError(
            f"{name} has {int(missing.sum())} missing labels (NaN/None) at rows "
            f"{_describe_positions(missing)}; drop those rows or fill in their labels first."
        )
    try:
        classes = np.unique(values)
    except TypeError as error:
        raise ValueError(
            f"{name} mixes label types that cannot be compared ({error}); "
            f"convert the labels to one type, e.g. y.astype(str)."
        ) from None
    if len(classes) < min_classes:
        first = classes[0].item() if hasattr(classes[0], "item") else classes[0]
        found = f"only one class ({first!r})" if len(classes) == 1 else f"{len(classes)} classes"
        raise ValueError(
            f"{name} has {found}; at least {min_classes} classes are needed. "
            f"Check that the right column was passed as the target."
        )
    warn_similar_labels(classes, name=name)
    return values


def warn_similar_labels(classes, *, name: str = "y") -> None:
    """Warn when distinct class labels differ only by surrounding whitespace or letter case.

    ``" positive"`` and ``"positive"`` are two classes to every model; that is
    almost always a data-entry slip, so say so (the labels are not changed).

    Examples
    --------
    >>> import warnings
    >>> from datafix.validation import warn_similar_labels
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_similar_labels(["positive", " positive", "negative"])
    >>> print(caught[0].message)
    y has labels that differ only by surrounding whitespace or letter case: ' positive' and 'positive'; they are different classes to a model. If they mean the same class, strip and unify them first (e.g. y.str.strip().str.lower()).
    """
    text = [c for c in classes if isinstance(c, str)]
    if len(text) < 2:
        return
    groups: dict[str, list[str]] = {}
    for label in text:
        groups.setdefault(label.strip().casefold(), []).append(label)
    clashes = [sorted(group) for group in groups.values() if len(group) > 1]
    if not clashes:
        return
    shown = "; ".join(" and ".join(repr(label) for label in group) for group in clashes[:3])
    more = f" (and {len(clashes) - 3} more groups)" if len(clashes) > 3 else ""
    warnings.warn(
        f"{name} has labels that differ only by surrounding whitespace or letter case: {shown}{more}; they are "
        f"different classes to a model. If they mean the same class, strip and unify them first "
        f"(e.g. y.str.strip().str.lower()).",
        UserWarning,
        stacklevel=3,
    )


def check_classification_target(values, *, name: str = "y") -> None:
    """Refuse a target that holds a continuous quantity rather than classes.

    A numeric target counts as continuous when its values are not all whole
    numbers and it has more than 20 distinct values (and more than 5% of
    its rows): the classes would be almost one row each, and per-class
    fixes (weights, resampling, label checks) are meaningless. Float
    targets with a few distinct values (``0.5``, ``1.0``, ``1.5``) are
    classes and pass.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.validation import check_classification_target
    >>> check_classification_target(np.linspace(0, 1, 100), name="target column 'price'")
    Traceback (most recent call last):
    ...
    ValueError: target column 'price' looks continuous (100 distinct numbers, not whole numbers, e.g. 0.0101); ...
    """
    distinct = _continuous_values(values)
    if distinct is None:
        return
    example = next(v for v in distinct if v != np.round(v))
    raise ValueError(
        f"{name} looks continuous ({len(distinct)} distinct numbers, not whole numbers, e.g. {example:.3g}); "
        f"datafix works on class labels, and it has no regression path. Pass a column of classes, or bin "
        f"the numbers into classes first (e.g. pd.qcut(values, 4, labels=False))."
    )


def _continuous_values(values):
    """The distinct values of a target that looks continuous (see :func:`is_continuous_target`), else None."""
    values = np.asarray(values)
    if values.ndim != 1 or values.dtype.kind not in "fc" or not len(values):
        return None
    finite = values[np.isfinite(values)]
    if not len(finite) or np.all(finite == np.round(finite)):
        return None
    distinct = np.unique(finite)
    if len(distinct) <= max(CONTINUOUS_MIN_VALUES, CONTINUOUS_SHARE * len(values)):
        return None
    return distinct


def is_continuous_target(values) -> bool:
    """Whether a 1-D target holds a continuous quantity rather than classes (the rule of
    :func:`check_classification_target`: float values, not all whole numbers, more than 20 distinct values and
    more than 5% of the rows).

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.validation import is_continuous_target
    >>> is_continuous_target(np.linspace(0, 1, 100)), is_continuous_target(np.array([0.5, 1.0, 1.5] * 30))
    (True, False)
    """
    return _continuous_values(values) is not None


def check_column_names(frame: pd.DataFrame, *, name: str = "X") -> None:
    """Refuse a DataFrame whose column names repeat (``frame[col]`` would be a table, not a column).

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.validation import check_column_names
    >>> check_column_names(pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"]))
    Traceback (most recent call last):
    ...
    ValueError: X has duplicate column names: 'a' (2 times); rename the columns so that each name is unique.
    """
    columns = pd.Index(frame.columns)
    if columns.is_unique:
        return
    counts = columns.value_counts()
    repeated = counts[counts > 1]
    shown = ", ".join(f"{c!r} ({n} times)" for c, n in list(repeated.items())[:5])
    more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
    raise ValueError(
        f"{name} has duplicate column names: {shown}{more}; rename the columns so that each name is unique."
    )


def check_hashable_cells(frame: pd.DataFrame, *, name: str = "X") -> None:
    """Refuse object columns whose cells hold lists, dicts, sets or arrays (one value per cell is needed).

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.validation import check_hashable_cells
    >>> check_hashable_cells(pd.DataFrame({"tags": [["a", "b"], ["c"]]}))
    Traceback (most recent call last):
    ...
    ValueError: X column 'tags' holds lists in 2 rows (e.g. row 0); ...
    """
    for column in frame.columns[(frame.dtypes == object).to_numpy()]:
        series = frame[column]
        try:
            pd.unique(series.to_numpy())
        except TypeError:
            kinds = series.map(lambda v: isinstance(v, (list, dict, set, np.ndarray, pd.Series)))
            bad = kinds.to_numpy(dtype=bool)
            kind = type(series[bad].iloc[0]).__name__ if bad.any() else "unhashable value"
            raise ValueError(
                f"{name} column {column!r} holds {kind}s in {int(bad.sum())} rows (e.g. row "
                f"{series.index[bad][0] if bad.any() else '?'}); each cell must hold one value. Join them "
                f"into text or spread them over columns first (e.g. df[col].str.join('|'))."
            ) from None


def check_sample_weight(sample_weight, n_rows: int) -> np.ndarray | None:
    """Validate per-row weights; ``None`` stays ``None``.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Non-negative, finite weights, not all zero.
    n_rows : int
        The number of rows the weights must match.

    Returns
    -------
    ndarray of float64 or None
        A new array (the caller's is never modified), or ``None``.

    Examples
    --------
    >>> from datafix.validation import check_sample_weight
    >>> check_sample_weight([1, 2, 0.5], 3)
    array([1. , 2. , 0.5])
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        raise ValueError(
            "sample_weight must be an array with one weight per row, got a scalar; "
            "use np.full(len(X), value) for a constant weight."
        )
    values = sample_weight.to_numpy() if isinstance(sample_weight, pd.Series) else sample_weight
    try:
        values = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise ValueError("sample_weight must be numeric: one non-negative number per row.") from None
    if values.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got shape {values.shape}.")
    if values.shape[0] != n_rows:
        raise ValueError(
            f"sample_weight has {values.shape[0]} weights but X has {n_rows} rows; pass one weight per row."
        )
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(f"sample_weight has non-finite values (NaN or inf) at rows {_describe_positions(bad)}.")
    negative = values < 0
    if negative.any():
        raise ValueError(f"sample_weight must be non-negative; negative weights at rows {_describe_positions(negative)}.")
    if n_rows and not values.any():
        raise ValueError("sample_weight is all zeros: at least one row must have a positive weight.")
    return values


def _non_numeric_columns(frame: pd.DataFrame) -> list:
    return [
        column
        for column, dtype in frame.dtypes.items()
        if not is_numeric_dtype(dtype)
    ]


def check_features(X, *, name: str = "X", numeric: bool = False, allow_nan: bool = True, allow_sparse: bool = True):
    """Validate a feature table: 2-D, non-empty, optionally numeric and finite.

    DataFrames come back as they are (not copied: callers never modify
    them); lists become numpy arrays; sparse matrices become CSR.

    Parameters
    ----------
    X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
    name : str, default="X"
        The argument's name, used in error messages.
    numeric : bool, default=False
        Require numeric (or boolean) features.
    allow_nan : bool, default=True
        When False, NaN or infinite values are an error.
    allow_sparse : bool, default=True
        When False, sparse input is an error.

    Returns
    -------
    DataFrame, ndarray or scipy.sparse.csr_matrix

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.validation import check_features
    >>> check_features([[1, 2], [3, 4]]).shape
    (2, 2)
    >>> check_features(np.array([[1.0, np.nan]]), allow_nan=False)
    Traceback (most recent call last):
    ...
    ValueError: X has 1 missing or infinite values, all missing (NaN); ...
    """
    if X is None:
        raise ValueError(f"{name} is required: pass a 2-D table of features.")
    if isinstance(X, pd.Series):
        raise ValueError(f"{name} must be 2-D, got a Series; use X.to_frame() for a single feature.")
    if sp.issparse(X):
        if not allow_sparse:
            raise ValueError(f"{name} is a sparse matrix, which this step does not accept; use X.toarray().")
        X = sp.csr_matrix(X)
        values = X.data
    elif isinstance(X, pd.DataFrame):
        check_column_names(X, name=name)
        values = None
    else:
        X = np.asarray(X)
        values = X
        if X.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D (rows x features), got an array of shape {X.shape}; "
                f"reshape a single feature with X.reshape(-1, 1)."
            )
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has no rows.")
    if X.shape[1] == 0:
        raise ValueError(
            f"{name} has 0 feature(s) (shape=({X.shape[0]}, 0)) while a minimum of 1 is required: "
            f"pass at least one feature column."
        )
    if numeric:
        if isinstance(X, pd.DataFrame):
            bad_columns = _non_numeric_columns(X)
            if bad_columns:
                raise ValueError(
                    f"{name} has non-numeric columns {bad_columns[:5]}; this step needs numeric features. "
                    f"Encode them first (e.g. OneHotEncoder in a pipeline step before it)."
                )
            values = X.to_numpy(dtype=np.float64, na_value=np.nan)
        elif X.dtype.kind not in "biuf":
            try:
                values = np.asarray(X, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"{name} has dtype {X.dtype} with non-numeric values; this step needs numeric "
                    f"features. Encode them first (e.g. OneHotEncoder)."
                ) from None
            X = values
    if not allow_nan:
        if values is None:
            values = X.to_numpy()
        if values.dtype.kind in "fc" or values.dtype == object:
            numbers = np.asarray(values, dtype=np.float64)
            infinite = np.isinf(numbers)
            if infinite.any():
                rows = _describe_positions(infinite.any(axis=1) if infinite.ndim == 2 else infinite)
                raise ValueError(
                    f"{name} has {int(infinite.sum())} infinite values (inf or -inf) at rows {rows}; this step "
                    f"needs finite features. Replace them (e.g. X.replace([np.inf, -np.inf], np.nan) and then "
                    f"impute) or drop those rows."
                )
            bad = np.isnan(numbers)
            if bad.any():
                raise ValueError(
                    f"{name} has {int(bad.sum())} missing or infinite values, all missing (NaN); this step needs finite "
                    f"features. Impute them first (e.g. SimpleImputer) or drop those rows."
                )
    return X


def feature_frame(X, name: str = "X") -> pd.DataFrame:
    """Features as a DataFrame: a frame is checked and returned as it is, an array gets columns ``x0, x1, ...``.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.validation import feature_frame
    >>> list(feature_frame(np.zeros((2, 3))).columns)
    ['x0', 'x1', 'x2']
    """
    X = check_features(X, name=name, allow_sparse=False)
    if isinstance(X, pd.DataFrame):
        check_hashable_cells(X, name=name)
        return X
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


def split_target(data, target=None, y=None):
    """``(features, labels, target name)`` from a frame with a ``target`` column, or from ``data`` and ``y``.

    The two ways the audit and the command line take labelled data. ``labels``
    is a Series aligned with ``features`` (``None`` without labels), the name
    is the target column's or ``y``'s name (``None`` when it has none). Errors
    name the problem: both ways at once, a missing target column, a frame with
    only the target column.

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.validation import split_target
    >>> features, labels, name = split_target(pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}), "y")
    >>> list(features.columns), labels.tolist(), name
    (['x'], ['a', 'b'], 'y')
    """
    if target is not None and y is not None:
        raise ValueError("pass either target (a column of data) or y (the labels), not both.")
    if target is not None:
        if not isinstance(data, pd.DataFrame):
            raise ValueError(
                f"target={target!r} names a column, so data must be a DataFrame; got {type(data).__name__}. "
                f"For arrays pass the labels as y=."
            )
        check_column_names(data, name="data")
        if target not in data.columns:
            shown = ", ".join(map(str, list(data.columns)[:10]))
            raise ValueError(f"target column {target!r} is not in data; its columns are: {shown}.")
        if data.shape[1] < 2:
            raise ValueError(f"data has only the target column {target!r}; at least one feature column is needed.")
        features = data.drop(columns=[target])
        return feature_frame(features, "data"), data[target], str(target)
    if y is not None and (isinstance(y, pd.DataFrame) or np.ndim(y) != 1):
        check_labels(y, name="y")  # the 1-D error, before pandas tries to make a Series of it
    features = feature_frame(data, "data")
    if y is None:
        return features, None, None
    if isinstance(y, pd.Series):
        return features, y, None if y.name is None else str(y.name)
    return features, pd.Series(np.asarray(y), index=features.index if len(np.asarray(y)) == len(features) else None), None


def check_target_column(labels: pd.Series, features: pd.DataFrame, target_name=None) -> np.ndarray:
    """The class labels of a target aligned with ``features``, checked: one per row, none missing, not continuous.

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.validation import check_target_column
    >>> check_target_column(pd.Series(["a", "b"]), pd.DataFrame({"x": [1, 2]}), "y")
    array(['a', 'b'], dtype=object)
    """
    name = f"target column {target_name!r}" if target_name else "y"
    if len(labels) != len(features):
        raise ValueError(f"data has {len(features)} rows but {name} has {len(labels)} labels; pass one label per row.")
    missing = labels.isna().to_numpy()
    if missing.any():
        rows = ", ".join(map(str, np.asarray(features.index)[missing][:5]))
        more = f", ... ({int(missing.sum())} in all)" if missing.sum() > 5 else ""
        raise ValueError(
            f"{name} has {int(missing.sum())} missing labels, at rows {rows}{more}; "
            f"fill them in or drop those rows before auditing."
        )
    values = check_labels(labels, name=name)
    check_classification_target(values, name=name)
    return values
