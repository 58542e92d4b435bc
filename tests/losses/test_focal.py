"""FocalLoss / focal_loss against torch's cross-entropy, torchvision's formula and autograd."""

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from datafix.losses import FocalLoss, focal_loss  # noqa: E402


def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss (torchvision 0.20), copied verbatim: torchvision is not installed."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


def _data(shape=(12, 5), seed=0, ignore=True):
    generator = torch.Generator().manual_seed(seed)
    logits = 3 * torch.randn(*shape, generator=generator, dtype=torch.float64)
    n_classes = shape[1]
    target_shape = shape[:1] + shape[2:]
    target = torch.randint(0, n_classes, target_shape, generator=generator)
    if ignore:
        target.view(-1)[::4] = -100
    weight = torch.rand(n_classes, generator=generator, dtype=torch.float64) + 0.1
    return logits, target, weight


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.15])
@pytest.mark.parametrize("use_weight", [False, True])
@pytest.mark.parametrize("shape", [(12, 5), (6, 4, 3, 2)])
def test_gamma_zero_is_cross_entropy(reduction, label_smoothing, use_weight, shape):
    logits, target, weight = _data(shape)
    weight = weight if use_weight else None
    expected = F.cross_entropy(logits, target, weight=weight, label_smoothing=label_smoothing, reduction=reduction)
    got = focal_loss(logits, target, 0.0, weight=weight, label_smoothing=label_smoothing, reduction=reduction)
    module = FocalLoss(0.0, weight=weight, label_smoothing=label_smoothing, reduction=reduction).double()
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(module(logits, target), expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_gamma_zero_is_cross_entropy_for_soft_targets(reduction, label_smoothing):
    logits, _, weight = _data((10, 4), ignore=False)
    target = torch.softmax(torch.randn(10, 4, dtype=torch.float64), dim=1)
    expected = F.cross_entropy(logits, target, weight=weight, label_smoothing=label_smoothing, reduction=reduction)
    got = focal_loss(logits, target, 0.0, weight=weight, label_smoothing=label_smoothing, reduction=reduction)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)


def test_ignore_index_other_than_default():
    logits, target, _ = _data((10, 3), ignore=False)
    target[[1, 5]] = 7
    torch.testing.assert_close(
        focal_loss(logits, target, 0, ignore_index=7), F.cross_entropy(logits, target, ignore_index=7), atol=1e-6, rtol=0
    )


def test_float32_matches_cross_entropy():
    logits, target, weight = _data((64, 7))
    logits = logits.float()
    torch.testing.assert_close(
        focal_loss(logits, target, 0, weight=weight.float()),
        F.cross_entropy(logits, target, weight=weight.float()),
        atol=1e-6,
        rtol=1e-6,
    )


def test_multiclass_focal_matches_the_paper_formula():
    logits, target, _ = _data((20, 4), ignore=False)
    alpha = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    p_t = torch.softmax(logits, dim=1).gather(1, target[:, None]).squeeze(1)
    expected = -alpha[target] * (1 - p_t) ** 2.5 * torch.log(p_t)
    got = focal_loss(logits, target, 2.5, alpha=alpha, reduction="none")
    torch.testing.assert_close(got, expected, atol=1e-10, rtol=1e-10)
    # one-hot soft targets give the same loss as class indices
    one_hot = F.one_hot(target, 4).double()
    torch.testing.assert_close(focal_loss(logits, one_hot, 2.5, alpha=alpha, reduction="none"), expected)


def test_focal_downweights_easy_examples():
    logits = torch.tensor([[4.0, 0.0], [0.1, 0.0]])
    target = torch.tensor([0, 0])
    ce = focal_loss(logits, target, 0, reduction="none")
    fl = focal_loss(logits, target, 2, reduction="none")
    assert torch.all(fl < ce)
    # the easy row loses far more of its loss than the hard one
    assert (fl[0] / ce[0]) < 0.01 < 0.2 < (fl[1] / ce[1])


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 3.0])
@pytest.mark.parametrize("alpha", [-1, 0.25, 0.9])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_binary_matches_torchvision(gamma, alpha, reduction):
    generator = torch.Generator().manual_seed(1)
    logits = 4 * torch.randn(50, generator=generator, dtype=torch.float64)
    target = (torch.rand(50, generator=generator) < 0.3).double()
    expected = torchvision_sigmoid_focal_loss(logits, target, alpha=alpha, gamma=gamma, reduction=reduction)
    got = focal_loss(logits, target, gamma, alpha=None if alpha < 0 else alpha, task="binary", reduction=reduction)
    torch.testing.assert_close(got, expected, atol=1e-10, rtol=1e-8)


