"""outliers: rows far from every other row (through the shared neighbour graph)."""

from __future__ import annotations

import numpy as np

from ._base import Check, register_check


@register_check
class OutliersCheck(Check):
    """Flag rows whose mean distance to their nearest rows is unusually large.

    Uses the shared neighbour graph of the encoded features. A row's
    *isolation* is its mean distance to its ``n_neighbors`` nearest rows; a
    row is an outlier when its isolation exceeds ``Q3 + iqr_factor * IQR`` of
    all rows' isolations (Tukey's fence). The score is
    ``0.5 ** (isolation / median isolation)``: a typical row scores about
    0.5, rows twice as isolated as the median 0.25, and so on down to 0.

    Parameters
    ----------
    n_neighbors : int, default=10
    iqr_factor : float, default=3.0
    """

    name = "outliers"
    title = "Outliers"
    thresholds = (0.0, 0.02, 0.1)

    def __init__(self, n_neighbors: int = 10, iqr_factor: float = 3.0):
        self.n_neighbors = n_neighbors
        self.iqr_factor = iqr_factor

    def run(self, context):
        graph = context.neighbor_graph(self.n_neighbors)
        isolation = graph.distances.mean(axis=1, dtype=np.float64)
        q1, median, q3 = np.quantile(isolation, [0.25, 0.5, 0.75])
        fence = q3 + self.iqr_factor * (q3 - q1)
        is_issue = isolation > fence
        score = 0.5 ** (isolation / median) if median > 0 else np.where(isolation > 0, 0.0, 1.0)
        return self.result(
            issues=is_issue.sum(),
            total=context.n_rows,
            message=f"{int(is_issue.sum())} rows farther than {fence:.3g} on average from their "
            f"{graph.n_neighbors} nearest rows (median {median:.3g})",
            rows=self.row_columns(is_issue, score, outliers_isolation=isolation),
            details={"fence": float(fence), "median_isolation": float(median), "n_neighbors": graph.n_neighbors},
        )
