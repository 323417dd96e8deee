"""Sequence losses: connectionist temporal classification (CTC).

One row per sequence, batch first: ``log_probs (N, T, C)`` (torch's ``(T, N, C)`` tensor saved as
``log_probs.transpose(0, 1)``), ``targets (N, S)`` class indices padded to the longest target
(the padding after each target's length is ignored), ``input_lengths (N,)`` and
``target_lengths (N,)``. Several arrays go in one NPZ, each passed with ``--input ROLE=FILE.npz:KEY``.
Float32 inputs are computed in float64.
"""

from __future__ import annotations

import numpy as np

from losscli._checks import as_float, check_rank, check_values
from losscli.errors import ShapeError
from losscli.losses._registry import interval, register_loss


def _lengths(lengths: np.ndarray, n: int, most: int, role: str) -> np.ndarray:
    """Integer lengths ``(n,)`` in ``[0, most]`` as int64."""
    a = as_float(lengths, role)
    if a.shape != (n,):
        raise ShapeError(f"{role} must have shape ({n},) (one length per sequence), got {a.shape} instead")
    check_values((a == np.floor(a)) & (a >= 0) & (a <= most), a, f"must be whole numbers in [0, {most}]", role)
    return a.astype(np.int64)


def _ctc_inputs(log_probs, targets, input_lengths, target_lengths, blank):
    """Validated float64 log-probs ``(N, T, C)``, int64 targets ``(N, S)`` (padding set to blank) and lengths."""
    x = as_float(log_probs, "log_probs")
    check_rank(x, (3,), "log_probs")
    n, t_max, c = x.shape
    if not 0 <= blank < c:
        raise ShapeError(f"blank is {blank}, but log_probs has {c} classes (its last axis)")
    y = as_float(targets, "targets")
    if y.ndim == 1 and len(y) == n:  # one label per target (a table column)
        y = y[:, None]
    if y.ndim != 2 or y.shape[0] != n:
        raise ShapeError(f"targets must have shape ({n}, S): each sequence's labels padded to the longest, got {y.shape} instead")
    il = _lengths(input_lengths, n, t_max, "input_lengths")
    tl = _lengths(target_lengths, n, y.shape[1], "target_lengths")
    used = np.arange(y.shape[1])[None, :] < tl[:, None]
    ok = ~used | ((y == np.floor(y)) & (y >= 0) & (y < c) & (y != blank))
    check_values(ok, y, f"must be class indices in [0, {c}) other than blank ({blank}) within target_lengths", "targets")
    return x, np.where(used, y, blank).astype(np.int64), il, tl


def _logsumexp3(la1: np.ndarray, la2: np.ndarray, la3: np.ndarray) -> np.ndarray:
    """torch's ``log(exp(la1 - m) + exp(la2 - m) + exp(la3 - m)) + m``, m the maximum (0 if all are -inf)."""
    m = np.maximum(np.maximum(la1, la2), la3)
    m[m == -np.inf] = 0.0
    with np.errstate(divide="ignore"):
        return np.log(np.exp(la1 - m) + np.exp(la2 - m) + np.exp(la3 - m)) + m


def _forward(x: np.ndarray, y: np.ndarray, il: np.ndarray, tl: np.ndarray, blank: int) -> np.ndarray:
    """Negative log-likelihood per sequence by the CTC forward recursion (Graves et al. 2006, eq. 6),
    term by term as torch's CPU kernel, over all sequences at once (a loop over time steps)."""
    n, t_max, _ = x.shape
    ext = np.full((n, 2 * y.shape[1] + 1), blank, dtype=np.int64)  # l': blank, y1, blank, y2, ..., blank
    ext[:, 1::2] = y
    rows = np.arange(n)[:, None]
    skip = np.zeros(ext.shape, dtype=bool)  # s may come from s - 2: a label differing from the one before
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    alpha = np.full(ext.shape, -np.inf)
    last = np.where(il == 0, np.where(tl == 0, 0.0, -np.inf), np.nan)  # an empty input: log 1 or log 0
    if t_max and n:
        alpha[:, 0] = x[:, 0, blank]
        alpha[:, 1] = np.where(tl > 0, x[rows[:, 0], 0, ext[:, 1]], -np.inf) if ext.shape[1] > 1 else alpha[:, 1]
    for t in range(t_max):
        if t:
            la2 = np.concatenate([np.full((n, 1), -np.inf), alpha[:, :-1]], axis=1)
            la3 = np.where(skip, np.concatenate([np.full((n, 2), -np.inf), alpha[:, :-2]], axis=1), -np.inf)
            alpha = _logsumexp3(alpha, la2, la3) + x[rows, t, ext]
        done = il == t + 1
        if done.any():
            last[done] = _final(alpha[done], tl[done])
    return -last


