"""Golden values for ece (the expected calibration error), computed by torchmetrics.

Run in a scratch environment with torchmetrics and torch installed (never a losscli dependency):

    python tests/golden/golden_metrics_calibration.py   # writes tests/golden/golden_metrics_calibration.json

Reference: ``torchmetrics.functional.classification.binary_calibration_error`` ((N,) probabilities
or logits) and ``multiclass_calibration_error`` ((N, C)), both ``norm="l1"``; the reliability bins
(``details``) from torchmetrics' own binning (``_binning_bucketize``). torchmetrics has no sample
weights: weighted cases come from ``weighted_ece`` below, an independent numpy computation (a mask
per bin, then ``Σ_b |Σ w (a - c)| / Σ w``), which is also checked against torchmetrics on every
unweighted case. Multiclass cases are float32 (float32-exact inputs): torchmetrics casts the
confidences to float32 and sums in float32. Edges: torch.linspace's, in the confidences' float type
(float32 for (N, C)), which is not k/bins on some edges (3/10 is 0.30000000000000004 in float64):
the edge cases put values on such edges too, and golden_linspace_edges.npz records torch's edges for
1 to 200 bins in both types (tests/losses/test_calibration_metrics.py compares losscli's with them).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torchmetrics
from torchmetrics.functional.classification import binary_calibration_error, multiclass_calibration_error
from torchmetrics.functional.classification.calibration_error import _binning_bucketize

OUT = pathlib.Path(__file__).with_suffix(".json")
EDGES = OUT.with_name("golden_linspace_edges.npz")  # torch.linspace(0, 1, b + 1) for b = 1..200, float32 and float64
RNG = np.random.default_rng(17)
CASES: list[dict] = []


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def confidences(probs: np.ndarray, target: np.ndarray, logits: bool) -> tuple[np.ndarray, np.ndarray]:
    """Confidence and correctness per row, written out for the independent computation."""
    if probs.ndim == 1:
        return (1.0 / (1.0 + np.exp(-probs)) if logits else probs), target.astype(np.float64)
    if logits:
        e = np.exp(probs - probs.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
    top = probs.argmax(axis=1)
    return probs.max(axis=1), (top == target).astype(np.float64)


def torch_edges(bins: int, dtype) -> list[float]:
    return torch.linspace(0, 1, bins + 1, dtype=torch.float32 if dtype is np.float32 else torch.float64).double().tolist()


def masks_of(conf: np.ndarray, bins: int, dtype) -> list[np.ndarray]:
    """The rows of each bin [e_k, e_k+1) (torch's edges, the confidence compared in ``dtype``), and
    a bin [1, 1] of its own for confidence 1."""
    edge, c = torch_edges(bins, dtype), conf.astype(dtype).astype(np.float64)
    return [(c >= edge[k]) & (c < edge[k + 1]) for k in range(bins)] + [c == 1.0]


def weighted_ece(conf: np.ndarray, correct: np.ndarray, weights: np.ndarray, bins: int, dtype) -> float:
    """Σ_b |Σ_{i in b} w_i (correct_i - conf_i)| / Σ w over the bins of ``masks_of``."""
    masks = masks_of(conf, bins, dtype)
    assert sum(int(m.sum()) for m in masks) == len(conf)
    return float(sum(abs(np.sum(weights[m] * (correct[m] - conf[m]))) for m in masks) / np.sum(weights))


def reference(probs: np.ndarray, target: np.ndarray, bins: int, logits: bool) -> tuple[float, dict]:
    """torchmetrics' value and its reliability bins."""
    p, y = torch.as_tensor(probs), torch.as_tensor(target, dtype=torch.long)
    if probs.ndim == 1:
        value = binary_calibration_error(p, y, n_bins=bins, norm="l1").item()
        conf, acc = (torch.sigmoid(p) if logits else p), y
    else:
        value = multiclass_calibration_error(p, y, num_classes=probs.shape[1], n_bins=bins, norm="l1").item()
        q = torch.softmax(p, dim=1) if logits else p
        top = q.max(dim=1)
        conf, acc = top.values.float(), top.indices.eq(y).float()
    boundaries = torch.linspace(0, 1, bins + 1, dtype=conf.dtype)
    acc_bin, conf_bin, prop_bin = _binning_bucketize(conf, acc, boundaries)
    counts = torch.bucketize(conf, boundaries, right=True) - 1
    count = torch.bincount(counts, minlength=bins + 1).tolist()
    return value, bin_details(count, [float(v) for v in count], conf_bin.tolist(), acc_bin.tolist(), bins)


def bin_details(count, weight, conf, acc, bins: int) -> dict:
    """The report's details: one entry per bin in each column, the [1, 1] bin only with rows."""
    size = bins + (1 if count[bins] > 0 else 0)
    has = [weight[b] > 0 for b in range(size)]
    return {
        "lower": [b / bins for b in range(size)], "upper": [min(b + 1, bins) / bins for b in range(size)],
        "count": [int(count[b]) for b in range(size)], "weight": [float(weight[b]) for b in range(size)],
        "confidence": [float(conf[b]) if has[b] else None for b in range(size)],
        "accuracy": [float(acc[b]) if has[b] else None for b in range(size)],
    }  # fmt: skip


def numpy_details(conf, correct, weights, bins: int, dtype) -> dict:
    masks = masks_of(conf, bins, dtype)
    w = [float(np.sum(weights[m])) for m in masks]
    c = [float(np.sum(weights[m] * conf[m]) / wb) if wb > 0 else None for m, wb in zip(masks, w)]
    a = [float(np.sum(weights[m] * correct[m]) / wb) if wb > 0 else None for m, wb in zip(masks, w)]
    return bin_details([int(m.sum()) for m in masks], w, c, a, bins)


def case(id_, probs, target, *, bins=15, logits=False, weights=None, dtype="float64"):
    probs, target = np.asarray(probs, dtype=np.float64), np.asarray(target, dtype=np.int64)
    ftype = np.float32 if dtype == "float32" or probs.ndim == 2 else np.float64  # torchmetrics' multiclass: float32
    conf, correct = confidences(probs, target, logits)
    spec = "ece" + ":" * (bins != 15 or logits) + ",".join([f"bins={bins}"] * (bins != 15) + ["input=logits"] * logits)
    entry = {"id": id_, "spec": spec, "dtype": dtype, "inputs": {"probs": probs.tolist(), "target": target.tolist()},
             "weights": None if weights is None else np.asarray(weights, dtype=np.float64).tolist(),
             "per_sample": None, "mean": None, "sum": None}  # fmt: skip
    if weights is None:
        value, details = reference(probs, target, bins, logits)
        independent = weighted_ece(conf, correct, np.ones(len(conf)), bins, ftype)
        assert abs(independent - value) <= (1e-6 if dtype == "float32" else 1e-12) * max(value, 1e-300), (id_, value, independent)
        task = "binary" if probs.ndim == 1 else "multiclass"
        entry["reference"] = f'torchmetrics.functional.classification.{task}_calibration_error(n_bins={bins}, norm="l1")'
    else:
        value = weighted_ece(conf, correct, np.asarray(weights, dtype=np.float64), bins, ftype)
        details = numpy_details(conf, correct, np.asarray(weights, dtype=np.float64), bins, ftype)
        entry["reference"] = "independent numpy: sample-weighted bins (torchmetrics has no sample weights)"
    entry["value"], entry["details"] = value, details
    CASES.append(entry)


def binary_cases() -> None:
    n = 40
    p, y = RNG.uniform(0, 1, n), RNG.integers(0, 2, n)
    case("ece_binary", p, y)
    case("ece_binary_bins1", p, y, bins=1)
    case("ece_binary_bins10", p, y, bins=10)
    # on the edges 0, 1 and k/10 (3/10: torch.linspace's 0.30000000000000004 is above 0.3), empty bins
    edges = np.array([0.0, 0.0, 0.1, 0.2, 0.2, 0.5, 0.5, 0.5, 0.7, 0.9, 1.0, 1.0, 1.0, 0.6, 0.8, 0.3, 0.3])
    labels = np.array([0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0])
    case("ece_binary_edges_bins10", edges, labels, bins=10)
    case("ece_binary_edges_bins15", edges[[0, 3, 5, 10, 11, 13, 14]], np.array([0, 1, 1, 1, 0, 1, 1]))
    rounded = np.round(RNG.uniform(0, 1, 60), 1)  # probabilities of one decimal: many on an edge
    case("ece_binary_rounded_bins10", rounded, RNG.integers(0, 2, 60), bins=10)
    case("ece_binary_rounded_bins15", rounded, RNG.integers(0, 2, 60))
    case("ece_binary_one_bin_used", RNG.uniform(0.91, 0.99, 12), RNG.integers(0, 2, 12))
    case("ece_binary_logits", RNG.normal(0, 3, n), y, logits=True)
    case("ece_binary_weighted", p, y, weights=np.where(np.arange(n) % 7 == 0, 0.0, RNG.uniform(0.1, 3.0, n)))
    case("ece_binary_weighted_edges_bins10", edges, labels, bins=10, weights=RNG.uniform(0.5, 2.0, len(edges)))


def multiclass_cases() -> None:
    n, c = 30, 4
    probs = f32(RNG.dirichlet(np.ones(c) * 0.7, n))
    y = RNG.integers(0, c, n)
    case("ece_multiclass", probs, y, dtype="float32")
    case("ece_multiclass_bins1", probs, y, bins=1, dtype="float32")
    case("ece_multiclass_bins10", probs, y, bins=10, dtype="float32")
    case("ece_multiclass_logits", f32(RNG.normal(0, 2.5, (n, c))), y, logits=True, dtype="float32")
    # maxima on the float32 edges k/10 (torch.linspace agrees with all of them), ties (first class), 1
    rows = f32([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2], [1.0, 0.0, 0.0], [0.4, 0.3, 0.3], [0.45, 0.45, 0.1],
                [0.1, 0.1, 0.8], [0.2, 0.6, 0.2], [0.9, 0.05, 0.05], [0.3, 0.3, 0.4], [0.5, 0.5, 0.0]])  # fmt: skip
    case("ece_multiclass_edges_bins10", rows, np.array([0, 1, 0, 2, 1, 2, 1, 0, 2, 0]), bins=10, dtype="float32")
    # maxima 0.4 = 6/15: torch's float32 edge is 0.40000004, so 0.4 is in the bin below
    case("ece_multiclass_edge_6_of_15", f32([[0.4, 0.3, 0.3], [0.35, 0.33, 0.32]]), np.array([1, 0]), dtype="float32")
    case("ece_multiclass_weighted", probs, y, weights=RNG.uniform(0.0, 2.0, n))


def main() -> None:
    binary_cases()
    multiclass_cases()
    doc = {
        "generated_by": "tests/golden/golden_metrics_calibration.py",
        "versions": {"torchmetrics": torchmetrics.__version__, "torch": torch.__version__, "numpy": np.__version__},
        "cases": CASES,
    }
    edges = {f"{name}_{b}": np.array(torch_edges(b, t)) for name, t in (("float32", np.float32), ("float64", np.float64)) for b in range(1, 201)}
    np.savez_compressed(EDGES, **edges)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
