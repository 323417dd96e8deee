"""Classification losses: per-sample values of scores, logits or probabilities against labels.

Class losses take ``(N, C)`` inputs with ``(N,)`` integer labels (float arrays holding whole
numbers are accepted) or ``(N, C)`` targets; the loss decides which from the target's shape.
Binary and elementwise losses take inputs of equal shape, ``(N,)`` or ``(N, D)``, and give the
row mean per sample, so the overall mean is the reference's mean over all elements.

Each loss follows its reference's formula term by term (the same log-sum-exp, log-sigmoid and
clamps), so values agree to rounding wherever the reference is finite, with two documented
exceptions: cross-entropy computes ``log p_y`` as ``-log1p(sum_{j != y} exp(x_j - x_y))``, so
rows with a tiny loss keep their digits where torch's ``log(sum(exp))`` rounds ``1 + tiny``
(there the two agree to ~1e-16 absolute, not relative), and soft margin stays finite where
torch overflows. Float32 inputs are computed in float64.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from losscli import _kinds
from losscli._checks import as_float, check_rank, check_values, row_mean
from losscli.errors import InputError, ShapeError, ValueDomainError
from losscli.losses._registry import Domain, all_elements, class_positions, interval, options, register_loss, register_preset

# Rows per block of the cross-entropy kernel: about 64 Ki float64 elements (512 KiB) a block,
# so its temporaries stay in cache and no full-size (N, C) float64 copy is ever made.
_BLOCK_ELEMENTS = 1 << 16
# Up to this many classes the row maximum is a loop over columns (fast for small C).
_COLUMN_LOOP_MAX = 64


def _finite_nonneg(v: object) -> bool:
    values = v if isinstance(v, tuple) else (v,)
    return all(isinstance(t, (int, float)) and math.isfinite(t) and t >= 0 for t in values)


_WEIGHTS = Domain(_finite_nonneg, "finite and >= 0 (one value per class, separated by ';')")
_ALPHA = Domain(lambda v: 0.0 <= v <= 1.0 or v == -1.0, "in [0, 1], or -1 or none (no alpha)")


# ---------------------------------------------------------------------------- checks


def class_labels(
    labels: np.ndarray, n_classes: int, role: str, ignore_index: int | None = None
) -> np.ndarray:
    """Validate integer class labels in ``[0, n_classes)`` (or ``ignore_index``); return int64.

    Float arrays holding whole numbers are accepted (CSV columns are often float).
    """
    y = np.asarray(labels)
    if y.dtype.kind == "b":
        y = y.astype(np.int64)
    if y.dtype.kind not in "iuf":
        raise ShapeError(f"{role} must hold numeric class labels, got dtype {y.dtype} instead")
    if y.size == 0:
        return y.astype(np.int64)
    if y.dtype.kind in "iu":
        lo, hi = y.min(), y.max()
        if lo >= 0 and hi < n_classes:  # the common case: two passes, no mask
            return y.astype(np.int64, copy=False)
    ok = (y >= 0) & (y < n_classes)
    if y.dtype.kind == "f":
        ok &= y == np.floor(y)
    extra = ""
    if ignore_index is not None:
        ok |= y == ignore_index
        if not 0 <= ignore_index < n_classes:
            extra = f" or {ignore_index} (ignore_index)"
    check_values(ok, y, f"must be integer class labels in [0, {n_classes}){extra}", role)
    return y.astype(np.int64)


def _binary_labels(labels: np.ndarray, role: str) -> np.ndarray:
    """0/1 labels, or -1/+1 labels read as 0/1 (scikit-learn's binary metrics sort the two labels:
    -1 is the negative class); -1 and 0 together are an error. Returns int64 0/1."""
    y = np.asarray(labels)
    if y.dtype.kind in "iuf" and y.size and bool((y == -1).any()):
        check_values((y == -1) | (y == 1), y, "must be 0/1 or -1/+1 labels (not -1 and 0 together)", role)
        return (y == 1).astype(np.int64)
    return class_labels(y, 2, role)


def _pm1_labels(labels: np.ndarray, role: str) -> np.ndarray:
    """Labels -1/+1 or 0/1 (0 means -1) as a float64 array of -1.0 and +1.0."""
    y = as_float(labels, role)
    ok = (y == 1) | (y == -1) | (y == 0)
    check_values(ok, y, "must be -1/+1 or 0/1 labels", role)
    return np.where(y == 1, 1.0, -1.0)


def _in_unit(x: np.ndarray, role: str, hint: str = "") -> None:
    """Values in [0, 1] (NaN passes: the NaN policy decides about it)."""
    check_values(~((x < 0) | (x > 1)), x, f"must be in [0, 1]{hint}", role)


def _unit_target(y: np.ndarray, role: str = "target") -> None:
    """Targets in [0, 1]; when a -1 is among them, the message says how to read -1/+1 labels."""
    bad = (y < 0) | (y > 1)
    if bad.any():
        _in_unit(y, role, " (for -1/+1 labels pass --pos-label 1)" if bool((y == -1).any()) else "")


def _non_positive(x: np.ndarray, role: str, hint: str = "") -> None:
    check_values(~(x > 0), x, f"must be <= 0 (log-probabilities{hint})", role)


def _same_shape(a: np.ndarray, b: np.ndarray, names: tuple[str, str]) -> None:
    if a.shape != b.shape:
        raise ShapeError(f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}")


def rows_match(x: np.ndarray, y: np.ndarray, names: tuple[str, str]) -> None:
    """``x`` is ``(N, C)`` and ``y`` is ``(N,)``."""
    check_rank(x, (2,), names[0])
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise ShapeError(
            f"with {names[0]} of shape {x.shape}, {names[1]} must be labels of shape ({x.shape[0]},); "
            f"got {names[1]} {y.shape}"
        )


def _class_vector(values: float | tuple[float, ...] | None, n: int, name: str, against: str) -> np.ndarray | None:
    """A per-class parameter (weight, pos_weight) as an array of ``n`` values (one value broadcasts)."""
    if values is None:
        return None
    v = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if len(v) == 1:
        return np.full(n, v[0])
    if len(v) != n:
        raise ShapeError(f"parameter {name} has {len(v)} values, but {against} has {n} columns (classes)")
    return v


def _is_label_target(x: np.ndarray, target: np.ndarray, names: tuple[str, str]) -> bool:
    """True for ``(N,)`` labels with ``(N, C)`` inputs, False for targets of the inputs' shape."""
    check_rank(x, (2,), names[0])
    if target.shape == x.shape:
        return False
    if target.ndim == 1 and target.shape[0] == x.shape[0]:
        return True
    raise ShapeError(
        f"with {names[0]} of shape {x.shape}, {names[1]} must be labels of shape ({x.shape[0]},) "
        f"or probabilities of shape {x.shape}; got {names[1]} {target.shape}"
    )


