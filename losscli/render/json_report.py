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


def rows(report: Report) -> list[tuple[str, str, dict[str, float | int | None]]]:
    """(label, direction, field values) per displayed row: each loss, and under a combination
    one ``↳ a × term`` row per term whose value is its contribution ``a · value`` (the rows
    add up to the total; the term's own statistics are in the JSON report)."""
    out = []
    for r in report.losses:
        out.append((r.label, r.direction, {f: getattr(r, f) for f in (*STAT_FIELDS, "sum")}))
        for coef, t in r.terms:
            contribution = None if t.value is None else coef * t.value
            out.append((f"↳ {fmt_number(coef, None).removesuffix('.0')} × {t.label}", t.direction, {"value": contribution}))
    return out


def to_csv(report: Report, precision: int | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["loss", "direction", *STAT_FIELDS, "sum"])
    for label, direction, values in rows(report):
        writer.writerow([label, direction, *(fmt_number(values.get(f), precision) for f in (*STAT_FIELDS, "sum"))])
    return buf.getvalue()


def to_markdown(report: Report, precision: int | None = 6) -> str:
    head = "| loss | value | n | mean | std | se | min | max |"
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|"
    lines = [
        "| "
        + " | ".join([f"`{label}` {arrow(direction)}", *(fmt_number(values.get(f), precision) for f in STAT_FIELDS)])
        + " |"
        for label, direction, values in rows(report)
    ]
    return "\n".join([head, rule, *lines]) + "\n"


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
