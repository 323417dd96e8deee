"""``losscli eval``: exit codes and exact error lines for every error class, and every output.

The running example is x = [0.5, -1, 2, 3], y = [0, 1, 2.5, 0] (``conftest.X``/``Y``), so
d = x - y = [0.5, -2, -0.5, 3]. Hand-computed from d:
  mse:   d**2 = [0.25, 4, 0.25, 9], sum 13.5, mean 3.375, min 0.25, max 9;
         sample std = sqrt(((-3.125)**2 + 0.625**2 + (-3.125)**2 + 5.625**2) / 3) = sqrt(51.5625 / 3)
  mae:   |d| = [0.5, 2, 0.5, 3], sum 6, mean 1.5
  huber: delta=2 -> [0.125, 2, 0.125, 2*(3-1)=4], sum 6.25, mean 1.5625;
         delta=1 (default) -> [0.125, 1.5, 0.125, 2.5], mean 1.0625;
         delta=0.5 -> [0.125, 0.5*(2-0.25)=0.875, 0.125, 0.5*(3-0.25)=1.375], mean 0.625
  rmse:  sqrt(3.375)
"""

from __future__ import annotations

import csv
import io
import json
import math

import blake3
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import X, Y, fails, ok

MSE_STD = math.sqrt(51.5625 / 3)  # hand-computed, see the module docstring


def report(result) -> dict:
    return json.loads(ok(result))


# ---------------------------------------------------------------------------- errors, one per class


def test_missing_file(cli):
    fails(cli("eval", "nope.csv", "-l", "mse"), 3, "File not found: nope.csv")


def test_missing_target_file(cli, files):
    files.npy("x.npy", X)
    fails(cli("eval", "x.npy", "nope.npy", "-l", "mse"), 3, "File not found: nope.npy")


def test_directory_instead_of_a_file(cli, files):
    (files.root / "d").mkdir()
    fails(cli("eval", "d", "-l", "mse"), 3, "d is a directory, not a file.")


def test_unknown_loss_suggests_close_names(cli, files):
    files.xy_csv()
    fails(
        cli("eval", "xy.csv", "-l", "hubr"),
        2,
        "Unknown loss 'hubr'. Did you mean 'huber'? Run 'losscli list' to see available losses.",
    )
    fails(cli("eval", "xy.csv", "-l", "zzzz"), 2, "Unknown loss 'zzzz'. Run 'losscli list' to see available losses.")


def test_unknown_loss_is_reported_before_reading(cli):
    fails(cli("eval", "nope.csv", "-l", "hubr"), 2, "Unknown loss 'hubr'. Did you mean 'huber'? Run 'losscli list' to see available losses.")


