"""The evaluation result: frozen ``LossResult``/``Report`` dataclasses and the JSON report.

``Report.to_dict()`` is the only source of the JSON report (schema ``losscli.report/1``, its
fields in README.md); ``Report.from_dict`` reads one back (``losscli gate``), its exact inverse:
every renderer reads the same object, whether it was just computed or read from a file.
``CompareReport`` is the result of ``losscli compare`` (schema ``losscli.compare/1``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "losscli.report/1"


class ReportError(ValueError):
    """A dict that is not a losscli JSON report (``from_dict``): the message says what and where."""


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
    sum: float | None  # n, sum, mean, std, se, min, max: of the per-sample values (None: a metric has none)
    mean: float | None
    std: float | None
    se: float | None
    min: float | None
    max: float | None
    signature: str
    terms: tuple[tuple[float, "LossResult"], ...] = ()  # a combination's (coefficient, term result)
    ci: dict[str, Any] | None = None  # --ci: {"method", "level", "low", "high"}
    worst: list[dict[str, Any]] | None = None  # --top-k: [{"row", "id"?, "value"}], worst first
    # What n/sum/mean/std/se/min/max, worst and --per-sample describe when it is not the headline's
    # quantity (rmse: "rmse.sq_err", squared errors; the headline is the root of their mean); None
    # when the per-sample values are the loss itself; False for a metric without per-sample values
    # (f1, r2, roc_auc: its headline is a function of every row's state, not a mean).
    per_sample: str | bool | None = None
    details: dict[str, Any] | None = None  # a metric's extra content: the confusion matrix, the reliability bins

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
            **({"details": _json_value(self.details)} if self.details is not None else {}),
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

    @classmethod
    def from_dict(cls, data: Any, where: str = "loss", term: bool = False) -> "LossResult":
        """The inverse of ``to_dict`` (``ReportError`` naming ``where`` when ``data`` is not one);
        ``term``: a combination's term, which also has its ``coefficient`` and ``contribution``
        (derived: not read)."""
        fields = _fields(data, where, _LOSS_FIELDS, _LOSS_OPTIONAL | ({"coefficient", "contribution"} if term else set()))
        terms = _items(data.get("terms", []), f"{where}.terms")
        coefficients = [_number(t.get("coefficient"), f"{where}.terms[{i}].coefficient", False) for i, t in enumerate(terms)]
        return cls(**fields, terms=tuple((c, cls.from_dict(t, f"{where}.terms[{i}]", True)) for i, (c, t) in enumerate(zip(coefficients, terms))))


@dataclass(frozen=True)
class GroupResult:
    """The results over the rows of one group (``-g/--group-by``): its key, by column name."""

    key: dict[str, Any]
    rows: int
    losses: tuple[LossResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": {k: _json_value(v) for k, v in self.key.items()}, "rows": self.rows, "losses": [r.to_dict() for r in self.losses]}

    @classmethod
    def from_dict(cls, data: Any, where: str = "group") -> "GroupResult":
        """The inverse of ``to_dict``."""
        _keys(data, where, {"key", "rows", "losses"}, set())
        losses = _items(data["losses"], f"{where}.losses")
        return cls(
            key=dict(_object(data["key"], f"{where}.key")),
            rows=_count(data["rows"], f"{where}.rows"),
            losses=tuple(LossResult.from_dict(e, f"{where}.losses[{i}]") for i, e in enumerate(losses)),
        )


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

    @classmethod
    def from_dict(cls, data: Any) -> "Report":
        """The report whose ``to_dict()`` is ``data`` (a JSON report read back): its exact inverse
        (``Report.from_dict(r.to_dict()).to_dict() == r.to_dict()``). ``groups``, ``gates``,
        ``warnings`` and ``timing`` may be absent (empty); any other missing, unknown or
        mistyped field, another schema or the report of a run that stopped with an error is a
        ``ReportError``: a report is never guessed at."""
        _check_report(data)
        inputs = {k: _input(v, f"inputs.{k}") for k, v in _object(data["inputs"], "inputs").items()}
        counts = {k: inputs.pop(k, None) for k in ("rows", "rows_used", "dropped")}
        return cls(
            tool_version=_text(_object(data["tool"], "tool").get("version"), "tool.version"),
            inputs=inputs,
            config=dict(_object(data["config"], "config")),
            losses=tuple(LossResult.from_dict(e, f"losses[{i}]") for i, e in enumerate(_items(data["losses"], "losses"))),
            rows=_count(counts["rows"], "inputs.rows"),
            rows_used=_count(counts["rows_used"], "inputs.rows_used"),
            dropped={_text(k, "inputs.dropped"): _count(v, f"inputs.dropped.{k}") for k, v in _object(counts["dropped"], "inputs.dropped").items()},
            seconds=_number(_object(data.get("timing", {"seconds": 0.0}), "timing").get("seconds"), "timing.seconds", False),
            status=_choice(data["status"], "status", ("pass", "fail")),
            gates=tuple(_gate(g, f"gates[{i}]") for i, g in enumerate(_items(data.get("gates", []), "gates"))),
            groups=tuple(GroupResult.from_dict(g, f"groups[{i}]") for i, g in enumerate(_items(data.get("groups", []), "groups"))),
            warnings=tuple(_text(w, f"warnings[{i}]") for i, w in enumerate(_list(data.get("warnings", []), "warnings"))),
        )

    def valueless(self) -> dict[str, bool]:
        """The labels of the metrics without a value (``per_sample`` false and a null ``value``),
        each with whether that is by design (``confusion``: its result is the matrix in
        ``details``) rather than a value undefined on these rows (an AUC of one class in a shard)."""
        return {r.label: bool(r.details and "matrix" in r.details) for r in self.losses if r.per_sample is False and r.value is None}

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


COMPARE_SCHEMA = "losscli.compare/1"


@dataclass(frozen=True)
class SystemResult:
    """One system's row of a compared loss (``losscli compare``): its value and CI; for a
    candidate also the delta vs the base with its CI, the paired p-value, Holm's adjustment and
    win/tie/loss counts over samples; the rank (1 = best; None for an undefined value)."""

    system: str
    role: str  # "base" or "candidate"
    rank: int | None
    value: float | None
    ci: dict[str, Any] | None
    delta: float | None = None
    delta_ci: dict[str, Any] | None = None
    p_value: float | None = None
    p_holm: float | None = None
    wtl: dict[str, int] | None = None  # {"win", "tie", "loss"}

    def to_dict(self) -> dict[str, Any]:
        fields = ("system", "role", "rank", "value", "ci", "delta", "delta_ci", "p_value", "p_holm", "wtl")
        return {k: _json_value(getattr(self, k)) for k in fields}


@dataclass(frozen=True)
class ComparedLoss:
    """One loss of a comparison: one ``SystemResult`` per system, the base first."""

    name: str
    label: str
    direction: str
    reduction: str
    n: int
    systems: tuple[SystemResult, ...]
    signature: str

    def to_dict(self) -> dict[str, Any]:
        head = {"name": self.name, "label": self.label, "direction": self.direction, "reduction": self.reduction, "n": self.n}
        return {**head, "systems": [s.to_dict() for s in self.systems], "signature": self.signature}


@dataclass(frozen=True)
class CompareReport:
    """The result of ``losscli compare`` (schema ``losscli.compare/1``): the inputs (target and
    systems), the effective configuration and one ``ComparedLoss`` per loss."""

    tool_version: str
    inputs: dict[str, Any]
    rows: int
    config: dict[str, Any]
    losses: tuple[ComparedLoss, ...]
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    status: str = "pass"
    gates: tuple[dict[str, Any], ...] = ()  # --fail-if: one entry per gate and candidate (losscli.gating.compare_gates)

    def to_dict(self) -> dict[str, Any]:
        gates = {"gates": [dict(g) for g in self.gates]} if self.gates else {}  # only when gated
        return {
            "schema": COMPARE_SCHEMA,
            "tool": {"name": "losscli", "version": self.tool_version},
            "status": self.status,
            "inputs": {**self.inputs, "rows": self.rows},
            "config": dict(self.config),
            "losses": [e.to_dict() for e in self.losses],
            "warnings": list(self.warnings),
            "timing": {"seconds": round(self.seconds, 6)},
            **gates,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON report; floats keep full precision, non-finite values are strings."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)


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


_REPORT_KEYS = {"schema", "tool", "status", "inputs", "config", "losses"}
_REPORT_OPTIONAL = {"groups", "gates", "warnings", "timing"}
_NAMED = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}  # _json_value's names, read back


def _check_report(data: Any) -> None:
    """The top level of a JSON report: an object of schema ``SCHEMA`` whose run did not stop
    with an error, with the known keys only."""
    obj = _object(data, "the report")
    if obj.get("schema") != SCHEMA:
        raise ReportError(f"its schema is {obj.get('schema')!r}, not {SCHEMA!r}")
    if obj.get("status") == "error":
        error = obj.get("error") if isinstance(obj.get("error"), dict) else {}
        raise ReportError(f"its run stopped with an error (exit {error.get('exit_code')}: {error.get('message')})")
    _keys(obj, "the report", _REPORT_KEYS, _REPORT_OPTIONAL)


def _keys(data: Any, where: str, required: set[str], optional: set[str]) -> Mapping[str, Any]:
    obj = _object(data, where)
    missing = sorted(required - obj.keys())
    unknown = sorted(obj.keys() - required - optional)
    if missing or unknown:
        what = f"no {', '.join(map(repr, missing))}" if missing else f"an unknown field {', '.join(map(repr, unknown))}"
        raise ReportError(f"{where} has {what}")
    return obj


def _fields(data: Any, where: str, parsers: Mapping[str, Callable[[Any, str], Any]], optional: set[str]) -> dict[str, Any]:
    """``data``'s fields read by ``parsers`` (key -> parser); the ``optional`` ones may be absent."""
    obj = _keys(data, where, set(parsers) - optional, optional | {"terms"})
    return {k: parse(obj[k], f"{where}.{k}") for k, parse in parsers.items() if k in obj}


