"""ClassBalancedSampler: draw probabilities, reproducibility, DataLoader use, errors."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader, Sampler, TensorDataset  # noqa: E402

from datafix import ClassBalancedSampler, compute_class_weights  # noqa: E402

LABELS = np.repeat([0, 1, 2], [300, 60, 15])


def class_frequencies(sampler, labels=LABELS):
    drawn = np.asarray(list(sampler))
    return np.bincount(labels[drawn], minlength=labels.max() + 1) / len(drawn)


def test_is_a_torch_sampler():
    sampler = ClassBalancedSampler(LABELS)
    assert isinstance(sampler, Sampler)
    assert len(sampler) == len(LABELS)


def test_balanced_draws_every_class_equally_often():
    sampler = ClassBalancedSampler(LABELS, n_samples=60_000, random_state=0)
    np.testing.assert_allclose(class_frequencies(sampler), [1 / 3] * 3, atol=0.01)


@pytest.mark.parametrize("class_weight", ["balanced", "inverse_sqrt", "effective_number", {0: 1.0, 1: 2.0, 2: 10.0}])
def test_class_frequencies_follow_compute_class_weights(class_weight):
    weights = compute_class_weights(LABELS, class_weight, beta=0.99)
    counts = np.bincount(LABELS)
    mass = np.array([weights[c] * counts[c] for c in range(3)])
    expected = mass / mass.sum()
    sampler = ClassBalancedSampler(LABELS, class_weight=class_weight, beta=0.99, n_samples=60_000, random_state=1)
    np.testing.assert_allclose(class_frequencies(sampler), expected, atol=0.01)
    # the documented per-row probabilities agree with the class weights
    row_probabilities = sampler.weights.numpy()
    np.testing.assert_allclose(row_probabilities.sum(), 1.0)
    np.testing.assert_allclose(row_probabilities[LABELS == 2].sum(), expected[2])


def test_a_class_with_zero_weight_is_never_drawn():
    sampler = ClassBalancedSampler(LABELS, class_weight={0: 1.0, 1: 0.0, 2: 1.0}, n_samples=5000, random_state=0)
    frequencies = class_frequencies(sampler)
    assert frequencies[1] == 0
    np.testing.assert_allclose(frequencies[[0, 2]], [300 / 315, 15 / 315], atol=0.01)


def test_rows_within_a_class_are_equally_likely():
    sampler = ClassBalancedSampler(LABELS, n_samples=90_000, random_state=2)
    drawn = np.bincount(np.asarray(list(sampler)), minlength=len(LABELS))
    minority = drawn[LABELS == 2]  # 15 rows sharing a third of 90 000 draws: 2000 each in expectation
    assert np.all(np.abs(minority - 2000) < 250)
    assert drawn.sum() == 90_000


def test_same_seed_same_epochs_and_epochs_differ():
    first = ClassBalancedSampler(LABELS, random_state=5)
    second = ClassBalancedSampler(LABELS, random_state=5)
    epoch_1, epoch_2 = list(first), list(first)
    assert epoch_1 == list(second) and epoch_2 == list(second)
    assert epoch_1 != epoch_2
    assert list(ClassBalancedSampler(LABELS, random_state=6)) != epoch_1


def test_torch_generator_is_used_as_given():
    generator = torch.Generator().manual_seed(3)
    a = list(ClassBalancedSampler(LABELS, random_state=generator))
    b = list(ClassBalancedSampler(LABELS, random_state=torch.Generator().manual_seed(3)))
    assert a == b


def test_without_replacement_draws_distinct_rows():
    sampler = ClassBalancedSampler(LABELS, n_samples=100, replacement=False, random_state=0)
    drawn = list(sampler)
    assert len(drawn) == len(set(drawn)) == 100
    full = list(ClassBalancedSampler(LABELS, replacement=False, random_state=0))
    assert sorted(full) == list(range(len(LABELS)))  # every row exactly once


def test_with_a_dataloader():
    features = torch.arange(len(LABELS), dtype=torch.float32).unsqueeze(1)
    dataset = TensorDataset(features, torch.as_tensor(LABELS))
    sampler = ClassBalancedSampler(LABELS, n_samples=3000, random_state=0)
    loader = DataLoader(dataset, batch_size=100, sampler=sampler)
    batches = list(loader)
    assert len(batches) == len(loader) == 30
    labels = torch.cat([batch[1] for batch in batches]).numpy()
    assert len(labels) == 3000
    np.testing.assert_allclose(np.bincount(labels) / 3000, [1 / 3] * 3, atol=0.04)


@pytest.mark.parametrize(
    "labels",
    [
        torch.as_tensor(LABELS),
        pd.Series(np.array(["ant", "bee", "cat"])[LABELS]),
        list(np.array(["ant", "bee", "cat"])[LABELS]),
    ],
    ids=["tensor", "series", "list-of-strings"],
)
def test_label_containers(labels):
    sampler = ClassBalancedSampler(labels, n_samples=30_000, random_state=0)
    np.testing.assert_allclose(class_frequencies(sampler), [1 / 3] * 3, atol=0.015)


def test_does_not_modify_labels():
    labels = LABELS.copy()
    ClassBalancedSampler(labels, random_state=0)
    np.testing.assert_array_equal(labels, LABELS)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"y": [0, 1, np.nan]}, ValueError, "missing labels"),
        ({"y": [[0], [1]]}, ValueError, "1-D"),
        ({"y": []}, ValueError, "empty"),
        ({"y": LABELS, "n_samples": 0}, ValueError, "n_samples must be a positive integer"),
        ({"y": LABELS, "n_samples": 2.5}, ValueError, "n_samples must be a positive integer"),
        ({"y": LABELS, "n_samples": 10_000, "replacement": False}, ValueError, "without replacement"),
        ({"y": LABELS, "replacement": "yes"}, ValueError, "replacement must be True or False"),
        ({"y": LABELS, "random_state": np.random.RandomState(0)}, ValueError, "random_state must be an int"),
        ({"y": LABELS, "class_weight": "median"}, ValueError, "class_weight must be one of"),
        ({"y": LABELS, "class_weight": {0: 1.0}}, ValueError, "no weight for classes"),
    ],
    ids=[
        "nan-labels", "2d-labels", "empty", "zero-samples", "float-samples", "too-many-without-replacement",
        "bad-replacement", "numpy-random-state", "unknown-class-weight", "incomplete-dict",
    ],
)
def test_bad_input_gives_clear_error(kwargs, error, message):
    with pytest.raises(error, match=message):
        ClassBalancedSampler(**kwargs)


def test_strategy_and_num_samples_are_deprecated_names():
    expected = list(ClassBalancedSampler(LABELS, class_weight="inverse_sqrt", n_samples=500, random_state=3))
    with pytest.warns(FutureWarning) as caught:
        old = ClassBalancedSampler(LABELS, strategy="inverse_sqrt", num_samples=500, random_state=3)
    messages = " ".join(str(warning.message) for warning in caught)
    assert "`strategy` was renamed to `class_weight`" in messages and "`num_samples` was renamed to `n_samples`" in messages
    assert list(old) == expected and len(old) == 500
    with pytest.warns(FutureWarning, match="num_samples was renamed to n_samples"):
        assert old.num_samples == 500
    with pytest.warns(FutureWarning, match="renamed to class_weight_"):
        assert old.class_weight == old.class_weight_
    with pytest.raises(TypeError, match="got both"):
        ClassBalancedSampler(LABELS, n_samples=10, num_samples=20)
    with pytest.raises(TypeError, match="got both"):
        ClassBalancedSampler(LABELS, class_weight="inverse_sqrt", strategy="effective_number")


def _run_python(code: str):
    env = dict(os.environ, NO_ALBUMENTATIONS_UPDATE="1")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_import_datafix_loads_neither_torch_nor_albumentations():
    code = (
        "import sys, datafix\n"
        "datafix.ImageAugmenter, datafix.compute_class_weights\n"
        "import datafix.augment\n"
        "print(sorted(m for m in ('torch', 'albumentations') if m in sys.modules))\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_torch_the_error_names_the_extra():
    code = (
        "import sys, importlib.abc\n"
        "class BlockTorch(importlib.abc.MetaPathFinder):  # as if torch were not installed\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, BlockTorch())\n"
        "import datafix\n"
        "try:\n"
        "    datafix.ClassBalancedSampler([0, 1, 1])\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert "pip install 'datafix[torch]'" in result.stdout
