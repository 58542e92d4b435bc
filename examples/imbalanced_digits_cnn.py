"""Imbalanced digits: augmentation vs class-balanced sampling for a small CNN.

scikit-learn's bundled 8x8 digit images, split in half: the test half stays
untouched, and in the training half three classes (2, 5 and 8) keep only 5%
of their rows. A small CNN is trained three ways, with the same number of
optimiser steps and the same seeds:

1. **plain**: the imbalanced training set, shuffled;
2. **ImageAugmenter**: the training set balanced with augmented copies of the
   minority images (albumentations: small rotations, shifts and zooms);
3. **ClassBalancedSampler**: the imbalanced set, drawn by a
   ``DataLoader`` whose sampler makes every class equally likely.

It prints the recall of the cut classes and the balanced accuracy on the test
half, averaged over a few seeds. The comparison uses a plain torch training
loop, because the sampler plugs into a ``DataLoader``. A last section fits the
augmenter the scikit-learn way: ``ImageAugmenter`` and ``datafix.TorchClassifier``
in one ``datafix.Pipeline`` (the augmenter runs during ``fit`` only). Runs in
well under a minute on two CPU cores.

    python examples/imbalanced_digits_cnn.py
"""

from __future__ import annotations

import os

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import albumentations as A  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.metrics import balanced_accuracy_score, recall_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from datafix import ClassBalancedSampler, ImageAugmenter, TorchClassifier, make_pipeline  # noqa: E402

MINORITY_CLASSES = [2, 5, 8]
KEEP_FRACTION = 0.05
STEPS = 300
BATCH_SIZE = 32
SEEDS = [0, 1, 2]


def load_imbalanced_digits():
    digits = load_digits()
    images = np.clip(np.rint(digits.images * (255 / 16)), 0, 255).astype(np.uint8)  # (n, 8, 8) uint8
    X_train, X_test, y_train, y_test = train_test_split(
        images, digits.target, test_size=0.5, stratify=digits.target, random_state=0
    )
    rng = np.random.default_rng(0)
    keep = np.ones(len(y_train), dtype=bool)
    for cls in MINORITY_CLASSES:
        rows = np.flatnonzero(y_train == cls)
        n_keep = int(np.ceil(KEEP_FRACTION * len(rows)))
        keep[rng.choice(rows, size=len(rows) - n_keep, replace=False)] = False
    return X_train[keep], y_train[keep], X_test, y_test


def small_cnn(input_shape=(1, 8, 8), n_classes=10):
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64),
        nn.ReLU(),
        nn.Linear(64, n_classes),
    )


def as_tensors(images, labels):
    return torch.as_tensor(images, dtype=torch.float32).unsqueeze(1) / 255.0, torch.as_tensor(labels)


def train(loader, seed):
    """The same number of optimiser steps whatever the loader's epoch length."""
    torch.manual_seed(seed)
    model = small_cnn()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_function = nn.CrossEntropyLoss()
    step = 0
    while step < STEPS:
        for images, labels in loader:
            optimiser.zero_grad()
            loss_function(model(images), labels).backward()
            optimiser.step()
            step += 1
            if step == STEPS:
                break
    return model.eval()


def scores(y_test, predicted):
    minority_recall = recall_score(y_test, predicted, labels=MINORITY_CLASSES, average=None)
    return minority_recall, balanced_accuracy_score(y_test, predicted)


def evaluate(model, X_test, y_test):
    with torch.no_grad():
        predicted = model(as_tensors(X_test, y_test)[0]).argmax(1).numpy()
    return scores(y_test, predicted)


def to_network_input(images):
    """(n, 8, 8) uint8 -> (n, 1, 8, 8) float32 in [0, 1], the layout torch's Conv2d expects."""
    return (np.asarray(images, dtype=np.float32) / 255.0)[:, None]


def main():
    torch.set_num_threads(1)  # tiny model: more threads only add contention on a busy machine
    X_train, y_train, X_test, y_test = load_imbalanced_digits()
    print(f"training set: {len(y_train)} images, class counts {np.bincount(y_train).tolist()}")
    print(f"test set (untouched): {len(y_test)} images")

    augmentation = A.Compose(
        [A.Affine(rotate=(-12, 12), translate_px=(-1, 1), scale=(0.9, 1.1), p=1.0)]  # no flips: digits are not symmetric
    )

    def plain(seed):
        generator = torch.Generator().manual_seed(seed)
        return DataLoader(TensorDataset(*as_tensors(X_train, y_train)), BATCH_SIZE, shuffle=True, generator=generator)

    def augmented(seed):
        X_balanced, y_balanced = ImageAugmenter(augmentation, random_state=seed).fit_resample(X_train, y_train)
        generator = torch.Generator().manual_seed(seed)
        return DataLoader(
            TensorDataset(*as_tensors(X_balanced, y_balanced)), BATCH_SIZE, shuffle=True, generator=generator
        )

    def balanced_sampler(seed):
        sampler = ClassBalancedSampler(y_train, class_weight="balanced", random_state=seed)
        return DataLoader(TensorDataset(*as_tensors(X_train, y_train)), BATCH_SIZE, sampler=sampler)

    X_balanced, y_balanced = ImageAugmenter(augmentation, random_state=0).fit_resample(X_train, y_train)
    print(f"after ImageAugmenter: {len(y_balanced)} images, class counts {np.bincount(y_balanced).tolist()}")
    print(f"{STEPS} Adam steps of batch {BATCH_SIZE} per run, mean over seeds {SEEDS}\n")

    header = "".join(f"{'recall ' + str(c):>10}" for c in MINORITY_CLASSES)
    print(f"{'method':24}{header}{'minority':>10}{'bal. acc':>10}")
    for name, make_loader in [
        ("plain", plain),
        ("ImageAugmenter", augmented),
        ("ClassBalancedSampler", balanced_sampler),
    ]:
        recalls, balanced_accuracies = [], []
        for seed in SEEDS:
            recall, balanced_accuracy = evaluate(train(make_loader(seed), seed), X_test, y_test)
            recalls.append(recall)
            balanced_accuracies.append(balanced_accuracy)
        recall = np.mean(recalls, axis=0)
        columns = "".join(f"{value:10.3f}" for value in recall)
        print(f"{name:24}{columns}{recall.mean():10.3f}{np.mean(balanced_accuracies):10.3f}")

    # The scikit-learn way: the augmenter is a pipeline step, used only while fitting.
    pipeline = make_pipeline(
        ImageAugmenter(augmentation, random_state=0),
        FunctionTransformer(to_network_input),
        TorchClassifier(small_cnn, loss="cross_entropy", max_epochs=15, batch_size=BATCH_SIZE, lr=3e-3, random_state=0),
    )
    pipeline.fit(X_train, y_train)
    recall, balanced_accuracy = scores(y_test, pipeline.predict(X_test))
    columns = "".join(f"{value:10.3f}" for value in recall)
    print("\ndatafix.Pipeline(ImageAugmenter -> TorchClassifier), seed 0, 15 epochs:")
    print(f"{'pipeline':24}{columns}{recall.mean():10.3f}{balanced_accuracy:10.3f}")


if __name__ == "__main__":
    main()
