"""Tables within the terminal's width (``losscli.render.fit``): a table wider than the terminal
is split by columns, each part repeating the row's name; numbers are never cut."""

from __future__ import annotations

import re

import pytest
from rich.console import Console
from rich.table import Column, Table
from rich.cells import cell_len

from losscli.render.fit import print_fitted, split

from conftest import X, Y

NUMBER = re.compile(r"[-+]?\d[\d.e+-]*")


def rendered(width: int, t: Table) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"), color_system=None)  # noqa: SIM115
    print_fitted(console, t)
    return console.export_text()


def wide_table() -> Table:
    t = Table("name", *(Column(f"col{'abcdef'[i]}", justify="right", no_wrap=True) for i in range(6)), title="a title", caption="a caption")
    t.add_row("mse ↓", *(f"{i}.{'5' * 8}" for i in range(6)))
    t.add_row("a_very_long_loss_label:with=params ↓", *(f"-{i}e+10" for i in range(6)))
    return t


def test_a_table_that_fits_is_one_table():
    t = Table("loss", Column("value", justify="right"))
    t.add_row("mse", "1.5")
    (part,) = split(Console(width=80), t)
    assert [c.header for c in part.columns] == ["loss", "value"]


@pytest.mark.parametrize("width", [80, 40, 24])
def test_a_wide_table_is_split_by_columns_within_the_width(width):
    out = rendered(width, wide_table())
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    # every number cell is there whole, once
    assert sorted(NUMBER.findall(out)) == sorted([f"{i}.{'5' * 8}" for i in range(6)] + [f"-{i}e+10" for i in range(6)])
    assert len(re.findall(r"\bname\b", out)) > 1  # split: each part repeats the leading text column
    assert lines[0] == "a title" and lines[-1] == "a caption"


def test_the_parts_keep_the_columns_in_order():
    parts = split(Console(width=40), wide_table())
    assert [c.header for p in parts for c in p.columns if c.header != "name"] == [f"col{c}" for c in "abcdef"]
    assert all(p.columns[0].header == "name" for p in parts)


def number_cells(text: str) -> set[str]:
    """The numbers printed (a number cut in two would show as two others)."""
    return set(NUMBER.findall(text))


@pytest.mark.parametrize("width", ["80", "40"])
def test_every_command_table_fits_the_terminal(cli, files, width):
    """eval (with CIs, --top-k, gates and histograms), compare, inspect and gate at 80 and 40
    columns: no line is wider, and the numbers are those printed at 200 columns."""
    files.xy_csv()
    files.npy("t.npy", Y)
    files.npy("a.npy", X)
    files.npy("b.npy", [0.0, 1.5, 2.0, 1.0])
    ok = cli("eval", "xy.csv", "-l", "mse", "-l", "huber:delta=0.5", "--report", "r.json", "-f", "json")
    assert ok.exit_code == 0
    commands = [
        ["eval", "xy.csv", "-l", "mse", "-l", "huber:delta=0.5", "-l", "rmse", "--ci", "bootstrap", "--top-k", "2", "--hist", "--fail-if", "mse<9", "-f", "table"],
        ["compare", "-t", "t.npy", "a.npy", "b.npy", "-l", "mse", "-l", "mae", "-f", "table"],
        ["inspect", "xy.csv", "a.npy", "-f", "table"],
        ["gate", "r.json", "--fail-if", "mse<=base*1.01", "--baseline", "r.json", "-f", "table"],
    ]
    for args in commands:
        wide, narrow = cli(*args, env={"COLUMNS": "200"}), cli(*args, env={"COLUMNS": width})
        assert narrow.exit_code == wide.exit_code == 0, (args, narrow.stderr)
        assert max(cell_len(line) for line in narrow.stdout.splitlines()) <= int(width), (args, narrow.stdout)
        assert number_cells(narrow.stdout) == number_cells(wide.stdout), args
