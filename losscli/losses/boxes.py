"""Bounding-box losses: IoU, GIoU, DIoU and CIoU of paired boxes, as torchvision computes them.

``pred`` and ``target`` are ``(N, 4)``: row n of each is one pair. ``fmt`` says how the four
numbers are laid out (``xyxy``, ``xywh`` or ``cxcywh``); boxes are converted to corners first,
as ``torchvision.ops.box_convert`` does. A box with ``x2 < x1`` or ``y2 < y1`` after the
conversion is an error naming its row (torchvision accepts it and returns a plausible number).
``eps = 1e-7`` as torchvision; every operation follows torchvision's order, so float64 inputs
give its values to the last bits. Float32 inputs are computed in float64.
"""

from __future__ import annotations

import math

import numpy as np

from losscli._checks import as_float, check_same_shape
from losscli.errors import ShapeError, ValueDomainError
from losscli.losses._registry import options, register_loss, register_preset

_EPS = 1e-7  # torchvision's default eps (fixed: complete_box_iou_loss ignores a user eps in its IoU part)
_BOXES = ("boxes", "boxes")
_FMT = options("xyxy", "xywh", "cxcywh")
_LAYOUT = {"xyxy": "x1, y1, x2, y2", "xywh": "x, y, w, h", "cxcywh": "cx, cy, w, h"}
_RULE = {"xyxy": "x2 >= x1 and y2 >= y1", "xywh": "w >= 0 and h >= 0", "cxcywh": "w >= 0 and h >= 0"}

Corners = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _corners(boxes: np.ndarray, fmt: str, role: str) -> Corners:
    """``x1, y1, x2, y2`` columns of ``(N, 4)`` boxes given in ``fmt``; inverted boxes raise."""
    b = as_float(boxes, role)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ShapeError(f"{role} must be boxes of shape (N, 4) ({_LAYOUT[fmt]}), got shape {b.shape} instead")
    a, c, d, e = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    if fmt == "xyxy":
        x1, y1, x2, y2 = a, c, d, e
    elif fmt == "xywh":  # torchvision _box_xywh_to_xyxy
        x1, y1, x2, y2 = a, c, a + d, c + e
    else:  # torchvision _box_cxcywh_to_xyxy
        x1, y1, x2, y2 = a - 0.5 * d, c - 0.5 * e, a + 0.5 * d, c + 0.5 * e
    bad = (x2 < x1) | (y2 < y1)  # NaN compares False: left to the NaN policy
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        box = ", ".join(f"{v:g}" for v in b[row])
        what = f"{role} boxes must have {_RULE[fmt]}, got [{box}]" + ("" if fmt == "xyxy" else f" ({_LAYOUT[fmt]})")
        raise ValueDomainError(what, row=row, role=role)
    return x1, y1, x2, y2


def _pair(pred: np.ndarray, target: np.ndarray, fmt: str) -> tuple[Corners, Corners]:
    p = _corners(pred, fmt, "pred")
    t = _corners(target, fmt, "target")
    check_same_shape(np.asarray(pred), np.asarray(target))
    return p, t


def _inter_union(p: Corners, t: Corners) -> tuple[np.ndarray, np.ndarray]:
    """torchvision ``_loss_inter_union``: touching or disjoint boxes intersect in 0."""
    x1, y1, x2, y2 = p
    x1g, y1g, x2g, y2g = t
    xk1, yk1 = np.maximum(x1, x1g), np.maximum(y1, y1g)
    xk2, yk2 = np.minimum(x2, x2g), np.minimum(y2, y2g)
    inter = np.where((yk2 > yk1) & (xk2 > xk1), (xk2 - xk1) * (yk2 - yk1), 0.0)
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    return inter, union


def _enclosing(p: Corners, t: Corners) -> Corners:
    return np.minimum(p[0], t[0]), np.minimum(p[1], t[1]), np.maximum(p[2], t[2]), np.maximum(p[3], t[3])


def _diou_iou(p: Corners, t: Corners) -> tuple[np.ndarray, np.ndarray]:
    """torchvision ``_diou_iou_loss``: the DIoU loss and the IoU."""
    inter, union = _inter_union(p, t)
    iou = inter / (union + _EPS)
    xc1, yc1, xc2, yc2 = _enclosing(p, t)
    diagonal2 = ((xc2 - xc1) ** 2) + ((yc2 - yc1) ** 2) + _EPS
    x1, y1, x2, y2 = p
    x1g, y1g, x2g, y2g = t
    centers2 = (((x2 + x1) / 2 - (x1g + x2g) / 2) ** 2) + (((y2 + y1) / 2 - (y1g + y2g) / 2) ** 2)
    return 1 - iou + (centers2 / diagonal2), iou


@register_loss(
    "iou",
    family="boxes",
    inputs=_BOXES,
    aliases=("box_iou", "iou_loss"),
    reference="torchvision.ops._utils._loss_inter_union (no plain IoU loss is shipped)",
    domains={"fmt": _FMT},
)
def iou(pred: np.ndarray, target: np.ndarray, *, fmt: str = "xyxy") -> np.ndarray:
    """IoU loss ``1 - inter / (union + eps)`` of paired boxes, eps = 1e-7.

    Args:
      pred: predicted boxes, shape (N, 4).
      target: target boxes, shape (N, 4).
      fmt: layout of the four numbers: xyxy (x1, y1, x2, y2), xywh or cxcywh.

    Returns:
      Per-sample loss, shape (N,), in [0, 1].

    Examples:
      >>> iou(np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 0.0, 3.0, 2.0]]))  # 1 - 2/(6 + eps)
      array([0.66666667])

    References:
      https://github.com/pytorch/vision/blob/main/torchvision/ops/_utils.py (_loss_inter_union)
    """
    p, t = _pair(pred, target, fmt)
    inter, union = _inter_union(p, t)
    return 1 - inter / (union + _EPS)


