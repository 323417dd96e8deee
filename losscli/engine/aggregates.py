"""The states of metrics without per-sample values (``statistic`` metrics: ``f1``, ``r2``, ``roc_auc``).

A loss's per-sample values are folded into a ``reductions.Summary``; a statistic metric's rows
are folded into the mergeable state its ``Statistic`` declares (``losses._statistic``). This
module keeps those states for an ``Accumulator``: over every row, per ``--group-by`` group, and
per ``--ci bootstrap`` replicate (the rows weighted by the replicate's Poisson weights, the same
weights the losses' replicates use, so ``compare``'s paired differences pair them), and merges
them exactly across chunks, shards and Dask partitions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from losscli.analysis import AnalysisOptions, group_codes, plain
from losscli.bootstrap import PoissonWeights, percentile_interval
from losscli.errors import InputError, UsageError, ValueDomainError
from losscli.losses import BoundLoss, format_value
from losscli.stats import ci_object


def is_statistic(loss: Any) -> bool:
    """Whether ``loss`` is a metric without per-sample values (a ``BoundLoss`` with a statistic)."""
    return not loss.per_sample_values


class Aggregates:
    """Mergeable states of the statistic metrics of one accumulator (see the module docstring)."""

    def __init__(self, metrics: Sequence[BoundLoss], options: AnalysisOptions, nan_policy: str = "error") -> None:
        self.metrics = {b.label: b for b in metrics}
        self.nan_policy = nan_policy  # a value that is not finite: an error, unless "propagate"
        self.options = options
        self.overall: dict[str, Any] = {}
        self.groups: dict[tuple, dict[str, Any]] = {}
        self.boot: dict[str, list[Any]] = {}  # label -> n_boot replicate states (overall)
        self.group_boot: dict[tuple, dict[str, list[Any]]] = {}  # group key -> label -> its replicate states
        self._weights = PoissonWeights(options.seed, options.n_boot) if options.bootstrap else None
        if options.ci == "analytic":
            for b in metrics:
                if b.spec.statistic.interval is None:
                    raise UsageError(f"--ci analytic: '{b.label}' has no analytic interval (it is not a mean of per-sample values); use --ci bootstrap.")

    def update(self, arrays: Mapping[str, np.ndarray], weights: np.ndarray | None, rows: np.ndarray, groups: Sequence[np.ndarray]) -> None:
        """Fold the kept rows of a chunk: ``arrays`` by role, ``rows`` their global 0-based row
        numbers (the bootstrap weights), ``groups`` the ``--group-by`` columns on those rows."""
        if len(rows) == 0:
            return
        if weights is not None:
            refused = [b for b in self.metrics.values() if b.spec.statistic.unweighted]
            if refused:
                raise UsageError(f"{refused[0].label} takes no sample weights (-w/--weight-col): {refused[0].spec.statistic.unweighted}; drop -w.")
        inputs = {label: b.role_arrays(arrays) for label, b in self.metrics.items()}
        for label, b in self.metrics.items():
            try:
                self.overall[label] = self._fold(b, inputs[label], weights, self.overall.get(label))
            except ValueDomainError as e:  # as a loss's: the row of the whole input, not of the chunk
                e.row = None if e.row is None else int(rows[e.row]) - self.options.row_offset
                raise
        k = self._weights.rows(int(rows[0]), int(rows[-1]) + 1)[:, rows - int(rows[0])] if self._weights is not None else None
        if k is not None:
            self._bootstrap(self.boot, inputs, weights, k)
        if groups:
            codes, keys = group_codes(groups)
            for g, key in enumerate(keys):
                idx = np.flatnonzero(codes == g)
                cell = self.groups.setdefault(key, {})
                w = None if weights is None else weights[idx]
                part = {label: [a[idx] for a in inputs[label]] for label in self.metrics}
                for label, b in self.metrics.items():
                    cell[label] = self._fold(b, part[label], w, cell.get(label))
                if k is not None:
                    self._bootstrap(self.group_boot.setdefault(key, {}), part, w, k[:, idx])

    def _bootstrap(self, boot: dict[str, list[Any]], inputs: Mapping[str, list[np.ndarray]], weights: np.ndarray | None, k: np.ndarray) -> None:
        """Each replicate's state (in ``boot``, by label) over these rows: sample weights times its
        Poisson weights ``k`` (rows of replicate weight 0 left out, unless the statistic folds
        ``every_row``)."""
        for label, b in self.metrics.items():
            reps = boot.setdefault(label, [None] * self.options.n_boot)
            every = b.spec.statistic.every_row  # the same arrays for every replicate: its fold may share them
            for i in range(self.options.n_boot):
                live = slice(None) if every else np.flatnonzero(k[i])
                w = k[i, live].astype(np.float64) * (1.0 if weights is None else weights[live])
                reps[i] = self._fold(b, inputs[label] if every else [a[live] for a in inputs[label]], w, reps[i])

    @staticmethod
    def _fold(b: BoundLoss, inputs: list[np.ndarray], weights: np.ndarray | None, state: Any) -> Any:
        new = b.spec.statistic.fold(inputs, weights, b.params)
        return new if state is None else state.merge(new)

    # ------------------------------------------------------------------ merge / state
    def merge(self, other: "Aggregates") -> "Aggregates":
        """Fold another accumulator's states (disjoint rows, same metrics) into these."""
        _merge_into(self.overall, other.overall)
        for key, cell in other.groups.items():
            _merge_into(self.groups.setdefault(key, {}), cell)
        _merge_replicates(self.boot, other.boot)
        for key, boot in other.group_boot.items():
            _merge_replicates(self.group_boot.setdefault(key, {}), boot)
        return self

    def to_state(self) -> dict[str, Any]:
        return {
            "overall": {label: s.to_state() for label, s in self.overall.items()},
            "groups": [
                {"key": [plain(v) for v in key], "states": {k: s.to_state() for k, s in cell.items()},
                 **({"boot": _replicates_state(self.group_boot[key])} if key in self.group_boot else {})}
                for key, cell in self.groups.items()
            ],  # fmt: skip
            "boot": _replicates_state(self.boot),
        }

    def load(self, state: Mapping[str, Any]) -> "Aggregates":
        self.overall = self._load(state.get("overall", {}))
        self.groups = {tuple(g["key"]): self._load(g["states"]) for g in state.get("groups", [])}
        self.boot = self._load_replicates(state.get("boot", {}))
        self.group_boot = {tuple(g["key"]): self._load_replicates(g["boot"]) for g in state.get("groups", []) if "boot" in g}
        return self

    def _load_replicates(self, boot: Mapping[str, Any]) -> dict[str, list[Any]]:
        return {label: [None if s is None else self.metrics[label].spec.statistic.load(s) for s in reps] for label, reps in boot.items()}

    def _load(self, states: Mapping[str, Any]) -> dict[str, Any]:
        return {label: self.metrics[label].spec.statistic.load(s) for label, s in states.items()}

    # ------------------------------------------------------------------ results
    def state_of(self, label: str, group: tuple | None = None) -> Any:
        return self.overall.get(label) if group is None else self.groups.get(group, {}).get(label)

    def value(self, label: str, group: tuple | None = None) -> float | None:
        """The headline of ``label`` (over ``group``'s rows); a value that is not finite from
        finite inputs (sums that overflowed) is exit 3 unless ``--nan-policy propagate``."""
        b = self.metrics[label]
        v = _value(b, self.state_of(label, group))
        if v is not None and not math.isfinite(v) and self.nan_policy != "propagate":
            raise InputError(
                f"{label} is {format_value(v)} on these rows: its sums overflow (values near the float64 limit, "
                "about 1e308); scale the inputs down, or use --nan-policy propagate to keep it."
            )
        return v

    def details(self, label: str, group: tuple | None = None) -> dict[str, Any] | None:
        b = self.metrics[label]
        fn = b.spec.statistic.details
        state = self.state_of(label, group)
        return None if fn is None or state is None else fn(state, b.params)

    def interval(self, label: str, group: tuple | None = None) -> dict[str, Any] | None:
        """The ``ci`` object of ``label`` (over ``group``'s rows): DeLong-style analytic intervals
        the statistic declares, or the bootstrap percentile interval of its replicates."""
        o = self.options
        if o.ci is None:
            return None
        b = self.metrics[label]
        if o.ci == "analytic":
            state = self.state_of(label, group)
            low, high = b.spec.statistic.interval(state, b.params, o.ci_level) if state is not None else (None, None)
            return ci_object(o.ci, o.ci_level, low, high)
        if label not in (self.boot if group is None else self.group_boot.get(group, {})):
            return ci_object(o.ci, o.ci_level, None, None)
        low, high = percentile_interval(self.replicates(label, group), o.ci_level)
        return ci_object(o.ci, o.ci_level, low, high)

    def replicates(self, label: str, group: tuple | None = None) -> np.ndarray:
        """The bootstrap replicate headlines of ``label`` over every row or ``group``'s (nan where
        a replicate is undefined)."""
        b = self.metrics[label]
        boot = self.boot if group is None else self.group_boot.get(group, {})
        return np.array([_replicate_value(b, s) for s in boot.get(label, [])], dtype=np.float64)


