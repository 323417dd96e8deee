"""Parquet tables through pyarrow (the ``parquet`` extra), imported only when a Parquet file is read.

An ``ArrowTable`` has the interface of ``tabular.Table`` (``columns``, ``len``, ``take``,
``take_ids``), so column selection (``readers.columns``) and the lazy ``Ref``s of
``readers.stream`` work on it unchanged. Numbers are strict, as for CSV:

- integer columns give int64; when they hold nulls or values past int64 they give float64, each
  value rounded to the nearest float64 as numpy rounds it (``np.float64(np.int64(v))``, also past
  2^53) and each null NaN, which follows ``--nan-policy``; floating and decimal columns float64;
- a list column (``list<float>``, ``fixed_size_list<float, D>``) selected alone gives an
  ``(N, D)`` matrix when every row has the same length (embeddings, logits);
- any other type (string, bool, timestamp, ...) is an ``InputError`` naming the file, the column
  and its type: a Parquet column has one type, so there is no bad row to point at;
- a file whose columns do not have distinct names is an ``InputError``: a name would not say
  which column it selects.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.readers import columns as cols
from losscli.readers import pairing
from losscli.readers.columns import stack

INSTALL = "pip install 'losscli[parquet]'"


def require(what: str) -> Any:
    """``pyarrow`` (with ``pyarrow.parquet`` loaded), or one clear exit-3 error naming ``what``."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise InputError(f"{what} needs pyarrow: {INSTALL}") from None
    return pyarrow


class ArrowTable:
    """Rows of a Parquet file: the ``Table`` interface over a pyarrow table or record batch.

    ``columns`` are the names of all the file's columns (selections refer to their positions);
    ``data`` holds the columns at ``positions`` only (what was read). ``offset`` counts the rows
    of the input before these (streamed pieces), ``where`` names the file in errors.
    """

    def __init__(self, data: Any, columns: list[str], where: str, positions: list[int] | None = None, offset: int = 0) -> None:
        self.data = data
        self.columns = list(columns)
        self.where = where
        self.offset = offset
        positions = list(range(len(columns))) if positions is None else list(positions)
        self._index = {p: i for i, p in enumerate(positions)}

    def __len__(self) -> int:
        return self.data.num_rows

    def slice(self, lo: int, hi: int) -> "ArrowTable":
        """Rows ``lo .. hi - 1`` (no copy)."""
        out = ArrowTable(self.data.slice(lo, hi - lo), self.columns, self.where, offset=self.offset + lo)
        out._index = self._index
        return out

    def rows(self, index: np.ndarray) -> "ArrowTable":
        """The rows at ``index`` (0-based), in that order (``--align join``)."""
        pa = require(f"Reading {self.where}")
        out = ArrowTable(self.data.take(pa.array(index, type=pa.int64())), self.columns, self.where)
        out._index = self._index
        return out

    def _column(self, pos: int) -> Any:
        col = self.data.column(self._index[pos])
        pa = require(f"Reading {self.where}")
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        return col

    def take(self, positions: list[int], role: str) -> np.ndarray:
        """Selected columns as a numeric array: (N,) for one column, (N, k) for several, (N, D)
        for one list column."""
        pa = require(f"Reading {self.where}")
        if len(positions) == 1 and _is_list(pa, self._column(positions[0]).type):
            return self._matrix(positions[0], role)
        return stack([self._numeric(p, role) for p in positions])

    def take_ids(self, position: int) -> np.ndarray:
        """An id or group column as it is (strings, numbers; nulls are None or NaN)."""
        import pyarrow as pa

        col = self._column(position)
        if pa.types.is_uint64(col.type) and not col.null_count and _past_int64(col):  # ids read exactly, never rounded to floats
            return _to_numpy(col, np.uint64)
        if pa.types.is_uint64(col.type) and _past_int64(col):
            return _to_numpy(col)  # Python ints (None for nulls)
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            return _numbers(col, self._name(position), "id", self.where)
        return _to_numpy(col)

    def take_keys(self, position: int) -> np.ndarray:
        """An id column as text (``pairing.key_text`` of each typed value: integers in decimal,
        so they pair with the same integers written in a CSV; None for null)."""
        values = self._column(position).to_pylist()
        out = np.empty(len(values), dtype=object)
        out[:] = [None if v is None or (isinstance(v, float) and v != v) else pairing.key_text(v) for v in values]
        return out

    def take_shown(self, position: int) -> np.ndarray:
        """Ids as output shows them (--per-sample, --top-k): the typed values."""
        return self.take_ids(position)

    def _numeric(self, pos: int, role: str) -> np.ndarray:
        return _numbers(self._column(pos), self._name(pos), role, self.where)

    def _matrix(self, pos: int, role: str) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        col = self._column(pos)
        name = self._name(pos)
        n = len(col)
        if col.null_count:
            raise InputError(f"Column '{name}' of {self.where} ({role}) has null lists; every row needs a value.")
        lengths = _to_numpy(pc.list_value_length(col).cast(pa.int64()), np.int64) if n else np.zeros(0, np.int64)
        if n and (lengths != lengths[0]).any():
            row = int(np.flatnonzero(lengths != lengths[0])[0])
            raise InputError(
                f"Column '{name}' of {self.where} ({role}) holds lists of different lengths: "
                f"{int(lengths[0])} in row {self.offset + 1}, {int(lengths[row])} in row {self.offset + row + 1}."
            )
        width = int(lengths[0]) if n else 0
        values = _numbers(pc.list_flatten(col), name, role, self.where, of="a list of")
        return values.reshape(n, width)

    def _name(self, pos: int) -> str:
        return self.columns[pos]

    def dtype_name(self, pos: int) -> str:
        """The column's Arrow type (``losscli inspect``)."""
        return str(self.data.column(self._index[pos]).type)


