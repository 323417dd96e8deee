"""Rank metrics (roc_auc, average_precision): the state (counts per distinct score) folds,
merges and loads exactly; values and DeLong's interval against independent computations; the
error lines of undefined inputs.

scikit-learn's values are in tests/golden/golden_metrics_rank.json (test_golden.py runs them
through the CLI; here the same cases go through fold/merge/value directly). DeLong's numbers are
checked against ``kernel_delong`` below: the O(n²) Mann-Whitney kernel form written out from
DeLong et al. 1988, a different computation from the state's placement counts.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from losscli.errors import InputError, ShapeError, UsageError, ValueDomainError
from losscli.losses import average_precision, get_loss, roc_auc
from losscli.losses.rank_metrics import (
    AP_STAT, AUC_STAT, auc_interval, delong, fold_auc, load_state, paired_delong, ranks_of,
)  # fmt: skip
from losscli.stats import normal_p_value
from conftest import fails, ok

GOLDEN = json.loads((pathlib.Path(__file__).parents[1] / "golden" / "golden_metrics_rank.json").read_text())
RNG = np.random.default_rng(17)


def kernel_delong(scores, target):
    """``(AUC, Var)`` from every (positive, negative) pair: psi = [x > y] + [x = y]/2;
    V10 = row means, V01 = column means; Var = var(V10, ddof=1)/m + var(V01, ddof=1)/n."""
    x, y = scores[target == 1], scores[target == 0]
    psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), v10.var(ddof=1) / len(x) + v01.var(ddof=1) / len(y), v10, v01


def golden_cases():
    return [pytest.param(c, id=c["id"]) for c in GOLDEN["cases"]]


def _arrays(case):
    w = case["weights"]
    return np.asarray(case["inputs"]["pred"], dtype=np.float64), np.asarray(case["inputs"]["target"]), None if w is None else np.asarray(w)


def _stat(case):
    return get_loss(case["spec"]).statistic


@pytest.mark.parametrize("case", golden_cases())
def test_golden_values_whole_and_in_chunks(case):
    """scikit-learn's value, from the whole rows and from three chunks merged in either order;
    the merged state is the whole one, exactly (counts per distinct score)."""
    stat = _stat(case)
    p, y, w = _arrays(case)
    whole = stat.fold([p, y], w, {})
    assert stat.value(whole, {}) == pytest.approx(case["value"], rel=1e-12, abs=1e-15)
    cuts = [0, len(p) // 3, len(p) // 2, len(p)]
    parts = [stat.fold([p[a:b], y[a:b]], None if w is None else w[a:b], {}) for a, b in zip(cuts, cuts[1:])]
    for merged in (parts[0].merge(parts[1]).merge(parts[2]), parts[2].merge(parts[0].merge(parts[1]))):
        assert stat.value(merged, {}) == pytest.approx(case["value"], rel=1e-12, abs=1e-15)
        if w is None:  # integer counts: the same state whatever the chunking
            assert merged.to_state() == whole.to_state()


@pytest.mark.parametrize("case", [c for c in GOLDEN["cases"] if "delong" in c], ids=lambda c: c["id"])
def test_delong_interval_matches_the_kernel_form(case):
    """The golden script's O(n²) kernel DeLong (weighted: its Kish-weighted variances)."""
    p, y, w = _arrays(case)
    state = AUC_STAT.fold([p, y], w, {})
    auc, var = delong(state.classes[0])
    d = case["delong"]
    assert auc == pytest.approx(d["auc"], rel=1e-12) and var == pytest.approx(d["var"], rel=1e-10, abs=1e-18)
    low, high = auc_interval(state, {}, d["level"])
    assert (low, high) == (pytest.approx(d["low"], rel=1e-9), pytest.approx(d["high"], rel=1e-9))


def test_delong_on_random_ties_against_the_kernel_form():
    for _ in range(20):
        n = int(RNG.integers(6, 40))
        s, y = RNG.integers(0, 5, n) / 4.0, np.r_[0, 0, 1, 1, RNG.integers(0, 2, n - 4)]
        auc, var, _, _ = kernel_delong(s, y)
        got = delong(ranks_of(s, y == 1))
        assert got == (pytest.approx(auc, rel=1e-12), pytest.approx(var, rel=1e-10, abs=1e-18))


