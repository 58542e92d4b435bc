"""Focal loss for torch: softmax (multi-class) and sigmoid (binary, multi-label).

Focal loss (Lin et al., 2017, "Focal Loss for Dense Object Detection") scales
the cross-entropy of each example by ``(1 - p_t) ** gamma``, where ``p_t`` is
the probability the model gives to the true class::

    FL(p_t) = -alpha_t * (1 - p_t) ** gamma * log(p_t)

Well-classified examples (``p_t`` close to 1) contribute almost nothing, so
rare and hard examples drive training. ``gamma=0`` without ``alpha`` is
exactly cross-entropy.

Everything is computed from ``log_softmax`` / ``logsigmoid`` of the logits
(``1 - p`` as ``-expm1(log p)``), never from ``exp(-cross_entropy)``: that
shortcut is wrong as soon as the cross-entropy carries class weights or label
smoothing. Logits of magnitude ``1e4`` give finite losses and gradients, and
probabilities of exactly 0 or 1 give no NaN.

This module imports torch; ``datafix.losses`` loads it only when
:class:`FocalLoss` or :func:`focal_loss` is first used.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import torch
import torch.nn.functional as F

__all__ = ["FocalLoss", "focal_loss", "TASKS", "REDUCTIONS"]

TASKS = ("multiclass", "binary", "multilabel")
REDUCTIONS = ("mean", "sum", "none")
_INTEGER_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def _check_options(gamma, task, label_smoothing, reduction, alpha, weight) -> None:
    if isinstance(gamma, bool) or not isinstance(gamma, Real) or not gamma >= 0 or gamma == float("inf"):
        raise ValueError(
            f"gamma must be a finite number >= 0 (0 gives cross-entropy, the paper uses 2), got {gamma!r}."
        )
    if task not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}, got {task!r}.")
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, Real) or not 0 <= label_smoothing <= 1:
        raise ValueError(f"label_smoothing must be a number in [0, 1], got {label_smoothing!r}.")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {list(REDUCTIONS)}, got {reduction!r}.")
    if isinstance(alpha, Real) and not isinstance(alpha, bool):
        if task == "multiclass":
            raise ValueError(
                f"alpha={alpha!r} is a single number, which is the binary convention (alpha for the positive "
                f"class, 1 - alpha for the negative); for task='multiclass' give one alpha per class, "
                f"e.g. alpha=[0.25, 0.75, 1.0]."
            )
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha as a number is the weight of the positive class and must be in [0, 1], got {alpha!r}.")
    for name, value in (("alpha", alpha), ("weight", weight)):
        if value is not None and not isinstance(value, (Real, Sequence, torch.Tensor)) and not hasattr(value, "__array__"):
            raise ValueError(f"{name} must be None, a number or a sequence with one value per class, got {type(value).__name__}.")
        if isinstance(value, str) or isinstance(value, bool):
            raise ValueError(f"{name} must be None, a number or a sequence with one value per class, got {value!r}.")
    if weight is not None and isinstance(weight, Real):
        raise ValueError("weight must be a sequence with one weight per class (as in torch), not a single number.")


def _per_class(values, n_classes: int, name: str, like: torch.Tensor, expected: str):
    """A per-class parameter as a 1-D tensor of length ``n_classes`` on ``like``'s device and dtype."""
    if values is None:
        return None
    tensor = torch.as_tensor(values, dtype=like.dtype, device=like.device)
    if tensor.ndim != 1 or tensor.shape[0] != n_classes:
        raise ValueError(
            f"{name} must have one value per class, i.e. length {n_classes} ({expected}), "
            f"got shape {tuple(tensor.shape)}."
        )
    if not torch.isfinite(tensor).all() or (tensor < 0).any():
        raise ValueError(f"{name} must be finite and non-negative, got {tensor.tolist()}.")
    return tensor


def _along_class_dim(vector: torch.Tensor, ndim: int) -> torch.Tensor:
    """Reshape a (C,) vector to broadcast along dimension 1 of an ``ndim``-D tensor."""
    return vector.view((1, -1) + (1,) * (ndim - 2))


