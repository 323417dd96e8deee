"""Confidence intervals, groups and worst samples in the text outputs (table, CSV, Markdown).

The JSON report carries them as ``ci``, ``groups`` and ``worst``; these helpers
give the other formats the same content:

* a ``CI`` cell ``[low, high]`` after the value (CSV: ``ci_low``/``ci_high`` columns);
* with ``--group-by``, leading group columns: the overall rows show ``(all)`` (empty in CSV),
  then each group's rows, in key order;
* with ``--top-k``, a "worst samples" table under the results (row numbers are 1-based data
  rows of the input, as in error messages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from losscli.render.escape import code, terminal
from losscli.render.json_report import arrow, fmt_number
from losscli.report import Report

ALL = "(all)"


def ci_cell(ci: Mapping[str, Any] | None, precision: int | None) -> str:
    """``[low, high]`` ('' without an interval; an undefined end shows as ``?``)."""
    if not ci:
        return ""
    low, high = ci.get("low"), ci.get("high")
    return f"[{'?' if low is None else fmt_number(low, precision)}, {'?' if high is None else fmt_number(high, precision)}]"


def ci_header(report: Report) -> str:
    """``95% CI`` (or ``CI`` when levels differ)."""
    levels = {r.ci.get("level") for r in report.losses if r.ci}
    return f"{levels.pop() * 100:g}% CI" if len(levels) == 1 else "CI"


def has_ci(report: Report) -> bool:
    return any(r.ci for r in report.losses)


MISSING = "(missing)"  # the group of rows whose group cell is empty (key None, null in JSON)


def group_names(report: Report) -> list[str]:
    return list(report.groups[0].key) if report.groups else []


def group_cells(key: Mapping[str, Any] | None, names: Sequence[str], first: bool) -> list[str]:
    """The group cells of one displayed row: ``(all)`` or the key on a block's first row, blank
    on the others."""
    if not names:
        return []
    if not first:
        return [""] * len(names)
    return [ALL] + [""] * (len(names) - 1) if key is None else [MISSING if key[n] is None else str(key[n]) for n in names]


def display_rows(report: Report) -> list[tuple[Mapping[str, Any] | None, bool, str, str, dict[str, Any]]]:
    """``(group key or None, first row of its block, label, direction, values)``: the overall
    rows, then each group's rows (``json_report.rows`` of each)."""
    from losscli.render.json_report import rows

    out = [(None, i == 0, *row) for i, row in enumerate(rows(report))]
    for g in report.groups:
        out += [(g.key, i == 0, *row) for i, row in enumerate(rows(g))]
    return out


def ci_columns(ci: Mapping[str, Any] | None, precision: int | None) -> list[str]:
    """``[low, high]`` cells for CSV ('' when undefined)."""
    ci = ci or {}
    return [fmt_number(ci.get("low"), precision), fmt_number(ci.get("high"), precision)]


def worst_rows(report: Report) -> list[tuple[str, int, dict[str, Any]]]:
    """``(name, rank, entry)`` for every worst sample of every loss (rank 1 = worst); the name is
    what the values are (``rmse.sq_err`` for rmse, else the label)."""
    return [(r.per_sample or r.label, i + 1, w) for r in report.losses if r.worst for i, w in enumerate(r.worst)]


def worst_table(report: Report, precision: int = 6):
    """The worst samples as a rich ``Table`` (None without ``--top-k``)."""
    entries = worst_rows(report)
    if not any(r.worst is not None for r in report.losses):
        return None
    from rich import box
    from rich.table import Table
    from rich.text import Text

    with_id = any("id" in w for _, _, w in entries)
    t = Table(title="worst samples", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    t.add_column("loss", style="bold", no_wrap=True)
    t.add_column("#", justify="right")
    t.add_column("row", justify="right")
    if with_id:
        t.add_column("id", no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    directions = {r.per_sample or r.label: r.direction for r in report.losses}
    last = None
    for label, rank, w in entries:
        shown = Text(f"{terminal(label)} {arrow(directions[label])}" if label != last else "")
        last = label
        t.add_row(shown, str(rank), str(w["row"]), *([Text(terminal(w.get("id", "")))] if with_id else []), fmt_number(w["value"], precision))
    return t


def worst_markdown(report: Report, precision: int | None = 6) -> str:
    """The worst samples as a Markdown table ('' without ``--top-k``)."""
    entries = worst_rows(report)
    if not entries:
        return ""
    with_id = any("id" in w for _, _, w in entries)
    head = "| loss | # | row |" + (" id |" if with_id else "") + " value |"
    rule = "|---|---:|---:|" + ("---|" if with_id else "") + "---:|"
    lines = ["**Worst samples**", "", head, rule]
    for label, rank, w in entries:
        cells = [code(label), str(rank), str(w["row"])] + ([code(w["id"]) if "id" in w else ""] if with_id else [])
        lines.append("| " + " | ".join(cells + [fmt_number(w["value"], precision)]) + " |")
    return "\n".join(lines) + "\n"
