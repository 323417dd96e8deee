"""Start-up settings of the ``losscli`` command, applied before numpy, typer or rich load.

The start-up target: ``losscli --help`` and a 10-row evaluation within 1.6x
``python -c "import numpy"`` (README.md, "Performance"; measured by benchmarks/bench_startup.py).

- ``OPENBLAS_NUM_THREADS=1`` unless the user set it: losscli runs its own threads (the engine's
  blocks, ``losscli.engine.blocked``; the readers' parse workers) and calls BLAS only on vectors too
  short for OpenBLAS to split (``reductions.dot1``), while loading numpy with OpenBLAS's default
  threads costs ~50 ms of wall time on this 2-core machine (the threads start and spin).
- ``rich.markdown`` (markdown-it) and ``rich.traceback`` (pygments) are imported by
  ``typer.rich_utils`` at its top, for ``rich_markup_mode="markdown"`` and pretty tracebacks,
  neither of which losscli uses: ~25 ms of every ``--help``. An import hook gives stand-ins
  for them; a stand-in imports the real module on first use (a call or an attribute), and the
  import system binds it to its package as usual.
- Garbage collection every ``GC_GEN0`` new container objects instead of 700: loading the
  modules of a small evaluation (~47k container objects, all kept) ran 60 collections, ~10 ms;
  now none.
  The objects a run discards are freed by reference counting; the rare cycles wait a little
  longer (a 10M-row CSV evaluation: 2 collections instead of 173, the same peak RSS).
- At exit, ``gc.freeze()`` (an exit function): the interpreter's final garbage collections then
  skip the objects of every module loaded, ~20 ms of each run. Exit functions, finalizers of
  objects freed by reference counting and file flushes run as before; only cyclic garbage left
  at exit is not collected (the process ends).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import types
from importlib.machinery import ModuleSpec
from typing import Any, Callable


def _markdown() -> types.ModuleType:
    import rich.markdown

    return rich.markdown


def _traceback() -> types.ModuleType:
    import rich.traceback

    return rich.traceback


GC_GEN0 = 50_000

# module -> (the name typer.rich_utils imports from it, how to import the real module)
DEFERRED: dict[str, tuple[str, Callable[[], types.ModuleType]]] = {
    "rich.markdown": ("Markdown", _markdown),
    "rich.traceback": ("Traceback", _traceback),
}


def apply() -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    threshold = gc.get_threshold()
    if threshold[0] == 700:  # Python's default: not when someone tuned it
        gc.set_threshold(GC_GEN0, *threshold[1:])
    atexit.register(gc.freeze)  # registered first, so it runs last of the exit functions
    if not any(isinstance(f, _StandIns) for f in sys.meta_path):
        sys.meta_path.insert(0, _StandIns({m for m in DEFERRED if m not in sys.modules}))


class _StandIns:
    """Meta path finder: a stand-in module for each name in ``pending`` (until it is used)."""

    def __init__(self, pending: set[str]) -> None:
        self.pending = pending

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        return ModuleSpec(name, self) if name in self.pending else None

    def create_module(self, spec: ModuleSpec) -> types.ModuleType:
        module = spec.name
        name, load = DEFERRED[module]
        stub = types.ModuleType(module, f"Stand-in for {module}: the real module is imported on first use.")

        def real_module() -> types.ModuleType:
            self.pending.discard(module)
            if sys.modules.get(module) is stub:
                del sys.modules[module]
            return load()

        def attribute(attr: str) -> Any:  # the module's other names (the import system's probes excepted)
            if attr.startswith("__"):
                raise AttributeError(attr)
            return getattr(real_module(), attr)

        setattr(stub, name, _Deferred(name, (), {"_load": staticmethod(lambda: getattr(real_module(), name))}))
        stub.__getattr__ = attribute  # type: ignore[method-assign]
        return stub

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class _Deferred(type):
    """Metaclass of a stand-in class: calls and class attributes go to the real class."""

    def __getattr__(cls, attr: str) -> Any:
        return getattr(cls._load(), attr)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._load()(*args, **kwargs)
