"""Usage errors that a shell caused: an unquoted glob (``eval preds_*.csv``) that the shell
expanded into many file names becomes one line that says to quote it, instead of click's
``Got unexpected extra arguments (...)`` listing every name."""

from __future__ import annotations

import os
import shlex

EXTRA_ARGUMENTS = "Got unexpected extra argument"
SHOWN = 2  # file names shown at each end of the run


def explain(message: str, argv: list[str]) -> str:
    """``message`` (a click usage error) with a hint when it is about extra arguments and the
    line holds a run of three or more existing files, as a shell's glob expansion leaves.

    >>> explain("Missing option '-l'.", ["eval", "a.csv"])
    "Missing option '-l'."
    """
    if not message.startswith(EXTRA_ARGUMENTS):
        return message
    run = longest_path_run(argv)
    if len(run) < 3:
        return message
    shown = run if len(run) <= 2 * SHOWN else [*run[:SHOWN], "...", *run[-SHOWN:]]
    return (
        f"{len(run)} file names ({' '.join(shown)}) where fewer are expected: did the shell expand an unquoted glob? "
        f"Quote it to pass the pattern itself, e.g. {shlex.quote(pattern(run))}."
    )


def longest_path_run(argv: list[str]) -> list[str]:
    """The longest run of consecutive arguments that are existing paths (not options)."""
    best: list[str] = []
    current: list[str] = []
    for arg in argv:
        current = current + [arg] if not arg.startswith("-") and os.path.lexists(arg) else []
        best = current if len(current) > len(best) else best
    return best


def pattern(names: list[str]) -> str:
    """A glob for ``names``: their common start, ``*``, their common end.

    >>> pattern(["runs/s1.csv", "runs/s10.csv", "runs/s2.csv"])
    'runs/s*.csv'
    """
    head = os.path.commonprefix(names)
    tail = os.path.commonprefix([n[len(head) :][::-1] for n in names])[::-1]
    return f"{head}*{tail}"
