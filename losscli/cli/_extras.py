"""``eval``'s extra outputs after the report: ``--hist`` and ``--gh-summary`` (``--plot`` is
written with the other output files, before they are renamed into place together).

- ``--hist`` draws one histogram per loss under the table on stdout when the table goes to
  stdout; with any other output (JSON, CSV, ``-o``, ``-b``) it goes to stderr, so the data on
  stdout stays parseable. A metric without per-sample values gets one line that says so.
- ``--plot FILE`` is checked before any work (suffix, matplotlib installed: exit 2 otherwise).
- ``--gh-summary`` appends to ``$GITHUB_STEP_SUMMARY`` and is silent when the variable is unset.
  A summary that had to be truncated, or that did not fit at all, gives one ``Warning:`` line
  on stderr; so does a summary file that cannot be written (the evaluation still counts).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any


def progress(stream: bool, loaded: Any, paths: list[str | None]) -> Any:
    """The stderr progress bar of a streamed evaluation (``render.progress``): rows done out of
    the total when the inputs know it (arrays), else a running count; drawn only when stderr is
    a terminal and the inputs are >= 50 MB on disk, a no-op otherwise."""
    from losscli.render.progress import ByteProgress

    if not stream:
        return ByteProgress(0, size=0)
    from losscli.readers.stream import input_bytes

    total = None
    for a in loaded.arrays.values():
        try:
            total = len(a)
            break
        except TypeError:
            continue
    return ByteProgress(total, "evaluating", unit="rows", size=input_bytes([p for p in paths if p]))


def warn(warnings: Any) -> None:
    """A report's warnings (inputs of a suspicious kind, ``losscli._kinds``), one
    ``Warning: ...`` line each on stderr (control characters escaped, as in errors)."""
    from losscli.render.escape import line

    for text in warnings:
        print(f"Warning: {line(text.strip())}", file=sys.stderr)


def after_report(
    report: Any,
    values: Mapping[str, Any] | None,
    *,
    hist: bool,
    gh_summary: bool,
    fmt_name: str,
    output: str | None,
    precision: int,
) -> None:
    if hist and values is not None:
        from rich.console import Console

        to_stdout = fmt_name == "table" and output is None
        console = Console() if to_stdout else Console(stderr=True)
        print_histograms(console, report, values, precision)
    if gh_summary:
        write_summary(report, precision)


def print_histograms(console: Any, report: Any, values: Mapping[str, Any], precision: int) -> None:
    from losscli.render.escape import terminal
    from losscli.render.terminal import histogram

    for r in report.losses:
        console.print()
        if r.label not in values:  # a metric without per-sample values (f1, ece): its value is of every row
            console.print(f"{terminal(r.label)}: no per-sample values to draw (a function of every row)", markup=False)
            continue
        console.print(histogram(r.per_sample or r.label, r.direction, values[r.label], precision=min(precision, 4), fit=console.width), overflow="fold")


def write_summary(report: Any, precision: int) -> None:
    """Append the Markdown summary of ``report`` (a ``Report``) to $GITHUB_STEP_SUMMARY (see the module doc)."""
    from losscli.render.markdown import append_summary, summary_markdown

    mode = report.config.get("gate_mode", "fail")
    try:
        path, what = append_summary(summary_markdown(report, precision, mode))
    except OSError as e:
        print(f"Warning: cannot append to $GITHUB_STEP_SUMMARY: {e.strerror or e}.", file=sys.stderr)
        return
    if what == "truncated":
        print(f"Warning: the step summary was truncated to fit GitHub's 1 MiB limit ({path}).", file=sys.stderr)
    elif what == "full":
        print(f"Warning: no step summary written: {path} is already at GitHub's 1 MiB limit.", file=sys.stderr)
