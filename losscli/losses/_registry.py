"""The loss registry: one frozen ``LossSpec`` per loss, registered by a decorator next to it.

Parameters come from the function's keyword-only arguments (``inspect.signature``): their
defaults, types (from the annotation) and one-line docs (from the ``Args:`` section) are the
single source for ``losscli list``, ``describe``, validation, labels and the JSON ``params``.
"""

from __future__ import annotations

import difflib
import fnmatch
import inspect
import math
import re
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, Callable

import numpy as np

from losscli.losses._statistic import Statistic
from losscli.errors import SpecError, UnknownLossError, UsageError, number

FAMILIES = (
    "regression", "classification", "ranking", "segmentation", "boxes", "gan", "sequence",
    "classification_metrics", "regression_metrics", "ranking_metrics",
)  # fmt: skip
POSITIONAL = ("pred", "target")  # PRED and TARGET fill the first two roles of every loss
KINDS = ("values", "logits", "probs", "log_probs", "labels", "binary", "boxes", "masks", "embeddings", "scores", "ids")
# The compiled one-pass kernels (``losscli._kernels``: a loss's values, their sum, sum of squares,
# min and max in one read of two 1-D inputs) and the keyword parameter each takes. A loss whose
# definition one of them computes bit for bit declares it: ``register_loss(..., kernel="huber")``.
KERNELS: dict[str, str | None] = {"squared": None, "absolute": None, "huber": "delta", "smooth_l1": "beta"}

_losses: dict[str, "LossSpec"] = {}  # canonical name -> spec
_lookup: dict[str, str] = {}  # lower-case name or alias -> canonical name
_presets: dict[str, tuple[str, ...]] = {}  # preset name (without '@') -> loss specs


@dataclass(frozen=True)
class Domain:
    """The allowed values of a parameter: a predicate and the text that describes it."""

    test: Callable[[Any], bool]
    text: str


def interval(low: float = -math.inf, high: float = math.inf, closed: str = "both") -> Domain:
    """A numeric interval; ``closed`` is ``both``, ``left``, ``right`` or ``neither``."""
    lo_ok = (lambda v: v >= low) if closed in ("both", "left") else (lambda v: v > low)
    hi_ok = (lambda v: v <= high) if closed in ("both", "right") else (lambda v: v < high)
    lb = "[" if closed in ("both", "left") else "("
    rb = "]" if closed in ("both", "right") else ")"
    text = f"in {lb}{format_value(low)}, {format_value(high)}{rb}"
    if high == math.inf:
        text = (">= " if lb == "[" else "> ") + format_value(low)
    elif low == -math.inf:
        text = ("<= " if rb == "]" else "< ") + format_value(high)
    return Domain(lambda v: lo_ok(v) and hi_ok(v), text)


def options(*values: Any) -> Domain:
    """One of a closed set of values."""
    return Domain(lambda v: v in values, "one of " + ", ".join(format_value(v) for v in values))


@dataclass(frozen=True)
class Role:
    """One input of a loss: its name (the function's positional argument) and kind."""

    name: str
    kind: str


@dataclass(frozen=True)
class Param:
    """One keyword-only parameter of a loss."""

    name: str
    default: Any
    type: str  # float | int | bool | str | floats | float_or_floats
    doc: str = ""
    domain: Domain | None = None
    nullable: bool = False  # the annotation admits None: the spec value ``none`` is accepted


@dataclass(frozen=True)
class LossSpec:
    """Everything the registry knows about one loss."""

    name: str
    fn: Callable[..., np.ndarray]
    family: str
    aliases: tuple[str, ...]
    roles: tuple[Role, ...]
    params: tuple[Param, ...]
    direction: str
    reference: str
    summary: str
    normalizer: Callable[..., np.ndarray] | None = None
    finalize: Callable[[np.ndarray], np.ndarray] | None = None
    headline: str = "mean"
    per_sample: str | None = None  # what a per-sample value is when the headline is not its mean (rmse: "sq_err")
    rowwise: bool = True  # False: a row's loss depends on the other rows (NT-Xent): never chunked
    propagates_nonfinite: bool = False  # True: a NaN/inf in any float input gives a non-finite loss on its row
    masked: tuple[str, ...] = ()  # roles where -inf is a value (a masked class), not a missing one
    broadcast: tuple[str, ...] = ()  # roles that may hold one row shared by every row (torch broadcasting)
    elements: Callable[..., int] | None = None  # (shape, **params) -> elements per row of the reference's reduction="none" (None: 1)
    checks: tuple[Any, ...] = ()  # losscli._kinds.KindCheck: inputs of the wrong kind (error or warning)
    kernel: str | None = None  # the compiled kernel that computes it (a key of KERNELS), or None
    statistic: Statistic | None = None  # a metric without per-sample values: how it reduces (losses._statistic)

    @property
    def per_sample_values(self) -> bool:
        """Whether the loss (or metric) has one value per row: False for a ``statistic`` metric."""
        return self.statistic is None

    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def bind(self, given: dict[str, Any] | None = None) -> "BoundLoss":
        """Validate ``given`` parameters and return the loss ready to call."""
        params = self.defaults
        known = {p.name: p for p in self.params}
        for key, value in (given or {}).items():
            if key not in known:
                raise SpecError(_unknown_param_message(self, key))
            params[key] = _check_param(self, known[key], value)
        return BoundLoss(self, params, frozenset(given or ()))


