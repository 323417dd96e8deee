"""Streaming inputs: every file read once, in row chunks, all roles aligned by rows.

``load_inputs(..., lazy=True)`` selects roles and columns exactly as a whole-file read does,
but on *lazy* inputs: a ``LazyTable`` knows its header (it has parsed the first piece of the
file) and a ``LazyArray`` its shape and dtype; selecting from them gives ``Ref``s instead of
arrays. ``iter_chunks(loaded, N)`` then reads each file once and yields ``Chunk``s of N rows in
which every role, the weights, the ids and the group columns cover the same rows (about N rows
when everything comes from one table: its pieces are not re-cut). A whole-file ``Loaded``
(plain arrays) is one chunk, or is sliced when N is given: the CLI has one loop for both.

Sources (each one a ``_Stream``, a chunk iterator that a Parquet or Dask reader can join):

- CSV/TSV/TXT, plain or compressed files or stdin: the bytes are cut at record boundaries
  (a newline outside quotes) into pieces of about N rows, parsed by pandas on worker threads
  (the C parser releases the GIL) and checked in order; errors name absolute rows and lines.
- NPY (and NPZ members stored uncompressed): read-only memory-mapped windows of a few blocks
  (``ARRAY_WINDOW_BYTES``), each unmapped when its last block is freed, so resident memory stays
  at a few windows whatever the file size, and no byte is copied.
- NPZ members that are compressed: decompressed block by block.
- NPY from stdin or a compressed file (``_Pipe``): read front to back into blocks, hashed on the way.
- Anything else (JSONL, compressed Parquet, Fortran-ordered arrays): read whole by the normal
  reader and sliced.

stdin and compressed inputs are always streamed (``should_stream``): their size is unknown until
they are read. Decompression, streamed or whole, stops at ``max_member_bytes()`` (``_Checked``).

The digest of each input (``losscli._digest``; the same as a whole-file read) is filled into the report's
input info when the stream ends: a table's from the bytes as they are read (or by
``losscli._prefetch``), an array or Parquet file's by a thread reading the file beside the
reader (``_FileDigests``; a file changed meanwhile is an error).
"""

from __future__ import annotations

import io
import math
import os
import struct
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli import _digest, _prefetch
from losscli.errors import InputError, ShapeError
from losscli.readers import pairing
from losscli.readers.arrays import _HEADER_ERRORS, MAX_MEMBER_ENV, _truncated, max_member_bytes, read_npy

# Inputs larger than this (on disk, together) are streamed: from here on streaming is the faster
# read (a 59 MB CSV: 0.42 s streamed, 0.53 s whole; NPY: a memory map becomes resident as it is read).
AUTO_STREAM_BYTES = 16 << 20
TABLE_CHUNK_ROWS = 1 << 18  # default rows per chunk of a table (at most)
TABLE_CHUNK_BYTES = 3 << 20  # default bytes of text per chunk of a table (~80k rows of pred,target: 6% faster than 2 MB, +10 MB RSS)
ARRAY_CHUNK_BYTES = 1 << 20  # default bytes per chunk of the widest array (128k float64 rows)
ARRAY_WINDOW_BYTES = 4 << 20  # bytes of an NPY file memory-mapped at a time (whole chunks)
_READ = 1 << 20  # bytes per read (draining, hashing)
FIRST_PIECE = 1 << 20  # bytes of a table parsed with its header when the stream opens
MIN_PIECE = 1 << 16  # bytes of a table's later pieces, at least (and read past a cut point)
_AHEAD = 2 * max(1, min(4, os.cpu_count() or 1))  # pieces read (and parsed on worker threads) ahead of the one consumed


@dataclass
class Chunk:
    """Rows ``first_row .. first_row + rows - 1`` (0-based) of every input."""

    arrays: dict[str, np.ndarray]
    weights: np.ndarray | None
    ids: np.ndarray | None
    first_row: int
    groups: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        for a in self.arrays.values():
            return len(a)
        return len(self.weights) if self.weights is not None else 0


# ---------------------------------------------------------------------------- deciding


def input_bytes(paths: list[str]) -> int:
    """Total size on disk of the files named (``PATH[:FORMAT][:SEL]``, globs expanded); stdin
    and paths that cannot be read count 0 (the read itself reports them)."""
    from losscli.errors import LossCliError
    from losscli.readers import _expand, _split_selection

    total = 0
    for text in paths:
        try:
            source = _split_selection(text)[0]
            if source.path != "-":
                total += sum(os.path.getsize(p) for p in _expand(source))
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
    from losscli.errors import LossCliError
    from losscli.readers import _split_selection

    try:
        source = _split_selection(text)[0]
    except (OSError, ValueError, LossCliError):  # the read itself reports it
        return False
    return source.path == "-" or source.compression is not None


def default_chunk_rows(loaded: Any) -> int:
    """Rows per chunk when not given: about ``TABLE_CHUNK_BYTES`` of text for tables, else about
    ``ARRAY_CHUNK_BYTES`` of the widest array (at most ``TABLE_CHUNK_ROWS`` for tables)."""
    row_bytes = 0.0
    tables = False
    for value in _values(loaded):
        stream = value.stream if isinstance(value, Ref) else None
        if isinstance(stream, (_TableStream, _ParquetStream)):
            tables = True
            row_bytes = max(row_bytes, stream.bytes_per_row)
        elif isinstance(stream, _ArrayStream):
            row_bytes = max(row_bytes, stream.row_bytes)
        elif isinstance(value, np.ndarray) and value.ndim:
            row_bytes = max(row_bytes, value.itemsize * int(np.prod(value.shape[1:], dtype=np.int64)))
    if tables:
        return max(1, min(TABLE_CHUNK_ROWS, int(TABLE_CHUNK_BYTES / max(row_bytes, 1.0))))
    return max(1, int(ARRAY_CHUNK_BYTES / max(row_bytes, 1.0)))


