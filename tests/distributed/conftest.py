"""One loopback LocalCluster for the distributed tests (2 worker processes, started once, closed at the end)."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

CLASSES = np.array(["ant", "bee", "cat", "dog", "eel"], dtype=object)
PROBA_COLUMNS = [f"proba_{c}" for c in CLASSES]


@pytest.fixture(scope="session")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def make_frame(n_rows: int, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """``n_rows`` rows, 8 feature columns, 5 imbalanced classes, out-of-fold-like probability columns.

    Injected: exact duplicates, conflicting copies (same features, another
    label), missing cells, a constant column and label noise. Returns the
    frame and the injected truth.
    """
    rng = np.random.default_rng(seed)
    true = rng.choice(5, size=n_rows, p=[0.5, 0.25, 0.15, 0.07, 0.03])
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n_rows) + true * (i % 3) * 0.5 for i in range(4)})
    frame["rounded"] = np.round(rng.normal(size=n_rows), 1)
    frame["colour"] = rng.choice(["red", "green", "blue", None], size=n_rows).astype(object)
    frame["count"] = rng.integers(0, 50, size=n_rows)
    frame["constant"] = 7
    frame.loc[rng.random(n_rows) < 0.01, "x1"] = np.nan
    frame.loc[rng.random(n_rows) < 0.005, "rounded"] = np.nan
    given = true.copy()
    noisy = rng.random(n_rows) < 0.05
    given[noisy] = (true[noisy] + rng.integers(1, 5, size=noisy.sum())) % 5
    logits = rng.normal(size=(n_rows, 5)) + 2.5 * np.eye(5)[true]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame["target"] = CLASSES[given]
    for k, column in enumerate(PROBA_COLUMNS):
        frame[column] = proba[:, k]
    n_dup, n_conflict = max(n_rows // 100, 2), max(n_rows // 400, 2)
    duplicates = frame.iloc[rng.choice(n_rows, n_dup, replace=False)]
    conflicts = frame.iloc[rng.choice(n_rows, n_conflict, replace=False)].copy()
    conflicts["target"] = CLASSES[(pd.Index(CLASSES).get_indexer(conflicts["target"]) + 1) % 5]
    frame = pd.concat([frame, duplicates, conflicts], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    return frame, {"noisy": noisy, "duplicates": n_dup, "conflicts": n_conflict}
