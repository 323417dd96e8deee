"""Configuration: ``[tool.losscli]`` in ./pyproject.toml, ``--config FILE``, ``LOSSCLI_*``
variables, ``--no-config``; precedence flags > env > file > defaults; the echo in
``report.config``; unknown keys and bad values are exit 2 naming the key and the file."""

from __future__ import annotations

import json

import pytest

from losscli import config

from conftest import fails

PYPROJECT = '[project]\nname = "x"\n\n[tool.losscli]\n'



def pyproject(files, body: str) -> None:
    files.text("pyproject.toml", PYPROJECT + body)


def report(result) -> dict:
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    return json.loads(result.stdout)


def test_file_supplies_losses_and_format(cli, files):
    files.xy_csv()
    pyproject(files, 'losses = ["mse", "mae"]\nformat = "csv"\nprecision = 3\n')
    r = cli("eval", "xy.csv")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout.splitlines()[1:] == ["mse,lower,3.38,4,3.38,4.15,2.07,0.25,9,13.5", "mae,lower,1.5,4,1.5,1.22,0.612,0.5,3,6"]


@pytest.mark.parametrize(
    "env,flags,expected",
    [
        ({}, [], "file"),  # file > default
        ({"LOSSCLI_REDUCTION": "sum"}, [], "env"),  # env > file
        ({"LOSSCLI_REDUCTION": "sum"}, ["--reduction", "mean"], "flag"),  # flag > env
    ],
)
def test_precedence_flags_env_file_defaults(cli, files, env, flags, expected):
    files.xy_csv()
    pyproject(files, 'losses = ["mse"]\nreduction = "sum"\n')
    want = {"file": ("sum", 13.5), "env": ("sum", 13.5), "flag": ("mean", 3.375)}[expected]
    rep = report(cli("eval", "xy.csv", "-f", "json", *flags, env=env))
    assert (rep["config"]["reduction"], rep["losses"][0]["value"]) == want
    assert rep["config"]["sources"]["reduction"] == expected
    assert rep["config"]["config_file"] == "pyproject.toml"


def test_defaults_without_a_config_file(cli, files):
    files.xy_csv()
    rep = report(cli("eval", "xy.csv", "-l", "mse", "-f", "json"))
    assert rep["config"]["config_file"] is None
    assert rep["config"]["sources"] == {"losses": "flag", "format": "flag"}
    assert (rep["config"]["reduction"], rep["config"]["precision"], rep["config"]["gate_mode"]) == ("mean", 6, "fail")


def test_format_precedence(cli, files):
    files.xy_csv()
    pyproject(files, 'losses = ["mse"]\nformat = "csv"\n')
    assert cli("eval", "xy.csv").stdout.startswith("loss,direction,")  # file
    assert cli("eval", "xy.csv", env={"LOSSCLI_FORMAT": "md"}).stdout.startswith("| loss |")  # env > file
    assert cli("eval", "xy.csv", "-f", "json", env={"LOSSCLI_FORMAT": "md"}).stdout.startswith("{")  # flag > env
    assert cli("eval", "xy.csv", "-b").stdout == "3.375\n"  # -b overrides a format from the file, as it does LOSSCLI_FORMAT


def test_flag_losses_replace_file_losses(cli, files):
    files.xy_csv()
    pyproject(files, 'losses = ["mse", "mae"]\n')
    rep = report(cli("eval", "xy.csv", "-l", "huber", "-f", "json"))
    assert [e["label"] for e in rep["losses"]] == ["huber"]


def test_env_lists_split_on_whitespace(cli, files):
    files.xy_csv()
    r = cli("eval", "xy.csv", "-f", "json", env={"LOSSCLI_LOSSES": "mse mae", "LOSSCLI_FAIL_IF": "mse<=4 mae<=1"})
    assert (r.exit_code, r.stderr) == (1, "Gate failed: mae<=1: mae is 1.5, threshold 1.0\n")
    cfg = json.loads(r.stdout)["config"]
    assert cfg["losses"] == ["mse", "mae"] and cfg["sources"]["losses"] == "env" and cfg["sources"]["fail_if"] == "env"


