"""Descriptive statistics of per-sample losses, computed from a ``Summary``.

``std`` is the weighted standard deviation of the per-sample values with Bessel's correction
(the plain sample standard deviation without weights); ``se`` is ``std / sqrt(n_eff)`` with
Kish's effective sample size (``n`` without weights). Both are None for fewer than two rows.
"""

from __future__ import annotations

import math

from losscli.reductions import Summary


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
    """``n, sum, mean, std, se, min, max`` of one loss (the report's statistics fields)."""
    return {
        "n": summary.n,
        "sum": summary.sum,
        "mean": summary.mean,
        "std": std(summary),
        "se": se(summary),
        "min": summary.min,
        "max": summary.max,
    }
