"""``datafix.audit`` on a Dask DataFrame: the checks as map/reduce over partitions.

Exact (equal to the in-memory audit of the collected data): class counts and
imbalance, missing cells, constant and identifier-like columns, exact
duplicates and conflicting labels (sets, group numbers, scores and majority
labels), and the confident-learning flags on given probabilities.
One-pass and approximate: target leakage (quantile bins from merged
partition sketches, halves by a hash of the row, columns with more than 4096
categories hashed into 4096 buckets). Skipped, with the reason in the
report: the neighbour checks (near duplicates, outliers) and the
neighbourhood half of the label evidence; ``train_test_leakage``.

The per-row table, :attr:`AuditReport.issues`, is a Dask DataFrame aligned
with the data's partitions; nothing of full size reaches the client.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .._tabular import is_numeric_column, plain_value, row_hashes
from ..auditing._base import CHECKS, SEVERITIES, severity_for
from ..auditing._render import shown_list
from ..auditing.report import AuditReport
from ..auditing.target_leakage import TargetLeakageCheck
from ._frame import (
    FrameStats,
    check_frame,
    label_codes,
    merged_quantiles,
    numeric_values,
    reduce_partitions,
    scan,
    shared,
)
from ._memory import partition_task
from .duplicates import (
    HashGroups,
    duplicate_columns,
    find_hash_groups,
    partition_hashes,
)
from .labels import LabelEvidence

__all__ = ["audit", "DISTRIBUTED_CHECKS", "SKIP_REASONS"]

#: The checks the distributed audit runs.
DISTRIBUTED_CHECKS = ("class_imbalance", "label", "duplicates", "conflicting_labels", "missing", "target_leakage")
NEIGHBOUR_REASON = ("not run on a Dask DataFrame: it needs a k-nearest-neighbour graph of all rows, which "
                    "datafix does not build across a cluster; audit a sample in memory for it")
#: Why the other registered checks are skipped on a Dask DataFrame.
SKIP_REASONS = {
    "near_duplicates": NEIGHBOUR_REASON,
    "outliers": NEIGHBOUR_REASON,
    "train_test_leakage": "no test set (test= is not supported for a Dask DataFrame)",
}
#: Categories per column beyond which target leakage hashes values into this many buckets.
LEAKAGE_BUCKETS = 4096


def _check_names(checks) -> list[str]:
    if checks is None:
        return list(CHECKS)
    names = [checks] if isinstance(checks, str) else list(checks)
    for name in names:
        if not isinstance(name, str):
            raise ValueError("checks must name checks (strings) for a Dask DataFrame; check instances and "
                             "parameters are supported in memory only.")
        if name not in CHECKS:
            raise ValueError(f"checks has an unknown check {name!r}; the checks are: {', '.join(CHECKS)}.")
    if not names:
        raise ValueError(f"checks is empty; pass None for every check or some of: {', '.join(CHECKS)}.")
    return names


class _Settings:
    """What every partition function needs: the global statistics and the audit's options (small, picklable)."""

    def __init__(self, stats: FrameStats, names, groups, evidence, leakage_bins):
        self.features = stats.features
        self.target = stats.target
        self.classes = stats.classes
        self.class_codes = {c: i for i, c in enumerate(stats.classes.tolist())}
        self.class_counts = stats.class_counts
        self.offsets = stats.offsets
        self.names = names
        self.groups = groups
        self.evidence = evidence
        self.leakage_bins = leakage_bins


