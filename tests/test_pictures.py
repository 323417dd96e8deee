"""``--hist`` (terminal histogram), ``--plot`` (matplotlib figure) and the stderr progress bar.

Running example (conftest): |d| = [0.5, 2, 0.5, 3] for mae.
"""

from __future__ import annotations

import importlib.util
import io
import json
import struct

import numpy as np

MAE_HIST = (
    "mae ↓  per-sample histogram, 4 rows\n"
    "  [0.5, 0.75)  ████████████████████████████████████████ 2\n"
    "  [0.75, 1)     0\n"
    "  [1, 1.25)     0\n"
    "  [1.25, 1.5)   0\n"
    "  [1.5, 1.75)   0\n"
    "  [1.75, 2)     0\n"
    "  [2, 2.25)    ████████████████████ 1\n"
    "  [2.25, 2.5)   0\n"
    "  [2.5, 2.75)   0\n"
    "  [2.75, 3]    ████████████████████ 1\n"
)


def test_hist_under_the_table(cli, files):
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mae", "--hist", "-f", "table")
    assert (r.exit_code, r.stderr) == (0, "")
    table, _, hist = r.stdout.partition("\n\n")
    assert table.splitlines()[0].split() == ["loss", "value", "n", "std", "se", "min", "max"]
    assert hist == MAE_HIST


def test_hist_goes_to_stderr_when_stdout_holds_data(cli, files):
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mae", "--hist", "-f", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["losses"][0]["value"] == 1.5
    assert r.stderr == "\n" + MAE_HIST


def test_histogram_fractional_bars_nan_rows_and_constant_values():
    from losscli.render.terminal import histogram

    text = histogram("x", "higher", np.array([0.0, 0.0, 0.0, 1.0, np.nan]), bins=2, width=3).plain
    assert text == "x ↑  per-sample histogram, 4 rows (1 not finite, left out)\n  [0, 0.5)  ███ 3\n  [0.5, 1]  █ 1"
    assert histogram("c", "lower", np.array([2.0, 2.0]), width=4).plain == "c ↓  per-sample histogram, 2 rows\n  [2, 2]  ████ 2"
    assert histogram("t", "lower", np.array([0.0] * 15 + [1.0]), bins=2, width=1).plain.endswith("  [0.5, 1]  ▏ 1")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_valid_png(cli, files):
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mse", "-l", "mae", "--plot", "fig.png", "-f", "json")
    assert (r.exit_code, r.stderr) == (0, "")
    data = (files.root / "fig.png").read_bytes()
    assert _png_size(data) == (1000, 600)  # 10 x 3 inches per loss at 100 dpi, two losses
    assert data.endswith(b"IEND\xaeB`\x82")
    assert files.listing() == ["fig.png", "xy.csv"]  # no temporary file left behind


def test_plot_svg(cli, files):
    files.xy_csv()
    assert cli("eval", "xy.csv", "-l", "mae", "--plot", "fig.svg", "-f", "json").exit_code == 0
    assert b"<svg" in (files.root / "fig.svg").read_bytes()[:1000]


def test_plot_bad_suffix_is_exit_2_before_reading(cli):
    r = cli("eval", "nope.csv", "-l", "mse", "--plot", "fig.gif")
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", "Error: --plot fig.gif: the figure format comes from the suffix; use one of .png, .svg, .pdf.\n")


def test_plot_without_matplotlib_is_exit_2_before_reading(cli, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    r = cli("eval", "nope.csv", "-l", "mse", "--plot", "fig.png")
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", "Error: --plot needs matplotlib, which is not installed: pip install 'losscli[plot]'.\n")


def test_progress_is_silent_off_a_terminal_and_draws_when_forced():
    from losscli.render.progress import THRESHOLD, ByteProgress, total_size

    quiet = io.StringIO()
    with ByteProgress(10 * THRESHOLD, "reading", file=quiet) as bar:  # a StringIO is no terminal
        bar.advance(THRESHOLD)
    assert not bar.active and quiet.getvalue() == ""
    small = ByteProgress(10, file=quiet, force=None)
    assert not small.active
    shown = io.StringIO()
    with ByteProgress(1000, "reading big.csv", file=shown, force=True) as bar:
        bar.advance(500)
        bar.update(1000)
    assert bar.active and "reading big.csv" in shown.getvalue()
    assert total_size(["-", "missing-file"]) == 0


def test_progress_counts_rows():
    from losscli.render.progress import ByteProgress

    shown = io.StringIO()
    with ByteProgress(200, "scoring", unit="rows", size=10**9, file=shown, force=True) as bar:
        bar.update(200)
    assert "200/200" in shown.getvalue() and "rows" in shown.getvalue()
    assert not ByteProgress(10**9, unit="rows", size=10, file=io.StringIO()).active  # small input: no bar


def test_progress_with_unknown_total():
    from losscli.render.progress import ByteProgress

    shown = io.StringIO()
    with ByteProgress(None, "evaluating", unit="rows", size=10**9, file=shown, force=True) as bar:
        bar.advance(300)
    assert "300/?" in shown.getvalue()
