"""``losscli compare``: the flags mean what they mean in ``eval`` (``-t/--target FILE``, ``-p/-y``
columns, ``--input ROLE=FILE``), the shared output options, and the progress bar; end to end on
three systems derived from sample_data/diabetes.csv; ids checked and joined; win/tie/loss."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import X, Y, fails, ok
from test_traps import report_of, write_abcd

CAND = [0.0, 1.5, 2.0, 1.0]


def values(report: dict, label: str) -> list[float]:
    (entry,) = [e for e in report["losses"] if e["label"] == label]
    return [s["value"] for s in entry["systems"]]


@pytest.fixture
def tables(files) -> None:
    """A target table with an id and the target in column 'truth'; systems with their
    predictions in column 'yhat' (and a distractor)."""
    files.csv("t.csv", ["id", "truth"], *zip("abcd", Y))
    files.csv("base.csv", ["yhat", "other"], *zip(X, [9, 9, 9, 9]))
    files.csv("cand.csv", ["yhat", "other"], *zip(CAND, [9, 9, 9, 9]))


def test_target_file_and_columns_as_in_eval(cli, tables):
    r = json.loads(ok(cli("compare", "-t", "t.csv", "-y", "truth", "-p", "yhat", "base.csv", "cand.csv", "-l", "mse", "--n-boot", "10", "-f", "json")))
    # mse by numpy, independently of losscli: mean((x - y)^2) for each system
    assert values(r, "mse") == pytest.approx([np.mean((np.array(X) - Y) ** 2), np.mean((np.array(CAND) - Y) ** 2)], rel=1e-15)
    assert r["inputs"]["target"]["columns"] == ["truth"] and [s["columns"] for s in r["inputs"]["systems"]] == [["yhat"], ["yhat"]]


def test_y_file_alone_is_the_older_spelling_of_t(cli, files):
    files.npy("y.npy", Y)
    files.npy("a.npy", X)
    files.npy("b.npy", CAND)
    new = json.loads(ok(cli("compare", "-t", "y.npy", "a.npy", "b.npy", "-l", "mae", "--n-boot", "10", "-f", "json")))
    old = json.loads(ok(cli("compare", "-y", "y.npy", "a.npy", "b.npy", "-l", "mae", "--n-boot", "10", "-f", "json")))
    assert old["losses"] == new["losses"] and old["inputs"] == new["inputs"]


def test_no_target_is_a_usage_error(cli, tables):
    fails(cli("compare", "base.csv", "cand.csv", "-l", "mse"), 2, "compare scores every system against one target: pass -t/--target FILE.")


def test_a_third_input_from_a_file(cli, files):
    """gaussian_nll needs var: --input var=FILE fills it for every system."""
    var = [0.5, 1.0, 2.0, 4.0]
    files.npy("y.npy", Y)
    files.npy("a.npy", X)
    files.npy("b.npy", CAND)
    files.npy("var.npy", var)
    r = json.loads(ok(cli("compare", "-t", "y.npy", "a.npy", "b.npy", "--input", "var=var.npy", "-l", "gaussian_nll", "--n-boot", "10", "-f", "json")))

    def nll(p):  # torch.nn.functional.gaussian_nll_loss, full=False, mean: 0.5 * (log var + (p - y)^2 / var)
        return np.mean(0.5 * (np.log(var) + (np.array(p) - Y) ** 2 / np.array(var)))

    assert values(r, "gaussian_nll") == pytest.approx([nll(X), nll(CAND)], rel=1e-14)
    fails(cli("compare", "-t", "y.npy", "a.npy", "b.npy", "--input", "anchor=var.npy", "-l", "gaussian_nll"), 2,
          "--input anchor=...: no requested loss has an input 'anchor'; their inputs are pred, target, var.")  # fmt: skip
    fails(cli("compare", "-t", "y.npy", "a.npy", "b.npy", "--input", "var", "-l", "gaussian_nll"), 2, "--input 'var' is not ROLE=PATH[:SEL].")


def test_shared_output_options(cli, tables, files):
    args = ("compare", "-t", "t.csv", "-y", "truth", "-p", "yhat", "base.csv", "cand.csv", "-l", "mse", "--n-boot", "10")
    shown = ok(cli(*args, "-o", "c.md", "--report", "c.json"))
    assert shown == ""
    assert (files.root / "c.md").read_text(encoding="utf-8").startswith("**mse ↓**")
    assert json.loads((files.root / "c.json").read_text(encoding="utf-8"))["schema"] == "losscli.compare/1"
    assert json.loads(ok(cli(*args, env={"LOSSCLI_FORMAT": "csv"})))["schema"] == "losscli.compare/1"  # a standing default compare cannot write
    fails(cli(*args, "-f", "csv"), 2, "'losscli compare' writes table, json, md, not csv.")


def test_progress_over_the_systems(cli, tables, files, monkeypatch):
    """The bar (drawn on a terminal for inputs >= 50 MB) advances by each system's size."""
    from losscli.render import progress

    seen = []

    class Recorder(progress.ByteProgress):
        def __init__(self, total, description="reading", **kw):
            seen.append(("total", total, description))
            super().__init__(total, description, **kw)

        def advance(self, n):
            seen.append(("advance", n))
            super().advance(n)

    monkeypatch.setattr(progress, "ByteProgress", Recorder)
    ok(cli("compare", "-t", "t.csv", "-y", "truth", "-p", "yhat", "base.csv", "cand.csv", "-l", "mse", "--n-boot", "10", "-f", "json"))
    sizes = [(files.root / name).stat().st_size for name in ("base.csv", "cand.csv")]
    assert seen == [("total", sum(sizes), "comparing"), ("advance", sizes[0]), ("advance", sizes[1])]


