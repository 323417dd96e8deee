"""A ``Report`` as a rich ``Table`` (the CLI prints it)."""

from __future__ import annotations

from rich.table import Table

from losscli.render.json_report import STAT_FIELDS, arrow, fmt_number
from losscli.report import Report


def table(report: Report, precision: int = 6) -> Table:
    """One row per loss: label with its direction arrow, headline value and statistics."""
    used = report.rows_used
    caption = f"{used} rows" + (f" ({report.rows - used} dropped)" if used != report.rows else "")
    t = Table(caption=caption, caption_justify="left")
    t.add_column("loss", style="bold")
    for f in STAT_FIELDS:
        t.add_column(f, justify="right")
    for r in report.losses:
        t.add_row(f"{r.label} {arrow(r.direction)}", *(fmt_number(getattr(r, f), precision) for f in STAT_FIELDS))
    return t
