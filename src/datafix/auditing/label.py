"""label: rows whose given label is probably wrong (through :func:`datafix.find_label_issues`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._base import Check, register_check
from .class_imbalance import _plain


@register_check
class LabelCheck(Check):
    """Flag rows whose given label the out-of-fold model and the neighbours find implausible.

    The evidence of :func:`datafix.find_label_issues` (``method="auto"``):
    out-of-fold probabilities of the audit's ``estimator`` on the encoded
    features (or the ``pred_proba`` given to the audit), averaged with the
    label shares of each row's 10 nearest rows in the audit's shared
    neighbour graph, judged by confident learning. ``label_score`` is the
    label quality (low: the given label is unlikely); ``label_suggested`` is
    the most likely other label for flagged rows.
    """

    name = "label"
    title = "Label issues"
    thresholds = (0.0, 0.02, 0.1)
    n_neighbors = 10  # datafix.labels.issues.N_NEIGHBORS

    def skip_reason(self, context):
        if context.labels is None:
            return "no target"
        if context.encoded.shape[1] == 0 and context.pred_proba is None:
            return "no usable feature"
        return None

    def run(self, context):
        found = context.label_issues
        is_issue = found["is_label_issue"].to_numpy(dtype=bool)
        given = found["given_label"].to_numpy()
        suggested = found["suggested_label"].to_numpy()
        matrix = pd.crosstab(
            pd.Series(given, name="given"), pd.Series(suggested, name="suggested"), dropna=False
        )
        by_class = pd.Series(is_issue).groupby(given).sum()
        return self.result(
            issues=is_issue.sum(),
            total=context.n_rows,
            message=f"{int(is_issue.sum())} rows whose label disagrees with the out-of-fold model",
            rows=self.row_columns(is_issue, found["label_quality"].to_numpy(), label_suggested=suggested),
            details={
                "issues_by_class": {str(_plain(c)): int(n) for c, n in by_class.items()},
                "given_vs_suggested": {
                    str(_plain(g)): {str(_plain(s)): int(matrix.loc[g, s]) for s in matrix.columns}
                    for g in matrix.index
                },
            },
            tables={"given_vs_suggested": matrix},
        )
