"""Regression metrics (losses/regression_metrics.py): states that fold, merge and load exactly,
the edge cases and errors of scikit-learn 1.9.1 (its values are in
tests/golden/golden_metrics_regression.json), and accuracy where a naive formula cancels.

Expected numbers come from hand computation or an independent computation in exact (Fraction)
or high-precision (Decimal) arithmetic, never from the code under test.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest

from conftest import fails
from losscli.errors import InputError, ShapeError, SpecError, ValueDomainError
from losscli.losses import d2_absolute_error, d2_pinball, d2_tweedie, explained_variance, get_loss, max_error, median_ae, parse_spec, r2
from losscli.losses.regression_metrics import Distinct, deviance_about

STATISTIC_SPECS = [
    "r2", "explained_variance", "d2_tweedie", "d2_tweedie:power=1", "d2_tweedie:power=1.5", "d2_tweedie:power=2",
    "d2_tweedie:power=3", "max_error", "median_ae", "d2_absolute_error", "d2_pinball:alpha=0.1", "d2_pinball:alpha=0.9",
]  # fmt: skip


def _stat(spec: str):
    (bound,) = parse_spec(spec)
    return bound.spec.statistic, bound.params


def _chunked(spec, pred, target, weights, cuts, order=None):
    """The value of the rows folded in chunks at ``cuts``, merged in ``order``, each state sent
    through JSON (``to_state`` / ``load``) as a shard is."""
    stat, params = _stat(spec)
    edges = [0, *cuts, len(pred)]
    states = []
    for a, b in zip(edges[:-1], edges[1:]):
        state = stat.fold([pred[a:b], target[a:b]], None if weights is None else weights[a:b], params)
        states.append(stat.load(json.loads(json.dumps(state.to_state()))))
    order = order or range(len(states))
    merged = states[order[0]]
    for i in order[1:]:
        merged = merged.merge(states[i])
    return stat.value(merged, params)


def _data(n=40, seed=3):
    rng = np.random.default_rng(seed)
    target = rng.gamma(2.0, 1.5, n)  # > 0: inside every Tweedie power's domain
    return target * rng.uniform(0.6, 1.5, n), target


@pytest.mark.parametrize("spec", STATISTIC_SPECS)
@pytest.mark.parametrize("weighted", [False, True])
def test_any_chunking_and_merge_order_gives_the_whole_value(spec, weighted):
    pred, target = _data()
    # Poisson replicate weights times sample weights: zeros included, as the bootstrap folds them
    rng = np.random.default_rng(5)
    weights = rng.poisson(1.0, len(pred)) * rng.uniform(0.5, 2.0, len(pred)) if weighted else None
    stat, params = _stat(spec)
    whole = stat.value(stat.fold([pred, target], weights, params), params)
    for cuts, order in (([1, 2, 3], None), ([7, 19, 33], [3, 1, 0, 2]), ([20], [1, 0]), ([0, 40], None)):
        assert _chunked(spec, pred, target, weights, cuts, order) == pytest.approx(whole, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("spec", ["median_ae", "d2_absolute_error", "d2_pinball:alpha=0.9"])
def test_rank_states_with_integer_weights_merge_bit_for_bit(spec):
    pred, target = _data()
    weights = np.random.default_rng(8).poisson(1.5, len(pred)).astype(float)  # a bootstrap replicate
    stat, params = _stat(spec)
    whole = stat.value(stat.fold([pred, target], weights, params), params)
    assert _chunked(spec, pred, target, weights, [3, 11, 30], [2, 0, 3, 1]) == whole


def test_r2_keeps_its_digits_at_large_offsets():
    # y = 1e6 + N(0, 1): Σy² - (Σy)²/n loses ~12 of 16 digits. The expected value is exact
    # rational arithmetic on the same floats (r2 is a rational function of them).
    rng = np.random.default_rng(11)
    target = 1e6 + rng.normal(0, 1, 300)
    pred = target + rng.normal(0, 0.5, 300)
    y, p = [Fraction(v) for v in target], [Fraction(v) for v in pred]
    mean = sum(y) / len(y)
    exact = 1 - sum((a - b) ** 2 for a, b in zip(y, p)) / sum((a - mean) ** 2 for a in y)
    assert _chunked("r2", pred, target, None, [13, 150, 151, 299], [4, 2, 0, 3, 1]) == pytest.approx(float(exact), rel=1e-13)
    d = [a - b for a, b in zip(y, p)]
    d_mean = sum(d) / len(d)
    ev = 1 - sum((v - d_mean) ** 2 for v in d) / sum((a - mean) ** 2 for a in y)
    assert _chunked("explained_variance", pred, target, None, [77, 200]) == pytest.approx(float(ev), rel=1e-13)


def _decimal_deviance(y: float, mu: Decimal, power: float) -> Decimal:
    """Tweedie unit deviance in 50-digit decimal arithmetic (the closed form: no cancellation at
    this precision)."""
    y_ = Decimal(y)
    if power == 1:
        return 2 * (y_ * (y_ / mu).ln() - y_ + mu)
    if power == -1:
        return 2 * (y_**3 / 6 - y_ * mu**2 / 2 + mu**3 / 3)
    if power == 2:
        return 2 * ((mu / y_).ln() + y_ / mu - 1)
    p = Decimal(power)
    return 2 * (y_ ** (2 - p) / ((1 - p) * (2 - p)) - y_ * mu ** (1 - p) / (1 - p) + mu ** (2 - p) / (2 - p))


@pytest.mark.parametrize("power", [1, 1.5, 2, 3])
def test_the_mean_models_deviance_merges_exactly(power):
    # Σ w d(y, ȳ) of y = 1e6 + N(0, 1), in chunks: the closed form cancels (~6 digits left); the
    # Bregman merge with the series keeps all of them. Expected: 50-digit Decimal arithmetic.
    getcontext().prec = 50
    rng = np.random.default_rng(int(power * 10))
    target = 1e6 + rng.normal(0, 1, 120)
    stat, params = _stat(f"d2_tweedie:power={power}")
    states = [stat.fold([target[a:b], target[a:b]], None, params) for a, b in ((0, 5), (5, 64), (64, 120))]
    merged = states[2].merge(states[0]).merge(states[1])
    mean = sum(Decimal(v) for v in target) / len(target)
    exact = sum(_decimal_deviance(v, mean, power) for v in target)
    assert merged.dev == pytest.approx(float(exact), rel=1e-12)


@pytest.mark.parametrize("power", [-1, 1, 1.5, 2, 3])
def test_deviance_about_a_close_mean_is_accurate(power):
    # |y - mu| / mu from 1e-7 to 0.5, both sides of the series threshold (0.1): 50-digit Decimal
    # closed form (power -1 too: y > 0 here). scikit-learn's float64 closed form is ~1e-2 off at 1e-7.
    getcontext().prec = 50
    mu = 3.0
    y = mu * (1 + np.array([-0.5, -0.101, -0.0999, -1e-3, -1e-7, 1e-7, 1e-3, 0.05, 0.0999, 0.101, 0.5]))
    exact = [float(_decimal_deviance(v, Decimal(mu), power)) for v in y]
    np.testing.assert_allclose(deviance_about(y, mu, power), exact, rtol=1e-12)
    np.testing.assert_allclose(deviance_about(y, mu, 0), (y - mu) ** 2, rtol=0)  # power 0: the squared error


def test_r2_and_friends_on_scikit_learns_doc_examples():
    # scikit-learn's docstring examples: r2 0.948..., explained variance 0.957..., median_ae 0.5,
    # max_error 1; d2_tweedie 0.285 (power 0), 0.487 (1), 0.630 (2)
    y, p = np.array([3.0, -0.5, 2.0, 7.0]), np.array([2.5, 0.0, 2.0, 8.0])
    assert r2(p, y) == pytest.approx(0.948, abs=1e-3)
    assert explained_variance(p, y) == pytest.approx(0.957, abs=1e-3)
    assert median_ae(p, y) == 0.5
    assert max_error(np.array([4.0, 2.0, 7.0, 1.0]), np.array([3.0, 2.0, 7.0, 1.0])) == 1.0
    yt, pt = np.array([0.5, 1.0, 2.5, 7.0]), np.array([1.0, 1.0, 5.0, 3.5])
    assert [round(d2_tweedie(pt, yt, power=q), 3) for q in (0, 1, 2)] == [0.286, 0.488, 0.631]
    # d2_absolute_error: [1, 2, 3] predicted by [2, 2, 2] is the median model: 0; reversed: -1
    assert d2_absolute_error(np.full(3, 2.0), np.array([1.0, 2.0, 3.0])) == 0.0
    assert d2_absolute_error(np.array([3.0, 2.0, 1.0]), np.array([1.0, 2.0, 3.0])) == -1.0


def test_equal_targets_follow_force_finite():
    y = np.full(5, 0.1)  # 0.1 is inexact: a rounded mean would leave a tiny variance
    for metric in (r2, explained_variance, d2_absolute_error):
        assert metric(y, y) == 1.0  # perfect
        assert metric(y + np.arange(5.0), y) == 0.0  # imperfect
    assert explained_variance(y + 2.0, y) == 1.0  # a constant offset is fully "explained"


def test_median_is_the_mean_of_the_two_middle_values_and_weights_are_exact():
    # |e| = 1, 2, 3, 4: median 2.5. Weights 1, 2, 3, 1, 2, 3 on 1..6: cumulative weight hits
    # W/2 = 6 exactly at 3, so (3 + 4) / 2; weights 1, 2, 3, 0, 3, 3: 4 is skipped, (3 + 5) / 2.
    assert median_ae(np.zeros(4), np.array([4.0, 1.0, 3.0, 2.0])) == 2.5
    stat, params = _stat("median_ae")
    values = np.arange(1.0, 7.0)
    assert stat.value(stat.fold([np.zeros(6), values], np.array([1.0, 2, 3, 1, 2, 3]), params), params) == 3.5
    assert stat.value(stat.fold([np.zeros(6), values], np.array([1.0, 2, 3, 0, 3, 3]), params), params) == 4.0
    # inside a run of ties the quantile is the tied value: 1, 1, 1, 2 -> W/2 = 2 lands inside the 1s
    assert Distinct.of(np.array([1.0, 2.0, 1.0, 1.0]), None).quantile(0.5) == 1.0


def test_two_dimensional_targets_average_the_columns():
    # column 0: y = 0, 1, 2, p = y (r2 1); column 1: y = 0, 1, 2, p = 1 (r2 1 - 2/2 = 0): mean 0.5
    y = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    p = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    assert r2(p, y) == 0.5
    assert median_ae(p, y) == pytest.approx((0.0 + 1.0) / 2)  # medians of |e|: 0 and median(1, 0, 1) = 1
    # multioutput weights 1 and 3: (1 * 1 + 3 * 0) / 4 for r2, (1 * 0 + 3 * 1) / 4 for median_ae
    assert r2(p, y, multioutput=(1.0, 3.0)) == 0.25 and median_ae(p, y, multioutput=(1.0, 3.0)) == 0.75
    with pytest.raises(ShapeError, match=r"parameter multioutput has 1 values, but pred has 2 output columns"):
        d2_pinball(p, y, multioutput=(1.0,))
    with pytest.raises(SpecError, match=r"Parameter 'multioutput' of loss 'r2' must be finite and >= 0, not all 0"):
        parse_spec("r2:multioutput=0;0")
    with pytest.raises(ShapeError, match=r"max_error takes one output column .*multioutput not supported.*\(3, 2\)"):
        max_error(p, y)
    with pytest.raises(ShapeError, match="d2_tweedie takes one output column"):
        d2_tweedie(p + 1, y + 1)
    assert max_error(p[:, :1], y[:, :1]) == 0.0  # (N, 1) is one column
    for shape in ((3, 0), (3, 1, 1)):
        with pytest.raises(ShapeError, match=r"r2 takes pred and target of shape \(N,\) or \(N, D\)"):
            r2(np.zeros(shape), np.zeros(shape))


def test_max_error_ignores_rows_of_weight_zero():
    stat, params = _stat("max_error")
    pred, target = np.array([0.0, 10.0, 1.5]), np.zeros(3)
    assert stat.value(stat.fold([pred, target], np.array([1.0, 0.0, 2.0]), params), params) == 1.5
    assert stat.value(stat.fold([pred, target], None, params), params) == 10.0


def test_undefined_values_are_errors_not_nan():
    one = np.array([1.0])
    for metric, name in ((r2, "r2"), (d2_absolute_error, "d2_absolute_error"), (d2_tweedie, "d2_tweedie")):
        with pytest.raises(InputError, match=rf"^{name} is undefined for 1 row\(s\) of positive weight \(scikit-learn gives nan\)"):
            metric(one, one)
    with pytest.raises(InputError, match=r"d2_tweedie:power=1 is undefined: the mean model's deviance is 0 \(every target equal"):
        d2_tweedie(np.array([1.0, 2.0]), np.array([3.0, 3.0]), power=1)
    stat, params = _stat("median_ae")
    with pytest.raises(InputError, match="median_ae is undefined for 0 rows of positive weight"):
        stat.value(stat.fold([np.ones(2), np.ones(2)], np.zeros(2), params), params)
    assert explained_variance(one, 2 * one) == 1.0  # scikit-learn: 0/0 variances, force_finite


def test_domains_follow_scikit_learn():
    with pytest.raises(ValueDomainError, match=r"target values must be >= 0 for d2_tweedie with power=1.5, got -1 at row 2"):
        d2_tweedie(np.ones(3), np.array([1.0, -1.0, 2.0]), power=1.5)
    with pytest.raises(ValueDomainError, match=r"pred values must be > 0 for d2_tweedie with power=2, got 0"):
        d2_tweedie(np.array([1.0, 0.0]), np.ones(2), power=2)
    with pytest.raises(SpecError, match=r"Parameter 'power' of loss 'd2_tweedie' must be <= 0 or >= 1, got 0.5"):
        parse_spec("d2_tweedie:power=0.5")
    with pytest.raises(SpecError, match=r"Parameter 'alpha' of loss 'd2_pinball' must be in \[0, 1\], got 1.5"):
        parse_spec("d2_pinball:alpha=1.5")
    rmsle = get_loss("rmsle").fn
    with pytest.raises(ValueDomainError, match=r"pred values must be > -1 for rmsle, got -1 at row 2"):
        rmsle(np.array([0.0, -1.0]), np.zeros(2))
    # log1p(3) - log1p(1) = log 2: the squared log error is log(2)²
    assert rmsle(np.array([1.0]), np.array([3.0]))[0] == pytest.approx(math.log(2) ** 2, rel=1e-15)


def test_d2_pinball_alpha_is_the_quantile_of_the_mean_model():
    # y = 1..10, alpha 0.9: t = 0.9 * 10 = 9 lands on 9: q = (9 + 10) / 2 = 9.5; pred = y: 1
    y = np.arange(1.0, 11.0)
    assert d2_pinball(y, y, alpha=0.9) == 1.0
    # pred = 9.5 everywhere is the mean model itself: 0
    assert d2_pinball(np.full(10, 9.5), y, alpha=0.9) == 0.0
    assert d2_absolute_error(np.full(10, 5.5), y) == 0.0  # median of 1..10


def test_metadata():
    for name, alias in (("r2", "r2_score"), ("median_ae", "median_absolute_error"), ("rmsle", "root_mean_squared_log_error")):
        assert get_loss(alias).name == name
    assert get_loss("r2").direction == "higher" and get_loss("max_error").direction == "lower"
    assert get_loss("median_ae").statistic.kind == "ranks" and get_loss("r2").statistic.kind == "sums"
    assert get_loss("rmsle").statistic is None and get_loss("rmsle").per_sample == "sq_log_err"


# ---------------------------------------------------------------------------- through the CLI

CLI_METRICS = ["r2", "explained_variance", "d2_tweedie:power=1.5", "max_error", "median_ae", "d2_absolute_error", "d2_pinball:alpha=0.9", "rmsle"]


def _table(files, n=150, seed=4):
    """A CSV with pred, target (> 0: every metric's domain), weights w with ties and zeros, and a
    group column g; returns the columns."""
    rng = np.random.default_rng(seed)
    target = np.round(rng.gamma(2.0, 1.5, n), 1)  # rounded: ties for the medians
    cols = {"pred": np.round(target * rng.uniform(0.6, 1.5, n), 2) + 0.01, "target": target, "w": rng.choice([0.0, 0.5, 1.0, 2.0], n), "g": rng.choice(["a", "b"], n)}
    lines = ["pred,target,w,g"] + [f"{p!r},{t!r},{w!r},{g}" for p, t, w, g in zip(*(cols[c].tolist() for c in cols))]
    files.text("t.csv", "\n".join(lines) + "\n")
    return cols


def _values(result) -> list:
    assert result.exit_code == 0, result.stderr
    return [entry["value"] for entry in json.loads(result.stdout)["losses"]]


@pytest.mark.parametrize("weighted", [False, True])
def test_cli_chunks_and_merged_shards_give_the_whole_value(cli, files, weighted):
    cols = _table(files)
    args = ["-p", "pred", "-y", "target", *(x for m in CLI_METRICS for x in ("-l", m)), "-f", "json", "--no-hash"]
    args += ["-w", "w"] if weighted else []
    whole = _values(cli("eval", "t.csv", *args))
    # independent numpy: the weighted r2 and max |e| over rows of positive weight
    w = cols["w"] if weighted else np.ones(len(cols["w"]))
    y, p = cols["target"], cols["pred"]
    assert whole[0] == pytest.approx(1 - np.sum(w * (y - p) ** 2) / np.sum(w * (y - np.average(y, weights=w)) ** 2), rel=1e-12)
    assert whole[3] == np.max(np.abs(y - p)[w > 0])
    assert _values(cli("eval", "t.csv", *args, "--chunk-rows", "7")) == pytest.approx(whole, rel=1e-12)
    header, *rows = (files.root / "t.csv").read_text().splitlines()
    for i, (lo, hi) in enumerate([(0, 40), (40, 50), (50, 150)]):
        files.text(f"s{i}.csv", "\n".join([header, *rows[lo:hi]]) + "\n")
        assert cli("eval", f"s{i}.csv", *args, "--emit-state", f"s{i}.json").exit_code == 0
    assert _values(cli("merge", "s2.json", "s0.json", "s1.json", "-f", "json")) == pytest.approx(whole, rel=1e-12)


def test_cli_groups_and_bootstrap(cli, files):
    cols = _table(files)
    out = cli("eval", "t.csv", "-p", "pred", "-y", "target", "-l", "r2", "-l", "median_ae", "-g", "g", "--ci", "bootstrap", "--n-boot", "50", "-f", "json")
    assert out.exit_code == 0, out.stderr
    report = json.loads(out.stdout)
    for group in report["groups"]:
        keep = cols["g"] == group["key"]["g"]
        y, p = cols["target"][keep], cols["pred"][keep]
        r2_value, median_value = (entry["value"] for entry in group["losses"])
        assert r2_value == pytest.approx(1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2), rel=1e-12)
        assert median_value == np.median(np.abs(y - p))
    for entry in report["losses"]:
        assert entry["per_sample"] is False and entry["ci"]["low"] < entry["value"] < entry["ci"]["high"]


def test_cli_dask_gives_the_local_values(cli, files):
    distributed = pytest.importorskip("distributed")  # the 'dask' extra is part of the 'test' extra
    _table(files)
    args = ["t.csv", "-p", "pred", "-y", "target", "-w", "w", *(x for m in CLI_METRICS for x in ("-l", m)), "-f", "json", "--chunk-rows", "40"]
    local = _values(cli(*["eval", *args]))
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster:
        dask = _values(cli(*["eval", *args, "--engine", "dask", "--scheduler", cluster.scheduler_address]))
    assert dask == pytest.approx(local, rel=1e-12)


def test_cli_errors_are_one_line(cli, files):
    files.csv("one.csv", ["pred", "target"], (1.0, 2.0))
    fails(cli("eval", "one.csv", "-l", "r2"), 3, "r2 is undefined for 1 row(s) of positive weight (scikit-learn gives nan): it needs at least 2")
    files.csv("neg.csv", ["pred", "target"], (1.0, 2.0), (1.0, -2.0))
    fails(cli("eval", "neg.csv", "-l", "d2_tweedie:power=1"), 3, "target values must be >= 0 for d2_tweedie with power=1, got -2 at row 2")
    # streamed: the row of the whole input, as a loss's
    files.csv("neg2.csv", ["pred", "target"], *[(1.0, 2.0)] * 5, (1.0, -2.0))
    fails(cli("eval", "neg2.csv", "-l", "d2_tweedie:power=1", "--chunk-rows", "2"), 3, "target values must be >= 0 for d2_tweedie with power=1, got -2 at row 6")


def test_a_state_file_is_data_a_bad_state_is_refused():
    stat, params = _stat("median_ae")
    state = stat.fold([np.zeros(4), np.array([1.0, 2.0, 2.0, 5.0])], None, params).to_state()
    assert state["columns"] == [{"values": [1.0, 2.0, 5.0], "weights": [1.0, 2.0, 1.0]}]
    for bad in ({"values": [2.0, 1.0, 5.0], "weights": [1.0, 2.0, 1.0]}, {"values": [1.0, 1.0], "weights": [1.0, 1.0]},
                {"values": [1.0, 2.0], "weights": [1.0]}, {"values": [1.0, 2.0], "weights": [1.0, -1.0]}):  # fmt: skip
        with pytest.raises(ValueError):
            stat.load({"columns": [bad], "model": []})
    tweedie, p1 = _stat("d2_tweedie:power=1")
    other = _stat("d2_tweedie:power=2")[0].fold([np.ones(3), np.array([1.0, 2.0, 3.0])], None, {"power": 2.0})
    with pytest.raises(InputError, match=r"a d2_tweedie state of power=2 is not one of d2_tweedie:power=1"):
        tweedie.value(tweedie.load(other.to_state()), p1)


def test_distinct_values_merge_as_one_count_and_runs_stay_few():
    # the union of overlapping runs: numpy's unique and bincount of the concatenated rows
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 30, 50).astype(float), rng.integers(20, 60, 7).astype(float)
    wa, wb = rng.integers(1, 4, 50).astype(float), rng.integers(1, 4, 7).astype(float)
    merged = Distinct.of(a, wa).merge(Distinct.of(b, wb))
    values, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    np.testing.assert_array_equal(merged.values, values)
    np.testing.assert_array_equal(merged.weights, np.bincount(inverse, weights=np.concatenate([wa, wb])))
    # 64 chunks folded one by one: a few runs (sizes at least doubling), not one run per chunk
    stat, params = _stat("median_ae")
    y = rng.normal(size=64 * 50)
    state = stat.fold([np.zeros(50), y[:50]], None, params)
    for i in range(1, 64):
        state = state.merge(stat.fold([np.zeros(50), y[50 * i : 50 * (i + 1)]], None, params))
    assert len(state.runs[0]) <= 7  # log2(64) + 1
    assert stat.value(state, params) == np.median(np.abs(y))
