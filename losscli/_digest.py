"""Input digests: the one place that hashes what losscli reads (files, stdin, decompressed or
streamed bytes), with the algorithm chosen by ``--hash``.

BLAKE3 (the ``blake3`` package) is the default: a cryptographic hash that is faster than
sha256 here. Measured on an 800 MB file in the page cache, on two cores: sha256 0.81 s, BLAKE3
on one thread 0.25 s. Every BLAKE3 hash runs on one thread: the hashes run beside the readers and
the evaluation (and a pred/target pair is hashed on two threads), so more threads only compete for
the two cores. The 10M-row CSV benchmark took 1.79 s with ``AUTO`` threads and 1.30-1.53 s with
one (pandas' read_csv 1.45-1.69 s in the same runs); the 1.6 GB NPY pair 1.11 s and 1.20 s.
Whole files are read in 1 MB steps into one buffer, not by ``update_mmap``: the map makes the
whole file resident until the hash ends (a streamed 1.6 GB input would count its size in RSS,
against the bounded memory of streaming).

A report's input names its digest by the algorithm: ``{"blake3": HEX}`` or ``{"sha256": HEX}``.
A glob's digest is the digest of its files' hex digests joined in order (one file: its own).

Standard library only at import time (``losscli._prefetch`` imports this before numpy; the
``blake3`` module is imported when a BLAKE3 hash is made).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

ALGORITHMS = ("blake3", "sha256")
DEFAULT = "blake3"
NONE = "none"  # --hash none: no digest
_READ = 1 << 20  # bytes per read of a whole file (a buffer that stays in cache)


def algorithm(hash_inputs: bool | str | None) -> str | None:
    """The algorithm a ``hash_inputs`` setting asks for: None for no digest (False, None or
    "none"), the default for True, else the name itself (one of ``ALGORITHMS``)."""
    if hash_inputs is True:
        return DEFAULT
    if not hash_inputs or hash_inputs == NONE:
        return None
    if hash_inputs not in ALGORITHMS:
        raise ValueError(f"unknown hash algorithm {hash_inputs!r}")
    return str(hash_inputs)


def new(alg: str) -> Any:
    """An incremental hash (``update(bytes)``, ``hexdigest()``) of algorithm ``alg``."""
    if alg == "blake3":
        import blake3

        return blake3.blake3()  # one thread: see the module docstring
    return hashlib.new(alg)


def of_bytes(data: Any, alg: str) -> str:
    """The digest of bytes in memory (stdin, a compressed file read whole)."""
    h = new(alg)
    h.update(data)
    return h.hexdigest()


def of_file(path: str, alg: str) -> str:
    """The digest of a whole file (``OSError`` when it cannot be read)."""
    if alg != "blake3":
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, alg).hexdigest()
    h = new(alg)
    buf = bytearray(_READ)
    with memoryview(buf) as view, open(path, "rb", buffering=0) as fh:
        while got := fh.readinto(buf):
            h.update(view[:got])
    return h.hexdigest()


def combine(digests: Sequence[str], alg: str) -> str:
    """The digest of a glob's files: its own for one file, else the digest of their hex
    digests joined in order."""
    if len(digests) == 1:
        return digests[0]
    return of_bytes("".join(digests).encode(), alg)


def key(info: Mapping[str, Any]) -> str | None:
    """The algorithm whose digest an input's info carries (or leaves to fill: ``None`` value)."""
    return next((alg for alg in ALGORITHMS if alg in info), None)


class ValuesDigest:
    """The digest of a role's values, chunk after chunk: their float64 bytes (little-endian,
    C order) after the shape of one row. It names the values, not the file: the same target in
    CSV or NPY, read whole or in chunks, gives the same digest, and a table holding predictions
    beside its target gives one that does not change with the predictions. Values that are not
    numbers (labels) are hashed as their text, one per line."""

    def __init__(self, alg: str) -> None:
        self.alg = alg
        self._h = new(alg)
        self._tail: tuple | None = None

    def update(self, array: Any) -> None:
        import numpy as np

        a = np.asarray(array)
        if self._tail is None:
            self._tail = tuple(a.shape[1:])
            self._h.update(repr(self._tail).encode())
        try:
            data = np.ascontiguousarray(a, dtype="<f8").data.cast("B")
        except (TypeError, ValueError):
            data = "".join(f"{v}\n" for v in a.ravel().tolist()).encode()
        self._h.update(data)

    def result(self) -> dict[str, str]:
        """``{algorithm: hex}``, the report's ``values_digest``."""
        return {self.alg: self._h.hexdigest()}
