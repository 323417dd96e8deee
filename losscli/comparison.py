"""Several prediction files on one target (``losscli compare``): value, CI, delta vs the base,
paired p-value with Holm's adjustment, and win/tie/loss counts over samples.

Each system is evaluated by its own ``Accumulator`` with ``ci="bootstrap"``. Replicate ``b``
gives row ``i`` the same Poisson weight in every system (it depends only on ``(seed, i)``,
``losscli.bootstrap``), so the difference of two systems' replicate headlines *is* the paired
bootstrap of the difference: no per-sample arrays are kept for it, any chunking gives the same
answer, and losses with a normaliser or a ``finalize`` (rmse) are compared on their headline.

* ``delta = value(candidate) - value(base)``; its CI is the percentile interval of the
  replicate deltas;
* ``p_value``: two-sided paired bootstrap test of "no difference" (``bootstrap.paired_p_value``);
  ``p_holm``: Holm's step-down adjustment over the candidates of each loss;
* ``wtl``: over samples, ``win`` when the candidate's per-sample loss is better than the
  base's (lower; higher for a higher-is-better entry), ``loss`` when worse, ``tie`` when equal
  (exactly, in float64); weights are not applied to these counts, but rows that are not samples
  (sample weight 0, a target that is ``ignore_index`` or of class weight 0) are not counted;
  None (``n/a``) for a metric without per-sample values (f1, r2, roc_auc): nothing to count;
* ``rank``: 1 for the best value of each loss (ties share the better rank).

With ``ci="analytic"`` (``compare --ci analytic``) every entry must be a metric with an
analytic paired test (``Statistic.paired``: DeLong's for ``roc_auc``, from each row's placement
under each model): each system's CI is its analytic one, the delta's CI is
``delta ± z √Var(delta)`` and the p-value the two-sided normal one (``stats.normal_p_value``);
Holm's adjustment and the ranks as above; no win/tie/loss (a metric has no per-sample values).

NaN/inf inputs are errors here (``--nan-policy error``): dropping rows per system would break
the pairing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from losscli._version import __version__
from losscli.analysis import AnalysisOptions
from losscli.bootstrap import holm, paired_p_value, percentile_interval
from losscli.engine import Accumulator, is_statistic, resolve_losses
from losscli.errors import InputError, UsageError
from losscli.reductions import live_rows
from losscli.report import CompareReport, ComparedLoss, LossResult, SystemResult
from losscli.stats import ci_object, norm_ppf, normal_p_value

TEST = "paired Poisson bootstrap (Philox weights keyed on seed and row), two-sided"
ANALYTIC_TEST = "paired DeLong (normal approximation), two-sided"


def win_tie_loss(base: np.ndarray, cand: np.ndarray, direction: str) -> dict[str, int]:
    """Samples where ``cand`` beats, ties or loses to ``base`` (per-sample losses).

    >>> win_tie_loss(np.array([1.0, 2.0, 3.0]), np.array([0.5, 2.0, 4.0]), "lower")
    {'win': 1, 'tie': 1, 'loss': 1}
    """
    d = cand - base if direction == "lower" else base - cand
    return {"win": int(np.count_nonzero(d < 0)), "tie": int(np.count_nonzero(d == 0)), "loss": int(np.count_nonzero(d > 0))}


def _samples(loss: Any, arrays: Mapping[str, np.ndarray], weights: np.ndarray | None, values: np.ndarray) -> Any:
    """The rows that are samples of ``loss`` (``reductions.live_rows``; ``slice(None)``: all). The
    normaliser is the base's: it depends on the target alone (ignore_index, class weights)."""
    norm = None
    if hasattr(loss, "normalizer"):  # a bound loss (a combination's per-sample sum has no normaliser)
        norm = loss.normalizer(*loss.role_arrays({k: np.asarray(v) for k, v in arrays.items()}))
    live = live_rows(values, None if weights is None else np.asarray(weights, dtype=np.float64), norm)
    return slice(None) if live is None else live


