"""``losscli compare`` reports (dicts, schema ``losscli.compare/1``) as rich tables or Markdown.

One table per loss, one row per system (the base first): value, CI, delta vs the base with its
CI, p-value and Holm-adjusted p-value, win/tie/loss counts over samples, and the rank.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from losscli.render._format import ci_cell, fmt_number, p_cell, signed, with_arrow
from losscli.render.escape import md, terminal
from losscli.render.markdown import warnings_markdown

HEADERS = ("system", "rank", "value", "CI", "delta", "delta CI", "p", "p (Holm)", "win/tie/loss")


def cells(row: Mapping[str, Any], precision: int | None, escape=terminal) -> list[str]:
    """The cells of one system's row, in ``HEADERS`` order (the system's name through ``escape``)."""
    wtl = row.get("wtl")
    return [
        escape(row["system"]) + (" (base)" if row.get("role") == "base" else ""),
        "" if row.get("rank") is None else str(row["rank"]),
        fmt_number(row.get("value"), precision),
        ci_cell(row.get("ci"), precision),
        signed(row.get("delta"), precision),
        ci_cell(row.get("delta_ci"), precision),
        p_cell(row.get("p_value")),
        p_cell(row.get("p_holm")),
        "" if not wtl else f"{wtl['win']}/{wtl['tie']}/{wtl['loss']}",
    ]


def title(entry: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    return f"{with_arrow(entry['label'], entry['direction'], terminal)}  {_about(entry, config)}"


def _about(entry: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    level = config.get("ci_level", 0.95)
    return (
        f"({entry['n']} rows; {level * 100:g}% CIs; "
        f"paired bootstrap, {config.get('n_boot')} replicates, seed {config.get('seed')}; Holm over candidates)"
    )


def tables(report: Mapping[str, Any], precision: int = 6) -> list:
    """One rich ``Table`` per loss."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    out = []
    for entry in report["losses"]:
        t = Table(title=Text(title(entry, report["config"])), title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for i, h in enumerate(HEADERS):
            t.add_column(h, justify="left" if i == 0 else "right", no_wrap=True)
        for row in entry["systems"]:
            t.add_row(*map(Text, cells(row, precision)))
        out.append(t)
    return out


def markdown(report: Mapping[str, Any], precision: int | None = 6) -> str:
    """One Markdown table per loss, under a bold title line.

    >>> rep = {"config": {"ci_level": 0.95, "n_boot": 10, "seed": 0}, "losses": [{"label": "mse",
    ...   "direction": "lower", "n": 3, "systems": [{"system": "a.csv", "role": "base", "rank": 2,
    ...   "value": 2.0}, {"system": "b.csv", "role": "candidate", "rank": 1, "value": 1.5,
    ...   "delta": -0.5, "p_value": 0.01, "p_holm": 0.01, "wtl": {"win": 2, "tie": 0, "loss": 1}}]}]}
    >>> print(markdown(rep), end="")
    **mse ↓**  (3 rows; 95% CIs; paired bootstrap, 10 replicates, seed 0; Holm over candidates)
    <BLANKLINE>
    | system | rank | value | CI | delta | delta CI | p | p (Holm) | win/tie/loss |
    |---|---:|---:|---:|---:|---:|---:|---:|---:|
    | a.csv (base) | 2 | 2 |  |  |  |  |  |  |
    | b.csv | 1 | 1.5 |  | -0.5 |  | 0.01 | 0.01 | 2/0/1 |
    """
    parts = []
    for entry in report["losses"]:
        label = with_arrow(entry["label"], entry["direction"], md)
        lines = [f"**{label}**  {_about(entry, report['config'])}", "", "| " + " | ".join(HEADERS) + " |", "|---|" + "---:|" * (len(HEADERS) - 1)]
        for row in entry["systems"]:
            c = cells(row, precision, md)
            lines.append("| " + " | ".join(c) + " |")
        parts.append("\n".join(lines) + "\n")
    warned = warnings_markdown(report.get("warnings") or [])
    return "\n".join(parts + ([warned] if warned else []))
