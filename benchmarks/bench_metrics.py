"""accuracy + f1 on 10M rows end to end: ``losscli eval`` against scikit-learn on the same arrays.

Target: <= 1.5x a ``python -c`` that ``np.load``s the two NPY files, derives the predicted
classes (``p > 0.5`` of (N,) probabilities, ``argmax`` of (N, 10) float32 scores) and calls
``sklearn.metrics.accuracy_score`` and ``f1_score`` (binary; macro for the scores), in the same
run. Two inputs: (N,) float64 probabilities of class 1 with 0/1 labels, and (N, 10) float32
scores with labels 0..9 (int64). losscli runs ``eval P Y -l accuracy -l f1`` (``f1``'s default
average is binary for (N,) predictions and macro for (N, C) scores, as the baseline), with its
default input digest and with ``--no-hash``. Prints times, peak RSS and ``ratio=`` lines; checks
that both sides give the same numbers. Median of ``REPEATS`` (3) interleaved runs.

scikit-learn need not be installed where losscli is: ``SKLEARN_PYTHON`` names a Python that has
it (default: this one); without one the baseline is skipped with a message.

    .venv/bin/python benchmarks/bench_metrics.py          # SIZE=0.1 for 1M rows
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

from _bench import LOSSCLI, PYTHON, compare, generate, ratio, repeats, report, scaled

GENERATE = r"""
import sys
import numpy as np
n, folder = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
y = rng.integers(0, 2, size=n)
p = np.clip(0.5 + (y - 0.5) * 0.3 + rng.normal(scale=0.25, size=n), 0.0, 1.0)
np.save(f"{folder}/binary_pred.npy", p)
np.save(f"{folder}/binary_target.npy", y)
y = rng.integers(0, 10, size=n)
s = np.lib.format.open_memmap(f"{folder}/scores_pred.npy", mode="w+", dtype=np.float32, shape=(n, 10))
for lo in range(0, n, 1 << 20):
    hi = min(lo + (1 << 20), n)
    block = rng.normal(size=(hi - lo, 10)).astype(np.float32)
    block[np.arange(hi - lo), y[lo:hi]] += 1.0
    s[lo:hi] = block
s.flush()
np.save(f"{folder}/scores_target.npy", y)
"""
BASELINE = (
    "import sys, json, numpy as np\n"
    "from sklearn.metrics import accuracy_score, f1_score\n"
    "p, y = np.load(sys.argv[1]), np.load(sys.argv[2])\n"
    "pred, average = ((p > 0.5).astype(np.int64), 'binary') if p.ndim == 1 else (p.argmax(axis=1), 'macro')\n"
    "print(json.dumps([accuracy_score(y, pred), f1_score(y, pred, average=average)]))\n"
)


def sklearn_python() -> str | None:
    """A Python with scikit-learn (``SKLEARN_PYTHON``, else this one), or None."""
    python = os.environ.get("SKLEARN_PYTHON") or PYTHON
    found = subprocess.run([python, "-c", "import sklearn"], capture_output=True).returncode == 0
    return python if found else None


def run_case(name: str, folder: str, baseline_python: str | None) -> None:
    pred, target = os.path.join(folder, f"{name}_pred.npy"), os.path.join(folder, f"{name}_target.npy")
    ours = [*LOSSCLI, "eval", pred, target, "-l", "accuracy", "-l", "f1", "-f", "json"]
    commands = {f"losscli {name}": ours, f"losscli {name} --no-hash": [*ours, "--no-hash"]}
    base = f"scikit-learn {name}"
    if baseline_python:
        commands[base] = [baseline_python, "-c", BASELINE, pred, target]
    results, outputs = compare(commands, repeats(3))
    got = [e["value"] for e in json.loads(outputs[f"losscli {name}"])["losses"]]
    print(f"{name}: {os.path.getsize(pred) / 1e6:.0f} MB of predictions; losscli accuracy, f1 = {got}")
    if baseline_python:
        expected = json.loads(outputs[base])
        assert all(abs(a - b) <= 1e-12 * abs(b) for a, b in zip(got, expected)), (got, expected)
        print(f"{name}: scikit-learn accuracy, f1 = {expected} (same)")
    report(results)
    if baseline_python:
        ratio(results, f"losscli {name}", base, 1.5)
        ratio(results, f"losscli {name} --no-hash", base, 1.5)


def main() -> None:
    rows = scaled(10_000_000)
    baseline_python = sklearn_python()
    if baseline_python is None:
        print("scikit-learn not found (set SKLEARN_PYTHON to a Python that has it): timing losscli alone")
    with tempfile.TemporaryDirectory(prefix="losscli-bench-") as tmp:
        generate(GENERATE, rows, tmp)
        print(f"{rows} rows")
        for name in ("binary", "scores"):
            run_case(name, tmp, baseline_python)


if __name__ == "__main__":
    main()
