"""The Poisson bootstrap: chunk- and shard-invariant resampling weights and replicate sums.

Replicate ``b`` gives row ``i`` (0-based, counted over the whole input) the weight
``k[b, i] ~ Poisson(1)``, drawn from numpy's counter-based Philox generator keyed on the seed:
rows are cut into global blocks of ``BLOCK_ROWS``; block ``j`` reads the Philox stream at counter
``(0, j, 0, 0)`` (key = seed), 16 bits per draw, laid out replicate-major (draw ``b * BLOCK_ROWS
+ r`` is row ``j * BLOCK_ROWS + r`` of replicate ``b``). A 16-bit draw maps to ``k`` through a
lookup table of the Poisson(1) CDF; the few 16-bit cells that straddle a CDF step (about 2e-4
of draws) are refined with 32 more bits from the stream at counter ``(0, j, 1, 0)``, so ``k``
follows Poisson(1) to 2**-48. Hence:

* the weights of row ``i`` depend only on ``(seed, i)``: any chunking of the rows, and any split
  into shards that know their first row (``row_offset``), gives the same replicates;
* replicate ``b`` is the same whatever ``n_boot`` (``--n-boot 2000`` extends ``--n-boot 1000``);
* Philox streams are stable across numpy versions (NEP 19), so states from different machines
  merge.

A loss's replicate statistics are the sums ``Σ k w m`` and ``Σ k w l`` (and ``Σ k w l_col`` for a
per-column headline) per replicate: mergeable by addition. The replicate headline is computed
from them exactly as the headline is from the full sums (``finalize`` per replicate), and the
interval is the percentile interval of the replicate headlines (Efron & Tibshirani 1993, 13.3).

References: Hanley & MacGibbon (2006), "Creating non-parametric bootstrap samples using Poisson
frequencies"; Chamandy et al. (2012), "Estimating uncertainty for massive data streams" (Google);
Salmon et al. (2011), "Parallel random numbers: as easy as 1, 2, 3" (Philox).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from losscli.reductions import two_sum

BLOCK_ROWS = 256  # rows per Philox block: part of the definition of the replicates


def _poisson_thresholds() -> np.ndarray:
    """``T_j = round(P(K <= j) * 2**48)`` for Poisson(1) ``K``: a 48-bit uniform ``v`` gives
    ``k = #{j : v >= T_j}`` (only thresholds below 2**48, i.e. reachable, are kept)."""
    cdf = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(40)])
    t48 = np.array([min(round(c * 2.0**48), 2**48) for c in cdf], dtype=np.uint64)
    return t48[t48 < 2**48]


_T48 = _poisson_thresholds()
_T16 = np.array(sorted(set((_T48 >> np.uint64(32)).tolist())), dtype=np.uint16)  # the 16-bit cells holding a step (not np.unique: it imports numpy.ma, 8 ms of start-up)
_DENSE_CELLS = 4  # cells tested draw by draw; the rest lie in the rare tail u >= _T16[4]
_T16_COUNT = np.array([np.count_nonzero((_T48 >> np.uint64(32)) == t) for t in _T16], dtype=np.uint8)


_TAIL_K = np.concatenate([[0], np.cumsum(_T16_COUNT[_DENSE_CELLS:])]).astype(np.uint8)  # k above the dense cells
assert (_T16_COUNT[:_DENSE_CELLS] == 1).all()  # one CDF step per dense cell (Poisson(1))


