"""``losscli eval``: read, evaluate, render."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import Annotated, Optional

import typer

from losscli.cli import _config
from losscli.cli import _stats_options as so
from losscli.cli._complete import complete_loss
from losscli.cli._options import HASH_HELP, HEADER_HELP, NO_HASH_HELP, Align, Engine, GateMode, HashAlgorithm, Missing, NanPolicy, OutputFormat, Reduction, hash_setting, print_notes, stdin_path
from losscli.errors import UsageError

app = typer.Typer()

INPUT, LOSSES, OUTPUT, STATS = "Input", "Losses", "Output", "Statistics"
PERFORMANCE = "Performance"
GATING = "Gating"
_ConfigPath, _NoConfig = _config.config_options(INPUT)

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
    loss: Annotated[list[str], typer.Option("-l", "--loss", help="Loss spec NAME[:k=v,...] or @preset; repeatable (see 'losscli list').", rich_help_panel=LOSSES, show_default=False, autocompletion=complete_loss)] = [],  # noqa: B006
    role_inputs: Annotated[list[str], typer.Option("--input", help="ROLE=PATH[:SEL]: fill a loss input (e.g. anchor, var, z_j) from a file or its columns; repeatable.", rich_help_panel=INPUT, show_default=False)] = [],  # noqa: B006
    role_cols: Annotated[list[str], typer.Option("--col", help="ROLE=SEL: fill a loss input from columns of the PRED table; repeatable.", rich_help_panel=INPUT, show_default=False)] = [],  # noqa: B006
    pred_col: Annotated[Optional[str], typer.Option("-p", "--pred-col", help="Prediction column(s): name, 1-based index, range a-b, glob (numbered matches in numeric order: p2 before p10) or comma list.", rich_help_panel=INPUT)] = None,
    target_col: Annotated[Optional[str], typer.Option("-y", "--target-col", help="Target column(s), as -p.", rich_help_panel=INPUT)] = None,
    weight_col: Annotated[Optional[str], typer.Option("-w", "--weight-col", help="Sample-weight column (finite, >= 0).", rich_help_panel=INPUT)] = None,
    id_col: Annotated[Optional[str], typer.Option("--id-col", help="Id column, copied into --per-sample output. When PRED and TARGET tables both have it (or both have a column named like an id: id, sample_id, ...), their ids must agree row by row.", rich_help_panel=INPUT)] = None,
    align: Annotated[Align, typer.Option("--align", help="position: pair the rows of PRED and TARGET in order (their ids, if both have the id column, must agree); join: pair them by id, in memory (both tables are read whole), in PRED's row order.", rich_help_panel=INPUT)] = Align.position,
    missing: Annotated[Missing, typer.Option("--missing", help="With --align join, ids without exactly one partner (absent on one side, repeated, empty): error, or omit (those rows are dropped and counted in the report; row numbers in messages and --top-k then count the rows kept, in PRED's order).", rich_help_panel=INPUT)] = Missing.error,
    classes: Annotated[Optional[str], typer.Option("--classes", metavar="A,B,...", help="Target labels in the order of pred's columns (class 0, 1, ...): text or other labels mapped to class indices; an unknown label is an error.", rich_help_panel=INPUT, show_default=False)] = None,
    pos_label: Annotated[Optional[str], typer.Option("--pos-label", metavar="V", help="Binary target: label V is 1, any other label 0 (text or numbers, e.g. yes or -1/1 targets with --pos-label 1).", rich_help_panel=INPUT, show_default=False)] = None,
    pred_key: Annotated[Optional[str], typer.Option("--pred-key", help="Array of an NPZ PRED (or PRED.npz:KEY).", rich_help_panel=INPUT)] = None,
    target_key: Annotated[Optional[str], typer.Option("--target-key", help="Array of an NPZ TARGET.", rich_help_panel=INPUT)] = None,
    header: Annotated[Optional[bool], typer.Option("--header/--no-header", help=HEADER_HELP, rich_help_panel=INPUT, show_default=False)] = None,
    delimiter: Annotated[Optional[str], typer.Option("-d", "--delimiter", help="Field delimiter (default by suffix).", rich_help_panel=INPUT)] = None,
    hash_algorithm: Annotated[Optional[HashAlgorithm], typer.Option("--hash", help=HASH_HELP, rich_help_panel=INPUT, show_default=False)] = None,
    no_hash: Annotated[bool, typer.Option("--no-hash", help=NO_HASH_HELP, rich_help_panel=INPUT)] = False,
    reduction: Annotated[Reduction, typer.Option("--reduction", help="Headline value: mean, sum (of the per-sample values: per-row means on (N, D) inputs), sum_elements (torch's sum over every element), or none (per-sample only).", rich_help_panel=LOSSES)] = Reduction.mean,
    nan_policy: Annotated[NanPolicy, typer.Option("--nan-policy", help="Rows with NaN/inf: error, omit (dropped and counted) or propagate.", rich_help_panel=STATS)] = NanPolicy.error,
    fmt: Annotated[OutputFormat, typer.Option("-f", "--format", envvar="LOSSCLI_FORMAT", help="auto = a table on a terminal, JSON otherwise.", rich_help_panel=OUTPUT)] = OutputFormat.auto,
    output: Annotated[Optional[str], typer.Option("-o", "--output", help="Write the output to FILE (format from its suffix unless -f).", rich_help_panel=OUTPUT)] = None,
    report_path: Annotated[Optional[str], typer.Option("--report", help="Also write the JSON report to FILE.", rich_help_panel=OUTPUT)] = None,
    score_only: Annotated[bool, typer.Option("-b", "--score-only", help="Print bare headline values, one per line.", rich_help_panel=OUTPUT)] = False,
    per_sample_path: Annotated[Optional[str], typer.Option("--per-sample", help="Write per-sample losses (csv, tsv, jsonl, npy, parquet) in input order.", rich_help_panel=OUTPUT)] = None,
    precision: Annotated[int, typer.Option("--precision", min=1, max=17, help="Significant digits in table, csv and md output (JSON is always exact).", rich_help_panel=OUTPUT)] = 6,
    fail_if: Annotated[list[str], typer.Option("--fail-if", metavar="EXPR", help="Gate that must hold, else exit 1: LABEL OP NUMBER or LABEL OP base[+|-|*]NUMBER, OP one of < <= > >= (e.g. 'mse<=0.02', 'ce<=base*1.02'); repeatable.", rich_help_panel=GATING, show_default=False)] = [],  # noqa: B006
    baseline: Annotated[Optional[str], typer.Option("--baseline", metavar="FILE", help="What 'base' is: an earlier JSON report, or a prediction file evaluated on the same target.", rich_help_panel=GATING)] = None,
    significant: Annotated[bool, typer.Option("--significant", help="A 'base' gate fails only if a paired sign-flip test on per-sample differences also finds the regression (prediction-file --baseline).", rich_help_panel=GATING)] = False,
    baseline_other_target: Annotated[bool, typer.Option("--baseline-other-target", help="Accept a JSON --baseline scored on other rows or another target (else exit 3); the report and summary say so.", rich_help_panel=GATING)] = False,
    alpha: Annotated[float, typer.Option("--alpha", help="Level of the --significant test.", rich_help_panel=GATING)] = 0.05,
    gate_mode: Annotated[GateMode, typer.Option("--gate-mode", help="fail: exit 1 on a failed gate; warn: report it and exit 0.", rich_help_panel=GATING)] = GateMode.fail,
    gh_summary: Annotated[bool, typer.Option("--gh-summary", help="Append a Markdown summary to $GITHUB_STEP_SUMMARY (when set; capped at 1 MiB).", rich_help_panel=OUTPUT)] = False,
    hist: Annotated[bool, typer.Option("--hist", help="Histogram of per-sample losses under the table (on stderr with other formats).", rich_help_panel=OUTPUT)] = False,
    plot_path: Annotated[Optional[str], typer.Option("--plot", metavar="FILE", help="Write a histogram + CDF figure per loss (.png, .svg, .pdf; needs the 'plot' extra).", rich_help_panel=OUTPUT)] = None,
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
    from losscli import _digest, _prefetch
    from losscli._atomic import check_distinct
    from losscli.cli import _trace

    pred, target = stdin_path(pred), stdin_path(target)
    role_paths = [v.partition("=")[2] for v in role_inputs]
    paths = [pred, target, *role_paths]  # every input path as given (None where absent)
    _trace.expect(report=report_path, gh_summary=gh_summary, options=ctx.params,
                  inputs={"pred": pred, "target": target, "inputs": role_paths, "baseline": baseline, "config": config_path})
    outputs = [("-o", output), ("--report", report_path), ("--per-sample", per_sample_path), ("--emit-state", emit_state), ("--plot", plot_path)]
    check_distinct(outputs, [*paths, baseline, config_path])  # before anything is read (the prefetch below reads)
    _prefetch.clear()
    hashing = hash_setting(hash_algorithm, no_hash)
    if hashing != HashAlgorithm.none.value and engine is Engine.local:  # big inputs hashed while the modules below load
        _prefetch.start([pred, target], hashing)
    from losscli import readers
    from losscli import gating, run
    from losscli.cli import _extras, _output
    from losscli.gates import own_file
    from losscli.engine import Accumulator, AnalysisOptions, requested_twice, resolve_losses
    from losscli.state import write_state
    from losscli.readers.stream import iter_chunks
    from losscli.labels import LabelMap
    from losscli.render import per_sample

    start = time.perf_counter()
    if score_only and reduction is Reduction.none:
        raise UsageError("-b/--score-only prints headline values, but --reduction none has none.")
    fmt_name = _output.choose_format(fmt, output, score_only=score_only, standing=_output.from_env(ctx))
    if per_sample_path is not None:
        per_sample.check_path(per_sample_path)
    if not loss:
        raise UsageError("No loss requested. Pass -l SPEC (e.g. -l mse); see 'losscli list'.")
    losses = resolve_losses(loss)
    twice = requested_twice(loss) if score_only else None
    if twice is not None:
        raise UsageError(
            f"-b/--score-only prints one line per loss, but '{twice[0]}' is asked for twice (-l {twice[1]} and -l {twice[2]}); pass it once."
        )
    label_map = LabelMap.from_flags(classes, pos_label)
    AnalysisOptions(ci.value if ci else None, ci_level, n_boot, seed, top_k, (), row_offset)  # flag values checked before any file is read
    gate_plan = gating.plan(_config.gate_options(ctx), losses, reduction.value)
    if plot_path is not None:
        from losscli.render.plot import check as check_plot

        check_plot(plot_path)
    _check_align(align, engine, chunk_rows, gate_plan)
    if engine is Engine.dask:
        from losscli.engine.dask import check_usage

        check_usage(losses, gate_plan=gate_plan, paths=paths, scheduler=scheduler)
        if label_map is not None:
            raise UsageError(f"{label_map.flag} is not supported with --engine dask yet; map the labels with --engine local.")
    elif scheduler is not None:
        raise UsageError("--scheduler is the address of a Dask scheduler: pass --engine dask too.")
    stream = engine is Engine.dask or align is not Align.join and _streaming(chunk_rows, paths, losses, gate_plan)
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
        header=header,
        delimiter=delimiter,
        hash_inputs=hashing,
        group_col=group_by,
        lazy=stream,
        align=align.value,
        missing=missing.value,
        raw_roles=("target",) if label_map is not None else (),
    )
    print_notes(loaded.notes)
    map_chunks = _map_labels(label_map, loaded) if label_map is not None else False
    analysis = AnalysisOptions(
        ci.value if ci else None, ci_level, n_boot, seed, top_k, tuple(loaded.groups), row_offset,
        **({} if max_groups is None else {"max_groups": max_groups}),
    )
    acc = Accumulator(losses, reduction=reduction.value, nan_policy=nan_policy.value, sources=loaded.sources, analysis=analysis)
    acc.excluded = dict(loaded.dropped)  # rows --align join --missing omit dropped
    labels = [b.label for b in acc.losses]
    names = [b.per_sample_name or b.label for b in acc.losses]  # rmse's column holds squared errors: rmse.sq_err
    sink = per_sample.writer(per_sample_path, labels, loaded.id_name, names) if per_sample_path else contextlib.nullcontext()
    # per-sample values of all rows only where a flag needs them (the engine makes none otherwise)
    keep_values = hist or plot_path is not None or (gate_plan is not None and gate_plan.significant)
    parts = []
    bar = _extras.progress(stream, loaded, paths)  # stderr, terminals only
    # the digest of the target's values (the report's inputs.target.values_digest): what a later
    # --baseline REPORT is checked against when the target shares its file with other columns
    # (a file of its own is named by its digest: hashing its values again would cost a second hash)
    values_digest = _digest.ValuesDigest(hashing) if hashing != HashAlgorithm.none.value and engine is Engine.local and "target" in loaded.info and not own_file(loaded.info) else None
    with sink as out, bar:
        if engine is Engine.dask:  # partitions evaluated on a Dask cluster, their states merged into acc in order
            from losscli.engine import dask as engine_dask

            parts = engine_dask.evaluate(loaded, acc, scheduler=scheduler, chunk_rows=chunk_rows, sink=out, keep_values=keep_values, bar=bar)
        for chunk in iter_chunks(loaded, chunk_rows) if engine is Engine.local else ():  # the whole input is one chunk unless streamed
            if map_chunks:  # streamed labels: mapped chunk by chunk
                chunk.arrays["target"] = label_map.apply(chunk.arrays["target"], chunk.first_row)
            part = acc.update(chunk.arrays, chunk.weights, per_sample=keep_values or out is not None, ids=chunk.ids, groups=chunk.groups)
            if values_digest is not None and "target" in chunk.arrays:
                values_digest.update(chunk.arrays["target"])
            if out is not None:
                out.write(part, chunk.ids)
            if keep_values:
                parts.append(part)
            bar.advance(chunk.rows)
        if values_digest is not None:
            loaded.info["target"]["values_digest"] = values_digest.result()
        report = acc.compute(inputs=loaded.info, config=label_map.config() if label_map is not None else None, seconds=time.perf_counter() - start)
    if label_map is not None and label_map.warnings():
        report = dataclasses.replace(report, warnings=report.warnings + tuple(label_map.warnings()))
    _extras.warn(report.warnings)
    values = _joined(parts, labels) if keep_values else None
    if emit_state is not None:
        write_state(emit_state, acc, loaded.info)
    base = None
    if gate_plan is not None and gate_plan.baseline is not None and not gate_plan.baseline_is_report:
        base = run.evaluate_baseline(
            gate_plan, loaded, acc.losses, {"reduction": reduction.value, "nan_policy": nan_policy.value},
            {"pred_col": pred_col, "pred_key": pred_key, "header": header, "delimiter": delimiter, "hash_inputs": hashing},
            values, notes=print_notes,
        )
    report = gating.complete(report, gate_plan, echo=_config.echo(ctx, format=fmt_name), values=values, baseline=base, weights=loaded.weights)
    if plot_path is not None and values is not None:
        from losscli.render.plot import plot

        plot(plot_path, report.losses, values)
    _output.publish(report, fmt_name, output, precision, report_path)
    _extras.after_report(report, values, hist=hist, gh_summary=gh_summary, fmt_name=fmt_name, output=output, precision=precision)
    if gate_plan is not None:
        raise typer.Exit(_output.finish(report.gates, gate_plan.mode, gate_plan.mode_from))


def _check_align(align: Align, engine: Engine, chunk_rows: int | None, gate_plan) -> None:
    """Usage errors of --align join, before any file is read (``load_inputs`` checks the rest)."""
    if align is not Align.join:
        return
    if engine is Engine.dask:
        raise UsageError("--align join reads both tables into memory: it cannot run on --engine dask; use --engine local.")
    if chunk_rows is not None:
        raise UsageError("--align join reads both tables into memory: drop --chunk-rows.")
    if gate_plan is not None and gate_plan.baseline is not None and not gate_plan.baseline_is_report:
        raise UsageError("--align join cannot be combined with a prediction-file --baseline (its rows are paired by position); pass a JSON report as --baseline.")


def _map_labels(label_map, loaded) -> bool:
    """``--classes``/``--pos-label``: check them against pred's width and map an in-memory target
    now; True when the target is streamed, to be mapped chunk by chunk (in order: errors name
    absolute rows)."""
    import numpy as np

    if "target" not in loaded.arrays:
        raise UsageError(f"{label_map.flag} maps the target's labels, but no loss here has a target.")
    label_map.where = loaded.sources.get("target", "target")
    pred = loaded.arrays.get("pred")
    columns = loaded.info.get("pred", {}).get("columns")
    width = len(columns) if columns else (1 if getattr(pred, "ndim", 0) == 1 else pred.shape[1] if getattr(pred, "ndim", 0) == 2 else None)
    label_map.check_width(width)
    if columns and len(columns) > 1:
        from losscli.readers.columns import distinct

        label_map.check_order(distinct(columns))
    if not isinstance(loaded.arrays["target"], np.ndarray):
        return True
    loaded.arrays["target"] = label_map.apply(loaded.arrays["target"])
    return False


def _streaming(chunk_rows: int | None, paths: list[str | None], losses, gate_plan) -> bool:
    """Whether to stream: with --chunk-rows, or for large inputs (``readers.stream.should_stream``); never
    for losses that compare rows with each other, nor with a prediction-file --baseline (both
    need every row at once)."""
    from losscli.engine import rowwise
    from losscli.readers.stream import should_stream

    whole = [b.label for b in losses if not rowwise(b)]
    base_file = gate_plan is not None and gate_plan.baseline is not None and not gate_plan.baseline_is_report
    if chunk_rows is not None:
        if whole:
            raise UsageError(f"--chunk-rows: {', '.join(whole)} compares each row with every other row, so it needs all rows at once; drop --chunk-rows.")
        if base_file:
            raise UsageError("--chunk-rows cannot be combined with a prediction-file --baseline (it is evaluated in memory); drop one of them.")
        return True
    if whole or base_file:
        return False
    return should_stream([p for p in paths if p])


def _joined(parts: list[dict], labels: list[str]) -> dict:
    """The per-sample values of all chunks (the one chunk's arrays when there is one)."""
    if len(parts) == 1:
        return parts[0]
    import numpy as np

    return {label: np.concatenate([p[label] for p in parts]) if parts else np.empty(0) for label in labels}


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
