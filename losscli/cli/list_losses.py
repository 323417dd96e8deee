"""``losscli list``: the registered losses.

On a terminal the table has one row per loss: name, aliases, family, inputs, parameters,
direction and reference. When that table is wider than the terminal, the list is compact
instead: one line per loss (name, direction, input roles, parameters; cut with ``…`` at the
terminal's edge) under a line per family; ``losscli describe NAME`` shows one loss in full and
``-f json`` everything.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer

from losscli.cli import _output
from losscli.cli._options import OutputFormat
from losscli.errors import UsageError

app = typer.Typer()
FORMATS = ("table", "json")
_out = _output.options(FORMATS, panel=None)

FULL_COLUMNS = ("name", "aliases", "family", "inputs", "params", "dir", "reference")


@app.command("list")
def list_command(
    ctx: typer.Context,
    pattern: Annotated[Optional[str], typer.Argument(help="Glob on names and aliases, e.g. '*hinge*'.", show_default=False)] = None,
    family: Annotated[Optional[str], typer.Option("--family", help="Only this family (regression, classification, ranking, segmentation, boxes, gan, sequence, classification_metrics, regression_metrics, ranking_metrics).")] = None,
    fmt: _out.format = OutputFormat.auto,
    output: _out.output = None,
) -> None:
    """List registered losses: name, aliases, family, inputs, parameters, direction, reference."""
    from losscli.losses import FAMILIES, list_losses, presets

    if family is not None and family not in FAMILIES:
        raise UsageError(f"Unknown family '{family}'. Expected one of: {', '.join(FAMILIES)}.")
    fmt_name = _output.choose_format(fmt, output, command="list", formats=FORMATS, standing=_output.from_env(ctx))
    rows = [entry(s) for s in list_losses(pattern, family)]
    preset_names = {"@" + k: list(v) for k, v in presets().items()}
    doc = {"losses": rows, "presets": preset_names}
    _output.emit(fmt_name, output, lambda _: json.dumps(doc, indent=2) + "\n", lambda console: print_listing(console, rows, sorted(preset_names)))


def entry(spec: Any) -> dict[str, Any]:
    """One loss as listed (the JSON entry)."""
    from losscli.losses import format_value

    return {
        "name": spec.name,
        "aliases": list(spec.aliases),
        "family": spec.family,
        "inputs": [f"{r.name}:{r.kind}" for r in spec.roles],
        "params": {p.name: format_value(p.default) for p in spec.params},
        "direction": spec.direction,
        "reference": spec.reference,
        "summary": spec.summary,
    }


def print_listing(console: Any, rows: list[dict[str, Any]], preset_names: list[str]) -> None:
    """The full table when it fits the terminal (no cell wraps), else the compact list."""
    from losscli.render.fit import natural_width

    caption = f"{len(rows)} losses. Presets: " + ", ".join(preset_names)
    table = full_table(rows, caption)
    if natural_width(console, table) <= console.width:
        console.print(table)
        return
    for line in compact_lines(rows):
        console.print(line, no_wrap=True, overflow="ellipsis", highlight=False, markup=False)
    console.print(caption + ". One loss in full: losscli describe NAME", style="table.caption", highlight=False, markup=False)


def full_table(rows: list[dict[str, Any]], caption: str) -> Any:
    from rich.table import Table

    t = Table(caption=caption, caption_justify="left")
    for col in FULL_COLUMNS:
        t.add_column(col, overflow="fold")
    for r in rows:
        params = ", ".join(f"{k}={v}" for k, v in r["params"].items())
        t.add_row(r["name"], ", ".join(r["aliases"]), r["family"], ", ".join(r["inputs"]), params, arrow(r), r["reference"])
    return t


_ROLES_WIDTH = 28  # the inputs column of the compact listing at most (ctc's four roles take 46)


def compact_lines(rows: list[dict[str, Any]]) -> list[str]:
    """A header, then one line per loss (name, direction, input roles, parameters) under a line
    naming its family.

    >>> rows = [{"name": "huber", "family": "regression", "direction": "lower", "inputs": ["pred:values", "target:values"], "params": {"delta": "1"}}]
    >>> print("\\n".join(compact_lines(rows)))
      name     inputs       params
    regression
      huber  ↓  pred target  delta=1
    """
    roles = [" ".join(i.partition(":")[0] for i in r["inputs"]) for r in rows]
    name_w = max((len(r["name"]) for r in rows), default=4)
    roles_w = min(max(map(len, roles), default=6), _ROLES_WIDTH)  # a longer list pushes only its own params
    lines, family = [f"  {'name':<{name_w}}     {'inputs':<{roles_w}}  params"], None
    for r, inputs in zip(rows, roles):
        if r["family"] != family:
            family = r["family"]
            lines.append(family)
        params = " ".join(f"{k}={v}" for k, v in r["params"].items())
        lines.append(f"  {r['name']:<{name_w}}  {arrow(r)}  {inputs:<{roles_w}}  {params}".rstrip())
    return lines


def arrow(row: dict[str, Any]) -> str:
    return "↓" if row["direction"] == "lower" else "↑"