def _modulating_factor(log_probability: torch.Tensor, gamma: float) -> torch.Tensor:
    """``(1 - p) ** gamma`` from ``log p``, accurate near p = 1 and NaN-free at p = 0 or 1."""
    one_minus_p = -torch.expm1(log_probability)
    # below the smallest normal number the value is 0 for practical purposes; clamping keeps the
    # gradient of x ** gamma (infinite at 0 for gamma < 1) finite.
    return one_minus_p.clamp_min(torch.finfo(one_minus_p.dtype).tiny).pow(gamma)


def _as_float_tensor(values) -> torch.Tensor:
    tensor = torch.as_tensor(values).detach().clone()
    return tensor if tensor.is_floating_point() else tensor.to(torch.get_default_dtype())


def _soft_target_tolerance(dtype: torch.dtype, n_classes: int) -> float:
    """How far from 1 a row of probabilities may sum: rounding grows with the number of classes."""
    return max(1e-4, 10 * torch.finfo(dtype).eps * n_classes)


def _multiclass(logits, target, gamma, alpha, weight, label_smoothing, ignore_index, reduction):
    unbatched = logits.ndim == 1
    if logits.ndim == 0:
        raise ValueError("input must have a class dimension: shape (C,), (N, C) or (N, C, d1, ...), got a scalar.")
    if unbatched:
        logits, target = logits.unsqueeze(0), target.unsqueeze(0)
    n_classes = logits.shape[1]
    alpha = _per_class(alpha, n_classes, "alpha", logits, "the number of logits along dimension 1")
    weight = _per_class(weight, n_classes, "weight", logits, "the number of logits along dimension 1")
    log_p = F.log_softmax(logits, dim=1)

    def per_class_terms():
        terms = -log_p if gamma == 0 else -log_p * _modulating_factor(log_p, gamma)
        if alpha is not None:
            terms = terms * _along_class_dim(alpha, logits.ndim)
        if weight is not None:
            terms = terms * _along_class_dim(weight, logits.ndim)
        return terms

    if target.is_floating_point():
        if target.shape != logits.shape:
            raise ValueError(
                f"soft (floating-point) targets must have the shape of input {tuple(logits.shape)}, got "
                f"{tuple(target.shape)}; for class indices pass an integer tensor of shape {tuple(logits.shape[:1] + logits.shape[2:])}."
            )
        if not torch.isfinite(target).all() or (target < 0).any():
            raise ValueError("soft targets must be finite, non-negative class probabilities.")
        sums = target.sum(dim=1)
        tolerance = _soft_target_tolerance(target.dtype, n_classes)
        if not torch.allclose(sums, torch.ones_like(sums), rtol=0, atol=tolerance):
            worst = (sums - 1).abs().max().item()
            raise ValueError(
                f"soft targets must sum to 1 over the classes (dimension 1); found sums off by up to {worst:.3g}. "
                f"Normalise them, e.g. target / target.sum(dim=1, keepdim=True)."
            )
        probabilities = target.to(log_p.dtype)
        if label_smoothing:
            probabilities = probabilities * (1 - label_smoothing) + label_smoothing / n_classes
        loss = (probabilities * per_class_terms()).sum(dim=1)
        if reduction == "mean":
            return loss.mean()
        if reduction == "sum":
            return loss.sum()
        return loss.squeeze(0) if unbatched else loss

    if target.dtype not in _INTEGER_DTYPES:
        raise ValueError(
            f"targets must be integer class indices or floating-point class probabilities, got dtype {target.dtype}."
        )
    expected_shape = logits.shape[:1] + logits.shape[2:]
    if target.shape != expected_shape:
        raise ValueError(
            f"class-index targets must have shape {tuple(expected_shape)} for input of shape "
            f"{tuple(logits.shape)}, got {tuple(target.shape)}."
        )
    target = target.long()
    ignored = target == ignore_index
    out_of_range = ((target < 0) | (target >= n_classes)) & ~ignored
    if out_of_range.any():
        bad = target[out_of_range].unique()[:5].tolist()
        raise ValueError(
            f"targets must be class indices in [0, {n_classes - 1}] (or ignore_index={ignore_index}); "
            f"found {bad}. Check that the model has one output per class."
        )
    safe_target = target.masked_fill(ignored, 0).unsqueeze(1)
    if label_smoothing:
        terms = per_class_terms()
        loss = (1 - label_smoothing) * terms.gather(1, safe_target).squeeze(1)
        loss = loss + (label_smoothing / n_classes) * terms.sum(dim=1)
    else:
        log_p_t = log_p.gather(1, safe_target).squeeze(1)
        loss = -log_p_t if gamma == 0 else -log_p_t * _modulating_factor(log_p_t, gamma)
        if alpha is not None:
            loss = loss * alpha[safe_target.squeeze(1)]
        if weight is not None:
            loss = loss * weight[safe_target.squeeze(1)]
    loss = loss.masked_fill(ignored, 0)
    if reduction == "mean":
        if weight is not None:
            return loss.sum() / weight[safe_target.squeeze(1)].masked_fill(ignored, 0).sum()
        return loss.sum() / (~ignored).sum()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss


def _sigmoid(logits, target, gamma, alpha, weight, label_smoothing, ignore_index, reduction, task):
    if target.shape != logits.shape:
        raise ValueError(
            f"for task={task!r} target must have the shape of input {tuple(logits.shape)}, got {tuple(target.shape)}."
        )
    ignored = target == ignore_index
    target = target.to(logits.dtype)
    if not torch.isfinite(target.masked_fill(ignored, 0)).all() or ((target < 0) | (target > 1))[~ignored].any():
        raise ValueError(
            f"for task={task!r} targets must be in [0, 1] (0/1 labels or probabilities), or ignore_index={ignore_index}; "
            f"found values outside. For class indices use task='multiclass'."
        )
    if task == "binary":
        n_classes, expected = 2, "[negative class, positive class]"
    else:
        if logits.ndim < 2:
            raise ValueError(f"for task='multilabel' input must have shape (N, C, ...), got {tuple(logits.shape)}.")
        n_classes, expected = logits.shape[1], "one per label, the size of dimension 1 of input"
    t = target.masked_fill(ignored, 0)
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / 2
    log_p, log_one_minus_p = F.logsigmoid(logits), F.logsigmoid(-logits)
    loss = -(t * log_p + (1 - t) * log_one_minus_p)
    if gamma:
        one_minus_p_t = torch.exp(log_p) * (1 - t) + torch.exp(log_one_minus_p) * t
        loss = loss * one_minus_p_t.clamp_min(torch.finfo(logits.dtype).tiny).pow(gamma)
    if alpha is not None:
        if isinstance(alpha, Real):
            positive = torch.as_tensor(float(alpha), dtype=logits.dtype, device=logits.device)
            loss = loss * (positive * t + (1 - positive) * (1 - t))
        else:
            alpha = _per_class(alpha, n_classes, "alpha", logits, expected)
            if task == "binary":
                loss = loss * (alpha[1] * t + alpha[0] * (1 - t))
            else:
                positive = _along_class_dim(alpha, logits.ndim)
                if (alpha > 1).any():
                    raise ValueError("for task='multilabel' each alpha is the weight of that label's positives and must be in [0, 1].")
                loss = loss * (positive * t + (1 - positive) * (1 - t))
    if weight is not None:
        weight = _per_class(weight, n_classes, "weight", logits, expected)
        if task == "binary":
            loss = loss * (weight[1] * t + weight[0] * (1 - t))
        else:
            loss = loss * _along_class_dim(weight, logits.ndim)
    loss = loss.masked_fill(ignored, 0)
    if reduction == "mean":
        return loss.sum() / (~ignored).sum()
    if reduction == "sum":
        return loss.sum()
    return loss


