"""``losscli inspect``: what is in an input file, read with the same readers as ``eval``.

For a table: rows, and per column its dtype, whether it is numeric, NaN and inf counts, the
range of its finite values, and the role ``eval`` would give it (``pred``/``target`` by the one
resolution function ``readers.columns.auto_roles``, ``id`` for a column named like an id,
``weight`` for a column named like weights). For an array (NPY, or every array of an NPZ): shape, dtype,
NaN/inf counts, range, and a guess of its kind from dtype, shape and values (labels, binary,
probabilities, logits or values, boxes, masks).

A file is *unusable* (``problems`` is non-empty) when it has no numeric data or a column holds
an integer too large for a float64 (``TooLargeError``: eval cannot read it); files that cannot
be read at all raise the readers' ``InputError`` (exit 3) as in ``eval``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.errors import InputError, TooLargeError, UsageError
from losscli.readers import columns as cols
from losscli.readers.arrays import open_npz, read_npz
from losscli.readers.input import Input, open_data
from losscli.readers.sources import expand, parse_source


def probe(text: str, *, header: bool | None = None, delimiter: str | None = None) -> dict[str, Any]:
    """Describe one input (``path``, ``path:fmt``, ``file.npz[:key]``, ``-``) as a dict (with
    ``notes`` for stderr when a table was read without header because its first line is numbers)."""
    source = parse_source(text)
    if source.fmt == "npz" and source.key is None:
        return _probe_npz(source, header=header, delimiter=delimiter)
    data = Input.read(source, source.key, header=header, delimiter=delimiter, hash_inputs=False)
    out: dict[str, Any] = {"path": source.where, "format": source.fmt}
    if data.table is not None:
        out.update(_table(data.table, source.where))
        if data.notes:
            out["notes"] = data.notes  # for stderr (a table without header)
    else:
        if source.key is not None or "key" in data.info:
            out["key"] = data.info.get("key", source.key)
        out.update(_array(np.asarray(data.array)))
        out["problems"] = [] if out["rows"] else [f"{source.where} has no rows."]
    return out


def _probe_npz(source: Any, *, header: bool | None, delimiter: str | None) -> dict[str, Any]:
    """Every array of an NPZ archive."""
    arrays = []
    for path in expand(source):
        data, _ = open_data(path, source.compression, None)
        with open_npz(data, source.where) as archive:
            keys = list(archive.files)
        for key in keys:
            arr, _ = read_npz(data, key, path)
            arrays.append({"key": key, **_array(np.asarray(arr))})
    problems = [] if arrays else [f"{source.where} holds no arrays."]
    return {"path": source.where, "format": "npz", "arrays": arrays, "problems": problems}


def _table(table: Any, where: str) -> dict[str, Any]:
    names = table.columns
    rows = len(table)
    columns: list[dict[str, Any]] = []
    numeric: list[int] = []
    problems: list[str] = []
    for i, name in enumerate(names):
        dtype = table.dtype_name(i) if hasattr(table, "dtype_name") else str(table.frame.dtypes.iloc[i])  # Parquet: its Arrow type
        try:
            values = table.take([i], name)
        except InputError as e:
            columns.append({"name": name, "dtype": dtype, "numeric": False, "note": str(e)})
            if isinstance(e, TooLargeError):  # a column of numbers that eval cannot read, not a text column
                problems.append(str(e))
            continue
        numeric.append(i)
        columns.append({"name": name, "dtype": dtype, "numeric": True, **_counts(values)})
    roles = _guess_roles(names, numeric, columns, where)
    for c in columns:
        c["role"] = roles.get(c["name"])
    problems += [] if numeric else [f"{where} has no numeric column."]
    return {"rows": rows, "columns": columns, "guess": _guess_text(names, roles, numeric), "problems": problems}


def _guess_roles(names: list[str], numeric: list[int], columns: list[dict[str, Any]], where: str) -> dict[str, str]:
    """The roles ``eval FILE`` (one table, no flags) gives the columns: the same call to
    ``columns.auto_roles``; and ``id`` for id-like names, ``weight`` for weight-like ones (eval
    uses weights only with -w)."""
    roles: dict[str, str] = {}
    try:
        pred, target = cols.auto_roles(names, set(), None, None, where)
    except (UsageError, InputError):
        # eval would need flags; still name what is recognised on its own
        pred, target = [], []
        for role, found in (("target", cols.named(names, "target")), ("pred", cols.named(names, "pred"))):
            if len(found) == 1:
                (pred if role == "pred" else target).extend(found[0])
    for i in pred:
        roles[names[i]] = "pred"
    for i in target:
        roles[names[i]] = "target"
    for i, name in enumerate(names):
        if name in roles:
            continue
        if cols.id_like(name):
            roles[name] = "id"
        elif cols.weight_like(name) and columns[i]["numeric"]:
            roles[name] = "weight"
    return roles


def _guess_text(names: list[str], roles: dict[str, str], numeric: list[int]) -> str:
    by_role: dict[str, list[str]] = {}
    for name, role in roles.items():
        by_role.setdefault(role, []).append(name)
    known = "; ".join(f"{role}: {_names(by_role[role])}" for role in ("pred", "target", "weight", "id") if role in by_role)
    if "pred" in by_role and "target" in by_role:
        return known
    missing = " and ".join(f for r, f in (("pred", "-p/--pred-col"), ("target", "-y/--target-col")) if r not in by_role)
    free = [names[i] for i in numeric if names[i] not in roles]
    groups = _prefix_groups(free)
    hint = f"; column groups: {', '.join(groups)}" if groups else (f"; other numeric columns: {_names(free)}" if free else "")
    return (known + "; " if known else "") + f"ambiguous: pass {missing}{hint}"


def _prefix_groups(names: list[str]) -> list[str]:
    """``p_*`` (4)-style globs for columns that share a ``prefix_`` (candidates for -p/-y)."""
    groups: dict[str, int] = {}
    for n in names:
        head, sep, _ = n.rpartition("_")
        if sep and head:
            groups[head] = groups.get(head, 0) + 1
    return [f"{h}_* ({c})" for h, c in groups.items() if c > 1]


def _names(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 4 else f"{names[0]} .. {names[-1]} ({len(names)} columns)"


def _counts(values: np.ndarray) -> dict[str, Any]:
    """NaN and inf counts and the range of the finite values."""
    v = np.asarray(values)
    if v.dtype.kind in "fc":
        nan = int(np.count_nonzero(np.isnan(v)))
        inf = int(np.count_nonzero(np.isinf(v)))
        finite = v[np.isfinite(v)]
    else:
        nan = inf = 0
        finite = v.reshape(-1)
    out: dict[str, Any] = {"nan": nan, "inf": inf}
    if finite.size:
        lo, hi = finite.min(), finite.max()
        out["min"] = int(lo) if v.dtype.kind in "iub" else float(lo)
        out["max"] = int(hi) if v.dtype.kind in "iub" else float(hi)
    else:
        out["min"] = out["max"] = None
    return out


def _array(arr: np.ndarray) -> dict[str, Any]:
    out = {"shape": list(arr.shape), "dtype": str(arr.dtype), "rows": int(arr.shape[0]) if arr.ndim else 0}
    out.update(_counts(arr))
    out["kind"] = guess_kind(arr)
    return out


def guess_kind(arr: np.ndarray) -> str:
    """A guess of what an array holds, from its dtype, shape and values.

    >>> guess_kind(np.array([0, 2, 1])), guess_kind(np.array([[0.2, 0.8], [0.5, 0.5]]))
    ('labels (N,)', 'probs (N, C)')
    """
    a = np.asarray(arr)
    if a.ndim == 0 or a.size == 0:
        return "empty"
    finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    lo = finite.min() if finite.size else 0
    hi = finite.max() if finite.size else 0
    integral = a.dtype.kind in "iub" or (finite.size and bool(np.all(finite == np.round(finite))))
    if a.ndim == 1:
        if integral and finite.size and set(np.unique(finite).tolist()) <= {0, 1}:
            return "binary (N,)"
        if integral and finite.size and set(np.unique(finite).tolist()) <= {-1, 1}:
            return "binary ±1 (N,)"
        if integral and lo >= 0:
            return "labels (N,)" if a.dtype.kind in "iub" else "labels or values (N,)"
        if lo >= 0 and hi <= 1:
            return "probs or values (N,)"
        return "values (N,)"
    if a.ndim == 2:
        n, c = a.shape
        if c == 4 and finite.size and bool(np.all(a[:, 2] >= a[:, 0])) and bool(np.all(a[:, 3] >= a[:, 1])):
            return "boxes (N, 4) xyxy, or values"
        if lo >= 0 and hi <= 1 and a.dtype.kind == "f":
            with np.errstate(all="ignore"):
                sums = a.sum(axis=1)
            if bool(np.all(np.abs(sums[np.isfinite(sums)] - 1) < 1e-3)):
                return "probs (N, C)"
            return "probs or multi-label (N, C)"
        return "logits or values (N, C)" if a.dtype.kind == "f" else "values (N, C)"
    return f"masks (N, {', '.join(['...'] * (a.ndim - 1))})" if a.ndim > 2 else "values"
