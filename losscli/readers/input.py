"""One input read: a table or an array (whole, or opened for streaming), and its report info."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from losscli import _digest, _prefetch
from losscli.errors import InputError, UsageError
from losscli.readers import columns as cols
from losscli.readers.arrays import read_npy, read_npz
from losscli.readers.sources import TABULAR, Source, expand
from losscli.readers.stream import open_lazy, read_compressed


class Input:
    """One read input: a table or an array, plus its report info and notes for stderr (what
    was decided from the data: a table without header)."""

    def __init__(self, source: Source, table: Any, array: np.ndarray | None, info: dict[str, Any], notes: list[str] | None = None) -> None:
        self.source, self.table, self.array, self.info = source, table, array, info
        self.notes = notes or []

    @classmethod
    def read(
        cls, source: Source, key: str | None, *, header: bool | None, delimiter: str | None, hash_inputs: bool | str, lazy: bool = False
    ) -> "Input":
        """Read ``source`` whole (a glob: its files concatenated), or with ``lazy`` open it for
        streaming when its format streams (``readers.stream``)."""
        hash_inputs = _digest.algorithm(hash_inputs)
        if lazy:
            opened = open_lazy(source, key, header=header, delimiter=delimiter, hash_inputs=hash_inputs)
            if opened is not None:
                return cls(source, opened.table, opened.array, opened.info, opened.notes)
        paths = expand(source)
        info: dict[str, Any] = {"path": source.where, "format": source.fmt}
        digests, tables, arrays = [], [], []
        for path in paths:
            data, digest = open_data(path, source.compression, hash_inputs)
            digests.append(digest)
            if source.fmt in TABULAR:
                tables.append(_read_table(data, source.fmt, "<stdin>" if path == "-" else path, header, delimiter))
            else:
                arrays.append(_read_array(data, source, key, "<stdin>" if path == "-" else path, info))
        if len(paths) > 1:
            info["files"] = len(paths)
        if hash_inputs:
            info[hash_inputs] = _digest.combine(digests, hash_inputs)
        if tables:
            return cls(source, _concat_tables(tables, source), None, info, [t.note for t in tables if getattr(t, "note", None)])
        array = arrays[0] if len(arrays) == 1 else concat_arrays([np.atleast_1d(a) for a in arrays], source.where)
        info.update(shape=list(array.shape or (1,)), dtype=str(array.dtype))  # a 0-d array is one row
        return cls(source, None, array, info)

    def take(self, sel: list[int], role: str, out: Any) -> None:
        """Put the selected columns of this table into ``out`` (a ``Loaded``) as ``role`` (one
        column of a raw role as it is: labels; of a keyed role as its text: ids)."""
        raw = role in out.raw and len(sel) == 1
        if role in out.keyed:
            (pos,) = single(sel, f"The {role} input", ",".join(self.table.columns[i] for i in sel))
            out.arrays[role] = self.table.take_keys(pos)
        else:
            out.arrays[role] = self.table.take_ids(sel[0]) if raw else self.table.take(sel, role)
        names = [self.table.columns[i] for i in sel]
        out.info.setdefault(role, dict(self.info))["columns"] = names
        shown = names[0] if len(names) == 1 else ",".join(names[:3]) + (",..." if len(names) > 3 else "")
        out.sources[role] = f"{self.source.where} column '{shown}'" if len(names) == 1 else f"{self.source.where} columns '{shown}'"

    def extras(self, out: Any, weight_col: str | None, id_col: str | None) -> set[int]:
        """Select the weight and id columns of this table into ``out``; return their positions."""
        taken: set[int] = set()
        if weight_col is not None:
            (w,) = single(cols.select(self.table.columns, weight_col, self.source.where), "-w/--weight-col", weight_col)
            out.weights = self.table.take([w], "weight").astype(np.float64)
            out.sources["weight"] = f"{self.source.where} column '{self.table.columns[w]}'"
            out.info["weight"] = {"path": self.source.where, "columns": [self.table.columns[w]]}
            taken.add(w)
        if id_col is not None:
            (i,) = single(cols.select(self.table.columns, id_col, self.source.where), "--id-col", id_col)
            out.ids, out.id_name = self.table.take_shown(i), self.table.columns[i]
            taken.add(i)
        return taken

    def has(self, sel: str) -> bool:
        """Whether this table has the columns ``sel`` selects."""
        try:
            cols.select(self.table.columns, sel, self.source.where)
            return True
        except InputError:
            return False


def single(positions: list[int], flag: str, sel: str) -> list[int]:
    """``positions`` when ``sel`` selected exactly one column, else the usage error."""
    if len(positions) != 1:
        raise UsageError(f"{flag} '{sel}' must select exactly one column, got {len(positions)}.")
    return positions


def _read_table(data: Any, fmt: str, where: str, header: bool | None, delimiter: str | None) -> Any:
    if fmt == "parquet":  # pyarrow, without pandas (readers.parquet)
        from losscli.readers.parquet import read_parquet

        return read_parquet(data, where)
    from losscli.readers.tabular import read_table

    return read_table(data, fmt, where, header=header, delimiter=delimiter)


def _read_array(data: Any, source: Source, key: str | None, where: str, info: dict[str, Any]) -> np.ndarray:
    if source.fmt == "npy":
        return read_npy(data, where)
    if key and source.key and key != source.key:
        raise UsageError(f"{source.where}:{source.key} names the NPZ key '{source.key}' but --pred-key/--target-key says '{key}'; give one.")
    arr, info["key"] = read_npz(data, key or source.key, where)
    return arr


def _concat_tables(tables: list[Any], source: Source) -> Any:
    if len(tables) == 1:
        return tables[0]
    if source.fmt == "parquet":
        from losscli.readers.parquet import concat
    else:
        from losscli.readers.tabular import concat
    return concat(tables, source.where)


def open_data(path: str, compression: str | None, alg: str | None) -> tuple[Any, str | None]:
    """The data to parse (a path, or bytes for stdin and compressed files) and its digest
    (algorithm ``alg``; None without one)."""
    if path != "-" and compression is not None:  # decompressed once, capped (readers.stream.files)
        return read_compressed(path, compression, alg)
    try:
        if path == "-":
            raw = sys.stdin.buffer.read()
        else:
            job = _prefetch.claim(path, alg) if alg else None  # hashed since the command started
            digest = (job.result() if job is not None else _file_digest(path, alg)) if alg else None
            return path, digest
    except OSError as e:
        raise InputError(f"Cannot read {path}: {e.strerror or e}") from None
    return raw, _digest.of_bytes(raw, alg) if alg else None


def _file_digest(path: str, alg: str) -> str:
    try:
        return _digest.of_file(path, alg)
    except OSError as e:
        raise InputError(f"Cannot read {path}: {e.strerror or e}") from None


def concat_arrays(parts: list[np.ndarray], where: str) -> np.ndarray:
    """The arrays of the files of a glob, one after the other (their shapes must agree)."""
    tail = {p.shape[1:] for p in parts}
    if len(tail) > 1:
        raise InputError(f"The files of {where} have different shapes: {sorted(tail)}.")
    return np.concatenate(parts)
