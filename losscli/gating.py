"""Gates: checked before any work (``plan``), decided after the report (``decide``,
``complete``). The grammar and the test are in ``losscli.gates``; this module matches the gates
of the command line and of the config file to the requested losses and checks a JSON baseline
against this run's rows and target. It takes plain values (``GateOptions``), so the commands and
``losscli.evaluate`` share it.

Output contract (``losscli.cli._output.finish``): the gate results are data (``gates`` and
``status`` in the JSON report, a gates section under the table and in Markdown); each failed gate
is also one diagnostic line on stderr, ``Gate failed: EXPR: LABEL is VALUE, threshold T``, so a
CI log says why the step failed whatever the format. ``--gate-mode warn`` prints
``Warning: gate failed: ...`` instead and exits 0 (the report still says ``status: fail``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from losscli import gates as G
from losscli.errors import InputError, UsageError


@dataclass(frozen=True)
class GateOptions:
    """What the command line and the config file ask of the gates, as plain values."""

    fail_if: tuple[str, ...] = ()  # --fail-if (or LOSSCLI_FAIL_IF)
    fail_if_where: str = "--fail-if"  # how messages name them
    config_gates: tuple[str, ...] = ()  # the config file's fail_if: always applies
    config_where: str = "the config file"
    losses_chosen: bool = False  # -l chose the losses: config gates on other losses are skipped
    baseline: str | None = None  # what 'base' is: a JSON report or a prediction file
    significant: bool = False
    alpha: float = 0.05
    alpha_given: bool = False  # --alpha on the command line (a standing default is no request)
    mode: str = "fail"  # fail | warn
    mode_from: str = "--gate-mode warn"  # how the warning line names where warn came from
    other_target: bool = False  # --baseline-other-target
    seed: int = 0


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
    mode_from: str = "--gate-mode warn"
    warnings: list[str] = field(default_factory=list)  # gates that point against their loss's direction

    @property
    def needs_per_sample(self) -> bool:
        """The paired test needs every row's loss of the candidate (and of the baseline)."""
        return self.significant


def all_labels(losses: Sequence[Any]) -> tuple[list[str], list[str]]:
    """(top-level labels, term labels of combinations) of resolved losses."""
    top = [b.label for b in losses]
    terms = [p.label for b in losses for p in getattr(b, "parts", (b,)) if p.label not in top]
    return top, list(dict.fromkeys(terms))


_FLIP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def backwards(gates: Sequence[G.Gate], losses: Sequence[Any]) -> list[str]:
    """A warning per gate that requires its loss to be on the worse side of the threshold
    (``f1<0.9``, ``mae>50``): ``--fail-if`` states what must hold, and such a gate fails good
    models and passes bad ones; the line gives the gate that was likely meant."""
    directions = {p.label: p.direction for b in losses for p in b.parts} | {b.label: b.direction for b in losses}
    out = []
    for g in gates:
        below = g.op.startswith("<")
        if directions.get(g.label) != ("higher" if below else "lower"):
            continue
        rhs = g.expr[g.expr.index(g.op[0]) + len(g.op) :].strip()
        better = "higher" if below else "lower"
        out.append(
            f"{g.where} '{g.expr}' requires {g.label} {'below' if below else 'above'} {rhs}, but {better} {g.label} is better; "
            f"--fail-if states what must hold: did you mean '{g.label}{_FLIP[g.op]}{rhs}'?"
        )
    return out


