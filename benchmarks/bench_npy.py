"""100M-row float64 NPY pair (2 x 800 MB), MSE end to end: losscli against mmap + ``np.dot``.

Target: <= 1.5x a ``python -c`` that ``np.load``s both files memory-mapped and calls
``np.dot`` on the difference, in the same run; peak RSS <= 64 MB whatever N (losscli streams
inputs over 16 MB automatically, mapping a few MB of each file at a time). Prints times,
peak RSS (``os.wait4`` of each child) and ``ratio=`` lines, for the default evaluation (which
hashes its inputs: BLAKE3 by default, losscli/_digest.py) and with ``--no-hash``. Median of ``REPEATS`` (3) interleaved runs.

Read the two ratios with two facts in mind. The baseline's time is bimodal on the 2-core machine:
0.35 s when its 800 MB temporary ``a - b`` gets transparent huge pages, 1.3-2 s when it does not
(memory fragmented by what ran before; sys time then dominates). And the digest of 1.6 GB costs
CPU: sha256 1.03 s (1.56 GB/s, SHA-NI), BLAKE3 (the default since) ~0.5 s on one thread per file
(0.25 s per 800 MB alone, losscli/_digest.py); beside the evaluation on two cores it added 0.37-0.44 s
of wall time (2026-12-06: 1.11-1.20 s against 0.74-0.76 s with ``--no-hash``), so against the fast
baseline (1.5 x 0.35 s = 0.53 s) the default run misses 1.5x, where ``--no-hash`` meets it.

    .venv/bin/python benchmarks/bench_npy.py          # SIZE=0.1 for 10M rows
"""

from __future__ import annotations

import json
import os
import tempfile

from _bench import LOSSCLI, PYTHON, compare, generate, ratio, repeats, report, scaled

GENERATE = r"""
import sys
import numpy as np
n, pred, target = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = np.random.default_rng(0)
p = np.lib.format.open_memmap(pred, mode="w+", dtype=np.float64, shape=(n,))
t = np.lib.format.open_memmap(target, mode="w+", dtype=np.float64, shape=(n,))
for lo in range(0, n, 1 << 22):
    hi = min(lo + (1 << 22), n)
    p[lo:hi] = rng.normal(size=hi - lo)
    t[lo:hi] = p[lo:hi] + rng.normal(scale=0.1, size=hi - lo)
p.flush(); t.flush()
"""
BASELINE = (
    "import sys, numpy as np\n"
    "a = np.load(sys.argv[1], mmap_mode='r')\n"
    "b = np.load(sys.argv[2], mmap_mode='r')\n"
    "d = a - b\n"
    "print(np.dot(d, d) / len(d))\n"
)


def main() -> None:
    rows = scaled(100_000_000)
    with tempfile.TemporaryDirectory(prefix="losscli-bench-") as tmp:
        pred, target = os.path.join(tmp, "pred.npy"), os.path.join(tmp, "target.npy")
        generate(GENERATE, rows, pred, target)
        print(f"{rows} rows, 2 x {os.path.getsize(pred) / 1e6:.0f} MB")
        commands = {
            "np.load(mmap) + np.dot": [PYTHON, "-c", BASELINE, pred, target],
            "losscli eval -l mse": [*LOSSCLI, "eval", pred, target, "-l", "mse", "-f", "json"],
            "losscli eval -l mse --no-hash": [*LOSSCLI, "eval", pred, target, "-l", "mse", "-f", "json", "--no-hash"],
        }
        results, outputs = compare(commands, repeats(3))
        expected = float(outputs["np.load(mmap) + np.dot"])
        got = json.loads(outputs["losscli eval -l mse"])["losses"][0]["value"]
        print(f"mse: losscli {got!r}, numpy {expected!r} (relative difference {abs(got - expected) / expected:.1e})")
    report(results)
    ratio(results, "losscli eval -l mse", "np.load(mmap) + np.dot", 1.5)
    ratio(results, "losscli eval -l mse --no-hash", "np.load(mmap) + np.dot", 1.5)
    for name in ("losscli eval -l mse", "losscli eval -l mse --no-hash"):
        peak = results[name][1]
        print(f"{name}: peak RSS {peak:.0f} MB (target <= 64 MB: {'met' if peak <= 64 else 'MISSED'})")


if __name__ == "__main__":
    main()
