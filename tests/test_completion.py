"""Shell completion of ``-l/--loss`` (``losscli.cli._complete``) through click's completion
protocol, as the script that ``losscli --install-completion`` installs calls it."""

from __future__ import annotations

import pytest


def complete(cli, line: str) -> list[str]:
    """The values bash's completion script gets for the last word of ``line``."""
    words = line.split(" ")
    env = {"_LOSSCLI_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    result = cli(env=env)
    assert (result.exit_code, result.stderr) == (0, "")
    return result.stdout.split()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("losscli eval -l hu", ["huber", "huber_loss"]),  # names and aliases with that prefix
        ("losscli eval x.csv --loss MSE", ["MSELoss"]),  # case matters, as in the shell
        ("losscli compare -l smooth", ["smooth_l1", "smooth_l1_loss"]),
        ("losscli eval -l huber:", ["huber:delta="]),  # the parameters after NAME:
        ("losscli eval -l focal:gamma=1,", ["focal:gamma=1,alpha="]),  # the ones not given yet
        ("losscli eval -l focal:gamma=1,al", ["focal:gamma=1,alpha="]),
        ("losscli eval -l nosuch:", []),
        ("losscli eval -l @cl", ["@classification"]),
    ],
)
def test_loss_specs_complete(cli, line, expected):
    assert complete(cli, line) == expected


def test_an_empty_word_lists_names_not_aliases(cli):
    from losscli.losses import list_losses

    assert complete(cli, "losscli eval -l ") == sorted(s.name for s in list_losses())
