"""Imbalance-aware losses: focal loss for torch, focal objectives for gradient boosting.

Nothing here imports torch, lightgbm or xgboost until a name is used:
``datafix.losses.FocalLoss`` loads torch on first access, the boosting
objectives load nothing until they are called with data.
"""

from __future__ import annotations

from .._optional import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC_NAMES, requires={".focal": ("torch", "torch")})