def _past_int64(col: Any) -> bool:
    """Whether an unsigned column holds a value past int64's range."""
    import pyarrow.compute as pc

    top = pc.max(col).as_py()
    return top is not None and top > np.iinfo(np.int64).max


def _is_list(pa: Any, typ: Any) -> bool:
    return pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ)


def _numbers(col: Any, name: str, role: str, where: str, of: str = "") -> np.ndarray:
    """A pyarrow (chunked) array as int64 or float64, nulls as NaN; other types are an error."""
    import pyarrow as pa
    import pyarrow.compute as pc

    typ = col.type
    if pa.types.is_dictionary(typ):
        col, typ = col.cast(typ.value_type), typ.value_type
    if pa.types.is_null(typ):
        return np.full(len(col), np.nan)
    if pa.types.is_integer(typ) and not col.null_count:
        try:
            return _to_numpy(col.cast(pa.int64()), np.int64)
        except (pa.ArrowInvalid, OverflowError):  # uint64 past int64: as floats
            pass
    if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        # integers past 2^53 are not exact in float64: an unchecked cast rounds them as numpy does
        out = col.cast(pa.float64(), safe=not pa.types.is_integer(typ))
        if out.null_count:
            out = pc.fill_null(out, float("nan"))
        return _to_numpy(out, np.float64)
    raise InputError(f"Non-numeric column '{name}' in {where} ({role}): its Parquet type is {of + ' ' if of else ''}{typ}, not a number.")


def _to_numpy(col: Any, dtype: Any = None) -> np.ndarray:
    """A pyarrow (chunked) array as numpy: int64/float64 arrays without nulls (``dtype``) as views
    of their buffers, anything else as an object array of Python values. Not ``to_numpy``, which
    imports pandas: a Parquet evaluation needs pyarrow alone."""
    parts = [_chunk(c, dtype) for c in getattr(col, "chunks", [col])]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.empty(0, dtype=dtype or object)
    return np.concatenate(parts)


def _chunk(arr: Any, dtype: Any) -> np.ndarray:
    if dtype is None:
        out = np.empty(len(arr), dtype=object)
        out[:] = arr.to_pylist()
        return out
    dtype = np.dtype(dtype)
    if len(arr) == 0:
        return np.empty(0, dtype=dtype)
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * dtype.itemsize)


# ---------------------------------------------------------------------------- files


