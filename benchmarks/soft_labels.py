"""Label smoothing and mixup as fixes: held-out quality, cost, and the expansion's speed.

Run: ``python benchmarks/soft_labels.py`` (``--quick`` for a small run).

Part 1 - quality. For LogisticRegression and HistGradientBoostingClassifier on
scikit-learn's bundled data sets (breast cancer, wine, digits), clean and with
20% of the *training* labels flipped to another class, compares on held-out
(clean) labels: log loss, expected calibration error (top-label, 15 equal-width
bins) and accuracy, for

* ``none``: the estimator alone (the anchor);
* ``smooth 0.1`` / ``smooth 0.2``: ``LabelSmoother(epsilon)`` before it;
* ``mixup 0.2`` / ``mixup 1.0``: ``Mixup(mixup_alpha, n_samples=1.0)`` before it.

Each cell is the mean over ``--seeds`` (3) stratified train/test splits. Noise comes
from ``datafix.make_label_noise(kind="uniform")``: in every class, 20% of the
training rows get another class, uniformly at random. The fit time and peak Python memory
(tracemalloc) of each fit are printed as ratios to the anchor.

Part 2 - the expansion itself: ``LabelSmoother.fit_resample`` against a
hand-written per-row Python loop producing the same rows, on one data set, with
times, ratio and peak memory; the outputs are checked to be identical.

Timings on a shared machine are noisy; quality numbers are deterministic.
OpenMP threads default to 1 (``OMP_NUM_THREADS``) so that gradient boosting's
timings are not dominated by thread contention on a busy machine; set the
variable to change it.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy / scikit-learn load OpenMP
import sys
import time
import tracemalloc

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.preprocessing import StandardScaler

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
import datafix as dfx  # noqa: E402


def expected_calibration_error(y_true, probabilities, classes, n_bins=15):
    """Top-label ECE: sum over confidence bins of |accuracy - confidence| x bin share."""
    confidence = probabilities.max(axis=1)
    correct = classes[probabilities.argmax(axis=1)] == y_true
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        in_bin = bins == b
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return error


def flip_labels(y, rate, random_state):
    """Flip ``rate`` of each class's labels to another class, uniformly (datafix.make_label_noise)."""
    y_noisy, _ = dfx.make_label_noise(y, rate=rate, kind="uniform", random_state=random_state)
    return np.asarray(y_noisy)


def datasets(quick):
    yield "breast_cancer", *load_breast_cancer(return_X_y=True)
    yield "wine", *load_wine(return_X_y=True)
    if not quick:
        yield "digits", *load_digits(return_X_y=True)


def models():
    return {
        "LogReg": lambda: [StandardScaler(), LogisticRegression(max_iter=5000)],
        "HGB": lambda: [HistGradientBoostingClassifier(early_stopping=False, random_state=0)],
    }


FIXES = {
    "none": None,
    "smooth 0.1": lambda seed: dfx.LabelSmoother(epsilon=0.1),
    "smooth 0.2": lambda seed: dfx.LabelSmoother(epsilon=0.2),
    "mixup 0.2": lambda seed: dfx.Mixup(mixup_alpha=0.2, random_state=seed),
    "mixup 1.0": lambda seed: dfx.Mixup(mixup_alpha=1.0, random_state=seed),
}


def evaluate(steps, X_train, y_train, X_test, y_test, classes):
    pipe = dfx.make_pipeline(*steps)
    tracemalloc.start()
    started = time.perf_counter()
    pipe.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    probabilities = pipe.predict_proba(X_test)
    return {
        "log_loss": log_loss(y_test, probabilities, labels=classes),
        "ece": expected_calibration_error(y_test, probabilities, classes),
        "accuracy": accuracy_score(y_test, classes[probabilities.argmax(axis=1)]),
        "seconds": seconds,
        "peak_mb": peak / 1e6,
    }


