"""compute_class_weights and ClassWeighter."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.class_weight import compute_class_weight

import datafix as dfx

label_lists = st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=2, max_size=60).filter(
    lambda labels: len(set(labels)) >= 1
)


@pytest.mark.parametrize("strategy", ["balanced", "effective_number", "inverse_sqrt", {"a": 1.0, "b": 3.0, "c": 0.5}])
@given(labels=label_lists)
@settings(max_examples=40, deadline=None)
def test_mean_row_weight_is_one(strategy, labels):
    if isinstance(strategy, dict) and not set(labels) <= set(strategy):
        return
    weights = dfx.compute_class_weights(labels, strategy)
    assert list(weights) == sorted(set(labels))
    assert np.mean([weights[label] for label in labels]) == pytest.approx(1.0)


def test_balanced_matches_scikit_learn():
    y = np.repeat([0, 1, 2], [50, 30, 5])
    ours = dfx.compute_class_weights(y, "balanced")
    theirs = compute_class_weight("balanced", classes=np.array([0, 1, 2]), y=y)
    np.testing.assert_allclose(list(ours.values()), theirs)


def test_effective_number_follows_cui_et_al_and_tends_to_balanced():
    y = np.repeat([0, 1], [900, 100])
    beta = 0.99
    weights = dfx.compute_class_weights(y, "effective_number", beta=beta)
    expected_ratio = ((1 - beta) / (1 - beta**100)) / ((1 - beta) / (1 - beta**900))
    assert weights[1] / weights[0] == pytest.approx(expected_ratio)
    nearly_balanced = dfx.compute_class_weights(y, "effective_number", beta=1 - 1e-9)
    assert nearly_balanced[1] / nearly_balanced[0] == pytest.approx(9.0, rel=1e-4)
    assert dfx.compute_class_weights(y, "effective_number", beta=0.0) == {0: 1.0, 1: 1.0}


def test_sample_weight_makes_counts_weighted():
    y = np.array([0, 0, 1])
    assert dfx.compute_class_weights(y, sample_weight=[1, 1, 2]) == {0: 1.0, 1: 1.0}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"strategy": "nope"}, "strategy must be one of"),
        ({"strategy": {0: 1.0}}, "no weight for classes"),
        ({"strategy": "effective_number", "beta": 1.0}, r"beta must be a number in \[0, 1\)"),
        ({"sample_weight": [1, 1, 1]}, "3 weights but X has 4 rows"),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dfx.compute_class_weights([0, 0, 1, 1], **kwargs)


def test_class_weighter_multiplies_incoming_weights():
    X = np.arange(12).reshape(6, 2)
    y = np.array([0, 0, 0, 0, 1, 1])
    weights = np.array([1.0, 2.0, 1.0, 2.0, 1.0, 1.0])
    X_out, y_out, weights_out = dfx.ClassWeighter().fit_resample(X, y, sample_weight=weights)
    class_weight = dfx.ClassWeighter().fit_resample(X, y, sample_weight=weights)[2] / weights
    np.testing.assert_allclose(weights_out, weights * class_weight)
    # weighted counts: class 0 holds 6/8 of the weight, class 1 holds 2/8
    assert weights_out[y == 1].sum() == pytest.approx(weights_out[y == 0].sum())


def test_class_weighter_rejects_bad_strategy_at_fit_time():
    weighter = dfx.ClassWeighter(strategy="sometimes")
    with pytest.raises(ValueError, match="strategy"):
        weighter.fit_resample([[0], [1]], [0, 1])
