"""Descriptive statistics of per-sample losses, computed from a ``Summary``.

``std`` is the weighted standard deviation of the per-sample values with Bessel's correction
(the plain sample standard deviation without weights); ``se`` is ``std / sqrt(n_eff)`` with
Kish's effective sample size (``n`` without weights). Both are None for fewer than two rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from losscli.reductions import Summary, live_rows


def std(summary: Summary) -> float | None:
    """Standard deviation of the per-sample values (None when n < 2)."""
    if summary.n < 2 or summary.weight_sum <= 0:
        return None
    var = summary.m2 / summary.weight_sum * summary.n / (summary.n - 1)
    return math.sqrt(max(var, 0.0))


def se(summary: Summary) -> float | None:
    """Standard error of the mean of the per-sample values (None when n < 2)."""
    s = std(summary)
    n_eff = summary.effective_n
    return s / math.sqrt(n_eff) if s is not None and n_eff > 0 else None


def describe(summary: Summary) -> dict:
    """``n, sum, mean, std, se, min, max`` of one loss's per-sample values (the report's statistics
    fields): ``mean`` is theirs (``Σwl / Σw``), the headline itself unless the loss has a
    normaliser other than 1 (class weights), whose rows then name the per-sample quantity. With
    no sample (every target ignored, ``--reduction sum``/``none``) mean, min and max are None."""
    if summary.n == 0:
        return {"n": 0, "sum": summary.sum, "mean": None, "std": None, "se": None, "min": None, "max": None}
    return {
        "n": summary.n,
        "sum": summary.sum,
        "mean": summary.sum / summary.weight_sum if summary.weight_sum > 0 else summary.mean,
        "std": std(summary),
        "se": se(summary),
        "min": summary.min,
        "max": summary.max,
    }


# ---------------------------------------------------------------------------- Student's t distribution
# scipy is not a runtime dependency. The t CDF is the regularized incomplete beta function
# (continued fraction by the modified Lentz method, Numerical Recipes 3rd ed. 6.4; log-beta with
# Stirling corrections for large arguments as R's lbeta does); the quantile inverts it by
# bisection on t (~3e-13 relative below df = 3000); from df = 3000 on Hill's (1970) expansion around the
# normal quantile is used. tests/golden/stats/ holds scipy's values for both.

_TINY = 1e-300
_LN_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
HILL_DF = 3000.0  # at and above this df, t_ppf uses Hill's expansion (error < 1e-14 relative there)


def _lgammacor(x: float) -> float:
    """``lgamma(x) - ((x - 1/2) log x - x + log √(2π))`` for ``x >= 10`` (Stirling series)."""
    x2 = 1.0 / (x * x)
    return (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 * (1 / 1680 - x2 * (1 / 1188 - x2 * (691 / 360360 - x2 / 156)))))) / x


def _lbeta(a: float, b: float) -> float:
    """``log B(a, b)`` without the cancellation of ``lgamma`` differences for large arguments."""
    p, q = min(a, b), max(a, b)
    if q < 10:
        return math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q)
    if p < 10:
        corr = _lgammacor(q) - _lgammacor(p + q)
        return math.lgamma(p) + corr + p - p * math.log(p + q) + (q - 0.5) * math.log1p(-p / (p + q))
    corr = _lgammacor(p) + _lgammacor(q) - _lgammacor(p + q)
    return -0.5 * math.log(q) + _LN_SQRT_2PI + corr + (p - 0.5) * math.log(p / (p + q)) + q * math.log1p(-p / (p + q))


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (converges fast for x < (a+1)/(a+b+2))."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 1_000_000):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return h


def _betainc(a: float, b: float, x: float, y: float) -> float:
    """``I_x(a, b)`` given both ``x`` and ``y = 1 - x`` (each accurate on its own)."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_front = a * math.log(x) + b * math.log(y) - _lbeta(a, b)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, y) / b


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function ``I_x(a, b)`` for ``a, b > 0``, ``0 <= x <= 1``.

    >>> round(betainc(2.0, 3.0, 0.5), 12)  # 11/16
    0.6875
    """
    return _betainc(a, b, x, 1.0 - x)


def _t_split(t: float, df: float) -> tuple[float, float]:
    """``(P(T > t), P(0 < T < t))`` for ``t >= 0``, each computed directly (no cancellation)."""
    if math.isinf(t):
        return 0.0, 0.5
    r = t * t / df
    x, y = 1.0 / (1.0 + r), r / (1.0 + r)  # df/(df+t²), t²/(df+t²)
    if y < 0.5:  # small t: the central mass is the accurate one
        center = 0.5 * _betainc(0.5, df / 2.0, y, x)
        return 0.5 - center, center
    tail = 0.5 * _betainc(df / 2.0, 0.5, x, y)
    return tail, 0.5 - tail


def t_cdf(t: float, df: float) -> float:
    """``P(T <= t)`` of Student's t with ``df > 0`` degrees of freedom.

    >>> round(t_cdf(2.228138851986, 10), 9)
    0.975
    """
    tail, center = _t_split(abs(t), df)
    return 0.5 + center if t >= 0 else tail


def t_sf(t: float, df: float) -> float:
    """Upper tail ``P(T > t)`` of Student's t with ``df > 0`` degrees of freedom."""
    return t_cdf(-t, df)


