"""Classification metrics: scikit-learn's values on whole arrays, the confusion counts' exact merge
in any chunking, how predictions are read (and refused), and the edge cases.

scikit-learn's values (1.9.1) are in tests/golden/golden_metrics_classification.json (made by
tests/golden/golden_metrics_classification.py); tests/test_golden.py runs them through the CLI.
The numbers here are worked out by hand in the comments.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from conftest import fails, ok
from losscli.errors import InputError, ShapeError, ValueDomainError
from losscli.losses import classification_metrics as cm
from losscli.losses import list_losses, parse_spec

GOLDEN = json.loads((pathlib.Path(__file__).parents[1] / "golden" / "golden_metrics_classification.json").read_text())


def bound(spec: str):
    (b,) = parse_spec(spec)
    return b


def whole(spec: str, pred, target, weights=None):
    """``(value, details)`` of a statistic metric on whole arrays: one fold."""
    b = bound(spec)
    st = b.spec.statistic
    state = st.fold([np.asarray(pred), np.asarray(target)], None if weights is None else np.asarray(weights, dtype=float), b.params)
    return st.value(state, b.params), (st.details(state, b.params) if st.details else None)


# ---------------------------------------------------------------------------- scikit-learn's values


def _golden_value(case):
    b = bound(case["spec"])
    arrays = [np.asarray(case["inputs"][r.name]) for r in b.spec.roles]
    w = None if case["weights"] is None else np.asarray(case["weights"])
    if b.spec.statistic is None:
        per_sample = b(*arrays)
        np.testing.assert_allclose(per_sample, case["per_sample"], rtol=1e-12, atol=0)
        return float(np.average(per_sample, weights=w)), None
    return whole(case["spec"], *arrays, weights=w)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["id"] for c in GOLDEN["cases"]])
def test_whole_arrays_give_scikit_learns_values(case):
    """Each golden case on whole arrays (the Python API path: one fold, then the value)."""
    value, details = _golden_value(case)
    if case["value"] is None:
        assert value is None
    else:
        assert value == pytest.approx(case["value"], rel=1e-12, abs=1e-15)
    if "details" in case:
        assert details == case["details"]


def test_every_metric_of_the_family_has_golden_cases():
    covered = {bound(c["spec"]).spec.name for c in GOLDEN["cases"]}
    assert covered == {s.name for s in list_losses(family="classification_metrics") if s.fn.__module__ == cm.__name__}


# ---------------------------------------------------------------------------- exact merge


def _chunked_data():
    """Three chunks whose largest label differs (the state grows its classes as they come), with
    sample weights, zeros among them."""
    rng = np.random.default_rng(7)
    y = np.concatenate([rng.integers(0, 2, 30), rng.integers(0, 4, 40), rng.integers(1, 6, 30)])
    p = np.where(rng.uniform(size=100) < 0.6, y, rng.integers(0, 6, 100))
    p[:30] = np.minimum(p[:30], 1)
    w = np.round(rng.uniform(0, 2, 100), 2)
    w[::9] = 0.0
    return p, y, w


CHUNK_SPECS = [
    "precision:average=macro", "recall:average=weighted", "f1:average=micro", "fbeta:average=macro,zero_division=1",
    "balanced_accuracy", "mcc", "cohen_kappa", "cohen_kappa:weights=quadratic", "confusion",
]  # fmt: skip


@pytest.mark.parametrize("spec", CHUNK_SPECS)
@pytest.mark.parametrize("weighted", [False, True])
def test_states_of_chunks_merge_to_the_whole_arrays_state(spec, weighted):
    """Chunks folded apart, merged in either order, and through their JSON state (shards), give
    the value and matrix of one fold of all rows."""
    p, y, w = _chunked_data()
    w = w if weighted else None
    b = bound(spec)
    st = b.spec.statistic
    parts = [st.fold([p[s], y[s]], None if w is None else w[s], b.params) for s in (slice(0, 30), slice(30, 70), slice(70, 100))]
    forward = parts[0].merge(parts[1]).merge(parts[2])
    backward = parts[2].merge(parts[1].merge(parts[0]))
    shards = st.load(json.loads(json.dumps(forward.to_state())))
    expected, details = whole(spec, p, y, w)
    for state in (forward, backward, shards):
        if expected is None:
            assert st.value(state, b.params) is None
        else:
            assert st.value(state, b.params) == pytest.approx(expected, rel=1e-12)
        if details is not None:
            np.testing.assert_allclose(np.asarray(st.details(state, b.params)["matrix"], dtype=float), details["matrix"], rtol=1e-12)


def _report_numbers(report: dict) -> list:
    """Each metric's value, CI and details, overall and per group."""
    entries = report["losses"] + [e for g in report["groups"] for e in g["losses"]]
    return [(e["label"], e["value"], e.get("ci"), e.get("details")) for e in entries]


