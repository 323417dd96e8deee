"""Issue 13: every input that used to give a plausible wrong number with exit 0 gives the right
number or stops with one line saying what to pass. One section per part of the issue."""

from __future__ import annotations

import gzip
import hashlib
import json
import math

import blake3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import X, Y, fails, ok


# ---------------------------------------------------------------------------- #13.1: rows paired by id
# Expected values: the running example X, Y of conftest (MSE 3.375 by hand, in tests/test_cli_eval.py);
# elsewhere computed here with numpy on the rows paired by hand.


def _two_tables(files, order_p, order_t, name="id"):
    """p.csv (name, pred) and t.csv (name, target) holding the running example's rows with ids
    10, 20, 30, 40, each in the row order given (indices into X/Y)."""
    ids = [10, 20, 30, 40]
    files.csv("p.csv", [name, "pred"], *[(ids[i], X[i]) for i in order_p])
    files.csv("t.csv", [name, "target"], *[(ids[i], Y[i]) for i in order_t])


def test_tables_in_different_orders_are_not_paired_by_position(cli, files):
    _two_tables(files, [0, 1, 2, 3], [1, 0, 2, 3])
    message = "Rows are paired by position, but row 1 has id 10 in p.csv and 20 in t.csv; pass --align join to pair them by id."
    fails(cli("eval", "p.csv", "t.csv", "--id-col", "id", "-l", "mse"), 3, message)
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse"), 3, message)  # 'id' in both tables: checked without --id-col
    assert ok(cli("eval", "p.csv", "t.csv", "--id-col", "id", "-l", "mse", "-b", "--align", "join")) == "3.375\n"
    _two_tables(files, [2, 0, 3, 1], [2, 0, 3, 1])  # the same order in both: paired by position, as before
    assert ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-b")) == "3.375\n"


def test_ids_are_checked_in_streamed_chunks_with_absolute_rows(cli, files):
    _two_tables(files, [0, 1, 2, 3], [0, 1, 3, 2], name="sample_id")
    message = "Rows are paired by position, but row 3 has sample_id 30 in p.csv and 40 in t.csv; pass --align join to pair them by id."
    for rows in ("1", "2", "3"):
        fails(cli("eval", "p.csv", "t.csv", "-l", "mse", "--chunk-rows", rows), 3, message)
    _two_tables(files, [0, 1, 2, 3], [0, 1, 2, 3], name="sample_id")
    assert ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-b", "--chunk-rows", "1")) == "3.375\n"


def test_text_ids_and_a_named_id_column(cli, files):
    files.csv("p.csv", ["patient", "pred"], ("a", 1.0), ("b", 2.0))
    files.csv("t.csv", ["patient", "target"], ("b", 2.5), ("a", 0.0))
    fails(cli("eval", "p.csv", "t.csv", "--id-col", "patient", "-l", "mse"), 3,
          "Rows are paired by position, but row 1 has patient 'a' in p.csv and 'b' in t.csv; pass --align join to pair them by id.")  # fmt: skip
    # a: (1 - 0)^2 = 1, b: (2 - 2.5)^2 = 0.25: mean 0.625
    assert ok(cli("eval", "p.csv", "t.csv", "--id-col", "patient", "-l", "mse", "-b", "--align", "join")) == "0.625\n"


def test_join_reports_missing_and_repeated_ids(cli, files):
    files.csv("p.csv", ["id", "pred"], (3, 1.0), (1, 2.0), (2, 3.0), (5, 4.0), (6, 5.0), (6, 6.0))
    files.csv("t.csv", ["id", "target"], (1, 0.0), (2, 1.0), (3, 1.0), (7, 0.0), (8, 0.0), (9, 0.0), (2, 9.0))
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse", "--align", "join"), 3,
          "Cannot join p.csv and t.csv by 'id': 2 ids of p.csv are not in t.csv (first: 5, 6); 3 ids of t.csv are not in p.csv "
          "(first: 7, 8, 9); 1 id repeats in p.csv (first: 6); 1 id repeats in t.csv (first: 2); pass --missing omit to drop these rows.")  # fmt: skip
    r = json.loads(ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "--align", "join", "--missing", "omit", "-f", "json", "--per-sample", "ps.csv")))
    # kept pairs: id 3 (1.0 vs 1.0) and id 1 (2.0 vs 0.0): mse (0 + 4) / 2 = 2; id 2 repeats in t.csv
    assert r["losses"][0]["value"] == 2.0
    # dropped: repeated ids: p.csv's two 6s, t.csv's two 2s = 4; unmatched: p.csv's 2 (its partner repeats)
    # and 5, t.csv's 7, 8, 9 = 5; rows = 2 pairs + 9 dropped
    assert (r["inputs"]["rows"], r["inputs"]["rows_used"], r["inputs"]["dropped"]) == (11, 2, {"nan": 0, "id_unmatched": 5, "id_duplicate": 4})
    assert (files.root / "ps.csv").read_text() == "id,mse\n3,0.0\n1,4.0\n"  # the PRED file's row order, with the ids joined by


def test_join_and_pairing_usage_errors(cli, files):
    _two_tables(files, [0, 1, 2, 3], [1, 0, 2, 3])
    files.xy_csv()
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse", "--missing", "omit"), 2, "--missing omit drops the rows whose ids do not pair up: it needs --align join.")
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse", "--align", "join", "--chunk-rows", "2"), 2, "--align join reads both tables into memory: drop --chunk-rows.")
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse", "--align", "join", "--engine", "dask"), 2,
          "--align join reads both tables into memory: it cannot run on --engine dask; use --engine local.")  # fmt: skip
    fails(cli("eval", "xy.csv", "-l", "mse", "--align", "join"), 2,
          "--align join pairs the rows of two tables by id: pass PRED and TARGET as tables that both have the id column.")  # fmt: skip
    fails(cli("eval", "xy.csv", "t.csv", "-p", "pred", "-l", "mse", "--align", "join"), 2,
          "--align join needs an id column in both tables, but xy.csv and t.csv share no id-like column; pass --id-col NAME.")  # fmt: skip
    files.csv("p2.csv", ["id", "date", "pred"], (1, 5, 0.0))
    files.csv("t2.csv", ["id", "date", "target"], (1, 5, 0.0))
    fails(cli("eval", "p2.csv", "t2.csv", "-l", "mse", "--align", "join"), 2,
          "--align join: p2.csv and t2.csv share several id columns (id, date); pass --id-col NAME to choose.")  # fmt: skip


def test_join_of_parquet_tables(cli, files):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [2, 1], "pred": [1.0, 3.0]}), files.root / "p.parquet")
    pq.write_table(pa.table({"id": [1, 2], "target": [0.0, 0.5]}), files.root / "t.parquet")
    fails(cli("eval", "p.parquet", "t.parquet", "-l", "mse"), 3,
          "Rows are paired by position, but row 1 has id 2 in p.parquet and 1 in t.parquet; pass --align join to pair them by id.")  # fmt: skip
    # id 2: (1 - 0.5)^2 = 0.25, id 1: (3 - 0)^2 = 9: mean 4.625
    assert ok(cli("eval", "p.parquet", "t.parquet", "-l", "mse", "-b", "--align", "join")) == "4.625\n"


