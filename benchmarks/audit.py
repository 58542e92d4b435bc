"""datafix.audit against cleanlab's Datalab, side by side on the same data.

Part 1 (--sizes): the checks alone. Both get the same features and the same
out-of-fold probabilities (datafix's default model, a scaled logistic
regression, 5 stratified folds, computed once and timed separately); datafix runs every check, Datalab its default
issue types. Printed: time, ratio, peak memory (resident-set growth over the
call, sampled every 20 ms, so native allocations count too) and label-issue
F1 against the injected label noise.

Part 2 (--whole-sizes): a whole ``datafix.audit`` from raw data (out-of-fold
fitting included, default estimator), time and peak memory against the size
of the input.

Data: ``make_classification`` with 20 features (10 informative), 5 classes,
then 5% of labels flipped to another class at random (seeded).

    python benchmarks/audit.py                 # 20k and 100k side by side, whole audit at 100k and 1M
    python benchmarks/audit.py --quick         # 5k side by side, whole audit at 20k
    python benchmarks/audit.py --skip-datalab  # datafix only

Timings on a shared machine are noisy; run once, read ratios.

Datalab needs Hugging Face's ``datasets`` package, which datafix does not
depend on: ``pip install datasets`` before running Part 1 (or pass
``--skip-datalab``).
"""

from __future__ import annotations

import argparse
import os
import threading
import time

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402

import datafix as dfx  # noqa: E402

NOISE = 0.05


def rss_bytes() -> int:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Peak resident-set growth during a block, sampled in a thread."""

    def __enter__(self):
        self.start = rss_bytes()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())
        self.growth = self.peak - self.start


def make_data(n_rows: int, seed: int = 0):
    X, y = make_classification(n_samples=n_rows, n_features=20, n_informative=10, n_redundant=5, n_classes=5,
                               n_clusters_per_class=1, class_sep=1.5, random_state=seed)
    rng = np.random.default_rng(seed)
    flipped = rng.random(n_rows) < NOISE
    noisy = y.copy()
    noisy[flipped] = (y[flipped] + rng.integers(1, 5, flipped.sum())) % 5
    return X.astype(np.float64), noisy, flipped


def f1(found: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    tp = np.sum(found & truth)
    precision = tp / max(found.sum(), 1)
    recall = tp / max(truth.sum(), 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:7.0f} MiB"


def side_by_side(n_rows: int, skip_datalab: bool, n_jobs):
    X, y, flipped = make_data(n_rows)
    print(f"\n== {n_rows} rows x 20 features, 5 classes, {flipped.sum()} labels flipped ==")
    started = time.perf_counter()
    proba = dfx.out_of_fold_proba(None, X, y, cv=5, n_jobs=n_jobs, random_state=0)
    print(f"shared out-of-fold probabilities (logistic regression, 5 folds): {time.perf_counter() - started:.1f} s")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(20)])

    with PeakMemory() as memory:
        started = time.perf_counter()
        report = dfx.audit(frame, y=y, pred_proba=proba, n_jobs=n_jobs, random_state=0)
        datafix_seconds = time.perf_counter() - started
    datafix_memory = memory.growth
    datafix_f1 = f1(report.issues["is_label_issue"].to_numpy(), flipped)
    print(f"datafix.audit (all checks):   {datafix_seconds:7.1f} s  peak +{mib(datafix_memory)}  "
          f"label P/R/F1 = {datafix_f1[0]:.3f}/{datafix_f1[1]:.3f}/{datafix_f1[2]:.3f}")
    print("   per check: " + ", ".join(f"{r.check} {r.seconds:.1f}s" for r in report.summary.itertuples()))
    if skip_datalab:
        return
    from cleanlab import Datalab

    with PeakMemory() as memory:
        started = time.perf_counter()
        lab = Datalab(data=pd.DataFrame({"label": y}), label_name="label", verbosity=0)
        lab.find_issues(features=X, pred_probs=proba)
        datalab_seconds = time.perf_counter() - started
    datalab_f1 = f1(lab.get_issues("label")["is_label_issue"].to_numpy(), flipped)
    print(f"cleanlab Datalab (defaults):  {datalab_seconds:7.1f} s  peak +{mib(memory.growth)}  "
          f"label P/R/F1 = {datalab_f1[0]:.3f}/{datalab_f1[1]:.3f}/{datalab_f1[2]:.3f}")
    print(f"   issue types: {', '.join(lab.get_issue_summary()['issue_type'])}")
    print(f"ratio: datafix is {datalab_seconds / datafix_seconds:.1f}x faster; "
          f"peak memory {memory.growth / max(datafix_memory, 1):.1f}x less; "
          f"label F1 {datafix_f1[2]:.3f} vs {datalab_f1[2]:.3f}")


def whole_audit(n_rows: int, n_jobs):
    X, y, flipped = make_data(n_rows, seed=1)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(20)])
    frame["label"] = y
    input_bytes = frame.memory_usage(index=True, deep=True).sum()
    with PeakMemory() as memory:
        started = time.perf_counter()
        report = dfx.audit(frame, "label", n_jobs=n_jobs, random_state=0)
        seconds = time.perf_counter() - started
    precision, recall, score = f1(report.issues["is_label_issue"].to_numpy(), flipped)
    print(f"\n== whole datafix.audit, {n_rows} rows x 20 features (input {mib(input_bytes).strip()}) ==")
    print(f"{seconds:.1f} s, peak +{mib(memory.growth).strip()} = {memory.growth / input_bytes:.2f}x the input; "
          f"label P/R/F1 = {precision:.3f}/{recall:.3f}/{score:.3f}")
    print("   per check: " + ", ".join(f"{r.check} {r.seconds:.1f}s" for r in report.summary.itertuples()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (5k side by side, 20k whole)")
    parser.add_argument("--sizes", type=int, nargs="*", default=None)
    parser.add_argument("--whole-sizes", type=int, nargs="*", default=None)
    parser.add_argument("--skip-datalab", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=None)
    args = parser.parse_args()
    sizes = args.sizes if args.sizes is not None else ([5_000] if args.quick else [20_000, 100_000])
    whole = args.whole_sizes if args.whole_sizes is not None else ([20_000] if args.quick else [100_000, 1_000_000])
    print(f"datafix {dfx.__version__}; {os.cpu_count()} CPUs (shared: timings are noisy)")
    for n_rows in sizes:
        side_by_side(n_rows, args.skip_datalab, args.n_jobs)
    for n_rows in whole:
        whole_audit(n_rows, args.n_jobs)


if __name__ == "__main__":
    main()
