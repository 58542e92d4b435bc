"""datafix's label-error detection against cleanlab, side by side on the same data.

Three parts:

1. **Detection** on scikit-learn's digits, wine and breast_cancer and a synthetic
   set (100k x 20, 5 classes, 2 clusters per class), each with 10% uniform and
   20% pairwise label noise (``datafix.datasets.make_label_noise``): precision,
   recall and F1 of the flagged rows against the truly flipped ones, for
   cleanlab's ``find_label_issues``, datafix ``"auto"`` (both on the *same*
   out-of-fold probabilities, from datafix's default estimator) and datafix
   ``"knn"`` alone.
2. **Downstream accuracy** on a clean test split (25%, labels never noised) of
   the default model trained on the noisy labels, after ``LabelCleaner``
   (drop) in a ``datafix.Pipeline``, and with cleanlab's ``CleanLearning``
   around the same model; the model on the clean labels is the ceiling.
3. **Speed**: ``find_label_issues`` with given probabilities of 1M x 10 against
   cleanlab's ``find_label_issues`` on the same input; the whole call with the
   default estimator on 100k x 20 against cleanlab's
   ``CleanLearning.find_label_issues`` with the same model. Each timed call runs
   in a forked process, whose peak resident memory above its size at the start
   is reported.

4. **Protocol** (issue 13): a *tune half* and a *report half* of datasets, each
   with uniform, pairwise and instance-dependent noise (flips drawn from a
   model's confusion, ``make_label_noise(kind="instance")``), on balanced and
   imbalanced (20:1 and more) data, unscaled features. The rule of ``"auto"``
   (class-balanced log loss choice of the mixture weight) and the default of
   ``LabelCleaner(max_class_fraction=)`` were chosen on the tune half only;
   the report half was run once after. Both halves print detection F1 of
   cleanlab and of datafix on the same out-of-fold probabilities, the share of
   clean minority rows flagged, and the minority recall of a downstream model
   after LabelCleaner against no cleaning.

5. **Regression** (issue 13): generated and scikit-learn regression sets with
   unscaled features and 2% or 5% of the targets shifted by 3 to 8 residual
   standard deviations (the out-of-fold residual SD of the better of the two
   models on the clean target). datafix's residual rule (a grid of
   thresholds, with and without one refit) against cleanlab's regression
   ``CleanLearning`` with the same base model on the same encoded features
   and the same first folds; precision, recall and F1 against the shifted
   rows. Tune half and report half, as in the protocol.
6. **Multi-label**: one label flipped in 10% of the rows of
   ``make_multilabel_classification`` sets; F1 against the flips, and whether
   the mask equals cleanlab's multi-label filter on the same probabilities.

    python benchmarks/label_issues.py --part protocol   # --half tune / report / fresh
    python benchmarks/label_issues.py --part regression --half tune   # then --half report, once
    python benchmarks/label_issues.py --part multilabel
    python benchmarks/label_issues.py --part speed-auto   # 'auto' against 'confident_learning', 100k x 20
    python benchmarks/label_issues.py            # full sizes
    python benchmarks/label_issues.py --quick    # 10k synthetic rows, 100k x 10 probabilities
    python benchmarks/label_issues.py --quick --part estimators   # how the default estimator was chosen

Timings on a shared machine are noisy: run once, read ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
import warnings

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import cleanlab.filter
import numpy as np
from cleanlab.classification import CleanLearning
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_wine,
    make_classification,
)
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import train_test_split

import datafix as dfx
from datafix.datasets import make_label_noise
from datafix.labels import make_default_estimator

NOISE = [("uniform", 0.1), ("pairwise", 0.2)]


def synthetic(n_samples):
    return make_classification(
        n_samples=n_samples, n_features=20, n_informative=10, n_redundant=4, n_classes=5,
        n_clusters_per_class=2, class_sep=1.5, random_state=0,
    )


def datasets(n_synthetic):
    yield "digits", *load_digits(return_X_y=True)
    yield "wine", *load_wine(return_X_y=True)
    yield "breast_cancer", *load_breast_cancer(return_X_y=True)
    yield f"synthetic_{n_synthetic // 1000}k", *synthetic(n_synthetic)


def _child(conn, function):
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn.send((seconds, (peak - start) / 1024, result))
    conn.close()


def measured(function):
    """Run ``function`` in a forked process: (seconds, peak MiB above the start, its result)."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, function))
    process.start()
    child.close()
    outcome = parent.recv()
    process.join()
    return outcome