def _same(a: list, b: list) -> None:
    for (label, va, ca, da), (_, vb, cb, db) in zip(a, b, strict=True):
        assert (va is None and vb is None) or va == pytest.approx(vb, rel=1e-12), label
        assert (ca is None) == (cb is None), label
        for key in ("low", "high") if ca else ():
            assert (ca[key] is None and cb[key] is None) or ca[key] == pytest.approx(cb[key], rel=1e-12), (label, key)
        assert (da is None) == (db is None) and (da is None or (da["labels"] == db["labels"] and np.allclose(da["matrix"], db["matrix"], rtol=1e-12))), label


@pytest.fixture(scope="module")
def scheduler():
    import distributed

    cluster = distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0")
    yield cluster.scheduler_address
    cluster.close()


def test_streamed_chunks_merged_shards_and_dask_give_the_whole_evaluation(cli, files, scheduler):
    """The counts kind through the CLI: predicted labels whose first rows hold classes 0 and 1
    only (later chunks and the second shard bring classes 2 to 4), sample weights (zeros among
    them), groups and bootstrap CIs: every chunking, a merge of two shards and --engine dask give
    the report of one pass (values, CIs and matrices to 1e-12)."""
    p, y, w = _chunked_data()
    g = np.array(["a", "b"])[(np.arange(len(y)) % 3 == 0).astype(int)]
    rows = list(zip(p.tolist(), y.tolist(), w.tolist(), g))
    flags = ["-w", "w", "-g", "g", "--ci", "bootstrap", "--n-boot", "8", "-f", "json", "--no-hash"]
    flags += [x for spec in (*CHUNK_SPECS, "accuracy") for x in ("-l", spec)]
    csv = files.csv("t.csv", ["pred", "target", "w", "g"], *rows)
    whole = _report_numbers(json.loads(ok(cli("eval", csv, *flags))))
    assert whole[0][1] == pytest.approx(whole_value := _whole_of(CHUNK_SPECS[0], p, y, w), rel=1e-12) and whole_value is not None
    _same(_report_numbers(json.loads(ok(cli("eval", csv, *flags, "--chunk-rows", "13")))), whole)
    _same(_report_numbers(json.loads(ok(cli("eval", csv, *flags, "--engine", "dask", "--scheduler", scheduler)))), whole)
    for i, (lo, hi) in enumerate([(0, 30), (30, 100)]):
        files.csv(f"s{i}.csv", ["pred", "target", "w", "g"], *rows[lo:hi])
        ok(cli("eval", f"s{i}.csv", *flags, "--row-offset", lo, "--emit-state", f"st{i}.json"))
    merged = json.loads(ok(cli("merge", "st1.json", "st0.json", "-f", "json")))
    _same(_report_numbers(merged), whole)


def test_confusion_matrix_in_the_table_and_markdown_outputs(cli, files):
    """pred labels [0, 1, 1, 2] against [0, 0, 1, 1]: row 0 (true 0) has one 0 and one 1
    predicted, row 1 one 1 and one 2, row 2 (class 2 never true) nothing."""
    p, y = files.npy("p.npy", np.array([0, 1, 1, 2])), files.npy("y.npy", np.array([0, 0, 1, 1]))
    table = ok(cli("eval", p, y, "-l", "confusion", "-l", "mcc", "-f", "table", "--no-hash"))
    rows = [line.split() for line in table.splitlines() if line[:1] in "012" and len(line.split()) == 4]
    assert rows == [["0", "1", "1", "0"], ["1", "0", "1", "1"], ["2", "0", "0", "0"]]
    md = ok(cli("eval", p, y, "-l", "confusion", "-f", "md", "--no-hash"))
    assert "|---|---:|---:|---:|\n| 0 | 1 | 1 | 0 |\n| 1 | 0 | 1 | 1 |\n| 2 | 0 | 0 | 0 |\n" in md


