"""Imbalance-aware losses: focal loss for torch, focal objectives for gradient boosting.

Nothing here imports torch, lightgbm or xgboost until a name is used:
``datafix.losses.FocalLoss`` loads torch on first access, the boosting
objectives load nothing until they are called with data.
"""

from __future__ import annotations

import importlib

# public name -> submodule that defines it
_PUBLIC_NAMES = {
    "FocalLoss": ".focal",
    "focal_loss": ".focal",
    "FocalObjective": ".boosting",
    "lightgbm_focal_objective": ".boosting",
    "xgboost_focal_objective": ".boosting",
    "FocalBoostingClassifier": ".boosting",
}

__all__ = sorted(_PUBLIC_NAMES)


def __getattr__(name: str):
    module_name = _PUBLIC_NAMES.get(name)
    if module_name is None:
        raise AttributeError(f"module 'datafix.losses' has no attribute {name!r}")
    if module_name == ".focal":
        from .._optional import import_optional

        import_optional("torch", "torch")
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
