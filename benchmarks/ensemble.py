"""FixBaggingClassifier against imbalanced-learn's BalancedBaggingClassifier.

Every model is fitted on the same stratified cross-validation folds of the same
imbalanced data sets: scikit-learn's bundled sets with the minority class
subsampled to about 20:1, and generated ones (binary 20:1 and 50:1, three
classes 25:5:1). Each ensemble has 10 decision trees and default parameters;
nothing is tuned, so there is no tuning half to keep apart. Cross-validation is
repeated with --seeds seeds (seed s: folds shuffled with s, every model's
random_state=s), because one seed's ensembles differ by a few points of balanced
accuracy by chance alone. The table prints the balanced accuracy (mean and
standard deviation over all folds of all seeds) and the fit time relative to
BalancedBaggingClassifier (total over all fits).

Variants: imblearn's BalancedBaggingClassifier (random under-sampling inside a
plain bootstrap); FixBaggingClassifier with RandomUnderSampler (its default),
with ClassWeighter, and with SMOTE.

Run: python benchmarks/ensemble.py [--folds 5] [--seeds 3] [--n-jobs 1] [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from imblearn.ensemble import BalancedBaggingClassifier
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import RandomUnderSampler
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold

from datafix import ClassWeighter, FixBaggingClassifier


def subsample_minority(X, y, minority, ratio, random_state=0):
    """Keep every row of the other classes and 1/ratio as many rows of ``minority``."""
    rng = np.random.RandomState(random_state)
    minority_rows = np.flatnonzero(y == minority)
    keep = max(2, int(round((y != minority).sum() / ratio)))
    rows = np.sort(np.concatenate([np.flatnonzero(y != minority), rng.choice(minority_rows, keep, replace=False)]))
    return X[rows], y[rows]


def datasets(quick):
    scale = 0.4 if quick else 1.0
    cancer = load_breast_cancer()
    yield "breast_cancer 20:1", *subsample_minority(cancer.data, cancer.target, minority=0, ratio=20)
    digits = load_digits()
    yield "digits '9' vs rest 20:1", *subsample_minority(digits.data, (digits.target == 9).astype(int), 1, ratio=20)
    yield "generated 20:1 (5k x 20)", *make_classification(
        n_samples=int(5000 * scale), n_features=20, n_informative=6, weights=[20 / 21], flip_y=0.01, random_state=0
    )
    yield "generated 50:1 (10k x 20)", *make_classification(
        n_samples=int(10000 * scale), n_features=20, n_informative=6, weights=[50 / 51], flip_y=0.01, random_state=1
    )
    yield "generated 25:5:1 (6k x 20)", *make_classification(
        n_samples=int(6000 * scale), n_features=20, n_informative=6, n_classes=3, n_clusters_per_class=1,
        weights=[25 / 31, 5 / 31, 1 / 31], flip_y=0.01, random_state=2,
    )


def models(n_jobs):
    return {
        "imblearn BalancedBagging (RUS)": lambda seed: BalancedBaggingClassifier(
            n_estimators=10, n_jobs=n_jobs, random_state=seed
        ),
        "FixBagging RandomUnderSampler": lambda seed: FixBaggingClassifier(
            fixes=RandomUnderSampler(), n_estimators=10, n_jobs=n_jobs, random_state=seed
        ),
        "FixBagging ClassWeighter": lambda seed: FixBaggingClassifier(
            fixes=ClassWeighter(), n_estimators=10, n_jobs=n_jobs, random_state=seed
        ),
        "FixBagging SMOTE": lambda seed: FixBaggingClassifier(
            fixes=SMOTE(), n_estimators=10, n_jobs=n_jobs, random_state=seed
        ),
    }


def evaluate(make_model, X, y, n_folds, seeds):
    """Balanced accuracy of every fold of every seed, and the total fit time."""
    total, scores = 0.0, []
    for seed in range(seeds):
        for train, test in StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(X, y):
            model = make_model(seed)
            started = time.perf_counter()
            model.fit(X[train], y[train])
            total += time.perf_counter() - started
            scores.append(balanced_accuracy_score(y[test], model.predict(X[test])))
    return np.array(scores), total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="smaller generated sets, 3 folds, 1 seed")
    args = parser.parse_args()
    n_folds, seeds = (3, 1) if args.quick else (args.folds, args.seeds)
    print(
        f"10 trees per ensemble, {n_folds}-fold stratified CV x {seeds} seeds (same folds for every model), "
        f"n_jobs={args.n_jobs}"
    )
    print(f"{'data set':<42} {'model':<32} {'balanced acc':>14} {'fit s':>8} {'time ratio':>10}")
    for name, X, y in datasets(args.quick):
        counts = np.bincount(np.unique(y, return_inverse=True)[1])
        reference_time = None
        for model_name, make_model in models(args.n_jobs).items():
            scores, fit_time = evaluate(make_model, X, y, n_folds, seeds)
            reference_time = fit_time if reference_time is None else reference_time
            label = f"{name} [{'/'.join(map(str, counts))}]" if model_name.startswith("imblearn") else ""
            print(
                f"{label:<42} {model_name:<32} {scores.mean():>7.3f} ±{scores.std():.3f} "
                f"{fit_time:>8.2f} {fit_time / reference_time:>10.2f}"
            )


if __name__ == "__main__":
    main()