def test_bad_param_value(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-l", "huber:delta=abc"), 2, "Bad value 'abc' for parameter 'delta' of loss 'huber': expected a number.")


def test_unknown_param(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-l", "huber:delt=1"), 2, "Unknown parameter 'delt' for loss 'huber'. Did you mean 'delta'? Parameters: delta.")
    fails(cli("eval", "xy.csv", "-l", "mse:foo=1"), 2, "Unknown parameter 'foo' for loss 'mse'. Parameters: none.")


def test_param_out_of_domain(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-l", "huber:delta=-1"), 2, "Parameter 'delta' of loss 'huber' must be > 0, got -1.")
    fails(cli("eval", "xy.csv", "-l", "huber:delta=inf"), 2, "Parameter 'delta' of loss 'huber' must be finite, got inf.")


def test_no_loss(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv"), 2, "No loss requested. Pass -l SPEC (e.g. -l mse); see 'losscli list'.")


def test_unknown_preset(cli, files):
    files.xy_csv()
    from losscli.losses import presets

    known = ", ".join("@" + p for p in sorted(presets()))  # every family's presets (@regression, @boxes, ...)
    fails(cli("eval", "xy.csv", "-l", "@regresion"), 2, f"Unknown preset '@regresion'. Did you mean '@regression' or '@regression_metrics'? Presets: {known}.")


def test_shape_mismatch(cli, files):
    files.npy("x.npy", X)
    files.npy("y3.npy", Y[:3])
    fails(cli("eval", "x.npy", "y3.npy", "-l", "mse"), 3, "Inputs have different numbers of rows: pred (x.npy) has 4, target (y3.npy) has 3.")
    files.npy("m.npy", np.zeros((4, 2)))
    fails(cli("eval", "m.npy", "x.npy", "-l", "mse"), 3, "mse: pred (m.npy) and target (x.npy) must have the same shape, got (4, 2) and (4,)")


def test_nan_under_the_default_policy_names_file_column_and_row(cli, files):
    files.text("nan.csv", "pred,target\n0.5,0\n-1,nan\n2,2.5\n3,0\n")
    fails(
        cli("eval", "nan.csv", "-l", "mse"),
        3,
        "nan in target (nan.csv column 'target') at row 2; use --nan-policy omit to drop such rows or propagate to keep them.",
    )
    files.text("inf.csv", "pred,target\n0.5,0\n-1,1\n2,2.5\ninf,0\n")
    fails(
        cli("eval", "inf.csv", "-l", "mse"),
        3,
        "inf in pred (inf.csv column 'pred') at row 4; use --nan-policy omit to drop such rows or propagate to keep them.",
    )
    files.npy("x.npy", [0.5, float("nan"), 2.0, 3.0])
    files.npy("y.npy", Y)
    fails(
        cli("eval", "x.npy", "y.npy", "-l", "mse"),
        3,
        "nan in pred (x.npy) at row 2; use --nan-policy omit to drop such rows or propagate to keep them.",
    )


def test_non_numeric_cell(cli, files):
    files.text("t.csv", "pred,target\n0.5,0\n-1,abc\n")
    fails(cli("eval", "t.csv", "-l", "mse"), 3, "Non-numeric value 'abc' in t.csv, column 'target' (target), row 2.")
    files.text("na.csv", "pred,target\n0.5,0\nNA,1\n")
    fails(cli("eval", "na.csv", "-l", "mse"), 3, "Non-numeric value 'NA' in na.csv, column 'pred' (pred), row 2.")


def test_empty_file(cli, files):
    files.text("empty.csv", "")
    fails(cli("eval", "empty.csv", "-l", "mse"), 3, "empty.csv is empty.")


def test_header_only(cli, files):
    files.text("hdr.csv", "pred,target\n")
    fails(cli("eval", "hdr.csv", "-l", "mse"), 3, "hdr.csv has no data rows.")


def test_empty_arrays(cli, files):
    files.npy("e.npy", np.zeros(0))
    fails(cli("eval", "e.npy", "e.npy", "-l", "mse"), 3, "No rows to evaluate.")


def test_corrupt_npy(cli, files):
    files.bytes("x.npy", b"\x93NUMPY\x01\x00")
    files.npy("y.npy", Y)
    fails(cli("eval", "x.npy", "y.npy", "-l", "mse"), 3, "x.npy is not a valid NPY file: EOF: reading array header length, expected 2 bytes got 0")


def test_negative_weight(cli, files):
    files.csv("w.csv", ["pred", "target", "w"], [0.5, 0, 1], [-1, 1, -2], [2, 2.5, 1])
    fails(cli("eval", "w.csv", "-w", "w", "-l", "mse"), 3, "Sample weights must be >= 0, got -2 in weight (w.csv column 'w') at row 2")


def test_zero_weight_sum(cli, files):
    files.csv("w.csv", ["pred", "target", "w"], [0.5, 0, 0], [-1, 1, 0])
    fails(cli("eval", "w.csv", "-w", "w", "-l", "mse"), 3, "Mean of loss 'mse' is undefined: sample weights sum to 0.")


def test_ambiguous_columns(cli, files):
    files.csv("amb.csv", ["a", "b", "c"], [0.5, 0, 1])
    fails(
        cli("eval", "amb.csv", "-l", "mse"),
        2,
        "Cannot tell which columns of amb.csv to use; columns: a, b, c. Pass -p/--pred-col and -y/--target-col.",
    )


def test_missing_column(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-p", "pred", "-y", "label", "-l", "mse"), 3, "Column 'label' not found in xy.csv; columns: pred, target.")


def test_weight_column_without_a_table(cli, files):
    files.xy_npy()
    fails(cli("eval", "x.npy", "y.npy", "-w", "w", "-l", "mse"), 2, "-w/--weight-col selects a column of a table, but no input is a table.")


def test_bad_flag(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-l", "mse", "--bogus"), 2, "No such option: --bogus (Possible options: --loss)")
    fails(cli("eval", "xy.csv", "-l", "mse", "-f", "yaml"), 2, "Invalid value for '-f' / '--format' (env var: 'LOSSCLI_FORMAT'): 'yaml' is not one of 'auto', 'table', 'json', 'jsonl', 'csv', 'md'.")
    fails(cli("eval", "xy.csv", "-l", "mse", "--nan-policy", "drop"), 2, "Invalid value for '--nan-policy' (env var: 'LOSSCLI_NAN_POLICY'): 'drop' is not one of 'error', 'omit', 'propagate'.")
    fails(cli("eval", "xy.csv", "-l", "mse", "--precision", "0"), 2, "Invalid value for '--precision' (env var: 'LOSSCLI_PRECISION'): 0 is not in the range 1<=x<=17.")
    fails(cli("eval", "xy.csv", "-l"), 2, "Option '-l' requires an argument.")


def test_score_only_with_format(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-l", "mse", "-b", "-f", "json"), 2, "Use just one of -b/--score-only and -f/--format.")
    fails(cli("eval", "xy.csv", "-l", "mse", "-b", "--reduction", "none"), 2, "-b/--score-only prints headline values, but --reduction none has none.")


def test_bad_output_suffix_is_checked_before_reading(cli):
    fails(
        cli("eval", "nope.csv", "-l", "mse", "-o", "out.xyz"),
        2,
        "Cannot tell the format of -o out.xyz from its suffix (.json, .jsonl, .csv, .md, .txt); pass -f.",
    )


def test_bad_per_sample_suffix_is_checked_before_reading(cli, files):
    fails(cli("eval", "nope.csv", "-l", "mse", "--per-sample", "out.xyz"), 2, "--per-sample out.xyz: unsupported suffix; use one of .csv, .tsv, .jsonl, .npy, .parquet.")
    assert files.listing() == []


def test_two_stdin_inputs(cli):
    fails(cli("eval", "-", "-", "-l", "mse"), 2, "Only one of PRED and TARGET can be '-' (stdin).")


def test_unwritable_output(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-l", "mse", "-o", "no/such/dir/out.json"), 3, "Cannot write no/such/dir/out.json: No such file or directory.")
    (files.root / "out.json").mkdir()
    fails(cli("eval", "xy.csv", "-l", "mse", "--report", "out.json"), 3, "Cannot write out.json: it is a directory.")


# ---------------------------------------------------------------------------- the JSON report


def test_json_report_fields_and_hand_computed_values(cli, files):
    name = files.xy_csv()
    digest = blake3.blake3((files.root / name).read_bytes()).hexdigest()
    values = blake3.blake3(b"()" + np.array(Y, dtype="<f8").tobytes()).hexdigest()  # the target values: one-row shape (), then float64 bytes
    r = report(cli("eval", name, "-l", "mse", "-l", "mae", "-l", "huber:delta=2", "-f", "json"))
    assert list(r) == ["schema", "tool", "status", "inputs", "config", "losses", "groups", "gates", "warnings", "timing"]
    assert r["schema"] == "losscli.report/1"
    assert r["tool"] == {"name": "losscli", "version": "0.1.0"}
    assert r["status"] == "pass"
    assert r["inputs"] == {
        "pred": {"path": "xy.csv", "format": "csv", "blake3": digest, "columns": ["pred"]},
        "target": {"path": "xy.csv", "format": "csv", "blake3": digest, "columns": ["target"], "values_digest": {"blake3": values}},
        "rows": 4,
        "rows_used": 4,
        "dropped": {"nan": 0},
    }
    assert r["config"] == {
        "reduction": "mean", "nan_policy": "error", "weighted": False,
        # the effective configuration (cli/_config.py echo): every config key, where non-defaults came from
        "losses": ["mse", "mae", "huber:delta=2"], "fail_if": [], "gate_mode": "fail", "format": "json", "precision": 6,
        "seed": 0, "ci": None, "ci_level": 0.95, "n_boot": 1000, "group_by": None, "top_k": 0,
        "pred_col": None, "target_col": None, "weight_col": None, "id_col": None, "align": "position", "missing": "error",
        "config_file": None, "config_keys": [], "sources": {"losses": "flag", "format": "flag"},
    }
    assert [x["label"] for x in r["losses"]] == ["mse", "mae", "huber:delta=2"]
    mse, mae, huber = r["losses"]
    fields = ["name", "label", "params", "direction", "reference", "value", "reduction", "n", "sum", "mean", "std", "se", "min", "max", "signature"]
    assert all(list(x)[: len(fields)] == fields for x in r["losses"])
    # hand-computed (module docstring)
    assert {k: mse[k] for k in ("name", "params", "direction", "value", "reduction", "n", "sum", "mean", "min", "max")} == {
        "name": "mse",
        "params": {},
        "direction": "lower",
        "value": 3.375,
        "reduction": "mean",
        "n": 4,
        "sum": 13.5,
        "mean": 3.375,
        "min": 0.25,
        "max": 9.0,
    }
    assert mse["std"] == pytest.approx(MSE_STD, rel=1e-14)
    assert mse["se"] == pytest.approx(MSE_STD / 2, rel=1e-14)
    assert mse["reference"] == "torch.nn.functional.mse_loss"
    assert mse["signature"] == "mse|red:mean|nan:error|n:4|v:0.1.0"
    assert (mae["value"], mae["sum"], mae["min"], mae["max"]) == (1.5, 6.0, 0.5, 3.0)
    assert (huber["name"], huber["params"], huber["value"], huber["sum"]) == ("huber", {"delta": 2.0}, 1.5625, 6.25)
    assert huber["signature"] == "huber|delta:2|red:mean|nan:error|n:4|v:0.1.0"
    assert r["groups"] == [] and r["gates"] == []
    assert isinstance(r["timing"]["seconds"], float)


def test_json_report_of_npy_inputs(cli, files):
    x, y = files.xy_npy()
    r = report(cli("eval", x, y, "-l", "mse", "-f", "json"))
    assert r["inputs"]["pred"] == {
        "path": "x.npy",
        "format": "npy",
        "blake3": blake3.blake3((files.root / x).read_bytes()).hexdigest(),
        "shape": [4],
        "dtype": "float64",
    }
    assert r["losses"][0]["value"] == 3.375


def test_no_hash(cli, files):
    files.xy_csv()
    r = report(cli("eval", "xy.csv", "-l", "mse", "-f", "json", "--no-hash"))
    assert not {"blake3", "sha256"} & set(r["inputs"]["pred"])


def test_json_is_the_default_when_stdout_is_not_a_terminal(cli, files):
    files.xy_csv()
    assert report(cli("eval", "xy.csv", "-l", "mse"))["losses"][0]["value"] == 3.375


def test_nan_policy_omit_drops_and_counts_rows(cli, files):
    files.text("nan.csv", "pred,target\n0.5,0\n-1,nan\n2,2.5\n3,0\n")
    r = report(cli("eval", "nan.csv", "-l", "mse", "-l", "mae", "--nan-policy", "omit", "-f", "json"))
    assert (r["inputs"]["rows"], r["inputs"]["rows_used"], r["inputs"]["dropped"]) == (4, 3, {"nan": 1})
    assert r["config"]["nan_policy"] == "omit"
    mse, mae = r["losses"]
    # rows 1, 3, 4 of the running example: (0.25 + 0.25 + 9) / 3 and (0.5 + 0.5 + 3) / 3
    assert (mse["n"], mse["sum"], mae["sum"]) == (3, 9.5, 4.0)
    assert mse["value"] == pytest.approx(9.5 / 3, rel=1e-15) and mae["value"] == pytest.approx(4 / 3, rel=1e-15)
    assert mse["signature"] == "mse|red:mean|nan:omit|n:3|v:0.1.0"


def test_nan_policy_omit_with_every_row_dropped(cli, files):
    files.text("nan.csv", "pred,target\n1,nan\n,2\n")
    fails(cli("eval", "nan.csv", "-l", "mse", "--nan-policy", "omit"), 3, "No rows to evaluate (all 2 rows dropped by --nan-policy omit).")


def test_nan_policy_propagate_keeps_nan(cli, files):
    files.text("nan.csv", "pred,target\n0.5,0\n-1,nan\n2,2.5\n3,0\n")
    r = report(cli("eval", "nan.csv", "-l", "mse", "--nan-policy", "propagate", "-f", "json"))
    assert r["inputs"]["rows_used"] == 4 and r["config"]["nan_policy"] == "propagate"
    assert (r["losses"][0]["value"], r["losses"][0]["n"]) == ("nan", 4)  # JSON cannot hold NaN: a string
    assert ok(cli("eval", "nan.csv", "-l", "mse", "--nan-policy", "propagate", "-b")) == "nan\n"


# ---------------------------------------------------------------------------- other formats


def test_jsonl_is_one_loss_per_line(cli, files):
    files.xy_csv()
    lines = ok(cli("eval", "xy.csv", "-l", "mse", "-l", "huber:delta=0.5", "-f", "jsonl")).splitlines()
    entries = [json.loads(line) for line in lines]
    assert [(e["label"], e["value"]) for e in entries] == [("mse", 3.375), ("huber:delta=0.5", 0.625)]
    assert entries[1]["params"] == {"delta": 0.5}


def test_csv_output(cli, files):
    files.xy_csv()
    out = ok(cli("eval", "xy.csv", "-l", "mse", "-l", "mae", "-f", "csv"))
    assert out == (
        "loss,direction,value,n,mean,std,se,min,max,sum\n"
        "mse,lower,3.375,4,3.375,4.14578,2.07289,0.25,9,13.5\n"
        "mae,lower,1.5,4,1.5,1.22474,0.612372,0.5,3,6\n"
    )
    # std of |d| = sqrt(((-1)**2 + 0.5**2 + (-1)**2 + 1.5**2) / 3) = sqrt(1.5) = 1.22474...
    assert list(csv.DictReader(io.StringIO(out)))[1]["std"] == f"{math.sqrt(1.5):.6g}"


def test_markdown_output(cli, files):
    files.xy_csv()
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-f", "md")) == (
        "| loss | value | n | mean | std | se | min | max |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        "| `mse` ↓ | 3.375 | 4 | 3.375 | 4.14578 | 2.07289 | 0.25 | 9 |\n"
        "\n"
        "pred: `xy.csv:pred`  target: `xy.csv:target`\n"
    )


def test_table_output_is_forced_without_a_terminal(cli, files):
    files.xy_csv()
    out = ok(cli("eval", "xy.csv", "-l", "mse", "-l", "huber:delta=0.5", "-f", "table"))
    lines = out.splitlines()
    assert lines[0].split() == ["loss", "value", "n", "std", "se", "min", "max"]  # mean repeats value: left out
    assert set(lines[1]) == {"─"}
    assert lines[2].split() == ["mse", "↓", "3.375", "4", "4.14578", "2.07289", "0.25", "9"]
    assert lines[3].split()[:3] == ["huber:delta=0.5", "↓", "0.625"]
    assert [line.strip() for line in lines[-2:]] == ["4 rows", "pred: xy.csv:pred  target: xy.csv:target"]
    assert "\x1b[" not in out  # no colour off a terminal


def test_table_keeps_mean_when_it_differs_and_never_cuts_numbers(cli, files, monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    files.xy_csv()
    lines = ok(cli("eval", "xy.csv", "-l", "mse", "-l", "rmse", "-f", "table")).splitlines()
    assert lines[0].split() == ["loss", "value", "n", "mean", "std", "se", "min", "max"]
    assert lines[3].split() == ["rmse", "↓", "1.83712", "4"]  # its squared errors' statistics on the next row
    assert lines[4].split() == ["↳", "rmse.sq_err", "↓", "4", "3.375", "4.14578", "2.07289", "0.25", "9"]


def test_table_caption_counts_dropped_rows(cli, files):
    files.text("nan.csv", "pred,target\n0.5,0\n-1,nan\n2,2.5\n3,0\n")
    out = ok(cli("eval", "nan.csv", "-l", "mse", "--nan-policy", "omit", "-f", "table"))
    assert out.splitlines()[-2].strip() == "3 rows (1 dropped)"


def test_score_only_prints_bare_values_at_full_precision(cli, files):
    files.xy_csv()
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-l", "mae", "-l", "rmse", "-b")) == f"3.375\n1.5\n{math.sqrt(3.375)!r}\n"
    assert ok(cli("eval", "xy.csv", "-l", "mse", "--score-only", "--reduction", "sum")) == "13.5\n"


def test_precision(cli, files):
    files.xy_csv()
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-f", "csv", "--precision", "3")).splitlines()[1] == "mse,lower,3.38,4,3.38,4.15,2.07,0.25,9,13.5"
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-f", "md", "--precision", "2")).splitlines()[2] == "| `mse` ↓ | 3.4 | 4 | 3.4 | 4.1 | 2.1 | 0.25 | 9 |"
    r = report(cli("eval", "xy.csv", "-l", "rmse", "-f", "json", "--precision", "2"))
    assert r["losses"][0]["value"] == math.sqrt(3.375)  # JSON keeps full precision


def test_reduction_sum_and_none(cli, files):
    files.xy_csv()
    r = report(cli("eval", "xy.csv", "-l", "mse", "-l", "huber:delta=2", "--reduction", "sum", "-f", "json"))
    assert [(x["value"], x["reduction"]) for x in r["losses"]] == [(13.5, "sum"), (6.25, "sum")]
    assert r["config"]["reduction"] == "sum" and r["losses"][0]["signature"] == "mse|red:sum|nan:error|n:4|v:0.1.0"
    r = report(cli("eval", "xy.csv", "-l", "mse", "--reduction", "none", "-f", "json"))
    assert (r["losses"][0]["value"], r["losses"][0]["mean"], r["losses"][0]["reduction"]) == (None, 3.375, "none")
    # no headline: csv, jsonl and table output are the per-sample values (squared errors of X, Y:
    # 0.25, 4, 0.25, 9), exact in csv and jsonl as in a --per-sample file
    assert ok(cli("eval", "xy.csv", "-l", "mse", "--reduction", "none", "-f", "csv")) == "mse\n0.25\n4.0\n0.25\n9.0\n"
    assert ok(cli("eval", "xy.csv", "-l", "mse", "--reduction", "none", "-f", "jsonl")).splitlines() == ['{"mse": 0.25}', '{"mse": 4.0}', '{"mse": 0.25}', '{"mse": 9.0}']


def test_reduction_none_table_lists_every_row(cli, files):
    files.csv("xy.csv", ["id", "pred", "target"], *zip(["a", "b", "c", "d"], X, Y))
    lines = ok(cli("eval", "xy.csv", "-p", "pred", "-y", "target", "--id-col", "id", "-l", "mse", "-l", "mae", "--reduction", "none", "-f", "table")).splitlines()
    # squared and absolute errors of X, Y by hand: (0.25, 0.5), (4, 2), (0.25, 0.5), (9, 3)
    assert [line.split() for line in lines] == [["id", "mse", "mae"], ["a", "0.25", "0.5"], ["b", "4", "2"], ["c", "0.25", "0.5"], ["d", "9", "3"]]
    files.xy_csv()
    lines = ok(cli("eval", "xy.csv", "-l", "mse", "--reduction", "none", "-f", "table", "-o", "rows.txt"))
    assert [line.split() for line in (files.root / "rows.txt").read_text().splitlines()][:2] == [["row", "mse"], ["1", "0.25"]]


def test_per_sample_to_stdout(cli, files):
    files.xy_csv()
    # the squared errors of X, Y (0.25, 4, 0.25, 9) on stdout, as a --per-sample file holds them
    assert ok(cli("eval", "xy.csv", "-l", "mse", "--per-sample", "-")) == "mse\n0.25\n4.0\n0.25\n9.0\n"
    assert ok(cli("eval", "xy.csv", "-l", "mse", "--per-sample", "-:jsonl")).splitlines()[0] == '{"mse": 0.25}'
    assert ok(cli("eval", "xy.csv", "-l", "mse", "--per-sample", "-:tsv", "-o", "r.json")) == "mse\n0.25\n4.0\n0.25\n9.0\n"
    assert json.loads((files.root / "r.json").read_text())["losses"][0]["value"] == 3.375  # the report to -o
    fails(cli("eval", "xy.csv", "-l", "mse", "--per-sample", "-", "-f", "json"), 2,
          "--per-sample - writes the per-sample values to stdout: write the report with -o FILE (or --report FILE).")
    fails(cli("eval", "xy.csv", "-l", "mse", "--per-sample", "-:npy"), 2, "--per-sample -:npy: stdout takes csv, tsv, jsonl (e.g. --per-sample -:jsonl).")


def test_eval_help_fits_80_columns(cli):
    text = ok(cli("eval", "--help", env={"COLUMNS": "80"}))
    titles = [line.split("─")[1].strip() for line in text.splitlines() if line.startswith("╭─")]
    assert len(titles) == len(set(titles)) and "Inputs" in titles, titles
    examples = [line.strip() for line in text.split("Examples:")[1].splitlines() if line.strip()]
    assert len(examples) >= 4 and all(e.startswith("losscli eval ") for e in examples), examples  # no command wraps onto a second line


def test_reduction_sum_elements_is_torchs_sum(cli, files):
    # (N, 2) pred/target: errors (1, 2), (0, 3), (1, 1) -> squared (1, 4), (0, 9), (1, 1): torch's
    # sum over elements 16; per-row means 2.5, 4.5, 1 sum to 8 (--reduction sum).
    files.csv("d.csv", ["p0", "p1", "t0", "t1"], (1, 2, 0, 0), (0, 3, 0, 0), (2, 2, 1, 1))
    sel = ["-p", "p0,p1", "-y", "t0,t1", "-l", "mse"]
    assert ok(cli("eval", "d.csv", *sel, "-b", "--reduction", "sum")) == "8.0\n"
    r = report(cli("eval", "d.csv", *sel, "--reduction", "sum_elements", "-f", "json", "--per-sample", "ps.csv"))
    assert (r["losses"][0]["value"], r["losses"][0]["reduction"]) == (16.0, "sum_elements")
    assert (files.root / "ps.csv").read_text().split() == ["mse", "5.0", "9.0", "2.0"]  # each row's sum
    assert ok(cli("eval", "d.csv", *sel, "--reduction", "sum_elements", "-f", "md")).splitlines()[0].startswith("| loss | sum over elements |")
    assert ok(cli("eval", "d.csv", *sel, "--reduction", "sum", "-f", "md")).splitlines()[0].startswith("| loss | sum over rows |")
    files.xy_csv()  # one value per row: both sums are 13.5 (test_reduction_sum_and_none)
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-b", "--reduction", "sum_elements")) == "13.5\n"
    fails(cli("eval", "xy.csv", "-l", "rmse", "--reduction", "sum_elements"), 2,
          "--reduction sum_elements: the headline of rmse is a function of a mean (rmse: the root of the mean squared error), "
          "which has no sum; use mse for the sum of squared errors, or --reduction mean.")


# ---------------------------------------------------------------------------- weights, presets, labels, aliases


def test_weights_give_the_weighted_mean(cli, files):
    files.csv("w.csv", ["pred", "target", "w"], *[(x, y, w) for x, y, w in zip(X, Y, [1, 2, 0, 1])])
    r = report(cli("eval", "w.csv", "-w", "w", "-l", "mae", "-f", "json"))
    # Σ w l / Σ w = (1*0.5 + 2*2 + 0*0.5 + 1*3) / 4 = 1.875 (hand-computed)
    assert r["losses"][0]["value"] == 1.875
    assert r["config"]["weighted"] is True and r["losses"][0]["signature"].endswith("|w:yes|v:0.1.0")
    assert "w" not in {c for role in ("pred", "target") for c in r["inputs"][role]["columns"]}


def test_weights_are_scale_invariant(cli, files):
    files.csv("w1.csv", ["pred", "target", "w"], *[(x, y, w) for x, y, w in zip(X, Y, [1, 2, 0.5, 1])])
    files.csv("w2.csv", ["pred", "target", "w"], *[(x, y, w * 7.5) for x, y, w in zip(X, Y, [1, 2, 0.5, 1])])
    a = float(ok(cli("eval", "w1.csv", "-w", "w", "-l", "huber", "-b")))
    b = float(ok(cli("eval", "w2.csv", "-w", "3", "-l", "huber", "-b")))
    # (0.125 + 2*1.5 + 0.5*0.125 + 2.5) / 4.5, hand-computed with the default delta=1
    assert a == pytest.approx(5.6875 / 4.5, rel=1e-15) and b == pytest.approx(a, rel=1e-14)


def test_unit_weights_equal_no_weights(cli, files):
    files.csv("w.csv", ["pred", "target", "w"], *[(x, y, 1) for x, y in zip(X, Y)])
    assert ok(cli("eval", "w.csv", "-w", "w", "-l", "mse", "-b")) == "3.375\n"


def test_regression_preset(cli, files):
    files.xy_csv()
    r = report(cli("eval", "xy.csv", "-l", "@regression", "-f", "json"))
    assert [(x["label"], x["value"]) for x in r["losses"]] == [
        ("mse", 3.375),
        ("rmse", math.sqrt(3.375)),
        ("mae", 1.5),
        ("huber", 1.0625),
    ]


def test_a_loss_asked_twice_runs_once(cli, files):
    files.xy_csv()
    r = report(cli("eval", "xy.csv", "-l", "@regression", "-l", "mse", "-l", "MSE", "-f", "json"))
    assert sorted(x["label"] for x in r["losses"]) == ["huber", "mae", "mse", "rmse"]


def test_label_shows_non_default_params_only(cli, files):
    files.xy_csv()
    r = report(cli("eval", "xy.csv", "-l", "huber:delta=0.5", "-l", "huber:delta=1", "-f", "json"))
    assert [(x["label"], x["params"], x["value"]) for x in r["losses"]] == [
        ("huber:delta=0.5", {"delta": 0.5}, 0.625),
        ("huber", {"delta": 1.0}, 1.0625),
    ]


@pytest.mark.parametrize("alias, name", [("MSELoss", "mse"), ("L1", "mae"), ("l2", "mse"), ("HUBERLOSS", "huber"), ("mean_absolute_error", "mae")])
def test_case_insensitive_aliases_report_the_canonical_name(cli, files, alias, name):
    files.xy_csv()
    r = report(cli("eval", "xy.csv", "-l", alias, "-f", "json"))
    assert (r["losses"][0]["name"], r["losses"][0]["label"]) == (name, name)


# ---------------------------------------------------------------------------- inputs through the CLI


def test_npy_pair_and_stdin(cli, files):
    x, y = files.xy_npy()
    assert ok(cli("eval", x, y, "-l", "mse", "-b")) == "3.375\n"
    npy = (files.root / x).read_bytes()
    assert ok(cli("eval", "-:npy", y, "-l", "mse", "-b", input=npy)) == "3.375\n"
    assert ok(cli("eval", y, "-:npy", "-l", "mse", "-b", input=npy)) == "3.375\n"  # symmetric, same value
    assert ok(cli("eval", "-l", "mse", "-b", "--", "-:npy", y, input=npy)) == "3.375\n"
    assert ok(cli("eval", "-", "-l", "mse", "-b", input="pred,target\n0.5,0\n-1,1\n2,2.5\n3,0\n")) == "3.375\n"
    r = report(cli("eval", "-", y, "-l", "mse", input="p\n0.5\n-1\n2\n3\n"))
    assert r["inputs"]["pred"]["path"] == "<stdin>"
    assert r["inputs"]["pred"]["blake3"] == blake3.blake3(b"p\n0.5\n-1\n2\n3\n").hexdigest()


def test_column_flags(cli, files):
    files.csv("t.csv", ["id", "m1", "m2", "other"], *[(f"r{i}", x, y, 9) for i, (x, y) in enumerate(zip(X, Y))])
    assert ok(cli("eval", "t.csv", "-p", "m1", "-y", "m2", "-l", "mse", "-b")) == "3.375\n"
    assert ok(cli("eval", "t.csv", "--pred-col", "2", "--target-col", "3", "-l", "mse", "-b")) == "3.375\n"
    fails(
        cli("eval", "t.csv", "-l", "mse"),
        2,
        "Cannot tell which columns of t.csv to use; columns: id, m1, m2, other (id-like, never guessed: id). Pass -p/--pred-col and -y/--target-col.",
    )


def test_glob_of_shards(cli, files):
    files.csv("s2.csv", ["pred", "target"], *zip(X[2:], Y[2:]))
    files.csv("s1.csv", ["pred", "target"], *zip(X[:2], Y[:2]))
    r = report(cli("eval", "s*.csv", "-l", "mse", "-f", "json"))
    assert (r["losses"][0]["value"], r["inputs"]["pred"]["files"], r["inputs"]["rows"]) == (3.375, 2, 4)


# ---------------------------------------------------------------------------- output files


def test_output_format_from_suffix(cli, files):
    files.xy_csv()
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-o", "out.json")) == ""
    assert json.loads((files.root / "out.json").read_text())["losses"][0]["value"] == 3.375
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-o", "out.csv")) == ""
    assert (files.root / "out.csv").read_text() == "loss,direction,value,n,mean,std,se,min,max,sum\nmse,lower,3.375,4,3.375,4.14578,2.07289,0.25,9,13.5\n"
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-o", "out.md")) == ""
    assert (files.root / "out.md").read_text().splitlines()[2] == "| `mse` ↓ | 3.375 | 4 | 3.375 | 4.14578 | 2.07289 | 0.25 | 9 |"
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-o", "out.jsonl")) == ""
    assert json.loads((files.root / "out.jsonl").read_text())["label"] == "mse"
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-o", "out.txt")) == ""
    assert (files.root / "out.txt").read_text().splitlines()[2].split() == ["mse", "↓", "3.375", "4", "4.14578", "2.07289", "0.25", "9"]
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-o", "out.json", "-f", "csv")) == ""  # -f wins over the suffix
    assert (files.root / "out.json").read_text().startswith("loss,direction,")
    assert not [n for n in files.listing() if n.startswith(".losscli-")]


def test_output_file_is_replaced(cli, files):
    files.xy_csv()
    files.text("out.csv", "old content that is longer than the new content " * 20)
    ok(cli("eval", "xy.csv", "-l", "mse", "-o", "out.csv"))
    assert (files.root / "out.csv").read_text().startswith("loss,direction,value")
    assert (files.root / "out.csv").read_text().count("\n") == 2


def test_report_is_written_besides_stdout(cli, files):
    files.xy_csv()
    out = ok(cli("eval", "xy.csv", "-l", "mse", "-b", "--report", "r.json"))
    assert out == "3.375\n"
    r = json.loads((files.root / "r.json").read_text())
    assert r["schema"] == "losscli.report/1" and r["losses"][0]["value"] == 3.375


def test_per_sample_csv_in_input_order_with_id(cli, files):
    files.csv("t.csv", ["name", "pred", "target"], *[(n, x, y) for n, x, y in zip("dcba", X, Y)])
    ok(cli("eval", "t.csv", "--id-col", "name", "-l", "mse", "-l", "huber:delta=0.5", "--per-sample", "ps.csv"))
    assert (files.root / "ps.csv").read_text() == (
        "name,mse,huber:delta=0.5\n" "d,0.25,0.125\n" "c,4.0,0.875\n" "b,0.25,0.125\n" "a,9.0,1.375\n"
    )


def test_per_sample_tsv_and_jsonl_and_npy(cli, files):
    files.text("nan.csv", "pred,target\n0.5,0\n-1,nan\n2,2.5\n3,0\n")
    args = ["eval", "nan.csv", "-l", "mae", "--nan-policy", "omit"]
    ok(cli(*args, "--per-sample", "ps.tsv"))
    text = (files.root / "ps.tsv").read_text()
    assert text == 'mae\n0.5\n""\n0.5\n3.0\n'  # dropped row: an empty cell, quoted so that the line is not blank
    assert list(csv.reader(io.StringIO(text), delimiter="\t")) == [["mae"], ["0.5"], [""], ["0.5"], ["3.0"]]
    ok(cli(*args, "-l", "mse", "--per-sample", "ps.jsonl"))
    assert [json.loads(line) for line in (files.root / "ps.jsonl").read_text().splitlines()] == [
        {"mae": 0.5, "mse": 0.25},
        {"mae": None, "mse": None},
        {"mae": 0.5, "mse": 0.25},
        {"mae": 3.0, "mse": 9.0},
    ]
    ok(cli(*args, "--per-sample", "one.npy"))
    np.testing.assert_array_equal(np.load("one.npy"), [0.5, np.nan, 0.5, 3.0])
    ok(cli(*args, "-l", "mse", "--per-sample", "two.npy"))
    np.testing.assert_array_equal(np.load("two.npy"), [[0.5, 0.25], [np.nan, np.nan], [0.5, 0.25], [3.0, 9.0]])


def test_per_sample_with_id_and_a_dropped_row(cli, files):
    files.text("q.csv", 'id,pred,target\n"a,1",0.5,0\nb,-1,nan\n')
    args = ["eval", "q.csv", "--id-col", "id", "-l", "mse", "--nan-policy", "omit"]
    ok(cli(*args, "--per-sample", "ps.csv"))
    assert (files.root / "ps.csv").read_text() == 'id,mse\n"a,1",0.25\nb,\n'
    ok(cli(*args, "--per-sample", "ps.jsonl"))
    assert (files.root / "ps.jsonl").read_text() == '{"id": "a,1", "mse": 0.25}\n{"id": "b", "mse": null}\n'


def test_no_partial_files_after_an_error(cli, files):
    files.text("nan.csv", "pred,target\n0.5,0\n-1,nan\n")
    before = files.listing()
    for per_sample in ("ps.csv", "ps.npy"):
        result = cli("eval", "nan.csv", "-l", "mse", "--per-sample", per_sample, "-o", "out.json", "--report", "r.json")
        fails(
            result,
            3,
            "nan in target (nan.csv column 'target') at row 2; use --nan-policy omit to drop such rows or propagate to keep them.",
        )
        assert files.listing() == sorted([*before, "r.json"])  # no output and no .losscli-* temporary file
        assert json.loads((files.root / "r.json").read_text())["status"] == "error"  # --report says the run failed
        (files.root / "r.json").unlink()


def test_an_existing_output_survives_an_error(cli, files):
    files.text("nan.csv", "pred,target\n0.5,0\n-1,nan\n")
    files.text("out.json", "previous\n")
    files.text("ps.csv", "previous\n")
    cli("eval", "nan.csv", "-l", "mse", "-o", "out.json", "--per-sample", "ps.csv")
    assert (files.root / "out.json").read_text() == (files.root / "ps.csv").read_text() == "previous\n"


# ---------------------------------------------------------------------------- LOSSCLI_FORMAT


def test_losscli_format_env_sets_the_default(cli, files):
    files.xy_csv()
    assert ok(cli("eval", "xy.csv", "-l", "mse", env={"LOSSCLI_FORMAT": "csv"})).startswith("loss,direction,value")
    assert ok(cli("eval", "xy.csv", "-l", "mse", env={"LOSSCLI_FORMAT": "md"})).startswith("| loss |")
    assert json.loads(ok(cli("eval", "xy.csv", "-l", "mse", "-f", "json", env={"LOSSCLI_FORMAT": "csv"})))["schema"]


def test_flags_win_over_losscli_format(cli, files):
    files.xy_csv()
    assert ok(cli("eval", "xy.csv", "-l", "mse", "-b", env={"LOSSCLI_FORMAT": "json"})) == "3.375\n"
    ok(cli("eval", "xy.csv", "-l", "mse", "-o", "out.md", env={"LOSSCLI_FORMAT": "json"}))
    assert (files.root / "out.md").read_text().startswith("| loss |")
    ok(cli("eval", "xy.csv", "-l", "mse", "-o", "out.dat", env={"LOSSCLI_FORMAT": "csv"}))  # no known suffix: the env format
    assert (files.root / "out.dat").read_text().startswith("loss,direction,value")


def test_bad_losscli_format(cli, files):
    files.xy_csv()
    fails(
        cli("eval", "xy.csv", "-l", "mse", env={"LOSSCLI_FORMAT": "xml"}),
        2,
        "Invalid value for '-f' / '--format' (env var: 'LOSSCLI_FORMAT'): 'xml' is not one of 'auto', 'table', 'json', 'jsonl', 'csv', 'md'.",
    )


# ---------------------------------------------------------------------------- internal errors, interrupts


def test_an_unexpected_exception_is_exit_4_in_one_line(cli, files, monkeypatch):
    import losscli.readers

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(losscli.readers, "load_inputs", boom)
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-l", "mse"), 4, "internal error: RuntimeError: boom. Please report it (run with -v for the traceback).")
    for argv in (("-v", "eval", "xy.csv", "-l", "mse"), ("eval", "xy.csv", "-l", "mse", "--verbose")):  # -v anywhere
        result = cli(*argv)
        assert (result.exit_code, result.stdout) == (4, "")
        assert result.stderr.startswith("Traceback (most recent call last):\n") and "RuntimeError: boom\n" in result.stderr
    assert result.stderr.endswith("\nError: internal error: RuntimeError: boom. Please report it (run with -v for the traceback).\n")


def test_an_interrupt_exits_130_and_leaves_no_output_file(cli, files, monkeypatch):
    from losscli.engine import Accumulator

    def interrupted(self, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Accumulator, "compute", interrupted)  # after the per-sample rows were written
    files.xy_csv()
    before = files.listing()
    for per_sample in ("ps.csv", "ps.npy"):
        result = cli("eval", "xy.csv", "-l", "mse", "--per-sample", per_sample, "-o", "out.json", "--report", "r.json")
        assert (result.exit_code, result.stdout, result.stderr) == (130, "", "")
        assert files.listing() == before


# ---------------------------------------------------------------------------- property test


CELLS = st.one_of(
    st.floats().map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", "nan", "NaN", "NA", "x", "1e400", "-0", '"1"', "1;2", " "]),
)


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=6),
    loss=st.sampled_from(["mse", "mae", "huber:delta=0.5", "rmse", "msle", "poisson_nll", "mape", "pinball:alpha=0.9"]),
    extra=st.sampled_from([[], ["--nan-policy", "omit"], ["--nan-policy", "propagate"], ["-w", "3"], ["--reduction", "sum"]]),
)
def test_any_csv_gives_a_result_or_an_error_line_never_a_crash(cli, files, rows, loss, extra):
    files.text("f.csv", "pred,target,w\n" + "".join(",".join(r) + "\n" for r in rows))
    result = cli("eval", "f.csv", "-l", loss, "-f", "json", *extra)
    if result.exit_code == 0:
        assert json.loads(result.stdout)["losses"][0]["n"] >= 1
        return
    assert result.exit_code in (2, 3) and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith("\n") and result.stderr.splitlines()[-1].startswith("Error: ")
