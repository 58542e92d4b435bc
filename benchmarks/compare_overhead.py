"""compare_fixes' own cost beyond fitting and scoring the candidates.

The same candidate pipelines are run twice on the same 5x2 folds of the same
data: once by ``compare_fixes`` and once by scikit-learn's ``cross_validate``
per candidate (the plain way to do it by hand, with the same scorers).
Printed: wall time of both, compare_fixes' time spent inside fits and scores,
its overhead (wall time minus that, as a share of wall time; the goal is
under 5%), and the ratio to the cross_validate loop.

Run one at a time on a quiet machine: ``python benchmarks/compare_overhead.py``.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import RandomUnderSampler
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate

import datafix as dfx
from datafix.metrics import get_scorers
from datafix.selection import DEFAULT_SCORING, build_pipeline


def main():
    for n_rows in (2_000, 20_000):
        X, y = make_classification(n_samples=n_rows, n_features=20, n_informative=8, weights=[0.95],
                                   random_state=0)
        candidates = {"none": [], "weights": dfx.ClassWeighter(), "under": RandomUnderSampler(random_state=0),
                      "smote": SMOTE(random_state=0)}
        model = LogisticRegression(max_iter=1000)
        folds = RepeatedStratifiedKFold(n_splits=2, n_repeats=5, random_state=0)
        scorers = get_scorers(list(DEFAULT_SCORING))

        def by_hand():  # the same pipelines, folds and scorers through scikit-learn's cross_validate
            started = time.perf_counter()
            for fixes in candidates.values():
                cross_validate(build_pipeline(fixes, model), X, y, cv=folds, scoring=scorers)
            return time.perf_counter() - started

        runs = []
        for _ in range(3):  # alternating, best of three: the first calls pay for imports and caches
            by_hand_seconds = by_hand()
            started = time.perf_counter()
            comparison = dfx.compare_fixes(candidates, X, y, estimator=model, preprocessing=None, random_state=0)
            runs.append((time.perf_counter() - started, comparison, by_hand_seconds))
        wall, comparison, _ = min(runs, key=lambda run: run[0])
        by_hand = min(run[2] for run in runs)
        tracemalloc.start()  # a separate run: tracing slows Python code down several times
        dfx.compare_fixes(candidates, X, y, estimator=model, preprocessing=None, random_state=0)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        overhead = (wall - comparison.fit_seconds) / wall
        print(f"{n_rows:>6} rows x 20, 4 candidates x 10 folds: compare_fixes {wall:.2f}s "
              f"(fits+scores {comparison.fit_seconds:.2f}s, overhead {100 * overhead:.1f}%, "
              f"peak traced {peak:.0f} MiB); cross_validate loop {by_hand:.2f}s; ratio {wall / by_hand:.2f}")


if __name__ == "__main__":
    main()
