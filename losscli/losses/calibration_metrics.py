"""Calibration metrics: the expected calibration error (``ece``) of predicted probabilities.

``ece`` is torchmetrics' ``calibration_error(norm="l1")`` (``binary_calibration_error`` for
``(N,)`` probabilities, ``multiclass_calibration_error`` for ``(N, C)`` ones): confidences are
put in ``bins`` equal-width bins of [0, 1], and the error is ``Σ_b (n_b / N) |acc_b - conf_b|``
(``acc_b``: the fraction correct in bin b, ``conf_b``: its mean confidence; empty bins count 0).

- Binary ``(N,)`` (or ``(N, 1)``) probabilities of the positive class: the confidence of a row is
  its probability p and "correct" is its 0/1 label (torchmetrics' binary task), so ``acc_b`` is the
  fraction of positives in the bin.
- ``(N, C)`` class probabilities: the confidence is the row's largest probability and "correct"
  means its class (the first of tied maxima) is the label.
- ``input=logits``: sigmoid (``(N,)``) or softmax (``(N, C)``) first. torchmetrics guesses logits
  when any value lies outside [0, 1]; losscli never guesses: values outside [0, 1] with the
  default ``input=probs`` are an error that says to pass ``ece:input=logits``.

Bin k holds the confidences c with ``e_k <= c < e_{k+1}`` (torch.bucketize, ``right=True``), where
``e_k`` is torchmetrics' edge, ``torch.linspace(0, 1, bins + 1)`` bit for bit (``edges``), in the
probabilities' float type for ``(N,)`` and float32 for ``(N, C)`` (torchmetrics casts those
confidences to float32; they are compared in float32 here too, and summed in float64). A
confidence of exactly 1 has a bin of its own, ``[1, 1]``, as in torchmetrics (its boundaries
tensor has ``bins + 1`` slots).

With ``--nan-policy propagate`` a NaN confidence (a NaN input, or the softmax of a +inf logit)
lands in the last bin (as ``torch.bucketize`` puts it) and the value is nan (torchmetrics'
``nan_to_num`` there would count it as a confidence of 0).

Sample weights (torchmetrics has none): the weighted analogue, each row counting with its weight
(``n_b`` and the sums over the bin are weighted sums). The state is, per bin, the row count, the
weight and the weighted sums of confidences and of correct rows, in compensated sums: streaming,
shards, Dask, groups and bootstrap replicates all merge it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from losscli._checks import check_values
from losscli.errors import InputError, ShapeError, StateError
from losscli.losses._registry import interval, options, register_loss
from losscli.losses._statistic import Statistic, at_most, exact_keys, floats, non_negative, whole
from losscli.losses.classification import class_labels, sigmoid, softmax
from losscli.reductions import two_sum

MAX_BINS = 100_000  # the state holds 8 floats per bin
_ROWS = ("count", "weight", "confidence", "correct")  # the rows of a state's sums


@dataclass(frozen=True)
class Bins:
    """Per-bin sums of some rows: ``sums[r, b]`` (r in ``_ROWS``; bins ``0..bins-1`` then the
    ``[1, 1]`` bin) with their Neumaier compensations ``comp``."""

    sums: np.ndarray
    comp: np.ndarray

    def merge(self, other: "Bins") -> "Bins":
        """The bins of both sets of rows (the same number of bins)."""
        if other.sums.shape != self.sums.shape:
            raise ValueError(f"cannot merge ece states of {self.bins} and {other.bins} bins")
        sums, comp = two_sum(self.sums, self.comp + other.comp, other.sums)
        return Bins(sums, comp)

    def to_state(self) -> dict[str, Any]:
        return {"bins": self.bins, "sums": self.sums.tolist(), "comp": self.comp.tolist()}

    @property
    def bins(self) -> int:
        return self.sums.shape[1] - 1

    def row_count(self) -> float:
        """The rows counted: the sum of the bins' row counts."""
        return float(self.totals()[0].sum())

    def totals(self) -> np.ndarray:
        """Each sum with its compensation, ``(4, bins + 1)``."""
        return self.sums + self.comp


