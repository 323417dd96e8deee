"""Inputs of the wrong kind: checks that a loss's inputs are what it takes, over every row.

A reference computes on whatever it is given: probabilities passed to cross-entropy as logits
give a plausible number. Where the data makes a mistake near-certain (every row of the
"logits" lies in [0, 1] and sums to 1), the evaluation stops (``error``); where it is only
suspicious (every bce prediction is exactly 0 or 1 while some targets are fractional:
``-p``/``-y`` swapped?), it goes on with a ``warning`` (one ``Warning:`` line on stderr and an
entry of the report's ``warnings``).

One mechanism serves both. A ``KindCheck`` reduces each chunk of rows to boolean flags; an
``all`` flag holds when it holds on every chunk (AND), an ``any`` flag when it holds on some
chunk (OR). The check is sprung when every flag holds. A check with ``all`` flags can only be
decided once every row is seen, so it is decided at the end, before the report exists
(``Accumulator.compute``): a chunk that breaks an ``all`` flag retires the check (no more work
on later chunks). A check of ``any`` flags only is certain as soon as it is sprung, and an
error then stops the evaluation at once. Rows with a NaN or an infinity are left out of the
flags (the NaN policy decides about them). The folded flags are part of the mergeable state,
so shards and Dask partitions decide as one evaluation would.

A loss declares its checks next to it (``register_loss(checks=...)``); a check may depend on
the loss's parameters, and a parameter given explicitly acknowledges the input's kind
(``ce:input=logits`` scores probability-like rows as logits, without an error).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli._checks import rows
from losscli.errors import InputError

ERROR, WARNING = "error", "warning"
PROB_TOL = 1e-6  # per class: |row sum - 1| <= PROB_TOL * C (float32 softmax, 6 printed decimals)


@dataclass(frozen=True)
class KindCheck:
    """One trap: per-chunk ``flags`` of a loss's role arrays, and the message when all hold.

    ``flags`` maps each flag name to ``"all"`` or ``"any"``; ``test(inputs)`` gives the flags of
    one chunk (a flag it leaves out is not decided by the chunk, e.g. a chunk of NaN rows only).
    ``message`` is formatted with ``label`` (the loss's label), ``name`` (its name), ``where`` (the
    checked input and its source) and ``fix0``, ``fix1``... (the spec with each of ``fixes``
    added, e.g. ``ce:input=probs``). ``applies``
    tells from the bound parameters and the names of the explicitly given ones whether to run.
    """

    name: str
    level: str
    role: int
    flags: Mapping[str, str]
    test: Callable[[Sequence[np.ndarray]], dict[str, bool]]
    message: str
    applies: Callable[[Mapping[str, Any], frozenset], bool] = lambda params, given: True
    fixes: tuple[str, ...] = ()  # parameters that fix it: {fix0}, {fix1} in ``message`` are the spec with each added


@dataclass
class Watch:
    """A check on one bound loss: its folded flags (JSON-safe, mergeable)."""

    key: str  # "LABEL/CHECK": unique within an evaluation
    check: KindCheck = field(repr=False)
    loss: Any = field(repr=False)  # the BoundLoss
    flags: dict[str, bool] = field(default_factory=dict)
    where: str = ""

    def __post_init__(self) -> None:
        if not self.flags:
            self.flags = {f: how == "all" for f, how in self.check.flags.items()}

    @property
    def alive(self) -> bool:
        """False once an ``all`` flag failed: the check can no longer be sprung."""
        return all(self.flags[f] for f, how in self.check.flags.items() if how == "all")

    @property
    def sprung(self) -> bool:
        return all(self.flags.values())

    def fold(self, inputs: Sequence[np.ndarray], where: str) -> None:
        """Fold one chunk's role arrays in; raise at once when an error became certain."""
        if not self.alive:
            return
        self.where = self.where or where
        for f, value in self.check.test(inputs).items():
            self.flags[f] = (self.flags[f] and value) if self.check.flags[f] == "all" else (self.flags[f] or value)
        if self.check.level == ERROR and self.sprung and all(how == "any" for how in self.check.flags.values()):
            raise InputError(self.text())

    def merge(self, other: "Watch") -> None:
        for f, how in self.check.flags.items():
            self.flags[f] = (self.flags[f] and other.flags[f]) if how == "all" else (self.flags[f] or other.flags[f])
        self.where = self.where or other.where

    def text(self) -> str:
        label = self.loss.label
        fixes = {f"fix{i}": label + ("," if ":" in label else ":") + extra for i, extra in enumerate(self.check.fixes)}
        return self.check.message.format(label=label, where=self.where, name=self.loss.spec.name, **fixes)

    def to_state(self) -> dict[str, Any]:
        return {"flags": dict(self.flags), "where": self.where}


