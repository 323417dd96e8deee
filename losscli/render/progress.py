"""A progress bar on stderr for large inputs: shown only when stderr is a terminal
and the input is at least ``THRESHOLD`` bytes; otherwise every call is a no-op, so the chunk
loop can call it unconditionally::

    with ByteProgress(total_bytes, "reading preds.csv") as bar:
        for chunk in chunks:
            ...
            bar.advance(chunk_bytes)      # or bar.update(bytes_done)

    # or count rows when the row total is known (NPY), shown only for inputs >= 50 MB:
    with ByteProgress(n_rows, "scoring", unit="rows", size=input_bytes) as bar: ...

rich's bar goes to stderr, is transient (erased when done), and honours NO_COLOR.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import IO, Any

THRESHOLD = 50 * 1024 * 1024  # bytes: inputs of ~50 MB or more get a bar


def total_size(paths: Iterable[str]) -> int:
    """Sum of the sizes of the files in ``paths`` (stdin and missing files count 0)."""
    total = 0
    for p in paths:
        try:
            total += os.path.getsize(p) if p != "-" else 0
        except OSError:
            pass
    return total


class ByteProgress:
    """A transient rich progress bar over ``total`` bytes, or nothing (see the module doc)."""

    def __init__(
        self,
        total: int | None,
        description: str = "reading",
        *,
        size: int | None = None,
        unit: str = "bytes",
        threshold: int = THRESHOLD,
        file: IO[str] | None = None,
        force: bool | None = None,
    ) -> None:
        """``total`` counts ``unit`` (``bytes`` or ``rows``; None when unknown: a running count);
        ``size`` is the input's size in bytes that decides whether to show the bar (``total``
        itself when counting bytes)."""
        stream = file if file is not None else sys.stderr
        size = (total or 0) if size is None else size
        show = force if force is not None else (size >= threshold and _isatty(stream))
        self.total = None if total is None else int(total)
        self._bar: Any = None
        self._task: Any = None
        if show:
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

            console = Console(file=stream, force_terminal=True if force else None)
            counts = (DownloadColumn(), TransferSpeedColumn()) if unit == "bytes" else (MofNCompleteColumn(), TextColumn(unit))
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                *counts,
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            self._task = self._bar.add_task(description, total=self.total)

    @property
    def active(self) -> bool:
        return self._bar is not None

    def __enter__(self) -> "ByteProgress":
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, nbytes: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, nbytes)

    def update(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