def norm_ppf(p: float) -> float:
    """Standard normal quantile, by bisection on ``erfc`` (to a few ulps)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if p > 0.5:
        return -norm_ppf(1.0 - p)
    lo, hi = -40.0, 0.0  # Φ(z) = erfc(-z/√2)/2 is increasing
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return mid
        if 0.5 * math.erfc(-mid / math.sqrt(2.0)) < p:
            lo = mid
        else:
            hi = mid


def t_ppf(p: float, df: float) -> float:
    """Quantile of Student's t: the ``t`` with ``P(T <= t) = p`` (``0 < p < 1``, ``df > 0``).

    Bisection on ``t`` of the tail (or, near the median, of the central mass); for
    ``df >= HILL_DF`` Hill's expansion in the normal quantile (five terms).

    >>> round(t_ppf(0.975, 10), 9)
    2.228138852
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if not df > 0:
        raise ValueError(f"df must be > 0, got {df}")
    if p == 0.5:
        return 0.0
    # Work with the upper tail q = P(T > t) of |t|: exact for either half (1 - p is exact for p >= 1/2).
    return -_t_upper_quantile(p, df) if p < 0.5 else _t_upper_quantile(1.0 - p, df)


def _t_upper_quantile(q: float, df: float) -> float:
    """The ``t >= 0`` with ``P(T > t) = q`` for ``0 < q < 1/2``."""
    if df >= HILL_DF:
        z, v = -norm_ppf(q), df
        return (
            z
            + (z**3 + z) / (4 * v)
            + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
        )
    use_tail = q < 0.25
    goal = q if use_tail else 0.5 - q  # both exact in floating point

    def below(t: float) -> bool:  # is t below the quantile?
        tail, center = _t_split(t, df)
        return tail > goal if use_tail else center < goal

    lo, hi = 0.0, 1.0
    while below(hi):
        lo, hi = hi, hi * 2.0
        if math.isinf(hi):
            return hi
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return mid
        lo, hi = (mid, hi) if below(mid) else (lo, mid)


# ---------------------------------------------------------------------------- confidence intervals
CI_METHODS = ("analytic", "bootstrap")


@dataclass
class RatioMoments:
    """Mergeable weighted co-moments of ``(l, m)`` for a loss whose mean is ``Σwl / Σwm``: the
    delta-method standard error of that ratio needs ``Σw(l-l̄)(m-m̄)`` and ``Σw(m-m̄)²`` as well
    as the ``Σw(l-l̄)²`` that ``Summary`` keeps. Merged with Chan et al.'s pairwise formulas."""

    w: float = 0.0
    mean_l: float = 0.0
    mean_m: float = 0.0
    c_lm: float = 0.0
    c_mm: float = 0.0

    @classmethod
    def of(cls, values: np.ndarray, norm: np.ndarray, weights: np.ndarray | None = None) -> "RatioMoments":
        live = live_rows(values, weights, norm)  # the rows Summary.of counts, so that the two agree
        if live is not None:
            values, norm, weights = values[live], norm[live], None if weights is None else weights[live]
        if len(values) == 0:
            return cls()
        w = np.ones(len(values)) if weights is None else weights
        ws = float(np.sum(w))
        if ws <= 0:
            return cls()
        ml, mm = float(np.dot(w, values)) / ws, float(np.dot(w, norm)) / ws
        dm = norm - mm
        return cls(ws, ml, mm, float(np.sum(w * (values - ml) * dm)), float(np.sum(w * dm * dm)))

    def merge(self, other: "RatioMoments") -> "RatioMoments":
        if other.w == 0:
            return self
        if self.w == 0:
            return other
        w = self.w + other.w
        dl, dm = other.mean_l - self.mean_l, other.mean_m - self.mean_m
        f = self.w * other.w / w
        return RatioMoments(
            w,
            self.mean_l + dl * other.w / w,
            self.mean_m + dm * other.w / w,
            self.c_lm + other.c_lm + dl * dm * f,
            self.c_mm + other.c_mm + dm * dm * f,
        )

    def to_state(self) -> dict:
        return {"w": self.w, "mean_l": self.mean_l, "mean_m": self.mean_m, "c_lm": self.c_lm, "c_mm": self.c_mm}

    @classmethod
    def from_state(cls, state: dict) -> "RatioMoments":
        return cls(**{k: float(v) for k, v in state.items()})


