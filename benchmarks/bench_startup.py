"""Start-up time of `losscli --help` and of a 10-row NPY evaluation against `python -c "import numpy"`.

Target: both <= 1.6x the baseline. Runs the three commands interleaved, 21 times each, in the
same run, and prints the medians and `ratio=` lines. Uses the `losscli` next to this Python.
Children run without ``PYTHONDONTWRITEBYTECODE``, as an installed losscli would (its modules
compiled), after one untimed run of each command (as ``_bench.compare``).

    .venv/bin/python benchmarks/bench_startup.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def main(repeats: int = 21) -> None:
    cli = os.path.join(os.path.dirname(sys.executable), "losscli")
    with tempfile.TemporaryDirectory() as tmp:
        pred, target = os.path.join(tmp, "p.npy"), os.path.join(tmp, "y.npy")
        np.save(pred, np.arange(10.0))
        np.save(target, np.arange(10.0) + 0.5)
        commands = {
            "import numpy": [sys.executable, "-c", "import numpy"],
            "losscli --help": [cli, "--help"],
            "losscli eval (10-row npy)": [cli, "eval", pred, target, "-l", "mse", "-f", "json"],
        }
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        for cmd in commands.values():  # untimed: compiled modules cached, files in the page cache
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(repeats):
            for name, cmd in commands.items():
                start = time.perf_counter()
                subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times["import numpy"])
    for name, xs in times.items():
        med = statistics.median(xs)
        print(f"{name:28s} median {med * 1000:6.1f} ms  ratio={med / base:.2f}")


if __name__ == "__main__":
    main()