def watches(losses: Sequence[Any]) -> dict[str, Watch]:
    """The checks that apply to ``losses`` (bound losses, combinations' terms included), by key."""
    out: dict[str, Watch] = {}
    for loss in losses:
        for part in loss.parts:
            for check in part.spec.checks:
                if check.applies(part.params, getattr(part, "given", frozenset())):
                    key = f"{part.label}/{check.name}"
                    out.setdefault(key, Watch(key, check, part))
    return out


def fold(watched: Mapping[str, Watch], arrays: Mapping[str, np.ndarray], where: Callable[[str], str]) -> None:
    """Fold the role arrays of one update into every live check (``where(key)`` names an input)."""
    for w in watched.values():
        if not w.alive:
            continue
        inputs = w.loss.role_arrays(arrays)
        role = w.loss.spec.roles[w.check.role].name
        w.fold(inputs, where(w.loss.source_key(role, arrays)))


def findings(watched: Mapping[str, Watch]) -> list[str]:
    """The warnings of the sprung checks; the first sprung error raises (exit 3)."""
    out = []
    for w in watched.values():
        if w.sprung:
            if w.check.level == ERROR:
                raise InputError(w.text())
            out.append(w.text())
    return list(dict.fromkeys(out))


def load(watched: dict[str, Watch], state: Mapping[str, Any]) -> None:
    """Restore folded flags from a state; checks the state does not hold are dropped (the run that
    made it did not check them: their kind was acknowledged)."""
    for key in list(watched):
        if key in state:
            watched[key].flags = {f: bool(state[key]["flags"][f]) for f in watched[key].check.flags}
            watched[key].where = str(state[key].get("where", ""))
        else:
            del watched[key]


def merge(watched: dict[str, Watch], other: Mapping[str, Watch]) -> None:
    for key in list(watched):
        if key in other:
            watched[key].merge(other[key])
        else:
            del watched[key]


# ---------------------------------------------------------------------------- tests of one chunk


def _finite_rows(x: np.ndarray) -> np.ndarray:
    """The rows of a 2-D view without a NaN or infinity."""
    r = rows(x)
    if r.dtype.kind == "f" and not np.isfinite(r).all():
        r = r[np.isfinite(r).all(axis=1)]
    return r


def _finite(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        return x[:0].astype(np.float64)
    x = x.ravel()
    return x[np.isfinite(x)] if x.dtype.kind == "f" else x


def probability_rows(inputs: Sequence[np.ndarray], role: int = 0) -> dict[str, bool]:
    """``rows``: every (finite) row of an ``(N, C)`` input, C >= 2, is in [0, 1] and sums to 1
    within ``PROB_TOL * C`` (of ``(N, C, d1, ...)`` class maps: every position's scores);
    ``seen``: the chunk had such a row. Other shapes decide nothing."""
    x = np.asarray(inputs[role])
    if x.ndim < 2 or x.shape[1] < 2 or x.dtype.kind not in "fiu":
        return {"rows": False}
    if x.ndim > 2:  # classes on axis 1: one row per position
        head = np.moveaxis(x[:1], 1, -1).reshape(-1, x.shape[1])[:8]
        if len(head) and (head.min() < 0 or head.max() > 1):
            return {"rows": False}
        x = np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])
    head = rows(x[:8])
    head = head[np.isfinite(head).all(axis=1)] if head.dtype.kind == "f" else head
    if len(head) and (head.min() < 0 or head.max() > 1 or np.any(np.abs(head.sum(axis=1, dtype=np.float64) - 1.0) > PROB_TOL * x.shape[1])):
        return {"rows": False}  # the common case (real logits) costs a few rows
    r = _finite_rows(x)
    if len(r) == 0:
        return {}
    ok = r.min() >= 0 and r.max() <= 1
    ok = ok and bool(np.all(np.abs(r.sum(axis=1, dtype=np.float64) - 1.0) <= PROB_TOL * x.shape[1]))
    return {"rows": bool(ok), "seen": True}


