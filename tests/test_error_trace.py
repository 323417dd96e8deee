"""A run that stops with an error (exit 2, 3 or 4) leaves a trace besides its ``Error:`` line:
``--report`` holds a report with ``status: "error"``, the exit code and the error line;
``--gh-summary`` appends an error section; under GitHub Actions (``GITHUB_ACTIONS=true``) an
``::error::`` annotation goes to stderr, for errors and for failed gates (``losscli.cli._trace``).
"""

from __future__ import annotations

import json

import pytest

from conftest import fails

GH = {"GITHUB_ACTIONS": "true"}


def _error_report(files, name: str = "r.json") -> dict:
    report = json.loads((files.root / name).read_text())
    assert report["status"] == "error" and report["schema"] == "losscli.report/1"
    return report


def test_a_failed_output_leaves_an_error_report_not_a_passing_one(cli, files):
    # the review's case: -o into a missing directory used to leave r.json saying "pass"
    x, y = files.xy_npy()
    fails(cli("eval", x, y, "-l", "mse", "--report", "r.json", "-o", "nodir/o.json"), 3, "Cannot write nodir/o.json: No such file or directory.")
    report = _error_report(files)
    assert report["error"] == {"exit_code": 3, "message": "Cannot write nodir/o.json: No such file or directory."}
    assert report["inputs"] == {"pred": {"path": "x.npy"}, "target": {"path": "y.npy"}}
    assert report["config"]["loss"] == ["mse"] and report["losses"] == [] and report["gates"] == []
    assert files.listing() == ["r.json", "x.npy", "y.npy"]


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["-l", "nope"], 2, "Unknown loss 'nope'. Run 'losscli list' to see available losses."),
        (["missing.npy", "-l", "mse"], 3, "File not found: missing.npy"),
    ],
)
def test_usage_and_input_errors_leave_an_error_report(cli, files, args, code, message):
    files.xy_npy()
    argv = args if args[0] == "missing.npy" else ["x.npy", "y.npy", *args]
    fails(cli("eval", *argv, "--report", "r.json"), code, message)
    assert _error_report(files)["error"] == {"exit_code": code, "message": message}


def test_an_internal_error_leaves_an_error_report(cli, files, monkeypatch):
    import losscli.engine

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(losscli.engine.Accumulator, "compute", crash)
    x, y = files.xy_npy()
    r = cli("eval", x, y, "-l", "mse", "--report", "r.json")
    assert r.exit_code == 4
    assert _error_report(files)["error"]["exit_code"] == 4


def test_merge_and_gate_leave_error_reports(cli, files):
    files.text("bad.json", "{}")
    fails(cli("merge", "bad.json", "--report", "m.json"), 3, "bad.json is not a losscli state (no 'schema'); write one with 'losscli eval --emit-state'.")
    assert _error_report(files, "m.json")["inputs"] == {"states": {"paths": ["bad.json"]}}
    r = cli("gate", "missing.json", "--fail-if", "mse<=1", "--report", "g.json")
    assert r.exit_code == 3
    assert _error_report(files, "g.json")["inputs"] == {"report": {"path": "missing.json"}}


def test_the_step_summary_gets_an_error_section_with_the_line_escaped(cli, files):
    summary = files.root / "summary.md"
    r = cli("eval", "<img src=x>.csv", "-l", "mse", "--gh-summary", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.exit_code == 3
    assert summary.read_text() == "### losscli: ❗ error\n\n**Error** (exit 3): File not found: &#60;img src=x&#62;.csv\n"


def test_errors_are_annotated_under_github_actions(cli, files):
    # GitHub's workflow-command escaping: % as %25 (CR and LF never reach it: the line is one line)
    r = cli("eval", "50%.csv", "-l", "mse", env=GH)
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr == "Error: File not found: 50%.csv\n::error title=losscli::File not found: 50%25.csv\n"
    assert cli("eval", "50%.csv", "-l", "mse").stderr == "Error: File not found: 50%.csv\n"  # outside Actions: the line alone


@pytest.mark.parametrize("mode, level", [("fail", "error"), ("warn", "warning")])
def test_failed_gates_are_annotated_under_github_actions(cli, files, mode, level):
    x, y = files.xy_npy()
    r = cli("eval", x, y, "-l", "mse", "--fail-if", "mse<=1", "--gate-mode", mode, "-f", "json", env=GH)
    assert r.exit_code == (1 if mode == "fail" else 0)
    annotation = [line for line in r.stderr.splitlines() if line.startswith("::")]
    what = "Gate failed" if mode == "fail" else "gate failed (--gate-mode warn)"
    assert annotation == [f"::{level} title=losscli::{what}: mse<=1: mse is 3.375, threshold 1.0"]  # mse = 3.375 (test_cli_eval.py)


def test_an_error_report_never_replaces_an_input(cli, files):
    name = files.xy_csv("d.csv")
    before = (files.root / name).read_bytes()
    r = cli("eval", name, "-l", "nope", "--report", name)
    assert r.exit_code == 2
    assert (files.root / name).read_bytes() == before