def _value(b: BoundLoss, state: Any) -> float | None:
    if state is None:
        return None
    with np.errstate(all="ignore"):  # overflow and 0/0 surface as inf/nan, checked by the caller: no warnings
        v = b.spec.statistic.value(state, b.params)
    return None if v is None else float(v)


def _replicate_value(b: BoundLoss, state: Any) -> float:
    """A replicate's headline; nan when it is undefined for the resampled rows (a resample with
    one class has no AUC): the percentile interval leaves such replicates out."""
    try:
        v = _value(b, state)
    except InputError:
        return np.nan
    return np.nan if v is None else v


def _merge_replicates(mine: dict[str, list[Any]], other: Mapping[str, list[Any]]) -> None:
    """Replicate ``i`` of ``other`` into replicate ``i`` of ``mine``, by label."""
    for label, reps in other.items():
        ours = mine.setdefault(label, [None] * len(reps))
        mine[label] = [b if a is None else a if b is None else a.merge(b) for a, b in zip(ours, reps)]


def _replicates_state(boot: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    return {label: [None if s is None else s.to_state() for s in reps] for label, reps in boot.items()}


def _merge_into(mine: dict[str, Any], other: Mapping[str, Any]) -> None:
    for label, s in other.items():
        mine[label] = s if label not in mine else mine[label].merge(s)
