"""Every public fix, listed once. A new fix joins the conformance suite
(tests/common/test_conformance.py) by adding one ``FixCase`` here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import datafix as dfx


@dataclass(frozen=True)
class FixCase:
    """How to build a fix for the conformance suite.

    name : test id.
    make : returns a new, unfitted fix (with ``random_state`` set if it has one).
    data : "tabular" (numeric features, 3 imbalanced classes, 150 rows) or
           "images" (uint8 batch of shape (n, 8, 8)).
    random : the fix uses randomness (determinism under ``random_state`` is checked).
    """

    name: str
    make: Callable
    data: str = "tabular"
    random: bool = False
    marks: tuple = field(default_factory=tuple)


FIXES = [
    FixCase("ClassWeighter", lambda: dfx.ClassWeighter()),
    FixCase("ClassWeighter-effective_number", lambda: dfx.ClassWeighter("effective_number", beta=0.99)),
    FixCase("LabelSmoother", lambda: dfx.LabelSmoother(epsilon=0.1)),
    FixCase("LabelSmoother-class_frequency", lambda: dfx.LabelSmoother(epsilon=0.3, prior="class_frequency")),
    FixCase("Mixup", lambda: dfx.Mixup(mixup_alpha=0.4, random_state=0), random=True),
    FixCase("ImageAugmenter", lambda: dfx.ImageAugmenter(  # plain callable: no albumentations needed
        lambda image, rng: image[:, ::-1] ^ rng.integers(0, 8, size=image.shape, dtype=image.dtype),
        random_state=0), data="images", random=True),
    FixCase("DuplicateRemover", lambda: dfx.DuplicateRemover()),
    FixCase("DuplicateRemover-drop", lambda: dfx.DuplicateRemover(conflicts="drop")),
    FixCase("Pipeline-of-fixes", lambda: dfx.make_pipeline(dfx.ClassWeighter(), dfx.ClassWeighter("inverse_sqrt"))),
    FixCase("EditedNearestNeighbours", lambda: dfx.EditedNearestNeighbours()),
    FixCase("EditedNearestNeighbours-mode-all", lambda: dfx.EditedNearestNeighbours(sampling_strategy="all", kind_sel="mode")),
    FixCase("RepeatedEditedNearestNeighbours", lambda: dfx.RepeatedEditedNearestNeighbours()),
    FixCase("AllKNN", lambda: dfx.AllKNN()),
    FixCase("TomekLinks", lambda: dfx.TomekLinks(sampling_strategy="all")),
    FixCase("NeighbourhoodCleaningRule", lambda: dfx.NeighbourhoodCleaningRule()),
    FixCase("OneSidedSelection", lambda: dfx.OneSidedSelection(random_state=0), random=True),
    FixCase("LabelCleaner-drop", lambda: dfx.LabelCleaner(random_state=0), random=True),
    FixCase("LabelCleaner-relabel", lambda: dfx.LabelCleaner(action="relabel", random_state=0), random=True),
    FixCase("LabelCleaner-downweight", lambda: dfx.LabelCleaner(action="downweight", random_state=0), random=True),
    FixCase("GenerativeOverSampler-tvae", lambda: dfx.GenerativeOverSampler("tvae", epochs=1, batch_size=32, random_state=0), random=True),
]
