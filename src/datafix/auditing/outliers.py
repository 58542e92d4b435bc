"""outliers: rows far from every other row (through the shared neighbour graph)."""

from __future__ import annotations

import numpy as np

from .._deprecation import keyword_only_after
from ._base import Check, random_generator, register_check

#: Random pairs of rows whose distances give the data's typical between-row distance.
N_PAIRS = 4096
#: The fence's scale is at least this fraction of the typical distance between two rows.
SCALE_FLOOR = 0.1


def typical_pair_distance(encoded: np.ndarray, n_pairs: int = N_PAIRS, *, random_state=0) -> float:
    """The median distance between two different-valued rows, from a sample of random pairs.

    Pairs of identical rows are left out, so the value collapses to 0 only
    when every row is the same. The pairs are drawn with ``random_state``
    (the outliers check passes the audit's): the same data and seed give the
    same audit.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.auditing.outliers import typical_pair_distance
    >>> typical_pair_distance(np.array([[0.0], [0.0], [0.0], [3.0]], dtype=np.float32))
    3.0
    """
    n_rows = len(encoded)
    if n_rows < 2 or encoded.shape[1] == 0:
        return 0.0
    rng = random_generator(random_state)
    first = rng.integers(0, n_rows, n_pairs)
    second = rng.integers(0, n_rows, n_pairs)
    distances = np.sqrt(((encoded[first].astype(np.float64) - encoded[second]) ** 2).sum(axis=1))
    positive = distances[distances > 0]
    if not len(positive):  # almost every row identical: look at every row against the first
        distances = np.sqrt(((encoded.astype(np.float64) - encoded[0]) ** 2).sum(axis=1))
        positive = distances[distances > 0]
    return float(np.median(positive)) if len(positive) else 0.0


@register_check
class OutliersCheck(Check):
    """Flag rows whose mean distance to their nearest rows is unusually large.

    Uses the shared neighbour graph of the encoded features. A row's
    *isolation* is its mean distance to its ``n_neighbors`` nearest rows; a
    row is an outlier when its isolation exceeds ``Q3 + iqr_factor * scale``
    (Tukey's fence) where ``scale`` is the spread of all rows' isolations
    (the interquartile range, IQR) but at least a tenth of the typical
    distance between two different rows of the data. The floor keeps the
    fence away from the median when the IQR collapses: on categorical-only
    data many rows tie at exactly the median isolation, and on
    duplicate-heavy data most rows have isolation 0, so ``Q3 + 3 * IQR``
    would be the median itself and every row a little above it would be
    flagged. The score is ``0.5 ** (isolation / reference)`` with
    ``reference`` the median isolation (or the floor, when that is larger):
    a typical row scores about 0.5, rows twice as isolated 0.25, and so on
    down to 0.

    Parameters
    ----------
    n_neighbors : int, default=10
    iqr_factor : float, default=3.0

    Examples
    --------
    >>> import numpy as np, pandas as pd, datafix as dfx
    >>> rng = np.random.default_rng(0)
    >>> copies = np.repeat(rng.normal(size=(5, 3)), 40, axis=0)      # duplicate-heavy: IQR of isolation is 0
    >>> frame = pd.DataFrame(np.vstack([copies + rng.normal(scale=0.01, size=copies.shape), [[9, 9, 9]]]))
    >>> report = dfx.audit(frame, checks=["outliers"])
    >>> list(report.flagged("outliers"))
    [200]
    """

    name = "outliers"
    title = "Outliers"
    thresholds = (0.0, 0.02, 0.1)

    @keyword_only_after
    def __init__(self, n_neighbors: int = 10, *, iqr_factor: float = 3.0):
        self.n_neighbors = n_neighbors
        self.iqr_factor = iqr_factor

    graded = True

    def advice(self, result):
        return {"action": "review the outlying rows for entry errors", "fix": None}

    def run(self, context):
        graph = context.neighbor_graph(self.n_neighbors)
        isolation = graph.distances.mean(axis=1, dtype=np.float64)
        q1, median, q3 = np.quantile(isolation, [0.25, 0.5, 0.75])
        floor = SCALE_FLOOR * typical_pair_distance(context.encoded, random_state=context.random_state)
        scale = max(q3 - q1, floor)
        fence = q3 + self.iqr_factor * scale
        is_issue = isolation > fence
        reference = max(median, floor)
        score = 0.5 ** (isolation / reference) if reference > 0 else np.ones(len(isolation))
        return self.result(
            issues=is_issue.sum(),
            total=context.n_rows,
            message=f"{int(is_issue.sum())} rows farther than {fence:.3g} on average from their "
            f"{graph.n_neighbors} nearest rows (median {median:.3g})",
            rows=self.row_columns(is_issue, score, outliers_isolation=isolation),
            details={"fence": float(fence), "median_isolation": float(median), "n_neighbors": graph.n_neighbors,
                     "iqr": float(q3 - q1), "scale_floor": float(floor)},
        )
