"""Does the fix help? Audit an imbalanced, messy table, compare the candidate fixes, keep what helps.

The data: scikit-learn's breast-cancer set made 20:1 imbalanced (18 malignant
of 375 rows), with a categorical column, missing values and a few duplicated
rows added, as a raw DataFrame. Nothing is downloaded.

1. ``audit`` finds the imbalance, label issues and duplicates;
2. ``report.recommend(LogisticRegression())`` compares every candidate fix
   against the model alone on the same 5x2 folds and returns the pipeline of
   the best one only if it beats the baseline beyond the noise of the folds;
3. ``imbalanced_report`` shows per-class numbers on held-out rows, and
   ``prior_correction=True`` gives probabilities at the original class priors.
"""

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import datafix as dfx
from datafix.metrics import expected_calibration_error, imbalanced_report

rng = np.random.default_rng(0)
frame = load_breast_cancer(as_frame=True).frame
frame["diagnosis"] = np.where(frame.pop("target") == 0, "malignant", "benign")
malignant = frame.index[frame["diagnosis"] == "malignant"]
frame = frame.drop(rng.choice(malignant, len(malignant) - 18, replace=False)).reset_index(drop=True)
frame["clinic"] = rng.choice(["north", "south", None], size=len(frame))           # a categorical column
frame.loc[rng.choice(len(frame), 20, replace=False), "mean radius"] = np.nan     # missing values
frame = pd.concat([frame, frame.iloc[:5]], ignore_index=True)                      # duplicated rows

train, test = train_test_split(frame, test_size=0.3, stratify=frame["diagnosis"], random_state=0)
X_train, y_train = train.drop(columns="diagnosis"), train["diagnosis"]
X_test, y_test = test.drop(columns="diagnosis"), test["diagnosis"]

report = dfx.audit(train, "diagnosis", checks=["class_imbalance", "label", "duplicates", "conflicting_labels"],
                   random_state=0)
print(report.summary[["check", "issues", "severity"]].to_string(index=False))

pipeline = report.recommend(LogisticRegression(max_iter=1000), random_state=0)
comparison = report.comparison
print()
print(comparison)
print(f"\nrecommended: {comparison.best_} -> {[name for name, _ in pipeline.steps]}")

pipeline.fit(X_train, y_train)  # the raw frame: strings and missing values included
baseline = comparison.pipeline("none").fit(X_train, y_train)
for name, model in (("baseline", baseline), ("recommended", pipeline)):
    table = imbalanced_report(y_test, model.predict(X_test), model.predict_proba(X_test))
    scores = table.attrs["scores"]
    print(f"\n{name}: held-out balanced accuracy {scores['balanced_accuracy']:.3f}, "
          f"G-mean {scores['gmean']:.3f}, ECE {scores['ece']:.3f}")
    print(table[["precision", "recall", "specificity", "f1", "support"]].round(3).to_string())

# Re-balancing moves the model's probabilities toward the boosted class; prior correction moves them back.
corrected = dfx.Pipeline(pipeline.steps, prior_correction=True).fit(X_train, y_train)
for name, model in (("uncorrected", pipeline), ("prior-corrected", corrected)):
    ece = expected_calibration_error(y_test, model.predict_proba(X_test), labels=model.classes_)
    print(f"{name:16s} mean P(malignant) {model.predict_proba(X_test)[:, 1].mean():.3f} "
          f"(held-out share {np.mean(y_test == 'malignant'):.3f}), ECE {ece:.3f}")
