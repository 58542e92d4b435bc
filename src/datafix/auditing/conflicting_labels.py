"""conflicting_labels: identical features, different labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._base import Check, register_check
from .duplicates import renumber_groups


@register_check
class ConflictingLabelsCheck(Check):
    """Flag rows whose exact feature values occur elsewhere with another label.

    Every row of a conflicting set is an issue: the data cannot say which
    label is right. A row's score is the share of its set that agrees with
    its label (rows outside any conflicting set score 1), and
    ``conflicting_labels_majority`` is the set's most common label, a
    candidate for relabelling. ``conflicting_labels_group`` numbers the sets
    (-1 outside them).
    """

    name = "conflicting_labels"
    title = "Conflicting labels"
    thresholds = (0.0, 0.005, 0.02)

    def skip_reason(self, context):
        return "no target" if context.labels is None else None

    def advice(self, result):
        return {"action": "keep the majority label of rows with identical features (or drop them all)",
                "fix": "DuplicateRemover"}

    def run(self, context):
        codes = pd.factorize(context.feature_hashes)[0]
        labels = context.label_codes
        pairs = pd.DataFrame({"group": codes, "label": labels})
        labels_per_group = pairs.groupby("group")["label"].nunique().to_numpy()
        in_conflict = labels_per_group[codes] > 1
        group = renumber_groups(codes, in_conflict)
        score = np.ones(context.n_rows)
        majority = np.full(context.n_rows, None, dtype=object)
        n_sets = int(group.max() + 1)
        if in_conflict.any():
            conflict = pairs[in_conflict].assign(conflict_group=group[in_conflict])
            pair_counts = conflict.groupby(["conflict_group", "label"]).size()
            set_sizes = conflict.groupby("conflict_group").size()
            agreeing = pair_counts.reindex(pd.MultiIndex.from_arrays([conflict["conflict_group"], conflict["label"]]))
            score[in_conflict] = agreeing.to_numpy() / set_sizes.reindex(conflict["conflict_group"]).to_numpy()
            top = pair_counts.reset_index(name="n").sort_values(["conflict_group", "n"], ascending=[True, False])
            top_label = top.drop_duplicates("conflict_group").set_index("conflict_group")["label"]
            majority[in_conflict] = context.classes[top_label.reindex(conflict["conflict_group"]).to_numpy()]
        return self.result(
            issues=in_conflict.sum(),
            total=context.n_rows,
            message=f"{int(in_conflict.sum())} rows in {n_sets} sets of identical features with different labels",
            rows=self.row_columns(
                in_conflict, score, conflicting_labels_group=group, conflicting_labels_majority=majority
            ),
            details={"conflicting_sets": n_sets},
        )
