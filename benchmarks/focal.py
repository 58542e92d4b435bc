"""Focal loss against cross-entropy on imbalanced data, for TorchClassifier and LightGBM.

Run: ``python benchmarks/focal.py`` (``--quick`` for a small size, ``--seeds N``).

Data
    * breast cancer (scikit-learn's bundled copy) made imbalanced with
      ``imblearn.datasets.make_imbalance``: every benign row, malignant rows
      cut to 1 per 10 benign;
    * a synthetic problem at 1:50 (``make_classification``, 20 features,
      8 informative, 1% label noise).

For each data set and seed: a stratified 70/30 split, features standardised,
then four variants of each model: cross-entropy, cross-entropy with
"balanced" class weights, focal loss (gamma=2) and focal loss with
balanced class weights. Reported on the test split: balanced accuracy (at
the argmax, i.e. threshold 0.5) and average precision of the minority class,
mean over seeds.

Speed: LightGBM's built-in ``binary`` objective against the focal objective
(``FocalBoostingClassifier``, same trees, ``n_jobs=1``), and against the focal
objective with gamma=0 (the pure cost of calling Python for gradients),
best of 3 fits. Peak memory: Python allocations during one fit (tracemalloc;
LightGBM's own C++ buffers are not traced), and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from imblearn.datasets import make_imbalance  # noqa: E402
from lightgbm import LGBMClassifier  # noqa: E402
from sklearn.datasets import load_breast_cancer, make_classification  # noqa: E402
from sklearn.metrics import average_precision_score, balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from datafix import ClassWeighter, TorchClassifier, make_pipeline  # noqa: E402
from datafix.losses import FocalBoostingClassifier  # noqa: E402


def datasets(quick: bool, seed: int):
    X, y = load_breast_cancer(return_X_y=True)
    # in this data set 0 = malignant (212 rows), 1 = benign (357); make malignant the rare class 1
    y = 1 - y
    n_benign = int((y == 0).sum())
    X_cancer, y_cancer = make_imbalance(X, y, sampling_strategy={0: n_benign, 1: n_benign // 10}, random_state=seed)
    n = 4_000 if quick else 20_000
    X_synthetic, y_synthetic = make_classification(
        n_samples=n, n_features=20, n_informative=8, weights=[50 / 51], flip_y=0.01, class_sep=1.0, random_state=seed
    )
    return {"breast_cancer 1:10": (X_cancer, y_cancer), "synthetic 1:50": (X_synthetic, y_synthetic)}


def torch_models(quick: bool, seed: int):
    common = dict(hidden_layer_sizes=(64, 32), max_epochs=30 if quick else 40, batch_size=128, lr=1e-3,
                  random_state=seed)
    return {
        "cross-entropy": TorchClassifier(loss="cross_entropy", **common),
        "cross-entropy + balanced": make_pipeline(ClassWeighter(), TorchClassifier(loss="cross_entropy", **common)),
        "focal g=2": TorchClassifier(loss="focal", gamma=2.0, **common),
        "focal g=2 + balanced": make_pipeline(ClassWeighter(), TorchClassifier(loss="focal", gamma=2.0, **common)),
    }


def lightgbm(seed: int, **params):
    return LGBMClassifier(n_estimators=200, learning_rate=0.05, num_leaves=15, n_jobs=1, verbosity=-1,
                          random_state=seed, **params)


def boosting_models(seed: int):
    return {
        "cross-entropy": lightgbm(seed, objective="binary"),
        "cross-entropy + balanced": make_pipeline(ClassWeighter(), lightgbm(seed, objective="binary")),
        "focal g=2": FocalBoostingClassifier(lightgbm(seed), gamma=2.0),
        "focal g=2 + balanced": make_pipeline(ClassWeighter(), FocalBoostingClassifier(lightgbm(seed), gamma=2.0)),
    }


def evaluate(model, X_train, y_train, X_test, y_test):
    started = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    probabilities = model.predict_proba(X_test)[:, 1]
    return (
        balanced_accuracy_score(y_test, (probabilities >= 0.5).astype(int)),
        average_precision_score(y_test, probabilities),
        seconds,
    )


def quality(quick: bool, seeds: int):
    results = {}  # (data, family, variant) -> list of (bacc, ap, seconds)
    for seed in range(seeds):
        for data_name, (X, y) in datasets(quick, seed).items():
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            for family, models in (("TorchClassifier", torch_models(quick, seed)), ("LightGBM", boosting_models(seed))):
                for variant, model in models.items():
                    results.setdefault((data_name, family, variant), []).append(
                        evaluate(model, X_train, y_train, X_test, y_test)
                    )
                    print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"\nQuality on the test split, mean over {seeds} seed(s) (balanced accuracy at threshold 0.5, "
          f"average precision of the minority class)")
    print(f"{'data':20s} {'model':16s} {'variant':26s} {'bal.acc':>8s} {'avg.prec':>9s} {'fit s':>7s}")
    for (data_name, family, variant), rows in results.items():
        bacc, ap, seconds = np.mean(rows, axis=0)
        print(f"{data_name:20s} {family:16s} {variant:26s} {bacc:8.3f} {ap:9.3f} {seconds:7.2f}")
    return results


def best_of(n, function):
    times = []
    for _ in range(n):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def speed(quick: bool):
    n = 20_000 if quick else 200_000
    X, y = make_classification(n_samples=n, n_features=20, n_informative=8, weights=[50 / 51], random_state=0)
    print(f"\nLightGBM fit time, {n} rows x 20 features, 200 trees, n_jobs=1, best of 3")
    builtin = best_of(3, lambda: lightgbm(0, objective="binary").fit(X, y))
    focal = best_of(3, lambda: FocalBoostingClassifier(lightgbm(0), gamma=2.0).fit(X, y))
    focal_zero = best_of(3, lambda: FocalBoostingClassifier(lightgbm(0), gamma=0.0).fit(X, y))
    print(f"  built-in binary objective      {builtin:7.3f} s")
    print(f"  focal objective, gamma=2       {focal:7.3f} s   ratio {focal / builtin:5.2f}x")
    print(f"  focal objective, gamma=0       {focal_zero:7.3f} s   ratio {focal_zero / builtin:5.2f}x")

    for name, make in (("built-in binary", lambda: lightgbm(0, objective="binary")),
                       ("focal gamma=2", lambda: FocalBoostingClassifier(lightgbm(0), gamma=2.0))):
        tracemalloc.start()
        make().fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak Python allocations during fit, {name:16s} {peak / 2**20:8.1f} MiB")
    print(f"  peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data, fewer epochs")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 1 quick, 3 full)")
    args = parser.parse_args()
    seeds = args.seeds or (1 if args.quick else 3)
    # tiny networks train faster on one thread, above all on a shared machine; same for both losses
    torch.set_num_threads(1)
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}, {os.cpu_count()} CPUs; timings are noisy on "
          f"a shared machine")
    quality(args.quick, seeds)
    speed(args.quick)


if __name__ == "__main__":
    main()
