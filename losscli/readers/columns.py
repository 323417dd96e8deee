"""Column selection (SPEC.md 3.2): names, 1-based indices, ranges, globs and comma lists.

Pure Python; no pandas. A selection resolves to positions in a header.
"""

from __future__ import annotations

import fnmatch

import numpy as np

from losscli.errors import InputError, UsageError

# Automatic role resolution (``auto_roles``, ``auto_single``; ``losscli inspect`` shows the same).
# Names are compared case-insensitively; two columns that both match are an error, never a pick.
PRED_NAMES = (
    "pred", "preds", "prediction", "predictions", "predicted", "y_pred", "y_hat", "yhat",
    "score", "scores", "y_score", "prob", "probs", "proba", "probability", "y_prob", "output", "logit", "logits",
)  # fmt: skip
PRED_GLOBS = ("logit_*", "prob_*")
TARGET_NAMES = ("target", "targets", "label", "labels", "y", "y_true", "truth", "ground_truth", "gt", "actual", "observed")
# Id-like columns are never chosen as pred or target by automatic resolution: identifiers, row
# numbers, names and times (``Unnamed: 0`` is the index column pandas' ``to_csv`` writes).
ID_NAMES = (
    "id", "ids", "idx", "index", "row", "row_id", "key", "name", "uuid", "uid", "guid", "sample_id",
    "time", "date", "datetime", "timestamp",
)  # fmt: skip
ID_GLOBS = (
    "*_id", "*_ids", "*_idx", "*_key", "*_name", "*_uuid", "*_at", "*_time", "*_date", "*_timestamp", "timestamp*", "unnamed: *",
    "__index_level_*__",  # the index pandas' to_parquet writes as a column
)  # fmt: skip
# Weight-like columns are never guessed as pred or target either (they are used only with -w).
WEIGHT_NAMES = ("weight", "weights", "w", "sample_weight", "sample_weights")
WEIGHT_GLOBS = ("*_weight", "*_weights")

# The widest table losscli reads: a header of millions of columns would make a column object of
# each (a 2M-column header took 3.5 GB) before any selection; it is refused (exit 3) first.
MAX_COLUMNS = 100_000


def too_wide(where: str) -> InputError:
    """The error for a table with more than ``MAX_COLUMNS`` columns (read here, when called:
    the one place the limit is set)."""
    return InputError(f"{where} has more than {MAX_COLUMNS} columns, the most losscli reads.")


def select(columns: list[str], sel: str, where: str) -> list[int]:
    """Positions of the columns ``sel`` names in ``columns`` (in selection order, no repeats).

    ``sel`` is a comma list of items; each item is an exact name, a 1-based index, a range
    ``a-b`` of names or indices (inclusive, in header order) or an fnmatch glob. A missing
    column is an ``InputError`` naming ``where`` and listing the columns.
    """
    out: list[int] = []
    for item in (s.strip() for s in sel.split(",")):
        if not item:
            raise UsageError(f"Empty item in column selection '{sel}'.")
        for pos in _item(columns, item, where):
            if pos not in out:
                out.append(pos)
    return out


def _item(columns: list[str], item: str, where: str) -> list[int]:
    if item in columns:
        return [columns.index(item)]
    if item.isdigit():
        return [_index(columns, int(item), where)]
    if any(ch in item for ch in "*?["):
        hits = [i for i, c in enumerate(columns) if fnmatch.fnmatchcase(c, item)]
        if not hits:
            raise InputError(f"No column matches '{item}' in {where}; columns: {describe(columns)}.")
        return hits
    for cut in (i for i, ch in enumerate(item) if ch == "-" and 0 < i < len(item) - 1):
        lo, hi = _bound(columns, item[:cut]), _bound(columns, item[cut + 1 :])
        if lo is not None and hi is not None:
            if hi < lo:
                raise UsageError(f"Column range '{item}' runs backwards in {where}.")
            return list(range(lo, hi + 1))
    raise InputError(f"Column '{item}' not found in {where}; columns: {describe(columns)}.")


def _bound(columns: list[str], text: str) -> int | None:
    if text in columns:
        return columns.index(text)
    if text.isdigit() and 1 <= int(text) <= len(columns):
        return int(text) - 1
    return None


def _index(columns: list[str], i: int, where: str) -> int:
    if not 1 <= i <= len(columns):
        raise InputError(f"Column index {i} is out of range in {where}: it has {len(columns)} columns (1-based).")
    return i - 1


def describe(columns: list[str]) -> str:
    shown = ", ".join(columns[:20])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > 20 else "")


def recognise(columns: list[str], names: tuple[str, ...], globs: tuple[str, ...] = ()) -> list[list[int]]:
    """Candidate selections: each recognised name alone, and each glob's matches together."""
    found = [[columns.index(n)] for n in names if n in columns]
    for g in globs:
        hits = [i for i, c in enumerate(columns) if fnmatch.fnmatchcase(c, g)]
        if hits:
            found.append(hits)
    return found


