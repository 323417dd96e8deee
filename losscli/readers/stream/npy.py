"""NPY files and NPZ members as streams of row blocks.

- NPY files (and NPZ members stored uncompressed): read-only memory-mapped windows of a few
  blocks (``ARRAY_WINDOW_BYTES``), each unmapped when its last block is freed, so resident memory
  stays at a few windows whatever the file size, and no byte is copied;
- NPZ members that are compressed: decompressed block by block;
- NPY from stdin or a compressed file (``Pipe``): read front to back into blocks, hashed on the way.

Anything else (Fortran-ordered arrays, dtypes numpy must convert, unusual headers) is left to the
whole-file reader (``npy_part`` gives None), which also words the error for anything invalid.
"""

from __future__ import annotations

import io
import math
import os
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from losscli import _digest
from losscli.errors import InputError
from losscli.readers.arrays import HEADER_ERRORS, read_npy, truncated
from losscli.readers.stream.base import Column, Members, select
from losscli.readers.stream.files import READ, AsyncHash, FileDigests, Hashing, cannot_read, decompressor, readinto

ARRAY_WINDOW_BYTES = 4 << 20  # bytes of an NPY file memory-mapped at a time (whole chunks)


@dataclass
class NpyPart:
    """One NPY array in a file: where its data starts and how to read it."""

    path: str
    where: str
    shape: tuple[int, ...]
    dtype: np.dtype
    offset: int  # of the data in the file (stored members of an NPZ too)
    key: str | None = None
    member: str | None = None  # compressed NPZ member: read through zipfile
    compression: str | None = None  # a compressed NPY file: read front to back (``Pipe``), as stdin

    @property
    def piped(self) -> bool:
        return self.path == "-" or self.compression is not None

    @property
    def row_bytes(self) -> int:
        return int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize


def npy_header(fh: Any) -> tuple[tuple[int, ...], bool, np.dtype] | None:
    """(shape, fortran_order, dtype) of the NPY data at ``fh``'s position (None: a version
    this reader leaves to numpy's whole-file load)."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fh)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(fh)
    return None


def npy_part(path: str, fmt: str, key: str | None) -> NpyPart | None:
    """Shape, dtype and data offset of an NPY file or NPZ member, or None to read it whole
    (which also gives the canonical error for anything unusual)."""
    import zipfile

    if fmt == "npy":
        arr = read_npy(path, path)  # memory-mapped: validates (never unpickles), reads nothing
        if isinstance(arr, np.memmap) and arr.ndim and (arr.ndim < 2 or arr.flags.c_contiguous):  # a 0-d one is read whole
            part = NpyPart(path, path, arr.shape, arr.dtype, int(arr.offset))
            del arr
            return part
        return None
    try:
        return _npz_part(path, key)
    except (OSError, ValueError, zipfile.BadZipFile, struct.error, EOFError, InputError):
        return None


def _npz_part(path: str, key: str | None) -> NpyPart | None:
    """``npy_part`` of the member ``key`` of an NPZ archive (its only one when None)."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        names = [n[: -len(".npy")] for n in zf.namelist() if n.endswith(".npy")]
        if len(names) != len(zf.namelist()):
            return None  # not an archive of arrays: the whole-file read says so
        key = names[0] if key is None and len(names) == 1 else key
        if key not in names:
            return None
        info = zf.getinfo(key + ".npy")
        if info.flag_bits & 0x1:  # encrypted
            return None
        with zf.open(info) as fh:
            header = npy_header(fh)
            header_len = fh.tell()
    if header is None:
        return None
    shape, fortran, dtype = header
    if dtype.kind not in "biuf" or (fortran and len(shape) > 1) or len(shape) == 0:
        return None
    if math.prod(shape) * dtype.itemsize > info.file_size - header_len:
        return None  # a header claiming more than the member holds: the whole read refuses it, by size
    if info.compress_type != zipfile.ZIP_STORED:
        return NpyPart(path, f"{path}:{key}", tuple(shape), dtype, 0, key, member=key + ".npy")
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
    if local[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    offset = info.header_offset + 30 + name_len + extra_len + header_len
    return NpyPart(path, f"{path}:{key}", tuple(shape), dtype, offset, key)


def piped_parts(paths: list[str], compression: str | None, hash_inputs: str | None) -> tuple[list[NpyPart] | None, "Pipe | None"]:
    """The parts of NPY inputs read front to back (``Pipe``: stdin, compressed files) from
    their headers, and stdin's open ``Pipe`` (if stdin is one); None for the parts when a
    header is not one such a stream takes."""
    parts, stdin = [], None
    for path in paths:
        pipe = Pipe(path, compression, hash_inputs if path == "-" else None)
        part = pipe.part()
        if path == "-":
            stdin = pipe
        else:
            pipe.close(drain=False)  # reopened when its rows are read: one file open at a time
        if part is None:
            return None, stdin
        parts.append(part)
    return parts, stdin


def mapped(fd: int, start: int, length: int, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """Bytes ``[start, start + length)`` of the file ``fd`` as a read-only array, memory-mapped
    (the mapping closes when the last array viewing it is freed)."""
    import mmap

    base = start - start % mmap.ALLOCATIONGRANULARITY
    if hasattr(mmap, "MAP_POPULATE"):  # Linux: the window's pages mapped in one call
        mm = mmap.mmap(fd, start + length - base, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ, offset=base)
    else:
        mm = mmap.mmap(fd, start + length - base, access=mmap.ACCESS_READ, offset=base)
    return np.frombuffer(mm, dtype=dtype, count=math.prod(shape), offset=start - base).reshape(shape)


class ArrayStream:
    """NPY files (or NPZ members) in row blocks, views of memory-mapped windows: only the
    windows whose blocks are in flight are resident."""

    info: dict[str, Any] | None = None
    tabular = False

    def __init__(self, parts: list[NpyPart], hash_inputs: str | None, stdin: "Pipe | None" = None) -> None:
        self.parts = parts
        self.hash_inputs = hash_inputs
        self.stdin = stdin  # stdin, opened (its header read) when the input was
        self.digests: list[str] = []
        self.row_bytes = float(parts[0].row_bytes)

    def pieces(self, rows: int) -> Iterator[np.ndarray]:
        for part in self.parts:
            if part.piped:
                yield from self._piped(part, rows)
            elif part.member is not None:
                yield from self._member(part, rows)
            else:
                yield from self._file(part, rows)

    def selected(self, rows: int, members: Members) -> Iterator[dict[Column, np.ndarray]]:
        members = list(members)
        for piece in self.pieces(rows):
            yield select(piece, members)

    def _piped(self, part: NpyPart, rows: int) -> Iterator[np.ndarray]:
        """Rows of stdin or of a compressed file, read front to back into fresh blocks."""
        if part.path == "-":
            pipe = self.stdin
        else:
            pipe = Pipe(part.path, part.compression, self.hash_inputs)
            pipe.skip(part.offset)
        tail, row_bytes, n = part.shape[1:], part.row_bytes, part.shape[0]
        for lo in range(0, n, rows):
            m = min(rows, n - lo)
            block = bytearray(m * row_bytes)
            got = pipe.readinto(memoryview(block))
            if got < len(block):
                raise truncated(part.where, part.shape, part.dtype, n * row_bytes, lo * row_bytes + got)
            yield np.frombuffer(block, dtype=part.dtype).reshape((m, *tail))
        digest = pipe.close()
        if digest is not None:
            self.digests.append(digest)

    def _file(self, part: NpyPart, rows: int) -> Iterator[np.ndarray]:
        # The file (an NPY, or the NPZ archive holding the member) hashed from the start on a
        # thread reading it itself: with the pred and target files on two threads, a 1.6 GB pair
        # took 0.95 s where hashing the blocks this reader hands over took 1.06 s.
        digests = FileDigests([part.path], self.hash_inputs) if self.hash_inputs else None
        with open(part.path, "rb", buffering=0) as fh:
            if os.fstat(fh.fileno()).st_size < part.offset + part.shape[0] * part.row_bytes:
                raise InputError(f"{part.where} is not a valid NPY file: it ends before its data ({part.shape} {part.dtype}).")
            yield from _windows(fh.fileno(), part, rows)
        if digests is not None:
            self.digests.extend(digests.result())

    def _member(self, part: NpyPart, rows: int) -> Iterator[np.ndarray]:
        import zipfile

        tail, row_bytes = part.shape[1:], part.row_bytes
        digests = FileDigests([part.path], self.hash_inputs) if self.hash_inputs else None  # the archive, beside the reading
        try:
            with zipfile.ZipFile(part.path) as zf, zf.open(part.member) as fh:
                npy_header(fh)
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


def _windows(fd: int, part: NpyPart, rows: int) -> Iterator[np.ndarray]:
    """Blocks of ``rows`` rows of an NPY file's data, views of windows of the file memory-mapped
    read-only a few blocks at a time: no copy of the data (a 1.6 GB pair: 0.5 s -> 0.25 s
    without the digest), and only the windows whose blocks are still in use are resident (each
    is unmapped with its last block)."""
    tail, row_bytes, n = part.shape[1:], part.row_bytes, part.shape[0]
    per_window = max(1, ARRAY_WINDOW_BYTES // max(rows * row_bytes, 1)) * rows
    for w0 in range(0, n, per_window):
        w1 = min(n, w0 + per_window)
        if not row_bytes:
            window = np.empty((w1 - w0, *tail), dtype=part.dtype)
        else:
            window = mapped(fd, part.offset + w0 * row_bytes, (w1 - w0) * row_bytes, part.dtype, (w1 - w0, *tail))
        for lo in range(0, w1 - w0, rows):
            yield window[lo : lo + rows]
        del window


class Pipe:
    """An NPY input read front to back: stdin, or a compressed file decompressed on the way
    (``decompressor``: capped), its bytes (the compressed ones) hashed as they are read."""

    HEAD = 1 << 17  # bytes read to parse the header (an NPY 1.0 header is at most 64 KiB)

    def __init__(self, path: str, compression: str | None, hash_inputs: str | None) -> None:
        self.path, self.where = path, "<stdin>" if path == "-" else path
        self.hash = AsyncHash(hash_inputs) if hash_inputs else None
        try:
            self.file = sys.stdin.buffer if path == "-" else open(path, "rb", buffering=0)  # noqa: SIM115
        except OSError as e:
            raise cannot_read(path, e) from None
        self.raw = Hashing(self.file, self.hash)
        self.src = self.raw if compression is None else decompressor(self.raw, compression, path)
        self.compression = compression
        self.pending = memoryview(b"")  # bytes read ahead (the header's block), not handed out yet

    def part(self) -> NpyPart | None:
        """The array this NPY stream holds, from its header (read now), or None when this
        stream does not take it (no valid header, a dtype or layout to read whole)."""
        head = bytearray(self.HEAD)
        del head[self._read(memoryview(head)) :]
        fh = io.BytesIO(head)
        try:
            header = npy_header(fh)
        except (ValueError, OSError, EOFError, TypeError, *HEADER_ERRORS):
            header = None
        self.pending = memoryview(bytes(head))
        if header is None:
            return None
        shape, fortran, dtype = header
        if dtype.hasobject or dtype.kind not in "biuf" or not shape or (fortran and len(shape) > 1):
            return None
        self.pending = self.pending[fh.tell() :]
        return NpyPart(self.path, self.where, tuple(shape), dtype, fh.tell(), compression=self.compression)

    def _read(self, view: memoryview) -> int:
        try:
            return readinto(self.src, view)
        except OSError as e:
            raise cannot_read(self.where, e) from None

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` (less at the end of the input); the bytes given."""
        k = min(len(self.pending), len(view))
        view[:k] = self.pending[:k]
        self.pending = self.pending[k:]
        return k + (self._read(view[k:]) if k < len(view) else 0)

    def skip(self, n: int) -> None:
        """Read past ``n`` bytes (a reopened file's header)."""
        buf = bytearray(min(n, READ))
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
        buf = bytearray(4 * READ)
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
            raise cannot_read(self.where, e) from None
        if self.path != "-":
            self.file.close()
        return self.hash.hexdigest() if self.hash is not None else None