@register_loss(
    "giou",
    family="boxes",
    inputs=_BOXES,
    aliases=("generalized_box_iou_loss",),
    reference="torchvision.ops.generalized_box_iou_loss",
    domains={"fmt": _FMT},
)
def giou(pred: np.ndarray, target: np.ndarray, *, fmt: str = "xyxy") -> np.ndarray:
    """Generalized IoU loss ``1 - iou + (C - union) / (C + eps)``, C the enclosing box's area.

    Args:
      pred: predicted boxes, shape (N, 4).
      target: target boxes, shape (N, 4).
      fmt: layout of the four numbers: xyxy (x1, y1, x2, y2), xywh or cxcywh.

    Returns:
      Per-sample loss, shape (N,), in [0, 2).

    Examples:
      >>> giou(np.array([[0.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 2.0, 2.0]]))  # 1 - 0 + (4 - 2)/(4 + eps)
      array([1.49999999])

    References:
      Rezatofighi et al. 2019 (https://arxiv.org/abs/1902.09630);
      https://pytorch.org/vision/stable/generated/torchvision.ops.generalized_box_iou_loss.html
    """
    p, t = _pair(pred, target, fmt)
    inter, union = _inter_union(p, t)
    iou = inter / (union + _EPS)
    xc1, yc1, xc2, yc2 = _enclosing(p, t)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    return 1 - (iou - ((area_c - union) / (area_c + _EPS)))


@register_loss(
    "diou",
    family="boxes",
    inputs=_BOXES,
    aliases=("distance_box_iou_loss",),
    reference="torchvision.ops.distance_box_iou_loss",
    domains={"fmt": _FMT},
)
def diou(pred: np.ndarray, target: np.ndarray, *, fmt: str = "xyxy") -> np.ndarray:
    """Distance IoU loss ``1 - iou + rho**2 / (c**2 + eps)``.

    rho is the distance between the boxes' centres, c the diagonal of the enclosing box.

    Args:
      pred: predicted boxes, shape (N, 4).
      target: target boxes, shape (N, 4).
      fmt: layout of the four numbers: xyxy (x1, y1, x2, y2), xywh or cxcywh.

    Returns:
      Per-sample loss, shape (N,), in [0, 2).

    Examples:
      >>> diou(np.array([[0.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 2.0, 2.0]]))  # 1 - 0 + 2/(8 + eps)
      array([1.25])

    References:
      Zheng et al. 2020 (https://arxiv.org/abs/1911.08287);
      https://pytorch.org/vision/stable/generated/torchvision.ops.distance_box_iou_loss.html
    """
    p, t = _pair(pred, target, fmt)
    return _diou_iou(p, t)[0]


@register_loss(
    "ciou",
    family="boxes",
    inputs=_BOXES,
    aliases=("complete_box_iou_loss",),
    reference="torchvision.ops.complete_box_iou_loss",
    domains={"fmt": _FMT},
)
def ciou(pred: np.ndarray, target: np.ndarray, *, fmt: str = "xyxy") -> np.ndarray:
    """Complete IoU loss: DIoU plus ``alpha v``, the aspect-ratio term.

    ``v = 4/pi**2 (atan(w_t/h_t) - atan(w_p/h_p))**2``, ``alpha = v / (1 - iou + v + eps)``. A box
    with zero width and zero height has no aspect ratio (``atan(0/0)``): there ``v = 0`` (the
    loss is the DIoU), where torchvision gives nan. A zero height alone gives ``atan(w/0) = pi/2``,
    as torchvision.

    Args:
      pred: predicted boxes, shape (N, 4).
      target: target boxes, shape (N, 4).
      fmt: layout of the four numbers: xyxy (x1, y1, x2, y2), xywh or cxcywh.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> ciou(np.array([[1.0, 1.0, 1.0, 3.0]]), np.array([[1.0, 1.0, 2.0, 3.0]]))
      array([1.05698222])

    References:
      Zheng et al. 2020 (https://arxiv.org/abs/1911.08287);
      https://pytorch.org/vision/stable/generated/torchvision.ops.complete_box_iou_loss.html
    """
    p, t = _pair(pred, target, fmt)
    loss, iou = _diou_iou(p, t)
    w_pred, h_pred = p[2] - p[0], p[3] - p[1]
    w_gt, h_gt = t[2] - t[0], t[3] - t[1]
    with np.errstate(divide="ignore", invalid="ignore"):  # h = 0: atan(w/0) = pi/2 as torch; 0/0 handled below
        v = (4 / (math.pi**2)) * ((np.arctan(w_gt / h_gt) - np.arctan(w_pred / h_pred)) ** 2)
    point = ((w_pred == 0) & (h_pred == 0)) | ((w_gt == 0) & (h_gt == 0))
    v = np.where(point, 0.0, v)
    alpha = v / (1 - iou + v + _EPS)
    return loss + alpha * v


register_preset("boxes", "iou", "giou", "diou", "ciou")
