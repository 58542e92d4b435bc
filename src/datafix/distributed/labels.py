"""Label issues on a Dask DataFrame: out-of-fold probabilities trained on the cluster, confident learning in two passes.

Confident learning (cleanlab's ``filter_by="confident_learning"``) needs one
global statistic: the per-class threshold, the mean probability of class
``k`` over the rows labelled ``k``. It is a sum and a count per class - a
reduction - after which every row is judged on its own: a row is flagged
when some class reaches its threshold (less 1e-6), the class it is then
confidently counted as (the most probable of those over their thresholds)
differs from its label, and the model does not predict its label anyway
(cleanlab's last filter). On the same probabilities these flags equal
``cleanlab.filter.find_label_issues(labels, pred_probs,
filter_by="confident_learning")`` on the collected data. cleanlab's default
filter (``"prune_by_noise_rate"``, used in memory by
:func:`datafix.find_label_issues`) ranks rows across the whole dataset and
has no such exact two-pass form.

The default probabilities come from a linear model trained on the cluster:
``SGDClassifier(loss="log_loss", average=True)`` with ``partial_fit`` over the partitions
in turn (the model, a few kilobytes, travels between workers), one model per
fold, each row's fold given by a hash of its feature values (so duplicates
share a fold, and the folds do not depend on the partitioning); features are
standardised with the one-pass mean and variance of the first pass (missing
values at the mean), categories with at most 20 values are one-hot encoded,
and columns with more categories are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._optional import import_optional
from .._tabular import MAX_ONE_HOT, row_hashes
from ._frame import is_number_column, label_codes, numeric_values, reduce_partitions
from ._memory import partition_task

__all__ = ["Encoding", "confident_learning_flags", "confident_thresholds", "fit_out_of_fold_models",
           "out_of_fold_proba"]


def _cleanlab_constants():
    from cleanlab.internal.constants import (
        CONFIDENT_THRESHOLDS_LOWER_BOUND,
        FLOATING_POINT_COMPARISON,
    )

    return CONFIDENT_THRESHOLDS_LOWER_BOUND, FLOATING_POINT_COMPARISON


def self_confidence_sums(proba: np.ndarray, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Per class: the sum of ``proba[:, k]`` over rows labelled ``k``, and their count (shape (2, K))."""
    sums = np.zeros((2, n_classes))
    if len(codes):
        sums[0] = np.bincount(codes, weights=proba[np.arange(len(codes)), codes], minlength=n_classes)
        sums[1] = np.bincount(codes, minlength=n_classes)
    return sums


def confident_thresholds(sums: np.ndarray) -> np.ndarray:
    """cleanlab's per-class confident thresholds from the summed :func:`self_confidence_sums`.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.distributed.labels import confident_thresholds, self_confidence_sums
    >>> proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    >>> confident_thresholds(self_confidence_sums(proba, np.array([0, 0, 1]), 2)).round(2).tolist()
    [0.75, 0.8]
    """
    lower, _ = _cleanlab_constants()
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(sums[1] > 0, sums[0] / np.maximum(sums[1], 1), 2.0)  # cleanlab: 2 for absent classes
    return np.clip(means, lower, None)


