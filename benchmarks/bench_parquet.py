"""10M-row ``pred,target`` Parquet file (float64, row groups of 1M rows), MSE end to end.

losscli (row groups streamed by pyarrow, the file hashed beside the reading) against a
hand-written ``pyarrow.parquet.read_table`` + numpy script (and the same with ``pyarrow.compute``
instead of numpy, which spares pyarrow's import of pandas), in the same run; also losscli without
the input hash and with ``--engine dask`` (a local cluster started by the command). There is no
target for Parquet: the ``ratio=`` lines say how close losscli comes to the reader it
is built on, and the peak RSS (``os.wait4`` of each child) that streaming keeps bounded while the
baseline holds both columns. Runs every command interleaved (median of ``REPEATS``, 3).

    .venv/bin/python benchmarks/bench_parquet.py          # SIZE=0.1 for 1M rows
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

from _bench import LOSSCLI, PYTHON, compare, generate, how_read, ratio, repeats, report, scaled

GENERATE = r"""
import sys
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
n, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
schema = pa.schema([("pred", pa.float64()), ("target", pa.float64())])
with pq.ParquetWriter(path, schema) as writer:
    for lo in range(0, n, 1_000_000):
        p = rng.normal(size=min(1_000_000, n - lo))
        t = p + rng.normal(scale=0.1, size=len(p))
        writer.write_table(pa.table({"pred": p, "target": t}, schema=schema))
"""
PYARROW = (
    "import sys, numpy as np, pyarrow.parquet as pq\n"
    "t = pq.read_table(sys.argv[1], columns=['pred', 'target'])\n"
    "d = t.column('pred').to_numpy() - t.column('target').to_numpy()\n"
    "print(np.dot(d, d) / len(d))\n"
)
# The same without numpy: pyarrow's to_numpy imports pandas (~0.3 s), pyarrow.compute does not.
COMPUTE = (
    "import sys, pyarrow.compute as pc, pyarrow.parquet as pq\n"
    "t = pq.read_table(sys.argv[1], columns=['pred', 'target'])\n"
    "d = pc.subtract(t.column('pred'), t.column('target'))\n"
    "print(pc.sum(pc.multiply(d, d)).as_py() / len(d))\n"
)


def main() -> None:
    rows = scaled(10_000_000)
    if subprocess.run([PYTHON, "-c", "import pyarrow"], capture_output=True).returncode != 0:
        raise SystemExit("pyarrow is not installed: pip install 'losscli[parquet]' into .venv")
    has_dask = subprocess.run([PYTHON, "-c", "import distributed"], capture_output=True).returncode == 0
    with tempfile.TemporaryDirectory(prefix="losscli-bench-") as tmp:
        path = os.path.join(tmp, "preds.parquet")
        generate(GENERATE, rows, path)
        size = os.path.getsize(path)
        print(f"{rows} rows, {size / 1e6:.0f} MB: losscli eval {how_read(size)}")
        commands = {
            "pyarrow read_table + numpy": [PYTHON, "-c", PYARROW, path],
            "pyarrow read_table + pyarrow.compute": [PYTHON, "-c", COMPUTE, path],
            "losscli eval -l mse": [*LOSSCLI, "eval", path, "-l", "mse", "-f", "json"],
            "losscli eval -l mse --no-hash": [*LOSSCLI, "eval", path, "-l", "mse", "-f", "json", "--no-hash"],
        }
        if has_dask:
            commands["losscli eval -l mse --engine dask"] = [*LOSSCLI, "eval", path, "-l", "mse", "-f", "json", "--engine", "dask"]
        results, outputs = compare(commands, repeats(3))
        expected = float(outputs["pyarrow read_table + numpy"])
        got = json.loads(outputs["losscli eval -l mse"])["losses"][0]["value"]
        print(f"mse: losscli {got!r}, pyarrow {expected!r} (relative difference {abs(got - expected) / expected:.1e})")
        if has_dask:
            dask = json.loads(outputs["losscli eval -l mse --engine dask"])["losses"][0]["value"]
            print(f"mse: --engine dask {dask!r} (relative difference to the local engine {abs(dask - got) / got:.1e})")
    report(results)
    ratio(results, "losscli eval -l mse", "pyarrow read_table + numpy")
    ratio(results, "losscli eval -l mse --no-hash", "pyarrow read_table + numpy")
    ratio(results, "losscli eval -l mse", "pyarrow read_table + pyarrow.compute")
    ratio(results, "losscli eval -l mse --no-hash", "pyarrow read_table + pyarrow.compute")
    if has_dask:
        ratio(results, "losscli eval -l mse --engine dask", "pyarrow read_table + numpy")
    print(f"losscli eval peak RSS {results['losscli eval -l mse'][1]:.0f} MB, pyarrow read_table {results['pyarrow read_table + numpy'][1]:.0f} MB")


if __name__ == "__main__":
    main()
