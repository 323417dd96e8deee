"""Column selection: names, 1-based indices, ranges, globs and comma lists (the rules for
users: README.md, "How rows and columns are chosen").

Pure Python; no pandas. A selection resolves to positions in a header.
"""

from __future__ import annotations

import fnmatch
import os
import re

import numpy as np

from losscli.errors import InputError, UsageError, shown

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
    ``a-b`` of names or indices (inclusive, in header order; ``p0-p9``, bounds that share a
    prefix before a number, means exactly the names p0, p1, ..., p9) or an fnmatch glob (its
    matches in natural order of their names: ``logit_2`` before ``logit_10``). A missing
    column is an ``InputError`` naming ``where`` and listing the columns. Digits are names or
    indices, never both: a digit that names another column than its index, or digits read
    partly as names and partly as indices, are a ``UsageError``.
    """
    items = [s.strip() for s in sel.split(",")]
    if any(not item for item in items):
        raise UsageError(f"Empty item in column selection '{sel}'.")
    digits = _digits_as(columns, items, sel, where)
    out: list[int] = []
    for item in items:
        for pos in _item(columns, item, where, digits):
            if pos not in out:
                out.append(pos)
    return out


def _item(columns: list[str], item: str, where: str, digits: str = "name") -> list[int]:
    if item in columns and not (item.isdigit() and digits == "index"):
        return [columns.index(item)]
    if item.isdigit():
        return [_index(columns, int(item), where)]
    if any(ch in item for ch in "*?["):
        hits = natural([i for i, c in enumerate(columns) if fnmatch.fnmatchcase(c, item)], columns)
        if not hits:
            raise InputError(f"No column matches '{item}' in {where}; columns: {describe(columns)}.")
        return hits
    for cut in (i for i, ch in enumerate(item) if ch == "-" and 0 < i < len(item) - 1):
        lo, hi = _bound(columns, item[:cut], digits), _bound(columns, item[cut + 1 :], digits)
        if lo is not None and hi is not None:
            series = _numbered(item[:cut], item[cut + 1 :]) if not item[:cut].isdigit() else None
            if series is not None:
                absent = [n for n in series if n not in columns]
                if absent:
                    raise InputError(f"Column range '{item}' names {', '.join(absent[:5])}, not in {where}; columns: {describe(columns)}.")
                return [columns.index(n) for n in series]
            if hi < lo:
                raise UsageError(f"Column range '{item}' runs backwards in {where}.")
            return list(range(lo, hi + 1))
    raise InputError(f"Column '{item}' not found in {where}; columns: {describe(columns)}.")


_SUFFIX = re.compile(r"(.*?)(\d+)")


def _numbered(lo: str, hi: str) -> list[str] | None:
    """The names of a range ``p0-p9`` whose bounds share a prefix before a number (zero-padded
    alike when the bounds are: ``p08-p10``), ascending; None for other bounds.

    >>> _numbered("p0", "p3"), _numbered("x_08", "x_10"), _numbered("a", "c")
    (['p0', 'p1', 'p2', 'p3'], ['x_08', 'x_09', 'x_10'], None)
    """
    a, b = _SUFFIX.fullmatch(lo), _SUFFIX.fullmatch(hi)
    if a is None or b is None or a[1] != b[1] or int(a[2]) > int(b[2]):
        return None
    width = len(a[2]) if a[2].startswith("0") and len(a[2]) == len(b[2]) else 0
    return [f"{a[1]}{str(k).zfill(width)}" for k in range(int(a[2]), int(b[2]) + 1)]


def _digits_as(columns: list[str], items: list[str], sel: str, where: str) -> str:
    """How the digits of a selection (items, range bounds) read: ``"name"`` when every one names
    a column, else ``"index"`` (1-based); all one way, never some as names and some as indices.
    Digits that read both ways, as different columns, are a ``UsageError``."""
    digits = [d for item in items for d in _digit_parts(item)]
    names = all(d in columns for d in digits)
    indices = all(1 <= int(d) <= len(columns) for d in digits)
    differ = [d for d in digits if d in columns and columns.index(d) != int(d) - 1]
    if names and indices and differ:
        d = differ[0]
        raise UsageError(
            f"Column selection '{sel}' is ambiguous in {where}: '{d}' names column {columns.index(d) + 1} but is also the "
            f"1-based index of column {shown(columns[int(d) - 1])}; pass '[{d[0]}]{d[1:]}' for the column named {d}, or the names of the columns you mean."
        )
    if not names and not indices and any(d in columns for d in digits) and any(d not in columns and 1 <= int(d) <= len(columns) for d in digits):
        raise UsageError(f"Column selection '{sel}' reads some digits as column names and others as 1-based indices in {where}; select by names.")
    return "name" if names else "index"


def _digit_parts(item: str) -> list[str]:
    if item.isdigit():
        return [item]
    lo, dash, hi = item.partition("-")
    return [p for p in (lo, hi) if p.isdigit()] if dash and not any(ch in item for ch in "*?[") else []


def natural(positions: list[int], columns: list[str]) -> list[int]:
    """``positions`` in the order of the numbers that tell their names apart (``p2`` before
    ``p10``), when a number is all that does; else as they are (file order).

    >>> natural([0, 1, 2], ["p10", "p2", "p1"]), natural([0, 1], ["prob_dog", "prob_cat"])
    ([2, 1, 0], [0, 1])
    """
    parts = distinct([columns[i] for i in positions])
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        return positions
    return [pos for _, pos in sorted(zip((int(p) for p in parts), positions))]


def distinct(names: list[str]) -> list[str]:
    """What tells ``names`` apart: each without the prefix and suffix all share (never cutting
    into a number: ``logit_1, logit_10`` differ by ``1, 10``).

    >>> distinct(["logit_cat", "logit_dog"]), distinct(["p1_a", "p10_a", "p2_a"]), distinct(["p"])
    (['cat', 'dog'], ['1', '10', '2'], ['p'])
    """
    if len(names) < 2:
        return list(names)
    head = len(os.path.commonprefix(names).rstrip("0123456789"))
    tail = len(os.path.commonprefix([n[::-1] for n in names]).rstrip("0123456789"))
    return [n[head : max(head, len(n) - tail)] for n in names]


def check_pairing(pred: list[str], target: list[str], pwhere: str, twhere: str) -> None:
    """Refuse pred and target columns whose names end alike but in another order (``p_a,p_b``
    against ``t_b,t_a``): pairing them by position would score p_a against t_b."""
    ps, ts = distinct(pred), distinct(target)
    if len(ps) > 1 and ps != ts and sorted(ps) == sorted(ts):
        raise UsageError(
            f"pred columns {shown(','.join(pred))} of {pwhere} and target columns {shown(','.join(target))} of {twhere} "
            "name the same suffixes in another order; list them in the same order with -p and -y."
        )


def _bound(columns: list[str], text: str, digits: str) -> int | None:
    if text in columns and not (text.isdigit() and digits == "index"):
        return columns.index(text)
    if text.isdigit() and 1 <= int(text) <= len(columns):
        return int(text) - 1
    return None


def _index(columns: list[str], i: int, where: str) -> int:
    if not 1 <= i <= len(columns):
        raise InputError(f"Column index {i} is out of range in {where}: it has {len(columns)} columns (1-based).")
    return i - 1


def distinct_names(columns: list[str], where: str) -> list[str]:
    """``columns``, or an error when a name repeats (formats disagree on which of two columns a
    name means: pandas renames the second, JSON keeps the last, pyarrow refuses)."""
    if len(set(columns)) != len(columns):
        seen: set[str] = set()
        twice = next(c for c in columns if c in seen or seen.add(c))
        raise InputError(f"{where} has {columns.count(twice)} columns named {shown(twice)}: column names must be distinct.")
    return columns


def describe(columns: list[str]) -> str:
    shown = ", ".join(columns[:20])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > 20 else "")


def recognise(columns: list[str], names: tuple[str, ...], globs: tuple[str, ...] = ()) -> list[list[int]]:
    """Candidate selections: each recognised name alone, and each glob's matches together."""
    found = [[columns.index(n)] for n in names if n in columns]
    for g in globs:
        hits = natural([i for i, c in enumerate(columns) if fnmatch.fnmatchcase(c, g)], columns)
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
        hits = natural([i for i, c in enumerate(low) if fnmatch.fnmatchcase(c, g) and not never_guessed(c)], columns)
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
