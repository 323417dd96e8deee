"""``losscli list``: the registered losses."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer

from losscli.cli._options import ListFormat
from losscli.errors import UsageError

app = typer.Typer()


@app.command("list")
def list_command(
    pattern: Annotated[Optional[str], typer.Argument(help="Glob on names and aliases, e.g. '*hinge*'.", show_default=False)] = None,
    family: Annotated[Optional[str], typer.Option("--family", help="Only this family (regression, classification, ranking, segmentation, boxes, gan).")] = None,
    fmt: Annotated[Optional[ListFormat], typer.Option("-f", "--format", help="table (default on a terminal) or json.")] = None,
) -> None:
    """List registered losses: name, aliases, family, inputs, parameters, direction, reference."""
    from losscli.losses import FAMILIES, format_value, list_losses, presets

    if family is not None and family not in FAMILIES:
        raise UsageError(f"Unknown family '{family}'. Expected one of: {', '.join(FAMILIES)}.")
    specs = list_losses(pattern, family)
    rows = [
        {
            "name": s.name,
            "aliases": list(s.aliases),
            "family": s.family,
            "inputs": [f"{r.name}:{r.kind}" for r in s.roles],
            "params": {p.name: format_value(p.default) for p in s.params},
            "direction": s.direction,
            "reference": s.reference,
            "summary": s.summary,
        }
        for s in specs
    ]
    use_json = fmt is ListFormat.json or (fmt is None and not sys.stdout.isatty())
    if use_json:
        sys.stdout.write(json.dumps({"losses": rows, "presets": {"@" + k: list(v) for k, v in presets().items()}}, indent=2) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(caption=f"{len(rows)} losses. Presets: " + ", ".join("@" + k for k in sorted(presets())), caption_justify="left")
    for col in ("name", "aliases", "family", "inputs", "params", "dir", "reference"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(
            r["name"],
            ", ".join(r["aliases"]),
            r["family"],
            ", ".join(r["inputs"]),
            ", ".join(f"{k}={v}" for k, v in r["params"].items()),
            "↓" if r["direction"] == "lower" else "↑",
            r["reference"],
        )
    Console().print(t)