@settings(max_examples=40)
@given(data=st.data(), n=st.integers(1, 25))
def test_permuted_tables_join_to_the_aligned_value(cli, files, data, n):
    """Random id-aligned rows, each table in its own random row order: --align join gives the
    aligned value (numpy, here), and without it the first row whose ids differ stops it."""
    ids = data.draw(st.lists(st.integers(-10**6, 10**6), min_size=n, max_size=n, unique=True))
    values = st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: float(np.float64(v)))
    pred = data.draw(st.lists(values, min_size=n, max_size=n))
    target = data.draw(st.lists(values, min_size=n, max_size=n))
    order_p = data.draw(st.permutations(range(n)))
    order_t = data.draw(st.permutations(range(n)))
    files.csv("p.csv", ["id", "pred"], *[(ids[i], repr(pred[i])) for i in order_p])
    files.csv("t.csv", ["id", "target"], *[(ids[i], repr(target[i])) for i in order_t])
    expected = float(np.mean((np.array(pred) - np.array(target)) ** 2))  # aligned by construction
    joined = float(ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-b", "--align", "join")))
    assert joined == pytest.approx(expected, rel=1e-12, abs=1e-12)
    plain = cli("eval", "p.csv", "t.csv", "-l", "mse", "-b")
    differ = [r for r in range(n) if order_p[r] != order_t[r]]
    if differ:
        r = differ[0]
        fails(plain, 3, f"Rows are paired by position, but row {r + 1} has id {ids[order_p[r]]} in p.csv and {ids[order_t[r]]} in t.csv; pass --align join to pair them by id.")
    else:
        assert float(ok(plain)) == pytest.approx(expected, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------------- #13.3: roles never guessed from id-like columns


def test_an_id_column_is_never_the_target(cli, files):
    files.csv("t.csv", ["id", "pred"], (101, 1.0), (102, 2.0), (103, 3.5))
    message = "Cannot tell which columns of t.csv to use; columns: id, pred (id-like, never guessed: id). Pass -y/--target-col."
    fails(cli("eval", "t.csv", "-l", "mse"), 2, message)
    # inspect says the same: the same function decides
    assert json.loads(ok(cli("inspect", "t.csv", "-f", "json")))["files"][0]["guess"] == "pred: pred; id: id; ambiguous: pass -y/--target-col"


@pytest.mark.parametrize("header", [["truth", "score"], ["Actual", "Predicted"], ["y_hat", "gt"], ["output", "label"]])
def test_target_and_prediction_names_whatever_their_order(cli, files, header):
    pred_first = header[0].lower() in ("y_hat", "output", "predicted")
    rows = [(x, y) if pred_first else (y, x) for x, y in zip(X, Y)]
    files.csv("t.csv", header, *rows)
    assert ok(cli("eval", "t.csv", "-l", "mse", "-b")) == "3.375\n"  # X against Y, as by hand


@pytest.mark.parametrize("name", ["Unnamed: 0", "created_at", "timestamp", "row", "Key", "user_id", "date"])
def test_id_like_columns_are_left_out_of_the_free_columns(cli, files, name):
    files.csv("t.csv", [name, "a", "b"], *[(i, x, y) for i, (x, y) in enumerate(zip(X, Y))])
    assert ok(cli("eval", "t.csv", "-l", "mse", "-b")) == "3.375\n"  # a, b: the two free columns
    files.csv("u.csv", [name, "a"], *[(i, x) for i, x in enumerate(X)])
    files.npy("y.npy", Y)
    assert ok(cli("eval", "u.csv", "y.npy", "-l", "mse", "-b")) == "3.375\n"  # a: the one free column of PRED


def test_names_matching_in_two_cases_are_an_error_not_a_pick(cli, files):
    files.csv("t.csv", ["Pred", "pred", "target"], (1, 2, 3))
    fails(cli("eval", "t.csv", "-l", "mse"), 2, "Several prediction columns in t.csv: 'Pred' and 'pred'. Pass -p/--pred-col to choose.")
    files.csv("b.csv", ["id", "prob", "logit", "label"], (1, 0.5, 0.0, 1))
    fails(cli("eval", "b.csv", "-l", "bce"), 2, "Several prediction columns in b.csv: 'prob' and 'logit'. Pass -p/--pred-col to choose.")


def test_table_and_markdown_name_the_columns_used(cli, files):
    files.csv("p.csv", ["id", "score"], *zip([1, 2, 3, 4], X))
    files.csv("t.csv", ["id", "truth"], *zip([1, 2, 3, 4], Y))
    line = "pred: p.csv:score  target: t.csv:truth"
    assert ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-f", "table")).splitlines()[-1] == line
    assert "pred: `p.csv:score`  target: `t.csv:truth`" in ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-f", "md")).splitlines()


def test_ids_dropped_by_a_join_survive_a_state_and_merge(cli, files):
    files.csv("p.csv", ["id", "pred"], (1, 2.0), (2, 3.0), (4, 1.0))
    files.csv("t.csv", ["id", "target"], (2, 1.0), (1, 0.0), (3, 0.0))
    args = ["p.csv", "t.csv", "-l", "mse", "--align", "join", "--missing", "omit", "-f", "json"]
    r = json.loads(ok(cli("eval", *args, "--emit-state", "s.json")))
    # pairs 1 (2 vs 0) and 2 (3 vs 1): mse 4; p.csv's 4 and t.csv's 3 have no partner
    assert (r["losses"][0]["value"], r["inputs"]["rows"], r["inputs"]["dropped"]) == (4.0, 4, {"nan": 0, "id_unmatched": 2, "id_duplicate": 0})
    merged = json.loads(ok(cli("merge", "s.json", "-f", "json")))
    assert (merged["inputs"]["rows"], merged["inputs"]["dropped"]) == (4, {"nan": 0, "id_unmatched": 2, "id_duplicate": 0})


def test_shared_id_columns_are_checked_even_when_id_col_names_another(cli, files):
    files.csv("p.csv", ["id", "patient", "pred"], (1, "a", 1.0), (2, "b", 2.0))
    files.csv("t.csv", ["id", "target"], (2, 0.0), (1, 0.0))
    fails(cli("eval", "p.csv", "t.csv", "--id-col", "patient", "-l", "mse"), 3,
          "Rows are paired by position, but row 1 has id 1 in p.csv and 2 in t.csv; pass --align join to pair them by id.")  # fmt: skip
    fails(cli("eval", "p.csv", "t.csv", "--id-col", "patient", "-l", "mse", "--align", "join"), 2,
          "--align join needs an id column in both tables, but p.csv and t.csv share no 'patient' column; pass --id-col NAME.")  # fmt: skip


def test_the_report_says_how_rows_were_paired(cli, files):
    _two_tables(files, [0, 1, 2, 3], [3, 2, 1, 0])
    r = json.loads(ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-f", "json", env={"LOSSCLI_ALIGN": "join"})))
    assert (r["losses"][0]["value"], r["config"]["align"], r["config"]["missing"], r["config"]["sources"]["align"]) == (3.375, "join", "error", "env")


def report_of(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------------------- #13.8: transformed headlines say what their statistics are (checks)
# The running example xy.csv (conftest X, Y): squared errors 0.25, 4, 0.25, 9 (by hand), mean
# 3.375, rmse sqrt(3.375); std of the squared errors 4.14578 (numpy, ddof=1), se 2.07289.


def test_rmse_table_shows_the_headline_and_the_squared_errors_on_their_own_rows(cli, files):
    files.xy_csv()
    out = cli("eval", "xy.csv", "-l", "rmse", "-f", "table")
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["loss", "value", "n", "mean", "std", "se", "min", "max"]
    assert lines[2].split() == ["rmse", "↓", "1.83712", "4"]  # sqrt(3.375); no statistics of another quantity
    assert lines[3].split() == ["↳", "rmse.sq_err", "↓", "4", "3.375", "4.14578", "2.07289", "0.25", "9"]


def test_rmse_ci_is_the_root_of_the_mse_interval_and_sits_on_the_headline_row(cli, files):
    files.xy_csv()
    r = report_of(cli("eval", "xy.csv", "-l", "rmse", "-l", "mse", "--ci", "analytic", "-f", "json"))
    rmse, mse = r["losses"]
    assert rmse["per_sample"] == "rmse.sq_err" and "per_sample" not in mse
    assert (rmse["mean"], rmse["min"], rmse["max"]) == (3.375, 0.25, 9.0)  # existing keys kept: the squared errors
    assert rmse["ci"]["low"] == math.sqrt(max(mse["ci"]["low"], 0.0))  # 3.375 - t*se < 0: clipped at 0
    assert rmse["ci"]["high"] == pytest.approx(math.sqrt(mse["ci"]["high"]), rel=1e-15)
    md = cli("eval", "xy.csv", "-l", "rmse", "--ci", "analytic", "-f", "md").stdout.splitlines()
    assert md[2].startswith("| `rmse` ↓ | 1.83712 | [0, ") and md[2].endswith("| 4 |  |  |  |  |  |")
    assert md[3] == "| `↳ rmse.sq_err` ↓ |  |  | 4 | 3.375 | 4.14578 | 2.07289 | 0.25 | 9 |"


def test_rmse_per_sample_column_and_top_k_name_the_squared_errors(cli, files):
    files.xy_csv()
    out = cli("eval", "xy.csv", "-l", "rmse", "-l", "mae", "--per-sample", "ps.csv", "--top-k", "1", "-f", "table")
    assert out.exit_code == 0, out.stderr
    assert (files.root / "ps.csv").read_text().splitlines() == ["rmse.sq_err,mae", "0.25,0.5", "4.0,2.0", "0.25,0.5", "9.0,3.0"]
    worst = out.stdout.split("worst samples")[1].splitlines()
    assert worst[3].split() == ["rmse.sq_err", "↓", "1", "4", "9"]  # row 4: (3 - 0)**2
    assert worst[4].split() == ["mae", "↓", "1", "4", "3"]
    jl = cli("eval", "xy.csv", "-l", "rmse", "--per-sample", "ps.jsonl", "-f", "json")
    assert jl.exit_code == 0
    assert json.loads((files.root / "ps.jsonl").read_text().splitlines()[1]) == {"rmse.sq_err": 4.0}


def test_step_summary_shows_rmse_statistics_under_their_name(cli, files, tmp_path):
    files.xy_csv()
    summary = tmp_path / "summary.md"
    cli("eval", "xy.csv", "-l", "rmse", "--gh-summary", "-f", "json", env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text()
    assert "| `rmse` ↓ | 1.83712 | 4 |  |  |  |  |  |" in text
    assert "| `↳ rmse.sq_err` ↓ |  | 4 | 3.375 | 4.14578 | 2.07289 | 0.25 | 9 |" in text  # as in -f md


def test_a_finalized_loss_must_name_its_per_sample_quantity():
    from losscli.losses._registry import register_loss

    with pytest.raises(ValueError, match="per_sample"):
        register_loss("x_root", family="regression", inputs=("values", "values"), reference="-", finalize=np.sqrt)


def test_rmse_histogram_is_titled_by_the_squared_errors(cli, files):
    files.xy_csv()
    out = cli("eval", "xy.csv", "-l", "rmse", "--hist", "-f", "table")
    assert "rmse.sq_err ↓  per-sample histogram, 4 rows" in out.stdout


def test_rmse_has_no_sum_reduction(cli, files):
    files.xy_csv()
    message = (
        "--reduction sum: the headline of {} is a function of a mean (rmse: the root of the mean squared error), which has "
        "no sum; use mse for the sum of squared errors, or --reduction mean."
    )
    fails(cli("eval", "xy.csv", "-l", "rmse", "--reduction", "sum"), 2, message.format("rmse"))
    fails(cli("eval", "xy.csv", "-l", "t=rmse+mae", "--reduction", "sum"), 2, message.format("t"))
    assert cli("eval", "xy.csv", "-l", "mse", "--reduction", "sum", "-b").stdout == "13.5\n"  # 0.25 + 4 + 0.25 + 9

# ============================================================================ checks: inputs of the wrong kind (item 4)
# Probability rows (each in [0, 1], summing to 1) given where a loss reads logits or scores.
PROBS = [[0.2, 0.3, 0.5], [0.7, 0.2, 0.1], [0.25, 0.25, 0.5]]
LABELS = [2, 0, 1]


def _probs_csv(files, rows=PROBS, labels=LABELS, name="p.csv") -> str:
    return files.csv(name, ["p0", "p1", "p2", "label"], *[[*r, y] for r, y in zip(rows, labels)])


def _log_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    z = x - x.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@pytest.mark.parametrize(
    "spec, what, as_is",
    [("ce", "logits", "input=logits"), ("softmax_focal", "logits", "input=logits"), ("multi_margin", "scores", "input=scores")],
)
def test_probability_rows_where_logits_are_read_stop_with_what_to_pass(cli, files, spec, what, as_is):
    _probs_csv(files)
    fails(
        cli("eval", "p.csv", "-p", "p*", "-y", "label", "-l", spec, "-f", "json"),
        3,
        f"{spec}: pred (p.csv columns 'p0,p1,p2') look like probabilities (every row is in [0, 1] and sums to 1), "
        f"but {spec} reads them as {what}; pass {spec}:input=probs (or {spec}:{as_is} to score them as {what}).",
    )


def test_probability_rows_scored_as_probabilities_or_as_acknowledged_logits(cli, files):
    _probs_csv(files)
    r = report_of(cli("eval", "p.csv", "-p", "p*", "-y", "label", "-l", "ce:input=probs", "-l", "ce:input=logits", "-f", "json"))
    p, y = np.array(PROBS), np.array(LABELS)
    assert r["losses"][0]["value"] == pytest.approx(np.mean(-np.log(p[np.arange(3), y])), rel=1e-14)
    assert r["losses"][1]["value"] == pytest.approx(np.mean(-_log_softmax(p)[np.arange(3), y]), rel=1e-14)
    assert r["losses"][1]["params"]["input"] == "logits" and r["warnings"] == []


def test_softmax_focal_input_probs_follows_the_focal_formula_on_given_probabilities(cli, files):
    _probs_csv(files)
    r = report_of(cli("eval", "p.csv", "-p", "p*", "-y", "label", "-l", "softmax_focal:input=probs,alpha=none", "-f", "json"))
    p_y = np.array(PROBS)[np.arange(3), LABELS]
    assert r["losses"][0]["value"] == pytest.approx(np.mean(-((1 - p_y) ** 2) * np.log(p_y)), rel=1e-14)


def test_rows_that_are_not_all_probabilities_are_scored_as_logits(cli, files):
    # the last row sums to 1.5: these are logits that happen to lie in [0, 1]
    rows = PROBS[:2] + [[0.5, 0.5, 0.5]]
    _probs_csv(files, rows)
    for extra in ([], ["--chunk-rows", "1"]):  # streamed: the first two chunks look like probabilities, the third does not
        r = report_of(cli("eval", "p.csv", "-p", "p*", "-y", "label", "-l", "ce", "-f", "json", *extra))
        assert r["losses"][0]["value"] == pytest.approx(np.mean(-_log_softmax(rows)[np.arange(3), LABELS]), rel=1e-14)


def test_checks_look_past_the_rows_they_sample_first():
    from losscli import _kinds

    probs = np.tile(np.array(PROBS[:1]), (20, 1))  # the first rows decide nothing: every row is read
    assert _kinds.probability_rows([probs]) == {"rows": True, "seen": True}
    probs[15] = [0.5, 0.5, 0.5]  # row 16 sums to 1.5
    assert _kinds.probability_rows([probs]) == {"rows": False, "seen": True}
    logits = np.full(100, 0.5)
    assert _kinds.unit_values([logits]) == {"unit": True, "seen": True}
    logits[80] = 1.5
    assert _kinds.unit_values([logits]) == {"unit": False, "seen": True}
    binary = np.ones(100)
    assert _kinds.swapped_binary([binary, np.full(100, 0.5)]) == {"binary": True, "fractional": True}
    binary[90] = 0.5
    assert _kinds.swapped_binary([binary, np.full(100, 0.5)])["binary"] is False
    pm1 = np.ones(100)
    pm1[99] = 0.0
    assert _kinds.pm1_labels([None, pm1])["pm1"] is False


def test_streamed_probability_rows_stop_before_any_output(cli, files):
    _probs_csv(files)
    result = cli("eval", "p.csv", "-p", "p*", "-y", "label", "-l", "ce", "--chunk-rows", "1", "--per-sample", "ps.csv", "--report", "r.json")
    assert result.exit_code == 3 and "look like probabilities" in result.stderr
    assert not (files.root / "ps.csv").exists()
    assert json.loads((files.root / "r.json").read_text())["status"] == "error"  # the error report, never a result


def test_shards_decide_as_one_evaluation():
    from losscli.engine import Accumulator

    def shard(rows, labels):
        acc = Accumulator(["ce"])
        acc.update({"pred": np.array(rows), "target": np.array(labels)})
        return acc.state()

    both = Accumulator.from_state(shard(PROBS[:2], LABELS[:2])).merge(Accumulator.from_state(shard(PROBS[2:], LABELS[2:])))
    with pytest.raises(Exception, match="look like probabilities"):
        both.compute()
    mixed = Accumulator.from_state(shard(PROBS[:2], LABELS[:2])).merge(Accumulator.from_state(shard([[2.0, -1.0, 0.5]], [0])))
    assert mixed.compute().losses[0].n == 3  # one shard of real logits: every row is scored


def test_an_explicit_default_survives_the_state():
    from losscli.engine import Accumulator

    acc = Accumulator(["ce:input=logits"])
    acc.update({"pred": np.array(PROBS), "target": np.array(LABELS)})
    assert acc.state()["losses"] == ["ce:input=logits"]
    assert Accumulator.from_state(acc.state()).compute().losses[0].label == "ce"


def test_bce_predictions_all_0_or_1_with_fractional_targets_warn_once(cli, files):
    files.csv("b.csv", ["pred", "target"], (1, 0.3), (0, 0.6), (1, 0.9))
    line = (
        "bce: every prediction in pred (b.csv column 'pred') is exactly 0 or 1 and some targets are fractional: "
        "are -p/--pred-col and -y/--target-col swapped?"
    )
    result = cli("eval", "b.csv", "-l", "bce", "-f", "json", "--chunk-rows", "1")
    assert result.stderr == f"Warning: {line}\n"  # three chunks, one warning
    r = report_of(result)
    assert r["warnings"] == [line]
    # torch: -(y log p + (1 - y) log(1 - p)) with each log clamped at -100 -> 0.7*100, 0.6*100, 0.1*100
    assert r["losses"][0]["value"] == pytest.approx((70 + 60 + 10) / 3, rel=1e-14)
    table = cli("eval", "b.csv", "-l", "bce", "-f", "table").stdout
    assert f"warning: {line}" in table
    md = cli("eval", "b.csv", "-l", "bce", "-f", "md").stdout
    assert "**Warnings**\n\n- ⚠️ bce: every prediction in pred (b.csv column 'pred') is exactly 0 or 1" in md


def test_warnings_reach_the_step_summary(cli, files, tmp_path):
    files.csv("b.csv", ["pred", "target"], (1, 0.3), (0, 0.6))
    summary = tmp_path / "s.md"
    cli("eval", "b.csv", "-l", "bce", "--gh-summary", "-f", "json", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert "- ⚠️ bce: every prediction in pred (b.csv column 'pred') is exactly 0 or 1" in summary.read_text()


def test_a_column_name_cannot_add_markup_to_a_markdown_warning(cli, files):
    files.text("b.csv", "pred](http://x) <b>|,target\n1,0.3\n0,0.6\n")
    md = cli("eval", "b.csv", "-p", "1", "-y", "2", "-l", "bce", "-f", "md").stdout
    assert "pred&#93;(http://x) &#60;b&#62;&#124;" in md  # no link, no tag, no cell break (losscli.render.escape.md)


def test_logits_that_all_lie_in_the_unit_interval_warn(cli, files):
    files.csv("l.csv", ["pred", "target"], (0.9, 1), (0.2, 0), (0.6, 1))
    result = cli("eval", "l.csv", "-l", "bce_logits", "-f", "json")
    assert result.stderr == (
        "Warning: bce_logits: every value of pred (l.csv column 'pred') is in [0, 1]: if they are probabilities, "
        "use bce (bce_logits applies the sigmoid first).\n"
    )
    files.csv("l2.csv", ["pred", "target"], (0.9, 1), (-0.2, 0))
    assert cli("eval", "l2.csv", "-l", "bce_logits", "-f", "json").stderr == ""


def test_pm1_targets_of_bce_logits_stop_and_pos_label_reads_them(cli, files):
    files.csv("pm.csv", ["pred", "target"], (2.0, 1), (-1.0, -1), (0.5, 1))
    fails(
        cli("eval", "pm.csv", "-l", "bce_logits", "-f", "json"),
        3,
        "bce_logits: target (pm.csv column 'target') holds -1/+1 labels, which bce_logits would score as target values; "
        "pass --pos-label 1 to read them as 0/1.",
    )
    r = report_of(cli("eval", "pm.csv", "-l", "bce_logits", "--pos-label", "1", "-f", "json"))
    x, y = np.array([2.0, -1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    assert r["losses"][0]["value"] == pytest.approx(np.mean(np.log1p(np.exp(-x)) + (1 - y) * x), rel=1e-14)
    fails(
        cli("eval", "pm.csv", "-l", "bce", "-f", "json"),
        3,
        "bce: probs (pm.csv column 'pred') must be in [0, 1] (bce takes probabilities; use bce_logits for logits), got 2 at row 1",
    )


# ============================================================================ checks: labels as users have them (item 6)
# Logits of three classes and their class names; expected values from numpy's log-softmax.
LOGITS = [[2.0, 1.0, 0.1], [0.5, 1.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 1.0]]
NAMES = ["cat", "dog", "bird", "dog"]
INDEX = [0, 1, 2, 1]  # --classes cat,dog,bird


def _ce(logits, idx):
    return float(np.mean(-_log_softmax(logits)[np.arange(len(idx)), idx]))


def _named_csv(files, names=NAMES, name="n.csv") -> str:
    return files.csv(name, ["l_cat", "l_dog", "l_bird", "animal"], *[[*r, y] for r, y in zip(LOGITS, names)])


@pytest.mark.parametrize("extra", [[], ["--chunk-rows", "1"]])
def test_classes_map_text_labels_to_the_columns_order(cli, files, extra):
    _named_csv(files)
    r = report_of(cli("eval", "n.csv", "-p", "l_*", "-y", "animal", "-l", "ce", "--classes", "cat,dog,bird", "-f", "json", *extra))
    assert r["losses"][0]["value"] == pytest.approx(_ce(LOGITS, INDEX), rel=1e-14)
    assert r["config"]["classes"] == ["cat", "dog", "bird"]


def test_classes_from_jsonl_and_parquet_and_numeric_codes(cli, files):
    import pyarrow as pa
    import pyarrow.parquet as pq

    files.text("n.jsonl", "".join(json.dumps({"a": r[0], "b": r[1], "c": r[2], "y": y}) + "\n" for r, y in zip(LOGITS, NAMES)))
    pq.write_table(pa.table({"a": [r[0] for r in LOGITS], "b": [r[1] for r in LOGITS], "c": [r[2] for r in LOGITS], "y": NAMES}), files.root / "n.parquet")
    for path in ("n.jsonl", "n.parquet"):
        r = report_of(cli("eval", path, "-p", "a,b,c", "-y", "y", "-l", "ce", "--classes", "cat,dog,bird", "-f", "json"))
        assert r["losses"][0]["value"] == pytest.approx(_ce(LOGITS, INDEX), rel=1e-14), path
    _named_csv(files, ["3", "7", "9", "7.0"], "codes.csv")  # codes 3, 7, 9 are classes 0, 1, 2; 7.0 is 7
    r = report_of(cli("eval", "codes.csv", "-p", "l_*", "-y", "animal", "-l", "ce", "--classes", "3,7,9", "-f", "json"))
    assert r["losses"][0]["value"] == pytest.approx(_ce(LOGITS, INDEX), rel=1e-14)


@pytest.mark.parametrize("extra", [[], ["--chunk-rows", "1"]])
def test_an_unknown_label_names_itself_and_its_row(cli, files, extra):
    _named_csv(files, ["cat", "dog", "fish", "dog"])
    fails(
        cli("eval", "n.csv", "-p", "l_*", "-y", "animal", "-l", "ce", "--classes", "cat,dog,bird", "-f", "json", *extra),
        3,
        "Label 'fish' in n.csv column 'animal' at row 3 is not one of --classes cat,dog,bird.",
    )


def test_class_flags_that_cannot_be_right_are_usage_errors(cli, files):
    _named_csv(files)
    args = ["eval", "n.csv", "-p", "l_*", "-y", "animal", "-l", "ce", "-f", "json"]
    fails(cli(*args, "--classes", "cat,dog"), 2, "--classes names 2 labels, but pred has 3 columns: give one label per column, in the order of pred's columns.")
    fails(cli(*args, "--classes", "cat,dog,cat"), 2, "--classes names label 'cat' twice.")
    fails(cli(*args, "--classes", "cat,dog,bird", "--pos-label", "cat"), 2, "Pass one of --classes (class labels) and --pos-label (a binary target), not both.")


def test_a_missing_label_follows_the_nan_policy(cli, files):
    _named_csv(files, ["cat", "dog", "", "dog"])
    args = ["eval", "n.csv", "-p", "l_*", "-y", "animal", "-l", "ce", "--classes", "cat,dog,bird", "-f", "json"]
    assert cli(*args).exit_code == 3
    r = report_of(cli(*args, "--nan-policy", "omit"))
    assert r["inputs"]["rows_used"] == 3
    assert r["losses"][0]["value"] == pytest.approx(_ce([LOGITS[0], LOGITS[1], LOGITS[3]], [0, 1, 1]), rel=1e-14)


def test_pos_label_makes_a_binary_target(cli, files):
    files.csv("yn.csv", ["pred", "target"], (0.9, "yes"), (0.2, "no"), (0.6, "yes"))
    r = report_of(cli("eval", "yn.csv", "-l", "bce", "--pos-label", "yes", "-f", "json"))
    assert r["losses"][0]["value"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.6])), rel=1e-14)
    assert r["config"]["pos_label"] == "yes"
    fails(cli("eval", "yn.csv", "-l", "bce", "--pos-label", "Yes", "-f", "json"), 3,
          "--pos-label 'Yes' is neither of the labels 'yes' and 'no' of yn.csv column 'target' (the second at row 2).")
    files.csv("abc.csv", ["pred", "target"], (0.9, "a"), (0.2, "b"), (0.6, "c"))
    fails(cli("eval", "abc.csv", "-l", "bce", "--pos-label", "a", "-f", "json", "--chunk-rows", "1"), 3,
          "abc.csv column 'target' has more than two labels ('a', 'b', 'c'; the third at row 3): --pos-label is for a binary target; use --classes for classes.")


def test_a_pos_label_that_never_occurs_in_a_one_label_target_warns(cli, files):
    files.csv("y.csv", ["pred", "target"], (0.9, "yes"), (0.6, "yes"))
    result = cli("eval", "y.csv", "-l", "bce", "--pos-label", "Yes", "-f", "json")
    line = "--pos-label 'Yes' never occurs in y.csv column 'target', whose only label is 'yes': every target is 0."
    assert result.stderr == f"Warning: {line}\n" and report_of(result)["warnings"] == [line]


@pytest.mark.parametrize("spec", ["log_loss", "brier", "hinge", "soft_margin"])
def test_pm1_labels_where_the_reference_takes_them(cli, files, spec):
    # scikit-learn's binary metrics sort the labels: -1 is the negative class; hinge and soft
    # margin take -1/+1 as they are. Expected: the same loss on 0/1 labels.
    files.csv("pm.csv", ["pred", "target"], (0.9, 1), (0.2, -1), (0.6, 1))
    files.csv("01.csv", ["pred", "target"], (0.9, 1), (0.2, 0), (0.6, 1))
    pm = report_of(cli("eval", "pm.csv", "-l", spec, "-f", "json"))["losses"][0]["value"]
    assert pm == report_of(cli("eval", "01.csv", "-l", spec, "-f", "json"))["losses"][0]["value"]
    if spec == "log_loss":
        assert pm == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.6])), rel=1e-14)


def test_minus_one_and_zero_together_are_three_classes_even_across_chunks(cli, files):
    files.csv("mix.csv", ["pred", "target"], (0.9, 1), (0.2, -1), (0.6, 0))
    fails(cli("eval", "mix.csv", "-l", "log_loss", "-f", "json", "--chunk-rows", "2"), 3,
          "log_loss: target (mix.csv column 'target') holds both -1 and 0 labels: three classes for a binary loss, which takes 0/1 or -1/+1 labels.")


def test_labels_with_the_dask_engine_are_a_usage_error(cli, files):
    files.csv("yn.csv", ["pred", "target"], (0.9, "yes"), (0.2, "no"))
    fails(cli("eval", "yn.csv", "-l", "bce", "--pos-label", "yes", "--engine", "dask", "-f", "json"), 2,
          "--pos-label is not supported with --engine dask yet; map the labels with --engine local.")


# ---------------------------------------------------------------------------- stdin streamed
# stdin ('-', '-:tsv', '-:txt', '-:npy') is streamed like a file: read once, front to back, in
# bounded memory, its digest (BLAKE3) computed from the bytes as they are read. (The memory bound itself:
# tests/test_memory.py::test_a_large_csv_on_stdin_streams_in_bounded_memory.)


def test_stdin_csv_is_streamed_with_the_digest_of_its_bytes(cli, files, monkeypatch):
    from losscli.readers.stream import csv as csv_stream

    rows = "".join(f"{i / 7},{i % 3}\n" for i in range(300))
    text = "pred,target\n" + rows
    files.text("xy.csv", text)
    opened = []
    real = csv_stream.CsvStream.__init__
    monkeypatch.setattr(csv_stream.CsvStream, "__init__", lambda self, paths, *a, **k: (opened.append(paths), real(self, paths, *a, **k))[1])
    piped = report_of(cli("eval", "-", "-l", "mse", "-f", "json", "--chunk-rows", "7", input=text))
    assert opened == [["-"]]  # the streamed reader took stdin (not a whole read)
    opened.clear()
    whole = report_of(cli("eval", "-", "-l", "mse", "-f", "json", input=text))
    assert opened == [["-"]]  # streamed without --chunk-rows too: stdin always is
    by_path = report_of(cli("eval", "xy.csv", "-l", "mse", "-f", "json"))
    # the digest is the BLAKE3 of the bytes given (the blake3 package here, independently)
    assert piped["inputs"]["pred"]["blake3"] == whole["inputs"]["pred"]["blake3"] == blake3.blake3(text.encode()).hexdigest()
    assert piped["inputs"]["pred"]["blake3"] == by_path["inputs"]["pred"]["blake3"]
    expected = float(np.mean([(i / 7 - i % 3) ** 2 for i in range(300)]))  # numpy on the same values
    for r in (piped, whole, by_path):
        assert r["inputs"]["rows"] == 300
        assert abs(r["losses"][0]["value"] - expected) <= 1e-12 * expected


def test_stdin_npy_is_streamed_in_blocks(cli, files, monkeypatch):
    from losscli.readers.stream import npy as npy_stream

    sizes = []
    real = npy_stream.Pipe.readinto
    monkeypatch.setattr(npy_stream.Pipe, "readinto", lambda self, view: (sizes.append(len(view)), real(self, view))[1])
    x = np.arange(10.0) / 4
    y = np.ones(10)
    files.npy("y.npy", y)
    files.npy("x.npy", x)
    data = (files.root / "x.npy").read_bytes()
    r = report_of(cli("eval", "-:npy", "y.npy", "-l", "mse", "-f", "json", "--chunk-rows", "3", input=data))
    assert r["losses"][0]["value"] == float(np.mean((x - y) ** 2))  # numpy, independently: 1.28125
    assert r["inputs"]["pred"]["blake3"] == blake3.blake3(data).hexdigest()
    assert (r["inputs"]["pred"]["shape"], r["inputs"]["pred"]["dtype"]) == ([10], "float64")
    assert sizes == [24, 24, 24, 8]  # rows read 3 at a time (3 x 8 bytes), never the whole array


def test_stdin_npy_cut_in_its_data_is_the_whole_read_error(cli, files):
    files.npy("y.npy", np.ones(10))
    files.npy("x.npy", np.arange(10.0))
    data = (files.root / "x.npy").read_bytes()[:-20]  # 80 bytes of data declared, 60 given
    for extra in ([], ["--chunk-rows", "2"]):
        fails(cli("eval", "-:npy", "y.npy", "-l", "mse", *extra, input=data), 3,
              "<stdin> is truncated or corrupt: its header declares shape (10,) of float64 (80 bytes of data) but 60 bytes follow.")


def test_stdin_npy_that_a_stream_does_not_take_is_read_whole(cli, files):
    # a Fortran-ordered 2-D array: its rows are not contiguous, so stdin is read whole instead
    a = np.asfortranarray(np.arange(8.0).reshape(4, 2))
    files.npy("f.npy", a)
    files.npy("z.npy", np.zeros((4, 2)))
    r = report_of(cli("eval", "-:npy", "z.npy", "-l", "mse", "-f", "json", input=(files.root / "f.npy").read_bytes()))
    assert r["losses"][0]["value"] == float(np.mean(a**2))  # 17.5


def test_stdin_jsonl_and_tsv(cli, files):
    # JSONL is read whole (as a JSONL file is); TSV is streamed; both give the file's value
    jsonl = "".join(json.dumps({"pred": p, "target": t}) + "\n" for p, t in [(0.5, 0), (-1, 1), (2, 2.5), (3, 0)])
    assert cli("eval", "-:jsonl", "-l", "mse", "-b", input=jsonl).stdout == "3.375\n"  # (0.25 + 4 + 0.25 + 9) / 4
    assert cli("eval", "-:tsv", "-l", "mse", "-b", input="pred\ttarget\n0.5\t0\n-1\t1\n2\t2.5\n3\t0\n").stdout == "3.375\n"


def test_compressed_npy_is_streamed(cli, files):
    x = np.linspace(-1, 1, 9)
    files.npy("x.npy", x)
    files.npy("y.npy", np.zeros(9))
    raw = (files.root / "x.npy").read_bytes()
    files.bytes("x.npy.gz", gzip.compress(raw, mtime=0))
    r = report_of(cli("eval", "x.npy.gz", "y.npy", "-l", "mse", "-f", "json", "--chunk-rows", "2"))
    assert r["losses"][0]["value"] == float(np.mean(x**2))
    assert r["inputs"]["pred"]["blake3"] == blake3.blake3((files.root / "x.npy.gz").read_bytes()).hexdigest()  # the file's bytes


# ---------------------------------------------------------------------------- #13.2: headers
# A first line of numbers only is data (np.savetxt writes no header): the table is headerless,
# its columns are 1-based indices and a note on stderr says so; --header forces the old reading.

ROWS = [[0.25, 0.5], [-1.5, 1.0], [2.0, 2.5], [3.0, 0.0]]
SEPS = {"csv": ",", "tsv": "\t", "txt": " "}


def table_text(rows, sep: str, header: list[str] | None = None) -> str:
    lines = ([sep.join(header)] if header else []) + [sep.join(repr(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def _mse(rows) -> float:
    a = np.asarray(rows, dtype=np.float64)
    return float(np.mean((a[:, 0] - a[:, 1]) ** 2))  # numpy's own mse of pred (column 1) and target (column 2)


def header_note(name: str, k: int = 2) -> str:
    return f"Note: {name} has no header row (its first line is numbers): columns are 1..{k}; pass --header if that line names them.\n"


@pytest.mark.parametrize("fmt", ["csv", "tsv", "txt"])
@pytest.mark.parametrize("streamed", [[], ["--chunk-rows", "1"]], ids=["whole", "streamed"])
def test_a_headerless_numeric_file_keeps_its_first_row(cli, files, fmt, streamed):
    name = files.text(f"h.{fmt}", table_text(ROWS, SEPS[fmt]))
    result = cli("eval", name, "-l", "mse", "-f", "json", *streamed)
    assert (result.exit_code, result.stderr) == (0, header_note(name))
    report = json.loads(result.stdout)
    assert report["inputs"]["rows"] == 4
    assert report["inputs"]["pred"]["columns"] == ["1"] and report["inputs"]["target"]["columns"] == ["2"]
    assert report["losses"][0]["value"] == _mse(ROWS)


@pytest.mark.parametrize("streamed", [[], ["--chunk-rows", "1"]], ids=["whole", "streamed"])
def test_header_forces_the_first_line_to_be_column_names(cli, files, streamed):
    name = files.text("h.csv", table_text(ROWS, ","))
    result = cli("eval", name, "-l", "mse", "-f", "json", "--header", *streamed)
    assert (result.exit_code, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    assert report["inputs"]["rows"] == 3 and report["inputs"]["pred"]["columns"] == ["0.25"]
    assert report["losses"][0]["value"] == _mse(ROWS[1:])


def test_headerless_single_column_files(cli, files):
    np.savetxt(files.root / "p.txt", [0.5, 1.5, 2.0])
    np.savetxt(files.root / "t.txt", [0.0, 1.0, 3.0])
    result = cli("eval", "p.txt", "t.txt", "-l", "mse", "-b")
    note = "Note: {} has no header row (its first line is numbers): its column is 1; pass --header if that line names them.\n"
    assert (result.exit_code, result.stderr) == (0, note.format("p.txt") + note.format("t.txt"))
    assert result.stdout == f"{_mse([[0.5, 0.0], [1.5, 1.0], [2.0, 3.0]])!r}\n"


def test_savetxt_output_is_read_whole(cli, files):
    rows = np.random.default_rng(7).random((100, 2))
    np.savetxt(files.root / "s.csv", rows, delimiter=",")  # '%.18e' cells, no header
    result = cli("eval", "s.csv", "-l", "mse", "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["inputs"]["rows"] == 100
    assert report["losses"][0]["value"] == pytest.approx(_mse(rows), rel=1e-15)


def test_a_header_of_names_is_still_a_header(cli, files):
    name = files.text("n.csv", table_text(ROWS, ",", ["pred", "target"]))
    result = cli("eval", name, "-l", "mse", "-b")
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"{_mse(ROWS)!r}\n", "")


def test_a_first_line_like_pandas_default_names_is_a_doubt(cli, files):
    # 0,1 is what DataFrame.to_csv writes as the header of an unnamed frame, and a row of data too
    files.text("d.csv", "0,1\n0.5,1.0\n2.0,0.0\n")
    fails(cli("eval", "d.csv", "-l", "mse"), 2, "Cannot tell whether the first line of d.csv (0,1) is column names or data: pass --header or --no-header.")
    with_header = cli("eval", "d.csv", "-l", "mse", "-b", "--header")
    assert with_header.stdout == f"{_mse([[0.5, 1.0], [2.0, 0.0]])!r}\n"
    without = cli("eval", "d.csv", "-l", "mse", "-b", "--no-header")
    assert without.stdout == f"{_mse([[0, 1], [0.5, 1.0], [2.0, 0.0]])!r}\n"


def _read(path: str, header: bool | None = None, chunk: int | None = None) -> list[np.ndarray]:
    """pred and target as the readers give them to the engine (streamed in chunks of ``chunk``
    rows when given), as float64: what every loss computes on."""
    from losscli.readers import load_inputs
    from losscli.readers.stream import iter_chunks

    loaded = load_inputs(path, header=header, hash_inputs=False, lazy=chunk is not None)
    parts = list(iter_chunks(loaded, chunk))
    return [np.concatenate([c.arrays[role] for c in parts]).astype(np.float64) for role in ("pred", "target")]


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(x.shape == y.shape and x.tobytes() == y.tobytes() for x, y in zip(a, b))  # bit for bit


_cells = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=30)  # each example reads 4-6 files
@given(rows=st.lists(st.tuples(_cells, _cells), min_size=1, max_size=6), fmt=st.sampled_from(["csv", "tsv", "txt"]), chunk=st.sampled_from([None, 1, 2]))
def test_headerless_and_headed_files_give_the_same_values(files, rows, fmt, chunk):
    # the same rows with and without a header line: auto-detected, and with --no-header / --header
    headed = files.text(f"headed.{fmt}", table_text(rows, SEPS[fmt], ["pred", "target"]))
    bare = files.text(f"bare.{fmt}", table_text(rows, SEPS[fmt]))
    expected = [np.array([r[0] for r in rows]), np.array([r[1] for r in rows])]
    assert _same(_read(headed, True, chunk), expected)
    assert _same(_read(headed, None, chunk), expected)
    assert _same(_read(bare, None, chunk), expected)
    assert _same(_read(bare, False, chunk), expected)


def test_headerless_and_headed_files_give_the_same_report(cli, files):
    headed = files.text("headed.csv", table_text(ROWS, ",", ["pred", "target"]))
    bare = files.text("bare.tsv", table_text(ROWS, "\t"))

    def losses(*args):
        result = cli("eval", *args, "-l", "mse", "-l", "mae", "-f", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)["losses"]

    assert losses(bare) == losses(bare, "--no-header", "--chunk-rows", "3") == losses(headed) == losses(headed, "--header")


# ---------------------------------------------------------------------------- #13.5: values read exactly (and #14 reader crashes)
# The same numbers give the same report in every format: integers past int64 keep their value
# (as float64, rounded as np.float64(np.uint64(v)) rounds), JSONL columns are never dates,
# JSON booleans are not numbers, integers too large for float64 are errors.

U64_MAX = 2**64 - 1


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_unsigned_64_bit_integers_keep_their_value(cli, files, fmt):
    if fmt == "csv":
        files.text("u.csv", f"pred,target\n0,{U64_MAX}\n")
    else:
        files.text("u.jsonl", f'{{"pred": 0, "target": 1}}\n{{"pred": 0, "target": {U64_MAX}}}\n')
    result = cli("eval", f"u.{fmt}", "-l", "mse", "-b")
    target = np.array([U64_MAX] if fmt == "csv" else [1, U64_MAX], dtype=np.uint64).astype(np.float64)
    assert (result.exit_code, result.stdout) == (0, f"{float(np.mean(target**2))!r}\n")  # was 1.0 / 2.0: wrapped to -1


def test_jsonl_integers_past_uint64_are_rounded_not_refused(cli, files):
    files.text("big.jsonl", f'{{"pred": 0, "target": {2**70 + 1}}}\n')
    result = cli("eval", "big.jsonl", "-l", "mae", "-b")
    assert (result.exit_code, result.stdout) == (0, f"{float(2**70 + 1)!r}\n")  # Python's float(int): correctly rounded


@pytest.mark.parametrize("column", ["modified", "date", "created_at", "timestamp_ms"])
def test_jsonl_columns_named_like_dates_stay_numbers(cli, files, column):
    files.text("d.jsonl", f'{{"{column}": 1600000000000, "y": 1600000000005}}\n{{"{column}": 3, "y": 8}}\n')
    result = cli("eval", "d.jsonl", "-p", column, "-y", "y", "-l", "mse", "-b")
    assert (result.exit_code, result.stdout) == (0, "25.0\n")  # (5² + 5²) / 2; was 2.56e30 (dates in ns)


@pytest.mark.parametrize("values", ["true, false", "0.5, true"], ids=["all_booleans", "mixed"])
def test_json_booleans_are_not_numbers(cli, files, values):
    a, b = values.split(", ")
    files.text("b.jsonl", f'{{"pred": {a}, "target": 0}}\n{{"pred": {b}, "target": 1}}\n')
    row = 1 if a == "true" else 2
    fails(cli("eval", "b.jsonl", "-l", "mse"), 3, f"Non-numeric value 'True' in b.jsonl, column 'pred' (pred), row {row}.")


@pytest.mark.parametrize("text", ["9" * 309, "-" + "9" * 309], ids=["positive", "negative"])
def test_an_integer_too_large_for_float64_is_named(cli, files, text):
    files.text("l.csv", f"pred,target\n1,{text}\n2,3\n")
    message = "Integer of 309 digits in l.csv, column 'target' (target), row 1: too large for a 64-bit float."
    fails(cli("eval", "l.csv", "-l", "mse"), 3, message)
    files.text("l.jsonl", f'{{"pred": 1, "target": {text}}}\n')
    fails(cli("eval", "l.jsonl", "-l", "mse"), 3, message.replace("l.csv", "l.jsonl"))


def test_an_integer_too_large_for_float64_among_text_cells_is_named(cli, files):
    # past int64 and negative in one column: pandas keeps the cells as text, which parse to -inf
    files.text("l.csv", f"pred,target\n1,{U64_MAX}\n2,-{'9' * 309}\n")
    fails(cli("eval", "l.csv", "-l", "mse"), 3, "Integer of 309 digits in l.csv, column 'target' (target), row 2: too large for a 64-bit float.")


@pytest.mark.parametrize("extra", [[], ["--chunk-rows", "2"], ["--nan-policy", "omit"]], ids=["whole", "streamed", "omit"])
def test_an_integer_too_large_for_float64_among_floats_is_named_not_read_as_inf(cli, files, extra):
    # pandas parses the column as floats and the integer as inf: its text says it was no inf
    big = "9" * 309
    files.text("f.csv", f"pred,target\n1,1.5\n\n2,2.5\n3,3.5\n4,{big}\n5,inf\n")  # the blank line is row 2 (a row of empty cells)
    fails(cli("eval", "f.csv", "-l", "mse", *extra), 3, "Integer of 309 digits in f.csv, column 'target' (target), row 5: too large for a 64-bit float.")


def test_an_integer_too_large_for_float64_in_the_second_file_of_a_glob_is_named(cli, files):
    files.text("s1.csv", "pred,target\n1,1.5\n2,2.5\n")
    files.text("s2.csv", f"pred,target\n1,1.5\n2,-{'9' * 309}\n")
    fails(cli("eval", "s*.csv", "-l", "mse"), 3, "Integer of 309 digits in s*.csv, column 'target' (target), row 4: too large for a 64-bit float.")


def test_a_308_digit_integer_is_a_number(cli, files):
    big = 10**307 * 17  # 1.7e308 < float64's max: rounded, not refused
    files.text("l.csv", f"pred,target\n0,{big}\n")
    result = cli("eval", "l.csv", "-l", "mae", "-b")
    assert (result.exit_code, result.stdout) == (0, f"{float(big)!r}\n")


def test_parquet_int64_past_2_53_with_a_null_is_rounded_and_the_null_follows_nan_policy(cli, files):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pred = [2**60 + 1, None, 3, -(2**60) - 1]
    pq.write_table(pa.table({"pred": pa.array(pred, pa.int64()), "target": [0.0, 1.0, 2.5, 0.0]}), files.root / "n.parquet")
    result = cli("eval", "n.parquet", "-l", "mse", "-f", "json", "--nan-policy", "omit")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    p = np.array([2**60 + 1, 3, -(2**60) - 1], dtype=np.int64).astype(np.float64)  # numpy's rounding of the int64 values
    assert report["losses"][0]["value"] == float(np.mean((p - np.array([0.0, 2.5, 0.0])) ** 2))
    assert report["inputs"]["dropped"]["nan"] == 1


# Columns whose values every format holds exactly: int64 integers, uint64 integers (some past
# 2^63), floats with 17 significant digits, and integers mixed with floats (a float column).
_near = st.sampled_from([2**53, 2**53 + 1, 2**62, 2**63 - 1, -(2**53) - 1, -(2**63)])
_int64 = st.one_of(st.integers(-(2**63), 2**63 - 1), _near, st.integers(-1000, 1000))
_uint64 = st.one_of(st.integers(0, U64_MAX), st.sampled_from([2**63, 2**63 + 1, 2**64 - 2, U64_MAX]))
_float = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e150, max_value=1e150)
_kinds = {
    "int64": _int64,
    "uint64": _uint64,
    "float": _float,
    "mixed": st.one_of(_int64, _float),
}


@st.composite
def _column(draw, n: int):
    kind = draw(st.sampled_from(sorted(_kinds)))
    return kind, draw(st.lists(_kinds[kind], min_size=n, max_size=n))


def _npy_array(kind: str, values: list) -> np.ndarray:
    if kind in ("int64", "uint64"):
        return np.array(values, dtype=kind)
    return np.array([float(v) for v in values])  # float(int) rounds as np.float64(np.uint64(v)) does


def _text(value) -> str:
    if isinstance(value, int):
        return str(value)  # exactly
    text = f"{value:.17g}"  # 17 significant digits
    return text if any(c in text for c in ".en") else text + ".0"  # written as a float: "-0" would be the integer 0, not -0.0


def _write_every_format(files, pred: tuple[str, list], target: tuple[str, list]) -> list[list[str]]:
    """The same values as NPY (two files), CSV, TSV, JSONL and Parquet: the eval arguments of each."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (pk, p), (tk, t) = pred, target
    np.save(files.root / "p.npy", _npy_array(pk, p))
    np.save(files.root / "t.npy", _npy_array(tk, t))
    for fmt, sep in (("csv", ","), ("tsv", "\t")):
        files.text(f"v.{fmt}", f"pred{sep}target\n" + "".join(f"{_text(a)}{sep}{_text(b)}\n" for a, b in zip(p, t)))
    files.text("v.jsonl", "".join(json.dumps({"pred": a, "target": b}) + "\n" for a, b in zip(p, t)))
    types = {"int64": pa.int64(), "uint64": pa.uint64()}
    arrow = [pa.array(_npy_array(k, v).tolist(), types.get(k, pa.float64())) for k, v in (pred, target)]
    pq.write_table(pa.table(arrow, names=["pred", "target"]), files.root / "v.parquet")
    return [["p.npy", "t.npy"], ["v.csv"], ["v.tsv"], ["v.jsonl"], ["v.parquet"]]


@settings(max_examples=30)  # each example reads 4-6 files
@given(data=st.data(), n=st.integers(1, 5))
def test_the_same_values_are_read_alike_in_every_format(files, data, n):
    pytest.importorskip("pyarrow")
    pred, target = data.draw(_column(n)), data.draw(_column(n))
    expected = [_npy_array(*pred).astype(np.float64), _npy_array(*target).astype(np.float64)]
    for args in _write_every_format(files, pred, target):
        from losscli.readers import load_inputs

        loaded = load_inputs(*args, hash_inputs=False)
        assert _same([loaded.arrays["pred"].astype(np.float64), loaded.arrays["target"].astype(np.float64)], expected), args


def test_the_same_values_give_the_same_report_in_every_format(cli, files):
    pytest.importorskip("pyarrow")
    pred = ("uint64", [0, 2**53 + 1, 2**63 + 1, U64_MAX])
    target = ("mixed", [-(2**63), 0.1, 9007199254740993, 1.2345678901234567e-5])

    def losses(*args):
        result = cli("eval", *args, "-l", "mse", "-l", "mae", "-f", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)["losses"]

    reports = [losses(*args) for args in _write_every_format(files, pred, target)]
    assert all(r == reports[0] for r in reports[1:])
    p, t = (_npy_array(*c).astype(np.float64) for c in (pred, target))
    assert reports[0][0]["value"] == float(np.mean((p - t) ** 2))  # numpy's mse of the values rounded as NPY holds them


# ---------------------------------------------------------------------------- provenance (item 7)
# BLAKE3 by default, --hash sha256|blake3|none; a --baseline report scored on other rows or
# another target is exit 3 (or accepted, visibly, with --baseline-other-target); merge refuses a
# state given twice and two states over the same rows of the same input.


def test_hash_flag_names_the_digest_by_its_algorithm(cli, files):
    name = files.xy_csv()
    data = (files.root / name).read_bytes()
    default = report_of(cli("eval", name, "-l", "mse", "-f", "json"))["inputs"]["pred"]
    assert default["blake3"] == blake3.blake3(data).hexdigest() and "sha256" not in default
    sha = report_of(cli("eval", name, "-l", "mse", "-f", "json", "--hash", "sha256"))["inputs"]["pred"]
    assert sha["sha256"] == hashlib.sha256(data).hexdigest() and "blake3" not in sha
    for flags in (["--hash", "none"], ["--no-hash"]):
        info = report_of(cli("eval", name, "-l", "mse", "-f", "json", *flags))["inputs"]["pred"]
        assert not {"blake3", "sha256"} & set(info)
    fails(cli("eval", name, "-l", "mse", "--no-hash", "--hash", "sha256"), 2, "--no-hash is --hash none, but --hash sha256 is given too; pass one of them.")


def test_stdin_and_gzip_digests_use_the_chosen_algorithm(cli, files):
    import gzip

    text = b"pred,target\n0.5,0\n-1,1\n"
    r = report_of(cli("eval", "-", "-l", "mse", "-f", "json", "--hash", "sha256", input=text.decode()))
    assert r["inputs"]["pred"]["sha256"] == hashlib.sha256(text).hexdigest()
    packed = gzip.compress(text)
    files.bytes("p.csv.gz", packed)
    r = report_of(cli("eval", "p.csv.gz", "-l", "mse", "-f", "json"))
    assert r["inputs"]["pred"]["blake3"] == blake3.blake3(packed).hexdigest()  # of the bytes as stored


def write_base_report(cli, files, pred, target, *flags) -> str:
    """A baseline report of ``pred`` against ``target`` (one table ``base.csv``)."""
    files.csv("base.csv", ["pred", "target"], *zip(pred, target))
    r = cli("eval", "base.csv", "-l", "mse", "-f", "json", "--report", "base.json", *flags)
    assert r.exit_code == 0, r.stderr
    return "base.json"


GATE = ("--fail-if", "mse<=base*10")


def test_baseline_on_the_same_target_is_used(cli, files):
    # the baseline's predictions differ, its target column is the same (one table each)
    base = write_base_report(cli, files, [0.0, 1.0, 2.0, 0.0], Y)
    files.xy_csv()
    run = cli("eval", "xy.csv", "-l", "mse", "-f", "json", "--baseline", base, *GATE)
    assert run.exit_code == 1  # mse 3.375 > 10 * base
    r = json.loads(run.stdout)
    # base mse: only row 3 differs from Y, by 0.5: 0.25 / 4 = 0.0625
    assert r["gates"][0]["base"] == 0.0625 and r["gates"][0]["passed"] is False
    assert "baseline_other_target" not in r["config"]


def test_baseline_on_another_target_is_exit_3(cli, files):
    base = write_base_report(cli, files, X, [0.0, 1.0, 2.5, 1.0])  # the last target differs
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mse", "-f", "json", "--baseline", base, *GATE)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.startswith("Error: --baseline base.json was scored on another target: its target values blake3 differs (")
    assert r.stderr.endswith("Compare on the same target, or pass --baseline-other-target to accept it.\n")
    assert r.stderr.count("\n") == 1


def test_baseline_on_other_rows_is_exit_3(cli, files):
    base = write_base_report(cli, files, X[:3], Y[:3])
    files.xy_csv()
    fails(
        cli("eval", "xy.csv", "-l", "mse", "--baseline", base, *GATE), 3,
        "--baseline base.json was scored on another target: it has 3 rows, this run 4. "
        "Compare on the same target, or pass --baseline-other-target to accept it.",
    )


def test_baseline_other_target_is_accepted_visibly(cli, files):
    base = write_base_report(cli, files, X, [0.0, 1.0, 2.5, 1.0])
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mse", "-f", "json", "--baseline", base, *GATE, "--baseline-other-target")
    assert r.exit_code == 0  # base: d = X - [0, 1, 2.5, 1] = [0.5, -2, -0.5, 2], mse 8.5 / 4 = 2.125; 3.375 <= 21.25
    out = json.loads(r.stdout)
    assert out["gates"][0]["base"] == 2.125
    said = out["config"]["baseline_other_target"]
    assert said.startswith("its target values blake3 differs (")
    assert out["gates"][0]["note"] == f"baseline on another target: {said}"
    assert f"Warning: --baseline base.json is accepted on another target (--baseline-other-target): {said}.\n" in r.stderr
    assert out["warnings"] == [f"--baseline base.json is accepted on another target (--baseline-other-target): {said}."]
    md = cli("eval", "xy.csv", "-l", "mse", "-f", "md", "--baseline", base, *GATE, "--baseline-other-target")
    assert f"(baseline on another target: {said})" in md.stdout
    table = cli("eval", "xy.csv", "-l", "mse", "-f", "table", "--baseline", base, *GATE, "--baseline-other-target")
    assert "baseline on another target" in table.stdout


def test_baseline_target_that_cannot_be_checked_is_exit_3_naming_what(cli, files):
    base = write_base_report(cli, files, X, Y, "--hash", "sha256")
    files.xy_csv()
    fails(
        cli("eval", "xy.csv", "-l", "mse", "--baseline", base, *GATE), 3,
        "--baseline base.json: cannot check that it was scored on this target: its target digest is sha256, this run's blake3 "
        "(rows match: 4); pass --hash sha256 to compare digests, or --baseline-other-target to accept it.",
    )
    r = report_of(cli("eval", "xy.csv", "-l", "mse", "-f", "json", "--baseline", base, *GATE, "--hash", "sha256"))
    assert r["gates"][0]["base"] == 3.375  # the same predictions: the same value
    fails(
        cli("eval", "xy.csv", "-l", "mse", "--baseline", base, *GATE, "--no-hash"), 3,
        "--baseline base.json: cannot check that it was scored on this target: this run has no digest of its target values "
        "(--hash none, or --engine dask) (rows match: 4); pass --baseline-other-target to accept it.",
    )


def test_old_baseline_with_a_separate_target_file_is_checked_by_the_file_digest(cli, files):
    files.npy("y.npy", Y)
    files.npy("x.npy", X)
    r = report_of(cli("eval", "x.npy", "y.npy", "-l", "mse", "-f", "json"))
    for info in r["inputs"].values():
        if isinstance(info, dict):
            info.pop("values_digest", None)  # as an older losscli wrote it: file digests only
    files.text("old.json", json.dumps(r))
    ok = report_of(cli("eval", "x.npy", "y.npy", "-l", "mse", "-f", "json", "--baseline", "old.json", *GATE))
    assert ok["gates"][0]["passed"] is True
    files.npy("y.npy", [0.0, 1.0, 2.5, 1.0])
    r = cli("eval", "x.npy", "y.npy", "-l", "mse", "--baseline", "old.json", *GATE)
    assert r.exit_code == 3 and r.stderr.startswith("Error: --baseline old.json was scored on another target: its target file (y.npy vs y.npy) blake3 differs (")


def test_baseline_other_target_needs_a_json_baseline(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-l", "mse", "--baseline-other-target"), 2, "--baseline-other-target is used by gates; pass --fail-if EXPR (e.g. --fail-if 'mse<=base*1.02').")


def test_target_values_digest_does_not_depend_on_format_or_chunking(cli, files):
    files.xy_csv()
    np.savez(files.root / "xy.npz", x=np.array(X), y=np.array(Y, dtype=np.float32))  # exact in float32: the same values
    a = report_of(cli("eval", "xy.csv", "-l", "mse", "-f", "json"))["inputs"]["target"]["values_digest"]
    b = report_of(cli("eval", "xy.npz:x", "xy.npz:y", "-l", "mse", "-f", "json", "--chunk-rows", "1"))["inputs"]["target"]["values_digest"]
    assert a == b == {"blake3": blake3.blake3(b"()" + np.array(Y, dtype="<f8").tobytes()).hexdigest()}


def test_a_target_file_of_its_own_is_named_by_its_file_digest_alone(cli, files):
    # no second hash of the same bytes: the file's digest already names the target
    files.xy_npy()
    target = report_of(cli("eval", "x.npy", "y.npy", "-l", "mse", "-f", "json"))["inputs"]["target"]
    assert "values_digest" not in target
    assert target["blake3"] == blake3.blake3((files.root / "y.npy").read_bytes()).hexdigest()


def emit_state(cli, name: str, out: str, *flags) -> None:
    r = cli("eval", name, "-l", "mse", "-f", "json", "--emit-state", out, *flags)
    assert r.exit_code == 0, r.stderr


def test_states_carry_their_inputs_digests_and_row_range(cli, files):
    files.xy_csv()
    emit_state(cli, "xy.csv", "s.json", "--row-offset", "10")
    state = json.loads((files.root / "s.json").read_text())
    digest = blake3.blake3((files.root / "xy.csv").read_bytes()).hexdigest()
    assert state["inputs"]["pred"]["blake3"] == state["inputs"]["target"]["blake3"] == digest
    assert (state["first_row"], state["rows"]) == (10, 4)


def test_baseline_without_a_target_values_digest_is_exit_3_when_the_target_shares_a_file(cli, files):
    files.xy_csv()
    r = report_of(cli("eval", "xy.csv", "-l", "mse", "-f", "json"))
    del r["inputs"]["target"]["values_digest"]  # as --engine dask or an older losscli wrote it; xy.csv also holds pred
    files.text("old.json", json.dumps(r))
    fails(
        cli("eval", "xy.csv", "-l", "mse", "--baseline", "old.json", *GATE), 3,
        "--baseline old.json: cannot check that it was scored on this target: it has no digest of its target values "
        "(made with --hash none or --engine dask, or by an older losscli) (rows match: 4); pass --baseline-other-target to accept it.",
    )


# ---------------------------------------------------------------------------- #13.8 statistics follow-ups
# Every CI and se on a headline row is an interval for the headline; rows that add nothing to the
# headline (weight 0, ignore_index) are not samples; a missing group key is a group of its own.
# Expected numbers: numpy on the rows by hand in each test (never the code under test).


def _t975(df: int) -> float:
    return {1: 12.706204736174704, 2: 4.302652729749464}[df]  # scipy.stats.t.ppf(0.975, df)


def test_a_combination_with_a_root_or_ratio_term_has_no_analytic_ci(cli, files):
    files.xy_csv()
    message = ("--ci analytic: the headline of 'c' is not the mean of its per-sample values (its term 'rmse' is a root of a mean "
               "or a ratio of sums), so it has no t interval; use --ci bootstrap.")
    fails(cli("eval", "xy.csv", "-l", "c=1*rmse", "--ci", "analytic"), 2, message)
    files.npy("x.npy", [[2.0, 1.0, 0.0], [0.5, 1.5, -1.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]])
    files.npy("y.npy", [0, 1, 2, 0])
    fails(cli("eval", "x.npy", "y.npy", "-l", "c=1*ce:ignore_index=2", "--ci", "analytic"), 2, message.replace("'rmse'", "'ce:ignore_index=2'"))
    r = report_of(cli("eval", "xy.csv", "-l", "c=2*mse+1*mae", "--ci", "analytic", "-f", "json"))["losses"][0]
    v = 2 * (np.array(X) - Y) ** 2 + np.abs(np.array(X) - Y)  # a plain mean: its t interval stays
    assert r["value"] == pytest.approx(v.mean()) and r["se"] == pytest.approx(v.std(ddof=1) / 2)
    assert r["ci"]["low"] == pytest.approx(v.mean() - 3.182446305284263 * v.std(ddof=1) / 2)  # scipy t.ppf(0.975, 3)
    assert "per_sample" not in r


def test_class_weighted_losses_name_their_per_sample_statistics(cli, files):
    x = np.array([[2.0, 1.0, 0.0], [0.5, 1.5, -1.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]])
    y = np.array([0, 1, 2, 0])
    files.npy("x.npy", x), files.npy("y.npy", y)
    r = report_of(cli("eval", "x.npy", "y.npy", "-l", "ce:weight=1;5;20", "-l", "c=1*ce:weight=1;5;20", "-f", "json"))
    nll = -(x - np.log(np.exp(x).sum(axis=1, keepdims=True)))[np.arange(4), y]
    w = np.array([1.0, 5.0, 20.0])[y]
    ce, c = r["losses"]
    assert ce["value"] == pytest.approx((w * nll).sum() / w.sum()) == pytest.approx(c["value"])
    assert (ce["per_sample"], c["per_sample"]) == ("ce:weight=1;5;20.class_weighted", "c.weighted_sum")
    for e in (ce, c):  # the statistics are those of the per-sample w_y * nll
        assert e["mean"] == pytest.approx((w * nll).mean()) and e["std"] == pytest.approx((w * nll).std(ddof=1))


def test_zero_weight_rows_are_not_samples(cli, files):
    files.csv("a.csv", ["pred", "target", "w"], (1, 2, 1), (3, 5, 3))
    files.csv("b.csv", ["pred", "target", "w"], (1, 2, 1), (3, 5, 3), *[(5, 5, 0)] * 6, (50, 0, 0))
    sq, w = np.array([1.0, 4.0]), np.array([1.0, 3.0])
    mean = (w * sq).sum() / w.sum()  # 3.25
    std = math.sqrt((w * (sq - mean) ** 2).sum() / w.sum() * 2 / 1)  # Bessel over the 2 weighted rows
    n_eff = w.sum() ** 2 / (w * w).sum()
    for args in ([], ["--chunk-rows", "2"]):
        a = report_of(cli("eval", "a.csv", "-w", "w", "-l", "mse", "--ci", "analytic", "--top-k", "1", "-f", "json", *args))["losses"][0]
        b = report_of(cli("eval", "b.csv", "-w", "w", "-l", "mse", "--ci", "analytic", "--top-k", "1", "-f", "json", *args))["losses"][0]
        assert b["value"] == pytest.approx(mean) and b["std"] == pytest.approx(std) and b["se"] == pytest.approx(std / math.sqrt(n_eff))
        assert (b["n"], b["min"], b["max"], b["worst"][0]["row"], b["worst"][0]["value"]) == (2, 1.0, 4.0, 2, 4.0)
        assert {k: b[k] for k in ("n", "mean", "std", "se", "min", "max", "ci")} == {k: a[k] for k in ("n", "mean", "std", "se", "min", "max", "ci")}


def test_ignored_rows_are_not_samples(cli, files):
    x = np.array([[2.0, 1.0, 0.0], [0.5, 1.5, -1.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]])
    y = np.array([0, 1, 2, 0])
    files.npy("x.npy", x), files.npy("y.npy", y)
    nll = -(x - np.log(np.exp(x).sum(axis=1, keepdims=True)))[np.arange(4), y][[0, 1, 3]]  # row 3 is ignored
    for extra in ([], ["--chunk-rows", "1"]):
        r = report_of(cli("eval", "x.npy", "y.npy", "-l", "ce:ignore_index=2", "--ci", "analytic", "--top-k", "4", "-f", "json", *extra))["losses"][0]
        assert r["value"] == pytest.approx(nll.mean()) and r["mean"] == pytest.approx(nll.mean())
        assert (r["n"], r["min"], r["std"]) == (3, pytest.approx(nll.min()), pytest.approx(nll.std(ddof=1)))
        assert r["se"] == pytest.approx(nll.std(ddof=1) / math.sqrt(3))
        assert r["ci"]["low"] == pytest.approx(nll.mean() - _t975(2) * nll.std(ddof=1) / math.sqrt(3))
        assert sorted(e["row"] for e in r["worst"]) == [1, 2, 4]


def test_zero_weight_rows_per_group_and_merged_shards(cli, files):
    files.csv("b.csv", ["pred", "target", "w", "g"], (1, 2, 1, "a"), (3, 5, 3, "a"), (5, 5, 0, "a"), (7, 0, 0, "b"), (2, 0, 1, "b"))
    r = report_of(cli("eval", "b.csv", "-w", "w", "-g", "g", "-l", "mse", "-f", "json"))
    a, b = (g["losses"][0] for g in r["groups"])
    assert (a["n"], a["max"], b["n"], b["min"], b["max"]) == (2, 4.0, 1, 4.0, 4.0)
    assert r["losses"][0]["n"] == 3 and r["losses"][0]["max"] == 4.0


def test_a_missing_group_key_is_its_own_group(cli, files):
    files.text("g.csv", "pred,target,g\n1,2,1\n3,5,\n5,5,1\n2,2,2\n4,0,2\n")
    sq = (np.array([1, 3, 5, 2, 4.0]) - [2, 5, 5, 2, 0]) ** 2
    for policy in ("error", "omit"):
        r = report_of(cli("eval", "g.csv", "-g", "g", "-l", "mse", "--nan-policy", policy, "-f", "json"))
        assert r["losses"][0]["value"] == pytest.approx(sq.mean())  # 4.2: no row dropped from the overall row
        keys = [(g["key"]["g"], g["losses"][0]["value"]) for g in r["groups"]]
        assert keys == [(1.0, pytest.approx(sq[[0, 2]].mean())), (2.0, pytest.approx(sq[[3, 4]].mean())), (None, pytest.approx(sq[1]))]
    out = ok(cli("eval", "g.csv", "-g", "g", "-l", "mse", "-f", "table"))
    assert "(missing)" in out
    files.text("t.jsonl", "\n".join(json.dumps(d) for d in [
        {"pred": 3, "target": 5, "g": "nan"}, {"pred": 4, "target": 0, "g": None}, {"pred": 1, "target": 2, "g": "a"}]) + "\n")
    r = report_of(cli("eval", "t.jsonl", "-p", "pred", "-y", "target", "-g", "g", "-l", "mse", "-f", "json"))
    assert [(g["key"]["g"], g["losses"][0]["value"]) for g in r["groups"]] == [("a", 1.0), ("nan", 4.0), (None, 16.0)]


@pytest.mark.parametrize(("specs", "first", "second", "label"), [
    (["mse", "l2"], "mse", "l2", "mse"),
    (["@regression", "mse"], "@regression", "mse", "mse"),
    (["huber", "huber:delta=1"], "huber", "huber:delta=1", "huber"),
])
def test_score_only_refuses_a_loss_asked_for_twice(cli, files, specs, first, second, label):
    files.xy_csv()
    args = [a for s in specs for a in ("-l", s)]
    message = f"-b/--score-only prints one line per loss, but '{label}' is asked for twice (-l {first} and -l {second}); pass it once."
    fails(cli("eval", "xy.csv", *args, "-b"), 2, message)
    assert ok(cli("eval", "xy.csv", "-l", "huber", "-l", "huber:delta=2", "-b")).count("\n") == 2  # two losses, two lines


def test_a_label_off_an_integer_is_shown_exactly(cli, files):
    files.text("p.csv", "pred,target\n0.2,0\n0.7,1.0000001\n")
    fails(cli("eval", "p.csv", "-l", "bce"), 3, "bce: target (p.csv column 'target') must be in [0, 1], got 1.0000001 at row 2")


def test_probabilities_scored_as_logits_warn(cli, files):
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    files.npy("p.npy", p), files.npy("y.npy", [0, 1, 2])
    r = cli("eval", "p.npy", "y.npy", "-l", "brier:input=logits", "-b")
    warning = ("brier:input=logits: every value of pred (p.npy) is in [0, 1], but input=logits applies the sigmoid or softmax "
               "to them again: if they are probabilities, pass input=probs.")
    assert (r.exit_code, r.stderr) == (0, f"Warning: {warning}\n")
    assert float(ok(cli("eval", "p.npy", "y.npy", "-l", "brier", "-b"))) == pytest.approx(((p - np.eye(3)) ** 2).sum(axis=1).mean())  # numpy Brier
    files.csv("g.csv", ["real", "fake"], (0.9, 0.2), (0.8, 0.1))
    r = report_of(cli("eval", "g.csv", "-l", "gan_d:input=logits", "-f", "json"))
    assert r["warnings"] == ["gan_d:input=logits: every value of real (g.csv column 'real') and of fake is in [0, 1], but input=logits "
                             "applies the sigmoid or softmax to them again: if they are probabilities, pass input=probs."]
    files.csv("g2.csv", ["real", "fake"], (2.5, -1.0), (0.8, 0.1))  # real logits: no warning
    assert report_of(cli("eval", "g2.csv", "-l", "gan_d:input=logits", "-f", "json"))["warnings"] == []
    files.npy("m.npy", np.full((2, 2, 3, 3), 0.5)), files.npy("l.npy", np.zeros((2, 3, 3), dtype=int))
    assert report_of(cli("eval", "m.npy", "l.npy", "-l", "dice:input=logits", "-f", "json"))["warnings"][0].startswith("dice:input=logits: every value of pred (m.npy)")


def test_a_baseline_scored_with_weights_is_not_compared_with_an_unweighted_run(cli, files):
    files.csv("b.csv", ["pred", "target", "w"], (1, 2, 1), (3, 5, 3), (5, 5, 6))
    ok(cli("eval", "b.csv", "-w", "w", "-l", "mse", "--report", "base.json", "-f", "json"))  # 1.3: (1 + 3*4) / 10 by hand
    message = ("--baseline base.json is not comparable: it was scored with sample weights, this run without. "
               "Score both alike, or pass --baseline-other-target to accept it.")
    fails(cli("eval", "b.csv", "-l", "mse", "--baseline", "base.json", "--fail-if", "mse<=base*2"), 3, message)
    ok(cli("eval", "b.csv", "-l", "mse", "--report", "now.json", "-f", "json"))
    fails(cli("gate", "now.json", "--baseline", "base.json", "--fail-if", "mse<=base*2"), 3, message)
    r = cli("eval", "b.csv", "-l", "mse", "--baseline", "base.json", "--fail-if", "mse<=base*2", "--baseline-other-target", "-b")
    assert (r.exit_code, r.stdout) == (0, f"{5 / 3!r}\n") and "it was scored with sample weights, this run without" in r.stderr
    assert ok(cli("eval", "b.csv", "-w", "w", "-l", "mse", "--baseline", "base.json", "--fail-if", "mse<=base", "-b")) == "1.3\n"


def test_zero_weight_rows_are_not_samples_in_merged_shards(cli, files):
    # each shard holds a zero-weight row: merged, the statistics are those of the 2 weighted rows
    files.csv("s1.csv", ["pred", "target", "w"], (1, 2, 1), (5, 5, 0))
    files.csv("s2.csv", ["pred", "target", "w"], (3, 5, 3), (50, 0, 0))
    ok(cli("eval", "s1.csv", "-w", "w", "-l", "mse", "--emit-state", "a.json", "-f", "json"))
    ok(cli("eval", "s2.csv", "-w", "w", "-l", "mse", "--emit-state", "b.json", "-f", "json", "--row-offset", "2"))
    r = report_of(cli("merge", "a.json", "b.json", "-f", "json"))["losses"][0]
    sq, w = np.array([1.0, 4.0]), np.array([1.0, 3.0])
    mean = (w * sq).sum() / w.sum()
    assert (r["n"], r["max"], r["value"]) == (2, 4.0, pytest.approx(mean))
    assert r["std"] == pytest.approx(math.sqrt((w * (sq - mean) ** 2).sum() / w.sum() * 2))


# ---------------------------------------------------------------------------- #13.1 follow-ups
# Every table that carries the id column is checked (or joined) like TARGET: compare's systems, a
# prediction-file --baseline, --input tables; id names match case-insensitively, pandas' Parquet
# index is an id; weight-like columns are never guessed; -w in both tables is the user's choice.
# Expected values: by hand on the rows paired by id (each comment says how).


def write_abcd(files):
    """t.csv ids a-d with targets 1-4; base.csv predicts 1.5,2,3,4 in that order; cand.csv the
    same ids reversed, predicting 4,3,2 and 1.1 for a. By id: base mse 0.25/4 = 0.0625, cand
    0.01/4 = 0.0025 (hand); by position cand would be (4-1)^2.. = 4.8525."""
    files.csv("t.csv", ["id", "target"], ("a", 1), ("b", 2), ("c", 3), ("d", 4))
    files.csv("base.csv", ["id", "pred"], ("a", 1.5), ("b", 2), ("c", 3), ("d", 4))
    files.csv("cand.csv", ["id", "pred"], ("d", 4), ("c", 3), ("b", 2), ("a", 1.1))


def test_a_baseline_file_is_checked_by_id(cli, files):
    write_abcd(files)
    fails(cli("eval", "base.csv", "t.csv", "-l", "mse", "--baseline", "cand.csv", "--fail-if", "mse<=base"), 3,
          "The baseline's rows are paired by position, but row 1 has id 'd' in cand.csv and 'a' in t.csv; sort the baseline's rows like t.csv.")  # fmt: skip
    files.csv("cand.csv", ["ID", "pred"], ("a", 1.1), ("b", 2), ("c", 3), ("d", 4))  # in order (and 'ID' is 'id'): 0.0025 < 0.0625 fails the gate
    assert cli("eval", "base.csv", "t.csv", "-l", "mse", "--baseline", "cand.csv", "--fail-if", "mse<=base").exit_code == 1


def test_input_tables_are_checked_and_joined_by_id(cli, files):
    # by id: (p, t, var) = (1,1,0.5), (2,3,1), (3,5,4); gaussian_nll = mean of 0.5*(log v + (p-t)^2/v)
    expected = np.mean(0.5 * (np.log([0.5, 1, 4]) + np.array([0, 1, 4]) / [0.5, 1, 4]))
    files.csv("g.csv", ["id", "pred", "target"], ("a", 1, 1), ("b", 2, 3), ("c", 3, 5))
    files.csv("v.csv", ["id", "var"], ("c", 4), ("b", 1), ("a", 0.5))
    fails(cli("eval", "g.csv", "-l", "gaussian_nll", "--id-col", "id", "--input", "var=v.csv:var"), 3,
          "Rows are paired by position, but row 1 has id 'a' in g.csv and 'c' in v.csv; pass --align join to pair them by id.")  # fmt: skip
    files.csv("p.csv", ["id", "pred"], ("a", 1), ("b", 2), ("c", 3))
    files.csv("t.csv", ["id", "target", "var"], ("c", 5, 4), ("a", 1, 0.5), ("b", 3, 1))
    for extra in (["--input", "var=t.csv:var"], []):  # a 'var' column of the TARGET table is recognised too
        assert float(ok(cli("eval", "p.csv", "t.csv", "--align", "join", "-l", "gaussian_nll", "-b", *extra))) == pytest.approx(expected)
    fails(cli("eval", "p.csv", "t.csv", "-l", "gaussian_nll", "-b"), 3,
          "Rows are paired by position, but row 1 has id 'a' in p.csv and 'c' in t.csv; pass --align join to pair them by id.")  # fmt: skip


def test_id_names_match_case_insensitively(cli, files):
    files.csv("p.csv", ["id", "pred"], ("a", 1.5), ("b", 2), ("c", 3), ("d", 4))
    files.csv("t.csv", ["ID", "target"], ("d", 4), ("c", 3), ("b", 2), ("a", 1))
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse"), 3,
          "Rows are paired by position, but row 1 has id 'a' in p.csv and 'd' in t.csv; pass --align join to pair them by id.")  # fmt: skip
    assert ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-b", "--align", "join")) == "0.0625\n"  # 0.5^2 / 4 (hand)


def test_the_pandas_index_of_a_parquet_file_is_an_id(cli, files):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pd.DataFrame({"pred": [1.0, 2.0, 3.0]}, index=[10, 20, 30]).to_parquet(files.root / "only.parquet")
    fails(cli("eval", "only.parquet", "-l", "mse"), 2,
          "Cannot tell which columns of only.parquet to use; columns: pred, __index_level_0__ "
          "(id-like, never guessed: __index_level_0__). Pass -y/--target-col.")  # fmt: skip
    pd.DataFrame({"pred": [4.0, 1.0]}, index=[13, 12]).to_parquet(files.root / "p.parquet")
    pd.DataFrame({"target": [1.1, 4.1]}, index=[12, 13]).to_parquet(files.root / "t.parquet")
    assert cli("eval", "p.parquet", "t.parquet", "-l", "mse").exit_code == 3  # index 13 vs 12 in row 1
    assert float(ok(cli("eval", "p.parquet", "t.parquet", "-l", "mse", "-b", "--align", "join"))) == pytest.approx(0.01)  # 0.1^2 on both rows


def test_weight_like_columns_are_never_guessed(cli, files):
    files.csv("w.csv", ["y_true", "sample_weight"], (1, 2), (0, 1))
    fails(cli("eval", "w.csv", "-l", "mse"), 2,
          "Cannot tell which columns of w.csv to use; columns: y_true, sample_weight (weight-like, never guessed: sample_weight). Pass -p/--pred-col.")  # fmt: skip


def test_a_weight_column_in_both_tables_is_chosen_by_the_user(cli, files):
    files.csv("p.csv", ["id", "pred", "w"], ("a", 1, 1), ("b", 2, 1), ("c", 3, 1))
    files.csv("t.csv", ["id", "target", "w"], ("a", 2, 1), ("b", 2, 0), ("c", 5, 3))
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse", "-w", "w"), 2,
          "-w/--weight-col 'w': both p.csv and t.csv have it (with different values); pass -w pred:w or -w target:w to choose.")  # fmt: skip
    # squared errors 1, 0, 4: TARGET's weights 1, 0, 3 give 13/4 = 3.25; PRED's 1, 1, 1 give 5/3 (hand)
    result = cli("eval", "p.csv", "t.csv", "-l", "mse", "-w", "target:w", "-f", "table")
    assert result.exit_code == 0 and "3.25" in result.stdout and "weight: t.csv:w" in result.stdout, result.stderr
    assert float(ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-w", "pred:w", "-b"))) == pytest.approx(5 / 3)
    files.csv("t.csv", ["id", "target", "w"], ("a", 2, 1), ("b", 2, 1), ("c", 5, 1))  # the same weights: no doubt
    assert float(ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-w", "w", "-b"))) == pytest.approx(5 / 3)


def test_ids_are_compared_and_written_as_the_files_text(cli, files):
    # 1.1 and 1.10 are two ids (they parse to one number); by id the rows pair exactly: mse 0 (hand)
    files.csv("p.csv", ["id", "pred"], ("1.1", 1), ("1.10", 2), ("1.2", 3))
    files.csv("t.csv", ["id", "target"], ("1.10", 2), ("1.1", 1), ("1.2", 3))
    message = "Rows are paired by position, but row 1 has id 1.1 in p.csv and 1.10 in t.csv; pass --align join to pair them by id."
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse"), 3, message)
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse", "--chunk-rows", "1"), 3, message)
    assert ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-b", "--align", "join")) == "0.0\n"
    # JSON strings stay strings: 20-digit ids are not rounded into one float
    files.text("p.jsonl", '{"id": "98765432109876543210", "pred": 1}\n{"id": "98765432109876543211", "pred": 2}\n')
    files.text("t.jsonl", '{"id": "98765432109876543211", "target": 2}\n{"id": "98765432109876543210", "target": 1}\n')
    assert cli("eval", "p.jsonl", "t.jsonl", "-l", "mse").exit_code == 3
    assert ok(cli("eval", "p.jsonl", "t.jsonl", "-l", "mse", "-b", "--align", "join")) == "0.0\n"
    # the first real difference is named (5, 6 agree as text; 7 and 7x do not)
    files.csv("a.csv", ["id", "pred"], (5, 1), (6, 2), (7, 3))
    files.csv("b.csv", ["id", "target"], (5, 1), (6, 2), ("7x", 3))
    fails(cli("eval", "a.csv", "b.csv", "-l", "mse"), 3,
          "Rows are paired by position, but row 3 has id 7 in a.csv and '7x' in b.csv; pass --align join to pair them by id.")  # fmt: skip
    # leading zeros are kept in --per-sample output (squared errors 0 and 1, by hand)
    files.csv("z.csv", ["id", "pred", "target"], ("00012", 1, 1), ("007", 2, 3))
    ok(cli("eval", "z.csv", "-l", "mse", "--id-col", "id", "--per-sample", "ps.csv"))
    assert (files.root / "ps.csv").read_text() == "id,mse\n00012,0.0\n007,1.0\n"


def test_parquet_integer_ids_pair_with_the_same_integers_in_a_csv(cli, files):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": pa.array([12, 13], pa.int64()), "pred": [1.0, 2.0]}), files.root / "p.parquet")
    files.csv("t.csv", ["id", "target"], (12, 1.5), (13, 2.0))
    assert ok(cli("eval", "p.parquet", "t.csv", "-l", "mse", "-b")) == "0.125\n"  # 0.5^2 / 2 (hand)
    files.csv("t.csv", ["id", "target"], (13, 2.0), (12, 1.5))
    assert ok(cli("eval", "p.parquet", "t.csv", "-l", "mse", "-b", "--align", "join")) == "0.125\n"


# ---------------------------------------------------------------------------- #13 column selection follow-ups
# Columns are taken in the order the user meant: a glob's matches by the number that tells their
# names apart (logit_2 before logit_10), a name range p0-p9 means exactly p0..p9, digits are names
# or indices (never both), pred/target/--classes named alike in other orders stop (exit 2).
# Expected values: numpy over the columns in the intended order (``_ce`` above).


def _sorted_logits(files, k=12, n=5):
    """c.jsonl written with sorted keys (logit_0, logit_1, logit_10, logit_11, logit_2, ...) and
    c.csv with the same columns p0.. in that order: logits (n, k) and labels 0..k-1."""
    rng = np.random.default_rng(8)
    logits, labels = rng.normal(size=(n, k)), np.array([1, 0, 9, 2, 5])[:n]
    rows = [{**{f"logit_{j}": float(logits[i, j]) for j in range(k)}, "label": int(labels[i])} for i in range(n)]
    files.text("c.jsonl", "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    names = sorted(f"p{j}" for j in range(k))
    files.csv("c.csv", ["label", *names], *[(int(labels[i]), *(float(logits[i, int(c[1:])]) for c in names)) for i in range(n)])
    return logits, labels


def test_glob_matches_are_taken_in_numeric_order(cli, files):
    logits, labels = _sorted_logits(files)
    expected = _ce(logits, labels)  # numpy, columns in class order 0..11
    for args in (["c.jsonl"], ["c.jsonl", "--chunk-rows", "2"], ["c.csv", "-p", "p*", "-y", "label"], ["c.csv", "-p", "p*", "-y", "label", "--engine", "dask"]):
        report = json.loads(ok(cli("eval", *args, "-l", "ce", "-f", "json")))
        assert report["losses"][0]["value"] == pytest.approx(expected, rel=1e-14), args
    assert json.loads(ok(cli("eval", "c.jsonl", "-l", "ce", "-f", "json")))["inputs"]["pred"]["columns"] == [f"logit_{j}" for j in range(12)]
    files.csv("w.csv", ["prob_dog", "prob_cat", "t_dog", "t_cat"], (0.25, 0.75, 0, 1))  # names told apart by words: file order
    assert ok(cli("eval", "w.csv", "-p", "prob_*", "-y", "t_*", "-l", "mse", "-b")) == "0.0625\n"  # (0.25^2 + 0.25^2) / 2


def test_a_numbered_name_range_means_exactly_those_names(cli, files):
    _sorted_logits(files)
    report = json.loads(ok(cli("eval", "c.csv", "-p", "p2-p11", "-y", "label", "-l", "ce", "-f", "json")))
    assert report["inputs"]["pred"]["columns"] == [f"p{j}" for j in range(2, 12)]  # in header order, p2..p9 alone
    fails(cli("eval", "c.csv", "-p", "p0-p12", "-y", "label", "-l", "ce"), 3,
          "Column 'p0-p12' not found in c.csv; columns: label, p0, p1, p10, p11, p2, p3, p4, p5, p6, p7, p8, p9.")  # fmt: skip
    files.csv("g.csv", ["p1", "p3", "y"], (1, 2, 3))
    fails(cli("eval", "g.csv", "-p", "p1-p3", "-y", "y", "-l", "mse"), 3, "Column range 'p1-p3' names p2, not in g.csv; columns: p1, p3, y.")


def test_pred_and_target_columns_named_alike_in_another_order_stop(cli, files):
    files.csv("mo.csv", ["p_a", "p_b", "t_b", "t_a"], (1, 10, 10, 1), (2, 20, 20, 2))
    message = ("pred columns 'p_a,p_b' of mo.csv and target columns 't_b,t_a' of mo.csv name the same suffixes in another order; "
               "list them in the same order with -p and -y.")  # fmt: skip
    fails(cli("eval", "mo.csv", "-p", "p_*", "-y", "t_*", "-l", "mse"), 2, message)
    assert ok(cli("eval", "mo.csv", "-p", "p_a,p_b", "-y", "t_a,t_b", "-l", "mse", "-b")) == "0.0\n"  # paired by name: all equal
    files.csv("p.csv", ["p_a", "p_b"], (1, 10))
    files.csv("t.csv", ["t_b", "t_a"], (10, 1))
    fails(cli("eval", "p.csv", "t.csv", "-p", "p_*", "-y", "t_*", "-l", "mse"), 2, message.replace("of mo.csv and", "of p.csv and").replace("of mo.csv name", "of t.csv name"))


def test_classes_in_another_order_than_the_columns_named_for_them_stop(cli, files):
    files.csv("k.csv", ["logit_cat", "logit_dog", "logit_bird", "label"], (1.0, 2.0, 3.0, "cat"), (0.0, 1.0, 0.0, "bird"))
    fails(cli("eval", "k.csv", "-l", "ce", "--classes", "bird,cat,dog"), 2,
          "pred's columns are named for the classes in the order 'cat,dog,bird', but --classes lists 'bird,cat,dog': "
          "pass --classes cat,dog,bird, or -p with the columns in --classes order.")  # fmt: skip
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])
    assert float(ok(cli("eval", "k.csv", "-l", "ce", "--classes", "cat,dog,bird", "-b"))) == pytest.approx(_ce(logits, np.array([0, 2])), rel=1e-14)


def test_digits_select_names_or_indices_never_both(cli, files):
    logits = np.array([[2.0, 1.0, 0.0], [0.5, 0.5, 3.0], [1.0, 2.0, 1.0]])
    files.csv("mix.csv", ["0", "1", "2", "label"], *[(*row, y) for row, y in zip(logits, [0, 2, 1])])
    expected = _ce(logits, np.array([0, 2, 1]))  # numpy, the three logit columns
    for sel in ("1-3", "1,2,3", "0-2", "0,[1],2"):  # 3 names no column: indices; 0 is no index: names
        assert float(ok(cli("eval", "mix.csv", "-p", sel, "-y", "label", "-l", "ce", "-b"))) == pytest.approx(expected, rel=1e-14), sel
    fails(cli("eval", "mix.csv", "-p", "1,2", "-y", "label", "-l", "ce"), 2,
          "Column selection '1,2' is ambiguous in mix.csv: '1' names column 2 but is also the 1-based index of column '0'; "
          "pass '[1]' for the column named 1, or the names of the columns you mean.")  # fmt: skip
    files.csv("m2.csv", ["0", "b", "label"], (1.0, 2.0, 0))
    fails(cli("eval", "m2.csv", "-p", "0,2", "-y", "label", "-l", "ce"), 2,
          "Column selection '0,2' reads some digits as column names and others as 1-based indices in m2.csv; select by names.")  # fmt: skip


def test_unsigned_ids_past_int64_are_kept_exactly(cli, files):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    ids = [2**63 + 1, 2**63 + 2, 2**63 + 3]  # one float64 for all three: rounding them would merge the groups
    pq.write_table(pa.table({"sample_id": pa.array(ids, type=pa.uint64()), "pred": [1.0, 2.0, 3.0], "target": [1.0, 2.0, 4.0]}), "c.parquet")
    groups = json.loads(ok(cli("eval", "c.parquet", "-g", "sample_id", "-l", "mse", "-f", "json")))["groups"]
    assert [(g["key"]["sample_id"], g["losses"][0]["value"]) for g in groups] == [(ids[0], 0.0), (ids[1], 0.0), (ids[2], 1.0)]
    ok(cli("eval", "c.parquet", "--id-col", "sample_id", "-l", "mse", "--per-sample", "o.csv", "-b"))
    assert files.root.joinpath("o.csv").read_text() == "".join(f"{i},{v}\n" for i, v in [("sample_id", "mse"), (ids[0], 0.0), (ids[1], 0.0), (ids[2], 1.0)])
    files.csv("w.csv", ["id", "pred", "target"], (2**64 - 1, 1, 2), (5, 2, 2))
    ok(cli("eval", "w.csv", "--id-col", "id", "-l", "mse", "--per-sample", "o.parquet", "-b"))
    assert pq.read_table("o.parquet").column("id").to_pylist() == [2**64 - 1, 5]  # not wrapped to -1


# Blank lines: a blank line among the rows is a row of empty cells (in a one-column table, an empty
# cell): skipping it paired every later row with the wrong one. Blank lines at the start and the
# end of a file are no rows. p.csv 1, _, 3, 4 against t.csv 1, 2, _, 4: MSE 0 over rows 1 and 4 (by hand).


@pytest.mark.parametrize("how", [[], ["--chunk-rows", "1"], ["--engine", "dask"]])
def test_a_blank_line_is_an_empty_cell_not_a_skipped_row(cli, files, how):
    files.text("p.csv", "pred\n1\n\n3\n4\n")
    files.text("t.csv", "target\n1\n2\n\n4\n\n\n")  # the blank lines at the end are no rows
    fails(cli("eval", "p.csv", "t.csv", "-l", "mse", *how), 3,
          "nan in pred (p.csv column 'pred') at row 2; use --nan-policy omit to drop such rows or propagate to keep them.")  # fmt: skip
    assert ok(cli("eval", "p.csv", "t.csv", "-l", "mse", "-b", "--nan-policy", "omit", *how)) == "0.0\n"
    files.text("xy.csv", "\n\npred,target\n1,1\n\n2,4\n\n")  # two columns: the blank line is a row of two empty cells
    fails(cli("eval", "xy.csv", "-l", "mse", *how), 3,
          "nan in pred (xy.csv column 'pred') at row 2; use --nan-policy omit to drop such rows or propagate to keep them.")  # fmt: skip
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-b", "--nan-policy", "omit", *how)) == "2.0\n"  # (0 + 4) / 2


def test_a_blank_line_in_a_later_streamed_piece_keeps_its_row(cli, files):
    rows = [f"{i},{i}" for i in range(20000)]  # pred = target: MSE 0 over every row but the blank one
    files.text("big.csv", "pred,target\n" + "\n".join(rows[:15000] + [""] + rows[15000:]) + "\n\n")
    for how in (["--chunk-rows", "1000"], ["--engine", "dask", "--chunk-rows", "1000"]):
        fails(cli("eval", "big.csv", "-l", "mse", *how), 3,
              "nan in pred (big.csv column 'pred') at row 15001; use --nan-policy omit to drop such rows or propagate to keep them.")  # fmt: skip
        assert json.loads(ok(cli("eval", "big.csv", "-l", "mse", "--nan-policy", "omit", "-f", "json", *how)))["inputs"]["rows_used"] == 20000


def test_many_blank_lines_at_the_end_are_no_rows(cli, files):
    files.text("p.csv", "pred,target\n1,1\n2,4\n" + "\n" * 100_000)  # more than any tail window
    with gzip.open(files.root / "p.csv.gz", "wt") as fh:
        fh.write((files.root / "p.csv").read_text())
    for name in ("p.csv", "p.csv.gz"):
        assert ok(cli("eval", name, "-l", "mse", "-b")) == "2.0\n", name  # (0 + 4) / 2


def test_a_blank_line_is_a_row_on_stdin(cli, files):
    files.text("t.csv", "target\n1\n2\n\n4\n")
    fails(cli("eval", "-", "t.csv", "-l", "mse", input="pred\n1\n\n3\n4\n"), 3,
          "nan in pred (<stdin> column 'pred') at row 2; use --nan-policy omit to drop such rows or propagate to keep them.")  # fmt: skip


# Duplicate column names: pandas renamed a second 'pred' to 'pred.1' (the first one was scored),
# JSON kept the last: every format now refuses them.


def test_duplicate_column_names_are_refused_in_every_format(cli, files):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    files.text("d.csv", "pred,target,pred\n1,1,5\n2,2,7\n")
    files.text("s.csv", "pred,target, pred\n1,1,5\n")  # the same name once its spaces are gone
    files.text("d.jsonl", '{"pred":1,"target":1,"pred":5}\n{"pred":2,"target":2,"pred":7}\n')
    pq.write_table(pa.Table.from_arrays([pa.array([1.0]), pa.array([1.0]), pa.array([5.0])], names=["pred", "target", "pred"]), "d.parquet")
    for name in ("d.csv", "s.csv", "d.jsonl", "d.parquet"):
        for how in ([], ["--chunk-rows", "1"]):
            fails(cli("eval", name, "-l", "mse", *how), 3, f"{name} has 2 columns named 'pred': column names must be distinct.")
    fails(cli("eval", "-", "-l", "mse", input="pred,target,pred\n1,1,5\n"), 3, "<stdin> has 2 columns named 'pred': column names must be distinct.")
    files.text("ok.csv", "pred,target,pred.1\n1,1,5\n")  # a name that only looks like pandas' renaming
    assert ok(cli("eval", "ok.csv", "-p", "pred", "-y", "target", "-l", "mse", "-b")) == "0.0\n"


def test_spaces_around_header_names_are_not_part_of_them(cli, files):
    files.text("ws.csv", "pred, target\n1, 2\n3, 3\n")
    assert ok(cli("eval", "ws.csv", "-p", "pred", "-y", "target", "-l", "mse", "-b")) == "0.5\n"  # (1 + 0) / 2
    assert ok(cli("eval", "ws.csv", "-y", "target", "-l", "mse", "-b", "--chunk-rows", "1")) == "0.5\n"
    report = json.loads(ok(cli("eval", "ws.csv", "-l", "mse", "-f", "json")))
    assert report["inputs"]["target"]["columns"] == ["target"]


def test_a_headerless_file_among_headed_ones_is_named_as_such(cli, files):
    (files.root / "m").mkdir()
    files.text("m/a.csv", "pred,target\n1,2\n3,3\n")
    files.text("m/b.csv", "1,5\n")
    message = "m/b.csv has no header row (its first line is numbers), but m/a.csv has one (pred, target): give every file the same header."
    for how in ([], ["--chunk-rows", "1"], ["--engine", "dask"]):
        fails(cli("eval", "m/*.csv", "-l", "mse", *how), 3, message)


def test_a_comment_header_is_named_in_the_ragged_row_error(cli, files):
    np.savetxt(files.root / "sv.txt", np.array([[1.0, 2.0], [3.0, 4.0]]), header="pred target")  # '# pred target'
    fails(cli("eval", "sv.txt", "-l", "mse"), 3,
          "sv.txt: row 1 has 2 fields, expected 3 as in the header; the header starts with '#' (a comment line, as np.savetxt writes it): "
          "remove its '#' (or the whole line).")  # fmt: skip
