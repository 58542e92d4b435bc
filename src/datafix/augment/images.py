"""ImageAugmenter: rebalance (or simply enlarge) an image batch with augmented copies.

The hand-written loop this replaces::

    for cls in minority_classes:
        for i in range(needed[cls]):
            source = random.choice(rows_of[cls])
            new_images.append(transform(image=X[source])["image"])

becomes one pipeline step that also records which image every augmented
copy came from, uses every source image before any twice, carries sample
weights, and is reproducible under ``random_state``.

albumentations is never imported by this module: an albumentations
transform passed by the user is recognised because albumentations is then
already loaded.
"""

from __future__ import annotations

import copy
import inspect
import sys
import time
import warnings
from numbers import Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils import check_random_state

from .._compat import Interval, StrOptions
from .._tabular import plain_value
from ..base import BaseFix, Resampled

__all__ = ["ImageAugmenter", "check_images"]

_STRATEGY_NAMES = {"auto", "minority", "not minority", "not majority", "all"}


def check_images(X, *, name: str = "X") -> np.ndarray:
    """Validate a batch of images and return it as one numpy array.

    Parameters
    ----------
    X : array-like of shape (n_images, height, width) or (n_images, height, width, channels)
        Images with numeric pixels (uint8, other integers or floats). A list
        of equally shaped arrays is stacked.
    name : str, default="X"
        The argument's name, used in error messages.

    Returns
    -------
    ndarray
        The images, 3-D or 4-D. An ndarray comes back as it is (not copied);
        callers never modify it.

    Raises
    ------
    ValueError
        For images of different shapes, a 2-D table, other dimensionalities,
        an empty batch, empty images or non-numeric pixels.

    Examples
    --------
    >>> import numpy as np
    >>> from datafix.augment.images import check_images
    >>> check_images(np.zeros((5, 8, 8), dtype=np.uint8)).shape
    (5, 8, 8)
    >>> check_images([np.zeros((8, 8)), np.zeros((9, 9))])
    Traceback (most recent call last):
    ...
    ValueError: X holds images of different shapes: (8, 8) at row 0 but (9, 9) at row 1; ...
    """
    expected = "a batch of images of shape (n_images, height, width) or (n_images, height, width, channels)"
    if X is None:
        raise ValueError(f"{name} is required: pass {expected}.")
    if isinstance(X, (pd.DataFrame, pd.Series)) or sp.issparse(X):
        raise ValueError(
            f"{name} must be {expected} as a numpy array, got a {type(X).__name__}. "
            f"Tables of features need a tabular fix; images stored as flat rows need reshaping first, "
            f"e.g. np.asarray(X).reshape(-1, height, width)."
        )
    if isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1):
        shapes = [np.shape(image) for image in X]
        for row, shape in enumerate(shapes):
            if shape != shapes[0]:
                raise ValueError(
                    f"{name} holds images of different shapes: {shapes[0]} at row 0 but {shape} at row {row}; "
                    f"resize them to one shape first (e.g. with albumentations' A.Resize or PIL) and stack "
                    f"them into one array."
                )
    if hasattr(X, "detach") and hasattr(X, "cpu"):  # a torch tensor
        X = X.detach().cpu().numpy()
    X = np.asarray(X)
    if X.ndim == 2:
        raise ValueError(
            f"{name} must be {expected}, got a 2-D array of shape {X.shape}, which looks like a table of "
            f"features rather than images. If each row is a flattened image, reshape it first, e.g. "
            f"X.reshape(-1, 8, 8) for scikit-learn's digits; for tabular data use a tabular fix."
        )
    if X.ndim not in (3, 4):
        raise ValueError(f"{name} must be {expected}, got an array of shape {X.shape} ({X.ndim}-D).")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has no rows (no images).")
    if 0 in X.shape[1:]:
        raise ValueError(f"{name} has empty images: each image has shape {X.shape[1:]}.")
    if X.dtype.kind not in "uif":
        hint = " Convert a boolean mask with X.astype(np.uint8) * 255." if X.dtype.kind == "b" else ""
        raise ValueError(
            f"{name} must hold numeric pixel values (uint8, other integers or floats), got dtype {X.dtype}.{hint}"
        )
    return X


def _is_albumentations(transform) -> bool:
    """An albumentations transform (albumentations is loaded if the user built one)."""
    if sys.modules.get("albumentations") is None:  # not loaded (or blocked): not its transform
        return False
    try:
        from albumentations.core.composition import BaseCompose
        from albumentations.core.transforms_interface import BasicTransform
    except ImportError:
        return False

    return isinstance(transform, (BaseCompose, BasicTransform))


def _accepts_rng(function) -> bool:
    try:
        return "rng" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _make_augment(transform, seed: int):
    """A function image -> augmented image, seeded; the user's transform is not modified."""
    if _is_albumentations(transform):
        seeded = copy.deepcopy(transform)
        seeded.set_random_seed(seed)
        return lambda image: seeded(image=image)["image"]
    if _accepts_rng(transform):
        rng = np.random.default_rng(seed)
        return lambda image: transform(image, rng=rng)
    return transform