def test_multilabel_matches_torchvision_and_bce():
    generator = torch.Generator().manual_seed(2)
    logits = torch.randn(8, 3, generator=generator, dtype=torch.float64)
    target = torch.rand(8, 3, generator=generator, dtype=torch.float64)  # soft targets in [0, 1]
    torch.testing.assert_close(
        focal_loss(logits, target, 2.0, alpha=0.25, task="multilabel", reduction="sum"),
        torchvision_sigmoid_focal_loss(logits, target, 0.25, 2.0, "sum"),
    )
    weight = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    torch.testing.assert_close(
        focal_loss(logits, target, 0.0, weight=weight, task="multilabel"),
        F.binary_cross_entropy_with_logits(logits, target, weight=weight),
    )
    # per-label alpha: label c weighs positives by alpha_c and negatives by 1 - alpha_c
    per_label = focal_loss(logits, target, 1.0, alpha=[0.25, 0.25, 0.25], task="multilabel")
    torch.testing.assert_close(per_label, focal_loss(logits, target, 1.0, alpha=0.25, task="multilabel"))


def test_binary_weight_and_ignore_index():
    logits = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    target = torch.tensor([1.0, 0.0, -100.0, 1.0], dtype=torch.float64)
    kept = focal_loss(logits[[0, 1, 3]], target[[0, 1, 3]], 2.0, task="binary", weight=[2.0, 3.0])
    torch.testing.assert_close(focal_loss(logits, target, 2.0, task="binary", weight=[2.0, 3.0]), kept)
    per_row = focal_loss(logits, target, 2.0, task="binary", weight=[2.0, 3.0], reduction="none")
    plain = focal_loss(logits, target, 2.0, task="binary", reduction="none")
    torch.testing.assert_close(per_row, plain * torch.tensor([3.0, 2.0, 0.0, 3.0], dtype=torch.float64))


def test_binary_label_smoothing_moves_targets_towards_one_half():
    logits = torch.randn(10, dtype=torch.float64)
    target = (torch.arange(10) % 2).double()
    torch.testing.assert_close(
        focal_loss(logits, target, 2.0, task="binary", label_smoothing=0.2),
        focal_loss(logits, target * 0.8 + 0.1, 2.0, task="binary"),
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(gamma=2.0),
        dict(gamma=1.5, alpha=[0.2, 0.5, 0.3], weight=[1.0, 2.0, 0.5], label_smoothing=0.1),
        dict(gamma=0.5, reduction="sum"),
    ],
)
def test_gradcheck_multiclass(kwargs):
    logits, target, _ = _data((6, 3), seed=3)
    logits.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: focal_loss(x, target, **kwargs), (logits,))
    soft = torch.softmax(torch.randn(6, 3, dtype=torch.float64), dim=1)
    assert torch.autograd.gradcheck(lambda x: focal_loss(x, soft, **kwargs), (logits,))


@pytest.mark.parametrize("task", ["binary", "multilabel"])
def test_gradcheck_sigmoid(task):
    logits = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    target = torch.rand(5, 3, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda x: focal_loss(x, target, 2.0, alpha=0.3, task=task), (logits,))
    assert torch.autograd.gradcheck(lambda x: focal_loss(x, target, 0.7, task=task, label_smoothing=0.1), (logits,))


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_extreme_logits_are_finite(gamma, dtype):
    logits = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [0.0, 0.0, 0.0]], dtype=dtype, requires_grad=True)
    target = torch.tensor([0, 0, 2])  # certain and right, certain and wrong, uncertain
    loss = focal_loss(logits, target, gamma, label_smoothing=0.1)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    soft = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]], dtype=dtype)
    logits.grad = None
    focal_loss(logits, soft, gamma).backward()
    assert torch.isfinite(logits.grad).all()
    binary = torch.tensor([1e4, -1e4, 1e4, -1e4], dtype=dtype, requires_grad=True)
    loss = focal_loss(binary, torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=dtype), gamma, task="binary")
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(binary.grad).all()
    # a certain, right prediction costs nothing
    assert focal_loss(binary[:2], torch.tensor([1.0, 0.0], dtype=dtype), gamma, task="binary").item() == 0.0


def test_module_moves_buffers_and_reprs():
    criterion = FocalLoss(alpha=[0.5, 1.0], weight=[1.0, 2.0]).double()
    assert criterion.alpha.dtype == torch.float64 and criterion.weight.dtype == torch.float64
    assert "gamma=2.0" in repr(criterion)
    logits = torch.randn(4, 2, dtype=torch.float64)
    torch.testing.assert_close(
        criterion(logits, torch.tensor([0, 1, 1, 0])),
        focal_loss(logits, torch.tensor([0, 1, 1, 0]), alpha=[0.5, 1.0], weight=[1.0, 2.0]),
    )


