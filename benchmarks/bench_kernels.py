"""Elementwise losses in process: the engine's whole path against ``np.dot(a, b)``.

Target: blocked evaluation (cache-sized blocks, no full-size temporaries); MSE and MAE
<= 2.5x ``np.dot(a, b)`` on the same in-memory float64 arrays, Huber and Smooth L1 <= 4.5x.
losscli's side is what ``losscli eval`` does with arrays in memory when no per-sample output is
asked for (with the allocator setting of the command's entry point, ``losscli._entry``):
``Accumulator.update(..., per_sample=False)`` (NaN checks of the inputs, the loss,
its finiteness check, the mergeable Summary with sum, mean, M2, min and max) and ``compute()``.
MSE, MAE, Huber and Smooth L1 run through the compiled one-pass kernels (``losscli._kernels``;
``LOSSCLI_KERNELS=numpy`` here measures the numpy definitions instead). ``np.dot`` is timed in a
child process on the same arrays (same seed), in each of ``REPEATS`` (7) rounds, between the
rounds of losscli's timings: OpenBLAS's threads spin for a while after ``np.dot`` returns and
would take a core from the engine's second thread if they shared its process (measured: the
engine then gained nothing from its second thread). Best of 3 runs per command and round, best
over the rounds. ``np.dot`` runs on OpenBLAS's threads and losscli's engine on two
(``losscli.engine.blocked``); the single-threaded ratio is a separate run: ``OPENBLAS_NUM_THREADS=1
LOSSCLI_THREADS=1``.

    .venv/bin/python benchmarks/bench_kernels.py      # SIZE=0.1 for 1M rows
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from _bench import PYTHON, repeats, scaled

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from losscli._entry import keep_freed_memory  # noqa: E402
from losscli.engine import Accumulator  # noqa: E402

keep_freed_memory()  # glibc keeps freed blocks, as in the losscli command (losscli/_entry.py)

TARGETS = {"mse": 2.5, "mae": 2.5, "huber": 4.5, "smooth_l1": 4.5}
DOT = r"""
import sys, time
import numpy as np
rows = int(sys.argv[1])
rng = np.random.default_rng(0)
a = rng.normal(size=rows)
b = a + rng.normal(scale=0.5, size=rows)
np.dot(a, b)
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    np.dot(a, b)
    best = min(best, time.perf_counter() - start)
print(best)
"""


def dot_in_child(rows: int) -> float:
    """The best of 5 ``np.dot(a, b)`` on the same arrays, timed in a child process."""
    import subprocess

    return float(subprocess.run([PYTHON, "-c", DOT, str(rows)], check=True, capture_output=True, text=True).stdout)


def best(fn, n: int) -> float:
    out = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - start)
    return out


def main() -> None:
    rows = scaled(10_000_000)
    rng = np.random.default_rng(0)
    a = rng.normal(size=rows)
    b = a + rng.normal(scale=0.5, size=rows)
    from losscli.engine import blocked as _blocked

    if os.environ.get("LOSSCLI_KERNELS") == "numpy":
        _blocked.compiled = None
    kernels = "numpy definitions" if _blocked.compiled is None else "compiled kernels"
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"{rows} rows float64 in memory ({2 * a.nbytes / 1e6:.0f} MB); {kernels}; threads: losscli {_blocked.threads()} (LOSSCLI_THREADS), np.dot OPENBLAS_NUM_THREADS={blas}")

    def evaluate(loss: str) -> float:
        acc = Accumulator([loss])
        acc.update({"pred": a, "target": b}, per_sample=False)
        return acc.compute().losses[0].value

    evaluate("mse")  # warm-up (allocator, thread pool)
    times = {"np.dot(a, b)": [], **{loss: [] for loss in TARGETS}}
    for _ in range(repeats(7)):
        times["np.dot(a, b)"].append(dot_in_child(rows))
        for loss in TARGETS:
            times[loss].append(best(lambda: evaluate(loss), 3))
    base = min(times["np.dot(a, b)"])
    print(f"{'np.dot(a, b)':24s} {base * 1e3:8.2f} ms")
    for loss, target in TARGETS.items():
        t = min(times[loss])
        r = t / base
        print(f"{loss:24s} {t * 1e3:8.2f} ms  ratio={r:.2f}  (target <= {target}: {'met' if r <= target else 'MISSED'})")


if __name__ == "__main__":
    main()