def load(state: Mapping[str, Any]) -> Bins:
    """A ``Bins`` from ``to_state``'s dict (a shard file: checked, never trusted): exact fields,
    a whole number of bins, sums of shape ``(4, bins + 1)``, finite and not negative, whole row
    counts, confidence and correct sums within the weight of their bin. Else a ``StateError``."""
    state = exact_keys(state, ("bins", "sums", "comp"))
    bins = whole(state["bins"], "bins", 1, MAX_BINS)
    shape = (len(_ROWS), bins + 1)
    sums, comp = floats(state["sums"], "sums", shape), floats(state["comp"], "comp", shape)
    out = Bins(sums, comp)
    count, weight, confidence, correct = out.totals()
    non_negative(out.totals(), "sums")
    if (count != np.round(count)).any():
        raise StateError("sums", "has a row count that is not a whole number")
    at_most(confidence, weight, "sums", "confidence than the weight of its bin")
    at_most(correct, weight, "sums", "correct rows than the weight of its bin")
    return out


@functools.lru_cache(maxsize=64)
def edges(bins: int, dtype: Any = np.float64) -> np.ndarray:
    """torchmetrics' bin edges, ``torch.linspace(0, 1, bins + 1, dtype=dtype)``, as float64.

    torch computes edge ``k`` as ``step * k`` below the middle (``k < (bins + 1) // 2``) and
    ``1 - step * (bins - k)`` from there on, ``step = 1 / bins`` rounded to ``dtype``, each with
    one rounding (a fused multiply-add): so 3/10 is 0.30000000000000004 in float64 and 6/15 is
    0.40000004 in float32. Here each is an exact integer over ``step``'s power-of-two denominator,
    rounded once: Python's int-to-float conversion rounds to nearest, ties to even; for float32
    the float64 value is exact (fewer than 53 bits), then rounded once to float32.
    tests/losses/test_calibration_metrics.py pins torch's edges for 1 to 200 bins."""
    dt = np.dtype(dtype)
    num, den = float(dt.type(1) / dt.type(bins)).as_integer_ratio()  # den: a power of two
    exact = [num * k if k < (bins + 1) // 2 else den - num * (bins - k) for k in range(bins + 1)]
    return np.array([float(x) / den for x in exact], dtype=np.float64).astype(dt).astype(np.float64)


def confidences(probs: np.ndarray, target: np.ndarray, input: str) -> tuple[np.ndarray, np.ndarray, Any]:
    """Each row's confidence and whether it is correct (0/1), and the float type of the edges."""
    raw = np.asarray(probs)
    if raw.dtype.kind not in "fiub":
        raise ShapeError(f"probs must be numeric, got dtype {raw.dtype} instead")
    # the edges' type: the probabilities' for (N,) (torchmetrics' binary keeps the input's type),
    # float32 for (N, C) (its multiclass casts the confidences to float32)
    dtype = np.dtype(np.float32) if raw.ndim == 2 and raw.shape[1] > 1 else raw.dtype if raw.dtype.kind == "f" and raw.dtype.itemsize < 8 else np.dtype(np.float64)
    p = raw.astype(np.float64)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim not in (1, 2):
        raise ShapeError(f"probs must be (N,) probabilities of the positive class or (N, C) class probabilities, got shape {raw.shape}")
    y = np.asarray(target)
    if y.shape != p.shape[:1]:
        raise ShapeError(f"with probs of shape {raw.shape}, target must be labels of shape ({len(p)},); got target {y.shape}")
    if input == "probs":
        hint = " (pass ece:input=logits for logits, which torchmetrics detects by values outside [0, 1])"
        check_values(~((p < 0) | (p > 1)), p, "must be in [0, 1]" + hint, "probs")
    if p.ndim == 1:
        conf = sigmoid(p) if input == "logits" else p
        return conf, class_labels(y, 2, "target").astype(np.float64), dtype
    q = softmax(p) if input == "logits" else p
    predicted = np.argmax(q, axis=1)
    correct = predicted == class_labels(y, p.shape[1], "target")
    return q[np.arange(len(q)), predicted], correct.astype(np.float64), dtype


def fold(inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> Bins:
    """The bins of these rows (``weights``: any non-negative floats, or None for 1 each)."""
    conf, correct, dtype = confidences(inputs[0], inputs[1], params["input"])
    size = params["bins"] + 1
    binned = conf.astype(dtype).astype(np.float64)  # compared in the edges' type, as torch does
    idx = np.searchsorted(edges(params["bins"], dtype), binned, side="right") - 1  # torch.bucketize(right=True) - 1
    count = np.bincount(idx, minlength=size).astype(np.float64)
    if weights is None:
        weight, wc, wa = count, conf, correct
    else:
        w = np.asarray(weights, dtype=np.float64)
        weight, wc, wa = np.bincount(idx, weights=w, minlength=size), w * conf, w * correct
    sums = np.stack([count, weight, np.bincount(idx, weights=wc, minlength=size), np.bincount(idx, weights=wa, minlength=size)])
    return Bins(sums, np.zeros_like(sums))


def _means(state: Bins) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Per bin: rows, weight, mean confidence and accuracy (nan where the bin has no weight);
    the total weight."""
    count, weight, conf, correct = state.totals()
    total = math.fsum(state.sums[1]) + math.fsum(state.comp[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return count, weight, conf / weight, correct / weight, total


def value(state: Bins, params: Mapping[str, Any]) -> float:
    """``Σ_b (w_b / W) |acc_b - conf_b|`` over the bins with weight (torchmetrics' order of
    operations: bin means first)."""
    _, weight, conf, acc, total = _means(state)
    if not total > 0:
        raise InputError("ece: no rows with a positive weight, so the calibration error is undefined (torchmetrics gives nan)")
    used = weight > 0
    return math.fsum(np.abs(acc[used] - conf[used]) * (weight[used] / total))


def details(state: Bins, params: Mapping[str, Any]) -> dict[str, Any]:
    """The reliability bins, one entry per bin in each column: its edges ``lower`` and ``upper``,
    ``count`` (rows), ``weight``, mean ``confidence`` and ``accuracy`` (null for a bin without
    weight); the ``[1, 1]`` bin last, only when it holds rows."""
    count, weight, conf, acc, _ = _means(state)
    size = state.bins + (1 if count[-1] > 0 else 0)
    e = edges(state.bins)
    has = weight[:size] > 0
    return {
        "lower": tuple(float(v) for v in e[:size]),
        "upper": tuple(float(v) for v in np.append(e[1:], 1.0)[:size]),
        "count": tuple(int(v) for v in count[:size]),
        "weight": tuple(float(v) for v in weight[:size]),
        "confidence": tuple(float(v) if h else None for v, h in zip(conf, has)),
        "accuracy": tuple(float(v) if h else None for v, h in zip(acc, has)),
    }


ECE = Statistic("counts", fold, value, load, details=details)


@register_loss(
    "ece",
    family="classification_metrics",
    inputs=("probs|logits", "binary|labels"),
    aliases=("calibration_error", "binary_calibration_error", "multiclass_calibration_error"),
    reference='torchmetrics.functional.classification.calibration_error(norm="l1")',
    direction="lower",
    domains={"bins": interval(1, MAX_BINS), "input": options("probs", "logits")},
    statistic=ECE,
)
def ece(probs: np.ndarray, target: np.ndarray, *, bins: int = 15, input: str = "probs") -> float:
    """Expected calibration error: mean |accuracy - confidence| over equal-width confidence bins.

    ``Σ_b (n_b / N) |acc_b - conf_b|`` with ``bins`` bins of [0, 1] (a confidence of exactly 1 in a
    bin of its own, as torchmetrics). ``(N,)`` probabilities: confidence p, accuracy the label
    (binary); ``(N, C)``: confidence the largest probability, correct when its class is the label.
    Sample weights weigh each row (torchmetrics has none). The report's details hold the
    reliability bins (``--plot`` draws them). The state: 4 sums per bin (fixed size).

    Args:
      probs: P(class 1), shape (N,), or class probabilities (N, C), in [0, 1]; logits with
        ``input=logits``.
      target: labels (N,): 0/1 for (N,) probs, else in [0, C).
      bins: the number of equal-width bins of [0, 1].
      input: what probs holds: ``probs`` or ``logits`` (sigmoid for (N,), softmax for (N, C)).

    Returns:
      The calibration error, in [0, 1].

    Examples:
      >>> round(ece(np.array([0.25, 0.25, 0.55, 0.75, 0.75]), np.array([0, 0, 1, 1, 1]), bins=2), 4)
      0.29
      >>> round(ece(np.array([[0.25, 0.2, 0.55], [0.55, 0.05, 0.4], [0.1, 0.3, 0.6], [0.9, 0.05, 0.05]]), np.array([0, 1, 2, 0]), bins=3), 4)
      0.2

    References:
      https://lightning.ai/docs/torchmetrics/stable/classification/calibration_error.html
    """
    return ECE.of([probs, target], {"bins": bins, "input": input})
