"""Fixes as columns: ``keep``, ``weight`` and ``label`` for a Dask DataFrame, with global statistics.

Each fix reads small global statistics (class counts, confident-learning
thresholds) computed by reductions and is then applied partition by
partition; no row is copied or moved. The fixes run in this order, each on
the rows the previous ones kept:

* ``"clean"``: rows with a label issue (confident learning, see
  :mod:`datafix.distributed.labels`) are dropped (``keep=False``) or, with
  ``clean_action="relabel"``, given their most likely other label;
* ``"undersample"``: random under-sampling to the smallest class: a row of
  class ``k`` is kept when a uniform number drawn from a seeded hash of its
  global position is below ``n_smallest / n_k``; so the draw does not depend
  on the partitioning, and each class keeps about ``n_smallest`` rows (a
  Bernoulli draw per row, not an exact count);
* ``"weights"``: ``n / (K * n_k)`` over the kept rows, scikit-learn's
  ``class_weight="balanced"`` (as :func:`datafix.compute_class_weights`).

Rows not kept get weight 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._tabular import plain_value
from ._frame import check_frame, label_codes, reduce_partitions, scan, shared
from ._memory import partition_task
from .labels import LabelEvidence

__all__ = ["FIXES", "fix_columns", "uniform_from_position"]

#: The fixes :func:`fix_columns` knows, in the order they run.
FIXES = ("clean", "undersample", "weights")


def uniform_from_position(positions: np.ndarray, seed: int) -> np.ndarray:
    """A uniform number in [0, 1) per global row position and seed (splitmix64; no dependence on partitions).

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.distributed.fixes import uniform_from_position
    >>> a = uniform_from_position(np.arange(5), seed=0)
    >>> bool((a == uniform_from_position(np.arange(5), seed=0)).all()), bool(((a >= 0) & (a < 1)).all())
    (True, True)
    """
    with np.errstate(over="ignore"):
        z = np.asarray(positions, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15) * np.uint64(seed + 1)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


class _Plan:
    """The global statistics each partition needs (small, picklable)."""

    def __init__(self, stats, fixes, evidence, clean_action, random_state, keep_column, weight_column,
                 label_column):
        self.target = stats.target
        self.classes = stats.classes
        self.class_codes = {c: i for i, c in enumerate(stats.classes.tolist())}
        self.offsets = stats.offsets
        self.fixes = fixes
        self.evidence = evidence
        self.clean_action = clean_action
        self.seed = 0 if random_state is None else int(random_state)
        self.keep_probability = None
        self.class_weights = None
        self.names = (keep_column, weight_column, label_column)

    def apply(self, part: pd.DataFrame, number: int):
        """(keep, fixed label codes) of one partition, with the statistics known so far."""
        n = len(part)
        codes = label_codes(part[self.target], self.class_codes)
        keep = np.ones(n, dtype=bool)
        if "clean" in self.fixes and n:
            _, proba, flags = self.evidence.judge(part)
            if self.clean_action == "drop":
                keep &= ~flags
            else:
                masked = proba.copy()
                masked[np.arange(n), codes] = -1.0
                codes = np.where(flags, masked.argmax(axis=1), codes)
        if self.keep_probability is not None and n:
            positions = self.offsets[number] + np.arange(n, dtype=np.int64)
            keep &= uniform_from_position(positions, self.seed) < self.keep_probability[codes]
        return keep, codes


@partition_task
def _counts_part(part, number, plan):
    keep, codes = plan.apply(part, number)
    return np.bincount(codes[keep], minlength=len(plan.classes)).astype(np.int64)


@partition_task
def _columns_part(part, plan, partition_info=None):
    number = partition_info["number"] if partition_info else 0
    keep, codes = plan.apply(part, number)
    keep_column, weight_column, label_column = plan.names
    if plan.class_weights is not None:
        weight = np.where(keep, plan.class_weights[codes], 0.0) if len(codes) else np.zeros(0)
    else:
        weight = keep.astype(np.float64)
    out = part.copy(deep=False)
    out[keep_column] = keep
    out[weight_column] = weight
    out[label_column] = pd.Series(plan.classes[codes] if len(codes) else plan.classes[:0], index=part.index).astype(
        part[plan.target].dtype)
    return out


def fix_columns(data, target, fixes=("weights",), *, clean_action="drop", pred_proba=None, model="linear", cv=5,
                epochs=2, random_state=0, keep_column="keep", weight_column="weight", label_column="label"):
    """Add ``keep``, ``weight`` and ``label`` columns to a Dask DataFrame: fixes as columns, not copies.

    The statistics every fix needs (class counts, confident-learning
    thresholds) are reductions over all rows, returned to the client as a
    few numbers; the columns are then computed partition by partition, so
    memory is bounded by a partition. The result is lazy: write it with
    :func:`datafix.distributed.write_parquet`, or filter it with
    ``frame[frame.keep]``.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        Features and the ``target`` column. Never modified.
    target : str
        The label column.
    fixes : list of {"clean", "undersample", "weights"}, default=("weights",)
        Which fixes to apply; they run in the order clean, undersample, weights.
    clean_action : {"drop", "relabel"}, default="drop"
        What ``"clean"`` does to a row with a label issue.
    pred_proba : list of str, optional
        Out-of-fold probability columns (sorted class order) for ``"clean"``;
        without them a linear model is trained on the cluster (see
        :func:`datafix.distributed.audit`).
    model : {"linear", "xgboost"}, default="linear"
        The cluster model for ``"clean"`` without ``pred_proba``.
    cv, epochs : int
        Folds and passes of the cluster model.
    random_state : int, default=0
        Seeds the cluster model and the under-sampling draw.
    keep_column, weight_column, label_column : str
        Names of the added columns; none may exist in ``data``.

    Returns
    -------
    dask.dataframe.DataFrame
        ``data``'s columns plus ``keep`` (bool), ``weight`` (float; 0 for
        rows not kept) and ``label`` (the fixed label, the target's dtype).

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> from distributed import Client, LocalCluster
    >>> from datafix.distributed import fix_columns
    >>> frame = pd.DataFrame({"x": np.arange(100.0), "y": ["a"] * 80 + ["b"] * 20})
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, Client(cluster):
    ...     fixed = fix_columns(dd.from_pandas(frame, npartitions=4), "y", ["weights"]).compute()
    >>> fixed.groupby("y")["weight"].first().to_dict()
    {'a': 0.625, 'b': 2.5}
    """
    fixes = [fixes] if isinstance(fixes, str) else list(fixes)
    unknown = [f for f in fixes if f not in FIXES]
    if unknown or not fixes:
        raise ValueError(f"fixes has unknown fixes {unknown}; choose from {', '.join(FIXES)}." if unknown
                         else f"fixes is empty; choose from {', '.join(FIXES)}.")
    if model not in ("linear", "xgboost"):
        raise ValueError(f"model must be 'linear' or 'xgboost', got {model!r}.")
    if clean_action not in ("drop", "relabel"):
        raise ValueError(f"clean_action must be 'drop' or 'relabel', got {clean_action!r}.")
    features = check_frame(data, target)
    added = [keep_column, weight_column, label_column]
    if len(set(added)) < 3:
        raise ValueError(f"keep_column, weight_column and label_column must differ, got {added}.")
    clash = [c for c in added if c in data.columns]
    if clash:
        raise ValueError(f"data already has the columns {clash}; choose other names with keep_column=, "
                         f"weight_column= or label_column=.")
    if pred_proba is not None:
        pred_proba = [pred_proba] if isinstance(pred_proba, str) else list(pred_proba)
        features = [c for c in features if c not in pred_proba]
    stats = scan(data[features + [target]], target, features=features)
    evidence = None
    if "clean" in fixes:
        if pred_proba is None:
            small = [plain_value(c) for c, n in zip(stats.classes, stats.class_counts) if n < cv]
            if small:
                raise ValueError(f"classes {small[:5]} have fewer rows than cv={cv} folds; lower cv or drop them.")
        columns = features + [target] + (pred_proba or [])
        evidence = LabelEvidence(stats, pred_proba=pred_proba, cv=cv, epochs=epochs, random_state=random_state,
                                 model=model)
        evidence.fit(data[columns], stats)
    plan = _Plan(stats, fixes, evidence, clean_action, random_state, keep_column, weight_column, label_column)
    counts = stats.class_counts
    if "clean" in fixes:
        counts = reduce_partitions(data, _counts_part, plan)
    if "undersample" in fixes:
        present = counts > 0
        smallest = counts[present].min()
        plan.keep_probability = np.where(present, smallest / np.maximum(counts, 1), 0.0)
        counts = reduce_partitions(data, _counts_part, plan)
    if "weights" in fixes:
        present = counts > 0
        plan.class_weights = np.where(present, counts.sum() / (present.sum() * np.maximum(counts, 1)), 0.0)
    meta = _columns_part(data._meta, plan)
    return data.map_partitions(_columns_part, shared(plan), meta=meta)