def _values(loaded: Any) -> list[Any]:
    return [v for _, v in _keyed(loaded)]


def _keyed(loaded: Any) -> list[tuple[str, Any]]:
    """Everything ``loaded`` holds per row, under one key each (roles keep their names)."""
    out = list(loaded.arrays.items())
    out += [(k, v) for k, v in (("\0weight", loaded.weights), ("\0ids", loaded.ids)) if v is not None]
    out += [("\0group:" + k, v) for k, v in getattr(loaded, "groups", {}).items()]
    out += list(getattr(loaded, "pairs", {}).items())  # ids checked row by row (readers.pairing)
    return out


# ---------------------------------------------------------------------------- lazy inputs


class Ref:
    """A selection from a lazy input: applied to each piece its stream yields."""

    def __init__(self, stream: "_Stream", op: str, arg: Any = None, cast: Any = None) -> None:
        self.stream, self.op, self.arg, self.cast = stream, op, arg, cast

    def astype(self, dtype: Any) -> "Ref":
        return Ref(self.stream, self.op, self.arg, dtype)

    def get(self, piece: Any) -> np.ndarray:
        if self.op == "take":
            out = piece.take(*self.arg)
        elif self.op == "ids":
            out = piece.take_ids(self.arg)
        elif self.op == "keys":
            out = piece.take_keys(self.arg)
        elif self.op == "shown":
            out = piece.take_shown(self.arg)
        elif self.op == "index":
            out = piece[self.arg]
        else:
            out = piece
        return out.astype(self.cast) if self.cast is not None else out


class LazyTable:
    """The header of a streamed table; ``take`` gives ``Ref``s (the ``Table`` interface)."""

    def __init__(self, stream: "_TableStream") -> None:
        self.stream = stream
        self.columns = stream.columns

    def take(self, positions: list[int], role: str) -> Ref:
        return Ref(self.stream, "take", (list(positions), role))

    def take_ids(self, position: int) -> Ref:
        return Ref(self.stream, "ids", position)

    def take_keys(self, position: int) -> Ref:
        return Ref(self.stream, "keys", position)

    def take_shown(self, position: int) -> Ref:
        return Ref(self.stream, "shown", position)


class LazyArray(Ref):
    """A streamed array: its shape and dtype; ``a[:, j]`` and ``a[:, [i, j]]`` give ``Ref``s."""

    def __init__(self, stream: "_Stream", shape: tuple[int, ...], dtype: np.dtype) -> None:
        super().__init__(stream, "all")
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getitem__(self, index: Any) -> Ref:
        return Ref(self.stream, "index", index)


def read_lazy(cls: Any, source: Any, key: str | None, *, header: bool | None, delimiter: str | None, hash_inputs: str | None) -> Any:
    """A lazy ``_Input`` for ``source`` (``cls`` is ``readers._Input``), or None when the format
    is read whole (JSONL, compressed Parquet, Fortran-ordered arrays from a file)."""
    from losscli.readers import _expand

    paths = _expand(source)
    info: dict[str, Any] = {"path": source.where, "format": source.fmt}
    text = source.fmt in ("csv", "tsv", "txt")
    if text or (source.fmt == "parquet" and source.compression is None and "-" not in paths):
        if text:
            stream = _TableStream(paths, source, header=header, delimiter=delimiter, hash_inputs=hash_inputs)
        else:
            stream = _ParquetStream(paths, source, hash_inputs)
        if len(paths) > 1:
            info["files"] = len(paths)
        if hash_inputs:
            info[hash_inputs] = None  # filled when the stream ends
        stream.info = info
        note = getattr(stream, "note", None)  # a table without header (its first file's)
        return cls(source, LazyTable(stream), None, info, [note] if note else None)
    stdin = None
    if source.fmt == "npy" and (source.compression is not None or "-" in paths):
        parts, stdin = _piped_parts(paths, source.compression, hash_inputs)
        if parts is None and stdin is not None:  # stdin with a header this stream does not take: read whole here
            array = read_npy(stdin.rest(), stdin.where)
            info.update(shape=list(array.shape), dtype=str(array.dtype))
            digest = stdin.close()
            if hash_inputs:
                info[hash_inputs] = digest
            return cls(source, None, array, info)
    elif source.fmt not in ("npy", "npz") or source.compression is not None or "-" in paths:
        return None
    else:
        parts = [_npy_part(path, source.fmt, key or source.key) for path in paths]
    if parts is None or None in parts:
        return None
    tails = {p.shape[1:] for p in parts}
    if len(tails) > 1:
        raise InputError(f"The files of {source.where} have different shapes: {sorted(tails)}.")
    dtypes = {p.dtype for p in parts}
    if len(dtypes) > 1:
        return None  # np.concatenate's promotion: read whole
    if source.fmt == "npz":
        info["key"] = parts[0].key
    if len(paths) > 1:
        info["files"] = len(paths)
    if hash_inputs:
        info[hash_inputs] = None
    shape = (sum(p.shape[0] for p in parts), *parts[0].shape[1:])
    info.update(shape=list(shape), dtype=str(parts[0].dtype))
    stream = _ArrayStream(parts, hash_inputs, stdin)
    stream.info = info
    return cls(source, None, LazyArray(stream, shape, parts[0].dtype), info)


