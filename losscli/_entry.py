"""The console entry point (the ``losscli`` script and ``python -m losscli``): settings of the
whole process, then the command.

These settings belong to a process that runs losscli as its program, so only ``main`` makes
them: ``import losscli``, ``import losscli.cli`` and the Python API change nothing of the
process that imports them (tests/test_startup.py).

- ``OPENBLAS_NUM_THREADS=1`` unless the user set it, before numpy loads: losscli runs its own
  threads (the engine's blocks, ``losscli.engine.blocked``; the readers' parse workers) and calls
  BLAS only on vectors too short for OpenBLAS to split (``reductions.dot1``), while loading numpy
  with OpenBLAS's default threads costs ~50 ms of wall time on a 2-core machine (the threads
  start and spin).
- Garbage collection every ``GC_GEN0`` new container objects instead of 700: loading the
  modules of a small evaluation (~47k container objects, all kept) ran 60 collections, ~10 ms;
  now none. The objects a run discards are freed by reference counting; the rare cycles wait a
  little longer (a 10M-row CSV evaluation: 2 collections instead of 173, the same peak RSS).
- At exit, ``gc.freeze()`` (an exit function): the interpreter's final garbage collections then
  skip the objects of every module loaded, ~20 ms of each run. Exit functions, finalizers of
  objects freed by reference counting and file flushes run as before; only cyclic garbage left
  at exit is not collected (the process ends).
- glibc keeps freed block-sized memory instead of returning it to the OS (``mallopt``): by
  default a freed 0.5 MB array (a block of the engine, ``engine.accumulator.BLOCK_ELEMENTS``)
  is unmapped or trimmed and the next one page-faults in again, which costs 4x the arithmetic
  of a block. Arrays below 4 MB now come from the heap, and up to 8 MB of free heap is kept.
  A no-op off glibc.
- Stand-ins for ``rich.markdown`` and ``rich.traceback``, which typer imports for its help and
  losscli never uses (``losscli.cli._standins``): ~25-40 ms of every ``losscli --help``. Without
  them ``--help`` measured 1.2-1.7x ``python -c "import numpy"`` on a shared 2-core machine, at
  or over the 1.6x target; with them 1.07-1.4x (benchmarks/bench_startup.py). Building only the
  command that runs (``losscli.cli._app``) does not replace them: the root help needs every
  command, and typer's help formatter imports both modules at its top.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys

GC_GEN0 = 50_000
MMAP_THRESHOLD = 4 << 20  # glibc M_MMAP_THRESHOLD: arrays below it come from the heap
TRIM_THRESHOLD = 8 << 20  # glibc M_TRIM_THRESHOLD: free heap kept rather than returned


def main() -> None:
    """Run the ``losscli`` command line (``sys.argv``) with the process settings above."""
    configure()
    from losscli.cli import app  # the command, loaded after the settings (numpy, typer, rich)

    app(prog_name="losscli")


def configure() -> None:
    """Apply the settings of the ``losscli`` process (the module docstring says why each)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    threshold = gc.get_threshold()
    if threshold[0] == 700:  # Python's default: not when someone tuned it
        gc.set_threshold(GC_GEN0, *threshold[1:])
    atexit.register(gc.freeze)  # registered first, so it runs last of the exit functions
    keep_freed_memory()
    from losscli.cli._standins import install  # after the gc threshold: loads the cli package

    install()


def keep_freed_memory() -> None:
    """glibc's ``mallopt``: freed arrays below ``MMAP_THRESHOLD`` stay in the heap, and up to
    ``TRIM_THRESHOLD`` of free heap is kept. A no-op off Linux or without glibc (musl)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, TRIM_THRESHOLD)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        pass
