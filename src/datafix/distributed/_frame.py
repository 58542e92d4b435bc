"""Reading and validating a Dask DataFrame, and the first pass over its partitions.

Every distributed step starts here: :func:`check_frame` checks the arguments
against the frame's metadata (no data is read), :func:`read_parquet` opens a
Parquet directory or glob after checking every file's schema (the target in
every file, one type per column), and :func:`scan` makes the one pass that
every later step builds on. The pass validates each partition against the
frame's metadata (a partition whose columns or types differ is an error that
names it) and returns small statistics: rows, classes, null counts, per-column
distinct values up to a cap, one-pass moments of the numeric columns, and
quantile sketches. Memory is one partition per task; the client receives only
these statistics.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._optional import import_optional
from .._tabular import MIN_ROWS_FOR_IDENTIFIER, is_numeric_dtype, plain_value
from ..auditing.missing import mixed_type_columns
from ._memory import partition_task

__all__ = ["FrameStats", "check_frame", "is_dask_frame", "read_parquet", "reduce_partitions", "require_dask", "scan"]

#: Distinct values kept per column and partition; a column with more is "many-valued".
DISTINCT_CAP = 4096
#: Points of each partition's quantile sketch of a numeric column.
SKETCH_POINTS = 257


def require_dask():
    """Import ``dask.dataframe`` or raise the one-line hint naming the ``dask`` extra."""
    import_optional("distributed", "dask")
    return import_optional("dask.dataframe", "dask")


def is_dask_frame(data) -> bool:
    """Whether ``data`` is a Dask DataFrame, decided without importing dask.

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.distributed._frame import is_dask_frame
    >>> is_dask_frame(pd.DataFrame({"x": [1]}))
    False
    """
    module = type(data).__module__
    return (module == "dask" or module.startswith("dask.")) and hasattr(data, "npartitions") \
        and hasattr(data, "columns")


def parquet_files(path) -> list[str]:
    """The Parquet files of a directory, a glob, one file or a list of those, sorted; an error when there are none."""
    if isinstance(path, (list, tuple)):
        return [file for item in path for file in parquet_files(item)]
    path = os.fspath(path)
    if os.path.isdir(path):
        files = sorted(os.path.join(root, name) for root, _, names in os.walk(path) for name in names
                       if not name.startswith((".", "_")))
    elif any(c in path for c in "*?["):
        files = sorted(p for p in glob.glob(path) if os.path.isfile(p))
    elif os.path.isfile(path):
        files = [path]
    else:
        raise FileNotFoundError(f"{path}: no such file or directory")
    if not files:
        raise FileNotFoundError(f"{path}: no Parquet files found")
    return files


def read_parquet(path, *, target=None, columns=None):
    """Open a Parquet directory, glob or file as a Dask DataFrame, one partition per file.

    Every file's schema is read first (its footer only, not its data): a
    ``target`` missing from some file, a column missing from some file or a
    column whose type differs between files is a one-line ``ValueError``
    naming the file, before any work.

    Parameters
    ----------
    path : str, path-like or list of them
        A directory of Parquet files, a glob such as ``"data/*.parquet"``,
        one file, or a list of files (a glob the shell expanded).
    target : str, optional
        The label column, which every file must hold.
    columns : list of str, optional
        Read only these columns.

    Returns
    -------
    dask.dataframe.DataFrame

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from datafix.distributed import read_parquet
    >>> folder = tempfile.mkdtemp()
    >>> for i in range(2):
    ...     pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]}).to_parquet(os.path.join(folder, f"part{i}.parquet"))
    >>> frame = read_parquet(folder, target="y")
    >>> frame.npartitions, list(frame.columns)
    (2, ['x', 'y'])
    """
    dd = require_dask()
    import pyarrow.parquet as pq

    files = parquet_files(path)
    first_schema, first_file = None, None
    for file in files:
        try:
            schema = pq.read_schema(file)
        except Exception as error:  # noqa: BLE001 - pyarrow raises several types for a bad file
            raise ValueError(f"{file}: not a readable Parquet file ({str(error).splitlines()[0]})") from None
        names = [n for n in schema.names if not n.startswith("__index_level_")]
        if target is not None and target not in names:
            raise ValueError(f"{file}: the target column {target!r} is missing from this file "
                             f"(it has {', '.join(names[:10])}); every file needs it")
        if first_schema is None:
            first_schema, first_file, first_names = schema, file, names
            continue
        absent = [n for n in first_names if n not in names]
        extra = [n for n in names if n not in first_names]
        if absent or extra:
            raise ValueError(f"{file}: its columns differ from {first_file}'s "
                             f"(missing {absent[:5]}, extra {extra[:5]}); every file needs the same columns")
        for name in first_names:
            here, there = schema.field(name).type, first_schema.field(name).type
            if here != there and not (_numeric(here) and _numeric(there)):
                raise ValueError(f"{file}: column {name!r} has type {here} but {first_file} has {there}; "
                                 f"give the column one type in every file")
    return dd.read_parquet(files, columns=columns, split_row_groups=False)


def _numeric(arrow_type) -> bool:
    import pyarrow as pa

    return pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)


def check_frame(data, target) -> list:
    """Check ``target`` against a Dask frame's metadata; the feature columns. Reads no data."""
    require_dask()
    if not is_dask_frame(data) or not hasattr(data, "dtypes"):
        raise TypeError(f"data must be a dask.dataframe.DataFrame, got {type(data).__name__}.")
    columns = list(data.columns)
    if len(set(map(str, columns))) != len(columns):
        raise ValueError("data has repeated column names; give every column its own name.")
    if target is None:
        raise ValueError("target is required for a Dask DataFrame: the name of the label column.")
    if target not in columns:
        raise ValueError(f"target column {target!r} is not in data; its columns are: "
                         f"{', '.join(map(str, columns[:10]))}.")
    features = [c for c in columns if c != target]
    if not features:
        raise ValueError(f"data has only the target column {target!r}; at least one feature column is needed.")
    return features