def _object(v: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(v, dict):
        raise ReportError(f"{where} is not an object")
    return v


def _list(v: Any, where: str) -> list[Any]:
    if not isinstance(v, list):
        raise ReportError(f"{where} is not a list")
    return v


def _items(v: Any, where: str) -> list[Mapping[str, Any]]:
    """A list of objects."""
    return [_object(x, f"{where}[{i}]") for i, x in enumerate(_list(v, where))]


def _text(v: Any, where: str) -> str:
    if not isinstance(v, str):
        raise ReportError(f"{where} is not text")
    return v


def _text_or_none(v: Any, where: str) -> str | None:
    return None if v is None else _text(v, where)


def _count(v: Any, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ReportError(f"{where} is not a count")
    return v


def _number(v: Any, where: str, none: bool = True) -> float | int | None:
    """A number as ``_json_value`` wrote it (``"nan"``, ``"inf"``, ``"-inf"`` as floats again)."""
    if v is None and none:
        return None
    if isinstance(v, str) and v in _NAMED:
        return _NAMED[v]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ReportError(f"{where} is not a number")
    return v


def _per_sample(v: Any, where: str) -> str | bool | None:
    """``per_sample``: the name of the per-sample quantity (text), or false for a metric without one."""
    return v if v is False else _text_or_none(v, where)


def _details(v: Any, where: str) -> dict[str, Any]:
    """A metric's ``details``: an object of JSON values (the numbers as ``_json_value`` wrote them)."""

    def back(x: Any) -> Any:
        if isinstance(x, list):
            return tuple(back(y) for y in x)
        if isinstance(x, dict):
            return {k: back(y) for k, y in x.items()}
        return _NAMED.get(x, x) if isinstance(x, str) else x

    return {k: back(x) for k, x in _object(v, where).items()}


def _choice(v: Any, where: str, choices: tuple[str, ...]) -> str:
    if v not in choices:
        raise ReportError(f"{where} is not one of {', '.join(choices)}")
    return v


def _params(v: Any, where: str) -> dict[str, Any]:
    """A loss's parameters; lists as the tuples ``_json_value`` wrote as lists."""

    def back(x: Any) -> Any:
        return tuple(back(y) for y in x) if isinstance(x, list) else x

    return {k: back(x) for k, x in _object(v, where).items()}


def _ci(v: Any, where: str) -> dict[str, Any]:
    ci = _keys(v, where, {"method", "level", "low", "high"}, set())
    return {k: _text(x, f"{where}.{k}") if k == "method" else _number(x, f"{where}.{k}") for k, x in ci.items()}


def _worst(v: Any, where: str) -> list[dict[str, Any]]:
    out = []
    for i, w in enumerate(_items(v, where)):
        _keys(w, f"{where}[{i}]", {"row", "value"}, {"id"})
        out.append({**w, "row": _count(w["row"], f"{where}[{i}].row"), "value": _number(w["value"], f"{where}[{i}].value")})
    return out


def _input(v: Any, where: str) -> Any:
    """An ``inputs`` entry: where an input was read, with the fields renderers show checked
    (``path``, ``key``: text; ``columns``: a list of text; ``shape``: a list of counts)."""
    if not isinstance(v, dict):
        return v
    for k, check in (("path", _text), ("key", _text_or_none)):
        if k in v:
            check(v[k], f"{where}.{k}")
    for k, check in (("columns", _text), ("shape", _count)):
        for i, x in enumerate(_list(v[k], f"{where}.{k}") if k in v else []):
            check(x, f"{where}.{k}[{i}]")
    return v


def _gate(v: Any, where: str) -> dict[str, Any]:
    """A ``gates[]`` entry as written (``losscli.gates``): an object with its expression."""
    entry = _object(v, where)
    _text(entry.get("expr"), f"{where}.expr")
    return dict(entry)


_LOSS_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "name": _text, "label": _text, "params": _params, "direction": lambda v, w: _choice(v, w, ("lower", "higher")),
    "reference": _text, "value": _number, "per_sample": _per_sample, "reduction": _text, "n": _count,
    "sum": _number, "mean": _number, "std": _number, "se": _number, "min": _number, "max": _number,
    "ci": _ci, "signature": _text, "worst": _worst, "details": _details,
}  # fmt: skip
_LOSS_OPTIONAL = {"per_sample", "ci", "worst", "details"}


def _json_value(v: Any) -> Any:
    """Floats as they are, except nan/inf which JSON cannot hold: their names as strings
    (inside tuples, as lists, and objects too)."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, tuple):
        return [_json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
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
