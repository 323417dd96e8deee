"""CI gates: ``--fail-if EXPR`` parsed by a small hand-written grammar (never ``eval``),
matched to the losses of a report, evaluated against absolute or baseline-relative thresholds,
optionally with a paired significance test on per-sample differences.

Grammar (whitespace is allowed around every token)::

    gate      := label op threshold
    op        := "<=" | ">=" | "<" | ">"
    threshold := number | "base" | "base" ("+" | "-" | "*") number
    number    := [+-] (digits [. digits] | . digits) [(e|E) [+-] digits]     (finite)
    label     := the label of a computed loss, as in the report (``mse``, ``huber:delta=0.5``,
                 ``ce:weight=1;2,label_smoothing=0.1``, a combination's name such as ``total``)

How an expression splits: labels never contain ``<`` or ``>`` (loss names, parameter names and
parameter values are words and numbers), so the expression must hold exactly one ``<`` or
``>``; that character, with an ``=`` right after it, is the operator. Everything before it is the
label and everything after it the threshold. ``=`` alone is never an operator, so the ``=`` of
a parameter inside the label is never mistaken for one: ``huber:delta=0.5<=3`` is the label
``huber:delta=0.5``, the operator ``<=`` and the threshold ``3``. ``=<``, ``=>``, ``==`` and
``!=`` are rejected with a hint.

Meaning: EXPR is the condition the loss must meet. The gate passes when ``value OP threshold``
holds and fails otherwise (a NaN value fails every gate). ``base`` is the baseline's value of
the same label: from an earlier JSON report, or from a prediction file evaluated on the same
target. A label matches a report's loss by its exact label first, then by its canonical form
(``MSE``, ``l2`` and ``mse`` all name ``mse``; ``huber:delta=0.50`` names ``huber:delta=0.5``);
the terms of a combination can be gated by their own label.

``--significant``: a gate with ``base`` whose threshold is violated fails only when a paired,
one-sided sign-flip permutation test on the per-sample differences ``d = loss(candidate) -
loss(baseline)`` rejects "no difference" at level ``alpha``, in the direction of the violation
(the candidate is worse for ``<``/``<=`` gates, better for ``>``/``>=`` gates). Otherwise the gate
passes and says the difference is not significant. Gates without ``base`` are unaffected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from losscli._digest import ALGORITHMS as DIGESTS  # the report's digest keys
from losscli._jsonfile import read_json
from losscli.errors import InputError, LossCliError, UsageError
from losscli.report import Report, ReportError, gate_outcome as outcome

OPERATORS = ("<=", ">=", "<", ">")
FORMS = "LABEL OP NUMBER or LABEL OP base[+|-|*]NUMBER with OP one of <, <=, >, >= (e.g. mse<=0.02, ce<=base*1.02)"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BASE = re.compile(r"base\s*(?:([+*-])\s*(.+?))?", re.IGNORECASE)
DEFAULT_PERMUTATIONS = 9999
PERMUTATION_BUDGET = 200_000_000  # sign draws per test: fewer permutations on very long inputs
MIN_PERMUTATIONS = 999


@dataclass(frozen=True)
class Gate:
    """One parsed gate: ``label op threshold``; ``base_op`` is None for an absolute threshold,
    ``""`` for ``base`` alone, else ``+``, ``-`` or ``*`` applied with ``number``. ``where`` names
    where it was given (``--fail-if``, ``LOSSCLI_FAIL_IF`` or a config file's ``fail_if``)."""

    expr: str
    label: str
    op: str
    number: float | None
    base_op: str | None = None
    where: str = field(default="--fail-if", repr=False, compare=False)

    @property
    def relative(self) -> bool:
        return self.base_op is not None

    def threshold(self, base: float | None = None) -> float:
        if self.base_op is None:
            return float(self.number)  # type: ignore[arg-type]
        if base is None:
            raise ValueError(f"gate {self.expr!r} needs a baseline value")
        if self.base_op == "":
            return base
        return {"+": base + self.number, "-": base - self.number, "*": base * self.number}[self.base_op]  # type: ignore[operator]

    def holds(self, value: float, threshold: float) -> bool:
        """``value OP threshold`` (False for a NaN value)."""
        if math.isnan(value) or math.isnan(threshold):
            return False
        return {"<": value < threshold, "<=": value <= threshold, ">": value > threshold, ">=": value >= threshold}[self.op]

    @property
    def worse(self) -> str:
        """The direction of a violation: ``greater`` (value too high) for ``<``/``<=`` gates."""
        return "greater" if self.op.startswith("<") else "less"

    def with_label(self, label: str) -> "Gate":
        return replace(self, label=label)


def parse_gate(text: str, where: str = "--fail-if") -> Gate:
    """Parse one gate expression; a ``UsageError`` naming ``where`` when it is malformed.

    >>> parse_gate("huber:delta=0.5<=3")
    Gate(expr='huber:delta=0.5<=3', label='huber:delta=0.5', op='<=', number=3.0, base_op=None)
    >>> parse_gate("ce <= base*1.02").threshold(0.5)
    0.51
    """
    expr = text.strip()

    def bad(reason: str, forms: bool = True) -> UsageError:
        return UsageError(f"Bad {where} '{expr}': {reason}" + (f" Expected {FORMS}." if forms else ""))

    if not expr:
        raise UsageError(f"Empty {where} expression. Expected {FORMS}.")
    positions = [i for i, ch in enumerate(expr) if ch in "<>"]
    if not positions:
        wrong = next((w for w in ("==", "!=") if w in expr), None)
        raise bad(f"'{wrong}' is not an operator." if wrong else "no comparison operator.")
    at = positions[0]
    op = expr[at] + ("=" if expr[at + 1 : at + 2] == "=" else "")
    if len(positions) > 1:
        raise bad("more than one comparison operator.")
    label, rhs = expr[:at].rstrip(), expr[at + len(op) :].strip()
    if label.endswith("=") or label.endswith("!"):
        tail = label[-1]
        raise bad(f"'{tail}{expr[at]}' is not an operator; write '{expr[at]}='." if tail == "=" else f"'!{expr[at]}' is not an operator.", forms=tail != "=")
    if not label:
        raise bad("it names no loss.")
    if rhs.startswith("="):
        raise bad(f"'{op}=' is not an operator.")
    if not rhs:
        raise bad("no threshold after the operator.")
    if _NUMBER.fullmatch(rhs):
        return Gate(expr, label, op, _finite(float(rhs), rhs, bad), where=where)
    m = _BASE.fullmatch(rhs)
    if m and rhs[:4].lower() == "base":
        base_op, num = m.group(1), m.group(2)
        if base_op is None:
            return Gate(expr, label, op, None, "", where=where)
        num = num.strip()
        if not _NUMBER.fullmatch(num):
            raise bad(f"'{num}' after 'base{base_op}' is not a number.")
        return Gate(expr, label, op, _finite(float(num), num, bad), base_op, where=where)
    raise bad(f"threshold '{rhs}' is neither a number nor base[+|-|*]NUMBER.")


def _finite(value: float, text: str, bad) -> float:
    if not math.isfinite(value):
        raise bad(f"'{text}' is not a finite number.", forms=False)
    return value


def parse_gates(texts: Sequence[str], where: str = "--fail-if") -> list[Gate]:
    return [parse_gate(t, where) for t in texts]


def match_labels(gates: Sequence[Gate], labels: Sequence[str], where: str | None = None) -> list[Gate]:
    """Resolve each gate's label to one of ``labels`` (the computed losses); a gate naming a
    loss that is not computed is a ``UsageError`` listing what is."""
    out = []
    for g in gates:
        found = find_label(g.label, labels)
        if found is None:
            computed = ", ".join(labels) if labels else "none"
            raise UsageError(
                f"{where or g.where} '{g.expr}' names loss '{g.label}', which is not computed; computed: {computed}. "
                f"Add -l {g.label} or gate one of those."
            )
        out.append(g.with_label(found))
    return out


def example_gate(label: str = "mse", direction: str = "lower") -> str:
    """A gate with 'base' for messages, pointing the way ``label`` improves: it holds while the
    value does not get much worse.

    >>> example_gate(), example_gate("accuracy", "higher")
    ('mse<=base*1.02', 'accuracy>=base-0.01')
    """
    return f"{label}<=base*1.02" if direction == "lower" else f"{label}>=base-0.01"


def check_valued(gates: Sequence[Gate], labels: Mapping[str, bool]) -> None:
    """A gate on one of ``labels`` (``Report.valueless``) has no number to compare, and a gate that
    always fails would say nothing: a ``UsageError`` for a metric whose result is a matrix, an
    ``InputError`` (could not evaluate) for a value undefined on these rows."""
    for g in gates:
        if g.label not in labels:
            continue
        if labels[g.label]:
            raise UsageError(f"{g.where} '{g.expr}': {g.label} has no value to compare (its result is the matrix in the report's details); gate another metric.")
        raise InputError(f"{g.where} '{g.expr}': {g.label} is undefined on these rows (see the warning), so the gate cannot be decided.")


def find_label(label: str, labels: Sequence[str]) -> str | None:
    """``label`` itself when computed, else the computed label with the same canonical form."""
    if label in labels:
        return label
    canonical = _canonical(label)
    if canonical is not None and canonical in labels:
        return canonical
    canon = {_canonical(x): x for x in labels}
    return canon.get(canonical) if canonical is not None else None


def _canonical(label: str) -> str | None:
    from losscli.losses import parse_spec

    try:
        parsed = parse_spec(label)
    except LossCliError:
        return None
    if len(parsed) != 1:
        return None
    return parsed[0].label


# ---------------------------------------------------------------------------- reports as dicts


def report_values(report: Mapping[str, Any], field: str = "value") -> dict[str, Any]:
    """label -> ``field`` (the headline value) of every loss of a JSON report (combination
    terms included)."""
    out: dict[str, Any] = {}
    for entry in report.get("losses", []):
        if not isinstance(entry, Mapping) or "label" not in entry:
            continue
        out.setdefault(str(entry["label"]), entry.get(field))
        terms = entry.get("terms")
        for term in terms if isinstance(terms, list) else []:
            if isinstance(term, Mapping) and "label" in term:
                out.setdefault(str(term["label"]), term.get(field))
    return out


def read_report(path: str, what: str = "Report") -> Report:
    """An earlier losscli JSON report file as a ``Report`` (``Report.from_dict``, strict): exit 3
    when it is missing (``what`` names it: "Report", "Baseline report"), not a report, or not the
    report of a finished run, naming what is wrong and where."""
    data = read_json(path, missing=f"{what} not found: {path}", invalid=lambda e: f"{path} is not a losscli JSON report: {e}")
    if not isinstance(data, dict) or not str(data.get("schema", "")).startswith("losscli.report/") or not isinstance(data.get("losses"), list):
        raise InputError(f"{path} is not a losscli JSON report (no 'schema': 'losscli.report/1' with a 'losses' list).")
    try:
        return Report.from_dict(data)
    except ReportError as e:
        raise InputError(f"{path} cannot be read as a losscli JSON report: {e}.") from None


def as_number(value: Any) -> float | None:
    """A report value as a float ('nan'/'inf' strings included); None when absent."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    return None


def baseline_values(gates: Sequence[Gate], report: Mapping[str, Any], path: str, reduction: str | None = None) -> dict[str, float]:
    """The baseline value of every relative gate's label; a baseline without one, or one
    reduced differently (``reduction``: this run's), is exit 3."""
    values = report_values(report)
    reductions = report_values(report, "reduction")
    out: dict[str, float] = {}
    for g in gates:
        if not g.relative:
            continue
        found = find_label(g.label, list(values))
        value = as_number(values.get(found)) if found is not None else None
        if found is None:
            have = ", ".join(values) or "none"
            raise InputError(f"Baseline {path} has no loss '{g.label}' (it has: {have}); cannot check '{g.expr}'.")
        if value is None:
            raise InputError(f"Baseline {path} has no headline value for '{found}' (reduction none?); cannot check '{g.expr}'.")
        theirs = reductions.get(found)
        if reduction is not None and theirs not in (None, reduction):
            raise InputError(f"Baseline {path} has '{found}' with reduction {theirs}, this one {reduction}; cannot check '{g.expr}'.")
        out[g.label] = value
    return out


# ---------------------------------------------------------------------------- same target



def other_settings(base: Mapping[str, Any], this: Mapping[str, Any], base_inputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> str | None:
    """What a baseline report was scored with (its ``config``: ``base``) that makes its values
    another quantity than this run's (``this``): sample weights on one side only, or another
    ``nan_policy`` when either side dropped rows by it (``inputs.dropped.nan``). None: alike.
    (A loss reduced otherwise is caught per loss by ``baseline_values``.)"""
    parts = []
    bw, tw = base.get("weighted"), this.get("weighted")
    if isinstance(bw, bool) and isinstance(tw, bool) and bw != tw:
        parts.append(f"it was scored {'with' if bw else 'without'} sample weights, this run {'with' if tw else 'without'}")
    bn, tn = base.get("nan_policy"), this.get("nan_policy")
    dropped = [d.get("nan") for d in (base_inputs.get("dropped"), inputs.get("dropped")) if isinstance(d, Mapping)]
    if isinstance(bn, str) and isinstance(tn, str) and bn != tn and any(isinstance(n, int) and n > 0 for n in dropped):
        parts.append(f"it has --nan-policy {bn}, this run {tn}, and rows were dropped by it")
    return "; ".join(parts) or None


def other_target(base: Mapping[str, Any], this: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """Whether a baseline report's ``inputs`` (``base``) and this run's (``this``) were scored on
    the same target: ``(difference, unchecked, hint)``, each None or one phrase.

    ``difference``: what differs (the row count, the target values' digest, or the target
    file's digest when the target is a file of its own in both). ``unchecked``: what could not be
    compared (no digest on one side, or digests of different algorithms), with ``hint`` the flag
    that would make it comparable. Both None: the same rows and the same target.
    """
    rows_b, rows_t = base.get("rows"), this.get("rows")
    if rows_b != rows_t:
        return f"it has {rows_b} rows, this run {rows_t}", None, None
    tb, tt = base.get("target"), this.get("target")
    if not isinstance(tt, Mapping):
        return None, None, None  # no target role (losses over other inputs): the rows are all there is
    if not isinstance(tb, Mapping):
        return None, "it has no target input", None
    pairs = [(tb.get("values_digest"), tt.get("values_digest"), "target values")]
    if own_file(base) and own_file(this):  # a file's digest is the target's only when no other role shares it
        pairs.append((tb, tt, f"target file ({tb.get('path')} vs {tt.get('path')})"))
    for b, t, what in pairs:
        if not isinstance(b, Mapping) or not isinstance(t, Mapping):
            continue
        for alg in DIGESTS:
            if isinstance(b.get(alg), str) and isinstance(t.get(alg), str):
                if b[alg] != t[alg]:
                    return f"its {what} {alg} differs ({b[alg][:12]}... vs {t[alg][:12]}...)", None, None
                return None, None, None
    theirs = [alg for alg in DIGESTS if any(isinstance(d, Mapping) and isinstance(d.get(alg), str) for d, _, _ in pairs)]
    mine = [alg for alg in DIGESTS if any(isinstance(d, Mapping) and isinstance(d.get(alg), str) for _, d, _ in pairs)]
    if not mine:
        return None, "this run has no digest of its target values (--hash none, or --engine dask)", None
    if theirs:
        return None, f"its target digest is {theirs[0]}, this run's {mine[0]}", f"--hash {theirs[0]}"
    return None, "it has no digest of its target values (made with --hash none or --engine dask, or by an older losscli)", None


def own_file(inputs: Mapping[str, Any]) -> bool:
    """Whether the target came from a file that no other input role was read from (then the
    file's digest names the target, and a run needs no digest of the target's values)."""
    target = inputs.get("target")
    path = target.get("path") if isinstance(target, Mapping) else None
    return path is not None and not any(
        isinstance(v, Mapping) and v.get("path") == path for k, v in inputs.items() if k != "target"
    )


# ---------------------------------------------------------------------------- evaluation


def evaluate(
    gate: Gate,
    value: float | None,
    base: float | None = None,
    *,
    baseline: str | None = None,
    test: Mapping[str, Any] | None = None,
    alpha: float | None = None,
) -> dict[str, Any]:
    """The gate's JSON entry: ``expr``, ``label``, ``op``, ``value``, ``threshold``, ``passed``,
    plus ``base``/``baseline`` for relative gates and ``p_value``/``alpha``/``test`` when a
    paired test decided (``significant`` says whether it rejected)."""
    v = math.nan if value is None else float(value)
    threshold = gate.threshold(base)
    holds = gate.holds(v, threshold)
    entry: dict[str, Any] = {"expr": gate.expr, "label": gate.label, "op": gate.op, "value": _j(v), "threshold": _j(threshold)}
    if gate.relative:
        entry["base"] = _j(base)
        if baseline is not None:
            entry["baseline"] = baseline
    passed = holds
    if test is not None and gate.relative:
        entry.update(test=dict(test), alpha=alpha)
        significant = test["p_value"] < (alpha if alpha is not None else 0.05)
        entry["p_value"] = test["p_value"]
        entry["significant"] = bool(significant)
        if not holds and not significant:
            passed = True
            entry["note"] = f"threshold not met, not significant: p = {test['p_value']:.4g} >= alpha {alpha:g}"
    if math.isnan(v):
        entry["note"] = "the value is nan"
    entry["passed"] = bool(passed)
    entry["status"] = "pass" if passed else "fail"
    return entry


def skipped(gate: Gate, reason: str) -> dict[str, Any]:
    """The JSON entry of a gate that was not checked (``status`` skipped, ``passed`` null)."""
    threshold = None if gate.relative else _j(gate.number)
    return {"expr": gate.expr, "label": gate.label, "op": gate.op, "value": None, "threshold": threshold,
            "passed": None, "status": "skipped", "note": reason, "from": gate.where}  # fmt: skip


def describe_failure(entry: Mapping[str, Any]) -> str:
    """One line for stderr: ``mse<=0.02: mse is 3.375, threshold 0.02``."""
    text = f"{entry['expr']}: {entry['label']} is {_fmt(entry['value'])}, threshold {_fmt(entry['threshold'])}"
    if "base" in entry:
        text += f" (base {_fmt(entry['base'])}" + (f" from {entry['baseline']}" if entry.get("baseline") else "") + ")"
    if "p_value" in entry:
        text += f", p = {entry['p_value']:.4g} < alpha {entry['alpha']:g}"
    return text


def status(entries: Sequence[Mapping[str, Any]]) -> str:
    return "fail" if any(outcome(e) == "fail" for e in entries) else "pass"


def _j(v: float | None) -> Any:
    if v is None:
        return None
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def _fmt(v: Any) -> str:
    return repr(v) if isinstance(v, float) else str(v)


# ---------------------------------------------------------------------------- paired test


def permutations_for(n: int) -> int:
    """9999 sign flips, fewer (never under 999) when ``n`` rows would exceed the draw budget."""
    if n <= 0:
        return DEFAULT_PERMUTATIONS
    return int(max(MIN_PERMUTATIONS, min(DEFAULT_PERMUTATIONS, PERMUTATION_BUDGET // n)))


def sign_flip_test(
    diff: Any,
    weights: Any = None,
    *,
    alternative: str = "greater",
    n_perm: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Paired sign-flip permutation test of "no difference" on per-sample differences.

    Statistic ``S = Σ w_i d_i`` (``w = 1`` without weights); under the null each ``d_i`` is
    symmetric about 0, so flipping signs at random gives its distribution. One-sided p-value
    for ``alternative="greater"`` (the candidate's loss is larger): ``(1 + #{S* >= S}) /
    (B + 1)``, ``B`` = ``n_perm`` flips drawn from numpy's Philox keyed on ``seed``.
    Rows where ``diff`` is not finite are left out.

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> sign_flip_test(rng.normal(0.5, 1, 200), n_perm=999)["p_value"] < 0.01
    True
    >>> sign_flip_test(np.zeros(5))["p_value"]
    1.0
    """
    import numpy as np  # not at import time: the CLI's start-up stays numpy-free until needed

    if alternative not in ("greater", "less"):
        raise ValueError(f"alternative must be 'greater' or 'less', got {alternative!r}")
    diff = np.asarray(diff, dtype=np.float64)
    ok = np.isfinite(diff)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    if w is not None:
        ok &= np.isfinite(w)
        w = w[ok]
    d = diff[ok]
    wd = d if w is None else w * d
    n = int(len(wd))
    b = permutations_for(n) if n_perm is None else int(n_perm)
    sign = 1.0 if alternative == "greater" else -1.0
    observed = sign * float(wd.sum())
    info = {"method": "sign-flip permutation", "alternative": alternative, "n": n, "permutations": b, "seed": seed}
    if n == 0 or not np.any(wd):
        return {**info, "statistic": observed, "p_value": 1.0}
    total = float(wd.sum())
    rng = np.random.Generator(np.random.Philox(seed))
    tol = 1e-12 * float(np.abs(wd).sum())  # exact ties (discrete losses) count as "at least as extreme"
    rows = max(1, min(b, 1_000_000 // max(n, 1)))  # bounded temporaries (8 MB)
    extreme, done = 0, 0
    while done < b:
        k = min(rows, b - done)
        flips = rng.integers(0, 2, size=(k, n), dtype=np.int8)
        null = sign * (total - 2.0 * (flips @ wd))  # flipping the rows with bit 1
        extreme += int(np.count_nonzero(null >= observed - tol))
        done += k
    return {**info, "statistic": observed, "p_value": (1 + extreme) / (b + 1)}