def test_describe_says_a_statistic_metric_has_no_per_sample_values(cli):
    text = ok(cli("describe", "f1_score"))
    assert "headline:  a function of every row; no per-sample values\nstate:     counts: exact counts (fixed size), mergeable" in text
    assert "headline:  mean of the per-sample values (--reduction)" in ok(cli("describe", "accuracy"))


def _whole_of(spec, p, y, w):
    return whole(spec, p, y, w)[0]


def test_the_three_counting_paths_agree_and_keep_the_labels():
    """Labels 0, 1, 2 and the same classes renamed 0, 300 (per-class bincounts past the dense
    range) or 0, 10**7 (codes from a sort) give the same metrics (the order of the labels is
    kept, so even kappa's linear weights agree); the confusion labels are the names."""
    y = np.array([0, 1, 2, 2, 1, 0, 2])
    p = np.array([0, 2, 2, 1, 1, 0, 0])
    for spec in ("f1:average=macro", "mcc", "cohen_kappa:weights=linear", "balanced_accuracy"):
        small = whole(spec, p, y)[0]
        for mid, big in ((1, 300), (10**6, 10**7)):
            names = np.array([0, mid, big])
            assert whole(spec, names[p], names[y])[0] == pytest.approx(small, rel=1e-15)
    assert whole("confusion", np.array([0, 10**7]), np.array([0, 0]))[1] == {"labels": [0, 10**7], "matrix": [[1, 1], [0, 0]]}


def test_states_of_scores_and_of_labels_do_not_merge():
    st = bound("f1:average=macro").spec.statistic
    params = bound("f1:average=macro").params
    a = st.fold([np.array([[0.2, 0.8]]), np.array([1])], None, params)
    b = st.fold([np.array([1]), np.array([1])], None, params)
    with pytest.raises(InputError, match="cannot merge the counts of"):
        a.merge(b)


# ---------------------------------------------------------------------------- reading predictions


def test_scores_ties_take_the_first_maximum():
    # argmax of [0.5, 0.5] is class 0, as numpy
    np.testing.assert_array_equal(cm.accuracy(np.array([[0.5, 0.5], [0.5, 0.5]]), np.array([0, 1])), [1.0, 0.0])


def test_probability_one_half_and_logit_zero_are_class_0():
    np.testing.assert_array_equal(cm.accuracy(np.array([0.5, 0.51]), np.array([0, 1])), [1.0, 1.0])
    np.testing.assert_array_equal(cm.accuracy(np.array([0.0, 0.01, -3.0]), np.array([0, 1, 0]), input="logits"), [1.0, 1.0, 1.0])


def test_integer_predictions_are_labels_not_thresholded():
    # 2 == 2 and 1 != 0: as labels; thresholded at 0.5 both would be class 1
    np.testing.assert_array_equal(cm.accuracy(np.array([2, 1]), np.array([2, 0])), [1.0, 0.0])


def test_whole_floats_outside_0_1_say_to_pass_input_labels():
    with pytest.raises(ValueDomainError, match=r"must be probabilities in \[0, 1\] \(class labels\? pass f1:input=labels\), got 2") as e:
        cm.f1(np.array([0.0, 1.0, 2.0]), np.array([0, 1, 2]))
    assert e.value.row == 2
    assert cm.f1(np.array([0.0, 1.0, 2.0]), np.array([0, 1, 2]), input="labels", average="macro") == 1.0


