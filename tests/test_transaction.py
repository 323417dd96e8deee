"""The outputs of one run are one transaction (``losscli._atomic.Transaction``): every file is
written to a temporary file and all are renamed only after the run succeeded; an error or a
signal removes every temporary file; a signal between two renames is held until all are done.
An output path that is an input or another output is exit 2 before anything is read; streams
(``/dev/stdout`` and links to it) are written in place.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys

import numpy as np
import pytest

from conftest import X, Y, fails

import losscli._atomic as atomic

pytestmark = pytest.mark.usefixtures("default_signals")  # the signals' actions, whatever the runner left

BIN = pathlib.Path(sys.executable).parent
OUTPUTS = ["-o", "out.json", "--report", "r.json", "--per-sample", "ps.npy", "--emit-state", "s.json"]
WRITTEN = ["out.json", "ps.npy", "r.json", "s.json"]


@pytest.fixture
def no_reading(monkeypatch):
    """Reading an input fails the test (exit 4): the checks must come before any read."""

    def boom(*args, **kwargs):
        raise AssertionError("an input was read")

    import losscli._prefetch
    import losscli.readers

    monkeypatch.setattr(losscli._prefetch, "start", boom)
    monkeypatch.setattr(losscli.readers, "load_inputs", boom)


@pytest.mark.parametrize("flag", ["-o", "--report", "--per-sample", "--emit-state", "--plot"])
def test_an_output_that_is_the_input_is_exit_2_before_reading(cli, files, no_reading, flag):
    name = files.xy_csv("d.csv")
    before = (files.root / name).read_bytes()
    fails(cli("eval", name, "-l", "mse", flag, name), 2, f"{flag} d.csv is the input d.csv: writing it would replace the file being read; write the output elsewhere.")
    assert (files.root / name).read_bytes() == before


@pytest.mark.parametrize("link", ["symlink", "hardlink", "suffix"])
def test_an_output_that_resolves_to_the_input_is_exit_2(cli, files, no_reading, link):
    files.xy_csv("d.csv")
    if link == "symlink":
        os.symlink("d.csv", files.root / "other.csv")
        args, out = ["d.csv"], "other.csv"
    elif link == "hardlink":
        os.link(files.root / "d.csv", files.root / "other.csv")
        args, out = ["d.csv"], "other.csv"
    else:  # the input as PATH:FORMAT, the output through another spelling of the same path
        os.mkdir(files.root / "sub")
        args, out = ["d.csv:csv"], "sub/../d.csv"
    r = cli("eval", *args, "-l", "mse", "--per-sample", out)
    assert r.exit_code == 2 and r.stderr.startswith(f"Error: --per-sample {out} is the input ")


def test_two_outputs_on_one_path_are_exit_2(cli, files, no_reading):
    files.xy_csv("d.csv")
    fails(cli("eval", "d.csv", "-l", "mse", "--report", "r.json", "--emit-state", "./r.json"), 2,
          "--report r.json and --emit-state ./r.json are the same file; give each output its own path.")
    assert files.listing() == ["d.csv", "r.json"]  # the error report (tests/test_error_trace.py), nothing else
    assert json.loads((files.root / "r.json").read_text())["status"] == "error"


def test_merge_gate_and_compare_refuse_to_overwrite_their_inputs(cli, files):
    x, y = files.xy_npy()
    assert cli("eval", x, y, "-l", "mse", "--report", "r.json", "--emit-state", "s.json", "-f", "json").exit_code == 0
    fails(cli("merge", "s.json", "--report", "s.json"), 2, "--report s.json is the input s.json: writing it would replace the file being read; write the output elsewhere.")
    fails(cli("gate", "r.json", "--fail-if", "mse<=4", "--report", "r.json"), 2, "--report r.json is the input r.json: writing it would replace the file being read; write the output elsewhere.")
    fails(cli("compare", "-t", y, x, y, "-l", "mse", "-o", "x.npy", "-f", "json"), 2, "-o x.npy is the input x.npy: writing it would replace the file being read; write the output elsewhere.")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_between_renames_finds_all_outputs(cli, files, monkeypatch, sig):
    # deterministic: the signal is sent to this process right after the first rename; it is
    # held until every output is in place, then ends the run (exit 128 + signal)
    monkeypatch.setattr(atomic, "between_renames", lambda: os.kill(os.getpid(), sig))
    x, y = files.xy_npy()
    r = cli("eval", x, y, "-l", "mse", *OUTPUTS)
    assert r.exit_code == 128 + sig
    assert files.listing() == sorted(["x.npy", "y.npy", *WRITTEN])  # all four, no temporary file
    assert json.loads((files.root / "r.json").read_text())["status"] == "pass"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_before_the_renames_leaves_no_output(cli, files, monkeypatch, sig):
    # the report, the per-sample values and the state are complete temporary files when -o is
    # being written: the signal removes all of them
    from losscli.cli import _output

    def interrupted(*args, **kwargs):
        os.kill(os.getpid(), sig)

    monkeypatch.setattr(_output, "emit_report", interrupted)
    x, y = files.xy_npy()
    r = cli("eval", x, y, "-l", "mse", *OUTPUTS)
    assert r.exit_code == 128 + sig
    assert files.listing() == ["x.npy", "y.npy"]


def test_an_error_after_some_outputs_were_written_leaves_none(cli, files):
    # --report and --per-sample are complete when -o fails: neither is renamed into place
    x, y = files.xy_npy()
    r = cli("eval", x, y, "-l", "mse", "--per-sample", "ps.csv", "-o", "nodir/o.json", "-f", "json")
    assert (r.exit_code, r.stderr) == (3, "Error: Cannot write nodir/o.json: No such file or directory.\n")
    assert files.listing() == ["x.npy", "y.npy"]


def test_nothing_is_renamed_before_the_commit(files):
    # the Python-level contract: inside a transaction a finished file waits for commit()
    with atomic.Transaction() as tx:
        with atomic.atomic_write("a.txt") as fh:
            fh.write("a")
        assert not (files.root / "a.txt").exists()
        tx.commit()
    assert (files.root / "a.txt").read_text() == "a"
    with atomic.Transaction():
        with atomic.atomic_write("b.txt") as fh:
            fh.write("b")
    assert files.listing() == ["a.txt"]  # never committed: removed


@pytest.mark.parametrize("via", ["/dev/stdout", "link"])
def test_dev_stdout_on_a_regular_file_is_written_in_place(tmp_path, via):
    # stdout redirected to a file makes /dev/stdout resolve to a regular file: it must still be
    # written through (as root, a rename used to replace the /dev/stdout symlink itself)
    np.save(tmp_path / "x.npy", np.array(X))
    np.save(tmp_path / "y.npy", np.array(Y))
    if via == "link":
        os.symlink("/dev/stdout", tmp_path / "out.csv")
    target = "/dev/stdout" if via == "/dev/stdout" else "out.csv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOSSCLI_")}
    with open(tmp_path / "captured.txt", "w") as out:
        p = subprocess.run([str(BIN / "losscli"), "eval", "x.npy", "y.npy", "-l", "mse", "-f", "csv", "-o", target],
                           cwd=tmp_path, env=env, stdout=out, stderr=subprocess.PIPE, text=True, timeout=60)
    assert (p.returncode, p.stderr) == (0, "")
    assert "3.375" in (tmp_path / "captured.txt").read_text()  # mse = 3.375 (test_cli_eval.py)
    assert os.path.islink("/dev/stdout")
    assert via == "/dev/stdout" or os.path.islink(tmp_path / "out.csv")
