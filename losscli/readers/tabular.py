"""CSV/TSV/whitespace/JSONL tables via pandas (the only pandas user; Parquet is read by pyarrow in readers/parquet.py).

Numbers are parsed strictly: a cell that is not a number, empty, ``nan`` or ``NaN`` is an error
naming the file, the column and the row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
import warnings
from typing import Any

import numpy as np
import pandas as pd

from losscli.errors import InputError, shown
from losscli.readers import columns as cols
from losscli.readers.columns import stack

_NA = ["", "nan", "NaN"]


class Table:
    """A parsed table: its column names and strict numeric access to columns by position."""

    def __init__(self, frame: pd.DataFrame, where: str, offset: int = 0) -> None:
        self.frame = frame
        self.where = where
        self.offset = offset  # data rows before this one (a chunk of a streamed file): errors name absolute rows
        self.columns = [str(c) for c in frame.columns]

    def __len__(self) -> int:
        return len(self.frame)

    def take(self, positions: list[int], role: str) -> np.ndarray:
        """Selected columns as a numeric array: (N,) for one column, (N, k) for several."""
        return stack([self._numeric(p, role) for p in positions])

    def take_ids(self, position: int) -> np.ndarray:
        """An id column as it is (strings or numbers)."""
        return self.frame.iloc[:, position].to_numpy()

    def rows(self, index: np.ndarray) -> "Table":
        """The rows at ``index`` (0-based), in that order (``--align join``)."""
        return Table(self.frame.iloc[index].reset_index(drop=True), self.where)

    def _numeric(self, pos: int, role: str) -> np.ndarray:
        col = self.frame.iloc[:, pos]
        kind = col.dtype.kind
        if kind in "iu":
            return col.to_numpy(dtype=np.int64)
        if kind == "f":
            return col.to_numpy(dtype=np.float64)
        numeric = pd.to_numeric(col, errors="coerce")
        bad = numeric.isna().to_numpy() & col.notna().to_numpy()
        if bad.any() or kind == "b":
            row = int(np.flatnonzero(bad)[0]) if bad.any() else 0
            raise InputError(
                f"Non-numeric value {shown(col.iloc[row])} in {self.where}, column {shown(self.columns[pos])} "
                f"({role}), row {self.offset + row + 1}."
            )
        return numeric.to_numpy(dtype=np.float64)


def read_table(
    data: Any, fmt: str, where: str, *, header: bool = True, delimiter: str | None = None, compression: str | None = None
) -> Table:
    """Parse ``data`` (a path or bytes) as a table of format ``fmt``."""
    source = data
    if isinstance(data, bytes):
        data = io.BytesIO(data)
    sep = None
    try:
        if fmt == "jsonl":
            frame = _read_jsonl(data, compression)
        else:
            sep = separator(fmt, delimiter)
            if first_line_fields(source, sep, cols.MAX_COLUMNS) > cols.MAX_COLUMNS:
                raise cols.too_wide(where)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                frame = pd.read_csv(
                    data,
                    sep=sep,
                    header=0 if header else None,
                    index_col=False,  # never take column 1 as the index when rows are longer than the header
                    keep_default_na=False,
                    na_values=_NA,
                    encoding="utf-8-sig",
                    compression=compression or "infer",
                    low_memory=False,
                )
            if any(RAGGED_WARNING in str(w.message) for w in caught):  # index_col=False cut long rows
                raise ragged_error(source, sep, where, header=header) or InputError(f"{where} has rows longer than its header.")
    except pd.errors.EmptyDataError:
        raise InputError(f"{where} is empty.") from None
    except pd.errors.ParserError as e:
        raise ragged_error(source, sep, where, header=header) or InputError(
            f"{where} is not a well-formed {fmt.upper()} table: {_first_line(e)}"
        ) from None
    except UnicodeDecodeError as e:
        raise InputError(f"{where} is not UTF-8 text (byte {e.start}: {e.reason}).") from None
    except (ValueError, OSError, EOFError) as e:
        raise InputError(f"Cannot read {where} as {fmt.upper()}: {_first_line(e)}") from None
    if frame.shape[1] > cols.MAX_COLUMNS:  # JSONL: keys are only known once parsed
        raise cols.too_wide(where)
    if not header:
        frame.columns = [str(i + 1) for i in range(frame.shape[1])]
    if len(frame) == 0:
        raise InputError(f"{where} has no data rows.")
    if sep is not None:
        check_short_rows(frame, source, sep, where, header=header)
    return Table(frame, where)


def separator(fmt: str, delimiter: str | None) -> str:
    """The field separator of a text table: ``-d``, else the format's."""
    return delimiter or {"csv": ",", "tsv": "\t", "txt": r"\s+"}[fmt]


