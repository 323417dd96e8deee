"""Per-sample values to a file (or, as text, to stdout: ``text_writer``), streamed chunk by
chunk in input order.

Formats by suffix: ``.csv``, ``.tsv``, ``.jsonl``, ``.npy`` (float64, ``(N,)`` for one loss or
``(N, L)`` for several; ids are not stored in NPY), ``.parquet`` (pyarrow, the ``parquet`` extra:
one float64 column per loss after the id column, one row group per chunk). Rows dropped by ``--nan-policy omit`` hold
NaN (empty in CSV/TSV, null in JSONL) so that row i of the output is row i of the input.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from losscli._atomic import HeldInterrupts, atomic_write
from losscli.errors import OutputError, UsageError
from losscli.render.escape import csv_cell, json_text, terminal
from losscli.render.json_report import fmt_number

FORMATS = (".csv", ".tsv", ".jsonl", ".npy", ".parquet")


def check_path(path: str) -> str:
    """The format (suffix) of a per-sample path, or a usage error listing the allowed ones."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise UsageError(f"--per-sample {path}: unsupported suffix; use one of {', '.join(FORMATS)}.")
    if suffix == ".parquet":
        _pyarrow(path)
    return suffix


@contextlib.contextmanager
def writer(path: str, labels: list[str], id_name: str | None = None, names: list[str] | None = None) -> Iterator["_TextWriter | _NpyWriter | _ParquetWriter"]:
    """A per-sample writer; the file appears (atomically) only if the block completes.

    ``write`` takes the values by loss label; ``names`` (default: the labels) are the column
    names, one per label (``rmse.sq_err`` for rmse: the file holds what the values are).
    """
    if names is not None and list(names) != list(labels):
        with writer(path, list(names), id_name) as inner:
            yield _Renamed(inner, dict(zip(labels, names)))
        return
    suffix = check_path(path)
    if suffix == ".npy":
        with _NpyWriter(path, labels) as w:
            yield w
        return
    if suffix == ".parquet":
        with atomic_write(path, "wb") as fh, _ParquetWriter(fh, path, labels, id_name) as w:
            yield w
        return
    with atomic_write(path) as fh:
        w = _TextWriter(fh, suffix, labels, id_name)
        w.header()
        yield w


class _Renamed:
    """A writer whose values come keyed by loss label and are written under other names."""

    def __init__(self, inner, names: Mapping[str, str]) -> None:
        self.inner, self.names = inner, names

    def write(self, values: Mapping[str, np.ndarray], ids: np.ndarray | None = None) -> None:
        self.inner.write({self.names[k]: v for k, v in values.items()}, ids)


class _TextWriter:
    def __init__(self, fh, suffix: str, labels: list[str], id_name: str | None) -> None:
        self.fh, self.suffix, self.labels, self.id_name = fh, suffix, labels, id_name
        self.sep = "\t" if suffix == ".tsv" else ","

    def header(self) -> None:
        if self.suffix != ".jsonl":
            names = ([self.id_name] if self.id_name else []) + self.labels
            self.fh.write(self.sep.join(_quote(csv_cell(n), self.sep) for n in names) + "\n")

    def write(self, values: Mapping[str, np.ndarray], ids: np.ndarray | None = None) -> None:
        arrays = [np.asarray(values[label], dtype=np.float64) for label in self.labels]
        id_list = ids.tolist() if ids is not None and self.id_name else None
        if self.suffix == ".jsonl":  # json.dumps of {id, label: value, ...} per row, column by column
            keys = ([self.id_name] if id_list is not None else []) + self.labels
            cols = [_cells(a, ~np.isfinite(a), "null") for a in arrays]
            if id_list is not None:
                cols.insert(0, list(map(json.dumps, id_list)))
            pieces: list = []  # '{"key": ', cell, ', "key": ', cell, ..., '}' per row
            for i, (key, col) in enumerate(zip(keys, cols)):
                pieces += [itertools.repeat(("{" if i == 0 else ", ") + json.dumps(key) + ": "), col]
            lines = list(map("".join, zip(*pieces, itertools.repeat("}"))))
        else:  # column by column, in C loops (map, join): 4x faster than a cell at a time
            cols = [_cells(a, np.isnan(a), "") for a in arrays]
            if id_list is not None:
                cols.insert(0, [_quote(v, self.sep) for v in _id_cells(id_list)])
            elif len(cols) == 1:  # a row of one empty cell would be a blank line, which readers skip
                cols[0] = [c or '""' for c in cols[0]]
            lines = list(map(self.sep.join, zip(*cols)))
        if lines:
            text = "\n".join(lines) + "\n"
            self.fh.write(json_text(text) if self.suffix == ".jsonl" else text)


