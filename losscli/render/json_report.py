"""A ``Report`` as text: JSON, JSON lines, CSV, Markdown, bare scores (stdlib only)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from losscli.render.escape import code, csv_cell, json_text, md
from losscli.report import Report

STAT_FIELDS = ("value", "n", "mean", "std", "se", "min", "max")


def to_json(report: Report) -> str:
    return json_text(report.to_json()) + "\n"


def to_jsonl(report: Report) -> str:
    """One JSON object per loss."""
    return "".join(json_text(json.dumps(entry, allow_nan=False)) + "\n" for entry in report.to_dict()["losses"])


def rows(report: Report) -> list[tuple[str, str, dict[str, float | int | None]]]:
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


def to_csv(report: Report, precision: int | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    from losscli.render.breakdown import ci_columns, display_rows, group_names, has_ci

    names, with_ci = group_names(report), has_ci(report)  # --group-by columns, --ci columns
    writer.writerow([*map(csv_cell, names), "loss", "direction", *STAT_FIELDS, "sum", *(["ci_low", "ci_high"] if with_ci else [])])
    for key, _, label, direction, values in display_rows(report):
        groups = ["" if key is None else csv_cell(key[n]) for n in names]
        ci = ci_columns(values.get("ci"), precision) if with_ci else []
        writer.writerow([*groups, csv_cell(label), direction, *(fmt_number(values.get(f), precision) for f in (*STAT_FIELDS, "sum")), *ci])
    return buf.getvalue()


def to_markdown(report: Report, precision: int | None = 6) -> str:
    from losscli.render.breakdown import ci_cell, ci_header, display_rows, group_cells, group_names, has_ci, worst_markdown

    names, with_ci = group_names(report), has_ci(report)  # --group-by columns, a --ci column
    fields = ["value", *(["ci"] if with_ci else []), *STAT_FIELDS[1:]]
    head = "| " + " | ".join([*map(md, names), "loss", *(ci_header(report) if f == "ci" else f for f in fields)]) + " |"
    rule = "|" + "---|" * (len(names) + 1) + "---:|" * len(fields)
    lines = [
        "| "
        + " | ".join(
            [*map(md, group_cells(key, names, first)), f"{code(label)} {arrow(direction)}"]
            + [ci_cell(values.get("ci"), precision) if f == "ci" else fmt_number(values.get(f), precision) for f in fields]
        )
        + " |"
        for key, first, label, direction, values in display_rows(report)
    ]
    from losscli.render.markdown import warnings_markdown

    worst = worst_markdown(report, precision)
    where = inputs_line(report.inputs, lambda text: code(text, table=False))
    note = config_note(report.config)
    text = "\n".join([head, rule, *lines]) + "\n" + (f"\n{where}\n" if where else "")
    warned = warnings_markdown(report.warnings)
    tail = _gates_markdown(report, precision) + (f"\n{md_note(note)}\n" if note else "")
    return text + ("\n" + worst if worst else "") + ("\n" + warned if warned else "") + tail


def md_note(note: str) -> str:
    """The config note as one Markdown paragraph (no markup from the file name)."""
    return "_" + md(note) + "_"


def _gates_markdown(report: Report, precision: int | None) -> str:
    """The gates table under the losses (render/markdown.py), when there are gates."""
    if not report.gates:
        return ""
    from losscli.render.markdown import gates_markdown

    return "\n" + gates_markdown(report.gates, precision, report.config.get("gate_mode", "fail"))


def inputs_line(inputs: dict, escape: Callable[[object], str]) -> str:
    """Where pred and target (and -w weights) were read, as ``pred: FILE:COLUMNS  target: FILE:COLUMNS`` (an
    array: ``FILE`` or ``FILE.npz:KEY``; many columns: ``first..last (N columns)``); file, key
    and column names come from the data: each role's ``FILE:COLUMNS`` goes through ``escape``
    (``losscli.render.escape``) as one piece.

    >>> inputs_line({"pred": {"path": "p.csv", "columns": ["score"]}, "target": {"path": "y.npy"}}, str)
    'pred: p.csv:score  target: y.npy'
    """
    parts = []
    for role in ("pred", "target", "weight"):
        info = inputs.get(role)
        if not isinstance(info, dict) or "path" not in info:
            continue
        where = str(info["path"]) + (f":{info['key']}" if info.get("key") else "")
        names = [str(n) for n in info.get("columns") or []]
        shown = ",".join(names) if len(names) <= 4 else f"{names[0]}..{names[-1]} ({len(names)} columns)"
        parts.append(f"{role}: " + escape(where + (f":{shown}" if names else "")))
    return "  ".join(parts)


def score_only(report: Report) -> str:
    """Bare headline values, one per line (full precision)."""
    return "".join(fmt_number(r.value, None) + "\n" for r in report.losses)


def config_note(config: Mapping[str, Any]) -> str | None:
    """``settings from pyproject.toml: fail_if, gate_mode`` when a config file set any value
    (in CI the working tree's config is written by the pull request: it must be visible)."""
    keys = config.get("config_keys") or []
    if not keys:
        return None
    return f"settings from {config.get('config_file')}: {', '.join(map(str, keys))}"


def arrow(direction: str) -> str:
    return "↓" if direction == "lower" else "↑"


def fmt_number(v: float | int | None, precision: int | None) -> str:
    """``repr`` precision by default, ``precision`` significant digits when given; '' for None."""
    if v is None:
        return ""
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return repr(v) if precision is None else f"{v:.{precision}g}"
