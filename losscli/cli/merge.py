"""``losscli merge STATE...``: the report of shards evaluated separately, as one run over all rows.

Each shard is evaluated with ``losscli eval ... --emit-state shard.json``; the states hold the
mergeable statistics (compensated sums, Chan's mean and M2, counts, min and max, and the
statistics options' state), so merging them gives the values of a single run over every row
(to rounding, ~1e-15 relative; ``n``, ``min`` and ``max`` exactly). States must come from the
same losses, reduction and NaN policy: anything else is a usage error (exit 2); a file that is
not a state, or is not what ``eval --emit-state`` writes (``losscli.state.validate``: counts,
sums, shapes, the version that wrote it), is exit 3, and so is a state given twice or two
states over the same rows of one input (``losscli.state.overlaps``).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from losscli.state import first_row, overlaps, read_state
from losscli._atomic import check_distinct
from losscli.cli import _output
from losscli.cli._gate_flags import FailIf, Mode, gate_options
from losscli.cli._options import GateMode, OutputFormat
from losscli.errors import InputError, UsageError

app = typer.Typer()
_out = _output.options(panel=None)
_SAME = (("losses", "losses (-l)"), ("reduction", "--reduction"), ("nan_policy", "--nan-policy"), ("weighted", "sample weights (-w)"))

EXAMPLES = """
Examples:

  losscli eval part1.csv -l mse -l mae --emit-state s1.json -f json -o /dev/null

  losscli merge s1.json s2.json s3.json -f table

  losscli merge states/*.json -o report.json

  losscli merge states/*.json --fail-if 'mse<=0.02'
"""


@app.command("merge", epilog=EXAMPLES)
def merge_command(
    states: Annotated[list[str], typer.Argument(metavar="STATE...", help="States written by 'losscli eval --emit-state', one per shard (any order).", show_default=False)],
    fmt: _out.format = OutputFormat.auto,
    output: _out.output = None,
    report_path: _out.report = None,
    score_only: _out.score_only = False,
    precision: _out.precision = 6,
    fail_if: FailIf = [],  # noqa: B006
    gate_mode: Mode = GateMode.fail,
) -> None:
    """Merge the states of shards into the report of one run over all of them."""
    from losscli import gating
    from losscli.cli import _extras, _trace

    _trace.expect(report=report_path, inputs={"states": states}, options={"format": fmt, "output": output, "score_only": score_only, "precision": precision})
    check_distinct([("-o", output), ("--report", report_path)], states)
    gates = gate_options(fail_if, gate_mode, "merge")
    start = time.perf_counter()
    loaded = [(path, read_state(path)) for path in states]
    if score_only and loaded[0][1].get("reduction") == "none":
        raise UsageError("-b/--score-only prints headline values, but --reduction none has none.")
    fmt_name = _output.choose_format(fmt, output, command="merge", score_only=score_only)
    check_compatible(loaded)
    acc = merged(loaded)
    gate_plan = gating.plan(gates, acc.losses, loaded[0][1]["reduction"])
    inputs = {"states": [{"path": path, "rows": state["rows"], "inputs": state.get("inputs", {})} for path, state in loaded]}
    report = acc.compute(inputs=inputs, config={"merged_states": len(loaded)}, seconds=time.perf_counter() - start)
    if gate_plan is not None:
        report = gating.complete(report, gate_plan, echo={"gate_mode": gate_plan.mode})
    _extras.warn(report.warnings)
    _output.publish(report, fmt_name, output, precision, report_path)
    if gate_plan is not None:
        raise typer.Exit(_output.finish(report.gates, gate_plan.mode, gate_plan.mode_from))


def check_compatible(loaded: list[tuple[str, dict[str, Any]]]) -> None:
    """Usage error (exit 2) unless every state was computed with the same settings."""
    first_path, first = loaded[0]
    for path, state in loaded[1:]:
        for key, what in _SAME:
            if state[key] != first[key]:
                raise UsageError(
                    f"Cannot merge {path} into {first_path}: their {what} differ "
                    f"({_show(state[key])} vs {_show(first[key])}); merge states of the same evaluation settings."
                )


def merged(loaded: list[tuple[str, dict[str, Any]]]):
    """One ``Accumulator`` holding every state, merged in row order (their first rows,
    ``--row-offset``; states that start at the same row in the order given)."""
    from losscli.engine import Accumulator, resolve_losses, rowwise

    whole = [b.label for b in resolve_losses(loaded[0][1]["losses"]) if not rowwise(b)]
    if whole and len(loaded) > 1:
        raise UsageError(
            f"{', '.join(whole)} gives a row a value that depends on other rows of its evaluation: shards "
            "cannot be merged into the value of one run; evaluate all rows at once."
        )
    overlaps(loaded)

    acc = None
    for path, state in sorted(loaded, key=lambda item: first_row(item[1])):  # in row order (--row-offset), whatever order given: mrr/map rank the earlier of tied rows first
        try:
            part = Accumulator.from_state(state)
        except (KeyError, TypeError, ValueError, IndexError, OverflowError) as e:  # (validate checked the fields)
            raise InputError(f"{path} is not a valid losscli state: {type(e).__name__}: {e}.") from None
        if acc is None:
            acc = part
            continue
        try:
            acc.merge(part)
        except UsageError as e:
            raise UsageError(f"Cannot merge {path} into {loaded[0][0]}: {e}") from None
    return acc


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
