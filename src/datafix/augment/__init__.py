"""Augmentation that balances: :class:`ImageAugmenter` and :class:`ClassBalancedSampler`.

Nothing here imports albumentations or torch until it is used; the public
names are also available flat, as ``datafix.ImageAugmenter`` and
``datafix.ClassBalancedSampler``.
"""

from __future__ import annotations

import importlib

_NAMES = {"ImageAugmenter": ".images", "ClassBalancedSampler": ".sampler"}

__all__ = sorted(_NAMES)


def __getattr__(name: str):
    module_name = _NAMES.get(name)
    if module_name is None:
        raise AttributeError(f"module 'datafix.augment' has no attribute {name!r}")
    return getattr(importlib.import_module(module_name, __name__), name)
