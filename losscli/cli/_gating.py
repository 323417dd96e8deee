"""``eval``'s gates: checked before any work (``plan``), decided after the report (``decide``),
reported on stderr with the exit code (``finish``). The grammar and the test are in
``losscli.gates``; this module adds the baseline handling that needs the readers and the engine.

Output contract: the gate results are data (``gates`` and ``status`` in the JSON report, a gates
section under the table and in Markdown); each failed gate is also one diagnostic line on stderr,
``Gate failed: EXPR: LABEL is VALUE, threshold T``, so a CI log says why the step failed whatever
the format (and, under GitHub Actions, an ``::error::`` annotation, ``losscli.cli._trace``). ``--gate-mode warn`` prints ``Warning: gate failed: ...`` instead and exits 0 (the
report still says ``status: fail``). Passing gates print nothing on stderr.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import typer

from losscli import gates as G
from losscli.cli import _config
from losscli.cli._options import print_notes
from losscli.errors import InputError, UsageError
from losscli.render.escape import line
from losscli.report import gate_tally


@dataclass
class GatePlan:
    gates: list[G.Gate]
    mode: str = "fail"
    baseline: str | None = None
    baseline_is_report: bool = False
    base_values: dict[str, float] = field(default_factory=dict)
    base_inputs: dict[str, Any] = field(default_factory=dict)  # a JSON baseline's inputs: its rows and target digests
    base_config: dict[str, Any] = field(default_factory=dict)  # a JSON baseline's config: weighted, nan_policy
    other_target: bool = False  # --baseline-other-target: a JSON baseline scored on another target is accepted
    significant: bool = False
    alpha: float = 0.05
    seed: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)  # config gates not checked (entries)

    @property
    def needs_per_sample(self) -> bool:
        """The paired test needs every row's loss of the candidate (and of the baseline)."""
        return self.significant


def all_labels(losses: Sequence[Any]) -> tuple[list[str], list[str]]:
    """(top-level labels, term labels of combinations) of resolved losses."""
    top = [b.label for b in losses]
    terms = [p.label for b in losses for p in getattr(b, "parts", (b,)) if p.label not in top]
    return top, list(dict.fromkeys(terms))


def plan(
    ctx: typer.Context,
    fail_if: Sequence[str],
    baseline: str | None,
    significant: bool,
    alpha: float,
    gate_mode: str,
    losses: Sequence[Any],
    reduction: str,
    other_target: bool = False,
) -> GatePlan | None:
    """Parse and check the gates against the requested losses, before any input is read."""
    alpha_given = _given(ctx, "alpha")
    top, terms = all_labels(losses)
    parsed, skipped = gates_in_force(ctx, fail_if, top + terms, baseline=baseline)
    if not parsed:
        for flag, used in (("--baseline", baseline is not None), ("--significant", significant), ("--alpha", alpha_given), ("--baseline-other-target", other_target)):
            if used:
                raise UsageError(f"{flag} is used by gates; pass --fail-if EXPR (e.g. --fail-if 'mse<=base*1.02').")
        return GatePlan([], mode=gate_mode, skipped=skipped) if skipped else None
    if reduction == "none":
        raise UsageError(f"{parsed[0].where} compares headline values, but --reduction none has none; use mean or sum.")
    relative = [g for g in parsed if g.relative]
    if relative and baseline is None:
        raise UsageError(f"{relative[0].where} '{relative[0].expr}' compares with base; pass --baseline REPORT.json (or the baseline's prediction file).")
    if baseline is not None and not relative:
        raise UsageError("--baseline is used only by gates with 'base' (e.g. --fail-if 'mse<=base*1.02').")
    if significant and baseline is None:
        raise UsageError("--significant tests against a baseline; pass --baseline PRED_FILE and a gate with 'base'.")
    if alpha_given and not significant:
        raise UsageError("--alpha is the level of --significant; pass --significant too.")
    if not 0 < alpha < 1:
        raise UsageError(f"--alpha must be between 0 and 1, got {alpha:g}.")
    out = GatePlan(parsed, mode=gate_mode, baseline=baseline, other_target=other_target, significant=significant, alpha=alpha, seed=_seed(ctx), skipped=skipped)
    if baseline is not None:
        out.baseline_is_report = baseline.lower().endswith(".json")
        if out.baseline_is_report:
            if significant:
                raise UsageError(
                    "--significant needs the baseline's per-sample losses: pass its prediction file as --baseline, not a JSON report."
                )
            base_report = G.load_report(baseline, "Baseline report")
            out.base_values = G.baseline_values(parsed, base_report, baseline, reduction)
            out.base_inputs = base_report.get("inputs") if isinstance(base_report.get("inputs"), dict) else {}
            out.base_config = base_report.get("config") if isinstance(base_report.get("config"), dict) else {}
        else:
            if other_target:
                raise UsageError("--baseline-other-target accepts a JSON report scored on another target; a prediction-file --baseline is scored on this run's target.")
            if significant:
                in_terms = [g for g in relative if g.label not in top]
                if in_terms:
                    raise UsageError(f"--significant tests whole losses; '{in_terms[0].label}' is a term of a combination.")
            _check_file(baseline)  # a missing file or unknown format fails now, not after the main read
    return out


