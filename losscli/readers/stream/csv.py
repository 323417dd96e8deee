"""CSV/TSV/TXT tables (plain or compressed files, stdin, the files of a glob) as a stream of pieces.

The first piece of each file (its header, with whole-file semantics: ``tabular.read_table``) is
parsed when the file opens, so selections know the columns. The rest of a regular file whose
columns are all float64 is read by pyarrow's streaming CSV reader (``csv_arrow``) for as long as
it reads it as pandas would. Otherwise, and from the first row pyarrow does not accept, the bytes
are cut at record boundaries (a newline outside quotes) into pieces of about N rows, parsed by
pandas' public ``read_csv`` on worker threads (its C parser releases the GIL), a few pieces
ahead, and checked in order: errors name absolute rows and lines, as a whole-file read does.

The digest of an uncompressed file is taken from the bytes as they are handed on (or by the job
``losscli._prefetch`` started with the command), and from the file's descriptor on a thread for
the bytes pyarrow reads; of a compressed file, from its bytes as read.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli import _digest, _prefetch
from losscli.errors import InputError
from losscli.readers.stream.base import Column, Members, select
from losscli.readers.stream.base import positions as selected_columns
from losscli.readers.stream.files import AsyncHash, Hashing, cannot_read, decompressor, readinto

FIRST_PIECE = 1 << 20  # bytes of a table parsed with its header when the stream opens
MIN_PIECE = 1 << 16  # bytes of a table's later pieces, at least (and read past a cut point)
AHEAD = 2 * max(1, min(4, os.cpu_count() or 1))  # pieces read (and parsed on worker threads) ahead of the one consumed


class CsvStream:
    """A CSV/TSV/TXT table (or the files of a glob) in pieces cut at record boundaries.

    Parse errors name the file and its row or line; value errors the input (the glob) and the
    row across its files, as a whole-file read does. ``row_bytes``: bytes of text per row in
    the first piece; ``header``: whether the open file starts with column names; ``note``: the
    line for the user when that was decided from the data."""

    info: dict[str, Any] | None = None
    tabular = True

    def __init__(self, paths: list[str], source: Any, *, header: bool | None, delimiter: str | None, hash_inputs: str | None) -> None:
        self.paths, self.source = paths, source
        self.fmt, self.compression = source.fmt, source.compression
        self.delimiter, self.hash_inputs = delimiter, hash_inputs
        self._header = header  # as asked (None: each file's first line decides); ``header``: the open file's
        self.digests: list[str] = []
        self._open_file(0)
        self.columns = self._first.columns
        self.note = self._first.note
        self.first_header = self.header  # the first file's (a later file's columns are checked against it)
        self.first_bytes = self._consumed  # of text in the first piece (its header and first rows)
        self.row_bytes = self._consumed / max(len(self._first), 1)

    def _open_file(self, index: int) -> None:
        path = self.paths[index]
        self._index = index
        self.where = "<stdin>" if path == "-" else path
        # the job hashing the file since the command started (losscli._prefetch), else a hash of the bytes read
        self._hash = (_prefetch.claim(path, self.hash_inputs) or AsyncHash(self.hash_inputs)) if self.hash_inputs else None
        try:
            raw = sys.stdin.buffer if path == "-" else open(path, "rb", buffering=0)  # noqa: SIM115
        except OSError as e:
            raise cannot_read(path, e) from None
        if self.compression is None:  # the pieces are the file's bytes: they are hashed as consumed
            self._raw, self._src = None, raw
        else:  # the compressed bytes are hashed as read
            self._raw = Hashing(raw, self._hash)
            self._src = decompressor(self._raw, self.compression, path)
        self._file = raw
        self._carry = b""
        self._eof = False
        self._consumed = 0  # bytes of (decompressed) text before the next piece
        self._whole = False  # whether the digest of an uncompressed file covers it whole (pyarrow read it)
        self._unhashed: bytes | None = None  # the first piece, until the digest's source is chosen
        self._lines = 0  # newlines before the next piece
        self._first = self._first_piece()
        self._dtypes = [str(t) for t in self._first.frame.dtypes]  # which columns pyarrow may read (csv_arrow)

    def release(self) -> None:
        """Close the file opened for the header, unread (its rows are read elsewhere: Dask)."""
        try:
            if self.paths[0] != "-":
                self._file.close()
            if self._hash is not None:
                self._hash.hexdigest()  # ends its thread
        except OSError:
            pass

    def _consume(self, data: Any) -> None:
        """Account for a piece handed on (its bytes, for the digest of an uncompressed file
        unless that covers the whole file: pandas reading on after pyarrow)."""
        self._consumed += len(data)
        if self._raw is None and self._hash is not None and not self._whole:
            self._hash.update(data)

    def _hash_first(self) -> None:
        """Hand the first piece to the digest of an uncompressed file (unless the rows after it
        were read by pyarrow, whose digest covers the whole file: ``_arrow_rows``)."""
        if self._unhashed is not None:
            data, self._unhashed = self._unhashed, None
            if self._raw is None and self._hash is not None:
                self._hash.update(data)

    def _close_file(self, index: int) -> None:
        if self._raw is not None:
            self._raw.drain()  # the digest covers the whole compressed file
        if self.paths[index] != "-":
            self._file.close()
        if self._hash is not None:
            self.digests.append(self._hash.hexdigest())

    def _first_piece(self) -> Any:
        """The header and the first rows, parsed by read_table (whole-file semantics)."""
        from losscli.readers.tabular import read_table

        want = FIRST_PIECE
        while True:
            data, more = self._cut(want, min_lines=1 if self._header is False else 2, first=True)
            data = bytes(data)
            try:
                table = read_table(data, self.fmt, self.where, header=self._header, delimiter=self.delimiter, ends_file=not more)
            except InputError as e:
                if more and "has no data rows" in str(e):  # blank lines after the header: read on
                    self._carry = data + self._carry
                    want *= 2
                    continue
                raise
            self._consumed += len(data)
            self._unhashed = data  # hashed once the rest's reader is chosen (``_hash_first``)
            self._lines += data.count(b"\n")
            self.header = table.header
            return table

    def _cut(self, want: int, min_lines: int = 1, first: bool = False) -> tuple[memoryview, bool]:
        """A view of the next bytes, up to the first record boundary at or after ``want`` bytes
        (all that is left at the end), and whether more follows. The bytes are read into a new
        buffer and handed on without a copy (only the short tail after the cut is copied).
        A record longer than ``want`` is read in steps that grow with it; for the ``first``
        piece (the header), a first line wider than ``MAX_COLUMNS`` is refused as it is read."""
        buf = self._carry
        while True:
            if self._eof:
                self._carry = b""
                return memoryview(buf), False
            if len(buf) >= want:
                cut = boundary(buf, want, min_lines)
                if cut is not None:
                    view = memoryview(buf)
                    self._carry = bytes(view[cut:])
                    return view[:cut], True
                if first:
                    self._check_width(buf)
            buf = self._grow(buf, want)

    def _check_width(self, buf: bytes) -> None:
        """Refuse a header line wider than ``MAX_COLUMNS`` before it is parsed."""
        from losscli.readers import columns as cols
        from losscli.readers.tabular import first_line_fields, separator

        if first_line_fields(buf, separator(self.fmt, self.delimiter), cols.MAX_COLUMNS) > cols.MAX_COLUMNS:
            raise cols.too_wide(self.where)

    def _grow(self, buf: bytes, want: int) -> bytearray:
        """``buf`` and the next bytes of the file: up to ``want`` and a little past (where the
        record ends); at the end of the file, what is left."""
        size = max(want - len(buf), 0) + max(MIN_PIECE, len(buf) // 2 if len(buf) >= want else 0)
        grown = bytearray(len(buf) + size)
        grown[: len(buf)] = buf
        got = readinto(self._src, memoryview(grown)[len(buf) :])
        if got < size:
            self._eof = True
            del grown[len(buf) + got :]
        return grown

    def pieces(self, rows: int) -> Iterator[Any]:
        """The table's pieces as ``Table``s (rows numbered across files)."""
        return self._pieces(rows, None)

    def selected(self, rows: int, members: Members) -> Iterator[dict[Column, np.ndarray]]:
        """The selections ``members`` of each piece: parsed *and* selected on worker threads."""
        return self._pieces(rows, list(members))

    def _pieces(self, rows: int, members: list | None) -> Iterator[Any]:
        base = 0
        for index in range(len(self.paths)):
            if index:
                self._open_file(index)
                self._check_columns()
            first, self._first = self._first, None
            first.where, first.offset = self.source.where, base
            yield first if members is None else select(first, members)
            counted = [len(first)]  # rows of this file so far
            yield from self._later(rows, members, base, counted)
            self._close_file(index)
            base += counted[0]

    def _check_columns(self) -> None:
        """A later file of a glob must have the first file's columns."""
        if self._first.columns != self.columns:
            from losscli.readers.tabular import shard_differs

            raise shard_differs(self.where, self._first.columns, self._first.header or not self.first_header, self.paths[0], self.columns)

    def _later(self, rows: int, members: list | None, base: int, counted: list[int]) -> Iterator[Any]:
        """The open file's pieces after its first, parsed on worker threads ``AHEAD`` at a time
        and checked here in order (``counted[0]``: the file's rows so far, updated)."""
        from losscli import _threads

        want = max(MIN_PIECE, int(rows * self.row_bytes))
        if members is not None:
            yield from self._arrow_rows(members, want, counted)
        self._hash_first()
        pool, pending, more = _threads.shared(), deque(), True
        job = (self.fmt, self.columns, self.delimiter, self.header, self.source.where, members)
        while more and len(pending) < AHEAD:
            more = self._submit(pool, pending, want, job)
        while pending:
            fut, data, bytes_before = pending.popleft()
            parsed, newlines, n, selected = fut.result()
            if selected is None:  # a bad piece (or Tables asked for): check it here, rows known
                table = self._checked(parsed, data, counted[0], bytes_before)
                table.where, table.offset = self.source.where, base + counted[0]
                n, selected = len(table), table if members is None else select(table, members)
            del data
            self._lines += newlines
            counted[0] += n
            if more:
                more = self._submit(pool, pending, want, job)
            yield selected

    def _arrow_rows(self, members: list, want: int, counted: list[int]) -> Iterator[Any]:
        """The open file's rows read by pyarrow (``csv_arrow``) when all its columns are
        float64, for as long as it reads them as pandas would; pandas goes on from the first
        row it did not accept (``counted[0]``: the file's rows so far, updated)."""
        from losscli.readers.stream import csv_arrow
        from losscli.readers.tabular import separator

        sep = separator(self.fmt, self.delimiter)
        fd = self._file.fileno() if self._raw is None and self.paths[self._index] != "-" else None
        if (self._eof and not self._carry) or not csv_arrow.usable(self._dtypes, members, sep, fd):
            return
        start, rows, done = self._consumed, 0, False
        reader = csv_arrow.open_reader(self.paths[self._index], fd, start, len(self.columns), sep, min(want, csv_arrow.BLOCK))
        if reader is None:
            return
        digest = self._whole_digest(fd)
        positions = selected_columns(members)
        try:
            for batch in reader:
                columns = csv_arrow.values(batch, positions)
                if columns is None:
                    break
                rows += batch.num_rows
                counted[0] += batch.num_rows
                yield select(csv_arrow.FloatPiece(columns, batch.num_rows), members)
            else:
                done = True
        except csv_arrow.failures():
            pass
        finally:
            self._resume(fd, start, rows, done, digest)

    def _whole_digest(self, fd: int) -> Any:
        """The digest of a file pyarrow reads, from its first byte, without the bytes handed on:
        the job of ``losscli._prefetch`` hashes it whole by its own reading (begun with the
        command), else a ``RestHash`` thread from the stream's descriptor (returned, to join)."""
        from losscli.readers.stream.csv_arrow import RestHash

        self._unhashed = None
        if self._hash is None:
            return None
        self._whole = True  # no bytes handed on (pandas reading on after pyarrow) are hashed again
        return None if isinstance(self._hash, _prefetch.Job) else RestHash(fd, 0, self._hash)

    def _resume(self, fd: int, start: int, rows: int, done: bool, digest: Any) -> None:
        """After pyarrow: the file read to its end (``done``), or pandas reads on from the row
        after the ``rows`` that pyarrow read from byte ``start``."""
        from losscli.readers.stream import csv_arrow

        if digest is not None:
            try:
                digest.join()
            except OSError as e:
                raise cannot_read(self.where, e) from None
        self._carry = b""
        if done:
            self._eof = True
            return
        self._consumed, newlines = csv_arrow.record_end(fd, start, rows)
        self._lines += newlines
        self._file.seek(self._consumed)
        self._eof = False

    def _checked(self, parsed: Any, data: Any, in_file: int, bytes_before: int) -> Any:
        """The ``Table`` of a parsed piece, or its error with absolute rows and lines."""
        from losscli.readers.tabular import piece_table

        return piece_table(
            parsed, data, self.fmt, self.where, columns=self.columns, delimiter=self.delimiter,
            header=self.header, offset=in_file, lines_before=self._lines, bytes_before=bytes_before,
        )  # fmt: skip

    def _submit(self, pool: Any, pending: deque, want: int, job: tuple) -> bool:
        """Cut the next piece and parse it on a worker; whether more follows."""
        from losscli.readers.tabular import trim_blank_tail

        data, more = self._cut(want)
        if data:
            piece = data if more else trim_blank_tail(bytes(data))  # blank lines at the end are no rows
            pending.append((pool.submit(parse_job, piece, *job), piece, self._consumed))
            self._consume(data)
        return more

    def digest(self) -> str | None:
        if not self.hash_inputs:
            return None
        return _digest.combine(self.digests, self.hash_inputs)


