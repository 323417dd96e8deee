"""Row ranges of streamed inputs, each read on its own: the partitions of ``--engine dask``.

``plan(loaded)`` describes the lazy inputs of ``load_inputs(..., lazy=True)`` (``readers.stream``)
as picklable sources that any process seeing the same files can read, by absolute path:

- ``NpySource``: NPY files and NPZ members, any row range (seek and ``readinto``; a compressed file or
  member is decompressed up to the range);
- ``ParquetSource``: the row groups that overlap a range, only the selected columns;
- ``CsvSource``: byte ranges ("units") of CSV/TSV/TXT files cut at record boundaries by one scan
  of each file (quotes respected; compressed files are one unit). A unit's rows are known once it
  is parsed, so reading a range of rows needs the counts of the units before it (``counts``);
- ``MemorySource``: an input read whole (JSONL, Fortran-ordered NPY, ...), sliced.

``Plan.read(lo, hi)`` is the ``Chunk`` of rows ``lo .. hi - 1`` of every input, with the
selections of ``load_inputs`` applied (the same ``Ref``s); errors name rows of the whole input,
as the in-process readers do. ``Plan.read_unit(i, ...)`` reads unit ``i`` of a CSV input alone
(when its row offsets are not needed up front).
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.errors import InputError, ShapeError
from losscli.readers.stream import align
from losscli.readers.stream.base import Chunk, Column, MemoryStream, Ref, positions
from losscli.readers.stream.csv import CsvStream
from losscli.readers.stream.files import cannot_read, decompressed, readinto
from losscli.readers.stream.npy import ArrayStream, NpyPart, Pipe, npy_header
from losscli.readers.stream.parquet import ParquetStream

PARTITION_BYTES = 32 << 20  # input bytes per partition by default (CSV text, NPY data, Parquet values)
_SCAN = 4 << 20  # bytes per read when a CSV file is scanned for record boundaries


# ---------------------------------------------------------------------------- sources


@dataclass
class NpySource:
    """NPY files or NPZ members (the files of a glob, in order), any row range."""

    parts: list[NpyPart]

    @property
    def rows(self) -> int:
        return sum(p.shape[0] for p in self.parts)

    @property
    def row_bytes(self) -> int:
        p = self.parts[0]
        return int(np.prod(p.shape[1:], dtype=np.int64)) * p.dtype.itemsize

    def files(self) -> list[str]:
        return list(dict.fromkeys(p.path for p in self.parts))

    def read(self, lo: int, hi: int) -> list[np.ndarray]:
        out, base = [], 0
        for part in self.parts:
            n = part.shape[0]
            a, b = max(lo - base, 0), min(hi - base, n)
            if a < b:
                out.append(self._range(part, a, b))
            base += n
        return out

    def _range(self, part: NpyPart, a: int, b: int) -> np.ndarray:
        tail = part.shape[1:]
        block = np.empty((b - a, *tail), dtype=part.dtype)
        view = memoryview(block).cast("B") if block.size else memoryview(b"")
        row_bytes = len(view) // max(b - a, 1)
        try:
            if part.compression is not None:  # decompressed from its start
                pipe = Pipe(part.path, part.compression, False)
                pipe.skip(part.offset + a * row_bytes)
                got = pipe.readinto(view)
                pipe.close(drain=False)
            elif part.member is None:
                with open(part.path, "rb", buffering=0) as fh:
                    fh.seek(part.offset + a * row_bytes)
                    got = readinto(fh, view)
            else:
                import zipfile

                with zipfile.ZipFile(part.path) as zf, zf.open(part.member) as fh:
                    npy_header(fh)
                    skip = a * row_bytes
                    while skip:  # a compressed member is read from its start
                        data = fh.read(min(skip, 1 << 20))
                        if not data:
                            break
                        skip -= len(data)
                    got = readinto(fh, view)
        except OSError as e:
            raise InputError(f"Cannot read {part.where}: {e.strerror or e}") from None
        if got != len(view):
            raise InputError(f"{part.where} is not a valid NPY file: it ends before its data ({part.shape} {part.dtype}).")
        return block


@dataclass
class ParquetSource:
    """Parquet files (the files of a glob): the row groups overlapping a range, the selected
    columns only."""

    paths: list[str]
    names: list[str]
    columns: list[str]
    row_groups: list[list[int]]
    positions: list[int]

    @property
    def rows(self) -> int:
        return sum(sum(g) for g in self.row_groups)

    @property
    def row_bytes(self) -> int:
        return 8 * max(len(self.positions), 1)

    def files(self) -> list[str]:
        return list(self.paths)

    def group_bounds(self) -> list[int]:
        """Row numbers where row groups start (and the end)."""
        out = [0]
        for groups in self.row_groups:
            for n in groups:
                if n:
                    out.append(out[-1] + n)
        return out

    def read(self, lo: int, hi: int) -> list[Any]:
        from losscli.readers.parquet import read_rows

        out, base = [], 0
        for path, name, groups in zip(self.paths, self.names, self.row_groups):
            start, picked, first = base, [], None
            for g, n in enumerate(groups):
                if n and start < hi and start + n > lo:
                    picked.append(g)
                    first = start if first is None else first
                start += n
            if picked:
                table = read_rows(path, self.columns, self.positions, picked, name, first)
                out.append(table.slice(max(lo - first, 0), min(hi, first + len(table)) - first))
            base = start
        return out


@dataclass
class CsvUnit:
    """Bytes ``start .. stop - 1`` of file ``file``: whole records; ``lines`` newlines before
    ``start``; ``first``: the file's header is in it; ``whole``: a compressed file, read whole."""

    file: int
    start: int
    stop: int
    lines: int
    first: bool
    whole: bool = False


