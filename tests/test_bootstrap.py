"""The Poisson bootstrap (losscli.bootstrap, losscli.analysis): weights, chunk and shard
invariance, coverage, paired tests, Holm. Statistical tests use fixed seeds and tolerant bounds.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from losscli.analysis import AnalysisOptions, TopK
from losscli.bootstrap import (
    BLOCK_ROWS,
    PoissonWeights,
    _T48,
    holm,
    paired_p_value,
    percentile_interval,
    poisson_block,
    replicate_values,
)
from losscli.comparison import compare
from losscli.engine import Accumulator
from losscli.errors import UsageError


# ---------------------------------------------------------------------------- the weights


def test_weights_follow_poisson_1():
    k = np.concatenate([poisson_block(7, j, 500) for j in range(8)], axis=None)  # 1M draws
    assert abs(k.mean() - 1) < 0.005 and abs(k.var() - 1) < 0.01
    for j in range(6):
        expected = math.exp(-1) / math.factorial(j)
        assert abs((k == j).mean() - expected) < 5 * math.sqrt(expected / len(k)) + 1e-6


@pytest.mark.parametrize("seed, block, n_boot", [(11, 3, 40), (0, 0, 1000), (5, 12345, 1000), (2**40, 7, 333)])
def test_weights_are_the_48_bit_inverse_cdf_of_the_philox_stream(seed, block, n_boot):
    # The definition in the module docstring, recomputed draw by draw with 48-bit integers.
    n = n_boot * BLOCK_ROWS
    u = np.random.Philox(key=seed, counter=[0, block, 0, 0]).random_raw(-(-n // 4)).view("<u2")[:n].astype(np.uint64)
    k = np.searchsorted(_T48, u << np.uint64(32), side="right")
    k_top = np.searchsorted(_T48, (u << np.uint64(32)) + np.uint64(2**32 - 1), side="right")
    amb = np.flatnonzero(k != k_top)
    extra = np.random.Philox(key=seed, counter=[0, block, 1, 0]).random_raw(len(amb)) & np.uint64(0xFFFFFFFF)
    k[amb] = np.searchsorted(_T48, (u[amb] << np.uint64(32)) | extra, side="right")
    assert len(amb) > 0 and k.max() >= 5  # refined draws and tail draws (k >= 5) both occur
    assert np.array_equal(poisson_block(seed, block, n_boot).ravel(), k)


def test_weights_depend_only_on_seed_and_row():
    w = PoissonWeights(5, 30)
    whole = w.rows(0, 1000)
    assert whole.shape == (30, 1000)
    pieces = np.concatenate([PoissonWeights(5, 30).rows(lo, min(lo + 7, 1000)) for lo in range(0, 1000, 7)], axis=1)
    assert np.array_equal(whole, pieces)
    assert np.array_equal(PoissonWeights(5, 10).rows(0, 1000), whole[:10])  # more replicates extend fewer
    assert not np.array_equal(PoissonWeights(6, 30).rows(0, 1000), whole)


# ---------------------------------------------------------------------------- chunking and shards

RNG = np.random.default_rng(42)
X, Y = RNG.normal(size=1000), RNG.normal(size=1000)
W = RNG.uniform(0.1, 2.0, size=1000)
G = RNG.integers(0, 3, size=1000)
SPECS = ["mse", "rmse", "mae", "total=0.5*mse+2*mae"]


def run(step: int, *, n_boot: int = 200, weights: bool = True, groups: bool = False, rows=slice(None), offset: int = 0):
    acc = Accumulator(SPECS, analysis=AnalysisOptions("bootstrap", n_boot=n_boot, seed=9, group_by=("g",) if groups else (), row_offset=offset))
    x, y, w, g = X[rows], Y[rows], W[rows], G[rows]
    for lo in range(0, len(x), step):
        sl = slice(lo, lo + step)
        acc.update({"pred": x[sl], "target": y[sl]}, w[sl] if weights else None, groups={"g": g[sl]} if groups else None)
    return acc


def intervals(report) -> list[float]:
    out = [x for r in report.losses for x in (r.ci["low"], r.ci["high"])]
    for grp in report.groups:
        out += [x for r in grp.losses for x in (r.ci["low"], r.ci["high"])]
    return out


def test_bootstrap_ci_is_identical_for_1_7_and_1000_row_chunks():
    whole = run(1000, groups=True).compute()
    assert all(r.ci["low"] < r.value < r.ci["high"] for r in whole.losses)
    assert intervals(run(7, groups=True).compute()) == pytest.approx(intervals(whole), rel=1e-12)
    # chunks of one row on the first 150 rows (each update has a fixed cost: 1000 of them took seconds)
    head = slice(0, 150)
    one_pass = run(150, groups=True, rows=head).compute()
    assert intervals(run(1, groups=True, rows=head).compute()) == pytest.approx(intervals(one_pass), rel=1e-12)


def test_blocked_update_equals_small_updates():
    # one update of 70k rows is split into blocks (engine.BLOCK_ELEMENTS) evaluated on threads
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=70_000), rng.normal(size=70_000)
    one = Accumulator(["mse"], analysis=AnalysisOptions("bootstrap", n_boot=20))
    one.update({"pred": x, "target": y})
    many = Accumulator(["mse"], analysis=AnalysisOptions("bootstrap", n_boot=20))
    for lo in range(0, 70_000, 9_999):
        many.update({"pred": x[lo : lo + 9_999], "target": y[lo : lo + 9_999]})
    assert one.replicates("mse") == pytest.approx(many.replicates("mse"), rel=1e-12)


def test_merged_shard_states_equal_one_run():
    whole = run(1000, groups=True).compute()
    a = run(100, rows=slice(0, 400), groups=True)
    b = run(100, rows=slice(400, 1000), groups=True, offset=400)
    # through JSON, as losscli merge reads them
    a2 = Accumulator.from_state(json.loads(json.dumps(a.state())))
    b2 = Accumulator.from_state(json.loads(json.dumps(b.state())))
    merged = b2.merge(a2).compute()  # any order
    assert intervals(merged) == pytest.approx(intervals(whole), rel=1e-12)
    assert [r.value for r in merged.losses] == pytest.approx([r.value for r in whole.losses], rel=1e-12)


def test_shards_without_row_offsets_are_refused():
    a = run(100, rows=slice(0, 400))
    b = run(100, rows=slice(400, 1000))  # also starts at row 0
    with pytest.raises(UsageError, match="both parts contain rows 1-400.*--row-offset N"):
        a.merge(b)


def test_states_with_different_options_do_not_merge():
    a = Accumulator(["mse"], analysis=AnalysisOptions("bootstrap", seed=1))
    b = Accumulator(["mse"], analysis=AnalysisOptions("bootstrap", seed=2))
    with pytest.raises(UsageError, match="different statistics options"):
        a.merge(b)
    with pytest.raises(UsageError, match="different statistics options"):
        Accumulator(["mse"]).merge(b)


# ---------------------------------------------------------------------------- coverage


@pytest.mark.parametrize("method", ["bootstrap", "analytic"])
def test_interval_covers_the_true_mean_at_about_the_nominal_rate(method):
    # Exponential(1) per-sample "losses" (mae of |e|, e ~ Laplace): true mean 1. 200 datasets
    # of 150 rows; the 95% interval should cover 1 about 95% of the time (SE of the rate 1.5%).
    rng = np.random.default_rng(2024)
    covered = 0
    for i in range(200):
        e = rng.exponential(size=150) * rng.choice([-1.0, 1.0], size=150)
        acc = Accumulator(["mae"], analysis=AnalysisOptions(method, n_boot=300, seed=i))
        acc.update({"pred": e, "target": np.zeros(150)})
        ci = acc.compute().losses[0].ci
        covered += ci["low"] <= 1.0 <= ci["high"]
    assert 0.88 <= covered / 200 <= 0.99


# ---------------------------------------------------------------------------- paired tests


def _systems(shift: float, seed: int, n: int = 200):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    base = y + rng.normal(size=n)
    cand = y + rng.normal(size=n) * (1.0 - shift)
    return [("base", {"pred": base, "target": y}, None), ("cand", {"pred": cand, "target": y}, None)]


def test_paired_test_detects_a_planted_difference():
    report = compare(_systems(0.3, seed=1), ["mse", "rmse"], n_boot=500, seed=0)
    for entry in report.losses:
        cand = entry.systems[1]
        assert cand.delta < 0 and cand.p_value < 0.01 and cand.delta_ci["high"] < 0
        assert cand.rank == 1 and entry.systems[0].rank == 2


def test_paired_test_rejects_a_null_difference_at_about_alpha():
    rejections = 0
    for seed in range(60):
        report = compare(_systems(0.0, seed=100 + seed, n=100), ["mse"], n_boot=200, seed=seed)
        rejections += report.losses[0].systems[1].p_value <= 0.05
    assert rejections / 60 <= 0.15


def test_paired_p_value_and_holm():
    assert paired_p_value(np.array([0.9, 1.1, 1.0, 0.95]), 1.0) == pytest.approx(1 / 5)
    assert paired_p_value(np.array([-1.0, 1.0, 0.5, -0.5]), 0.1) == 1.0
    assert holm([0.01, None, 0.04, 0.03]) == [0.03, None, 0.06, 0.06]
    assert holm([0.5, 0.9]) == [1.0, 1.0]  # 2 x 0.5, then monotone


def test_replicate_values_and_percentiles():
    totals = np.array([[2.0, 4.0, 1.0, 9.0], [0.0, 0.0, 0.0, 0.0]])  # [Σm, Σl, Σl_col0, Σl_col1]
    assert replicate_values(totals[:, :2], "mean").tolist()[0] == 2.0
    assert math.isnan(replicate_values(totals[:, :2], "mean")[1])  # every row drawn 0 times
    assert replicate_values(totals, "mean", np.sqrt)[0] == pytest.approx((math.sqrt(0.5) + math.sqrt(4.5)) / 2)
    assert replicate_values(totals[:, :2], "sum").tolist() == [4.0, 0.0]
    assert percentile_interval(np.arange(101.0), 0.9) == pytest.approx((5.0, 95.0), rel=1e-12)
    assert percentile_interval(np.array([np.nan, 1.0]), 0.9) == (None, None)


# ---------------------------------------------------------------------------- worst rows


def test_top_k_is_chunk_invariant_with_ties_broken_by_row():
    values = np.array([3.0, 1.0, 3.0, np.nan, 5.0, 3.0, 0.0, 5.0])
    rows = np.arange(8)
    whole = TopK(4)
    whole.update(values, rows, None)
    assert whole.entries() == [{"row": 5, "value": 5.0}, {"row": 8, "value": 5.0}, {"row": 1, "value": 3.0}, {"row": 3, "value": 3.0}]
    for step in (1, 3):
        parts = TopK(4)
        for lo in range(0, 8, step):
            part = TopK(4)
            part.update(values[lo : lo + step], rows[lo : lo + step], np.array(list("abcdefgh"))[lo : lo + step])
            parts.merge(part)
        assert [e["row"] for e in parts.entries()] == [5, 8, 1, 3]
        assert [e["id"] for e in parts.entries()] == ["e", "h", "a", "c"]
    best = TopK(2, higher_is_better=True)  # worst of a higher-is-better entry: the smallest
    best.update(values, rows, None)
    assert [e["row"] for e in best.entries()] == [7, 2]


def test_python_api_evaluate_takes_the_statistics_options():
    import losscli

    r = losscli.evaluate(np.arange(10.0), np.zeros(10), ["mae"], ci="bootstrap", n_boot=100, groups={"g": np.arange(10) % 2}, top_k=1, ids=np.arange(10) * 10)
    assert r.losses[0].ci["low"] < 4.5 < r.losses[0].ci["high"]
    assert r.losses[0].worst == [{"row": 10, "id": 90, "value": 9.0}]
    assert [(g.key, g.rows, g.losses[0].value) for g in r.groups] == [({"g": 0}, 5, 4.0), ({"g": 1}, 5, 5.0)]
    assert r.config["ci"] == "bootstrap" and r.config["n_boot"] == 100
