"""Augmentation that balances: :class:`ImageAugmenter` and :class:`ClassBalancedSampler`.

Nothing here imports albumentations or torch until it is used; the public
names are also available flat, as ``datafix.ImageAugmenter`` and
``datafix.ClassBalancedSampler``.
"""

from __future__ import annotations

from .._optional import lazy_exports

_NAMES = {"ImageAugmenter": ".images", "ClassBalancedSampler": ".sampler"}

__all__ = sorted(_NAMES)


__getattr__, __dir__ = lazy_exports(__name__, _NAMES)
