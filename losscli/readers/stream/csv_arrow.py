"""The rows of a streamed CSV/TSV file after its first piece, read by pyarrow's streaming CSV
reader (``pyarrow.csv.open_csv``, a public API) when every column is float64.

pandas reads each piece of the other tables (``readers.stream.csv``); this reader takes the
common case, a file of numbers, with less work per row (README "Performance"). Its values are
pandas' bit for bit: both round each decimal correctly (pandas >= 3). Where the two could read
a file otherwise, pandas reads it, from the first row not accepted, as before (``CsvStream``):

- a row pyarrow refuses: a cell that is no number (a double quote, pandas' quoting, is part of
  the cell for pyarrow: no number), another number of fields, a blank line among several
  columns, a row longer than a block;
- a batch with an empty or ``nan`` cell, a value that is not finite (``NAN``, ``Infinity``, an
  integer past float64: pandas' words and errors differ) or -0 (pandas reads the integer ``-0``
  as 0).

Only regular uncompressed files: pandas takes over at a row's byte offset, found by counting
the rows accepted from where pyarrow began (``record_end``: a row ends at a newline or at a
carriage return alone, as for both parsers). pyarrow reads the file natively (no Python code
runs on its threads) on the same inode as the stream; the digest is taken on a thread of its own
from the stream's descriptor (``RestHash``), in file order after the bytes hashed before.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import threading
from typing import Any

import numpy as np

from losscli.readers.columns import stack

BLOCK = 1 << 18  # bytes pyarrow parses at a time (it reads ~32 blocks ahead; a longer row: pandas reads on)
STEP = 1 << 20  # bytes per read of the digest's thread and of ``record_end``
_NA = ["", "nan", "NaN"]  # read as missing (then pandas reads the piece and says so)
_SEPARATORS_REFUSED = '"\r\n \t0123456789.eE+-'  # separators that could read a number otherwise


def usable(dtypes: list[str], members: list, sep: str, fd: int | None) -> bool:
    """Whether this reader reads the rest of a file for ``members`` (the selections of a
    stream): not when a selection is other than columns of numbers (ids, keys), a column is not
    float64 in the first piece (``dtypes``: each column's dtype, as pandas names it), the
    separator is not one plain character, the descriptor ``fd`` is not a regular uncompressed
    file (None: a pipe or a compressed file), or pyarrow is not installed."""
    if fd is None or not hasattr(os, "pread") or not stat.S_ISREG(os.fstat(fd).st_mode):  # (no pread on Windows)
        return False
    if not members or any(getattr(ref, "op", None) != "take" for _, ref in members):
        return False
    if not dtypes or any(t != "float64" for t in dtypes):
        return False
    return len(sep) == 1 and sep not in _SEPARATORS_REFUSED and importlib.util.find_spec("pyarrow") is not None


def open_reader(path: str, fd: int, start: int, ncols: int, sep: str, block: int) -> Any:
    """pyarrow's streaming reader of the file ``path`` from byte ``start``, ``block`` bytes at a
    time: headerless rows of ``ncols`` float64 fields (empty and ``nan`` cells missing); None
    when ``path`` is no longer the file open as ``fd`` (replaced meanwhile) or pyarrow refuses
    its first block."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    source = pa.OSFile(path)
    if _inode(source.fileno()) != _inode(fd):
        source.close()
        return None
    source.seek(start)
    names = [str(i) for i in range(ncols)]
    try:
        return pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, block_size=block, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False, double_quote=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.float64()), null_values=_NA, strings_can_be_null=False),
        )
    except pa.ArrowException:
        source.close()
        return None


def _inode(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def values(batch: Any, positions: list[int]) -> dict[int, np.ndarray] | None:
    """The float64 columns ``positions`` of a batch, or None when pandas may read one otherwise
    (a missing cell, a value that is not finite, -0)."""
    out = {}
    for p in positions:
        column = batch.column(p)
        if column.null_count:
            return None
        array = column.to_numpy()
        if not np.isfinite(array).all() or np.signbit(array[array == 0]).any():
            return None
        out[p] = array
    return out


class FloatPiece:
    """A piece of a table as the columns read by pyarrow (the ``Table.take`` interface)."""

    def __init__(self, columns: dict[int, np.ndarray], rows: int) -> None:
        self.columns, self.rows = columns, rows

    def __len__(self) -> int:
        return self.rows

    def take(self, positions: list[int], role: str) -> np.ndarray:
        return stack([self.columns[p] for p in positions])


def failures() -> tuple[type[BaseException], ...]:
    """The errors after which pandas reads on (pyarrow refused a row)."""
    import pyarrow as pa

    return (pa.ArrowException,)


def record_end(fd: int, start: int, rows: int) -> tuple[int, int]:
    """(the byte offset after the first ``rows`` rows from ``start``, the newlines before it
    from ``start``): a row ends at a newline, or at a carriage return not followed by one.
    Read with ``os.pread`` (the descriptor's position is not moved)."""
    offset, newlines = start, 0
    while rows and (block := os.pread(fd, STEP + 1, offset)):  # one byte more: what follows a CR
        data = np.frombuffer(block, dtype=np.uint8)
        arr, after = data[:STEP], np.zeros(min(len(data), STEP), dtype=np.uint8)
        after[: len(data) - 1] = data[1 : STEP + 1]
        ends = np.flatnonzero((arr == 10) | ((arr == 13) & (after != 10)))
        if len(ends) >= rows:
            end = int(ends[rows - 1]) + 1
            return offset + end, newlines + int(np.count_nonzero(arr[:end] == 10))
        rows -= len(ends)
        newlines += int(np.count_nonzero(arr == 10))
        offset += len(arr)
    return offset, newlines


class RestHash:
    """The digest of a file from byte ``start`` to its end, fed to ``h`` (``update``) on a thread
    of its own, read with ``os.pread`` from the descriptor ``fd`` (its position is not moved)."""

    def __init__(self, fd: int, start: int, h: Any) -> None:
        self._fd, self.end, self._h = fd, start, h
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="losscli-digest-read", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while block := os.pread(self._fd, STEP, self.end):
                self._h.update(block)
                self.end += len(block)
        except OSError as e:
            self.error = e

    def join(self) -> int:
        """The end of the bytes hashed, once all are (``OSError`` if the file could not be read)."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.end