def quality(quick, n_seeds):
    print("Part 1 - held-out quality (mean over %d splits; test labels always clean)" % n_seeds)
    header = f"{'dataset':<14}{'noise':>6} {'model':<7}{'fix':<11}{'log_loss':>9}{'ECE':>8}{'acc':>7}{'time x':>8}{'mem x':>7}"
    print(header)
    print("-" * len(header))
    for name, X, y in datasets(quick):
        classes = np.unique(y)
        splits = list(StratifiedShuffleSplit(n_splits=n_seeds, test_size=0.3, random_state=0).split(X, y))
        for noise in (0.0, 0.2):
            for model_name, make_model in models().items():
                results = {}
                for fix_name, make_fix in FIXES.items():
                    runs = []
                    for seed, (train, test) in enumerate(splits):
                        y_train = y[train]
                        if noise:
                            y_train = flip_labels(y_train, noise, random_state=seed)
                        model_steps = make_model()
                        steps = model_steps[:-1] + ([make_fix(seed)] if make_fix else []) + model_steps[-1:]
                        runs.append(evaluate(steps, X[train], y_train, X[test], y[test], classes))
                    results[fix_name] = {key: np.mean([run[key] for run in runs]) for key in runs[0]}
                anchor = results["none"]
                for fix_name, result in results.items():
                    print(
                        f"{name:<14}{noise:>6.0%} {model_name:<7}{fix_name:<11}{result['log_loss']:>9.4f}"
                        f"{result['ece']:>8.4f}{result['accuracy']:>7.3f}"
                        f"{result['seconds'] / anchor['seconds']:>8.2f}{result['peak_mb'] / anchor['peak_mb']:>7.2f}"
                    )
                sys.stdout.flush()
    print("label noise: datafix.make_label_noise(kind='uniform'), training labels only")


def loop_expansion(X, y, epsilon):
    """The anchor: expand row by row in Python, as one would without datafix."""
    classes = np.unique(y)
    prior = 1.0 / len(classes)
    rows, labels, weights = [], [], []
    for i in range(len(y)):
        for c in classes:
            rows.append(X[i])
            labels.append(c)
            weights.append((1 - epsilon) * (c == y[i]) + epsilon * prior)
    return np.array(rows), np.array(labels), np.array(weights)


def measure(function):
    """Time one run without tracing, then trace a second run for its peak memory."""
    started = time.perf_counter()
    output = function()
    seconds = time.perf_counter() - started
    del output
    tracemalloc.start()
    output = function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return output, seconds, peak / 1e6


def expansion_speed(quick):
    from sklearn.datasets import make_classification

    n_samples = 20_000 if quick else 200_000
    X, y = make_classification(n_samples=n_samples, n_features=20, n_classes=5, n_informative=6, random_state=0)
    print(f"\nPart 2 - expansion of {n_samples:,} rows x 20 features x 5 classes (epsilon=0.1)")
    ours, ours_seconds, ours_peak = measure(lambda: dfx.LabelSmoother(epsilon=0.1).fit_resample(X, y))
    loop, loop_seconds, loop_peak = measure(lambda: loop_expansion(X, y, 0.1))
    identical = all(np.allclose(a, b) for a, b in zip(ours, loop)) and np.array_equal(ours[1], loop[1])
    print(f"{'LabelSmoother.fit_resample':<28}{ours_seconds:>9.3f} s {ours_peak:>9.1f} MB peak")
    print(f"{'hand-written Python loop':<28}{loop_seconds:>9.3f} s {loop_peak:>9.1f} MB peak")
    print(f"speed-up x{loop_seconds / ours_seconds:.1f}, memory ratio {ours_peak / loop_peak:.2f}, identical output: {identical}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run: two data sets, two splits")
    parser.add_argument("--seeds", type=int, default=None, help="train/test splits per cell (default 3, quick 2)")
    args = parser.parse_args()
    n_seeds = args.seeds or (2 if args.quick else 3)
    quality(args.quick, n_seeds)
    expansion_speed(args.quick)


if __name__ == "__main__":
    main()
