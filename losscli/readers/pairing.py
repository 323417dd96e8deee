"""Rows of two tables paired by id: checked row by row, or joined (``--align join``).

When PRED and TARGET are two tables that both have the id column (``--id-col NAME``, or columns
both name like an id: ``columns.id_like``), their rows are paired by position only if their ids
agree row by row. The ids ride along with the role arrays (keyed by a ``Pair``, which carries
what the error names; ``readers.stream`` checks them in every chunk, streamed, in memory or on
Dask partitions), and the first row whose ids differ is an ``InputError`` with the hint
``--align join``.

``--align join`` reads both tables whole and reorders the TARGET table's rows to the PRED table's
ids (the PRED file's row order is kept). Ids missing on either side, repeated ids and empty ids
are an error, or with ``--missing omit`` their rows are dropped and counted (``DROPPED_KEYS``).
Numpy only; ids are compared as the file's text (``take_keys`` of the readers: ``007`` is not
``7``, ``1.10`` is not ``1.1``; a Parquet integer is its decimal text, so it pairs with the same
integer in a CSV).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, NamedTuple

import numpy as np

from losscli.errors import InputError

SHOWN = 3  # ids shown in a message
_NUMBER = re.compile(r"[+-]?(\d{1,40}(\.\d{0,20})?|\.\d{1,20})([eE][+-]?\d{1,4})?")  # shown unquoted


class Pair(NamedTuple):
    """The ids of one side (``pred``/``target``) of one paired id column, and what the error
    names, so that a chunk read anywhere (a Dask worker) can be checked on its own."""

    side: str
    name: str
    pred_where: str
    target_where: str


def check_block(pairs: dict[Pair, Any], first: int) -> None:
    """Raise at the first row (of rows ``first ..`` of the inputs) whose paired ids differ
    (both empty counts as agreeing)."""
    for key, pred in pairs.items():
        if key.side != "pred":
            continue
        target = pairs[key._replace(side="target")]
        row = first_difference(np.asarray(pred), np.asarray(target))
        if row is not None:
            raise InputError(
                f"Rows are paired by position, but row {first + row + 1} has {key.name} {show(pred[row])} in {key.pred_where} "
                f"and {show(target[row])} in {key.target_where}; pass --align join to pair them by id."
            )


def first_difference(a: np.ndarray, b: np.ndarray) -> int | None:
    """The first row (of the rows both have) whose ids differ, or None."""
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    if a.dtype != b.dtype and not (a.dtype.kind in "iuf" and b.dtype.kind in "iuf"):
        a, b = a.astype(object), b.astype(object)
    with np.errstate(all="ignore"):
        differ = np.asarray(a != b)
    if differ.shape != (n,):  # an elementwise comparison numpy refuses: compare as Python values
        differ = np.array([x != y for x, y in zip(a.tolist(), b.tolist())], dtype=bool)
    for row in np.flatnonzero(differ):
        if not (_empty(a[row]) and _empty(b[row])):
            return int(row)
    return None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and value != value)


def key_text(value: Any) -> str:
    """The text of an id value that has no text of its own (a Parquet or parsed value):
    integers in decimal, integral floats as integers (``12.0`` is ``12``), other floats as
    Python writes them, text as it is."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def show(value: Any) -> str:
    """An id for a message: numbers as written, text quoted (and cut)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        if _NUMBER.fullmatch(value):  # a number's text as written (1.10, 007)
            return value
        return repr(value if len(value) <= 40 else value[:40] + "...")
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 2**53 else repr(value)
    return str(value)


def join(pred_ids: np.ndarray, target_ids: np.ndarray, name: str, pwhere: str, twhere: str, omit: bool) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Rows of PRED and of TARGET that pair up by id, in PRED's order: ``(pred_rows,
    target_rows, dropped)``. Without ``omit``, any id without exactly one partner is an
    ``InputError`` counting each kind of problem; with it, those rows are dropped and counted
    in ``dropped`` (``id_duplicate``: rows whose id repeats in its own file; ``id_unmatched``:
    the other rows left without a partner, their id empty or not once on the other side)."""
    p, t = _values(pred_ids, pwhere, name), _values(target_ids, twhere, name)
    pc, tc = Counter(x for x in p if not _empty(x)), Counter(x for x in t if not _empty(x))
    problems: list[tuple[str, list[Any]]] = []
    for c, other, where, elsewhere in ((pc, tc, pwhere, twhere), (tc, pc, twhere, pwhere)):
        only = [x for x in c if x not in other]
        if only:
            problems.append((f"{_ids(len(only))} of {where} {_are(len(only))} not in {elsewhere}", only))
    for where, c in ((pwhere, pc), (twhere, tc)):
        dup = [x for x, k in c.items() if k > 1]
        if dup:
            problems.append((f"{_ids(len(dup))} repeat{'s' if len(dup) == 1 else ''} in {where}", dup))
    for where, values in ((pwhere, p), (twhere, t)):
        empty = sum(_empty(x) for x in values)
        if empty:
            problems.append((f"{empty} row{'s' if empty > 1 else ''} of {where} {'have' if empty > 1 else 'has'} no id", []))
    if problems and not omit:
        text = "; ".join(what + (f" (first: {', '.join(show(x) for x in ids[:SHOWN])})" if ids else "") for what, ids in problems)
        raise InputError(f"Cannot join {pwhere} and {twhere} by '{name}': {text}; pass --missing omit to drop these rows.")
    where_t = {x: j for j, x in enumerate(t) if tc.get(x) == 1}
    pred_rows = np.array([i for i, x in enumerate(p) if pc.get(x) == 1 and x in where_t], dtype=np.int64)
    target_rows = np.array([where_t[p[i]] for i in pred_rows], dtype=np.int64)
    dup = sum(k for k in pc.values() if k > 1) + sum(k for k in tc.values() if k > 1)
    unmatched = len(p) + len(t) - 2 * len(pred_rows) - dup
    return pred_rows, target_rows, {"id_unmatched": unmatched, "id_duplicate": dup}


def reorder(loaded: Any, like: np.ndarray) -> None:
    """Put the rows of a joined ``readers.Loaded`` (its ``ids`` hold each row's id) in the order
    of the ids ``like``, the same ids in another order (``compare --align join``: every system
    in BASE's order)."""
    _, rows, _ = join(np.asarray(like), np.asarray(loaded.ids), loaded.id_name, "BASE", "this system", False)
    n = len(rows)
    loaded.arrays = {k: np.asarray(v)[rows] if np.ndim(v) and len(v) == n else v for k, v in loaded.arrays.items()}
    loaded.weights = None if loaded.weights is None else np.asarray(loaded.weights)[rows]
    loaded.ids = np.asarray(loaded.ids)[rows]


def _values(ids: np.ndarray, where: str, name: str) -> list[Any]:
    values = np.asarray(ids).tolist()
    for row, x in enumerate(values):
        try:
            hash(x)
        except TypeError:
            raise InputError(f"The id in {where}, column '{name}', row {row + 1} is not a number or a string; ids must be.") from None
    return values


def _ids(n: int) -> str:
    return f"{n} id{'s' if n > 1 else ''}"


def _are(n: int) -> str:
    return "are" if n > 1 else "is"
