"""User weights through every imbalanced-learn sampler inside datafix.Pipeline.

The rule under test is the one documented in datafix/pipeline.py: an output row
that is an input row (same features and label) reaches the estimator with that
row's weight; a synthetic row whose source is unknown gets the mean weight of
the input rows of its class. Data without duplicate rows make "is an input
row" unambiguous.
"""

import numpy as np
import pytest
from imblearn import combine, over_sampling, under_sampling
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification

import datafix as dfx
from datafix import resampling

SAMPLER_PARAMS = {
    "ClusterCentroids": {"random_state": 0},
    "RandomUnderSampler": {"random_state": 0},
    "InstanceHardnessThreshold": {"random_state": 0},
    "CondensedNearestNeighbour": {"random_state": 0},
    "OneSidedSelection": {"random_state": 0},
    "RandomOverSampler": {"random_state": 0},
    "SMOTE": {"random_state": 0},
    "ADASYN": {"random_state": 0},
    "BorderlineSMOTE": {"random_state": 0},
    "SVMSMOTE": {"random_state": 0},
    "KMeansSMOTE": {"random_state": 0, "cluster_balance_threshold": 0.0},
    "SMOTENC": {"random_state": 0, "categorical_features": [0]},
    "SMOTEN": {"random_state": 0},
    "SMOTEENN": {"random_state": 0},
    "SMOTETomek": {"random_state": 0},
}

