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
* ``rank``: 1 for the best value of each loss (ties share the better rank).

NaN/inf inputs are errors here (``--nan-policy error``): dropping rows per system would break
the pairing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from losscli._version import __version__
from losscli.analysis import AnalysisOptions
from losscli.bootstrap import holm, paired_p_value, percentile_interval
from losscli.engine import Accumulator
from losscli.errors import InputError
from losscli.reductions import live_rows
from losscli.report import _json_value
from losscli.stats import ci_object

SCHEMA = "losscli.compare/1"
TEST = "paired Poisson bootstrap (Philox weights keyed on seed and row), two-sided"


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
) -> dict[str, Any]:
    """Compare ``systems`` (``(name, role arrays, weights)``, the first is the base) on
    ``losses``; return the JSON-safe report (schema ``losscli.compare/1``)."""
    start = time.perf_counter()
    options = AnalysisOptions("bootstrap", ci_level, n_boot, seed)
    accs, values = [], []
    for i, (_, arrays, weights) in enumerate(systems):
        acc = Accumulator(losses, reduction=reduction, nan_policy="error", analysis=options, sources=(sources or [{}] * len(systems))[i])
        values.append(acc.update(arrays, weights))
        accs.append(acc)
    rows = {acc.rows for acc in accs}
    if len(rows) > 1:
        desc = ", ".join(f"{name} has {acc.rows}" for (name, _, _), acc in zip(systems, accs))
        raise InputError(f"The systems have different numbers of rows: {desc}.")
    reports = [acc.compute() for acc in accs]
    entries = []
    for li, loss in enumerate(accs[0].losses):
        label = loss.label
        results = [rep.losses[li] for rep in reports]
        reps = [acc.replicates(label) for acc in accs]
        direction = results[0].direction
        rows_out = []
        p_values: list[float | None] = []
        live = _samples(loss, systems[0][1], systems[0][2], values[0][label])
        for si, ((name, _, _), r) in enumerate(zip(systems, results)):
            row: dict[str, Any] = {"system": name, "role": "base" if si == 0 else "candidate", "rank": None, "value": r.value, "ci": r.ci}
            if si == 0:
                row.update(delta=None, delta_ci=None, p_value=None, p_holm=None, wtl=None)
                p_values.append(None)
            else:
                delta = None if r.value is None or results[0].value is None else r.value - results[0].value
                d_reps = reps[si] - reps[0]
                low, high = percentile_interval(d_reps, ci_level)
                p = paired_p_value(d_reps, delta) if delta is not None else None
                p_values.append(p)
                row.update(
                    delta=delta,
                    delta_ci=ci_object("bootstrap", ci_level, low, high),
                    p_value=p,
                    p_holm=None,
                    wtl=win_tie_loss(values[0][label][live], values[si][label][live], direction),
                )
            rows_out.append(row)
        for row, q in zip(rows_out, holm(p_values)):
            if row["role"] == "candidate":
                row["p_holm"] = q
        _rank(rows_out, direction)
        entries.append({
            "name": results[0].name,
            "label": label,
            "direction": direction,
            "reduction": reduction,
            "n": results[0].n,
            "systems": [{k: _json(v) for k, v in row.items()} for row in rows_out],
            "signature": results[0].signature.replace(f"|v:{__version__}", f"|test:paired-bs|adj:holm|v:{__version__}"),
        })
    return {
        "schema": SCHEMA,
        "tool": {"name": "losscli", "version": __version__},
        "status": "pass",
        "inputs": {**dict(inputs or {}), "rows": accs[0].rows},
        "config": {
            "reduction": reduction,
            "nan_policy": "error",
            "weighted": accs[0].weighted,
            "ci": "bootstrap",
            "ci_level": ci_level,
            "n_boot": n_boot,
            "seed": seed,
            "test": TEST,
            "adjust": "holm",
        },
        "losses": entries,
        "warnings": [f"{name}: {w}" for (name, _, _), rep in zip(systems, reports) for w in rep.warnings],
        "timing": {"seconds": round(time.perf_counter() - start, 6)},
    }


def _rank(rows: list[dict[str, Any]], direction: str) -> None:
    values = [r["value"] for r in rows]
    for r in rows:
        v = r["value"]
        if v is None or v != v:
            continue
        better = sum(1 for u in values if u is not None and u == u and (u < v if direction == "lower" else u > v))
        r["rank"] = better + 1


def _json(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _json(x) for k, x in v.items()}
    return _json_value(v)
