"""``--fail-if`` and ``--gate-mode`` of the commands that gate numbers they compute themselves
(``merge``, ``compare``), declared once, and their values as ``losscli.gating.GateOptions``.

The gates are those of ``eval`` (grammar in ``losscli.gates``): a failed gate is exit 1 and a
``Gate failed: ...`` line on stderr, ``--gate-mode warn`` reports it and exits 0.
"""

from __future__ import annotations

from typing import Annotated

import typer

from losscli.cli._options import GateMode
from losscli.gating import GateOptions

GATING = "Gating"

FAIL_IF_HELP = (
    "Gate that must hold, else exit 1: LABEL OP NUMBER or LABEL OP base[+|-|*]NUMBER, OP one of < <= > >= "
    "(e.g. 'mse<=0.02'); repeatable."
)

FailIf = Annotated[list[str], typer.Option("--fail-if", metavar="EXPR", help=FAIL_IF_HELP, rich_help_panel=GATING, show_default=False)]
Mode = Annotated[GateMode, typer.Option("--gate-mode", help="fail: exit 1 on a failed gate; warn: report it and exit 0.", rich_help_panel=GATING)]


def gate_options(fail_if: list[str], mode: GateMode, command: str, base: str | None = None) -> GateOptions:
    """The gates of ``--fail-if`` and ``--gate-mode``; ``base`` names what ``base`` in a gate is
    (None: ``losscli COMMAND`` has no baseline, and a gate with ``base`` is a usage error)."""
    from losscli import gates as G
    from losscli.errors import UsageError

    parsed = G.parse_gates(fail_if)  # a bad gate stops before anything is read
    if base is None:
        relative = [g for g in parsed if g.relative]
        if relative:
            raise UsageError(
                f"--fail-if '{relative[0].expr}' compares with base, but 'losscli {command}' has no baseline: "
                "gate its JSON report with 'losscli gate REPORT --baseline OLD.json'."
            )
    return GateOptions(fail_if=tuple(fail_if), mode=mode.value, baseline=base)
