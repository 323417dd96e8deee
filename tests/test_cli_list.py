"""``losscli list``: the registry as JSON or a table, filtered by a glob and a family."""

from __future__ import annotations

import fnmatch
import json

import pytest

from losscli.losses import FAMILIES, presets


def listing(cli, *args) -> dict:
    result = cli("list", "-f", "json", *args)
    assert (result.exit_code, result.stderr) == (0, "")
    return json.loads(result.stdout)


def names(data: dict) -> list[str]:
    return [e["name"] for e in data["losses"]]


def test_json_lists_every_loss_with_its_fields(cli):
    data = listing(cli)
    assert list(data) == ["losses", "presets"]
    assert len(data["losses"]) >= 13 and len(set(names(data))) == len(data["losses"])
    for e in data["losses"]:
        assert list(e) == ["name", "aliases", "family", "inputs", "params", "direction", "reference", "summary"]
        assert e["family"] in FAMILIES and e["direction"] in ("lower", "higher")
        assert e["reference"] and e["summary"] and e["inputs"]
    by_name = {e["name"]: e for e in data["losses"]}
    assert by_name["huber"] == {
        "name": "huber",
        "aliases": ["HuberLoss", "huber_loss"],
        "family": "regression",
        "inputs": ["pred:values", "target:values"],
        "params": {"delta": "1"},
        "direction": "lower",
        "reference": "torch.nn.functional.huber_loss",
        "summary": by_name["huber"]["summary"],
    }
    assert "l2" in by_name["mse"]["aliases"] and by_name["mse"]["params"] == {}
    assert data["presets"]["@regression"] == ["mse", "rmse", "mae", "huber"]


def test_json_is_sorted_by_family_then_name(cli):
    entries = listing(cli)["losses"]
    keys = [(FAMILIES.index(e["family"]), e["name"]) for e in entries]
    assert keys == sorted(keys)


def test_json_is_the_default_off_a_terminal(cli):
    result = cli("list")
    assert json.loads(result.stdout) == listing(cli)


def _matches(entry: dict, pattern: str) -> bool:
    return any(fnmatch.fnmatchcase(n.lower(), pattern.lower()) for n in (entry["name"], *entry["aliases"]))


@pytest.mark.parametrize("pattern", ["*hinge*", "*l1*", "*deviance", "poisson_*", "*"])
def test_glob_filters_names_and_aliases(cli, pattern):
    everything = listing(cli)["losses"]
    expected = [e["name"] for e in everything if _matches(e, pattern)]
    assert names(listing(cli, pattern)) == expected


def test_glob_examples(cli):
    assert names(listing(cli, "mse")) == ["mse"]
    assert names(listing(cli, "MSELoss")) == ["mse"]  # an alias, case-insensitive
    assert {"mae", "smooth_l1"} <= set(names(listing(cli, "*l1*")))  # 'l1' is an alias of mae
    assert names(listing(cli, "no_such_loss*")) == []


def test_family_filter(cli):
    everything = listing(cli)["losses"]
    regression = listing(cli, "--family", "regression")["losses"]
    assert regression == [e for e in everything if e["family"] == "regression"]
    assert {"mse", "mae", "huber", "rmse"} <= set(names({"losses": regression}))
    assert names(listing(cli, "h*", "--family", "regression")) == ["huber"]


def test_unknown_family_is_a_usage_error(cli):
    result = cli("list", "--family", "regresion")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: Unknown family 'regresion'. Expected one of: regression, classification, ranking, segmentation, boxes, gan, sequence, classification_metrics, regression_metrics, ranking_metrics.\n"


def test_bad_format_is_a_usage_error(cli):
    result = cli("list", "-f", "csv")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: 'losscli list' writes table, json, not csv.\n"


def test_table(cli):
    result = cli("list", "--family", "regression", "-f", "table", env={"COLUMNS": "300"})  # wide enough: no cell wraps
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert [c.strip() for c in lines[1].strip("┃").split("┃")] == ["name", "aliases", "family", "inputs", "params", "dir", "reference"]
    rows = {cells[0]: cells for cells in ([c.strip() for c in line.strip("│").split("│")] for line in lines[3:-2])}
    assert rows["huber"] == ["huber", "HuberLoss, huber_loss", "regression", "pred:values, target:values", "delta=1", "↓", "torch.nn.functional.huber_loss"]
    count = len(listing(cli, "--family", "regression")["losses"])
    assert lines[-1].strip() == f"{count} losses. Presets: " + ", ".join("@" + p for p in sorted(presets()))


@pytest.mark.parametrize(
    ("width", "huber"),
    [(80, "huber ↓ pred target delta=1"), (40, "huber ↓ pred targe…")],  # 40: cut at the edge (2+22+5 columns before the inputs)
)
def test_narrow_terminal_lists_one_line_per_loss(cli, width, huber):
    """The 7-column table does not fit: a header, a line per family, one line per loss (name,
    direction, input roles, parameters: cut with … at the edge), the caption."""
    entries = listing(cli)["losses"]
    result = cli("list", "-f", "table", env={"COLUMNS": str(width)})
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    families = list(dict.fromkeys(e["family"] for e in entries))
    assert max(len(line) for line in lines) <= width
    assert lines[0].split()[:2] == ["name", "inputs"]
    body = lines[1 : 1 + len(entries) + len(families)]
    assert [line for line in body if not line.startswith("  ")] == families
    loss_lines = [line.split() for line in body if line.startswith("  ")]
    assert [cells[:2] for cells in loss_lines] == [[e["name"], "↓" if e["direction"] == "lower" else "↑"] for e in entries]
    assert " ".join(loss_lines[names({"losses": entries}).index("huber")]) == huber
    assert " ".join(lines[1 + len(body) :]).startswith(f"{len(entries)} losses. Presets: @")


def test_the_full_table_when_it_fits(cli):
    # 407 columns wide with ctc's four inputs (log_probs, targets, input_lengths, target_lengths)
    lines = cli("list", "-f", "table", env={"COLUMNS": "420"}).stdout.splitlines()
    assert [c.strip() for c in lines[1].strip("┃").split("┃")] == ["name", "aliases", "family", "inputs", "params", "dir", "reference"]


def test_output_options_as_every_command(cli, files):
    """-o FILE takes its format from the suffix; LOSSCLI_FORMAT is a standing default that a
    format list cannot write (csv) leaves alone."""
    assert cli("list", "mse", "-o", "l.json").exit_code == 0
    assert names(json.loads((files.root / "l.json").read_text(encoding="utf-8"))) == ["mse"]
    assert cli("list", "mse", "-o", "l.txt").exit_code == 0  # a table 120 columns wide: the compact list
    assert (files.root / "l.txt").read_text(encoding="utf-8").splitlines()[1:3] == ["regression", "  mse  ↓  pred target"]
    assert names(json.loads(cli("list", "mse", env={"LOSSCLI_FORMAT": "csv"}).stdout)) == ["mse"]
