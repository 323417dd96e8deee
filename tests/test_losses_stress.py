"""Registry-wide properties that tests/test_losses_common.py does not cover (inputs from its
generator): any chunking of the rows through ``losscli.engine.Accumulator`` gives the same
per-sample values and statistics, and float16 inputs are accepted and computed in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

from losscli.engine import Accumulator
from losscli.losses import get_loss, list_losses, parse_spec
from test_losses_common import ALL, N, result_of, make_inputs

STATS = ("value", "sum", "mean", "n", "min", "max", "std")


def _case(name: str):
    (bound,) = parse_spec(name)
    rng = np.random.default_rng(sum(map(ord, name)) + 7)
    return bound, {r.name: a for r, a in zip(bound.spec.roles, make_inputs(bound.spec, rng))}, rng


def _cuts(rng, n: int) -> list[int]:
    """Random chunk boundaries: 1 to n-1 cuts, chunks of 1 row and of many rows alike."""
    k = int(rng.integers(1, n))
    return sorted(set(rng.choice(np.arange(1, n), size=k, replace=False).tolist()))


ROWWISE = [n for n in ALL if get_loss(n).rowwise]


BATCHWISE = [n for n in ALL if not get_loss(n).rowwise]


def test_the_losses_comparing_rows_are_these():
    """ntxent (the negatives are the other rows), ranking_softmax (the other rows of the query),
    generalized_dice (class weights from every row's target): a new one is added here knowingly."""
    assert sorted(BATCHWISE) == ["generalized_dice", "ntxent", "ranking_softmax"]


@pytest.mark.parametrize("name", BATCHWISE)
def test_losses_comparing_rows_are_never_split_by_the_engine(monkeypatch, name):
    """A loss whose value on a row depends on other rows is evaluated whole, however large the
    update, so a blocked update equals the loss on all rows at once."""
    from losscli.engine import accumulator as engine

    bound, arrays, _ = _case(name)
    big = {k: np.concatenate([v] * 50) for k, v in arrays.items()}
    monkeypatch.setattr(engine, "BLOCK_ELEMENTS", 64)  # blocks of a few rows: the update spans many
    assert engine._block_rows(big.values()) * 4 < len(next(iter(big.values())))
    acc = Accumulator([bound])
    np.testing.assert_array_equal(acc.update(big)[bound.label], bound(*big.values()))


@pytest.mark.parametrize("name", ROWWISE)
def test_any_chunking_gives_the_same_values_and_statistics(name):
    bound, arrays, rng = _case(name)
    weights = rng.uniform(0.1, 2.0, size=N)
    if bound.spec.statistic is not None and bound.spec.statistic.unweighted:  # a metric that refuses sample weights (ndcg)
        weights = None
    whole = Accumulator([bound])
    expected = whole.update(arrays, weights).get(bound.label)  # None: a metric without per-sample values
    want = whole.compute().losses[0]
    for _ in range(3):
        bounds = [0, *_cuts(rng, N), N]
        acc = Accumulator([bound])
        got = [
            acc.update({k: v[lo:hi] for k, v in arrays.items()}, None if weights is None else weights[lo:hi]).get(bound.label)
            for lo, hi in zip(bounds, bounds[1:])
        ]
        if expected is not None:
            np.testing.assert_allclose(np.concatenate(got), expected, rtol=1e-12, atol=0, err_msg=f"{name} chunks {bounds}")
        result = acc.compute().losses[0]
        for stat in STATS:
            a, b = getattr(result, stat), getattr(want, stat)
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12, abs=1e-300), f"{name} {stat} with chunks {bounds}"
        if want.details is not None and "matrix" in want.details:  # the confusion matrix
            np.testing.assert_allclose(np.asarray(result.details["matrix"], dtype=float), want.details["matrix"], rtol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_float16_inputs_are_computed_in_float64(name):
    bound, arrays, _ = _case(name)
    half = [a.astype(np.float16) if a.dtype.kind == "f" else a for a in arrays.values()]
    up = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in half]
    out = result_of(bound, half)
    assert np.asarray(out).dtype == np.float64
    # equal (to float64 rounding) to the loss of the same values given as float64: no float16 arithmetic
    np.testing.assert_allclose(out, result_of(bound, up), rtol=1e-12, atol=1e-300)


def test_every_loss_is_covered():
    assert sorted(ALL) == sorted(s.name for s in list_losses())


@pytest.mark.parametrize("name", ALL)
def test_blocked_evaluation_equals_the_loss_on_all_rows(name, monkeypatch):
    # the engine evaluates an update in cache-sized blocks of rows; with tiny blocks (a few rows)
    # every loss must still give exactly its per-sample values on all rows at once. Found:
    # ntxent was split into blocks (its negatives are the other rows) until it declared
    # rowwise=False.
    import losscli.engine.accumulator as engine

    monkeypatch.setattr(engine, "BLOCK_ELEMENTS", 16)
    bound, arrays, _ = _case(name)
    acc = Accumulator([bound])
    got = acc.update(arrays).get(bound.label)
    if bound.spec.statistic is not None:  # no per-sample values: the value (or matrix) of all rows
        r = acc.compute().losses[0]
        got = np.asarray(r.details["matrix"], dtype=float) if r.value is None else r.value
    np.testing.assert_allclose(got, result_of(bound, list(arrays.values())), rtol=1e-12, atol=0)
