"""losscli.stats: Student's t quantile against scipy/mpmath golden values, and the analytic
confidence intervals (``--ci analytic``) against t-intervals computed independently with scipy
(tests/golden/stats/golden_stats.py, run with the golden venv, wrote golden_stats.json)."""

from __future__ import annotations

import json
import math
import pathlib

import numpy as np
import pytest

from losscli.engine import Accumulator, AnalysisOptions
from losscli.reductions import Summary
from losscli.stats import RatioMoments, analytic_interval, betainc, norm_ppf, t_cdf, t_ppf

GOLDEN = json.loads((pathlib.Path(__file__).parent / "golden" / "stats" / "golden_stats.json").read_text())


@pytest.mark.parametrize("p, df, expected", GOLDEN["t_ppf"], ids=lambda v: f"{v}")
def test_t_ppf_matches_scipy(p, df, expected):
    assert t_ppf(p, df) == pytest.approx(expected, rel=1e-12)
    assert t_ppf(1 - p, df) == pytest.approx(-expected, rel=1e-12)


@pytest.mark.parametrize("p, df, expected", GOLDEN["t_ppf_mpmath"])
def test_t_ppf_near_the_median_matches_mpmath(p, df, expected):
    # scipy loses digits here (p - 0.5 small); 40-digit mpmath roots of the CDF are the reference
    assert t_ppf(p, df) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("df", [0.5, 1.0, 2.5, 7.0, 30.0, 500.0])
@pytest.mark.parametrize("t", [-30.0, -2.0, -0.1, 0.0, 0.3, 1.5, 12.0])
def test_t_cdf_inverts_t_ppf(t, df):
    p = t_cdf(t, df)
    if 1e-12 < p < 1 - 1e-12:
        assert t_ppf(p, df) == pytest.approx(t, rel=1e-10, abs=1e-12)


def test_closed_forms():
    # Cauchy (df=1): F(t) = 1/2 + atan(t)/pi; df=2: t = (2p-1) / sqrt(2p(1-p))
    assert t_ppf(0.975, 1) == pytest.approx(math.tan(math.pi * 0.475), rel=1e-13)
    assert t_ppf(0.9, 2) == pytest.approx(0.8 / math.sqrt(2 * 0.9 * 0.1), rel=1e-13)
    assert norm_ppf(0.975) == pytest.approx(1.959963984540054, rel=1e-15)
    assert betainc(2.0, 3.0, 0.5) == pytest.approx(11 / 16, rel=1e-14)  # I_x(2,3) = 6x²-8x³+3x⁴
    with pytest.raises(ValueError):
        t_ppf(1.0, 3)


@pytest.mark.parametrize("case", GOLDEN["intervals"], ids=lambda c: c["id"])
def test_analytic_interval_through_the_cli_matches_scipy(case, cli, files):
    cols = case["columns"]
    names = list(cols)
    files.csv("in.csv", names, *zip(*(cols[n] for n in names)))
    args = ["eval", "in.csv", "-l", case["spec"], "--ci", "analytic", "--ci-level", str(case["level"]), "-f", "json", *case.get("flags", [])]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    (entry,) = json.loads(result.stdout)["losses"]
    ci = entry["ci"]
    assert (ci["method"], ci["level"]) == ("analytic", case["level"])
    assert [ci["low"], ci["high"]] == pytest.approx(case["ci"], rel=1e-12)
    assert f"|ci:t@{case['level']:g}|" in entry["signature"]


def test_analytic_interval_is_the_same_for_any_chunking():
    rng = np.random.default_rng(3)
    x, y, w = rng.normal(size=500), rng.normal(size=500), rng.uniform(0, 2, size=500)
    logits, labels = rng.normal(size=(500, 3)), rng.integers(0, 3, size=500)

    def run(step, specs, pred, target):
        acc = Accumulator(specs, analysis=AnalysisOptions("analytic"))
        for lo in range(0, 500, step):
            sl = slice(lo, lo + step)
            acc.update({"pred": pred[sl], "target": target[sl]}, w[sl])
        return [(r.ci["low"], r.ci["high"]) for r in acc.compute().losses]

    for specs, pred, target in ((["mse", "rmse"], x, y), (["ce:weight=1;2;0.5"], logits, labels)):
        whole = run(500, specs, pred, target)
        for step in (1, 7, 64):
            assert np.allclose(run(step, specs, pred, target), whole, rtol=1e-12, atol=0)


def test_ratio_moments_merge_equals_one_pass():
    rng = np.random.default_rng(0)
    l, m, w = rng.normal(size=100), rng.uniform(0, 2, size=100), rng.uniform(0, 1, size=100)
    one = RatioMoments.of(l, m, w)
    parts = RatioMoments.of(l[:13], m[:13], w[:13]).merge(RatioMoments.of(l[13:], m[13:], w[13:]))
    assert np.allclose(list(one.to_state().values()), list(parts.to_state().values()), rtol=1e-13)


def test_undefined_intervals_are_none():
    assert analytic_interval(Summary.of(np.array([1.0])), 0.95) == (None, None)  # one row
    assert analytic_interval(Summary.of(np.array([1.0, 2.0])), 0.95, "none") == (None, None)
    cols = Summary.of(np.array([1.0, 2.0]), columns=np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert analytic_interval(cols, 0.95, "mean", np.sqrt) == (None, None)  # per-column rmse: bootstrap only
