"""ImageAugmenter against the hand-written albumentations loop it replaces.

Both sides apply the same albumentations pipeline to the same source images
(the augmenter's own choice of sources, so the work is identical) and build
the same balanced batch: the input images followed by the augmented ones.
Prints images per second, the augmenter's overhead over the loop, and peak
memory (tracemalloc: numpy buffers, in separate untimed runs).

    python benchmarks/augmentation.py            # 10 000 images of 64x64x3
    python benchmarks/augmentation.py --quick    # 1 000 images

Timings are best-of-``--repeats``, wall clock and CPU time of the process; on a
shared machine wall clock is noisy, and the overhead is best read from CPU time.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import albumentations as A  # noqa: E402
import numpy as np  # noqa: E402

from datafix import ImageAugmenter  # noqa: E402


def make_data(n_images: int, size: int, seed: int = 0):
    """Three classes in proportions 5:3:2, random uint8 RGB images."""
    rng = np.random.default_rng(seed)
    counts = [n_images // 2, (3 * n_images) // 10]
    counts.append(n_images - sum(counts))
    y = np.repeat(np.arange(3), counts)
    X = rng.integers(0, 256, size=(n_images, size, size, 3), dtype=np.uint8)
    return X, y


def make_transform():
    return A.Compose(
        [
            A.HorizontalFlip(p=0.5),
            A.Affine(rotate=(-15, 15), scale=(0.9, 1.1), p=1.0),
            A.RandomBrightnessContrast(p=0.5),
        ],
        seed=0,
    )


def hand_written_loop(X, y, sources, transform):
    """What people write today: augment each chosen source, append to the batch.

    ``transform`` is called as albumentations transforms are: ``transform(image=...)["image"]``.
    """
    augmented = np.empty((len(sources),) + X.shape[1:], dtype=X.dtype)
    for position, source in enumerate(sources):
        augmented[position] = transform(image=X[source])["image"]
    return np.concatenate([X, augmented]), np.concatenate([y, y[sources]])


def run_augmenter(X, y):
    augmenter = ImageAugmenter(make_transform(), random_state=0)
    X_out, y_out = augmenter.fit_resample(X, y)
    return X_out, y_out, augmenter


def timed(function):
    """Wall-clock and CPU seconds of one call (CPU time suffers less from a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def peak_memory(function):
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 000 images instead of 10 000")
    parser.add_argument("--size", type=int, default=64, help="image side in pixels (default 64)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side; the best is kept")
    args = parser.parse_args()

    n_images = 1_000 if args.quick else 10_000
    X, y = make_data(n_images, args.size)
    _, y_balanced, augmenter = run_augmenter(X, y)  # also warms up both code paths
    sources = augmenter.source_indices_[augmenter.is_synthetic_]
    n_new = len(sources)
    hand_written_loop(X[:10], y[:10], sources[sources < 10][:10], make_transform())

    print(f"input: {n_images} images of {X.shape[1:]} uint8 ({X.nbytes / 2**20:.0f} MiB), class counts "
          f"{np.bincount(y).tolist()} -> {np.bincount(y_balanced).tolist()}: {n_new} augmented images")
    print(f"transform: HorizontalFlip + Affine(rotate, scale) + RandomBrightnessContrast; best of {args.repeats}, sides alternated")

    # alternate the two sides so background load hits both alike; keep the best of each
    loop_runs, augmenter_runs = [], []
    for _ in range(args.repeats):
        loop_runs.append(timed(lambda: hand_written_loop(X, y, sources, make_transform())))
        augmenter_runs.append(timed(lambda: run_augmenter(X, y)))
    loop_wall, loop_cpu = (min(column) for column in zip(*loop_runs))
    augmenter_wall, augmenter_cpu = (min(column) for column in zip(*augmenter_runs))

    loop_peak = peak_memory(lambda: hand_written_loop(X, y, sources, make_transform()))
    augmenter_peak = peak_memory(lambda: run_augmenter(X, y))

    print(f"{'':24}{'wall s':>8}{'CPU s':>8}{'images/s (CPU)':>16}{'peak MiB':>10}")
    print(f"{'hand-written loop':24}{loop_wall:8.2f}{loop_cpu:8.2f}{n_new / loop_cpu:16.0f}{loop_peak / 2**20:10.1f}")
    print(f"{'datafix.ImageAugmenter':24}{augmenter_wall:8.2f}{augmenter_cpu:8.2f}{n_new / augmenter_cpu:16.0f}"
          f"{augmenter_peak / 2**20:10.1f}")
    print(f"overhead of ImageAugmenter over the loop: CPU time {100 * (augmenter_cpu / loop_cpu - 1):+.1f}%, "
          f"wall time {100 * (augmenter_wall / loop_wall - 1):+.1f}%")
    # The augmenter's own cost, isolated: the same work with an identity augmentation, so that
    # only datafix's bookkeeping (validation, source cycling, copies, provenance) differs.
    identity_loop, identity_augmenter = [], []
    for _ in range(args.repeats):
        identity_loop.append(timed(lambda: hand_written_loop(X, y, sources, lambda image: {"image": image}))[1])
        identity_augmenter.append(timed(lambda: ImageAugmenter(lambda image: image, random_state=0).fit_resample(X, y))[1])
    bookkeeping = min(identity_augmenter) - min(identity_loop)
    print(f"identity augmentation (bookkeeping only), CPU s: loop {min(identity_loop):.3f}, "
          f"ImageAugmenter {min(identity_augmenter):.3f}; datafix's extra cost {bookkeeping:+.3f} s = "
          f"{100 * bookkeeping / loop_cpu:+.1f}% of the albumentations loop")
    print(f"peak memory ratio (augmenter / loop): {augmenter_peak / loop_peak:.2f}; "
          f"output batch itself: {(n_images + n_new) * X[0].nbytes / 2**20:.0f} MiB")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