def gates_in_force(ctx: typer.Context, fail_if: Sequence[str], labels: Sequence[str], *, baseline: str | None = None) -> tuple[list[G.Gate], list[dict[str, Any]]]:
    """The gates to check, matched to ``labels``, and the entries of config gates skipped.

    The config file's ``fail_if`` always applies; ``--fail-if`` flags (or ``LOSSCLI_FAIL_IF``)
    add to it. A config gate belongs to the config's losses: when the command line chose the
    losses (``-l`` or ``LOSSCLI_LOSSES``) and the gate's loss is not among them, or the gate
    compares with ``base`` and no ``--baseline`` was given, it is skipped (listed, never silent)
    instead of stopping the run. A gate given on the command line must always be checkable.
    """
    cfg = _config.file_config(ctx)
    file_where = f"'fail_if' in {cfg.where}"
    own = [] if _config.source(ctx, "fail_if") == "DEFAULT_MAP" else list(fail_if)
    chosen_here = _config.source(ctx, "loss") in ("COMMANDLINE", "ENVIRONMENT")
    gates: list[G.Gate] = []
    skipped: list[dict[str, Any]] = []
    for g in G.parse_gates(cfg.values.get("fail_if", ()), file_where):
        if chosen_here and G.find_label(g.label, labels) is None:
            skipped.append(G.skipped(g, f"{g.label} is not computed (the command line chose the losses: {', '.join(labels)})"))
        elif g.relative and baseline is None:
            skipped.append(G.skipped(g, "it compares with base and no --baseline was given"))
        else:
            gates.extend(G.match_labels([g], labels))
    seen = {g.expr for g in gates}
    own_where = _config.where(ctx, "fail_if", "--fail-if")
    gates += [g for g in G.match_labels(G.parse_gates(own, own_where), labels) if g.expr not in seen]
    return gates, skipped


def _check_file(text: str) -> None:
    import os

    from losscli.readers import parse_source

    path = parse_source(text).path
    if path == "-" or any(ch in path for ch in "*?["):
        return
    if os.path.isdir(path):
        raise InputError(f"{path} is a directory, not a file.")
    if not os.path.exists(path):
        raise InputError(f"File not found: {path}")


def _given(ctx: typer.Context, name: str) -> bool:
    """On the command line (a value from LOSSCLI_* or the config file is a standing default)."""
    src = ctx.get_parameter_source(name)
    return src is not None and src.name == "COMMANDLINE"


def _seed(ctx: typer.Context) -> int:
    seed = ctx.params.get("seed")
    return int(seed) if isinstance(seed, int) else 0