def test_paired_delong_golden():
    """The golden script's kernel-form paired test: delta, its variance and the p-value."""
    g = GOLDEN["paired"]
    base, cand, y = (np.asarray(g[k], dtype=np.float64) for k in ("base", "cand", "target"))
    delta, var = paired_delong([base, y], [cand, y], None, {})
    assert delta == pytest.approx(g["delta"], rel=1e-12) and var == pytest.approx(g["var"], rel=1e-10)
    assert normal_p_value(delta, var) == pytest.approx(g["p_value"], rel=1e-9)


def test_paired_delong_against_the_kernel_form():
    """Var(AUC_b - AUC_a) = var(V10_b - V10_a)/m + var(V01_b - V01_a)/n (kernel placements)."""
    s1 = RNG.integers(0, 6, 30) / 5.0
    s2 = s1 + RNG.normal(0, 0.3, 30)
    y = np.r_[0, 1, RNG.integers(0, 2, 28)]
    a1, _, v10a, v01a = kernel_delong(s1, y)
    a2, _, v10b, v01b = kernel_delong(s2, y)
    want = np.var(v10b - v10a, ddof=1) / (y == 1).sum() + np.var(v01b - v01a, ddof=1) / (y == 0).sum()
    assert paired_delong([s1, y], [s2, y], None, {}) == (pytest.approx(a2 - a1, rel=1e-12), pytest.approx(want, rel=1e-10))
    assert paired_delong([s1, y], [s1, y], None, {}) == (0.0, 0.0) and normal_p_value(0.0, 0.0) == 1.0


def test_hand_computed_values():
    # positives 0.35, 0.8; negatives 0.1, 0.4: pairs won 0.35>0.1, 0.8>0.1, 0.8>0.4 -> 3/4.
    # AP, scores descending: 0.8 (+) P=1 R=1/2; 0.4 (-); 0.35 (+) P=2/3 R=1 -> 1/2 + 1/2 * 2/3 = 5/6.
    p, y = np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])
    assert roc_auc(p, y) == 0.75 and average_precision(p, y) == pytest.approx(5 / 6, rel=1e-15)
    # a tie across the classes counts one half: positives 0.5, 0.9; negatives 0.5, 0.1 -> (0.5 + 1 + 1 + 1)/4
    assert roc_auc(np.array([0.5, 0.9, 0.5, 0.1]), np.array([1, 1, 0, 0])) == 0.875
    # tied at the top, both enter together: AP = 1/2 (R 0->1/2 at P=1/2) + ... scores 0.9(+), 0.9(-), 0.1(+)
    # threshold 0.9: TP 1 FP 1 P=1/2 R=1/2; threshold 0.1: TP 2 FP 1 P=2/3 R=1 -> 1/4 + 1/3
    assert average_precision(np.array([0.9, 0.9, 0.1]), np.array([1, 0, 1])) == pytest.approx(0.25 + 1 / 3, rel=1e-15)


def test_weights_are_frequencies_and_zero_weights_leave_no_trace():
    """Weight 2 is the row twice; a row of weight 0 is no row (its score leaves the state)."""
    p, y = np.array([0.2, 0.6, 0.4, 0.9, 0.3]), np.array([0, 1, 0, 1, 1])
    w = np.array([2.0, 1.0, 0.0, 3.0, 1.0])
    rep = np.repeat(np.arange(5), w.astype(int))
    for stat in (AUC_STAT, AP_STAT):
        assert stat.of([p, y], {}, w) == pytest.approx(stat.of([p[rep], y[rep]], {}), rel=1e-15)
    assert 0.4 not in AUC_STAT.fold([p, y], w, {}).classes[0].scores


