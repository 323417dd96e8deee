"""``losscli merge STATE...``: the report of shards evaluated separately, as one run over all rows.

Each shard is evaluated with ``losscli eval ... --emit-state shard.json``; the states hold the
mergeable statistics (compensated sums, Chan's mean and M2, counts, min and max, and the
statistics options' state), so merging them gives the values of a single run over every row
(to rounding, ~1e-15 relative; ``n``, ``min`` and ``max`` exactly). States must come from the
same losses, reduction and NaN policy: anything else is a usage error (exit 2); a file that is
not a state, or is not what ``eval --emit-state`` writes (``cli._state.validate``: counts,
sums, shapes, the version that wrote it), is exit 3, and so is a state given twice or two
states over the same rows of one input (``cli._state.overlaps``).
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Optional

import typer

from losscli._atomic import atomic_write, check_distinct, commit
from losscli._jsonfile import read_json
from losscli._version import __version__
from losscli.cli import _state
from losscli.cli._options import OutputFormat, Reduction
from losscli.errors import InputError, UsageError
from losscli.render.escape import json_text

app = typer.Typer()

STATE_SCHEMA = "losscli.state/1"
_SAME = (("losses", "losses (-l)"), ("reduction", "--reduction"), ("nan_policy", "--nan-policy"), ("weighted", "sample weights (-w)"))

EXAMPLES = """
Examples:

  losscli eval part1.csv -l mse -l mae --emit-state s1.json -f json -o /dev/null

  losscli merge s1.json s2.json s3.json -f table

  losscli merge states/*.json -o report.json
"""


@app.command("merge", epilog=EXAMPLES)
def merge_command(
    states: Annotated[list[str], typer.Argument(metavar="STATE...", help="States written by 'losscli eval --emit-state', one per shard (any order).", show_default=False)],
    fmt: Annotated[OutputFormat, typer.Option("-f", "--format", envvar="LOSSCLI_FORMAT", help="auto = a table on a terminal, JSON otherwise.")] = OutputFormat.auto,
    output: Annotated[Optional[str], typer.Option("-o", "--output", help="Write the report to FILE (format from its suffix unless -f).")] = None,
    report_path: Annotated[Optional[str], typer.Option("--report", help="Also write the JSON report to FILE.")] = None,
    score_only: Annotated[bool, typer.Option("-b", "--score-only", help="Print bare headline values, one per line.")] = False,
    precision: Annotated[int, typer.Option("--precision", min=1, max=17, help="Significant digits in table, csv and md output (JSON is always exact).")] = 6,
) -> None:
    """Merge the states of shards into the report of one run over all of them."""
    from losscli.cli import _trace
    from losscli.cli.eval import _emit, _output_format
    from losscli.render import json_report

    _trace.expect(report=report_path, inputs={"states": states}, options={"format": fmt, "output": output, "score_only": score_only, "precision": precision})
    check_distinct([("-o", output), ("--report", report_path)], states)
    start = time.perf_counter()
    loaded = [(path, read_state(path)) for path in states]
    first_path, first = loaded[0]
    reduction = Reduction(first["reduction"]) if first.get("reduction") in Reduction.__members__ else Reduction.mean
    fmt_name = _output_format(fmt, output, score_only, reduction)
    check_compatible(loaded)
    acc = merged(loaded)
    inputs = {"states": [{"path": path, "rows": state["rows"], "inputs": state.get("inputs", {})} for path, state in loaded]}
    report = acc.compute(inputs=inputs, config={"merged_states": len(loaded)}, seconds=time.perf_counter() - start)
    from losscli.cli._extras import warn

    warn(report.warnings)
    if report_path is not None:
        with atomic_write(report_path) as fh:
            fh.write(json_report.to_json(report))
    if output is not None:
        _emit(report, fmt_name, output, precision)
    commit()  # the files in place together, before anything is printed
    if output is None:
        _emit(report, fmt_name, output, precision)


def read_state(path: str) -> dict[str, Any]:
    """A state file as a dict, or exit 3 saying why it is not one."""
    state = read_json(
        path,
        missing=f"File not found: {path}",
        invalid=lambda e: f"{path} is not a losscli state (invalid JSON: {e}); write one with 'losscli eval --emit-state'.",
    )
    if not isinstance(state, dict) or "schema" not in state:
        raise InputError(f"{path} is not a losscli state (no 'schema'); write one with 'losscli eval --emit-state'.")
    if state["schema"] != STATE_SCHEMA:
        raise InputError(f"{path} has schema {state['schema']!r}; this losscli {__version__} reads {STATE_SCHEMA!r}.")
    missing = [k for k in ("losses", "reduction", "nan_policy", "rows", "dropped", "weighted", "summaries") if k not in state]
    if missing:
        raise InputError(f"{path} is not a valid losscli state: it has no {', '.join(repr(k) for k in missing)}.")
    _state.validate(path, state)
    return state


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
    """One ``Accumulator`` holding every state (merged in the order given)."""
    from losscli.engine import Accumulator, resolve_losses, rowwise

    whole = [b.label for b in resolve_losses(loaded[0][1]["losses"]) if not rowwise(b)]
    if whole and len(loaded) > 1:
        raise UsageError(
            f"{', '.join(whole)} compares each row with every other row of its evaluation: shards "
            "cannot be merged into the value of one run; evaluate all rows at once."
        )
    _state.overlaps(loaded)

    acc = None
    for path, state in loaded:
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


def write_state(path: str, acc: Any, inputs: dict[str, Any]) -> None:
    """``--emit-state``: the accumulator's state (with the tool and the inputs, for provenance),
    written atomically. Floats are written exactly (repr); infinities as JSON ``Infinity``."""
    state = dict(acc.state())
    state["tool"] = {"name": "losscli", "version": __version__}
    state["inputs"] = inputs
    with atomic_write(path) as fh:
        fh.write(json_text(json.dumps(state)))
        fh.write("\n")


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