def first_line_fields(source: Any, sep: str, limit: int) -> int:
    """Fields of the first non-blank line of ``source`` (a path or bytes), counted without
    parsing it, a block at a time, and only up to ``limit + 1``: a header of millions of columns
    is refused before pandas makes a column of each. A single-character ``sep`` inside double
    quotes does not count; other separators than whitespace (``\\s+``) are not counted (0)."""
    if sep != r"\s+" and len(sep) != 1:
        return 0
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            fh = io.BytesIO(source)
        elif os.path.isfile(source):  # never a pipe (/dev/fd/N): what is read here would be lost to the parser
            fh = open(source, "rb")  # noqa: SIM115
        else:
            return 0
    except (OSError, TypeError, ValueError):
        return 0  # the read itself reports it
    fields, quotes, gap, started = 0, 0, True, False
    with fh:
        while fields <= limit and (block := fh.read(1 << 20)):
            end = block.find(b"\n")
            line = block if end < 0 else block[:end]
            if not started and not line.strip():  # leading blank lines: pandas skips them too
                if end >= 0:
                    fh.seek(end + 1 - len(block), io.SEEK_CUR)
                continue
            if not started:
                started, fields = True, 0 if sep == r"\s+" else 1  # n separators: n + 1 fields
            if sep == r"\s+":
                fields += len(line.split()) - (1 if line[:1].strip() and not gap else 0)  # a field cut by the block
                gap = not line[-1:].strip()
            else:
                arr = np.frombuffer(line, dtype=np.uint8)
                outside = (np.cumsum(arr == 34) + quotes) % 2 == 0
                fields += int(np.count_nonzero((arr == ord(sep)) & outside))
                quotes = (quotes + int(np.count_nonzero(arr == 34))) % 2
            if end >= 0:
                break
    return fields


def _read_jsonl(data: Any, compression: str | None) -> pd.DataFrame:
    """JSON Lines with every number read exactly: pandas' JSON parser with ``precise_float`` (its
    default parser misreads about one 17-digit value in five by an ulp or more), and Python's
    ``json`` for the files it refuses (subnormal numbers: "Range error")."""
    try:
        return pd.read_json(data, lines=True, compression=compression or "infer", precise_float=True)
    except ValueError as e:
        if "Range error" not in str(e):
            raise
    from pandas.io.common import get_handle

    if isinstance(data, io.BytesIO):
        data.seek(0)
    with get_handle(data, "r", compression=compression or "infer", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle.handle if line.strip()]
    return pd.DataFrame.from_records(records)


# ---------------------------------------------------------------------------- ragged rows
# pandas fills a row with too few fields with NaN, which would then pass for missing values:
# the fields of suspect rows are counted in the raw text instead (only on the error path or
# when the last column holds a NaN, so clean files pay one isna over one column).

RAGGED_WARNING = "does not match length of data"


def check_short_rows(frame: pd.DataFrame, source: Any, sep: str, where: str, *, header: bool, row_offset: int = 0) -> None:
    """Raise when a row of ``frame`` was padded with NaN because it has too few fields.

    A short row always leaves the last column empty, so only rows whose last cell is NaN are
    counted in ``source`` (a path or bytes; ``row_offset``: data rows before ``frame``, when
    ``frame`` is one chunk of a longer file).
    """
    if frame.shape[1] < 2 or frame.dtypes.iloc[-1].kind in "iub":
        return
    na = np.flatnonzero(frame.iloc[:, -1].isna().to_numpy())
    if na.size:
        error = ragged_error(source, sep, where, header=header, rows={int(r) + row_offset + 1 for r in na})
        if error is not None:
            raise error


def ragged_error(source: Any, sep: str | None, where: str, *, header: bool, rows: set[int] | None = None) -> InputError | None:
    """The error for the first data row (1-based) whose field count differs from the header's
    (from row 1's without a header), among ``rows`` if given; None if there is none or the
    delimiter is a regular expression that the count cannot follow."""
    if sep is None or (sep != r"\s+" and len(sep) != 1):
        return None
    try:
        text = _text(source)
    except (OSError, UnicodeDecodeError):
        return None
    with text:
        return _first_ragged(text, sep, where, None, header=header, offset=0, rows=rows)