def id_like(name: str) -> bool:
    """Whether a column name reads as an id, index, name or time (never guessed as pred/target).

    >>> [id_like(n) for n in ("id", "Sample_ID", "created_at", "Unnamed: 0", "pred", "width")]
    [True, True, True, True, False, False]
    """
    low = name.lower()
    return low in ID_NAMES or any(fnmatch.fnmatchcase(low, g) for g in ID_GLOBS)


def weight_like(name: str) -> bool:
    """Whether a column name reads as sample weights (never guessed as pred/target).

    >>> [weight_like(n) for n in ("w", "Sample_Weight", "class_weights", "pred", "weighted_pred")]
    [True, True, True, False, False]
    """
    low = name.lower()
    return low in WEIGHT_NAMES or any(fnmatch.fnmatchcase(low, g) for g in WEIGHT_GLOBS)


def never_guessed(name: str) -> bool:
    """Id-like and weight-like columns: automatic resolution never makes them pred or target."""
    return id_like(name) or weight_like(name)


def named(columns: list[str], role: str) -> list[list[int]]:
    """Candidate selections for ``pred`` or ``target`` by name (case-insensitive; id-like
    columns never): each recognised name alone, and each glob's matches together."""
    names, globs = (PRED_NAMES, PRED_GLOBS) if role == "pred" else (TARGET_NAMES, ())
    low = [c.lower() for c in columns]
    found = [[i] for i, c in enumerate(low) if c in names and not never_guessed(c)]
    for g in globs:
        hits = [i for i, c in enumerate(low) if fnmatch.fnmatchcase(c, g) and not never_guessed(c)]
        if hits:
            found.append(hits)
    return found


def auto_roles(
    columns: list[str], taken: set[int], pred: list[int] | None, target: list[int] | None, where: str
) -> tuple[list[int], list[int]]:
    """Fill the pred/target selections not given by flags: the one rule of ``eval`` (one table
    holding both) and of ``losscli inspect``.

    Recognised names come first (``PRED_NAMES``, ``TARGET_NAMES``); otherwise the free columns
    (not ``taken`` by -w/--id-col/-g, not id- or weight-like) decide: exactly two are ``pred, target`` in
    that order, and one left beside a recognised or given role takes the other. Anything else is
    a usage error listing the columns and the flags to pass.
    """
    free = [i for i in range(len(columns)) if i not in taken and not never_guessed(columns[i])]
    if pred is None:
        pred = _one(named(columns, "pred"), "prediction", "-p/--pred-col", columns, where)
    if target is None:
        target = _one(named(columns, "target"), "target", "-y/--target-col", columns, where)
    if pred is None and target is None and len(free) == 2:
        return [free[0]], [free[1]]
    rest = [i for i in free if i not in (pred or []) and i not in (target or [])]
    if pred is None and target is not None and len(rest) == 1:
        pred = rest
    if target is None and pred is not None and len(rest) == 1:
        target = rest
    if pred is None or target is None:
        missing = " and ".join(x for x, s in (("-p/--pred-col", pred), ("-y/--target-col", target)) if s is None)
        raise UsageError(f"Cannot tell which columns of {where} to use; columns: {describe(columns)}{_skipped(columns)}. Pass {missing}.")
    return pred, target


def auto_single(columns: list[str], taken: set[int], role: str, where: str) -> list[int]:
    """The one column of a table that holds only ``role`` (a separate PRED or TARGET file): a
    recognised name, else the one free column (not taken, not id- or weight-like)."""
    flag = "-p/--pred-col" if role == "pred" else "-y/--target-col"
    found = _one(named(columns, role), role, flag, columns, where)
    if found is not None:
        return found
    free = [i for i in range(len(columns)) if i not in taken and not never_guessed(columns[i])]
    if len(free) == 1:
        return free
    raise UsageError(f"Cannot tell which column of {where} holds the {role}; columns: {describe(columns)}{_skipped(columns)}. Pass {flag}.")


def _skipped(columns: list[str]) -> str:
    out = ""
    for what, like in (("id", id_like), ("weight", weight_like)):
        names = [c for c in columns if like(c)]
        out += f" ({what}-like, never guessed: {describe(names)})" if names else ""
    return out


def _one(found: list[list[int]], what: str, flag: str, columns: list[str], where: str) -> list[int] | None:
    if len(found) > 1:
        names = " and ".join("'" + ",".join(columns[i] for i in f) + "'" for f in found)
        raise UsageError(f"Several {what} columns in {where}: {names}. Pass {flag} to choose.")
    return found[0] if found else None


def stack(cols: list[np.ndarray]) -> np.ndarray:
    """Selected columns as one array: (N,) for one column, (N, k) for several (int64 when every
    column is integer, else float64)."""
    if len(cols) == 1:
        return cols[0]
    kinds = {c.dtype.kind for c in cols}
    return np.column_stack(cols).astype(np.int64 if kinds <= {"i", "u"} else np.float64)
