"""Inputs opened for streaming: a ``LazyTable`` knows its header (its stream has parsed the first
piece of the file) and a ``LazyArray`` its shape and dtype; selecting from them gives ``Ref``s
instead of arrays, which ``readers.stream.align`` applies to every piece its stream yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.readers.arrays import read_npy
from losscli.readers.sources import Source, expand
from losscli.readers.stream.base import Ref, Stream
from losscli.readers.stream.csv import CsvStream
from losscli.readers.stream.npy import ArrayStream, NpyPart, Pipe, npy_part, piped_parts
from losscli.readers.stream.parquet import ParquetStream


class LazyTable:
    """The header of a streamed table; ``take`` gives ``Ref``s (the ``Table`` interface)."""

    def __init__(self, stream: CsvStream | ParquetStream) -> None:
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

    def __init__(self, stream: Stream, shape: tuple[int, ...], dtype: np.dtype) -> None:
        super().__init__(stream, "all")
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getitem__(self, index: Any) -> Ref:
        return Ref(self.stream, "index", index)


@dataclass
class Opened:
    """An input opened for streaming: a lazy table, or an array (lazy, or read whole from stdin),
    its report info (digest filled in when the stream ends) and notes for stderr."""

    table: LazyTable | None
    array: Any
    info: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def open_lazy(source: Source, key: str | None, *, header: bool | None, delimiter: str | None, hash_inputs: str | None) -> Opened | None:
    """``source`` opened for streaming, or None when its format is read whole (JSONL, compressed
    Parquet, Fortran-ordered arrays, NPY files of different dtypes)."""
    paths = expand(source)
    info: dict[str, Any] = {"path": source.where, "format": source.fmt}
    if source.fmt in ("csv", "tsv", "txt"):
        return _table(CsvStream(paths, source, header=header, delimiter=delimiter, hash_inputs=hash_inputs), info, hash_inputs)
    if source.fmt == "parquet" and source.compression is None and "-" not in paths:
        return _table(ParquetStream(paths, source, hash_inputs), info, hash_inputs)
    stdin: Pipe | None = None
    if source.fmt == "npy" and (source.compression is not None or "-" in paths):
        parts, stdin = piped_parts(paths, source.compression, hash_inputs)
        if parts is None and stdin is not None:  # stdin with a header this stream does not take: read whole here
            return _stdin_whole(stdin, info, hash_inputs)
    elif source.fmt not in ("npy", "npz") or source.compression is not None or "-" in paths:
        return None
    else:
        parts = [npy_part(path, source.fmt, key or source.key) for path in paths]
    if parts is None or None in parts:
        return None
    return _array(parts, source, info, hash_inputs, stdin)


def _table(stream: CsvStream | ParquetStream, info: dict[str, Any], hash_inputs: str | None) -> Opened:
    if len(stream.paths) > 1:
        info["files"] = len(stream.paths)
    if hash_inputs:
        info[hash_inputs] = None  # filled when the stream ends
    stream.info = info
    note = getattr(stream, "note", None)  # a table without header (its first file's)
    return Opened(LazyTable(stream), None, info, [note] if note else [])


def _stdin_whole(stdin: Pipe, info: dict[str, Any], hash_inputs: str | None) -> Opened:
    """NPY from stdin that the stream does not take (an unusual header), read whole."""
    array = read_npy(stdin.rest(), stdin.where)
    info.update(shape=list(array.shape or (1,)), dtype=str(array.dtype))  # a 0-d array is one row
    digest = stdin.close()
    if hash_inputs:
        info[hash_inputs] = digest
    return Opened(None, array, info)


def _array(parts: list[NpyPart], source: Source, info: dict[str, Any], hash_inputs: str | None, stdin: Pipe | None) -> Opened | None:
    """A ``LazyArray`` over the NPY parts of an input (None to read it whole: differing dtypes,
    which ``np.concatenate`` would promote)."""
    tails = {p.shape[1:] for p in parts}
    if len(tails) > 1:
        raise InputError(f"The files of {source.where} have different shapes: {sorted(tails)}.")
    if len({p.dtype for p in parts}) > 1:
        return None
    if source.fmt == "npz":
        info["key"] = parts[0].key
    if len(parts) > 1:
        info["files"] = len(parts)
    if hash_inputs:
        info[hash_inputs] = None
    shape = (sum(p.shape[0] for p in parts), *parts[0].shape[1:])
    info.update(shape=list(shape), dtype=str(parts[0].dtype))
    stream = ArrayStream(parts, hash_inputs, stdin)
    stream.info = info
    return Opened(None, LazyArray(stream, shape, parts[0].dtype), info)
