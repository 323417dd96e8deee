"""Stand-ins for two modules that ``typer.rich_utils`` imports at its top and losscli never uses.

``rich.markdown`` (markdown-it) and ``rich.traceback`` (pygments) serve typer's
``rich_markup_mode="markdown"`` and its pretty tracebacks, neither of which losscli uses; loading
them is ~25 ms of every ``losscli --help`` (a quarter of the start-up budget, 1.6x ``import
numpy``). ``install`` puts a meta path finder first that gives a stand-in module for each; a
stand-in imports the real module on first use (a call or an attribute), and the import system
binds it to its package as usual. Only the console entry point installs it (``losscli._entry``),
before typer's help first imports ``typer.rich_utils``.
"""

from __future__ import annotations

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


# module -> (the name typer.rich_utils imports from it, how to import the real module)
DEFERRED: dict[str, tuple[str, Callable[[], types.ModuleType]]] = {
    "rich.markdown": ("Markdown", _markdown),
    "rich.traceback": ("Traceback", _traceback),
}


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once), for the modules not imported yet."""
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
