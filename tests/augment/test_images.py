"""ImageAugmenter: counts, source cycling, determinism, dtype/shape, pipelines, errors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.over_sampling import RandomOverSampler
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

import datafix as dfx
from datafix import ImageAugmenter


def flip(image):
    return image[:, ::-1]


def flip_and_noise(image, rng):
    noise = rng.integers(-20, 21, size=image.shape)
    return np.clip(image[:, ::-1].astype(np.int64) + noise, 0, 255)


def make_images(counts=(30, 12, 5), shape=(8, 8), dtype=np.uint8, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    if np.dtype(dtype).kind == "f":
        X = rng.uniform(0, 1, size=(len(y),) + shape).astype(dtype)
    else:
        X = rng.randint(0, 256, size=(len(y),) + shape).astype(dtype)
    return X, y


def flatten(X):
    return np.asarray(X).reshape(len(X), -1)


@pytest.fixture(scope="module")
def albumentations():
    return pytest.importorskip("albumentations")


# --- class counts ---------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy",
    ["auto", "not majority", "all", "minority", "not minority", {1: 20, 2: 25}, lambda y: {2: 30}],
    ids=["auto", "not-majority", "all", "minority", "not-minority", "dict", "callable"],
)
def test_class_counts_match_imblearn_random_oversampler(strategy):
    X, y = make_images()
    X_out, y_out = ImageAugmenter(flip, sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    _, y_anchor = RandomOverSampler(sampling_strategy=strategy, random_state=0).fit_resample(flatten(X), y)
    assert Counter(y_out.tolist()) == Counter(y_anchor.tolist())
    assert len(X_out) == len(y_out)


def test_float_strategy_for_binary_problems():
    X, y = make_images(counts=(40, 6))
    augmenter = ImageAugmenter(flip, sampling_strategy=0.5, random_state=0)
    _, y_out = augmenter.fit_resample(X, y)
    assert np.bincount(y_out).tolist() == [40, 20]
    assert augmenter.sampling_strategy_ == {0: 0, 1: 14}


def test_auto_balances_every_class_to_the_majority():
    X, y = make_images(counts=(30, 12, 5, 1))
    _, y_out = ImageAugmenter(flip, random_state=0).fit_resample(X, y)
    assert np.bincount(y_out).tolist() == [30, 30, 30, 30]


def test_balanced_input_comes_back_as_a_copy():
    X, y = make_images(counts=(10, 10))
    augmenter = ImageAugmenter(flip, random_state=0)
    X_out, y_out = augmenter.fit_resample(X, y)
    np.testing.assert_array_equal(X_out, X)
    np.testing.assert_array_equal(y_out, y)
    assert not np.shares_memory(X_out, X)
    assert augmenter.sampling_strategy_ == {0: 0, 1: 0} and not augmenter.is_synthetic_.any()


def test_string_labels_and_series_are_kept():
    X, y = make_images()
    labels = pd.Series(np.array(["cat", "dog", "eel"])[y], index=100 + np.arange(len(y)), name="animal")
    augmenter = ImageAugmenter(flip, random_state=0)
    X_out, y_out = augmenter.fit_resample(X, labels)
    assert isinstance(y_out, pd.Series) and y_out.name == "animal"
    assert y_out.value_counts().to_dict() == {"cat": 30, "dog": 30, "eel": 30}
    kept = ~augmenter.is_synthetic_
    assert y_out.index[kept].equals(labels.index)
    assert not set(y_out.index[~kept]) & set(labels.index)
    assert augmenter.sampling_strategy_ == {"cat": 0, "dog": 18, "eel": 25}


# --- sources are cycled evenly ------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(1, 15), min_size=2, max_size=4),
    extra=st.lists(st.integers(0, 40), min_size=4, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_every_source_used_floor_or_ceil_times(counts, extra, seed):
    X, y = make_images(counts=tuple(counts), shape=(2, 2))
    targets = {cls: count + extra[cls] for cls, count in enumerate(counts)}
    augmenter = ImageAugmenter(lambda image: image, sampling_strategy=targets, random_state=seed)
    _, y_out = augmenter.fit_resample(X, y)
    assert np.bincount(y_out).tolist() == [targets[cls] for cls in range(len(counts))]
    used = np.bincount(augmenter.source_indices_[augmenter.is_synthetic_], minlength=len(y))
    for cls, count in enumerate(counts):
        m, n = extra[cls], count
        uses = used[y == cls]
        assert uses.sum() == m
        assert set(uses.tolist()) <= {m // n, -(-m // n)}


def test_synthetic_images_are_the_augmentation_of_their_source():
    X, y = make_images()
    augmenter = ImageAugmenter(flip, random_state=3)
    X_out, y_out = augmenter.fit_resample(X, y)
    synthetic, source = augmenter.is_synthetic_, augmenter.source_indices_
    np.testing.assert_array_equal(X_out[: len(X)], X)  # the input comes first, unchanged
    assert not synthetic[: len(X)].any() and synthetic[len(X) :].all()
    np.testing.assert_array_equal(X_out[synthetic], X[source[synthetic]][:, :, ::-1])
    np.testing.assert_array_equal(y_out, y[source])


def test_weights_follow_sources():
    X, y = make_images()
    weights = np.random.RandomState(0).uniform(0.5, 2, len(y))
    augmenter = ImageAugmenter(flip, random_state=0)
    _, _, weights_out = augmenter.fit_resample(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights_out, weights[augmenter.source_indices_])


def test_verbose_reports_progress_on_stderr(capsys):
    X, y = make_images()
    ImageAugmenter(flip, random_state=0, verbose=True).fit_resample(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert 2 <= len(lines) <= 10 and lines[-1].startswith("[ImageAugmenter] 43/43 images augmented")
    ImageAugmenter(flip, random_state=0).fit_resample(X, y)
    assert capsys.readouterr().err == ""


# --- multiplier -------------------------------------------------------------------


@pytest.mark.parametrize("multiplier", [1, 1.5, 2, 3])
def test_multiplier_grows_every_class_by_the_factor(multiplier):
    counts = (30, 12, 5)
    X, y = make_images(counts=counts)
    augmenter = ImageAugmenter(flip, multiplier=multiplier, random_state=0)
    _, y_out = augmenter.fit_resample(X, y)
    expected = [int(np.floor(n * multiplier + 0.5)) for n in counts]
    assert np.bincount(y_out).tolist() == expected
    used = np.bincount(augmenter.source_indices_[augmenter.is_synthetic_], minlength=len(y))
    if multiplier == int(multiplier):  # an integer factor uses every image the same number of times
        assert set(used.tolist()) == {multiplier - 1}


def test_multiplier_and_a_balancing_strategy_conflict():
    X, y = make_images()
    with pytest.raises(ValueError, match="Pass one of them"):
        ImageAugmenter(flip, multiplier=2, sampling_strategy="all").fit_resample(X, y)


# --- determinism ------------------------------------------------------------------


def test_plain_callable_with_rng_is_deterministic():
    X, y = make_images()
    first = ImageAugmenter(flip_and_noise, random_state=7).fit_resample(X, y)[0]
    second = ImageAugmenter(flip_and_noise, random_state=7).fit_resample(X, y)[0]
    other = ImageAugmenter(flip_and_noise, random_state=8).fit_resample(X, y)[0]
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_albumentations_is_deterministic_and_not_modified(albumentations):
    A = albumentations
    transform = A.Compose(
        [A.HorizontalFlip(p=0.5), A.Affine(rotate=(-15, 15), p=1.0), A.RandomBrightnessContrast(p=0.5)], seed=123
    )
    X, y = make_images(shape=(16, 16, 3))
    first = ImageAugmenter(transform, random_state=0).fit_resample(X, y)[0]
    second = ImageAugmenter(transform, random_state=0).fit_resample(X, y)[0]
    other = ImageAugmenter(transform, random_state=1).fit_resample(X, y)[0]
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)
    assert transform.seed == 123  # seeding happened on a copy


def test_albumentations_transform_is_applied(albumentations):
    A = albumentations
    X, y = make_images(shape=(8, 8, 3))
    augmenter = ImageAugmenter(A.HorizontalFlip(p=1.0), random_state=0)
    X_out, _ = augmenter.fit_resample(X, y)
    synthetic, source = augmenter.is_synthetic_, augmenter.source_indices_
    np.testing.assert_array_equal(X_out[synthetic], X[source[synthetic]][:, :, ::-1])


# --- dtype and shape --------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, dtype",
    [((8, 8), np.uint8), ((8, 8, 3), np.uint8), ((8, 8, 1), np.uint8), ((8, 8, 3), np.float32), ((6, 10), np.float64)],
)
def test_dtype_and_shape_preserved_with_albumentations(albumentations, shape, dtype):
    A = albumentations
    transform = A.Compose([A.HorizontalFlip(p=0.5), A.Affine(rotate=(-10, 10), p=1.0)])
    X, y = make_images(shape=shape, dtype=dtype)
    X_out, _ = ImageAugmenter(transform, random_state=0).fit_resample(X, y)
    assert X_out.dtype == X.dtype
    assert X_out.shape == (90,) + shape


def test_float_output_for_integer_images_is_rounded_and_clipped():
    X, y = make_images(counts=(4, 2))
    X_out, _ = ImageAugmenter(lambda image: image * 1.5 + 0.4, random_state=0).fit_resample(X, y)
    assert X_out.dtype == np.uint8
    augmented = X_out[len(X) :]
    expected = np.clip(np.rint(X[y == 1].astype(float) * 1.5 + 0.4), 0, 255)
    np.testing.assert_array_equal(np.sort(augmented.reshape(2, -1), axis=0), np.sort(expected.reshape(2, -1), axis=0))


def test_list_of_images_is_accepted():
    X, y = make_images()
    X_out, _ = ImageAugmenter(flip, random_state=0).fit_resample(list(X), y)
    assert isinstance(X_out, np.ndarray) and X_out.shape == (90, 8, 8)


def test_in_place_augmentation_does_not_touch_the_callers_images():
    def brighten_in_place(image):
        image += 1
        return image

    X, y = make_images()
    before = X.copy()
    ImageAugmenter(brighten_in_place, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X, before)


# --- pipelines --------------------------------------------------------------------


def test_in_datafix_pipeline_with_flatten_and_classifier():
    X, y = make_images(counts=(40, 15, 6))
    weights = np.ones(len(y))
    pipe = dfx.Pipeline(
        [
            ("augment", ImageAugmenter(flip_and_noise, random_state=0)),
            ("flatten", FunctionTransformer(flatten)),
            ("model", LogisticRegression(max_iter=300)),
        ]
    )
    pipe.fit(X, y, sample_weight=weights)
    assert len(pipe.source_indices_) == 120 and pipe.is_synthetic_.sum() == 120 - len(y)
    np.testing.assert_array_equal(pipe.predict(X), pipe[-1].predict(flatten(X)))  # skipped at predict time
    assert pipe.predict(X).shape == (len(y),)


def test_in_pipeline_with_albumentations_and_grid_search(albumentations):
    from sklearn.model_selection import GridSearchCV

    A = albumentations
    X, y = make_images(counts=(40, 15, 6))
    pipe = dfx.make_pipeline(
        ImageAugmenter(A.Compose([A.HorizontalFlip(p=0.5)]), random_state=0),
        FunctionTransformer(lambda X: flatten(X) / 255.0),
        LogisticRegression(max_iter=500),
    )
    search = GridSearchCV(pipe, {"imageaugmenter__multiplier": [None, 2]}, cv=3).fit(X, y)
    assert search.best_estimator_.predict(X).shape == (len(y),)


# --- optional dependencies --------------------------------------------------------


def _run_python(code: str):
    env = dict(os.environ, NO_ALBUMENTATIONS_UPDATE="1")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_plain_callable_works_without_albumentations():
    code = (
        "import sys\n"
        "sys.modules['albumentations'] = None  # makes 'import albumentations' fail\n"
        "import numpy as np, datafix\n"
        "X = np.arange(5 * 16, dtype=np.uint8).reshape(5, 4, 4)\n"
        "X_out, y_out = datafix.ImageAugmenter(lambda im: im[::-1], random_state=0).fit_resample(X, [0, 0, 0, 1, 1])\n"
        "assert X_out.shape == (6, 4, 4) and list(y_out) == [0, 0, 0, 1, 1, 1]\n"
        "assert sys.modules['albumentations'] is None\n"
        "print('ok')\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# --- bad input --------------------------------------------------------------------


def test_images_of_mixed_shapes():
    images = [np.zeros((8, 8), np.uint8)] * 3 + [np.zeros((9, 8), np.uint8)]
    with pytest.raises(ValueError, match=r"different shapes: \(8, 8\) at row 0 but \(9, 8\) at row 3"):
        ImageAugmenter(flip).fit_resample(images, [0, 0, 1, 1])


def test_augmentation_that_changes_the_shape():
    X, y = make_images()
    with pytest.raises(ValueError, match=r"changed the image shape from \(8, 8\) to \(7, 8\).*A.Resize\(8, 8\)"):
        ImageAugmenter(lambda image: image[1:]).fit_resample(X, y)


def test_albumentations_crop_that_changes_the_shape(albumentations):
    A = albumentations
    X, y = make_images(shape=(8, 8, 3))
    with pytest.raises(ValueError, match=r"changed the image shape from \(8, 8, 3\) to \(6, 6, 3\)"):
        ImageAugmenter(A.RandomCrop(6, 6)).fit_resample(X, y)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros((20, 64)), r"got a 2-D array of shape \(20, 64\).*table of features.*reshape"),
        (pd.DataFrame(np.zeros((20, 4))), "got a DataFrame"),
        (np.zeros((20, 2, 2, 2, 2)), r"got an array of shape \(20, 2, 2, 2, 2\)"),
        (np.full((20, 2, 2), "a"), "numeric pixel values"),
        (np.zeros((20, 0, 3)), "empty images"),
    ],
    ids=["2d-table", "dataframe", "5d", "strings", "empty-image"],
)
def test_not_an_image_batch(X, message):
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match=message):
        ImageAugmenter(flip).fit_resample(X, y)


def test_errors_come_before_any_augmentation():
    calls = []

    def counting(image):
        calls.append(1)
        return image

    X, y = make_images()
    with pytest.raises(ValueError):
        ImageAugmenter(counting, sampling_strategy={1: 5}).fit_resample(X, y)  # below the current 12
    with pytest.raises(ValueError, match="different lengths"):
        ImageAugmenter(counting).fit_resample(X, y[:-1])
    assert calls == []


def test_channels_first_batch_warns_with_albumentations(albumentations):
    X, y = make_images(shape=(3, 16, 16))
    with pytest.warns(UserWarning, match=r"channels-first.*X.transpose\(0, 2, 3, 1\)"):
        ImageAugmenter(albumentations.HorizontalFlip(p=1.0), random_state=0).fit_resample(X, y)


def test_augmentation_must_return_an_image():
    X, y = make_images()
    with pytest.raises(TypeError, match="returned a dict"):
        ImageAugmenter(lambda image: {"image": image}).fit_resample(X, y)
    with pytest.raises(TypeError, match="numeric pixels"):
        ImageAugmenter(lambda image: None).fit_resample(X, y)


def test_invalid_parameters():
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = make_images()
    with pytest.raises(InvalidParameterError, match="augmentation"):
        ImageAugmenter("flip").fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="multiplier"):
        ImageAugmenter(flip, multiplier=0.5).fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="sampling_strategy"):
        ImageAugmenter(flip, sampling_strategy="majority").fit_resample(X, y)
