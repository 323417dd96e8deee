"""``losscli eval``: parse the flags into an ``EvalRequest``, ``run`` it, emit the report, exit.

The evaluation itself (streaming, the chunk loop, the engine, per-sample sinks, the state, the
baseline, the gates) is ``losscli.run``; the output handling is ``losscli.cli._output``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Any, Optional

import typer

from losscli.cli import _config, _output
from losscli.cli import _stats_options as so
from losscli.cli._complete import complete_loss
from losscli.cli._options import HASH_HELP, HEADER_HELP, INPUT_HELP, LOSS_HELP, NO_HASH_HELP, QUERY_COL_HELP, Align, Engine, GateMode, HashAlgorithm, Missing, NanPolicy, OutputFormat, Reduction, hash_setting, print_notes, role_map, stdin_path, with_query_col
from losscli.errors import UsageError

app = typer.Typer()

FILES, COLUMNS, READING = "Inputs", "Columns and roles", "Reading"
LOSSES, OUTPUT, STATS, GATING, PERFORMANCE = "Losses", _output.OUTPUT, so.STATS, "Gating", "Performance"
_ConfigPath, _NoConfig = _config.config_options(READING)
_out = _output.options()

EXAMPLES = """
Examples:

  losscli eval sample_data/diabetes.csv -l mse -l huber:delta=0.5

  losscli eval pred.npy target.npy -l @regression -b

  losscli eval s.csv -p y_hat -y y --id-col id -l mae --per-sample out.csv

  losscli eval runs.csv -p score -y rel --query-col qid -l ndcg -l mrr

  losscli eval pred.npy target.npy -l mae --per-sample - | head

  losscli eval p.npy t.npy -l ce --fail-if 'ce<=base*1.02' --baseline b.json