def _on_samples(loss: Any, base: tuple[str, Mapping[str, np.ndarray], np.ndarray | None], values: Sequence[Mapping[str, np.ndarray]]) -> list[np.ndarray]:
    """Each system's per-sample values of ``loss`` on the base's samples (``_samples``)."""
    live = _samples(loss, base[1], base[2], values[0][loss.label])
    return [v[loss.label][live] for v in values]


def compare(
    systems: Sequence[tuple[str, Mapping[str, np.ndarray], np.ndarray | None]],
    losses: Sequence[Any],
    *,
    reduction: str = "mean",
    ci_level: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    inputs: Mapping[str, Any] | None = None,
    sources: Sequence[Mapping[str, str]] | None = None,
    ci: str = "bootstrap",
) -> CompareReport:
    """Compare ``systems`` (``(name, role arrays, weights)``, the first is the base) on
    ``losses``; ``CompareReport.to_dict()`` is the JSON report (schema ``losscli.compare/1``).
    ``ci``: ``bootstrap`` (the paired bootstrap) or ``analytic`` (metrics with an analytic paired
    test only: roc_auc's DeLong)."""
    start = time.perf_counter()
    if ci == "analytic":
        check_paired(resolve_losses(losses))
    accs, values = _evaluate(systems, losses, reduction, AnalysisOptions(ci, ci_level, n_boot, seed), sources)
    reports = [acc.compute() for acc in accs]
    _check_valued(reports[0])
    names = [name for name, _, _ in systems]
    compared = []
    for li, loss in enumerate(accs[0].losses):
        if ci == "analytic":
            compared.append(_compare_paired(names, [rep.losses[li] for rep in reports], loss, systems, ci_level))
            continue
        per_sample = None if is_statistic(loss) else _on_samples(loss, systems[0], values)  # f1: no win/tie/loss
        results = [rep.losses[li] for rep in reports]
        compared.append(_compare_loss(names, results, [acc.replicates(loss.label) for acc in accs], per_sample, ci_level, reduction))
    config = {"reduction": reduction, "nan_policy": "error", "weighted": accs[0].weighted, "ci": ci, "ci_level": ci_level,
              "n_boot": n_boot, "seed": seed, "test": ANALYTIC_TEST if ci == "analytic" else TEST, "adjust": "holm"}  # fmt: skip
    return CompareReport(
        tool_version=__version__,
        inputs=dict(inputs or {}),
        rows=accs[0].rows,
        config=config,
        losses=tuple(compared),
        warnings=tuple(f"{name}: {w}" for name, rep in zip(names, reports) for w in rep.warnings),
        seconds=time.perf_counter() - start,
    )


def _evaluate(systems, losses, reduction: str, options: AnalysisOptions, sources) -> tuple[list[Accumulator], list[dict[str, np.ndarray]]]:
    """One ``Accumulator`` per system and its per-sample values (the systems must have as many rows)."""
    accs, values = [], []
    for i, (_, arrays, weights) in enumerate(systems):
        acc = Accumulator(losses, reduction=reduction, nan_policy="error", analysis=options, sources=(sources or [{}] * len(systems))[i])
        values.append(acc.update(arrays, weights))
        accs.append(acc)
    if len({acc.rows for acc in accs}) > 1:
        desc = ", ".join(f"{name} has {acc.rows}" for (name, _, _), acc in zip(systems, accs))
        raise InputError(f"The systems have different numbers of rows: {desc}.")
    return accs, values


def _compare_loss(names: Sequence[str], results: Sequence[LossResult], reps: Sequence[np.ndarray], per_sample: Sequence[np.ndarray] | None, ci_level: float, reduction: str) -> ComparedLoss:
    """One loss over the systems (``results``, ``reps`` replicate headlines and ``per_sample``
    values on the samples, per system, None for a metric without them; the base first)."""
    base = results[0]
    rows = [SystemResult(names[0], "base", None, base.value, base.ci)]
    for si in range(1, len(results)):
        r = results[si]
        delta = None if r.value is None or base.value is None else r.value - base.value
        d_reps = reps[si] - reps[0]
        low, high = percentile_interval(d_reps, ci_level)
        p = paired_p_value(d_reps, delta) if delta is not None else None
        wtl = None if per_sample is None else win_tie_loss(per_sample[0], per_sample[si], base.direction)
        rows.append(SystemResult(names[si], "candidate", None, r.value, r.ci, delta, ci_object("bootstrap", ci_level, low, high), p, None, wtl))
    return _ranked(base, rows, reduction, "paired-bs")


