"""An unquoted glob that the shell expanded into many file names: one line that says to quote
it (``losscli.cli._usage``), instead of click's error listing every name."""

from __future__ import annotations

import pytest

from conftest import fails

HINT = "where fewer are expected: did the shell expand an unquoted glob? Quote it to pass the pattern itself, e.g. 'runs/s*.csv'."


@pytest.fixture
def shards(files) -> list[str]:
    (files.root / "runs").mkdir()
    return [files.xy_csv(f"runs/s{i}.csv") for i in range(1, 13)]


def test_an_expanded_glob_gets_one_line_that_says_to_quote_it(cli, shards):
    names = sorted(shards)  # as the shell expands runs/s*.csv: s1, s10, s11, s12, s2, ...
    expected = f"12 file names ({names[0]} {names[1]} ... {names[-2]} {names[-1]}) {HINT}"
    fails(cli("eval", *names, "-l", "mse"), 2, expected)
    fails(cli("eval", "-l", "mse", *names), 2, expected)
    fails(cli("gate", *names), 2, expected)


def test_three_names_are_all_shown(cli, shards):
    fails(cli("eval", *shards[:3], "-l", "mse"), 2, f"3 file names (runs/s1.csv runs/s2.csv runs/s3.csv) {HINT}")


def test_extra_arguments_that_are_no_files_keep_clicks_message(cli, shards):
    fails(cli("eval", *shards[:2], "nope", "-l", "mse"), 2, "Got unexpected extra argument(s) (nope)")
