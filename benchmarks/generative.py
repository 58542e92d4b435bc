"""GenerativeOverSampler (GAN and VAE) against random over-sampling and SMOTE-NC, on mixed-type imbalanced tables.

Three measurements, each printed with the machine's load average (timings on a
shared machine are noisy; compare ratios):

``quality``
    Downstream balanced accuracy and macro PR-AUC of a gradient-boosting model
    and a logistic regression trained after each over-sampler, scored with
    :func:`datafix.compare_fixes` on the same repeated stratified folds (3x2 by
    default, ``--repeats``). Eight mixed-type tables (numeric, categorical text
    and integer columns, missing values), four in a tuning half and four in a
    reporting half, reported separately. The fitted over-sampler of a fold is
    cached and shared by the two models (same training rows, same seed), so
    each generator trains once per fold.
    With it, :func:`datafix.synthetic_quality` of each fold's synthetic rows
    against that fold's (imputed) training rows: near-copy share, two-sample
    AUC, mean column distance.
``privacy``
    The same quality measures with each over-sampler fitted once on each
    whole (imputed) table.
``timing``
    Training time of each generator at 10k rows x 20 mixed columns with the
    default epochs, and identical rows from the same ``random_state``.

Run: ``python benchmarks/generative.py [quality] [privacy] [timing] [--repeats 3] [--half tuning] [--output scores.csv]``
(default: quality and timing).
"""

from __future__ import annotations

import argparse
import os

# one thread per library: on a shared 2-core machine OpenMP's spinning threads (HistGradientBoosting) made each
# fit many times slower; the generators already train on one torch thread
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from imblearn.over_sampling import RandomOverSampler
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datafix as dfx  # noqa: E402
from datafix.auditing.recommend import smote_for  # noqa: E402
from datafix.base import BaseFix, Resampled  # noqa: E402
from datafix.preprocessing import make_preprocessing  # noqa: E402
from imbalanced_datasets import EXAMPLE_WINE, _messy, _subsample  # noqa: E402
from imbalanced_datasets import datasets as imbalanced_datasets  # noqa: E402

SCORES = ["balanced_accuracy", "average_precision_macro"]


def load() -> str:
    return "load average " + ", ".join(f"{v:.1f}" for v in os.getloadavg())


def _bin(frame, columns, seed, labels=("low", "mid", "high", "top")):
    """Turn informative numeric columns into text categories (with a little noise, so they are not exact cuts)."""
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    for column in columns:
        values = frame[column] + rng.normal(0, 0.2 * frame[column].std(), len(frame))
        frame[column] = pd.qcut(values, len(labels), labels=list(labels)).astype(str)
    return frame