def scores(truth, flagged):
    precision, recall, f1, _ = precision_recall_fscore_support(truth, flagged, average="binary", zero_division=0)
    return precision, recall, f1


def detection(n_synthetic):
    print("\n== Detection: flagged rows against truly flipped rows (same out-of-fold probabilities) ==")
    header = f"{'data':<16}{'noise':<14}{'method':<22}{'precision':>10}{'recall':>8}{'F1':>8}{'seconds':>9}"
    print(header)
    rows = []
    for name, X, y in datasets(n_synthetic):
        for kind, rate in NOISE:
            y_noisy, flipped = make_label_noise(y, rate=rate, kind=kind, random_state=0)
            started = time.perf_counter()
            proba = dfx.out_of_fold_proba(None, X, y_noisy, random_state=0)
            oof_seconds = time.perf_counter() - started
            results = {}
            started = time.perf_counter()
            results["cleanlab"] = cleanlab.filter.find_label_issues(y_noisy, proba)
            cleanlab_seconds = time.perf_counter() - started
            started = time.perf_counter()
            results["datafix auto"] = dfx.find_label_issues(X, y_noisy, pred_proba=proba)["is_label_issue"]
            auto_seconds = time.perf_counter() - started
            started = time.perf_counter()
            results["datafix knn"] = dfx.find_label_issues(X, y_noisy, method="knn")["is_label_issue"]
            knn_seconds = time.perf_counter() - started
            seconds = {"cleanlab": cleanlab_seconds, "datafix auto": auto_seconds, "datafix knn": knn_seconds}
            f1 = {}
            for method, flagged in results.items():
                precision, recall, f1[method] = scores(flipped, np.asarray(flagged))
                print(f"{name:<16}{kind + f' {rate:.0%}':<14}{method:<22}{precision:>10.3f}{recall:>8.3f}"
                      f"{f1[method]:>8.3f}{seconds[method]:>9.2f}")
            print(f"{'':<30}(out-of-fold probabilities, default estimator: {oof_seconds:.1f} s)")
            rows.append((name, kind, f1))
    print("\nF1 summary")
    print(f"{'data':<16}{'noise':<10}{'cleanlab':>10}{'auto':>8}{'knn':>8}{'auto - cleanlab':>17}")
    for name, kind, f1 in rows:
        print(f"{name:<16}{kind:<10}{f1['cleanlab']:>10.3f}{f1['datafix auto']:>8.3f}{f1['datafix knn']:>8.3f}"
              f"{f1['datafix auto'] - f1['cleanlab']:>+17.3f}")
    means = {method: np.mean([f1[method] for _, _, f1 in rows]) for method in rows[0][2]}
    worst = min(f1["datafix auto"] - f1["cleanlab"] for _, _, f1 in rows)
    print(f"{'mean':<26}{means['cleanlab']:>10.3f}{means['datafix auto']:>8.3f}{means['datafix knn']:>8.3f}"
          f"{means['datafix auto'] - means['cleanlab']:>+17.3f}")
    print(f"smallest auto - cleanlab over the {len(rows)} cases: {worst:+.3f}")


def downstream(n_synthetic):
    print("\n== Accuracy on a clean test split (default model: scaled logistic regression) ==")
    print(f"{'data':<16}{'noise':<10}{'clean labels':>13}{'noisy':>8}{'LabelCleaner':>14}{'CleanLearning':>15}"
          f"{'t LabelCleaner':>16}{'t CleanLearning':>17}")
    gains = []
    for name, X, y in datasets(n_synthetic):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
        ceiling = make_default_estimator(X_train).fit(X_train, y_train).score(X_test, y_test)
        for kind, rate in NOISE:
            y_noisy, _ = make_label_noise(y_train, rate=rate, kind=kind, random_state=0)
            noisy = make_default_estimator(X_train).fit(X_train, y_noisy).score(X_test, y_test)
            started = time.perf_counter()
            cleaned = dfx.make_pipeline(dfx.LabelCleaner(random_state=0), make_default_estimator(X_train))
            cleaned_score = cleaned.fit(X_train, y_noisy).score(X_test, y_test)
            cleaner_seconds = time.perf_counter() - started
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                learning = CleanLearning(make_default_estimator(X_train), seed=0)
                learning_score = learning.fit(X_train, y_noisy).score(X_test, y_test)
            learning_seconds = time.perf_counter() - started
            gains.append((cleaned_score - noisy, cleaned_score - learning_score))
            print(f"{name:<16}{kind:<10}{ceiling:>13.3f}{noisy:>8.3f}{cleaned_score:>14.3f}{learning_score:>15.3f}"
                  f"{cleaner_seconds:>15.1f}s{learning_seconds:>16.1f}s")
    gains = np.array(gains)
    print(f"mean accuracy gain of LabelCleaner: {gains[:, 0].mean():+.4f} over noisy labels, "
          f"{gains[:, 1].mean():+.4f} over CleanLearning")