def evaluate_baseline(
    gp: GatePlan,
    loaded: Any,
    losses: Sequence[Any],
    acc_options: Mapping[str, Any],
    read_options: Mapping[str, Any],
    rows: Any = None,
):
    """Evaluate the baseline prediction file on the same target: (report, per-sample values).

    The baseline replaces PRED only (read with the same -p/--pred-key/-d/--header options); every
    other input, the target and the weights come from this evaluation. ``rows`` (a boolean
    mask, or None for all) restricts it to the rows the candidate kept under ``--nan-policy
    omit``, so both values are means over the same rows; the per-sample values come back at
    full length with NaN elsewhere.
    """
    import numpy as np

    from losscli import readers
    from losscli.engine import Accumulator

    if "pred" not in loaded.arrays:
        raise UsageError("A prediction-file --baseline replaces PRED, but this evaluation takes its predictions from --input/--col.")
    base = readers.load_inputs(gp.baseline, None, roles=[["pred"]], **read_options)
    print_notes(base.notes)
    _check_ids(base, loaded, gp.baseline)
    arrays = dict(loaded.arrays)
    arrays["pred"] = base.arrays["pred"]
    weights = loaded.weights
    sources = dict(loaded.sources)
    sources["pred"] = f"baseline {base.sources.get('pred', gp.baseline)}"
    n = len(arrays["pred"])
    subset = rows is not None and len(rows) == n and not bool(np.all(rows))
    if subset:
        arrays = {k: np.asarray(v)[rows] if np.ndim(v) and len(v) == n else v for k, v in arrays.items()}
        weights = None if weights is None else np.asarray(weights)[rows]
    acc = Accumulator(list(losses), sources=sources, **acc_options)
    values = acc.update(arrays, weights)
    if subset:
        full = {}
        for label, v in values.items():
            out = np.full(n, np.nan)
            out[rows] = v
            full[label] = out
        values = full
    return acc.compute(), values


def _check_ids(base: Any, loaded: Any, where: str) -> None:
    """The baseline's rows pair with this evaluation's by position: where the baseline and
    TARGET (or PRED) have an id column of the same name (case-insensitive), the ids must agree
    row by row (``readers.pairing``); ``--align join`` does not apply to a baseline."""
    from losscli.readers import pairing

    mine = base.keys.get("pred", {})
    for side in ("target", "pred"):
        for name, read in loaded.keys.get(side, {}).items():
            other = next((v for k, v in mine.items() if k.lower() == name.lower()), None)
            if other is None:
                continue
            other, ids = other(), read()
            row = pairing.first_difference(other, ids)
            if row is not None:
                there = loaded.sources.get(side, side).split(" column ")[0]
                raise InputError(
                    f"The baseline's rows are paired by position, but row {row + 1} has {name} {pairing.show(other[row])} in {where} "
                    f"and {pairing.show(ids[row])} in {there}; sort the baseline's rows like {there}."
                )
            return


def complete(
    ctx: typer.Context,
    report: Any,
    gp: GatePlan | None,
    *,
    values: Mapping[str, Any] | None,
    loaded: Any,
    losses: Sequence[Any],
    acc_options: Mapping[str, Any],
    read_options: Mapping[str, Any],
    fmt_name: str,
) -> Any:
    """The report with the effective configuration echoed and, with gates, their entries and
    ``status`` (evaluating a prediction-file baseline on the same target first)."""
    cfg = dict(report.config)
    cfg.update(_config.echo(ctx, format=fmt_name))
    if gp is None or not gp.significant:
        cfg.pop("alpha", None)  # only meaningful with --significant
    if gp is not None:
        cfg.update(baseline=gp.baseline, fail_if=[g.expr for g in gp.gates] + [e["expr"] for e in gp.skipped])
        if gp.significant:
            cfg.update(significant=True, alpha=gp.alpha, seed=gp.seed)
    other = (
        same_target(gp.baseline, gp.base_inputs, report.to_dict()["inputs"], gp.other_target, gp.base_config, report.config)
        if gp is not None and gp.baseline_is_report else None
    )
    if other is not None:
        cfg["baseline_other_target"] = other
    report = dataclasses.replace(report, config=cfg)
    if gp is None:
        return report
    base_report = base_values = None
    if gp.baseline is not None and not gp.baseline_is_report:
        rows = None
        if values and acc_options.get("nan_policy") == "omit":
            import numpy as np

            rows = np.isfinite(next(iter(values.values())))  # the rows the candidate kept
        base_report, base_values = evaluate_baseline(gp, loaded, losses, acc_options, read_options, rows)
    report = decide(gp, report, values, base_report, base_values, loaded.weights)
    warnings = report.warnings + ((other_target_warning(gp.baseline, other),) if other is not None else ())
    return dataclasses.replace(report, gates=tuple(note_other_target(report.gates, other)), warnings=warnings)


