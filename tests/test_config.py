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
    assert (r.exit_code, r.stderr) == (0, "Warning: gate failed (--gate-mode warn): mse<=3: mse is 3.375, threshold 3.0\n")
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
