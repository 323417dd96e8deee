"""The displayed rows of a ``Report`` (``rows``, ``display_rows``), with confidence intervals,
groups and worst samples, shared by the text outputs (table, CSV, Markdown).

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

from losscli.render._format import fmt_number, with_arrow
from losscli.render.escape import code, terminal
from losscli.report import GroupResult, Report

ALL = "(all)"
STAT_FIELDS = ("value", "n", "mean", "std", "se", "min", "max")
Values = dict[str, Any]  # a displayed row's cells by field (STAT_FIELDS, "sum", "ci")


def rows(report: Report | GroupResult) -> list[tuple[str, str, Values]]:
    """(label, direction, field values) per displayed row: each loss, and under a combination
    one ``↳ a × term`` row per term whose value is its contribution ``a · value`` (the rows
    add up to the total; the term's own statistics are in the JSON report). A loss whose
    headline is not the mean of its per-sample values (rmse) shows its value, n and CI on its
    row and the per-sample statistics on a ``↳ rmse.sq_err`` row under it."""
    out = []
    for r in report.losses:
        stats = {f: getattr(r, f) for f in (*STAT_FIELDS, "sum")}
        if r.per_sample is not None:  # rmse: the headline (and its CI) on one row, the squared errors' statistics on the next
            out.append((r.label, r.direction, {"value": r.value, "n": r.n, "ci": r.ci}))
            out.append((f"↳ {r.per_sample}", r.direction, {**stats, "value": None}))
            continue
        out.append((r.label, r.direction, {**stats, "ci": r.ci}))
        for coef, t in r.terms:
            contribution = None if t.value is None else coef * t.value
            out.append((f"↳ {fmt_number(coef, None).removesuffix('.0')} × {t.label}", t.direction, {"value": contribution}))
    return out


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


def display_rows(report: Report) -> list[tuple[Mapping[str, Any] | None, bool, str, str, Values]]:
    """``(group key or None, first row of its block, label, direction, values)``: the overall
    rows, then each group's rows (``rows`` of each)."""
    out = [(None, i == 0, *row) for i, row in enumerate(rows(report))]
    for g in report.groups:
        out += [(g.key, i == 0, *row) for i, row in enumerate(rows(g))]
    return out


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
        shown = Text(with_arrow(label, directions[label], terminal) if label != last else "")
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