def _ranked(base: LossResult, rows: list[SystemResult], reduction: str, test: str) -> ComparedLoss:
    """The compared loss: ``rows`` (the base first) with Holm's adjustment and their ranks."""
    adjusted = holm([row.p_value for row in rows])
    ranks = _ranks([row.value for row in rows], base.direction)
    rows = [replace(row, rank=rank, p_holm=q if row.role == "candidate" else None) for row, rank, q in zip(rows, ranks, adjusted)]
    signature = base.signature.replace(f"|v:{__version__}", f"|test:{test}|adj:holm|v:{__version__}")
    return ComparedLoss(base.name, base.label, base.direction, reduction, base.n, tuple(rows), signature)


def check_paired(losses: Sequence[Any]) -> None:
    """``--ci analytic``: a usage error unless every entry has an analytic paired test."""
    without = [b.label for b in losses if getattr(getattr(getattr(b, "spec", None), "statistic", None), "paired", None) is None]
    if without:
        raise UsageError(
            f"compare --ci analytic is DeLong's paired test, which roc_auc has and {', '.join(without)} has not: "
            "compare it with --ci bootstrap (the default), or separately."
        )


def _compare_paired(names: Sequence[str], results: Sequence[LossResult], loss: Any, systems: Sequence[tuple], ci_level: float) -> ComparedLoss:
    """One metric over the systems by its analytic paired test (``Statistic.paired``: each
    candidate against the base on the same rows); the delta's CI ``delta ± z √Var``."""
    base = results[0]
    inputs = [loss.role_arrays({k: np.asarray(v) for k, v in arrays.items()}) for _, arrays, _ in systems]
    weights = _shared_weights(systems)
    z = norm_ppf(0.5 + ci_level / 2.0)
    rows = [SystemResult(names[0], "base", None, base.value, base.ci)]
    for si in range(1, len(results)):
        r = results[si]
        delta, var = loss.spec.statistic.paired(inputs[0], inputs[si], weights, loss.params)
        half = z * math.sqrt(var)
        delta_ci = ci_object("analytic", ci_level, max(delta - half, -1.0), min(delta + half, 1.0))
        rows.append(SystemResult(names[si], "candidate", None, r.value, r.ci, delta, delta_ci, normal_p_value(delta, var)))
    return _ranked(base, rows, "mean", "paired-delong")


def _shared_weights(systems: Sequence[tuple]) -> np.ndarray | None:
    """The sample weights every system has (a paired test weighs each row once)."""
    first = systems[0][2]
    for name, _, w in systems[1:]:
        if (w is None) != (first is None) or (w is not None and not np.array_equal(np.asarray(w), np.asarray(first))):
            raise InputError(f"A paired test weighs each row once, but {name} has other sample weights than {systems[0][0]}.")
    return None if first is None else np.asarray(first, dtype=np.float64)


def _check_valued(report: Any) -> None:
    """A metric without a value (``confusion``: its result is a matrix) has nothing to rank or
    subtract: a usage error rather than a table of empty cells."""
    valueless = list(report.valueless())
    if valueless:
        raise UsageError(
            f"compare ranks values, but {valueless[0]} has none (its result is a matrix: losscli eval -l {valueless[0]} shows it); "
            "drop it from compare."
        )


def _ranks(values: Sequence[float | None], direction: str) -> list[int | None]:
    """1 for the best value (ties share the better rank); None for an undefined value."""
    defined = [v for v in values if v is not None and v == v]
    return [
        None if v is None or v != v else 1 + sum(1 for u in defined if (u < v if direction == "lower" else u > v))
        for v in values
    ]
