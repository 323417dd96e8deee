"""What every command prints or writes, declared once: the output options (``options``), one
format chooser (``choose_format``), one ``emit`` (stdout or an ``-o`` file, written atomically),
the report's table view (``print_report``) and the gates' stderr lines and exit code (``finish``).

Formats: ``auto`` is a table when stdout is a terminal, JSON otherwise; ``-o FILE`` takes the
format from its suffix unless ``-f`` is given; ``LOSSCLI_FORMAT`` (or the config file) sets a
standing default that ``-b`` and the suffix of ``-o`` override. Data goes to stdout, diagnostics to
stderr; an output file appears only when the whole run succeeds (``losscli._atomic``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Annotated, Any, NamedTuple, Optional

import typer

from losscli import gates as G
from losscli._atomic import atomic_write, commit
from losscli.cli._options import OutputFormat
from losscli.errors import UsageError
from losscli.render.escape import line

OUTPUT = "Output"
FORMATS = ("table", "json", "jsonl", "csv", "md")
SUFFIX_FORMATS = {".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".md": "md", ".txt": "table"}


class Options(NamedTuple):
    """The ``Annotated`` types of the output flags, for a command's signature."""

    format: Any
    output: Any
    report: Any
    score_only: Any
    precision: Any


def options(formats: Sequence[str] = FORMATS, panel: str | None = OUTPUT) -> Options:
    """The output flags of a command writing ``formats`` (-f, -o, --report, -b, --precision)."""
    text = [f for f in ("table", "csv", "md") if f in formats]
    return Options(
        Annotated[OutputFormat, typer.Option("-f", "--format", envvar="LOSSCLI_FORMAT", help=_format_help(formats), rich_help_panel=panel)],
        Annotated[Optional[str], typer.Option("-o", "--output", metavar="FILE", help="Write the output to FILE (format from its suffix unless -f).", rich_help_panel=panel, show_default=False)],
        Annotated[Optional[str], typer.Option("--report", metavar="FILE", help="Also write the JSON report to FILE.", rich_help_panel=panel, show_default=False)],
        Annotated[bool, typer.Option("-b", "--score-only", help="Print bare headline values, one per line.", rich_help_panel=panel)],
        Annotated[int, typer.Option("--precision", min=1, max=17, help=f"Significant digits in {_words(text, 'and')} output (JSON is always exact).", rich_help_panel=panel)],
    )


def _format_help(formats: Sequence[str]) -> str:
    some = "" if set(formats) >= set(FORMATS) else f" Writes {_words(formats, 'or')}."
    return "auto = a table on a terminal, JSON otherwise." + some


def _words(items: Sequence[str], last: str) -> str:
    """``a, b or c``."""
    return ", ".join(items[:-1]) + f" {last} {items[-1]}" if len(items) > 1 else "".join(items)


def from_env(ctx: typer.Context, param: str = "fmt") -> bool:
    """Whether ``param`` came from ``LOSSCLI_*`` or the config file (a standing default)."""
    src = ctx.get_parameter_source(param)
    return src is not None and src.name in ("ENVIRONMENT", "DEFAULT_MAP")


def choose_format(
    fmt: OutputFormat,
    output: str | None,
    *,
    command: str = "eval",
    formats: Collection[str] = FORMATS,
    standing: bool = False,
    score_only: bool = False,
) -> str:
    """The output format, checked before any file is read: ``bare`` for ``-b``, else ``-f``,
    else the suffix of ``-o``, else a standing default (``standing``: ``fmt`` came from
    ``LOSSCLI_FORMAT`` or the config file; ignored where this command cannot write it), else
    a table on a terminal and JSON otherwise."""
    fmt = OutputFormat(fmt)
    given = fmt is not OutputFormat.auto and not standing
    if score_only:
        if given:
            raise UsageError("Use just one of -b/--score-only and -f/--format.")
        return "bare"
    if given:
        if fmt.value not in formats:
            raise UsageError(f"'losscli {command}' writes {', '.join(formats)}, not {fmt.value}.")
        return fmt.value
    default = fmt.value if fmt is not OutputFormat.auto and fmt.value in formats else None
    if output is not None:
        suffixes = {s: f for s, f in SUFFIX_FORMATS.items() if f in formats}
        suffix = os.path.splitext(output)[1].lower()
        if suffix in suffixes:
            return suffixes[suffix]
        if default is None:
            raise UsageError(f"Cannot tell the format of -o {output} from its suffix ({', '.join(suffixes)}); pass -f.")
    return default or ("table" if sys.stdout.isatty() else "json")


def write(output: str | None, text: str) -> None:
    """``text`` to stdout, or to the file ``output`` (in place when the run succeeds)."""
    if output is None:
        sys.stdout.write(text)
        return
    with atomic_write(output) as fh:
        fh.write(text)


