"""A ``Report`` as text: JSON, JSON lines, CSV, Markdown, bare scores (stdlib only)."""

from __future__ import annotations

import csv
import io
import json
import math

from losscli.report import Report

STAT_FIELDS = ("value", "n", "mean", "std", "se", "min", "max")


def to_json(report: Report) -> str:
    return report.to_json() + "\n"


def to_jsonl(report: Report) -> str:
    """One JSON object per loss."""
    return "".join(json.dumps(entry, allow_nan=False) + "\n" for entry in report.to_dict()["losses"])


def to_csv(report: Report, precision: int | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["loss", "direction", *STAT_FIELDS, "sum"])
    for r in report.losses:
        writer.writerow([r.label, r.direction, *(fmt_number(getattr(r, f), precision) for f in STAT_FIELDS), fmt_number(r.sum, precision)])
    return buf.getvalue()


def to_markdown(report: Report, precision: int | None = 6) -> str:
    head = "| loss | value | n | mean | std | se | min | max |"
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|"
    rows = [
        "| "
        + " | ".join([f"`{r.label}` {arrow(r.direction)}", *(fmt_number(getattr(r, f), precision) for f in STAT_FIELDS)])
        + " |"
        for r in report.losses
    ]
    return "\n".join([head, rule, *rows]) + "\n"


def score_only(report: Report) -> str:
    """Bare headline values, one per line (full precision)."""
    return "".join(fmt_number(r.value, None) + "\n" for r in report.losses)


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