def unit_values(inputs: Sequence[np.ndarray], role: int = 0) -> dict[str, bool]:
    """``unit``: every finite value of the input is in [0, 1]; ``seen``: the chunk had one."""
    head = np.asarray(inputs[role])[:64].ravel()[:64]
    if head.dtype.kind in "fiu" and np.any((head < 0) | (head > 1)):
        return {"unit": False}  # a few values decide most chunks of real logits (NaN compares False)
    v = _finite(inputs[role])
    if v.size == 0:
        return {}
    return {"unit": bool(v.min() >= 0 and v.max() <= 1), "seen": True}


def swapped_binary(inputs: Sequence[np.ndarray]) -> dict[str, bool]:
    """``binary``: every finite prediction is exactly 0 or 1; ``fractional``: some target is
    strictly between 0 and 1."""
    head = np.asarray(inputs[0])[:64].ravel()[:64]
    if head.dtype.kind in "fiu" and np.any(np.isfinite(head) & (head != 0) & (head != 1)):
        return {"binary": False}  # the common case (real probabilities) costs a few values
    p, t = _finite(inputs[0]), _finite(inputs[1])
    out = {}
    if p.size:
        out["binary"] = bool(np.all((p == 0) | (p == 1)))
    if t.size and out.get("binary", True):
        out["fractional"] = bool(np.any((t > 0) & (t < 1)))
    return out


def pm1_labels(inputs: Sequence[np.ndarray], role: int = 1) -> dict[str, bool]:
    """``pm1``: every finite value is -1 or 1; ``negative``: some value is -1."""
    head = np.asarray(inputs[role])[:64].ravel()[:64]
    if head.dtype.kind in "fiu" and np.any(np.isfinite(head) & (head != -1) & (head != 1)):
        return {"pm1": False}  # 0/1 or soft targets: a few values decide
    t = _finite(inputs[role])
    if t.size == 0:
        return {}
    neg = t == -1
    return {"pm1": bool(np.all(neg | (t == 1))), "negative": bool(neg.any())}


def mixed_negative_labels(inputs: Sequence[np.ndarray], role: int = 1) -> dict[str, bool]:
    """``minus_one``: some label is -1; ``zero``: some label is 0 (for 1-D probabilities only)."""
    if np.asarray(inputs[0]).ndim != 1 and not (np.asarray(inputs[0]).ndim == 2 and np.asarray(inputs[0]).shape[1] == 1):
        return {}
    t = _finite(inputs[role])
    return {"minus_one": bool(np.any(t == -1)), "zero": bool(np.any(t == 0))}


# ---------------------------------------------------------------------------- checks a loss declares


def _unless_given(param: str, value: str) -> Callable[[Mapping[str, Any], frozenset], bool]:
    return lambda params, given: params.get(param) == value and param not in given


def looks_like_probabilities(what: str, as_is: str, *, param: str = "input", value: str = "logits") -> KindCheck:
    """An error when every row of the first input is a probability distribution while the loss
    reads it as ``what`` (``param=value``, not given explicitly). ``as_is``: the parameter value
    that scores them as they are."""
    return KindCheck(
        name="probability_rows",
        level=ERROR,
        role=0,
        flags={"rows": "all", "seen": "any"},
        test=probability_rows,
        message=(
            "{label}: {where} look like probabilities (every row is in [0, 1] and sums to 1), but {name} reads them as "
            f"{what}; pass {{fix0}} (or {{fix1}} to score them as {what})."
        ),
        applies=_unless_given(param, value),
        fixes=(f"{param}=probs", f"{param}={as_is}"),
    )


def logits_in_unit_interval(hint: str) -> KindCheck:
    """A warning when every logit is in [0, 1]: probabilities given to a loss that applies the sigmoid?"""
    return KindCheck(
        name="logits_in_unit_interval",
        level=WARNING,
        role=0,
        flags={"unit": "all", "seen": "any"},
        test=unit_values,
        message="{label}: every value of {where} is in [0, 1]: if they are probabilities, " + hint + ".",
    )


