"""Where the pieces meet: role arrays in, per-sample losses and a ``Report`` out.

``Accumulator`` is the only path from per-sample losses to reduced values and statistics: the
in-memory evaluation is one ``update`` and a ``compute``; a stream of chunks is many ``update``
calls; shards are ``state`` / ``from_state`` / ``merge``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from losscli import _kinds
from losscli._checks import as_rows, broadcast_rows, class_pairs, missing, role_keys, unbatched
from losscli._version import __version__
from losscli.analysis import Analysis, AnalysisOptions, Side
from losscli.engine import blocked
from losscli.engine.aggregates import Aggregates, is_statistic
from losscli.errors import InputError, ShapeError, UsageError, ValueDomainError, shown
from losscli.losses import BoundLoss, Combination, format_value, parse_spec
from losscli.reductions import Reduction, Summary, check_reduction, headline
from losscli.report import GroupResult, LossResult, Report
from losscli.stats import describe

NAN_POLICIES = ("error", "omit", "propagate")


def resolve_losses(specs: str | Sequence[str | BoundLoss]) -> list[BoundLoss]:
    """Parse spec strings (presets expanded) and reject duplicate labels; one string is one
    spec (``Accumulator("mse")``), not a sequence of its letters."""
    specs = [specs] if isinstance(specs, str) else specs
    out: list[BoundLoss] = []
    for s in specs:
        out.extend(parse_spec(s) if isinstance(s, str) else [s])
    out = list({b.label: b for b in out}.values())  # a loss asked twice (say via a preset) runs once, first place kept
    if not out:
        raise UsageError("No loss requested. Pass -l SPEC (e.g. -l mse); see 'losscli list'.")
    return out


def requested_twice(specs: Sequence[str]) -> tuple[str, str, str] | None:
    """``(label, first spelling, second spelling)`` of the first loss that two ``-l`` specs ask
    for (``mse`` and ``l2``, ``@regression`` and ``mse``), or None. ``resolve_losses`` runs such a
    loss once; output with one line per loss (``-b``) must not then shift its lines."""
    seen: dict[str, str] = {}
    for text in specs:
        for b in parse_spec(text):
            if b.label in seen:
                return b.label, seen[b.label], text
            seen[b.label] = text
    return None


class Accumulator:
    """Streaming evaluation of several losses over chunks of rows.

    ``update`` takes the role arrays of the next rows (and optional sample weights), checks
    them, applies the NaN policy, computes every loss's per-sample values and folds them into
    a ``Summary`` per loss. It returns the per-sample values aligned to the chunk's rows (NaN
    for rows dropped by ``nan_policy="omit"``), for per-sample output.
    """

    def __init__(
        self,
        losses: str | Sequence[str | BoundLoss],
        *,
        reduction: str = "mean",
        nan_policy: str = "error",
        sources: Mapping[str, str] | None = None,
        analysis: AnalysisOptions | None = None,
    ) -> None:
        if nan_policy not in NAN_POLICIES:
            raise UsageError(f"Invalid --nan-policy '{nan_policy}'. Expected one of: {', '.join(NAN_POLICIES)}.")
        self.losses = resolve_losses(losses)
        self.reduction = check_reduction(reduction)
        if self.reduction.is_sum:  # rmse's sum would be the sum of its squared errors, under rmse's name
            transformed = [b.label for b in self.losses if any(p.spec.finalize is not None for p in b.parts)]
            if transformed:
                raise UsageError(
                    f"--reduction {self.reduction.value}: the headline of {', '.join(transformed)} is a function of a mean (rmse: the root of the "
                    "mean squared error), which has no sum; use mse for the sum of squared errors, or --reduction mean."
                )
        metrics = [b for b in self.losses if is_statistic(b)]
        self.valued = [b for b in self.losses if not is_statistic(b)]  # the losses with per-sample values
        if metrics and self.reduction is not Reduction.mean:
            raise UsageError(
                f"--reduction {self.reduction.value}: {', '.join(b.label for b in metrics)} has no per-sample values to sum or "
                "list; its value is a function of every row. Use --reduction mean (the default) or evaluate it separately."
            )
        if analysis is not None and analysis.ci == "analytic":
            _check_analytic(self.losses)
        self.nan_policy = nan_policy
        self.sources = dict(sources or {})
        self.summaries = {key: Summary() for b in self.valued for key in [b.label] + [k for k, _, _ in keyed_parts(b)]}
        self.rows = 0
        self.dropped = 0
        self.excluded: dict[str, int] = {}  # rows dropped before evaluation, by reason (--align join --missing omit)
        self.weighted = False
        # --ci / --group-by / --top-k state (losscli.analysis); None when none is asked for
        self.analysis_options = analysis or AnalysisOptions()
        self.analysis = Analysis(self.analysis_options, {b.label: b.direction for b in self.valued}) if self.analysis_options.active else None
        self.aggregates = Aggregates(metrics, self.analysis_options, nan_policy) if metrics else None  # metrics without per-sample values
        self.kinds = _kinds.watches(self.losses)  # inputs of the wrong kind: folded over every row (losscli._kinds)

    # ------------------------------------------------------------------ update
    def update(
        self,
        arrays: Mapping[str, np.ndarray],
        weights: np.ndarray | None = None,
        *,
        per_sample: bool = True,
        ids: np.ndarray | None = None,
        groups: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Fold the next rows in; return their per-sample values ({} when ``per_sample`` is False).

        Rows are evaluated in cache-sized blocks (``BLOCK_ELEMENTS``): no full-size temporary
        is made, and the per-sample arrays only when asked for. Losses that compare rows with
        each other (``rowwise=False``) see the whole update at once.
        """
        arrays = one_sample_rows(self.losses, {k: np.asarray(v) for k, v in arrays.items()}, self._where)
        arrays = broadcast_rows({k: as_rows(v) for k, v in arrays.items()}, role_keys(self.losses, arrays, "broadcast"))
        if self.analysis is not None:  # id and group columns ride along (sliced and NaN-checked like the roles)
            arrays.update(self.analysis.side_arrays(ids, groups))
        n = self._check_rows(arrays, weights)
        if self.kinds:
            _kinds.fold(self.kinds, arrays, self._where)
        step = _block_rows(arrays.values()) if all(rowwise(b) for b in self.losses) else max(n, 1)
        fast = n > 0 and self.aggregates is None and blocked.eligible(self.losses, self.analysis is not None, weights) and self.reduction is not Reduction.sum_elements
        if n <= step and not fast:
            # Overflow and 0/0 surface as inf/nan, which the NaN policy checks explicitly: no warnings.
            with np.errstate(all="ignore"):
                values = self._update(arrays, weights)
            return values if per_sample else {}
        out = {b.label: np.empty(n) for b in self.valued} if per_sample else {}
        if fast:  # no weights, statistics or combinations: blocks on two threads (losscli.engine.blocked)
            segments = blocked.run(self.losses, self.nan_policy, arrays, n, step, out)
        else:  # one block after the other, in this thread: threads do not pay here (a block is a
            # dozen numpy calls, and each hands the GIL back and forth)
            segments = [(lo, min(lo + step, n), None) for lo in range(0, n, step)]
        for lo, hi, summaries in segments:
            if summaries is None:
                self._update_rows(arrays, weights, lo, hi, out)
            else:
                self.add_summaries(summaries, hi - lo)
        return out

    def add_summaries(self, summaries: Mapping[str, Summary], rows: int) -> None:
        """Fold in the statistics of ``rows`` further rows evaluated outside ``update`` (the fast
        path's blocks, ``losscli.engine.blocked.run``): one ``Summary`` per loss label. Only for
        accumulators the fast path may take (``blocked.eligible``: no combination, no ``--ci``,
        ``--group-by`` or ``--top-k``, which need every per-sample value)."""
        if not blocked.eligible(self.losses, self.analysis is not None, None) or set(summaries) != {b.label for b in self.losses}:
            raise ValueError("add_summaries takes one Summary per loss, for plain losses without statistics options")
        for label, s in summaries.items():
            self.summaries[label] = self.summaries[label].merge(s)
        self.rows += rows

    def _update_rows(self, arrays: Mapping[str, np.ndarray], weights: np.ndarray | None, lo: int, hi: int, out: dict[str, np.ndarray]) -> None:
        """Rows ``[lo, hi)`` of an update through ``_update`` (which numbers rows from ``self.rows``:
        errors name rows of the whole input); their per-sample values into ``out``."""
        with np.errstate(all="ignore"):
            values = self._update({k: v[lo:hi] for k, v in arrays.items()}, None if weights is None else weights[lo:hi])
        for label, v in out.items():
            v[lo:hi] = values[label]

    def _update(self, arrays: Mapping[str, np.ndarray], weights: np.ndarray | None) -> dict[str, np.ndarray]:
        arrays = {k: np.asarray(v) for k, v in arrays.items()}
        n = self._check_rows(arrays, weights)
        offset = self.rows
        keep = self._rows_to_keep(arrays, weights, n, offset)
        if weights is not None:
            weights = self._check_weights(np.asarray(weights, dtype=np.float64), offset)
            self.weighted = True
        if keep is not None:
            arrays = {k: v[keep] for k, v in arrays.items()}
            weights = weights[keep] if weights is not None else None
        side = {k: arrays.pop(k) for k in [k for k in arrays if isinstance(k, Side)]}  # id/group columns (analysis)
        chunk: dict[str, tuple] = {}  # summary key -> (values, norm, columns), for the analysis
        per_sample: dict[str, np.ndarray] = {}
        for loss in self.losses:
            if is_statistic(loss):
                continue
            total = 0.0
            for key, coef, part in keyed_parts(loss):
                values, norm, columns = self._run(part, arrays, offset, keep)
                self.summaries[key] = self.summaries[key].merge(Summary.of(values, weights, norm, columns))
                chunk[key] = (values, norm, columns)
                if isinstance(loss, Combination):
                    total = total + coef * values
            if isinstance(loss, Combination):
                values = total
                self.summaries[loss.label] = self.summaries[loss.label].merge(Summary.of(values, weights))
                chunk[loss.label] = (values, None, None)
            per_sample[loss.label] = values if keep is None else _scatter(values, keep, n)
        if self.analysis is not None:
            self.analysis.update(offset, n, keep, chunk, weights, side)
        if self.aggregates is not None:
            rows = self.analysis_options.row_offset + offset + (np.arange(n) if keep is None else np.flatnonzero(keep))
            self.aggregates.update(arrays, weights, rows, [side[Side("group", g)] for g in self.analysis_options.group_by])
        self.rows += n
        self.dropped += 0 if keep is None else int(n - keep.sum())
        return per_sample

    def _check_rows(self, arrays: Mapping[str, np.ndarray], weights: np.ndarray | None) -> int:
        lengths = {k: (v.shape[0] if v.ndim else None) for k, v in arrays.items()}
        if weights is not None:
            lengths["weight"] = len(weights)
        for k, v in lengths.items():
            if v is None:
                raise ShapeError(f"{self._where(k)} is a scalar; expected one value per row.")
        distinct = set(lengths.values())
        if len(distinct) > 1:
            desc = ", ".join(f"{self._where(k)} has {v}" for k, v in lengths.items())
            shared = sorted(role_keys(self.losses, arrays, "broadcast") & set(lengths))
            hint = f"; {' and '.join(shared)} may also have 1 row, shared by every row" if shared else ""
            raise ShapeError(f"Inputs have different numbers of rows: {desc}{hint}{self._axis_hint(arrays, lengths)}.")
        return distinct.pop() if distinct else 0

    def _axis_hint(self, arrays: Mapping[str, np.ndarray], lengths: Mapping[str, int]) -> str:
        """When the other inputs agree on N rows and one input of 3 or more axes has N on its
        second axis (torch's time-first ``(T, N, C)``, as ctc's log_probs), the line says to save
        it rows first."""
        for key, a in arrays.items():
            others = {v for k, v in lengths.items() if k != key}
            if a.ndim >= 3 and len(others) == 1 and a.shape[1] in others and a.shape[0] != a.shape[1]:
                shape = ", ".join(map(str, a.shape))
                return (f"; {self._where(key)} has shape ({shape}): rows come first, so save a time-first "
                        f"(T, N, ...) array rows first (numpy.swapaxes(a, 0, 1), torch's a.transpose(0, 1))")
        return ""

    def _rows_to_keep(self, arrays, weights, n: int, offset: int) -> np.ndarray | None:
        """Rows without NaN/inf under ``omit``; an error under ``error``; None keeps all rows."""
        if self.nan_policy == "propagate":
            return None
        bad = None  # rows with a NaN/inf, made on the first input that has one
        named = list(arrays.items()) + ([("weight", np.asarray(weights, dtype=np.float64))] if weights is not None else [])
        for key, a in named:
            if isinstance(key, Side) and key.kind == "group":  # a missing group key is a group of its own (analysis.group_codes)
                continue
            if a.dtype.kind not in "fc" or np.isfinite(a).all():  # the common case: one cheap pass
                continue
            el_bad = missing(a, key in role_keys(self.losses, arrays, "masked"))  # -inf: a masked class
            row_bad = el_bad if a.ndim == 1 else el_bad.reshape(n, -1).any(axis=1)
            if self.nan_policy == "error" and row_bad.any():
                row = int(np.flatnonzero(row_bad)[0])
                value = a[row] if a.ndim == 1 else a[row][el_bad[row]].flat[0]
                raise InputError(
                    f"{format_value(float(value))} in {self._where(key)} at row {offset + row + 1}; "
                    "use --nan-policy omit to drop such rows or propagate to keep them."
                )
            bad = row_bad if bad is None else bad | row_bad
        return ~bad if bad is not None and bad.any() else None

    def _check_weights(self, w: np.ndarray, offset: int) -> np.ndarray:
        neg = w < 0
        if neg.any():
            row = int(np.flatnonzero(neg)[0])
            raise ValueDomainError(
                f"Sample weights must be >= 0, got {format_value(float(w[row]))} in {self._where('weight')}",
                row=offset + row,
            )
        return w

    def _run(self, loss: BoundLoss, arrays, offset: int, keep: np.ndarray | None):
        inputs = loss.role_arrays(arrays)
        try:
            values = np.asarray(loss(*inputs), dtype=np.float64)
            if self.reduction is Reduction.sum_elements:  # each row's sum over its elements: torch's sum
                values = values * loss.elements(inputs[0])
            norm = loss.normalizer(*inputs)
            columns = None
            if loss.spec.finalize is not None and inputs[0].ndim == 2:
                # Per-column headline (rmse): the per-sample values of each output column.
                columns = np.stack([loss(*(a[:, j] for a in inputs)) for j in range(inputs[0].shape[1])], axis=1)
        except ValueDomainError as e:
            if e.row is not None:
                e.row = int(np.flatnonzero(keep)[e.row]) if keep is not None else e.row
                e.row += offset
            e.what = f"{loss.spec.name}: {e.what}" if e.role is None else f"{loss.spec.name}: {self._where(e.role, e.what, loss.source_key(e.role, arrays))}"
            raise
        except ShapeError as e:  # name the loss and where each role came from
            what = str(e)
            for role in dict.fromkeys(r.name for r in loss.spec.roles):
                src = self.sources.get(loss.source_key(role, arrays))
                what = re.sub(rf"\b{re.escape(role)}\b", f"{role} ({src})", what, count=1) if src else what
            raise ShapeError(f"{loss.spec.name}: {what}") from None
        if values.shape != (len(inputs[0]),):
            raise RuntimeError(f"loss {loss.spec.name} returned shape {values.shape} for {len(inputs[0])} rows")
        if self.nan_policy != "propagate" and not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            row = int(np.flatnonzero(keep)[row]) if keep is not None else row
            raise InputError(
                f"Loss '{loss.label}' is {format_value(float(values[~np.isfinite(values)][0]))} at row "
                f"{offset + row + 1} (its reference is not finite there); use --nan-policy propagate to keep it."
            )
        return values, norm, columns

    def _where(self, key: Any, what: str | None = None, source: str | None = None) -> str:
        key = str(key)  # a role's name, or an id or group column (analysis.Side)
        src = self.sources.get(source or key)
        if what is not None:
            return what.replace(key, f"{key} ({src})", 1) if src else what
        return f"{key} ({src})" if src else key

    # ------------------------------------------------------------------ merge / state
    def merge(self, other: "Accumulator") -> "Accumulator":
        """Fold another accumulator over the same losses (disjoint rows) into this one."""
        if [b.label for b in other.losses] != [b.label for b in self.losses]:
            raise UsageError("Cannot merge accumulators of different losses.")
        for label, s in other.summaries.items():
            self.summaries[label] = self.summaries[label].merge(s)
        if (self.analysis is None) != (other.analysis is None):
            raise UsageError("Cannot merge states computed with different statistics options (--ci, --group-by, --top-k).")
        if self.analysis is not None:
            self.analysis.merge(other.analysis)
        if self.aggregates is not None:
            self.aggregates.merge(other.aggregates)
        _kinds.merge(self.kinds, other.kinds)
        self.rows += other.rows
        self.dropped += other.dropped
        for reason, n in other.excluded.items():
            self.excluded[reason] = self.excluded.get(reason, 0) + n
        self.weighted |= other.weighted
        return self

    def state(self) -> dict[str, Any]:
        """A JSON-safe, versioned state: enough to merge shards into the exact same report."""
        return {
            "schema": "losscli.state/1",
            "losses": [b.text for b in self.losses],
            "reduction": self.reduction.value,
            "nan_policy": self.nan_policy,
            "first_row": self.analysis_options.row_offset,  # --row-offset: the rows are [first_row, first_row + rows)
            "rows": self.rows,
            "dropped": self.dropped,
            **({"excluded": dict(self.excluded)} if self.excluded else {}),
            "weighted": self.weighted,
            "summaries": {k: s.to_state() for k, s in self.summaries.items()},
            "kinds": {k: w.to_state() for k, w in self.kinds.items()},
            **({"analysis": self.analysis.to_state()} if self.analysis is not None else {}),
            **({"metrics": self.aggregates.to_state()} if self.aggregates is not None else {}),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> "Accumulator":
        analysis = AnalysisOptions.from_state(state["analysis"]["options"]) if "analysis" in state else None
        acc = cls(state["losses"], reduction=state["reduction"], nan_policy=state["nan_policy"], analysis=analysis)
        acc.rows, acc.dropped, acc.weighted = int(state["rows"]), int(state["dropped"]), bool(state["weighted"])
        acc.excluded = {str(k): int(v) for k, v in state.get("excluded", {}).items()}
        acc.summaries = {k: Summary.from_state(v) for k, v in state["summaries"].items()}
        _kinds.load(acc.kinds, state.get("kinds", {}))
        if acc.analysis is not None:
            acc.analysis.load(state["analysis"])
        if acc.aggregates is not None:
            acc.aggregates.load(state.get("metrics", {}))
        return acc

    # ------------------------------------------------------------------ compute
    def compute(
        self,
        *,
        inputs: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        seconds: float = 0.0,
        shard: bool = False,
    ) -> Report:
        """The report of everything seen so far: ``rows`` counts the rows evaluated and every row
        dropped (``dropped``: ``nan`` by the NaN policy, and each reason of ``excluded``).
        ``shard``: these rows are one shard of a merge (``--emit-state``), so a metric undefined
        on them alone (an AUC of one class) is null with a warning, not an error: the merged
        shards may define it."""
        used = self.rows - self.dropped
        if used == 0:
            extra = f" (all {self.rows} rows dropped by --nan-policy omit)" if self.rows else ""
            raise InputError(f"No rows to evaluate{extra}.")
        warnings = _kinds.findings(self.kinds)  # an input of the wrong kind is an error here, before any report
        weighted = self.weighted
        results = self._results(weighted, None, warnings if shard else None)
        cfg = {"reduction": self.reduction.value, "nan_policy": self.nan_policy, "weighted": weighted}
        cfg.update(self.analysis_options.config())
        cfg.update(config or {})
        groups = ()
        if self.analysis is not None and self.analysis_options.group_by:
            names = self.analysis_options.group_by
            groups = tuple(
                GroupResult(dict(zip(names, key)), self.analysis.groups[key].rows, tuple(self._results(weighted, key, warnings)))
                for key in self.analysis.group_keys()
            )
        return Report(
            tool_version=__version__,
            inputs=dict(inputs or {}),
            config=cfg,
            losses=tuple(results),
            rows=self.rows + sum(self.excluded.values()),
            rows_used=used,
            dropped={"nan": self.dropped, **self.excluded},
            seconds=seconds,
            groups=groups,
            warnings=tuple(warnings),
        )

    def _results(self, weighted: bool, group: tuple | None = None, warnings: list[str] | None = None) -> list[LossResult]:
        """One result per loss, over every row or over the rows of ``group`` (a metric undefined
        in a group, e.g. an AUC of one class, is null there and says why in ``warnings``)."""
        results = []
        for loss in self.losses:
            if isinstance(loss, Combination):
                terms = tuple((coef, self._result(part, key, weighted, group)) for key, coef, part in keyed_parts(loss))
                value = None if self.reduction is Reduction.none else sum(c * t.value for c, t in terms)
                results.append(self._result(loss, loss.label, weighted, group, value=value, terms=terms))
            elif is_statistic(loss):
                results.append(self._metric_result(loss, weighted, group, warnings))
            else:
                results.append(self._result(loss, loss.label, weighted, group))
        return results

    def _metric_result(self, loss: BoundLoss, weighted: bool, group: tuple | None = None, warnings: list[str] | None = None) -> LossResult:
        """The result of a metric without per-sample values: its value (and details) from its
        state. Undefined over every row: the error. Undefined in a group: null, and a warning."""
        agg = self.aggregates
        n = self.rows - self.dropped if group is None else self.analysis.groups[group].rows
        try:
            value, ci, details = agg.value(loss.label, group), agg.interval(loss.label, group), agg.details(loss.label, group)
        except InputError as e:
            if warnings is None:
                raise
            value, ci, details = None, None, None
            where = "in this shard (the merged shards may define it)" if group is None else f"in group {', '.join(map(shown, group))}"
            warnings.append(f"{loss.label} is null {where}: {str(e).rstrip('.')}.")
        return LossResult(
            name=loss.spec.name, label=loss.label, params=dict(loss.params), direction=loss.spec.direction,
            reference=loss.spec.reference, value=value, reduction=self.reduction.value,
            n=n, sum=None, mean=None, std=None, se=None, min=None, max=None,
            signature=self._signature(loss, n, weighted), ci=ci,
            per_sample=False, details=details,
        )  # fmt: skip

    def _result(self, loss, key: str, weighted: bool, group: tuple | None = None, **combined: Any) -> LossResult:
        """The result of one loss (``combined``: the value and terms of a combination)."""
        s = self.summaries[key] if group is None else self.analysis.groups[group].summaries[key]
        if s.norm_sum == 0 and self.reduction is Reduction.mean:  # a sum of nothing is 0 (torch), a mean undefined
            normalised = any(p.spec.normalizer is not None for p in loss.parts)
            what = (
                "sample weights sum to 0" if s.weight_sum == 0 and not normalised
                else f"its normaliser sums to 0 (every target is ignore_index or has class weight 0{', or sample weight 0' if self.weighted else ''}); "
                "--reduction sum gives 0"
            )
            where = "" if group is None else f" in group {', '.join(map(shown, group))}"
            raise InputError(f"Mean of loss '{loss.label}'{where} is undefined: {what}.")
        if not np.isfinite(s.norm_sum):  # finite weights whose sum overflows: the mean would be a silent nan
            what = "the sample weights sum" if self.weighted else "its normaliser sums"
            where = "" if group is None else f" in group {', '.join(map(shown, group))}"
            raise InputError(f"Mean of loss '{loss.label}'{where} is undefined: {what} to {format_value(float(s.norm_sum))} (overflow); scale them down.")
        with np.errstate(all="ignore"):  # a huge loss gives an inf std, reported as such
            stats = describe(s)
        if isinstance(loss, Combination):
            info = dict(name="combination", params={"expression": loss.expression}, direction=loss.direction, reference=COMBINATION_REFERENCE)
        else:
            value = headline(s, self.reduction, loss.spec.finalize)
            info = dict(name=loss.spec.name, params=dict(loss.params), direction=loss.spec.direction, reference=loss.spec.reference, value=value)
        if self.analysis is not None:
            fin = None if isinstance(loss, Combination) else loss.spec.finalize
            parts = [(k, c, b.spec.finalize) for k, c, b in keyed_parts(loss)] if isinstance(loss, Combination) else None
            ci = self.analysis.interval(key, s, self.reduction.value, fin, parts, group)
            info.update(ci=ci, worst=self.analysis.worst(key) if group is None else None)
        return LossResult(
            label=loss.label,
            per_sample=loss.per_sample_name,
            reduction=self.reduction.value,
            signature=self._signature(loss, s.n, weighted),
            **info,
            **combined,
            **stats,
        )

    def replicates(self, label: str) -> np.ndarray:
        """The bootstrap replicate headlines of loss ``label`` (``--ci bootstrap``): replicate
        ``b`` of two accumulators over the same rows used the same resampling weights, so their
        difference is the paired bootstrap (``losscli compare``)."""
        if self.analysis is None or not self.analysis_options.bootstrap:
            raise UsageError("Bootstrap replicates need an accumulator made with ci='bootstrap'.")
        loss = next(b for b in self.losses if b.label == label)
        if is_statistic(loss):
            return self.aggregates.replicates(label)
        if isinstance(loss, Combination):
            return sum(c * self.analysis.replicates(k, self.reduction.value, b.spec.finalize) for k, c, b in keyed_parts(loss))
        return self.analysis.replicates(label, self.reduction.value, loss.spec.finalize)

    def _signature(self, loss: BoundLoss, n: int, weighted: bool) -> str:
        """Every setting that affects the score, sacrebleu-style."""
        if isinstance(loss, Combination):
            parts = [f"{loss.label}={loss.expression}"]
        else:
            parts = [loss.spec.name] + [f"{k}:{format_value(v)}" for k, v in loss.params.items()]
        parts += [f"red:{self.reduction.value}", f"nan:{self.nan_policy}", f"n:{n}"]
        parts += ["w:yes"] if weighted else []
        parts += self.analysis_options.signature()
        parts += [f"v:{__version__}"]
        return "|".join(parts)


def _check_analytic(losses: Sequence[BoundLoss | Combination]) -> None:
    """``--ci analytic`` is the t interval of a mean (or of a ratio of means, or a monotone map of
    one): a combination with a term that is none of these (rmse, a normalised loss) has none."""
    for b in losses:
        if isinstance(b, Combination) and not b.plain_mean:
            term = next(p.label for p in b.parts if p.per_sample_name or p.spec.normalizer is not None)
            raise UsageError(
                f"--ci analytic: the headline of '{b.label}' is not the mean of its per-sample values (its term '{term}' is "
                "a root of a mean or a ratio of sums), so it has no t interval; use --ci bootstrap."
            )


COMBINATION_REFERENCE = "weighted sum of its terms, coefficients not normalised (Keras loss_weights)"


def keyed_parts(loss: BoundLoss | Combination) -> list[tuple[str, float, BoundLoss]]:
    """(summary key, coefficient, bound loss) of what ``loss`` computes: itself, or its terms."""
    if isinstance(loss, Combination):
        return [(f"{loss.label}[{i}]", coef, b) for i, (coef, b) in enumerate(loss.terms)]
    return [(loss.label, 1.0, loss)]


BLOCK_ELEMENTS = 1 << 16  # elements per input per block: a few blocks of float64 fit in L2


def _block_rows(arrays) -> int:
    """Rows per block: ``BLOCK_ELEMENTS`` elements of the widest input (at least one row)."""
    width = max((int(np.prod(a.shape[1:])) for a in arrays if a.ndim), default=1)
    return max(1, BLOCK_ELEMENTS // max(width, 1))


def rowwise(loss: BoundLoss | Combination) -> bool:
    """Whether each row's loss depends on that row alone (then any chunking gives the same values).

    A loss that compares rows with each other (NT-Xent's negatives are the other rows of the
    batch) registers ``rowwise=False``: it is evaluated on whole updates only.
    """
    return all(getattr(b.spec, "rowwise", True) for _, _, b in keyed_parts(loss))


def _scatter(values: np.ndarray, keep: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    out[keep] = values
    return out


def one_sample_rows(losses: Sequence[BoundLoss | Combination], arrays: Mapping[str, Any], where: Any = str) -> dict[str, Any]:
    """``arrays`` with a ``(C,)`` row of class scores whose label is 0-d made one row of C
    classes, torch's unbatched input (``_checks.unbatched``: the cases it refuses, and why)."""
    return unbatched(dict(arrays), class_pairs(losses, arrays), where)


def shared_roles(losses: Sequence[BoundLoss | Combination], arrays: Mapping[str, Any]) -> frozenset[str]:
    """The keys of ``arrays`` whose one row may stand for every row (``broadcast`` roles)."""
    return role_keys(losses, arrays, "broadcast")


def reduction_names() -> list[str]:
    return [r.value for r in Reduction]