@dataclass
class CsvSource:
    """CSV/TSV/TXT files (the files of a glob) in units of whole records."""

    paths: list[str]
    names: list[str]
    where: str
    fmt: str
    compression: str | None
    header: bool
    delimiter: str | None
    columns: list[str]
    row_bytes: float  # of text per row, in the first piece
    units: list[CsvUnit] = field(default_factory=list)
    counts: list[int] | None = None  # rows of each unit, once counted

    @property
    def rows(self) -> int | None:
        return None if self.counts is None else sum(self.counts)

    def files(self) -> list[str]:
        return list(self.paths)

    def unit_bounds(self) -> list[int]:
        """Row numbers where units start (and the end), once counted."""
        out = [0]
        for n in self.counts or []:
            out.append(out[-1] + n)
        return out

    def offsets(self, i: int) -> tuple[int, int]:
        """(rows before unit ``i`` in its file, rows before it in the input), once counted."""
        bounds = self.unit_bounds()
        first = next(j for j in range(i + 1) if self.units[j].file == self.units[i].file)
        return bounds[i] - bounds[first], bounds[i]

    def read(self, lo: int, hi: int) -> list[Any]:
        bounds = self.unit_bounds()
        out = []
        for i in range(len(self.units)):
            a, b = bounds[i], bounds[i + 1]
            if a < hi and b > lo and b > a:
                table = self.read_unit(i, *self.offsets(i))
                if lo > a or hi < b:
                    table = _slice_table(table, max(lo - a, 0), min(hi, b) - a)
                out.append(table)
        return out

    def read_unit(self, i: int, in_file: int, base: int) -> Any:
        """Unit ``i`` parsed: a ``Table`` whose errors name rows ``in_file`` (of its file) and
        ``base`` (of the input) onwards, as the streamed reader's pieces do."""
        from losscli.readers.tabular import parse_piece, piece_table, read_table, separator, shard_differs, trim_blank_tail

        u = self.units[i]
        path, name = self.paths[u.file], self.names[u.file]
        if u.whole:
            data = _decompressed(path, name, self.compression)
        else:
            try:
                with open(path, "rb") as fh:
                    fh.seek(u.start)
                    data = fh.read(u.stop - u.start)
            except OSError as e:
                raise InputError(f"Cannot read {name}: {e.strerror or e}") from None
        last = u.whole or i + 1 == len(self.units) or self.units[i + 1].file != u.file
        if last:
            data = trim_blank_tail(bytes(data))  # blank lines at the end of a file are no rows
        if u.first or u.whole:
            try:
                table = read_table(data, self.fmt, name, header=self.header, delimiter=self.delimiter, ends_file=last)
            except InputError as e:  # a headerless file among headed ones: its one line read as a header
                if u.file and self.header and "has no data rows" in str(e):
                    raise shard_differs(name, [], True, self.names[0], self.columns, data, separator(self.fmt, self.delimiter)) from None
                raise
            if table.columns != self.columns:
                raise shard_differs(name, table.columns, True, self.names[0], self.columns, data if self.header else None, separator(self.fmt, self.delimiter))
        else:
            parsed = parse_piece(data, self.fmt, ncols=len(self.columns), delimiter=self.delimiter)
            table = piece_table(
                parsed, data, self.fmt, name, columns=self.columns, delimiter=self.delimiter,
                header=self.header, offset=in_file, lines_before=u.lines, bytes_before=u.start,
            )  # fmt: skip
        table.where, table.offset = self.where, base
        return table


