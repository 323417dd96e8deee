"""``losscli gate REPORT.json --fail-if EXPR...``: gate an existing JSON report.

The same gates as ``eval --fail-if`` (grammar in ``losscli.gates``), optionally against
``--baseline OLD.json``. Prints the gates (table or Markdown) or the updated report (JSON, with
``gates`` and ``status``); each failed gate is also a ``Gate failed: ...`` line on stderr.
Exit 0 when every gate holds (or ``--gate-mode warn``), 1 when one fails, 2 for a bad or
unknown gate, 3 for an unreadable report or a baseline without the gated loss.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Annotated, Any, Optional

import typer

from losscli._atomic import check_distinct
from losscli.cli import _config, _output
from losscli.cli._options import GateMode, OutputFormat
from losscli.errors import InputError, UsageError

app = typer.Typer()

_ConfigPath, _NoConfig = _config.config_options()
FORMATS = ("table", "json", "md")
_out = _output.options(FORMATS, panel=None)

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
    fmt: _out.format = OutputFormat.auto,
    output: _out.output = None,
    write_report: _out.report = None,
    gh_summary: Annotated[bool, typer.Option("--gh-summary", help="Append a Markdown summary to $GITHUB_STEP_SUMMARY (when set).")] = False,
    precision: _out.precision = 6,
    config_path: _ConfigPath = None,
    no_config: _NoConfig = False,
) -> None:
    """Gate an existing JSON report: exit 1 when a gate fails."""
    from losscli import gates as G
    from losscli.cli import _extras, _trace
    from losscli.render import json_report

    _trace.expect(report=write_report, gh_summary=gh_summary, inputs={"report": report_path, "baseline": baseline, "config": config_path}, options=ctx.params)
    check_distinct([("-o", output), ("--report", write_report)], [report_path, baseline, config_path])
    fmt_name = _output.choose_format(fmt, output, command="gate", formats=FORMATS, standing=_output.from_env(ctx))
    check_flags(ctx, fail_if, baseline, baseline_other_target)
    report = G.read_report(report_path)
    entries, other = check_gates(ctx, report, report_path)
    report = gated(ctx, report, entries, other)
    _output.put(functools.partial(emit, report, fmt_name, precision), output, lambda: json_report.to_json(report), write_report)
    if gh_summary:
        _extras.write_summary(report, precision)
    options = _config.gate_options(ctx)
    raise typer.Exit(_output.finish(entries, options.mode, options.mode_from))


def check_flags(ctx: typer.Context, fail_if: list[str], baseline: str | None, other_target: bool) -> None:
    """The usage errors of the flags, before the report is read."""
    from losscli import gates as G

    if not fail_if and "fail_if" not in _config.file_config(ctx).values:
        raise UsageError("No gate given: pass --fail-if EXPR (e.g. --fail-if 'mse<=0.02'), or fail_if in the config file.")
    for g in G.parse_gates(fail_if, _config.where(ctx, "fail_if", "--fail-if")):  # the command line's gates, checked before reading
        if g.relative and baseline is None:
            raise UsageError(f"{g.where} '{g.expr}' compares with base; pass --baseline OLD.json.")
    if other_target and baseline is None:
        raise UsageError("--baseline-other-target accepts a --baseline scored on another target; pass --baseline OLD.json.")


def check_gates(ctx: typer.Context, report: Any, report_path: str) -> tuple[list[dict[str, Any]], str | None]:
    """(the gate entries, config gates skipped included; what differs when the ``--baseline``
    was accepted on another target)."""
    from losscli import gates as G
    from losscli import gating

    baseline = ctx.params["baseline"]
    values = G.report_values(report.to_dict())
    parsed, skipped = gating.gates_in_force(_config.gate_options(ctx), list(values))
    G.check_valued(parsed, report.valueless())
    if baseline is not None and not any(g.relative for g in parsed):
        first = report.losses[0] if report.losses else None
        example = G.example_gate(first.label, first.direction) if first is not None else G.example_gate()
        raise UsageError(f"--baseline is used only by gates with 'base' (e.g. --fail-if '{example}').")
    base, other = base_values(ctx, report, parsed) if baseline is not None else ({}, None)
    entries = []
    for g in parsed:
        value = G.as_number(values[g.label])
        if value is None:
            raise InputError(f"{report_path} has no headline value for '{g.label}' (reduction none?); cannot check '{g.expr}'.")
        entries.append(G.evaluate(g, value, base.get(g.label), baseline=baseline))
    return gating.note_other_target(entries, other) + skipped, other


def base_values(ctx: typer.Context, report: Any, parsed: list[Any]) -> tuple[dict[str, float], str | None]:
    """The ``--baseline`` report's value of each gate with 'base' (reduced like ``report``), and
    what differs when it was accepted on another target (``gating.same_target``)."""
    from losscli import gates as G
    from losscli import gating

    baseline = ctx.params["baseline"]
    old = G.read_report(baseline, "Baseline report").to_dict()
    data = report.to_dict()
    other = gating.same_target(baseline, old.get("inputs"), data["inputs"], ctx.params["baseline_other_target"], old.get("config"), report.config)
    if other is not None:  # said on stderr, as eval says it
        from losscli.cli._extras import warn

        warn([gating.other_target_warning(baseline, other)])
    reductions = G.report_values(data, "reduction")
    base: dict[str, float] = {}
    for g in parsed:  # each gate against the baseline reduced like the report
        if g.relative:
            base.update(G.baseline_values([g], old, baseline, reductions.get(g.label)))
    return base, other


def gated(ctx: typer.Context, report: Any, entries: list[dict[str, Any]], other: str | None) -> Any:
    """The report with the gates, the status and what gated it in its config (and warnings)."""
    from losscli import gates as G
    from losscli import gating

    baseline = ctx.params["baseline"]
    echo = _config.echo(ctx)
    config = {**report.config, "gate_mode": _config.gate_options(ctx).mode, "baseline": baseline, "gated_by": "losscli gate", "fail_if": [e["expr"] for e in entries]}
    config.update(config_file=echo["config_file"], config_keys=echo["config_keys"])
    if other is not None:
        config["baseline_other_target"] = other
    warnings = report.warnings + ((gating.other_target_warning(baseline, other),) if other is not None else ())
    return dataclasses.replace(report, gates=tuple(entries), status=G.status(entries), config=config, warnings=warnings)


def emit(report: Any, fmt_name: str, precision: int, output: str | None) -> None:
    _output.emit(fmt_name, output, lambda name: text(report, name, precision), lambda console: print_gates(console, report, precision))


def text(report: Any, fmt_name: str, precision: int) -> str:
    """The updated report (json), or its gates as Markdown (md) with the config file's note."""
    from losscli.render import json_report

    if fmt_name == "json":
        return json_report.to_json(report)
    from losscli.render._format import config_note, md_note
    from losscli.render.markdown import gates_markdown

    note = config_note(report.config)
    return gates_markdown(list(report.gates), precision, report.config["gate_mode"]) + (f"\n{md_note(note)}\n" if note else "")


def print_gates(console: Any, report: Any, precision: int) -> None:
    """The gates table and the config file's note."""
    from losscli.render.rich_table import print_config_note, print_table
    from losscli.render.terminal import gates_table

    print_table(console, gates_table(list(report.gates), precision, report.config["gate_mode"]))
    print_config_note(console, report)
