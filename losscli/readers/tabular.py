"""CSV/TSV/whitespace/JSONL tables via pandas (the only pandas user; Parquet is read by pyarrow in readers/parquet.py).

Numbers are parsed strictly: a cell that is not a number, empty, ``nan`` or ``NaN`` is an error
naming the file, the column and the row. Every format gives the same value for the same number:

- integers keep their value: int64 as they are; past int64 (unsigned 64-bit, or longer) as the
  nearest float64, as ``np.float64(np.uint64(v))`` rounds an NPY array; an integer too large
  for a float64 (over ~1.8e308) is an error naming the cell;
- JSON booleans are not numbers (an error), and JSONL values are never read as dates;
- a CSV/TSV/TXT table whose first line is all numbers has no header (``header_of``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from losscli.errors import InputError, TooLargeError, UsageError, shown
from losscli.readers import columns as cols
from losscli.readers import pairing
from losscli.readers.columns import stack

_NA = ["", "nan", "NaN"]


class Table:
    """A parsed table: its column names and strict numeric access to columns by position.

    ``header``: whether the file's first line was read as column names; ``note``: a line for the
    user when that was decided from the data (a first line of numbers: no header).
    """

    def __init__(
        self, frame: pd.DataFrame, where: str, offset: int = 0, *, header: bool = True, note: str | None = None, texts: list | None = None
    ) -> None:
        self.frame = frame
        self.where = where
        self.offset = offset  # data rows before this one (a chunk of a streamed file): errors name absolute rows
        self.columns = [str(c) for c in frame.columns]
        self.header = header
        self.note = note
        # where the cells' text can be read again: (first row of the frame, source, read_csv
        # options; None for JSON Lines)
        self.texts = texts or []
        self.parent: tuple[Table, np.ndarray] | None = None  # rows() of this table: its keys are the parent's

    def __len__(self) -> int:
        return len(self.frame)

    def take(self, positions: list[int], role: str) -> np.ndarray:
        """Selected columns as a numeric array: (N,) for one column, (N, k) for several."""
        return stack([self._numeric(p, role) for p in positions])

    def take_ids(self, position: int) -> np.ndarray:
        """An id or group column as it is (strings or numbers; a JSON object or list is an error)."""
        out = self.frame.iloc[:, position].to_numpy()
        if out.dtype == object:  # JSONL: any JSON value
            nested = [i for i, v in enumerate(out) if isinstance(v, (dict, list))][:1]
            if nested:
                row = nested[0]
                kind = "an object" if isinstance(out[row], dict) else "a list"
                raise InputError(
                    f"Column {shown(self.columns[position])} of {self.where} holds {kind} in row {self.offset + row + 1}: "
                    "id and group values must be strings or numbers."
                )
        return out

    def take_keys(self, position: int) -> np.ndarray:
        """An id column as the file's text (an object array of str, None for an empty cell): ids
        are compared and written as written, so ``007`` is not ``7``, ``1.10`` not ``1.1`` and
        ``98765432109876543210`` keeps its digits. CSV/TSV/TXT: the cells' text (numeric columns
        read again as text); JSON Lines: a JSON string as it is, a JSON number as its JSON text."""
        if self.parent is not None:
            table, index = self.parent
            return table.take_keys(position)[index]
        col = self.frame.iloc[:, position]
        jsonl = bool(self.texts) and self.texts[0][2] is None
        if jsonl:
            self.take_ids(position)  # a JSON object or list is an error
        texts = self._column_texts(position) if jsonl or col.dtype.kind in "iufbc" else None
        if texts is None:
            texts = [None if v is None or (isinstance(v, float) and v != v) else pairing.key_text(v) for v in self.take_ids(position).tolist()]
        out = np.empty(len(texts), dtype=object)
        out[:] = texts
        return out

    def take_shown(self, position: int) -> np.ndarray:
        """Ids as output shows them (--per-sample, --top-k): as written; an integer column whose
        every cell is written as its number (no ``007``) as the integers (numbers in JSON and
        Parquet output)."""
        keys, values = self.take_keys(position), self.take_ids(position)
        if values.dtype.kind in "iu" and keys.tolist() == [str(v) for v in values.tolist()]:
            return values
        return keys

    def _column_texts(self, pos: int) -> list | None:
        """The text of every cell of column ``pos``, parsed again from the source (None when it
        cannot be read again: a pipe)."""
        out: list = []
        name = self.columns[pos]
        ends = [f for f, _, _ in self.texts[1:]] + [len(self.frame)]
        for (first, source, options), end in zip(self.texts, ends):
            data = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray, memoryview)) else source
            try:
                if options is None:
                    part = _json_texts(data, name)
                else:
                    column = pd.read_csv(data, **options, usecols=[pos], dtype=str).iloc[:, 0]
                    part = [None if isinstance(v, float) else v for v in column.tolist()]
            except Exception:  # noqa: BLE001 - a source read once (a pipe): the parsed values
                return None
            if len(part) < end - first:
                return None
            out += part[: end - first]  # blank lines after the last row are no rows (read_table)
        return out if len(out) == len(self.frame) else None

    def rows(self, index: np.ndarray) -> "Table":
        """The rows at ``index`` (0-based), in that order (``--align join``)."""
        out = Table(self.frame.iloc[index].reset_index(drop=True), self.where)
        out.parent = (self, np.asarray(index))
        return out

    def _numeric(self, pos: int, role: str) -> np.ndarray:
        col = self.frame.iloc[:, pos]
        kind = col.dtype.kind
        if kind == "i":
            return col.to_numpy(dtype=np.int64)
        if kind == "u":  # pandas reads integers past int64 as uint64: as float64, rounded as numpy does
            values = col.to_numpy(dtype=np.uint64)
            return values.astype(np.int64) if not values.size or values.max() <= _INT64_MAX else values.astype(np.float64)
        if kind == "f":
            out = col.to_numpy(dtype=np.float64)
            if np.isinf(out).any():  # an integer past float64 parses as inf: its text tells
                self._check_overflow(pos, role, out, self._cells)
            return out
        if kind == "b":
            self._not_numeric(pos, role, 0)
        objects = col.to_numpy() if col.dtype == np.dtype(object) else None  # not pandas' own str dtype
        if objects is not None:  # JSONL values (Python objects): booleans and integers past float64 are errors
            row = _first_bool(objects)
            if row is not None:
                self._not_numeric(pos, role, row)
            row = _first_huge(objects)
            if row is not None:
                self._too_large(pos, role, row)
        numeric = pd.to_numeric(col, errors="coerce")
        bad = numeric.isna().to_numpy() & col.notna().to_numpy()
        if bad.any():
            self._not_numeric(pos, role, int(np.flatnonzero(bad)[0]))
        out = numeric.to_numpy(dtype=np.float64)
        if objects is None and np.isinf(out).any():  # text cells
            self._check_overflow(pos, role, out, lambda pos, rows: [str(col.iloc[r]) for r in rows])
        return out

    def _check_overflow(self, pos: int, role: str, values: np.ndarray, cells: Any) -> None:
        """Raise for the first cell read as inf whose text is an integer (too large for a float64;
        a literal such as ``1e400`` stays inf, as numpy reads it). ``cells(pos, rows)``: texts."""
        rows = np.flatnonzero(np.isinf(values))
        texts = cells(pos, rows)
        for row, text in zip(rows, texts or []):
            if _INTEGER_TEXT.fullmatch(text):
                self._too_large(pos, role, int(row), text)

    def _cells(self, pos: int, rows: np.ndarray) -> list[str] | None:
        """The text of the cells ``rows`` of column ``pos``, parsed again from the source (None
        when it cannot be read again: a pipe)."""
        out = []
        for row in rows:
            first, source, options = next(((f, s, o) for f, s, o in reversed(self.texts) if f <= row), (None, None, None))
            if source is None or options is None:
                return None
            try:
                data = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray, memoryview)) else source
                column = pd.read_csv(data, **options, usecols=[pos], dtype=str)
            except Exception:  # noqa: BLE001 - the text is only a better error message
                return None
            out.append(str(column.iloc[int(row) - first, 0]))
        return out

    def _not_numeric(self, pos: int, role: str, row: int) -> None:
        raise InputError(
            f"Non-numeric value {shown(self.frame.iloc[row, pos])} in {self.where}, column {shown(self.columns[pos])} "
            f"({role}), row {self.offset + row + 1}."
        )

    def _too_large(self, pos: int, role: str, row: int, text: str | None = None) -> None:
        digits = len(str(self.frame.iloc[row, pos] if text is None else text).strip().lstrip("+-"))
        raise TooLargeError(
            f"Integer of {digits} digits in {self.where}, column {shown(self.columns[pos])} ({role}), "
            f"row {self.offset + row + 1}: too large for a 64-bit float."
        )


_INT64_MAX = np.iinfo(np.int64).max


def _json_texts(data: Any, name: str) -> list:
    """The values of key ``name`` in each JSON line of ``data``: strings as they are, numbers as
    their JSON text (None where the key is missing or null)."""
    handle = open(data, "rb") if isinstance(data, str) else data
    with handle:
        out = []
        for line in handle:
            if line.strip():
                record = json.loads(line, parse_int=str, parse_float=str, parse_constant=str)
                value = record.get(name) if isinstance(record, dict) else None
                out.append(None if value is None else value if isinstance(value, str) else json.dumps(value))
        return out


def _first_bool(values: np.ndarray) -> int | None:
    """The first boolean among Python values (JSON ``true`` is not the number 1)."""
    return next((row for row, v in enumerate(values) if isinstance(v, (bool, np.bool_))), None)


def _first_huge(values: np.ndarray) -> int | None:
    """The first integer among Python values too large for a float64 (``float(int)`` rounds the
    others as numpy rounds a uint64)."""
    return next((row for row, v in enumerate(values) if isinstance(v, int) and not _fits_float(v)), None)


def _fits_float(v: int) -> bool:
    try:
        float(v)
    except OverflowError:
        return False
    return True


_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")


def read_table(
    data: Any, fmt: str, where: str, *, header: bool | None = None, delimiter: str | None = None, compression: str | None = None,
    ends_file: bool = True,
) -> Table:
    """Parse ``data`` (a path or bytes) as a table of format ``fmt``. ``header``: whether the
    first line holds column names; None: unless it is all numbers (``header_of``).

    A blank line among the rows is a row of empty cells (NaN: in a one-column table it is an
    empty cell, and skipping it would pair every later row with the wrong one); blank lines
    before the first line and, when ``data`` ``ends_file``, after the last one are no rows."""
    if isinstance(data, (bytes, bytearray, memoryview)) and ends_file and fmt != "jsonl":
        data = trim_blank_tail(bytes(data))
    sep, note, options = None, None, None
    if fmt != "jsonl":
        sep = separator(fmt, delimiter)
        data, header, note = _text_source(data, fmt, sep, where, header)
        options = _table_options(data, sep, header, compression)
    frame = _parse_table(data, fmt, where, sep, header, compression, options)
    if frame.shape[1] > cols.MAX_COLUMNS:  # JSONL: keys are only known once parsed
        raise cols.too_wide(where)
    if header is False:
        frame.columns = [str(i + 1) for i in range(frame.shape[1])]
    elif sep is not None:
        frame.columns = _header_names([str(c) for c in frame.columns], data, sep, where)
    if sep is not None and ends_file and not isinstance(data, bytes) and len(frame) and frame.iloc[-1].isna().all():
        frame = frame.iloc[: len(frame) - _trailing_blank_lines(data, compression)]
    if len(frame) == 0:
        raise InputError(f"{where} has no data rows.")
    if sep is not None:
        check_short_rows(frame, data, sep, where, header=bool(header))
    return Table(frame, where, header=header is not False, note=note, texts=[(0, data, options)])


def _text_source(data: Any, fmt: str, sep: str, where: str, header: bool | None) -> tuple[Any, bool | None, str | None]:
    """(the text table's data, whether it has a header, the note when that was decided from its
    first line). A pipe whose first line must be looked at is read whole first; a first line
    wider than ``MAX_COLUMNS`` is refused before pandas makes a column of each field."""
    if header is None and isinstance(data, str) and not os.path.isfile(data):  # a pipe: read once, then look at its first line
        try:
            data = _read_all(data)
        except OSError as e:
            raise InputError(f"Cannot read {where} as {fmt.upper()}: {_first_line(e)}") from None
    if first_line_fields(data, sep, cols.MAX_COLUMNS) > cols.MAX_COLUMNS:
        raise cols.too_wide(where)
    note = None
    if header is None:
        header, note = header_of(data, sep, where)
    return data, header, note


def _table_options(data: Any, sep: str, header: bool, compression: str | None) -> dict[str, Any]:
    """``read_csv``'s options for a whole text table (kept with the table: cells are read again
    as text from them, ``Table.take_keys``)."""
    return dict(
        sep=sep,
        header=0 if header else None,
        index_col=False,  # never take column 1 as the index when rows are longer than the header
        keep_default_na=False,
        na_values=_NA,
        skip_blank_lines=False,
        skiprows=_leading_blank_lines(data),
        encoding="utf-8-sig",
        compression=compression or "infer",
        low_memory=False,
    )


def _parse_table(data: Any, fmt: str, where: str, sep: str | None, header: bool | None, compression: str | None, options: dict | None) -> pd.DataFrame:
    """The frame of a whole table (``options``: ``read_csv``'s; None for JSON Lines), or the
    ``InputError`` that says why it cannot be read."""
    try:
        if fmt == "jsonl":
            return _read_jsonl(io.BytesIO(data) if isinstance(data, bytes) else data, compression, where)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(io.BytesIO(data) if isinstance(data, bytes) else data, **options)
        if any(RAGGED_WARNING in str(w.message) for w in caught):  # index_col=False cut long rows
            raise ragged_error(data, sep, where, header=header) or InputError(f"{where} has rows longer than its header.")
        return frame
    except pd.errors.EmptyDataError:
        raise InputError(f"{where} is empty.") from None
    except pd.errors.ParserError as e:
        raise ragged_error(data, sep, where, header=bool(header)) or InputError(
            f"{where} is not a well-formed {fmt.upper()} table: {_first_line(e)}"
        ) from None
    except UnicodeDecodeError as e:
        raise InputError(f"{where} is not UTF-8 text (byte {e.start}: {e.reason}).") from None
    except (ValueError, OSError, EOFError) as e:
        raise InputError(f"Cannot read {where} as {fmt.upper()}: {_first_line(e)}") from None


def _header_names(names: list[str], source: Any, sep: str, where: str) -> list[str]:
    """The column names of a text table's header without surrounding spaces (``pred, target``
    names ``target``), refused when a name repeats: pandas would rename a second ``pred`` to
    ``pred.1``, so such a name sends us back to the header's own text."""
    names = [n.strip() for n in names]
    mangled = any(_MANGLED.fullmatch(n) and _MANGLED.fullmatch(n)[1] in names for n in names)
    if mangled and (isinstance(source, (bytes, bytearray)) or (isinstance(source, str) and os.path.isfile(source))):
        raw = [c.strip() for c in _first_record(source, sep)]
        if len(raw) == len(names):
            cols.distinct_names(raw, where)
    return cols.distinct_names(names, where)


