"""ece (losses/calibration_metrics.py): the value, the bins at their edges, weights, logits, the
state (fold, merge, load), every engine path (chunks, shards, Dask, groups), the report's
details and the reliability diagram of ``--plot``.

Expected numbers come from hand computations (in the comments) or from ``numpy_ece`` below,
an independent numpy computation (a mask per bin), never from the code under test. The golden
values of torchmetrics are in tests/golden/golden_metrics_calibration.json (tests/test_golden.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import fails, ok
from losscli.errors import InputError
from losscli.losses import ece
from losscli.losses.calibration_metrics import ECE, load

RNG = np.random.default_rng(11)
N = 240
P = RNG.uniform(0, 1, N)
Y = (RNG.uniform(0, 1, N) < P**1.5).astype(np.int64)  # over-confident: a clear calibration error
W = np.where(np.arange(N) % 9 == 0, 0.0, RNG.uniform(0.2, 3.0, N))


def numpy_ece(conf: np.ndarray, correct: np.ndarray, bins: int, w: np.ndarray | None = None) -> float:
    """Σ_b |Σ_{i in b} w_i (correct_i - conf_i)| / Σ w; bin b = [b/bins, (b+1)/bins), and [1, 1]."""
    w = np.ones(len(conf)) if w is None else w
    masks = [(conf >= b / bins) & (conf < (b + 1) / bins) for b in range(bins)] + [conf == 1.0]
    return float(sum(abs(np.sum(w[m] * (correct[m] - conf[m]))) for m in masks) / np.sum(w))


def test_the_torchmetrics_examples():
    # binary, bins [0, .5) and [.5, 1): bin 0 holds .25, .25 (labels 0, 0): |0 - .25| * 2/5 = .1;
    # bin 1 holds .55, .75, .75 (labels 1, 1, 1): |1 - 2.05/3| * 3/5 = .19; total .29 (torchmetrics' docstring)
    assert ece(np.array([0.25, 0.25, 0.55, 0.75, 0.75]), np.array([0, 0, 1, 1, 1]), bins=2) == pytest.approx(0.29, rel=1e-15)
    # multiclass, 3 bins: maxima .55 (class 2, label 0: wrong), .55 (class 0, label 1: wrong), .6 (right),
    # .9 (right); bin [1/3, 2/3): |1/3 - 1.7/3| * 3/4 = .175, bin [2/3, 1): |1 - .9| * 1/4 = .025: .2
    probs = np.array([[0.25, 0.2, 0.55], [0.55, 0.05, 0.4], [0.1, 0.3, 0.6], [0.9, 0.05, 0.05]])
    assert ece(probs, np.array([0, 1, 2, 0]), bins=3) == pytest.approx(0.2, rel=1e-14)


def test_a_confidence_on_an_edge_is_in_the_bin_above_and_1_has_its_own_bin():
    conf = np.array([0.0, 0.1, 0.3, 0.7, 0.7, 0.99999, 1.0, 1.0])
    details = ECE.details(ECE.fold([conf, np.array([0, 0, 1, 1, 0, 1, 1, 0])], None, {"bins": 10, "input": "probs"}), {})
    # 0.3 in bin 2: torch.linspace's edge 3 is 0.30000000000000004 (0.1 * 3), above 0.3; edge 7 is
    # 1 - 0.1 * 3 rounded once, 0.7 itself: 0.7 is on it
    assert details["count"] == (1, 1, 1, 0, 0, 0, 0, 2, 0, 1, 2)
    assert (details["lower"][-1], details["upper"][-1], details["accuracy"][-1]) == (1.0, 1.0, 0.5)
    assert details["confidence"][3] is None and details["accuracy"][7] == 0.5
    # float32 probabilities: float32 edges (0.1f * 3 rounds to float32(0.3)), so float32(0.3) and
    # float32(0.7) are on edges 3 and 7
    f32 = ECE.details(ECE.fold([np.float32([0.7, 0.3]), np.array([1, 0])], None, {"bins": 10, "input": "probs"}), {})
    assert f32["count"] == (0, 0, 0, 1, 0, 0, 0, 1, 0, 0)  # no [1, 1] bin: no confidence of 1


def test_weights_are_repeated_rows_and_zero_weights_leave_rows_out():
    reps = RNG.integers(0, 4, N)  # integer weights: row i counted reps[i] times
    weighted = ECE.of([P, Y], {"bins": 12, "input": "probs"}, reps.astype(float))
    repeated = ece(np.repeat(P, reps), np.repeat(Y, reps), bins=12)
    assert weighted == pytest.approx(repeated, rel=1e-13) == pytest.approx(numpy_ece(P, Y, 12, reps.astype(float)), rel=1e-13)
    details = ECE.details(ECE.fold([P, Y], W, {"bins": 12, "input": "probs"}), {})
    assert sum(details["count"]) == N and sum(details["weight"]) == pytest.approx(W.sum(), rel=1e-14)


def test_no_weight_at_all_is_an_input_error():
    with pytest.raises(InputError, match="no rows with a positive weight"):
        ECE.of([P[:5], Y[:5]], {"bins": 15, "input": "probs"}, np.zeros(5))


def test_logits_go_through_sigmoid_or_softmax():
    x = RNG.normal(0, 3, N)
    assert ece(x, Y, input="logits") == pytest.approx(numpy_ece(1 / (1 + np.exp(-x)), Y.astype(float), 15), rel=1e-13)
    z = RNG.normal(0, 2, (N, 4))
    labels = RNG.integers(0, 4, N)
    q = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    correct = (q.argmax(axis=1) == labels).astype(float)
    assert ece(z, labels, input="logits", bins=7) == pytest.approx(numpy_ece(q.max(axis=1), correct, 7), rel=1e-12)


def test_state_merges_and_round_trips_through_json():
    params = {"bins": 15, "input": "probs"}
    whole = ECE.fold([P, Y], W, params)
    parts = [ECE.fold([P[s], Y[s]], W[s], params) for s in (slice(0, 50), slice(50, 170), slice(170, N))]
    merged = load(json.loads(json.dumps(parts[2].to_state()))).merge(parts[0].merge(parts[1]))
    assert ECE.value(merged, params) == pytest.approx(ECE.value(whole, params), rel=1e-14)
    assert ECE.value(whole, params) == pytest.approx(numpy_ece(P, Y.astype(float), 15, W), rel=1e-13)
    with pytest.raises(ValueError, match="cannot merge ece states of 15 and 4 bins"):
        whole.merge(ECE.fold([P, Y], None, {"bins": 4, "input": "probs"}))


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"bins": 2}, "'sums' is missing"),
        ({"bins": 2, "sums": [[0, 0, 0]] * 4, "comp": [[0, 0, 0]] * 3}, r"'comp' must have shape \(4, 3\), got \(3, 3\)"),
        ({"bins": 0, "sums": [], "comp": []}, r"'bins' must be an integer in \[1, 100000\], got 0"),
        ({"bins": 1, "sums": [[1, 0]] * 4, "comp": [[0, 0]] * 4, "x": 1}, "'x' is not a field"),
        ({"bins": 1, "sums": [[1, 0], [1, 0], [2, 0], [1, 0]], "comp": [[0, 0]] * 4}, "more confidence than the weight"),  # ece could exceed 1
        ({"bins": 1, "sums": [[1.5, 0], [1, 0], [1, 0], [1, 0]], "comp": [[0, 0]] * 4}, "row count that is not a whole number"),
    ],
)
def test_a_damaged_state_is_a_value_error_naming_the_field(state, message):
    with pytest.raises(ValueError, match=message):
        load(state)


def test_bad_inputs_say_what_to_pass(cli, files):
    y = files.npy("y.npy", np.array([0, 1, 1]))
    fails(cli("eval", files.npy("p.npy", np.array([0.2, 1.5, 0.3])), y, "-l", "ece"), 3,
          "probs must be in [0, 1] (pass ece:input=logits for logits, which torchmetrics detects by values outside [0, 1]), got 1.5 at row 2")  # fmt: skip
    fails(cli("eval", files.npy("q.npy", np.full((3, 2, 2), 0.5)), y, "-l", "ece"), 3,
          "probs must be (N,) probabilities of the positive class or (N, C) class probabilities, got shape (3, 2, 2)")  # fmt: skip
    fails(cli("eval", files.npy("r.npy", np.array([0.2, 0.9, 0.3])), files.npy("t.npy", np.array([0, 2, 1])), "-l", "ece"), 3,
          "target must be integer class labels in [0, 2), got 2 at row 2")  # fmt: skip


def test_nan_policies(cli, files):
    p, y = files.npy("p.npy", np.array([0.2, np.nan, 0.3, 0.9])), files.npy("y.npy", np.array([0, 1, 1, 1]))
    # omit: rows 0.2 (0), 0.3 (1), 0.9 (1) in bins 3, 4, 13 of 15: (0.2 + 0.7 + 0.1) / 3
    assert _values(ok(cli("eval", p, y, "-l", "ece", "--nan-policy", "omit", "-f", "json")))["ece"]["value"] == pytest.approx(1 / 3, rel=1e-15)
    assert _values(ok(cli("eval", p, y, "-l", "ece", "--nan-policy", "propagate", "-f", "json")))["ece"]["value"] == "nan"
    z, c = files.npy("z.npy", np.array([[0.0, np.inf], [1.0, 2.0], [0.0, 0.0]])), files.npy("c.npy", np.array([1, 0, 1]))
    assert _values(ok(cli("eval", z, c, "-l", "ece:input=logits", "--nan-policy", "propagate", "-f", "json")))["ece:input=logits"]["value"] == "nan"


def _values(report: str) -> dict:
    return {e["label"]: e for e in json.loads(report)["losses"]}


@pytest.fixture
def weighted_csv(files):
    rows = [f"{float(p)!r},{int(y)},{float(w)!r},{'ab'[i % 2]}" for i, (p, y, w) in enumerate(zip(P, Y, W))]
    files.text("all.csv", "p,y,w,g\n" + "\n".join(rows) + "\n")
    files.text("a.csv", "p,y,w,g\n" + "\n".join(rows[:100]) + "\n")
    files.text("b.csv", "p,y,w,g\n" + "\n".join(rows[100:]) + "\n")
    return ["-p", "p", "-y", "y", "-w", "w", "-l", "ece", "-l", "ece:bins=4", "-f", "json", "--no-hash"]


def test_chunks_shards_and_groups_agree_with_the_whole(cli, weighted_csv):
    whole = _values(ok(cli("eval", "all.csv", *weighted_csv)))
    assert whole["ece"]["value"] == pytest.approx(numpy_ece(P, Y.astype(float), 15, W), rel=1e-13)
    assert whole["ece:bins=4"]["value"] == pytest.approx(numpy_ece(P, Y.astype(float), 4, W), rel=1e-13)
    chunked = _values(ok(cli("eval", "all.csv", *weighted_csv, "--chunk-rows", "17")))
    ok(cli("eval", "a.csv", *weighted_csv, "--emit-state", "a.json"))
    ok(cli("eval", "b.csv", *weighted_csv, "--emit-state", "b.json"))
    merged = _values(ok(cli("merge", "b.json", "a.json", "-f", "json")))
    for label, entry in whole.items():
        for other in (chunked, merged):
            assert other[label]["value"] == pytest.approx(entry["value"], rel=1e-13)
            assert other[label]["details"]["count"] == entry["details"]["count"]
            np.testing.assert_allclose(other[label]["details"]["weight"], entry["details"]["weight"], rtol=1e-13)
    grouped = json.loads(ok(cli("eval", "all.csv", *weighted_csv, "-g", "g")))
    for group in grouped["groups"]:
        m = np.arange(N) % 2 == "ab".index(group["key"]["g"])
        assert group["losses"][0]["value"] == pytest.approx(numpy_ece(P[m], Y[m].astype(float), 15, W[m]), rel=1e-13)


def test_dask_agrees_with_the_local_engine(cli, files):
    import distributed  # the 'dask' extra is part of the 'test' extra

    files.npy("p.npy", P)
    files.npy("y.npy", Y)
    args = ["eval", "p.npy", "y.npy", "-l", "ece:bins=10", "-f", "json", "--no-hash"]
    local = _values(ok(cli(*args)))["ece:bins=10"]
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster:
        dask = _values(ok(cli(*args, "--engine", "dask", "--scheduler", cluster.scheduler_address, "--chunk-rows", "50")))["ece:bins=10"]
    assert dask["value"] == pytest.approx(local["value"], rel=1e-13) == pytest.approx(numpy_ece(P, Y.astype(float), 10), rel=1e-13)
    assert dask["details"]["count"] == local["details"]["count"]


def test_the_table_shows_one_row_and_hist_says_there_is_nothing_to_draw(cli, files):
    p, y = files.npy("p.npy", P), files.npy("y.npy", Y)
    out = ok(cli("eval", p, y, "-l", "ece", "-l", "mae", "--hist", "-f", "table", "--no-hash"))
    assert [line.split()[0] for line in out.splitlines()[2:4]] == ["ece", "mae"]  # no "↳ False" row under ece
    assert "\nece: no per-sample values to draw (a function of every row)\n" in out and "mae ↓  per-sample histogram" in out


def test_plot_draws_the_reliability_diagram_of_the_reports_bins(cli, files, monkeypatch):
    from losscli.render import plot as plot_module

    drawn = []
    real = plot_module.draw_reliability
    monkeypatch.setattr(plot_module, "draw_reliability", lambda ax_d, ax_w, r, bins: (drawn.append((r.label, bins)), real(ax_d, ax_w, r, bins)))
    p = P.copy()
    p[:3] = 1.0  # a [1, 1] bin
    files.npy("p.npy", p)
    files.npy("y.npy", Y)
    report = json.loads(ok(cli("eval", "p.npy", "y.npy", "-l", "ece:bins=5", "-l", "mae", "--plot", "fig.png", "-f", "json", "--no-hash")))
    data = (files.root / "fig.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[16:24] == np.array([1000, 600], ">u4").tobytes()  # two rows of 10 x 3 inches at 100 dpi
    (label, bins), = drawn
    # independent: rows per bin [b/5, (b+1)/5) and [1, 1]
    counts = [int(np.sum((p >= b / 5) & (p < (b + 1) / 5))) for b in range(5)] + [3]
    assert label == "ece:bins=5" and bins["weight"].tolist() == counts
    assert bins["accuracy"].tolist() == pytest.approx(report["losses"][0]["details"]["accuracy"], rel=1e-15)
    assert files.listing() == ["fig.png", "p.npy", "y.npy"]


def test_plot_with_nothing_to_draw_is_a_usage_error():
    from losscli.errors import UsageError
    from losscli.render.plot import plot
    from losscli.report import LossResult

    r = LossResult("f", "f", {}, "higher", "-", 0.5, "mean", 3, None, None, None, None, None, None, "s", per_sample=False)
    with pytest.raises(UsageError, match="--plot: nothing to draw: f have no per-sample values or reliability bins"):
        plot("x.png", [r], {})


def test_bin_edges_are_torch_linspace_bit_for_bit():
    """torch.linspace(0, 1, b + 1) for b = 1..200 in float32 and float64, saved by
    tests/golden/golden_metrics_calibration.py (3/10 is 0.30000000000000004 in float64, 6/15 is
    0.40000004 in float32): the edges ece bins with."""
    import pathlib

    from losscli.losses.calibration_metrics import edges

    with np.load(pathlib.Path(__file__).parents[1] / "golden" / "golden_linspace_edges.npz") as saved:
        for key in saved.files:
            name, bins = key.split("_")
            np.testing.assert_array_equal(edges(int(bins), np.dtype(name)), saved[key], err_msg=key)
        assert len(saved.files) == 400


def test_a_rounded_probability_on_a_torch_edge_bins_as_torchmetrics():
    """The review's cases: 0.3 with 10 bins is below torch's float64 edge 0.30000000000000004 (bin
    2 with 0.25: |acc 0.5 - conf 0.275| = 0.225, torchmetrics' value); a (N, C) maximum 0.4 with 15
    bins is below the float32 edge 0.40000004 (bin 5 with 0.35: |0.5 - 0.375| = 0.125)."""
    assert ece(np.array([0.3, 0.25]), np.array([1, 0]), bins=10) == pytest.approx(0.225, rel=1e-15)
    assert ece(np.array([[0.4, 0.3, 0.3], [0.35, 0.33, 0.32]]), np.array([1, 0]), bins=15) == pytest.approx(0.125, rel=1e-15)
