"""missing: null cells, constant and identifier-like columns, columns of mixed types."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._base import Check, random_generator, register_check
from ._render import shown_list

#: Python types that count as one kind when looking for mixed-type columns.
_KIND_NAMES = {bool: "bool", int: "number", float: "number", str: "text", bytes: "bytes"}


def _value_kind(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, str):
        return "number" if _looks_numeric(value) else "text"
    return type(value).__name__


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def mixed_type_columns(frame: pd.DataFrame, sample: int = 10_000, *, random_state=0) -> dict:
    """Object columns whose values are of several kinds (numbers and text, say), with the kinds found.

    Looks at a random sample (drawn with ``random_state``; the missing check
    passes the audit's) of at most ``sample`` non-missing values per column.
    Text that parses as a number counts as a number.

    Examples
    --------
    >>> import pandas as pd
    >>> from datafix.auditing.missing import mixed_type_columns
    >>> mixed_type_columns(pd.DataFrame({"a": [1, "x", 2.5], "b": ["u", "v", "w"]}))
    {'a': ['number', 'text']}
    """
    found = {}
    rng = random_generator(random_state)
    for column in frame.columns:
        series = frame[column]
        if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
            continue
        values = series.dropna().to_numpy()
        if len(values) > sample:
            values = values[rng.choice(len(values), sample, replace=False)]
        kinds = sorted({_value_kind(v) for v in values})
        if len(kinds) > 1:
            found[column] = kinds
    return found


@register_check
class MissingCheck(Check):
    """Flag rows with missing feature values, and report columns that hold no usable information.

    Per row: ``is_missing_issue`` when any feature cell is null;
    ``missing_score`` is the share of the row's cells that are present;
    ``missing_cells`` counts the null cells. The dataset summary lists the
    share of nulls per column, constant columns, identifier-like columns
    (every value distinct: row ids, names) and columns that mix numbers and
    text. Constant and identifier-like columns are left out of the encoding
    the other checks use.
    """

    name = "missing"
    title = "Missing values and unusable columns"
    thresholds = (0.0, 0.05, 0.2)

    graded = True

    def advice(self, result):
        columns = result.details["constant_columns"] + result.details["identifier_columns"]
        text = "impute missing values inside the model pipeline (e.g. SimpleImputer) or use a model that accepts NaN"
        if columns:
            text += f"; drop the constant / identifier-like columns {shown_list(columns)}"
        return {"action": text, "fix": None}

    def run(self, context):
        frame = context.features
        null = frame.isna().to_numpy()
        missing_cells = null.sum(axis=1)
        is_issue = missing_cells > 0
        score = 1.0 - missing_cells / max(frame.shape[1], 1)
        per_column = null.mean(axis=0)
        kinds = context.kinds
        mixed = mixed_type_columns(frame, random_state=context.random_state)
        column_table = pd.DataFrame(
            {
                "column": [str(c) for c in frame.columns],
                "missing_fraction": per_column,
                "distinct_values": [int(frame[c].nunique(dropna=True)) for c in frame.columns],
                "problem": [
                    "constant" if c in kinds["constant"] else "identifier-like" if c in kinds["identifier"]
                    else "mixed types: " + "/".join(mixed[c]) if c in mixed else ""
                    for c in frame.columns
                ],
            }
        )
        column_table = column_table[(column_table["missing_fraction"] > 0) | (column_table["problem"] != "")]
        column_table = column_table.sort_values("missing_fraction", ascending=False, ignore_index=True)
        parts = [f"{int(is_issue.sum())} rows with missing cells ({int(null.sum())} cells)"]
        for label, columns in (("constant", kinds["constant"]), ("identifier-like", kinds["identifier"]),
                               ("mixed-type", list(mixed))):
            if columns:
                parts.append(f"{len(columns)} {label} columns: {shown_list(columns)}")
        return self.result(
            issues=is_issue.sum(),
            total=context.n_rows,
            message="; ".join(parts),
            rows=self.row_columns(is_issue, score, missing_cells=missing_cells),
            details={
                "missing_cells": int(null.sum()),
                "missing_fraction_by_column": {str(c): float(f) for c, f in zip(frame.columns, per_column) if f > 0},
                "constant_columns": [str(c) for c in kinds["constant"]],
                "identifier_columns": [str(c) for c in kinds["identifier"]],
                "mixed_type_columns": {str(c): k for c, k in mixed.items()},
            },
            tables={"columns": column_table} if len(column_table) else {},
            # columns a model cannot use are worth a look even when no cell is missing
            severity="low" if not is_issue.any() and (kinds["constant"] or kinds["identifier"] or mixed) else None,
        )