def _as_image(output, image_shape, dtype, source_row):
    """Check the transform's output and convert it to the batch's shape and dtype."""
    if isinstance(output, dict) and "image" in output:
        raise TypeError(
            "augmentation returned a dict; pass an albumentations transform itself (ImageAugmenter calls it "
            "as transform(image=...)) or a callable that returns the image array."
        )
    if hasattr(output, "detach") and hasattr(output, "cpu"):
        output = output.detach().cpu().numpy()
    output = np.asarray(output)
    if output.dtype.kind not in "uifb":
        raise TypeError(
            f"augmentation must return an image array with numeric pixels, got {type(output).__name__} of "
            f"dtype {output.dtype} for source row {source_row}."
        )
    if output.shape != image_shape:
        channel_added = output.shape == image_shape + (1,) or output.shape + (1,) == image_shape
        if not channel_added:
            height, width = image_shape[:2]
            raise ValueError(
                f"augmentation changed the image shape from {image_shape} to {output.shape} (source row "
                f"{source_row}); augmented images join the batch, so they must keep its shape. Use "
                f"shape-preserving transforms or end with a resize/crop back to the input size, "
                f"e.g. A.Resize({height}, {width})."
            )
        output = output.reshape(image_shape)
    if output.dtype == dtype:
        return output
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        values = np.rint(output) if output.dtype.kind == "f" else output
        return np.clip(values, info.min, info.max).astype(dtype)
    return output.astype(dtype)