_MANGLED = re.compile(r"(.+)\.\d+")


def trim_blank_tail(data: bytes) -> bytes:
    """``data`` without the blank lines after its last line (they are no rows).

    >>> trim_blank_tail(b"a\\n1\\n\\n \\n"), trim_blank_tail(b"a\\n1 \\n"), trim_blank_tail(b"a\\n1")
    (b'a\\n1\\n', b'a\\n1 \\n', b'a\\n1')
    """
    end = data.find(b"\n", len(data.rstrip()))
    return data if end < 0 else data[: end + 1]


_EDGE_BYTES = 1 << 16  # how far blank lines at the start of a file are looked for


def _leading_blank_lines(source: Any) -> int:
    """Blank lines before the first line of ``source`` (a path or bytes; 0 for a pipe): pandas,
    which keeps blank lines as rows, is told to skip them."""
    if isinstance(source, (bytes, bytearray)):
        head = bytes(source[:_EDGE_BYTES])
    elif isinstance(source, str) and os.path.isfile(source):
        try:
            with _text(source) as fh:
                head = fh.read(_EDGE_BYTES).encode("utf-8", "replace")
        except (OSError, UnicodeDecodeError):
            return 0
    else:
        return 0
    head = head.removeprefix(b"\xef\xbb\xbf")
    lines = head.split(b"\n")
    return next((i for i, line in enumerate(lines[:-1]) if line.strip()), 0)


