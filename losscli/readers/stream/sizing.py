"""Whether inputs are streamed, and how many rows a chunk holds by default."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from losscli.errors import LossCliError
from losscli.readers.sources import expand, split_selection
from losscli.readers.stream.base import Ref

# Inputs larger than this (on disk, together) are streamed: from here on streaming is the faster
# read (a 59 MB CSV: 0.42 s streamed, 0.53 s whole; NPY: a memory map becomes resident as it is read).
AUTO_STREAM_BYTES = 16 << 20
TABLE_CHUNK_ROWS = 1 << 18  # default rows per chunk of a table (at most)
# default bytes of text per chunk of a table (~27k rows of pred,target): pieces of 0.5 to 6 MB
# took the same time (2M-row CSV, public read_csv per piece), and peak RSS grows with them
# (0.5 MB: 150 MB, 1 MB: 162 MB, 3 MB: 192 MB, 6 MB: 224 MB)
TABLE_CHUNK_BYTES = 1 << 20
ARRAY_CHUNK_BYTES = 1 << 20  # default bytes per chunk of the widest array (128k float64 rows)


def input_bytes(paths: list[str]) -> int:
    """Total size on disk of the files named (``PATH[:FORMAT][:SEL]``, globs expanded); stdin
    and paths that cannot be read count 0 (the read itself reports them)."""
    total = 0
    for text in paths:
        try:
            source = split_selection(text)[0]
            if source.path != "-":
                total += sum(os.path.getsize(p) for p in expand(source))
        except (OSError, ValueError, LossCliError):  # ValueError: a NUL in a path
            continue
    return total


def should_stream(paths: list[str]) -> bool:
    """Whether the inputs are streamed: always when one is stdin or compressed (stdin's size is
    unknown until it is read, and a small compressed file may hold gigabytes: both are read
    front to back once in any case, so streaming costs nothing and bounds memory), else when
    the files are over ``AUTO_STREAM_BYTES`` in all."""
    return any(_unsized(p) for p in paths) or input_bytes(paths) > AUTO_STREAM_BYTES


def _unsized(text: str) -> bool:
    """Whether ``PATH[:FORMAT][:SEL]`` is stdin or a compressed file."""
    try:
        source = split_selection(text)[0]
    except (OSError, ValueError, LossCliError):  # the read itself reports it
        return False
    return source.path == "-" or source.compression is not None


def default_chunk_rows(values: list[Any]) -> int:
    """Rows per chunk when not given, for the per-row ``values`` of the inputs (arrays or
    ``Ref``s): about ``TABLE_CHUNK_BYTES`` of text when a table is streamed (at most
    ``TABLE_CHUNK_ROWS``), else about ``ARRAY_CHUNK_BYTES`` of the widest array."""
    row_bytes = 0.0
    tables = False
    for value in values:
        if isinstance(value, Ref):
            tables = tables or value.stream.tabular
            row_bytes = max(row_bytes, value.stream.row_bytes)
        elif isinstance(value, np.ndarray) and value.ndim:
            row_bytes = max(row_bytes, value.itemsize * int(np.prod(value.shape[1:], dtype=np.int64)))
    if tables:
        return max(1, min(TABLE_CHUNK_ROWS, int(TABLE_CHUNK_BYTES / max(row_bytes, 1.0))))
    return max(1, int(ARRAY_CHUNK_BYTES / max(row_bytes, 1.0)))
