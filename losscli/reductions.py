"""Reductions of per-sample losses, in one place.

``Summary`` holds the mergeable sufficient statistics of one loss's per-sample values ``l_n``
with sample weights ``w_n`` (1 when none) and normalisers ``m_n`` (1 unless the loss declares
one): compensated sums of ``w``, ``w**2``, ``w l``, ``w m`` (and ``w l`` per output column for
losses whose headline is finalised per column), a weighted mean and sum of squared deviations
merged with Chan's formula, and the min and max. Any chunking of the rows, merged in any order,
gives the same result to rounding (~1e-15 relative).

The sum of squared deviations of an unweighted chunk (``moments``) takes one pass when that is
accurate: ``M2 = Σl² - (Σl)²/n``, with ``Σl`` numpy's pairwise sum and ``Σl²`` a dot product.
Its rounding error is at most about ``(ε_q + 2 ε_s) Σl²`` (``ε_q``, ``ε_s``: the relative errors of
the two sums), i.e. ``3 κ ε`` relative to ``M2`` where ``κ = Σl² / M2 = 1 + mean² / variance``
is the cancellation factor. The two-pass form ``Σ(l - mean)²`` has relative error ``≈ ε_q``
(the error of the mean enters squared). So the one-pass value is used only when ``κ <= 8``:
its error is then within 24x the two-pass error. In numbers, for a block of 65536 values
(``dot1``: ddot over rows of 8192, each summed in at least 4 lanes): the worst-case bounds are
``ε_q <= 2048 ε = 2.3e-13`` (two-pass) and 5e-12 (one-pass, κ = 8), never approached since
rounding errors do not all align; measured against exact rational arithmetic, both stay within
a few ε (~1e-15; the one-pass ≤ 12 ε at κ ≈ 8), three orders of magnitude below the 1e-12 that
chunk invariance is tested at. Above the threshold, and for constant, overflowing or one-value
chunks, the two-pass form runs. Loss values usually have ``κ`` of 1.5 to 3 (squared normal
errors: 1.5; absolute errors: 2.75). tests/test_kernels.py checks the error on both sides of
the threshold.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np

from losscli.errors import UsageError


class Reduction(str, enum.Enum):
    """The headline value: the (normalised, weighted) mean, the sum of the per-sample values
    (``sum``: of per-row means for elementwise losses on ``(N, D)``), torch's sum over every
    element (``sum_elements``: each per-sample value is its row's sum), or none (per-sample only)."""

    mean = "mean"
    sum = "sum"
    sum_elements = "sum_elements"
    none = "none"

    @property
    def is_sum(self) -> bool:
        """A sum of the per-sample values (``sum_elements`` scales them first)."""
        return self in (Reduction.sum, Reduction.sum_elements)


def check_reduction(value: str) -> Reduction:
    """Return the ``Reduction`` named ``value`` or raise a usage error listing the allowed ones."""
    try:
        return Reduction(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Reduction)
        raise UsageError(f"Invalid reduction '{value}'. Expected one of: {allowed}.") from None


def two_sum(s: np.ndarray, c: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neumaier-compensated ``s + x``; ``c`` collects the rounding errors."""
    t = s + x
    with np.errstate(invalid="ignore"):
        c = c + np.where(np.abs(s) >= np.abs(x), (s - t) + x, (x - t) + s)
    return t, c


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``Σ a b`` of two 1-D arrays without BLAS: waking OpenBLAS's ddot threads costs up to
    milliseconds per call on a busy machine, far more than the sum of a cache-sized block."""
    return float(np.einsum("i,i->", a, b))


_ROW = 8192  # elements per BLAS ddot call: below OpenBLAS's threading threshold (10000)
_vecdot = getattr(np, "vecdot", None)  # numpy >= 2.0
KAPPA_MAX = 8.0  # largest cancellation factor Σl²/M2 for which the one-pass M2 is used


def dot1(a: np.ndarray, b: np.ndarray) -> float:
    """``Σ a b`` of two contiguous 1-D float64 arrays on this thread, at BLAS speed.

    ``np.vecdot`` over rows of ``_ROW`` elements: one ddot per row, each too short for OpenBLAS
    to wake its threads (``_dot``'s concern), twice as fast as ``einsum``; the tail by ``einsum``.
    """
    n = len(a)
    m = n - n % _ROW
    if _vecdot is None or m == 0 or not (a.flags.c_contiguous and b.flags.c_contiguous) or a.dtype != np.float64 or b.dtype != np.float64:
        return _dot(a, b)
    out = float(np.add.reduce(_vecdot(a[:m].reshape(-1, _ROW), b[:m].reshape(-1, _ROW))))
    return out + _dot(a[m:], b[m:]) if m < n else out


def moments(values: np.ndarray) -> tuple[float, float, float, float] | None:
    """``(Σl, M2, min, max)`` of a 1-D float64 chunk (M2 about its mean), or None when a value
    is NaN or infinite (min and max propagate NaN: their finiteness is the check, no extra pass).

    Four passes over the values when ``κ <= KAPPA_MAX`` (see the module docstring), six otherwise.
    """
    n = len(values)
    lo, hi = float(np.minimum.reduce(values)), float(np.maximum.reduce(values))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    s = float(np.add.reduce(values))
    m2 = one_pass_m2(s, dot1(values, values), n)
    if m2 is None:  # cancellation (or overflow): two passes
        dev = values - s / n
        m2 = dot1(dev, dev)
    return s, m2, lo, hi


def one_pass_m2(s: float, q: float, n: int) -> float | None:
    """``M2 = Σl² - (Σl)²/n`` from ``s = Σl`` and ``q = Σl²`` of ``n`` values, or None when the
    cancellation factor ``κ = q / M2`` exceeds ``KAPPA_MAX`` or ``q`` overflowed (two passes then)."""
    m2 = q - s * (s / n)
    return m2 if q < math.inf and m2 * KAPPA_MAX >= q else None


def _chunk_sums(
    values: np.ndarray,
    weights: np.ndarray | None,
    norm: np.ndarray | None,
    columns: np.ndarray | None,
    total: float | None = None,
) -> list:
    """``[Σw, Σw², Σwl, Σwm]`` of one chunk's rows, then ``Σw·c`` for each per-column value;
    ``total`` is ``Σl`` when the caller has it. Without weights: no array of ones and no
    products (the hot path), ``Σw = Σw² = n`` and ``Σwm = n`` without a normaliser."""
    if weights is None:
        n = float(len(values))
        sums = [n, n, float(np.sum(values)) if total is None else total, float(np.sum(norm)) if norm is not None else n]
        if columns is not None:
            sums.extend(np.sum(columns, axis=0))
        return sums
    w_sum = float(np.sum(weights))
    # Σwl and Σwm by numpy's pairwise summation (as Σl): the sums the headline is made of
    sums = [w_sum, float(_dot(weights, weights)), float(np.sum(weights * values)), float(np.sum(weights * norm)) if norm is not None else w_sum]
    if columns is not None:
        sums.extend(np.sum(weights[:, None] * columns, axis=0))
    return sums


def live_rows(values: np.ndarray, weights: np.ndarray | None, norm: np.ndarray | None) -> np.ndarray | None:
    """The rows that are samples of a loss's statistics (None: all of them). A row with sample
    weight 0, or normaliser 0 (a target that is ``ignore_index`` or of class weight 0), adds
    nothing to the headline ``Σwl / Σwm``: it is not counted in ``n``, ``min``, ``max``, the
    Bessel factor of ``std`` or the worst rows. A non-finite value stays (it makes the headline
    NaN under ``--nan-policy propagate``)."""
    dead = None
    if weights is not None and not weights.all():
        dead = weights == 0
    if norm is not None and not np.all(norm):
        dead = (norm == 0) if dead is None else dead | (norm == 0)
    if dead is None:
        return None
    dead &= np.isfinite(values)
    return ~dead if dead.any() else None


@dataclass
class Summary:
    """Mergeable statistics of one loss's per-sample values (see the module docstring)."""

    n: int = 0
    sums: np.ndarray = field(default_factory=lambda: np.zeros(4))  # Σw, Σw², Σwl, Σwm, [Σw l_col...]
    comp: np.ndarray = field(default_factory=lambda: np.zeros(4))
    mean_l: float = 0.0  # weighted mean of l (Σwl/Σw), for the variance
    m2: float = 0.0  # Σ w (l - mean_l)²
    min: float = math.inf
    max: float = -math.inf

    @classmethod
    def of(
        cls,
        values: np.ndarray,
        weights: np.ndarray | None = None,
        norm: np.ndarray | None = None,
        columns: np.ndarray | None = None,
    ) -> "Summary":
        """Statistics of one chunk: per-sample ``values`` (N,), optional ``weights``, ``norm`` and
        per-column values ``columns`` (N, D) of a loss with a per-column headline. Rows that are
        not samples (``live_rows``) are left out."""
        live = live_rows(values, weights, norm)
        if live is not None:
            values, weights, norm, columns = (None if a is None else a[live] for a in (values, weights, norm, columns))
        n = len(values)
        if n == 0:
            out = cls()
            if columns is not None:
                out.sums = np.zeros(4 + columns.shape[1])
                out.comp = np.zeros_like(out.sums)
            return out
        mom = moments(values) if weights is None and values.ndim == 1 and values.dtype == np.float64 else None
        if mom is not None:  # unweighted, finite: Σl, M2, min and max in four passes
            sums = _chunk_sums(values, None, norm, columns, total=mom[0])
            return cls(n, np.array(sums, dtype=np.float64), np.zeros(len(sums)), mom[0] / sums[0], mom[1], mom[2], mom[3])
        sums = _chunk_sums(values, weights, norm, columns)
        w_sum = sums[0]
        mean_l = sums[2] / w_sum if w_sum > 0 else 0.0
        dev = values - mean_l
        return cls(
            n=n,
            sums=np.array(sums, dtype=np.float64),
            comp=np.zeros(len(sums)),
            mean_l=mean_l,
            m2=float(_dot(dev, dev) if weights is None else _dot(weights * dev, dev)),
            min=float(np.min(values)),
            max=float(np.max(values)),
        )

    def merge(self, other: "Summary") -> "Summary":
        """Combine the statistics of two disjoint sets of rows."""
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        s, c = two_sum(self.sums, self.comp + other.comp, other.sums)
        wa, wb = self.total(0), other.total(0)
        w = wa + wb
        delta = other.mean_l - self.mean_l
        mean_l = self.mean_l + delta * wb / w if w > 0 else 0.0
        m2 = self.m2 + other.m2 + (delta * delta * wa * wb / w if w > 0 else 0.0)
        return Summary(self.n + other.n, s, c, mean_l, m2, min(self.min, other.min), max(self.max, other.max))

    @classmethod
    def of_blocks(cls, blocks: list[tuple[int, float, float, float, float, float, float]]) -> "Summary":
        """The unweighted chunks ``(n, Σl, e, Σm, M2, min, max)`` (``e``: the rounding error of
        ``Σl`` when its sum kept it, else 0; ``Σm`` = n without a normaliser; ``moments`` gives
        the rest) merged in order: ``merge`` of their ``Summary.of``, in plain floats (the same
        operations: Neumaier sums, Chan's update), each ``e`` added to the compensation."""
        n_tot, w, mean_l, m2, lo, hi = 0, 0.0, 0.0, 0.0, math.inf, -math.inf
        sums, comp = [0.0, 0.0], [0.0, 0.0]  # Σl, Σm and their compensations
        for n, s_l, err, s_m, m2_b, lo_b, hi_b in blocks:
            if n == 0:
                continue
            comp[0] += err
            if n_tot == 0:  # as merge: the first chunk is taken as it is
                n_tot, w, sums, mean_l, m2, lo, hi = n, float(n), [s_l, s_m], s_l / n, m2_b, lo_b, hi_b
                continue
            for i, x in enumerate((s_l, s_m)):
                s, t = sums[i], sums[i] + x
                comp[i] += (s - t) + x if abs(s) >= abs(x) else (x - t) + s
                sums[i] = t
            wb = float(n)
            total = w + wb
            delta = s_l / wb - mean_l
            mean_l = mean_l + delta * wb / total
            m2 = m2 + m2_b + delta * delta * w * wb / total
            n_tot, w, lo, hi = n_tot + n, total, min(lo, lo_b), max(hi, hi_b)
        if n_tot == 0:
            return cls()
        return cls(n_tot, np.array([w, w, sums[0], sums[1]]), np.array([0.0, 0.0, comp[0], comp[1]]), mean_l, m2, lo, hi)

    def total(self, i: int) -> float:
        return float(self.sums[i] + self.comp[i])

    @property
    def weight_sum(self) -> float:
        return self.total(0)

    @property
    def sum(self) -> float:
        """``Σ w l`` (``Σ l`` without sample weights)."""
        return self.total(2)

    @property
    def norm_sum(self) -> float:
        """``Σ w m``: the divisor of the mean."""
        return self.total(3)

    @property
    def mean(self) -> float:
        """``Σ w l / Σ w m``: the reference's mean (weighted when sample weights are given), its
        formula with compensated sums: each sum rounded once, then divided."""
        return self.sum / self.norm_sum

    def column_means(self) -> np.ndarray:
        """Per-column means ``Σ w l_col / Σ w m`` of a loss with a per-column headline."""
        return (self.sums[4:] + self.comp[4:]) / self.norm_sum

    @property
    def effective_n(self) -> float:
        """Kish's effective sample size ``(Σw)² / Σw²`` (``n`` without weights)."""
        w2 = self.total(1)
        n_eff = self.weight_sum * self.weight_sum / w2 if w2 > 0 else 0.0  # x * x: inf on overflow, where x**2 raises
        return n_eff if math.isfinite(n_eff) else 0.0  # weights so large that Σw² overflows: undefined (no se, no CI)

    def to_state(self) -> dict:
        """JSON-safe state (for shards and ``losscli merge``)."""
        return {
            "n": self.n,
            "sums": [float(v) for v in self.sums],
            "comp": [float(v) for v in self.comp],
            "mean_l": self.mean_l,
            "m2": self.m2,
            "min": self.min,
            "max": self.max,
        }

    @classmethod
    def from_state(cls, state: dict) -> "Summary":
        return cls(
            n=int(state["n"]),
            sums=np.array(state["sums"], dtype=np.float64),
            comp=np.array(state["comp"], dtype=np.float64),
            mean_l=float(state["mean_l"]),
            m2=float(state["m2"]),
            min=float(state["min"]),
            max=float(state["max"]),
        )


def headline(summary: Summary, reduction: Reduction, finalize=None) -> float | None:
    """The headline value of a loss: its mean (finalised per column when the loss says so), its
    sum, or None for ``none``."""
    if reduction is Reduction.none:
        return None
    if reduction.is_sum:
        return summary.sum
    if finalize is None:
        return summary.mean
    cols = summary.column_means()
    return float(np.mean(finalize(cols))) if len(cols) else float(finalize(summary.mean))