def normal_p_value(delta: float, var: float) -> float:
    """Two-sided p-value of "no difference" for an estimate ``delta`` of variance ``var``, normal
    approximation: ``2 (1 - Φ(|delta| / √var))``; 1 when both are 0, 0 when only the variance is.

    >>> round(normal_p_value(1.96, 1.0), 4)
    0.05
    """
    if var <= 0:
        return 1.0 if delta == 0 else 0.0
    return math.erfc(abs(delta) / math.sqrt(2.0 * var))


def ci_object(method: str, level: float, low: float | None, high: float | None) -> dict:
    """The report's ``ci`` object: ``{"method", "level", "low", "high"}``."""
    return {"method": method, "level": level, "low": low, "high": high}


def analytic_interval(
    summary: Summary,
    level: float,
    reduction: str = "mean",
    finalize=None,
    ratio: RatioMoments | None = None,
) -> tuple[float | None, float | None]:
    """Student-t interval ``value ± t_{(1+level)/2, df} · SE`` from the streaming sums.

    ``SE`` is ``se`` above (weighted: Kish's ``n_eff``) and ``df = n_eff - 1`` (``n - 1``
    without weights). With a normaliser (mean ``Σwl/Σwm``) ``SE`` is the delta-method standard
    error of the ratio, ``std(l - R m) / (m̄ √n_eff)``, which is ``se`` when ``m ≡ 1``. For
    ``--reduction sum`` the interval of ``Σwl`` is ``Σw`` times that of the mean of ``l``. A
    ``finalize`` (rmse: sqrt) maps the interval's ends (the lower end clipped at 0); a per-column
    headline has no analytic interval. None when it is undefined (fewer than two rows, n_eff <= 1,
    a non-finite SE).

    >>> from losscli.reductions import Summary, live_rows
    >>> s = Summary.of(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> [round(x, 6) for x in analytic_interval(s, 0.95)]  # 2.5 ± 3.182446 · 0.645497
    [0.44574, 4.55426]
    """
    if reduction == "none" or summary.n < 2:
        return None, None
    n_eff = summary.effective_n
    s = std(summary)
    if s is None or n_eff <= 1 or not math.isfinite(s):
        return None, None
    t = t_ppf(0.5 + level / 2.0, n_eff - 1.0)
    if reduction in ("sum", "sum_elements"):
        center, half = summary.sum, t * s / math.sqrt(n_eff) * summary.weight_sum
    elif ratio is not None and ratio.w > 0 and ratio.mean_m != 0:
        r = summary.mean
        c_ll = summary.m2
        var_z = max(c_ll - 2.0 * r * ratio.c_lm + r * r * ratio.c_mm, 0.0) / summary.weight_sum * summary.n / (summary.n - 1)
        center, half = r, t * math.sqrt(var_z) / (abs(ratio.mean_m) * math.sqrt(n_eff))
    else:
        center, half = summary.mean, t * s / math.sqrt(n_eff)
    low, high = center - half, center + half
    if finalize is not None and reduction == "mean":
        if len(summary.sums) > 4:
            return None, None
        low, high = float(finalize(max(low, 0.0))), float(finalize(high))
    if not (math.isfinite(low) and math.isfinite(high)):
        return None, None
    return low, high
