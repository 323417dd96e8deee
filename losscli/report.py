"""The evaluation result: frozen ``LossResult``/``Report`` dataclasses and the JSON report.

``Report.to_dict()`` is the only source of the JSON report (schema ``losscli.report/1``,
its fields in README.md); every renderer reads the same object.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "losscli.report/1"


@dataclass(frozen=True)
class LossResult:
    """One loss's headline value and statistics."""

    name: str
    label: str
    params: dict[str, Any]
    direction: str
    reference: str
    value: float | None
    reduction: str
    n: int
    sum: float
    mean: float
    std: float | None
    se: float | None
    min: float
    max: float
    signature: str
    terms: tuple[tuple[float, "LossResult"], ...] = ()  # a combination's (coefficient, term result)
    ci: dict[str, Any] | None = None  # --ci: {"method", "level", "low", "high"}
    worst: list[dict[str, Any]] | None = None  # --top-k: [{"row", "id"?, "value"}], worst first
    # What n/sum/mean/std/se/min/max, worst and --per-sample describe when it is not the headline's
    # quantity (rmse: "rmse.sq_err", squared errors; the headline is the root of their mean); None
    # when the per-sample values are the loss itself.
    per_sample: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "label": self.label,
            "params": {k: _json_value(v) for k, v in self.params.items()},
            "direction": self.direction,
            "reference": self.reference,
            "value": _json_value(self.value),
            **({"per_sample": self.per_sample} if self.per_sample is not None else {}),
            "reduction": self.reduction,
            "n": self.n,
            "sum": _json_value(self.sum),
            "mean": _json_value(self.mean),
            "std": _json_value(self.std),
            "se": _json_value(self.se),
            "min": _json_value(self.min),
            "max": _json_value(self.max),
            **({"ci": {k: _json_value(v) for k, v in self.ci.items()}} if self.ci is not None else {}),
            "signature": self.signature,
        }
        if self.worst is not None:
            out["worst"] = [{k: _json_value(v) for k, v in w.items()} for w in self.worst]
        if self.terms:
            out["terms"] = [
                {"coefficient": c, "contribution": _json_value(None if t.value is None else c * t.value), **t.to_dict()}
                for c, t in self.terms
            ]
        return out


@dataclass(frozen=True)
class GroupResult:
    """The results over the rows of one group (``-g/--group-by``): its key, by column name."""

    key: dict[str, Any]
    rows: int
    losses: tuple[LossResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": {k: _json_value(v) for k, v in self.key.items()}, "rows": self.rows, "losses": [r.to_dict() for r in self.losses]}


@dataclass(frozen=True)
class Report:
    """The result of one evaluation: inputs, effective configuration and one entry per loss."""

    tool_version: str
    inputs: dict[str, Any]
    config: dict[str, Any]
    losses: tuple[LossResult, ...]
    rows: int
    rows_used: int
    dropped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    status: str = "pass"
    gates: tuple[dict[str, Any], ...] = ()  # one entry per --fail-if gate (losscli.gates.evaluate)
    groups: tuple[GroupResult, ...] = ()  # one entry per group value (-g/--group-by), sorted by key
    warnings: tuple[str, ...] = ()  # suspicious inputs (losscli._kinds): one sentence each

    def to_dict(self) -> dict[str, Any]:
        inputs = dict(self.inputs)
        inputs.update(rows=self.rows, rows_used=self.rows_used, dropped=dict(self.dropped))
        return {
            "schema": SCHEMA,
            "tool": {"name": "losscli", "version": self.tool_version},
            "status": self.status,
            "inputs": inputs,
            "config": dict(self.config),
            "losses": [r.to_dict() for r in self.losses],
            "groups": [g.to_dict() for g in self.groups],
            "gates": [dict(g) for g in self.gates],
            "warnings": list(self.warnings),
            "timing": {"seconds": round(self.seconds, 6)},
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON report; floats keep full precision, non-finite values are strings."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def result(self, label: str) -> LossResult:
        """The result whose label (or canonical name) is ``label``."""
        for r in self.losses:
            if r.label == label:
                return r
        for r in self.losses:
            if r.name == label:
                return r
        raise KeyError(label)


def error_report(code: int, message: str, inputs: dict[str, Any], config: dict[str, Any], version: str) -> dict[str, Any]:
    """The JSON report of a run that stopped with an error (``--report`` is still written):
    ``status: "error"``, ``error: {exit_code, message}`` (the ``Error:`` line), and what was
    known: the inputs as given, the options. No losses, groups or gates."""
    return {
        "schema": SCHEMA,
        "tool": {"name": "losscli", "version": version},
        "status": "error",
        "error": {"exit_code": code, "message": message},
        "inputs": {k: {"path": v} if isinstance(v, str) else {"paths": list(v)} for k, v in inputs.items()},
        "config": dict(config),
        "losses": [],
        "groups": [],
        "gates": [],
    }


def _json_value(v: Any) -> Any:
    """Floats as they are, except nan/inf which JSON cannot hold: their names as strings."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, tuple):
        return [_json_value(x) for x in v]
    return v


def gate_outcome(entry: Any) -> str:
    """A ``gates[]`` entry's ``pass``, ``fail`` or ``skipped`` (entries without ``status``, as in
    older reports, go by ``passed``)."""
    state = entry.get("status")
    if state in ("pass", "fail", "skipped"):
        return state
    return "pass" if entry.get("passed") else "fail"


def gate_tally(entries: Any) -> str:
    """``1 of 2 passed`` (``, 1 skipped`` when some gates were not checked)."""
    states = [gate_outcome(e) for e in entries]
    checked = len(states) - states.count("skipped")
    return f"{states.count('pass')} of {checked} passed" + (f", {states.count('skipped')} skipped" if checked != len(states) else "")
