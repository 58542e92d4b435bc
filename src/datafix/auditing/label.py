"""label: rows whose given label is probably wrong (through :func:`datafix.find_label_issues`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._tabular import plain_value
from ._base import SEVERITIES, Check, register_check, severity_for
from ._plots import label_matrix


@register_check
class LabelCheck(Check):
    """Flag rows whose given label the out-of-fold model and the neighbours find implausible.

    The evidence of :func:`datafix.find_label_issues` (``method="auto"``):
    out-of-fold probabilities of the audit's ``estimator`` on the encoded
    features (or the ``pred_proba`` given to the audit), averaged with the
    label shares of each row's 10 nearest rows in the audit's shared
    neighbour graph, mixed with the weight that best predicts the given
    labels and judged by confident learning - the code and the encoding of
    :func:`datafix.find_label_issues`, so both flag the same rows.

    Row columns: ``label_score`` is the label quality (low: the given label
    is unlikely); ``label_suggested`` the most likely other label for flagged
    rows; and why a row is flagged: ``label_model_given_proba`` and
    ``label_model_suggested_proba`` (the out-of-fold model's probability of
    the given and the suggested label) and, for flagged rows,
    ``label_neighbors`` (its nearest rows as ``label@row (distance)``,
    nearest first).

    Severity counts the share of all rows flagged (``thresholds``) and the
    share of each class's rows flagged (``class_thresholds``), whichever is
    worse: 17 flagged rows are 0.4% of a 4000-row set, but half of a
    32-row class is a problem.
    """

    name = "label"
    title = "Label issues"
    thresholds = (0.0, 0.02, 0.1)
    #: Severity from the largest share of one class's rows flagged: medium from 10%, high from 25%.
    class_thresholds = (0.0, 0.1, 0.25)
    n_neighbors = 10  # datafix.labels.issues.N_NEIGHBORS
    #: Neighbours listed per flagged row in ``label_neighbors``.
    shown_neighbors = 5

    def skip_reason(self, context):
        if context.labels is None:
            return "no target"
        if context.encoded.shape[1] == 0 and context.pred_proba is None:
            return "no usable feature"
        return None

    graded = True
    indexed_tables = ("given_vs_suggested",)
    flagged_extras = {"suggested": "label_suggested"}

    def advice(self, result):
        return {"action": "drop, relabel or down-weight the rows with label issues (report.recommend(model) "
                          "measures which helps)", "fix": "LabelCleaner"}

    def plots(self, result):
        return [("label-matrix", label_matrix(result.tables["given_vs_suggested"], flagged=result.issues))]

    def table_note(self, result, table):
        if table != "given_vs_suggested":
            return None
        matrix = result.tables[table].to_numpy()
        disagree = int(matrix.sum() - np.trace(matrix)) if matrix.shape[0] == matrix.shape[1] else int(matrix.sum())
        return (f"every row, counted by its given label (rows) and the most likely label (columns); "
                f"{disagree} rows sit off the diagonal, of which the {result.issues} whose given label is "
                f"confidently wrong are flagged")

    def run(self, context):
        found = context.label_issues
        is_issue = found["is_label_issue"].to_numpy(dtype=bool)
        given = found["given_label"].to_numpy()
        suggested = found["suggested_label"].to_numpy()
        matrix = pd.crosstab(
            pd.Series(given, name="given"), pd.Series(suggested, name="suggested"), dropna=False
        )
        by_class = pd.Series(is_issue).groupby(given).sum()
        class_sizes = pd.Series(given).value_counts()
        shares = (by_class / class_sizes.reindex(by_class.index)).astype(np.float64)
        worst_class = shares.idxmax()
        message = f"{int(is_issue.sum())} rows whose label disagrees with the out-of-fold model and the neighbours"
        if is_issue.any():
            message += (f"; class {plain_value(worst_class)!r} has the largest share flagged: "
                        f"{int(by_class[worst_class])} of {int(class_sizes[worst_class])} rows "
                        f"({shares[worst_class]:.0%})")
        issues = int(is_issue.sum())
        by_rows = severity_for(issues, issues / context.n_rows if context.n_rows else 0.0, self.thresholds)
        by_share = severity_for(issues, float(shares.max()) if len(shares) else 0.0, self.class_thresholds)
        return self.result(
            issues=issues,
            total=context.n_rows,
            message=message,
            rows=self.row_columns(
                is_issue, found["label_quality"].to_numpy(), label_suggested=suggested,
                label_model_given_proba=found["model_given_proba"].to_numpy(),
                label_model_suggested_proba=found["model_suggested_proba"].to_numpy(),
                label_neighbors=_neighbor_text(found, self.shown_neighbors),
            ),
            details={
                "issues_by_class": {str(plain_value(c)): int(n) for c, n in by_class.items()},
                "flagged_share_by_class": {str(plain_value(c)): round(float(v), 4) for c, v in shares.items()},
                "model_weight": float(found.attrs.get("model_weight", 1.0)),
                "given_vs_suggested": {
                    str(plain_value(g)): {str(plain_value(s)): int(matrix.loc[g, s]) for s in matrix.columns}
                    for g in matrix.index
                },
            },
            tables={"given_vs_suggested": matrix},
            # the share of all rows, or of the worst class, whichever is more severe: a small class can
            # lose most of its rows while the share of all rows stays small
            severity=max(by_rows, by_share, key=SEVERITIES.index),
        )


def _neighbor_text(found: pd.DataFrame, limit: int) -> np.ndarray:
    """``label@row (distance)`` of each flagged row's nearest rows; empty for the other rows."""
    text = np.full(len(found), "", dtype=object)
    rows, labels, distances = found["neighbor_rows"], found["neighbor_labels"], found["neighbor_distances"]
    for position in np.flatnonzero(found["is_label_issue"].to_numpy(dtype=bool)):  # flagged rows only
        if rows.iat[position] is None:
            continue
        text[position] = ", ".join(
            f"{plain_value(label)}@{plain_value(row)} ({distance:.2f})"
            for row, label, distance in zip(rows.iat[position][:limit], labels.iat[position][:limit],
                                            distances.iat[position][:limit])
        )
    return text
