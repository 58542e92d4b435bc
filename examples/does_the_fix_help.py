"""Does the fix help? Audit an imbalanced, messy table, compare the candidate fixes, keep what helps.

The data: scikit-learn's diabetes set (unscaled), with the 5% of patients
whose disease progressed most as the rare class "high" (about 20:1), a
categorical column, missing values and a few duplicated rows added, as a raw
DataFrame. Nothing is downloaded.

1. ``audit`` finds the imbalance, label issues and duplicates;
2. ``report.recommend(LogisticRegression())`` compares every candidate fix
   against the model alone on the same 5x2 folds and returns the pipeline of
   the best one only if it beats the baseline beyond the noise of the folds;
3. ``imbalanced_report`` shows per-class numbers on held-out rows, and
   ``prior_correction=True`` gives probabilities at the original class priors.
"""

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import datafix as dfx
from datafix.metrics import expected_calibration_error, imbalanced_report

rng = np.random.default_rng(0)
frame = load_diabetes(as_frame=True, scaled=False).frame
progression = frame.pop("target")
frame["progression"] = np.where(progression > progression.quantile(0.95), "high", "normal")
frame["clinic"] = rng.choice(["north", "south", None], size=len(frame))           # a categorical column
frame.loc[rng.choice(len(frame), 20, replace=False), "bmi"] = np.nan             # missing values
frame = pd.concat([frame, frame.iloc[:5]], ignore_index=True)                      # duplicated rows

train, test = train_test_split(frame, test_size=0.3, stratify=frame["progression"], random_state=0)
X_train, y_train = train.drop(columns="progression"), train["progression"]
X_test, y_test = test.drop(columns="progression"), test["progression"]

report = dfx.audit(train, "progression", checks=["class_imbalance", "label", "duplicates", "conflicting_labels"],
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
    high = list(model.classes_).index("high")
    print(f"{name:16s} mean P(high) {model.predict_proba(X_test)[:, high].mean():.3f} "
          f"(held-out share {np.mean(y_test == 'high'):.3f}), ECE {ece:.3f}")
