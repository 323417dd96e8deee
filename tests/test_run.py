"""The pipeline (``losscli.run``) and the Python API on it: ``losscli.evaluate`` on paths gives
the report of ``losscli eval`` on the same files; on arrays, the same numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

import losscli
from conftest import X, Y
from losscli import run
from losscli.errors import UsageError

# what only the command line knows: how it printed the report and where its settings came from
CLI_ONLY = ("format", "precision", "sources", "config_file", "config_keys")


def _comparable(report: dict) -> dict:
    report = dict(report)
    report.pop("timing")
    report["config"] = {k: v for k, v in report["config"].items() if k not in CLI_ONLY}
    return report


def _cli_report(cli, *args) -> dict:
    r = cli("eval", *args, "-f", "json")
    assert (r.exit_code, r.stderr) == (0, ""), r.stderr
    return json.loads(r.stdout)


def test_evaluate_on_paths_is_the_cli_report(cli, files):
    x, y = files.xy_npy()
    api = losscli.evaluate(x, y, losses=["mse", "mae"]).to_dict()
    assert api["losses"][0]["value"] == 3.375  # the mean squared error of X, Y by hand: (0.25 + 4 + 0.25 + 9) / 4
    assert _comparable(api) == _comparable(_cli_report(cli, x, y, "-l", "mse", "-l", "mae"))
    assert api["inputs"]["pred"]["path"] == "x.npy" and len(api["inputs"]["pred"]["blake3"]) == 64  # read as the CLI reads it


def test_evaluate_on_a_table_with_reading_options_is_the_cli_report(cli, files):
    files.csv("t.csv", ["id", "p", "y", "w", "g"], *zip(["a", "b", "c", "d"], X, Y, [1, 1, 2, 0], ["u", "v", "u", "v"]))
    flags = ["-p", "p", "-y", "y", "-w", "w", "--id-col", "id", "-g", "g", "--top-k", "1", "--ci", "analytic"]
    api = losscli.evaluate("t.csv", losses=["mae"], pred_col="p", target_col="y", weight_col="w", id_col="id", group_by="g", top_k=1, ci="analytic")
    # weighted mean absolute error by hand: (1*0.5 + 1*2 + 2*0.5 + 0*3) / 4 = 0.875
    assert api.losses[0].value == 0.875
    assert _comparable(api.to_dict()) == _comparable(_cli_report(cli, "t.csv", "-l", "mae", *flags))


def test_evaluate_streamed_in_chunks_gives_the_same_report(files):
    x, y = files.xy_npy()
    whole = losscli.evaluate(x, y, losses=["mse"]).to_dict()
    chunked = losscli.evaluate(x, y, losses=["mse"], chunk_rows=1).to_dict()
    assert _comparable(whole) == _comparable(chunked)


def test_evaluate_on_arrays(files):
    r = losscli.evaluate(np.array(X), np.array(Y), ["mse"])
    assert r.losses[0].value == 3.375 and r.config["reduction"] == "mean"
    with pytest.raises(UsageError, match="every input as a path or every input as an array"):
        losscli.evaluate("x.npy", np.array(Y), ["mse"])
    with pytest.raises(UsageError, match="weights, ids and groups go with arrays"):
        losscli.evaluate(*files.xy_npy(), ["mse"], weights=[1, 1, 1, 1])


def test_run_sends_per_sample_values_to_every_sink_in_input_order(files):
    x, y = files.xy_npy()
    written = []

    class Sink:
        def __init__(self, labels, id_name, names):
            self.names = names

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def write(self, values, ids=None):
            written.append(values["rmse"].tolist())

    values = run.Values()
    request = run.EvalRequest(run.Inputs(x, y), ("rmse",), engine=run.Execution(chunk_rows=3))
    report = run.run(request, run.Sinks(per_sample=[Sink], values=values))
    # rmse's per-sample values are the squared errors (0.25, 4, 0.25, 9), in chunks of 3 rows
    assert written == [[0.25, 4.0, 0.25], [9.0]]
    assert values.joined()["rmse"].tolist() == [0.25, 4.0, 0.25, 9.0]
    assert report.losses[0].value == np.sqrt(3.375)



def test_one_loss_name_and_a_list_of_classes_as_python_gives_them(files):
    # one spec as a string (not its letters); --classes as a Python list: the mapped labels give
    # the same ce as the integer labels 0, 1 of the same rows
    assert losscli.evaluate(np.array([1.0, 2.0]), np.array([1.5, 2.0]), "mse").result("mse").value == 0.125  # (0.25 + 0) / 2
    named = files.csv("named.csv", ["a", "b", "label"], (2.0, 0.5, "dog"), (0.1, 1.0, "cat"))
    numbered = files.csv("numbered.csv", ["a", "b", "label"], (2.0, 0.5, 0), (0.1, 1.0, 1))
    got = losscli.evaluate(named, losses=["ce"], pred_col="a,b", target_col="label", classes=["dog", "cat"])
    want = losscli.evaluate(numbered, losses=["ce"], pred_col="a,b", target_col="label")
    assert got.result("ce").value == want.result("ce").value