def test_one_vs_rest_is_the_mean_of_binary_aucs():
    """(N, C) probabilities: the mean over classes of the binary AUC of column c against y == c."""
    y = np.r_[0, 1, 2, RNG.integers(0, 3, 27)]
    p = RNG.dirichlet([1.0, 1.0, 1.0], 30)
    want = np.mean([roc_auc(p[:, c], (y == c).astype(int)) for c in range(3)])
    assert roc_auc(p, y) == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize(
    "pred, target, error, message",
    [
        ([0.1, 0.2, 0.3], [0, 0, 0], InputError, "ROC AUC is undefined: the rows (of non-zero weight) are all negative (0); it needs positive and negative rows"),
        ([0.1, 0.2], [1, 1], InputError, "ROC AUC is undefined: the rows (of non-zero weight) are all positive (1)"),
        ([[0.5, 0.5, 0.0], [0.2, 0.8, 0.0]], [0, 1], InputError, "ROC AUC is undefined: for class 2 (one-vs-rest) no row (of non-zero weight) has label 2"),
        ([[0.5, 0.6], [0.2, 0.8]], [0, 1], ValueDomainError, "pred rows must be class probabilities summing to 1"),
        ([0.1, 0.2], [0, 2], ValueDomainError, "target must be 0/1 labels (for other labels pass --pos-label V"),
        ([[0.5, 0.5], [0.2, 0.8]], [0, 2], ValueDomainError, "target must be class labels in [0, 2)"),
        ([[0.5], [0.2]], [0, 1], ShapeError, "pred must be binary scores (N,) or class probabilities (N, C) with C >= 2"),
        ([0.1, 0.2], [[0], [1]], ShapeError, "target must have shape (2,)"),
    ],
)
def test_roc_auc_refusals(pred, target, error, message):
    with pytest.raises(error) as e:
        roc_auc(np.asarray(pred), np.asarray(target))
    assert str(e.value).startswith(message)


def test_average_precision_refusals_and_no_positives():
    with pytest.raises(ShapeError, match=r"average_precision takes binary scores of shape \(N,\)"):
        average_precision(np.full((2, 2), 0.5), np.array([0, 1]))
    assert average_precision(np.array([0.3, 0.1]), np.array([0, 0])) == 0.0  # scikit-learn's 0 (it warns)


def test_analytic_interval_refusals_and_small_counts():
    p = RNG.dirichlet([1.0, 1.0], 6)
    with pytest.raises(UsageError, match="DeLong.*is for binary roc_auc"):
        auc_interval(fold_auc([p, np.array([0, 1, 0, 1, 0, 1])], None, {}), {}, 0.95)
    one_positive = fold_auc([np.array([0.1, 0.5, 0.3]), np.array([0, 1, 0])], None, {})
    assert auc_interval(one_positive, {}, 0.95) == (None, None)  # DeLong's variance needs two of each
    assert AP_STAT.interval is None


def test_state_round_trips_and_loading_checks_it():
    p, y, w = np.array([0.3, 0.1, 0.3, 0.7]), np.array([1, 0, 0, 1]), np.array([1.0, 0.5, 2.0, 1.5])
    for weights in (None, w):
        state = AUC_STAT.fold([p, y], weights, {})
        again = load_state(json.loads(json.dumps(state.to_state())))
        assert again.to_state() == state.to_state() and AUC_STAT.value(again, {}) == AUC_STAT.value(state, {})
    good = AUC_STAT.fold([p, y], None, {}).to_state()
    bad = [
        {"multiclass": False, "classes": []},
        {"multiclass": False, "classes": [good["classes"][0]] * 2},
        {"multiclass": False, "classes": [{**good["classes"][0], "scores": [0.3, 0.1, 0.7]}]},
        {"multiclass": False, "classes": [{**good["classes"][0], "pos": [1, -1, 1]}]},
        {"multiclass": False, "classes": [{**good["classes"][0], "neg": [1, 1]}]},
        {"multiclass": False, "classes": [{**good["classes"][0], "neg": ["1", 1, 0]}]},
        {"multiclass": False, "classes": [{**good["classes"][0], "pos2": [1, 1, 1]}]},
    ]
    for d in bad:
        with pytest.raises(InputError, match="rank metric state"):
            load_state(d)


def test_merging_binary_and_class_states_is_refused():
    binary = fold_auc([np.array([0.1, 0.9]), np.array([0, 1])], None, {})
    classes = fold_auc([np.array([[0.4, 0.6], [0.7, 0.3]]), np.array([1, 0])], None, {})
    with pytest.raises(InputError, match="Cannot merge rank states of binary and 2-class scores"):
        binary.merge(classes)