def _trailing_blank_lines(source: Any, compression: str | None) -> int:
    """Blank lines after the last line of the file ``source`` (read again only when the table's
    last row is empty: they are no rows), counted as the file is read, a block at a time."""
    from pandas.io.common import get_handle

    after = 0  # newlines after the last character that is not a space
    try:
        with get_handle(source, "rb", compression=compression or "infer", is_text=False) as handle:
            while block := handle.handle.read(1 << 20):
                kept = len(block.rstrip())
                after = block.count(b"\n", kept) if kept else after + block.count(b"\n")
    except (OSError, EOFError, ValueError):
        return 0
    return max(after - 1, 0)  # the first ends the last line


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


# ---------------------------------------------------------------------------- headers
# A first line of numbers only is a row of data (np.savetxt writes no header): the table is
# headerless and its columns are 1-based indices. One first line is a real doubt: 0, 1, ..., k-1
# is pandas' default column names (``DataFrame.to_csv`` of an unnamed frame) as well as a row of
# integers, so it is an error asking for --header or --no-header.

_NUMBER = re.compile(r"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)\s*", re.IGNORECASE)
_FIRST_LINE_BYTES = 1 << 16  # enough of the first line to see a number that is not one


def header_of(source: Any, sep: str, where: str) -> tuple[bool, str | None]:
    """(whether the first line of ``source`` holds column names, a note when it does not)."""
    cells = _first_record(source, sep)
    if not _numbers(cells):
        return True, None
    if [c.strip() for c in cells] == [str(i) for i in range(len(cells))]:
        shown = ",".join(cells) if len(cells) <= 4 else f"0,1,..,{len(cells) - 1}"
        raise UsageError(f"Cannot tell whether the first line of {where} ({shown}) is column names or data: pass --header or --no-header.")
    named = "its column is 1" if len(cells) == 1 else f"columns are 1..{len(cells)}"
    return False, f"{where} has no header row (its first line is numbers): {named}; pass --header if that line names them."


