"""Segmentation overlap losses: per-sample dice, jaccard and tversky on masks.

Notation: ``I = sum(p t)``, ``P = sum(p)``, ``T = sum(t)`` over each sample's pixels,
per class; the per-sample loss is the mean of the per-class losses.

Shapes (``pred``, ``target``):
- the same shape, target 0/1: ``(N,)``, ``(N, K)`` (one flattened row per sample, as from a
  table) and ``(N, H, W)`` are one mask per sample; from 4-D on, ``(N, C, H, W, ...)``, axis 1
  holds C class channels;
- ``pred (N, C, H, W, ...)`` with ``target (N, H, W, ...)`` integer labels in ``[0, C)``: the
  labels are one-hot encoded over the C channels (with ``C == 1`` the target is a 0/1 mask, as
  the ``binary`` mode of segmentation_models_pytorch).

``input=logits`` turns logits into probabilities first: a sigmoid for one channel, a softmax
over the C channels otherwise. A sample whose ratio is ``0/0`` (``smooth=0``, nothing predicted
and nothing to find) scores 1, i.e. loss 0.
"""

from __future__ import annotations

import math

import numpy as np

from losscli import _kinds
from losscli._checks import as_float, check_values
from losscli.errors import ShapeError
from losscli.losses._registry import interval, options, register_loss

