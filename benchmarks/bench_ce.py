"""Cross-entropy over 1M x 10 float32 logits: losscli against torch.nn.functional.cross_entropy.

Target: compute only, <= 2x torch. losscli's side is what the engine does per chunk: the
per-sample values, the normaliser and the reduction into a ``Summary`` (mean = sum / sum of
normalisers). torch's side is ``cross_entropy(logits, labels)`` (mean) on tensors that share the
arrays' memory. Best of 5, interleaved, in the same run; prints ``ratio=``. Also prints the whole
``Accumulator.update`` + ``compute`` (with the NaN check of the inputs) for information.

Needs torch: run with a Python that has it (losscli is imported from this checkout):

    python benchmarks/bench_ce.py [--rows 1000000] [--classes 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from losscli.engine import Accumulator  # noqa: E402
from losscli.losses import parse_spec  # noqa: E402
from losscli.reductions import Summary  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    import torch

    rng = np.random.default_rng(0)
    logits = (rng.standard_normal((args.rows, args.classes)) * 3).astype(np.float32)
    labels = rng.integers(0, args.classes, size=args.rows)
    t_logits, t_labels = torch.from_numpy(logits), torch.from_numpy(labels)
    (ce,) = parse_spec("ce")

    def ours() -> float:
        values = ce(logits, labels)
        s = Summary.of(values, None, ce.normalizer(logits, labels))
        return s.sum / s.total(3)

    def theirs() -> float:
        return float(torch.nn.functional.cross_entropy(t_logits, t_labels))

    def engine() -> float:
        acc = Accumulator([ce])
        acc.update({"pred": logits, "target": labels})
        return acc.compute().losses[0].value

    a, b = ours(), theirs()
    assert abs(a - b) <= 1e-6 * abs(b), (a, b)
    times: dict[str, list[float]] = {"losscli": [], "torch": [], "engine": []}
    for _ in range(args.repeats):
        for name, fn in (("losscli", ours), ("torch", theirs), ("engine", engine)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    best = {k: min(v) for k, v in times.items()}
    print(f"rows={args.rows} classes={args.classes} dtype=float32 torch_threads={torch.get_num_threads()}")
    print(f"losscli ce (per-sample + normaliser + Summary): {best['losscli'] * 1e3:.1f} ms")
    print(f"torch cross_entropy (mean):                   {best['torch'] * 1e3:.1f} ms")
    print(f"losscli Accumulator.update+compute (info):    {best['engine'] * 1e3:.1f} ms")
    print(f"mean losscli={a!r} torch={b!r}")
    print(f"ratio={best['losscli'] / best['torch']:.2f} (target <= 2.0)")


if __name__ == "__main__":
    main()
