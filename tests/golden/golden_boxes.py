"""Golden values for the box losses, computed by torchvision (giou, diou, ciou; iou from its parts).

Run in a scratch environment with torch and torchvision installed (never a losscli dependency):

    python tests/golden/golden_boxes.py     # writes tests/golden/golden_boxes.json

Per-sample values are torchvision's ``reduction="none"``; ``mean``/``sum`` its ``"mean"`` and
``"sum"``. The plain IoU loss is not shipped by torchvision: it is ``1 - inter / (union + eps)``
with ``inter, union`` from ``torchvision.ops._utils._loss_inter_union``, as giou/diou use them.
``xywh``/``cxcywh`` cases convert with ``torchvision.ops.box_convert`` first. The one documented
deviation (a zero-width-and-height box in ciou: torchvision gives nan, losscli takes v = 0 so the
loss is the DIoU) is the case ``ciou_point_box_deviation``, whose expected values are torchvision's
``distance_box_iou_loss``.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torchvision
from torchvision.ops import box_convert, complete_box_iou_loss, distance_box_iou_loss, generalized_box_iou_loss
from torchvision.ops._utils import _loss_inter_union

OUT = pathlib.Path(__file__).with_suffix(".json")
RNG = np.random.default_rng(11)
CASES: list[dict] = []


def iou_loss(b1: torch.Tensor, b2: torch.Tensor, reduction: str = "none", eps: float = 1e-7) -> torch.Tensor:
    """1 - IoU from torchvision's own intersection/union (the part giou and diou start from)."""
    inter, union = _loss_inter_union(b1, b2)
    loss = 1 - inter / (union + eps)
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


FNS = {
    "iou": (iou_loss, "1 - inter/(union + 1e-7), torchvision.ops._utils._loss_inter_union"),
    "giou": (generalized_box_iou_loss, "torchvision.ops.generalized_box_iou_loss"),
    "diou": (distance_box_iou_loss, "torchvision.ops.distance_box_iou_loss"),
    "ciou": (complete_box_iou_loss, "torchvision.ops.complete_box_iou_loss"),
}


def add(id_, name, pred, target, *, fmt="xyxy", weights=None, dtype="float64", fn_name=None, reference=None):
    """One case: torchvision on ``pred``/``target`` (converted from ``fmt`` to xyxy first)."""
    fn, ref = FNS[fn_name or name]
    torch_dtype = torch.float32 if dtype == "float32" else torch.float64
    p = torch.as_tensor(np.asarray(pred, dtype=np.float64)).to(torch_dtype)
    y = torch.as_tensor(np.asarray(target, dtype=np.float64)).to(torch_dtype)
    if fmt != "xyxy":
        p, y = box_convert(p, fmt, "xyxy"), box_convert(y, fmt, "xyxy")
        ref = f"{ref} after torchvision.ops.box_convert(in_fmt='{fmt}')"
    per = fn(p, y, reduction="none").double()
    assert torch.isfinite(per).all(), (id_, per)
    spec = name + (f":fmt={fmt}" if fmt != "xyxy" else "")
    if weights is not None:
        w = torch.as_tensor(np.asarray(weights, dtype=np.float64))
        value = float((per * w).sum() / w.sum())
    else:
        value = float(fn(p, y, reduction="mean"))
    case = {
        "id": id_,
        "spec": spec,
        "reference": reference or ref,
        "dtype": dtype,
        "inputs": {"pred": np.asarray(pred, dtype=np.float64).tolist(), "target": np.asarray(target, dtype=np.float64).tolist()},
        "weights": None if weights is None else np.asarray(weights, dtype=np.float64).tolist(),
        "per_sample": per.tolist(),
        "value": value,
    }
    if weights is None:
        case["mean"] = value
        case["sum"] = float(fn(p, y, reduction="sum"))
    CASES.append(case)