def test_inputs_are_not_modified():
    logits, target, weight = _data((8, 3))
    logits_before, target_before = logits.clone(), target.clone()
    focal_loss(logits, target, 2.0, weight=weight, label_smoothing=0.1)
    assert torch.equal(logits, logits_before) and torch.equal(target, target_before)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x, t: focal_loss(x, t, -1.0), "gamma must be a finite number >= 0"),
        (lambda x, t: FocalLoss(gamma=-0.5), "gamma must be a finite number >= 0"),
        (lambda x, t: focal_loss(x, t, alpha=[0.5, 0.5]), r"alpha must have one value per class, i\.e\. length 3"),
        (lambda x, t: focal_loss(x, t, weight=[1.0] * 4), r"weight must have one value per class, i\.e\. length 3"),
        (lambda x, t: focal_loss(x, t, alpha=0.25), "for task='multiclass' give one alpha per class"),
        (lambda x, t: focal_loss(x, torch.tensor([0, 3, 1, 1]), 2.0), r"class indices in \[0, 2\].*found \[3\]"),
        (lambda x, t: focal_loss(x, torch.tensor([0, -2, 1, 1]), 2.0), r"found \[-2\]"),
        (lambda x, t: focal_loss(x, torch.full((4, 3), 0.5)), "soft targets must sum to 1"),
        (lambda x, t: focal_loss(x, torch.tensor([[1.5, -0.5, 0.0]] * 4)), "non-negative"),
        (lambda x, t: focal_loss(x, torch.tensor([0, 1])), r"must have shape \(4,\)"),
        (lambda x, t: focal_loss(x, t.float()), "soft .* must have the shape of input"),
        (lambda x, t: focal_loss(x, t, task="binary"), "must have the shape of input"),
        (lambda x, t: focal_loss(x[:, 0], torch.tensor([0.0, 2.0, 1.0, 1.0]), task="binary"), r"in \[0, 1\]"),
        (lambda x, t: focal_loss(x, t, task="softmax"), "task must be one of"),
        (lambda x, t: focal_loss(x, t, reduction="avg"), "reduction must be one of"),
        (lambda x, t: focal_loss(x, t, label_smoothing=1.5), "label_smoothing"),
        (lambda x, t: focal_loss(x.numpy(), t), "input must be a floating-point torch.Tensor"),
        (lambda x, t: focal_loss(x, t.tolist()), "target must be a torch.Tensor"),
    ],
)
def test_bad_input_raises_clear_errors(call, message):
    logits = torch.randn(4, 3)
    target = torch.tensor([0, 1, 2, 1])
    with pytest.raises(ValueError, match=message):
        call(logits, target)


def test_importing_datafix_losses_and_estimators_does_not_import_torch_or_boosters():
    code = (
        "import sys, datafix, datafix.losses; "
        "assert 'torch' not in sys.modules, 'torch imported'; "
        "datafix.losses.lightgbm_focal_objective; datafix.TorchClassifier; datafix.FocalBoostingClassifier; "
        "assert not {'torch', 'lightgbm', 'xgboost', 'skorch'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_numpy_targets_sum_check_tolerates_rounding():
    logits = torch.randn(3, 3)
    soft = torch.tensor(np.full((3, 3), 1 / 3), dtype=torch.float32)
    assert torch.isfinite(focal_loss(logits, soft))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    logits, target, weight = _data((64, 5))
    criterion = FocalLoss(2.0, alpha=[0.1, 0.2, 0.3, 0.2, 0.2], weight=weight, label_smoothing=0.1)
    expected = criterion(logits, target)
    got = criterion.cuda()(logits.cuda(), target.cuda())
    torch.testing.assert_close(got.cpu(), expected)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(
    n_rows=st.integers(1, 6),
    n_classes=st.integers(2, 5),
    scale=st.sampled_from([0.1, 1.0, 30.0, 1e4]),
    gamma=st.floats(0.0, 5.0),
    seed=st.integers(0, 2**16),
)
def test_focal_is_at_most_cross_entropy_and_decreases_with_gamma(n_rows, n_classes, scale, gamma, seed):
    generator = torch.Generator().manual_seed(seed)
    logits = scale * torch.randn(n_rows, n_classes, generator=generator, dtype=torch.float64)
    target = torch.randint(0, n_classes, (n_rows,), generator=generator)
    cross_entropy = F.cross_entropy(logits, target, reduction="none")
    focal = focal_loss(logits, target, gamma, reduction="none")
    stronger = focal_loss(logits, target, gamma + 1.0, reduction="none")
    assert torch.isfinite(focal).all() and (focal >= 0).all()
    assert (focal <= cross_entropy + 1e-12).all()
    assert (stronger <= focal + 1e-12).all()
    torch.testing.assert_close(focal_loss(logits, target, 0.0, reduction="none"), cross_entropy)
