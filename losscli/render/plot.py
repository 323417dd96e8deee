"""``--plot FILE``: per-sample loss distributions as a figure (matplotlib, the optional ``plot``
extra, imported only here and only when the flag is given).

One row per loss: a histogram on the left, the empirical CDF on the right, with the mean
marked on both. No pyplot (no global state, no GUI backend): a bare ``Figure`` saved
through the Agg canvas into a temporary file that is renamed into place.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping, Sequence
import numpy as np

from losscli._atomic import atomic_write
from losscli.errors import UsageError
from losscli.report import LossResult

FORMATS = (".png", ".svg", ".pdf")
ROW_HEIGHT, WIDTH, DPI = 3.0, 10.0, 100


def check(path: str) -> None:
    """Before any work: a known suffix and matplotlib installed (a usage error otherwise)."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise UsageError(f"--plot {path}: the figure format comes from the suffix; use one of {', '.join(FORMATS)}.")
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib, which is not installed: pip install 'losscli[plot]'.")


def plot(path: str, results: Sequence[LossResult], values: Mapping[str, np.ndarray]) -> None:
    """Write the figure of ``results`` (a report's losses) with their per-sample ``values``."""
    from matplotlib.figure import Figure

    n = max(len(results), 1)
    fig = Figure(figsize=(WIDTH, ROW_HEIGHT * n), dpi=DPI, layout="constrained")
    axes = fig.subplots(n, 2, squeeze=False)
    for (ax_h, ax_c), r in zip(axes, results):
        v = np.asarray(values[r.label], dtype=np.float64)
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
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format=fmt, metadata={"Software": None} if fmt == "png" else None)