def test_registry_entries():
    for name, alias in (("roc_auc", "roc_auc_score"), ("average_precision", "average_precision_score")):
        spec = get_loss(alias)
        assert spec.name == name and spec.family == "classification_metrics" and spec.direction == "higher"
        assert spec.statistic.kind == "ranks" and not spec.per_sample_values
    assert get_loss("roc_auc").statistic.interval is not None


def test_compare_analytic_is_for_metrics_with_a_paired_test(cli, files):
    """--ci analytic in compare is DeLong's paired test: a loss without one is refused before any
    file is read (the files named here do not exist)."""
    fails(cli("compare", "-t", "y.npy", "a.npy", "b.npy", "-l", "roc_auc", "-l", "mse", "--ci", "analytic"), 2,
          "compare --ci analytic is DeLong's paired test, which roc_auc has and mse has not: compare it with --ci bootstrap "
          "(the default), or separately.")  # fmt: skip


# ---------------------------------------------------------------------------- through the CLI


def reference_ap(scores, target, weights):
    """Average precision from its definition: at each distinct score, highest first, the
    recall gained times the precision there (a loop, not the state's cumulative sums)."""
    total, out = weights[target == 1].sum(), 0.0
    for s in sorted(set(scores.tolist()), reverse=True):
        at, above = scores == s, scores >= s
        gained = weights[at & (target == 1)].sum() / total
        out += gained * weights[above & (target == 1)].sum() / weights[above].sum()
    return out


@pytest.fixture
def table(files):
    """300 rows: 2-decimal scores (ties), 0/1 labels, weights, a group column of two groups."""
    rng = np.random.default_rng(5)
    y = np.r_[0, 1, 0, 1, rng.integers(0, 2, 296)]
    p = np.round(rng.uniform(size=300) * 0.7 + 0.3 * y, 2)
    w = np.round(rng.uniform(0.2, 2.0, size=300), 3)
    g = np.array(["a", "b"] * 150)
    files.csv("t.csv", ["p", "y", "w", "g"], *zip(p.tolist(), y.tolist(), w.tolist(), g.tolist()))
    files.csv("t0.csv", ["p", "y", "w", "g"], *zip(p[:120].tolist(), y[:120].tolist(), w[:120].tolist(), g[:120].tolist()))
    files.csv("t1.csv", ["p", "y", "w", "g"], *zip(p[120:].tolist(), y[120:].tolist(), w[120:].tolist(), g[120:].tolist()))
    return p, y, w, g


COLS = ("-p", "p", "-y", "y", "-l", "roc_auc", "-l", "average_precision", "-f", "json", "--no-hash")


def _values(result):
    return [(e["label"], e["value"]) for e in json.loads(ok(result))["losses"]]


def test_cli_values_chunks_and_merged_shards_agree(cli, table):
    """Whole, in 7-row chunks and as two merged shards: the same values (counts per distinct
    score merge exactly), which are the kernel AUC and the loop AP of the rows."""
    p, y, _, _ = table
    want = [("roc_auc", pytest.approx(kernel_delong(p, y)[0], rel=1e-12)), ("average_precision", pytest.approx(reference_ap(p, y, np.ones(300)), rel=1e-12))]
    assert _values(cli("eval", "t.csv", *COLS)) == want
    assert _values(cli("eval", "t.csv", *COLS, "--chunk-rows", "7")) == want
    ok(cli("eval", "t0.csv", *COLS, "--emit-state", "s0.json", "-o", "r0.json"))
    ok(cli("eval", "t1.csv", *COLS, "--emit-state", "s1.json", "-o", "r1.json"))
    assert _values(cli("merge", "s1.json", "s0.json", "-f", "json")) == want