def parse_job(data: bytes, fmt: str, columns: list[str], delimiter: str | None, header: bool, where: str, members: list | None) -> tuple:
    """On a worker thread (pandas and numpy release the GIL): parse a piece, count its newlines
    and, when ``members`` are given, select their arrays. Returns (parsed, newlines, rows,
    selected); ``selected`` is None when the piece must be checked in order (it has an error,
    whose rows are only known there) or when Tables are wanted."""
    from losscli.readers.tabular import parse_piece, piece_table

    parsed = parse_piece(data, fmt, ncols=len(columns), delimiter=delimiter)
    newlines = int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10)) if data else 0
    if members is None or parsed[1] is not None or parsed[2]:
        return parsed, newlines, 0, None
    try:
        table = piece_table(parsed, data, fmt, where, columns=columns, delimiter=delimiter, header=header, offset=0, lines_before=0, bytes_before=0)
        return parsed, newlines, len(table), select(table, members)
    except InputError:  # re-raised in order, with absolute rows
        return parsed, newlines, 0, None


def boundary(buf: bytes, want: int, min_lines: int = 1) -> int | None:
    """The end (after the newline) of the first record ending at or after ``want`` bytes and
    after at least ``min_lines`` newlines, outside quotes; None if ``buf`` has none."""
    if b'"' not in buf:
        return _plain_boundary(buf, want, min_lines)
    # Quoted fields may hold newlines: a newline ends a record when the quotes before it pair up
    # ("" inside a quoted field counts twice, so the parity rule holds for it too).
    arr = np.frombuffer(buf, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    if not len(newlines):
        return None
    odd = np.cumsum(arr == 34, dtype=np.int64)[newlines] & 1
    ends = newlines[odd == 0]
    ends = ends[min_lines - 1 :]
    ends = ends[ends >= want - 1]
    return int(ends[0]) + 1 if len(ends) else None


def _plain_boundary(buf: bytes, want: int, min_lines: int) -> int | None:
    """``boundary`` of bytes without quotes: every newline ends a record."""
    start = want - 1
    if min_lines > 1:
        pos = -1
        for _ in range(min_lines - 1):
            pos = buf.find(b"\n", pos + 1)
            if pos < 0:
                return None
        start = max(start, pos + 1)
    pos = buf.find(b"\n", max(start, 0))
    return None if pos < 0 else pos + 1