def _cells(values: np.ndarray, missing: np.ndarray, text: str) -> list[str]:
    """The text of each value, its repr (shortest round trip), and ``text`` where ``missing``
    (NaN in CSV/TSV: empty; NaN and infinities in JSONL: null)."""
    cells = list(map(repr, values.tolist()))
    for i in np.flatnonzero(missing).tolist():
        cells[i] = text
    return cells


def _id_cells(ids: list) -> list[str]:
    """The ids as CSV cell text: ``escape.csv_cell`` of each, checked once for the whole chunk
    (plain ids, the common case, need no per-id escaping)."""
    cells = list(map(str, ids))
    joined = "".join(cells)
    if joined.isprintable() and "##[" not in joined and "::" not in joined:
        return cells
    return list(map(csv_cell, cells))


def _quote(text: str, sep: str) -> str:
    if any(ch in text for ch in (sep, '"', "\n")):
        return '"' + text.replace('"', '""') + '"'
    return text


class _NpyWriter:
    """Streams float64 rows to a scratch file, then writes header + data atomically."""

    def __init__(self, path: str, labels: list[str]) -> None:
        self.path, self.labels, self.rows = path, labels, 0
        self._held = HeldInterrupts()  # released in __enter__, once __exit__ will remove the scratch file
        try:
            fd, self.scratch = tempfile.mkstemp(prefix=".losscli-", suffix=".raw", dir=os.path.dirname(os.path.abspath(path)))
        except BaseException as e:
            self._held.release()
            if isinstance(e, OSError):
                raise OutputError(f"Cannot write {path}: {e.strerror or e}.") from None
            raise
        self.fh = os.fdopen(fd, "wb")

    def __enter__(self) -> "_NpyWriter":
        try:
            self._held.release()  # a Ctrl-C held since __init__ is raised here
        except BaseException:
            self.fh.close()
            with contextlib.suppress(OSError):
                os.unlink(self.scratch)
            raise
        return self

    def write(self, values: Mapping[str, np.ndarray], ids: np.ndarray | None = None) -> None:
        block = np.column_stack([np.asarray(values[label], dtype=np.float64) for label in self.labels])
        try:
            self.fh.write(np.ascontiguousarray(block).tobytes())
        except OSError as e:  # a full disk while streaming the scratch file
            raise OutputError(f"Cannot write {self.path}: {e.strerror or e}.") from None
        self.rows += len(block)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            try:
                self.fh.close()
            except OSError as e:  # the last buffered block did not fit on the disk
                if exc_type is None:
                    raise OutputError(f"Cannot write {self.path}: {e.strerror or e}.") from None
                return
            if exc_type is None:
                shape = (self.rows,) if len(self.labels) == 1 else (self.rows, len(self.labels))
                with atomic_write(self.path, "wb") as out, open(self.scratch, "rb") as src:
                    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float64)), "fortran_order": False, "shape": shape}
                    np.lib.format.write_array_header_1_0(out, header)
                    shutil.copyfileobj(src, out, 1 << 20)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(self.scratch)


def _pyarrow(path: str):
    """``pyarrow`` for a Parquet output, or one clear exit-3 error (it is an optional extra)."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise OutputError(f"--per-sample {path} needs pyarrow: pip install 'losscli[parquet]'") from None
    return pyarrow


class _ParquetWriter:
    """Per-sample values as a Parquet file, one row group per chunk (pyarrow's ParquetWriter on
    the temporary file of ``atomic_write``): float64 columns named by the losses, after the id
    column when given; NaN where ``--nan-policy omit`` dropped a row."""

    def __init__(self, fh, path: str, labels: list[str], id_name: str | None) -> None:
        self.pa = _pyarrow(path)
        self.fh, self.path, self.labels, self.id_name = fh, path, labels, id_name
        self.writer = None
        self.schema = None

    def __enter__(self) -> "_ParquetWriter":
        return self

    def write(self, values: Mapping[str, np.ndarray], ids: np.ndarray | None = None) -> None:
        pa = self.pa
        names, arrays = [], []
        if self.id_name is not None:
            names.append(self.id_name)
            arrays.append(self._ids(ids, len(values[self.labels[0]]) if self.labels else 0))
        for label in self.labels:
            names.append(label)
            arrays.append(self._numbers(np.asarray(values[label], dtype=np.float64)))
        table = pa.Table.from_arrays(arrays, names=names)
        if self.writer is None:
            self._open(table.schema)
        elif table.schema != self.schema:
            try:
                table = table.cast(self.schema)
            except (pa.ArrowException, ValueError) as e:
                raise OutputError(f"Cannot write {self.path}: the id column '{self.id_name}' changes type between chunks ({e}).") from None
        self._guard(lambda: self.writer.write_table(table))

    def _ids(self, ids: np.ndarray | None, n: int):
        pa = self.pa
        if ids is None:
            return pa.nulls(n)
        if ids.dtype.kind == "u" and ids.size and ids.max() > np.iinfo(np.int64).max:  # past int64: as they are, never wrapped
            return self._numbers(ids)
        if ids.dtype.kind in "iuf":
            return self._numbers(ids.astype(np.float64 if ids.dtype.kind == "f" else np.int64))
        try:
            return pa.array(ids.tolist())
        except (pa.ArrowException, ValueError, TypeError):  # mixed types (say numbers and text): as text
            return pa.array([None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in ids.tolist()], type=pa.string())

    def _numbers(self, a: np.ndarray):
        """An int64/float64 column made from the array's buffer (``pa.array`` would import pandas)."""
        pa = self.pa
        a = np.ascontiguousarray(a)
        return pa.Array.from_buffers(pa.from_numpy_dtype(a.dtype), len(a), [None, pa.py_buffer(a)])

    def _open(self, schema) -> None:
        import pyarrow.parquet as pq

        self.schema = schema
        self.writer = self._guard(lambda: pq.ParquetWriter(self.fh, schema))

    def _guard(self, call):
        try:
            return call()
        except OSError as e:  # a full disk (pyarrow's own I/O errors are OSErrors too)
            raise OutputError(f"Cannot write {self.path}: {getattr(e, 'strerror', None) or e}.") from None

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            if self.writer is not None:
                with contextlib.suppress(Exception):
                    self.writer.close()
            return
        if self.writer is None:  # no rows: the columns alone
            pa = self.pa
            fields = ([pa.field(self.id_name, pa.null())] if self.id_name is not None else []) + [pa.field(label, pa.float64()) for label in self.labels]
            self._open(pa.schema(fields))
        self._guard(self.writer.close)