def audit(data, target, *, checks=None, pred_proba=None, model="linear", cv=5, epochs=2, random_state=None,
          verbose=False):
    """Audit a Dask DataFrame on its cluster; the same :class:`~datafix.AuditReport` as in memory.

    Called by :func:`datafix.audit` when ``data`` is a Dask DataFrame. The
    checks that run are the exact map/reduce ones (``class_imbalance``,
    ``duplicates``, ``conflicting_labels``, ``missing``), ``label``
    (confident learning on out-of-fold probabilities) and the one-pass
    ``target_leakage``; the neighbour checks are skipped with the reason in
    ``report.skipped``. ``report.issues`` is a Dask DataFrame (one row per
    data row, partitioned like ``data``); write it with
    ``report.to_parquet(path)``.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        Features and the ``target`` column. Never modified.
    target : str
        The label column.
    checks : list of str, optional
        Names of the checks to run (default: all; the neighbour checks are
        then reported as skipped).
    pred_proba : list of str, optional
        Columns of ``data`` with out-of-fold probabilities of your own model,
        one per class in sorted class order; they are not audited as
        features. Without them a linear model is trained on the cluster.
    model : {"linear", "xgboost"}, default="linear"
        The cluster model without ``pred_proba``: an incremental linear
        model trained partition by partition, or ``xgboost.dask`` (the
        ``boost`` extra).
    cv : int, default=5
        Folds of the cluster model.
    epochs : int, default=2
        Passes of ``partial_fit`` over the partitions (linear model).
    random_state : int, optional
        Seeds the cluster model.
    verbose : bool, default=False
        Print each pass on stderr.

    Returns
    -------
    AuditReport

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> from distributed import Client, LocalCluster
    >>> import datafix as dfx
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"x": rng.normal(size=400), "y": rng.choice(["a", "b"], size=400)})
    >>> frame = pd.concat([frame, frame.iloc[:5]], ignore_index=True)
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, Client(cluster):
    ...     report = dfx.audit(dd.from_pandas(frame, npartitions=3), "y", checks=["duplicates", "missing"])
    ...     flagged = int(report.issues["is_duplicates_issue"].sum().compute())
    >>> report.summary.set_index("check").loc["duplicates", "issues"], flagged
    (np.int64(5), 5)
    """
    import sys

    names = _check_names(checks)
    features = check_frame(data, target)
    if pred_proba is not None:
        pred_proba = [pred_proba] if isinstance(pred_proba, str) else list(pred_proba)
        absent = [c for c in pred_proba if c not in data.columns]
        if absent:
            raise ValueError(f"pred_proba names columns {absent[:5]} that data does not have.")
        features = [c for c in features if c not in pred_proba]
    if model not in ("linear", "xgboost"):
        raise ValueError(f"model must be 'linear' or 'xgboost', got {model!r}.")
    if "label" in names and pred_proba is None and (not isinstance(cv, (int, np.integer)) or cv < 2):
        raise ValueError(f"cv must be an integer of at least 2 (the number of folds), got {cv!r}.")
    say = (lambda text: print(f"datafix audit: {text}", file=sys.stderr)) if verbose else (lambda text: None)
    started = time.perf_counter()
    seconds = {}
    say("pass 1: partition schemas, classes, missing cells, column statistics")
    stats = scan(data[features + [target]], target, features=features)
    if pred_proba is not None and len(pred_proba) != len(stats.classes):
        raise ValueError(f"pred_proba names {len(pred_proba)} columns but the target has {len(stats.classes)} "
                         f"classes {[plain_value(c) for c in stats.classes[:10]]}; name one column per class, "
                         f"in sorted class order.")
    if "label" in names and pred_proba is None:
        small = [plain_value(c) for c, n in zip(stats.classes, stats.class_counts) if n < cv]
        if small:
            raise ValueError(f"classes {small[:5]} have fewer rows than cv={cv} folds; lower cv or drop them.")
    groups, evidence, leakage_bins, totals = None, None, None, None
    if "duplicates" in names or "conflicting_labels" in names:
        say("pass 2: row hashes and the group-by on them")
        tic = time.perf_counter()
        groups = find_hash_groups(data, stats)
        seconds["duplicates"] = seconds["conflicting_labels"] = time.perf_counter() - tic
    columns = features + [target] + (pred_proba or [])
    if "label" in names:
        tic = time.perf_counter()
        if pred_proba is None:
            say(f"training the out-of-fold {model} model on the cluster ({cv} folds), then thresholds")
        else:
            say("confident-learning thresholds")
        evidence = LabelEvidence(stats, pred_proba=pred_proba, cv=cv, epochs=epochs, random_state=random_state,
                                 model=model)
        evidence.fit(data[columns], stats)
        seconds["label"] = time.perf_counter() - tic
    if "target_leakage" in names:
        leakage_bins = _leakage_bins(stats)
    settings = _Settings(stats, names, groups, evidence, leakage_bins)
    if "label" in names or "target_leakage" in names:
        say("last pass: label flags and leakage tables")
        tic = time.perf_counter()
        totals = reduce_partitions(data[columns], _summary_part, settings)
        seconds["target_leakage"] = time.perf_counter() - tic
    results, skipped = {}, {}
    for name in names:
        if name not in DISTRIBUTED_CHECKS:
            skipped[name] = SKIP_REASONS.get(name, "not supported on a Dask DataFrame")
            continue
        check = CHECKS[name]()
        builder = {"class_imbalance": _class_imbalance, "duplicates": _duplicates,
                   "conflicting_labels": _conflicting_labels, "missing": _missing, "label": _label,
                   "target_leakage": _target_leakage}[name]
        results[name] = builder(check, stats, groups=groups, totals=totals)
    issues = data[columns].map_partitions(_row_part, shared(settings), meta=_row_meta(settings, data[columns]._meta))
    return _report(results, skipped, seconds, stats, issues, time.perf_counter() - started)


