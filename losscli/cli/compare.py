"""``losscli compare -t TARGET BASE CAND... -l SPEC``: rank prediction files on one target.

Per loss and system: value and bootstrap CI; for each candidate the delta vs BASE with its CI,
the paired bootstrap p-value, Holm's adjustment over the candidates and win/tie/loss counts
over samples (``losscli.comparison``). ``--ci analytic``: DeLong's intervals and paired test
instead (roc_auc only). Table, JSON (schema ``losscli.compare/1``) or Markdown.

The flags mean what they mean in ``eval``: ``-p/-y/-w`` select the prediction, target and
weight columns, ``--input ROLE=PATH[:SEL]`` and ``--col ROLE=SEL`` fill the other inputs of a
loss (the same for every system). The target file is ``-t/--target``; ``-y FILE`` without
``-t`` is the older spelling of ``-t FILE`` and still works.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Optional

import typer

from losscli._atomic import check_distinct
from losscli.cli import _output
from losscli.cli import _stats_options as so
from losscli.cli._complete import complete_loss
from losscli.cli._gate_flags import FailIf, Mode
from losscli.cli._options import HASH_HELP, HEADER_HELP, INPUT_HELP, LOSS_HELP, NO_HASH_HELP, QUERY_COL_HELP, Align, GateMode, HashAlgorithm, OutputFormat, Reduction, hash_setting, print_notes, role_map, with_query_col
from losscli.errors import UsageError

app = typer.Typer()

INPUT, LOSSES = "Input", "Losses"
FORMATS = ("table", "json", "md")
_out = _output.options(FORMATS)

EXAMPLES = """
Examples:

  losscli compare -t y.npy base.npy cand_a.npy cand_b.npy -l mse -l mae

  losscli compare -t labels.csv -y label old.csv new.csv -p 'logit_*' -l ce -f md