def probabilities_read_as_logits(roles: tuple[int, ...] = (0,), also: str = "") -> KindCheck:
    """A warning when a loss whose inputs default to probabilities is given ``input=logits`` and
    every value of its ``roles`` is in [0, 1], some strictly inside, and, with classes on axis 1
    ((N, C) rows, (N, C, H, W) maps), they sum to 1 over the classes (softmax or sigmoid outputs,
    read again as logits); ``also`` names the roles after the first in the message (" and of fake"). A warning, not an error: ``input=logits`` is already explicit, so no parameter is
    left to acknowledge it with."""

    def test(inputs: Sequence[np.ndarray]) -> dict[str, bool]:
        out: dict[str, bool] = {}
        for r in roles:
            got = unit_values(inputs, r)
            x = np.asarray(inputs[r])
            if got.get("unit") and x.ndim >= 2 and x.shape[1] >= 2:  # classes on axis 1: softmax rows sum to 1
                sums = np.sum(x, axis=1, dtype=np.float64)
                got["unit"] = bool(np.all(np.abs(sums[np.isfinite(sums)] - 1.0) <= PROB_TOL * x.shape[1]))
            if "unit" in got:
                out["unit"] = out.get("unit", True) and got["unit"]
            if got.get("seen"):
                v = _finite(x)
                out["seen"] = out.get("seen", False) or bool(np.any((v > 0) & (v < 1)))  # all-0 logits are logits
        return out

    return KindCheck(
        name="probabilities_as_logits",
        level=WARNING,
        role=roles[0],
        flags={"unit": "all", "seen": "any"},
        test=test,
        message=(
            "{label}: every value of {where}" + also + " is in [0, 1], but "
            "input=logits applies the sigmoid or softmax to them again: if they are probabilities, pass input=probs."
        ),
        applies=lambda params, given: params.get("input") == "logits",
    )


SWAPPED_BINARY = KindCheck(
    name="swapped",
    level=WARNING,
    role=0,
    flags={"binary": "all", "fractional": "any"},
    test=swapped_binary,
    message="{label}: every prediction in {where} is exactly 0 or 1 and some targets are fractional: are -p/--pred-col and -y/--target-col swapped?",
)

PM1_TARGETS = KindCheck(
    name="pm1_targets",
    level=ERROR,
    role=1,
    flags={"pm1": "all", "negative": "any"},
    test=pm1_labels,
    message="{label}: {where} holds -1/+1 labels, which {name} would score as target values; pass --pos-label 1 to read them as 0/1.",
)

MIXED_NEGATIVE_LABELS = KindCheck(
    name="mixed_labels",
    level=ERROR,
    role=1,
    flags={"minus_one": "any", "zero": "any"},
    test=mixed_negative_labels,
    message="{label}: {where} holds both -1 and 0 labels: three classes for a binary loss, which takes 0/1 or -1/+1 labels.",
)


def zero_pair_labels(role: int, reading: str) -> KindCheck:
    """A warning when pair labels (-1/1) hold 0 and never -1: 0/1 labels, most likely, where torch's
    arithmetic gives 0 a value of its own (``reading``), not that of -1."""

    def test(inputs: Sequence[np.ndarray]) -> dict[str, bool]:
        y = _finite(inputs[role])
        return {"no_minus_one": not bool(np.any(y == -1)), "zero": bool(np.any(y == 0))} if y.size else {}

    return KindCheck(
        name="zero_pair_labels",
        level=WARNING,
        role=role,
        flags={"no_minus_one": "all", "zero": "any"},
        test=test,
        message="{label}: {where} holds 0 but no -1: torch's arithmetic gives y = 0 " + reading + "; if 0 marks dissimilar pairs, write them as -1.",
    )


def values_warning(name: str, role: int, bad: Callable[[np.ndarray], np.ndarray], message: str, applies: Any = None) -> KindCheck:
    """A warning when some finite value of input ``role`` is ``bad`` (an elementwise predicate):
    values the reference computes on but that are rarely meant (positive log-probabilities)."""
    return KindCheck(
        name=name,
        level=WARNING,
        role=role,
        flags={"bad": "any"},
        test=lambda inputs: {"bad": bool(np.any(bad(_finite(inputs[role]))))},
        message=message,
        applies=applies or (lambda params, given: True),
    )
