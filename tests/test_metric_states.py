"""``losscli merge`` checks the states of metrics without per-sample values (``f1``, ``ece``,
``roc_auc``, ``mrr``...) read from ``--emit-state`` files: each metric's ``load`` refuses fields
``to_state`` would not write (unknown keys, labels that are not strictly increasing integers,
counts of the wrong shape, not finite, negative or inconsistent), and without sample weights a
state must count exactly the rows kept (overall) or the group's rows. Every tampered state is
exit 3 naming the field, never exit 4 and never a value outside the metric's range.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import fails, ok

METRICS = ("-l", "f1", "-l", "mcc", "-l", "ece", "-l", "confusion", "-l", "roc_auc")


@pytest.fixture
def state(cli, files) -> dict:
    """The state of 12 rows in 2 groups (a: 5 rows, b: 7 rows), written by ``eval --emit-state``."""
    rng = np.random.default_rng(3)
    p, y = rng.random(12).round(3), np.array([0, 1] * 6)
    g = ["a"] * 5 + ["b"] * 7
    files.csv("d.csv", ["prob", "label", "grp"], *zip(p.tolist(), y.tolist(), g))
    ok(cli("eval", "d.csv", "-p", "prob", "-y", "label", *METRICS, "-g", "grp", "--emit-state", "s.json", "-f", "json"))
    return json.loads((files.root / "s.json").read_text())


def _merge(cli, files, state: dict, edit):
    bad = json.loads(json.dumps(state))
    edit(bad)
    files.text("t.json", json.dumps(bad))
    return cli("merge", "t.json", "-f", "json")


def _values(report: dict) -> dict:
    return {x["label"]: x["value"] for x in report["losses"]}


def ov(s: dict) -> dict:
    return s["metrics"]["overall"]


def grp(s: dict, i: int) -> dict:
    return s["metrics"]["groups"][i]["states"]


# the reviewer's edits of a state (each gave an impossible value with exit 0, or exit 4)
TAMPERED = [
    (lambda s: ov(s)["f1"]["sums"][1].__setitem__(1, 1.0), "'metrics.overall.f1.sums' counts more true positives than true or predicted rows of their class."),  # f1 > 1
    (lambda s: ov(s)["f1"]["sums"][0].__setitem__(1, -5.0), "'metrics.overall.f1.sums' has a negative count (-5)."),
    (lambda s: ov(s)["f1"]["sums"][0].__setitem__(1, float("nan")), "'metrics.overall.f1.sums' must hold finite numbers."),
    (lambda s: ov(s)["mcc"]["sums"][0].__setitem__(0, -3.0), "'metrics.overall.mcc.sums' has a negative count (-3)."),
    (lambda s: ov(s)["ece"]["sums"][2].__setitem__(0, 1e6), "'metrics.overall.ece.sums' counts more confidence than the weight of its bin."),  # ece > 1
    (lambda s: ov(s)["confusion"]["sums"][0].__setitem__(0, -2.0), "'metrics.overall.confusion.sums' has a negative count (-2)."),
    (lambda s: ov(s)["confusion"]["sums"][0].__setitem__(0, float("nan")), "'metrics.overall.confusion.sums' must hold finite numbers."),  # was exit 4 with -f json
    (lambda s: ov(s)["f1"].update(labels=[0, 2**70]), "'metrics.overall.f1.labels' must be an integer within ±2**62, got 1180591620717411303424."),  # was exit 4
    (lambda s: ov(s)["f1"].update(labels=[1, 0]), "'metrics.overall.f1.labels' must be strictly increasing."),
    (lambda s: ov(s)["f1"].update(labels=[1, 1]), "'metrics.overall.f1.labels' must be strictly increasing."),
    (lambda s: ov(s)["f1"].update(columns=-3), "'metrics.overall.f1.columns' must be an integer >= 0, got -3."),
    (lambda s: ov(s)["f1"].update(columns=2.7), "'metrics.overall.f1.columns' must be an integer >= 0, got 2.7."),
    (lambda s: ov(s)["f1"].update(columns=1), "'metrics.overall.f1.columns' is 1: score columns are 0 or at least 2, one per label 0..C-1, labels 0, 1."),
    (lambda s: ov(s)["f1"].update(junk=1), "'metrics.overall.f1.junk' is not a field of this metric's state."),
    (lambda s: ov(s)["ece"].update(bins="15"), "'metrics.overall.ece.bins' must be an integer in [1, 100000], got '15'."),
    (lambda s: ov(s)["roc_auc"].update(junk=1), "'metrics.overall.roc_auc.junk' is not a field of this metric's state."),
    (lambda s: ov(s)["roc_auc"]["classes"][0]["pos"].__setitem__(-1, 1e300), "'metrics.overall.roc_auc' counts 1e+300 rows, but 12 were kept."),  # auc 1.0
    (lambda s: ov(s)["roc_auc"].update(multiclass=True), "'metrics.overall.roc_auc.classes' of a multiclass state hold one entry per class, at least 2."),
    (lambda s: ov(s)["confusion"]["sums"][0].__setitem__(0, ov(s)["confusion"]["sums"][0][0] + 0.5), "'metrics.overall.confusion' counts 12.5 rows, but 12 were kept."),
    (lambda s: s["metrics"].update(junk=1), "'metrics.junk' is not a part of a metrics state (overall, groups, boot)."),
    # groups: every metric's state in every group of the analysis, counting the group's rows
    (lambda s: grp(s, 0).pop("f1"), "'metrics.groups[0].states.f1' is missing."),  # was a blank value
    (lambda s: grp(s, 1)["f1"].update(sums=[[100.0, 100.0]] * 3), "'metrics.groups[1].f1' counts 200 rows, but 7 were kept."),  # f1 = 1
    (lambda s: s["metrics"]["groups"].pop(), "'metrics.groups' have no states for the group ['b'] of 'analysis.groups'."),
    (lambda s: s["metrics"]["groups"][0].update(key=["z"]), "'metrics.groups[0].key' must be the key of a group of 'analysis.groups'."),
    (lambda s: s["metrics"]["groups"].append(s["metrics"]["groups"][0]), "'metrics.groups[2].key' is given twice."),
]


@pytest.mark.parametrize(("edit", "message"), TAMPERED)
def test_tampered_metric_states_are_exit_3_naming_the_field(cli, files, state, edit, message):
    fails(_merge(cli, files, state, edit), 3, f"t.json is not a valid losscli state: {message}")


def test_an_untampered_copy_merges_to_the_numbers_of_the_evaluation(cli, files, state):
    one = json.loads(ok(cli("eval", "d.csv", "-p", "prob", "-y", "label", *METRICS, "-g", "grp", "-f", "json")))
    merged = json.loads(ok(_merge(cli, files, state, lambda s: None)))
    assert _values(merged) == _values(one)


@pytest.fixture
def ranking_state(cli, files) -> dict:
    """``mrr`` of 2 queries (6 rows), written by ``eval --emit-state``."""
    files.csv("q.csv", ["query", "score", "relevance"], *[("a", 0.9, 0), ("a", 0.8, 1), ("a", 0.1, 1), ("b", 0.7, 1), ("b", 0.2, 0), ("b", 0.3, 0)])
    ok(cli("eval", "q.csv", "-p", "score", "-y", "relevance", "--query-col", "query", "-l", "mrr", "--emit-state", "r.json", "-f", "json"))
    return json.loads((files.root / "r.json").read_text())


def test_a_ranking_state_outside_a_replicate_carries_no_weights(cli, files, ranking_state):
    # weights 0 for query a (reciprocal rank 1/2) would leave b alone: mrr 0.75 -> 1.0
    edit = lambda s: ov(s)["mrr"].update(weight=[0.0, 0.0, 0.0, 1.0, 0.0, 0.0])  # noqa: E731
    fails(_merge(cli, files, ranking_state, edit), 3, "t.json is not a valid losscli state: 'metrics.overall.mrr' carries a bootstrap replicate's weights outside 'metrics.boot'.")
    fails(_merge(cli, files, ranking_state, lambda s: s.update(rows=1)), 3, "t.json is not a valid losscli state: 'metrics.overall.mrr' counts 6 rows, but 1 were kept.")
    # untampered: query a's first relevant document at rank 2, b's at rank 1: (1/2 + 1) / 2
    assert _values(json.loads(ok(_merge(cli, files, ranking_state, lambda s: None)))) == {"mrr": 0.75}


@pytest.fixture
def regression_state(cli, files) -> dict:
    """``r2``, ``median_ae`` and ``max_error`` of 5 rows, written by ``eval --emit-state``."""
    files.csv("r.csv", ["p", "y"], *[(1.0, 1.5), (2.0, 1.0), (3.0, 3.5), (4.0, 3.0), (5.0, 6.0)])
    ok(cli("eval", "r.csv", "-p", "p", "-y", "y", "-l", "r2", "-l", "median_ae", "-l", "max_error", "--emit-state", "r.json", "-f", "json"))
    return json.loads((files.root / "r.json").read_text())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: ov(s)["r2"]["d"][0].update(m2=-30.0), "'metrics.overall.r2.d[0]' has a negative 'm2' or 'min' above 'max'."),  # r2 > 1
        (lambda s: ov(s)["r2"]["y"][0]["sums"].__setitem__(0, 50.0), "'metrics.overall.r2.d' count other rows (n, weight sum) than 'y'."),
        (lambda s: [ov(s)["r2"][k][0]["sums"].__setitem__(0, 50.0) for k in ("y", "d")], "'metrics.overall.r2' counts 50 rows, but 5 were kept."),
        (lambda s: ov(s)["r2"]["y"][0].update(junk=1), "'metrics.overall.r2.y[0].junk' is not a field of this metric's state."),
        (lambda s: ov(s)["median_ae"]["columns"][0].update(weights=[2.0, 300.0]), "'metrics.overall.median_ae' counts 302 rows, but 5 were kept."),
        (lambda s: ov(s)["max_error"].update(n=-1), "'metrics.overall.max_error.n' must be an integer >= 0, got -1."),
    ],
)
def test_tampered_regression_states_are_exit_3_naming_the_field(cli, files, regression_state, edit, message):
    fails(_merge(cli, files, regression_state, edit), 3, f"t.json is not a valid losscli state: {message}")


def test_an_untampered_regression_state_merges_to_the_same_numbers(cli, files, regression_state):
    # residuals y - p: .5, -1, .5, -1, 1; r2 = 1 - 3.5 / 15.5 (Σ (y - ȳ)² with ȳ = 3);
    # median |residual| of .5, .5, 1, 1, 1 is 1; max |residual| 1
    assert _values(json.loads(ok(_merge(cli, files, regression_state, lambda s: None)))) == {"r2": 1 - 3.5 / 15.5, "median_ae": 1.0, "max_error": 1.0}

