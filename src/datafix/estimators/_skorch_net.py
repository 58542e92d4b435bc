"""The skorch pieces behind :class:`datafix.TorchClassifier` (imports torch and skorch).

Kept in their own module so that ``datafix.estimators`` imports neither until
a classifier is fitted, while fitted classifiers still pickle (every class
here is importable by name).
"""

from __future__ import annotations

import sys

import torch
from skorch import NeuralNet
from skorch.utils import to_tensor

__all__ = ["WeightedNeuralNet", "InputAdapter", "make_mlp", "softmax_last_dim", "print_to_stderr", "discard"]


class WeightedNeuralNet(NeuralNet):
    """A skorch ``NeuralNet`` whose batch loss honours per-row sample weights.

    ``X`` is a dict ``{"data": features, "sample_weight": weights}`` (skorch's
    documented way to pass extra per-row arrays); the criterion is built with
    ``reduction="none"`` and the batch loss is ``mean(sample_weight * loss)``,
    an unbiased estimate of the weighted training loss.
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        per_row = super().get_loss(y_pred, y_true, X=X, training=training)
        if per_row.ndim == 0:
            raise ValueError("the criterion must be built with reduction='none' to weight rows.")
        weight = X.get("sample_weight") if isinstance(X, dict) else None
        if weight is None:
            return per_row.mean()
        weight = to_tensor(weight, device=self.device).to(per_row.dtype)
        return (weight * per_row).mean()


class InputAdapter(torch.nn.Module):
    """Calls the user's module on ``data`` and ignores ``sample_weight``, which is for the loss only."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, data, sample_weight=None):
        return self.inner(data)


def make_mlp(n_features: int, n_classes: int, hidden_layer_sizes, dropout: float) -> torch.nn.Module:
    """Linear layers with ReLU (and dropout) between them, ending in ``n_classes`` logits."""
    layers = []
    width = n_features
    for size in hidden_layer_sizes:
        layers.append(torch.nn.Linear(width, int(size)))
        layers.append(torch.nn.ReLU())
        if dropout:
            layers.append(torch.nn.Dropout(dropout))
        width = int(size)
    layers.append(torch.nn.Linear(width, n_classes))
    return torch.nn.Sequential(*layers)


def softmax_last_dim(logits: torch.Tensor) -> torch.Tensor:
    """skorch's ``predict_nonlinearity``: probabilities from logits whatever the loss."""
    return torch.softmax(logits, dim=-1)


def print_to_stderr(text: str) -> None:
    """skorch's ``PrintLog`` sink: progress goes to stderr."""
    print(text, file=sys.stderr)


def discard(text: str) -> None:
    """A sink for messages nobody asked for (``verbose=False``)."""