def test_cli_weights_groups_and_bootstrap_merge_exactly(cli, table):
    """Weighted values per group (the loop AP, the kernel AUC with weights as frequencies via
    the state-free formula), and the bootstrap CI of merged shards is the single run's."""
    p, y, w, g = table
    extra = ("-w", "w", "-g", "g", "--ci", "bootstrap", "--n-boot", "40")
    one = json.loads(ok(cli("eval", "t.csv", *COLS, *extra)))
    ok(cli("eval", "t0.csv", *COLS, *extra, "--emit-state", "s0.json", "-o", "r0.json"))
    ok(cli("eval", "t1.csv", *COLS, *extra, "--row-offset", "120", "--emit-state", "s1.json", "-o", "r1.json"))
    merged = json.loads(ok(cli("merge", "s0.json", "s1.json", "-f", "json")))
    for a, b in zip(one["losses"], merged["losses"]):
        assert a["value"] == pytest.approx(b["value"], rel=1e-12)
        assert (a["ci"]["low"], a["ci"]["high"]) == (pytest.approx(b["ci"]["low"], rel=1e-12), pytest.approx(b["ci"]["high"], rel=1e-12))
        assert a["per_sample"] is False and a["ci"]["low"] < a["value"] < a["ci"]["high"]
    x = one["groups"][0]
    m = g == x["key"]["g"]
    pos, neg = (y == 1) & m, (y == 0) & m
    wins = (p[pos][:, None] > p[neg][None, :]) + 0.5 * (p[pos][:, None] == p[neg][None, :])
    auc = w[pos] @ wins @ w[neg] / (w[pos].sum() * w[neg].sum())
    assert [e["value"] for e in x["losses"]] == [pytest.approx(auc, rel=1e-12), pytest.approx(reference_ap(p[m], y[m], w[m]), rel=1e-12)]


def test_cli_delong_interval(cli, table):
    """--ci analytic: DeLong's interval (kernel form, normal quantile of 0.975); none for AP."""
    p, y, _, _ = table
    auc, var, _, _ = kernel_delong(p, y)
    z = 1.959963984540054  # Φ⁻¹(0.975)
    entry = json.loads(ok(cli("eval", "t.csv", "-p", "p", "-y", "y", "-l", "roc_auc", "--ci", "analytic", "-f", "json")))["losses"][0]
    assert (entry["ci"]["low"], entry["ci"]["high"]) == (pytest.approx(auc - z * var**0.5, rel=1e-9), pytest.approx(auc + z * var**0.5, rel=1e-9))
    result = cli("eval", "t.csv", "-p", "p", "-y", "y", "-l", "average_precision", "--ci", "analytic")
    assert result.exit_code == 2 and "use --ci bootstrap" in result.stderr and result.stdout == ""


def test_cli_one_class_is_one_error_line(cli, files):
    files.csv("one.csv", ["p", "y"], (0.2, 0), (0.7, 0), (0.4, 0))
    fails(cli("eval", "one.csv", "-p", "p", "-y", "y", "-l", "roc_auc"), 3,
          "ROC AUC is undefined: the rows (of non-zero weight) are all negative (0); it needs positive and negative rows "
          "(scikit-learn gives nan). Evaluate rows of both classes (in a --group-by group it is null, with a warning).")  # fmt: skip


def test_cli_compare_paired_delong(cli, files):
    """compare --ci analytic: the golden kernel-form paired test (delta, p) and each system's
    DeLong interval; the delta's CI is delta ± z·√var."""
    g = GOLDEN["paired"]
    for name in ("base", "cand", "target"):
        files.npy(f"{name}.npy", np.asarray(g[name], dtype=np.float64 if name != "target" else np.int64))
    report = json.loads(ok(cli("compare", "-t", "target.npy", "base.npy", "cand.npy", "-l", "roc_auc", "--ci", "analytic", "-f", "json")))
    assert report["config"]["ci"] == "analytic" and report["config"]["test"].startswith("paired DeLong")
    base, cand = report["losses"][0]["systems"]
    assert cand["delta"] == pytest.approx(g["delta"], rel=1e-12) and cand["p_value"] == pytest.approx(g["p_value"], rel=1e-9)
    half = 1.959963984540054 * g["var"] ** 0.5
    assert (cand["delta_ci"]["low"], cand["delta_ci"]["high"]) == (pytest.approx(g["delta"] - half, rel=1e-9), pytest.approx(g["delta"] + half, rel=1e-9))
    auc, var, _, _ = kernel_delong(np.asarray(g["base"]), np.asarray(g["target"]))
    assert base["ci"]["low"] == pytest.approx(auc - 1.959963984540054 * var**0.5, rel=1e-9)


def test_cli_dask_agrees_with_local(cli, table):
    """--engine dask (partitions of 50 rows folded on a worker, states merged): the local values."""
    import distributed

    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster:
        dask = _values(cli("eval", "t.csv", *COLS, "--engine", "dask", "--scheduler", cluster.scheduler_address, "--chunk-rows", "50"))
    assert dask == _values(cli("eval", "t.csv", *COLS))


