"""``losscli gate REPORT.json --fail-if EXPR...``: gating a report written earlier (``eval``'s own
gates: test_cli_gates.py).

Running example (conftest X, Y): mse = 3.375, mae = 1.5 (hand-computed in test_cli_eval.py).
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from conftest import X, Y, fails
from test_cli_gates import any_json, write_baseline_report
from test_traps import GATE, write_base_report


def test_gate_command_pass_and_fail(cli, files):
    write_baseline_report(cli, files, "mse", "mae")
    ok = cli("gate", "old.json", "--fail-if", "mse<=4", "-f", "json")
    assert ok.exit_code == 0 and ok.stderr == ""
    rep = json.loads(ok.stdout)
    assert rep["status"] == "pass" and rep["gates"][0]["passed"] and rep["config"]["gated_by"] == "losscli gate"
    bad = cli("gate", "old.json", "--fail-if", "mse<=4", "--fail-if", "mae<1", "-f", "md")
    assert (bad.exit_code, bad.stderr) == (1, "Gate failed: mae<1: mae is 1.5, threshold 1.0\n")
    assert bad.stdout == (
        "| gate | value | threshold | result |\n"
        "|---|---:|---:|---|\n"
        "| `mse<=4` | 3.375 | 4 | ✅ pass |\n"
        "| `mae<1` | 1.5 | 1 | ❌ fail |\n"
    )


def test_gate_command_writes_o_and_report_like_every_command(cli, files):
    """-o FILE (format from its suffix) and --report FILE: both written, even when a gate fails."""
    write_baseline_report(cli, files, "mse", "mae")
    r = cli("gate", "old.json", "--fail-if", "mae<1", "-o", "gates.md", "--report", "new.json")
    assert (r.exit_code, r.stdout) == (1, "")
    assert (files.root / "gates.md").read_text(encoding="utf-8") == "| gate | value | threshold | result |\n|---|---:|---:|---|\n| `mae<1` | 1.5 | 1 | ❌ fail |\n"
    assert json.loads((files.root / "new.json").read_text(encoding="utf-8"))["status"] == "fail"


def test_gate_command_warn_baseline_and_report(cli, files):
    write_baseline_report(cli, files, "mse")
    r = cli("gate", "old.json", "--fail-if", "mse<base*0.5", "--baseline", "old.json", "--gate-mode", "warn", "--report", "gated.json", "-f", "json")
    assert (r.exit_code, r.stderr) == (
        0,
        "Warning: gate failed (--gate-mode warn): mse<base*0.5: mse is 3.375, threshold 1.6875 (base 3.375 from old.json)\n",
    )
    assert json.loads((files.root / "gated.json").read_text()) == json.loads(r.stdout)


def test_gate_command_errors(cli, files):
    write_baseline_report(cli, files, "mse")
    fails(cli("gate", "old.json", "--fail-if", "mae<=1"), 2, "--fail-if 'mae<=1' names loss 'mae', which is not computed; computed: mse. Add -l mae or gate one of those.")
    fails(cli("gate", "old.json"), 2, "No gate given: pass --fail-if EXPR (e.g. --fail-if 'mse<=0.02'), or fail_if in the config file.")
    fails(cli("gate", "xy.csv", "--fail-if", "mse<=1"), 3, "xy.csv is not a losscli JSON report: Expecting value: line 1 column 1 (char 0)")
    fails(cli("gate", "gone.json", "--fail-if", "mse<=1"), 3, "Report not found: gone.json")
    fails(cli("gate", "old.json", "--fail-if", "mse<=base"), 2, "--fail-if 'mse<=base' compares with base; pass --baseline OLD.json.")
    fails(cli("gate", "old.json", "--fail-if", "mse<=1", "-f", "csv"), 2, "'losscli gate' writes table, json, md, not csv.")


def test_gate_rewrites_the_report_it_read_unchanged_but_for_the_gates(cli, files):
    """The report is read back as a Report (Report.from_dict) and written again: groups,
    intervals, worst samples and warnings come out as they went in."""
    files.csv("g.csv", ["id", "site", "pred", "target"], *zip("abcd", "xyxy", X, Y))
    r = cli("eval", "g.csv", "-l", "mse", "-l", "rmse", "-g", "site", "--top-k", "1", "--id-col", "id", "--ci", "analytic", "-f", "json")
    files.text("old.json", r.stdout)
    old = json.loads(r.stdout)
    new = json.loads(cli("gate", "old.json", "--fail-if", "mse<=4", "-f", "json").stdout)
    assert new["status"] == "pass" and [g["expr"] for g in new["gates"]] == ["mse<=4"]
    assert {k: v for k, v in new.items() if k not in ("gates", "status", "config")} == {k: v for k, v in old.items() if k not in ("gates", "status", "config")}
    assert new["config"] == {**old["config"], **{k: new["config"][k] for k in ("gate_mode", "baseline", "gated_by", "fail_if", "config_file", "config_keys")}}


def test_gate_refuses_a_report_it_cannot_read_back(cli, files):
    write_baseline_report(cli, files, "mse")
    data = json.loads((files.root / "old.json").read_text())
    data["losses"][0]["value"] = "3.375"  # text, not a number: never gated as if it were one
    files.text("edited.json", json.dumps(data))
    fails(cli("gate", "edited.json", "--fail-if", "mse<=4"), 3, "edited.json cannot be read as a losscli JSON report: losses[0].value is not a number.")
    data["losses"][0]["value"], data["inputs"]["pred"]["columns"] = 3.375, 5  # the step summary lists the columns
    files.text("edited.json", json.dumps(data))
    fails(cli("gate", "edited.json", "--fail-if", "mse<=4", "--gh-summary", env={"GITHUB_STEP_SUMMARY": "s.md"}), 3,
          "edited.json cannot be read as a losscli JSON report: inputs.pred.columns is not a list.")
    assert cli("eval", "gone.csv", "-l", "mse", "--report", "err.json").exit_code == 3
    fails(cli("gate", "err.json", "--fail-if", "mse<=4"), 3,
          "err.json cannot be read as a losscli JSON report: its run stopped with an error (exit 3: File not found: gone.csv).")


def test_gate_command_gh_summary(cli, files):
    write_baseline_report(cli, files, "mse")
    r = cli("gate", "old.json", "--fail-if", "mse<=4", "--gh-summary", "-f", "json", env={"GITHUB_STEP_SUMMARY": "s.md"})
    assert r.exit_code == 0
    assert (files.root / "s.md").read_text().startswith("### losscli: ✅ pass\n\n`xy.csv` · 4 rows\n\n| loss |")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(losses=any_json, config=any_json)
def test_gate_command_never_crashes_on_odd_reports(cli, files, losses, config):
    files.text("odd.json", json.dumps({"schema": "losscli.report/1", "losses": losses if isinstance(losses, list) else [losses], "config": config}))
    r = cli("gate", "odd.json", "--fail-if", "mse<=1", "-f", "json")
    assert r.exit_code in (0, 1, 2, 3), r.stderr
    assert r.exit_code in (0, 1) or (r.stdout == "" and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1)


def test_gate_command_checks_the_baseline_target_too(cli, files):
    base = write_base_report(cli, files, X, [0.0, 1.0, 2.5, 1.0])
    files.xy_csv()
    assert cli("eval", "xy.csv", "-l", "mse", "-f", "json", "--report", "new.json").exit_code == 0
    r = cli("gate", "new.json", "--baseline", base, *GATE)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.startswith("Error: --baseline base.json was scored on another target: its target values blake3 differs (")
    r = cli("gate", "new.json", "--baseline", base, *GATE, "--baseline-other-target", "-f", "json")
    assert r.exit_code == 0, r.stderr  # 3.375 <= 10 * 2.125
    out = json.loads(r.stdout)
    assert out["gates"][0]["note"] == f"baseline on another target: {out['config']['baseline_other_target']}"
    assert cli("gate", "new.json", "--baseline", "new.json", *GATE).exit_code == 0  # the same target
