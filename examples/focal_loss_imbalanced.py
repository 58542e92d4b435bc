"""Focal loss on an imbalanced problem: a neural classifier and LightGBM, in scikit-learn pipelines.

A synthetic 1:30 problem. Two models, each as a datafix pipeline:

1. ``StandardScaler -> ClassWeighter -> TorchClassifier(loss="focal")``, with
   ``GridSearchCV`` choosing ``gamma`` (0 is cross-entropy);
2. ``FocalBoostingClassifier(LGBMClassifier)`` against LightGBM's built-in
   objective, same trees.

It prints the chosen gamma and the average precision of the rare class on a
held-out split. Runs in well under a minute on two CPU cores.

    python examples/focal_loss_imbalanced.py
"""

from __future__ import annotations

import torch
from lightgbm import LGBMClassifier
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

from datafix import ClassWeighter, FocalBoostingClassifier, TorchClassifier, make_pipeline

torch.set_num_threads(1)  # tiny networks train faster on one thread

X, y = make_classification(n_samples=3000, n_features=12, n_informative=6, weights=[30 / 31], random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
print(f"training rows: {len(y_train)}, of which rare: {y_train.sum()}")

network = make_pipeline(
    StandardScaler(),
    ClassWeighter(),
    TorchClassifier(loss="focal", hidden_layer_sizes=(32,), max_epochs=15, batch_size=64, random_state=0),
)
search = GridSearchCV(network, {"torchclassifier__gamma": [0.0, 2.0]}, cv=3, scoring="average_precision")
search.fit(X_train, y_train)
gamma = search.best_params_["torchclassifier__gamma"]
ap = average_precision_score(y_test, search.predict_proba(X_test)[:, 1])
print(f"TorchClassifier + ClassWeighter: gamma chosen by cross-validation = {gamma}, test AP = {ap:.3f}")

trees = dict(n_estimators=150, learning_rate=0.05, num_leaves=15, n_jobs=1, verbosity=-1, random_state=0)
builtin = LGBMClassifier(objective="binary", **trees).fit(X_train, y_train)
focal = FocalBoostingClassifier(LGBMClassifier(**trees), gamma=2.0).fit(X_train, y_train)
for name, model in (("LightGBM, built-in binary objective", builtin), ("LightGBM, focal objective gamma=2", focal)):
    probabilities = model.predict_proba(X_test)[:, 1]  # probabilities for both, thanks to the wrapper
    print(f"{name:38s} test AP = {average_precision_score(y_test, probabilities):.3f}")