def test_cli_compare_bootstrap_ranks_by_auc_without_win_tie_loss(cli, files):
    """compare (paired bootstrap) on roc_auc: delta = the values' difference, higher ranks first,
    no win/tie/loss (a metric has no per-sample values)."""
    g = GOLDEN["paired"]
    for name in ("base", "cand", "target"):
        files.npy(f"{name}.npy", np.asarray(g[name], dtype=np.float64 if name != "target" else np.int64))
    report = json.loads(ok(cli("compare", "-t", "target.npy", "base.npy", "cand.npy", "-l", "roc_auc", "--n-boot", "200", "-f", "json")))
    base, cand = report["losses"][0]["systems"]
    want_base, want_cand = kernel_delong(np.asarray(g["base"]), np.asarray(g["target"]))[0], kernel_delong(np.asarray(g["cand"]), np.asarray(g["target"]))[0]
    assert (base["value"], cand["value"]) == (pytest.approx(want_base, rel=1e-12), pytest.approx(want_cand, rel=1e-12))
    assert cand["delta"] == pytest.approx(want_cand - want_base, rel=1e-12) and cand["wtl"] is None
    assert (base["rank"], cand["rank"]) == ((1, 2) if want_base > want_cand else (2, 1))
    assert 0 < cand["p_value"] <= 1 and cand["delta_ci"]["low"] < cand["delta"] < cand["delta_ci"]["high"]


def test_cli_weighted_delong_of_merged_shards_is_the_single_run(cli, table):
    """-w with --ci analytic: the state keeps the squared weights per score, so the DeLong
    interval of two merged shards is the single run's (and within [0, 1] around the value)."""
    cols = ("-p", "p", "-y", "y", "-w", "w", "-l", "roc_auc", "--ci", "analytic", "-f", "json", "--no-hash")
    one = json.loads(ok(cli("eval", "t.csv", *cols)))["losses"][0]
    ok(cli("eval", "t0.csv", *cols, "--emit-state", "s0.json", "-o", "r0.json"))
    ok(cli("eval", "t1.csv", *cols, "--emit-state", "s1.json", "-o", "r1.json"))
    merged = json.loads(ok(cli("merge", "s1.json", "s0.json", "-f", "json")))["losses"][0]
    assert [merged["value"], merged["ci"]["low"], merged["ci"]["high"]] == pytest.approx([one["value"], one["ci"]["low"], one["ci"]["high"]], rel=1e-12)
    assert 0 <= one["ci"]["low"] < one["value"] < one["ci"]["high"] <= 1


def test_nan_rows_make_the_value_nan_and_merge_as_counts():
    """A NaN/inf score or a NaN label (kept by --nan-policy propagate) gives nan, as a loss's
    mean would; the other rows are folded, label checks keep their row numbers."""
    p, y = np.array([0.7, 0.2, np.nan, 0.9]), np.array([1.0, 0.0, 0.0, 1.0])
    for stat in (AUC_STAT, AP_STAT):
        state = stat.fold([p, y], None, {})
        assert state.nonfinite == 1 and np.isnan(stat.value(state, {}))
        assert load_state(json.loads(json.dumps(state.to_state()))).nonfinite == 1
        clean = stat.fold([p[[0, 1, 3]], y[[0, 1, 3]]], None, {})
        assert clean.merge(state).nonfinite == 1 and state.classes[0].to_state() == clean.classes[0].to_state()
    assert np.isnan(roc_auc(np.array([0.7, 0.2, 0.4, 0.9]), np.array([1.0, 0.0, np.nan, 1.0])))
    assert auc_interval(AUC_STAT.fold([p, y], None, {}), {}, 0.95) == (pytest.approx(np.nan, nan_ok=True),) * 2
    with pytest.raises(ValueDomainError) as e:  # row 3 (1-based) is the bad label, whatever the NaN before it
        roc_auc(np.array([np.nan, 0.2, 0.4]), np.array([1.0, 0.0, 2.0]))
    assert str(e.value) == "target must be 0/1 labels (for other labels pass --pos-label V: V is 1, any other label 0), got 2 at row 3"


