"""Gates through the CLI: ``eval --fail-if/--baseline/--significant/--gate-mode``, ``-f md``
and ``--gh-summary``; exact stderr and exit codes (0 pass, 1 fail, 2 usage, 3 could not
evaluate). The ``losscli gate`` command: test_cli_gate.py.

Running example (conftest X, Y): mse = 3.375, mae = 1.5 (hand-computed in test_cli_eval.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import strategies as st

from conftest import X, Y, fails

FORMS = "LABEL OP NUMBER or LABEL OP base[+|-|*]NUMBER with OP one of <, <=, >, >= (e.g. mse<=0.02, ce<=base*1.02)"


def run_json(result, code: int = 0, stderr: str = "") -> dict:
    assert (result.exit_code, result.stderr) == (code, stderr), result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------------------- eval --fail-if


def test_passing_gates(cli, files):
    files.xy_csv()
    rep = run_json(cli("eval", "xy.csv", "-l", "mse", "-l", "mae", "--fail-if", "mse<=3.375", "--fail-if", "mae<2", "-f", "json"))
    assert rep["status"] == "pass"
    assert rep["gates"] == [
        {"expr": "mse<=3.375", "label": "mse", "op": "<=", "value": 3.375, "threshold": 3.375, "passed": True, "status": "pass"},
        {"expr": "mae<2", "label": "mae", "op": "<", "value": 1.5, "threshold": 2.0, "passed": True, "status": "pass"},
    ]
    assert rep["config"]["fail_if"] == ["mse<=3.375", "mae<2"] and rep["config"]["gate_mode"] == "fail"


def test_failing_gate_exit_1_and_one_stderr_line(cli, files):
    files.xy_csv()
    rep = run_json(
        cli("eval", "xy.csv", "-l", "mse", "-l", "mae", "--fail-if", "mse<3.375", "--fail-if", "mae<=2", "-f", "json"),
        1,
        "Gate failed: mse<3.375: mse is 3.375, threshold 3.375\n",
    )
    assert rep["status"] == "fail"
    assert [g["passed"] for g in rep["gates"]] == [False, True]


def test_warn_mode_reports_and_exits_0(cli, files):
    files.xy_csv()
    rep = run_json(
        cli("eval", "xy.csv", "-l", "mse", "--fail-if", "mse<=3", "--gate-mode", "warn", "-f", "json"),
        0,
        "Warning: gate failed (--gate-mode warn): mse<=3: mse is 3.375, threshold 3.0\n",
    )
    assert rep["status"] == "fail" and rep["config"]["gate_mode"] == "warn"


def test_gate_with_score_only_keeps_stdout_bare(cli, files):
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mse", "--fail-if", "mse<=3", "-b")
    assert (r.exit_code, r.stdout, r.stderr) == (1, "3.375\n", "Gate failed: mse<=3: mse is 3.375, threshold 3.0\n")


def test_gate_label_canonical_and_with_params(cli, files):
    files.xy_csv()
    rep = run_json(cli("eval", "xy.csv", "-l", "huber:delta=0.5", "-l", "l2", "--fail-if", "huber:delta=0.5<=0.625", "--fail-if", "MSE<=4", "-f", "json"))
    assert [(g["label"], g["passed"]) for g in rep["gates"]] == [("huber:delta=0.5", True), ("mse", True)]


def test_gate_naming_a_loss_not_computed_is_exit_2_before_reading(cli):
    fails(
        cli("eval", "nope.csv", "-l", "mse", "--fail-if", "mae<=1"),
        2,
        "--fail-if 'mae<=1' names loss 'mae', which is not computed; computed: mse. Add -l mae or gate one of those.",
    )


def test_bad_gate_expression_is_exit_2(cli):
    fails(cli("eval", "nope.csv", "-l", "mse", "--fail-if", "mse=<1"), 2, "Bad --fail-if 'mse=<1': '=<' is not an operator; write '<='.")
    fails(cli("eval", "nope.csv", "-l", "mse", "--fail-if", "mse"), 2, f"Bad --fail-if 'mse': no comparison operator. Expected {FORMS}.")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--fail-if", "mse<=1", "--reduction", "none"], "--fail-if compares headline values, but --reduction none has none; use mean or sum."),
        (["--fail-if", "mse<=base"], "--fail-if 'mse<=base' compares with base; pass --baseline REPORT.json (or the baseline's prediction file)."),
        (["--fail-if", "mse<=1", "--baseline", "old.json"], "--baseline is used only by gates with 'base' (e.g. --fail-if 'mse<=base*1.02')."),
        (["--baseline", "old.json"], "--baseline is used by gates; pass --fail-if EXPR (e.g. --fail-if 'mse<=base*1.02')."),
        (["--significant"], "--significant is used by gates; pass --fail-if EXPR (e.g. --fail-if 'mse<=base*1.02')."),
        (["--fail-if", "mse<=1", "--alpha", "0.01"], "--alpha is the level of --significant; pass --significant too."),
        (["--fail-if", "mse<=1", "--significant"], "--significant tests against a baseline; pass --baseline PRED_FILE and a gate with 'base'."),
        (
            ["--fail-if", "mse<=base", "--baseline", "old.json", "--significant"],
            "--significant needs the baseline's per-sample losses: pass its prediction file as --baseline, not a JSON report.",
        ),
        (["--fail-if", "mse<=base", "--baseline", "b.npy", "--significant", "--alpha", "1.5"], "--alpha must be between 0 and 1, got 1.5."),
    ],
)
def test_gate_flag_combinations_exit_2_before_reading(cli, args, message):
    fails(cli("eval", "nope.csv", "-l", "mse", *args), 2, message)


# ---------------------------------------------------------------------------- baselines


def write_baseline_report(cli, files, *losses):
    files.xy_csv()
    r = cli("eval", "xy.csv", *(a for name in losses for a in ("-l", name)), "--report", "old.json", "-f", "json")
    assert r.exit_code == 0, r.stderr
    return "old.json"


def test_baseline_report_relative_gates(cli, files):
    write_baseline_report(cli, files, "mse", "mae")
    rep = run_json(
        cli("eval", "xy.csv", "-l", "mse", "-l", "mae", "--baseline", "old.json", "--fail-if", "mse<=base*1.02", "--fail-if", "mae<base", "-f", "json"),
        1,
        "Gate failed: mae<base: mae is 1.5, threshold 1.5 (base 1.5 from old.json)\n",
    )
    assert rep["gates"][0] == {
        "expr": "mse<=base*1.02", "label": "mse", "op": "<=", "value": 3.375, "threshold": 3.375 * 1.02,
        "base": 3.375, "baseline": "old.json", "passed": True, "status": "pass",
    }
    assert rep["config"]["baseline"] == "old.json"


def test_baseline_report_without_the_loss_is_exit_3(cli, files):
    write_baseline_report(cli, files, "mse")
    fails(
        cli("eval", "xy.csv", "-l", "mse", "-l", "mae", "--baseline", "old.json", "--fail-if", "mae<=base"),
        3,
        "Baseline old.json has no loss 'mae' (it has: mse); cannot check 'mae<=base'.",
    )


def test_malformed_baseline_report_is_exit_3_naming_the_file_and_field(cli, files):
    """A --baseline report is read strictly (Report.from_dict), as gate reads the report it
    gates: a mistyped field is never compared as if it were a number."""
    write_baseline_report(cli, files, "mse")
    data = json.loads((files.root / "old.json").read_text())
    data["losses"][0]["value"] = "3.375"
    files.text("bad.json", json.dumps(data))
    msg = "bad.json cannot be read as a losscli JSON report: losses[0].value is not a number."
    fails(cli("eval", "xy.csv", "-l", "mse", "--baseline", "bad.json", "--fail-if", "mse<=base"), 3, msg)
    fails(cli("gate", "old.json", "--baseline", "bad.json", "--fail-if", "mse<=base"), 3, msg)
    del data["inputs"]["rows"]
    data["losses"][0]["value"] = 3.375
    files.text("bad.json", json.dumps(data))
    fails(cli("gate", "old.json", "--baseline", "bad.json", "--fail-if", "mse<=base"), 3,
          "bad.json cannot be read as a losscli JSON report: inputs.rows is not a count.")


def test_baseline_that_is_not_a_report_is_exit_3(cli, files):
    files.xy_csv()
    files.text("old.json", '{"a": 1}')
    fails(
        cli("eval", "xy.csv", "-l", "mse", "--baseline", "old.json", "--fail-if", "mse<=base"),
        3,
        "old.json is not a losscli JSON report (no 'schema': 'losscli.report/1' with a 'losses' list).",
    )
    fails(cli("eval", "xy.csv", "-l", "mse", "--baseline", "gone.json", "--fail-if", "mse<=base"), 3, "Baseline report not found: gone.json")


def test_baseline_prediction_file_is_evaluated_on_the_same_target(cli, files):
    files.npy("x.npy", X)
    files.npy("y.npy", Y)
    files.npy("b.npy", Y)  # a perfect baseline: base = 0
    rep = run_json(
        cli("eval", "x.npy", "y.npy", "-l", "mse", "--baseline", "b.npy", "--fail-if", "mse<=base+3.5", "-f", "json"),
    )
    assert rep["gates"][0]["base"] == 0.0 and rep["gates"][0]["threshold"] == 3.5 and rep["gates"][0]["passed"]


def test_significant_fails_a_real_regression_and_passes_noise(cli, files):
    rng = np.random.default_rng(0)
    y = rng.normal(0, 1, 400)
    base = y + rng.normal(0, 1, 400)
    files.npy("y.npy", y)
    files.npy("base.npy", base)
    files.npy("noise.npy", base + rng.normal(0, 0.05, 400))  # slightly different, not really worse
    files.npy("worse.npy", y + rng.normal(0, 1.5, 400))  # clearly worse
    args = ["y.npy", "-l", "mse", "--baseline", "base.npy", "--fail-if", "mse<=base", "--significant", "-f", "json"]
    noise = cli("eval", "noise.npy", *args)
    assert noise.exit_code == 0, noise.stderr
    gate = json.loads(noise.stdout)["gates"][0]
    if gate["value"] > gate["threshold"]:  # the threshold is violated by noise: the test rescues it
        assert gate["passed"] and not gate["significant"] and gate["note"].startswith("threshold not met, not significant")
    worse = cli("eval", "worse.npy", *args)
    assert worse.exit_code == 1
    gate = json.loads(worse.stdout)["gates"][0]
    assert gate["significant"] and gate["p_value"] < 0.001 and gate["test"]["method"] == "sign-flip permutation"
    assert worse.stderr.startswith("Gate failed: mse<=base: mse is ") and worse.stderr.endswith(f", p = {gate['p_value']:.4g} < alpha 0.05\n")


# ---------------------------------------------------------------------------- table and Markdown


def test_markdown_output_with_gates(cli, files):
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mse", "-l", "mae", "--fail-if", "mse<=3", "--fail-if", "mae<=2", "-f", "md")
    assert r.exit_code == 1
    assert r.stdout == (
        "| loss | value | n | mean | std | se | min | max |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        "| `mse` ↓ | 3.375 | 4 | 3.375 | 4.14578 | 2.07289 | 0.25 | 9 |\n"
        "| `mae` ↓ | 1.5 | 4 | 1.5 | 1.22474 | 0.612372 | 0.5 | 3 |\n"
        "\n"
        "pred: `xy.csv:pred`  target: `xy.csv:target`\n"
        "\n"
        "| gate | value | threshold | result |\n"
        "|---|---:|---:|---|\n"
        "| `mse<=3` | 3.375 | 3 | ❌ fail |\n"
        "| `mae<=2` | 1.5 | 2 | ✅ pass |\n"
    )


def test_table_shows_the_gates_under_the_losses(cli, files):
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mse", "--fail-if", "mse<=3", "-f", "table")
    assert r.exit_code == 1 and r.stderr == "Gate failed: mse<=3: mse is 3.375, threshold 3.0\n"
    lines = [line.rstrip() for line in r.stdout.splitlines()]
    at = lines.index("gates: 0 of 1 passed")
    assert lines[at + 1].split() == ["gate", "value", "threshold", "result"]
    assert lines[at + 3].split() == ["mse<=3", "3.375", "3", "✗", "fail"]


# ---------------------------------------------------------------------------- --gh-summary


def test_gh_summary_appends_markdown(cli, files):
    files.xy_csv()
    files.text("summary.md", "# earlier step output\n")
    r = cli("eval", "xy.csv", "-l", "mse", "--fail-if", "mse<=3", "--gh-summary", "-f", "json", env={"GITHUB_STEP_SUMMARY": "summary.md"})
    assert r.exit_code == 1
    text = (files.root / "summary.md").read_text()
    head, _, details = text.partition("<details><summary>Details</summary>")
    assert head == (
        "# earlier step output\n"
        "\n"
        "### losscli: ❌ fail\n"
        "\n"
        "`xy.csv` · 4 rows\n"
        "\n"
        "| loss | value | n | mean | std | se | min | max |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        "| `mse` ↓ | 3.375 | 4 | 3.375 | 4.14578 | 2.07289 | 0.25 | 9 |\n"
        "\n"
        "**Gates:** 0 of 1 passed\n"
        "\n"
        "| gate | value | threshold | result |\n"
        "|---|---:|---:|---|\n"
        "| `mse<=3` | 3.375 | 3 | ❌ fail |\n"
        "\n"
    )
    assert "- `mse`: `mse|red:mean|nan:error|n:4|" in details
    assert details.endswith("```\n\n</details>\n")
    assert json.loads(details.split("```json\n")[1].split("```")[0])["fail_if"] == ["mse<=3"]


def test_gh_summary_is_silent_without_the_variable(cli, files):
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mse", "--gh-summary", "-f", "json", env={"GITHUB_STEP_SUMMARY": None})
    assert r.exit_code == 0 and r.stderr == ""
    assert files.listing() == ["xy.csv"]


def test_gh_summary_stays_under_1_mib(cli, files):
    from losscli.render.markdown import SUMMARY_LIMIT, TRUNCATED_NOTE

    files.xy_csv()
    files.text("summary.md", "x" * (SUMMARY_LIMIT - 600) + "\n")  # earlier steps used nearly all of it
    r = cli("eval", "xy.csv", "-l", "mse", "--gh-summary", "-f", "json", env={"GITHUB_STEP_SUMMARY": "summary.md"})
    assert r.exit_code == 0
    assert r.stderr == "Warning: the step summary was truncated to fit GitHub's 1 MiB limit (summary.md).\n"
    data = (files.root / "summary.md").read_bytes()
    assert len(data) <= SUMMARY_LIMIT
    assert data.decode().endswith(TRUNCATED_NOTE)
    full = cli("eval", "xy.csv", "-l", "mse", "--gh-summary", "-f", "json", env={"GITHUB_STEP_SUMMARY": "summary.md"})
    assert full.stderr == "Warning: no step summary written: summary.md is already at GitHub's 1 MiB limit.\n"
    assert (files.root / "summary.md").read_bytes() == data


def test_fit_closes_details_and_cuts_at_lines():
    from losscli.render.markdown import TRUNCATED_NOTE, fit

    text = "a\n<details>\n" + "line\n" * 100 + "</details>\n"
    out = fit(text, 200)
    assert len(out.encode()) <= 200 and out.endswith("line\n\n</details>\n" + TRUNCATED_NOTE)
    assert fit(text, 10_000) == text
    assert fit(text, 20) is None


def test_prediction_baseline_uses_the_rows_the_candidate_kept(cli, files):
    """Under --nan-policy omit the baseline is scored on the candidate's rows, so the two
    weighted means and the paired statistic agree: hand-computed on rows 1, 3, 4, 5 with
    w = [1, 1, 3, 1]: candidate d^2 = [0.25, 0.25, 9, 0] -> 27.5/6; baseline (pred 0, 2, 3, 0)
    d^2 = [0, 0.25, 9, 1] -> 28.25/6; sum w*(d_c - d_b) = 0.25 + 0 + 0 - 1 = -0.75."""
    files.text("n.csv", "pred,target,w\n0.5,0,1\nnan,1,2\n2,2.5,1\n3,0,3\n1,1,1\n")
    files.text("b.csv", "pred\n0\n1\n2\n3\n0\n")
    r = cli("eval", "n.csv", "-l", "mse", "-w", "w", "--nan-policy", "omit", "--baseline", "b.csv", "--fail-if", "mse<=base", "--significant", "-f", "json")
    assert (r.exit_code, r.stderr) == (0, "")
    gate = json.loads(r.stdout)["gates"][0]
    assert gate["value"] == pytest.approx(27.5 / 6, rel=1e-15) and gate["base"] == pytest.approx(28.25 / 6, rel=1e-15)
    assert gate["test"]["n"] == 4 and gate["test"]["statistic"] == pytest.approx(-0.75, rel=1e-12)
    assert gate["passed"] and "note" not in gate


def test_summary_markdown_exact_with_ci_groups_and_warn_mode():
    from losscli.render.markdown import summary_markdown
    from losscli.report import GroupResult, LossResult, Report

    def mse(value: float, n: int, **stats) -> LossResult:
        fields = dict(std=None, se=None, min=value, max=value) | stats
        return LossResult(name="mse", label="mse", params={}, direction="lower", reference="torch", value=value, reduction="mean",
                          n=n, sum=value * n, mean=value, signature="mse|n:4", **fields)

    rep = Report(
        tool_version="0.1.0",
        inputs={"pred": {"path": "p.npy", "shape": [4]}, "target": {"path": "y.npy", "shape": [4]}},
        config={"gate_mode": "warn"},
        losses=(mse(3.375, 4, std=4.0, se=2.0, min=0.25, max=9.0, ci={"method": "t", "level": 0.9, "low": 1.0, "high": 5.5}),),
        rows=5,
        rows_used=4,
        dropped={"nan": 1},
        seconds=0.5,
        status="fail",
        gates=({"expr": "mse<=3", "label": "mse", "op": "<=", "value": 3.375, "threshold": 3.0, "passed": False},),
        groups=(GroupResult(key={"g": "a"}, rows=2, losses=(mse(1.0, 2),)),),
    )
    assert summary_markdown(rep, 4, "warn") == (
        "### losscli: ⚠️ fail (gate mode warn)\n\n"
        "`p.npy`, `y.npy` · 4 rows (1 dropped)\n\n"
        "| loss | value | 90% CI | n | mean | std | se | min | max |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        "| `mse` ↓ | 3.375 | [1, 5.5] | 4 | 3.375 | 4 | 2 | 0.25 | 9 |\n\n"
        "**Gates:** 0 of 1 passed\n\n"
        "| gate | value | threshold | result |\n"
        "|---|---:|---:|---|\n"
        "| `mse<=3` | 3.375 | 3 | ⚠️ fail (warn) |\n\n"
        "<details><summary>Groups (1)</summary>\n\n"
        "| g | loss | value | n |\n"
        "|---|---|---:|---:|\n"
        "| a | `mse` ↓ | 1 | 2 |\n\n"
        "</details>\n\n"
        "<details><summary>Details</summary>\n\n"
        "- `mse`: `mse|n:4`\n"
        "- pred: `p.npy` shape [4]\n"
        "- target: `y.npy` shape [4]\n"
        "- losscli 0.1.0, 0.500 s\n\n"
        "Configuration:\n\n"
        "```json\n{\n  \"gate_mode\": \"warn\"\n}\n```\n\n"
        "</details>\n"
    )


def test_baseline_reduced_differently_is_exit_3(cli, files):
    files.xy_csv()
    assert cli("eval", "xy.csv", "-l", "mse", "--reduction", "sum", "--report", "old.json", "-f", "json").exit_code == 0
    message = "Baseline old.json has 'mse' with reduction sum, this one mean; cannot check 'mse<=base'."
    fails(cli("eval", "xy.csv", "-l", "mse", "--baseline", "old.json", "--fail-if", "mse<=base"), 3, message)
    assert cli("eval", "xy.csv", "-l", "mse", "--report", "new.json", "-f", "json").exit_code == 0
    fails(cli("gate", "new.json", "--baseline", "old.json", "--fail-if", "mse<=base"), 3, message)


_leaf = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(["mse", "nan", "value", "mean", "x"])
any_json = st.recursive(
    _leaf,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.sampled_from(["label", "value", "terms", "reduction", "losses", "config"]), kids, max_size=4),
    max_leaves=12,
)


def test_missing_prediction_baseline_is_exit_3_before_reading(cli):
    fails(cli("eval", "nope.csv", "-l", "mse", "--baseline", "gone.npy", "--fail-if", "mse<=base"), 3, "File not found: gone.npy")


def test_a_gate_against_the_loss_direction_gets_a_warning_with_the_likely_gate(cli, files):
    """--fail-if states what must hold: 'mse>1' (lower mse is better) asks for a worse model; the
    gate is kept as written (mse of the running example, 3.375, is above 1: it passes) and a
    warning gives the gate the user likely meant."""
    files.xy_csv()
    result = cli("eval", "xy.csv", "-l", "mse", "--fail-if", "mse>1", "-b")
    assert (result.exit_code, result.stdout) == (0, "3.375\n")  # (0.25 + 4 + 0.25 + 9) / 4, hand-computed
    assert result.stderr == "Warning: --fail-if 'mse>1' requires mse above 1, but lower mse is better; --fail-if states what must hold: did you mean 'mse<=1'?\n"
    plain = cli("eval", "xy.csv", "-l", "mse", "--fail-if", "mse<=4", "-b")
    assert (plain.exit_code, plain.stderr) == (0, "")
