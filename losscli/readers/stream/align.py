"""Chunks of rows of every input at once: each stream read once, all columns re-cut to the same rows.

``iter_chunks(loaded, N)`` yields ``Chunk``s of N rows in which every role, the weights, the ids
and the group columns cover the same rows (about N rows when everything comes from one table:
its pieces are not re-cut). A whole-file ``Loaded`` (plain arrays) is one chunk, or is sliced
when N is given: the CLI has one loop for both. Inputs of different lengths are the whole-file
error naming every count (``row_counts_error``).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli import _digest
from losscli.errors import ShapeError
from losscli.readers.stream.base import IDS, WEIGHT, Chunk, Column, MemoryStream, Ref
from losscli.readers.stream.sizing import default_chunk_rows


def keyed(loaded: Any) -> list[tuple[Column, Any]]:
    """Everything ``loaded`` (a ``readers.Loaded``) holds per row, under its ``Column``."""
    out = [(Column("role", k), v) for k, v in loaded.arrays.items()]
    out += [(k, v) for k, v in ((WEIGHT, loaded.weights), (IDS, loaded.ids)) if v is not None]
    out += [(Column("group", k), v) for k, v in loaded.groups.items()]
    out += [(Column("pair", k), v) for k, v in loaded.pairs.items()]  # ids checked row by row (readers.pairing)
    return out


def describe(column: Column, loaded: Any) -> str:
    """``column`` as errors name it, with where it comes from when known."""
    src = loaded.sources.get(column.label())
    return f"{column.label()} ({src})" if src else column.label()


def row_counts_error(counts: dict[Column, int], described: dict[Column, str], shared: frozenset[str] = frozenset()) -> ShapeError:
    """The whole-file error for inputs of different lengths: every count, named as
    ``described`` says (the ids checked row by row are counted with their tables); the roles
    of ``shared`` that are there may also have one row, as the error says."""
    where = [f"{described.get(k, k.label())} has {n}" for k, n in counts.items() if k.kind != "pair"]
    one = [k.label() for k in counts if k.kind == "role" and k.name in shared]
    hint = f"; {' and '.join(one)} may also have 1 row, shared by every row" if one else ""
    return ShapeError(f"Inputs have different numbers of rows: {', '.join(where)}{hint}.")


def iter_chunks(loaded: Any, chunk_rows: int | None = None, shared: frozenset[str] = frozenset()) -> Iterator[Chunk]:
    """The rows of ``loaded`` (a ``readers.Loaded``) in chunks of ``chunk_rows`` (all at once
    when None and nothing is lazy). Each file is read once; lengths that differ are an error,
    except a role of ``shared`` (one row may stand for every row: gaussian_nll's ``(1, D)``
    var) that has one row: that row goes whole with every chunk, where the engine repeats it."""
    present = keyed(loaded)
    if chunk_rows is None and not any(isinstance(v, Ref) for _, v in present):
        yield Chunk.of(dict(present), 0)
        return
    rows = chunk_rows or default_chunk_rows([v for _, v in present])
    by_stream: dict[int, tuple[Any, list[tuple[Column, Any]]]] = {}
    for k, v in present:
        stream = v.stream if isinstance(v, Ref) else MemoryStream(v)
        by_stream.setdefault(id(stream), (stream, []))[1].append((k, v))
    sources = list(by_stream.values())
    aligned, whole, its = _one_row_sources(sources, rows, shared)
    first = 0
    for block in _aligned(aligned, its, rows, loaded, shared):
        yield Chunk.of({**block, **whole}, first)
        first += _rows(block)
    fill_digests(loaded, [s for s, _ in sources], {})


def _one_row_sources(sources: list, rows: int, shared: frozenset[str]) -> tuple[list, dict[Column, np.ndarray], list]:
    """(the sources to align, the columns of the one-row sources of ``shared`` roles, the
    iterators of the sources to align). A source of ``shared`` roles only is read ahead until it
    has 2 rows; with one row in all it is taken whole, else its pieces read go back in front."""
    aligned, whole, its = [], {}, []
    for stream, members in sources:
        it = stream.selected(rows, members)
        if len(sources) > 1 and all(k.kind == "role" and k.name in shared for k, _ in members):
            head: list[dict[Column, np.ndarray]] = []
            for piece in it:
                head.append(piece)
                if sum(_rows(p) for p in head) > 1:
                    break
            if sum(_rows(p) for p in head) == 1:
                whole.update(next(p for p in head if _rows(p)))
                continue
            it = itertools.chain(head, it)
        aligned.append((stream, members))
        its.append(it)
    return aligned, whole, its


def _rows(piece: dict[Column, np.ndarray]) -> int:
    return len(next(iter(piece.values())))


def _aligned(sources: list, its: list, rows: int, loaded: Any, shared: frozenset[str]) -> Iterator[dict[Column, np.ndarray]]:
    """Blocks of ``rows`` rows of every column, re-cut across the pieces of each stream
    (``its``: each source's pieces)."""
    if len(its) == 1:  # one file: its pieces (about ``rows`` rows each) need no re-cutting
        yield from (piece for piece in its[0] if _rows(piece))
        return
    bufs: list[deque] = [deque() for _ in its]
    have, total = [0] * len(its), [0] * len(its)
    while True:
        _fill(its, bufs, have, rows)
        n = min(min(have), rows)
        if n == 0:
            if any(have):
                _mismatch(sources, its, have, total, loaded, shared)
            return
        block: dict[Column, np.ndarray] = {}
        for i in range(len(its)):
            block.update(_take(bufs[i], n))
            have[i] -= n
            total[i] += n
        yield block


def _fill(its: list, bufs: list[deque], have: list[int], rows: int) -> None:
    """Read pieces of each stream until it has ``rows`` rows buffered or ends (``have``: the
    rows buffered, updated; an ended stream's iterator is replaced by an empty one)."""
    for i, it in enumerate(its):
        while have[i] < rows:
            piece = next(it, None)
            if piece is None:
                its[i] = iter(())
                break
            if _rows(piece):
                bufs[i].append(piece)
                have[i] += _rows(piece)


def _take(buf: deque, n: int) -> dict[Column, np.ndarray]:
    """The first ``n`` rows of the pieces in ``buf`` (removed from it)."""
    parts: list[dict[Column, np.ndarray]] = []
    need = n
    while need:
        piece = buf[0]
        m = _rows(piece)
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


def _mismatch(sources: list, its: list, have: list[int], total: list[int], loaded: Any, shared: frozenset[str]) -> None:
    """Raise the whole-file error for inputs of different lengths (counting the rest of the
    longer ones first)."""
    counts: dict[Column, int] = {}
    for (_, members), it, h, t in zip(sources, its, have, total):
        rest = sum(_rows(p) for p in it)
        for k, _ in members:
            counts[k] = t + h + rest
    order = [k for k, _ in keyed(loaded) if k in counts]
    raise row_counts_error({k: counts[k] for k in order}, {k: describe(k, loaded) for k in order}, shared)


def fill_digests(loaded: Any, streams: list[Any], digests: dict[int, str | None]) -> None:
    """Put the digests of the streams into the report's input info, where the lazy read left
    them empty: ``digests`` by ``id(stream)`` (computed elsewhere: Dask), else each stream's own."""
    for stream in streams:
        info = getattr(stream, "info", None)
        alg = _digest.key(info) if info is not None else None
        if alg is not None and info[alg] is None:
            info[alg] = digests[id(stream)] if id(stream) in digests else stream.digest()
    for role, info in loaded.info.items():
        value = loaded.arrays.get(role)
        alg = _digest.key(info)
        if isinstance(value, Ref) and alg is not None and info[alg] is None:
            info[alg] = digests.get(id(value.stream)) if digests else value.stream.digest()
