"""Overhead of datafix.Pipeline over imblearn.pipeline.Pipeline for the same steps.

Both pipelines fit identical steps on the same data; the ratio is datafix time
over imbalanced-learn time (best of --repeats runs each, interleaved, alternating which goes first), and peak
memory is measured with tracemalloc in a separate run of each.

Run: python benchmarks/pipeline_overhead.py [--rows 200000] [--quick]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline as ImblearnPipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import datafix as dfx

SCENARIOS = {
    "scaler + RandomUnderSampler + LogisticRegression": lambda: [
        ("scale", StandardScaler()),
        ("sample", RandomUnderSampler(random_state=0)),
        ("model", LogisticRegression(max_iter=200)),
    ],
    "scaler + SMOTE + LogisticRegression": lambda: [
        ("scale", StandardScaler()),
        ("sample", SMOTE(random_state=0)),
        ("model", LogisticRegression(max_iter=200)),
    ],
}


def timed_fit(pipeline_class, steps, X, y):
    started = time.perf_counter()
    pipeline_class(steps).fit(X, y)
    return time.perf_counter() - started


def peak_memory_mb(pipeline_class, steps, X, y):
    tracemalloc.start()
    pipeline_class(steps).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20k rows, 2 repeats")
    args = parser.parse_args()
    rows, repeats = (20_000, 2) if args.quick else (args.rows, args.repeats)
    X, y = make_classification(n_samples=rows, n_features=20, weights=[0.9], random_state=0)
    X = X.astype(np.float64)
    print(f"{rows} rows x 20 features, 10% minority; best of {repeats} fits")
    print(f"{'scenario':<52} {'imblearn s':>10} {'datafix s':>10} {'ratio':>6} {'imblearn MB':>12} {'datafix MB':>11}")
    for name, make_steps in SCENARIOS.items():
        imblearn_times, datafix_times = [], []
        for repeat in range(repeats):  # alternate which goes first, so neither pays for the other's allocations
            runs = [(ImblearnPipeline, imblearn_times), (dfx.Pipeline, datafix_times)]
            for pipeline_class, times in runs if repeat % 2 == 0 else runs[::-1]:
                times.append(timed_fit(pipeline_class, make_steps(), X, y))
        imblearn_mb = peak_memory_mb(ImblearnPipeline, make_steps(), X, y)
        datafix_mb = peak_memory_mb(dfx.Pipeline, make_steps(), X, y)
        best_imblearn, best_datafix = min(imblearn_times), min(datafix_times)
        print(
            f"{name:<52} {best_imblearn:>10.3f} {best_datafix:>10.3f} {best_datafix / best_imblearn:>6.3f} "
            f"{imblearn_mb:>12.1f} {datafix_mb:>11.1f}"
        )


if __name__ == "__main__":
    main()
