"""duplicates: rows repeated exactly, features and label."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._base import Check, register_check
from .._tabular import row_hashes


def group_rows(hashes: np.ndarray):
    """For each row, a group id (equal hashes, equal id), its group's size and whether it is the group's first row."""
    codes = pd.factorize(hashes)[0]
    sizes = np.bincount(codes)
    first = np.zeros(len(codes), dtype=bool)
    first[np.unique(codes, return_index=True)[1]] = True
    return codes, sizes[codes], first


@register_check
class DuplicatesCheck(Check):
    """Flag exact copies of earlier rows (same features, same label).

    The first row of each set of copies is kept as the original; every later
    copy is an issue (score 0), so dropping the flagged rows removes the
    duplicates and keeps one row of each. ``duplicates_group`` numbers the
    sets (-1 for rows without a copy). Identical features with *different*
    labels are the ``conflicting_labels`` check's business.
    """

    name = "duplicates"
    title = "Exact duplicates"
    thresholds = (0.0, 0.01, 0.05)

    def advice(self, result):
        return {"action": "drop exact copies; keep the majority label of rows with identical features",
                "fix": "DuplicateRemover"}

    def run(self, context):
        if context.labels is None:
            hashes = context.feature_hashes
        else:
            label_hash = row_hashes(pd.DataFrame({"label": context.labels}))
            hashes = context.feature_hashes ^ (label_hash * np.uint64(0x9E3779B97F4A7C15))
        codes, sizes, first = group_rows(hashes)
        duplicated = sizes > 1
        is_issue = duplicated & ~first
        group = renumber_groups(codes, duplicated)
        n_sets = int(group.max() + 1)
        return self.result(
            issues=is_issue.sum(),
            total=context.n_rows,
            message=f"{int(is_issue.sum())} redundant copies in {n_sets} sets of identical rows",
            rows=self.row_columns(is_issue, np.where(is_issue, 0.0, 1.0), duplicates_group=group),
            details={"duplicate_sets": n_sets, "rows_in_sets": int(duplicated.sum())},
        )


def renumber_groups(codes, mask):
    """Group ids 0..g-1 for the rows in ``mask`` (in order of first appearance), -1 elsewhere."""
    group = np.full(len(codes), -1, dtype=np.int64)
    if mask.any():
        group[mask] = pd.factorize(codes[mask])[0]
    return group