def _first_ragged(
    text: Any, sep: str, where: str, expected: int | None, *, header: bool, offset: int, rows: set[int] | None
) -> InputError | None:
    """The error for the first data row of ``text`` (1-based, among ``rows`` if given) whose field
    count is not ``expected`` (None: the first record's count, the header's when ``header``),
    named as row ``offset + row``; None if every row fits or the text cannot be split."""
    records = (line.split() for line in text) if sep == r"\s+" else csv.reader(text, delimiter=sep)
    row, last = 0, max(rows) if rows else None
    try:
        for fields in records:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank lines are skipped, as pandas does
            if expected is None:
                expected = len(fields)
                if header:
                    continue
            row += 1
            if len(fields) != expected and (rows is None or row in rows):
                s = "" if len(fields) == 1 else "s"
                like = "the header" if header else "row 1"
                return InputError(f"{where}: row {offset + row} has {len(fields)} field{s}, expected {expected} as in {like}.")
            if last is not None and row >= last:
                break
    except (csv.Error, UnicodeDecodeError):
        return None
    return None


def _text(source: Any) -> io.TextIOBase:
    if isinstance(source, bytes):
        return io.TextIOWrapper(io.BytesIO(source), encoding="utf-8-sig", newline="")
    if isinstance(source, io.BytesIO):
        return io.TextIOWrapper(io.BytesIO(source.getvalue()), encoding="utf-8-sig", newline="")
    return open(source, encoding="utf-8-sig", newline="")


def concat(tables: list[Table], where: str) -> Table:
    """Several shard files read as one table (their columns must agree)."""
    first = tables[0].columns
    for t in tables[1:]:
        if t.columns != first:
            raise InputError(f"{t.where} has columns {t.columns}, but {tables[0].where} has {first}.")
    return Table(pd.concat([t.frame for t in tables], ignore_index=True), where)


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


# ---------------------------------------------------------------------------- streamed pieces
# A streamed file (readers/chunks.py) is cut at record boundaries into pieces of bytes: the
# first piece (header included) is parsed by read_table, every later one by parse_piece (safe to
# run on worker threads: the C parser releases the GIL) and then checked by piece_table, in
# order, once the rows and lines before the piece are known, so that errors name absolute rows.


def parse_piece(data: bytes, fmt: str, *, ncols: int, delimiter: str | None) -> tuple[Any, BaseException | None, bool]:
    """Parse a headerless piece with read_table's options: (frame, error, ragged).

    Thread-safe (no ``warnings.catch_warnings``): the one row pandas would silently cut, a
    first row longer than the header, is looked for first (then ``ragged`` is True).
    """
    sep = separator(fmt, delimiter)
    if _first_row_fields(data, sep) > ncols:
        return None, None, True
    try:
        frame = _reused_parse(data, sep, ncols) if len(sep) == 1 and _reuse_ok(data, sep, ncols) else None
        if frame is None:
            frame = _read_piece(data, sep, ncols)
    except pd.errors.EmptyDataError:  # only blank lines
        frame = pd.DataFrame({i: np.empty(0) for i in range(ncols)})
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        return None, e, False
    return frame, None, False


def _read_piece(data: bytes, sep: str, ncols: int) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), **_piece_options(sep, ncols))


def _piece_options(sep: str, ncols: int) -> dict[str, Any]:
    return dict(
        sep=sep,
        header=None,
        names=list(range(ncols)),
        index_col=False,
        keep_default_na=False,
        na_values=_NA,
        encoding="utf-8",
        low_memory=False,
    )


# pandas >= 3.1 can refill one C parser with a new buffer (``TextReader.load_buffer``, what its own
# parallel read_csv does): a third less CPU per piece than a new read_csv. It is a private API, so
# it is used only where it exists and only after it parsed a first piece exactly as read_csv did.
_local = threading.local()
_reuse_state: dict[str, bool] = {}


def _reuse_ok(data: bytes, sep: str, ncols: int) -> bool:
    if "ok" not in _reuse_state:
        with _reuse_lock:
            if "ok" not in _reuse_state:
                try:
                    head = bytes(data[: 1 << 16])  # a sample: complete records of the first 64 kB
                    sample = head[: head.rfind(b"\n") + 1] or head
                    fast, slow = _reused_parse(sample, sep, ncols), _read_piece(sample, sep, ncols)
                    _reuse_state["ok"] = fast is not None and _same_frame(fast, slow)
                except Exception:  # noqa: BLE001 - any doubt: the public path
                    _reuse_state["ok"] = False
                    _local.__dict__.clear()
    return _reuse_state["ok"]


