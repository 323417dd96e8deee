"""``losscli gate REPORT.json --fail-if EXPR...``: gate an existing JSON report.

The same gates as ``eval --fail-if`` (grammar in ``losscli.gates``), optionally against
``--baseline OLD.json``. Prints the gates (table or Markdown) or the updated report (JSON, with
``gates`` and ``status``); each failed gate is also a ``Gate failed: ...`` line on stderr.
Exit 0 when every gate holds (or ``--gate-mode warn``), 1 when one fails, 2 for a bad or
unknown gate, 3 for an unreadable report or a baseline without the gated loss.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Annotated, Optional

import typer

from losscli._atomic import atomic_write, check_distinct, commit
from losscli.cli import _config
from losscli.cli._options import GateMode, OutputFormat
from losscli.errors import InputError, UsageError

app = typer.Typer()

_ConfigPath, _NoConfig = _config.config_options()

EXAMPLES = """
Examples:

  losscli gate out.json --fail-if 'mse<=3000' --fail-if 'mae<=45'

  losscli gate new.json --fail-if 'ce<=base*1.02' --baseline main.json --gh-summary
"""


@app.command("gate", epilog=EXAMPLES)
def gate_command(
    ctx: typer.Context,
    report_path: Annotated[str, typer.Argument(metavar="REPORT", help="A JSON report written by 'losscli eval --report' (or -f json).", show_default=False)],
    fail_if: Annotated[list[str], typer.Option("--fail-if", metavar="EXPR", help="Gate that must hold, else exit 1: LABEL OP NUMBER or LABEL OP base[+|-|*]NUMBER (e.g. 'mse<=0.02', 'ce<=base*1.02'); repeatable.", show_default=False)] = [],  # noqa: B006
    baseline: Annotated[Optional[str], typer.Option("--baseline", metavar="OLD.json", help="An earlier JSON report: 'base' is its value of the same loss.")] = None,
    baseline_other_target: Annotated[bool, typer.Option("--baseline-other-target", help="Accept a --baseline scored on other rows or another target (else exit 3); the report and summary say so.")] = False,
    gate_mode: Annotated[GateMode, typer.Option("--gate-mode", help="fail: exit 1 on a failed gate; warn: report it and exit 0.")] = GateMode.fail,
    fmt: Annotated[OutputFormat, typer.Option("-f", "--format", envvar="LOSSCLI_FORMAT", help="auto (a table on a terminal, JSON otherwise), table, json (the updated report) or md.")] = OutputFormat.auto,
    write_report: Annotated[Optional[str], typer.Option("--report", metavar="FILE", help="Also write the updated JSON report (gates, status) to FILE.")] = None,
    gh_summary: Annotated[bool, typer.Option("--gh-summary", help="Append a Markdown summary to $GITHUB_STEP_SUMMARY (when set).")] = False,
    precision: Annotated[int, typer.Option("--precision", min=1, max=17, help="Significant digits in table and md output.")] = 6,
    config_path: _ConfigPath = None,
    no_config: _NoConfig = False,
) -> None:
    """Gate an existing JSON report: exit 1 when a gate fails."""
    from losscli import gates as G
    from losscli import gating as _gating
    from losscli.cli import _extras, _output, _trace
    from losscli.render import json_report

    _trace.expect(report=write_report, gh_summary=gh_summary, inputs={"report": report_path, "baseline": baseline, "config": config_path}, options=ctx.params)
    check_distinct([("--report", write_report)], [report_path, baseline, config_path])
    fmt_name = _format(fmt, ctx)
    if not fail_if and "fail_if" not in _config.file_config(ctx).values:
        raise UsageError("No gate given: pass --fail-if EXPR (e.g. --fail-if 'mse<=0.02'), or fail_if in the config file.")
    for g in G.parse_gates(fail_if, _config.where(ctx, "fail_if", "--fail-if")):  # the command line's gates, checked before reading
        if g.relative and baseline is None:
            raise UsageError(f"{g.where} '{g.expr}' compares with base; pass --baseline OLD.json.")
    if baseline_other_target and baseline is None:
        raise UsageError("--baseline-other-target accepts a --baseline scored on another target; pass --baseline OLD.json.")
    report = G.read_report(report_path)
    data = report.to_dict()
    values = G.report_values(data)
    parsed, skipped = _gating.gates_in_force(_config.gate_options(ctx), list(values))
    if baseline is not None and not any(g.relative for g in parsed):
        raise UsageError("--baseline is used only by gates with 'base' (e.g. --fail-if 'mse<=base*1.02').")
    base: dict[str, float] = {}
    other = None
    if baseline is not None:
        old = G.load_report(baseline, "Baseline report")
        other = _gating.same_target(baseline, old.get("inputs"), data["inputs"], baseline_other_target, old.get("config"), report.config)
        reductions = G.report_values(data, "reduction")
        for g in parsed:  # each gate against the baseline reduced like the report
            if g.relative:
                base.update(G.baseline_values([g], old, baseline, reductions.get(g.label)))
    entries = []
    for g in parsed:
        value = G.as_number(values[g.label])
        if value is None:
            raise InputError(f"{report_path} has no headline value for '{g.label}' (reduction none?); cannot check '{g.expr}'.")
        entries.append(G.evaluate(g, value, base.get(g.label), baseline=baseline))
    entries = _gating.note_other_target(entries, other) + skipped
    echo = _config.echo(ctx)
    config = {**report.config, "gate_mode": gate_mode.value, "baseline": baseline, "gated_by": "losscli gate", "fail_if": [e["expr"] for e in entries]}
    config.update(config_file=echo["config_file"], config_keys=echo["config_keys"])
    if other is not None:
        config["baseline_other_target"] = other
    warnings = report.warnings + ((_gating.other_target_warning(baseline, other),) if other is not None else ())
    report = dataclasses.replace(report, gates=tuple(entries), status=G.status(entries), config=config, warnings=warnings)
    text = json_report.to_json(report)
    if write_report is not None:
        with atomic_write(write_report) as fh:
            fh.write(text)
    commit()  # in place before anything is printed
    if fmt_name == "json":
        sys.stdout.write(text)
    elif fmt_name == "md":
        from losscli.render._format import config_note, md_note
        from losscli.render.markdown import gates_markdown

        note = config_note(report.config)
        sys.stdout.write(gates_markdown(entries, precision, gate_mode.value) + (f"\n{md_note(note)}\n" if note else ""))
    else:
        from rich.console import Console

        from losscli.render.rich_table import print_config_note, print_table
        from losscli.render.terminal import gates_table

        console = Console()
        print_table(console, gates_table(entries, precision, gate_mode.value))
        print_config_note(console, report)
    if gh_summary:
        _extras.write_summary(report, precision)
    options = _config.gate_options(ctx)
    raise typer.Exit(_output.finish(entries, options.mode, options.mode_from))


def _format(fmt: OutputFormat, ctx: typer.Context) -> str:
    if fmt in (OutputFormat.csv, OutputFormat.jsonl):
        src = ctx.get_parameter_source("fmt")
        if src is not None and src.name == "COMMANDLINE":
            raise UsageError(f"'losscli gate' writes table, json or md, not {fmt.value}.")
        fmt = OutputFormat.auto  # LOSSCLI_FORMAT=csv is meant for eval
    if fmt is OutputFormat.auto:
        return "table" if sys.stdout.isatty() else "json"
    return fmt.value