def test_gates_from_the_file(cli, files):
    files.xy_csv()
    pyproject(files, 'losses = ["mse"]\nfail_if = ["mse<=3"]\ngate_mode = "warn"\n')
    r = cli("eval", "xy.csv", "-f", "json")
    # the warning names the file that set warn (mse = 13.5 / 4 = 3.375, hand computation in conftest)
    assert (r.exit_code, r.stderr) == (0, "Warning: gate failed (warn set by 'gate_mode' in [tool.losscli] of pyproject.toml): mse<=3: mse is 3.375, threshold 3.0\n")
    # a bad gate in the file names the key and the file
    pyproject(files, 'losses = ["mse"]\nfail_if = ["mae<=3"]\n')
    fails(
        cli("eval", "xy.csv"),
        2,
        "'fail_if' in [tool.losscli] of pyproject.toml 'mae<=3' names loss 'mae', which is not computed; computed: mse. "
        "Add -l mae or gate one of those.",
    )


def test_gate_command_reads_the_file(cli, files):
    files.xy_csv()
    assert cli("eval", "xy.csv", "-l", "mse", "--report", "r.json", "-f", "json").exit_code == 0
    pyproject(files, 'fail_if = ["mse<=3"]\nlosses = ["mse"]\n')
    r = cli("gate", "r.json", "-f", "json")
    assert (r.exit_code, r.stderr) == (1, "Gate failed: mse<=3: mse is 3.375, threshold 3.0\n")


def test_unknown_key_names_key_and_file(cli, files):
    files.xy_csv()
    pyproject(files, 'lossses = ["mse"]\n')
    known = ", ".join(config.KEYS)
    fails(cli("eval", "xy.csv", "-l", "mse"), 2, f"Unknown key 'lossses' in [tool.losscli] of pyproject.toml. Did you mean 'losses'? Known keys: {known}.")
    files.text("ci.toml", "colour = 1\n")
    fails(cli("eval", "xy.csv", "-l", "mse", "--config", "ci.toml"), 2, f"Unknown key 'colour' in ci.toml. Known keys: {known}.")


@pytest.mark.parametrize(
    "body,message",
    [
        ('precision = "x"', "'precision' in [tool.losscli] of pyproject.toml must be an integer from 1 to 17, got 'x'."),
        ("precision = 40", "'precision' in [tool.losscli] of pyproject.toml must be an integer from 1 to 17, got 40."),
        ('format = "xml"', "'format' in [tool.losscli] of pyproject.toml must be one of auto, table, json, jsonl, csv, md, got 'xml'."),
        ("losses = [1]", "'losses' in [tool.losscli] of pyproject.toml must be a list of strings, got [1]."),
        ("alpha = 2", "'alpha' in [tool.losscli] of pyproject.toml must be a number between 0 and 1, got 2."),
        ("seed = true", "'seed' in [tool.losscli] of pyproject.toml must be an integer from 0 to 9223372036854775807, got True."),
    ],
)
def test_bad_values(cli, files, body, message):
    files.xy_csv()
    pyproject(files, body + "\n")
    fails(cli("eval", "xy.csv", "-l", "mse"), 2, message)