# ---------------------------------------------------------------------------- chunks


def iter_chunks(loaded: Any, chunk_rows: int | None = None) -> Iterator[Chunk]:
    """The rows of ``loaded`` (a ``readers.Loaded``) in chunks of ``chunk_rows`` (all at once
    when None and nothing is lazy). Each file is read once; lengths that differ are an error."""
    present = _keyed(loaded)
    lazy = any(isinstance(v, Ref) for _, v in present)
    if chunk_rows is None and not lazy:
        yield _chunk(dict(present), 0)
        return
    rows = chunk_rows or default_chunk_rows(loaded)
    groups: dict[int, tuple[Any, list[tuple[str, Any]]]] = {}
    for k, v in present:
        stream = v.stream if isinstance(v, Ref) else _MemoryStream(v)
        groups.setdefault(id(stream), (stream, []))[1].append((k, v))
    sources = [(stream, members) for stream, members in groups.values()]
    first = 0
    for block in _aligned(sources, rows, loaded):
        yield _chunk(block, first)
        first += len(next(iter(block.values())))
    _fill_digests(loaded, [s for s, _ in sources])


def _chunk(block: dict[str, Any], first: int) -> Chunk:
    pairing.check_block(block, first)  # the ids of PRED and TARGET agree on these rows, or an error
    weights, ids = block.pop("\0weight", None), block.pop("\0ids", None)
    groups = {k[len("\0group:") :]: block.pop(k) for k in [k for k in block if k.startswith("\0group:")]}
    return Chunk(block, weights, ids, first, groups)


def _aligned(sources, rows: int, loaded: Any) -> Iterator[dict[str, np.ndarray]]:
    """Blocks of ``rows`` rows of every key, re-cut across the pieces of each stream."""
    its = [_materialized(stream, members, rows) for stream, members in sources]
    if len(its) == 1:  # one file: its pieces (about ``rows`` rows each) need no re-cutting
        for piece in its[0]:
            if len(next(iter(piece.values()))):
                yield piece
        return
    bufs: list[deque] = [deque() for _ in its]
    have = [0] * len(its)
    done = [False] * len(its)
    total = [0] * len(its)
    while True:
        for i, it in enumerate(its):
            while not done[i] and have[i] < rows:
                piece = next(it, None)
                if piece is None:
                    done[i] = True
                else:
                    n = len(next(iter(piece.values())))
                    if n:
                        bufs[i].append(piece)
                        have[i] += n
        n = min(min(have), rows)
        if n == 0:
            if any(have):
                _mismatch(sources, its, have, total, loaded)
            return
        block: dict[str, np.ndarray] = {}
        for i in range(len(its)):
            block.update(_take(bufs[i], n))
            have[i] -= n
            total[i] += n
        yield block


def _take(buf: deque, n: int) -> dict[str, np.ndarray]:
    """The first ``n`` rows of the pieces in ``buf`` (removed from it)."""
    parts: list[dict[str, np.ndarray]] = []
    need = n
    while need:
        piece = buf[0]
        m = len(next(iter(piece.values())))
        if m <= need:
            parts.append(buf.popleft())
            need -= m
        else:
            parts.append({k: v[:need] for k, v in piece.items()})
            buf[0] = {k: v[need:] for k, v in piece.items()}
            need = 0
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _materialized(stream, members, rows: int) -> Iterator[dict[str, np.ndarray]]:
    """The arrays of ``members`` (key, selection) for each piece of ``stream``."""
    if isinstance(stream, (_TableStream, _ParquetStream)):
        yield from stream.selected(rows, members)
        return
    for piece in stream.pieces(rows):
        yield _select(piece, members)


def _select(piece: Any, members) -> dict[str, np.ndarray]:
    return {k: (v.get(piece) if isinstance(v, Ref) else piece) for k, v in members}


def _mismatch(sources, its, have, total, loaded) -> None:
    """Raise the whole-file error for inputs of different lengths (counting the rest of the
    longer ones first)."""
    counts: dict[str, int] = {}
    for (_, members), it, h, t in zip(sources, its, have, total):
        rest = sum(len(next(iter(p.values()))) for p in it)
        for k, _ in members:
            counts[k] = t + h + rest
    names = {"\0weight": "weight", "\0ids": "id column"}
    where = []
    for k, _ in _keyed(loaded):
        if k in counts and not k.startswith(pairing.PAIR):  # the ids' counts are their tables'
            name = names.get(k, k.replace("\0group:", "group column "))
            src = loaded.sources.get(name if not k.startswith("\0group:") else "@group:" + k[len("\0group:") :])
            where.append(f"{name} ({src}) has {counts[k]}" if src else f"{name} has {counts[k]}")
    raise ShapeError(f"Inputs have different numbers of rows: {', '.join(where)}.")


def _fill_digests(loaded: Any, streams: list[Any]) -> None:
    for stream in streams:
        info = getattr(stream, "info", None)
        alg = _digest.key(info) if info is not None else None
        if alg is not None:
            info[alg] = stream.digest()
    for role, info in loaded.info.items():
        value = loaded.arrays.get(role)
        alg = _digest.key(info)
        if isinstance(value, Ref) and alg is not None and info[alg] is None:
            info[alg] = value.stream.digest()


# ---------------------------------------------------------------------------- streams