@pytest.fixture
def three(files) -> list[str]:
    """BASE = conftest X (mse 3.375, hand-computed there), cand = CAND (squared errors 0, 0.25,
    0.25, 1: mse 0.375), worse = [1, 1, 1, 1] (squared errors 1, 0, 2.25, 1: mse 1.0625)."""
    files.npy("y.npy", Y)
    return [files.npy("base.npy", X), files.npy("cand.npy", CAND), files.npy("worse.npy", [1.0, 1.0, 1.0, 1.0])]


def test_a_gate_holds_for_every_candidate(cli, three):
    r = cli("compare", "-t", "y.npy", *three, "-l", "mse", "--fail-if", "mse<=1", "--n-boot", "10", "-f", "json")
    assert r.exit_code == 1
    assert r.stderr == "Gate failed: worse.npy: mse<=1: mse is 1.0625, threshold 1.0\n"
    data = json.loads(r.stdout)
    assert data["status"] == "fail" and data["config"]["fail_if"] == ["mse<=1"]
    assert [(g["system"], g["value"], g["passed"]) for g in data["gates"]] == [("cand.npy", 0.375, True), ("worse.npy", 1.0625, False)]


def test_base_is_the_base_system(cli, three):
    r = json.loads(ok(cli("compare", "-t", "y.npy", *three, "-l", "mse", "--fail-if", "mse<=base*0.5", "--n-boot", "10", "-f", "json")))
    assert r["status"] == "pass"
    assert [(g["base"], g["threshold"]) for g in r["gates"]] == [(3.375, 1.6875)] * 2  # 0.5 * 3.375


def test_gate_mode_warn_and_the_table(cli, three):
    r = cli("compare", "-t", "y.npy", *three, "-l", "mse", "--fail-if", "mse<=1", "--gate-mode", "warn", "--n-boot", "10", "-f", "table")
    assert r.exit_code == 0
    assert r.stderr == "Warning: gate failed (--gate-mode warn): worse.npy: mse<=1: mse is 1.0625, threshold 1.0\n"
    lines = r.stdout.splitlines()
    assert "gates: 1 of 2 passed" in lines
    assert [line.split()[:2] for line in lines if line.startswith(("cand.npy:", "worse.npy:"))] == [["cand.npy:", "mse<=1"], ["worse.npy:", "mse<=1"]]


def test_a_gate_on_a_loss_not_compared_stops_before_reading(cli, three):
    fails(cli("compare", "-t", "y.npy", "base.npy", "nope.npy", "-l", "mse", "--fail-if", "mae<1"), 2,
          "--fail-if 'mae<1' names loss 'mae', which is not computed; computed: mse. Add -l mae or gate one of those.")  # fmt: skip


@pytest.fixture
def systems(files):
    """Three prediction files derived from sample_data/diabetes.csv (442 rows): the original
    predictions (base), a clearly better blend with the target, and a slightly noisier copy."""
    import pathlib

    data = np.genfromtxt(pathlib.Path(__file__).parents[1] / "sample_data" / "diabetes.csv", delimiter=",", names=True)
    pred, target = data["pred"], data["target"]
    rng = np.random.default_rng(0)
    files.csv("target.csv", ["target"], *zip(target))
    files.csv("base.csv", ["pred"], *zip(pred))
    files.csv("better.csv", ["pred"], *zip(np.round(0.6 * pred + 0.4 * target, 2)))
    files.csv("noisy.csv", ["pred"], *zip(np.round(pred + rng.normal(scale=2.0, size=len(pred)), 2)))
    return len(pred)