def same_target(baseline: str, base_inputs: Any, inputs: Any, accept: bool, base_config: Any = None, config: Any = None) -> str | None:
    """Check that the JSON baseline ``baseline`` (its report's ``base_inputs``) was scored on the
    rows and target of ``inputs`` (``gates.other_target``), and, given the two reports' configs,
    alike (``gates.other_settings``: sample weights, a NaN policy that dropped rows).

    A difference, or a target that cannot be checked, is exit 3 with one line, unless ``accept``
    (``--baseline-other-target``): then what differs is returned (for the report's config and
    the notes of the gates with 'base') and said on stderr.
    """
    base_inputs = base_inputs if isinstance(base_inputs, Mapping) else {}
    inputs = inputs if isinstance(inputs, Mapping) else {}
    settings = G.other_settings(base_config, config, base_inputs, inputs) if isinstance(base_config, Mapping) and isinstance(config, Mapping) else None
    if settings is not None:
        if not accept:
            raise InputError(f"--baseline {baseline} is not comparable: {settings}. Score both alike, or pass --baseline-other-target to accept it.")
        print(f"Warning: {other_target_warning(baseline, settings)}", file=sys.stderr)
        return settings
    difference, unchecked, hint = G.other_target(base_inputs, inputs)
    if difference is None and unchecked is None:
        return None
    if not accept:
        if difference is not None:
            raise InputError(
                f"--baseline {baseline} was scored on another target: {difference}. "
                "Compare on the same target, or pass --baseline-other-target to accept it."
            )
        how = f"pass {hint} to compare digests, or --baseline-other-target to accept it" if hint else "pass --baseline-other-target to accept it"
        raise InputError(f"--baseline {baseline}: cannot check that it was scored on this target: {unchecked} (rows match: {inputs.get('rows')}); {how}.")
    what = difference if difference is not None else f"not checked: {unchecked}"
    print(f"Warning: {other_target_warning(baseline, what)}", file=sys.stderr)
    return what


def other_target_warning(baseline: str, what: str) -> str:
    """The report's warning (and the stderr line) for a baseline accepted on another target."""
    return f"--baseline {baseline} is accepted on another target (--baseline-other-target): {what}."


def note_other_target(entries: Sequence[Mapping[str, Any]], other: str | None) -> list[Mapping[str, Any]]:
    """The gate entries, those with 'base' noting that the baseline is on another target."""
    if other is None:
        return list(entries)
    return [{**e, "note": "; ".join(filter(None, (e.get("note"), f"baseline on another target: {other}")))} if "base" in e else e for e in entries]


def decide(
    gp: GatePlan,
    report: Any,
    values: Mapping[str, Any] | None = None,
    base_report: Any = None,
    base_values: Mapping[str, Any] | None = None,
    weights: Any = None,
) -> Any:
    """The report with its ``gates`` entries and ``status``."""
    current = G.report_values(report.to_dict())
    base = dict(gp.base_values)
    if base_report is not None:
        bvals = G.report_values(base_report.to_dict())
        base.update({g.label: G.as_number(bvals.get(g.label)) for g in gp.gates if g.relative})
    entries = []
    for g in gp.gates:
        test = None
        if gp.significant and g.relative and values is not None and base_values is not None:
            test = G.sign_flip_test(values[g.label] - base_values[g.label], weights, alternative=g.worse, seed=gp.seed)
        entries.append(
            G.evaluate(
                g,
                G.as_number(current.get(g.label)),
                base.get(g.label),
                baseline=gp.baseline,
                test=test,
                alpha=gp.alpha if gp.significant else None,
            )
        )
    entries += gp.skipped
    return dataclasses.replace(report, gates=tuple(entries), status=G.status(entries))


def print_gates(console: Any, report: Any, precision: int) -> None:
    """The gates table under the loss table (nothing without gates)."""
    if not report.gates:
        return
    from losscli.render.rich_table import print_table
    from losscli.render.terminal import gates_table

    console.print(f"gates: {gate_tally(report.gates)}", highlight=False, markup=False)
    print_table(console, gates_table(report.gates, precision, report.config.get("gate_mode", "fail")))


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


def mode_source(ctx: typer.Context) -> str:
    """How to name where ``--gate-mode warn`` came from in the warning line."""
    where = _config.where(ctx, "gate_mode", "--gate-mode")
    return "--gate-mode warn" if where == "--gate-mode" else f"warn set by {where}"