class _Stream:
    """Pieces of rows of one input (a file or the files of a glob), read once, in order."""

    info: dict[str, Any] | None = None

    def pieces(self, rows: int) -> Iterator[Any]:
        raise NotImplementedError

    def digest(self) -> str | None:
        return None


class _MemoryStream(_Stream):
    """An array already in memory, sliced."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def pieces(self, rows: int) -> Iterator[np.ndarray]:
        for lo in range(0, len(self.array), rows):
            yield self.array[lo : lo + rows]


@dataclass
class _NpyPart:
    """One NPY array in a file: where its data starts and how to read it."""

    path: str
    where: str
    shape: tuple[int, ...]
    dtype: np.dtype
    offset: int  # of the data in the file (stored members of an NPZ too)
    key: str | None = None
    member: str | None = None  # compressed NPZ member: read through zipfile
    compression: str | None = None  # a compressed NPY file: read front to back (``_Pipe``), as stdin

    @property
    def piped(self) -> bool:
        return self.path == "-" or self.compression is not None


def _piped_parts(paths: list[str], compression: str | None, hash_inputs: str | None) -> tuple[list[_NpyPart] | None, "_Pipe | None"]:
    """The parts of NPY inputs read front to back (``_Pipe``: stdin, compressed files) from
    their headers, and stdin's open ``_Pipe`` (if stdin is one); None for the parts when a
    header is not one such a stream takes."""
    parts, stdin = [], None
    for path in paths:
        pipe = _Pipe(path, compression, hash_inputs if path == "-" else None)
        part = pipe.part()
        if path == "-":
            stdin = pipe
        else:
            pipe.close(drain=False)  # reopened when its rows are read: one file open at a time
        if part is None:
            return None, stdin
        parts.append(part)
    return parts, stdin


def _npy_part(path: str, fmt: str, key: str | None) -> _NpyPart | None:
    """Shape, dtype and data offset of an NPY file or NPZ member, or None to read it whole
    (which also gives the canonical error for anything unusual)."""
    import zipfile
    if fmt == "npy":
        arr = read_npy(path, path)  # memory-mapped: validates (never unpickles), reads nothing
        if isinstance(arr, np.memmap) and (arr.ndim < 2 or arr.flags.c_contiguous):
            part = _NpyPart(path, path, arr.shape, arr.dtype, int(arr.offset))
            del arr
            return part
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n[: -len(".npy")] for n in zf.namelist() if n.endswith(".npy")]
            if len(names) != len(zf.namelist()):
                return None  # not an archive of arrays: the whole-file read says so
            if key is None:
                if len(names) != 1:
                    return None
                key = names[0]
            if key not in names:
                return None
            info = zf.getinfo(key + ".npy")
            if info.flag_bits & 0x1:  # encrypted
                return None
            with zf.open(info) as fh:
                header = _npy_header(fh)
                if header is None:
                    return None
                shape, fortran, dtype = header
                header_len = fh.tell()
        if dtype.kind not in "biuf" or (fortran and len(shape) > 1) or len(shape) == 0:
            return None
        if math.prod(shape) * dtype.itemsize > info.file_size - header_len:
            return None  # a header claiming more than the member holds: the whole read refuses it, by size
        if info.compress_type == zipfile.ZIP_STORED:
            with open(path, "rb") as fh:
                fh.seek(info.header_offset)
                local = fh.read(30)
                if local[:4] != b"PK\x03\x04":
                    return None
                name_len, extra_len = struct.unpack("<HH", local[26:30])
            offset = info.header_offset + 30 + name_len + extra_len + header_len
            return _NpyPart(path, f"{path}:{key}", tuple(shape), dtype, offset, key)
        return _NpyPart(path, f"{path}:{key}", tuple(shape), dtype, 0, key, member=key + ".npy")
    except (OSError, ValueError, zipfile.BadZipFile, struct.error, EOFError, InputError):
        return None


class _ParquetStream(_Stream):
    """Parquet files (or the files of a glob) in record batches of about N rows, reading only
    the selected columns, one row group at a time (``readers.parquet``: pyarrow). The footers
    are read when the stream opens: columns, row groups and rows are known before any data."""

    def __init__(self, paths: list[str], source: Any, hash_inputs: str | None) -> None:
        from losscli.readers import parquet

        self.paths, self.source, self.hash_inputs = paths, source, hash_inputs
        self.columns, self.row_groups = [], []
        for path in paths:
            columns, groups = parquet.metadata(path)
            if path is paths[0]:
                self.columns = columns
            elif columns != self.columns:
                raise InputError(f"{path} has columns {columns}, but {paths[0]} has {self.columns}.")
            if not sum(groups):  # as the whole-file read says
                raise InputError(f"{path} has no data rows.")
            self.row_groups.append(groups)
        self.rows = sum(sum(g) for g in self.row_groups)
        self.bytes_per_row = 8.0 * max(len(self.columns), 1)
        self._hashing: Any = None

    def pieces(self, rows: int) -> Iterator[Any]:
        return self._pieces(rows, list(range(len(self.columns))), None)

    def selected(self, rows: int, members) -> Iterator[dict[str, np.ndarray]]:
        """The selections ``members`` of each batch (only their columns are read)."""
        positions: set[int] = set()
        for _, ref in members:
            if ref.op == "take":
                positions.update(ref.arg[0])
            elif ref.op in ("ids", "keys", "shown"):
                positions.add(ref.arg)
        return self._pieces(rows, sorted(positions), members)

    def _pieces(self, rows: int, positions: list[int], members) -> Iterator[Any]:
        from losscli.readers import parquet

        if self.hash_inputs and self._hashing is None:  # the files' bytes, hashed beside the reading
            self._hashing = _FileDigests(self.paths, self.hash_inputs)
        base = 0
        for path, groups in zip(self.paths, self.row_groups):
            for table in parquet.pieces(path, self.columns, positions, rows, path, base):
                yield table if members is None else _select(table, members)
            base += sum(groups)

    def digest(self) -> str | None:
        if not self.hash_inputs:
            return None
        if self._hashing is None:
            self._hashing = _FileDigests(self.paths, self.hash_inputs)
        return _digest.combine(self._hashing.result(), self.hash_inputs)


class _FileDigests:
    """The digests (algorithm ``alg``) of whole files, computed on a thread of their own from its
    own reading (the hashes release the GIL), beside the reader; a file whose size, modification
    time or inode changed in the meantime is an error (the digest would not describe what was
    evaluated)."""

    def __init__(self, paths: list[str], alg: str) -> None:
        import threading

        self._paths, self._alg, self._digests, self._error = list(paths), alg, [], None
        self._before = [_signature(p) for p in self._paths]
        self._thread = threading.Thread(target=self._run, name="losscli-digest", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._digests = [_digest.of_file(p, self._alg) for p in self._paths]
        except OSError as e:
            self._error = e

    def result(self) -> list[str]:
        self._thread.join()
        if self._error is not None:
            raise InputError(f"Cannot read {self._error.filename}: {self._error.strerror or self._error}")
        for path, before in zip(self._paths, self._before):
            if _signature(path) != before:
                raise _prefetch.changed(path)
        return self._digests


def _signature(path: str) -> tuple[int, int, int, int] | None:
    """``_prefetch.signature`` of ``path``, None when it cannot be read (which differs from any)."""
    try:
        return _prefetch.signature(os.stat(path))
    except OSError:
        return None


class _ArrayStream(_Stream):
    """NPY files (or NPZ members) in row blocks, views of memory-mapped windows: only the
    windows whose blocks are in flight are resident."""

    def __init__(self, parts: list[_NpyPart], hash_inputs: str | None, stdin: "_Pipe | None" = None) -> None:
        self.parts = parts
        self.hash_inputs = hash_inputs
        self.stdin = stdin  # stdin, opened (its header read) when the input was
        self.digests: list[str] = []
        self.row_bytes = int(np.prod(parts[0].shape[1:], dtype=np.int64)) * parts[0].dtype.itemsize

    def pieces(self, rows: int) -> Iterator[np.ndarray]:
        for part in self.parts:
            if part.piped:
                yield from self._piped(part, rows)
            elif part.member is not None:
                yield from self._member(part, rows)
            else:
                yield from self._file(part, rows)

    def _piped(self, part: _NpyPart, rows: int) -> Iterator[np.ndarray]:
        """Rows of stdin or of a compressed file, read front to back into fresh blocks."""
        if part.path == "-":
            pipe = self.stdin
        else:
            pipe = _Pipe(part.path, part.compression, self.hash_inputs)
            pipe.skip(part.offset)
        tail = part.shape[1:]
        row_bytes = int(np.prod(tail, dtype=np.int64)) * part.dtype.itemsize
        n = part.shape[0]
        for lo in range(0, n, rows):
            m = min(rows, n - lo)
            block = bytearray(m * row_bytes)
            got = pipe.readinto(memoryview(block))
            if got < len(block):
                raise _truncated(part.where, part.shape, part.dtype, n * row_bytes, lo * row_bytes + got)
            yield np.frombuffer(block, dtype=part.dtype).reshape((m, *tail))
        digest = pipe.close()
        if digest is not None:
            self.digests.append(digest)

    def _file(self, part: _NpyPart, rows: int) -> Iterator[np.ndarray]:
        # The file (an NPY, or the NPZ archive holding the member) hashed from the start on a
        # thread reading it itself: with the pred and target files on two threads, a 1.6 GB pair
        # took 0.95 s where hashing the blocks this reader hands over took 1.06 s.
        digests = _FileDigests([part.path], self.hash_inputs) if self.hash_inputs else None
        tail = part.shape[1:]
        row_bytes = int(np.prod(tail, dtype=np.int64)) * part.dtype.itemsize
        n = part.shape[0]
        with open(part.path, "rb", buffering=0) as fh:
            if os.fstat(fh.fileno()).st_size < part.offset + n * row_bytes:
                raise InputError(f"{part.where} is not a valid NPY file: it ends before its data ({part.shape} {part.dtype}).")
            # Windows of the file memory-mapped read-only, a few blocks each: no copy of the data
            # (a 1.6 GB pair: 0.5 s -> 0.25 s without the digest) and only the windows whose
            # blocks are still in use are resident (each is unmapped with its last block).
            per_window = max(1, ARRAY_WINDOW_BYTES // max(rows * row_bytes, 1)) * rows
            for w0 in range(0, n, per_window):
                w1 = min(n, w0 + per_window)
                if not row_bytes:
                    window = np.empty((w1 - w0, *tail), dtype=part.dtype)
                else:
                    window = _mapped(fh.fileno(), part.offset + w0 * row_bytes, (w1 - w0) * row_bytes, part.dtype, (w1 - w0, *tail))
                for lo in range(0, w1 - w0, rows):
                    yield window[lo : lo + rows]
                del window
        if digests is not None:
            self.digests.extend(digests.result())

    def _member(self, part: _NpyPart, rows: int) -> Iterator[np.ndarray]:
        import zipfile
        tail = part.shape[1:]
        row_bytes = int(np.prod(tail, dtype=np.int64)) * part.dtype.itemsize
        digests = _FileDigests([part.path], self.hash_inputs) if self.hash_inputs else None  # the archive, beside the reading
        try:
            with zipfile.ZipFile(part.path) as zf, zf.open(part.member) as fh:
                _npy_header(fh)
                for lo in range(0, part.shape[0], rows):
                    m = min(rows, part.shape[0] - lo)
                    data = fh.read(m * row_bytes)
                    if len(data) != m * row_bytes:
                        raise InputError(f"{part.where} is not a valid array: it ends before its data.")
                    yield np.frombuffer(data, dtype=part.dtype).reshape((m, *tail))
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            raise InputError(f"{part.where} is not a valid array: {e}") from None
        if digests is not None:
            self.digests.extend(digests.result())

    def digest(self) -> str | None:
        if not self.hash_inputs:
            return None
        return _digest.combine(self.digests, self.hash_inputs)


def _npy_header(fh) -> tuple[tuple[int, ...], bool, np.dtype] | None:
    """(shape, fortran_order, dtype) of the NPY data at ``fh``'s position (None: a version
    this reader leaves to numpy's whole-file load)."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fh)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(fh)
    return None


