"""``losscli compare -y TARGET BASE CAND... -l SPEC``: rank prediction files on one target.

Per loss and system: value and bootstrap CI; for each candidate the delta vs BASE with its CI,
the paired bootstrap p-value, Holm's adjustment over the candidates and win/tie/loss counts
over samples (``losscli.comparison``). Table, JSON (schema ``losscli.compare/1``) or Markdown.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from losscli._atomic import atomic_write, check_distinct
from losscli.cli import _stats_options as so
from losscli.cli._complete import complete_loss
from losscli.cli._options import HASH_HELP, HEADER_HELP, NO_HASH_HELP, Align, HashAlgorithm, OutputFormat, Reduction, hash_setting, print_notes
from losscli.errors import UsageError
from losscli.render.escape import json_text

app = typer.Typer()

INPUT, OUTPUT = "Input", "Output"

EXAMPLES = """
Examples:

  losscli compare -y y.npy base.npy cand_a.npy cand_b.npy -l mse -l mae

  losscli compare -y labels.csv --target-col label old.csv new.csv -p 'logit_*' -l ce -f md
"""

FORMATS = {"table", "json", "md"}
SUFFIXES = {".json": "json", ".md": "md", ".txt": "table"}


@app.command("compare", epilog=EXAMPLES)
def compare_command(
    systems: Annotated[list[str], typer.Argument(metavar="BASE CAND...", help="Prediction files: the base, then one or more candidates (formats as for eval).", show_default=False)],
    target: Annotated[str, typer.Option("-y", "--target", metavar="TARGET", help="The target file every system is scored against.", rich_help_panel=INPUT, show_default=False)],
    loss: Annotated[list[str], typer.Option("-l", "--loss", help="Loss spec NAME[:k=v,...] or @preset; repeatable.", show_default=False, autocompletion=complete_loss)] = [],  # noqa: B006
    pred_col: Annotated[Optional[str], typer.Option("-p", "--pred-col", help="Prediction column(s) of each system's table.", rich_help_panel=INPUT)] = None,
    target_col: Annotated[Optional[str], typer.Option("--target-col", help="Target column(s) of the TARGET table.", rich_help_panel=INPUT)] = None,
    weight_col: Annotated[Optional[str], typer.Option("-w", "--weight-col", help="Sample-weight column (of a table input).", rich_help_panel=INPUT)] = None,
    pred_key: Annotated[Optional[str], typer.Option("--pred-key", help="Array of NPZ systems.", rich_help_panel=INPUT)] = None,
    target_key: Annotated[Optional[str], typer.Option("--target-key", help="Array of an NPZ TARGET.", rich_help_panel=INPUT)] = None,
    header: Annotated[Optional[bool], typer.Option("--header/--no-header", help=HEADER_HELP, rich_help_panel=INPUT, show_default=False)] = None,
    delimiter: Annotated[Optional[str], typer.Option("-d", "--delimiter", help="Field delimiter (default by suffix).", rich_help_panel=INPUT)] = None,
    hash_algorithm: Annotated[Optional[HashAlgorithm], typer.Option("--hash", help=HASH_HELP, rich_help_panel=INPUT, show_default=False)] = None,
    no_hash: Annotated[bool, typer.Option("--no-hash", help=NO_HASH_HELP, rich_help_panel=INPUT)] = False,
    align: Annotated[Align, typer.Option("--align", help="position: pair each system's rows with TARGET's in order (their ids, if both have an id column, must agree); join: pair them by id (every id once in each file), rows in BASE's order.", rich_help_panel=INPUT)] = Align.position,
    reduction: Annotated[Reduction, typer.Option("--reduction", help="Headline value: mean or sum.")] = Reduction.mean,
    ci_level: so.CILevel = 0.95,
    n_boot: so.NBoot = 1000,
    seed: so.Seed = 0,
    fmt: Annotated[OutputFormat, typer.Option("-f", "--format", envvar="LOSSCLI_FORMAT", help="auto (a table on a terminal, JSON otherwise), table, json or md.", rich_help_panel=OUTPUT)] = OutputFormat.auto,
    output: Annotated[Optional[str], typer.Option("-o", "--output", help="Write the output to FILE (format from its suffix unless -f).", rich_help_panel=OUTPUT)] = None,
    precision: Annotated[int, typer.Option("--precision", min=1, max=17, help="Significant digits in table and md output.", rich_help_panel=OUTPUT)] = 6,
) -> None:
    """Compare prediction files on one target: value, CI, delta vs BASE, paired p-value (Holm), win/tie/loss."""
    from losscli import readers
    from losscli.comparison import compare
    from losscli.readers import pairing
    from losscli.engine import AnalysisOptions, resolve_losses

    check_distinct([("-o", output)], [*systems, target])
    fmt_name = _format(fmt, output)
    hashing = hash_setting(hash_algorithm, no_hash)
    if len(systems) < 2:
        raise UsageError("compare needs a BASE and at least one candidate prediction file.")
    if len(set(systems)) != len(systems):
        raise UsageError("A prediction file is given twice; each system must be a different file.")
    if not loss:
        raise UsageError("No loss requested. Pass -l SPEC (e.g. -l mse); see 'losscli list'.")
    if reduction is Reduction.none:
        raise UsageError("compare ranks headline values; --reduction none has none (use mean or sum).")
    AnalysisOptions("bootstrap", ci_level, n_boot, seed)  # flag values checked before any file is read
    losses = resolve_losses(loss)
    roles = [[r.name for r in part.spec.roles] for b in losses for part in b.parts]
    loaded = []
    for path in systems:
        loaded.append(
            readers.load_inputs(
                path, target, roles=roles, pred_col=pred_col, target_col=target_col, weight_col=weight_col,
                pred_key=pred_key, target_key=target_key, header=header, delimiter=delimiter, hash_inputs=hashing,
                align=align.value,
            )
        )
        pairing.check_block(dict(loaded[-1].pairs), 0)  # in memory: the ids of the system and TARGET agree row by row
        if align is Align.join and len(loaded) > 1:  # every system's rows in BASE's order: samples paired across systems
            pairing.reorder(loaded[-1], loaded[0].ids)
        print_notes([n for n in loaded[-1].notes if len(loaded) == 1 or n not in loaded[0].notes])  # TARGET's once
    inputs = {
        "target": loaded[0].info.get("target", {"path": target}),
        "systems": [{"name": name, **ld.info.get("pred", {"path": name})} for name, ld in zip(systems, loaded)],
    }
    report = compare(
        [(name, ld.arrays, ld.weights) for name, ld in zip(systems, loaded)],
        losses,
        reduction=reduction.value,
        ci_level=ci_level,
        n_boot=n_boot,
        seed=seed,
        inputs=inputs,
        sources=[ld.sources for ld in loaded],
    )
    from losscli.cli._extras import warn

    warn(report["warnings"])
    _emit(report, fmt_name, output, precision)


def _format(fmt: OutputFormat, output: str | None) -> str:
    if fmt is not OutputFormat.auto:
        if fmt.value not in FORMATS:
            raise UsageError(f"compare writes table, json or md, not {fmt.value}.")
        return fmt.value
    if output is not None:
        suffix = os.path.splitext(output)[1].lower()
        if suffix not in SUFFIXES:
            raise UsageError(f"Cannot tell the format of -o {output} from its suffix ({', '.join(SUFFIXES)}); pass -f.")
        return SUFFIXES[suffix]
    return "table" if sys.stdout.isatty() else "json"


def _emit(report: dict, fmt_name: str, output: str | None, precision: int) -> None:
    import json

    from losscli.render import compare as render

    if fmt_name == "table":
        from rich.console import Console

        from losscli.render.rich_table import print_table

        def show(console: Console) -> None:
            for i, t in enumerate(render.tables(report, precision)):
                if i:
                    console.print()
                print_table(console, t)

        if output is None:
            show(Console())
        else:
            with atomic_write(output) as fh:
                show(Console(file=fh, width=160, no_color=True, force_terminal=False))
        return
    text = json_text(json.dumps(report, indent=2, allow_nan=False)) + "\n" if fmt_name == "json" else render.markdown(report, precision)
    if output is None:
        sys.stdout.write(text)
    else:
        with atomic_write(output) as fh:
            fh.write(text)
