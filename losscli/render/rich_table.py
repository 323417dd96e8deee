"""A ``Report`` as a rich ``Table`` (the CLI prints it)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from losscli.render._format import ci_cell, config_note, inputs_line, value_header, with_arrow
from losscli.render.breakdown import ci_header, display_rows, group_cells, group_names, has_ci, stat_fields, value_cell
from losscli.render.escape import terminal
from losscli.render.fit import print_fitted
from losscli.report import Report


def table(report: Report, precision: int = 6) -> Table:
    """One row per loss: label with its direction arrow, headline value and statistics.

    The ``mean`` column is left out when it repeats ``value`` on every row (the JSON report
    always has it), and so are the per-sample statistics when no loss has per-sample values
    (every one is a metric such as f1: ``breakdown.stat_fields``). Numbers never wrap or truncate (``print_table`` splits a table wider than the
    terminal by columns). The caption
    counts the rows and says where pred and target were read (``json_report.inputs_line``).
    """
    used = report.rows_used
    caption = f"{used} rows" + (f" ({report.rows - used} dropped)" if used != report.rows else "")
    where = inputs_line(report.inputs, terminal)
    caption = Text(caption + (f"\n{where}" if where else ""), no_wrap=True, overflow="ignore")  # not markup: names come from the data
    fields = [f for f in stat_fields(report) if f != "mean" or any(r.mean != r.value for r in report.losses)]
    names, with_ci = group_names(report), has_ci(report)  # --group-by columns, a --ci column
    fields[1:1] = ["ci"] if with_ci else []
    t = Table(caption=caption, caption_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in names:
        t.add_column(Text(terminal(name)), no_wrap=True)
    t.add_column("loss", style="bold", no_wrap=True)
    for f in fields:
        t.add_column(ci_header(report) if f == "ci" else value_header(report.config) if f == "value" else f, justify="right", no_wrap=True)
    for key, first, label, direction, values in display_rows(report):
        if names and first and key is not None:
            t.add_section()
        cells = [ci_cell(values.get("ci"), precision) if f == "ci" else value_cell(values, f, precision) for f in fields]
        t.add_row(*(Text(terminal(c)) for c in group_cells(key, names, first)), Text(with_arrow(label, direction, terminal)), *cells)
    return t


def print_config_note(console: Console, report: Report) -> None:
    """Under the table: the settings that came from a config file (nothing without one)."""
    note = config_note(report.config)
    if note:
        console.print(terminal(note), markup=False, highlight=False, overflow="fold")


def print_table(console: Console, t: Table) -> None:
    """Print ``t`` within the terminal's width, numbers never cut (``losscli.render.fit``)."""
    print_fitted(console, t)
