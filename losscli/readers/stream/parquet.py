"""Parquet files (or the files of a glob) as a stream of record batches (pyarrow, through
``readers.parquet``): only the selected columns, one row group at a time. The footers are read
when the stream opens: columns, row groups and rows are known before any data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli import _digest
from losscli.errors import InputError
from losscli.readers import parquet as arrow
from losscli.readers.stream.base import Column, Members, positions, select
from losscli.readers.stream.files import FileDigests


class ParquetStream:
    """Parquet files in record batches of about N rows (``readers.parquet.pieces``)."""

    info: dict[str, Any] | None = None
    tabular = True

    def __init__(self, paths: list[str], source: Any, hash_inputs: str | None) -> None:
        self.paths, self.source, self.hash_inputs = paths, source, hash_inputs
        self.columns: list[str] = []
        self.row_groups: list[list[int]] = []
        for path in paths:
            columns, groups = arrow.metadata(path)
            if path is paths[0]:
                self.columns = columns
            elif columns != self.columns:
                raise InputError(f"{path} has columns {columns}, but {paths[0]} has {self.columns}.")
            if not sum(groups):  # as the whole-file read says
                raise InputError(f"{path} has no data rows.")
            self.row_groups.append(groups)
        self.rows = sum(sum(g) for g in self.row_groups)
        self.row_bytes = 8.0 * max(len(self.columns), 1)
        self._hashing: FileDigests | None = None

    def pieces(self, rows: int) -> Iterator[Any]:
        return self._pieces(rows, list(range(len(self.columns))), None)

    def selected(self, rows: int, members: Members) -> Iterator[dict[Column, np.ndarray]]:
        """The selections ``members`` of each batch (only their columns are read)."""
        members = list(members)
        return self._pieces(rows, positions(members), members)

    def _pieces(self, rows: int, wanted: list[int], members: list | None) -> Iterator[Any]:
        if self.hash_inputs and self._hashing is None:  # the files' bytes, hashed beside the reading
            self._hashing = FileDigests(self.paths, self.hash_inputs)
        base = 0
        for path, groups in zip(self.paths, self.row_groups):
            for table in arrow.pieces(path, self.columns, wanted, rows, path, base):
                yield table if members is None else select(table, members)
            base += sum(groups)

    def digest(self) -> str | None:
        if not self.hash_inputs:
            return None
        if self._hashing is None:
            self._hashing = FileDigests(self.paths, self.hash_inputs)
        return _digest.combine(self._hashing.result(), self.hash_inputs)
