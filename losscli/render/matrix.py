"""A metric's matrix (``confusion``: ``details`` ``{"labels": [...], "matrix": [[...]]}``, rows
the true class, columns the predicted one) under the results: a rich table or a Markdown table.

One matrix per result that has one: the overall results first, then each ``--group-by``
group's (its key in the title). The class labels are data (``--classes`` names can be anything):
they go through ``escape.terminal`` / ``escape.md`` like every other data text. A matrix of more
than ``MAX_CLASSES`` classes is not drawn (a line says where it is: the JSON report); a drawn one
wider than the terminal is split by columns (``render.fit``), each part repeating the true class.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from losscli.render._format import fmt_number
from losscli.render.breakdown import MISSING, matrix_of
from losscli.render.escape import code, md, terminal
from losscli.report import Report

MAX_CLASSES = 30  # classes of a drawn matrix; a larger one is in the JSON report only
CORNER = "true \\ pred"
TOO_LARGE = "{n} classes: the matrix is in the JSON report (-f json or --report FILE)"


def matrices(report: Report) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
    """``(label, group text or None, matrix details)`` of every result with a matrix, its class
    indices shown by their ``--classes`` names (``named``)."""
    for r in report.losses:
        m = matrix_of(r)
        if m is not None:
            yield r.label, None, named(m, report.config)
    for g in report.groups:
        for r in g.losses:
            m = matrix_of(r)
            if m is not None:
                yield r.label, ", ".join(f"{k}={MISSING if v is None else v}" for k, v in g.key.items()), named(m, report.config)


def named(m: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """``m`` with its labels shown as the ``--classes`` names they stand for (the report's
    ``config.classes``: class ``i`` is the i-th name) when every label is such an index;
    else as they are.

    >>> named({"labels": [0, 1], "matrix": [[1, 0], [0, 1]]}, {"classes": ["cat", "dog"]})["labels"]
    ['cat', 'dog']
    """
    classes = config.get("classes")
    if not isinstance(classes, (list, tuple)) or not all(isinstance(c, str) for c in classes):
        return m
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(classes) for i in m["labels"]):
        return m
    return {**m, "labels": [classes[i] for i in m["labels"]]}


def rich_matrix(label: str, group: str | None, m: Mapping[str, Any], precision: int = 6) -> Any:
    """The matrix as a rich ``Table`` titled ``confusion (rows: true class, columns: predicted)``;
    a ``Text`` line instead when it has more than ``MAX_CLASSES`` classes."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    title = Text(f"{terminal(label)}{_group(group, terminal)}: rows true class, columns predicted", no_wrap=False)
    if len(m["labels"]) > MAX_CLASSES:
        return Text(f"{title.plain}: {TOO_LARGE.format(n=len(m['labels']))}")
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    t.add_column(CORNER, no_wrap=True)
    for name in m["labels"]:
        t.add_column(Text(terminal(name)), justify="right", no_wrap=True)
    for name, row in zip(m["labels"], m["matrix"]):
        t.add_row(Text(terminal(name)), *(fmt_number(v, precision) for v in row))
    return t


def markdown_matrix(label: str, group: str | None, m: Mapping[str, Any], precision: int | None = 6) -> str:
    """The matrix as a Markdown table under a bold title line (the labels escaped by ``escape.md``)."""
    head = f"**{code(label, table=False)}{_group(group, md)}**: rows true class, columns predicted"
    if len(m["labels"]) > MAX_CLASSES:
        return f"{head}: {TOO_LARGE.format(n=len(m['labels']))}\n"
    lines = [head, "", "| " + " | ".join([md(CORNER), *map(md, m["labels"])]) + " |", "|---|" + "---:|" * len(m["labels"])]
    lines += ["| " + " | ".join([md(name), *(fmt_number(v, precision) for v in row)]) + " |" for name, row in zip(m["labels"], m["matrix"])]
    return "\n".join(lines) + "\n"


def markdown_matrices(report: Report, precision: int | None = 6, overall: bool = True, groups: bool = True) -> str:
    """The matrices of ``report``: the overall results' and the groups' ('' when none)."""
    parts = [markdown_matrix(label, group, m, precision) for label, group, m in matrices(report) if (groups if group else overall)]
    return "\n".join(parts)


def print_matrices(console: Any, report: Report, precision: int, print_table: Any) -> None:
    """Every matrix of ``report`` under the table, within the terminal's width (``print_table``)."""
    from rich.table import Table

    for label, group, m in matrices(report):
        console.print()
        shown = rich_matrix(label, group, m, precision)
        if isinstance(shown, Table):
            print_table(console, shown)
        else:
            console.print(shown, overflow="fold")


def _group(group: str | None, escape: Any) -> str:
    return "" if group is None else f" ({escape(group)})"

