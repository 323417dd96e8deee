"""``losscli compare`` reports (``CompareReport``, schema ``losscli.compare/1``) as rich tables or Markdown.

One table per loss, one row per system (the base first): value, CI, delta vs the base with its
CI, p-value and Holm-adjusted p-value, win/tie/loss counts over samples, and the rank.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from losscli.render._format import ci_cell, fmt_number, p_cell, signed, with_arrow
from losscli.render.escape import md, terminal
from losscli.render.markdown import warnings_markdown
from losscli.report import CompareReport, ComparedLoss, SystemResult

NO_COUNTS = "n/a"  # a candidate's win/tie/loss on a metric without per-sample values (f1): nothing to count
HEADERS = ("system", "rank", "value", "CI", "delta", "delta CI", "p", "p (Holm)", "win/tie/loss")


def cells(row: SystemResult, precision: int | None, escape=terminal) -> list[str]:
    """The cells of one system's row, in ``HEADERS`` order (the system's name through ``escape``)."""
    wtl = row.wtl
    return [
        escape(row.system) + (" (base)" if row.role == "base" else ""),
        "" if row.rank is None else str(row.rank),
        fmt_number(row.value, precision),
        ci_cell(row.ci, precision),
        signed(row.delta, precision),
        ci_cell(row.delta_ci, precision),
        p_cell(row.p_value),
        p_cell(row.p_holm),
        (NO_COUNTS if row.role == "candidate" else "") if not wtl else f"{wtl['win']}/{wtl['tie']}/{wtl['loss']}",
    ]


def title(entry: ComparedLoss, config: Mapping[str, Any]) -> str:
    return f"{with_arrow(entry.label, entry.direction, terminal)}  {_about(entry, config)}"


def _about(entry: ComparedLoss, config: Mapping[str, Any]) -> str:
    level = config.get("ci_level", 0.95)
    test = "paired DeLong" if config.get("ci") == "analytic" else f"paired bootstrap, {config.get('n_boot')} replicates, seed {config.get('seed')}"
    return f"({entry.n} rows; {level * 100:g}% CIs; {test}; Holm over candidates)"


def tables(report: CompareReport, precision: int = 6) -> list:
    """One rich ``Table`` per loss."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    out = []
    for entry in report.losses:
        t = Table(title=Text(title(entry, report.config)), title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for i, h in enumerate(HEADERS):
            t.add_column(h, justify="left" if i == 0 else "right", no_wrap=True)
        for row in entry.systems:
            t.add_row(*map(Text, cells(row, precision)))
        out.append(t)
    return out


def markdown(report: CompareReport, precision: int | None = 6) -> str:
    """One Markdown table per loss, under a bold title line.

    >>> base = SystemResult("a.csv", "base", 2, 2.0, None)
    >>> cand = SystemResult("b.csv", "candidate", 1, 1.5, None, -0.5, None, 0.01, 0.01, {"win": 2, "tie": 0, "loss": 1})
    >>> rep = CompareReport("0", {}, 3, {"ci_level": 0.95, "n_boot": 10, "seed": 0}, (ComparedLoss("mse", "mse", "lower", "mean", 3, (base, cand), ""),))
    >>> print(markdown(rep), end="")
    **mse ↓**  (3 rows; 95% CIs; paired bootstrap, 10 replicates, seed 0; Holm over candidates)
    <BLANKLINE>
    | system | rank | value | CI | delta | delta CI | p | p (Holm) | win/tie/loss |
    |---|---:|---:|---:|---:|---:|---:|---:|---:|
    | a.csv (base) | 2 | 2 |  |  |  |  |  |  |
    | b.csv | 1 | 1.5 |  | -0.5 |  | 0.01 | 0.01 | 2/0/1 |
    """
    parts = []
    for entry in report.losses:
        lines = [f"**{with_arrow(entry.label, entry.direction, md)}**  {_about(entry, report.config)}", ""]
        lines += ["| " + " | ".join(HEADERS) + " |", "|---|" + "---:|" * (len(HEADERS) - 1)]
        lines += ["| " + " | ".join(cells(row, precision, md)) + " |" for row in entry.systems]
        parts.append("\n".join(lines) + "\n")
    warned = warnings_markdown(report.warnings)
    return "\n".join(parts + ([warned] if warned else []))
