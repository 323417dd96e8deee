"""The digest of big text inputs, started as soon as ``losscli eval`` knows their paths.

The report carries the digest of each input (``losscli._digest``: BLAKE3 by default, sha256 with
``--hash sha256``, none with ``--hash none``), ~0.2 s of CPU per 400 MB. A streamed table used
to hash its pieces as they were parsed, on a thread competing
with the parse workers for the two cores, while the first third of a second, when Python imports
numpy and pandas on one core, left the other idle. ``start(paths)`` now begins hashing each text
table (CSV, TSV, TXT, JSONL, maybe compressed) of at least ``MIN_BYTES`` from the file on a
daemon thread at once. The reader takes the job over with ``claim(path)``:

- a whole-file read calls ``result()``: the thread hashes the file to its end;
- a stream uses the job as its hash: its first ``update(bytes)`` stops the thread's own reading
  (after the step under way), and from then the thread hashes the bytes the reader hands it,
  skipping the ``k`` bytes it had already read itself. One hash object, fed in file order: the
  digest is the file's, as without the head start, with no second read of the rest of the file.

Either way the digest is given only if the file kept the size, modification time and inode it
had when the job started (else an ``InputError``: it changed while it was read, and no digest
would describe what was evaluated). stdin, globs, missing and small files, NPY/NPZ and Parquet
are left to their readers (an array stream hashes each file on a thread of its own, reading it
in 256 kB steps that stay in cache: there the hash is the longest step, and 16 MB steps were
slower and cost 32 MB of RSS).

Standard library only: this module is imported before numpy.
"""

from __future__ import annotations

import os
import queue
import stat
import threading
from collections.abc import Iterable
from typing import Any

from losscli import _digest
from losscli.errors import InputError

MIN_BYTES = 1 << 20  # smaller files: hashed by the readers as they read them (the thread costs more)
TABLES = (".csv", ".tsv", ".txt", ".jsonl")  # after a compression suffix is stripped
COMPRESSED = (".gz", ".bz2", ".xz", ".zst")
# Bytes per read and hash update of the thread's own reading. Both release the GIL, but getting
# it back can take the switch interval (5 ms) while the main thread imports modules: large steps
# make few hand-overs (hashlib.file_digest's 256 kB steps hash at ~50 MB/s beside the imports).
READ_BYTES = 16 << 20

_jobs: dict[str, "Job"] = {}
_lock = threading.Lock()


def start(paths: Iterable[str | None], alg: str = _digest.DEFAULT) -> None:
    """Start hashing (algorithm ``alg``) the big text tables among ``paths`` (other paths are ignored)."""
    for path in paths:
        if not path or path == "-":
            continue
        base = path.lower()
        base = base[: base.rfind(".")] if base.endswith(COMPRESSED) else base
        if not base.endswith(TABLES):
            continue
        try:
            st = os.stat(path)
        except (OSError, ValueError):  # a glob, a typo: the readers report it
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_size < MIN_BYTES:
            continue
        key = os.path.realpath(path)
        with _lock:
            if key not in _jobs:
                _jobs[key] = Job(path, st, alg)


def claim(path: str, alg: str = _digest.DEFAULT) -> "Job | None":
    """The job hashing ``path`` with ``alg``, if one was started (each job is handed out once)."""
    if not _jobs or path == "-":
        return None
    with _lock:
        job = _jobs.pop(os.path.realpath(path), None)
    if job is not None and job.alg != alg:  # started for another algorithm: not this reader's digest
        job.cancel()
        return None
    return job


def clear() -> None:
    """Cancel the jobs not claimed."""
    with _lock:
        jobs = list(_jobs.values())
        _jobs.clear()
    for job in jobs:
        job.cancel()


def signature(st: os.stat_result) -> tuple[int, int, int, int]:
    """What must not change while a file is read and hashed: size, mtime, inode, device."""
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def changed(path: str) -> InputError:
    """The error for a file whose ``signature`` changed while it was read and hashed."""
    return InputError(f"{path} changed while it was read: its digest would not describe what was evaluated.")


class Job:
    """The digest of one file, on a daemon thread: read from the file, then (once a reader takes
    it over with ``update``) from the reader's bytes."""

    def __init__(self, path: str, st: os.stat_result, alg: str = _digest.DEFAULT) -> None:
        self.path, self.alg = path, alg
        self._before = signature(st)
        self._h = _digest.new(alg)
        self._read = 0  # bytes the thread hashed from its own reading
        self._error: OSError | None = None
        self._stop = threading.Event()  # a reader took over: stop reading the file
        self._queue: queue.Queue = queue.Queue(maxsize=8)  # the reader's bytes (backpressure)
        self._streaming = False
        self._done = threading.Event()
        threading.Thread(target=self._run, name="losscli-digest", daemon=True).start()

    def _run(self) -> None:
        buf = bytearray(READ_BYTES)
        try:
            with memoryview(buf) as view, open(self.path, "rb", buffering=0) as fh:
                while not self._stop.is_set() and (got := fh.readinto(buf)):
                    self._h.update(view[:got])
                    self._read += got
        except OSError as e:
            self._error = e
        del buf  # (the loop below runs in this frame)
        fed = 0  # the reader's bytes (none for a whole-file read), in file order: the first _read were hashed
        while (data := self._queue.get()) is not None:
            size = len(data)
            if fed + size > self._read:
                self._h.update(memoryview(data)[max(self._read - fed, 0) :])
            fed += size
        self._done.set()

    def update(self, data: Any) -> None:
        """The reader's next bytes (from the file's first byte on, in order)."""
        if not self._streaming:
            self._streaming = True
            self._stop.set()
        self._queue.put(data)

    def hexdigest(self) -> str:
        """The digest, once the reader has handed over every byte of the file."""
        return self.result()

    def result(self) -> str:
        """The digest of the file: the thread's own reading to the end, unless a reader took
        over with ``update`` (then it must have handed over every byte)."""
        if not self._done.is_set():
            self._queue.put(None)
        self._done.wait()
        try:
            now = signature(os.stat(self.path))
        except OSError as e:
            raise InputError(f"Cannot read {self.path}: {e.strerror or e}") from None
        if self._error is not None and not self._streaming:  # (a stream hashed what it read itself)
            raise InputError(f"Cannot read {self.path}: {self._error.strerror or self._error}")
        if self._before != now:
            raise changed(self.path)
        return self._h.hexdigest()

    def cancel(self) -> None:
        """Unclaimed: let the thread finish."""
        self._stop.set()
        self._queue.put(None)