@dataclass(frozen=True)
class BoundLoss:
    """A loss with validated parameters: callable on its role arrays."""

    spec: LossSpec
    params: dict[str, Any] = field(hash=False)
    given: frozenset = field(default=frozenset(), compare=False)  # parameters given explicitly (ce:input=logits acknowledges logits)

    @property
    def label(self) -> str:
        """Canonical name plus every non-default parameter, e.g. ``huber:delta=0.5``."""
        changed = [f"{k}={format_value(v)}" for k, v in self.params.items() if not _same(v, self.spec.defaults[k])]
        return self.spec.name + (":" + ",".join(changed) if changed else "")

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        return self.spec.fn(*inputs, **self.params)

    def role_arrays(self, arrays: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """The arrays of this loss's roles, in order: by role name, else PRED/TARGET by position."""
        out = []
        for i, role in enumerate(self.spec.roles):
            if role.name in arrays:
                out.append(arrays[role.name])
            elif i < len(POSITIONAL) and POSITIONAL[i] in arrays:
                out.append(arrays[POSITIONAL[i]])
            elif role.name == "query" and role.kind == "ids":  # a ranking metric's query ids: most often a column of the prediction table
                raise UsageError(f"{self.spec.name} needs the query ids: pass --query-col COL (or --input query=PATH[:SEL]).")
            else:
                names = ", ".join(r.name for r in self.spec.roles)
                how = "the TARGET argument" if i == 1 else f"--input {role.name}=PATH[:SEL]"
                raise UsageError(
                    f"Loss '{self.spec.name}' needs input '{role.name}' ({role.kind}); its inputs are {names}. "
                    f"Pass it with {how} (see 'losscli describe {self.spec.name}')."
                )
        return out

    def source_key(self, role: str, arrays: Mapping[str, np.ndarray]) -> str:
        """The input ``role`` was filled from: its own name, else PRED/TARGET by position."""
        names = [r.name for r in self.spec.roles]
        if role in arrays or role not in names:
            return role
        i = names.index(role)
        return POSITIONAL[i] if i < len(POSITIONAL) else role

    def elements(self, first: np.ndarray) -> int:
        """Elements per row of the reference's ``reduction="none"`` output that a per-sample value
        is the mean of (1 unless the loss declares ``elements``; it may depend on the parameters)."""
        return 1 if self.spec.elements is None else self.spec.elements(np.shape(first), **self.params)

    def normalizer(self, *inputs: np.ndarray) -> np.ndarray | None:
        """Per-sample normaliser ``m_n`` of the mean (None: every ``m_n`` is 1)."""
        if self.spec.normalizer is None:
            return None
        return self.spec.normalizer(*inputs, **self.params)

    @property
    def text(self) -> str:
        """A spec that parses back to this loss: its label, plus the parameters given explicitly at
        their default value (``ce:input=logits``: an acknowledgement that must survive shards)."""
        kept = [f"{k}={format_value(v)}" for k, v in self.params.items() if k in self.given and _same(v, self.spec.defaults[k])]
        return self.label + ("," if ":" in self.label else ":") + ",".join(kept) if kept else self.label

    @property
    def per_sample_name(self) -> str | None:
        """The name of a per-sample value when the headline is not their mean, or their sum, as
        such (rmse: ``rmse.sq_err``, the squared errors whose mean's root is the headline); None
        when the per-sample values are the loss itself. With class weights (a normaliser other than
        1) the headline is ``Σ w_y l / Σ w_y``, not the mean of the per-sample ``w_y l``: those are
        ``LABEL.class_weighted``."""
        if self.spec.per_sample:
            return f"{self.label}.{self.spec.per_sample}"
        if self.spec.normalizer is not None and self.params.get("weight") is not None:
            return f"{self.label}.class_weighted"
        return None

    @property
    def parts(self) -> tuple["BoundLoss", ...]:
        """The registered losses this entry computes (itself; a combination's terms)."""
        return (self,)

    @property
    def direction(self) -> str:
        return self.spec.direction

    @property
    def per_sample_values(self) -> bool:
        """Whether it has one value per row (False: a metric with a ``statistic``, f1, r2)."""
        return self.spec.per_sample_values


@dataclass(frozen=True)
class Combination:
    """``NAME=a*SPEC+b*SPEC+...``: per-sample ``Σ a_i l_i``, headline ``Σ a_i value_i``.

    Coefficients are not normalised (Keras ``loss_weights``). Each term is a bound loss with its
    own roles; the engine computes every term and keeps its statistics for the report.
    """

    label: str
    terms: tuple[tuple[float, BoundLoss], ...]

    @property
    def parts(self) -> tuple[BoundLoss, ...]:
        return tuple(b for _, b in self.terms)

    @property
    def text(self) -> str:
        """A spec that parses back to this combination."""
        return f"{self.label}={self.expression}"

    @property
    def expression(self) -> str:
        return "+".join(f"{format_value(a)}*{b.label}" for a, b in self.terms)

    @property
    def direction(self) -> str:
        return "lower" if all(b.spec.direction == "lower" for b in self.parts) else "higher"

    per_sample_values = True  # its terms are losses with per-sample values (metrics are refused)

    @property
    def per_sample_name(self) -> str | None:
        """``LABEL.weighted_sum`` when a term's headline is not the mean of its per-sample values
        (rmse), or has a normaliser (class weights, ignore_index): the per-sample value ``Σ a_i l_i``
        is then not what the headline averages."""
        return f"{self.label}.weighted_sum" if not self.plain_mean else None

    @property
    def plain_mean(self) -> bool:
        """Whether the headline ``Σ a_i value_i`` is the mean of the per-sample ``Σ a_i l_i``."""
        return not any(b.per_sample_name or b.spec.normalizer is not None for b in self.parts)


def all_elements(shape: tuple[int, ...], **_: Any) -> int:
    """``elements`` of an elementwise loss: every element after the row axis."""
    return math.prod(shape[1:])


def class_positions(shape: tuple[int, ...], **_: Any) -> int:
    """``elements`` of a loss of class scores: the positions ``d1, ...`` of ``(N, C, d1, ...)``."""
    return math.prod(shape[2:])


def register_loss(
    name: str,
    *,
    family: str,
    inputs: tuple[str, ...],
    reference: str,
    aliases: tuple[str, ...] = (),
    direction: str = "lower",
    domains: dict[str, Domain] | None = None,
    normalizer: Callable[..., np.ndarray] | None = None,
    finalize: Callable[[np.ndarray], np.ndarray] | None = None,
    headline: str = "mean",
    per_sample: str | None = None,
    rowwise: bool = True,
    propagates_nonfinite: bool = False,
    masked: tuple[str, ...] = (),
    broadcast: tuple[str, ...] = (),
    elements: Callable[..., int] | None = None,
    checks: tuple[Any, ...] = (),
    kernel: str | None = None,
    statistic: Statistic | None = None,
) -> Callable[[Callable[..., np.ndarray]], Callable[..., np.ndarray]]:
    """Register the decorated per-sample loss function under ``name`` and ``aliases``.

    ``inputs`` gives the kind of each positional argument (the roles, in order). A duplicate
    name or alias raises at import time. ``rowwise=False`` declares a loss whose value on a row
    depends on the other rows of the batch: the engine then never splits its rows into blocks
    or chunks. ``propagates_nonfinite=True`` declares that a NaN or inf in any float input makes
    that row's loss NaN or inf: the engine then skips its own pass over the inputs when every
    loss value is finite (tests/test_kernels.py checks the claim for every loss that makes it).
    ``masked`` names the roles where ``-inf`` is a valid value (a masked logit, log-probability 0):
    the NaN policy leaves it to the loss, which gives a finite value or its reference's inf.
    ``broadcast`` names the roles whose input may have one row, repeated for every row.
    ``elements`` maps the first input's shape to the elements per row of the reference's
    ``reduction="none"`` output that a per-sample value is the mean of (``all_elements``: all of
    them; ``class_positions``: the positions of ``(N, C, d1, ...)`` scores), called with the
    bound parameters as keywords too (kl_div's ``reduction_mode``); ``--reduction
    sum_elements`` multiplies by it. None: a per-sample value is one element (or the row's sum).
    ``finalize`` maps the mean to the headline (rmse: sqrt); ``per_sample`` then names what a
    per-sample value is (``sq_err``): outputs show the per-sample statistics under
    ``LABEL.per_sample``, never under the headline's name. ``checks`` are the loss's traps of
    inputs of the wrong kind (``losscli._kinds``): an error or a warning when the data is near
    certainly (or suspiciously) not what the loss takes. ``kernel`` names the compiled kernel
    (``KERNELS``) that computes the loss's values bit for bit (tests/test_kernels.py): the
    engine's fast path then reads the inputs once per block. ``statistic`` declares a metric
    without per-sample values (``f1``, ``r2``, ``roc_auc``): the engine folds its mergeable state
    (``losses._statistic``) instead of per-sample values, and the decorated function is the
    metric of whole arrays (the Python API), returning the headline.
    """
    _check_options(name, family, direction, finalize, per_sample, kernel)
    if statistic is not None and (finalize or normalizer or kernel or elements or not rowwise):
        raise ValueError(f"{name}: a statistic metric takes none of finalize, normalizer, kernel, elements, rowwise=False")
    options = dict(
        family=family, aliases=tuple(aliases), direction=direction, reference=reference, normalizer=normalizer,
        finalize=finalize, headline=headline, per_sample=per_sample, rowwise=rowwise,
        propagates_nonfinite=propagates_nonfinite, checks=tuple(checks), kernel=kernel, statistic=statistic,
        masked=tuple(masked), broadcast=tuple(broadcast), elements=elements,
    )  # fmt: skip

    def decorate(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        roles, params = _signature(name, fn, inputs, domains or {})
        _add(LossSpec(name=name, fn=fn, roles=roles, params=params, summary=_summary(fn), **options))
        return fn

    return decorate


def _check_options(name: str, family: str, direction: str, finalize: Any, per_sample: str | None, kernel: str | None) -> None:
    if finalize is not None and per_sample is None:
        raise ValueError(f"{name}: a loss with finalize must name its per-sample quantity (per_sample=...)")
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if direction not in ("lower", "higher"):
        raise ValueError(f"direction must be 'lower' or 'higher', got {direction!r}")
    if kernel is not None and kernel not in KERNELS:
        raise ValueError(f"{name}: unknown kernel {kernel!r}; the kernels are {', '.join(KERNELS)}")


def _signature(name: str, fn: Callable[..., Any], inputs: tuple[str, ...], domains: dict[str, Domain]) -> tuple[tuple[Role, ...], tuple[Param, ...]]:
    """The roles (positional arguments, with the kinds ``inputs`` gives) and the parameters
    (keyword-only arguments: default, type, ``Args:`` doc, domain) of the loss function ``fn``."""
    sig = inspect.signature(fn)
    positional = [p.name for p in sig.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    if len(positional) != len(inputs):
        raise ValueError(f"{name}: {len(inputs)} input kinds for {len(positional)} positional arguments")
    for kind in inputs:
        if not set(kind.split("|")) <= set(KINDS):
            raise ValueError(f"{name}: unknown input kind {kind!r}")
    docs = _arg_docs(fn.__doc__ or "")
    params = tuple(
        Param(p.name, p.default, _param_type(p.annotation), docs.get(p.name, ""), domains.get(p.name), "None" in str(p.annotation))
        for p in sig.parameters.values()
        if p.kind is p.KEYWORD_ONLY
    )
    return tuple(Role(r, k) for r, k in zip(positional, inputs)), params


def _summary(fn: Callable[..., Any]) -> str:
    """The first line of ``fn``'s docstring."""
    return (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""


def _add(spec: LossSpec) -> None:
    """Enter ``spec`` under its name and aliases (case-insensitive); a name taken raises."""
    if spec.kernel is not None and KERNELS[spec.kernel] not in (None, *(p.name for p in spec.params)):
        raise ValueError(f"{spec.name}: kernel {spec.kernel!r} takes parameter {KERNELS[spec.kernel]!r}, which the loss lacks")
    for key in (spec.name, *spec.aliases):
        if key.lower() in _lookup:
            raise ValueError(f"loss name {key!r} is already registered for {_lookup[key.lower()]!r}")
        _lookup[key.lower()] = spec.name
    _losses[spec.name] = spec


def register_preset(name: str, *specs: str) -> None:
    """Register ``@name`` as a shorthand for several loss specs."""
    if name in _presets:
        raise ValueError(f"preset @{name} is already registered")
    _presets[name] = specs


def get_loss(name: str) -> LossSpec:
    """Return the spec of a loss by name or alias (case-insensitive)."""
    canonical = _lookup.get(name.strip().lower())
    if canonical is None:
        close = difflib.get_close_matches(name.lower(), list(_lookup), n=3, cutoff=0.6)
        names = dict.fromkeys(_lookup[c] for c in close)
        hint = " Did you mean " + " or ".join(f"'{n}'" for n in names) + "?" if close else ""
        raise UnknownLossError(f"Unknown loss '{name}'.{hint} Run 'losscli list' to see available losses.")
    return _losses[canonical]


def list_losses(pattern: str | None = None, family: str | None = None) -> list[LossSpec]:
    """Registered losses sorted by family order then name, filtered by an fnmatch glob and family."""
    out = [
        s
        for s in _losses.values()
        if (family is None or s.family == family)
        and (pattern is None or any(fnmatch.fnmatch(n.lower(), pattern.lower()) for n in (s.name, *s.aliases)))
    ]
    return sorted(out, key=lambda s: (FAMILIES.index(s.family), s.name))


def presets() -> dict[str, tuple[str, ...]]:
    """Registered presets, ``name -> specs`` (names without the ``@``)."""
    return dict(_presets)


def parse_spec(text: str) -> list["BoundLoss | Combination"]:
    """Parse ``name[:k=v[,k=v...]]``, ``@preset`` or ``NAME=a*SPEC+b*SPEC`` into bound losses
    (lists use ``;``)."""
    text = text.strip()
    if text.startswith("@"):
        members = _presets.get(text[1:].lower())
        if members is None:
            close = difflib.get_close_matches(text[1:].lower(), list(_presets), n=3)
            hint = " Did you mean " + " or ".join(f"'@{c}'" for c in close) + "?" if close else ""
            known = ", ".join("@" + p for p in sorted(_presets))
            raise UnknownLossError(f"Unknown preset '{text}'.{hint} Presets: {known}.")
        return [b for m in members for b in parse_spec(m)]
    combo = _COMBINATION.match(text)
    if combo:
        return [_parse_combination(text, combo.group(1), combo.group(2))]
    name, _, rest = text.partition(":")
    if not name:
        raise SpecError(f"Empty loss name in spec '{text}'. Expected name[:key=value,...], e.g. huber:delta=0.5.")
    spec = get_loss(name)
    given: dict[str, Any] = {}
    for item in filter(None, (s.strip() for s in rest.split(","))) if rest else ():
        key, eq, raw = item.partition("=")
        if not eq or not key.strip():
            raise SpecError(f"Bad parameter '{item}' in spec '{text}'. Expected key=value, e.g. {spec.name}:key=1.5.")
        key = key.strip()
        param = next((p for p in spec.params if p.name == key), None)
        if param is None:
            raise SpecError(_unknown_param_message(spec, key))
        if key in given:
            raise SpecError(f"Parameter '{key}' given twice in spec '{text}'.")
        given[key] = _parse_value(spec, param, raw.strip())
    if rest is not None and text.endswith(":") and not given:
        raise SpecError(f"Spec '{text}' ends with ':' but gives no parameter.")
    return [spec.bind(given)]


# ---------------------------------------------------------------------------- helpers

_COMBINATION = re.compile(r"^([A-Za-z_][\w-]*)\s*=(.*)$")
# A '+' starts a new term when a coefficient and '*' or a loss name follows (not inside 1e+3).
_TERM_SPLIT = re.compile(r"(?<![0-9.][eE])\+(?=\s*(?:[\d.]+(?:[eE][+-]?\d+)?\s*\*|[A-Za-z_]))")
_TERM = re.compile(r"^\s*(?:([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*\*)?\s*(.+?)\s*$")


def _parse_combination(text: str, label: str, body: str) -> Combination:
    """``NAME=a*SPEC+b*SPEC``: a weighted sum of single losses (no presets, no nesting)."""
    if label.lower() in _lookup:
        raise SpecError(f"Combination name '{label}' is the name of a loss; pick another, e.g. total={body}.")
    terms = []
    for part in _TERM_SPLIT.split(body):
        m = _TERM.match(part)
        if not m or m.group(2).startswith("@") or "*" in m.group(2) or "=" in m.group(2).split(":")[0]:
            raise SpecError(f"Bad term '{part.strip()}' in '{text}'. Expected NAME=a*SPEC+b*SPEC, e.g. total=0.7*ce+0.3*dice:smooth=1.")
        (bound,) = parse_spec(m.group(2))
        if bound.spec.statistic is not None:
            raise SpecError(f"'{bound.spec.name}' in '{text}' is a metric without per-sample values; a combination adds per-sample losses.")
        terms.append((float(m.group(1)) if m.group(1) else 1.0, bound))
    labels = [b.label for _, b in terms]
    if len(set(labels)) != len(labels):
        raise SpecError(f"A loss appears twice in '{text}'; merge its coefficients.")
    return Combination(label, tuple(terms))


def _unknown_param_message(spec: LossSpec, key: str) -> str:
    names = [p.name for p in spec.params]
    close = difflib.get_close_matches(key, names, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    allowed = ", ".join(names) if names else "none"
    return f"Unknown parameter '{key}' for loss '{spec.name}'.{hint} Parameters: {allowed}."


def _param_type(annotation: Any) -> str:
    text = str(annotation).replace(" ", "")
    if "tuple" in text or "Sequence" in text:
        return "float_or_floats" if text.startswith("float|") else "floats"
    for t in ("bool", "int", "float", "str"):
        if text.startswith(t):
            return t
    raise ValueError(f"unsupported parameter annotation {annotation!r}")


def _parse_value(spec: LossSpec, param: Param, raw: str) -> Any:
    where = f"parameter '{param.name}' of loss '{spec.name}'"
    low = raw.lower()
    if low in ("none", "null") and (param.default is None or param.nullable or param.type in ("floats", "float_or_floats")):
        return None
    try:
        if param.type == "bool":
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError
        if param.type == "int":
            value = float(raw)
            if not value.is_integer():
                raise ValueError
            return int(value)
        if param.type == "float":
            return float(raw)
        if param.type in ("floats", "float_or_floats"):
            parts = [float(v) for v in raw.split(";") if v.strip()]
            if not parts:
                raise ValueError
            if param.type == "float_or_floats" and len(parts) == 1 and ";" not in raw:
                return parts[0]
            return tuple(parts)
        return raw
    except ValueError:
        want = {
            "bool": "true or false",
            "int": "an integer",
            "float": "a number",
            "floats": "numbers separated by ';'",
            "float_or_floats": "a number or numbers separated by ';'",
        }[param.type]
        raise SpecError(f"Bad value '{raw}' for {where}: expected {want}.") from None


def _check_param(spec: LossSpec, param: Param, value: Any) -> Any:
    if param.type == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, list):
        value = tuple(float(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(f"Parameter '{param.name}' of loss '{spec.name}' must be finite, got {format_value(value)}.")
    if param.domain is not None and value is not None and not param.domain.test(value):
        raise SpecError(
            f"Parameter '{param.name}' of loss '{spec.name}' must be {param.domain.text}, got {format_value(value)}."
        )
    return value


def _arg_docs(doc: str) -> dict[str, str]:
    """Map each argument in a Google-style ``Args:`` section to its first line of text."""
    out: dict[str, str] = {}
    lines = inspect.cleandoc(doc).splitlines()
    inside = False
    for line in lines:
        if line.strip() == "Args:":
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            m = re.match(r"^\s+(\w+)(?: \([^)]*\))?:\s*(.*)$", line)
            if m:
                out[m.group(1)] = m.group(2)
    return out


def _same(a: Any, b: Any) -> bool:
    return a == b and (a is None) == (b is None)


def format_value(value: Any) -> str:
    """Short text of a parameter value, as a user would type it in a spec (labels, list, describe)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, float):
        if value in (math.inf, -math.inf):
            return "inf" if value > 0 else "-inf"
        return number(value)
    if isinstance(value, tuple):
        return ";".join(format_value(v) for v in value)
    return str(value)
