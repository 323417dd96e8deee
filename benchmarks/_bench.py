"""Helpers of the benchmark scripts: timed child processes with their own peak RSS.

Each command runs as a child of this (small) process and is reaped with ``os.wait4``, which gives
that child's own rusage: its wall time and peak resident set (``ru_maxrss``). Linux records the
parent's peak RSS into a child's ``ru_maxrss`` when the child execs, so the benchmark process
stays small: data is generated in a separate Python process and no big array is loaded here.

``SIZE`` (environment) scales the row counts: ``SIZE=0.1 make bench`` for a quick run. Children
run without ``PYTHONDONTWRITEBYTECODE``, as an installed losscli would (compiled modules cached):
each script runs every command once, untimed, before measuring.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable
# The console entry point pyproject.toml declares (``losscli._entry:main``, with its process
# settings), as ``python -m losscli`` runs it: a ``losscli`` script installed before the entry
# point changed calls ``losscli.cli:app`` directly and would measure a process no fresh install
# runs (at 3M CSV rows 1.42x pandas through such a script against 1.23x through the entry point).
LOSSCLI = [PYTHON, "-m", "losscli"]


AUTO_STREAM_MB = 16  # losscli.readers.stream.sizing.AUTO_STREAM_BYTES (not imported: this process stays small)


def how_read(size: int) -> str:
    """How ``losscli eval`` reads an input of ``size`` bytes by default."""
    if size > AUTO_STREAM_MB << 20:
        return f"streamed (automatic above {AUTO_STREAM_MB} MB)"
    return f"read whole (under {AUTO_STREAM_MB} MB: pass SIZE=1 to stream)"


def scaled(rows: int) -> int:
    """``rows`` times the ``SIZE`` factor (at least 1000)."""
    return max(1000, int(rows * float(os.environ.get("SIZE") or "1")))


def generate(code: str, *args: object) -> None:
    """Run ``code`` (a Python program, ``sys.argv[1:]`` = ``args``) in a separate process."""
    subprocess.run([PYTHON, "-c", code, *map(str, args)], check=True)


def run(cmd: list[str], cwd: str | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one run of ``cmd``; raises if it fails."""
    start = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, out.decode()


def compare(commands: dict[str, list[str]], repeats: int, cwd: str | None = None) -> tuple[dict[str, tuple[float, float]], dict[str, str]]:
    """Run each command once untimed (compiled modules cached, files in the page cache; its
    stdout is returned), then all of them interleaved ``repeats`` times:
    (name -> (median seconds, max peak MB), name -> stdout)."""
    times: dict[str, list[float]] = {k: [] for k in commands}
    peaks: dict[str, float] = {k: 0.0 for k in commands}
    outputs = {name: run(cmd, cwd)[2] for name, cmd in commands.items()}
    for _ in range(repeats):
        for name, cmd in commands.items():
            seconds, peak, _ = run(cmd, cwd)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
    return {k: (statistics.median(v), peaks[k]) for k, v in times.items()}, outputs


def report(results: dict[str, tuple[float, float]]) -> None:
    """Print each command's median time and peak RSS."""
    for name, (seconds, peak) in results.items():
        print(f"{name:48s} {seconds:8.3f} s   peak RSS {peak:7.1f} MB", flush=True)


def ratio(results: dict[str, tuple[float, float]], name: str, base: str, target: float | None = None) -> float:
    """Print and return ``name``'s time over ``base``'s as ``ratio=``, with the target if any."""
    r = results[name][0] / results[base][0]
    verdict = "" if target is None else f"  (target <= {target}: {'met' if r <= target else 'MISSED'})"
    print(f"ratio={r:.2f}  {name} / {base}{verdict}", flush=True)
    return r


def repeats(default: int) -> int:
    return int(os.environ.get("REPEATS", default))
