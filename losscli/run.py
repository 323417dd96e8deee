"""The evaluation pipeline under ``losscli eval`` and ``losscli.evaluate``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from losscli.errors import InputError, UsageError
from losscli.gating import GatePlan


def evaluate_baseline(
    gp: GatePlan,
    loaded: Any,
    losses: Sequence[Any],
    acc_options: Mapping[str, Any],
    read_options: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    notes: Callable[[list[str]], None] = lambda notes: None,
) -> tuple[Any, dict[str, Any]]:
    """Evaluate the baseline prediction file on the same target: (report, per-sample values).

    The baseline replaces PRED only (read with the same -p/--pred-key/-d/--header options); every
    other input, the target and the weights come from this evaluation. Under ``--nan-policy
    omit`` it is restricted to the rows the candidate kept (the finite ones of its per-sample
    ``values``), so both values are means over the same rows; the per-sample values come back
    at full length with NaN elsewhere. ``notes`` receives what the reader decided from the data.
    """
    import numpy as np

    from losscli import readers
    from losscli.engine import Accumulator

    if "pred" not in loaded.arrays:
        raise UsageError("A prediction-file --baseline replaces PRED, but this evaluation takes its predictions from --input/--col.")
    base = readers.load_inputs(gp.baseline, None, roles=[["pred"]], **read_options)
    notes(base.notes)
    _check_ids(base, loaded, gp.baseline)
    arrays = dict(loaded.arrays)
    arrays["pred"] = base.arrays["pred"]
    weights = loaded.weights
    sources = dict(loaded.sources)
    sources["pred"] = f"baseline {base.sources.get('pred', gp.baseline)}"
    n = len(arrays["pred"])
    rows = np.isfinite(next(iter(values.values()))) if values and acc_options.get("nan_policy") == "omit" else None
    subset = rows is not None and len(rows) == n and not bool(np.all(rows))
    if subset:
        arrays = {k: np.asarray(v)[rows] if np.ndim(v) and len(v) == n else v for k, v in arrays.items()}
        weights = None if weights is None else np.asarray(weights)[rows]
    acc = Accumulator(list(losses), sources=sources, **acc_options)
    out = acc.update(arrays, weights)
    if subset:
        out = {label: _scatter(v, rows, n) for label, v in out.items()}
    return acc.compute(), out


def _scatter(values: Any, rows: Any, n: int) -> Any:
    """``values`` of the rows ``rows`` at full length ``n``, NaN elsewhere."""
    import numpy as np

    out = np.full(n, np.nan)
    out[rows] = values
    return out


def _check_ids(base: Any, loaded: Any, where: str) -> None:
    """The baseline's rows pair with this evaluation's by position: where the baseline and
    TARGET (or PRED) have an id column of the same name (case-insensitive), the ids must agree
    row by row (``readers.pairing``); ``--align join`` does not apply to a baseline."""
    from losscli.readers import pairing

    mine = base.keys.get("pred", {})
    for side in ("target", "pred"):
        for name, read in loaded.keys.get(side, {}).items():
            other = next((v for k, v in mine.items() if k.lower() == name.lower()), None)
            if other is None:
                continue
            other, ids = other(), read()
            row = pairing.first_difference(other, ids)
            if row is not None:
                there = loaded.sources.get(side, side).split(" column ")[0]
                raise InputError(
                    f"The baseline's rows are paired by position, but row {row + 1} has {name} {pairing.show(other[row])} in {where} "
                    f"and {pairing.show(ids[row])} in {there}; sort the baseline's rows like {there}."
                )
            return