@dataclass
class MemorySource:
    """An input read whole: sliced."""

    array: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.array)

    @property
    def row_bytes(self) -> int:
        a = self.array
        return a.itemsize * int(np.prod(a.shape[1:], dtype=np.int64)) if a.ndim else a.itemsize

    def files(self) -> list[str]:
        return []

    def read(self, lo: int, hi: int) -> list[np.ndarray]:
        return [self.array[lo:hi]]


def _decompressed(path: str, name: str, compression: str) -> bytes:
    """A compressed file's text, through the streamed reader's (capped) decompressor."""
    try:
        with open(path, "rb", buffering=0) as raw:
            return decompressed(raw, compression, name)
    except OSError as e:
        raise cannot_read(name, e) from None


def _slice_table(table: Any, a: int, b: int) -> Any:
    out = copy.copy(table)
    out.frame = table.frame.iloc[a:b]
    out.offset = table.offset + a
    out.texts = [(f - a, s, o) for f, s, o in table.texts]
    return out


# ---------------------------------------------------------------------------- the plan


@dataclass
class Plan:
    """Every input of an evaluation as sources, and what ``load_inputs`` selected from each:
    ``members`` are (column, source index, selection), columns as ``stream.keyed`` gives them
    (roles, and the weight, id and group columns); ``described``: how errors name them."""

    sources: list[Any]
    members: list[tuple[Column, int, Ref | None]]
    described: dict[Column, str] = field(default_factory=dict)
    shared: frozenset[str] = frozenset()  # roles whose one row may stand for every row (read whole only)

    def unknown(self) -> list[int]:
        """The sources whose row counts are not known yet (CSV before counting)."""
        return [i for i, s in enumerate(self.sources) if s.rows is None]

    def read(self, lo: int, hi: int) -> Chunk:
        """Rows ``lo .. hi - 1`` of every input (every source's rows must be known)."""
        pieces = {i: s.read(lo, hi) for i, s in enumerate(self.sources) if any(m[1] == i for m in self.members)}
        return self._chunk(pieces, lo)

    def read_unit(self, source: int, unit: int, in_file: int = 0, base: int = 0) -> Chunk:
        """Unit ``unit`` of CSV source ``source``, the only source of the plan, alone."""
        return self._chunk({source: [self.sources[source].read_unit(unit, in_file, base)]}, base)

    def _chunk(self, pieces: dict[int, list[Any]], first: int) -> Chunk:
        block: dict[Column, np.ndarray] = {}
        for key, i, ref in self.members:
            got = [p if ref is None else ref.get(p) for p in pieces[i]]
            block[key] = got[0] if len(got) == 1 else np.concatenate(got) if got else np.zeros(0)
        return Chunk.of(block, first)

    def check_rows(self) -> int:
        """The common row count of the inputs, or the whole-read error naming each count."""
        counts = {key: self.sources[i].rows for key, i, _ in self.members}
        if len({n for k, n in counts.items() if k.kind != "pair"}) > 1:  # ids: their tables' counts
            one = [k for k, n in counts.items() if k.kind == "role" and k.name in self.shared and n == 1]
            if one:
                raise ShapeError(
                    f"{self.described.get(one[0], one[0].label())} has 1 row, which stands for every row with --engine local "
                    "but not with --engine dask: pass --engine local, or one row per row."
                )
            raise align.row_counts_error(counts, self.described, self.shared)
        return next((n for k, n in counts.items() if k.kind != "pair"), 0)

    def partitions(self, chunk_rows: int | None) -> list[tuple[int, int]]:
        """Row ranges ``[lo, hi)`` covering every row: a CSV input's units, else a Parquet
        input's row groups (grouped to about ``chunk_rows`` rows), else ranges of ``chunk_rows``
        (by default about ``PARTITION_BYTES`` of input each)."""
        total = self.check_rows()
        csv = [s for s in self.sources if isinstance(s, CsvSource)]
        if csv:
            bounds = csv[0].unit_bounds()
        else:
            row_bytes = sum(getattr(s, "row_bytes", 8) for s in self.sources)
            target = chunk_rows or max(1, PARTITION_BYTES // max(row_bytes, 1))
            pq = [s for s in self.sources if isinstance(s, ParquetSource)]
            bounds = _group_bounds(pq[0], target, total) if pq else [0, *range(target, total, target), total]
        bounds = sorted(set(bounds) | {total})
        return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _group_bounds(source: "ParquetSource", target: int, total: int) -> list[int]:
    """Row numbers where partitions of whole row groups of about ``target`` rows start."""
    bounds = [0]
    for b in source.group_bounds()[1:]:
        if b - bounds[-1] >= target or b == total:
            bounds.append(b)
    return bounds


def plan(loaded: Any, chunk_rows: int | None = None) -> tuple[Plan, list[Any]]:
    """The ``Plan`` of a lazy ``Loaded``, and beside it the lazy streams of its sources (None for
    inputs read whole), for the digests of ``fill_digests``. ``chunk_rows`` sets the size of a
    CSV input's units (about that many rows; by default ``PARTITION_BYTES`` of text)."""
    sources: list[Any] = []
    streams: list[Any] = []
    index: dict[int, int] = {}
    members: list[tuple[Column, int, Ref | None]] = []
    for key, value in align.keyed(loaded):
        if isinstance(value, Ref):
            stream = value.stream
            if id(stream) not in index:
                index[id(stream)] = len(sources)
                sources.append(_source(stream, chunk_rows))
                streams.append(stream)
            ref = Ref(None, value.op, value.arg, value.cast)  # picklable: the stream stays here
            members.append((key, index[id(stream)], ref))
        else:
            sources.append(MemorySource(np.asarray(value)))
            streams.append(None)
            members.append((key, len(sources) - 1, None))
    for i, source in enumerate(sources):
        if isinstance(source, ParquetSource):
            source.positions = positions((k, ref) for k, j, ref in members if j == i)
    described = {key: align.describe(key, loaded) for key, _, _ in members}
    return Plan(sources, members, described), streams


def _source(stream: Any, chunk_rows: int | None) -> Any:
    if isinstance(stream, ArrayStream):
        parts = [NpyPart(os.path.abspath(p.path), p.where, p.shape, p.dtype, p.offset, p.key, p.member, p.compression) for p in stream.parts]
        return NpySource(parts)
    if isinstance(stream, ParquetStream):
        return ParquetSource([os.path.abspath(p) for p in stream.paths], list(stream.paths), stream.columns, stream.row_groups, [])
    if isinstance(stream, CsvStream):
        return _csv_source(stream, chunk_rows)
    if isinstance(stream, MemoryStream):
        return MemorySource(stream.array)
    raise InputError(f"--engine dask cannot read this input ({type(stream).__name__}).")


def _csv_source(stream: CsvStream, chunk_rows: int | None) -> "CsvSource":
    """The units of a CSV input: byte ranges of each file (a compressed file is one unit)."""
    stream.release()  # the plan reads by path
    target = max(1, int(chunk_rows * stream.row_bytes)) if chunk_rows else PARTITION_BYTES
    source = CsvSource(
        [os.path.abspath(p) for p in stream.paths], list(stream.paths), stream.source.where, stream.fmt,
        stream.compression, stream.first_header, stream.delimiter, list(stream.columns), stream.row_bytes,
    )  # fmt: skip
    for f, path in enumerate(stream.paths):
        if stream.compression is not None:
            source.units.append(CsvUnit(f, 0, 0, 0, True, whole=True))
            continue
        for k, (start, stop, lines) in enumerate(_scan(path, target, stream.first_bytes if f == 0 else 0, 2 if stream.first_header else 1)):
            source.units.append(CsvUnit(f, start, stop, lines, first=k == 0))
    return source


def _scan(path: str, target: int, first_min: int, min_records: int) -> list[tuple[int, int, int]]:
    """(start, stop, newlines before start) of units of about ``target`` bytes of a CSV file,
    each ending after a newline outside quotes; the first at least ``first_min`` bytes and
    ``min_records`` records long (its header and a data row)."""
    units: list[tuple[int, int, int]] = []
    start = lines_start = 0
    pos = parity = lines = records = 0
    try:
        fh = open(path, "rb", buffering=0)  # noqa: SIM115
    except OSError as e:
        raise InputError(f"Cannot read {path}: {e.strerror or e}") from None
    with fh:
        while block := fh.read(_SCAN):
            arr = np.frombuffer(block, dtype=np.uint8)
            nl = np.flatnonzero(arr == 10)
            quotes = arr == 34
            at = None  # positions in ``nl`` of the newlines that end records (None: all)
            if parity or quotes.any():
                # a newline ends a record when the quotes before it pair up ("" counts twice)
                odd = (np.cumsum(quotes, dtype=np.uint8)[nl] + parity) & 1
                at = np.flatnonzero(odd == 0)
                parity = (parity + int(np.count_nonzero(quotes))) & 1
            ends = nl if at is None else nl[at]
            j = 0
            while True:
                want = max(start + target, first_min if not units else 0)
                need = min_records if not units else 1
                k = max(int(np.searchsorted(ends, want - pos - 1)), need - records - 1, j)
                if k >= len(ends):
                    break
                stop = pos + int(ends[k]) + 1
                units.append((start, stop, lines_start))
                start, lines_start = stop, lines + (k if at is None else int(at[k])) + 1
                j = k + 1
            records += len(ends)
            lines += len(nl)
            pos += len(block)
    if pos > start or not units:
        units.append((start, pos, lines_start))
    return units


# ---------------------------------------------------------------------------- digests


def digests(sources: list[Any], alg: str) -> list[str | None]:
    """The digest (algorithm ``alg``) of each source as a whole-file read reports it (of its file,
    or of its files' digests for a glob); None for inputs read whole (their digest is already known)."""
    from losscli import _digest

    out: list[str | None] = []
    for s in sources:
        files = s.files()
        if not files:
            out.append(None)
            continue
        try:
            ds = [_digest.of_file(p, alg) for p in files]
        except OSError as e:
            raise InputError(f"Cannot read {e.filename}: {e.strerror or e}") from None
        out.append(_digest.combine(ds, alg))
    return out


def fill_digests(loaded: Any, streams: list[Any], values: list[str | None]) -> None:
    """Put the digests into the report's input info, where the lazy read left them empty."""
    by_stream = {id(s): d for s, d in zip(streams, values) if s is not None}
    align.fill_digests(loaded, [s for s in streams if s is not None], by_stream)