def emit(fmt_name: str, output: str | None, text: Callable[[str], str], table: Callable[[Any], None], width: int = 120) -> None:
    """The one output of a command: ``table(console)`` for the table format (a terminal, or
    plain text ``width`` columns wide in a file), else ``text(fmt_name)``."""
    if fmt_name != "table":
        write(output, text(fmt_name))
        return
    from rich.console import Console

    if output is None:
        table(Console())
        return
    with atomic_write(output) as fh:
        table(Console(file=fh, width=width, no_color=True, force_terminal=False))


def report_text(report: Any, fmt_name: str, precision: int) -> str:
    """A ``Report`` in a text format (bare, json, jsonl, csv, md)."""
    from losscli.render import json_report

    if fmt_name == "bare":
        return json_report.score_only(report)
    if fmt_name == "json":
        return json_report.to_json(report)
    if fmt_name == "jsonl":
        return json_report.to_jsonl(report)
    if fmt_name == "csv":
        return json_report.to_csv(report, precision)
    return json_report.to_markdown(report, precision)


def emit_report(report: Any, fmt_name: str, output: str | None, precision: int) -> None:
    """``emit`` of a ``Report``."""
    emit(fmt_name, output, lambda f: report_text(report, f, precision), lambda console: print_report(console, report, precision))


def publish(report: Any, fmt_name: str, output: str | None, precision: int, report_path: str | None = None, *, show: bool = True) -> None:
    """``--report`` and ``-o`` written, every output file put in place at once, then stdout
    (``show`` False: the output holds something else, written already, e.g. per-sample values)."""

    def shown(out: str | None) -> None:
        if show:
            emit_report(report, fmt_name, out, precision)

    put(shown, output, lambda: report_text(report, "json", precision), report_path)


def print_report(console: Any, report: Any, precision: int) -> None:
    """The table view of a report: the losses, the config note, the metrics' matrices
    (confusion), the worst rows (``--top-k``), the gates and the warnings."""
    from losscli.render.breakdown import worst_table
    from losscli.render.matrix import print_matrices
    from losscli.render.rich_table import print_config_note, print_table, table

    print_table(console, table(report, precision))
    print_config_note(console, report)
    print_matrices(console, report, precision, print_table)
    worst = worst_table(report, precision)
    if worst is not None:
        console.print()
        print_table(console, worst)
    print_gates(console, report.gates, precision, report.config.get("gate_mode", "fail"))
    print_warnings(console, report.warnings)


def print_gates(console: Any, entries: Sequence[Mapping[str, Any]], precision: int, mode: str = "fail") -> None:
    """The gates table under the loss table (nothing without gates)."""
    if not entries:
        return
    from losscli.render.rich_table import print_table
    from losscli.render.terminal import gates_table
    from losscli.report import gate_tally

    console.print(f"gates: {gate_tally(entries)}", highlight=False, markup=False)
    print_table(console, gates_table(entries, precision, mode))


def print_warnings(console: Any, warnings: Sequence[str]) -> None:
    """The warnings under the table (plain text: never read as rich markup)."""
    from rich.text import Text

    for text in warnings:
        console.print(Text(f"warning: {line(text.strip())}", style="yellow"), crop=False, soft_wrap=True)


def finish(entries: Sequence[Mapping[str, Any]], mode: str, mode_from: str = "--gate-mode warn") -> int:
    """One stderr line per failed or skipped gate; the exit code (1 on a failure unless ``mode``
    is warn, which ``mode_from`` names: the flag or the config file that set it). Under GitHub
    Actions each failed gate is also an annotation (``losscli.cli._trace.annotate``)."""
    from losscli.cli._trace import annotate

    failed = [e for e in entries if G.outcome(e) == "fail"]
    for e in entries:
        if G.outcome(e) == "skipped":
            print(line(f"Note: gate {e['expr']} ({e.get('from', '--fail-if')}) skipped: {e.get('note', 'not checked')}."), file=sys.stderr)
    for e in failed:
        what = G.describe_failure(e)
        if mode == "warn":
            print(f"Warning: gate failed ({mode_from}): {line(what)}", file=sys.stderr)
            annotate("warning", f"gate failed ({mode_from}): {what}")
        else:
            print(f"Gate failed: {line(what)}", file=sys.stderr)
            annotate("error", f"Gate failed: {what}")
    return 1 if failed and mode != "warn" else 0


def put(show: Callable[[str | None], None], output: str | None, report_json: Callable[[], str], report_path: str | None = None) -> None:
    """The outputs of a command (``publish`` for a ``Report``): ``--report``
    (``report_json()``) and ``-o`` (``show(output)``) written, every output file put in place at
    once, then stdout (``show(None)``)."""
    if report_path is not None:
        write(report_path, report_json())
    if output is not None:
        show(output)
    commit()  # every output file in place at once, before anything is printed
    if output is None:
        show(None)