def open_file(source: Any, where: str, **options: Any) -> Any:
    """A ``pyarrow.parquet.ParquetFile`` of a path or bytes (``options``: its keyword arguments),
    or an ``InputError`` saying why not."""
    pa = require(f"Reading {where}")
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(pa.BufferReader(source) if isinstance(source, (bytes, bytearray, memoryview)) else source, **options)
    except FileNotFoundError:
        raise InputError(f"File not found: {where}") from None
    except IsADirectoryError:
        raise InputError(f"{where} is a directory, not a file.") from None
    except OSError as e:
        if isinstance(e, pa.ArrowException):
            raise InputError(f"{where} is not a valid Parquet file: {_first_line(e)}") from None
        raise InputError(f"Cannot read {where}: {e.strerror or e}") from None
    except (pa.ArrowException, ValueError) as e:
        raise InputError(f"{where} is not a valid Parquet file: {_first_line(e)}") from None
    if pf.metadata.num_columns > cols.MAX_COLUMNS:
        _close(pf)
        raise cols.too_wide(where)
    return pf


def metadata(path: str) -> tuple[list[str], list[int]]:
    """(column names, rows of each row group) from a file's footer (nothing else is read)."""
    pf = open_file(path, path)
    try:
        meta = pf.metadata
        return cols.distinct_names(list(pf.schema_arrow.names), path), [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    finally:
        _close(pf)


def read_parquet(data: Any, where: str) -> ArrowTable:
    """A whole Parquet file (a path, or bytes from stdin or a compressed file)."""
    pf = open_file(data, where)
    try:
        table = _guarded(lambda: pf.read(), where)
    finally:
        _close(pf)
    if table.num_rows == 0:
        raise InputError(f"{where} has no data rows.")
    return ArrowTable(table, cols.distinct_names(table.column_names, where), where)


def read_rows(path: str, columns: list[str], positions: list[int], groups: list[int], where: str, offset: int = 0) -> ArrowTable:
    """The row groups ``groups`` of a file, only the columns at ``positions``."""
    pf = open_file(path, where)
    try:
        names, read = _wanted(columns, positions)
        data = _guarded(lambda: pf.read_row_groups(groups, columns=names), where)
    finally:
        _close(pf)
    return ArrowTable(data, columns, where, read, offset)


def pieces(path: str, columns: list[str], positions: list[int], rows: int, where: str, offset: int = 0):
    """``ArrowTable``s of about ``rows`` rows of a file, only the columns at ``positions``: a row
    group at a time is read, whatever the file's size (``offset``: rows before the file). Without
    pre-buffering, which would read the column chunks of every row group ahead (the whole file),
    and with 1 MB reads, pyarrow holds a few MB whatever the file's size."""
    pf = open_file(path, where, pre_buffer=False, buffer_size=1 << 20)
    try:
        names, read = _wanted(columns, positions)
        it = pf.iter_batches(batch_size=max(1, rows), columns=names)
        while True:
            batch = _guarded(lambda: next(it, None), where)
            if batch is None:
                return
            yield ArrowTable(batch, columns, where, read, offset)
            offset += batch.num_rows
    finally:
        _close(pf)


def concat(tables: list[ArrowTable], where: str) -> ArrowTable:
    """Several shard files read as one table (their columns must agree)."""
    import pyarrow as pa

    first = tables[0].columns
    for t in tables[1:]:
        if t.columns != first:
            raise InputError(f"{t.where} has columns {t.columns}, but {tables[0].where} has {first}.")
    try:
        data = pa.concat_tables([t.data for t in tables], promote_options="permissive")
    except pa.ArrowException as e:
        raise InputError(f"The files of {where} do not have the same column types: {_first_line(e)}") from None
    return ArrowTable(data, first, where)


def _wanted(columns: list[str], positions: list[int]) -> tuple[list[str], list[int]]:
    """(names to read, their positions): the selected columns (names are distinct)."""
    read = sorted(set(positions))
    return [columns[p] for p in read], read


def _guarded(read, where: str) -> Any:
    import pyarrow as pa

    try:
        return read()
    except (pa.ArrowException, OSError, ValueError) as e:
        raise InputError(f"Cannot read {where} as PARQUET: {_first_line(e)}") from None


def _close(pf: Any) -> None:
    try:
        pf.close()
    except Exception:  # noqa: BLE001 - closing a file we are done with (older pyarrow has no close)
        pass


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__