def confident_learning_flags(proba: np.ndarray, codes: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The rows cleanlab's ``filter_by="confident_learning"`` flags, given the global thresholds.

    Examples
    --------
    >>> import numpy as np, cleanlab.filter
    >>> from datafix.distributed.labels import (confident_learning_flags, confident_thresholds,
    ...                                          self_confidence_sums)
    >>> rng = np.random.default_rng(0)
    >>> proba = rng.dirichlet([1, 1, 1], size=200)
    >>> codes = rng.integers(0, 3, size=200)
    >>> mine = confident_learning_flags(proba, codes, confident_thresholds(self_confidence_sums(proba, codes, 3)))
    >>> bool((mine == cleanlab.filter.find_label_issues(codes, proba, filter_by="confident_learning")).all())
    True
    """
    _, tolerance = _cleanlab_constants()
    n = len(codes)
    if n == 0:
        return np.zeros(0, dtype=bool)
    confident = proba >= thresholds - 1e-6
    n_confident = confident.sum(axis=1)
    guess = np.where(n_confident > 1, proba.argmax(axis=1), confident.argmax(axis=1))
    flagged = (n_confident > 0) & (guess != codes)
    boosted = proba.copy()
    boosted[np.arange(n), codes] += tolerance
    flagged &= boosted.argmax(axis=1) != codes
    return flagged


class Encoding:
    """The model's encoding of one partition, from the first pass's global statistics (same for every partition)."""

    def __init__(self, stats):
        kinds = stats.kinds
        self.numeric = [c for c in kinds["numeric"] + kinds["datetime"]]
        self.moments = {c: stats.moments.get(c, (0, 0.0, 0.0)) for c in self.numeric}
        self.categories = {}
        for column in kinds["categorical"]:
            seen = stats.distinct[column]
            if seen is not None and len(seen) <= MAX_ONE_HOT:
                self.categories[column] = pd.Index(seen)
        self.left_out = [c for c in kinds["categorical"] if c not in self.categories]
        self.width = len(self.numeric) + sum(len(v) for v in self.categories.values())

    def transform(self, part: pd.DataFrame) -> np.ndarray:
        encoded = np.zeros((len(part), self.width), dtype=np.float32)
        position = 0
        for column in self.numeric:
            _, mean, std = self.moments[column]
            values = numeric_values(part[column]) if is_number_column(part[column].dtype) else \
                pd.to_numeric(part[column], errors="coerce").to_numpy(dtype=np.float64)
            values = np.where(np.isfinite(values), values, mean) - mean
            encoded[:, position] = values / std if std > 0 else values
            position += 1
        for column, categories in self.categories.items():
            codes = categories.get_indexer(part[column].astype(object).to_numpy())
            known = codes >= 0
            encoded[np.flatnonzero(known), position + codes[known]] = np.float32(1 / np.sqrt(2))
            position += len(categories)
        return encoded


def fold_of(part: pd.DataFrame, features, n_folds: int) -> np.ndarray:
    """Each row's fold: a hash of its feature values (duplicates share a fold; no dependence on partitioning)."""
    return ((row_hashes(part[features]) >> np.uint64(17)) % np.uint64(n_folds)).astype(np.int64)


def _codes(part, target, class_codes) -> np.ndarray:
    return label_codes(part[target], class_codes)


@partition_task
def _partial_fit(models, part, encoding, features, target, class_codes, n_folds):
    if len(part) == 0:
        return models
    X = encoding.transform(part)
    y = _codes(part, target, class_codes)
    fold = fold_of(part, features, n_folds)
    classes = np.arange(len(class_codes))
    for k, model in enumerate(models):
        train = fold != k
        if train.any():
            model.partial_fit(X[train], y[train], classes=classes)
    return models


#: The models :func:`fit_out_of_fold_models` trains on the cluster.
CLUSTER_MODELS = ("linear", "xgboost")


def fit_out_of_fold_models(data, stats, *, cv=5, epochs=2, random_state=None, model="linear"):
    """Train ``cv`` models on the cluster, model ``k`` on every row outside fold ``k``.

    ``model="linear"``: one ``partial_fit`` of an ``SGDClassifier`` per
    partition and epoch, the partitions in order; each step runs on a worker
    and only the models move. ``model="xgboost"``: ``xgboost.dask`` trains
    each fold's booster on all workers at once (the ``boost`` extra).
    Returns the fitted models (each with ``predict_proba``) and the
    :class:`Encoding`.
    """
    import dask
    from sklearn.linear_model import SGDClassifier

    if model not in CLUSTER_MODELS:
        raise ValueError(f"model must be one of {', '.join(CLUSTER_MODELS)}, got {model!r}.")
    encoding = Encoding(stats)
    if encoding.width == 0:
        raise ValueError("no feature column can tell the classes apart (every column is constant, identifier-like "
                         "or has more than 20 categories); pass pred_proba columns from your own model.")
    class_codes = {c: i for i, c in enumerate(stats.classes.tolist())}
    seed = 0 if random_state is None else int(random_state)
    if model == "xgboost":
        return _fit_xgboost(data, stats, encoding, class_codes, cv, seed), encoding
    models = [SGDClassifier(loss="log_loss", alpha=1e-4, average=True, random_state=seed + k) for k in range(cv)]
    state = dask.delayed(models, traverse=True)
    parts = data.to_delayed()
    for _ in range(epochs):
        for part in parts:
            state = dask.delayed(_partial_fit)(state, part, encoding, stats.features, stats.target, class_codes, cv)
    return dask.compute(state)[0], encoding


class BoosterModel:
    """An XGBoost booster with ``predict_proba`` (all classes, sorted order), for prediction on a worker."""

    def __init__(self, booster, n_classes: int):
        self.booster = booster
        self.classes_ = np.arange(n_classes)

    def predict_proba(self, X) -> np.ndarray:
        import xgboost

        matrix = xgboost.DMatrix(X, feature_names=self.booster.feature_names)
        proba = np.asarray(self.booster.predict(matrix), dtype=np.float64)
        if proba.ndim == 1:  # binary: the probability of class 1
            proba = np.column_stack([1.0 - proba, proba])
        return proba / proba.sum(axis=1, keepdims=True)


@partition_task
def _encoded_part(part, encoding, features, target, class_codes, n_folds):
    frame = pd.DataFrame(encoding.transform(part), index=part.index,
                         columns=[f"e{i}" for i in range(encoding.width)])
    frame["__label"] = _codes(part, target, class_codes)
    frame["__fold"] = fold_of(part, features, n_folds)
    return frame


def _fit_xgboost(data, stats, encoding, class_codes, cv, seed):
    import_optional("xgboost", "boost")
    from xgboost import dask as xgboost_dask

    meta = _encoded_part(data._meta, encoding, stats.features, stats.target, class_codes, cv)
    encoded = data.map_partitions(_encoded_part, encoding, stats.features, stats.target, class_codes, cv, meta=meta)
    columns = [c for c in meta.columns if c.startswith("e")]
    n_classes = len(class_codes)
    models = []
    for k in range(cv):
        train = encoded[encoded["__fold"] != k]
        classifier = xgboost_dask.DaskXGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3,
                                                    tree_method="hist", random_state=seed + k)
        classifier.fit(train[columns], train["__label"])
        models.append(BoosterModel(classifier.get_booster(), n_classes))
    return models


