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
from losscli.report import GroupResult, LossResult, Report

ALL = "(all)"
STAT_FIELDS = ("value", "n", "mean", "std", "se", "min", "max")
PER_SAMPLE_FIELDS = ("mean", "std", "se", "min", "max")  # statistics of per-sample values: a metric such as f1 has none
Values = dict[str, Any]  # a displayed row's cells by field (STAT_FIELDS, "sum", "ci"; "note": shown for a missing value)
SEE_MATRIX = "see matrix"  # the value cell of a metric whose result is a matrix (confusion), shown under the table


def rows(report: Report | GroupResult) -> list[tuple[str, str, Values]]:
    """(label, direction, field values) per displayed row: each loss, and under a combination
    one ``↳ a × term`` row per term whose value is its contribution ``a · value`` (the rows
    add up to the total; the term's own statistics are in the JSON report). A loss whose
    headline is not the mean of its per-sample values (rmse) shows its value, n and CI on its
    row and the per-sample statistics on a ``↳ rmse.sq_err`` row under it. A metric without
    per-sample values (f1: ``per_sample`` False) has its value, n and CI only."""
    out = []
    for r in report.losses:
        stats = {f: getattr(r, f) for f in (*STAT_FIELDS, "sum")}
        if r.per_sample is False:
            out.append((r.label, r.direction, {"value": r.value, "n": r.n, "ci": None if note(r) else r.ci, **note(r)}))
            continue
        if r.per_sample is not None:  # rmse: the headline (and its CI) on one row, the squared errors' statistics on the next
            out.append((r.label, r.direction, {"value": r.value, "n": r.n, "ci": r.ci}))
            out.append((f"↳ {r.per_sample}", r.direction, {**stats, "value": None}))
            continue
        out.append((r.label, r.direction, {**stats, "ci": r.ci}))
        for coef, t in r.terms:
            contribution = None if t.value is None else coef * t.value
            out.append((f"↳ {fmt_number(coef, None).removesuffix('.0')} × {t.label}", t.direction, {"value": contribution}))
    return out


def stat_fields(report: Report) -> tuple[str, ...]:
    """The statistic columns of the tables: ``STAT_FIELDS``, without the per-sample statistics
    (mean, std, se, min, max) when no loss has per-sample values (every one is a metric such as
    f1): columns that would be empty on every row."""
    if report.losses and all(r.per_sample is False for r in report.losses):
        return tuple(f for f in STAT_FIELDS if f not in PER_SAMPLE_FIELDS)
    return STAT_FIELDS


def value_cell(values: Values, field: str, precision: int | None) -> str:
    """A number cell of a displayed row; a missing value shows the row's note (``see matrix``)."""
    v = values.get(field)
    return values["note"] if v is None and field == "value" and "note" in values else fmt_number(v, precision)


def note(r: LossResult) -> Values:
    """``{"note": "see matrix"}`` for a result without a value whose result is a matrix
    (confusion: the matrix is shown under the table), else nothing."""
    return {"note": SEE_MATRIX} if r.value is None and matrix_of(r) is not None else {}


def matrix_of(r: LossResult) -> dict[str, Any] | None:
    """``r``'s matrix details (``{"labels": [...], "matrix": [[...]]}``: the confusion matrix,
    rows the true class, columns the predicted one) when it has a well-formed one, else None
    (a report read back from a file is data: an edited matrix is not rendered)."""
    d = r.details
    if not isinstance(d, Mapping) or not isinstance(d.get("labels"), (list, tuple)) or not isinstance(d.get("matrix"), (list, tuple)):
        return None
    n = len(d["labels"])
    rows = d["matrix"]
    if len(rows) != n or not all(isinstance(row, (list, tuple)) and len(row) == n and all(_is_number(v) for v in row) for row in rows):
        return None
    return {"labels": list(d["labels"]), "matrix": [list(row) for row in rows]}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


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
