"""Probability quality after a fix, with and without prior correction.

For each imbalanced data set (scikit-learn's bundled sets made imbalanced by
subsampling, and generated ones) and each configuration

* ``no fix``: StandardScaler + LogisticRegression;
* ``ClassWeighter`` uncorrected / corrected (``prior_correction=True``);
* ``RandomUnderSampler`` uncorrected / corrected;

the held-out log loss and expected calibration error (top label, 10 bins,
:func:`datafix.metrics.expected_calibration_error`) are averaged over repeated
stratified folds, and the ratio corrected / no fix is printed. The data sets
are split into a tuning half (looked at while building the feature) and a
reporting half (run once, at the end); both are printed.

Run: python benchmarks/prior_correction.py [--repeats 3] [--folds 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from imblearn.under_sampling import RandomUnderSampler
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.preprocessing import StandardScaler

import datafix as dfx
from datafix.metrics import expected_calibration_error


def subsample_classes(X, y, sizes, random_state=0):
    """Keep ``sizes[c]`` random rows of each class ``c`` (all rows where ``sizes[c]`` is None)."""
    rng = np.random.RandomState(random_state)
    keep = []
    for label, size in sizes.items():
        rows = np.flatnonzero(y == label)
        keep.append(rows if size is None else rng.choice(rows, size, replace=False))
    keep = np.sort(np.concatenate(keep))
    return X[keep], y[keep]


def breast_cancer_20_to_1():
    X, y = load_breast_cancer(return_X_y=True)  # 212 malignant (0), 357 benign (1)
    return subsample_classes(X, y, {0: 18, 1: None})


def digits_zero_vs_rest_50_to_1():
    X, digit = load_digits(return_X_y=True)
    y = (digit == 0).astype(int)
    return subsample_classes(X, y, {0: None, 1: 32})  # 1619 rest : 32 zeros


def digits_ten_classes_decaying():
    X, y = load_digits(return_X_y=True)
    sizes = {digit: int(round(175 * (5 / 175) ** (digit / 9))) for digit in range(10)}  # 175 ... 5 rows, 35:1
    return subsample_classes(X, y, sizes)


def generated(n_samples, weights, n_classes=2, flip_y=0.01, random_state=0):
    def make():
        return make_classification(
            n_samples=n_samples, n_features=20, n_informative=6, n_redundant=4, n_classes=n_classes,
            weights=weights, class_sep=0.8, flip_y=flip_y, random_state=random_state,
        )

    return make


TUNING = {
    "breast_cancer 20:1 (18 minority)": breast_cancer_20_to_1,
    "generated binary 20:1, 4k rows": generated(4000, [20 / 21], random_state=1),
    "digits 10 classes 35:1": digits_ten_classes_decaying,
    "generated 3 classes 50:10:1, 6k rows": generated(6000, [50 / 61, 10 / 61], n_classes=3, random_state=2),
}
REPORTING = {
    "digits 0-vs-rest 50:1 (32 minority)": digits_zero_vs_rest_50_to_1,
    "generated binary 100:1, 20k rows": generated(20000, [100 / 101], random_state=3),
    "generated binary 50:1, 5% label noise, 10k rows": generated(10000, [50 / 51], flip_y=0.05, random_state=4),
    "generated 4 classes 100:20:5:1, 12k rows": generated(
        12000, [100 / 126, 20 / 126, 5 / 126], n_classes=4, random_state=5
    ),
}


def configurations():
    def model():
        return LogisticRegression(max_iter=2000)

    return {
        "no fix": dfx.Pipeline([("scale", StandardScaler()), ("model", model())]),
        "ClassWeighter": dfx.Pipeline([("scale", StandardScaler()), ("fix", dfx.ClassWeighter()), ("model", model())]),
        "ClassWeighter corrected": dfx.Pipeline(
            [("scale", StandardScaler()), ("fix", dfx.ClassWeighter()), ("model", model())], prior_correction=True
        ),
        "RandomUnderSampler": dfx.Pipeline(
            [("scale", StandardScaler()), ("fix", RandomUnderSampler(random_state=0)), ("model", model())]
        ),
        "RandomUnderSampler corrected": dfx.Pipeline(
            [("scale", StandardScaler()), ("fix", RandomUnderSampler(random_state=0)), ("model", model())],
            prior_correction=True,
        ),
    }


def evaluate(X, y, folds, repeats):
    """Mean held-out log loss and ECE of every configuration over repeated stratified folds."""
    classes = np.unique(y)
    results = {name: {"log_loss": [], "ece": []} for name in configurations()}
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=0)
    for train, test in splitter.split(X, y):
        for name, pipe in configurations().items():
            proba = pipe.fit(X[train], y[train]).predict_proba(X[test])
            results[name]["log_loss"].append(log_loss(y[test], proba, labels=classes))
            results[name]["ece"].append(expected_calibration_error(y[test], proba, n_bins=10, labels=classes))
    return {name: {metric: float(np.mean(values)) for metric, values in scores.items()} for name, scores in results.items()}


def report(title, datasets, folds, repeats):
    print(f"\n## {title}\n")
    ratio_rows = []
    for dataset_name, load in datasets.items():
        X, y = load()
        counts = np.bincount(np.unique(y, return_inverse=True)[1])
        started = time.perf_counter()
        results = evaluate(X, y, folds, repeats)
        print(f"{dataset_name}: {len(y)} rows, class sizes {counts.tolist()} ({time.perf_counter() - started:.1f} s)")
        print(f"  {'configuration':<30} {'log loss':>9} {'ECE':>8}")
        for name, scores in results.items():
            print(f"  {name:<30} {scores['log_loss']:>9.4f} {scores['ece']:>8.4f}")
        base = results["no fix"]
        row = {}
        for fix in ("ClassWeighter", "RandomUnderSampler"):
            for metric in ("log_loss", "ece"):
                row[(fix, metric, "uncorrected")] = results[fix][metric] / base[metric]
                row[(fix, metric, "corrected")] = results[f"{fix} corrected"][metric] / base[metric]
        ratio_rows.append(row)
        print(
            "  ratio to no fix (log loss / ECE): "
            + "; ".join(
                f"{fix} {row[(fix, 'log_loss', 'uncorrected')]:.2f}/{row[(fix, 'ece', 'uncorrected')]:.2f} "
                f"-> corrected {row[(fix, 'log_loss', 'corrected')]:.2f}/{row[(fix, 'ece', 'corrected')]:.2f}"
                for fix in ("ClassWeighter", "RandomUnderSampler")
            )
        )
    print(f"\n  {title}: ratio to no fix, mean [max] over {len(datasets)} data sets")
    for fix in ("ClassWeighter", "RandomUnderSampler"):
        for state in ("uncorrected", "corrected"):
            cells = []
            for metric in ("log_loss", "ece"):
                values = np.array([row[(fix, metric, state)] for row in ratio_rows])
                cells.append(f"{metric} {values.mean():.3f} [{values.max():.3f}]")
            print(f"  {fix + ' ' + state:<32} " + "   ".join(cells))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"Held-out log loss and ECE, {args.repeats} x {args.folds}-fold stratified CV, LogisticRegression")
    report("Tuning half", TUNING, args.folds, args.repeats)
    report("Reporting half", REPORTING, args.folds, args.repeats)


if __name__ == "__main__":
    main()
