"""Does the validated ``recommend()`` hold on data it was not tuned on?

For every dataset of ``imbalanced_datasets.py`` (a tuning half and a
reporting half), an outer stratified 3-fold split: on each outer training part
the audit runs and ``report.recommend(LogisticRegression())`` chooses a
pipeline by ``compare_fixes`` (inner 5x2 folds); the chosen pipeline, the
baseline (preprocessing + model) and every single fix are fitted on the outer
training part and scored on the untouched outer test part (balanced accuracy
and the smallest class's recall). Nothing of the outer test part is seen by
the choice.

The selection rule's one knob, the confidence level of "beats the baseline
beyond the noise of the folds", is chosen on the tuning half (printed for
0.80, 0.90 and 0.95 from the same comparisons) and then reported on the
reporting half.

Run: ``python benchmarks/recommend.py [--n-jobs 2] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import StratifiedKFold

import datafix as dfx
from datafix.auditing.recommend import candidate_fixes
from datafix.cli import COMPARE_CHECKS
from datafix.selection import build_pipeline
from datafix.preprocessing import make_preprocessing

from imbalanced_datasets import datasets

SINGLE_FIXES = ("class_weights", "random_oversample", "random_undersample", "smote", "labels_drop",
                "labels_relabel", "labels_downweight", "deduplicate")


def _pick(scores, baseline, primary, *, confidence, corrected):
    """The best candidate under a variant of the selection rule, from the comparison's per-fold scores.

    ``corrected``: the Nadeau-Bengio variance (the rule datafix uses); otherwise the plain paired
    standard error. ``confidence=None``: the highest mean, no noise rule at all.
    """
    from scipy import stats

    from datafix.selection import MINORITY_RECALL, paired_interval

    table = scores.pivot_table(index=["candidate", "fold"], columns="score", values="value")
    base = table.loc[baseline]
    best, best_mean = baseline, -np.inf
    for name in table.index.get_level_values(0).unique():
        if name == baseline:
            continue
        values = table.loc[name]
        difference = (values[primary] - base[primary]).to_numpy()
        minority = (values[MINORITY_RECALL] - base[MINORITY_RECALL]).to_numpy()
        if confidence is None:
            eligible = difference.mean() > 0
        elif corrected:
            eligible = paired_interval(difference, 1.0, confidence)[1] > 0 and \
                paired_interval(minority, 1.0, confidence)[2] >= 0
        else:
            t = stats.t.ppf((1 + confidence) / 2, len(difference) - 1)
            se = difference.std(ddof=1) / np.sqrt(len(difference))
            eligible = difference.mean() - t * se > 0 and minority.mean() >= 0  # datafix's rule
        if eligible and values[primary].mean() > best_mean:
            best, best_mean = name, values[primary].mean()
    return best


RECORDS = []  # per dataset and outer fold: the comparison's scores and every candidate's outer-test outcome

RULES = {
    "recommend": None,  # what datafix chose (its default rule)
    **{f"corrected@{c:.2f}": dict(confidence=c, corrected=True) for c in (0.5, 0.8, 0.9, 0.95)},
    **{f"plain@{c:.2f}": dict(confidence=c, corrected=False) for c in (0.8, 0.9, 0.95)},
    "highest_mean": dict(confidence=None, corrected=False),
}


def evaluate(name, frame, target, n_jobs):
    X, y = frame.drop(columns=target), frame[target].to_numpy()
    classes, counts = np.unique(y, return_counts=True)
    minority = classes[np.argmin(counts)]
    model = LogisticRegression(max_iter=1000)
    rows = []
    outer = StratifiedKFold(n_splits=3, shuffle=True, random_state=1)
    for fold, (train, test) in enumerate(outer.split(X, y)):
        X_train, y_train, X_test, y_test = X.iloc[train], y[train], X.iloc[test], y[test]
        started = time.perf_counter()
        report = dfx.audit(X_train.assign(**{target: y_train}), target, checks=COMPARE_CHECKS, random_state=0)
        chosen = report.recommend(model, random_state=0, n_jobs=n_jobs)
        seconds = time.perf_counter() - started
        comparison = report.comparison
        imputer, encoder = make_preprocessing(X_train, model)
        every = candidate_fixes(report, X_train, y_train, model, random_state=0)
        # single fixes are scored whether or not the audit proposed them
        every = {**candidate_fixes(COMPARE_CHECKS, X_train, y_train, model, random_state=0), **every}
        outcome = {}
        for candidate, fixes in every.items():
            pipeline = build_pipeline(fixes, model, (imputer, encoder))
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    predicted = pipeline.fit(X_train, y_train).predict(X_test)
                outcome[candidate] = (balanced_accuracy_score(y_test, predicted),
                                      recall_score(y_test, predicted, labels=[minority], average="macro"))
            except Exception as error:  # noqa: BLE001 - a fix that cannot run here scores as missing
                outcome[candidate] = (np.nan, np.nan)
                print(f"  {name} fold {fold}: {candidate} failed: {error}", file=sys.stderr)
        picks = {label: comparison.best_ if rule is None else
                 _pick(comparison.scores, comparison.baseline, comparison.primary_score, **rule)
                 for label, rule in RULES.items()}
        RECORDS.append({"dataset": name, "fold": fold, "scores": comparison.scores, "baseline": comparison.baseline,
                        "primary": comparison.primary_score, "outcome": outcome})
        for label, candidate in picks.items():
            rows.append({"dataset": name, "fold": fold, "method": label, "candidate": candidate,
                         "balanced_accuracy": outcome[candidate][0], "minority_recall": outcome[candidate][1]})
        for candidate in ("none",) + SINGLE_FIXES:
            if candidate in outcome:
                rows.append({"dataset": name, "fold": fold, "method": candidate, "candidate": candidate,
                             "balanced_accuracy": outcome[candidate][0], "minority_recall": outcome[candidate][1]})
        print(f"  {name} fold {fold}: recommend -> {comparison.best_} ({seconds:.1f}s; "
              f"compare {comparison.elapsed_seconds:.1f}s, fits {comparison.fit_seconds:.1f}s)", file=sys.stderr)
        assert chosen is not None
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--json", help="write the per-fold rows here")
    parser.add_argument("--records", help="pickle the comparisons' scores and outcomes here (to study rules)")
    args = parser.parse_args()
    rows, halves = [], {}
    for name, (frame, target, half) in datasets().items():
        if args.only and name not in args.only:
            continue
        halves[name] = half
        print(f"{name} ({half}) ...", file=sys.stderr)
        rows += evaluate(name, frame, target, args.n_jobs)
    table = pd.DataFrame(rows)
    if args.records:
        pd.to_pickle(RECORDS, args.records)
    if args.json:
        table.to_json(args.json, orient="records", indent=1)
    table["half"] = table["dataset"].map(halves)
    per_dataset = table.groupby(["half", "dataset", "method"])[["balanced_accuracy", "minority_recall"]].mean()
    for half in ("tuning", "reporting"):
        if half not in set(table["half"]):
            continue
        part = per_dataset.loc[half]
        ba = part["balanced_accuracy"].unstack("method")
        print(f"\n== {half} half: outer-test balanced accuracy (mean of 3 outer folds) ==")
        print(ba.round(3).to_string())
        singles = [m for m in SINGLE_FIXES if m in ba.columns]
        mean_single = ba[singles].mean()
        best_single = mean_single.idxmax()
        print(f"\nmean over datasets: baseline {ba['none'].mean():.3f}; best single fix on average "
              f"({best_single}) {mean_single.max():.3f}; per-dataset oracle single fix "
              f"{ba[singles].max(axis=1).mean():.3f}")
        for method in [c for c in RULES if c in ba.columns]:
            worst = (ba[method] - ba["none"]).min()
            print(f"{method:16s} mean {ba[method].mean():.3f}  vs baseline {ba[method].mean() - ba['none'].mean():+.3f}"
                  f"  worst dataset vs baseline {worst:+.3f}  vs best single {ba[method].mean() - mean_single.max():+.3f}")
        recall = part["minority_recall"].unstack("method")
        print("minority recall, mean over datasets: " + ", ".join(
            f"{m} {recall[m].mean():.3f}" for m in ["none", "recommend", best_single] if m in recall.columns))
    chosen = table[table["method"] == "recommend"].groupby("dataset")["candidate"].agg(lambda s: ", ".join(s))
    print("\nchosen per outer fold:\n" + chosen.to_string())


if __name__ == "__main__":
    main()
