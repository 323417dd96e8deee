"""How a metric whose headline is not a mean of per-sample values reduces: its ``Statistic``.

A loss (and a per-sample metric such as ``accuracy``) has one value per row; the engine folds
those into a ``reductions.Summary`` and the headline is their (weighted) mean. A metric such as
``f1``, ``r2`` or ``roc_auc`` has no per-sample value: its headline is a function of a
**state** that some rows make and that merges exactly with the state of other rows. The metric
declares it with ``register_loss(..., statistic=Statistic(...))``:

- ``fold(inputs, weights, params) -> state``: the state of some rows (``inputs``: the role arrays
  in the metric's role order, rows already filtered by the NaN policy; ``weights``: sample weights
  or None). The engine calls it per chunk, per group and per bootstrap replicate (there with the
  sample weights times the replicate's Poisson weights), so it must accept any non-negative float
  weights, including zeros.
- ``state.merge(other) -> state``: the state of the union of two disjoint sets of rows; exact
  (integer counts, compensated sums, counts per distinct value), so every chunking, ``merge`` of
  shards and ``--engine dask`` give the same headline.
- ``state.to_state() -> dict`` (JSON-safe) and ``load(dict) -> state``: shards and ``merge``.
- ``value(state, params) -> float``: the headline; raises ``errors.InputError`` when it is
  undefined for these rows (the line says why and what to pass) rather than returning nan.
- ``details(state, params) -> dict | None``: extra report content (the confusion matrix, the
  reliability bins), JSON-safe.
- ``interval(state, params, level) -> (low, high)``: ``--ci analytic`` (DeLong for ``roc_auc``);
  None: the metric has no analytic interval (``--ci bootstrap`` is then the way).
- ``unweighted``: why the metric takes no sample weights (``-w``), for the line that refuses
  them (the ranking metrics: a row has no weight of its own); None: it takes any. The bootstrap's
  Poisson weights still reach ``fold``.
- ``every_row``: a bootstrap replicate folds every row with its Poisson weight, those of weight
  0 included (False: only the rows it draws). The ranking metrics resample whole queries (a
  query's weight is that of its first row), so a replicate needs every document of the query.
- ``paired(base_inputs, cand_inputs, weights, params) -> (delta, variance)``: an analytic paired
  test of two models on the same rows (``compare --ci analytic``: DeLong's for ``roc_auc``):
  ``value(cand) - value(base)`` and its variance (normal approximation); None: none.
- ``kind``: what the state is, for ``describe``: ``counts`` (fixed size: confusion counts, bin
  counts), ``sums`` (fixed size: moment sums), ``ranks`` (one entry per distinct value: grows
  with the data) or ``queries`` (every row's query, score and relevance: grows with the rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Protocol

import numpy as np

from losscli.errors import StateError

STATISTIC_KINDS = {
    "counts": "exact counts (fixed size), mergeable",
    "sums": "exact sums (fixed size), mergeable",
    "ranks": "counts per distinct value: exact, mergeable, grows with the number of distinct values",
    "queries": "every row of every query: exact, mergeable, grows with the number of rows",
}


class State(Protocol):
    """The mergeable state of some rows (see the module docstring)."""

    def merge(self, other: Any) -> Any: ...

    def to_state(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Statistic:
    """How a metric reduces (see the module docstring)."""

    kind: str
    fold: Callable[[Sequence[np.ndarray], np.ndarray | None, Mapping[str, Any]], State]
    value: Callable[[State, Mapping[str, Any]], float | None]
    load: Callable[[Mapping[str, Any]], State]
    details: Callable[[State, Mapping[str, Any]], dict[str, Any] | None] | None = None
    interval: Callable[[State, Mapping[str, Any], float], tuple[float | None, float | None]] | None = None
    unweighted: str | None = None
    every_row: bool = False
    paired: Callable[[Sequence[np.ndarray], Sequence[np.ndarray], np.ndarray | None, Mapping[str, Any]], tuple[float, float]] | None = None

    def __post_init__(self) -> None:
        if self.kind not in STATISTIC_KINDS:
            raise ValueError(f"statistic kind must be one of {', '.join(STATISTIC_KINDS)}, got {self.kind!r}")

    def of(self, inputs: Sequence[np.ndarray], params: Mapping[str, Any], weights: np.ndarray | None = None) -> float | None:
        """The headline of ``inputs`` taken whole: what a metric function returns for the Python API."""
        return self.value(self.fold(inputs, weights, params), params)

    def count(self, state: State) -> float | None:
        """The rows ``state`` counts (their weight sum; without sample weights and outside a
        bootstrap replicate, exactly the rows folded): ``state.row_count()``, None when the state
        has no such method. ``losscli merge`` checks it against the rows a shard kept."""
        total = getattr(state, "row_count", None)
        return None if total is None else float(total())


MAX_LABEL = 2**62  # a class label of a state: within int64 with room for arithmetic


def exact_keys(state: Any, required: Sequence[str], optional: Sequence[str] = (), where: str = "") -> Mapping[str, Any]:
    """``state`` as a mapping with every ``required`` key and no key outside ``optional``
    (``where``: the state's own field, prefixed to the field named)."""
    at = f"{where}." if where else ""
    if not isinstance(state, Mapping):
        raise StateError(where or "state", f"must be an object, got {type(state).__name__}")
    for k in required:
        if k not in state:
            raise StateError(f"{at}{k}", "is missing")
    extra = sorted(set(state) - set(required) - set(optional), key=str)
    if extra:
        raise StateError(f"{at}{extra[0]}", "is not a field of this metric's state")
    return state


def whole(x: Any, field: str, low: int = 0, high: int = MAX_LABEL) -> int:
    """A JSON integer (not a bool, not a float) in ``[low, high]``."""
    if isinstance(x, bool) or not isinstance(x, int) or not low <= x <= high:
        bounds = f"[{low}, {high}]" if high < MAX_LABEL else ("within ±2**62" if low < 0 else f">= {low}")
        raise StateError(field, f"must be an integer {bounds.replace('[', 'in [', 1)}, got {repr(x)[:40]}")
    return x


def floats(x: Any, field: str, shape: tuple[int, ...]) -> np.ndarray:
    """A list of finite numbers of ``shape`` (nested lists), as float64."""
    try:
        a = np.array(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise StateError(field, "must be a list of numbers") from None
    if a.shape != shape:
        raise StateError(field, f"must have shape {shape}, got {a.shape}")
    if not np.isfinite(a).all():
        raise StateError(field, "must hold finite numbers")
    return a


def labels_of(x: Any, field: str) -> np.ndarray:
    """Class labels: a list of strictly increasing integers within ``±MAX_LABEL``, as int64."""
    if not isinstance(x, list):
        raise StateError(field, "must be a list of integers")
    values = [whole(v, field, -MAX_LABEL) for v in x]
    if any(b <= a for a, b in zip(values, values[1:])):
        raise StateError(field, "must be strictly increasing")
    return np.array(values, dtype=np.int64).reshape(-1)


def non_negative(total: np.ndarray, field: str) -> None:
    """Counts or weight sums (each with its compensation): none below 0."""
    if (total < 0).any():
        raise StateError(field, f"has a negative count ({float(total.min()):g})")


def at_most(part: np.ndarray, whole_: np.ndarray, field: str, what: str) -> None:
    """``part <= whole_`` elementwise, within the rounding of a float sum."""
    slack = 1e-9 * np.maximum(np.abs(whole_), 1.0)
    if (part > whole_ + slack).any():
        raise StateError(field, f"counts more {what}")