# -- passes --------------------------------------------------------------------------------------------------
def _label_codes(part, settings) -> np.ndarray:
    return label_codes(part[settings.target], settings.class_codes)


@partition_task
def _summary_part(part, number, settings):
    codes = _label_codes(part, settings)
    n_classes = len(settings.classes)
    out = {}
    if settings.evidence is not None:
        codes, proba, flags = settings.evidence.judge(part)
        suggested = proba.argmax(axis=1) if len(codes) else np.zeros(0, np.int64)  # the most likely label
        out["flags_by_class"] = np.bincount(codes[flags], minlength=n_classes).astype(np.int64)
        out["given_vs_suggested"] = np.bincount(codes * n_classes + suggested,
                                                minlength=n_classes * n_classes).astype(np.int64)
    if settings.leakage_bins is not None:
        half = _half(part, settings)
        for column, (kind, spec) in settings.leakage_bins.items():
            bins = _bin(part[column], kind, spec)
            n_bins = _n_bins(kind, spec)
            out[f"leak:{column}"] = np.bincount((half * n_bins + bins) * n_classes + codes,
                                                minlength=2 * n_bins * n_classes).astype(np.int64)
    return out


# -- target leakage (one pass of contingency tables) ---------------------------------------------------------
def _leakage_bins(stats: FrameStats) -> dict:
    """Per column: how to bin it, decided from the first pass (quantile edges, categories or hash buckets)."""
    max_bins = TargetLeakageCheck().max_bins
    n_bins = int(np.clip(stats.n_rows // 10, 2, max_bins))
    bins = {}
    for column in stats.features:
        if column in stats.kinds["constant"]:
            continue
        dtype = stats.meta[column].dtype
        if is_numeric_column(stats.meta[column]) and not pd.api.types.is_bool_dtype(dtype):
            seen = stats.distinct[column]
            if seen is not None:
                distinct = np.unique(np.asarray([v for v in seen if not pd.isna(v)], dtype=np.float64))
            if seen is not None and len(distinct) <= n_bins:
                edges = distinct[1:]
            elif stats.sketches.get(column):
                edges = np.unique(merged_quantiles(stats.sketches[column], np.linspace(0, 1, n_bins + 1)[1:-1]))
            else:
                edges = np.zeros(0)
            bins[column] = ("numeric", edges)
        elif stats.distinct[column] is not None:
            bins[column] = ("categories", pd.Index(stats.distinct[column]))
        else:
            bins[column] = ("hashed", LEAKAGE_BUCKETS)
    return bins


def _n_bins(kind, spec) -> int:
    if kind == "numeric":
        return len(spec) + 2
    if kind == "categories":
        return len(spec) + 1
    return spec


def _bin(series: pd.Series, kind, spec) -> np.ndarray:
    if kind == "numeric":
        values = numeric_values(series)
        codes = np.searchsorted(spec, values, side="right")
        codes[~np.isfinite(values) & np.isnan(values)] = len(spec) + 1
        return codes.astype(np.int64)
    if kind == "categories":
        codes = spec.get_indexer(series.astype(object).to_numpy())
        return np.where(codes < 0, len(spec), codes).astype(np.int64)
    return (row_hashes(series.to_frame()) % np.uint64(spec)).astype(np.int64)


def _half(part, settings) -> np.ndarray:
    return ((row_hashes(part[settings.features]) >> np.uint64(41)) & np.uint64(1)).astype(np.int64)


def balanced_accuracy_from_counts(table: np.ndarray) -> float:
    """Balanced accuracy of "predict the majority label of the row's bin", learnt on one half, scored on the other.

    ``table[h, b, k]`` counts rows of half ``h``, bin ``b`` and class ``k``;
    the rule of :func:`datafix.auditing.target_leakage.single_feature_balanced_accuracy`, from counts.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.distributed.audit import balanced_accuracy_from_counts
    >>> table = np.zeros((2, 2, 2), dtype=int); table[:, 0, 0] = 10; table[:, 1, 1] = 10
    >>> balanced_accuracy_from_counts(table)
    1.0
    """
    n_classes = table.shape[2]
    correct = np.zeros(n_classes)
    for learn in (0, 1):
        learning, scoring = table[learn], table[1 - learn]
        rule = learning.argmax(axis=1)
        rule[learning.sum(axis=1) == 0] = learning.sum(axis=0).argmax()
        # the scoring half's rows of bin b are right when their class is the rule's class for b
        correct += np.bincount(rule, weights=scoring[np.arange(len(rule)), rule], minlength=n_classes)
    sizes = table.sum(axis=(0, 1))
    present = sizes > 0
    return float((correct[present] / sizes[present]).mean())


# -- per-row table -------------------------------------------------------------------------------------------
@partition_task
def _row_part(part: pd.DataFrame, settings, partition_info=None) -> pd.DataFrame:
    names = settings.names
    columns = {}
    n = len(part)
    codes = _label_codes(part, settings)
    if "class_imbalance" in names:
        counts = settings.class_counts
        ratio = (counts / counts.max())[codes] if n else np.zeros(0)
        min_ratio = CHECKS["class_imbalance"]().min_ratio
        columns["is_class_imbalance_issue"] = ratio < min_ratio
        columns["class_imbalance_score"] = ratio.astype(np.float64)
    if "label" in names:
        codes, proba, flags = settings.evidence.judge(part)
        given = proba[np.arange(n), codes] if n else np.zeros(0)
        masked = proba.copy()
        if n:
            masked[np.arange(n), codes] = -1.0
        other = masked.argmax(axis=1) if n else np.zeros(0, np.int64)
        suggested = np.where(flags, other, codes) if n else np.zeros(0, np.int64)
        columns["is_label_issue"] = flags
        columns["label_score"] = given.astype(np.float64)
        columns["label_suggested"] = _label_array(settings.classes[suggested] if n else settings.classes[:0],
                                                  part[settings.target].dtype)
        columns["label_model_given_proba"] = given.astype(np.float64)
        columns["label_model_suggested_proba"] = (proba[np.arange(n), other] if n else np.zeros(0)).astype(
            np.float64)
    if "duplicates" in names or "conflicting_labels" in names:
        number = partition_info["number"] if partition_info else 0
        found = _duplicate_rows(part, settings, int(settings.offsets[number]) if len(settings.offsets) else 0)
        for name in found.columns:
            check = "duplicates" if name.startswith(("is_duplicates", "duplicates")) else "conflicting_labels"
            if check in names:
                columns[name] = found[name].array
    if "missing" in names:
        null = part[settings.features].isna().to_numpy()
        cells = null.sum(axis=1)
        columns["is_missing_issue"] = cells > 0
        columns["missing_score"] = 1.0 - cells / max(len(settings.features), 1)
        columns["missing_cells"] = cells.astype(np.int64)
    return pd.DataFrame(columns, index=part.index)


def _duplicate_rows(part, settings, offset: int) -> pd.DataFrame:
    """Duplicate and conflict columns of one partition (``offset``: the global position of its first row)."""
    hashes = partition_hashes(part, settings.features, settings.target, settings.class_codes, offset)
    groups: HashGroups = settings.groups
    found = duplicate_columns(hashes, groups)
    majority = found["conflicting_labels_majority"].to_numpy()
    found["conflicting_labels_majority"] = _label_array(
        np.where(majority >= 0, settings.classes[np.maximum(majority, 0)], None), part[settings.target].dtype)
    return found


def _label_array(values, dtype):
    """Labels (``None`` for none) in a typed column like the target's, so Parquet knows its type."""
    if pd.api.types.is_bool_dtype(dtype):
        kind = "boolean"
    elif pd.api.types.is_integer_dtype(dtype):
        kind = "Int64"
    elif pd.api.types.is_float_dtype(dtype):
        kind = "Float64"
    else:
        kind = dtype if pd.api.types.is_string_dtype(dtype) and dtype != object else "string"
    return pd.array(list(values), dtype=kind)


def _row_meta(settings, meta_frame) -> pd.DataFrame:
    return _row_part(meta_frame.iloc[:0], settings)


# -- results (the checks' own classes, so advice and presentation are theirs) ---------------------------------
def _class_imbalance(check, stats, **_):
    counts, classes = stats.class_counts, stats.classes
    ratio = counts / counts.max()
    imbalance = float(counts.max() / counts.min())
    rare = [c for c, r in zip(classes, ratio) if r < check.min_ratio]
    table = pd.DataFrame({"class": [plain_value(c) for c in classes], "rows": counts,
                          "fraction": counts / counts.sum(), "ratio_to_largest": ratio}
                         ).sort_values("rows", ascending=False, ignore_index=True)
    return check.result(
        issues=int(counts[ratio < check.min_ratio].sum()), total=stats.n_rows,
        message=f"{len(classes)} classes, largest/smallest = {imbalance:.1f}"
                + (f"; under-represented: {shown_list(rare)}" if rare else ""),
        details={"imbalance_ratio": imbalance,
                 "class_counts": {str(plain_value(c)): int(n) for c, n in zip(classes, counts)},
                 "under_represented": [plain_value(c) for c in rare]},
        tables={"classes": table},
        severity=("high" if imbalance >= 20 else "medium" if imbalance >= 5 else "low" if imbalance >= 1.5
                  else "none"),
    )


def _duplicates(check, stats, *, groups, **_):
    issues, n_sets = groups.duplicate_rows, len(groups.duplicates)
    return check.result(issues=issues, total=stats.n_rows,
                        message=f"{issues} redundant copies in {n_sets} sets of identical rows",
                        details={"duplicate_sets": n_sets, "rows_in_sets": int(groups.duplicates["size"].sum())})


def _conflicting_labels(check, stats, *, groups, **_):
    issues, n_sets = groups.conflicting_rows, len(groups.conflicts)
    return check.result(issues=issues, total=stats.n_rows,
                        message=f"{issues} rows in {n_sets} sets of identical features with different labels",
                        details={"conflicting_sets": n_sets})


def _missing(check, stats, **_):
    kinds, n_rows = stats.kinds, stats.n_rows
    fraction = {c: stats.nulls[c] / n_rows for c in stats.features}
    table = pd.DataFrame({
        "column": [str(c) for c in stats.features],
        "missing_fraction": [fraction[c] for c in stats.features],
        "problem": ["constant" if c in kinds["constant"] else "identifier-like" if c in kinds["identifier"]
                    else "mixed types: " + "/".join(stats.mixed[c]) if c in stats.mixed else ""
                    for c in stats.features],
    })
    table = table[(table["missing_fraction"] > 0) | (table["problem"] != "")]
    table = table.sort_values("missing_fraction", ascending=False, ignore_index=True)
    parts = [f"{stats.rows_with_missing} rows with missing cells ({stats.missing_cells} cells)"]
    for label, columns in (("constant", kinds["constant"]), ("identifier-like", kinds["identifier"]),
                           ("mixed-type", list(stats.mixed))):
        if columns:
            parts.append(f"{len(columns)} {label} columns: {shown_list(columns)}")
    unusable = kinds["constant"] or kinds["identifier"] or stats.mixed
    return check.result(
        issues=stats.rows_with_missing, total=n_rows, message="; ".join(parts),
        details={"missing_cells": stats.missing_cells,
                 "missing_fraction_by_column": {str(c): float(f) for c, f in fraction.items() if f > 0},
                 "constant_columns": [str(c) for c in kinds["constant"]],
                 "identifier_columns": [str(c) for c in kinds["identifier"]],
                 "mixed_type_columns": {str(c): k for c, k in stats.mixed.items()}},
        tables={"columns": table} if len(table) else {},
        severity="low" if not stats.rows_with_missing and unusable else None,
    )


def _label(check, stats, *, totals, **_):
    n_classes, classes = len(stats.classes), stats.classes
    by_class = totals["flags_by_class"]
    shares = by_class / stats.class_counts
    matrix = totals["given_vs_suggested"].reshape(n_classes, n_classes)
    shown = [plain_value(c) for c in classes]
    table = pd.DataFrame(matrix, index=pd.Index(shown, name="given"), columns=pd.Index(shown, name="suggested"))
    table = table.loc[:, table.sum(axis=0) > 0]
    issues = int(by_class.sum())
    worst = int(np.argmax(shares))
    message = f"{issues} rows whose label confident learning finds implausible (out-of-fold model only)"
    if issues:
        message += (f"; class {shown[worst]!r} has the largest share flagged: {int(by_class[worst])} of "
                    f"{int(stats.class_counts[worst])} rows ({shares[worst]:.0%})")
    by_rows = severity_for(issues, issues / stats.n_rows, check.thresholds)
    by_share = severity_for(issues, float(shares.max()), check.class_thresholds)
    return check.result(
        issues=issues, total=stats.n_rows, message=message,
        details={"issues_by_class": {str(c): int(n) for c, n in zip(shown, by_class)},
                 "flagged_share_by_class": {str(c): round(float(v), 4) for c, v in zip(shown, shares)},
                 "filter": "cleanlab confident_learning",
                 "given_vs_suggested": {str(g): {str(s): int(table.loc[g, s]) for s in table.columns}
                                        for g in table.index}},
        tables={"given_vs_suggested": table},
        severity=max(by_rows, by_share, key=SEVERITIES.index),
    )


def _target_leakage(check, stats, *, totals, **_):
    n_classes = len(stats.classes)
    scores = {}
    for key, counts in totals.items():
        if key.startswith("leak:"):
            scores[key[5:]] = balanced_accuracy_from_counts(counts.reshape(2, -1, n_classes))
    table = pd.DataFrame({"column": [str(c) for c in scores], "balanced_accuracy": list(scores.values())})
    table = table.sort_values("balanced_accuracy", ascending=False, ignore_index=True)
    leaking = table[table["balanced_accuracy"] >= check.threshold]
    if len(leaking):
        message = f"{len(leaking)} features predict the label alone: " + shown_list(
            f"{c} ({a:.3f})" for c, a in zip(leaking["column"], leaking["balanced_accuracy"]))
    elif len(table):
        message = (f"no single feature predicts the label (best: {table['column'].iloc[0]}, balanced accuracy "
                   f"{table['balanced_accuracy'].iloc[0]:.3f})")
    else:
        message = "no usable feature"
    return check.result(
        issues=len(leaking), total=max(len(scores), 1), message=message,
        details={"leaking_columns": list(leaking["column"]),
                 "balanced_accuracy_by_column": dict(zip(table["column"], table["balanced_accuracy"].astype(float))),
                 "threshold": check.threshold, "approximate": True},
        tables={"features": table.head(10)},
    )


def _report(results, skipped, seconds, stats, issues, duration):
    report = AuditReport.from_results(results, skipped=skipped, seconds=seconds,
                                      features=stats.meta[stats.features].iloc[:0], labels=None,
                                      target=str(stats.target), duration=duration)
    report.issues = issues
    report.class_counts = pd.Series(stats.class_counts, index=stats.classes, name="rows")
    report.info.update(rows=stats.n_rows, classes=[plain_value(c) for c in stats.classes], partitions=len(
        stats.partition_rows), fingerprint=None)
    return report