def test_cli_nan_policies(cli, files):
    """omit drops the NaN row (the value of the others), propagate gives nan, error refuses it."""
    files.csv("nan.csv", ["p", "y"], (0.7, 1), (0.2, 0), ("nan", 0), (0.1, 1))
    args = ("eval", "nan.csv", "-p", "p", "-y", "y", "-l", "roc_auc", "-f", "json", "--no-hash")
    # kept rows: positives 0.7, 0.1; negative 0.2 -> (1 + 0) / 2
    assert json.loads(ok(cli(*args, "--nan-policy", "omit")))["losses"][0]["value"] == 0.5
    assert json.loads(ok(cli(*args, "--nan-policy", "propagate")))["losses"][0]["value"] == "nan"
    assert cli(*args).exit_code == 3


def test_cli_a_group_of_one_class_is_null_with_a_warning(cli, files):
    """Group a holds both classes (AUC 1: its positive 0.9 and 0.7 outrank its negative 0.2,
    hand-checked); group b only positives: its AUC is undefined, null with a warning line, and
    the other group and the whole input keep their values."""
    files.csv("g.csv", ["p", "y", "g"], (0.9, 1, "a"), (0.2, 0, "a"), (0.7, 1, "a"), (0.6, 1, "b"), (0.8, 1, "b"))
    result = cli("eval", "g.csv", "-p", "p", "-y", "y", "-g", "g", "-l", "roc_auc", "-f", "json")
    report = json.loads(ok(result) if result.stderr == "" else result.stdout)
    assert result.exit_code == 0
    assert [(g["key"]["g"], g["losses"][0]["value"]) for g in report["groups"]] == [("a", 1.0), ("b", None)]
    assert report["losses"][0]["value"] == 1.0  # every positive above the one negative
    warning = ("roc_auc is null in group 'b': ROC AUC is undefined: the rows (of non-zero weight) are all positive (1); it needs "
               "positive and negative rows (scikit-learn gives nan). Evaluate rows of both classes (in a --group-by group it is null, with a warning).")  # fmt: skip
    assert report["warnings"] == [warning] and result.stderr == f"Warning: {warning}\n"


def test_cli_a_shard_of_one_class_still_writes_its_state(cli, files):
    """Shard 0 holds only negatives: its own AUC is undefined (null, a warning), but its state is
    written, and the merge of both shards is the AUC of all rows: positives 0.8, 0.6 against
    negatives 0.2, 0.7: pairs won 1 + 1 + 1 + 0 = 3 of 4 (hand-counted)."""
    files.csv("a.csv", ["p", "y"], (0.2, 0), (0.7, 0))
    files.csv("b.csv", ["p", "y"], (0.8, 1), (0.6, 1))
    first = cli("eval", "a.csv", "-p", "p", "-y", "y", "-l", "roc_auc", "--emit-state", "a.json", "-f", "json")
    assert first.exit_code == 0 and json.loads(first.stdout)["losses"][0]["value"] is None
    assert first.stderr.startswith("Warning: roc_auc is null in this shard (the merged shards may define it): ROC AUC is undefined")
    second = cli("eval", "b.csv", "-p", "p", "-y", "y", "-l", "roc_auc", "--row-offset", "2", "--emit-state", "b.json", "-f", "json")
    assert second.exit_code == 0 and "all positive" in second.stderr  # the other shard: only positives
    merged = json.loads(ok(cli("merge", "a.json", "b.json", "-f", "json")))
    assert merged["losses"][0]["value"] == 0.75


def test_cli_a_gate_on_an_undefined_value_cannot_be_decided(cli, files):
    """A shard of one class: its AUC is null, so a gate on it is exit 3 (never a pass), and no
    state file is left behind (outputs are all-or-nothing)."""
    files.csv("a.csv", ["p", "y"], (0.2, 0), (0.7, 0))
    result = cli("eval", "a.csv", "-p", "p", "-y", "y", "-l", "roc_auc", "--emit-state", "a.json", "--fail-if", "roc_auc>=0.9", "-f", "json")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.splitlines()[-1] == "Error: --fail-if 'roc_auc>=0.9': roc_auc is undefined on these rows (see the warning), so the gate cannot be decided."
    assert files.listing() == ["a.csv"]
