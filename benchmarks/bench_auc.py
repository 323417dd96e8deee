"""ROC AUC of 10M binary scores (2 NPY files): losscli against scikit-learn's ``roc_auc_score``.

Target: ``losscli eval pred.npy target.npy -l roc_auc`` end to end <= 1.5x a ``python -c`` that
``np.load``s both arrays and calls ``sklearn.metrics.roc_auc_score`` on them, in the same run
(both processes include their imports and reading the files). Scores have about 60% distinct
values (rounded to 7 digits: ties, as real model scores have), labels 0/1 at about 30%
positives. Prints times, peak RSS, both values and ``ratio=`` lines (default run, and
``--no-hash``). Median of ``REPEATS`` (3) interleaved runs; ``SIZE`` scales the rows.

scikit-learn is not a losscli dependency: the baseline runs in ``SKLEARN_PYTHON`` (a Python
that has scikit-learn and numpy; default: this Python).

    SKLEARN_PYTHON=/path/to/venv/bin/python .venv/bin/python benchmarks/bench_auc.py   # SIZE=0.1: 1M rows
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
y = (rng.random(n) < 0.3).astype(np.int64)
p = np.round(1 / (1 + np.exp(-(rng.normal(size=n) + 1.2 * y - 0.5))), 7)
np.save(pred, p)
np.save(target, y)
"""
BASELINE = (
    "import sys, numpy as np\n"
    "from sklearn.metrics import roc_auc_score\n"
    "p = np.load(sys.argv[1])\n"
    "y = np.load(sys.argv[2])\n"
    "print(repr(float(roc_auc_score(y, p))))\n"
)
SKLEARN = "np.load + sklearn roc_auc_score"


def main() -> None:
    rows = scaled(10_000_000)
    sklearn_python = os.environ.get("SKLEARN_PYTHON") or PYTHON
    with tempfile.TemporaryDirectory(prefix="losscli-bench-") as tmp:
        pred, target = os.path.join(tmp, "pred.npy"), os.path.join(tmp, "target.npy")
        generate(GENERATE, rows, pred, target)
        print(f"{rows} rows, pred {os.path.getsize(pred) / 1e6:.0f} MB, target {os.path.getsize(target) / 1e6:.0f} MB")
        commands = {
            SKLEARN: [sklearn_python, "-c", BASELINE, pred, target],
            "losscli eval -l roc_auc": [*LOSSCLI, "eval", pred, target, "-l", "roc_auc", "-f", "json"],
            "losscli eval -l roc_auc --no-hash": [*LOSSCLI, "eval", pred, target, "-l", "roc_auc", "-f", "json", "--no-hash"],
        }
        results, outputs = compare(commands, repeats(3))
        expected = float(outputs[SKLEARN])
        got = json.loads(outputs["losscli eval -l roc_auc"])["losses"][0]["value"]
        print(f"roc_auc: losscli {got!r}, scikit-learn {expected!r} (difference {abs(got - expected):.1e})")
    report(results)
    ratio(results, "losscli eval -l roc_auc", SKLEARN, 1.5)
    ratio(results, "losscli eval -l roc_auc --no-hash", SKLEARN, 1.5)


if __name__ == "__main__":
    main()