def _poisson_from_u16(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``k`` for the 16-bit draws ``u`` (exact except in the cells holding a CDF step) and the
    indices of those cells' draws, to refine. The four dense thresholds by comparisons on uint16
    (they vectorise well: ~3x faster than a table lookup), the rare tail (``u >= _T16[4]``, 0.4%
    of draws) by a search among the other thresholds."""
    k = np.zeros(u.shape, dtype=np.uint8)
    ge = np.empty(u.shape, dtype=bool)
    eq = np.zeros(u.shape, dtype=bool)
    hit = np.empty(u.shape, dtype=bool)
    for t in _T16[:_DENSE_CELLS]:
        np.greater_equal(u, t, out=ge)
        k += ge.view(np.uint8)
        np.equal(u, t, out=hit)
        eq |= hit
    np.greater_equal(u, _T16[_DENSE_CELLS], out=ge)
    tail = np.flatnonzero(ge)  # nonzero is slow on dense masks, fast on this sparse one
    amb = np.flatnonzero(eq)
    if len(tail):
        ut = u[tail]
        k[tail] += _TAIL_K[np.searchsorted(_T16[_DENSE_CELLS:], ut, side="right")]
        on_step = np.zeros(len(tail), dtype=bool)
        for t in _T16[_DENSE_CELLS:]:
            on_step |= ut == t
        amb = np.sort(np.concatenate([amb, tail[on_step]]))
    return k, amb


def poisson_block(seed: int, block: int, n_boot: int) -> np.ndarray:
    """The Poisson(1) weights of global block ``block``: ``(n_boot, BLOCK_ROWS)`` uint8.

    >>> w = poisson_block(0, 0, 1000)
    >>> w.shape, round(float(w.mean()), 1), bool((poisson_block(0, 0, 10) == w[:10]).all())
    ((1000, 256), 1.0, True)
    """
    n = n_boot * BLOCK_ROWS
    raw = np.random.Philox(key=seed, counter=[0, block, 0, 0]).random_raw(-(-n // 4))
    u = raw.astype("<u8", copy=False).view("<u2")[:n]
    k, amb = _poisson_from_u16(u)
    if len(amb):
        extra = np.random.Philox(key=seed, counter=[0, block, 1, 0]).random_raw(len(amb)) & np.uint64(0xFFFFFFFF)
        v = (u[amb].astype(np.uint64) << np.uint64(32)) | extra
        k[amb] = np.searchsorted(_T48, v, side="right")
    return k.reshape(n_boot, BLOCK_ROWS)


class PoissonWeights:
    """The weights of any row range, block by block (the last block is cached, so a stream of
    small chunks costs no more than one pass)."""

    def __init__(self, seed: int, n_boot: int) -> None:
        self.seed, self.n_boot = int(seed), int(n_boot)
        self._cached: tuple[int, np.ndarray] | None = None

    def block(self, j: int) -> np.ndarray:
        """Block ``j`` as float64 ``(n_boot, BLOCK_ROWS)``."""
        if self._cached is None or self._cached[0] != j:
            self._cached = (j, poisson_block(self.seed, j, self.n_boot).astype(np.float64))
        return self._cached[1]

    def spans(self, start: int, stop: int) -> Iterator[tuple[int, int, np.ndarray]]:
        """``(lo, hi, K)`` for each block piece of rows ``[start, stop)``: ``K`` is the
        ``(n_boot, hi - lo)`` weight matrix of rows ``start + lo .. start + hi``."""
        row = start
        while row < stop:
            j = row // BLOCK_ROWS
            end = min(stop, (j + 1) * BLOCK_ROWS)
            yield row - start, end - start, self.block(j)[:, row - j * BLOCK_ROWS : end - j * BLOCK_ROWS]
            row = end

    def rows(self, start: int, stop: int) -> np.ndarray:
        """The ``(n_boot, stop - start)`` weights of rows ``[start, stop)`` (tests, small ranges)."""
        return np.concatenate([k for _, _, k in self.spans(start, stop)], axis=1) if stop > start else np.zeros((self.n_boot, 0))


class ReplicateSums:
    """Per-replicate sums ``(n_boot, C)`` with Neumaier compensation; mergeable by addition."""

    def __init__(self, n_boot: int, columns: int) -> None:
        self.sums = np.zeros((n_boot, columns))
        self.comp = np.zeros((n_boot, columns))

    def add(self, x: np.ndarray) -> None:
        self.sums, self.comp = two_sum(self.sums, self.comp, x)

    def merge(self, other: "ReplicateSums") -> "ReplicateSums":
        self.sums, self.comp = two_sum(self.sums, self.comp + other.comp, other.sums)
        return self

    def total(self) -> np.ndarray:
        return self.sums + self.comp

    def to_state(self) -> dict:
        return {"sums": self.sums.tolist(), "comp": self.comp.tolist()}

    @classmethod
    def from_state(cls, state: dict) -> "ReplicateSums":
        out = cls.__new__(cls)
        out.sums = np.array(state["sums"], dtype=np.float64)
        out.comp = np.array(state["comp"], dtype=np.float64)
        return out


def replicate_values(totals: np.ndarray, reduction: str, finalize: Callable | None = None) -> np.ndarray:
    """The headline of every replicate from its sums ``[Σ k w m, Σ k w l, Σ k w l_col...]``.

    A replicate whose divisor is 0 (every row drawn 0 times: only for tiny inputs) is NaN.
    """
    norm, total = totals[:, 0], totals[:, 1]
    if reduction in ("sum", "sum_elements"):
        return total.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if finalize is None:
            return np.where(norm > 0, total / np.where(norm > 0, norm, 1.0), np.nan)
        if totals.shape[1] > 2:
            cols = totals[:, 2:] / norm[:, None]
            out = np.mean(finalize(cols), axis=1)
        else:
            out = finalize(total / norm)
        return np.where(norm > 0, out, np.nan)


def percentile_interval(values: np.ndarray, level: float) -> tuple[float | None, float | None]:
    """The percentile interval of replicate values (NaN replicates left out; linear
    interpolation between order statistics, numpy's default)."""
    v = values[~np.isnan(values)]
    if len(v) < 2:
        return None, None
    alpha = 1.0 - level
    low, high = np.quantile(v, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def paired_p_value(delta_reps: np.ndarray, delta: float) -> float | None:
    """Two-sided paired bootstrap p-value of "no difference".

    The replicate deltas, shifted to be centred on 0 (the null), are compared with the
    observed delta: ``p = (1 + #{|δ*_b - δ| >= |δ|}) / (1 + B)`` (Efron & Tibshirani 1993,
    16.4; the +1 keeps p > 0, Davison & Hinkley 1997, 4.2). NaN replicates are left out.

    >>> round(paired_p_value(np.array([0.9, 1.1, 1.0, 0.95]), 1.0), 3)
    0.2
    """
    d = delta_reps[~np.isnan(delta_reps)]
    if len(d) == 0 or not math.isfinite(delta):
        return None
    extreme = int(np.count_nonzero(np.abs(d - delta) >= abs(delta)))
    return (1 + extreme) / (1 + len(d))


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjustment (family-wise error); None entries are skipped.

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    idx = sorted((i for i, p in enumerate(p_values) if p is not None), key=lambda i: p_values[i])
    m = len(idx)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, i in enumerate(idx):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = running
    return out
