"""Metrics without per-sample values in every output: the table, CSV, Markdown, the GitHub step
summary, the matrix of a confusion-like metric, ``describe`` and ``list``.

Two toy statistic metrics are registered for these tests only (the pattern of
tests/test_aggregates.py): ``meandiff`` (the weighted mean of ``pred - target``; state (Σw, Σw·d))
and ``toyconf`` (no headline value; details: the 2x2 matrix of counts of (target > 0, pred > 0),
rows the true class, columns the predicted one, its class names ``LABELS``, which a test may
replace by attacker text). Expected numbers are numpy's on the same arrays.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import fails, ok
from losscli.losses import _registry
from losscli.losses._statistic import Statistic

LABELS = ["neg", "pos"]


class _Sums:
    def __init__(self, w: float, wd: float) -> None:
        self.w, self.wd = w, wd

    def merge(self, other: "_Sums") -> "_Sums":
        return _Sums(self.w + other.w, self.wd + other.wd)

    def to_state(self) -> dict:
        return {"w": self.w, "wd": self.wd}


def _fold_sums(inputs, weights, params):
    d = inputs[0] - inputs[1]
    w = np.ones(len(d)) if weights is None else weights
    return _Sums(float(w.sum()), float(w @ d))


class _Counts:
    def __init__(self, m: list) -> None:
        self.m = np.asarray(m, dtype=np.float64).reshape(2, 2)

    def merge(self, other: "_Counts") -> "_Counts":
        return _Counts(self.m + other.m)

    def to_state(self) -> dict:
        return {"m": self.m.tolist()}


def _fold_counts(inputs, weights, params):
    w = np.ones(len(inputs[0])) if weights is None else weights
    m = np.zeros((2, 2))
    np.add.at(m, ((inputs[1] > 0).astype(int), (inputs[0] > 0).astype(int)), w)
    return _Counts(m)


def _matrix(state, params):
    return {"labels": list(LABELS), "matrix": [[int(v) if v == int(v) else float(v) for v in row] for row in state.m]}


MEANDIFF = Statistic("sums", _fold_sums, lambda s, p: s.wd / s.w, lambda d: _Sums(d["w"], d["wd"]))
DETAILS = _matrix  # what toyconf's details are (a test may replace it)
TOYCONF = Statistic("counts", _fold_counts, lambda s, p: None, lambda d: _Counts(d["m"]), details=lambda s, p: DETAILS(s, p))


@pytest.fixture(autouse=True)
def toy_metrics(monkeypatch):
    register_toys(monkeypatch)


def register_toys(monkeypatch) -> None:
    """Register ``meandiff`` and ``toyconf`` for one test (the registry's dicts restored afterwards)."""
    monkeypatch.setattr(_registry, "_losses", dict(_registry._losses))
    monkeypatch.setattr(_registry, "_lookup", dict(_registry._lookup))

    @_registry.register_loss("meandiff", family="regression_metrics", inputs=("values", "values"), reference="test", direction="higher", statistic=MEANDIFF)
    def meandiff(pred, target):
        """Mean of pred - target (a test metric)."""
        return MEANDIFF.of([pred, target], {})

    @_registry.register_loss("toyconf", family="classification_metrics", inputs=("values", "values"), reference="test", direction="higher", statistic=TOYCONF)
    def toyconf(pred, target):
        """Counts of (target > 0, pred > 0) (a test metric)."""
        return TOYCONF.of([pred, target], {})


RNG = np.random.default_rng(11)
P, T = RNG.normal(size=40), RNG.normal(size=40)
G = np.array(["a", "b"])[np.arange(40) % 2]


def _counts(p: np.ndarray, t: np.ndarray) -> list[list[int]]:
    """The toy matrix by hand: rows target <= 0 / > 0, columns pred <= 0 / > 0."""
    return [[int(np.sum((t > 0) == i) - np.sum(((t > 0) == i) & (p > 0))), int(np.sum(((t > 0) == i) & (p > 0)))] for i in (False, True)]


@pytest.fixture
def inputs(files):
    return files.npy("p.npy", P), files.npy("t.npy", T)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


# ---------------------------------------------------------------------------- the results table


def test_table_has_no_sub_row_and_no_per_sample_columns_when_every_row_is_a_metric(cli, inputs):
    out = ok(cli("eval", *inputs, "-l", "meandiff", "-l", "toyconf", "-f", "table"))
    lines = _lines(out)
    assert lines[0].split() == ["loss", "value", "n"]  # no mean/std/se/min/max: no row has them
    label, arrow, value, n = lines[2].split()
    assert (label, arrow, n) == ("meandiff", "↑", "40") and float(value) == pytest.approx(np.mean(P - T), rel=1e-5)  # 6 digits
    assert lines[3].split() == ["toyconf", "↑", "see", "matrix", "40"]
    assert "↳" not in out and "False" not in out


def test_table_beside_a_loss_keeps_the_statistics_and_leaves_the_metrics_cells_empty(cli, inputs):
    lines = _lines(ok(cli("eval", *inputs, "-l", "meandiff", "-l", "mse", "-f", "table")))
    assert lines[0].split() == ["loss", "value", "n", "mean", "std", "se", "min", "max"]
    assert len(lines[2].split()) == 4 and lines[2].split()[0] == "meandiff"  # label, arrow, value, n only
    assert lines[3].split()[0] == "mse" and len(lines[3].split()) == 9
    assert not any(line.lstrip().startswith("↳") for line in lines)


def test_csv_keeps_its_columns_and_has_one_row_per_metric(cli, inputs):
    lines = ok(cli("eval", *inputs, "-l", "meandiff", "-l", "toyconf", "-f", "csv")).splitlines()
    assert lines[0] == "loss,direction,value,n,mean,std,se,min,max,sum"  # the CSV's columns never depend on the losses
    assert lines[1].startswith("meandiff,higher,") and lines[1].endswith(",40,,,,,,")
    assert lines[2] == "toyconf,higher,,40,,,,,,"  # no value: empty (a number column)
    assert len(lines) == 3


def test_markdown_table_and_matrix(cli, inputs):
    out = ok(cli("eval", *inputs, "-l", "meandiff", "-l", "toyconf", "-f", "md"))
    lines = out.splitlines()
    assert lines[0] == "| loss | value | n |"
    assert lines[3] == "| `toyconf` ↑ | see matrix | 40 |"
    m = _counts(P, T)
    at = lines.index("**`toyconf`**: rows true class, columns predicted")
    assert lines[at + 2 : at + 6] == [
        "| true &#92; pred | neg | pos |",
        "|---|---:|---:|",
        f"| neg | {m[0][0]} | {m[0][1]} |",
        f"| pos | {m[1][0]} | {m[1][1]} |",
    ]
    assert sum(map(sum, m)) == 40


def test_terminal_matrix_counts_are_numpys(cli, inputs):
    lines = _lines(ok(cli("eval", *inputs, "-l", "toyconf", "-f", "table")))
    m = _counts(P, T)
    at = lines.index("toyconf: rows true class, columns predicted")
    assert lines[at + 1].split() == ["true", "\\", "pred", "neg", "pos"]
    assert lines[at + 3].split() == ["neg", str(m[0][0]), str(m[0][1])]
    assert lines[at + 4].split() == ["pos", str(m[1][0]), str(m[1][1])]


def test_weighted_matrix_shows_fractional_counts(cli, files):
    data = files.csv("d.csv", ["pred", "target", "w"], *zip(P, T, [0.25] * 40))
    out = ok(cli("eval", data, "-w", "w", "-l", "toyconf", "-f", "md"))
    m = np.array(_counts(P, T)) * 0.25  # each row weighs 0.25
    assert f"| neg | {m[0][0]:g} | {m[0][1]:g} |" in out


def test_groups_get_their_own_matrix(cli, files):
    data = files.csv("d.csv", ["pred", "target", "g"], *zip(P, T, G))
    lines = _lines(ok(cli("eval", data, "-l", "toyconf", "-g", "g", "-f", "table")))
    for key in "ab":
        at = lines.index(f"toyconf (g={key}): rows true class, columns predicted")
        m = _counts(P[G == key], T[G == key])
        assert lines[at + 3].split() == ["neg", str(m[0][0]), str(m[0][1])]
    assert sum(line.split()[-2:] == ["matrix", "20"] for line in lines) == 2  # each group's row says "see matrix"


def test_matrix_fits_a_narrow_terminal(cli, inputs, monkeypatch):
    monkeypatch.setitem(globals(), "LABELS", ["a_long_class_name_one", "a_long_class_name_two"])
    out = ok(cli("eval", *inputs, "-l", "toyconf", "-f", "table", env={"COLUMNS": "44"}))
    assert max(map(len, out.splitlines())) <= 44
    m = _counts(P, T)
    assert str(m[0][1]) in out and str(m[1][1]) in out  # every count shown: the matrix split by columns


def test_a_matrix_of_many_classes_is_left_to_the_json_report(cli, inputs, monkeypatch):
    from losscli.render.matrix import MAX_CLASSES

    n = MAX_CLASSES + 1
    big = {"labels": list(range(n)), "matrix": [[1] * n for _ in range(n)]}
    monkeypatch.setitem(globals(), "DETAILS", lambda s, p: big)
    out = ok(cli("eval", *inputs, "-l", "toyconf", "-f", "table"))
    assert f"toyconf: rows true class, columns predicted: {n} classes: the matrix is in the JSON report (-f json or --report FILE)" in out
    md_out = ok(cli("eval", *inputs, "-l", "toyconf", "-f", "md"))
    assert f"**`toyconf`**: rows true class, columns predicted: {n} classes: the matrix is in the JSON report" in md_out
    assert json.loads(ok(cli("eval", *inputs, "-l", "toyconf", "-f", "json", "--no-hash")))["losses"][0]["details"] == big


# ---------------------------------------------------------------------------- class labels are data

EVIL = ["a|b\n## x", "::error::pwned", "<img src=x>`c`", "##[warning]w"]


def test_attacker_class_labels_stay_in_their_cells_in_every_output(cli, files, inputs, monkeypatch):
    from test_escaping import check_lines, check_markdown

    monkeypatch.setitem(globals(), "LABELS", EVIL[:2])
    summary = files.text("summary.md", "")
    r = cli("eval", *inputs, "-l", "toyconf", "-l", "meandiff", "-f", "md", "--gh-summary", "--report", "r.json", env={"GITHUB_STEP_SUMMARY": summary})
    check_markdown(ok(r), headings=0)
    check_markdown((files.root / "summary.md").read_text(encoding="utf-8"), headings=1)
    assert "| a&#124;b&#92;n&#35;&#35; x | " in r.stdout  # the label as one inert cell
    check_lines((files.root / "r.json").read_text(encoding="utf-8"))
    assert json.loads((files.root / "r.json").read_text(encoding="utf-8"))["losses"][0]["details"]["labels"] == EVIL[:2]  # JSON: as given
    monkeypatch.setitem(globals(), "LABELS", EVIL[2:])
    check_markdown(ok(cli("eval", *inputs, "-l", "toyconf", "-f", "md")), headings=0)
    check_lines(ok(cli("eval", *inputs, "-l", "toyconf", "-f", "json")))  # "##[" written as "#\u0023[" in JSON
    for labels, shown in ((EVIL[:2], "a|b\\n## x"), (EVIL[2:], "<img src=x>`c`")):
        monkeypatch.setitem(globals(), "LABELS", labels)
        table = ok(cli("eval", *inputs, "-l", "toyconf", "-f", "table"))
        check_lines(table)
        assert shown in table  # shown literally (the line break made visible), never as markup


def test_step_summary_shows_the_matrix(cli, files, inputs):
    summary = files.text("summary.md", "")
    ok(cli("eval", *inputs, "-l", "toyconf", "-f", "json", "--gh-summary", env={"GITHUB_STEP_SUMMARY": summary}))
    text = (files.root / "summary.md").read_text(encoding="utf-8")
    m = _counts(P, T)
    assert "| `toyconf` ↑ | see matrix | 40 |" in text
    assert f"| pos | {m[1][0]} | {m[1][1]} |" in text


def test_gate_summarises_a_metric_report_read_back_and_ignores_an_edited_matrix(cli, files, inputs):
    """``losscli gate`` reads the report back (``Report.from_dict``): the summary shows the same
    matrix; a matrix edited into another shape is not drawn (and its row does not point to it)."""
    ok(cli("eval", *inputs, "-l", "toyconf", "-l", "meandiff", "-f", "json", "--report", "r.json"))
    m = _counts(P, T)
    files.text("s.md", "")
    ok(cli("gate", "r.json", "--fail-if", "meandiff<=100", "-f", "json", "--gh-summary", env={"GITHUB_STEP_SUMMARY": "s.md"}))
    assert f"| pos | {m[1][0]} | {m[1][1]} |" in (files.root / "s.md").read_text(encoding="utf-8")
    data = json.loads((files.root / "r.json").read_text(encoding="utf-8"))
    data["losses"][0]["details"]["matrix"] = [[1, 2]]  # not 2 x 2: not a matrix of these labels
    files.text("edited.json", json.dumps(data))
    files.text("s.md", "")
    ok(cli("gate", "edited.json", "--fail-if", "meandiff<=100", "-f", "json", "--gh-summary", env={"GITHUB_STEP_SUMMARY": "s.md"}))
    text = (files.root / "s.md").read_text(encoding="utf-8")
    assert "rows true class" not in text and "see matrix" not in text and "| `toyconf` ↑ |  | 40 |" in text


# ---------------------------------------------------------------------------- describe and list


def test_describe_a_metric_says_how_it_reduces(cli):
    from losscli.losses._statistic import STATISTIC_KINDS

    lines = ok(cli("describe", "meandiff")).splitlines()
    assert lines[:5] == [
        "meandiff (regression_metrics; higher is better)",
        "reference: test",
        "headline:  a function of every row; no per-sample values",
        f"state:     sums: {STATISTIC_KINDS['sums']}",
        "intervals: --ci bootstrap",
    ]
    assert ok(cli("describe", "toyconf")).splitlines()[3] == f"state:     counts: {STATISTIC_KINDS['counts']}"


def test_describe_a_rank_metric_says_its_state_grows(cli, monkeypatch):
    interval = Statistic("ranks", _fold_sums, lambda s, p: 0.0, lambda d: _Sums(d["w"], d["wd"]), interval=lambda s, p, level: (0.0, 1.0))
    monkeypatch.setattr(_registry, "_losses", dict(_registry._losses))

    @_registry.register_loss("toyrank", family="classification_metrics", inputs=("values", "values"), reference="test", direction="higher", statistic=interval)
    def toyrank(pred, target):
        """A rank metric (a test metric)."""
        return 0.0

    lines = ok(cli("describe", "toyrank")).splitlines()
    assert lines[3] == "state:     ranks: counts per distinct value: exact, mergeable, grows with the number of distinct values"
    assert lines[4] == "intervals: --ci analytic or --ci bootstrap"


def test_list_filters_by_a_metric_family_and_fits_80_columns(cli):
    data = json.loads(ok(cli("list", "-f", "json", "--family", "regression_metrics")))
    assert "meandiff" in [e["name"] for e in data["losses"]]
    assert {e["family"] for e in data["losses"]} == {"regression_metrics"} and data["losses"][0]["direction"] in ("higher", "lower")
    out = ok(cli("list", "-f", "table", env={"COLUMNS": "80"}))
    assert max(map(len, out.splitlines())) <= 80
    assert "classification_metrics" in out.splitlines() and "regression_metrics" in out.splitlines()


# ---------------------------------------------------------------------------- compare


def _systems(files) -> tuple[str, str, str]:
    """A target and two systems: the candidate is the base shifted up by 0.3 (meandiff 0.3 higher: better)."""
    return files.npy("t.npy", T), files.npy("base.npy", P), files.npy("cand.npy", P + 0.3)


def test_compare_ranks_by_the_metrics_direction_with_a_paired_bootstrap_and_no_win_tie_loss(cli, files):
    from losscli.bootstrap import PoissonWeights

    t, base, cand = _systems(files)
    data = json.loads(ok(cli("compare", "-t", t, base, cand, "-l", "meandiff", "-l", "mse", "--n-boot", "50", "--seed", "4", "-f", "json")))
    md_, mse = data["losses"]
    assert md_["direction"] == "higher" and [s["rank"] for s in md_["systems"]] == [2, 1]  # higher is better
    b, c = md_["systems"]
    assert b["value"] == pytest.approx(np.mean(P - T), rel=1e-12) and c["delta"] == pytest.approx(0.3, rel=1e-9)
    k = PoissonWeights(4, 50).rows(0, 40)  # replicate b weighs row i by k[b, i] in both systems
    d_reps = (k @ (P + 0.3 - T)) / k.sum(axis=1) - (k @ (P - T)) / k.sum(axis=1)
    assert (c["delta_ci"]["low"], c["delta_ci"]["high"]) == pytest.approx(tuple(np.quantile(d_reps, [0.025, 0.975])), rel=1e-9)
    assert c["wtl"] is None and isinstance(c["p_value"], float)  # no per-sample values: nothing to count
    assert mse["systems"][1]["wtl"] is not None  # the loss beside it keeps its counts
    table = ok(cli("compare", "-t", t, base, cand, "-l", "meandiff", "--n-boot", "50", "-f", "md"))
    assert table.splitlines()[-1].endswith("| n/a |")  # the candidate's win/tie/loss cell says so
    rows = ok(cli("compare", "-t", t, base, cand, "-l", "meandiff", "--n-boot", "50", "-f", "table")).splitlines()
    assert rows[-1].split()[0] == "cand.npy" and rows[-1].split()[-1] == "n/a"  # the table says it too


def test_compare_refuses_a_metric_without_a_value(cli, files):
    t, base, cand = _systems(files)
    message = "compare ranks values, but toyconf has none (its result is a matrix: losscli eval -l toyconf shows it); drop it from compare."
    fails(cli("compare", "-t", t, base, cand, "-l", "meandiff", "-l", "toyconf", "--n-boot", "5", "--report", "r.json"), 2, message)
    fails(cli("compare", "-t", t, base, cand, "-l", "toyconf", "--n-boot", "5", "--fail-if", "toyconf>=1"), 2, message)


def test_compare_gate_on_a_metric(cli, files):
    t, base, cand = _systems(files)
    r = cli("compare", "-t", t, base, cand, "-l", "meandiff", "--n-boot", "20", "--fail-if", "meandiff>=base+0.5", "-f", "json")
    assert r.exit_code == 1 and "Gate failed: cand.npy: meandiff>=base+0.5" in r.stderr  # 0.3 better, not 0.5
    assert json.loads(r.stdout)["gates"][0]["status"] == "fail"


# ---------------------------------------------------------------------------- gates


def test_gates_on_metrics_absolute_and_against_a_baseline_report(cli, files, inputs):
    value = float(np.mean(P - T))
    ok(cli("eval", *inputs, "-l", "meandiff", "--fail-if", f"meandiff>={value - 0.01}"))
    r = cli("eval", *inputs, "-l", "meandiff", "--fail-if", f"meandiff>={value + 0.01}")
    assert r.exit_code == 1 and r.stderr.startswith(f"Gate failed: meandiff>={value + 0.01}: meandiff is ")
    ok(cli("eval", *inputs, "-l", "meandiff", "-l", "toyconf", "-f", "json", "--report", "base.json"))
    worse = files.npy("worse.npy", P - 0.02)  # meandiff 0.02 lower (worse) on the same target
    ok(cli("eval", worse, inputs[1], "-l", "meandiff", "--fail-if", "meandiff>=base-0.03", "--baseline", "base.json"))
    r = cli("eval", worse, inputs[1], "-l", "meandiff", "--fail-if", "meandiff>=base-0.01", "--baseline", "base.json", "-f", "json")
    entry = json.loads(r.stdout)["gates"][0]
    assert r.exit_code == 1 and entry["base"] == pytest.approx(value, rel=1e-12) and entry["value"] == pytest.approx(value - 0.02, rel=1e-9)
    r = cli("gate", "base.json", "--fail-if", f"meandiff>={value + 0.01}")
    assert r.exit_code == 1 and "Gate failed:" in r.stderr


def test_a_gate_on_a_metric_without_a_value_is_a_usage_error(cli, files, inputs):
    message = "--fail-if 'toyconf>=1': toyconf has no value to compare (its result is the matrix in the report's details); gate another metric."
    fails(cli("eval", *inputs, "-l", "toyconf", "--fail-if", "toyconf>=1", "--report", "r.json"), 2, message)
    assert json.loads((files.root / "r.json").read_text())["status"] == "error"  # the error report, no results
    ok(cli("eval", *inputs, "-l", "toyconf", "-f", "json", "--report", "r.json"))
    fails(cli("gate", "r.json", "--fail-if", "toyconf>=1"), 2, message)


def test_significant_needs_per_sample_values(cli, files, inputs):
    base = files.npy("b.npy", P)
    fails(cli("eval", *inputs, "-l", "meandiff", "--fail-if", "meandiff>=base", "--baseline", base, "--significant"), 2,
          "--significant tests per-sample differences, but meandiff has no per-sample values (a function of every row); gate it without --significant.")


# ---------------------------------------------------------------------------- merge and dask


def test_merged_shards_give_the_whole_matrix_and_value(cli, files):
    whole = json.loads(ok(cli("eval", files.npy("p.npy", P), files.npy("t.npy", T), "-l", "toyconf", "-l", "meandiff", "-f", "json", "--no-hash")))
    for i, (lo, hi) in enumerate([(0, 17), (17, 40)]):
        shard = files.csv(f"s{i}.csv", ["pred", "target"], *zip(P[lo:hi].tolist(), T[lo:hi].tolist()))
        ok(cli("eval", shard, "-l", "toyconf", "-l", "meandiff", "--row-offset", lo, "--emit-state", f"st{i}.json", "-f", "json"))
    merged = json.loads(ok(cli("merge", "st0.json", "st1.json", "-f", "json")))
    assert merged["losses"][0]["details"] == whole["losses"][0]["details"] == {"labels": LABELS, "matrix": _counts(P, T)}
    assert merged["losses"][1]["value"] == pytest.approx(np.mean(P - T), rel=1e-13)
    table = ok(cli("merge", "st0.json", "st1.json", "-f", "table"))
    assert "toyconf: rows true class, columns predicted" in table and "↳" not in table
    fails(cli("merge", "st0.json", "st1.json", "--fail-if", "toyconf>=1"), 2,
          "--fail-if 'toyconf>=1': toyconf has no value to compare (its result is the matrix in the report's details); gate another metric.")


def test_gate_hints_point_the_way_the_metric_improves(cli, files, inputs):
    ok(cli("eval", *inputs, "-l", "meandiff", "-f", "json", "--report", "r.json"))
    hint = "--baseline is used only by gates with 'base' (e.g. --fail-if 'meandiff>=base-0.01')."  # higher is better
    fails(cli("eval", *inputs, "-l", "meandiff", "--fail-if", "meandiff>=0", "--baseline", "r.json"), 2, hint)
    fails(cli("gate", "r.json", "--fail-if", "meandiff>=0", "--baseline", "r.json"), 2, hint)
    fails(cli("eval", *inputs, "-l", "mse", "--significant"), 2, "--significant is used by gates; pass --fail-if EXPR (e.g. --fail-if 'mse<=base*1.02').")


def test_the_confusion_matrix_names_the_classes_of_classes_escaped(cli, files):
    """The real ``confusion`` with ``--classes``: the matrix shows each class by its name (the
    report's ``config.classes``; ``details.labels`` stay the class indices), names that are
    attacker text included."""
    from test_escaping import check_lines, check_markdown

    names = ["::error::x", "a|b", "<b>c</b>"]
    rows = [(0, names[0]), (1, names[1]), (1, names[0]), (0, names[1]), (0, names[0]), (2, names[2])]
    onehot = [[float(k == p) for k in range(3)] for p, _ in rows]  # scores: the predicted class is the argmax
    data = files.csv("c.csv", ["s0", "s1", "s2", "label"], *[(*o, f'"{y}"') for o, (_, y) in zip(onehot, rows)])
    flags = ["-p", "s0,s1,s2", "-y", "label", "--classes", ",".join(names), "-l", "confusion"]
    md_out = ok(cli("eval", data, *flags, "-f", "md"))
    check_markdown(md_out, headings=0)
    # by hand: true ::error::x -> predicted 0, 1, 0; a|b -> 1, 0; <b>c</b> -> 2
    assert "| true &#92; pred | \\x3a:error::x | a&#124;b | &#60;b&#62;c&#60;/b&#62; |" in md_out
    assert "| \\x3a:error::x | 2 | 1 | 0 |" in md_out and "| a&#124;b | 1 | 1 | 0 |" in md_out
    table = ok(cli("eval", data, *flags, "-f", "table"))
    check_lines(table)
    assert [line.split() for line in table.splitlines() if line.startswith("a|b ")] == [["a|b", "1", "1", "0"]]
    assert json.loads(ok(cli("eval", data, *flags, "-f", "json")))["losses"][0]["details"]["labels"] == [0, 1, 2]