def test_config_file_option_and_no_config(cli, files):
    files.xy_csv()
    pyproject(files, 'losses = ["mse"]\n')
    files.text("ci.toml", 'losses = ["mae"]\n')  # a whole-file config
    files.text("pp.toml", '[tool.losscli]\nlosses = ["huber"]\n')  # a pyproject-style config
    labels = lambda r: [e["label"] for e in report(r)["losses"]]  # noqa: E731
    assert labels(cli("eval", "xy.csv", "-f", "json")) == ["mse"]
    assert labels(cli("eval", "xy.csv", "-f", "json", "--config", "ci.toml")) == ["mae"]
    assert labels(cli("eval", "xy.csv", "-f", "json", "--config", "pp.toml")) == ["huber"]
    assert labels(cli("eval", "xy.csv", "-f", "json", env={"LOSSCLI_CONFIG": "ci.toml"})) == ["mae"]
    assert labels(cli("eval", "xy.csv", "-f", "json", "-l", "rmse", "--no-config", env={"LOSSCLI_CONFIG": "ci.toml"})) == ["rmse"]
    fails(cli("eval", "xy.csv", "--no-config"), 2, "No loss requested. Pass -l SPEC (e.g. -l mse); see 'losscli list'.")
    fails(cli("eval", "xy.csv", "--config", "ci.toml", "--no-config"), 2, "Use just one of --config and --no-config.")


def test_config_file_errors(cli, files):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "--config", "gone.toml"), 2, "Config file not found: gone.toml")
    files.text("bad.toml", "losses = [\n")
    r = cli("eval", "xy.csv", "--config", "bad.toml")
    assert r.exit_code == 2 and r.stderr.startswith("Error: Config file bad.toml is not valid TOML: ")


def test_pyproject_without_the_table_is_ignored(cli, files):
    files.xy_csv()
    files.text("pyproject.toml", '[project]\nname = "x"\n[tool.other]\nlosses = 3\n')
    assert report(cli("eval", "xy.csv", "-l", "mse", "-f", "json"))["config"]["config_file"] is None


def test_columns_from_the_file(cli, files):
    files.csv("t.csv", ["a", "b", "c"], (0.5, 0.0, 9), (-1.0, 1.0, 9), (2.0, 2.5, 9), (3.0, 0.0, 9))
    pyproject(files, 'losses = ["mse"]\npred_col = "a"\ntarget_col = "b"\n')
    rep = report(cli("eval", "t.csv", "-f", "json"))
    assert rep["losses"][0]["value"] == 3.375
    assert (rep["config"]["pred_col"], rep["config"]["sources"]["pred_col"]) == ("a", "file")


# ---------------------------------------------------------------------------- visible, additive config
# Running example (conftest): errors 0.5, -2, -0.5, 3 -> mse = 13.5 / 4 = 3.375, mae = 6 / 4 = 1.5.


def test_flag_gates_add_to_the_file_gates(cli, files):
    files.xy_csv()
    pyproject(files, 'losses = ["mse", "mae"]\nfail_if = ["mae<=1"]\n')
    r = cli("eval", "xy.csv", "-f", "json", "--fail-if", "mse<=4")
    assert (r.exit_code, r.stderr) == (1, "Gate failed: mae<=1: mae is 1.5, threshold 1.0\n")  # the file's gate still applies
    rep = json.loads(r.stdout)
    assert [(g["expr"], g["status"]) for g in rep["gates"]] == [("mae<=1", "fail"), ("mse<=4", "pass")]
    assert rep["config"]["fail_if"] == ["mae<=1", "mse<=4"] and rep["config"]["sources"]["fail_if"] == "file+flag"
    r = cli("eval", "xy.csv", "-f", "json", env={"LOSSCLI_FAIL_IF": "mse<=4"})  # the environment adds too
    assert [g["expr"] for g in json.loads(r.stdout)["gates"]] == ["mae<=1", "mse<=4"]


