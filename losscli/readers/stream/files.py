"""Bytes of input files: read in full, hashed on the way, decompressed (capped), digested beside
the reading.

- ``readinto``: fill a buffer from a file (short only at its end);
- ``AsyncHash``: a digest computed in order on its own thread; ``Hashing``: a file whose bytes
  are hashed as they are read; ``FileDigests``: whole files hashed on a thread beside the reader
  (a file changed meanwhile is an error);
- ``decompressor``/``decompressed``/``read_compressed``: gzip, bz2, xz, zstd, stopped at
  ``max_member_bytes()`` bytes out, with the errors a whole-file read gives.
"""

from __future__ import annotations

import io
import os
from typing import Any

from losscli import _digest, _prefetch
from losscli.errors import InputError
from losscli.readers.arrays import MAX_MEMBER_ENV, max_member_bytes

READ = 1 << 20  # bytes per read (draining, hashing)


def readinto(fh: Any, view: memoryview) -> int:
    """Fill ``view`` from ``fh``; the bytes read (fewer only at the end of the file)."""
    got = 0
    while got < len(view):
        n = fh.readinto(view[got:])
        if not n:
            break
        got += n
    return got


def cannot_read(path: str, e: OSError) -> InputError:
    """The error for a file that cannot be read."""
    return InputError(f"Cannot read {path}: {e.strerror or e}")


class AsyncHash:
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


class Hashing(io.RawIOBase):
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
        while self.readinto(bytearray(READ)):
            pass


class FileDigests:
    """The digests (algorithm ``alg``) of whole files, computed on a thread of their own from its
    own reading (the hashes release the GIL), beside the reader; a file whose size, modification
    time or inode changed in the meantime is an error (the digest would not describe what was
    evaluated)."""

    def __init__(self, paths: list[str], alg: str) -> None:
        import threading

        self._paths, self._alg, self._digests, self._error = list(paths), alg, [], None
        self._before = [signature(p) for p in self._paths]
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
            raise cannot_read(self._error.filename, self._error)
        for path, before in zip(self._paths, self._before):
            if signature(path) != before:
                raise _prefetch.changed(path)
        return self._digests


def signature(path: str) -> tuple[int, int, int, int] | None:
    """``_prefetch.signature`` of ``path``, None when it cannot be read (which differs from any)."""
    try:
        return _prefetch.signature(os.stat(path))
    except OSError:
        return None


def decompressor(raw: Any, compression: str | None, path: str) -> Any:
    """A file of the decompressed bytes of ``raw`` (compression modules imported only here),
    at most ``max_member_bytes()`` of them."""
    import bz2
    import gzip
    import lzma

    buffered = io.BufferedReader(raw, 1 << 20)
    cap = max_member_bytes()
    if compression == "gzip":
        return Checked(gzip.GzipFile(fileobj=buffered, mode="rb"), path, compression, cap)
    if compression == "bz2":
        return Checked(bz2.BZ2File(buffered, "rb"), path, compression, cap)
    if compression == "xz":
        return Checked(lzma.LZMAFile(buffered, "rb"), path, compression, cap)
    try:
        import zstandard
    except ImportError:
        raise InputError(f"Reading {path} needs zstandard: pip install zstandard.") from None
    return Checked(zstandard.ZstdDecompressor().stream_reader(buffered), path, compression, cap)


class Checked:
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
    ``decompressor``), held once: ``BytesIO.getvalue`` hands over its buffer without a copy."""
    src = decompressor(raw, compression, path)
    out = io.BytesIO()
    buf = bytearray(READ)
    with memoryview(buf) as view:
        while n := src.readinto(buf):
            out.write(view[:n])
    return out.getvalue()


def read_compressed(path: str, compression: str, alg: str | None) -> tuple[bytes, str | None]:
    """A compressed file decompressed whole (``decompressed``) and the digest (algorithm ``alg``)
    of its compressed bytes, hashed as they are read: the compressed file is never held in memory."""
    h = AsyncHash(alg) if alg else None
    try:
        with open(path, "rb", buffering=0) as fh:
            raw = Hashing(fh, h)
            data = decompressed(raw, compression, path)
            raw.drain()  # the digest covers the whole compressed file
    except OSError as e:
        raise cannot_read(path, e) from None
    return data, h.hexdigest() if h is not None else None
