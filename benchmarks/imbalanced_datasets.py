"""Imbalanced classification datasets shaped like real ones, built from data that ships with scikit-learn
and the repository (nothing is downloaded), split into a tuning half and a reporting half.

Each entry is ``name -> (frame, target, half)``; frames hold raw, unscaled
features, and the generated ones add what real tables have: categorical
(string) columns, a constant column, missing values and ``inf``, exact
duplicate rows, label noise, 20:1 to 100:1 imbalance with a few dozen
minority rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine, make_classification

EXAMPLE_WINE = Path(__file__).resolve().parent.parent / "examples" / "data" / "wine.csv"


def _subsample(frame, target, keep: dict, seed: int):
    """Keep at most ``keep[class]`` rows of each listed class (all rows of the others)."""
    rng = np.random.default_rng(seed)
    rows = []
    for label, positions in frame.groupby(target).indices.items():
        limit = keep.get(label, len(positions))
        rows.append(rng.choice(positions, size=min(limit, len(positions)), replace=False))
    return frame.iloc[np.sort(np.concatenate(rows))].reset_index(drop=True)


def _messy(X, y, *, seed, n_categorical=2, missing=0.05, n_duplicates=30, categorical_only_extra=False):
    """A DataFrame from a generated matrix, with unscaled numbers, string columns, NaN, inf, a constant and
    exact duplicates."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.integers(-2, 4, size=X.shape[1])
    frame = pd.DataFrame(X * scales, columns=[f"num{i}" for i in range(X.shape[1])])
    for i in range(n_categorical):  # an informative column turned into categories
        column = f"num{i}"
        frame[f"cat{i}"] = pd.qcut(frame[column], 4, labels=["low", "mid", "high", "top"]).astype(str)
        frame = frame.drop(columns=column)
    if categorical_only_extra:
        frame["region"] = rng.choice(["north", "south", "east", "west"], size=len(frame))
    frame["constant"] = 1.0
    for column in [c for c in frame.columns if c.startswith("num")][:2]:
        frame.loc[rng.random(len(frame)) < missing, column] = np.nan
    numeric = [c for c in frame.columns if c.startswith("num")]
    frame.loc[rng.choice(len(frame), 3, replace=False), numeric[-1]] = np.inf
    frame["label"] = y
    duplicates = frame.iloc[rng.choice(len(frame), n_duplicates, replace=False)]
    return pd.concat([frame, duplicates], ignore_index=True)


def datasets() -> dict:
    """``name -> (frame, target, half)`` with half ``"tuning"`` or ``"reporting"``."""
    result = {}

    cancer = load_breast_cancer(as_frame=True).frame
    cancer["target"] = np.where(cancer["target"] == 0, "malignant", "benign")
    result["breast_cancer_20to1"] = (_subsample(cancer, "target", {"malignant": 18}, 0), "target", "tuning")

    digits = load_digits(as_frame=True).frame
    nine = digits.assign(target=np.where(digits["target"] == 9, "nine", "other"))
    result["digits_nine_30to1"] = (_subsample(nine, "target", {"nine": 54}, 1), "target", "tuning")

    X, y = make_classification(n_samples=2000, n_features=8, n_informative=4, weights=[0.96], flip_y=0.03,
                               class_sep=0.8, random_state=2)
    result["generated_mixed_25to1"] = (_messy(X, np.where(y == 1, "yes", "no"), seed=2), "label", "tuning")

    wine = load_wine(as_frame=True).frame
    wine["target"] = wine["target"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    result["wine_3class_9to1"] = (_subsample(wine, "target", {"barolo": 8}, 3), "target", "tuning")

    diabetes = load_diabetes(as_frame=True, scaled=False).frame
    cut = diabetes["target"].quantile(0.95)
    diabetes["target"] = np.where(diabetes["target"] > cut, "high", "normal")
    result["diabetes_top5pct_20to1"] = (diabetes, "target", "reporting")

    three = digits[digits["target"].isin([0, 1, 7])].assign(target=lambda f: "digit" + f["target"].astype(str))
    result["digits_3class_15to1"] = (_subsample(three, "target", {"digit1": 60, "digit7": 12}, 4), "target",
                                     "reporting")

    X, y = make_classification(n_samples=3000, n_features=10, n_informative=5, n_classes=3,
                               weights=[0.9, 0.08, 0.02], flip_y=0.05, class_sep=1.0, random_state=5)
    labels = np.array(["alpha", "beta", "gamma"])[y]
    result["generated_multiclass_45to1"] = (_messy(X, labels, seed=5, categorical_only_extra=True), "label",
                                            "reporting")

    X, y = make_classification(n_samples=4000, n_features=6, n_informative=3, weights=[0.99], flip_y=0.0,
                               class_sep=1.2, random_state=6)
    result["generated_100to1"] = (_messy(X, np.where(y == 1, "fraud", "ok"), seed=6, n_categorical=1), "label",
                                  "reporting")

    result["example_wine_csv"] = (pd.read_csv(EXAMPLE_WINE), "cultivar", "reporting")
    return result


if __name__ == "__main__":
    for name, (frame, target, half) in datasets().items():
        counts = frame[target].value_counts()
        print(f"{name:28s} {half:9s} rows={len(frame):5d} cols={frame.shape[1] - 1:3d} "
              f"ratio={counts.max() / counts.min():5.1f} minority={counts.min()}")
