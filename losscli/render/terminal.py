"""Terminal extras under the loss table: the gates table and ``--hist`` histograms (rich).

The histogram has linear bins from the smallest to the largest per-sample loss, one line per
bin: its half-open interval (the last is closed), a bar of unicode eighth blocks scaled to the
fullest bin, and the count. NaN rows (dropped by ``--nan-policy omit``) are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from rich import box
from rich.table import Table
from rich.text import Text

from losscli.render._format import fmt_number, number_cell, with_arrow
from losscli.render.escape import terminal
from losscli.report import gate_outcome as outcome

BLOCKS = " ▏▎▍▌▋▊▉█"
DEFAULT_BINS = 10
BAR_WIDTH = 40
MIN_BAR_WIDTH = 8


def gates_table(entries: Sequence[Mapping[str, Any]], precision: int = 6, mode: str = "fail") -> Table:
    """One row per gate: expression, value, threshold (base, p-value when present), result."""
    with_base = any("base" in e for e in entries)
    with_p = any("p_value" in e for e in entries)
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    t.add_column("gate", no_wrap=True)
    for name in ["value", "threshold"] + (["base"] if with_base else []) + (["p-value"] if with_p else []):
        t.add_column(name, justify="right", no_wrap=True)
    t.add_column("result", no_wrap=True)
    for e in entries:
        state = outcome(e)
        if state == "skipped":
            result = Text("- skipped", style="dim")
        elif state == "pass":
            result = Text("✓ pass", style="green")
        else:
            result = Text("! fail (warn)", style="yellow") if mode == "warn" else Text("✗ fail", style="bold red")
        if e.get("note"):
            result.append(f"  {terminal(e['note'])}", style="dim")
        cells = [Text(terminal(e["expr"])), _num(e.get("value"), precision), _num(e.get("threshold"), precision)]
        if with_base:
            cells.append(_num(e.get("base"), precision) if "base" in e else "")
        if with_p:
            cells.append(f"{e['p_value']:.4g}" if "p_value" in e else "")
        t.add_row(*cells, result)
    return t


def histogram(label: str, direction: str, values: np.ndarray, *, bins: int = DEFAULT_BINS, width: int = BAR_WIDTH, precision: int = 3, fit: int | None = None) -> Text:
    """A horizontal histogram of one loss's per-sample values; with ``fit`` (the terminal's width)
    the bars are shortened so that every line fits, down to ``MIN_BAR_WIDTH``.

    >>> print(histogram("mae", "lower", np.array([0.5, 2.0, 0.5, 3.0]), bins=2, width=8).plain)
    mae ↓  per-sample histogram, 4 rows
      [0.5, 1.75)  ████████ 2
      [1.75, 3]    ████████ 2
    """
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    skipped = len(v) - len(finite)
    out = Text()
    out.append(with_arrow(label, direction, terminal), style="bold")
    out.append(f"  per-sample histogram, {len(finite)} rows" + (f" ({skipped} not finite, left out)" if skipped else ""))
    if len(finite) == 0:
        return out
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        edges, counts = np.array([lo, hi]), np.array([len(finite)])
    else:
        counts, edges = np.histogram(finite, bins=bins, range=(lo, hi))
    names = [
        f"[{fmt_number(float(edges[i]), precision)}, {fmt_number(float(edges[i + 1]), precision)}" + ("]" if i == len(counts) - 1 else ")")
        for i in range(len(counts))
    ]
    pad = max(len(n) for n in names)
    top = int(counts.max())
    if fit is not None:  # "  " interval "  " bar " " count
        width = max(MIN_BAR_WIDTH, min(width, fit - pad - 5 - len(str(top))))
    for name, c in zip(names, counts):
        out.append("\n  " + name.ljust(pad) + "  ")
        out.append(_bar(int(c), top, width), style="cyan")
        out.append(f" {int(c)}")
    return out


def _bar(count: int, top: int, width: int) -> str:
    eighths = round(count / top * width * 8) if top else 0
    if count and not eighths:
        eighths = 1  # a non-empty bin is never invisible
    full, rest = divmod(eighths, 8)
    return "█" * full + (BLOCKS[rest] if rest else "")


def _num(v: Any, precision: int) -> Text:
    return Text(number_cell(v, precision, terminal))
