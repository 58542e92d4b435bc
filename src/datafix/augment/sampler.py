"""ClassBalancedSampler: class weights as a ``torch.utils.data.Sampler``.

torch is optional: it is imported when this module is (that is, on first use
of ``datafix.ClassBalancedSampler``), never by ``import datafix``. Without
torch the module still imports, and creating a sampler raises an error that
names the extra to install.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np

from .._deprecation import DEPRECATED, REMOVED_IN, renamed_parameter
from .._optional import MissingExtraError
from ..validation import check_labels
from ..weighting import compute_class_weights

try:  # optional dependency: only needed once a sampler is created
    import torch
    from torch.utils.data import Sampler as _TorchSampler
except ImportError:  # pragma: no cover - exercised only without torch
    torch = None
    _TorchSampler = object

__all__ = ["ClassBalancedSampler"]


def _labels_as_numpy(y):
    if hasattr(y, "detach") and hasattr(y, "cpu"):  # a torch tensor
        y = y.detach().cpu().numpy()
    return y


class ClassBalancedSampler(_TorchSampler):
    """Draw row indices for a ``DataLoader`` with class-weighted probabilities.

    Each row's probability is proportional to its class weight from
    :func:`datafix.compute_class_weights`, so with ``class_weight="balanced"``
    every class is drawn equally often in expectation, whatever its size;
    ``"effective_number"`` and ``"inverse_sqrt"`` correct less. Within a
    class every row is equally likely.

    Use it in place of ``shuffle=True``:
    ``DataLoader(dataset, batch_size=64, sampler=ClassBalancedSampler(labels))``.

    Parameters
    ----------
    y : array-like or tensor of shape (n_samples,)
        The class label of every row of the dataset, in dataset order.
    class_weight : {"balanced", "effective_number", "inverse_sqrt"} or dict, default="balanced"
        How classes are weighted; see :func:`datafix.compute_class_weights`.
        A dict gives the weight of every class directly.
    n_samples : int, optional
        Indices drawn per epoch (per iteration over the sampler). Defaults
        to ``len(y)``, so an epoch has the usual number of batches.
        (torch's ``WeightedRandomSampler`` calls it ``num_samples``.)
    replacement : bool, default=True
        Draw with replacement (rows of small classes repeat within an epoch).
        Without replacement ``n_samples`` may not exceed ``len(y)``.
    random_state : int, torch.Generator or None, default=None
        An int seeds a private generator, so the sequence of epochs is
        reproducible (each epoch still draws new indices); a
        ``torch.Generator`` is used as it is; ``None`` uses torch's global
        random state, like ``torch.utils.data.WeightedRandomSampler``.
    beta : float in [0, 1), default=0.999
        For ``class_weight="effective_number"``.
    strategy, num_samples
        Deprecated old names of ``class_weight`` and ``n_samples``; removed
        in datafix 0.3.

    Attributes
    ----------
    class_weight_ : dict
        The weight of each class.
    weights : torch.Tensor of float64, shape (len(y),)
        Each row's draw probability (they sum to 1).
    n_samples : int
        Indices drawn per epoch (``len(sampler)``).
    class_weight, num_samples
        Deprecated: the weight of each class (now ``class_weight_``) and the
        indices per epoch (now ``n_samples``); they warn when read.

    Raises
    ------
    MissingExtraError
        When torch is not installed.

    Examples
    --------
    >>> import torch
    >>> from datafix import ClassBalancedSampler
    >>> labels = [0] * 90 + [1] * 10
    >>> sampler = ClassBalancedSampler(labels, n_samples=10_000, random_state=0)
    >>> drawn = torch.tensor(labels)[list(sampler)]
    >>> round(drawn.float().mean().item(), 1)  # class 1 is now half of the draws
    0.5
    >>> sampler.class_weight_
    {0: 0.5555555555555556, 1: 5.0}
    """

    def __init__(
        self,
        y,
        *,
        class_weight="balanced",
        n_samples=None,
        replacement=True,
        random_state=None,
        beta=0.999,
        strategy=DEPRECATED,
        num_samples=DEPRECATED,
    ):
        class_weight = renamed_parameter(class_weight, strategy, old="strategy", new="class_weight",
                                         owner="ClassBalancedSampler", default="balanced")
        n_samples = renamed_parameter(n_samples, num_samples, old="num_samples", new="n_samples",
                                      owner="ClassBalancedSampler", default=None)
        if torch is None:
            raise MissingExtraError(
                "torch is needed for ClassBalancedSampler but is not installed: pip install 'datafix[torch]'"
            )
        labels = check_labels(_labels_as_numpy(y), name="y", min_classes=1)
        if not isinstance(replacement, (bool, np.bool_)):
            raise ValueError(f"replacement must be True or False, got {replacement!r}.")
        if n_samples is None:
            n_samples = len(labels)
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer (indices per epoch), got {n_samples!r}.")
        if not replacement and n_samples > len(labels):
            raise ValueError(
                f"n_samples={n_samples} is larger than the {len(labels)} rows of y, which is impossible "
                f"without replacement; pass replacement=True or n_samples <= {len(labels)}."
            )
        if random_state is None or isinstance(random_state, torch.Generator):
            generator = random_state
        elif isinstance(random_state, Integral) and not isinstance(random_state, bool):
            generator = torch.Generator().manual_seed(int(random_state))
        else:
            raise ValueError(
                f"random_state must be an int, a torch.Generator or None, got {type(random_state).__name__}."
            )

        self.class_weight_ = compute_class_weights(labels, class_weight, beta=beta)
        classes, codes = np.unique(labels, return_inverse=True)
        per_class = np.array([self.class_weight_[c.item() if isinstance(c, np.generic) else c] for c in classes])
        row_weights = per_class[codes]
        if not replacement and np.count_nonzero(row_weights) < n_samples:
            raise ValueError(
                f"only {np.count_nonzero(row_weights)} rows have a non-zero class weight, fewer than "
                f"n_samples={n_samples} draws without replacement; lower n_samples or use replacement=True."
            )
        self.weights = torch.as_tensor(row_weights / row_weights.sum(), dtype=torch.float64)
        self.n_samples = int(n_samples)
        self.replacement = bool(replacement)
        self.generator = generator
        # With replacement: draw a class, then a row of that class uniformly. Same distribution
        # as one multinomial over rows, but O(n_samples) and free of torch.multinomial's
        # 2**24-category limit.
        counts = np.bincount(codes, minlength=len(classes))
        class_mass = per_class * counts
        self._class_probabilities = torch.as_tensor(class_mass / class_mass.sum(), dtype=torch.float64)
        self._rows_by_class = torch.as_tensor(np.argsort(codes, kind="stable"), dtype=torch.int64)
        self._class_starts = torch.as_tensor(np.concatenate([[0], np.cumsum(counts)[:-1]]), dtype=torch.int64)
        self._class_sizes = torch.as_tensor(counts, dtype=torch.int64)

    def _draw(self) -> torch.Tensor:
        if not self.replacement:
            return torch.multinomial(self.weights, self.n_samples, False, generator=self.generator)
        drawn_classes = torch.multinomial(self._class_probabilities, self.n_samples, True, generator=self.generator)
        sizes = self._class_sizes[drawn_classes]
        uniform = torch.rand(self.n_samples, generator=self.generator, dtype=torch.float64)
        offsets = torch.minimum((uniform * sizes).long(), sizes - 1)
        return self._rows_by_class[self._class_starts[drawn_classes] + offsets]

    def __iter__(self):
        yield from self._draw().tolist()

    def __len__(self) -> int:
        return self.n_samples

    @property
    def num_samples(self) -> int:
        """Deprecated: ``n_samples``, under torch's name."""
        warnings.warn("ClassBalancedSampler.num_samples was renamed to n_samples and the old name will be "
                      f"removed in datafix {REMOVED_IN}.", FutureWarning, stacklevel=2)
        return self.n_samples

    @property
    def class_weight(self) -> dict:
        """Deprecated: ``class_weight_``, the weight of each class."""
        warnings.warn("ClassBalancedSampler.class_weight (the weight of each class) was renamed to class_weight_ "
                      f"and the old name will be removed in datafix {REMOVED_IN}.", FutureWarning, stacklevel=2)
        return self.class_weight_
