"""Outlier and near-duplicate cut-offs on data whose score spread collapses (issue 15).

On categorical-only data (mushroom-like) many rows tie at exactly the median
isolation and on duplicate-heavy data (kddcup-like) the median isolation is
0: the interquartile range is 0 and Tukey's fence used to fall onto the
median, flagging 15-17% of ordinary rows. The share flagged must stay in
proportion to the planted, genuinely distant rows, and those must still be
found.
"""

import numpy as np
import pandas as pd
import pytest

import datafix as dfx

def categorical_only(n_prototypes=40, n_outliers=30, seed=0):
    """Mushroom-like: 18 categorical columns; rows are the combinations of two free columns (7 values each)
    around 40 prototypes, 12% of the combinations missing and 3% of rows copied, so most rows have their
    nearest rows at exactly one category apart (isolation ties, IQR 0). Planted outliers: every category
    drawn uniformly (about 15 categories away from every row)."""
    rng = np.random.default_rng(seed)
    n_columns = 18
    sizes = rng.integers(3, 8, n_columns)
    sizes[:2] = 7
    rows, group = [], []
    for p in range(n_prototypes):
        prototype = np.array([rng.integers(0, s) for s in sizes])
        for a in range(7):
            for b in range(7):
                if rng.random() < 0.12:
                    continue
                row = prototype.copy(); row[0] = a; row[1] = b
                rows.append(row); group.append(p)
    values = np.array(rows); group = np.array(group)
    copies = rng.random(len(values)) < 0.03
    values = np.concatenate([values, values[copies]]); group = np.concatenate([group, group[copies]])
    outliers = np.stack([rng.integers(0, s, n_outliers) for s in sizes], axis=1)
    values = np.concatenate([values, outliers]); group = np.concatenate([group, rng.integers(0, n_prototypes, n_outliers)])
    truth = np.zeros(len(values), bool); truth[-n_outliers:] = True
    order = rng.permutation(len(values))
    values, group, truth = values[order], group[order], truth[order]
    frame = pd.DataFrame({f"c{j}": np.array([f"v{v}" for v in values[:, j]]) for j in range(n_columns)})
    frame["y"] = np.where(group % 2 == 0, "edible", "poisonous")
    return frame, truth


def duplicate_heavy(n=3000, n_outliers=30, seed=0):
    """kddcup-like: 85% of rows exact copies of 12 templates, 15% templates with small noise
    (median and 75th-percentile isolation 0); planted outliers: numeric values 8-15 standard deviations out."""
    rng = np.random.default_rng(seed)
    templates = rng.normal(size=(12, 6))
    kinds = rng.integers(0, 12, n)
    values = templates[kinds].copy()
    noisy = rng.random(n) < 0.15
    values[noisy] += rng.normal(scale=0.05, size=(noisy.sum(), 6))
    outliers = rng.choice(n, n_outliers, replace=False)
    values[outliers] = rng.normal(size=(n_outliers, 6)) + rng.choice([-1, 1], (n_outliers, 6)) * rng.uniform(8, 15, (n_outliers, 6))
    frame = pd.DataFrame(values, columns=[f"x{j}" for j in range(6)])
    frame["protocol"] = np.array(["tcp", "udp", "icmp"])[kinds % 3]
    frame["y"] = np.where(kinds < 9, "normal", "attack")
    truth = np.zeros(n, bool); truth[outliers] = True
    return frame, truth


def gaussian(n=2000, n_outliers=20, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n, 5))
    outliers = rng.choice(n, n_outliers, replace=False)
    direction = rng.normal(size=(n_outliers, 5)); direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    values[outliers] = direction * rng.uniform(6, 9, (n_outliers, 1))
    frame = pd.DataFrame(values, columns=[f"x{j}" for j in range(5)])
    frame["y"] = np.where(values[:, 0] > 0, "a", "b")
    truth = np.zeros(n, bool); truth[outliers] = True
    return frame, truth


@pytest.mark.parametrize("make", [categorical_only, duplicate_heavy, gaussian])
@pytest.mark.parametrize("seed", [0, 1])
def test_outliers_flag_the_planted_rows_and_few_others(make, seed):
    frame, truth = make(seed=seed)
    report = dfx.audit(frame, "y", checks=["outliers", "near_duplicates"], random_state=0)
    flagged = report.issues["is_outliers_issue"].to_numpy()
    assert flagged[truth].mean() == 1.0  # every planted outlier found
    assert (flagged & ~truth).mean() <= 0.01  # and hardly anything else (was 15-17% of rows)
    assert report.issues["is_near_duplicates_issue"].mean() <= 0.01


@pytest.mark.parametrize("make", [categorical_only, duplicate_heavy])
def test_the_spread_really_collapses_on_these_datasets(make):
    frame, _ = make()
    details = dfx.audit(frame, "y", checks=["outliers"]).results["outliers"].details
    assert details["iqr"] == 0 and details["scale_floor"] > 0 and details["fence"] > details["median_isolation"]


def test_identical_rows_flag_nothing():
    frame = pd.DataFrame({"a": ["x"] * 50 + ["z"], "b": [1.0] * 50 + [1.0], "y": [0, 1] * 25 + [0]})
    report = dfx.audit(frame, "y", checks=["outliers"])
    assert report.flagged("outliers").tolist() == [50]
    only_copies = pd.DataFrame({"a": [1.0] * 30, "b": ["x"] * 30, "y": [0, 1] * 15})
    report = dfx.audit(only_copies, "y", checks=["outliers"])
    assert "outliers" in report.skipped or report.results["outliers"].issues == 0