def test_other_floats_outside_0_1_say_to_pass_input_logits():
    with pytest.raises(ValueDomainError, match=r"\(logits\? pass accuracy:input=logits\), got -1.5"):
        cm.accuracy(np.array([0.3, -1.5]), np.array([0, 1]))
    with pytest.raises(ValueDomainError, match=r"logits\? pass mcc:input=logits"):
        cm.mcc(np.array([0, 2]), np.array([0, 1]), input="probs")  # integers read as probabilities: 2 is not one


def test_cli_one_line_for_labels_stored_as_floats(cli, files):
    p, y = files.npy("p.npy", np.array([0.0, 1.0, 2.0])), files.npy("y.npy", np.array([0, 1, 2]))
    fails(cli("eval", p, y, "-l", "f1"), 3, "pred must be probabilities in [0, 1] (class labels? pass f1:input=labels), got 2 at row 3")
    assert json.loads(ok(cli("eval", p, y, "-l", "f1:input=labels,average=macro", "-f", "json", "--no-hash")))["losses"][0]["value"] == 1.0
    q = np.full(100, 0.25)
    q[79] = 3.0  # row 80 of the file, in the third chunk of 30 rows: the line numbers the file's row
    p, y = files.npy("q.npy", q), files.npy("z.npy", np.zeros(100, dtype=int))
    fails(cli("eval", p, y, "-l", "mcc", "--chunk-rows", "30"), 3, "pred must be probabilities in [0, 1] (logits? pass mcc:input=logits), got 3 at row 80")


def test_input_labels_refuses_class_scores():
    with pytest.raises(ShapeError, match=r"input=labels takes \(N,\) predicted labels, but pred holds scores of shape \(1, 2\)"):
        cm.precision(np.array([[0.1, 0.9]]), np.array([1]), input="labels")


def test_targets_must_be_class_labels_of_the_scores():
    with pytest.raises(ValueDomainError, match=r"target must be integer class labels in \[0, 2\), got 2"):
        cm.accuracy(np.array([[0.1, 0.9]]), np.array([2]))
    with pytest.raises(ValueDomainError, match=r"target must be integer class labels in \[0, 2\), got 0.5"):
        cm.recall(np.array([0.1, 0.9]), np.array([0.5, 1.0]))
    with pytest.raises(ShapeError):
        cm.accuracy(np.array([0.1, 0.9]), np.array([0, 1, 1]))


# ---------------------------------------------------------------------------- averages and edge cases


def test_binary_average_of_more_than_two_classes_says_what_to_pass():
    with pytest.raises(InputError, match=r"the classes are 0, 1, 2, more than two, but average=binary \(the default for \(N,\) "
                       r"predictions\); pass recall:average=macro \(or micro, weighted\)"):
        cm.recall(np.array([0, 1, 2]), np.array([0, 1, 1]))


def test_binary_average_without_class_1_among_two_classes_is_an_error():
    with pytest.raises(InputError, match="average=binary scores class 1, but the classes are 0, 2"):
        cm.precision(np.array([0, 2]), np.array([0, 2]), average="binary")


def test_class_1_never_seen_gives_zero_division():
    # every target and prediction 0: class 1's precision is 0/0
    assert cm.precision(np.array([0.1, 0.2]), np.array([0, 0])) == 0.0
    assert cm.precision(np.array([0.1, 0.2]), np.array([0, 0]), zero_division=1.0) == 1.0


def test_default_average_is_macro_for_scores():
    # argmax [1, 0, 1] against [1, 1, 0]: f1 of class 0 is 0, of class 1 2*1/(2+2) = 0.5; macro 0.25
    assert cm.f1(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), np.array([1, 1, 0])) == 0.25


def test_a_row_of_weight_zero_still_brings_its_class():
    # classes seen 0, 1, 2 (scikit-learn's labels ignore the weights); class 2 is predicted only
    # in the row of weight 0: precision 0/0 -> 0, so macro = (1 + 1 + 0) / 3
    value, _ = whole("precision:average=macro", [0, 1, 2], [0, 1, 1], weights=[1.0, 1.0, 0.0])
    assert value == pytest.approx(2 / 3, rel=1e-15)