def estimators(n_synthetic):
    """How the default estimator was chosen: detection F1 ("auto") against the time of the five folds."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    print("\n== Default estimator: logistic regression (datafix's default) against gradient boosting ==")
    print(f"{'data':<16}{'noise':<10}{'model':<22}{'F1 cleanlab':>12}{'F1 auto':>9}{'out-of-fold s':>15}")
    totals = {}
    for name, X, y in datasets(n_synthetic):
        for kind, rate in NOISE:
            y_noisy, flipped = make_label_noise(y, rate=rate, kind=kind, random_state=0)
            for label, model in (("logistic (default)", None),
                                 ("HistGradientBoosting", HistGradientBoostingClassifier(random_state=0))):
                started = time.perf_counter()
                proba = dfx.out_of_fold_proba(model, X, y_noisy, random_state=0)
                seconds = time.perf_counter() - started
                f1_cleanlab = scores(flipped, cleanlab.filter.find_label_issues(y_noisy, proba))[2]
                f1_auto = scores(flipped, dfx.find_label_issues(X, y_noisy, pred_proba=proba)["is_label_issue"])[2]
                totals.setdefault(label, []).append((f1_auto, seconds))
                print(f"{name:<16}{kind:<10}{label:<22}{f1_cleanlab:>12.3f}{f1_auto:>9.3f}{seconds:>15.1f}")
    for label, values in totals.items():
        values = np.array(values)
        print(f"{label:<22} mean F1 auto {values[:, 0].mean():.3f}, total out-of-fold time {values[:, 1].sum():.0f} s")


def noisy_probabilities(n_rows, n_classes, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_rows)
    logits = rng.normal(size=(n_rows, n_classes))
    logits[np.arange(n_rows), y] += 2.5
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    y_noisy, flipped = make_label_noise(y, rate=0.1, random_state=seed)
    return y_noisy, proba, flipped


def speed(n_proba_rows, n_whole, parts=("speed-proba", "speed-whole")):
    if "speed-proba" in parts:
        speed_proba(n_proba_rows)
    if "speed-whole" in parts:
        speed_whole(n_whole)


def speed_proba(n_proba_rows):
    print(f"\n== Speed: given probabilities, {n_proba_rows:,} x 10 (each call in a forked process) ==")
    y, proba, _ = noisy_probabilities(n_proba_rows, 10)
    runs = [
        ("cleanlab find_label_issues (n_jobs=None: all cores)",
         lambda: cleanlab.filter.find_label_issues(y, proba)),
        ("cleanlab find_label_issues (n_jobs=1)",
         lambda: cleanlab.filter.find_label_issues(y, proba, n_jobs=1)),
        ("datafix find_label_issues (n_jobs=None)",
         lambda: dfx.find_label_issues(None, y, pred_proba=proba)["is_label_issue"].to_numpy()),
        ("datafix find_label_issues (n_jobs=-1)",
         lambda: dfx.find_label_issues(None, y, pred_proba=proba, n_jobs=-1)["is_label_issue"].to_numpy()),
    ]
    repeats = 5
    outcomes = {label: [] for label, _ in runs}
    for _ in range(repeats):  # interleaved, so that a burst of load elsewhere hits every variant
        for label, function in runs:
            outcomes[label].append(measured(function))
    print(f"  ({repeats} interleaved runs each; fastest and median time)")
    reference_label = runs[0][0]
    reference_best = min(seconds for seconds, _, _ in outcomes[reference_label])
    reference_mask = np.asarray(outcomes[reference_label][0][2])
    for label, results in outcomes.items():
        times = np.array([seconds for seconds, _, _ in results])
        peak = max(peak for _, peak, _ in results)
        same = all(np.array_equal(np.asarray(mask), reference_mask) for _, _, mask in results)
        print(f"  {label:<55} fastest {times.min():>6.2f} s  median {np.median(times):>6.2f} s  "
              f"ratio to cleanlab {times.min() / reference_best:>5.2f}  peak +{peak:>5.0f} MiB  "
              f"same mask as cleanlab: {same}")


def speed_whole(n_whole):
    print(f"\n== Speed: the whole call with the default estimator, {n_whole:,} x 20, 5 classes ==")
    X, y_clean = synthetic(n_whole)
    y_noisy, flipped = make_label_noise(y_clean, rate=0.1, random_state=0)
    runs = [
        ("cleanlab CleanLearning(default model).find_label_issues",
         lambda: CleanLearning(make_default_estimator(X), seed=0).find_label_issues(X, y_noisy)["is_label_issue"]
         .to_numpy()),
        ("datafix find_label_issues(method='confident_learning')",
         lambda: dfx.find_label_issues(X, y_noisy, method="confident_learning", random_state=0)["is_label_issue"]
         .to_numpy()),
        ("datafix find_label_issues(method='knn')",
         lambda: dfx.find_label_issues(X, y_noisy, method="knn")["is_label_issue"].to_numpy()),
        ("datafix find_label_issues() ('auto', the default)",
         lambda: dfx.find_label_issues(X, y_noisy, random_state=0)["is_label_issue"].to_numpy()),
        ("datafix find_label_issues(n_jobs=2) (folds in parallel)",
         lambda: dfx.find_label_issues(X, y_noisy, random_state=0, n_jobs=2)["is_label_issue"].to_numpy()),
    ]
    reference = None
    for label, function in runs:
        seconds, peak, mask = measured(function)
        reference = reference or seconds
        f1 = scores(flipped, mask)[2]
        print(f"  {label:<58}{seconds:>7.1f} s  ratio {seconds / reference:>5.2f}  peak +{peak:>6.0f} MiB  F1 {f1:.3f}")


def speed_auto(n_whole, repeats=3):
    """``method="auto"`` against ``method="confident_learning"`` (the same out-of-fold model), interleaved runs."""
    print(f"\n== Speed: 'auto' against 'confident_learning', {n_whole:,} x 20, 5 classes, {repeats} interleaved runs ==")
    X, y_clean = synthetic(n_whole)
    y_noisy, _ = make_label_noise(y_clean, rate=0.1, random_state=0)
    times = {"confident_learning": [], "auto": []}
    loads = []
    for _ in range(repeats):
        for method in times:
            loads.append(os.getloadavg()[0])
            seconds, _, _ = measured(lambda method=method: dfx.find_label_issues(X, y_noisy, method=method,
                                                                                 random_state=0)["is_label_issue"])
            times[method].append(seconds)
    for method, values in times.items():
        print(f"  {method:<20} fastest {min(values):6.2f} s  median {np.median(values):6.2f} s  all "
              f"{', '.join(f'{v:.2f}' for v in values)}")
    print(f"  ratio auto / confident_learning: fastest {min(times['auto']) / min(times['confident_learning']):.2f}, "
          f"median {np.median(times['auto']) / np.median(times['confident_learning']):.2f}; load average (1 min) "
          f"{min(loads):.1f}-{max(loads):.1f}")


def _unscaled(X, seed):
    """Columns on wildly different scales and offsets, as raw data has them."""
    rng = np.random.default_rng(seed)
    return X * 10 ** rng.uniform(-2, 3, X.shape[1]) + rng.normal(0, 100, X.shape[1])


def _to_ratio(X, y, minority, ratio, seed):
    """Subsample class ``minority`` to 1/``ratio`` of the largest class."""
    rng = np.random.default_rng(seed)
    members = np.flatnonzero(y == minority)
    n_keep = max(int(round(np.bincount(y).max() / ratio)), 5)
    keep = np.ones(len(y), dtype=bool)
    keep[rng.choice(members, len(members) - n_keep, replace=False)] = False
    return X[keep], y[keep]


def protocol_datasets(half):
    """(name, X, y, imbalanced) of one half; the halves share no dataset."""
    from sklearn.datasets import load_iris

    if half == "tune":
        yield "wine", *load_wine(return_X_y=True), False
        yield "breast_cancer", *load_breast_cancer(return_X_y=True), False
        X, y = make_classification(2000, 20, n_informative=8, n_redundant=4, n_classes=4, n_clusters_per_class=2,
                                   class_sep=1.2, random_state=1)
        yield "synthetic_A", _unscaled(X, 1), y, False
        X, y = make_classification(3000, 15, n_informative=6, n_redundant=3, n_classes=2, weights=[20 / 21],
                                   class_sep=1.0, flip_y=0, random_state=2)
        yield "imbalanced_A 20:1", _unscaled(X, 2), y, True
        X, y = load_breast_cancer(return_X_y=True)
        yield "breast_cancer 20:1", *_to_ratio(X, 1 - y, 1, 20, 0), True
    elif half == "fresh":  # defined and committed after the report half had been run twice, before its own first run
        from sklearn.datasets import make_gaussian_quantiles, make_moons

        X, y = make_classification(2500, 12, n_informative=6, n_redundant=2, n_classes=3, n_clusters_per_class=1,
                                   class_sep=1.3, random_state=5)
        yield "synthetic_C (3 classes)", _unscaled(X, 5), y, False
        X, y = make_gaussian_quantiles(n_samples=2000, n_features=6, n_classes=3, random_state=6)
        yield "quantiles (3 shells)", _unscaled(X, 6), y, False
        X, y = make_moons(2000, noise=0.25, random_state=7)
        X = np.hstack([X, np.random.default_rng(7).normal(size=(len(X), 3))])
        yield "moons + 3 noise columns", _unscaled(X, 7), y, False
        X, y = make_classification(3000, 10, n_informative=5, n_redundant=2, n_classes=2, weights=[30 / 31],
                                   n_clusters_per_class=1, class_sep=1.5, flip_y=0, random_state=8)
        yield "imbalanced_C 30:1", _unscaled(X, 8), y, True
        X, y = make_classification(4000, 15, n_informative=6, n_redundant=3, n_classes=4, n_clusters_per_class=1,
                                   class_sep=1.5, flip_y=0, random_state=9)
        yield "imbalanced_D 20:1 (4 classes)", *_to_ratio(_unscaled(X, 9), y, 3, 20, 9), True
    else:
        yield "digits", *load_digits(return_X_y=True), False
        yield "iris", *load_iris(return_X_y=True), False
        X, y = make_classification(3000, 25, n_informative=10, n_redundant=5, n_classes=5, n_clusters_per_class=2,
                                   class_sep=1.5, random_state=3)
        yield "synthetic_B", _unscaled(X, 3), y, False
        X, y = make_classification(4200, 20, n_informative=8, n_redundant=4, n_classes=3, weights=[0.49, 0.49, 0.02],
                                   n_clusters_per_class=2, class_sep=1.2, flip_y=0, random_state=4)
        yield "imbalanced_B 25:1", _unscaled(X, 4), y, True
        X, y = load_digits(return_X_y=True)
        yield "digits 3-vs-rest 20:1", *_to_ratio(X, (y == 3).astype(int), 1, 20, 1), True


def protocol_noises(imbalanced):
    if imbalanced:  # symmetric: the same share of every class; 5% of a 20x larger class already doubles the rare label
        return [("uniform", 0.05), ("pairwise", 0.05), ("instance", 0.05)]
    return [("uniform", 0.1), ("pairwise", 0.2), ("instance", 0.15)]


def protocol(halves=("tune", "report")):
    from sklearn.metrics import balanced_accuracy_score, recall_score

    from datafix._tabular import encode_features
    from datafix.labels._encoding import default_classifier
    from datafix.labels.cleaner import DEFAULT_MAX_CLASS_FRACTION, limit_per_class

    for half in halves:
        print(f"\n== Protocol, {half} half: detection F1 on the same out-of-fold probabilities (default model) ==")
        print(f"{'data':<24}{'noise':<14}{'cleanlab':>9}{'datafix':>9}{'diff':>8}{'w':>5}"
              f"{'clean minority flagged (cl / df / LabelCleaner acts on)':>58}")
        differences = []
        safety = []
        for name, X, y, imbalanced in protocol_datasets(half):
            encoded = encode_features(X)
            clean_proba = dfx.out_of_fold_proba(default_classifier(), encoded, y, random_state=1)
            minority = int(np.argmin(np.bincount(y)))
            for kind, rate in protocol_noises(imbalanced):
                extra = {"pred_proba": clean_proba} if kind == "instance" else {}
                y_noisy, flipped = make_label_noise(y, rate=rate, kind=kind, random_state=0, **extra)
                proba = dfx.out_of_fold_proba(default_classifier(), encoded, y_noisy, random_state=0)
                by_cleanlab = np.asarray(cleanlab.filter.find_label_issues(y_noisy, proba.astype(np.float32)))
                found = dfx.find_label_issues(X, y_noisy, pred_proba=proba)
                by_datafix = found["is_label_issue"].to_numpy()
                f1_cleanlab, f1_datafix = scores(flipped, by_cleanlab)[2], scores(flipped, by_datafix)[2]
                differences.append(f1_datafix - f1_cleanlab)
                shares = ""
                if imbalanced:
                    clean_minority = (y == minority) & ~flipped
                    # what LabelCleaner() acts on: the flags within its default max_class_fraction of each class
                    acted = limit_per_class(by_datafix, np.unique(y_noisy, return_inverse=True)[1],
                                            found["label_quality"].to_numpy(), DEFAULT_MAX_CLASS_FRACTION)
                    shares = (f"{by_cleanlab[clean_minority].mean():>48.2f} / {by_datafix[clean_minority].mean():.2f}"
                              f" / {acted[clean_minority].mean():.2f}")
                    safety.append((name, kind, X, y, y_noisy, minority))
                print(f"{name:<24}{kind + f' {rate:.0%}':<14}{f1_cleanlab:>9.3f}{f1_datafix:>9.3f}"
                      f"{f1_datafix - f1_cleanlab:>+8.3f}{found.attrs['model_weight']:>5.1f}{shares}")
        differences = np.array(differences)
        print(f"{half} half, {len(differences)} cases: mean datafix - cleanlab {differences.mean():+.3f}, "
              f"worst {differences.min():+.3f}, cases below cleanlab by more than 0.005: "
              f"{int(np.sum(differences < -0.005))}")
        print(f"\n-- {half} half: minority recall / balanced accuracy on a clean 30% test split, default model --")
        print(f"{'data':<24}{'noise':<10}{'noisy labels':>16}{'LabelCleaner drop':>20}{'LabelCleaner relabel':>22}")
        for name, kind, X, y, _, minority in safety:
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
            extra = {}
            if kind == "instance":
                extra["pred_proba"] = dfx.out_of_fold_proba(None, X_train, y_train, random_state=1)
            y_noisy, _ = make_label_noise(y_train, rate=0.05, kind=kind, random_state=0, **extra)
            cells = []
            for steps in ([], [dfx.LabelCleaner(random_state=0)], [dfx.LabelCleaner(action="relabel", random_state=0)]):
                model = dfx.make_pipeline(*steps, make_default_estimator(X_train)).fit(X_train, y_noisy)
                predicted = model.predict(X_test)
                cells.append(f"{recall_score(y_test, predicted, labels=[minority], average='macro'):.2f} / "
                             f"{balanced_accuracy_score(y_test, predicted):.3f}")
            print(f"{name:<24}{kind:<10}{cells[0]:>16}{cells[1]:>20}{cells[2]:>22}")


# --- continuous and multi-label targets (issue 13) -------------------------------------------------------------

def regression_datasets(half):
    """(name, X, y) of one half; unscaled features. The halves share no dataset."""
    from sklearn.datasets import (
        load_diabetes,
        make_friedman1,
        make_friedman2,
        make_regression,
    )

    if half == "tune":
        X, y = make_regression(1500, 20, n_informative=10, noise=10.0, random_state=11)
        yield "linear_A", _unscaled(X, 11), y
        X, y = make_friedman1(1500, 10, noise=1.0, random_state=12)
        yield "friedman1_A", _unscaled(X, 12), y
        yield "diabetes", *load_diabetes(return_X_y=True)
    else:
        X, y = make_regression(2500, 15, n_informative=8, noise=20.0, random_state=21)
        yield "linear_B", _unscaled(X, 21), y
        X, y = make_friedman1(2500, 12, noise=0.5, random_state=22)
        yield "friedman1_B", _unscaled(X, 22), y
        X, y = make_friedman2(1500, noise=30.0, random_state=23)
        yield "friedman2", _unscaled(X, 23), y


def regression_models():
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import RidgeCV

    return {"RidgeCV": RidgeCV(), "HistGradientBoosting": HistGradientBoostingRegressor(random_state=0)}


def inject_outlying_targets(y, residual_sd, rate, seed):
    """Shift ``rate`` of the targets by 3 to 8 residual standard deviations, up or down; (y_noisy, is_shifted)."""
    rng = np.random.default_rng(seed)
    shifted = np.zeros(len(y), dtype=bool)
    shifted[rng.choice(len(y), round(rate * len(y)), replace=False)] = True
    y_noisy = y.astype(np.float64).copy()
    y_noisy[shifted] += rng.choice([-1.0, 1.0], shifted.sum()) * rng.uniform(3, 8, shifted.sum()) * residual_sd
    return y_noisy, shifted


REGRESSION_GRID = [(threshold, 0) for threshold in (2.5, 3.0, 3.5, 4.0, 5.0)] + [(t, 1) for t in (3.0, 3.5, 4.0)]


def regression(halves=("tune", "report"), only_default=False):
    """Detection of outlying targets: datafix's rule (grid of thresholds and refit rounds) against cleanlab's
    regression CleanLearning, on the same encoded features, the same base model and the same folds."""
    from cleanlab.regression.learn import CleanLearning as RegressionCleanLearning
    from sklearn.model_selection import KFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    from datafix._tabular import encode_features
    from datafix.labels.regression import regression_issues

    print(f"load average {os.getloadavg()[0]:.1f}; OpenMP/BLAS threads limited to 1 (shared machine)")
    for half in halves:
        print(f"\n== Regression, {half} half: outlying targets (3-8 residual SDs) against injected truth ==")
        print(f"{'data':<13}{'rate':>5}{'seed':>5} {'model':<21}{'rule':<22}{'precision':>10}{'recall':>8}{'F1':>7}"
              f"{'flagged':>8}{'seconds':>9}")
        totals = {}
        for name, X, y in regression_datasets(half):
            encoded = encode_features(X)
            with threadpool_limits(1):
                sd = min(np.std(y - cross_val_predict(model, encoded, y, cv=KFold(5, shuffle=True, random_state=0)))
                         for model in regression_models().values())
            for rate, seed in ((0.02, 0), (0.05, 1)):
                y_noisy, shifted = inject_outlying_targets(y, sd, rate, seed + (0 if half == "tune" else 100))
                candidates = [] if only_default else list(regression_models().items())
                for label, model in [*candidates, ("datafix default", None)]:
                    # cleanlab's CleanLearning(seed=seed) seeds numpy's global generator and then shuffles its
                    # first KFold with it: the same folds
                    np.random.seed(seed)
                    folds = list(KFold(5, shuffle=True).split(encoded))
                    rows = []
                    if model is None:  # the default: the better fitting of ridge and boosting, the chosen rule
                        with threadpool_limits(1):
                            started = time.perf_counter()
                            found = regression_issues(None, encoded, y_noisy, folds=folds)
                            seconds = time.perf_counter() - started
                        flagged = found["is_label_issue"].to_numpy()
                        precision, recall, f1 = scores(shifted, flagged)
                        totals.setdefault((label, "chosen rule"), []).append((precision, recall, f1, seconds))
                        print(f"{name:<13}{rate:>5.0%}{seed:>5} {label:<21}{found.attrs['model'][:22]:<22}"
                              f"{precision:>10.3f}{recall:>8.3f}{f1:>7.3f}{int(flagged.sum()):>8}{seconds:>9.2f}")
                        continue
                    with threadpool_limits(1):
                        started = time.perf_counter()
                        first = regression_issues(encoded, None, y_noisy, estimator=model, folds=folds,
                                                  refit_rounds=0)["suggested_label"].to_numpy()
                        first_seconds = time.perf_counter() - started
                        for threshold, rounds in REGRESSION_GRID:
                            started = time.perf_counter()
                            if rounds == 0:  # the first round's predictions, cut at each threshold
                                found = regression_issues(None, None, y_noisy, predictions=first,
                                                          threshold=threshold)
                            else:
                                found = regression_issues(encoded, None, y_noisy, estimator=model, folds=folds,
                                                          threshold=threshold, refit_rounds=rounds)
                            if rounds == 0:
                                started -= first_seconds
                            rows.append((f"datafix |z|>{threshold} refit {rounds}",
                                         found["is_label_issue"].to_numpy(), time.perf_counter() - started))
                        started = time.perf_counter()
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            learning = RegressionCleanLearning(model, cv_n_folds=5, seed=seed)
                            flagged = learning.find_label_issues(encoded, y_noisy)["is_label_issue"].to_numpy()
                        rows.append(("cleanlab CleanLearning", flagged, time.perf_counter() - started))
                    for rule, flagged, seconds in rows:
                        precision, recall, f1 = scores(shifted, flagged)
                        totals.setdefault((label, rule), []).append((precision, recall, f1, seconds))
                        print(f"{name:<13}{rate:>5.0%}{seed:>5} {label:<21}{rule:<22}{precision:>10.3f}"
                              f"{recall:>8.3f}{f1:>7.3f}{int(flagged.sum()):>8}{seconds:>9.2f}")
        print(f"\n-- {half} half, means over {len(next(iter(totals.values())))} cases --")
        print(f"{'model':<21}{'rule':<26}{'precision':>10}{'recall':>8}{'F1':>7}{'seconds':>9}")
        for (label, rule), values in totals.items():
            values = np.array(values)
            print(f"{label:<21}{rule:<26}{values[:, 0].mean():>10.3f}{values[:, 1].mean():>8.3f}"
                  f"{values[:, 2].mean():>7.3f}{values[:, 3].mean():>9.2f}")


def multilabel(halves=("tune", "report")):
    """Multi-label: datafix's flags against injected flips; cleanlab's multi-label filter on the same probabilities."""
    import cleanlab.multilabel_classification.filter as multilabel_filter
    from sklearn.datasets import make_multilabel_classification
    from sklearn.model_selection import KFold

    from datafix._tabular import encode_features
    from datafix.labels.multilabel import _label_lists, default_multilabel_classifier
    from datafix.labels.out_of_fold import _run_folds

    # sklearn's generator draws the labels of a row from a topic model (ambiguous even before any flip); the
    # "tags" sets are tags a model can learn: label j is on where a linear score of the features is positive
    settings = {"tune": [("sklearn", 1500, 20, 5, 1), ("sklearn", 2000, 30, 8, 2), ("tags", 2000, 10, 4, 5)],
                "report": [("sklearn", 2500, 25, 6, 3), ("sklearn", 1500, 15, 4, 4), ("tags", 3000, 12, 6, 6)]}
    for half in halves:
        print(f"\n== Multi-label, {half} half: one label flipped in 10% of the rows ==")
        print(f"{'data':<38}{'precision':>10}{'recall':>8}{'F1':>7}{'same mask as cleanlab':>23}")
        for kind, n_rows, n_features, n_labels, seed in settings[half]:
            rng = np.random.default_rng(seed)
            if kind == "sklearn":
                X, Y = make_multilabel_classification(n_rows, n_features, n_classes=n_labels, n_labels=2,
                                                      random_state=seed)
            else:
                X = _unscaled(rng.normal(size=(n_rows, n_features)), seed)
                scores_ = (X - X.mean(axis=0)) / X.std(axis=0) @ rng.normal(size=(n_features, n_labels))
                Y = (scores_ + rng.normal(scale=0.5, size=scores_.shape) > 0).astype(int)
            flipped = np.zeros(n_rows, dtype=bool)
            flipped[rng.choice(n_rows, n_rows // 10, replace=False)] = True
            Y_noisy = Y.copy()
            columns = rng.integers(0, n_labels, flipped.sum())
            Y_noisy[flipped, columns] = 1 - Y_noisy[flipped, columns]
            found = dfx.find_label_issues(X, Y_noisy, random_state=0)
            encoded = encode_features(X)
            folds = list(KFold(5, shuffle=True, random_state=0).split(encoded))
            proba = _run_folds(default_multilabel_classifier(), encoded, Y_noisy, folds, n_labels, output="multilabel")
            by_cleanlab = multilabel_filter.find_label_issues(_label_lists(Y_noisy), proba)
            same = np.array_equal(by_cleanlab, found["is_label_issue"].to_numpy())
            precision, recall, f1 = scores(flipped, found["is_label_issue"].to_numpy())
            label = f"{kind} {n_rows}x{n_features}, {n_labels} labels, seed {seed}"
            print(f"{label:<38}{precision:>10.3f}{recall:>8.3f}{f1:>7.3f}{same!s:>23}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--part", choices=["detection", "downstream", "speed", "speed-proba", "speed-whole", "estimators",
                                           "protocol", "regression", "regression-default", "multilabel",
                                           "speed-auto"],
                        action="append",
                        help="run only these parts (default: detection, downstream, speed; 'estimators' compares "
                             "the default model with gradient boosting and is slow)")
    parser.add_argument("--half", choices=["tune", "report", "fresh"], action="append",
                        help="protocol / regression / multilabel: only this half (default tune and report); 'fresh' "
                             "(protocol only): a third set of cases, for a check after the report half has been seen")
    args = parser.parse_args()
    n_synthetic = 10_000 if args.quick else 100_000
    parts = args.part or ["detection", "downstream", "speed"]
    print(f"cores: {os.cpu_count()}; timings are noisy on a shared machine")
    if "detection" in parts:
        detection(n_synthetic)
    if "downstream" in parts:
        downstream(n_synthetic)
    if "estimators" in parts:
        estimators(n_synthetic)
    if "protocol" in parts:
        protocol(args.half or ("tune", "report"))
    if "regression" in parts or "regression-default" in parts:
        regression(args.half or ("tune", "report"), only_default="regression" not in parts)
    if "multilabel" in parts:
        multilabel(args.half or ("tune", "report"))
    if "speed-auto" in parts:
        speed_auto(10_000 if args.quick else 100_000)
    speed_parts = ("speed-proba", "speed-whole") if "speed" in parts else [p for p in parts if p.startswith("speed")]
    speed(100_000 if args.quick else 1_000_000, 10_000 if args.quick else 100_000, speed_parts)


if __name__ == "__main__":
    main()
