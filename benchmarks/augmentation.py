"""ImageAugmenter against the hand-written albumentations loop it replaces.

Both sides apply the same albumentations pipeline to the same source images
(the augmenter's own choice of sources, so the work is identical) and build
the same balanced batch: the input images followed by the augmented ones.
Prints images per second, the augmenter's overhead over the loop, and peak
memory (tracemalloc: numpy buffers, in separate untimed runs).

    python benchmarks/augmentation.py            # 10 000 images of 64x64x3
    python benchmarks/augmentation.py --quick    # 1 000 images

Timings are best-of-``--repeats`` wall clock; on a shared machine they are noisy.
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
    """What people write today: augment each chosen source, append to the batch."""
    augmented = np.empty((len(sources),) + X.shape[1:], dtype=X.dtype)
    for position, source in enumerate(sources):
        augmented[position] = transform(image=X[source])["image"]
    return np.concatenate([X, augmented]), np.concatenate([y, y[sources]])


def run_augmenter(X, y):
    augmenter = ImageAugmenter(make_transform(), random_state=0)
    X_out, y_out = augmenter.fit_resample(X, y)
    return X_out, y_out, augmenter


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


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
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side; the best is kept")
    args = parser.parse_args()

    n_images = 1_000 if args.quick else 10_000
    X, y = make_data(n_images, args.size)
    _, y_balanced, augmenter = run_augmenter(X, y)  # also warms up both code paths
    sources = augmenter.source_indices_[augmenter.is_synthetic_]
    n_new = len(sources)
    hand_written_loop(X[:10], y[:10], sources[sources < 10][:10], make_transform())

    print(f"input: {n_images} images of {X.shape[1:]} uint8 ({X.nbytes / 2**20:.0f} MiB), class counts "
          f"{np.bincount(y).tolist()} -> {np.bincount(y_balanced).tolist()}: {n_new} augmented images")
    print(f"transform: HorizontalFlip + Affine(rotate, scale) + RandomBrightnessContrast; best of {args.repeats}")

    # alternate the two sides so background load hits both alike
    loop_times, augmenter_times = [], []
    for _ in range(args.repeats):
        loop_times.append(best_time(lambda: hand_written_loop(X, y, sources, make_transform()), 1))
        augmenter_times.append(best_time(lambda: run_augmenter(X, y), 1))
    loop_time, augmenter_time = min(loop_times), min(augmenter_times)

    loop_peak = peak_memory(lambda: hand_written_loop(X, y, sources, make_transform()))
    augmenter_peak = peak_memory(lambda: run_augmenter(X, y))

    print(f"{'':26}{'seconds':>9}{'images/s':>11}{'peak MiB':>10}")
    print(f"{'hand-written loop':26}{loop_time:9.2f}{n_new / loop_time:11.0f}{loop_peak / 2**20:10.1f}")
    print(f"{'datafix.ImageAugmenter':26}{augmenter_time:9.2f}{n_new / augmenter_time:11.0f}"
          f"{augmenter_peak / 2**20:10.1f}")
    print(f"overhead of ImageAugmenter over the loop: {100 * (augmenter_time / loop_time - 1):+.1f}% "
          f"(time ratio {augmenter_time / loop_time:.3f})")
    print(f"peak memory ratio (augmenter / loop): {augmenter_peak / loop_peak:.2f}; "
          f"output batch itself: {(n_images + n_new) * X[0].nbytes / 2**20:.0f} MiB")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
