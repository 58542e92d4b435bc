"""Estimators: a scikit-learn neural classifier built on skorch.

``TorchClassifier`` is defined in a module that imports neither torch nor
skorch; both load when a classifier is fitted.
"""

from __future__ import annotations

from .torch_classifier import TorchClassifier

__all__ = ["TorchClassifier"]