_reuse_lock = threading.Lock()


def _reused_parse(data: bytes, sep: str, ncols: int) -> pd.DataFrame | None:
    """``data`` parsed by this thread's reusable C parser (None where pandas has none)."""
    from pandas._libs.parsers import TextReader

    if not hasattr(TextReader, "load_buffer"):
        return None
    readers = _local.__dict__.setdefault("readers", {})
    reader = readers.pop((sep, ncols), None)  # taken out while in use: an error leaves it out
    if reader is None:
        from pandas.io.parsers.readers import TextFileReader

        options = _piece_options(sep, ncols)
        options.pop("sep")
        reader = TextFileReader(io.BytesIO(b""), engine="c", delimiter=sep, **options)
        reader._engine._reader.trim_after_read = False
    reader._engine._reader.load_buffer(memoryview(data), strip_bom=False)
    reader._engine._first_chunk = True
    _, _, columns = reader._engine.read()
    readers[(sep, ncols)] = reader
    return pd.DataFrame({i: columns[i] for i in range(ncols)}, copy=False)


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if a.shape != b.shape or list(a.dtypes) != list(b.dtypes):
        return False
    return all(np.array_equal(a[c].to_numpy(), b[c].to_numpy(), equal_nan=a[c].dtype.kind == "f") for c in a.columns)


def _first_row_fields(data: bytes, sep: str) -> int:
    """Fields of the first non-blank record of ``data`` (0 if it cannot tell)."""
    head = bytes(data[: 1 << 16]).decode("utf-8", errors="replace")
    lines = (line.split() for line in head.splitlines()) if sep == r"\s+" else csv.reader(io.StringIO(head, newline=""), delimiter=sep) if len(sep) == 1 else iter(())
    try:
        for fields in lines:
            if fields and not (len(fields) == 1 and not fields[0].strip()):
                return len(fields)
    except csv.Error:
        pass
    return 0


def piece_table(
    parsed: tuple[Any, BaseException | None, bool],
    data: bytes,
    fmt: str,
    where: str,
    *,
    columns: list[str],
    delimiter: str | None,
    header: bool,
    offset: int,
    lines_before: int,
    bytes_before: int,
) -> Table:
    """The ``Table`` of a parsed piece whose first row is data row ``offset + 1`` of the file,
    or the error a whole-file read would give (rows and lines counted from the file's start)."""
    frame, error, ragged = parsed
    sep = separator(fmt, delimiter)
    if isinstance(error, UnicodeDecodeError):
        try:  # pandas' offset is into its own buffer: find the byte in the piece
            bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            error = e
        raise InputError(f"{where} is not UTF-8 text (byte {bytes_before + error.start}: {error.reason}).") from None
    if error is not None or ragged:
        found = _piece_ragged(data, sep, where, len(columns), header=header, offset=offset)
        if found is not None:
            raise found
        if error is None:
            raise InputError(f"{where} has rows longer than its header.")
        if isinstance(error, pd.errors.ParserError):
            text = re.sub(r"\b(line|row) (\d+)", lambda m: f"{m.group(1)} {int(m.group(2)) + lines_before}", _first_line(error))
            raise InputError(f"{where} is not a well-formed {fmt.upper()} table: {text}") from None
        raise InputError(f"Cannot read {where} as {fmt.upper()}: {_first_line(error)}") from None
    if frame.shape[1] >= 2 and frame.dtypes.iloc[-1].kind not in "iub":
        na = np.flatnonzero(frame.iloc[:, -1].isna().to_numpy())
        if na.size:
            found = _piece_ragged(data, sep, where, len(columns), header=header, offset=offset, rows={int(r) + 1 for r in na})
            if found is not None:
                raise found
    frame.columns = columns
    return Table(frame, where, offset)


def _piece_ragged(
    data: bytes, sep: str, where: str, expected: int, *, header: bool, offset: int, rows: set[int] | None = None
) -> InputError | None:
    """ragged_error for a piece: the first row (among ``rows``, 1-based in the piece) whose field
    count is not ``expected``, named by its row in the file."""
    if sep != r"\s+" and len(sep) != 1:
        return None
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    return _first_ragged(text, sep, where, expected, header=header, offset=offset, rows=rows)
