"""Folds distributed by joblib's Dask backend give the same answer as the local run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from datafix import find_label_issues, out_of_fold_proba
from datafix.datasets import make_label_noise

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


def test_dask_backend_gives_the_local_result():
    X, y = make_classification(n_samples=300, n_features=5, n_informative=3, n_classes=3, random_state=0)
    y_noisy, _ = make_label_noise(y, rate=0.1, random_state=0)
    estimator = LogisticRegression(max_iter=500)
    local = find_label_issues(X, y_noisy, estimator=estimator, random_state=0)
    local_proba = out_of_fold_proba(estimator, X, y_noisy, random_state=0)
    with distributed.LocalCluster(
        n_workers=2, processes=True, host="127.0.0.1", threads_per_worker=1, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        with joblib.parallel_config(backend="dask"):
            remote = find_label_issues(X, y_noisy, estimator=estimator, random_state=0)
            remote_proba = out_of_fold_proba(estimator, X, y_noisy, random_state=0, n_jobs=-1)
        # the folds really ran on the workers, not in this process
        worker_logs = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert sum(worker_logs.values()) >= 10  # 5 folds of each call
    pd.testing.assert_frame_equal(local, remote)
    np.testing.assert_allclose(local_proba, remote_proba, rtol=1e-12)
