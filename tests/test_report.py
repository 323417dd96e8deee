"""The result model: ``Report.from_dict`` is the exact inverse of the JSON report, on reports
the CLI wrote (groups, intervals, worst samples, combinations, gates, warnings, nan values), and
refuses anything that is not one with a ``ReportError`` that says where."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import losscli
from losscli.render.json_report import to_json
from losscli.report import Report, ReportError

from conftest import X, Y


def _grouped(files) -> list[str]:
    return [files.csv("g.csv", ["id", "site", "pred", "target"], *zip("abcd", "xyxy", X, Y)), "-g", "site", "--top-k", "2", "--id-col", "id"]


CASES = {
    "groups, worst samples and ids": lambda files: [*_grouped(files), "-l", "mse", "-l", "mae"],
    "intervals, a combination and rmse": lambda files: [files.xy_csv(), "-l", "total=0.7*mse+0.3*huber", "-l", "rmse", "--ci", "bootstrap", "--n-boot", "20"],
    "analytic intervals in groups": lambda files: [*_grouped(files), "-l", "mae", "--ci", "analytic"],
    "gates that pass and fail": lambda files: [files.xy_csv(), "-l", "mse", "-l", "mae", "--fail-if", "mse<=1", "--fail-if", "mae<=10"],
    "a warning": lambda files: [files.csv("b.csv", ["pred", "target"], (1, 0.3), (0, 0.6), (1, 0.9)), "-l", "bce"],
    "nan values, rows dropped": lambda files: [files.csv("n.csv", ["pred", "target"], (0.5, 0), ("nan", 1), (2, 2.5)), "-l", "mse", "--nan-policy", "omit"],
    "nan headline": lambda files: [files.csv("n.csv", ["pred", "target"], (0.5, 0), ("nan", 1)), "-l", "mse", "--nan-policy", "propagate"],
    "reduction none": lambda files: [files.xy_csv(), "-l", "mse", "--reduction", "none"],
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_from_dict_is_the_exact_inverse_of_the_cli_json_report(cli, files, case):
    r = cli("eval", *CASES[case](files), "-f", "json")
    assert r.exit_code in (0, 1), r.stderr
    data = json.loads(r.stdout)
    assert to_json(Report.from_dict(data)) == r.stdout  # byte for byte, as the CLI wrote it
    assert Report.from_dict(json.loads(r.stdout)).to_dict() == data


def test_the_round_trip_covers_every_optional_part(cli, files):
    """The cases above hold what from_dict must read back (so none of them is vacuous)."""
    seen = set()
    for case in CASES.values():
        data = json.loads(cli("eval", *case(files), "-f", "json").stdout)
        seen.update(k for k in ("groups", "gates", "warnings") if data[k])
        seen.update(k for e in data["losses"] for k in ("ci", "worst", "terms", "per_sample") if e.get(k))
        seen.update(["nan"] if any(e["value"] == "nan" for e in data["losses"]) else [])
        seen.update(["none"] if any(e["value"] is None for e in data["losses"]) else [])
    assert seen == {"groups", "gates", "warnings", "ci", "worst", "terms", "per_sample", "nan", "none"}


def test_from_dict_gives_back_the_same_object():
    rep = losscli.evaluate(np.array(X), np.array(Y), ["mse", "huber:delta=0.5", "t=mse+2*mae"])
    rep = dataclasses.replace(rep, seconds=round(rep.seconds, 6))  # the JSON report keeps microseconds
    assert Report.from_dict(rep.to_dict()) == rep


@pytest.fixture
def report(cli, files) -> dict:
    return json.loads(cli("eval", files.xy_csv(), "-l", "mse", "-f", "json").stdout)


def _set(path: str, value):
    def edit(d: dict) -> None:
        *parents, last = path.split(".")
        for p in parents:
            d = d[int(p)] if isinstance(d, list) else d[p]
        if value is KeyError:
            del d[last]
        else:
            d[last] = value

    return edit


BAD = [
    (_set("schema", "losscli.report/2"), "its schema is 'losscli.report/2', not 'losscli.report/1'"),
    (_set("losses.0.value", "x"), "losses[0].value is not a number"),
    (_set("losses.0.value", True), "losses[0].value is not a number"),
    (_set("losses.0.label", 3), "losses[0].label is not text"),
    (_set("losses.0.n", -1), "losses[0].n is not a count"),
    (_set("losses.0.direction", "up"), "losses[0].direction is not one of lower, higher"),
    (_set("losses.0.signature", KeyError), "losses[0] has no 'signature'"),
    (_set("losses.0.extra", 1), "losses[0] has an unknown field 'extra'"),
    (_set("losses.0.coefficient", 1), "losses[0] has an unknown field 'coefficient'"),  # a term's field only
    (_set("losses.0.ci", {"method": "t", "level": 0.9, "low": 1}), "losses[0].ci has no 'high'"),
    (_set("losses", {}), "losses is not a list"),
    (_set("inputs.rows", "4"), "inputs.rows is not a count"),
    (_set("inputs.pred.columns", "pred"), "inputs.pred.columns is not a list"),
    (_set("inputs.target.columns", [1]), "inputs.target.columns[0] is not text"),
    (_set("inputs.pred.path", None), "inputs.pred.path is not text"),
    (_set("gates", [{"label": "mse"}]), "gates[0].expr is not text"),
    (_set("groups", [{"key": {}, "rows": 1}]), "groups[0] has no 'losses'"),
    (_set("status", "error"), "its run stopped with an error (exit None: None)"),
    (_set("config", []), "config is not an object"),
]


@pytest.mark.parametrize("edit, message", BAD, ids=[m for _, m in BAD])
def test_from_dict_refuses_what_is_not_a_report(report, edit, message):
    edit(report)
    with pytest.raises(ReportError) as e:
        Report.from_dict(report)
    assert str(e.value) == message


def test_from_dict_refuses_a_non_object():
    with pytest.raises(ReportError, match="^the report is not an object$"):
        Report.from_dict([1])


def test_compare_returns_a_compare_report_whose_dict_is_the_json_report():
    from losscli.comparison import compare
    from losscli.report import CompareReport

    y = np.array(Y)
    systems = [("a", {"pred": np.array(X), "target": y}, None), ("b", {"pred": y + 0.5, "target": y}, None)]
    rep = compare(systems, ["mse"], n_boot=20, seed=0)
    assert isinstance(rep, CompareReport) and rep.rows == 4
    base, cand = rep.losses[0].systems
    # squared errors of a: 0.25, 4, 0.25, 9 (mean 3.375, numpy below); of b: 0.25 on every row:
    # b ties a on rows 1 and 3 and beats it on rows 2 and 4
    assert base.value == np.mean((np.array(X) - y) ** 2) == 3.375 and cand.value == 0.25
    assert (base.rank, cand.rank, cand.delta, cand.wtl) == (2, 1, 0.25 - 3.375, {"win": 2, "tie": 2, "loss": 0})
    data = json.loads(rep.to_json())
    assert data["schema"] == "losscli.compare/1" and data["inputs"] == {"rows": 4}
    assert data["losses"][0]["systems"][1] == {**cand.to_dict(), "ci": cand.ci, "delta_ci": cand.delta_ci}
    assert list(data["losses"][0]["systems"][0]) == ["system", "role", "rank", "value", "ci", "delta", "delta_ci", "p_value", "p_holm", "wtl"]