def _mapped(fd: int, start: int, length: int, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """Bytes ``[start, start + length)`` of the file ``fd`` as a read-only array, memory-mapped
    (the mapping closes when the last array viewing it is freed)."""
    import mmap

    base = start - start % mmap.ALLOCATIONGRANULARITY
    if hasattr(mmap, "MAP_POPULATE"):  # Linux: the window's pages mapped in one call
        mm = mmap.mmap(fd, start + length - base, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ, offset=base)
    else:
        mm = mmap.mmap(fd, start + length - base, access=mmap.ACCESS_READ, offset=base)
    return np.frombuffer(mm, dtype=dtype, count=math.prod(shape), offset=start - base).reshape(shape)


def _readinto(fh, view: memoryview) -> int:
    got = 0
    while got < len(view):
        n = fh.readinto(view[got:])
        if not n:
            break
        got += n
    return got


class _AsyncHash:
    """A digest (algorithm ``alg``) computed in order on its own thread (the hashes release the
    GIL), so that hashing overlaps reading and evaluating; at most a few buffers wait (backpressure)."""

    def __init__(self, alg: str) -> None:
        import queue
        import threading

        self._h = _digest.new(alg)
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._run, name="losscli-digest", daemon=True)
        self._thread.start()

    def update(self, data: Any) -> None:
        self._queue.put(data)

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            self._h.update(data)

    def hexdigest(self) -> str:
        self._queue.put(None)
        self._thread.join()
        return self._h.hexdigest()