"""


@app.command("compare", epilog=EXAMPLES)
def compare_command(
    ctx: typer.Context,
    systems: Annotated[list[str], typer.Argument(metavar="BASE CAND...", help="Prediction files: the base, then one or more candidates (formats as for eval).", show_default=False)],
    target: Annotated[Optional[str], typer.Option("-t", "--target", metavar="FILE", help="The target file every system is scored against.", rich_help_panel=INPUT, show_default=False)] = None,
    loss: Annotated[list[str], typer.Option("-l", "--loss", help=LOSS_HELP, rich_help_panel=LOSSES, show_default=False, autocompletion=complete_loss)] = [],  # noqa: B006
    role_inputs: Annotated[list[str], typer.Option("--input", help=INPUT_HELP, rich_help_panel=INPUT, show_default=False)] = [],  # noqa: B006
    role_cols: Annotated[list[str], typer.Option("--col", help="ROLE=SEL: fill a loss input from columns of each system's table; repeatable.", rich_help_panel=INPUT, show_default=False)] = [],  # noqa: B006
    pred_col: Annotated[Optional[str], typer.Option("-p", "--pred-col", help="Prediction column(s) of each system's table, as in eval.", rich_help_panel=INPUT)] = None,
    target_col: Annotated[Optional[str], typer.Option("-y", "--target-col", help="Target column(s) of the TARGET table, as in eval.", rich_help_panel=INPUT)] = None,
    weight_col: Annotated[Optional[str], typer.Option("-w", "--weight-col", help="Sample-weight column (of a table input).", rich_help_panel=INPUT)] = None,
    query_col: Annotated[Optional[str], typer.Option("--query-col", metavar="COL", help=QUERY_COL_HELP, rich_help_panel=INPUT, show_default=False)] = None,
    pred_key: Annotated[Optional[str], typer.Option("--pred-key", help="Array of NPZ systems.", rich_help_panel=INPUT)] = None,
    target_key: Annotated[Optional[str], typer.Option("--target-key", help="Array of an NPZ TARGET.", rich_help_panel=INPUT)] = None,
    header: Annotated[Optional[bool], typer.Option("--header/--no-header", help=HEADER_HELP, rich_help_panel=INPUT, show_default=False)] = None,
    delimiter: Annotated[Optional[str], typer.Option("-d", "--delimiter", help="Field delimiter (default by suffix).", rich_help_panel=INPUT)] = None,
    hash_algorithm: Annotated[Optional[HashAlgorithm], typer.Option("--hash", help=HASH_HELP, rich_help_panel=INPUT, show_default=False)] = None,
    no_hash: Annotated[bool, typer.Option("--no-hash", help=NO_HASH_HELP, rich_help_panel=INPUT)] = False,
    align: Annotated[Align, typer.Option("--align", help="position: pair each system's rows with TARGET's in order (their ids, if both have an id column, must agree); join: pair them by id (every id once in each file), rows in BASE's order.", rich_help_panel=INPUT)] = Align.position,
    reduction: Annotated[Reduction, typer.Option("--reduction", help="Headline value: mean or sum.", rich_help_panel=LOSSES)] = Reduction.mean,
    ci: Annotated[Optional[so.CIMethod], typer.Option("--ci", help="bootstrap (default): the paired Poisson bootstrap; analytic: DeLong's intervals and paired test (roc_auc only).", rich_help_panel=so.STATS, show_default=False)] = None,
    ci_level: so.CILevel = 0.95,
    n_boot: so.NBoot = 1000,
    seed: so.Seed = 0,
    fail_if: FailIf = [],  # noqa: B006
    gate_mode: Mode = GateMode.fail,
    fmt: _out.format = OutputFormat.auto,
    output: _out.output = None,
    report_path: _out.report = None,
    precision: _out.precision = 6,
) -> None:
    """Compare prediction files on one target: value, CI, delta vs BASE, paired p-value (Holm), win/tie/loss."""
    f = {k: v for k, v in locals().items() if k != "ctx"}  # the flags, converted (ctx.params holds enums' text)
    from losscli.cli._extras import warn
    from losscli.comparison import compare

    target, f["target_col"] = target_file(target, target_col, role_inputs)
    check_distinct([("-o", output), ("--report", report_path)], [*systems, target, *(v.partition("=")[2] for v in role_inputs)])
    fmt_name = _output.choose_format(fmt, output, command="compare", formats=FORMATS, standing=_output.from_env(ctx))
    losses, gates = check_request(f)
    loaded = load_systems(f, target, losses)
    inputs = {
        "target": loaded[0].info.get("target", {"path": target}),
        "systems": [{"name": name, **ld.info.get("pred", {"path": name})} for name, ld in zip(systems, loaded)],
    }
    report = compare(
        [(name, ld.arrays, ld.weights) for name, ld in zip(systems, loaded)], losses,
        reduction=reduction.value, ci_level=ci_level, n_boot=n_boot, seed=seed, inputs=inputs, sources=[ld.sources for ld in loaded],
        ci=ci_method(ci),
    )
    report = with_gates(report, gates, gate_mode.value)
    warn(report.warnings)
    _output.put(functools.partial(emit, report, fmt_name, precision), output, lambda: text(report, "json", precision), report_path)
    if gates:
        raise typer.Exit(_output.finish(shown_gates(report), gate_mode.value))


def target_file(target: str | None, target_col: str | None, role_inputs: list[str]) -> tuple[str, str | None]:
    """(the target file, the target column): ``-t FILE``, or ``-y FILE`` alone, the older
    spelling of ``-t FILE`` (without ``-t`` there is no target file for ``-y`` to be a column of)."""
    if target is not None:
        return target, target_col
    if target_col is not None:
        return target_col, None
    raise UsageError("compare scores every system against one target: pass -t/--target FILE.")


def check_request(f: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The resolved losses and the gates, after the usage errors that need no file."""
    from losscli import gates as G
    from losscli.comparison import check_paired
    from losscli.engine import AnalysisOptions, resolve_losses

    if len(f["systems"]) < 2:
        raise UsageError("compare needs a BASE and at least one candidate prediction file.")
    if len(set(f["systems"])) != len(f["systems"]):
        raise UsageError("A prediction file is given twice; each system must be a different file.")
    if not f["loss"]:
        raise UsageError("No loss requested. Pass -l SPEC (e.g. -l mse); see 'losscli list'.")
    if f["reduction"] is Reduction.none:
        raise UsageError("compare ranks headline values; --reduction none has none (use mean or sum).")
    AnalysisOptions(ci_method(f["ci"]), f["ci_level"], f["n_boot"], f["seed"])  # flag values checked before any file is read
    losses = resolve_losses(f["loss"])
    if ci_method(f["ci"]) == "analytic":
        check_paired(losses)
    return losses, G.match_labels(G.parse_gates(f["fail_if"]), [b.label for b in losses])


