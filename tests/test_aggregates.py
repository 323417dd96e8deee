"""The engine's states of metrics without per-sample values (``losscli.engine.aggregates``).

A toy statistic metric, registered for these tests only (``meandiff`` of test_metrics_output: the
weighted mean of ``pred - target`` kept as the state (Σw, Σw·d)), goes through every path a metric takes:
whole, chunked, merged shards, groups, bootstrap replicates, the report and the CLI. Every
expected number is numpy's on the same arrays, never the engine's.
"""

import json

import numpy as np
import pytest

from conftest import fails, ok
from test_metrics_output import register_toys
from losscli.analysis import AnalysisOptions
from losscli.bootstrap import PoissonWeights
from losscli.engine import Accumulator
from losscli.report import Report


@pytest.fixture(autouse=True)
def meandiff(monkeypatch):
    """Register the toy metrics of test_metrics_output (``meandiff``) for one test."""
    register_toys(monkeypatch)


RNG = np.random.default_rng(7)
P, T = RNG.normal(size=300), RNG.normal(size=300)
G = np.array(["a", "b", "c"])[RNG.integers(0, 3, size=300)]


def _acc(**options) -> Accumulator:
    return Accumulator(["meandiff", "mse"], analysis=AnalysisOptions(**options) if options else None)


def test_whole_value_is_the_mean_difference_and_the_report_marks_no_per_sample_values():
    acc = _acc()
    values = acc.update({"pred": P, "target": T})
    entry = acc.compute().result("meandiff").to_dict()
    assert entry["value"] == pytest.approx(np.mean(P - T), rel=1e-13)
    assert entry["per_sample"] is False and entry["n"] == 300
    assert [entry[k] for k in ("sum", "mean", "std", "se", "min", "max")] == [None] * 6
    assert set(values) == {"mse"}  # no per-sample column for the metric


def test_chunks_and_merged_shards_give_the_whole_value():
    whole = _acc()
    whole.update({"pred": P, "target": T})
    chunked = _acc()
    for lo in range(0, 300, 37):
        chunked.update({"pred": P[lo : lo + 37], "target": T[lo : lo + 37]})
    a, b = _acc(), _acc()
    a.update({"pred": P[:120], "target": T[:120]})
    b.update({"pred": P[120:], "target": T[120:]})
    merged = Accumulator.from_state(json.loads(json.dumps(a.state()))).merge(Accumulator.from_state(b.state()))
    expected = whole.compute().result("meandiff").value
    assert chunked.compute().result("meandiff").value == pytest.approx(expected, rel=1e-13)
    assert merged.compute().result("meandiff").value == pytest.approx(expected, rel=1e-13)


def test_groups_get_their_own_state():
    acc = _acc(group_by=("g",))
    acc.update({"pred": P, "target": T}, groups={"g": G})
    report = acc.compute()
    got = {g.key["g"]: g.losses[0] for g in report.groups}
    for key in "abc":
        assert got[key].value == pytest.approx(np.mean((P - T)[G == key]), rel=1e-13)
        assert got[key].n == int((G == key).sum()) and got[key].per_sample is False


def test_bootstrap_replicates_use_the_losses_poisson_weights_and_survive_a_merge():
    """Replicate i is the metric of the rows weighted by PoissonWeights(seed).rows(...)[i]: the
    same weights mse's replicates use, so compare's paired differences pair them."""
    opts = dict(ci="bootstrap", n_boot=40, seed=3)
    a, b = _acc(**opts), _acc(**dict(opts, row_offset=100))
    a.update({"pred": P[:100], "target": T[:100]})
    b.update({"pred": P[100:], "target": T[100:]})
    acc = Accumulator.from_state(a.state()).merge(Accumulator.from_state(b.state()))
    k = PoissonWeights(3, 40).rows(0, 300)
    expected = (k @ (P - T)) / k.sum(axis=1)
    np.testing.assert_allclose(acc.replicates("meandiff"), expected, rtol=1e-12)
    np.testing.assert_allclose(acc.replicates("mse"), (k @ (P - T) ** 2) / k.sum(axis=1), rtol=1e-12)
    ci = acc.compute().result("meandiff").ci
    assert (ci["low"], ci["high"]) == pytest.approx(tuple(np.quantile(expected, [0.025, 0.975])), rel=1e-12)


def test_weighted_rows():
    w = RNG.uniform(0, 2, size=300)
    acc = _acc()
    acc.update({"pred": P, "target": T}, w)
    assert acc.compute().result("meandiff").value == pytest.approx(np.average(P - T, weights=w), rel=1e-13)


def test_report_round_trips_with_a_metric():
    acc = _acc(ci="bootstrap", n_boot=20)
    acc.update({"pred": P, "target": T})
    data = acc.compute().to_dict()
    assert Report.from_dict(json.loads(json.dumps(data))).to_dict() == data


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--per-sample", "ps.csv"], "--per-sample: meandiff has no per-sample values (a function of every row); drop --per-sample or add a loss."),
        (["--top-k", "3"], "--top-k: meandiff has no per-sample values (a function of every row); drop --top-k or add a loss."),
        (["--ci", "analytic"], "--ci analytic: 'meandiff' has no analytic interval (it is not a mean of per-sample values); use --ci bootstrap."),
        (["--reduction", "sum"], "--reduction sum: meandiff has no per-sample values to sum or list; its value is a function of every row. "
         "Use --reduction mean (the default) or evaluate it separately."),
    ],
)  # fmt: skip
def test_what_a_metric_without_per_sample_values_refuses(cli, files, flags, message):
    p, t = files.npy("p.npy", P), files.npy("t.npy", T)
    fails(cli("eval", p, t, "-l", "meandiff", *flags), 2, message)
    assert files.listing() == ["p.npy", "t.npy"]  # nothing written