class ImageAugmenter(BaseFix):
    """Balance an image batch by adding augmented copies of minority-class images.

    For every class below its target count, ``ImageAugmenter`` generates the
    missing images by applying ``augmentation`` to that class's images. Sources
    are taken **in turn, not at random**: the class's images are shuffled once
    (under ``random_state``) and cycled through, so every source image is used
    before any is used twice, and each is used ``floor(m / n)`` or
    ``ceil(m / n)`` times for ``m`` new images from ``n`` sources.

    The output is the input batch, unchanged and in order, followed by the
    augmented images (class by class, in sorted class order). Shape and dtype
    are kept; an augmentation that returns floats for an integer batch is rounded
    and clipped to the dtype's range.

    Parameters
    ----------
    augmentation : callable
        An albumentations transform (``A.Compose([...])`` or a single
        transform), called as ``transform(image=image)["image"]``, or any
        callable ``image -> image`` that keeps the image's shape. A plain
        callable that accepts a keyword argument ``rng`` gets a
        :class:`numpy.random.Generator` there, seeded from ``random_state``,
        which makes it reproducible; albumentations transforms are seeded
        through their own ``set_random_seed`` (on a copy: the object passed
        in is never modified).
    sampling_strategy : float, str, dict or callable, default="auto"
        The target count of each class, as in imbalanced-learn's
        over-samplers: ``"auto"`` / ``"not majority"`` (every class but the
        majority up to the majority's count), ``"minority"``,
        ``"not minority"``, ``"all"``; a float (binary problems only: the
        minority's target as a fraction of the majority's count); a dict
        ``{class: target_count}``; or a callable ``y -> dict``.
    multiplier : float >= 1, optional
        Plain augmentation instead of balancing: every class grows by this
        factor (each class of ``n_k`` images gets ``round(n_k * (multiplier
        - 1))`` augmented copies, so ``multiplier=2`` doubles the batch and
        keeps the class proportions). Cannot be combined with a
        ``sampling_strategy`` other than ``"auto"``.
    random_state : int, RandomState instance or None, default=None
        Controls the order in which sources are cycled and seeds the
        augmentation.
    verbose : bool, default=False
        Report progress (every tenth of the images to augment) on stderr.

    Attributes
    ----------
    sampling_strategy_ : dict
        The number of augmented images generated for each class (0 for
        classes left as they are).
    image_shape_ : tuple
        The shape of one image.
    classes_ : ndarray
        The class labels.
    source_indices_ : ndarray of int
        For each output image, the input image it is (or was augmented from).
    is_synthetic_ : ndarray of bool
        Which output images are augmented copies.

    Notes
    -----
    The parameter is called ``augmentation``, not ``transform``: a pipeline
    step with a ``transform`` attribute counts as a transformer, and a step
    cannot be both a transformer and a fix (in datafix's pipeline as in
    imbalanced-learn's).

    Weights follow the fix contract: an augmented image inherits the weight
    of its source image. Augmentation runs image by image (albumentations
    transforms one image per call); see ``benchmarks/augmentation.py`` for
    its speed against a hand-written loop.

    Examples
    --------
    A plain callable (no albumentations needed): flip left-right and add
    a little noise.

    >>> import numpy as np
    >>> from datafix import ImageAugmenter
    >>> def flip_and_jitter(image, rng):
    ...     noise = rng.integers(-8, 9, size=image.shape)
    ...     return np.clip(image[:, ::-1] + noise, 0, 255)
    >>> X = np.random.RandomState(0).randint(0, 256, size=(12, 8, 8)).astype(np.uint8)
    >>> y = np.array([0] * 9 + [1] * 3)
    >>> augmenter = ImageAugmenter(flip_and_jitter, random_state=0)
    >>> X_out, y_out = augmenter.fit_resample(X, y)
    >>> X_out.shape, X_out.dtype, np.bincount(y_out)
    ((18, 8, 8), dtype('uint8'), array([9, 9]))
    >>> augmenter.sampling_strategy_
    {0: 0, 1: 6}
    >>> np.bincount(augmenter.source_indices_[augmenter.is_synthetic_])[9:]
    array([2, 2, 2])

    With albumentations the transform is an ``A.Compose``::

        import albumentations as A
        transform = A.Compose([A.HorizontalFlip(), A.Affine(rotate=(-10, 10))])
        ImageAugmenter(transform, random_state=0).fit_resample(X, y)
    """

    _parameter_constraints = {
        "augmentation": [callable],
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),
            StrOptions(_STRATEGY_NAMES),
            dict,
            callable,
        ],
        "multiplier": [Interval(Real, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, augmentation, *, sampling_strategy="auto", multiplier=None, random_state=None, verbose=False):
        self.augmentation = augmentation
        self.sampling_strategy = sampling_strategy
        self.multiplier = multiplier
        self.random_state = random_state
        self.verbose = verbose

    def _check_features(self, X):
        return check_images(X)

    def _images_to_generate(self, y) -> dict:
        """Number of augmented images per class, in sorted class order."""
        classes, counts = np.unique(y, return_counts=True)
        if self.multiplier is not None:
            if not (isinstance(self.sampling_strategy, str) and self.sampling_strategy == "auto"):
                raise ValueError(
                    f"multiplier={self.multiplier!r} and sampling_strategy={self.sampling_strategy!r} were "
                    f"both given; multiplier augments every class by a factor, sampling_strategy balances. "
                    f"Pass one of them."
                )
            extra = np.floor(counts * (self.multiplier - 1.0) + 0.5).astype(np.int64)
            return {plain_value(c): int(n) for c, n in zip(classes, extra)}
        from imblearn.utils import check_sampling_strategy

        wanted = check_sampling_strategy(self.sampling_strategy, y, "over-sampling")
        wanted = {plain_value(c): int(n) for c, n in wanted.items()}
        return {plain_value(c): wanted.get(plain_value(c), 0) for c in classes}

    def _fit_resample(self, X, y, sample_weight):
        to_generate = self._images_to_generate(y)
        rng = check_random_state(self.random_state)
        sources = []
        for cls, count in to_generate.items():
            if count == 0:
                continue
            rows = np.flatnonzero(y == cls)
            # shuffle once, then cycle: each source used floor(m/n) or ceil(m/n) times
            sources.append(np.resize(rng.permutation(rows), count))
        sources = np.concatenate(sources).astype(np.intp) if sources else np.empty(0, dtype=np.intp)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.sampling_strategy_ = to_generate
        self.image_shape_ = X.shape[1:]

        if _is_albumentations(self.augmentation) and _looks_channels_first(X.shape):
            warnings.warn(
                f"X has shape {X.shape}, which looks channels-first (n, channels, height, width), but "
                f"albumentations expects channels last (n, height, width, channels); pass "
                f"X.transpose(0, 2, 3, 1) and transpose the result back if your model needs it.",
                UserWarning,
                stacklevel=3,
            )
        augment = _make_augment(self.augmentation, seed)
        synthetic_images = np.empty((len(sources),) + X.shape[1:], dtype=X.dtype)
        report_every = max(1, -(-len(sources) // 10)) if self.verbose else 0  # at most ten lines
        started = time.perf_counter()
        for position, source in enumerate(sources):
            # a C-ordered copy: the transform may work in place and must never touch the caller's X
            image = np.array(X[source], order="C", copy=True)
            synthetic_images[position] = _as_image(augment(image), X.shape[1:], X.dtype, int(source))
            if report_every and ((position + 1) % report_every == 0 or position + 1 == len(sources)):
                print(
                    f"[ImageAugmenter] {position + 1}/{len(sources)} images augmented "
                    f"({time.perf_counter() - started:.1f}s)",
                    file=sys.stderr,
                )

        n_rows = X.shape[0]
        return Resampled(
            source_indices=np.concatenate([np.arange(n_rows, dtype=np.intp), sources]),
            is_synthetic=np.concatenate([np.zeros(n_rows, dtype=bool), np.ones(len(sources), dtype=bool)]),
            X_synthetic=synthetic_images,
        )


def _looks_channels_first(shape) -> bool:
    return len(shape) == 4 and shape[1] in (1, 3, 4) and shape[3] not in (1, 3, 4)
