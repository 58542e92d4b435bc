"""datafix: fix the training data of classifiers.

Every public name is available flat, as ``datafix.<Name>``; each is imported on
first use, so ``import datafix`` stays light and never imports an optional
dependency (torch, albumentations, lightgbm, xgboost, matplotlib, skorch).
"""

from __future__ import annotations

from ._optional import lazy_exports
from ._version import __version__ as __version__  # re-exported: datafix.__version__

# public name -> module that defines it (relative to the datafix package)
_PUBLIC_NAMES = {
    "BaseFix": ".base",
    "Resampled": ".base",
    "Pipeline": ".pipeline",
    "make_pipeline": ".pipeline",
    "out_of_fold_proba": ".labels",
    "find_label_issues": ".labels",
    "LabelCleaner": ".labels",
    "make_label_noise": ".datasets",
    "ClassWeighter": ".weighting",
    "compute_class_weights": ".weighting",
    "TorchClassifier": ".estimators.torch_classifier",
    "FocalBoostingClassifier": ".losses.boosting",
    "audit": ".auditing",
    "AuditReport": ".auditing",
    "DuplicateRemover": ".deduplication",
    "ImageAugmenter": ".augment.images",
    "ClassBalancedSampler": ".augment.sampler",
    "LabelSmoother": ".smoothing",
    "Mixup": ".smoothing",
    "smooth_labels": ".smoothing",
    "EditedNearestNeighbours": ".resampling",
    "RepeatedEditedNearestNeighbours": ".resampling",
    "AllKNN": ".resampling",
    "TomekLinks": ".resampling",
    "NeighbourhoodCleaningRule": ".resampling",
    "OneSidedSelection": ".resampling",
    "imbalanced_report": ".metrics",
    "compare_fixes": ".selection",
    "FixComparison": ".selection",
    "CostSensitiveClassifier": ".decision",
    "FixBaggingClassifier": ".ensemble",
    "GenerativeOverSampler": ".generative",
    "synthetic_quality": ".generative",
}

__all__ = sorted(_PUBLIC_NAMES)


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC_NAMES)