def check_partition(part: pd.DataFrame, meta: pd.DataFrame, number: int) -> None:
    """Raise a ``ValueError`` naming the partition when its columns or dtypes differ from the metadata."""
    if list(part.columns) != list(meta.columns):
        absent = [c for c in meta.columns if c not in part.columns]
        raise ValueError(f"partition {number} has columns that differ from the frame's (missing: "
                         f"{list(map(str, absent[:5]))}); give every partition the same columns")
    for column in meta.columns:
        expected, found = meta[column].dtype, part[column].dtype
        if expected == found or len(part) == 0:
            continue
        if is_numeric_dtype(expected) and is_numeric_dtype(found) and not (
                pd.api.types.is_bool_dtype(expected) or pd.api.types.is_bool_dtype(found)):
            continue  # int64 in one partition, float64 in another: the same numbers
        if _texty(expected) and _texty(found):
            continue
        raise ValueError(f"partition {number}: column {column!r} has dtype {found} but the frame's metadata says "
                         f"{expected}; give the column one dtype in every partition (e.g. .astype)")


def _texty(dtype) -> bool:
    return dtype == object or pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)


def numeric_values(series: pd.Series) -> np.ndarray:
    """A numeric, boolean or datetime column as float64 (missing as NaN)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.astype("int64").to_numpy(dtype=np.float64)
        values[series.isna().to_numpy()] = np.nan
        return values
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def is_number_column(dtype) -> bool:
    return is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)


def _distinct(series: pd.Series):
    """Up to ``DISTINCT_CAP + 1`` distinct values (missing as one value), as an array of objects.

    The distinct values are found in the column's own dtype (no Python object
    per row) and only the kept ones become objects, in a new array: a slice
    would keep the whole column's objects alive in the worker for as long as
    the result waits there.
    """
    distinct = series.unique()[: DISTINCT_CAP + 1]
    return np.array(distinct, dtype=object, copy=True)


@partition_task
def partition_stats(part: pd.DataFrame, meta: pd.DataFrame, number: int, target) -> dict:
    """The statistics of one partition (small: bounded by the number of columns and the caps)."""
    check_partition(part, meta, number)
    features = [c for c in part.columns if c != target]
    labels = part[target]
    stats = {
        "rows": len(part),
        "missing_labels": int(labels.isna().sum()),
        "label_counts": labels.dropna().value_counts(sort=False).to_dict(),
        "nulls": {c: int(part[c].isna().sum()) for c in features},
        "rows_with_missing": int(part[features].isna().any(axis=1).sum()) if len(part) else 0,
        "missing_cells": int(part[features].isna().sum().sum()) if len(part) else 0,
        "distinct": {}, "moments": {}, "sketch": {}, "kinds": {},
    }

    stats["mixed"] = mixed_type_columns(part[features]) if len(part) else {}
    for column in features:
        series = part[column]
        stats["distinct"][column] = _distinct(series)
        if is_number_column(series.dtype):
            values = numeric_values(series)
            finite = values[np.isfinite(values)]
            stats["moments"][column] = (len(finite), float(finite.sum()), float((finite * finite).sum()))
            if len(finite):
                quantiles = np.quantile(finite, np.linspace(0, 1, SKETCH_POINTS))
                stats["sketch"][column] = (quantiles, len(finite))
    return stats


@dataclass
class FrameStats:
    """What the first pass found, merged over all partitions (small)."""

    target: object
    features: list
    meta: pd.DataFrame
    partition_rows: list
    classes: np.ndarray
    class_counts: np.ndarray
    nulls: dict
    rows_with_missing: int
    missing_cells: int
    distinct: dict  # column -> array of distinct values (objects) or None when more than DISTINCT_CAP
    mixed: dict
    moments: dict  # column -> (count, mean, std) of the finite values
    sketches: dict  # column -> list of (quantiles, weight)
    kinds: dict = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return int(sum(self.partition_rows))

    @property
    def offsets(self) -> np.ndarray:
        """Global position of each partition's first row."""
        return np.concatenate([[0], np.cumsum(self.partition_rows)[:-1]]).astype(np.int64)