def focal_loss(
    input,
    target,
    gamma=2.0,
    *,
    alpha=None,
    task="multiclass",
    weight=None,
    label_smoothing=0.0,
    ignore_index=-100,
    reduction="mean",
):
    """Focal loss of logits against targets (functional form of :class:`FocalLoss`).

    Parameters
    ----------
    input : Tensor
        Logits (never probabilities). ``"multiclass"``: shape ``(N, C)``,
        ``(N, C, d1, ...)`` or ``(C,)``. ``"binary"``: any shape.
        ``"multilabel"``: ``(N, C, ...)``.
    target : Tensor
        ``"multiclass"``: integer class indices of shape ``(N, d1, ...)``, or
        floating-point class probabilities of the shape of ``input`` (soft
        targets, which must sum to 1 over dimension 1, up to
        ``max(1e-4, 10 * eps * C)`` for rounding). ``"binary"`` and
        ``"multilabel"``: values in [0, 1] of the shape of ``input``.
    gamma : float >= 0, default=2.0
        Focusing parameter; 0 gives cross-entropy.
    alpha : float, sequence or None, default=None
        The paper's balancing factor. A float ``a`` (binary and multilabel
        only) weighs positives by ``a`` and negatives by ``1 - a`` (torchvision
        uses 0.25). A sequence gives one factor per class: per class for
        ``"multiclass"``, ``[negative, positive]`` for ``"binary"``, per label
        (positives ``a_c``, negatives ``1 - a_c``) for ``"multilabel"``.
        Unlike ``weight``, alpha does not change the denominator of the mean.
    task : {"multiclass", "binary", "multilabel"}, default="multiclass"
        Softmax over dimension 1, or an independent sigmoid per element.
    weight : sequence or None, default=None
        Per-class rescaling with torch's semantics. ``"multiclass"``: as in
        :func:`torch.nn.functional.cross_entropy`, the mean is divided by
        the summed weights of the targets (for class-index targets).
        ``"binary"``: ``[negative, positive]``; ``"multilabel"``: one per
        label; as in :func:`~torch.nn.functional.binary_cross_entropy_with_logits`
        the mean is over elements.
    label_smoothing : float in [0, 1], default=0.0
        ``"multiclass"``: torch's semantics, the target becomes
        ``(1 - eps) * target + eps / C``. Sigmoid tasks: each target
        becomes ``(1 - eps) * target + eps / 2``.
    ignore_index : int, default=-100
        Targets equal to it contribute nothing and are left out of the mean
        (class-index targets; for sigmoid tasks, elements equal to it).
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    Tensor
        A scalar, or the loss per element for ``reduction="none"`` (shape of
        the class-index target, or of ``input`` without dimension 1 for soft
        targets, or of ``input`` for sigmoid tasks).

    Raises
    ------
    ValueError
        For a negative gamma, an alpha or weight of the wrong length, targets
        out of range, soft targets that do not sum to 1, or shapes that do not
        match — before any computation.

    Examples
    --------
    >>> import torch
    >>> from datafix.losses import focal_loss
    >>> logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 0.5, 0.0]])
    >>> target = torch.tensor([0, 2])
    >>> focal_loss(logits, target, gamma=0, reduction="none")  # cross-entropy
    tensor([0.1698, 1.2944])
    >>> focal_loss(logits, target, reduction="none")  # the easy first row counts far less
    tensor([0.0041, 0.6821])
    >>> focal_loss(torch.tensor([3.0, -3.0]), torch.tensor([1.0, 1.0]), task="binary", reduction="none")
    tensor([1.0928e-04, 2.7663e+00])
    """
    _check_options(gamma, task, label_smoothing, reduction, alpha, weight)
    if not isinstance(input, torch.Tensor) or not input.is_floating_point():
        raise ValueError(f"input must be a floating-point torch.Tensor of logits, got {type(input).__name__}"
                         f"{'' if not isinstance(input, torch.Tensor) else ' of dtype ' + str(input.dtype)}.")
    if not isinstance(target, torch.Tensor):
        raise ValueError(f"target must be a torch.Tensor, got {type(target).__name__}; use torch.as_tensor(target).")
    if target.device != input.device:
        raise ValueError(f"input is on {input.device} but target is on {target.device}; move them to the same device.")
    gamma = float(gamma)
    if task == "multiclass":
        return _multiclass(input, target, gamma, alpha, weight, label_smoothing, ignore_index, reduction)
    return _sigmoid(input, target, gamma, alpha, weight, label_smoothing, ignore_index, reduction, task)


