"""target_leakage: a single feature that alone predicts the label almost perfectly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._deprecation import keyword_only_after
from ._base import Check, random_generator, register_check
from ._render import shown_list
from .._tabular import is_numeric_column


def _bin_codes(series: pd.Series, max_bins: int) -> np.ndarray:
    """Codes 0..b-1 for a column: quantile bins for numbers, categories otherwise; missing is a bin."""
    if is_numeric_column(series) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        present = ~np.isnan(values)
        distinct = np.unique(values[present])
        if len(distinct) <= max_bins:
            edges = distinct[1:]
        else:
            edges = np.unique(np.quantile(values[present], np.linspace(0, 1, max_bins + 1)[1:-1]))
        codes = np.searchsorted(edges, values, side="right")
        codes[~present] = len(edges) + 1
        return codes
    return pd.factorize(series.astype(object), use_na_sentinel=False)[0]


def random_halves(n_rows: int, random_state) -> np.ndarray:
    """Each row's half, 0 or 1: a random split into two equal halves (the only random part of the check)."""
    return random_generator(random_state).permutation(n_rows) % 2


def single_feature_balanced_accuracy(codes: np.ndarray, labels: np.ndarray, n_classes: int, fold) -> float:
    """Out-of-sample balanced accuracy of "predict the majority label of the row's bin".

    Two folds, ``fold`` (each row's half, from :func:`random_halves`): the
    majority label of each bin is learnt on one half and scored on the other;
    a bin unseen in the learning half predicts that half's majority class.
    """
    n_bins = int(codes.max()) + 1
    predicted = np.empty(len(codes), dtype=np.int64)
    for learn in (0, 1):
        learning = fold == learn
        table = np.bincount(codes[learning] * n_classes + labels[learning], minlength=n_bins * n_classes)
        table = table.reshape(n_bins, n_classes)
        rule = table.argmax(axis=1)
        rule[table.sum(axis=1) == 0] = np.bincount(labels[learning], minlength=n_classes).argmax()
        predicted[~learning] = rule[codes[~learning]]
    correct = predicted == labels
    class_sizes = np.bincount(labels, minlength=n_classes)
    recalls = np.bincount(labels, weights=correct, minlength=n_classes)[class_sizes > 0] / class_sizes[class_sizes > 0]
    return float(recalls.mean())


@register_check
class TargetLeakageCheck(Check):
    """Flag features that alone predict the label almost perfectly.

    For each feature, the rule "predict the most common label of the row's
    value" (numbers in up to ``max_bins`` quantile bins, and at most one bin
    per 10 rows, missing values in a
    bin of their own) is learnt on half the rows and scored on the other half;
    a feature whose balanced accuracy reaches ``threshold`` is a suspect: a
    label in disguise (an ID assigned per class, a post-outcome field, the
    target re-encoded). Issues are counted in columns; the check emits no
    per-row columns. A row-identifier cannot leak by this test: its values
    are never seen in the other half.

    Parameters
    ----------
    threshold : float, default=0.95
        Balanced accuracy from which a single feature is reported.
    max_bins : int, default=64
        Keyword-only.
    random_state : int or None, default=None
        Seeds the split of the rows into two halves, the same halves for
        every feature. ``None``: the audit's ``random_state``. Keyword-only.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import datafix as dfx
    >>> from datafix.auditing.target_leakage import TargetLeakageCheck
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"noise": rng.normal(size=200), "label": rng.choice(["a", "b"], 200)})
    >>> frame["ticket"] = frame["label"].map({"a": "A-1", "b": "B-7"})      # the label in disguise
    >>> report = dfx.audit(frame, "label", checks=[TargetLeakageCheck(threshold=0.9)], random_state=0)
    >>> report.results["target_leakage"].details["leaking_columns"]
    ['ticket']
    """

    name = "target_leakage"
    title = "Target leakage"
    unit = "columns"
    thresholds = (0.0, 0.0, 0.0)

    @keyword_only_after
    def __init__(self, threshold: float = 0.95, *, max_bins: int = 64, random_state=None):
        self.threshold = threshold
        self.max_bins = max_bins
        self.random_state = random_state

    def skip_reason(self, context):
        return "no target" if context.labels is None else None

    def advice(self, result):
        columns = result.details["leaking_columns"]
        return {"action": f"drop the leaking columns {shown_list(columns)} unless they are truly known at "
                          "prediction time", "fix": None}

    def run(self, context):
        frame = context.features
        labels = context.label_codes
        n_classes = len(context.classes)
        scores = {}
        n_bins = int(np.clip(context.n_rows // 10, 2, self.max_bins))  # about 5+ rows per bin and half
        random_state = context.random_state if self.random_state is None else self.random_state
        fold = random_halves(context.n_rows, random_state)
        for column in frame.columns:
            if column in context.kinds["constant"]:
                continue
            codes = _bin_codes(frame[column], n_bins)
            scores[column] = single_feature_balanced_accuracy(codes, labels, n_classes, fold)
        table = pd.DataFrame({"column": [str(c) for c in scores], "balanced_accuracy": list(scores.values())})
        table = table.sort_values("balanced_accuracy", ascending=False, ignore_index=True)
        leaking = table[table["balanced_accuracy"] >= self.threshold]
        message = (
            f"{len(leaking)} features predict the label alone: "
            + shown_list(f"{c} ({a:.3f})" for c, a in zip(leaking["column"], leaking["balanced_accuracy"]))
            if len(leaking)
            else f"no single feature predicts the label (best: {table['column'].iloc[0]}, "
            f"balanced accuracy {table['balanced_accuracy'].iloc[0]:.3f})" if len(table) else "no usable feature"
        )
        return self.result(
            issues=len(leaking),
            total=max(len(scores), 1),
            message=message,
            details={
                "leaking_columns": list(leaking["column"]),
                "balanced_accuracy_by_column": dict(zip(table["column"], table["balanced_accuracy"].astype(float))),
                "threshold": self.threshold,
            },
            tables={"features": table.head(10)},
        )
