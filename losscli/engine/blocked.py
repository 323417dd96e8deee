"""The engine's fast path: one update's rows in cache-sized blocks, on two threads.

``Accumulator.update`` hands an update here when each block needs only its losses' values and
their statistics: no sample weights, no ``--ci``/``--group-by``/``--top-k``, no combination and
no per-column headline (``rmse`` on ``(N, D)``). Per block:

0. a loss registered with a ``kernel`` (MSE, RMSE, MAE, Huber, Smooth L1) on two 1-D numeric
   inputs (float64, or converted to it per block): the compiled kernel (``losscli._kernels``,
   built from ``_kernels.c`` when a C compiler was there) computes the values, ``Σl``, ``Σl²``,
   min and max in one read of the inputs with the GIL released; its values are bit for bit the
   definitions' (tests/test_kernels.py). ``M2`` comes from the sums when that is accurate
   (``reductions.one_pass_m2``); a non-finite value or a large cancellation factor sends the
   block to steps 1 and 2;
1. every other loss through its single definition in ``losscli/losses/`` (the regression losses
   work in place in the arrays they allocate: no further temporaries);
2. ``Σl``, ``M2``, ``min``, ``max`` (``reductions.moments``, four passes over the values): min and
   max are NaN/inf-propagating, so their finiteness is the check of every value, at no cost;
3. the inputs' NaN/inf check, skipped for inputs that only feed losses registered with
   ``propagates_nonfinite=True`` (a NaN/inf input makes their value non-finite, and step 2 saw
   none); any other float input is checked with one dot product per pair of inputs (a NaN/inf
   element makes ``Σ x y`` NaN/inf; a finite sum proves every element finite; when the sum
   overflows, ``np.isfinite`` decides).

A block whose loss raises, or whose values or inputs are not all finite, is left to the exact
path (``run`` returns it as such, and the ``Accumulator`` evaluates it): it raises the error of its first bad row, drops rows under
``--nan-policy omit`` or propagates, exactly as before. Blocks are evaluated by this thread and
one worker (numpy releases the GIL in its loops) and folded in row order
(``Summary.of_blocks``): the result does not depend on the threads. This module never touches
an accumulator: it returns statistics, which ``Accumulator.add_summaries`` folds in.

Through numpy, 4 passes over each block for the statistics plus the loss's own (MSE: subtract
and square); through a kernel, one. ``benchmarks/bench_kernels.py`` measures both against
``np.dot``.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from losscli.losses import KERNELS, BoundLoss, Combination
from losscli.reductions import Summary, dot1, moments, one_pass_m2

try:  # built by setup.py when a C compiler is there; without it every loss runs through numpy
    from losscli import _kernels as compiled
except ImportError:  # pragma: no cover - depends on the build
    compiled = None

MIN_BLOCKS_FOR_THREADS = 4  # fewer blocks: one thread (starting the worker costs ~0.1 ms)
THREAD_BLOCK_FACTOR = 2  # two threads take blocks twice as large: half the GIL hand-overs
_pool_lock = threading.Lock()
_pool: Any = None


def threads() -> int:
    """Threads evaluating blocks: 2 on a multi-core machine, 1 with ``LOSSCLI_THREADS=1``."""
    env = os.environ.get("LOSSCLI_THREADS", "")
    if env.strip().isdigit():
        return max(1, min(2, int(env)))
    return 2 if (os.cpu_count() or 1) > 1 else 1


def eligible(losses: Sequence[BoundLoss | Combination], statistics: bool, weights: Any) -> bool:
    """Whether an update can take the fast path: no sample weights, no ``statistics`` (``--ci``,
    ``--group-by``, ``--top-k``) and no combination among ``losses``."""
    return not statistics and weights is None and not any(isinstance(b, Combination) for b in losses)


def kernel(loss: BoundLoss) -> tuple[int, float] | None:
    """The compiled kernel of ``loss`` and the parameter value passed to it (``KERNELS``), or
    None (no kernel declared, or ``losscli._kernels`` not built)."""
    name = loss.spec.kernel
    if compiled is None or name is None:
        return None
    param = KERNELS[name]
    return getattr(compiled, name.upper()), float(loss.params[param]) if param else 0.0


Segment = tuple[int, int, "dict[str, Summary] | None"]


def run(losses: Sequence[BoundLoss], nan_policy: str, arrays: Mapping[str, np.ndarray], n: int, step: int, out: dict[str, np.ndarray]) -> list[Segment]:
    """Evaluate rows ``[0, n)`` of ``arrays`` in blocks of ``step`` rows; write each loss's
    per-sample values into ``out[label]`` when ``out`` has it. Returns the rows in order as
    segments ``(lo, hi, summaries)``: the statistics of each loss (label -> ``Summary``) over
    rows ``[lo, hi)``, or None for a block the caller evaluates by the exact path."""
    plan = _plan(losses, arrays)
    if not plan:
        return [(lo, min(lo + step, n), None) for lo in range(0, n, step)]
    covered = {b.source_key(r.name, arrays) for b in losses if b.spec.propagates_nonfinite for r in b.spec.roles}
    check = [k for k, a in arrays.items() if a.dtype.kind in "fc" and k not in covered] if nan_policy != "propagate" else []
    threaded = threads() > 1 and n >= MIN_BLOCKS_FOR_THREADS * step
    step = step * THREAD_BLOCK_FACTOR if threaded else step
    starts = range(0, n, step)
    results = _evaluate(plan, arrays, check, out, [(lo, min(lo + step, n)) for lo in starts], threaded)
    segments: list[Segment] = []
    pending: list[tuple] = []  # (lo, hi, statistics) of the fast blocks since the last exact one
    for lo, stats in zip(starts, results):
        hi = min(lo + step, n)
        if stats is None:  # the exact path; what came before it first (rows and errors in order)
            segments += _fold(plan, pending) + [(lo, hi, None)]
        else:
            pending.append((lo, hi, stats))
    return segments + _fold(plan, pending)


def _plan(losses: Sequence[BoundLoss], arrays: Mapping[str, np.ndarray]) -> list[tuple[BoundLoss, str]]:
    """``(loss, label)`` for each loss, or [] when the exact path must take every block: a
    per-column headline (rmse on ``(N, D)``: the exact path keeps the columns), a missing role."""
    try:
        if any(b.spec.finalize is not None and b.role_arrays(arrays)[0].ndim == 2 for b in losses):
            return []
    except Exception:  # noqa: BLE001 - a missing role: the exact path raises the error
        return []
    return [(b, b.label) for b in losses]


def _evaluate(plan, arrays, check, out, blocks: list[tuple[int, int]], threaded: bool) -> list[list | None]:
    """The statistics of every block (``_block``), by this thread and, if ``threaded``, the worker."""
    results: list[list | None] = [None] * len(blocks)
    order = iter(range(len(blocks)))
    stop: list[bool] = []  # set when this thread fails (Ctrl-C): the worker stops after its block

    def work() -> None:
        with np.errstate(all="ignore"):  # errstate is per thread: overflow surfaces as inf, checked
            for i in order:  # shared iterator: each block is taken by one thread
                if stop:
                    return
                lo, hi = blocks[i]
                results[i] = _block(plan, {k: v[lo:hi] for k, v in arrays.items()}, check, out, lo, hi)

    if not threaded:
        work()
        return results
    helper = _worker().submit(work)
    try:
        work()
    except BaseException:
        stop.append(True)
        raise
    finally:
        helper.result()
    return results


def _fold(plan, pending: list) -> list[Segment]:
    """One segment for the consecutive fast blocks ``pending`` (emptied): their statistics folded
    in row order (``Summary.of_blocks``); [] when there are none."""
    if not pending:
        return []
    lo, hi = pending[0][0], pending[-1][1]
    summaries = {label: Summary.of_blocks([stats[j] for _, _, stats in pending]) for j, (_, label) in enumerate(plan)}
    pending.clear()
    return [(lo, hi, summaries)]


def _block(plan, arrays, check, out, lo: int, hi: int) -> list | None:
    """The statistics ``(n, Σl, e, Σm, M2, min, max)`` of each loss on one block (``e``: the
    rounding error of ``Σl`` when the kernel kept it, else 0), or None."""
    n = hi - lo
    stats = []
    for loss, label in plan:
        try:
            inputs = loss.role_arrays(arrays)
        except Exception:  # noqa: BLE001 - the exact path raises it, with rows and sources named
            return None
        folded = _one_pass(loss, inputs, out[label][lo:hi] if label in out else None)
        if folded is not None:
            stats.append(folded)
            continue
        try:
            values = loss(*inputs)
            norm = loss.normalizer(*inputs)
        except Exception:  # noqa: BLE001 - the exact path raises it, with rows and sources named
            return None
        if not (isinstance(values, np.ndarray) and values.dtype == np.float64 and values.shape == (n,)):
            return None
        if norm is not None and not np.all(norm):  # rows that are not samples (ignore_index): the exact path leaves them out
            return None
        mom = moments(values)
        if mom is None:
            return None
        s_m = float(n) if norm is None else float(np.sum(norm))
        stats.append((n, mom[0], 0.0, s_m, mom[1], mom[2], mom[3]))
        if label in out:
            out[label][lo:hi] = values
    if check and not _all_finite([arrays[k] for k in check]):
        return None
    return stats


def _one_pass(loss, inputs: list[np.ndarray], dst: np.ndarray | None) -> tuple | None:
    """The statistics of a loss with a compiled kernel (``losscli._kernels``) in one pass over
    its inputs, its values written into ``dst``; None when it has none, the inputs are not two
    numeric 1-D arrays of one length, or a value is not finite or the one-pass M2 is inaccurate
    (the numpy definition then runs, and decides). Other numeric dtypes (float32, integer
    targets) are converted to float64 first, as the definitions' ``as_float`` does."""
    found = kernel(loss)
    if found is None or len(inputs) != 2:
        return None
    if not all(a.dtype.kind in "fiub" and a.ndim == 1 for a in inputs) or len(inputs[0]) != len(inputs[1]):
        return None
    x, y = (a if a.dtype == np.float64 and a.flags.c_contiguous else a.astype(np.float64) for a in inputs)
    try:
        s, err, q, lo, hi = compiled.fold(*found, x, y, dst)
    except (TypeError, ValueError, BufferError):  # a buffer it cannot take: the numpy definition
        return None
    m2 = one_pass_m2(s, q, len(x)) if len(x) and math.isfinite(s) and math.isfinite(err) else None
    return None if m2 is None else (len(x), s, err, float(len(x)), m2, lo, hi)


def _all_finite(arrays: list[np.ndarray]) -> bool:
    """Whether every element of every array is finite: one dot product per pair of same-shape
    float64 arrays (a NaN/inf element makes the sum NaN/inf), ``np.isfinite`` otherwise."""
    fast = [a.reshape(-1) for a in arrays if a.dtype == np.float64 and a.flags.c_contiguous]
    rest = [a for a in arrays if not (a.dtype == np.float64 and a.flags.c_contiguous)]
    if len(fast) % 2:
        fast.append(fast[-1])
    for x, y in zip(fast[::2], fast[1::2]):
        if len(x) != len(y) or not math.isfinite(dot1(x, y)):
            rest += [x, y]  # different sizes, or the sum overflowed (or a NaN/inf): decide exactly
    return all(bool(np.isfinite(a).all()) for a in rest)


def _worker():
    """A pool of one daemon thread, the engine's own (the readers' pool may be busy parsing)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            from losscli._threads import Pool

            _pool = Pool(workers=1, name="losscli-blocks")
        return _pool
