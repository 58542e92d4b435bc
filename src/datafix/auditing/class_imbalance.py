"""class_imbalance: classes much rarer than the largest one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._tabular import plain_value
from ._base import Check, register_check
from ._render import shown_list


@register_check
class ClassImbalanceCheck(Check):
    """Flag the rows of classes much smaller than the largest class.

    A row's score is its class's size over the largest class's size, so rows
    of the largest class score 1. Rows of classes scoring below
    ``min_ratio`` are issues. Severity follows the imbalance ratio (largest
    over smallest class): low from 1.5, medium from 5, high from 20.

    Parameters
    ----------
    min_ratio : float, default=0.2
        A class is under-represented when it has fewer than ``min_ratio``
        times the rows of the largest class.
    """

    name = "class_imbalance"
    title = "Class imbalance"

    def __init__(self, min_ratio: float = 0.2):
        self.min_ratio = min_ratio

    def skip_reason(self, context):
        return "no target" if context.labels is None else None

    def advice(self, result):
        return {"action": "weight classes by inverse frequency (or re-sample; compare the options with "
                          "report.recommend(model))", "fix": "ClassWeighter"}

    def run(self, context):
        counts = np.bincount(context.label_codes, minlength=len(context.classes))
        ratio_to_largest = counts / counts.max()
        scores = ratio_to_largest[context.label_codes]
        is_issue = scores < self.min_ratio
        imbalance_ratio = float(counts.max() / counts.min())
        rare = [c for c, r in zip(context.classes, ratio_to_largest) if r < self.min_ratio]
        table = pd.DataFrame(
            {"class": [plain_value(c) for c in context.classes], "rows": counts, "fraction": counts / counts.sum(),
             "ratio_to_largest": ratio_to_largest}
        ).sort_values("rows", ascending=False, ignore_index=True)
        return self.result(
            issues=is_issue.sum(),
            total=context.n_rows,
            message=(
                f"{len(context.classes)} classes, largest/smallest = {imbalance_ratio:.1f}"
                + (f"; under-represented: {shown_list(rare)}" if rare else "")
            ),
            rows=self.row_columns(is_issue, scores),
            details={
                "imbalance_ratio": imbalance_ratio,
                "class_counts": {str(plain_value(c)): int(n) for c, n in zip(context.classes, counts)},
                "under_represented": [plain_value(c) for c in rare],
            },
            tables={"classes": table},
            severity=(  # by the imbalance ratio, not by the share of rows in small classes
                "high" if imbalance_ratio >= 20 else "medium" if imbalance_ratio >= 5
                else "low" if imbalance_ratio >= 1.5 else "none"
            ),
        )