def test_compare_end_to_end_json(cli, systems):
    r = json.loads(ok(cli("compare", "-t", "target.csv", "base.csv", "better.csv", "noisy.csv", "-l", "mse", "-l", "mae", "-f", "json", "--no-hash")))
    assert r["schema"] == "losscli.compare/1"
    assert r["inputs"]["rows"] == systems and [s["name"] for s in r["inputs"]["systems"]] == ["base.csv", "better.csv", "noisy.csv"]
    assert r["config"]["n_boot"] == 1000 and r["config"]["seed"] == 0 and r["config"]["adjust"] == "holm"
    for entry in r["losses"]:
        base, better, noisy = entry["systems"]
        assert [s["rank"] for s in entry["systems"]] == [2, 1, 3] or [s["rank"] for s in entry["systems"]][1] == 1
        assert base["role"] == "base" and base["delta"] is None and base["wtl"] is None
        assert better["delta"] == pytest.approx(better["value"] - base["value"], rel=1e-12)
        assert better["delta"] < 0 and better["p_value"] < 0.01 and better["delta_ci"]["high"] < 0
        assert noisy["p_value"] > 0.05  # noise of sd 2 on errors of sd ~55: no detectable difference
        for c in (better, noisy):
            assert sum(c["wtl"].values()) == systems
            assert c["p_holm"] >= c["p_value"]
        assert better["wtl"]["win"] > better["wtl"]["loss"]
        assert entry["signature"].endswith("|ci:bs1000@0.95|seed:0|test:paired-bs|adj:holm|v:0.1.0")


def test_compare_end_to_end_markdown_and_table(cli, systems):
    md = ok(cli("compare", "-t", "target.csv", "base.csv", "better.csv", "-l", "rmse", "-f", "md", "--n-boot", "200"))
    head = md.splitlines()
    assert head[0] == f"**rmse ↓**  ({systems} rows; 95% CIs; paired bootstrap, 200 replicates, seed 0; Holm over candidates)"
    assert head[2] == "| system | rank | value | CI | delta | delta CI | p | p (Holm) | win/tie/loss |"
    assert head[4].startswith("| base.csv (base) | 2 | ") and head[5].startswith("| better.csv | 1 | ")
    table = ok(cli("compare", "-t", "target.csv", "base.csv", "better.csv", "-l", "rmse", "-f", "table", "--n-boot", "200"))
    assert "base.csv (base)" in table and "win/tie/loss" in table


def test_compare_errors(cli, systems):
    fails(cli("compare", "-t", "target.csv", "base.csv", "-l", "mse"), 2, "compare needs a BASE and at least one candidate prediction file.")
    fails(cli("compare", "-t", "target.csv", "base.csv", "base.csv", "-l", "mse"), 2, "A prediction file is given twice; each system must be a different file.")
    fails(cli("compare", "-t", "target.csv", "base.csv", "better.csv"), 2, "No loss requested. Pass -l SPEC (e.g. -l mse); see 'losscli list'.")
    fails(cli("compare", "-t", "target.csv", "base.csv", "nope.csv", "-l", "mse"), 3, "File not found: nope.csv")


def test_compare_names_the_system_a_warning_is_about(cli, files):
    files.csv("t.csv", ["target"], (0.3,), (0.6,), (0.9,))
    files.csv("a.csv", ["pred"], (1,), (0,), (1,))
    files.csv("b.csv", ["pred"], (0.5,), (0.5,), (0.5,))
    result = cli("compare", "-t", "t.csv", "a.csv", "b.csv", "-l", "bce", "-f", "json", "--n-boot", "20")
    line = ("a.csv: bce: every prediction in pred (a.csv column 'pred') is exactly 0 or 1 and some targets are fractional: "
            "are -p/--pred-col and -y/--target-col swapped?")
    assert result.stderr == f"Warning: {line}\n"
    assert report_of(result)["warnings"] == [line]
    md = cli("compare", "-t", "t.csv", "a.csv", "b.csv", "-l", "bce", "-f", "md", "--n-boot", "20").stdout
    assert "**Warnings**\n\n- ⚠️ a.csv: bce: every prediction" in md


def test_compare_counts_only_samples_in_win_tie_loss(cli, files):
    # rows 3-4 have weight 0: of rows 1-2, cand wins on row 1 (|1-1| < |0-1|), loses on row 2 (by hand)
    files.csv("t.csv", ["target", "w"], (1, 1), (2, 2), (5, 0), (7, 0))
    files.csv("base.csv", ["pred"], (0,), (2,), (5,), (7,))
    files.csv("cand.csv", ["pred"], (1,), (3,), (5,), (7,))
    r = json.loads(ok(cli("compare", "-t", "t.csv", "-y", "target", "-w", "w", "base.csv", "cand.csv", "-l", "mae", "--n-boot", "10", "-f", "json")))
    assert r["losses"][0]["systems"][1]["wtl"] == {"win": 1, "tie": 0, "loss": 1}


def test_compare_checks_each_systems_ids_and_joins_them(cli, files):
    write_abcd(files)
    fails(cli("compare", "-t", "t.csv", "base.csv", "cand.csv", "-l", "mse", "-f", "json"), 3,
          "Rows are paired by position, but row 1 has id 'd' in cand.csv and 'a' in t.csv; pass --align join to pair them by id.")  # fmt: skip
    result = cli("compare", "-t", "t.csv", "base.csv", "cand.csv", "-l", "mse", "-f", "json", "--align", "join")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["losses"][0]["systems"]
    assert [r["value"] for r in rows] == pytest.approx([0.0625, 0.0025])
    assert rows[1]["wtl"] == {"win": 1, "tie": 3, "loss": 0}  # row a better (0.01 < 0.25), b-d equal: rows paired by id
