"""make_label_noise: exact, reproducible, documented label errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datafix.datasets import make_label_noise


@pytest.fixture
def labels():
    return np.repeat(np.array(["ant", "bee", "cat", "dog"]), [100, 60, 30, 10])


@pytest.mark.parametrize("kind", ["uniform", "pairwise"])
@pytest.mark.parametrize("rate", [0.0, 0.1, 0.35])
def test_exact_per_class_counts(labels, kind, rate):
    before = labels.copy()
    y_noisy, is_flipped = make_label_noise(labels, rate=rate, kind=kind, random_state=3)
    np.testing.assert_array_equal(labels, before)  # not mutated
    np.testing.assert_array_equal(is_flipped, y_noisy != labels)
    for cls in np.unique(labels):
        members = labels == cls
        assert is_flipped[members].sum() == int(round(rate * members.sum()))
    assert set(np.unique(y_noisy)) <= set(np.unique(labels))


def test_uniform_reaches_every_other_class(labels):
    y_noisy, is_flipped = make_label_noise(labels, rate=0.5, random_state=0)
    targets = set(y_noisy[is_flipped & (labels == "ant")])
    assert targets == {"bee", "cat", "dog"}


def test_pairwise_uses_one_fixed_target_per_class(labels):
    y_noisy, is_flipped = make_label_noise(labels, rate=0.2, kind="pairwise", random_state=0)
    pairs = set(zip(labels[is_flipped], y_noisy[is_flipped]))
    assert pairs == {("ant", "bee"), ("bee", "cat"), ("cat", "dog"), ("dog", "ant")}


def test_reproducible_and_seed_dependent(labels):
    first = make_label_noise(labels, rate=0.2, random_state=7)
    second = make_label_noise(labels, rate=0.2, random_state=7)
    other = make_label_noise(labels, rate=0.2, random_state=8)
    np.testing.assert_array_equal(first[0], second[0])
    assert not np.array_equal(first[1], other[1])


def test_class_conditional_follows_the_matrix():
    y = np.repeat([0, 1], 20_000)
    matrix = np.array([[0.7, 0.3], [0.05, 0.95]])
    y_noisy, is_flipped = make_label_noise(y, kind="class_conditional", noise_matrix=matrix, random_state=0)
    np.testing.assert_array_equal(is_flipped, y_noisy != y)
    observed = np.array([[np.mean(y_noisy[y == k] == j) for j in (0, 1)] for k in (0, 1)])
    np.testing.assert_allclose(observed, matrix, atol=0.015)  # 20k draws: standard error < 0.004


def test_class_conditional_identity_flips_nothing(labels):
    y_noisy, is_flipped = make_label_noise(labels, kind="class_conditional", noise_matrix=np.eye(4), random_state=0)
    assert not is_flipped.any()
    np.testing.assert_array_equal(y_noisy, labels)


def test_series_in_series_out():
    y = pd.Series(["a", "b"] * 20, index=np.arange(100, 140), name="target")
    y_noisy, is_flipped = make_label_noise(y, rate=0.25, random_state=0)
    assert isinstance(y_noisy, pd.Series)
    assert y_noisy.name == "target" and y_noisy.index.equals(y.index)
    assert is_flipped.sum() == 10


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rate": 1.0}, "rate must be a number in \\[0, 1\\)"),
        ({"rate": -0.1}, "rate must be"),
        ({"rate": "10%"}, "rate must be"),
        ({"kind": "random"}, "kind must be one of"),
        ({"kind": "class_conditional"}, "needs noise_matrix"),
        ({"kind": "class_conditional", "noise_matrix": np.eye(3)}, "shape \\(4, 4\\)"),
        ({"kind": "class_conditional", "noise_matrix": np.full((4, 4), 0.3)}, "sum to 1"),
        ({"kind": "uniform", "noise_matrix": np.eye(4)}, "only used with kind='class_conditional'"),
    ],
)
def test_bad_arguments(labels, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_label_noise(labels, **kwargs)


def test_bad_labels():
    with pytest.raises(ValueError, match="missing labels"):
        make_label_noise([0, 1, np.nan])
    with pytest.raises(ValueError, match="one class"):
        make_label_noise([1, 1, 1])
