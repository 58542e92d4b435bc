"""near_duplicates: rows almost identical to another row (through the shared neighbour graph)."""

from __future__ import annotations

import numpy as np

from .._deprecation import keyword_only_after
from ._base import Check, register_check


def _typical_distance(distances: np.ndarray) -> float:
    positive = distances[distances > 0]
    return float(np.median(positive)) if len(positive) else 1.0


@register_check
class NearDuplicatesCheck(Check):
    """Flag rows that sit almost on top of a *different* row.

    Uses the shared neighbour graph of the encoded features (numbers
    standardised, categories one-hot; constant and identifier-like columns
    left out). A row is a near duplicate when one of its ``n_neighbors``
    nearest rows is closer than ``threshold`` times the median
    nearest-neighbour distance and is not an exact copy of it (exact copies
    are the ``duplicates`` and ``conflicting_labels`` checks' business). Two
    rows that differ only in an identifier column are near duplicates at
    distance 0. The score is the distance to the nearest non-identical row
    over the median nearest-neighbour distance, capped at 1;
    ``near_duplicates_neighbor`` is that row's index label.

    The cut-off is a fraction of a typical distance, not the typical distance
    plus a spread, so it cannot collapse onto the bulk of the rows: ties
    (categorical-only data, where distinct rows are whole categories apart)
    and exact copies (duplicate-heavy data; copies are left out of the
    median) only make it smaller.

    Parameters
    ----------
    threshold : float, default=0.13
        As a fraction of the median nearest-neighbour distance (the default
        of cleanlab's Datalab).
    n_neighbors : int, default=5
    """

    name = "near_duplicates"
    title = "Near duplicates"
    thresholds = (0.0, 0.01, 0.05)

    @keyword_only_after
    def __init__(self, threshold: float = 0.13, *, n_neighbors: int = 5):
        self.threshold = threshold
        self.n_neighbors = n_neighbors

    graded = True

    def advice(self, result):
        return {"action": "review the near-duplicate pairs; keep one of each if they are the same record",
                "fix": None}

    def run(self, context):
        graph = context.neighbor_graph(self.n_neighbors)
        distances, indices = graph.distances, graph.indices
        hashes = context.feature_hashes
        median = _typical_distance(distances[:, 0])
        cutoff = self.threshold * median
        different = hashes[indices] != hashes[:, None]
        masked = np.where(different, distances, np.inf)
        nearest_position = masked.argmin(axis=1)
        nearest_distance = masked[np.arange(len(masked)), nearest_position]
        is_issue = nearest_distance <= cutoff
        neighbor = np.full(context.n_rows, None, dtype=object)
        # index labels of the flagged rows' neighbours only (not an object array of the whole index)
        neighbor[is_issue] = np.asarray(context.features.index[indices[is_issue, nearest_position[is_issue]]],
                                        dtype=object)
        score = np.minimum(np.nan_to_num(nearest_distance / median, posinf=1.0), 1.0)
        return self.result(
            issues=is_issue.sum(),
            total=context.n_rows,
            message=f"{int(is_issue.sum())} rows within {cutoff:.3g} of a different row "
            f"({self.threshold} x median nearest-neighbour distance)",
            rows=self.row_columns(is_issue, score, near_duplicates_neighbor=neighbor),
            details={"distance_cutoff": cutoff, "median_nearest_distance": median},
        )
