"""``--plot FILE``: per-sample loss distributions as a figure (matplotlib, the optional ``plot``
extra, imported only here and only when the flag is given).

One row per loss: a histogram on the left, the empirical CDF on the right, with the mean
marked on both. A metric whose report details are reliability bins (``ece``) gets its
reliability diagram instead (accuracy and mean confidence per bin, and the weight per bin).
No pyplot (no global state, no GUI backend): a bare ``Figure`` saved through the Agg canvas
into a temporary file that is renamed into place.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from losscli._atomic import atomic_write
from losscli.errors import UsageError
from losscli.report import LossResult

FORMATS = (".png", ".svg", ".pdf")
# The columns of a metric's details that make it a reliability diagram (ece's bins).
RELIABILITY = ("lower", "upper", "weight", "confidence", "accuracy")
ROW_HEIGHT, WIDTH, DPI = 3.0, 10.0, 100


def check(path: str) -> None:
    """Before any work: a known suffix and matplotlib installed (a usage error otherwise)."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise UsageError(f"--plot {path}: the figure format comes from the suffix; use one of {', '.join(FORMATS)}.")
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib, which is not installed: pip install 'losscli[plot]'.")


def plot(path: str, results: Sequence[LossResult], values: Mapping[str, np.ndarray]) -> None:
    """Write the figure of ``results`` (a report's losses) with their per-sample ``values``: a
    row per loss, and per metric whose details are reliability bins (``ece``) its reliability
    diagram; other metrics without per-sample values have nothing to draw and are left out."""
    from matplotlib.figure import Figure

    drawn = [r for r in results if r.label in values or reliability(r) is not None]
    if not drawn:
        names = ", ".join(r.label for r in results)
        raise UsageError(f"--plot: nothing to draw: {names} have no per-sample values or reliability bins; drop --plot or add a loss.")
    fig = Figure(figsize=(WIDTH, ROW_HEIGHT * len(drawn)), dpi=DPI, layout="constrained")
    axes = fig.subplots(len(drawn), 2, squeeze=False)
    for (ax_l, ax_r), r in zip(axes, drawn):
        bins = reliability(r)
        if bins is None:
            draw_distribution(ax_l, ax_r, r, np.asarray(values[r.label], dtype=np.float64))
        else:
            draw_reliability(ax_l, ax_r, r, bins)
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format=fmt, metadata={"Software": None} if fmt == "png" else None)


def reliability(r: LossResult) -> dict[str, np.ndarray] | None:
    """A metric's reliability bins (``ece``'s details: the columns of ``RELIABILITY``) as float
    arrays (nan for an empty bin's confidence and accuracy), or None when it has none."""
    d = r.details or {}
    if r.per_sample is not False or not all(k in d for k in RELIABILITY):
        return None
    return {k: np.array([np.nan if v is None else v for v in d[k]], dtype=np.float64) for k in RELIABILITY}


def draw_distribution(ax_h: Any, ax_c: Any, r: LossResult, v: np.ndarray) -> None:
    """A loss's per-sample histogram (left) and empirical CDF (right), its mean marked on both."""
    label = r.per_sample or r.label  # what the values are (rmse.sq_err)
    v = np.sort(v[np.isfinite(v)])
    mean = r.mean  # the mean of these per-sample values (rmse's value is its square root)
    ax_h.hist(v, bins=min(50, max(1, int(np.sqrt(len(v))))), color="#4477aa")
    ax_h.set_title(f"{label}: per-sample histogram (n={len(v)})", fontsize=10)
    ax_h.set_xlabel("loss")
    ax_h.set_ylabel("rows")
    ax_c.step(v, np.arange(1, len(v) + 1) / max(len(v), 1), where="post", color="#4477aa")
    ax_c.set_title(f"{label}: empirical CDF", fontsize=10)
    ax_c.set_xlabel("loss")
    ax_c.set_ylim(0, 1)
    if isinstance(mean, (int, float)) and np.isfinite(mean):
        for ax in (ax_h, ax_c):
            ax.axvline(mean, color="#cc6677", linestyle="--", linewidth=1, label=f"mean = {mean:.4g}")
        ax_h.legend(fontsize=8)


def draw_reliability(ax_d: Any, ax_w: Any, r: LossResult, bins: Mapping[str, np.ndarray]) -> None:
    """The reliability diagram (left: each bin's accuracy as a bar over its edges, its mean
    confidence as a dot, the diagonal of perfect calibration) and the weight per bin (right).
    A bin ``[1, 1]`` (confidence exactly 1) is a narrow bar of another colour just right of 1."""
    lower, upper = bins["lower"], bins["upper"]
    point = upper <= lower
    left, width = np.where(point, 1.0, lower), np.where(point, 0.02, upper - lower)
    colors = np.where(point, "#ddaa33", "#4477aa").tolist()
    right = 1.025 if point.any() else 1.0
    ax_d.bar(left, np.nan_to_num(bins["accuracy"]), width=width, align="edge", color=colors, edgecolor="white", label="accuracy")
    ax_d.plot(left + width / 2, bins["confidence"], "o", color="#cc6677", markersize=3, label="mean confidence")
    ax_d.plot([0, 1], [0, 1], "--", color="gray", linewidth=1, label="perfect calibration")
    value = f" = {r.value:.4g}" if isinstance(r.value, (int, float)) else ""
    ax_d.set_title(f"{r.label}{value}: reliability diagram", fontsize=10)
    ax_d.set(xlabel="confidence", ylabel="accuracy", xlim=(0, right), ylim=(0, 1))
    ax_d.legend(fontsize=8, loc="upper left")
    ax_w.bar(left, bins["weight"], width=width, align="edge", color=colors, edgecolor="white")
    ax_w.set_title(f"{r.label}: weight per bin (n={r.n})", fontsize=10)
    ax_w.set(xlabel="confidence", ylabel="weight (rows)", xlim=(0, right))