def scan(data, target, *, features=None) -> FrameStats:
    """One pass over the partitions: validate them and return the merged :class:`FrameStats`.

    Raises a one-line ``ValueError`` for a partition that differs from the
    metadata, missing labels (with their count), an empty frame and fewer
    than two classes.
    """
    import dask

    features = check_frame(data, target) if features is None else features
    meta = data._meta
    parts = data.to_delayed()
    tasks = [dask.delayed(partition_stats)(part, meta, number, target) for number, part in enumerate(parts)]
    results = dask.compute(*tasks)
    n_rows = sum(r["rows"] for r in results)
    if n_rows == 0:
        raise ValueError("data has no rows (every partition is empty); pass a non-empty dataset.")
    missing = sum(r["missing_labels"] for r in results)
    if missing:
        raise ValueError(f"target column {target!r} has {missing} missing labels; fill them in or drop those rows "
                         f"before auditing.")
    counts: dict = {}
    for r in results:
        for label, n in r["label_counts"].items():
            counts[label] = counts.get(label, 0) + int(n)
    try:
        ordered = sorted(counts)
        numeric = is_numeric_dtype(meta[target].dtype) and not isinstance(meta[target].dtype, pd.api.extensions.ExtensionDtype)
        classes = np.array(ordered, dtype=meta[target].dtype if numeric else object)
    except TypeError:
        raise ValueError(f"target column {target!r} mixes label types that cannot be sorted "
                         f"({sorted({type(c).__name__ for c in counts})}); give the labels one type.") from None
    if len(classes) < 2:
        raise ValueError(f"target column {target!r} has a single class {plain_value(classes[0])!r}; a "
                         f"classification dataset needs at least two.")
    class_counts = np.array([counts[c] for c in classes], dtype=np.int64)
    distinct, moments, sketches, mixed = {}, {}, {}, {}
    for column in features:
        seen = None
        for r in results:
            values = r["distinct"][column]
            if seen is None:
                seen = pd.unique(values)
            else:
                seen = pd.unique(np.concatenate([seen, values]))
            if len(seen) > DISTINCT_CAP:
                seen = None
                break
        distinct[column] = seen
        entries = [r["moments"][column] for r in results if column in r["moments"]]
        if entries or is_number_column(meta[column].dtype):
            count = sum(e[0] for e in entries)
            total = sum(e[1] for e in entries)
            squares = sum(e[2] for e in entries)
            mean = total / count if count else 0.0
            variance = max(squares / count - mean * mean, 0.0) if count else 0.0
            moments[column] = (count, mean, float(np.sqrt(variance)))
            sketches[column] = [r["sketch"][column] for r in results if column in r["sketch"]]
        kinds = sorted({k for r in results for k in r["mixed"].get(column, [])})
        if len(kinds) > 1:
            mixed[column] = kinds
    stats = FrameStats(
        target=target, features=features, meta=meta, partition_rows=[r["rows"] for r in results],
        classes=classes, class_counts=class_counts,
        nulls={c: sum(r["nulls"][c] for r in results) for c in features},
        rows_with_missing=sum(r["rows_with_missing"] for r in results),
        missing_cells=sum(r["missing_cells"] for r in results),
        distinct=distinct, mixed=mixed, moments=moments, sketches=sketches,
    )
    stats.kinds = column_kinds_from_stats(data, stats)
    return stats