def _positions(x: np.ndarray, t: np.ndarray, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray, int]:
    """``(N, C, d1, ...)`` scores (classes on axis 1, as torch) with ``(N, d1, ...)`` labels or
    targets of their shape, as ``(N P, C)`` rows and their targets (``P = d1 ...``: one row per
    position, class axis last), and ``P``."""
    n, c, p = x.shape[0], x.shape[1], math.prod(x.shape[2:])
    if t.shape == (n, *x.shape[2:]):
        t2 = t.reshape(n * p)
    elif t.shape == x.shape:
        t2 = np.moveaxis(t.reshape(n, c, p), 1, 2).reshape(n * p, c)
    else:
        raise ShapeError(
            f"with {names[0]} of shape {x.shape} (classes on axis 1), {names[1]} must be labels of shape "
            f"{(n, *x.shape[2:])} or of {names[0]}'s shape; got {names[1]} {t.shape}"
        )
    return np.moveaxis(x.reshape(n, c, p), 1, 2).reshape(n * p, c), t2, p


def _class_axis_1(names: tuple[str, str]) -> Callable[[Callable[..., np.ndarray]], Callable[..., np.ndarray]]:
    """Let a loss of ``(N, C)`` scores take ``(N, C, d1, ...)`` ones (semantic segmentation), as
    torch: each position is a row of its own (class axis last, flattened), and a sample's value is
    the mean over its positions of those rows' losses (torch's ``reduction="none"`` output, which is
    0 at an ignored position). The loss's normaliser takes the same mean (``_label_normalizer``)."""

    def wrap(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        @functools.wraps(fn)
        def loss(x: np.ndarray, t: np.ndarray, **params: Any) -> np.ndarray:
            x, t = np.asarray(x), np.asarray(t)
            if x.ndim <= 2:
                return fn(x, t, **params)
            x2, t2, p = _positions(x, t, names)
            try:
                return fn(x2, t2, **params).reshape(len(x), p).mean(axis=1)
            except ValueDomainError as e:  # a position's row -> the sample's row
                e.row = None if e.row is None else e.row // p
                raise

        return loss

    return wrap


# ---------------------------------------------------------------------------- kernels


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``, finite for every finite x (as torch)."""
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` as torch computes it (exp overflow gives exactly 0)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise ``x - max - log(sum(exp(x - max)))`` of an ``(N, C)`` float64 array (a new array)."""
    z = x - np.max(x, axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        z -= np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return z


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise ``exp(x - max) / sum(exp(x - max))`` of an ``(N, C)`` array (as torch.softmax)."""
    check_rank(x, (2,), "logits")
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    e /= np.sum(e, axis=1, keepdims=True)
    return e


def _to_log_probs(x: np.ndarray, input: str) -> np.ndarray:
    """An ``(N, C)`` float64 block of logits, probabilities or log-probabilities as log-probabilities."""
    if input == "logits":
        return _log_softmax(x)
    if input == "probs":
        with np.errstate(divide="ignore"):
            return np.log(x)
    return x


def _row_max(xb: np.ndarray) -> np.ndarray:
    c = xb.shape[1]
    if c > _COLUMN_LOOP_MAX:
        return xb.max(axis=1)
    m = xb[:, 0].copy()
    for j in range(1, c):
        np.maximum(m, xb[:, j], out=m)
    return m


def _label_log_probs(
    x: np.ndarray, idx: np.ndarray, input: str, class_weight: np.ndarray | None, smoothing: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """``log p[n, idx[n]]`` and, if ``smoothing``, ``sum_c w_c log p[n, c]`` of ``(N, C)`` inputs.

    Blocked over rows: each block is copied to float64 once (float32 inputs are never
    converted whole), shifted by its row maxima in place, and reduced with a matrix-vector
    product, as torch's ``log_softmax``: ``log p = (x - max) - log(sum(exp(x - max)))``.
    """
    n, c = x.shape
    rows = max(1, _BLOCK_ELEMENTS // max(c, 1))
    picked = np.empty(n)
    total = np.empty(n) if smoothing else None
    w = np.ones(c) if class_weight is None else class_weight
    w_sum = float(np.sum(w))
    buf = np.empty((min(rows, n), c))
    ebuf = np.empty_like(buf) if input == "logits" else None
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        b = stop - start
        xb = buf[:b]
        np.copyto(xb, x[start:stop], casting="unsafe")
        sel = np.arange(b), idx[start:stop]
        if input == "logits":
            xb -= _row_max(xb)[:, None]
            eb = ebuf[:b]
            np.exp(xb, out=eb)
            z_y, e_y = xb[sel], eb[sel]
            eb[sel] = 0.0
            rest = eb @ np.ones(c)  # sum of exp(x_j - max) over j != y
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                # log p_y = -log1p(rest / e_y): accurate when p_y is close to 1, where
                # (x_y - max) - log(sum) would round 1 + tiny (and torch keeps ~16 - k digits).
                lp = -np.log1p(rest / e_y)
                far = z_y < -700.0  # exp(x_y - max) (sub)normal or 0: the plain form is exact enough
                if far.any():
                    lp[far] = z_y[far] - np.log(rest[far] + e_y[far])
                picked[start:stop] = lp
                if smoothing:
                    total[start:stop] = xb @ w - np.log(rest + e_y) * w_sum
        else:
            if input == "probs":
                with np.errstate(divide="ignore"):
                    np.log(xb, out=xb)
            picked[start:stop] = xb[sel]
            if smoothing:
                total[start:stop] = xb @ w
    return picked, total


# ---------------------------------------------------------------------------- cross-entropy family


def _ce_input(logits: np.ndarray, input: str, role: str, hint: str = "; input=log_probs") -> np.ndarray:
    """Check the values of ce's first input for its ``input`` kind (in its own dtype)."""
    x = np.asarray(logits)
    if x.dtype.kind not in "fiub":
        raise ShapeError(f"{role} must be numeric, got dtype {x.dtype} instead")
    if input == "probs":
        _in_unit(x, role, " (input=probs)")
    elif input == "log_probs":
        _non_positive(x, role, hint)
    return x


@register_loss(
    "ce",
    family="classification",
    inputs=("logits|probs|log_probs", "labels|probs"),
    aliases=("cross_entropy", "CrossEntropyLoss", "softmax_cross_entropy", "categorical_crossentropy"),
    reference="torch.nn.functional.cross_entropy",
    domains={
        "weight": _WEIGHTS,
        "label_smoothing": interval(0.0, 1.0),
        "input": options("logits", "probs", "log_probs"),
    },
    normalizer=lambda logits, target, **params: _ce_normalizer(logits, target, **params),
    masked=("logits",),
    checks=(_kinds.looks_like_probabilities("logits", "logits"),),
    elements=class_positions,
)
@_class_axis_1(("logits", "target"))
def cross_entropy(
    logits: np.ndarray,
    target: np.ndarray,
    *,
    weight: tuple[float, ...] | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    input: str = "logits",
) -> np.ndarray:
    """Softmax cross-entropy of logits against class labels or class probabilities.

    With labels y: ``l = -w_y log p_y`` (0 where ``y == ignore_index``), ``p = softmax(x)``;
    label smoothing eps gives ``(1 - eps) l + eps/C * sum_c -w_c log p_c``. The mean divides
    by ``sum_n w_{y_n}`` over the rows not ignored (torch's normaliser). With probability
    targets t (the logits' shape): ``l = -sum_c w_c t_c log p_c`` after ``t <- t (1 - eps) + eps/C``,
    and the mean divides by N (class weights are not in the divisor). If every label is
    ignored the mean is undefined (exit 3); ``--reduction sum`` gives 0 and ``none`` zeros, as torch.

    With logits and labels, ``log p_y = -log1p(sum_{j != y} exp(x_j - x_y))`` (shifted by the row
    maximum first): confident rows whose loss is tiny (say 1e-12) keep full relative precision,
    where torch's ``(x_y - max) - log(sum exp)`` keeps only the digits above 1e-16 absolute.
    A ``-inf`` logit masks its class (probability 0): the loss is finite unless the target is
    that class (then inf, an error unless ``--nan-policy propagate``), as torch.

    ``(N, C, d1, ...)`` logits (semantic segmentation: classes on axis 1) take ``(N, d1, ...)``
    labels or targets of their shape: each position is scored as a row of its own, and a
    sample's value is the mean over its positions (torch's ``reduction="none"`` output averaged
    over ``d1, ...``, 0 at ignored positions); the headline is torch's mean over the positions
    not ignored (class-weighted). With ignored positions the per-sample values' mean (the
    statistics) is therefore not the headline.

    Args:
      logits: scores, shape (N, C) or (N, C, d1, ...): logits (``input=logits``), probabilities or
        log-probabilities.
      target: class labels (N,) / (N, d1, ...) in [0, C) or ignore_index, or probabilities of the
        logits' shape in [0, 1].
      weight: class weights, C values (``1;2;0.5``).
      ignore_index: a label whose rows count neither in the loss nor in the mean (labels only).
      label_smoothing: eps in [0, 1]: mix the target with the uniform distribution.
      input: what logits holds: ``logits``, ``probs`` (log is taken) or ``log_probs``. Rows that
        all look like probabilities (in [0, 1], summing to 1) are an error unless input is given.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> cross_entropy(np.array([[2.0, 1.0, 0.1], [1.0, 1.0, 1.0]]), np.array([0, 2]))
      array([0.41703002, 1.09861229])
      >>> cross_entropy(np.array([[2.0, 1.0, 0.1]]), np.array([[0.2, 0.3, 0.5]]))
      array([1.66703002])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
    """
    x = _ce_input(logits, input, "logits")
    t = np.asarray(target)
    if _is_label_target(x, t, ("logits", "target")):
        idx = class_labels(t, x.shape[1], "target", ignore_index)
        return _ce_labels(x, idx, weight, ignore_index, label_smoothing, input)
    if ignore_index >= 0:
        raise InputError(
            "ce: ignore_index is for class-label targets; target holds probabilities of shape "
            f"{t.shape} (torch rejects ignore_index >= 0 with probability targets)"
        )
    t = as_float(t, "target")
    _in_unit(t, "target", " (probability targets)")
    c = x.shape[1]
    w = _class_vector(weight, c, "weight", "logits")
    if label_smoothing > 0:
        t = t * (1.0 - label_smoothing) + label_smoothing / c
    lp = _to_log_probs(as_float(x, "logits"), input)
    prod = lp * t  # 0 * -inf is nan, as torch
    if w is not None:
        prod *= w
    return -np.sum(prod, axis=1)


def _ce_labels(
    x: np.ndarray,
    idx: np.ndarray,
    weight: tuple[float, ...] | None,
    ignore_index: int,
    label_smoothing: float,
    input: str,
    against: str = "logits",
) -> np.ndarray:
    c = x.shape[1]
    w = _class_vector(weight, c, "weight", against)
    ignored = idx == ignore_index
    any_ignored = bool(ignored.any())
    safe = np.where(ignored, 0, idx) if any_ignored else idx
    smoothing = label_smoothing > 0
    picked, total = _label_log_probs(x, safe, input, w, smoothing)
    nll = -picked if w is None else -picked * w[safe]
    if smoothing:
        loss = (1.0 - label_smoothing) * nll + (label_smoothing / c) * -total
    else:
        loss = nll
    if any_ignored:
        loss[ignored] = 0.0
    return loss


def _label_normalizer(labels: np.ndarray, weight: tuple[float, ...] | None, ignore_index: int) -> np.ndarray:
    """Per-sample ``w_y`` (1 without class weights), 0 where the label is ignored; for labels
    ``(N, d1, ...)`` (``_class_axis_1``) the mean over each sample's positions."""
    y = np.asarray(labels)
    y = y.astype(np.int64) if y.dtype.kind != "i" else y
    ignored = y == ignore_index
    if weight is None:
        return row_mean((~ignored).astype(np.float64))
    w = np.asarray(weight, dtype=np.float64)
    if len(w) == 1:
        return row_mean(np.where(ignored, 0.0, w[0]))
    return row_mean(np.where(ignored, 0.0, w[np.where(ignored, 0, y)]))


def _ce_normalizer(logits, target, *, weight=None, ignore_index=-100, label_smoothing=0.0, input="logits"):
    t = np.asarray(target)
    if t.shape == np.shape(logits):
        return None  # probability targets: the mean divides by N
    return _label_normalizer(t, weight, ignore_index)


@register_loss(
    "nll",
    family="classification",
    inputs=("log_probs", "labels"),
    aliases=("nll_loss", "NLLLoss"),
    reference="torch.nn.functional.nll_loss",
    domains={"weight": _WEIGHTS},
    normalizer=lambda log_probs, labels, *, weight=None, ignore_index=-100: _label_normalizer(
        labels, weight, ignore_index
    ),
    masked=("log_probs",),
    elements=class_positions,
    checks=(_kinds.values_warning("positive_log_probs", 0, lambda v: v > 0,
            "{label}: {where} holds positive values, which log-probabilities never are (torch computes on them: "
            "negative losses); for logits use ce, for probabilities ce:input=probs."),),
)
@_class_axis_1(("log_probs", "labels"))
def nll(
    log_probs: np.ndarray, labels: np.ndarray, *, weight: tuple[float, ...] | None = None, ignore_index: int = -100
) -> np.ndarray:
    """Negative log-likelihood of log-probabilities: ``l = -w_y x_y``, 0 where ``y == ignore_index``.

    The mean divides by ``sum_n w_{y_n}`` over the rows not ignored (as cross-entropy).
    Log-probabilities are <= 0; positive values are computed on as torch does (negative losses),
    with a warning.
    ``-inf`` (probability 0) is a value: the loss is inf only where the target's is.
    ``(N, C, d1, ...)`` log-probabilities with ``(N, d1, ...)`` labels: per sample the mean over its
    positions, as cross-entropy.

    Args:
      log_probs: log-probabilities, shape (N, C) or (N, C, d1, ...).
      labels: class labels (N,) or (N, d1, ...) in [0, C) or ignore_index.
      weight: class weights, C values.
      ignore_index: a label whose rows count neither in the loss nor in the mean.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> nll(np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]])), np.array([1, 1]))
      array([1.38629436, 0.22314355])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html
    """
    x = _ce_input(log_probs, "values", "log_probs")  # any numbers, as torch (positive ones: a warning)
    y = np.asarray(labels)
    rows_match(x, y, ("log_probs", "labels"))
    idx = class_labels(y, x.shape[1], "labels", ignore_index)
    return _ce_labels(x, idx, weight, ignore_index, 0.0, "log_probs", "log_probs")


# ---------------------------------------------------------------------------- binary cross-entropy


def _elementwise_pair(pred: np.ndarray, target: np.ndarray, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    p, t = as_float(pred, names[0]), as_float(target, names[1])
    _same_shape(p, t, names)
    if p.ndim == 0:
        raise ShapeError(f"{names[0]} must have one value per row, got a scalar")
    return p, t


def _last_dim(x: np.ndarray) -> int:
    return x.shape[-1] if x.ndim > 1 else 1


@register_loss(
    "bce",
    family="classification",
    inputs=("probs", "binary|probs"),
    aliases=("binary_cross_entropy", "BCELoss"),
    reference="torch.nn.functional.binary_cross_entropy",
    domains={"weight": _WEIGHTS},
    checks=(_kinds.SWAPPED_BINARY,),
    elements=all_elements,
)
def binary_cross_entropy(
    probs: np.ndarray, target: np.ndarray, *, weight: tuple[float, ...] | None = None
) -> np.ndarray:
    """Binary cross-entropy of probabilities, each log clamped at -100 (as torch).

    ``l = -w [y max(log p, -100) + (1 - y) max(log(1 - p), -100)]``, so p = 0 with y = 1 gives
    100, never inf. p or y outside [0, 1] is an error (-1/+1 labels: ``--pos-label 1``, as torch
    takes targets in [0, 1] only). Every p exactly 0 or 1 with fractional targets gives a warning
    (``-p``/``-y`` swapped?).

    Args:
      probs: predicted probabilities in [0, 1], shape (N,) or (N, D).
      target: targets in [0, 1] (0/1 labels or soft targets), same shape as probs.
      weight: one value, or one per column of (N, D) inputs.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> binary_cross_entropy(np.array([0.9, 0.2, 0.0, 1.0]), np.array([1.0, 0.0, 1.0, 1.0]))
      array([  0.10536052,   0.22314355, 100.        ,  -0.        ])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.BCELoss.html
    """
    p, y = _elementwise_pair(probs, target, ("probs", "target"))
    _in_unit(p, "probs", " (bce takes probabilities; use bce_logits for logits)")
    _unit_target(y)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_q = np.maximum(np.log1p(-p), -100.0)
    loss = (y - 1.0) * log_q - y * log_p
    w = _class_vector(weight, _last_dim(p), "weight", "probs")
    if w is not None:
        loss = loss * (w if p.ndim > 1 else w[0])
    return row_mean(loss)


@register_loss(
    "bce_logits",
    family="classification",
    inputs=("logits", "binary|probs"),
    aliases=("binary_cross_entropy_with_logits", "BCEWithLogitsLoss", "sigmoid_binary_cross_entropy"),
    reference="torch.nn.functional.binary_cross_entropy_with_logits",
    domains={"pos_weight": _WEIGHTS, "weight": _WEIGHTS},
    checks=(_kinds.logits_in_unit_interval("use bce (bce_logits applies the sigmoid first)"), _kinds.PM1_TARGETS),
    elements=all_elements,
)
def bce_with_logits(
    logits: np.ndarray,
    target: np.ndarray,
    *,
    pos_weight: float | tuple[float, ...] | None = None,
    weight: tuple[float, ...] | None = None,
) -> np.ndarray:
    """Binary cross-entropy of logits, ``-w [pw y log s(x) + (1 - y) log(1 - s(x))]``, s = sigmoid.

    Computed as torch does, ``(1 - y) x - (1 + (pw - 1) y) log_sigmoid(x)`` with
    ``log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|))``: finite for every finite x (x = 1e4 with
    y = 0 gives 1e4). Targets are not range-checked (torch accepts any real target), except that
    targets that are all -1/+1 labels are an error (torch would score -1 as a target value; pass
    ``--pos-label 1``). Logits all in [0, 1] give a warning (probabilities? use bce).

    Args:
      logits: logits, shape (N,) or (N, C).
      target: targets (0/1 or soft), same shape as logits.
      pos_weight: weight of the positive term: one value, or one per column (class).
      weight: weight of each element: one value, or one per column.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, C) inputs).

    Examples:
      >>> bce_with_logits(np.array([2.0, -1.0, 0.0, 1e4]), np.array([1.0, 0.0, 1.0, 0.0]))
      array([1.26928011e-01, 3.13261688e-01, 6.93147181e-01, 1.00000000e+04])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html
    """
    x, y = _elementwise_pair(logits, target, ("logits", "target"))
    log_sig = _log_sigmoid(x)
    d = _last_dim(x)
    pw = _class_vector(pos_weight, d, "pos_weight", "logits")
    if pw is not None:
        log_sig = log_sig * (1.0 + ((pw if x.ndim > 1 else pw[0]) - 1.0) * y)
    loss = (1.0 - y) * x - log_sig
    w = _class_vector(weight, d, "weight", "logits")
    if w is not None:
        loss = loss * (w if x.ndim > 1 else w[0])
    return row_mean(loss)


@register_loss(
    "log_loss",
    family="classification",
    inputs=("probs", "labels"),
    aliases=("logloss",),
    reference="sklearn.metrics.log_loss",
    checks=(_kinds.MIXED_NEGATIVE_LABELS,),
)
def log_loss(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Log loss of predicted probabilities (scikit-learn): ``-log clip(p_y, eps, 1 - eps)``.

    eps is the machine epsilon of probs' dtype (2.2e-16 for float64, 1.2e-7 for float32), so
    p_y = 0 gives 36.04 (float64). 1-D probs are P(class 1) with 0/1 labels; (N, C) probs take
    labels in [0, C) (scikit-learn with ``labels=range(C)``). Rows need not sum to 1 (scikit-learn
    only warns). Probabilities outside [0, 1] are an error.

    Args:
      probs: P(class 1), shape (N,), or class probabilities, shape (N, C), in [0, 1].
      labels: class labels (N,): 0/1 (or -1/+1, as scikit-learn) for 1-D probs, else in [0, C).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> log_loss(np.array([0.9, 0.2, 0.6]), np.array([1, 0, 1]))
      array([0.10536052, 0.22314355, 0.51082562])
      >>> log_loss(np.array([0.0]), np.array([1]))
      array([36.04365339])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.log_loss.html
    """
    raw = np.asarray(probs)
    eps = float(np.finfo(raw.dtype if raw.dtype.kind == "f" else np.float64).eps)
    p = as_float(raw, "probs")
    _in_unit(p, "probs")
    y = np.asarray(labels)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim == 1:
        if y.shape != p.shape:
            raise ShapeError(f"probs and labels must have the same shape, got {p.shape} and {y.shape}")
        idx = _binary_labels(y, "labels")
        q = np.where(idx == 1, p, 1.0 - p)
    else:
        rows_match(p, y, ("probs", "labels"))
        idx = class_labels(y, p.shape[1], "labels")
        q = p[np.arange(len(p)), idx]
    return -np.log(np.clip(q, eps, 1.0 - eps))


@register_loss(
    "kl_div",
    family="classification",
    inputs=("log_probs|probs", "probs|log_probs"),
    aliases=("kl", "KLDivLoss", "kl_divergence"),
    reference='torch.nn.functional.kl_div(reduction="batchmean"; reduction_mode=elementwise: "mean")',
    domains={"input": options("log_probs", "probs"), "reduction_mode": options("batchmean", "elementwise")},
    elements=lambda shape, reduction_mode="batchmean", **_: all_elements(shape) if reduction_mode == "elementwise" else 1,
    checks=(
        _kinds.values_warning("positive_log_probs", 0, lambda v: v > 0,
            "{label}: {where} holds positive values, which log-probabilities never are (torch computes on them); "
            "for probabilities pass {name}:input=probs.", lambda params, given: params["input"] == "log_probs"),
        _kinds.values_warning("targets_above_one", 1, lambda v: v > 1,
            "{label}: {where} holds values above 1, which probabilities never are (torch computes on them).",
            lambda params, given: not params["log_target"]),
        _kinds.values_warning("positive_log_target", 1, lambda v: v > 0,
            "{label}: {where} holds positive values, which log-probabilities never are (log_target=true; torch computes on them).",
            lambda params, given: params["log_target"]),
    ),
)
def kl_div(
    pred: np.ndarray,
    target: np.ndarray,
    *,
    log_target: bool = False,
    input: str = "log_probs",
    reduction_mode: str = "batchmean",
) -> np.ndarray:
    """Kullback-Leibler divergence KL(target || pred), per sample the sum over its row.

    Pointwise as torch: ``xlogy(t, t) - t x`` (x = log-probabilities of pred), or
    ``exp(t) (t - x)`` with ``log_target``. The per-sample value is the row sum (over every
    element of the row: ``(N, C, d1, ...)`` inputs too), so the mean is torch's ``batchmean``
    (the real KL). With ``reduction_mode=elementwise`` the per-sample value is the row mean (the
    row sum divided by its number of elements), so the mean is torch's ``reduction="mean"`` (the
    sum over all elements divided by their number).

    Args:
      pred: the model's log-probabilities (``input=log_probs``) or probabilities, shape (N, C).
      target: the data distribution: probabilities in [0, 1] (or log-probabilities with
        ``log_target``), same shape as pred; values above 1 are computed on as torch does (a
        warning), negative ones are an error (torch's value is nan).
      log_target: whether target holds log-probabilities.
      input: what pred holds: ``log_probs`` or ``probs`` (log is taken; a zero with t = 0 adds 0).
      reduction_mode: ``batchmean`` (per sample the row sum) or ``elementwise`` (the row mean).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> kl_div(np.log(np.array([[0.25, 0.25, 0.5]])), np.array([[0.5, 0.5, 0.0]]))
      array([0.69314718])
      >>> kl_div(np.log(np.array([[0.25, 0.25, 0.5]])), np.array([[0.5, 0.5, 0.0]]), reduction_mode="elementwise")
      array([0.23104906])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.KLDivLoss.html
    """
    x, t = _elementwise_pair(pred, target, ("pred", "target"))
    if input == "probs":
        _in_unit(x, "pred", " (input=probs)")
        with np.errstate(divide="ignore"):
            x = np.log(x)
    if log_target:  # log-probabilities: any numbers, as torch (positive ones: a warning)
        point = np.exp(t) * (t - x)
    else:  # targets above 1: torch's arithmetic (a warning); below 0 torch's xlogy is nan
        check_values(~(t < 0), t, "must be >= 0 (probabilities; torch's value is nan below 0)", "target")
        with np.errstate(divide="ignore", invalid="ignore"):
            point = np.where(t == 0, 0.0, t * np.log(t)) - t * x
        if input == "probs":
            point = np.where(t == 0, 0.0, point)  # 0 log(0 / 0) = 0 for probability inputs
    if point.ndim == 1:
        return point
    per_row = point.reshape(len(point), -1)
    return per_row.mean(axis=1) if reduction_mode == "elementwise" else per_row.sum(axis=1)


# ---------------------------------------------------------------------------- focal


def _focal_targets(logits: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Same-shape targets in [0, 1], or (N,) labels one-hot encoded for (N, C) logits."""
    x, t = as_float(logits, "logits"), np.asarray(target)
    if x.ndim == 2 and t.ndim == 1 and t.shape[0] == x.shape[0] and x.shape[1] > 1:
        idx = class_labels(t, x.shape[1], "target")
        onehot = np.zeros(x.shape)
        onehot[np.arange(len(idx)), idx] = 1.0
        return x, onehot
    if t.shape != x.shape:
        labels = f" or labels of shape ({x.shape[0]},)" if x.ndim == 2 else ""
        raise ShapeError(
            f"with logits of shape {x.shape}, target must have the same shape{labels}; got target {t.shape}"
        )
    if x.ndim == 0:
        raise ShapeError("logits must have one value per row, got a scalar")
    t = as_float(t, "target")
    _unit_target(t)
    return x, t


@register_loss(
    "focal",
    family="classification",
    inputs=("logits", "binary|probs|labels"),
    aliases=("sigmoid_focal", "focal_loss", "sigmoid_focal_loss"),
    reference="torchvision.ops.sigmoid_focal_loss",
    domains={"alpha": _ALPHA, "gamma": interval(0.0)},
    checks=(_kinds.logits_in_unit_interval("note that focal applies the sigmoid to its logits"),),
    elements=all_elements,
)
def sigmoid_focal(
    logits: np.ndarray, target: np.ndarray, *, alpha: float | None = 0.25, gamma: float = 2.0
) -> np.ndarray:
    """Sigmoid focal loss (RetinaNet): ``alpha_t (1 - p_t)**gamma * bce_logits(x, y)``.

    ``p = sigmoid(x)``, ``p_t = p y + (1 - p)(1 - y)``, ``alpha_t = alpha y + (1 - alpha)(1 - y)``,
    term by term as torchvision. ``alpha=-1`` or ``none`` drops alpha_t. (N, C) logits with
    (N,) integer labels are scored one-vs-rest against the one-hot labels.

    Args:
      logits: logits, shape (N,) or (N, C).
      target: targets in [0, 1] of logits' shape, or labels (N,) in [0, C) for (N, C) logits.
      alpha: weight of the positive class in [0, 1]; -1 or none: no weighting.
      gamma: focusing exponent (>= 0; 0 is bce_logits times alpha_t).

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, C) logits).

    Examples:
      >>> sigmoid_focal(np.array([2.0, -1.0, 0.0]), np.array([1.0, 0.0, 1.0]))
      array([0.00045089, 0.01699354, 0.0433217 ])

    References:
      https://pytorch.org/vision/stable/generated/torchvision.ops.sigmoid_focal_loss.html
      Lin et al., Focal Loss for Dense Object Detection, 2017 (arXiv:1708.02002)
    """
    x, y = _focal_targets(logits, target)
    p = sigmoid(x)
    ce = (1.0 - y) * x - _log_sigmoid(x)
    p_t = p * y + (1.0 - p) * (1.0 - y)
    loss = ce * ((1.0 - p_t) ** gamma)
    if alpha is not None and alpha >= 0:
        loss = (alpha * y + (1.0 - alpha) * (1.0 - y)) * loss
    return row_mean(loss)


@register_loss(
    "softmax_focal",
    family="classification",
    inputs=("logits", "labels"),
    aliases=("categorical_focal", "multiclass_focal"),
    reference=(
        "Lin et al. 2017 with log_softmax; "
        "keras.losses.categorical_focal_crossentropy(from_logits=True) up to its 1e-7 clip"
    ),
    domains={"alpha": _ALPHA, "gamma": interval(0.0), "input": options("logits", "probs")},
    checks=(_kinds.looks_like_probabilities("logits", "logits"),),
    elements=class_positions,
)
@_class_axis_1(("logits", "labels"))
def softmax_focal(
    logits: np.ndarray, labels: np.ndarray, *, alpha: float | None = 0.25, gamma: float = 2.0, input: str = "logits"
) -> np.ndarray:
    """Softmax focal loss ``-alpha (1 - p_y)**gamma log p_y`` with ``log p = log_softmax(x)``.

    ``1 - p_y`` is computed as ``-expm1(log p_y)`` (no cancellation for confident rows). Keras
    gives the same values up to its clip of p to [1e-7, 1 - 1e-7]. ``input=probs`` takes class
    probabilities, ``log p_y = log(p_y)`` (Keras' ``from_logits=False``, which first divides each
    row by its sum: the same for rows that sum to 1).

    Args:
      logits: logits, shape (N, C) or (N, C, d1, ...) (per sample the mean over its positions);
        probabilities in [0, 1] with ``input=probs``.
      labels: class labels (N,) or (N, d1, ...) in [0, C).
      alpha: a constant factor in [0, 1]; -1 or none: 1.
      gamma: focusing exponent (>= 0; 0 is alpha times cross-entropy).
      input: what logits holds: ``logits`` or ``probs``. Rows that all look like probabilities
        (in [0, 1], summing to 1) are an error unless input is given.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> softmax_focal(np.array([[2.0, 1.0, 0.1], [1.0, 1.0, 1.0]]), np.array([0, 2]), alpha=-1)
      array([0.04849234, 0.48827213])

    References:
      Lin et al., Focal Loss for Dense Object Detection, 2017 (arXiv:1708.02002)
      https://keras.io/api/losses/probabilistic_losses/#categoricalfocalcrossentropy-class
    """
    x = _ce_input(logits, input, "logits")
    y = np.asarray(labels)
    rows_match(x, y, ("logits", "labels"))
    idx = class_labels(y, x.shape[1], "labels")
    log_p, _ = _label_log_probs(x, idx, input, None, False)
    loss = -((-np.expm1(log_p)) ** gamma) * log_p
    return loss * alpha if alpha is not None and alpha >= 0 else loss


# ---------------------------------------------------------------------------- margins


def _scores_and_pm1(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = as_float(scores, "scores")
    y = np.asarray(labels)
    if f.ndim == 2 and y.ndim == 1 and f.shape[1] > 1 and len(y) == len(f):
        raise ShapeError(
            f"scores {f.shape} with labels {y.shape}: this loss takes one score per label; "
            "for (N, C) class scores use crammer_singer or multi_margin"
        )
    _same_shape(f, y, ("scores", "labels"))
    if f.ndim == 0:
        raise ShapeError("scores must have one value per row, got a scalar")
    return f, _pm1_labels(y, "labels")


@register_loss(
    "hinge",
    family="classification",
    inputs=("scores", "binary"),
    aliases=("svm", "hinge_loss"),
    reference="sklearn.metrics.hinge_loss (binary, both labels present)",
    elements=all_elements,
)
def hinge(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Binary hinge loss ``max(0, 1 - y f)`` with labels y in {-1, +1} (0 is read as -1).

    Equals scikit-learn's binary ``hinge_loss`` when both labels occur (scikit-learn encodes a
    single distinct label as -1; here 1 is always +1).

    Args:
      scores: decision values f, shape (N,) or (N, D).
      labels: -1/+1 or 0/1 labels, same shape as scores.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> hinge(np.array([0.5, -2.0, -0.3]), np.array([1, -1, 1]))
      array([0.5, 0. , 1.3])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.hinge_loss.html
    """
    f, y = _scores_and_pm1(scores, labels)
    losses = 1.0 - y * f
    return row_mean(np.maximum(losses, 0.0))


@register_loss(
    "squared_hinge",
    family="classification",
    inputs=("scores", "binary"),
    aliases=("squared_hinge_loss",),
    reference="keras.losses.squared_hinge",
    elements=all_elements,
)
def squared_hinge(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Squared hinge loss ``max(0, 1 - y f)**2`` with labels y in {-1, +1} (0 is read as -1).

    Keras maps 0/1 labels to -1/+1 when all of them are 0/1, as here.

    Args:
      scores: decision values f, shape (N,) or (N, D).
      labels: -1/+1 or 0/1 labels, same shape as scores.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> squared_hinge(np.array([0.5, -2.0, -0.3]), np.array([1, 0, 1]))
      array([0.25, 0.  , 1.69])

    References:
      https://keras.io/api/losses/hinge_losses/#squaredhinge-class
    """
    f, y = _scores_and_pm1(scores, labels)
    m = np.maximum(1.0 - y * f, 0.0)
    return row_mean(m * m)


def _scores_and_labels(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = as_float(scores, "scores")
    y = np.asarray(labels)
    rows_match(x, y, ("scores", "labels"))
    return x, class_labels(y, x.shape[1], "labels")


@register_loss(
    "multi_margin",
    family="classification",
    inputs=("scores", "labels"),
    aliases=("MultiMarginLoss", "multiclass_svm", "multi_margin_loss"),
    reference="torch.nn.functional.multi_margin_loss",
    domains={"p": options(1, 2), "weight": _WEIGHTS, "input": options("scores", "probs")},
    checks=(_kinds.looks_like_probabilities("scores", "scores", value="scores"),),
)
def multi_margin(
    scores: np.ndarray,
    labels: np.ndarray,
    *,
    p: int = 1,
    margin: float = 1.0,
    weight: tuple[float, ...] | None = None,
    input: str = "scores",
) -> np.ndarray:
    """Multi-class margin loss (Weston-Watkins): ``(1/C) sum_{j != y} w_y max(0, margin - x_y + x_j)**p``.

    The sum runs over every violating class (not the maximum) and divides by C, as torch.

    Args:
      scores: class scores, shape (N, C).
      labels: class labels (N,) in [0, C).
      p: 1 or 2, the exponent of each violation.
      margin: the required gap between the true class's score and the others.
      weight: class weights, C values (the true class's weight scales the row).
      input: what scores holds: ``scores`` or ``probs``; both are scored as they are (torch does
        not tell them apart). Rows that all look like probabilities (in [0, 1], summing to 1) are
        an error unless input is given: probabilities are rarely meant as margin scores.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> multi_margin(np.array([[0.1, 0.2, 0.4, 0.8]]), np.array([3]))
      array([0.325])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.MultiMarginLoss.html
    """
    x, idx = _scores_and_labels(scores, labels)
    n, c = x.shape
    rows = np.arange(n)
    z = margin - x[rows, idx][:, None] + x
    z[rows, idx] = 0.0  # the true class is skipped
    h = np.where(z > 0, z if p == 1 else z * z, 0.0)
    w = _class_vector(weight, c, "weight", "scores")
    if w is not None:
        h *= w[idx][:, None]
    return np.sum(h, axis=1) / c


@register_loss(
    "crammer_singer",
    family="classification",
    inputs=("scores", "labels"),
    aliases=("multiclass_hinge",),
    reference="sklearn.metrics.hinge_loss (multiclass)",
)
def crammer_singer(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Crammer-Singer multi-class hinge ``max(0, 1 + max_{j != y} x_j - x_y)``.

    Args:
      scores: class scores (decision values), shape (N, C) with C >= 2.
      labels: class labels (N,) in [0, C).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> crammer_singer(np.array([[0.1, 0.2, 0.4, 0.8], [1.0, 0.5, -1.0, 0.0]]), np.array([3, 1]))
      array([0.6, 1.5])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.hinge_loss.html
      Crammer and Singer, On the algorithmic implementation of multiclass kernel-based vector machines, JMLR 2001
    """
    x, idx = _scores_and_labels(scores, labels)
    if x.shape[1] < 2:
        raise ShapeError(f"scores must have at least 2 columns (classes), got shape {x.shape}")
    rows = np.arange(len(x))
    others = x.copy()
    others[rows, idx] = -np.inf
    margin = x[rows, idx] - np.max(others, axis=1)
    return np.maximum(1.0 - margin, 0.0)


@register_loss(
    "soft_margin",
    family="classification",
    inputs=("scores", "binary"),
    aliases=("SoftMarginLoss", "soft_margin_loss"),
    reference="torch.nn.functional.soft_margin_loss",
    elements=all_elements,
)
def soft_margin(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Soft margin (logistic) loss ``log(1 + exp(-y x))`` with labels y in {-1, +1} (0 is read as -1).

    Computed as ``logaddexp(0, -y x)``: equal to torch's ``log1p(exp(-y x))`` where that is
    finite, and finite (about ``-y x``) where torch overflows to inf (``-y x`` above ~709).

    Args:
      scores: scores x, shape (N,) or (N, D).
      labels: -1/+1 (or 0/1) labels, same shape as scores.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> soft_margin(np.array([2.0, -1.0, -1000.0]), np.array([1, 1, 1]))
      array([1.26928011e-01, 1.31326169e+00, 1.00000000e+03])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.SoftMarginLoss.html
    """
    f, y = _scores_and_pm1(scores, labels)
    return row_mean(np.logaddexp(0.0, -y * f))


@register_loss(
    "multilabel_soft_margin",
    family="classification",
    inputs=("logits", "binary"),
    aliases=("MultiLabelSoftMarginLoss", "multilabel_soft_margin_loss"),
    reference="torch.nn.functional.multilabel_soft_margin_loss",
    domains={"weight": _WEIGHTS},
    checks=(_kinds.values_warning("targets_outside_unit", 1, lambda v: (v < 0) | (v > 1),
            "{label}: {where} holds targets outside [0, 1] (torch computes on them); for -1/+1 labels pass --pos-label 1."),),
)
def multilabel_soft_margin(
    logits: np.ndarray, target: np.ndarray, *, weight: tuple[float, ...] | None = None
) -> np.ndarray:
    """Multi-label soft margin ``-(1/C) sum_c w_c [y_c log s(x_c) + (1 - y_c) log s(-x_c)]``, s = sigmoid.

    Log-sigmoid form (stable: x = -1000 with y = 1 gives 1000/C).

    Args:
      logits: logits, shape (N, C).
      target: 0/1 (or soft, in [0, 1]) targets, shape (N, C); other values are computed on as
        torch does, with a warning.
      weight: class weights, C values.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> multilabel_soft_margin(np.array([[0.0, 2.0, -1.0]]), np.array([[1, 0, 1]]))
      array([1.37777896])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.MultiLabelSoftMarginLoss.html
    """
    x, y = _elementwise_pair(logits, target, ("logits", "target"))
    check_rank(x, (2,), "logits")  # targets outside [0, 1]: torch's arithmetic (and a warning)
    loss = -(y * _log_sigmoid(x) + (1.0 - y) * _log_sigmoid(-x))
    w = _class_vector(weight, x.shape[1], "weight", "logits")
    if w is not None:
        loss = loss * w
    return np.sum(loss, axis=1) / x.shape[1]


@register_loss(
    "brier",
    family="classification",
    inputs=("probs|logits", "labels"),
    aliases=("brier_score", "brier_score_loss"),
    reference="sklearn.metrics.brier_score_loss",
    domains={"input": options("probs", "logits"), "scale_by_half": options("auto", "true", "false")},
    checks=(_kinds.MIXED_NEGATIVE_LABELS, _kinds.probabilities_read_as_logits()),
)
def brier(probs: np.ndarray, labels: np.ndarray, *, input: str = "probs", scale_by_half: str = "auto") -> np.ndarray:
    """Brier score ``sum_c (onehot_c - p_c)**2``, halved for 1-D probs or fewer than 3 classes.

    As scikit-learn (``scale_by_half='auto'``): binary gives ``(p - y)**2`` in [0, 1], multi-class
    a value in [0, 2]; ``scale_by_half=true`` halves always, ``false`` never (binary in [0, 2]). 1-D probs are P(class 1) with 0/1 labels. ``input=logits`` applies the
    sigmoid (1-D) or softmax (N, C) first; otherwise values outside [0, 1] are an error.

    Args:
      probs: P(class 1), shape (N,), or class probabilities (N, C); logits with ``input=logits``.
      labels: class labels (N,): 0/1 (or -1/+1, as scikit-learn) for 1-D probs, else in [0, C).
      input: what probs holds: ``probs`` or ``logits``.
      scale_by_half: ``auto`` (halve binary scores), ``true`` or ``false``, as scikit-learn.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> brier(np.array([0.9, 0.2, 0.6]), np.array([1, 0, 1]))
      array([0.01, 0.04, 0.16])
      >>> brier(np.array([[0.7, 0.2, 0.1]]), np.array([0]))
      array([0.14])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.brier_score_loss.html
    """
    p = as_float(probs, "probs")
    y = np.asarray(labels)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if input == "logits":
        p = sigmoid(p) if p.ndim == 1 else softmax(p)
    if p.ndim == 1:
        if y.shape != p.shape:
            raise ShapeError(f"probs and labels must have the same shape, got {p.shape} and {y.shape}")
        _in_unit(p, "probs", " (pass brier:input=logits for logits)")
        pos = _binary_labels(y, "labels").astype(np.float64)
        return _brier_scale(((1.0 - pos) - (1.0 - p)) ** 2 + (pos - p) ** 2, 2, scale_by_half)
    rows_match(p, y, ("probs", "labels"))
    _in_unit(p, "probs", " (pass brier:input=logits for logits)")
    idx = class_labels(y, p.shape[1], "labels")
    d = -p
    d[np.arange(len(p)), idx] += 1.0
    return _brier_scale(np.sum(d * d, axis=1), p.shape[1], scale_by_half)


def _brier_scale(score: np.ndarray, classes: int, scale_by_half: str) -> np.ndarray:
    """scikit-learn's ``scale_by_half``: ``auto`` halves binary scores (fewer than 3 classes)."""
    return 0.5 * score if scale_by_half == "true" or (scale_by_half == "auto" and classes < 3) else score


# ---------------------------------------------------------------------------- poly loss


@register_loss(
    "poly1",
    family="classification",
    inputs=("logits|probs", "labels|probs"),
    aliases=("poly_loss", "poly1_loss", "poly_loss_cross_entropy", "PolyLoss"),
    reference="optax.losses.poly_loss_cross_entropy",
    domains={"input": options("logits", "probs")},
    checks=(_kinds.looks_like_probabilities("logits", "logits"),),
)
def poly1(logits: np.ndarray, target: np.ndarray, *, epsilon: float = 2.0, input: str = "logits") -> np.ndarray:
    """Poly-1 loss: cross-entropy plus ``epsilon`` times the first polynomial term ``1 - p_t``.

    ``l = -sum_c t_c log p_c + epsilon sum_c t_c (1 - p_c)`` with ``p = softmax(x)``; for a
    label y it is ``-log p_y + epsilon (1 - p_y)``. ``1 - p`` is computed as ``-expm1(log p)``
    (no cancellation for confident rows; optax's ``1 - softmax`` agrees to ~1e-16 absolute).
    A probability target of 0 adds 0 (also where p is 0).

    Args:
      logits: logits, shape (N, C); probabilities in [0, 1] with ``input=probs``.
      target: class labels (N,) in [0, C), or probabilities (N, C) in [0, 1].
      epsilon: the coefficient of ``1 - p_t`` (Leng et al. suggest 2 for ImageNet
        classification, -1 for detection; 0 is cross-entropy).
      input: what logits holds: ``logits`` or ``probs``. Rows that all look like probabilities
        (in [0, 1], summing to 1) are an error unless input is given.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> poly1(np.array([[2.0, 1.0, 0.1]]), np.array([0])).round(7)
      array([1.0990277])

    References:
      https://optax.readthedocs.io/en/latest/api/losses.html#optax.losses.poly_loss_cross_entropy
      Leng et al., PolyLoss: A Polynomial Expansion Perspective of Classification Loss
      Functions, ICLR 2022 (arXiv:2204.12511)
    """
    x = _ce_input(logits, input, "logits")
    t = np.asarray(target)
    if _is_label_target(x, t, ("logits", "target")):
        idx = class_labels(t, x.shape[1], "target")
        log_p, _ = _label_log_probs(x, idx, input, None, False)
        return -log_p - epsilon * np.expm1(log_p)
    t = as_float(t, "target")
    _in_unit(t, "target", " (probability targets)")
    log_p = _to_log_probs(as_float(x, "logits"), input)
    with np.errstate(invalid="ignore"):
        ce = np.where(t == 0, 0.0, t * log_p)
    return -np.sum(ce, axis=1) - epsilon * np.sum(t * np.expm1(log_p), axis=1)


register_preset("classification", "ce", "focal", "brier:input=logits")
register_preset("binary", "bce", "brier")