"""


@app.command("eval", epilog=EXAMPLES)
def eval_command(
    ctx: typer.Context,
    pred: Annotated[Optional[str], typer.Argument(metavar="PRED", help="Predictions: a file (csv, tsv, txt, npy, npz, parquet, jsonl; optionally .gz/.bz2/.xz), a glob, or - for stdin; PATH:FORMAT overrides the suffix.", rich_help_panel=FILES, show_default=False)] = None,
    target: Annotated[Optional[str], typer.Argument(metavar="TARGET", help="Targets, as PRED. Without it, PRED is one table holding both.", rich_help_panel=FILES, show_default=False)] = None,
    loss: Annotated[list[str], typer.Option("-l", "--loss", help=LOSS_HELP, rich_help_panel=LOSSES, show_default=False, autocompletion=complete_loss)] = [],  # noqa: B006
    role_inputs: Annotated[list[str], typer.Option("--input", help=INPUT_HELP, rich_help_panel=COLUMNS, show_default=False)] = [],  # noqa: B006
    role_cols: Annotated[list[str], typer.Option("--col", help="ROLE=SEL: fill a loss input from columns of the PRED table; repeatable.", rich_help_panel=COLUMNS, show_default=False)] = [],  # noqa: B006
    pred_col: Annotated[Optional[str], typer.Option("-p", "--pred-col", help="Prediction column(s): name, 1-based index, range a-b, glob (numbered matches in numeric order: p2 before p10) or comma list.", rich_help_panel=COLUMNS)] = None,
    target_col: Annotated[Optional[str], typer.Option("-y", "--target-col", help="Target column(s), as -p.", rich_help_panel=COLUMNS)] = None,
    weight_col: Annotated[Optional[str], typer.Option("-w", "--weight-col", help="Sample-weight column (finite, >= 0).", rich_help_panel=COLUMNS)] = None,
    id_col: Annotated[Optional[str], typer.Option("--id-col", help="Id column, copied into --per-sample output. When PRED and TARGET tables both have it (or both have a column named like an id: id, sample_id, ...), their ids must agree row by row.", rich_help_panel=COLUMNS)] = None,
    query_col: Annotated[Optional[str], typer.Option("--query-col", metavar="COL", help=QUERY_COL_HELP, rich_help_panel=COLUMNS, show_default=False)] = None,
    align: Annotated[Align, typer.Option("--align", help="position: pair the rows of PRED and TARGET in order (their ids, if both have the id column, must agree); join: pair them by id, in memory (both tables are read whole), in PRED's row order.", rich_help_panel=READING)] = Align.position,
    missing: Annotated[Missing, typer.Option("--missing", help="With --align join, ids without exactly one partner (absent on one side, repeated, empty): error, or omit (those rows are dropped and counted in the report; row numbers in messages and --top-k then count the rows kept, in PRED's order).", rich_help_panel=READING)] = Missing.error,
    classes: Annotated[Optional[str], typer.Option("--classes", metavar="A,B,...", help="Target labels in the order of pred's columns (class 0, 1, ...): text or other labels mapped to class indices; an unknown label is an error.", rich_help_panel=COLUMNS, show_default=False)] = None,
    pos_label: Annotated[Optional[str], typer.Option("--pos-label", metavar="V", help="Binary target: label V is 1, any other label 0 (text or numbers, e.g. yes or -1/1 targets with --pos-label 1).", rich_help_panel=COLUMNS, show_default=False)] = None,
    pred_key: Annotated[Optional[str], typer.Option("--pred-key", help="Array of an NPZ PRED (or PRED.npz:KEY).", rich_help_panel=COLUMNS)] = None,
    target_key: Annotated[Optional[str], typer.Option("--target-key", help="Array of an NPZ TARGET.", rich_help_panel=COLUMNS)] = None,
    header: Annotated[Optional[bool], typer.Option("--header/--no-header", help=HEADER_HELP, rich_help_panel=READING, show_default=False)] = None,
    delimiter: Annotated[Optional[str], typer.Option("-d", "--delimiter", help="Field delimiter (default by suffix).", rich_help_panel=READING)] = None,
    hash_algorithm: Annotated[Optional[HashAlgorithm], typer.Option("--hash", help=HASH_HELP, rich_help_panel=READING, show_default=False)] = None,
    no_hash: Annotated[bool, typer.Option("--no-hash", help=NO_HASH_HELP, rich_help_panel=READING)] = False,
    reduction: Annotated[Reduction, typer.Option("--reduction", help="Headline value: mean, sum (of the per-sample values: per-row means on (N, D) inputs), sum_elements (torch's sum over every element), or none (no headline: table, csv and jsonl output are then the per-sample values; json and md the report).", rich_help_panel=LOSSES)] = Reduction.mean,
    nan_policy: Annotated[NanPolicy, typer.Option("--nan-policy", help="Rows with NaN/inf: error, omit (dropped and counted) or propagate.", rich_help_panel=STATS)] = NanPolicy.error,
    fmt: _out.format = OutputFormat.auto,
    output: _out.output = None,
    report_path: _out.report = None,
    score_only: _out.score_only = False,
    per_sample_path: Annotated[Optional[str], typer.Option("--per-sample", metavar="FILE", help="Write per-sample losses (csv, tsv, jsonl, npy, parquet) in input order; - streams them to stdout as CSV (-:tsv, -:jsonl), the report then only to -o/--report.", show_default=False, rich_help_panel=OUTPUT)] = None,
    precision: _out.precision = 6,
    fail_if: Annotated[list[str], typer.Option("--fail-if", metavar="EXPR", help="Gate that must hold, else exit 1: LABEL OP NUMBER or LABEL OP base[+|-|*]NUMBER, OP one of < <= > >= (e.g. 'mse<=0.02', 'ce<=base*1.02'); repeatable.", rich_help_panel=GATING, show_default=False)] = [],  # noqa: B006
    baseline: Annotated[Optional[str], typer.Option("--baseline", metavar="FILE", help="What 'base' is: an earlier JSON report, or a prediction file evaluated on the same target.", rich_help_panel=GATING)] = None,
    significant: Annotated[bool, typer.Option("--significant", help="A 'base' gate fails only if a paired sign-flip test on per-sample differences also finds the regression (prediction-file --baseline).", rich_help_panel=GATING)] = False,
    baseline_other_target: Annotated[bool, typer.Option("--baseline-other-target", help="Accept a JSON --baseline scored on other rows or another target (else exit 3); the report and summary say so.", rich_help_panel=GATING)] = False,
    alpha: Annotated[float, typer.Option("--alpha", help="Level of the --significant test.", rich_help_panel=GATING)] = 0.05,
    gate_mode: Annotated[GateMode, typer.Option("--gate-mode", help="fail: exit 1 on a failed gate; warn: report it and exit 0.", rich_help_panel=GATING)] = GateMode.fail,
    gh_summary: Annotated[bool, typer.Option("--gh-summary", help="Append a Markdown summary to $GITHUB_STEP_SUMMARY (when set; capped at 1 MiB).", rich_help_panel=OUTPUT)] = False,
    hist: Annotated[bool, typer.Option("--hist", help="Histogram of per-sample losses under the table (on stderr with other formats).", rich_help_panel=OUTPUT)] = False,
    plot_path: Annotated[Optional[str], typer.Option("--plot", metavar="FILE", help="Write a histogram + CDF figure per loss, the reliability diagram for ece (.png, .svg, .pdf; needs the 'plot' extra).", rich_help_panel=OUTPUT)] = None,
    config_path: _ConfigPath = None,
    no_config: _NoConfig = False,
    ci: so.CI = None,
    ci_level: so.CILevel = 0.95,
    n_boot: so.NBoot = 1000,
    seed: so.Seed = 0,
    group_by: so.GroupBy = None,
    max_groups: so.MaxGroups = None,
    top_k: so.TopK = 0,
    row_offset: so.RowOffset = 0,
    chunk_rows: Annotated[Optional[int], typer.Option("--chunk-rows", min=1, metavar="N", help="Read and evaluate about N rows at a time: memory stays bounded whatever the input size (streaming is automatic above 16 MB of input, and for stdin and compressed inputs). Results do not depend on N.", rich_help_panel=PERFORMANCE, show_default=False)] = None,
    emit_state: Annotated[Optional[str], typer.Option("--emit-state", metavar="FILE", help="Also write the mergeable state (JSON) of this evaluation, for 'losscli merge' of shards.", rich_help_panel=PERFORMANCE, show_default=False)] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="local: evaluate in this process; dask: map the evaluation over partitions of the inputs (Parquet row groups, CSV byte ranges, NPY row ranges) on a Dask cluster and merge their states (needs the 'dask' extra). Same report, without the digest of the target's values.", rich_help_panel=PERFORMANCE)] = Engine.local,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", help="With --engine dask: the Dask scheduler to use (e.g. tcp://10.0.0.5:8786; its workers must see the input files at the same paths). Default: a local cluster in this process.", rich_help_panel=PERFORMANCE, show_default=False)] = None,
) -> None:
    """Compute losses of predictions against targets."""
    from losscli import _prefetch
    from losscli._atomic import check_distinct
    from losscli.cli import _trace

    f = _flags(ctx)
    paths = [f["pred"], f["target"], *(v.partition("=")[2] for v in role_inputs)]  # every input as given (None where absent)
    _trace.expect(report=report_path, gh_summary=gh_summary, options=ctx.params,
                  inputs={"pred": f["pred"], "target": f["target"], "inputs": paths[2:], "baseline": baseline, "config": config_path})
    outputs = [("-o", output), ("--report", report_path), ("--per-sample", f["per_sample_path"]), ("--emit-state", emit_state), ("--plot", plot_path)]
    check_distinct(outputs, [*paths, baseline, config_path])  # before anything is read (the prefetch below reads)
    _prefetch.clear()
    hashing = hash_setting(hash_algorithm, no_hash)
    if hashing != HashAlgorithm.none.value and engine is Engine.local:  # big inputs hashed while the modules below load
        _prefetch.start(paths[:2], hashing)
    from losscli import run
    from losscli.cli import _extras

    shown = _shown(ctx, f)
    request = _request(ctx, f, hashing, shown.format)
    values = run.Values() if hist or plot_path is not None else None
    sinks = run.Sinks(per_sample=_per_sample_sinks(f, shown), values=values, notes=print_notes, warnings=_extras.warn)
    report = run.run(request, sinks, _extras.progress)
    joined = values.joined() if values is not None else None
    if plot_path is not None and joined is not None:
        from losscli.render.plot import plot

        plot(plot_path, report.losses, joined)
    _output.publish(report, shown.format, output, precision, report_path, show=shown.report)
    _extras.after_report(report, joined, hist=hist, gh_summary=gh_summary, fmt_name=shown.format if shown.per_sample_stdout is None else "", output=output, precision=precision)
    raise typer.Exit(_output.finish(report.gates, request.gates.mode, request.gates.mode_from))


def _flags(ctx: typer.Context) -> dict[str, Any]:
    """The flag values by parameter name: enums as their values, stdin paths as given."""
    f = {k: getattr(v, "value", v) for k, v in ctx.params.items()}
    for k in ("pred", "target", "per_sample_path"):
        f[k] = stdin_path(f[k])
    return f


@dataclass(frozen=True)
class _Shown:
    """What the output (stdout, or -o FILE) shows: the report in ``format`` (``report``), or the
    per-sample values (``values``: ``--reduction none`` as a table, csv or jsonl), or nothing
    (``--per-sample -`` takes stdout: ``per_sample_stdout`` is its format)."""

    format: str
    report: bool = True
    values: bool = False
    per_sample_stdout: str | None = None


def _shown(ctx: typer.Context, f: dict[str, Any]) -> _Shown:
    """The output format and what the output shows, checked before any file is read."""
    from losscli.engine import requested_twice
    from losscli.render import per_sample

    if f["score_only"] and f["reduction"] == "none":
        raise UsageError("-b/--score-only prints headline values, but --reduction none has none.")
    standing = _output.from_env(ctx)
    fmt_name = _output.choose_format(ctx.params["fmt"], f["output"], score_only=f["score_only"], standing=standing)
    stream = per_sample.stdout_format(f["per_sample_path"])
    if stream is None and f["per_sample_path"] is not None:
        per_sample.check_path(f["per_sample_path"])
    twice = requested_twice(f["loss"]) if f["score_only"] else None
    if twice is not None:
        raise UsageError(f"-b/--score-only prints one line per loss, but '{twice[0]}' is asked for twice (-l {twice[1]} and -l {twice[2]}); pass it once.")
    if f["plot_path"] is not None:
        from losscli.render.plot import check as check_plot

        check_plot(f["plot_path"])
    free = stream is None or f["output"] is not None  # --per-sample - takes stdout
    if not free and (f["score_only"] or (f["fmt"] != "auto" and not standing)):
        raise UsageError("--per-sample - writes the per-sample values to stdout: write the report with -o FILE (or --report FILE).")
    values = f["reduction"] == "none" and fmt_name in per_sample.TEXT_FORMATS
    return _Shown(fmt_name, report=free and not values, values=free and values, per_sample_stdout=stream)


def _per_sample_sinks(f: dict[str, Any], shown: _Shown) -> list[Any]:
    """The writers of per-sample values: the --per-sample file (or stdout), and the output
    when it shows the per-sample values."""
    from losscli.render import per_sample

    sinks = []
    if shown.per_sample_stdout is not None:
        sinks.append(functools.partial(per_sample.text_writer, None, shown.per_sample_stdout))
    elif f["per_sample_path"] is not None:
        sinks.append(functools.partial(per_sample.writer, f["per_sample_path"]))
    if shown.values:
        sinks.append(functools.partial(per_sample.text_writer, f["output"], shown.format, precision=f["precision"]))
    return sinks


def _request(ctx: typer.Context, f: dict[str, Any], hashing: str, fmt_name: str) -> Any:
    """The ``EvalRequest`` of the flags."""
    from losscli import run

    inputs = run.Inputs(
        f["pred"], f["target"],
        roles=role_map(f["role_inputs"], "--input", "ROLE=PATH[:SEL]"), role_cols=role_map(with_query_col(f["role_cols"], f["query_col"]), "--col", "ROLE=SEL"),
        pred_col=f["pred_col"], target_col=f["target_col"], weight_col=f["weight_col"], id_col=f["id_col"], group_by=f["group_by"],
        pred_key=f["pred_key"], target_key=f["target_key"], header=f["header"], delimiter=f["delimiter"], hash=hashing,
        align=f["align"], missing=f["missing"], classes=f["classes"], pos_label=f["pos_label"],
    )
    statistics = run.Statistics(
        f["reduction"], f["nan_policy"], f["ci"], f["ci_level"], f["n_boot"], f["seed"], f["max_groups"], f["top_k"], f["row_offset"],
    )
    return run.EvalRequest(
        inputs, tuple(f["loss"]), statistics, gates=_config.gate_options(ctx),
        outputs=run.Outputs(emit_state=f["emit_state"], config=_config.echo(ctx, format=fmt_name)),
        engine=run.Execution(f["engine"], f["scheduler"], f["chunk_rows"]),
    )