class FocalLoss(torch.nn.Module):
    """Focal loss as a ``torch.nn.Module``, a drop-in for ``nn.CrossEntropyLoss``.

    ``FL(p_t) = -alpha_t (1 - p_t) ** gamma * log(p_t)`` (Lin et al., 2017).
    With ``gamma=0`` and no ``alpha`` it equals
    :class:`torch.nn.CrossEntropyLoss` (``task="multiclass"``, with the same
    ``weight``, ``label_smoothing``, ``ignore_index`` and ``reduction``) or
    :class:`torch.nn.BCEWithLogitsLoss` (sigmoid tasks). ``task="binary"``
    with a float ``alpha`` equals torchvision's ``sigmoid_focal_loss``.

    With soft targets ``q`` (multi-class) the loss of a row is
    ``-sum_c q_c alpha_c (1 - p_c) ** gamma log p_c``, which is the paper's
    loss for one-hot targets.

    Parameters
    ----------
    gamma : float >= 0, default=2.0
    alpha : float, sequence or None, default=None
    task : {"multiclass", "binary", "multilabel"}, default="multiclass"
    weight : sequence or None, default=None
    label_smoothing : float in [0, 1], default=0.0
    ignore_index : int, default=-100
    reduction : {"mean", "sum", "none"}, default="mean"
        All as in :func:`focal_loss`. The options are checked here, so a bad
        value fails when the loss is built.

    Examples
    --------
    >>> import torch
    >>> from datafix.losses import FocalLoss
    >>> criterion = FocalLoss(gamma=2.0, alpha=[0.25, 0.75])
    >>> logits = torch.tensor([[1.0, -1.0], [0.2, 0.1]], requires_grad=True)
    >>> loss = criterion(logits, torch.tensor([0, 1]))
    >>> loss.backward()
    >>> round(loss.item(), 4), logits.grad.shape
    (0.0772, torch.Size([2, 2]))
    >>> FocalLoss(gamma=-1)
    Traceback (most recent call last):
    ...
    ValueError: gamma must be a finite number >= 0 ...
    """

    def __init__(
        self,
        gamma=2.0,
        *,
        alpha=None,
        task="multiclass",
        weight=None,
        label_smoothing=0.0,
        ignore_index=-100,
        reduction="mean",
    ):
        super().__init__()
        _check_options(gamma, task, label_smoothing, reduction, alpha, weight)
        self.gamma = float(gamma)
        self.task = task
        self.label_smoothing = label_smoothing
        self.ignore_index = ignore_index
        self.reduction = reduction
        # buffers follow the module across .to(device) / .double()
        self.alpha_scalar = float(alpha) if isinstance(alpha, Real) else None
        per_class_alpha = None if alpha is None or isinstance(alpha, Real) else _as_float_tensor(alpha)
        self.register_buffer("alpha", per_class_alpha)
        self.register_buffer("weight", None if weight is None else _as_float_tensor(weight))
        for name, value in (("alpha", per_class_alpha), ("weight", self.weight)):
            if value is not None and (value.ndim != 1 or not torch.isfinite(value).all() or (value < 0).any()):
                raise ValueError(f"{name} must be a 1-D sequence of finite, non-negative values, one per class.")

    def forward(self, input, target):
        """Focal loss of ``input`` logits against ``target`` (see :func:`focal_loss`)."""
        alpha = self.alpha_scalar if self.alpha_scalar is not None else self.alpha
        return focal_loss(
            input,
            target,
            self.gamma,
            alpha=alpha,
            task=self.task,
            weight=self.weight,
            label_smoothing=self.label_smoothing,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        alpha = self.alpha_scalar if self.alpha_scalar is not None else (None if self.alpha is None else self.alpha.tolist())
        return f"gamma={self.gamma}, alpha={alpha}, task={self.task!r}, reduction={self.reduction!r}"
