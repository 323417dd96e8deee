"""Interrupts and write failures: SIGINT exits 130 leaving no output and no
temporary file; an unwritable path, a full device or a file-size limit is exit 3 with one clear
line, and nothing partial is left. (A closed stdout is covered by test_cli_process.py.)
"""

from __future__ import annotations

import errno
import os
import pathlib
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from conftest import X, Y

pytestmark = pytest.mark.usefixtures("default_signals")  # the signals' actions, whatever the runner left

BIN = pathlib.Path(sys.executable).parent
LOSSCLI = shutil.which("losscli", path=str(BIN))
ROWS = 400_000  # big enough that writing per-sample values takes a while, small enough to generate fast
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LOSSCLI_")}


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    a = np.random.default_rng(0).random((ROWS, 2)).round(6)
    with open(path, "w") as fh:
        fh.write("pred,target\n")
        fh.write("\n".join(f"{p!r},{t!r}" for p, t in a.tolist()))
        fh.write("\n")
    return path


def _wait_for(predicate, proc: subprocess.Popen, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    return False


def _feed(proc: subprocess.Popen, path: pathlib.Path) -> threading.Thread:
    """Write ``path`` to the process's stdin from a thread, leaving stdin open (a pipe that has
    not ended): the process cannot finish its evaluation before the test closes it."""

    def write() -> None:
        try:
            proc.stdin.write(path.read_text())
            proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):  # the process stopped reading (it was interrupted)
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    "per_sample, sig, code",
    [("ps.csv", signal.SIGINT, 130), ("ps.npy", signal.SIGINT, 130), ("ps.csv", signal.SIGTERM, 143), ("ps.npy", signal.SIGHUP, 129)],
)
def test_an_interrupt_during_a_large_evaluation_leaves_no_file(tmp_path, big_csv, per_sample, sig, code):
    """SIGINT (Ctrl-C) exits 130, SIGTERM (a CI timeout, a kill) 143, SIGHUP (a closed terminal
    or SSH session) 129; each removes every temporary file (the NPY scratch file included).

    The input comes from stdin, which stays open until the signal was sent: the evaluation
    cannot end first, however the machine schedules the two processes (with a file input, a
    run that finished between seeing its temporary file and the signal exited 0)."""
    args = [LOSSCLI, "eval", "-", "-l", "mse", "-l", "mae", "-l", "huber", "-l", "log_cosh",
            "-o", "out.json", "--report", "r.json", "--per-sample", per_sample]
    proc = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        writer = _feed(proc, big_csv)
        # the per-sample writer's temporary file exists from the first row to the rename:
        # interrupt as soon as it appears, i.e. in the middle of the evaluation
        started = _wait_for(lambda: any(p.name.startswith(".losscli-") for p in tmp_path.iterdir()), proc)
        assert started, f"the evaluation ended before it could be interrupted: {proc.communicate()}"
        proc.send_signal(sig)
        writer.join(timeout=60)
        out, err = proc.communicate(timeout=60)  # closes stdin: only now could the input end
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert (out, err) == ("", "")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- unwritable paths


@pytest.mark.parametrize(
    "flag, name",
    [("-o", "out.json"), ("--report", "r.json"), ("--per-sample", "ps.csv"), ("--per-sample", "ps.npy")],
)
def test_a_path_under_a_file_is_exit_3(cli, files, flag, name):
    files.xy_npy()
    before = files.listing()
    result = cli("eval", "x.npy", "y.npy", "-l", "mse", flag, f"x.npy/{name}")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "", f"Error: Cannot write x.npy/{name}: Not a directory.\n")
    assert files.listing() == before


@pytest.mark.parametrize("flag, name", [("-o", "out.json"), ("--report", "r.json"), ("--per-sample", "ps.npy")])
def test_a_missing_directory_is_exit_3(cli, files, flag, name):
    files.xy_npy()
    result = cli("eval", "x.npy", "y.npy", "-l", "mse", flag, f"nodir/{name}")
    assert (result.exit_code, result.stderr) == (3, f"Error: Cannot write nodir/{name}: No such file or directory.\n")