def datasets() -> dict:
    """``name -> (frame, target, half)``: eight imbalanced tables with mixed column types."""
    result = {}
    cancer = load_breast_cancer(as_frame=True).frame
    cancer["target"] = np.where(cancer["target"] == 0, "malignant", "benign")
    cancer = _bin(_subsample(cancer, "target", {"malignant": 18}, 0), ["worst radius", "mean texture"], 0)
    result["breast_cancer_mixed_20to1"] = (cancer, "target", "tuning")

    X, y = make_classification(n_samples=2000, n_features=8, n_informative=4, weights=[0.96], flip_y=0.03,
                               class_sep=0.8, random_state=2)
    result["generated_mixed_25to1"] = (_messy(X, np.where(y == 1, "yes", "no"), seed=2), "label", "tuning")

    wine = load_wine(as_frame=True).frame
    wine["target"] = wine["target"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    wine = _bin(_subsample(wine, "target", {"barolo": 8}, 3), ["flavanoids", "color_intensity"], 3)
    wine["magnesium"] = wine["magnesium"].astype(int)
    result["wine_mixed_3class_9to1"] = (wine, "target", "tuning")

    X, y = make_classification(n_samples=1500, n_features=7, n_informative=5, weights=[0.97], flip_y=0.01,
                               class_sep=1.0, random_state=7)
    frame = _messy(X, np.where(y == 1, "churn", "stay"), seed=7, n_categorical=3, categorical_only_extra=True)
    frame["visits"] = np.random.default_rng(7).poisson(np.exp(0.4 * X[:, 4] + 1)).tolist() + \
        np.random.default_rng(8).poisson(3, len(frame) - len(X)).tolist()
    result["generated_categorical_30to1"] = (frame, "label", "tuning")

    diabetes = load_diabetes(as_frame=True, scaled=False).frame
    cut = diabetes["target"].quantile(0.95)
    diabetes["target"] = np.where(diabetes["target"] > cut, "high", "normal")
    diabetes["sex"] = np.where(diabetes["sex"] == 1, "female", "male")
    diabetes["age"] = diabetes["age"].astype(int)
    diabetes = _bin(diabetes, ["bmi"], 4)
    result["diabetes_mixed_20to1"] = (diabetes, "target", "reporting")

    shared = imbalanced_datasets()  # the recommend benchmark's generated mixed-type sets, as they are
    for name in ("generated_multiclass_45to1", "generated_100to1"):
        result[name] = shared[name]

    example = pd.read_csv(EXAMPLE_WINE)
    example = _subsample(example, "cultivar", {"barolo": 12}, 9)
    example = _bin(example.fillna({"proline": example["proline"].median()}), ["proline", "hue"], 9)
    result["example_wine_mixed"] = (example, "cultivar", "reporting")
    return result


class Cached(BaseFix):
    """Runs ``fix`` once per distinct training set and replays its output (the models share a fold's rows)."""

    _cache: dict = {}
    privacy: list = []

    def __init__(self, fix=None, name=""):
        self.fix = fix
        self.name = name

    def _fit_resample(self, X, y, sample_weight):
        key = (self.name, pd.util.hash_pandas_object(X, index=False).sum() if isinstance(X, pd.DataFrame)
               else hash(np.asarray(X).tobytes()), hash(np.asarray(y).astype(str).tobytes()))
        if key not in Cached._cache:
            from sklearn.base import clone

            fix = clone(self.fix)
            start = time.perf_counter()
            X_out, y_out = fix.fit_resample(X, y)[:2]
            elapsed = time.perf_counter() - start
            n_in = len(y)
            if hasattr(fix, "is_synthetic_"):
                source, synthetic = fix.source_indices_, fix.is_synthetic_
            else:  # imbalanced-learn's over-samplers: the input rows first, then the new ones
                source = np.r_[np.arange(n_in), getattr(fix, "sample_indices_", np.zeros(len(y_out), int))[n_in:]]
                synthetic = np.r_[np.zeros(n_in, bool), np.ones(len(y_out) - n_in, bool)]
            X_new = X_out.iloc[np.flatnonzero(synthetic)] if isinstance(X_out, pd.DataFrame) else \
                np.asarray(X_out)[synthetic]
            Cached._cache[key] = (Resampled(np.asarray(source), y=np.asarray(y_out), is_synthetic=synthetic,
                                            X_synthetic=X_new.reset_index(drop=True)), elapsed)
            if synthetic.any() and isinstance(X, pd.DataFrame):  # privacy of this fold's synthetic rows
                real = X.reset_index(drop=True).assign(_label=np.asarray(y).astype(str))
                fake = X_new.reset_index(drop=True).assign(_label=np.asarray(y_out)[synthetic].astype(str))
                summary = dfx.synthetic_quality(real, fake, target="_label").summary
                Cached.privacy.append({"fix": self.name, **summary.to_dict()})
        return Cached._cache[key][0]


def candidates(frame, target, seed=0):
    features = frame.drop(columns=target)
    counts = frame[target].value_counts()
    k = int(max(1, min(5, counts.min() // 2 - 1)))  # a training fold holds half of the smallest class
    return {
        "none": [],
        "random": Cached(RandomOverSampler(random_state=seed), "random"),
        "smote_nc": Cached(smote_for(features, k, seed), "smote_nc"),
        "gan": Cached(dfx.GenerativeOverSampler("ctgan", random_state=seed), "gan"),
        "vae": Cached(dfx.GenerativeOverSampler("tvae", random_state=seed), "vae"),
    }


MODELS = {
    "boosting": HistGradientBoostingClassifier(max_iter=100, random_state=0),
    "logistic": LogisticRegression(max_iter=2000),
}


def quality(repeats: int, halves, output=None) -> pd.DataFrame:
    rows = []
    for name, (frame, target, half) in datasets().items():
        if half not in halves:
            continue
        Cached._cache.clear()
        Cached.privacy.clear()
        X, y = frame.drop(columns=target), frame[target]
        cv = RepeatedStratifiedKFold(n_splits=2, n_repeats=repeats, random_state=0)
        start = time.perf_counter()
        for model_name, model in MODELS.items():
            comparison = dfx.compare_fixes(candidates(frame, target), X, y, estimator=model, cv=cv, scoring=SCORES)
            for candidate, row in comparison.summary.iterrows():
                rows.append({"half": half, "dataset": name, "model": model_name, "candidate": candidate,
                             "status": row["status"], **{score: row[score] for score in SCORES}})
        fit_times = {}
        for (fix_name, *_), (_, elapsed) in Cached._cache.items():
            fit_times.setdefault(fix_name, []).append(elapsed)
        times = ", ".join(f"{k} {np.mean(v):.1f} s" for k, v in fit_times.items())
        print(f"{name} ({half}, {len(frame)} rows): {time.perf_counter() - start:.0f} s; mean fit per fold: {times}; "
              f"{load()}", flush=True)
        privacy_table = pd.DataFrame(Cached.privacy).groupby("fix")[
            ["near_copy_share", "two_sample_auc", "mean_column_distance", "mean_correlation_difference"]].mean()
        print("  synthetic rows of the training folds (mean over folds):")
        print(privacy_table.to_string(float_format=lambda v: f"{v:.3f}"), flush=True)
        for fix_name, row in privacy_table.iterrows():
            rows.append({"half": half, "dataset": name, "model": "privacy", "candidate": fix_name, **row.to_dict()})
        scores = pd.DataFrame([row for row in rows if row["dataset"] == name and row["model"] != "privacy"])
        print(scores.pivot_table(index=["model", "candidate"], values=SCORES).to_string(
            float_format=lambda v: f"{v:.3f}"), flush=True)  # this table's scores now: a long run can be read as it goes
        if output:
            pd.DataFrame(rows).to_csv(output, index=False)
    return pd.DataFrame(rows)


def report_quality(table: pd.DataFrame) -> None:
    for half in ("tuning", "reporting"):
        part = table[(table["half"] == half) & (table["model"] != "privacy")]
        if part.empty:
            continue
        privacy_part = table[(table["half"] == half) & (table["model"] == "privacy")]
        print(f"\n=== {half} half: synthetic rows of the training folds, mean over datasets ===")
        print(privacy_part.groupby("candidate")[["near_copy_share", "two_sample_auc", "mean_column_distance"]].agg(
            ["mean", "max"]).to_string(float_format=lambda v: f"{v:.3f}"))
        print(f"\n=== {half} half: mean over folds, per dataset and model ===")
        for score in SCORES:
            wide = part.pivot_table(index=["dataset", "model"], columns="candidate", values=score)
            wide = wide[[c for c in ["none", "random", "smote_nc", "gan", "vae"] if c in wide.columns]]
            print(f"\n{score}")
            print(wide.to_string(float_format=lambda v: f"{v:.3f}"))
            print("mean        " + "  ".join(f"{c}={wide[c].mean():.3f}" for c in wide.columns))
            for generator in ("gan", "vae"):
                if generator in wide and "smote_nc" in wide:
                    difference = wide[generator] - wide["smote_nc"]
                    print(f"{generator} - smote_nc: mean {difference.mean():+.3f}, better on {(difference > 0).sum()} "
                          f"of {len(difference)} dataset x model pairs, worse on {(difference < 0).sum()}")


def privacy(halves) -> pd.DataFrame:
    rows = []
    for name, (frame, target, half) in datasets().items():
        if half not in halves:
            continue
        X, y = frame.drop(columns=target), frame[target].reset_index(drop=True)
        imputer, _ = make_preprocessing(X)
        X_imputed = imputer.fit_transform(X).reset_index(drop=True)
        for candidate, fix in candidates(frame, target).items():
            if candidate == "none":
                continue
            X_out, y_out = fix.fix.fit_resample(X_imputed, y)[:2]
            X_out, y_out = X_out.reset_index(drop=True), pd.Series(np.asarray(y_out))
            new = slice(len(y), None)
            real = X_imputed.assign(**{target: y})
            synthetic = X_out.iloc[new].assign(**{target: y_out.iloc[new].to_numpy()})
            report = dfx.synthetic_quality(real, synthetic, target=target)
            summary = report.summary
            rows.append({"half": half, "dataset": name, "candidate": candidate,
                         "near_copy_share": summary["near_copy_share"], "two_sample_auc": summary["two_sample_auc"],
                         "mean_column_distance": summary["mean_column_distance"],
                         "mean_correlation_difference": summary["mean_correlation_difference"]})
        print(f"privacy {name} done; {load()}", flush=True)
    table = pd.DataFrame(rows)
    for half in ("tuning", "reporting"):
        part = table[table["half"] == half]
        if part.empty:
            continue
        print(f"\n=== {half} half: synthetic rows of each over-sampler, fitted on the whole table ===")
        for column in ["near_copy_share", "two_sample_auc", "mean_column_distance"]:
            wide = part.pivot_table(index="dataset", columns="candidate", values=column)
            print(f"\n{column}")
            print(wide.to_string(float_format=lambda v: f"{v:.3f}"))
    return table


def mixed_table(n_rows=10_000, seed=0):
    """10k rows x 20 columns: 14 numeric (one with 5% missing), 4 categorical, one count, one boolean."""
    X, y = make_classification(n_samples=n_rows, n_features=14, n_informative=8, weights=[0.95], random_state=seed)
    frame = pd.DataFrame(X, columns=[f"num{i}" for i in range(14)])
    rng = np.random.default_rng(seed)
    for i in range(4):
        frame[f"cat{i}"] = pd.qcut(X[:, i] + rng.normal(0, 0.5, n_rows), 4 + i, labels=False).astype(str)
    frame["count"] = rng.poisson(3, n_rows)
    frame["flag"] = rng.random(n_rows) < 0.3
    frame.loc[rng.random(n_rows) < 0.05, "num5"] = np.nan
    return frame, np.where(y == 1, "minority", "majority")


def timing() -> None:
    import torch

    X, y = mixed_table()
    print(f"\n=== timing: {X.shape[0]} rows x {X.shape[1]} mixed columns, default epochs, CPU "
          f"(torch {torch.__version__}, {os.cpu_count()} cores) ===")
    for generator in ("ctgan", "tvae"):
        print(f"before {generator}: {load()}", flush=True)
        sampler = dfx.GenerativeOverSampler(generator, random_state=0)
        start, cpu_start = time.perf_counter(), time.process_time()
        X_out, _ = sampler.fit_resample(X, y)
        total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        again, _ = dfx.GenerativeOverSampler(generator, random_state=0).fit_resample(X, y)
        identical = X_out.equals(again)
        print(f"{generator}: {sampler.epochs_} epochs, training {sampler.fit_time_:.1f} s, fit_resample {total:.1f} s "
              f"wall, {cpu:.1f} s of CPU time (what one idle core would take) ({int(sampler.is_synthetic_.sum())} rows generated); same random_state -> identical rows: "
              f"{identical}; {load()}", flush=True)
    if torch.cuda.is_available():
        for generator in ("ctgan", "tvae"):
            sampler = dfx.GenerativeOverSampler(generator, random_state=0, device="cuda")
            start = time.perf_counter()
            sampler.fit_resample(X, y)
            print(f"{generator} on GPU: training {sampler.fit_time_:.1f} s, total {time.perf_counter() - start:.1f} s")
    else:
        print("GPU: none here (not measured)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", default=["quality", "timing"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--half", choices=["tuning", "reporting", "both"], default="both")
    parser.add_argument("--output", help="quality: write the scores of every finished table to this CSV as it goes")
    args = parser.parse_args()
    halves = ("tuning", "reporting") if args.half == "both" else (args.half,)
    print(load())
    if "quality" in args.parts:
        report_quality(quality(args.repeats, halves, args.output))
    if "privacy" in args.parts:
        privacy(halves)
    if "timing" in args.parts:
        timing()


if __name__ == "__main__":
    main()
