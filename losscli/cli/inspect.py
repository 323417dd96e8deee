"""``losscli inspect FILE...``: shapes, dtypes, columns, NaN/inf counts, value ranges and
guessed roles of input files, read exactly as ``eval`` reads them (``readers.probe``).

Exit 0 when every file is usable; 3 when a file cannot be read (one ``Error:`` line, nothing on
stdout, as in ``eval``) or is unusable: no numeric data, no rows, files whose row counts
differ, or an integer too large for a float64 in a column. An unusable file still gets its description on stdout (that is what you need to fix
it) and then one ``Error:`` line on stderr.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, Optional

import typer

from losscli._atomic import check_distinct
from losscli.cli import _output
from losscli.cli._options import HEADER_HELP, OutputFormat, print_notes, stdin_path
from losscli.errors import InputError
from losscli.render.escape import json_text, terminal

app = typer.Typer()
FORMATS = ("table", "json")
_out = _output.options(FORMATS, panel=None)

EXAMPLES = """
Examples:

  losscli inspect sample_data/diabetes.csv

  losscli inspect sample_data/digits_logits.npy sample_data/digits_labels.npy -f json
"""


@app.command("inspect", epilog=EXAMPLES)
def inspect_command(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Input files as for eval (PATH[:FORMAT], FILE.npz[:KEY], globs, - for stdin).", show_default=False)],
    fmt: _out.format = OutputFormat.auto,
    output: _out.output = None,
    header: Annotated[Optional[bool], typer.Option("--header/--no-header", help=HEADER_HELP, show_default=False)] = None,
    delimiter: Annotated[str | None, typer.Option("-d", "--delimiter", help="Field delimiter (default by suffix).")] = None,
) -> None:
    """Describe input files: shapes, dtypes, columns, NaN/inf counts, ranges, guessed roles."""
    from losscli.readers.probe import probe

    paths = [stdin_path(f) for f in files]
    check_distinct([("-o", output)], paths)
    fmt_name = _output.choose_format(fmt, output, command="inspect", formats=FORMATS, standing=_output.from_env(ctx))
    found = [probe(p, header=header, delimiter=delimiter) for p in paths]
    print_notes([n for f in found for n in f.pop("notes", [])])
    problems = [p for f in found for p in f["problems"]]
    problems += _row_mismatch(found)
    doc = {"schema": "losscli.inspect/1", "files": found, "problems": problems}
    _output.emit(fmt_name, output, lambda _: json_text(json.dumps(doc, indent=2, allow_nan=False)) + "\n", lambda console: _print_tables(console, found))
    if problems:
        more = f" ({len(problems) - 1} more problem{'s' if len(problems) > 2 else ''} in the output)" if len(problems) > 1 else ""
        sys.stdout.flush()
        raise InputError(f"{problems[0]}{more}")


def _rows(f: dict[str, Any]) -> int | None:
    if "rows" in f:
        return f["rows"]
    rows = {a["rows"] for a in f.get("arrays", [])}
    return rows.pop() if len(rows) == 1 else None


def _row_mismatch(found: list[dict[str, Any]]) -> list[str]:
    counted = [(f["path"], _rows(f)) for f in found if _rows(f) is not None]
    if len({r for _, r in counted}) <= 1:
        return []
    desc = ", ".join(f"{p} has {r}" for p, r in counted)
    return [f"The files have different numbers of rows: {desc}."]


def _print_tables(console: Any, found: list[dict[str, Any]]) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from losscli.render._format import fmt_number
    from losscli.render.rich_table import print_table

    for i, f in enumerate(found):
        if i:
            console.print()
        head = Text(terminal(f["path"]), style="bold")
        head.append(f"  {f['format']}")
        if "columns" in f:
            head.append(f", {f['rows']} rows × {len(f['columns'])} columns")
        console.print(head, highlight=False)
        if "columns" in f:
            t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
            for c, right in (("column", False), ("dtype", False), ("nan", True), ("inf", True), ("min", True), ("max", True), ("role", False)):
                t.add_column(c, justify="right" if right else "left", no_wrap=True)
            for c in f["columns"]:
                if c["numeric"]:
                    t.add_row(Text(terminal(c["name"])), c["dtype"], str(c["nan"]), str(c["inf"]), fmt_number(c["min"], 6), fmt_number(c["max"], 6), c["role"] or "")
                else:
                    t.add_row(Text(terminal(c["name"])), c["dtype"] + " (text)", "", "", "", "", c["role"] or "")
            print_table(console, t)
            console.print(Text(f"guessed roles: {terminal(f['guess'])}"), highlight=False, overflow="fold")
        else:
            arrays = f.get("arrays") or [dict(f, key=f.get("key"))]
            t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
            for c, right in (("array", False), ("shape", False), ("dtype", False), ("nan", True), ("inf", True), ("min", True), ("max", True), ("guess", False)):
                t.add_column(c, justify="right" if right else "left", no_wrap=True)
            for a in arrays:
                shape = "(" + ", ".join(str(d) for d in a["shape"]) + ("," if len(a["shape"]) == 1 else "") + ")"
                t.add_row(Text(terminal(a.get("key") or "")), shape, a["dtype"], str(a["nan"]), str(a["inf"]), fmt_number(a["min"], 6), fmt_number(a["max"], 6), a["kind"])
            print_table(console, t)
        for p in f["problems"]:
            console.print(Text(f"problem: {terminal(p)}"), style="red", highlight=False)