def test_file_gates_on_losses_the_command_line_dropped_are_skipped_not_an_error(cli, files):
    files.xy_csv()
    pyproject(files, 'losses = ["mse", "mae"]\nfail_if = ["mae<=1", "mse<=base*1.01"]\n')
    r = cli("eval", "xy.csv", "-l", "mse", "-f", "json")
    where = "'fail_if' in [tool.losscli] of pyproject.toml"
    assert (r.exit_code, r.stderr) == (
        0,
        f"Note: gate mae<=1 ({where}) skipped: mae is not computed (the command line chose the losses: mse).\n"
        f"Note: gate mse<=base*1.01 ({where}) skipped: it compares with base and no --baseline was given.\n",
    )
    rep = json.loads(r.stdout)
    assert rep["status"] == "pass"
    assert [(g["expr"], g["status"], g["passed"]) for g in rep["gates"]] == [("mae<=1", "skipped", None), ("mse<=base*1.01", "skipped", None)]
    table = cli("eval", "xy.csv", "-l", "mse", "-f", "table").stdout
    assert "gates: 0 of 0 passed, 2 skipped" in table and "- skipped  mae is not computed" in table
    md = cli("eval", "xy.csv", "-l", "mse", "-f", "md").stdout
    assert "| `mae<=1` |  | 1 | ➖ skipped (mae is not computed (the command line chose the losses: mse)) |" in md
    # a gate on the command line must be checkable: still a usage error
    fails(cli("eval", "xy.csv", "-l", "mse", "--fail-if", "mae<=1"), 2, "--fail-if 'mae<=1' names loss 'mae', which is not computed; computed: mse. Add -l mae or gate one of those.")