def test_combination_refuses_a_metric(cli, files):
    p, t = files.npy("p.npy", P), files.npy("t.npy", T)
    fails(cli("eval", p, t, "-l", "total=meandiff+mse"), 2, "'meandiff' in 'total=meandiff+mse' is a metric without per-sample values; a combination adds per-sample losses.")


def test_cli_streamed_equals_whole_and_per_sample_file_has_only_the_losses(cli, files):
    p, t = files.npy("p.npy", P), files.npy("t.npy", T)
    whole = json.loads(ok(cli("eval", p, t, "-l", "meandiff", "-l", "mse", "-f", "json", "--no-hash")))
    streamed = json.loads(ok(cli("eval", p, t, "-l", "meandiff", "-l", "mse", "-f", "json", "--no-hash", "--chunk-rows", "29", "--per-sample", "ps.csv")))
    assert streamed["losses"][0]["value"] == pytest.approx(whole["losses"][0]["value"], rel=1e-13) == pytest.approx(np.mean(P - T), rel=1e-13)
    assert (files.root / "ps.csv").read_text().splitlines()[0] == "mse"


def _shards(cli, files) -> list[str]:
    """Two CSV shards of (P, T, G), each evaluated with --emit-state (groups and bootstrap on)."""
    paths = []
    for i, (lo, hi) in enumerate([(0, 130), (130, 300)]):
        csv = files.csv(f"s{i}.csv", ["pred", "target", "g"], *zip(P[lo:hi].tolist(), T[lo:hi].tolist(), G[lo:hi]))
        flags = ["-l", "meandiff", "-l", "mse", "-g", "g", "--ci", "bootstrap", "--n-boot", "10", "--row-offset", lo]
        ok(cli("eval", csv, *flags, "--emit-state", f"st{i}.json", "-f", "json"))
        paths.append(f"st{i}.json")
    return paths


def test_merged_states_give_the_whole_value_per_group(cli, files):
    merged = json.loads(ok(cli("merge", *_shards(cli, files), "-f", "json")))
    assert merged["losses"][0]["value"] == pytest.approx(np.mean(P - T), rel=1e-13)
    for g in merged["groups"]:
        assert g["losses"][0]["value"] == pytest.approx(np.mean((P - T)[G == g["key"]["g"]]), rel=1e-13)


def test_a_state_with_a_metric_state_it_cannot_read_is_exit_3(cli, files):
    st0, st1 = _shards(cli, files)
    data = json.loads((files.root / st0).read_text())
    data["metrics"]["overall"]["meandiff"] = {"w": "x"}
    (files.root / "bad.json").write_text(json.dumps(data))
    fails(cli("merge", "bad.json", st1), 3, "bad.json is not a valid losscli state: 'metrics.overall.meandiff' is not a state of meandiff (KeyError: 'wd').")


def test_a_metric_value_that_overflows_is_exit_3_not_nan(cli, files):
    """Finite inputs whose squares overflow (1e200² = inf): r2's sums are inf and its value nan.
    That is exit 3 with one line (as mse's overflow is), and nan only with --nan-policy propagate;
    numpy's RuntimeWarnings never reach stderr."""
    files.text("ov.csv", "pred,target\n1e200,1\n2,1e200\n3,3\n4,5\n")
    fails(cli("eval", "ov.csv", "-l", "r2"), 3, "r2 is nan on these rows: its sums overflow (values near the float64 limit, about 1e308); "
          "scale the inputs down, or use --nan-policy propagate to keep it.")  # fmt: skip
    kept = cli("eval", "ov.csv", "-l", "r2", "--nan-policy", "propagate", "-b")
    assert (kept.exit_code, kept.stdout, kept.stderr) == (0, "nan\n", "")


def test_a_replicate_list_of_another_length_than_n_boot_is_exit_3(cli, files):
    """A shard's replicate states cut short would merge into fewer replicates (a narrower CI):
    the list must hold n_boot states."""
    st0, st1 = _shards(cli, files)
    data = json.loads((files.root / st0).read_text())
    data["metrics"]["boot"]["meandiff"].pop()
    (files.root / "bad.json").write_text(json.dumps(data))
    fails(cli("merge", "bad.json", st1), 3, "bad.json is not a valid losscli state: 'metrics.boot.meandiff' must be a list of 10 replicate states (n_boot).")


def test_group_bootstrap_intervals_use_the_groups_rows_and_merge_exactly():
    """With --group-by and --ci bootstrap, a group's replicate i is the metric of its rows weighted
    by PoissonWeights(seed).rows(...)[i] (numpy here); two shards merged give the same intervals."""
    opts = dict(ci="bootstrap", n_boot=30, seed=5, group_by=("g",))
    whole = _acc(**opts)
    whole.update({"pred": P, "target": T}, groups={"g": G})
    a, b = _acc(**opts), _acc(**dict(opts, row_offset=140))
    a.update({"pred": P[:140], "target": T[:140]}, groups={"g": G[:140]})
    b.update({"pred": P[140:], "target": T[140:]}, groups={"g": G[140:]})
    merged = Accumulator.from_state(json.loads(json.dumps(a.state()))).merge(Accumulator.from_state(b.state()))
    k = PoissonWeights(5, 30).rows(0, 300)
    for report in (whole.compute(), merged.compute()):
        for g in report.groups:
            rows = G == g.key["g"]
            reps = (k[:, rows] @ (P - T)[rows]) / k[:, rows].sum(axis=1)
            ci = g.losses[0].ci
            assert (ci["low"], ci["high"]) == pytest.approx(tuple(np.quantile(reps, [0.025, 0.975])), rel=1e-12)