TEXT_FORMATS = ("table", "csv", "jsonl")  # what --reduction none prints instead of the report
STDOUT_FORMATS = ("csv", "tsv", "jsonl")  # --per-sample - (csv), -:tsv, -:jsonl


def stdout_format(path: str | None) -> str | None:
    """The format of ``--per-sample -`` (csv) or ``-:FORMAT``; None for a file path."""
    if path is None or not (path == "-" or path.startswith("-:")):
        return None
    fmt = path[2:].lower() or "csv"
    if fmt not in STDOUT_FORMATS:
        raise UsageError(f"--per-sample {path}: stdout takes {', '.join(STDOUT_FORMATS)} (e.g. --per-sample -:jsonl).")
    return fmt


@contextlib.contextmanager
def text_writer(output: str | None, fmt: str, labels: list[str], id_name: str | None = None, names: list[str] | None = None, *, precision: int = 6) -> Iterator[Any]:
    """Per-sample values as text, to stdout (``output`` None) or to the file ``output`` (in place
    when the run succeeds): ``csv``, ``tsv`` and ``jsonl`` as ``writer`` writes files (exact
    values), or ``table``: aligned columns for a terminal, the id (or the 1-based row number)
    first and ``precision`` significant digits. Rows are written as their chunk arrives."""
    names = list(names or labels)
    if output is None:
        yield _Renamed(_text(sys.stdout, fmt, names, id_name, precision), dict(zip(labels, names)))
        return
    with atomic_write(output) as fh:
        yield _Renamed(_text(fh, fmt, names, id_name, precision), dict(zip(labels, names)))


def _text(fh, fmt: str, names: list[str], id_name: str | None, precision: int) -> "_TextWriter | _TableWriter":
    if fmt == "table":
        return _TableWriter(fh, names, id_name, precision)
    w = _TextWriter(fh, "." + fmt, names, id_name)
    w.header()
    return w


class _TableWriter:
    """Aligned, right-justified columns: the id (or the row number), then one per loss; a row
    that ``--nan-policy omit`` dropped is blank. Ids and names are escaped for the terminal."""

    def __init__(self, fh, labels: list[str], id_name: str | None, precision: int) -> None:
        self.fh, self.labels, self.id_name, self.precision = fh, labels, id_name, precision
        self.rows = 0
        heads = [terminal(id_name) if id_name else "row", *(terminal(n) for n in labels)]
        self.widths = [max(len(h), 6 if i == 0 else precision + 7) for i, h in enumerate(heads)]
        self._line(heads)

    def _line(self, cells: list[str]) -> None:
        self.fh.write("  ".join(c.rjust(w) for c, w in zip(cells, self.widths)).rstrip() + "\n")

    def write(self, values: Mapping[str, np.ndarray], ids: np.ndarray | None = None) -> None:
        arrays = [np.asarray(values[label], dtype=np.float64) for label in self.labels]
        n = len(arrays[0]) if arrays else 0
        first = [terminal(v) for v in ids.tolist()] if ids is not None and self.id_name else [str(self.rows + i + 1) for i in range(n)]
        cols = [[fmt_number(v, self.precision) if not math.isnan(v) else "" for v in a.tolist()] for a in arrays]
        for i in range(n):
            self._line([first[i], *(c[i] for c in cols)])
        self.rows += n
