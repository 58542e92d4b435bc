"""Quick start: rebalance inside a pipeline, with weights that flow.

An imbalanced three-class problem (1% / 4% / 95%). The plain model mostly
predicts the majority class. The datafix pipeline first thins the majority
class with imbalanced-learn's RandomUnderSampler (to 10x the smallest class,
so training is fast and little information is lost), then ClassWeighter
balances what remains through sample weights, which datafix.Pipeline hands to
the classifier. Both are scored on the same untouched test split.

Run: python examples/quickstart_pipeline.py
"""

from imblearn.under_sampling import RandomUnderSampler
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import datafix as dfx


def main():
    X, y = make_classification(
        n_samples=30_000, n_features=20, n_informative=6, n_classes=3,
        weights=[0.01, 0.04, 0.95], class_sep=0.8, random_state=0,
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    smallest = int(min((y_train == label).sum() for label in (0, 1)))

    plain = dfx.make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    fixed = dfx.make_pipeline(
        StandardScaler(),
        RandomUnderSampler(sampling_strategy={2: 10 * smallest}, random_state=0),
        dfx.ClassWeighter("balanced"),
        LogisticRegression(max_iter=1000),
    )
    print(f"training rows: {len(y_train)}; class counts {[int((y_train == k).sum()) for k in range(3)]}")
    for name, pipe in [("plain", plain), ("undersample + ClassWeighter", fixed)]:
        pipe.fit(X_train, y_train)
        predicted = pipe.predict(X_test)
        recalls = recall_score(y_test, predicted, average=None)
        print(
            f"{name:>28}: balanced accuracy {balanced_accuracy_score(y_test, predicted):.3f}, "
            f"recall per class {[round(float(r), 3) for r in recalls]}, "
            f"fitted on {len(getattr(pipe, 'source_indices_', y_train))} rows"
        )


if __name__ == "__main__":
    main()
