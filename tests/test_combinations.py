"""Weighted combinations ``NAME=a*SPEC+b*SPEC`` (Keras ``loss_weights``).

Expected numbers are hand-computed from the tiny inputs written next to them.
"""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from losscli.cli import app
from losscli import evaluate
from losscli.engine import Accumulator
from losscli.losses import Combination, parse_spec

PRED = np.array([0.0, 1.0, 2.0, -2.0])
TARGET = np.zeros(4)
# Squared errors 0, 1, 4, 4 (mse 9/4); absolute errors 0, 1, 2, 2 (mae 5/4);
# huber (delta 1): 0, 0.5, 1.5, 1.5 (mean 7/8).


def test_parse_terms_coefficients_and_parameters():
    (c,) = parse_spec("total=0.7*mse+0.3*huber:delta=0.5")
    assert isinstance(c, Combination) and c.label == "total"
    assert [(a, b.label) for a, b in c.terms] == [(0.7, "mse"), (0.3, "huber:delta=0.5")]
    (c,) = parse_spec("t = mae + 2e-1*mse")  # a bare term has coefficient 1; 2e-1 is one number
    assert [(a, b.label) for a, b in c.terms] == [(1.0, "mae"), (0.2, "mse")]
    (c,) = parse_spec("t=1e+1*mae+pinball:alpha=0.25")
    assert [(a, b.label) for a, b in c.terms] == [(10.0, "mae"), (1.0, "pinball:alpha=0.25")]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("t=mse+mse", "Error: A loss appears twice in 't=mse+mse'; merge its coefficients."),
        ("t=0.5*@regression", "Error: Bad term '0.5*@regression' in 't=0.5*@regression'. Expected NAME=a*SPEC+b*SPEC, e.g. total=0.7*ce+0.3*dice:smooth=1."),
        ("t=0.5*", "Error: Bad term '0.5*' in 't=0.5*'. Expected NAME=a*SPEC+b*SPEC, e.g. total=0.7*ce+0.3*dice:smooth=1."),
        ("mse=mae", "Error: Combination name 'mse' is the name of a loss; pick another, e.g. total=mae."),
        ("t=0.5*nope", "Error: Unknown loss 'nope'. Run 'losscli list' to see available losses."),
        ("t=0.5*huber:delta=-1", "Error: Parameter 'delta' of loss 'huber' must be > 0, got -1."),
    ],
)
def test_bad_combinations_are_usage_errors(spec, message, tmp_path):
    np.save(tmp_path / "p.npy", PRED)
    np.save(tmp_path / "y.npy", TARGET)
    r = CliRunner().invoke(app, ["eval", str(tmp_path / "p.npy"), str(tmp_path / "y.npy"), "-l", spec])
    assert (r.exit_code, r.stderr.strip()) == (2, message)


def test_value_is_the_weighted_sum_of_term_values():
    report = evaluate(PRED, TARGET, ["total=0.7*mse+0.3*mae"])
    (r,) = report.losses
    assert r.value == pytest.approx(0.7 * 9 / 4 + 0.3 * 5 / 4, rel=1e-15)
    assert [(c, t.label, t.value) for c, t in r.terms] == [(0.7, "mse", 2.25), (0.3, "mae", 1.25)]
    # per-sample totals 0.7 l_mse + 0.3 l_mae: 0, 1.0, 3.4, 3.4
    assert (r.n, r.min, r.max, r.sum) == (4, 0.0, pytest.approx(3.4), pytest.approx(7.8))


def test_rmse_term_contributes_its_root_not_a_mean_of_roots():
    (r,) = evaluate(PRED, TARGET, ["t=2*rmse+mae"]).losses
    assert r.value == pytest.approx(2 * math.sqrt(9 / 4) + 5 / 4, rel=1e-15)