def test_a_read_only_directory_is_exit_3(cli, files):
    files.xy_npy()
    if IS_ROOT:  # root may write into a chmod 0500 directory; sysfs refuses even root
        result = cli("eval", "x.npy", "y.npy", "-l", "mse", "-o", "/sys/out.json")
        assert (result.exit_code, result.stderr) == (3, "Error: Cannot write /sys/out.json: Permission denied.\n")
        return
    ro = files.root / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        result = cli("eval", "x.npy", "y.npy", "-l", "mse", "-o", "ro/out.json")
    finally:
        ro.chmod(0o700)
    assert (result.exit_code, result.stderr) == (3, "Error: Cannot write ro/out.json: Permission denied.\n")
    assert list(ro.iterdir()) == []


def test_a_directory_as_the_output_is_exit_3(cli, files):
    files.xy_npy()
    (files.root / "d.json").mkdir()
    result = cli("eval", "x.npy", "y.npy", "-l", "mse", "-o", "d.json")
    assert (result.exit_code, result.stderr) == (3, "Error: Cannot write d.json: it is a directory.\n")


# ---------------------------------------------------------------------------- full disks


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("flag", ["-o", "--report"])
def test_dev_full_is_exit_3_and_stays_a_device(cli, files, flag):
    # the atomic temp+rename must not apply to a device: renaming onto /dev/full would replace
    # the device node (as root); it is written in place, and ENOSPC is a clear exit 3
    files.xy_npy()
    extra = ["-f", "json", "-o", "/dev/full"] if flag == "-o" else ["-b", "--report", "/dev/full"]
    result = cli("eval", "x.npy", "y.npy", "-l", "mse", *extra)
    assert (result.exit_code, result.stdout, result.stderr) == (3, "", "Error: Cannot write /dev/full: No space left on device.\n")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert not any(p.name.startswith(".losscli-") for p in pathlib.Path("/dev").iterdir())


def test_dev_stdout_is_written_in_place(tmp_path):
    np.save(tmp_path / "x.npy", np.array(X))
    np.save(tmp_path / "y.npy", np.array(Y))
    p = subprocess.run([LOSSCLI, "eval", "x.npy", "y.npy", "-l", "mse", "-f", "csv", "-o", "/dev/stdout"],
                       cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stderr) == (0, "")
    assert "3.375" in p.stdout


def _limit_file_size() -> None:
    # a file-size limit makes every write past 2000 bytes fail with EFBIG, like a full disk
    # (CPython ignores SIGXFSZ, so the write returns the error instead of killing the process)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))


@pytest.mark.parametrize("per_sample", ["ps.csv", "ps.npy"])
def test_a_write_failing_midway_leaves_nothing(tmp_path, per_sample):
    np.save(tmp_path / "x.npy", np.arange(5000.0))
    np.save(tmp_path / "y.npy", np.zeros(5000))
    p = subprocess.run([LOSSCLI, "eval", "x.npy", "y.npy", "-l", "mse", "-b", "--per-sample", per_sample],
                       cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60, preexec_fn=_limit_file_size)
    assert (p.returncode, p.stdout, p.stderr) == (3, "", f"Error: Cannot write {per_sample}: File too large.\n")
    assert sorted(q.name for q in tmp_path.iterdir()) == ["x.npy", "y.npy"]


def test_enospc_on_close_is_exit_3_and_removes_the_temporary_file(cli, files, monkeypatch):
    # a full disk often shows only when the buffered data is flushed, at close
    import losscli._atomic as atomic

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def write(self, text):
            return len(text)

        def __exit__(self, *exc):
            self.fh.close()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, *a, **k: Full(real_fdopen(fd, *a, **k)))
    files.xy_npy()
    before = files.listing()
    result = cli("eval", "x.npy", "y.npy", "-l", "mse", "-o", "out.json")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "", "Error: Cannot write out.json: No space left on device.\n")
    assert files.listing() == before


# ---------------------------------------------------------------------------- a pipe closed mid-stream


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_head_closing_the_pipe_in_the_middle_of_a_long_output(tmp_path, fmt):
    # test_cli_process.py closes stdout before anything is written; here `head -1` closes it
    # after the first line while losscli is still writing (5000 groups: far over a pipe buffer)
    with open(tmp_path / "g.csv", "w") as fh:
        fh.write("g,pred,target\n" + "".join(f"{i},{i % 7 * 0.5},{i % 3}\n" for i in range(5000)))
    p = subprocess.run(
        f"set -o pipefail; '{LOSSCLI}' eval g.csv -g g -l mse -f {fmt} | head -1",
        shell=True, executable="/bin/bash", cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60,
    )
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout.count("\n") == 1