class _Hashing(io.RawIOBase):
    """A binary file whose bytes are hashed as they are read."""

    def __init__(self, raw: Any, h: Any) -> None:
        self.raw, self.h = raw, h

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self.raw.readinto(b)
        if n and self.h is not None:
            self.h.update(bytes(memoryview(b)[:n]))  # a copy: the caller reuses b
        return n or 0

    def drain(self) -> None:
        while self.readinto(bytearray(_READ)):
            pass


class _Pipe:
    """An NPY input read front to back: stdin, or a compressed file decompressed on the way
    (``_decompressor``: capped), its bytes (the compressed ones) hashed as they are read."""

    HEAD = 1 << 17  # bytes read to parse the header (an NPY 1.0 header is at most 64 KiB)

    def __init__(self, path: str, compression: str | None, hash_inputs: str | None) -> None:
        self.path, self.where = path, "<stdin>" if path == "-" else path
        self.hash = _AsyncHash(hash_inputs) if hash_inputs else None
        try:
            self.file = sys.stdin.buffer if path == "-" else open(path, "rb", buffering=0)  # noqa: SIM115
        except OSError as e:
            raise InputError(f"Cannot read {path}: {e.strerror or e}") from None
        self.raw = _Hashing(self.file, self.hash)
        self.src = self.raw if compression is None else _decompressor(self.raw, compression, path)
        self.compression = compression
        self.pending = memoryview(b"")  # bytes read ahead (the header's block), not handed out yet

    def part(self) -> "_NpyPart | None":
        """The array this NPY stream holds, from its header (read now), or None when this
        stream does not take it (no valid header, a dtype or layout to read whole)."""
        head = bytearray(self.HEAD)
        del head[self._read(memoryview(head)) :]
        fh = io.BytesIO(head)
        try:
            header = _npy_header(fh)
        except (ValueError, OSError, EOFError, TypeError, *_HEADER_ERRORS):
            header = None
        self.pending = memoryview(bytes(head))
        if header is None:
            return None
        shape, fortran, dtype = header
        if dtype.hasobject or dtype.kind not in "biuf" or not shape or (fortran and len(shape) > 1):
            return None
        self.pending = self.pending[fh.tell() :]
        return _NpyPart(self.path, self.where, tuple(shape), dtype, fh.tell(), compression=self.compression)

    def _read(self, view: memoryview) -> int:
        try:
            return _readinto(self.src, view)
        except OSError as e:
            raise InputError(f"Cannot read {self.where}: {e.strerror or e}") from None

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` (less at the end of the input); the bytes given."""
        k = min(len(self.pending), len(view))
        view[:k] = self.pending[:k]
        self.pending = self.pending[k:]
        return k + (self._read(view[k:]) if k < len(view) else 0)

    def skip(self, n: int) -> None:
        """Read past ``n`` bytes (a reopened file's header)."""
        buf = bytearray(min(n, _READ))
        while n > 0:
            got = self.readinto(memoryview(buf)[: min(n, len(buf))])
            if not got:
                return
            n -= got

    def rest(self) -> bytes:
        """Every byte not read yet (an input read whole)."""
        out = io.BytesIO()
        out.write(self.pending)
        self.pending = memoryview(b"")
        buf = bytearray(4 * _READ)
        with memoryview(buf) as view:
            while n := self._read(view):
                out.write(view[:n])
        return out.getvalue()

    def close(self, drain: bool = True) -> str | None:
        """Close the file; with ``drain``, after reading the rest of the raw input (the digest
        covers all of it). The digest (None when not hashed)."""
        try:
            if drain:
                self.raw.drain()
        except OSError as e:
            raise InputError(f"Cannot read {self.where}: {e.strerror or e}") from None
        if self.path != "-":
            self.file.close()
        return self.hash.hexdigest() if self.hash is not None else None


class _TableStream(_Stream):
    """A CSV/TSV/TXT table (or the files of a glob) in pieces cut at record boundaries.

    The first piece of the first file is parsed when the stream opens (its header gives the
    columns that selections refer to); later pieces are parsed on worker threads, a few ahead,
    and checked in order. Parse errors name the file and its row or line; value errors the
    input (the glob) and the row across its files, as a whole-file read does.
    """

    def __init__(self, paths: list[str], source: Any, *, header: bool | None, delimiter: str | None, hash_inputs: str | None) -> None:
        self.paths, self.source = paths, source
        self.fmt, self.compression = source.fmt, source.compression
        self.delimiter, self.hash_inputs = delimiter, hash_inputs
        self._header = header  # as asked (None: each file's first line decides); ``header``: the open file's
        self.digests: list[str] = []
        self._open_file(0)
        self.columns = self._first.columns
        self.note = self._first.note
        self.bytes_per_row = self._consumed / max(len(self._first), 1)

    def _open_file(self, index: int) -> None:
        path = self.paths[index]
        self.where = "<stdin>" if path == "-" else path
        # the job hashing the file since the command started (losscli._prefetch), else a hash of the bytes read
        self._hash = (_prefetch.claim(path, self.hash_inputs) or _AsyncHash(self.hash_inputs)) if self.hash_inputs else None
        try:
            raw = sys.stdin.buffer if path == "-" else open(path, "rb", buffering=0)  # noqa: SIM115
        except OSError as e:
            raise InputError(f"Cannot read {path}: {e.strerror or e}") from None
        if self.compression is None:  # the pieces are the file's bytes: they are hashed as consumed
            self._raw, self._src = None, raw
        else:  # the compressed bytes are hashed as read
            self._raw = _Hashing(raw, self._hash)
            self._src = _decompressor(self._raw, self.compression, path)
        self._file = raw
        self._carry = b""
        self._eof = False
        self._consumed = 0  # bytes of (decompressed) text before the next piece
        self._lines = 0  # newlines before the next piece
        self._first = self._first_piece()

    def _consume(self, data: bytes) -> None:
        """Account for a piece handed on (its bytes, for the digest of an uncompressed file)."""
        self._consumed += len(data)
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
            self._consume(data)
            self._lines += data.count(b"\n")
            self.header = table.header
            return table

    def _cut(self, want: int, min_lines: int = 1, first: bool = False) -> tuple[memoryview, bool]:
        """A view of the next bytes, up to the first record boundary at or after ``want`` bytes
        (all that is left at the end), and whether more follows. The bytes are read into a new
        buffer and handed on without a copy (only the short tail after the cut is copied).
        A record longer than ``want`` is read in steps that grow with it; for the ``first``
        piece (the header), a first line wider than ``MAX_COLUMNS`` is refused as it is read."""
        from losscli.readers import columns as cols
        from losscli.readers.tabular import first_line_fields, separator

        buf = self._carry
        while True:
            if self._eof:
                self._carry = b""
                return memoryview(buf), False
            if len(buf) >= want:
                cut = _boundary(buf, want, min_lines)
                if cut is not None:
                    view = memoryview(buf)
                    self._carry = bytes(view[cut:])
                    return view[:cut], True
            if first and len(buf) >= want and first_line_fields(buf, separator(self.fmt, self.delimiter), cols.MAX_COLUMNS) > cols.MAX_COLUMNS:
                raise cols.too_wide(self.where)
            size = max(want - len(buf), 0) + max(MIN_PIECE, len(buf) // 2 if len(buf) >= want else 0)  # a little past want: where the record ends
            grown = bytearray(len(buf) + size)
            grown[: len(buf)] = buf
            got = _readinto(self._src, memoryview(grown)[len(buf) :])
            if got < size:
                self._eof = True
                del grown[len(buf) + got :]
            buf = grown

    def pieces(self, rows: int) -> Iterator[Any]:
        """The table's pieces as ``Table``s (rows numbered across files)."""
        return self._pieces(rows, None)

    def selected(self, rows: int, members) -> Iterator[dict[str, np.ndarray]]:
        """The selections ``members`` of each piece: parsed *and* selected on worker threads."""
        return self._pieces(rows, members)

    def _pieces(self, rows: int, members) -> Iterator[Any]:
        from losscli import _threads
        from losscli.readers.tabular import piece_table

        columns, base, headed = self.columns, 0, self.header
        want = max(MIN_PIECE, int(rows * self.bytes_per_row))
        pool = _threads.shared()
        for index in range(len(self.paths)):
            if index:
                self._open_file(index)
                if self._first.columns != columns:
                    from losscli.readers.tabular import shard_differs

                    raise shard_differs(self.where, self._first.columns, self._first.header or not headed, self.paths[0], columns)
            first, self._first = self._first, None
            in_file = len(first)
            first.where, first.offset = self.source.where, base
            yield first if members is None else _select(first, members)
            pending: deque = deque()
            more = True
            job = (self.fmt, columns, self.delimiter, self.header, self.source.where, members)
            while more and len(pending) < _AHEAD:
                more = self._submit(pool, pending, want, job)
            while pending:
                fut, data, bytes_before = pending.popleft()
                parsed, newlines, n, selected = fut.result()
                if selected is None:  # a bad piece (or Tables asked for): check it here, rows known
                    table = piece_table(
                        parsed, data, self.fmt, self.where, columns=columns, delimiter=self.delimiter,
                        header=self.header, offset=in_file, lines_before=self._lines, bytes_before=bytes_before,
                    )  # fmt: skip
                    table.where, table.offset = self.source.where, base + in_file
                    n = len(table)
                    selected = table if members is None else _select(table, members)
                del data
                self._lines += newlines
                in_file += n
                if more:
                    more = self._submit(pool, pending, want, job)
                yield selected
            self._close_file(index)
            base += in_file

    def _submit(self, pool, pending: deque, want: int, job) -> bool:
        """Cut the next piece and parse it on a worker; whether more follows."""
        data, more = self._cut(want)
        if data:
            from losscli.readers.tabular import trim_blank_tail

            piece = data if more else trim_blank_tail(bytes(data))  # blank lines at the end are no rows
            pending.append((pool.submit(_work, piece, *job), piece, self._consumed))
            self._consume(data)
        return more

    def digest(self) -> str | None:
        if not self.hash_inputs:
            return None
        return _digest.combine(self.digests, self.hash_inputs)


def _work(data: bytes, fmt: str, columns: list[str], delimiter: str | None, header: bool, where: str, members):
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
        return parsed, newlines, len(table), _select(table, members)
    except InputError:  # re-raised in order, with absolute rows
        return parsed, newlines, 0, None


def _boundary(buf: bytes, want: int, min_lines: int = 1) -> int | None:
    """The end (after the newline) of the first record ending at or after ``want`` bytes and
    after at least ``min_lines`` newlines, outside quotes; None if ``buf`` has none."""
    if b'"' not in buf:
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


def _decompressor(raw: Any, compression: str | None, path: str) -> Any:
    """A file of the decompressed bytes of ``raw`` (compression modules imported only here),
    at most ``max_member_bytes()`` of them."""
    import bz2
    import gzip
    import lzma
    buffered = io.BufferedReader(raw, 1 << 20)
    cap = max_member_bytes()
    if compression == "gzip":
        return _Checked(gzip.GzipFile(fileobj=buffered, mode="rb"), path, compression, cap)
    if compression == "bz2":
        return _Checked(bz2.BZ2File(buffered, "rb"), path, compression, cap)
    if compression == "xz":
        return _Checked(lzma.LZMAFile(buffered, "rb"), path, compression, cap)
    try:
        import zstandard
    except ImportError:
        raise InputError(f"Reading {path} needs zstandard: pip install zstandard.") from None
    return _Checked(zstandard.ZstdDecompressor().stream_reader(buffered), path, compression, cap)


class _Checked:
    """Decompression errors as the whole-file reader words them, and a decompression bomb
    stopped at ``cap`` bytes out (streamed or read whole: one limit for every input)."""

    def __init__(self, fh: Any, path: str, compression: str, cap: int) -> None:
        self.fh, self.path, self.compression, self.cap = fh, path, compression, cap
        self.total = 0  # bytes handed out

    def readinto(self, b: Any) -> int:
        import lzma

        try:
            n = self.fh.readinto(b)
        except (OSError, EOFError, ValueError, lzma.LZMAError) as e:
            raise InputError(f"{self.path} is not valid {self.compression} data: {e}") from None
        self.total += n
        if self.total > self.cap:
            raise InputError(f"{self.path} decompresses to more than {self.cap} bytes ({MAX_MEMBER_ENV} sets the limit).")
        return n


def decompressed(raw: Any, compression: str, path: str) -> bytes:
    """All the decompressed bytes of the binary file ``raw`` (a whole-file read; capped as
    ``_decompressor``), held once: ``BytesIO.getvalue`` hands over its buffer without a copy."""
    src = _decompressor(raw, compression, path)
    out = io.BytesIO()
    buf = bytearray(_READ)
    with memoryview(buf) as view:
        while n := src.readinto(buf):
            out.write(view[:n])
    return out.getvalue()


def read_compressed(path: str, compression: str, alg: str | None) -> tuple[bytes, str | None]:
    """A compressed file decompressed whole (``decompressed``) and the digest (algorithm ``alg``)
    of its compressed bytes, hashed as they are read: the compressed file is never held in memory."""
    h = _AsyncHash(alg) if alg else None
    try:
        with open(path, "rb", buffering=0) as fh:
            raw = _Hashing(fh, h)
            data = decompressed(raw, compression, path)
            raw.drain()  # the digest covers the whole compressed file
    except OSError as e:
        raise InputError(f"Cannot read {path}: {e.strerror or e}") from None
    return data, h.hexdigest() if h is not None else None