def plan(options: GateOptions, losses: Sequence[Any], reduction: str) -> GatePlan | None:
    """Parse and check the gates against the requested losses, before any input is read."""
    top, terms = all_labels(losses)
    parsed, skipped = gates_in_force(options, top + terms)
    if not parsed:
        o = options
        for flag, used in (("--baseline", o.baseline is not None), ("--significant", o.significant), ("--alpha", o.alpha_given), ("--baseline-other-target", o.other_target)):
            if used:
                raise UsageError(f"{flag} is used by gates; pass --fail-if EXPR (e.g. --fail-if '{_example(losses)}').")
        return GatePlan([], mode=o.mode, skipped=skipped, mode_from=o.mode_from) if skipped else None
    _check_flags(options, parsed, reduction, _example(losses))
    if options.significant:
        _check_significant(parsed, losses)
    out = GatePlan(
        parsed, mode=options.mode, baseline=options.baseline, other_target=options.other_target, significant=options.significant,
        alpha=options.alpha, seed=options.seed, skipped=skipped, mode_from=options.mode_from, warnings=backwards(parsed, losses),
    )
    if out.baseline is None:
        return out
    out.baseline_is_report = out.baseline.lower().endswith(".json")
    if out.baseline_is_report:
        base_report = G.read_report(out.baseline, "Baseline report").to_dict()
        out.base_values = G.baseline_values(parsed, base_report, out.baseline, reduction)
        out.base_inputs, out.base_config = base_report["inputs"], base_report["config"]
        return out
    if options.significant:
        in_terms = [g for g in parsed if g.relative and g.label not in top]
        if in_terms:
            raise UsageError(f"--significant tests whole losses; '{in_terms[0].label}' is a term of a combination.")
    _check_file(out.baseline)  # a missing file or unknown format fails now, not after the main read
    return out


def _example(losses: Sequence[Any]) -> str:
    """``gates.example_gate`` of the first requested loss (its direction: ``accuracy>=base-0.01``)."""
    return G.example_gate(losses[0].label, losses[0].direction) if losses else G.example_gate()


def _check_flags(o: GateOptions, parsed: Sequence[G.Gate], reduction: str, example: str) -> None:
    """Usage errors of the gate flags, given the gates in force (``example``: a gate for the hints)."""
    if reduction == "none":
        raise UsageError(f"{parsed[0].where} compares headline values, but --reduction none has none; use mean or sum.")
    relative = [g for g in parsed if g.relative]
    if relative and o.baseline is None:
        raise UsageError(f"{relative[0].where} '{relative[0].expr}' compares with base; pass --baseline REPORT.json (or the baseline's prediction file).")
    if o.baseline is not None and not relative:
        raise UsageError(f"--baseline is used only by gates with 'base' (e.g. --fail-if '{example}').")
    if o.significant and o.baseline is None:
        raise UsageError("--significant tests against a baseline; pass --baseline PRED_FILE and a gate with 'base'.")
    if o.alpha_given and not o.significant:
        raise UsageError("--alpha is the level of --significant; pass --significant too.")
    if not 0 < o.alpha < 1:
        raise UsageError(f"--alpha must be between 0 and 1, got {o.alpha:g}.")
    report_base = o.baseline is not None and o.baseline.lower().endswith(".json")
    if report_base and o.significant:
        raise UsageError("--significant needs the baseline's per-sample losses: pass its prediction file as --baseline, not a JSON report.")
    if o.baseline is not None and not report_base and o.other_target:
        raise UsageError("--baseline-other-target accepts a JSON report scored on another target; a prediction-file --baseline is scored on this run's target.")


def _check_significant(parsed: Sequence[G.Gate], losses: Sequence[Any]) -> None:
    """``--significant`` tests per-sample differences: a gate with 'base' on a metric without
    per-sample values (f1, r2: ``LossSpec.per_sample_values`` False) cannot have that test."""
    without = {b.label for b in losses if not b.per_sample_values}
    for g in parsed:
        if g.relative and g.label in without:
            raise UsageError(f"--significant tests per-sample differences, but {g.label} has no per-sample values (a function of every row); gate it without --significant.")