def test_settings_from_the_file_are_listed_in_every_human_readable_output(cli, files, tmp_path):
    files.csv("w.csv", ["pred", "target", "w"], (0.5, 0.0, 1), (-1.0, 1.0, 1), (2.0, 2.5, 1), (3.0, 0.0, 0))
    pyproject(files, 'gate_mode = "warn"\nnan_policy = "omit"\nweight_col = "w"\n')
    note = "settings from pyproject.toml: gate_mode, nan_policy, weight_col"
    # weighted mse with the last row's weight 0: (0.25 + 4 + 0.25) / 3 = 1.5, so the gate passes only because of the file
    r = cli("eval", "w.csv", "-l", "mse", "--fail-if", "mse<=2", "-f", "table")
    assert r.exit_code == 0 and note in r.stdout.splitlines()
    assert f"_{note.replace('_', '&#95;')}_" in cli("eval", "w.csv", "-l", "mse", "-f", "md").stdout  # escape.md: '_' as &#95;
    summary = tmp_path / "summary.md"
    cli("eval", "w.csv", "-l", "mse", "-f", "json", "--gh-summary", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert "_settings from pyproject.toml: gate&#95;mode, nan&#95;policy, weight&#95;col_" in summary.read_text()
    cfg = json.loads(cli("eval", "w.csv", "-l", "mse", "-f", "json").stdout)["config"]
    assert (cfg["config_file"], cfg["config_keys"]) == ("pyproject.toml", ["gate_mode", "nan_policy", "weight_col"])
    # the warning names the file that set warn mode
    r = cli("eval", "w.csv", "-l", "mse", "--fail-if", "mse<=1", "-f", "json")
    assert (r.exit_code, r.stderr) == (0, "Warning: gate failed (warn set by 'gate_mode' in [tool.losscli] of pyproject.toml): mse<=1: mse is 1.5, threshold 1.0\n")
    # no file: no note
    assert "settings from" not in cli("eval", "w.csv", "-l", "mse", "-f", "table", "--no-config").stdout


def test_losscli_no_config_ignores_the_working_trees_config(cli, files):
    files.xy_csv()
    pyproject(files, 'fail_if = ["mse<=1"]\ngate_mode = "warn"\nreduction = "sum"\n')
    r = cli("eval", "xy.csv", "-l", "mse", "-f", "json", "--fail-if", "mse<=3", env={"LOSSCLI_NO_CONFIG": "1"})
    assert (r.exit_code, r.stderr) == (1, "Gate failed: mse<=3: mse is 3.375, threshold 3.0\n")  # mean, fail mode, one gate
    cfg = json.loads(r.stdout)["config"]
    assert (cfg["config_file"], cfg["config_keys"], cfg["fail_if"]) == (None, [], ["mse<=3"])


def test_gate_command_adds_flag_gates_to_the_files(cli, files):
    files.xy_csv()
    assert cli("eval", "xy.csv", "-l", "mse", "-l", "mae", "--report", "r.json", "-f", "json", "--no-config").exit_code == 0
    pyproject(files, 'fail_if = ["mse<=3"]\n')
    r = cli("gate", "r.json", "--fail-if", "mae<=2", "-f", "json")
    assert (r.exit_code, r.stderr) == (1, "Gate failed: mse<=3: mse is 3.375, threshold 3.0\n")
    assert [g["expr"] for g in json.loads(r.stdout)["gates"]] == ["mse<=3", "mae<=2"]


def _readme_ci_example() -> tuple[str, str, dict[str, str]]:
    """The README's GitHub Actions job: its pyproject.toml, and the gate step's script and env."""
    import pathlib
    import re

    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### A GitHub Actions job") :]
    toml = re.search(r"```toml\n(.*?)```", section, flags=re.S).group(1)
    yaml = re.search(r"```yaml\n(.*?)```", section, flags=re.S).group(1)
    step = yaml[yaml.index("- name: Evaluate and gate") :]
    env = dict(re.findall(r"^\s{10}(LOSSCLI_\w+): (\S+)", step[: step.index("run: |")], flags=re.M))
    lines = step[step.index("run: |") :].splitlines()[1:]
    script = "\n".join(line[10:] for line in lines[: next(i for i, x in enumerate(lines) if not x.startswith(" " * 10))])
    return toml, script, env


def test_the_readme_ci_example_runs_as_given(tmp_path):
    """The job's config and gate step, run as written (bash, the installed ``losscli``) on a tiny
    preds.csv with id, logit_0..logit_9, label: first without main's report, then with it."""
    import os
    import shutil
    import subprocess
    import sys

    import numpy as np

    toml, script, env = _readme_ci_example()
    assert env == {"LOSSCLI_GATE_MODE": "fail"} and "--fail-if" not in script.split("then")[0]  # the config's gate is the absolute one
    (tmp_path / "pyproject.toml").write_text(toml)
    labels = np.arange(20) % 10
    logits = np.zeros((20, 10))
    logits[np.arange(20), labels] = 5.0
    rows = [[f"s{i}", *logits[i], labels[i]] for i in range(20)]
    header = ["id", *(f"logit_{k}" for k in range(10)), "label"]
    (tmp_path / "preds.csv").write_text("\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n")
    # every row: ce = log(1 + 9 e^-5) (softmax of 5 against nine 0s), independent of the code
    ce = float(np.log1p(9 * np.exp(-5.0)))
    losscli = shutil.which("losscli", path=os.path.dirname(sys.executable))
    assert losscli is not None
    path = os.path.dirname(losscli) + os.pathsep + os.environ.get("PATH", "")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("LOSSCLI_", "GITHUB_"))}
    summary = tmp_path / "summary.md"
    run_env = {**base_env, **env, "PATH": path, "GITHUB_STEP_SUMMARY": str(summary), "COLUMNS": "120"}
    for with_baseline in (False, True):
        if with_baseline:
            (tmp_path / "baseline").mkdir()
            shutil.copy(tmp_path / "report.json", tmp_path / "baseline" / "report.json")
        p = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=tmp_path, env=run_env, capture_output=True, text=True, timeout=120)
        assert (p.returncode, p.stderr) == (0, ""), p.stdout
        rep = json.loads((tmp_path / "report.json").read_text())
        assert abs(rep["losses"][0]["value"] - ce) < 1e-12
        expected = ["ce<=0.35"] + (["ce<=base*1.02"] if with_baseline else [])
        assert [(g["expr"], g["status"]) for g in rep["gates"]] == [(e, "pass") for e in expected]
        assert rep["config"]["config_keys"] == ["losses", "fail_if", "pred_col", "target_col", "id_col"]
    assert summary.read_text().count("_settings from pyproject.toml: losses, fail&#95;if, pred&#95;col, target&#95;col, id&#95;col_") == 2
