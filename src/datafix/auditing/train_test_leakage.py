"""train_test_leakage: rows of the test set that also occur in the training data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._base import Check, register_check
from .._tabular import row_hashes


@register_check
class TrainTestLeakageCheck(Check):
    """Flag test rows whose feature values occur exactly in the training data.

    Issues are counted in test rows (``unit="test rows"``). Per training
    row, ``is_train_test_leakage_issue`` marks rows that also occur in the
    test set (score 0). The per-test-row result (``matching_train_row``, the
    index label of the first matching training row) is in the report's
    ``test_issues``. Runs only when ``test`` is given; the test set must have
    every feature column (its target column, if any, is ignored).
    """

    name = "train_test_leakage"
    title = "Train/test leakage"
    unit = "test rows"
    thresholds = (0.0, 0.001, 0.01)

    def skip_reason(self, context):
        return "no test set given" if context.test_features is None else None

    def advice(self, result):
        return {"action": "remove the test rows that occur in the training data before evaluating", "fix": None}

    def run(self, context):
        test = context.test_features
        train_hashes = context.feature_hashes
        test_hashes = row_hashes(test, context.features.columns)
        first_train = pd.Series(np.arange(context.n_rows)).groupby(train_hashes).first()
        match = first_train.reindex(test_hashes).to_numpy()
        leaked = ~np.isnan(match)
        in_test = np.isin(train_hashes, test_hashes)
        matching_label = np.full(len(test), None, dtype=object)
        matching_label[leaked] = np.asarray(context.features.index, dtype=object)[match[leaked].astype(np.intp)]
        test_rows = pd.DataFrame(
            {"is_train_test_leakage_issue": leaked, "matching_train_row": matching_label}, index=test.index
        )
        return self.result(
            issues=leaked.sum(),
            total=len(test),
            message=f"{int(leaked.sum())} of {len(test)} test rows also occur in the training data",
            rows=self.row_columns(in_test, np.where(in_test, 0.0, 1.0)),
            details={"test_rows": len(test), "training_rows_in_test": int(in_test.sum())},
            test_rows=test_rows,
        )