def test_sum_reduction_and_sample_weights():
    (r,) = evaluate(PRED, TARGET, ["t=0.5*mse+mae"], reduction="sum").losses
    assert r.value == pytest.approx(0.5 * 9 + 5)
    (r,) = evaluate(PRED, TARGET, ["t=0.5*mse+mae"], weights=[1, 0, 1, 2]).losses
    # weighted means: mse (0 + 4 + 8)/4 = 3, mae (0 + 2 + 4)/4 = 1.5
    assert r.value == pytest.approx(0.5 * 3 + 1.5)


def test_json_terms_per_sample_and_table_through_the_cli(tmp_path):
    np.save(tmp_path / "p.npy", PRED)
    np.save(tmp_path / "y.npy", TARGET)
    args = ["eval", str(tmp_path / "p.npy"), str(tmp_path / "y.npy"), "-l", "total=0.7*mse+0.3*huber"]
    r = CliRunner().invoke(app, args + ["-f", "json", "--per-sample", str(tmp_path / "ps.csv")])
    assert r.exit_code == 0, r.stderr
    (entry,) = json.loads(r.stdout)["losses"]
    assert (entry["name"], entry["label"], entry["params"]) == ("combination", "total", {"expression": "0.7*mse+0.3*huber"})
    assert entry["signature"].startswith("total=0.7*mse+0.3*huber|red:mean|")
    assert [(t["label"], t["coefficient"], t["value"], t["contribution"]) for t in entry["terms"]] == [
        ("mse", 0.7, 2.25, 0.7 * 2.25),
        ("huber", 0.3, 0.875, 0.3 * 0.875),
    ]
    assert entry["value"] == 0.7 * 2.25 + 0.3 * 0.875
    per_sample = (tmp_path / "ps.csv").read_text().splitlines()
    assert per_sample[0] == "total"
    np.testing.assert_allclose([float(v) for v in per_sample[1:]], 0.7 * PRED**2 + 0.3 * np.array([0, 0.5, 1.5, 1.5]))
    table = CliRunner().invoke(app, args + ["-f", "table"]).stdout.splitlines()
    assert table[2].split()[:3] == ["total", "↓", "1.8375"]
    assert table[3].split() == ["↳", "0.7", "×", "mse", "↓", "1.575"]
    assert table[4].split() == ["↳", "0.3", "×", "huber", "↓", "0.2625"]


def test_terms_take_their_own_roles(tmp_path):
    var = np.array([1.0, 2.0, 0.5, 4.0])
    np.save(tmp_path / "p.npy", PRED)
    np.save(tmp_path / "y.npy", TARGET)
    np.save(tmp_path / "v.npy", var)
    args = ["eval", str(tmp_path / "p.npy"), str(tmp_path / "y.npy"), "--input", f"var={tmp_path / 'v.npy'}"]
    r = CliRunner().invoke(app, args + ["-l", "t=mse+0.5*gaussian_nll", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    nll = 0.5 * (np.log(var) + PRED**2 / var)  # torch GaussianNLLLoss, full=False
    assert json.loads(r.stdout)["losses"][0]["value"] == pytest.approx(9 / 4 + 0.5 * nll.mean(), rel=1e-14)


@pytest.mark.parametrize("chunk", [1, 3])
def test_chunks_and_merged_states_give_the_one_pass_result(chunk):
    rng = np.random.default_rng(0)
    p, y = rng.normal(size=10), rng.normal(size=10)
    specs = ["total=0.7*mse+0.3*rmse", "mae"]
    whole = Accumulator(specs)
    whole.update({"pred": p, "target": y})
    a, b = Accumulator(specs), Accumulator(specs)
    for i in range(0, 10, chunk):
        (a if i < 5 else b).update({"pred": p[i : i + chunk], "target": y[i : i + chunk]})
    merged = Accumulator.from_state(json.loads(json.dumps(a.state()))).merge(b)
    for x, w in zip(merged.compute().losses, whole.compute().losses):
        assert x.value == pytest.approx(w.value, rel=1e-12)
        assert [t.value for _, t in x.terms] == pytest.approx([t.value for _, t in w.terms], rel=1e-12)
