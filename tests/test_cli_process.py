"""The installed program in real processes: the console script, ``python -m losscli``, lazy
imports (``import losscli`` loads no typer, rich or pandas) and a closed stdout (``| head`` exits quietly)."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import X, Y

BIN = pathlib.Path(sys.executable).parent
LOSSCLI = shutil.which("losscli", path=str(BIN))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOSSCLI_") and k != "PYTHONUNBUFFERED"}
    env.update(extra)
    return env


def run(args: list[str], cwd=None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=60)


@pytest.fixture
def npy_pair(tmp_path):
    np.save(tmp_path / "x.npy", np.array(X))
    np.save(tmp_path / "y.npy", np.array(Y))
    return tmp_path


def test_console_script_help_and_version():
    assert LOSSCLI is not None, f"no losscli script in {BIN}"
    p = run([LOSSCLI, "--help"])
    assert (p.returncode, p.stderr) == (0, "")
    assert "Usage: losscli" in p.stdout and "Exit codes:" in p.stdout
    p = run([sys.executable, "-m", "losscli", "--version"])
    assert (p.returncode, p.stdout, p.stderr) == (0, "losscli 0.1.0\n", "")


def test_console_script_evaluates_and_maps_errors(npy_pair):
    p = run([LOSSCLI, "eval", "x.npy", "y.npy", "-l", "mse", "-l", "mae", "-b"], cwd=npy_pair)
    assert (p.returncode, p.stdout, p.stderr) == (0, "3.375\n1.5\n", "")  # hand-computed, see test_cli_eval
    p = run([LOSSCLI, "eval", "nope.npy", "y.npy", "-l", "mse"], cwd=npy_pair)
    assert (p.returncode, p.stdout, p.stderr) == (3, "", "Error: File not found: nope.npy\n")


def test_stdin_npy_in_a_real_pipe(npy_pair):
    data = (npy_pair / "x.npy").read_bytes()
    p = subprocess.run([LOSSCLI, "eval", "-:npy", "y.npy", "-l", "mse", "-b"], cwd=npy_pair, env=_env(), input=data, capture_output=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, b"3.375\n", b"")


def test_no_args_prints_help_without_an_error_line():
    p = run([LOSSCLI])
    assert p.returncode == 2 and "Usage: losscli" in p.stdout and p.stderr == ""


# ---------------------------------------------------------------------------- lazy imports

PROBE = """
import json, sys
from losscli.cli import app
try:
    app({args!r}, prog_name="losscli")
except SystemExit as e:
    code = e.code
print("\\nPROBE", code, json.dumps(sorted(m for m in ("pandas", "rich", "pyarrow", "matplotlib", "dask", "distributed") if m in sys.modules)))
"""


def _probe(args: list[str], cwd=None) -> tuple[int, list[str]]:
    p = run([sys.executable, "-c", PROBE.format(args=args)], cwd=cwd)
    assert p.stderr == "", p.stderr
    _, code, modules = p.stdout.splitlines()[-1].split(" ", 2)
    return int(code), json.loads(modules)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["list", "-f", "json"], ["describe", "huber"], ["eval", "x.npy", "y.npy", "-l", "mse", "-f", "json"]],
)
def test_no_pandas_unless_a_table_is_read(npy_pair, args):
    code, modules = _probe(args, cwd=npy_pair)
    assert code == 0
    assert "pandas" not in modules and "pyarrow" not in modules and "matplotlib" not in modules
    assert "dask" not in modules and "distributed" not in modules


def test_a_csv_eval_does_import_pandas(tmp_path):
    # the probe can see pandas when it is imported (so the test above can fail)
    (tmp_path / "t.csv").write_text("pred,target\n1,2\n")
    code, modules = _probe(["eval", "t.csv", "-l", "mse", "-b"], cwd=tmp_path)
    assert code == 0 and "pandas" in modules


def test_a_parquet_eval_imports_pyarrow_but_not_pandas(tmp_path):
    # Parquet is read by pyarrow alone (readers/parquet.py), streamed or whole, with a Parquet output
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"pred": [1.0, 2.0], "target": [1.5, 2.0], "id": [3, 4]}), tmp_path / "t.parquet")
    for extra in ([], ["--chunk-rows", "1", "--per-sample", "ps.parquet", "--id-col", "id"]):
        code, modules = _probe(["eval", "t.parquet", "-l", "mse", "-b", *extra], cwd=tmp_path)
        assert code == 0 and "pyarrow" in modules and "pandas" not in modules and "dask" not in modules


def test_import_losscli_imports_no_typer_rich_or_pandas():
    code = "import sys, losscli; print(sorted(m for m in ('typer', 'click', 'rich', 'pandas') if m in sys.modules))"
    p = run([sys.executable, "-c", code])
    assert (p.returncode, p.stdout, p.stderr) == (0, "[]\n", "")


# ---------------------------------------------------------------------------- closed stdout


@pytest.mark.parametrize("unbuffered", [False, True])
@pytest.mark.parametrize(
    "args",
    [
        ["eval", "x.npy", "y.npy", "-l", "mse", "-f", "json"],
        ["eval", "x.npy", "y.npy", "-l", "mse", "-f", "table"],
        ["eval", "x.npy", "y.npy", "-l", "mse", "-b"],
        ["list", "-f", "json"],
        ["--help"],
    ],
)
def test_closed_stdout_exits_quietly(npy_pair, args, unbuffered):
    # like `losscli ... | head -c 0`: the reading end is closed before losscli writes anything,
    # so every write fails with EPIPE, whether stdout is buffered or not
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        env = _env(**({"PYTHONUNBUFFERED": "1"} if unbuffered else {}))
        p = subprocess.run([LOSSCLI, *args], cwd=npy_pair, env=env, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert (p.returncode, p.stderr) == (0, "")


def test_head_reads_the_first_byte(npy_pair):
    p = subprocess.run(
        f"set -o pipefail; '{LOSSCLI}' eval x.npy y.npy -l mse -f json | head -c 1",
        shell=True, executable="/bin/bash", cwd=npy_pair, env=_env(), capture_output=True, text=True, timeout=60,
    )
    assert (p.returncode, p.stdout, p.stderr) == (0, "{", "")


def test_report_written_by_the_script_is_valid_json(npy_pair):
    p = run([LOSSCLI, "eval", "x.npy", "y.npy", "-l", "huber:delta=2", "--report", "r.json", "-b"], cwd=npy_pair)
    assert (p.returncode, p.stdout, p.stderr) == (0, "1.5625\n", "")
    assert json.loads((npy_pair / "r.json").read_text())["losses"][0]["label"] == "huber:delta=2"