def random_boxes(n: int, scale: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Ground truth and jittered predictions in xyxy: overlapping, disjoint and nested pairs."""
    xy = RNG.uniform(0, scale, (n, 2))
    wh = RNG.uniform(0.2, scale / 2, (n, 2))
    target = np.hstack([xy, xy + wh])
    jitter = RNG.normal(0, scale / 8, (n, 4))
    pred = target + jitter
    pred[:, 2:] = np.maximum(pred[:, 2:], pred[:, :2] + 0.05)
    return pred, target


def main() -> None:
    pred, target = random_boxes(24)
    # Named geometries, rows b1 -> b2.
    special_p = np.array(
        [
            [0.0, 0.0, 2.0, 2.0],  # identical: 2.5e-8, not 0 (iou = 4/(4 + 1e-7))
            [0.0, 0.0, 1.0, 1.0],  # touching at a corner
            [0.0, 0.0, 1.0, 1.0],  # touching along an edge
            [0.0, 0.0, 1.0, 1.0],  # disjoint
            [0.0, 0.0, 1.0, 1.0],  # half overlap
            [1.0, 1.0, 2.0, 2.0],  # contained in the target
            [0.0, 0.0, 4.0, 4.0],  # containing the target
            [1.0, 1.0, 1.0, 3.0],  # zero width
            [1.0, 1.0, 3.0, 1.0],  # zero height (ciou: atan(2/0) = pi/2, finite)
            [-3.5, -2.0, 1.25, 0.5],  # negative coordinates
            [100.0, 200.0, 350.0, 420.0],  # pixel-scale boxes
            [0.0, 0.0, 1e-3, 2e-3],  # tiny boxes
        ]
    )
    special_t = np.array(
        [
            [0.0, 0.0, 2.0, 2.0],
            [1.0, 1.0, 2.0, 2.0],
            [1.0, 0.0, 2.0, 1.0],
            [2.0, 2.0, 3.0, 3.0],
            [0.5, 0.0, 1.5, 1.0],
            [0.0, 0.0, 4.0, 4.0],
            [1.0, 1.0, 2.0, 2.0],
            [1.0, 1.0, 2.0, 3.0],
            [1.0, 1.0, 3.0, 2.0],
            [-1.0, -1.0, 2.0, 2.0],
            [120.0, 180.0, 330.0, 400.0],
            [5e-4, 0.0, 1.5e-3, 2e-3],
        ]
    )
    weights = RNG.uniform(0.1, 3.0, len(pred))
    for name in FNS:
        add(f"{name}_random", name, pred, target)
        add(f"{name}_geometries", name, special_p, special_t)
        add(f"{name}_weighted", name, pred, target, weights=weights)
        add(f"{name}_large", name, pred * 1e4, target * 1e4)

    # Formats: the same boxes written as xywh and cxcywh.
    xywh = lambda b: np.hstack([b[:, :2], b[:, 2:] - b[:, :2]])  # noqa: E731
    cxcywh = lambda b: np.hstack([(b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2]])  # noqa: E731
    for name in FNS:
        add(f"{name}_xywh", name, xywh(pred), xywh(target), fmt="xywh")
        add(f"{name}_cxcywh", name, cxcywh(special_p), cxcywh(special_t), fmt="cxcywh")

    # Point boxes (zero width and height): finite for iou/giou/diou (GIoU 1.0 for identical points).
    points_p = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 2.0, 2.0]])
    points_t = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0]])
    for name in ("iou", "giou", "diou"):
        add(f"{name}_point_boxes", name, points_p, points_t)
    # ciou there: torchvision gives nan (atan(0/0)); losscli takes v = 0, i.e. the DIoU.
    tv = complete_box_iou_loss(torch.as_tensor(points_p), torch.as_tensor(points_t))
    assert torch.isnan(tv).all()
    add(
        "ciou_point_box_deviation",
        "ciou",
        points_p,
        points_t,
        fn_name="diou",
        reference="torchvision.ops.distance_box_iou_loss: the documented deviation, "
        "complete_box_iou_loss gives nan for point boxes (pytorch/vision#7746), losscli takes v = 0",
    )

    # float32: torchvision computes in float32 on float32-exact inputs (multiples of 1/8).
    p32 = np.round(pred * 8) / 8
    t32 = np.round(target * 8) / 8
    p32[:, 2:] = np.maximum(p32[:, 2:], p32[:, :2] + 0.25)  # rounding must not make point boxes
    for name in FNS:
        add(f"{name}_f32", name, p32, t32, dtype="float32")

    doc = {
        "generated_by": "tests/golden/golden_boxes.py",
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "numpy": np.__version__},
        "cases": CASES,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
