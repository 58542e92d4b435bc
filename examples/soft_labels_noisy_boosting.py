"""Soft labels for gradient boosting on noisy labels: smoothing and mixup, tuned by CV.

scikit-learn's wine data (178 rows, 3 classes), split in half; 20% of the
training labels are flipped to another class, the test labels stay clean.
HistGradientBoostingClassifier takes only hard labels, but it minimises a
weighted log loss, so datafix's LabelSmoother and Mixup reach it as weighted
rows through datafix.Pipeline. ``epsilon`` is chosen by GridSearchCV with
``neg_log_loss``; the validation folds are scored on their hard labels, since
fixes act only while the pipeline is fitted.

It prints held-out log loss, expected calibration error and accuracy for the
plain model, the tuned LabelSmoother and Mixup. The numbers are what they are
for this split: see benchmarks/soft_labels.py for many splits and data sets.

Run: python examples/soft_labels_noisy_boosting.py
"""

import os

# The data are tiny: one OpenMP thread per boosting fit avoids thread start-up
# and contention costs that dominate on a busy machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.datasets import load_wine  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.metrics import accuracy_score, log_loss  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split  # noqa: E402

import datafix as dfx  # noqa: E402


def expected_calibration_error(y_true, probabilities, n_bins=10):
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y_true
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    return sum(
        np.mean(bins == b) * abs(correct[bins == b].mean() - confidence[bins == b].mean())
        for b in range(n_bins)
        if np.any(bins == b)
    )


X, y = load_wine(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
y_noisy, flipped = dfx.make_label_noise(y_train, rate=0.2, random_state=0)


def booster():
    return HistGradientBoostingClassifier(max_iter=50, early_stopping=False, random_state=0)


folds = StratifiedKFold(3, shuffle=True, random_state=0)
candidates = {
    "plain": booster(),
    "LabelSmoother (epsilon by CV)": GridSearchCV(
        dfx.make_pipeline(dfx.LabelSmoother(), booster()),
        {"labelsmoother__epsilon": [0.0, 0.05, 0.1, 0.2]},
        scoring="neg_log_loss",
        cv=folds,
    ),
    "Mixup (mixup_alpha=0.4)": dfx.make_pipeline(dfx.Mixup(mixup_alpha=0.4, random_state=0), booster()),
}

print(f"wine, {flipped.sum()} of {len(y_train)} training labels flipped; {len(y_test)} clean test rows")
print(f"{'model':<32}{'log loss':>9}{'ECE':>8}{'accuracy':>10}")
for name, model in candidates.items():
    model.fit(X_train, y_noisy)
    probabilities = model.predict_proba(X_test)
    print(
        f"{name:<32}{log_loss(y_test, probabilities):>9.3f}"
        f"{expected_calibration_error(y_test, probabilities):>8.3f}"
        f"{accuracy_score(y_test, probabilities.argmax(axis=1)):>10.3f}"
    )
    if isinstance(model, GridSearchCV):
        print(f"{'':<4}chosen epsilon: {model.best_params_['labelsmoother__epsilon']}")
