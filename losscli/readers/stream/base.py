"""What every stream shares: the ``Stream`` protocol, the ``Chunk`` it gives the engine, the
``Column`` that names each per-row array on the way, and the ``Ref`` selections of lazy inputs.

A stream yields *pieces* (a parsed table, a block of an array) of about N rows; the selections
(``Ref``) that ``load_inputs(..., lazy=True)`` made are applied to each piece, giving one array
per ``Column``; ``readers.stream.align`` re-cuts them so that every column covers the same rows,
and ``Chunk.of`` turns such a block into the typed fields the engine reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from losscli.readers import pairing


@dataclass(frozen=True)
class Column:
    """What one per-row array of the inputs holds, while it travels with the others: a role's
    values (``name``: the role), the weights, the ids shown in outputs, a group column
    (``name``: the column's name), or ids checked row by row (``name``: a ``pairing.Pair``)."""

    kind: str  # one of KINDS
    name: Any = None

    def label(self) -> str:
        """How errors name it: ``pred``, ``weight``, ``id column``, ``group column g``."""
        if self.kind == "role":
            return str(self.name)
        return {"weight": "weight", "ids": "id column"}.get(self.kind, f"group column {self.name}")


KINDS = ("role", "weight", "ids", "group", "pair")
WEIGHT, IDS = Column("weight"), Column("ids")


@dataclass
class Chunk:
    """Rows ``first_row .. first_row + rows - 1`` (0-based) of every input."""

    arrays: dict[str, np.ndarray]  # role -> values
    weights: np.ndarray | None
    ids: np.ndarray | None
    first_row: int
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # group column -> values

    @property
    def rows(self) -> int:
        for a in self.arrays.values():
            return len(a)
        return len(self.weights) if self.weights is not None else 0

    @classmethod
    def of(cls, block: dict[Column, Any], first: int) -> "Chunk":
        """The chunk of a block of aligned arrays, once the ids paired by position agree on its
        rows (``pairing.check_block``: else an error naming the first row that differs)."""
        pairing.check_block({c.name: v for c, v in block.items() if c.kind == "pair"}, first)
        arrays = {c.name: v for c, v in block.items() if c.kind == "role"}
        groups = {c.name: v for c, v in block.items() if c.kind == "group"}
        return cls(arrays, block.get(WEIGHT), block.get(IDS), first, groups)


class Ref:
    """A selection from a lazy input: applied to each piece its stream yields. ``op``: ``take``
    (columns of a table, ``arg`` = (positions, role)), ``ids``/``keys``/``shown`` (a column as
    ``take_ids``/``take_keys``/``take_shown``), ``index`` (``piece[arg]``) or ``all``."""

    def __init__(self, stream: "Stream | None", op: str, arg: Any = None, cast: Any = None) -> None:
        self.stream, self.op, self.arg, self.cast = stream, op, arg, cast

    def astype(self, dtype: Any) -> "Ref":
        return Ref(self.stream, self.op, self.arg, dtype)

    def positions(self) -> list[int]:
        """The table columns this selection reads."""
        if self.op == "take":
            return list(self.arg[0])
        return [self.arg] if self.op in ("ids", "keys", "shown") else []

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


Members = Iterable[tuple[Column, Any]]  # each column read from a stream, with its selection


def select(piece: Any, members: Members) -> dict[Column, np.ndarray]:
    """The arrays of ``members`` in one piece (an array taken whole when it is not a ``Ref``)."""
    return {k: (v.get(piece) if isinstance(v, Ref) else piece) for k, v in members}


def positions(members: Members) -> list[int]:
    """The table columns that ``members`` read, in order."""
    out: set[int] = set()
    for _, ref in members:
        if isinstance(ref, Ref):
            out.update(ref.positions())
    return sorted(out)


@runtime_checkable
class Stream(Protocol):
    """Pieces of rows of one input (a file or the files of a glob), read once, in order.

    ``row_bytes``: bytes per row (of text for a table, of values for an array), which sets the
    default rows per chunk; ``tabular``: pieces are tables (sized by text) rather than arrays;
    ``info``: the input's report info, whose digest is filled in when the stream ends."""

    info: dict[str, Any] | None
    row_bytes: float
    tabular: bool

    def pieces(self, rows: int) -> Iterator[Any]:
        """The input in pieces of about ``rows`` rows (tables or arrays)."""

    def selected(self, rows: int, members: Members) -> Iterator[dict[Column, np.ndarray]]:
        """The arrays of ``members`` of each piece."""

    def digest(self) -> str | None:
        """The input's digest, once every piece was read (None when not hashed)."""


class MemoryStream:
    """An array already in memory, sliced."""

    info: dict[str, Any] | None = None
    tabular = False

    def __init__(self, array: np.ndarray) -> None:
        self.array = array.reshape(1) if np.ndim(array) == 0 else array  # a 0-d array is one row
        a = np.asarray(array)
        self.row_bytes = float(a.itemsize * int(np.prod(a.shape[1:], dtype=np.int64))) if a.ndim else float(a.itemsize)

    def pieces(self, rows: int) -> Iterator[np.ndarray]:
        for lo in range(0, len(self.array), rows):
            yield self.array[lo : lo + rows]

    def selected(self, rows: int, members: Members) -> Iterator[dict[Column, np.ndarray]]:
        members = list(members)
        for piece in self.pieces(rows):
            yield select(piece, members)

    def digest(self) -> str | None:
        return None
