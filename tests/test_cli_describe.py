"""``losscli describe``: one loss in full, looked up by name or alias."""

from __future__ import annotations

import shlex

from conftest import X, Y


def describe(cli, name: str) -> list[str]:
    result = cli("describe", name)
    assert (result.exit_code, result.stderr) == (0, "")
    return result.stdout.splitlines()


def test_describe_shows_name_aliases_reference_inputs_and_params(cli):
    lines = describe(cli, "huber")
    assert lines[:8] == [
        "huber (regression; lower is better)",
        "aliases:   HuberLoss, huber_loss",
        "reference: torch.nn.functional.huber_loss",
        "headline:  mean of the per-sample values (--reduction)",
        "inputs:",
        "  pred (values)",
        "  target (values)",
        "parameters:",
    ]
    assert lines[8] == "  delta=1  where the quadratic part turns linear (> 0)."  # the domain once, from the docstring
    assert "Huber: ``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``." in lines
    assert lines[-2:] == ["example:", "  losscli eval PRED TARGET -l huber"]


def test_describe_a_loss_without_parameters(cli):
    lines = describe(cli, "mse")
    assert lines[0] == "mse (regression; lower is better)"
    assert "parameters: none" in lines
    assert lines[-1] == "  losscli eval PRED TARGET -l mse"


def test_alias_lookup_is_case_insensitive_and_ignores_params(cli):
    expected = describe(cli, "huber")
    assert describe(cli, "HuberLoss") == expected
    assert describe(cli, "HUBER_LOSS") == expected
    assert describe(cli, "huber:delta=2") == expected


def test_the_example_command_runs(cli, files):
    files.npy("pred.npy", X)
    files.npy("target.npy", Y)
    example = describe(cli, "huber")[-1].strip()
    args = shlex.split(example.replace("PRED", "pred.npy").replace("TARGET", "target.npy"))[1:]
    result = cli(*args, "-b")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "1.0625\n", "")  # huber delta=1, hand-computed


def test_unknown_loss_is_a_usage_error(cli):
    result = cli("describe", "hubr")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: Unknown loss 'hubr'. Did you mean 'huber'? Run 'losscli list' to see available losses.\n"
    result = cli("describe", "zzzz")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", "Error: Unknown loss 'zzzz'. Run 'losscli list' to see available losses.\n")


def test_missing_argument_is_a_usage_error(cli):
    result = cli("describe")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", "Error: Missing argument 'loss'.\n")


def test_describe_names_the_per_sample_quantity(cli, files):
    out = cli("describe", "rmse").stdout
    assert "per-sample: sq_err, named rmse.sq_err in every output" in out
    assert "per-sample:" not in cli("describe", "mse").stdout
