"""compute_class_weights and ClassWeighter."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.utils.class_weight import compute_class_weight

import datafix as dfx

label_lists = st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=2, max_size=60).filter(
    lambda labels: len(set(labels)) >= 1
)


@pytest.mark.parametrize("class_weight", ["balanced", "effective_number", "inverse_sqrt", {"a": 1.0, "b": 3.0, "c": 0.5}])
@given(labels=label_lists)
@settings(max_examples=40, deadline=None)
def test_mean_row_weight_is_one(class_weight, labels):
    if isinstance(class_weight, dict) and not set(labels) <= set(class_weight):
        return
    weights = dfx.compute_class_weights(labels, class_weight)
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
        ({"class_weight": "nope"}, "class_weight must be one of"),
        ({"class_weight": {0: 1.0}}, "no weight for classes"),
        ({"class_weight": "effective_number", "beta": 1.0}, r"beta must be a number in \[0, 1\)"),
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


def test_class_weighter_rejects_bad_class_weight_at_fit_time():
    weighter = dfx.ClassWeighter(class_weight="sometimes")
    with pytest.raises(ValueError, match="class_weight"):
        weighter.fit_resample([[0], [1]], [0, 1])


Y = np.repeat([0, 1], [9, 3])
X = np.arange(24.0).reshape(12, 2)


def test_strategy_is_the_deprecated_name_of_class_weight():
    expected = dfx.compute_class_weights(Y, class_weight="inverse_sqrt")
    with pytest.warns(FutureWarning, match="`strategy` was renamed to `class_weight`"):
        assert dfx.compute_class_weights(Y, strategy="inverse_sqrt") == expected
    with pytest.raises(TypeError, match="got both"):
        dfx.compute_class_weights(Y, "effective_number", strategy="inverse_sqrt")

    old = dfx.ClassWeighter(strategy="inverse_sqrt")
    with pytest.warns(FutureWarning, match="ClassWeighter: `strategy` was renamed"):
        weights = old.fit_resample(X, Y)[2]
    np.testing.assert_array_equal(weights, dfx.ClassWeighter("inverse_sqrt").fit_resample(X, Y)[2])
    assert clone(old).get_params()["strategy"] == "inverse_sqrt"
    with pytest.raises(TypeError, match="got both"):
        dfx.ClassWeighter(class_weight="effective_number", strategy="inverse_sqrt").fit_resample(X, Y)


def test_class_weighter_beta_is_keyword_only_with_a_warning_for_one_release():
    with pytest.warns(FutureWarning, match=r"ClassWeighter: pass beta=0.9 by keyword"):
        positional = dfx.ClassWeighter("effective_number", 0.9)
    assert positional.get_params() == dfx.ClassWeighter("effective_number", beta=0.9).get_params()
    with pytest.raises(TypeError, match="multiple values"):
        dfx.ClassWeighter("effective_number", 0.9, beta=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dfx.ClassWeighter("effective_number", beta=0.9).fit_resample(X, Y)


def test_the_old_name_of_the_named_class_weights_warns():
    import datafix.weighting as weighting

    with pytest.warns(FutureWarning, match="renamed to NAMED_CLASS_WEIGHTS"):
        assert weighting.CLASS_WEIGHT_STRATEGIES == weighting.NAMED_CLASS_WEIGHTS
    with pytest.raises(AttributeError):
        weighting.NO_SUCH_NAME  # noqa: B018