def ci_method(ci: Any) -> str:
    """``--ci``'s method: the paired bootstrap unless analytic is asked for."""
    return "bootstrap" if ci is None else ci.value


def with_gates(report: Any, gates: list[Any], mode: str) -> Any:
    """The ``CompareReport`` with each gate checked for every candidate (``gating.compare_gates``)."""
    import dataclasses

    from losscli import gates as G
    from losscli.gating import compare_gates

    if not gates:
        return report
    names = [s["name"] for s in report.inputs["systems"]]
    entries = compare_gates(gates, names, {e.label: [s.value for s in e.systems] for e in report.losses})
    config = {**report.config, "fail_if": [g.expr for g in gates], "gate_mode": mode}
    return dataclasses.replace(report, status=G.status(entries), config=config, gates=tuple(entries))


def shown_gates(report: Any) -> list[dict[str, Any]]:
    """The gate entries as shown (tables, stderr): each expression prefixed by its system."""
    return [{**e, "expr": f"{e['system']}: {e['expr']}"} for e in report.gates]


def load_systems(f: dict[str, Any], target: str, losses: list[Any]) -> list[Any]:
    """Each system read with the target and the ``--input`` files (as ``eval`` reads them);
    with ``--align join`` every system's rows in BASE's order (samples paired across systems).
    A progress bar on stderr for large inputs (``render.progress``)."""
    from losscli import readers, run
    from losscli.readers import pairing
    from losscli.render.progress import ByteProgress, total_size

    roles = [[r.name for r in part.spec.roles] for b in losses for part in b.parts]
    known = list(dict.fromkeys(r for rs in roles for r in rs))
    read = dict(
        roles=roles, inputs=role_map(f["role_inputs"], "--input", "ROLE=PATH[:SEL]", known), role_cols=role_map(with_query_col(f["role_cols"], f["query_col"]), "--col", "ROLE=SEL", known),
        pred_col=f["pred_col"], target_col=f["target_col"], weight_col=f["weight_col"], pred_key=f["pred_key"], target_key=f["target_key"],
        header=f["header"], delimiter=f["delimiter"], hash_inputs=hash_setting(f["hash_algorithm"], f["no_hash"]), align=f["align"].value,
        key_roles=run.id_roles(losses),
    )
    loaded: list[Any] = []
    with ByteProgress(total_size(f["systems"]), "comparing") as bar:
        for path in f["systems"]:
            loaded.append(readers.load_inputs(path, target, **read))
            pairing.check_block(dict(loaded[-1].pairs), 0)  # in memory: the ids of the system and TARGET agree row by row
            if f["align"] is Align.join and len(loaded) > 1:
                pairing.reorder(loaded[-1], loaded[0].ids)
            print_notes([n for n in loaded[-1].notes if len(loaded) == 1 or n not in loaded[0].notes])  # TARGET's once
            bar.advance(total_size([path]))
    return loaded


def emit(report: Any, fmt_name: str, precision: int, output: str | None) -> None:
    _output.emit(fmt_name, output, lambda name: text(report, name, precision), lambda console: print_tables(console, report, precision), width=160)


def text(report: Any, fmt_name: str, precision: int) -> str:
    """The report (a ``CompareReport``) as JSON or Markdown."""
    from losscli.render import compare as render, json_report

    if fmt_name == "json":
        return json_report.to_json(report)
    from losscli.render.markdown import gates_markdown

    gated = gates_markdown(shown_gates(report), precision, report.config.get("gate_mode", "fail"))
    return render.markdown(report, precision) + (f"\n{gated}" if gated else "")


def print_tables(console: Any, report: Any, precision: int) -> None:
    """One table per loss, a blank line between them."""
    from losscli.render import compare as render
    from losscli.render.rich_table import print_table

    for i, t in enumerate(render.tables(report, precision)):
        if i:
            console.print()
        print_table(console, t)
    if report.gates:
        console.print()
        _output.print_gates(console, shown_gates(report), precision, report.config.get("gate_mode", "fail"))