_MASKS = ("masks", "masks")
_INPUT = options("probs", "logits")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp of a non-positive number only: never overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _channels(pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``pred`` as ``(N, C, K)``, and either a 0/1 target ``(N, C, K)`` or labels ``(N, K)``."""
    if pred.ndim == 0 or target.ndim == 0:
        raise ShapeError(f"pred and target must have one row per sample, got shapes {pred.shape} and {target.shape}")
    n = pred.shape[0]
    if target.shape == pred.shape:
        c = pred.shape[1] if pred.ndim >= 4 else 1
        k = math.prod(pred.shape[2:] if pred.ndim >= 4 else pred.shape[1:])
        return pred.reshape(n, c, k), target.reshape(n, c, k), None
    if pred.ndim == target.ndim + 1 and pred.ndim >= 4 and target.shape[0] == n and pred.shape[2:] == target.shape[1:]:
        c, k = pred.shape[1], math.prod(pred.shape[2:])
        if c == 1:  # one channel: the target is its 0/1 mask
            return pred.reshape(n, 1, k), target.reshape(n, 1, k), None
        return pred.reshape(n, c, k), None, target.reshape(n, k)
    raise ShapeError(
        "pred and target must have the same shape (or target labels (N, H, W) for pred (N, C, H, W)), "
        f"got {pred.shape} and {target.shape}"
    )


def _overlap(pred: np.ndarray, target: np.ndarray, input: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``I``, ``P`` and ``T`` per sample and class, each ``(N, C)``."""
    pred, target = np.asarray(pred), np.asarray(target)
    p, t, labels = _channels(as_float(pred, "pred"), target)
    if input == "probs":
        # NaN passes (it reaches the loss only under --nan-policy propagate, and propagates)
        check_values(~((p < 0) | (p > 1)), p, "values must be in [0, 1] (pass input=logits for logits)", "pred")
    else:
        p = _sigmoid(p) if p.shape[1] == 1 else _softmax(p)
    if labels is None:
        t = as_float(t, "target")
        check_values((t == 0) | (t == 1) | np.isnan(t), t, "mask values must be 0 or 1", "target")
    else:
        c = p.shape[1]
        ok = (labels >= 0) & (labels < c)
        if labels.dtype.kind == "f":
            ok &= labels == np.floor(labels)
        elif labels.dtype.kind not in "iub":
            raise ShapeError(f"target must be numeric, got dtype {labels.dtype} instead")
        check_values(ok, labels, f"labels must be integers in [0, {c})", "target")
        t = (labels[:, None, :] == np.arange(c)[None, :, None]).astype(np.float64)
    return (p * t).sum(axis=-1), p.sum(axis=-1), t.sum(axis=-1)


def _one_minus_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``1 - num/den`` averaged over classes; ``0/0`` (empty sample, smooth 0) is a loss of 0."""
    score = np.divide(num, den, out=np.ones_like(num), where=den != 0)
    return (1.0 - score).mean(axis=1)


@register_loss(
    "dice",
    family="segmentation",
    inputs=_MASKS,
    aliases=("dice_loss", "soft_dice"),
    reference="optax.losses.dice_loss(smooth=s/2, apply_softmax=False) on one class; "
    "Keras dice(axis=spatial) at s = 0 up to its 1e-7",
    domains={"smooth": interval(0.0), "input": _INPUT},
    checks=(_kinds.probabilities_read_as_logits(),),
)
def dice(pred: np.ndarray, target: np.ndarray, *, smooth: float = 1.0, input: str = "probs") -> np.ndarray:
    """Soft Dice loss ``1 - (2I + s) / (P + T + s)`` per sample (mean over classes).

    ``I = sum(p t)``, ``P = sum(p)``, ``T = sum(t)`` over a sample's pixels, per class. With
    ``s = 0`` and ``P + T = 0`` the loss is 0.

    Args:
      pred: probabilities (or logits with input=logits): (N, H, W) or (N, C, H, W) masks, or (N, K) rows.
      target: 0/1 masks of pred's shape, or integer labels (N, H, W) in [0, C) for pred (N, C, H, W).
      smooth: s, added to numerator and denominator (>= 0).
      input: probs, or logits (sigmoid for one channel, softmax over C channels).

    Returns:
      Per-sample loss, shape (N,): the mean over classes of each class's loss.

    Examples:
      >>> p = np.array([[[0.9, 0.1], [0.8, 0.2]]])  # one 2x2 image
      >>> t = np.array([[[1, 0], [1, 0]]])
      >>> dice(p, t, smooth=0.0)  # 1 - 2*1.7/(2 + 2)
      array([0.15])

    References:
      Milletari et al. 2016, V-Net (https://arxiv.org/abs/1606.04797);
      https://optax.readthedocs.io/en/latest/api/losses.html#optax.losses.dice_loss
    """
    i, p, t = _overlap(pred, target, input)
    return _one_minus_ratio(2.0 * i + smooth, p + t + smooth)


@register_loss(
    "jaccard",
    family="segmentation",
    inputs=_MASKS,
    aliases=("iou_seg", "soft_iou", "jaccard_loss"),
    reference="segmentation_models_pytorch JaccardLoss per sample",
    domains={"smooth": interval(0.0), "input": _INPUT},
)
def jaccard(pred: np.ndarray, target: np.ndarray, *, smooth: float = 0.0, input: str = "probs") -> np.ndarray:
    """Soft Jaccard (IoU) loss ``1 - (I + s) / (P + T - I + s)`` per sample (mean over classes).

    With ``s = 0`` and ``P + T = 0`` the loss is 0. segmentation_models_pytorch also gives 0 to a
    class absent from the target (``T = 0``) whatever the prediction; here such a class follows
    the formula (loss 1 with ``s = 0`` when anything is predicted).

    Args:
      pred: probabilities (or logits with input=logits): (N, H, W) or (N, C, H, W) masks, or (N, K) rows.
      target: 0/1 masks of pred's shape, or integer labels (N, H, W) in [0, C) for pred (N, C, H, W).
      smooth: s, added to numerator and denominator (>= 0).
      input: probs, or logits (sigmoid for one channel, softmax over C channels).

    Returns:
      Per-sample loss, shape (N,): the mean over classes of each class's loss.

    Examples:
      >>> p = np.array([[[0.9, 0.1], [0.8, 0.2]]])
      >>> t = np.array([[[1, 0], [1, 0]]])
      >>> jaccard(p, t)  # 1 - 1.7/(2 + 2 - 1.7)
      array([0.26086957])

    References:
      https://github.com/qubvel-org/segmentation_models.pytorch (losses/jaccard.py, _functional.py)
    """
    i, p, t = _overlap(pred, target, input)
    return _one_minus_ratio(i + smooth, p + t - i + smooth)


@register_loss(
    "tversky",
    family="segmentation",
    inputs=_MASKS,
    aliases=("tversky_loss",),
    reference="keras.losses.tversky (up to its 1e-7; alpha weights FP, as in Keras since keras-team/keras#23333)",
    domains={"alpha": interval(0.0), "beta": interval(0.0), "smooth": interval(0.0), "input": _INPUT},
)
def tversky(
    pred: np.ndarray,
    target: np.ndarray,
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    smooth: float = 0.0,
    input: str = "probs",
) -> np.ndarray:
    """Tversky loss ``1 - (I + s) / (I + alpha FP + beta FN + s)``, ``FP = P - I``, ``FN = T - I``.

    alpha weights false positives, beta false negatives (Salehi et al.; Keras before
    keras-team/keras#23333 swapped them); alpha = beta = 0.5 is dice with the smoothing doubled,
    alpha = beta = 1 is jaccard. A ``0/0`` ratio is a loss of 0.

    Args:
      pred: probabilities (or logits with input=logits): (N, H, W) or (N, C, H, W) masks, or (N, K) rows.
      target: 0/1 masks of pred's shape, or integer labels (N, H, W) in [0, C) for pred (N, C, H, W).
      alpha: weight of the false positives FP = P - I (>= 0).
      beta: weight of the false negatives FN = T - I (>= 0).
      smooth: s, added to numerator and denominator (>= 0).
      input: probs, or logits (sigmoid for one channel, softmax over C channels).

    Returns:
      Per-sample loss, shape (N,): the mean over classes of each class's loss.

    Examples:
      >>> # I = 1, FP = 0.5, FN = 1: 1 - 1/(1 + 0.3*0.5 + 0.7*1)
      >>> tversky(np.array([[0.8, 0.2, 0.5]]), np.array([[1, 1, 0]]), alpha=0.3, beta=0.7)
      array([0.45945946])

    References:
      Salehi et al. 2017 (https://arxiv.org/abs/1706.05721);
      https://keras.io/api/losses/regression_losses/#tversky-function
    """
    i, p, t = _overlap(pred, target, input)
    return _one_minus_ratio(i + smooth, i + alpha * (p - i) + beta * (t - i) + smooth)


_GDL_EPS = 1e-7  # optax: class weight 1 / (frequency**2 + 1e-7)


@register_loss(
    "generalized_dice",
    family="segmentation",
    inputs=_MASKS,
    aliases=("generalized_dice_loss", "multiclass_generalized_dice_loss", "gdl"),
    reference="optax.losses.multiclass_generalized_dice_loss (class axis moved last)",
    rowwise=False,  # the class weights come from the target frequencies of the whole evaluation
    domains={"smooth": interval(0.0), "input": _INPUT},
    checks=(_kinds.probabilities_read_as_logits(),),
)
def generalized_dice(
    pred: np.ndarray, target: np.ndarray, *, smooth: float = 1.0, input: str = "probs", ignore_background: bool = False
) -> np.ndarray:
    """Generalized Dice loss (Sudre et al.): per-class dice weighted by inverse squared class frequency.

    Per sample n and class c, ``d_nc = 1 - (I + s) / (I + 0.5 FP + 0.5 FN + s)`` (optax's
    smooth: ``s`` is added once, so ``smooth=s`` here is ``dice:smooth=2s``). The class weights
    are ``w_c = 1 / (F_c**2 + 1e-7)`` with ``F_c`` the class's target total over every sample
    and pixel of the evaluation, scaled to sum to C. The per-sample value is ``mean_c w_c d_nc``
    (over classes 1..C-1 with ``ignore_background``; the weights still sum to C over all
    classes), so the mean over samples is optax's value. Because the weights depend on all rows,
    a sample's value depends on the batch: generalized_dice is evaluated on all rows at once
    (no streaming, no --chunk-rows, no merging of shards, no Dask), a group's value (-g) is the
    mean of its samples' values under the weights of the whole evaluation, and sample weights
    weight that mean (the frequencies count every sample once). A ``0/0`` ratio (smooth 0,
    empty class) is a loss of 0 (optax gives nan).

    Args:
      pred: probabilities (or logits with input=logits): (N, C, H, W, ...) class channels, or
        (N, H, W) / (N, K) masks of one class.
      target: 0/1 masks of pred's shape, or integer labels (N, H, W) in [0, C) for pred (N, C, H, W).
      smooth: s, added to numerator and denominator (>= 0).
      input: probs, or logits (sigmoid for one channel, softmax over C channels; optax's default
        ``apply_softmax=True`` is input=logits).
      ignore_background: leave class 0 out of the mean over classes.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> p = np.array([[[[0.9, 0.2]], [[0.1, 0.8]]]])  # one 1x2 image, 2 classes
      >>> generalized_dice(p, np.array([[[0, 1]]])).round(6)  # mean of 1 - 1.9/2.05 and 1 - 1.8/1.95
      array([0.075047])

    References:
      Sudre et al. 2017 (https://arxiv.org/abs/1707.03237);
      https://optax.readthedocs.io/en/latest/api/losses.html#optax.losses.multiclass_generalized_dice_loss
    """
    i, p, t = _overlap(pred, target, input)
    w = 1.0 / (t.sum(axis=0) ** 2 + _GDL_EPS)
    w = w / w.sum() * len(w)
    num, den = i + smooth, i + 0.5 * (p - i) + 0.5 * (t - i) + smooth
    loss = (1.0 - np.divide(num, den, out=np.ones_like(num), where=den != 0)) * w
    if ignore_background and loss.shape[1] > 1:
        loss = loss[:, 1:]
    return loss.mean(axis=1)