def gates_in_force(options: GateOptions, labels: Sequence[str]) -> tuple[list[G.Gate], list[dict[str, Any]]]:
    """The gates to check, matched to ``labels``, and the entries of config gates skipped.

    The config file's gates (``options.config_gates``) always apply; ``--fail-if`` flags (or
    ``LOSSCLI_FAIL_IF``) add to them. A config gate belongs to the config's losses: when the
    command line chose the losses (``options.losses_chosen``) and the gate's loss is not among
    them, or the gate compares with ``base`` and no ``--baseline`` was given, it is skipped
    (listed, never silent) instead of stopping the run. A gate given on the command line must
    always be checkable.
    """
    gates: list[G.Gate] = []
    skipped: list[dict[str, Any]] = []
    for g in G.parse_gates(options.config_gates, options.config_where):
        if options.losses_chosen and G.find_label(g.label, labels) is None:
            skipped.append(G.skipped(g, f"{g.label} is not computed (the command line chose the losses: {', '.join(labels)})"))
        elif g.relative and options.baseline is None:
            skipped.append(G.skipped(g, "it compares with base and no --baseline was given"))
        else:
            gates.extend(G.match_labels([g], labels))
    seen = {g.expr for g in gates}
    gates += [g for g in G.match_labels(G.parse_gates(options.fail_if, options.fail_if_where), labels) if g.expr not in seen]
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


def complete(
    report: Any,
    gp: GatePlan | None,
    *,
    echo: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    baseline: tuple[Any, Mapping[str, Any]] | None = None,
    weights: Any = None,
) -> Any:
    """The report with the effective configuration (``echo``) and, with gates, their entries and
    ``status``. ``baseline``: the (report, per-sample values) of a prediction-file baseline
    evaluated on the same target; ``values`` the candidate's per-sample values (``--significant``)."""
    cfg = {**report.config, **echo}
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
    base_report, base_values = baseline if baseline is not None else (None, None)
    report = decide(gp, report, values, base_report, base_values, weights)
    warnings = report.warnings + ((other_target_warning(gp.baseline, other),) if other is not None else ())
    return dataclasses.replace(report, gates=tuple(note_other_target(report.gates, other)), warnings=warnings)


def same_target(baseline: str, base_inputs: Any, inputs: Any, accept: bool, base_config: Any = None, config: Any = None) -> str | None:
    """Check that the JSON baseline ``baseline`` (its report's ``base_inputs``) was scored on the
    rows and target of ``inputs`` (``gates.other_target``), and, given the two reports' configs,
    alike (``gates.other_settings``: sample weights, a NaN policy that dropped rows).

    A difference, or a target that cannot be checked, is exit 3 with one line, unless ``accept``
    (``--baseline-other-target``): then what differs is returned (for the report's config and
    the notes of the gates with 'base'; ``other_target_warning`` says it).
    """
    base_inputs = base_inputs if isinstance(base_inputs, Mapping) else {}
    inputs = inputs if isinstance(inputs, Mapping) else {}
    settings = G.other_settings(base_config, config, base_inputs, inputs) if isinstance(base_config, Mapping) and isinstance(config, Mapping) else None
    if settings is not None:
        if not accept:
            raise InputError(f"--baseline {baseline} is not comparable: {settings}. Score both alike, or pass --baseline-other-target to accept it.")
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
    return difference if difference is not None else f"not checked: {unchecked}"


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
    """The report with its ``gates`` entries and ``status`` (a gate on a metric without a value,
    ``confusion``, is a usage error: ``gates.check_valued``)."""
    G.check_valued(gp.gates, report.valueless())
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


def compare_gates(gates: Sequence[G.Gate], systems: Sequence[str], values: Mapping[str, Sequence[float | None]]) -> list[dict[str, Any]]:
    """``losscli compare``'s gates: each one must hold for every candidate (``systems[1:]``);
    ``base`` in a gate is BASE's value (``systems[0]``). ``values`` holds each loss's headline
    value per system, in order. Each entry is ``gates.evaluate``'s with the candidate's ``system``.

    >>> g = G.parse_gates(["mse<=base*1.1"])
    >>> [(e["system"], e["passed"]) for e in compare_gates(g, ["a", "b", "c"], {"mse": [2.0, 2.1, 2.5]})]
    [('b', True), ('c', False)]
    """
    entries = []
    for g in gates:
        base = values[g.label][0] if g.relative else None
        for name, value in zip(systems[1:], values[g.label][1:]):
            entry = G.evaluate(g, G.as_number(value), base, baseline=systems[0] if g.relative else None)
            entries.append({**entry, "system": name})
    return entries