def column_kinds_from_stats(data, stats: FrameStats) -> dict:
    """:func:`datafix._tabular.column_kinds` from the merged statistics (exact: same rule, same lists).

    A column with at most ``DISTINCT_CAP`` distinct values is settled by its
    distinct values; a column with more may be identifier-like, and is
    settled by one exact distinct count (its own small reduction).
    """
    kinds = {"numeric": [], "categorical": [], "datetime": [], "constant": [], "identifier": []}
    n_rows = stats.n_rows
    candidates = []
    for column in stats.features:
        dtype = stats.meta[column].dtype
        seen = stats.distinct[column]
        could_be_identifier = (n_rows >= MIN_ROWS_FOR_IDENTIFIER and not pd.api.types.is_float_dtype(dtype)
                               and not pd.api.types.is_bool_dtype(dtype)
                               and not pd.api.types.is_datetime64_any_dtype(dtype))
        if seen is not None and len(seen) <= 1:
            kinds["constant"].append(column)
        elif seen is not None and could_be_identifier and len(seen) == n_rows:
            kinds["identifier"].append(column)
        elif seen is None and could_be_identifier:
            candidates.append(column)
        else:
            kinds[_kind(dtype)].append(column)
    if candidates:
        import dask

        counts = dask.compute(*[data[c].nunique(dropna=False) for c in candidates])
        for column, count in zip(candidates, counts):
            (kinds["identifier"] if int(count) == n_rows else kinds[_kind(stats.meta[column].dtype)]).append(column)
    order = {c: i for i, c in enumerate(stats.features)}
    return {k: sorted(v, key=order.get) for k, v in kinds.items()}


def _kind(dtype) -> str:
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "numeric" if is_numeric_dtype(dtype) else "categorical"


def merged_quantiles(sketches, probabilities) -> np.ndarray:
    """Quantiles of a column from the partitions' sketches (approximate: each sketch is a partition's quantiles)."""
    points = np.concatenate([q for q, _ in sketches])
    weights = np.concatenate([np.full(len(q), w / len(q)) for q, w in sketches])
    order = np.argsort(points, kind="stable")
    points, weights = points[order], weights[order]
    cumulative = (np.cumsum(weights) - weights / 2) / weights.sum()
    return np.interp(probabilities, cumulative, points)


def shared(value):
    """``value`` as one task of the graph, which every partition's task then reads.

    A plain object passed to ``map_partitions`` or to a delayed call is copied
    into every task; the run's settings hold the duplicate groups and the
    first pass's statistics, several MB at 20 million rows, and a worker keeps
    each task's copy for as long as the task's result waits for its consumer.
    Measured at 20 million rows in 80 partitions: each worker grew by about
    15 MB a task until it was restarted at its 2 GiB limit.
    """
    import dask

    return dask.delayed(value)


def reduce_partitions(data, function, *args):
    """The sum of ``function(partition, number, *args)`` over the partitions, as one small result.

    ``function`` returns an array or a dict of arrays; the sums are taken in a
    tree of tasks on the workers, eight at a time, so the client receives one
    result.
    """
    import dask

    args = [shared(arg) for arg in args]
    tasks = [dask.delayed(function)(part, number, *args) for number, part in enumerate(data.to_delayed())]
    while len(tasks) > 1:
        tasks = [dask.delayed(_add)(*tasks[i:i + 8]) for i in range(0, len(tasks), 8)]
    return dask.compute(tasks[0])[0]


def _add(*items):
    first = items[0]
    if isinstance(first, dict):
        return {key: _add(*(item[key] for item in items)) for key in first}
    return sum(items[1:], first)


def label_codes(labels, class_codes: dict) -> np.ndarray:
    """Each label's position among the sorted classes (``class_codes`` maps class -> position, in order)."""
    # factorize first: the classes are few, so only the distinct labels are looked up (a lookup of every
    # label as a Python object was most of the per-row table's time on 250k-row partitions of text labels)
    positions, distinct = pd.factorize(labels if isinstance(labels, (pd.Series, pd.api.extensions.ExtensionArray))
                                       else np.asarray(labels), use_na_sentinel=False)
    lookup = pd.Index(list(class_codes)).get_indexer(np.asarray(distinct))
    codes = lookup[positions]
    if (codes < 0).any():
        unknown = np.asarray(labels)[codes < 0][:3]
        raise ValueError(f"labels {[plain_value(v) for v in unknown]} are not among the classes found in the "
                         f"first pass; the data changed while it was audited")
    return codes.astype(np.int64)