ALL_SAMPLERS = [
    *((module, name) for module in (over_sampling,) for name in over_sampling.__all__),
    *((under_sampling, name) for name in under_sampling.__all__),
    *((combine, name) for name in combine.__all__),
]


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Remembers what fit received."""

    def fit(self, X, y, sample_weight=None):
        self.X_, self.y_, self.sample_weight_ = np.asarray(X), np.asarray(y), sample_weight
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def _data(name):
    X, y = make_classification(
        n_samples=300, n_features=4, n_informative=3, n_redundant=0, weights=[0.8], class_sep=0.8, random_state=0
    )
    if name == "SMOTEN":  # categorical features only
        X = np.digitize(X, [-1.0, 0.0, 1.0]).astype(float)
        X = np.c_[X, np.arange(len(X))]  # keep rows distinct
    elif name == "SMOTENC":
        X = np.c_[np.arange(len(X)) % 3, X]
    return X, y


def _expected_weights(X_in, y_in, w_in, X_out, y_out, sample_indices=None):
    """The documented rule, computed independently of the pipeline's own code.

    When the output starts with the input rows unchanged (the SMOTE family),
    the rows after them are synthetic even if one happens to equal an input
    row (SMOTEN's category modes often do); a sampler with ``sample_indices_``
    says which input row each output row is; otherwise an output row equal to
    an input row is that row.
    """
    n_in = len(y_in)
    if sample_indices is not None and len(sample_indices) == len(y_out):  # the sampler says which row is which
        return w_in[sample_indices], np.ones(len(y_out), dtype=bool)
    if len(y_out) >= n_in and np.array_equal(X_out[:n_in], X_in) and np.array_equal(y_out[:n_in], y_in):
        class_mean = {label: w_in[y_in == label].mean() for label in np.unique(y_in)}
        synthetic = np.array([class_mean[label] for label in y_out[n_in:]])
        return np.r_[w_in, synthetic], np.r_[np.ones(n_in, bool), np.zeros(len(y_out) - n_in, bool)]
    first_match = {}
    for row, (features, label) in enumerate(zip(X_in, y_in)):
        first_match.setdefault((features.tobytes(), label), row)
    class_mean = {label: w_in[y_in == label].mean() for label in np.unique(y_in)}
    expected = np.empty(len(y_out))
    is_copy = np.zeros(len(y_out), dtype=bool)
    for position, (features, label) in enumerate(zip(X_out, y_out)):
        source = first_match.get((np.asarray(features, dtype=X_in.dtype).tobytes(), label))
        is_copy[position] = source is not None
        expected[position] = w_in[source] if source is not None else class_mean[label]
    return expected, is_copy


@pytest.mark.parametrize("module, name", ALL_SAMPLERS, ids=[name for _, name in ALL_SAMPLERS])
def test_weights_through_imblearn_sampler(module, name):
    X, y = _data(name)
    assert len({(row.tobytes(), label) for row, label in zip(X, y)}) == len(y)  # no duplicate rows
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    sampler = getattr(module, name)(**SAMPLER_PARAMS.get(name, {}))
    pipe = dfx.make_pipeline(sampler, RecordingClassifier())
    X_before, w_before = X.copy(), weights.copy()
    pipe.fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(weights, w_before)
    final = pipe[-1]
    assert final.sample_weight_ is not None and len(final.sample_weight_) == len(final.y_)
    sample_indices = getattr(pipe[0], "sample_indices_", None)
    expected, is_copy = _expected_weights(X, y, weights, final.X_, final.y_, sample_indices)
    np.testing.assert_allclose(final.sample_weight_, expected, rtol=1e-12)
    # every kept input row reaches the estimator with its own weight
    kept = pipe.source_indices_[~pipe.is_synthetic_]
    np.testing.assert_allclose(final.sample_weight_[~pipe.is_synthetic_], weights[kept], rtol=1e-12)
    assert np.all(is_copy[~pipe.is_synthetic_])


@pytest.mark.parametrize(
    "make",
    [
        lambda: resampling.EditedNearestNeighbours(),
        lambda: resampling.RepeatedEditedNearestNeighbours(),
        lambda: resampling.AllKNN(),
        lambda: resampling.TomekLinks(sampling_strategy="all"),
        lambda: resampling.NeighbourhoodCleaningRule(),
        lambda: resampling.OneSidedSelection(random_state=0),
    ],
    ids=["ENN", "RENN", "AllKNN", "Tomek", "NCR", "OSS"],
)
def test_weights_follow_rows_through_datafix_cleaners(make):
    X, y = _data("plain")
    weights = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    pipe = dfx.make_pipeline(make(), RecordingClassifier()).fit(X, y, sample_weight=weights)
    cleaner, final = pipe[0], pipe[-1]
    np.testing.assert_array_equal(final.X_, X[cleaner.source_indices_])
    np.testing.assert_array_equal(final.sample_weight_, weights[cleaner.source_indices_])
    assert not cleaner.is_synthetic_.any()


def test_smote_then_datafix_enn_weights():
    """Synthetic rows from SMOTE get their class's mean weight, and keep it through ENN."""
    X, y = _data("plain")
    weights = np.random.default_rng(2).uniform(0.5, 2.0, size=len(y))
    pipe = dfx.make_pipeline(
        over_sampling.SMOTE(random_state=0), resampling.EditedNearestNeighbours(sampling_strategy="all"),
        RecordingClassifier(),
    ).fit(X, y, sample_weight=weights)
    final = pipe[-1]
    expected, _ = _expected_weights(X, y, weights, final.X_, final.y_)
    np.testing.assert_allclose(final.sample_weight_, expected, rtol=1e-12)
    assert pipe.is_synthetic_.any() and (~pipe.is_synthetic_).any()


def test_weights_through_imblearn_renn_when_its_sample_indices_are_wrong():
    """imbalanced-learn's RENN returns rows grouped by class but, when its first pass removes
    nothing, a ``sample_indices_`` that applies the grouping twice; the pipeline must not trust it."""
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(20, 1, (30, 2))]
    y = np.r_[np.zeros(60, int), np.ones(30, int)]
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    weights = np.arange(1.0, len(y) + 1)
    pipe = dfx.make_pipeline(under_sampling.RepeatedEditedNearestNeighbours(), RecordingClassifier())
    pipe.fit(X, y, sample_weight=weights)
    final = pipe[-1]
    expected, is_copy = _expected_weights(X, y, weights, final.X_, final.y_)
    assert is_copy.all()
    np.testing.assert_array_equal(final.sample_weight_, expected)
    np.testing.assert_array_equal(X[pipe.source_indices_], final.X_)
