"""A ``Report`` as text: JSON, JSON lines, CSV, Markdown, bare scores (stdlib only)."""

from __future__ import annotations

import csv
import io
import json

from losscli.render._format import ci_columns, config_note, fmt_number, inputs_line, md_note
from losscli.render.breakdown import STAT_FIELDS, display_rows, group_names, has_ci, worst_markdown
from losscli.render.escape import code, csv_cell, json_text
from losscli.render.markdown import gates_markdown, losses_table, warnings_markdown
from losscli.render.matrix import markdown_matrices
from losscli.report import CompareReport, Report


def to_json(report: Report | CompareReport) -> str:
    """The JSON report (``to_json()`` of either result), with no workflow command in it."""
    return json_text(report.to_json()) + "\n"


def to_jsonl(report: Report) -> str:
    """One JSON object per loss."""
    return "".join(json_text(json.dumps(entry, allow_nan=False)) + "\n" for entry in report.to_dict()["losses"])


def to_csv(report: Report, precision: int | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names, with_ci = group_names(report), has_ci(report)  # --group-by columns, --ci columns
    writer.writerow([*map(csv_cell, names), "loss", "direction", *STAT_FIELDS, "sum", *(["ci_low", "ci_high"] if with_ci else [])])
    for key, _, label, direction, values in display_rows(report):
        groups = ["" if key is None else csv_cell(key[n]) for n in names]
        ci = ci_columns(values.get("ci"), precision) if with_ci else []
        writer.writerow([*groups, csv_cell(label), direction, *(fmt_number(values.get(f), precision) for f in (*STAT_FIELDS, "sum")), *ci])
    return buf.getvalue()


def to_markdown(report: Report, precision: int | None = 6) -> str:
    """The losses table (with groups), then where the inputs were read, the metrics' matrices
    (confusion), the worst samples, the warnings, the gates and the config note."""
    worst = worst_markdown(report, precision)
    where = inputs_line(report.inputs, lambda text: code(text, table=False))
    note = config_note(report.config)
    text = losses_table(report, precision) + (f"\n{where}\n" if where else "")
    matrices = markdown_matrices(report, precision)
    text += "\n" + matrices if matrices else ""
    warned = warnings_markdown(report.warnings)
    tail = _gates_markdown(report, precision) + (f"\n{md_note(note)}\n" if note else "")
    return text + ("\n" + worst if worst else "") + ("\n" + warned if warned else "") + tail


def _gates_markdown(report: Report, precision: int | None) -> str:
    """The gates table under the losses (``markdown.gates_markdown``), when there are gates."""
    if not report.gates:
        return ""
    return "\n" + gates_markdown(report.gates, precision, report.config.get("gate_mode", "fail"))


def score_only(report: Report) -> str:
    """Bare headline values, one per line (full precision)."""
    return "".join(fmt_number(r.value, None) + "\n" for r in report.losses)
