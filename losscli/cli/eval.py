"""``losscli eval``: read, evaluate, render."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Annotated, Optional

import typer

from losscli._atomic import atomic_write
from losscli.cli._options import SUFFIX_FORMATS, NanPolicy, OutputFormat, Reduction, stdin_path
from losscli.errors import UsageError

app = typer.Typer()

INPUT, LOSSES, OUTPUT, STATS = "Input", "Losses", "Output", "Statistics"

EXAMPLES = """
Examples:

  losscli eval sample_data/diabetes.csv -l mse -l huber:delta=0.5

  losscli eval sample_data/diabetes_pred.npy sample_data/diabetes_target.npy -l @regression -b

  losscli eval sample_data/diabetes_named.csv -p y_hat -y disease_progression --id-col patient_id -l mae --per-sample out.csv
"""


@app.command("eval", epilog=EXAMPLES)
def eval_command(
    ctx: typer.Context,
    pred: Annotated[Optional[str], typer.Argument(help="Predictions: a file (csv, tsv, txt, npy, npz, parquet, jsonl; optionally .gz/.bz2/.xz), a glob, or - for stdin; PATH:FORMAT overrides the suffix.", rich_help_panel=INPUT, show_default=False)] = None,
    target: Annotated[Optional[str], typer.Argument(help="Targets, as PRED. Without it, PRED is one table holding both.", rich_help_panel=INPUT, show_default=False)] = None,
    loss: Annotated[list[str], typer.Option("-l", "--loss", help="Loss spec NAME[:k=v,...] or @preset; repeatable (see 'losscli list').", rich_help_panel=LOSSES, show_default=False)] = [],  # noqa: B006
    role_inputs: Annotated[list[str], typer.Option("--input", help="ROLE=PATH[:SEL]: fill a loss input (e.g. anchor, var, z_j) from a file or its columns; repeatable.", rich_help_panel=INPUT, show_default=False)] = [],  # noqa: B006
    role_cols: Annotated[list[str], typer.Option("--col", help="ROLE=SEL: fill a loss input from columns of the PRED table; repeatable.", rich_help_panel=INPUT, show_default=False)] = [],  # noqa: B006
    pred_col: Annotated[Optional[str], typer.Option("-p", "--pred-col", help="Prediction column(s): name, 1-based index, range a-b, glob or comma list.", rich_help_panel=INPUT)] = None,
    target_col: Annotated[Optional[str], typer.Option("-y", "--target-col", help="Target column(s), as -p.", rich_help_panel=INPUT)] = None,
    weight_col: Annotated[Optional[str], typer.Option("-w", "--weight-col", help="Sample-weight column (finite, >= 0).", rich_help_panel=INPUT)] = None,
    id_col: Annotated[Optional[str], typer.Option("--id-col", help="Id column, copied into --per-sample output.", rich_help_panel=INPUT)] = None,
    pred_key: Annotated[Optional[str], typer.Option("--pred-key", help="Array of an NPZ PRED (or PRED.npz:KEY).", rich_help_panel=INPUT)] = None,
    target_key: Annotated[Optional[str], typer.Option("--target-key", help="Array of an NPZ TARGET.", rich_help_panel=INPUT)] = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="Tables have no header row; columns are 1-based indices.", rich_help_panel=INPUT)] = False,
    delimiter: Annotated[Optional[str], typer.Option("-d", "--delimiter", help="Field delimiter (default by suffix).", rich_help_panel=INPUT)] = None,
    no_hash: Annotated[bool, typer.Option("--no-hash", help="Skip the sha256 of inputs in the report.", rich_help_panel=INPUT)] = False,
    reduction: Annotated[Reduction, typer.Option("--reduction", help="Headline value: mean, sum, or none (per-sample only).", rich_help_panel=LOSSES)] = Reduction.mean,
    nan_policy: Annotated[NanPolicy, typer.Option("--nan-policy", help="Rows with NaN/inf: error, omit (dropped and counted) or propagate.", rich_help_panel=STATS)] = NanPolicy.error,
    fmt: Annotated[OutputFormat, typer.Option("-f", "--format", envvar="LOSSCLI_FORMAT", help="auto = a table on a terminal, JSON otherwise.", rich_help_panel=OUTPUT)] = OutputFormat.auto,
    output: Annotated[Optional[str], typer.Option("-o", "--output", help="Write the output to FILE (format from its suffix unless -f).", rich_help_panel=OUTPUT)] = None,
    report_path: Annotated[Optional[str], typer.Option("--report", help="Also write the JSON report to FILE.", rich_help_panel=OUTPUT)] = None,
    score_only: Annotated[bool, typer.Option("-b", "--score-only", help="Print bare headline values, one per line.", rich_help_panel=OUTPUT)] = False,
    per_sample_path: Annotated[Optional[str], typer.Option("--per-sample", help="Write per-sample losses (csv, tsv, jsonl, npy) in input order.", rich_help_panel=OUTPUT)] = None,
    precision: Annotated[int, typer.Option("--precision", min=1, max=17, help="Significant digits in table, csv and md output (JSON is always exact).", rich_help_panel=OUTPUT)] = 6,
) -> None:
    """Compute losses of predictions against targets."""
    from losscli import readers
    from losscli.engine import Accumulator, resolve_losses
    from losscli.render import json_report, per_sample

    start = time.perf_counter()
    pred, target = stdin_path(pred), stdin_path(target)
    fmt_source = ctx.get_parameter_source("fmt")
    fmt_name = _output_format(fmt, output, score_only, reduction, from_env=fmt_source is not None and fmt_source.name == "ENVIRONMENT")
    if per_sample_path is not None:
        per_sample.check_path(per_sample_path)
    if not loss:
        raise UsageError("No loss requested. Pass -l SPEC (e.g. -l mse); see 'losscli list'.")
    losses = resolve_losses(loss)
    loaded = readers.load_inputs(
        pred,
        target,
        roles=[[r.name for r in part.spec.roles] for b in losses for part in b.parts],
        inputs=_role_map(role_inputs, "--input", "ROLE=PATH[:SEL]", losses),
        role_cols=_role_map(role_cols, "--col", "ROLE=SEL", losses),
        pred_col=pred_col,
        target_col=target_col,
        weight_col=weight_col,
        id_col=id_col,
        pred_key=pred_key,
        target_key=target_key,
        header=not no_header,
        delimiter=delimiter,
        hash_inputs=not no_hash,
    )
    acc = Accumulator(losses, reduction=reduction.value, nan_policy=nan_policy.value, sources=loaded.sources)
    labels = [b.label for b in acc.losses]
    sink = per_sample.writer(per_sample_path, labels, loaded.id_name) if per_sample_path else contextlib.nullcontext()
    with sink as out:
        values = acc.update(loaded.arrays, loaded.weights)
        if out is not None:
            out.write(values, loaded.ids)
        report = acc.compute(inputs=loaded.info, seconds=time.perf_counter() - start)
    if report_path is not None:
        with atomic_write(report_path) as fh:
            fh.write(json_report.to_json(report))
    _emit(report, fmt_name, output, precision)


def _role_map(items: list[str], flag: str, form: str, losses) -> dict[str, str]:
    """Parse repeated ``ROLE=VALUE`` flags, checking that some requested loss has the role."""
    known = list(dict.fromkeys(r.name for b in losses for part in b.parts for r in part.spec.roles))
    out: dict[str, str] = {}
    for item in items:
        role, eq, value = item.partition("=")
        role = role.strip()
        if not eq or not role or not value:
            raise UsageError(f"{flag} '{item}' is not {form}.")
        if role not in known:
            raise UsageError(f"{flag} {role}=...: no requested loss has an input '{role}'; their inputs are {', '.join(known)}.")
        if role in out:
            raise UsageError(f"{flag} {role}=... is given twice.")
        out[role] = value
    return out


def _output_format(fmt: OutputFormat, output: str | None, score_only: bool, reduction: Reduction, *, from_env: bool = False) -> str:
    """The output format, checking flag combinations before any file is read.

    Flags win over ``LOSSCLI_FORMAT`` (``from_env``): ``-b`` and the suffix of ``-o`` override it.
    """
    if score_only:
        if fmt is not OutputFormat.auto and not from_env:
            raise UsageError("Use just one of -b/--score-only and -f/--format.")
        if reduction is Reduction.none:
            raise UsageError("-b/--score-only prints headline values, but --reduction none has none.")
        return "bare"
    if fmt is not OutputFormat.auto and not from_env:
        return fmt.value
    if output is not None:
        suffix = os.path.splitext(output)[1].lower()
        if suffix in SUFFIX_FORMATS:
            return SUFFIX_FORMATS[suffix]
        if fmt is OutputFormat.auto:
            known = ", ".join(SUFFIX_FORMATS)
            raise UsageError(f"Cannot tell the format of -o {output} from its suffix ({known}); pass -f.")
    if fmt is not OutputFormat.auto:
        return fmt.value
    return "table" if sys.stdout.isatty() else "json"


def _emit(report, fmt_name: str, output: str | None, precision: int) -> None:
    from losscli.render import json_report

    if fmt_name == "table":
        from rich.console import Console

        from losscli.render.rich_table import print_table, table

        if output is None:
            print_table(Console(), table(report, precision))
            return
        with atomic_write(output) as fh:
            print_table(Console(file=fh, width=120, no_color=True, force_terminal=False), table(report, precision))
        return
    text = {
        "bare": json_report.score_only,
        "json": json_report.to_json,
        "jsonl": json_report.to_jsonl,
        "csv": lambda r: json_report.to_csv(r, precision),
        "md": lambda r: json_report.to_markdown(r, precision),
    }[fmt_name](report)
    if output is None:
        sys.stdout.write(text)
    else:
        with atomic_write(output) as fh:
            fh.write(text)