def test_balanced_accuracy_drops_classes_absent_from_the_target():
    # class 0 recall 1/1, class 1 recall 1/2; class 2 (predicted only) is not averaged
    assert cm.balanced_accuracy(np.array([0, 1, 2]), np.array([0, 1, 1])) == 0.75


def test_undefined_values_are_errors_not_nan():
    with pytest.raises(InputError, match="cohen_kappa: target and prediction agree on one class only"):
        cm.cohen_kappa(np.array([0, 0]), np.array([0, 0]))
    with pytest.raises(InputError, match="adjusted=true with one class in the target"):
        cm.balanced_accuracy(np.array([0, 1]), np.array([1, 1]), adjusted=True)
    with pytest.raises(InputError, match="f1: no rows to score"):
        cm.f1(np.zeros(0), np.zeros(0, dtype=int))


def test_mcc_of_one_predicted_class_is_0():
    assert cm.mcc(np.array([1, 1, 1]), np.array([0, 1, 1])) == 0.0  # scikit-learn's value for a zero variance


def test_a_full_matrix_has_a_class_limit():
    labels = np.arange(cm.MAX_MATRIX + 1)
    with pytest.raises(InputError, match=f"confusion: {cm.MAX_MATRIX + 1} classes; a full confusion matrix takes at most {cm.MAX_MATRIX}"):
        cm.confusion(labels, labels)
    assert cm.f1(labels, labels, average="macro") == 1.0  # per-class counts have none
    st, params = cm.CONFUSION, {"input": "auto"}
    halves = [st.fold([labels[s], labels[s]], None, params) for s in (slice(0, 600), slice(600, None))]  # each under the limit
    with pytest.raises(InputError, match=f"{cm.MAX_MATRIX + 1} classes; a full confusion matrix takes at most"):
        halves[0].merge(halves[1])


# ---------------------------------------------------------------------------- top-k accuracy


def test_top_k_ties_rank_the_higher_index_first():
    # scikit-learn sorts stably ascending and reverses: with equal scores class 2, then 1, then 0
    s = np.array([[0.2, 0.2, 0.2]] * 3)
    np.testing.assert_array_equal(cm.top_k_accuracy(s, np.array([0, 1, 2]), k=2), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(cm.top_k_accuracy(s, np.array([0, 1, 2]), k=1), [0.0, 0.0, 1.0])


def test_top_k_of_k_at_least_c_is_every_row():
    s = np.array([[0.1, 0.9], [0.8, 0.2]])
    np.testing.assert_array_equal(cm.top_k_accuracy(np.array([[3.0, 1.0, 2.0]]), np.array([1]), k=3), [1.0])
    np.testing.assert_array_equal(cm.top_k_accuracy(s, np.array([0, 1]), k=5), [1.0, 1.0])


def test_top_k_of_binary_probabilities():
    # k = 1: p > 0.5 is class 1; k >= 2: both classes, every row (scikit-learn's binary case)
    p, y = np.array([0.7, 0.2, 0.6]), np.array([1, 1, 0])
    np.testing.assert_array_equal(cm.top_k_accuracy(p, y, k=1), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(cm.top_k_accuracy(p, y, k=2), [1.0, 1.0, 1.0])
    with pytest.raises(ValueDomainError, match="pass top_k_accuracy:input=logits"):
        cm.top_k_accuracy(np.array([2, 0]), y[:2], k=1)  # integers are not labels here: scores


@pytest.mark.parametrize("spec", ["precision", "recall", "f1", "fbeta:zero_division=1", "mcc", "confusion", "average_precision"])
def test_every_sample_weight_0_is_an_error_not_a_score(cli, files, spec):
    """scikit-learn raises when every sample weight is 0; these once printed 0 (or 1) with exit 0
    (review finding). The line names the metric."""
    files.text("zw.csv", "pred,target,w\n1,1,0\n0,1,0\n")
    name = spec.split(":")[0]
    fails(cli("eval", "zw.csv", "-w", "w", "-l", spec), 3,
          f"{name}: the sample weights sum to 0: no row to score (scikit-learn raises: sample weights must contain a non-zero number).")  # fmt: skip
