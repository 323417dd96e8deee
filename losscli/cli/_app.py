"""The root ``Typer`` of the command: ``app()`` builds only the command it runs.

typer turns every command's signature into click options when the app is called (~15 ms for all
seven commands, a tenth of the start-up of a small evaluation, whose target is 1.6x ``import
numpy``). A run of one command needs only that one: ``App.__call__`` hands typer the command
named on the line and nothing else. The help of the root, shell completion, ``--version`` and
unknown names (click suggests the close ones) see every command, as do callers of
``typer.main.get_command(app)`` (the tests' ``CliRunner``). The annotations of the command run
are evaluated once beforehand (``_resolve_annotations``).
"""

from __future__ import annotations

import os
import sys
import typing
from typing import Any

import typer


class App(typer.Typer):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        argv = kwargs.get("args", args[0] if args else None)
        argv = list(sys.argv[1:] if argv is None else argv)
        name = next((a for a in argv if not a.startswith("-")), None)
        groups = self.registered_groups
        keep = [g for g in groups if g.typer_instance is not None and any(c.name == name for c in g.typer_instance.registered_commands)]
        completing = any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)
        if name is None or len(keep) != 1 or completing or self.registered_commands:
            return super().__call__(*args, **kwargs)
        self.registered_groups = keep
        for info in [c for g in keep for c in g.typer_instance.registered_commands] + ([self.registered_callback] if self.registered_callback else []):
            _resolve_annotations(info.callback)
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.registered_groups = groups


def _resolve_annotations(fn: Any) -> None:
    """Evaluate ``fn``'s annotations once (``from __future__ import annotations`` keeps them as
    strings, which typer evaluates four times per parameter: ~4 ms for ``eval``'s 45 options)."""
    if fn is not None and any(isinstance(a, str) for a in getattr(fn, "__annotations__", {}).values()):
        try:
            fn.__annotations__ = typing.get_type_hints(fn, include_extras=True)
        except Exception:  # noqa: BLE001 - typer evaluates them itself (and reports what fails)
            pass