def out_of_fold_proba(part: pd.DataFrame, models, encoding, features, n_folds) -> np.ndarray:
    """Each row's probabilities from the model that did not train on its fold (float64, sorted class order)."""
    proba = np.zeros((len(part), len(models[0].classes_) if models else 0))
    if len(part) == 0:
        return proba
    X = encoding.transform(part)
    fold = fold_of(part, features, n_folds)
    for k, model in enumerate(models):
        rows = fold == k
        if rows.any():
            proba[rows] = model.predict_proba(X[rows])
    return proba


def given_proba(part: pd.DataFrame, columns) -> np.ndarray:
    """The user's probability columns of one partition, checked (in [0, 1], rows summing to 1)."""
    values = part[list(columns)].to_numpy(dtype=np.float64, na_value=np.nan)
    if len(values) == 0:
        return values
    if not np.isfinite(values).all() or values.min() < 0 or values.max() > 1:
        raise ValueError(f"the pred_proba columns must hold probabilities in [0, 1] (no missing values); found "
                         f"values in [{np.nanmin(values):.4g}, {np.nanmax(values):.4g}].")
    sums = values.sum(axis=1)
    if np.abs(sums - 1).max() > 1e-3:
        raise ValueError(f"every row of the pred_proba columns must sum to 1; {int((np.abs(sums - 1) > 1e-3).sum())} "
                         f"rows in a partition do not.")
    return values


class LabelEvidence:
    """Out-of-fold probabilities and confident-learning thresholds of a whole Dask DataFrame.

    :meth:`fit` trains the cluster model (unless probability columns are
    given) and reduces the thresholds; :meth:`judge` then flags the rows of
    any partition on its own. Small and picklable: it travels to the workers.
    """

    def __init__(self, stats, *, pred_proba=None, cv=5, epochs=2, random_state=None, model="linear"):
        self.features = stats.features
        self.target = stats.target
        self.classes = stats.classes
        self.class_codes = {c: i for i, c in enumerate(stats.classes.tolist())}
        self.pred_proba = pred_proba
        self.cv = cv
        self.epochs = epochs
        self.random_state = random_state
        self.model = model
        self.models = self.encoding = self.thresholds = None

    def fit(self, data, stats):
        if self.pred_proba is None:
            self.models, self.encoding = fit_out_of_fold_models(data, stats, cv=self.cv, epochs=self.epochs,
                                                                random_state=self.random_state, model=self.model)
        self.thresholds = confident_thresholds(reduce_partitions(data, _threshold_part, self))
        return self

    def codes(self, part) -> np.ndarray:
        return _codes(part, self.target, self.class_codes)

    def proba(self, part) -> np.ndarray:
        if self.pred_proba is not None:
            return given_proba(part, self.pred_proba)
        return out_of_fold_proba(part, self.models, self.encoding, self.features, self.cv)

    def judge(self, part):
        """``(label codes, probabilities, flags)`` of one partition."""
        codes = self.codes(part)
        proba = self.proba(part)
        return codes, proba, confident_learning_flags(proba, codes, self.thresholds)


@partition_task
def _threshold_part(part, number, evidence):
    return self_confidence_sums(evidence.proba(part), evidence.codes(part), len(evidence.classes))