def _final(alpha: np.ndarray, tl: np.ndarray) -> np.ndarray:
    """log p(target | input) from the last time step: ``alpha[2L]`` and ``alpha[2L - 1]`` combined as torch."""
    k = np.arange(len(tl))
    l1 = alpha[k, 2 * tl]
    l2 = np.where(tl > 0, alpha[k, np.maximum(2 * tl - 1, 0)], -np.inf)
    m = np.maximum(l1, l2)
    m[m == -np.inf] = 0.0
    with np.errstate(divide="ignore"):
        return np.where(tl > 0, np.log(np.exp(l1 - m) + np.exp(l2 - m)) + m, l1)


@register_loss(
    "ctc",
    family="sequence",
    inputs=("log_probs", "labels", "values", "values"),
    aliases=("CTCLoss", "ctc_loss"),
    reference="torch.nn.functional.ctc_loss",
    domains={"blank": interval(0)},
)
def ctc(
    log_probs: np.ndarray,
    targets: np.ndarray,
    input_lengths: np.ndarray,
    target_lengths: np.ndarray,
    *,
    blank: int = 0,
    zero_infinity: bool = False,
    per_target_length: bool = True,
) -> np.ndarray:
    """Connectionist temporal classification loss: ``-log p(target | input)`` per sequence.

    ``p`` sums over every alignment of the target (with blanks and repeats) to the first
    ``input_length`` time steps, by the forward recursion of torch's CPU kernel term by term.
    With ``per_target_length`` (default) each sequence's loss is divided by its target length
    (at least 1), so the mean is torch's ``reduction='mean'``; with ``per_target_length=false``
    the per-sample value is torch's ``reduction='none'`` and ``--reduction sum`` its ``'sum'``.
    An impossible alignment (target longer than the input allows) has loss inf: exit 3 unless
    ``zero_infinity`` (loss 0, as torch) or ``--nan-policy propagate``. Sequences are
    independent: streaming, shards and groups are exact.

    Args:
      log_probs: log-probabilities, shape (N, T, C), batch first (torch's (T, N, C) transposed);
        each row needs only its first input_length steps.
      targets: class indices, shape (N, S), each padded after its target length (any value).
      input_lengths: time steps used per sequence, (N,) whole numbers in [0, T].
      target_lengths: labels per target, (N,) whole numbers in [0, S].
      blank: the class index of the blank (>= 0, < C); targets must not contain it.
      zero_infinity: give impossible alignments (infinite loss) a loss of 0.
      per_target_length: divide each loss by its target length (torch's 'mean').

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> lp = np.log(np.full((1, 2, 2), 0.5))  # 2 steps, classes {blank, a}: 3 of 4 paths read "a"
      >>> ctc(lp, np.array([[1]]), np.array([2]), np.array([1])).round(6)  # -log(3/4)
      array([0.287682])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.CTCLoss.html
      Graves et al., Connectionist Temporal Classification, ICML 2006
    """
    x, y, il, tl = _ctc_inputs(log_probs, targets, input_lengths, target_lengths, blank)
    loss = _forward(x, y, il, tl, blank)
    if zero_infinity:
        loss = np.where(loss == np.inf, 0.0, loss)
    return loss / np.maximum(tl, 1) if per_target_length else loss