def _numbers(cells: list[str]) -> bool:
    return bool(cells) and all(_NUMBER.fullmatch(c) for c in cells)


def shard_differs(where: str, columns: list[str], headed: bool, first: str, first_columns: list[str], source: Any = None, sep: str | None = None) -> InputError:
    """The error for a file of a glob whose columns are not those of the ``first`` file: said as a
    missing header when its first line is numbers (``headed`` False, or ``source`` shows it)."""
    if not headed or (source is not None and sep is not None and _numbers(_first_record(source, sep))):
        return InputError(f"{where} has no header row (its first line is numbers), but {first} has one ({cols.describe(first_columns)}): give every file the same header.")
    return InputError(f"{where} has columns {columns}, but {first} has {first_columns}.")


def _read_all(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _first_record(source: Any, sep: str) -> list[str]:
    """The fields of the first non-blank record of ``source`` (a path, bytes or BytesIO), read
    from its first ``_FIRST_LINE_BYTES`` characters (without the last field when the record is
    longer; [] when it cannot tell: a header is assumed)."""
    try:
        with _text(source) as text:
            head = text.read(_FIRST_LINE_BYTES)
    except (OSError, UnicodeDecodeError):
        return []
    cut = len(head) == _FIRST_LINE_BYTES and "\n" not in head.lstrip()
    if sep == r"\s+":
        lines = (line.split() for line in head.splitlines())
    elif len(sep) == 1:
        lines = csv.reader(io.StringIO(head, newline=""), delimiter=sep)
    else:
        lines = (re.split(sep, line) for line in head.splitlines())
    try:
        for fields in lines:
            if fields and not (len(fields) == 1 and not fields[0].strip()):
                return list(fields)[:-1] if cut else list(fields)
    except (csv.Error, re.error):
        pass
    return []


def _read_jsonl(data: Any, compression: str | None, where: str) -> pd.DataFrame:
    """JSON Lines with every number read exactly: pandas' JSON parser with ``precise_float`` (its
    default parser misreads about one 17-digit value in five by an ulp or more) and no type
    conversion (``dtype=False``: no column is ever read as dates, whatever its name), and Python's
    ``json`` for the files it refuses (``_JSON_REFUSALS``: subnormal numbers, integers past
    the 64-bit ranges)."""
    _first_keys_distinct(data, compression, where)
    try:
        return pd.read_json(data, lines=True, compression=compression or "infer", precise_float=True, **_JSON_OPTIONS)
    except ValueError as e:
        if not any(refusal in str(e) for refusal in _JSON_REFUSALS):
            raise
    from pandas.io.common import get_handle

    if isinstance(data, io.BytesIO):
        data.seek(0)
    with get_handle(data, "r", compression=compression or "infer", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle.handle if line.strip()]
    return pd.DataFrame.from_records(records)


def _first_keys_distinct(data: Any, compression: str | None, where: str) -> None:
    """Refuse a first JSON line whose object names a key twice (pandas, like ``json``, keeps the
    last value silently). Only the first line is read again (a pipe is not)."""
    from pandas.io.common import get_handle

    if not isinstance(data, io.BytesIO) and not (isinstance(data, str) and os.path.isfile(data)):
        return
    keys: list[str] = []
    try:
        with get_handle(data, "r", compression=compression or "infer", encoding="utf-8") as handle:
            line = next((line for line in handle.handle if line.strip()), "")
            json.loads(line, object_pairs_hook=lambda pairs: keys.__setitem__(slice(None), [k for k, _ in pairs]))  # the outermost object comes last
    except (ValueError, OSError, EOFError, RecursionError):
        return  # the read itself reports it
    finally:
        if isinstance(data, io.BytesIO):
            data.seek(0)
    cols.distinct_names(keys, where)


_JSON_REFUSALS = ("Range error", "Value is too big", "Value is too small")

# pandas < 3.1 converts date-like columns (``modified``, ``*_at``, ...) even with dtype=False;
# from 3.1 these keywords are deprecated and dtype=False alone turns every conversion off
_JSON_OPTIONS: dict[str, Any] = {"dtype": False}
if tuple(int(p) for p in re.findall(r"\d+", pd.__version__)[:2]) < (3, 1):
    _JSON_OPTIONS.update(convert_dates=False, keep_default_dates=False)


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
    row, last, comment = 0, max(rows) if rows else None, ""
    try:
        for fields in records:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                row += expected is not None  # a blank line: a row of empty cells, after the first line
                continue
            if expected is None:
                expected = len(fields)
                if header:
                    if fields[0].lstrip().startswith("#"):  # np.savetxt(header=...) writes '# a b'
                        comment = "; the header starts with '#' (a comment line, as np.savetxt writes it): remove its '#' (or the whole line)"
                    continue
            row += 1
            if len(fields) != expected and (rows is None or row in rows):
                s = "" if len(fields) == 1 else "s"
                like = "the header" if header else "row 1"
                return InputError(f"{where}: row {offset + row} has {len(fields)} field{s}, expected {expected} as in {like}{comment}.")
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
            raise shard_differs(t.where, t.columns, t.header or not tables[0].header, tables[0].where, first)
    texts, first = [], 0
    for t in tables:
        texts += [(first + f, s, o) for f, s, o in t.texts]
        first += len(t)
    return Table(pd.concat([t.frame for t in tables], ignore_index=True), where, header=tables[0].header, texts=texts)


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


# ---------------------------------------------------------------------------- streamed pieces
# A streamed file (readers/stream/csv.py) is cut at record boundaries into pieces of bytes: the
# first piece (header included) is parsed by read_table, every later one by parse_piece (safe to
# run on worker threads: the C parser releases the GIL) and then checked by piece_table, in
# order, once the rows and lines before the piece are known, so that errors name absolute rows.


def parse_piece(data: bytes, fmt: str, *, ncols: int, delimiter: str | None) -> tuple[Any, BaseException | None, bool]:
    """Parse a headerless piece with read_table's options: (frame, error, ragged).

    Thread-safe (no ``warnings.catch_warnings``): the one row pandas would silently cut, a
    first row longer than the header, is looked for first (then ``ragged`` is True). pandas'
    public ``read_csv`` on the piece's bytes: measured against pyarrow's CSV readers and pandas'
    own chunked reader on a 2M-row file, it is the fastest public reader of pieces here (README,
    Performance).
    """
    sep = separator(fmt, delimiter)
    if _first_row_fields(data, sep) > ncols:
        return None, None, True
    try:
        frame = pd.read_csv(io.BytesIO(data), **_piece_options(sep, ncols))
    except pd.errors.EmptyDataError:  # only blank lines
        frame = pd.DataFrame({i: np.empty(0) for i in range(ncols)})
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        return None, e, False
    return frame, None, False


def _piece_options(sep: str, ncols: int) -> dict[str, Any]:
    return dict(
        sep=sep,
        header=None,
        names=list(range(ncols)),
        index_col=False,
        keep_default_na=False,
        na_values=_NA,
        skip_blank_lines=False,  # a blank line is a row of empty cells (read_table)
        encoding="utf-8",
        low_memory=False,
    )


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
    return Table(frame, where, offset, texts=[(0, data, _piece_options(sep, len(columns)))])


def _piece_ragged(
    data: bytes, sep: str, where: str, expected: int, *, header: bool, offset: int, rows: set[int] | None = None
) -> InputError | None:
    """ragged_error for a piece: the first row (among ``rows``, 1-based in the piece) whose field
    count is not ``expected``, named by its row in the file."""
    if sep != r"\s+" and len(sep) != 1:
        return None
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    return _first_ragged(text, sep, where, expected, header=header, offset=offset, rows=rows)
