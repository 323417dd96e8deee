"""Files to arrays: format detection, stdin, compression, globs, column selection and hashes.

``load_inputs`` is the one entry point of the CLI. pandas is imported only when a table is
read (``readers.tabular``), so NPY evaluations never import it.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli import _digest, _prefetch
from losscli.errors import InputError, UsageError
from losscli.readers import columns as cols
from losscli.readers import pairing
from losscli.readers.arrays import read_npy, read_npz

FORMATS = ("csv", "tsv", "txt", "npy", "npz", "parquet", "jsonl")
TABULAR = ("csv", "tsv", "txt", "parquet", "jsonl")
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}
POSITIONAL = ("pred", "target")  # PRED and TARGET fill the first two roles of every loss
ALIGNS = ("position", "join")  # --align
MISSING = ("error", "omit")  # --missing (with --align join)


@dataclass(frozen=True)
class Source:
    """One input as the user named it: a path (or ``-``), its format and an optional NPZ key."""

    path: str
    fmt: str
    key: str | None = None
    compression: str | None = None

    @property
    def where(self) -> str:
        return "<stdin>" if self.path == "-" else self.path


def parse_source(text: str) -> Source:
    """Parse ``path``, ``path:fmt``, ``file.npz:key`` or ``-[:fmt]`` (stdin defaults to CSV)."""
    path, fmt, key = text, None, None
    head, sep, tail = text.rpartition(":")
    if sep and head and tail.lower() in FORMATS:
        path, fmt = head, tail.lower()
    elif sep and head and _suffix_format(head)[0] == "npz" and not os.path.exists(text):
        path, key = head, tail
    compression = _suffix_format(path)[1]
    if fmt is None:
        fmt = "csv" if path == "-" else _suffix_format(path)[0]
    if fmt is None and os.path.isdir(path):
        raise InputError(f"{path} is a directory, not a file.")
    if fmt is None and not os.path.exists(path) and not any(ch in path for ch in "*?["):
        raise InputError(f"File not found: {path}")
    if fmt is None:
        known = ", ".join("." + f for f in FORMATS)
        raise UsageError(f"Cannot tell the format of '{path}' from its suffix ({known}); add ':FORMAT', e.g. {path}:csv.")
    return Source(path, fmt, key, compression)


def _suffix_format(path: str) -> tuple[str | None, str | None]:
    root, ext = os.path.splitext(path.lower())
    compression = COMPRESSIONS.get(ext)
    if compression:
        root, ext = os.path.splitext(root)
    fmt = ext[1:] if ext[1:] in FORMATS else None
    return fmt, compression


@dataclass
class Loaded:
    """What the readers give the engine: role arrays, weights, ids, report info and names."""

    arrays: dict[str, np.ndarray]
    weights: np.ndarray | None = None
    ids: np.ndarray | None = None
    id_name: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # -g/--group-by: column name -> values
    pairs: dict[str, Any] = field(default_factory=dict)  # ids checked row by row (readers.pairing.pair_key -> ids)
    dropped: dict[str, int] = field(default_factory=dict)  # rows dropped by --align join --missing omit, by reason
    raw: frozenset = frozenset()  # roles whose table column is taken as it is (labels for --classes/--pos-label)
    notes: list[str] = field(default_factory=list)  # lines for stderr: what was decided from the data (a table without header)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # "pred"/"target" -> {id column name: its ids, read when called} of in-memory tables (a --baseline is checked against them)


def load_inputs(
    pred: str | None,
    target: str | None = None,
    *,
    roles: Sequence[Sequence[str]] = (("pred", "target"),),
    inputs: Mapping[str, str] | None = None,
    role_cols: Mapping[str, str] | None = None,
    pred_col: str | None = None,
    target_col: str | None = None,
    weight_col: str | None = None,
    id_col: str | None = None,
    pred_key: str | None = None,
    target_key: str | None = None,
    header: bool | None = None,
    delimiter: str | None = None,
    hash_inputs: bool | str = True,
    group_col: str | None = None,
    lazy: bool = False,
    align: str = "position",
    missing: str = "error",
    raw_roles: Sequence[str] = (),
) -> Loaded:
    """Read the inputs and select the array of every role the losses need.

    ``roles`` lists each loss's role names in order. A role is filled, first to last, by
    ``inputs`` (``--input ROLE=PATH[:SEL]``), ``role_cols`` (``--col ROLE=SEL``, columns of the
    PRED table), a PRED-table column named like the role (or ``ROLE_*`` columns), and finally by
    position: PRED fills every loss's first role and TARGET its second (``pred``/``target``).

    ``header``: whether CSV/TSV/TXT tables start with column names (None: unless their first
    line is all numbers, which is then said in ``notes``).

    With ``lazy``, streamable files are only opened (``readers.chunks``): the arrays of the
    result are selections that ``chunks.iter_chunks`` reads chunk by chunk. A table column of a
    role in ``raw_roles`` is taken as it is (text or numbers, as an id column), not parsed as
    numbers: labels that ``losscli.labels`` maps (``--classes``, ``--pos-label``).

    When PRED and TARGET are tables that both have the id column (``id_col``, or columns both
    name like an id), their ids are checked row by row as the rows are read (``align``
    "position"), or the TARGET table's rows are joined to PRED's by id (``align`` "join", in
    memory; ``missing`` "omit" drops the rows without exactly one partner): ``readers.pairing``.

    ``hash_inputs`` (``--hash``): each input's info carries the digest of its bytes under the
    algorithm's name (``losscli._digest``): True for BLAKE3, "sha256", or False/"none" for none.
    """
    if align not in ALIGNS or missing not in MISSING:
        raise UsageError(f"Invalid --align '{align}' or --missing '{missing}'.")
    if missing != "error" and align != "join":
        raise UsageError("--missing omit drops the rows whose ids do not pair up: it needs --align join.")
    if pred == "-" and target == "-":
        raise UsageError("Only one of PRED and TARGET can be '-' (stdin).")
    if sum(v.split(":")[0] == "-" for v in (pred, target, *(inputs or {}).values()) if v) > 1:
        raise UsageError("Only one input can be '-' (stdin).")
    opts = dict(header=header, delimiter=delimiter, hash_inputs=hash_inputs, lazy=lazy)
    out = Loaded(arrays={}, raw=frozenset(raw_roles))
    pdata = _Input.read(parse_source(pred), pred_key, **opts) if pred is not None else None
    tdata = _Input.read(parse_source(target), target_key, **opts) if target is not None else None
    given = {role: _read_role(role, text, opts) for role, text in (inputs or {}).items()}
    paired = _pair(pdata, tdata, [data for data, _ in given.values()], out, id_col, align, missing)
    for side, data in zip(POSITIONAL, (pdata, tdata)):
        if data is not None and data.table is not None and not lazy:
            out.keys[side] = {c: functools.partial(data.table.take_keys, i) for i, c in enumerate(data.table.columns) if cols.id_like(c) or c == id_col}
    out.notes += [n for d in (pdata, tdata) if d is not None for n in d.notes]
    for role, (data, sel) in given.items():
        _take_role(role, data, sel, out)
    tables = [d for d in (pdata, tdata) if d is not None and d.table is not None]
    taken = _extras(tables, out, weight_col, id_col, (pdata, tdata))
    for data, pos in paired:
        taken[id(data)].add(pos)
    if group_col is not None:
        _group_columns(tables, out, group_col, taken, (pdata, tdata))
    ptable = pdata if pdata is not None and pdata.table is not None else None
    for role, sel in (role_cols or {}).items():
        if ptable is None:
            raise UsageError(f"--col {role}={sel} selects columns of the PRED table, but there is no PRED table.")
        positions = cols.select(ptable.table.columns, sel, ptable.source.where)
        ptable.take(positions, role, out)
        taken[id(ptable)] |= set(positions)
    wanted = list(dict.fromkeys(r for loss in roles for r in loss))
    for role in wanted:  # a column named like the role, in the PRED table or the TARGET table
        if role not in out.arrays and role not in POSITIONAL:
            hits = [(d, f[0]) for d in tables for f in [cols.recognise(d.table.columns, (role,), (role + "_*",))] if len(f) == 1]
            if len(hits) > 1:
                raise UsageError(
                    f"Both {hits[0][0].source.where} and {hits[1][0].source.where} have a '{role}' column; "
                    f"pass --input {role}=FILE:COLUMN to choose."
                )
            if hits:
                (data, found), = hits
                data.take(found, role, out)
                taken[id(data)] |= set(found)
    need = [i for i in (0, 1) if any(len(loss) > i and loss[i] not in out.arrays for loss in roles)]
    missing = list(dict.fromkeys(loss[i] for loss in roles for i in need if len(loss) > i and loss[i] not in out.arrays))
    if pdata is None and any(r not in POSITIONAL for r in missing):  # name the roles, e.g. --input positive=PATH
        names = ", ".join(f"'{r}'" for r in missing)
        flags = " ".join(f"--input {r}=PATH[:SEL]" for r in missing)
        s = "s" if len(missing) > 1 else ""
        raise UsageError(f"Missing input{s} {names}: pass {'them' if s else 'it'} with {flags}.")
    if need:
        _positional(pdata, tdata, out, need, taken, pred_col, target_col)
    return out


def _positional(pdata, tdata, out: Loaded, need: list[int], taken: dict, pred_col, target_col) -> None:
    """Fill ``pred`` (PRED) and ``target`` (TARGET, or the PRED table's target column)."""
    if pdata is None:
        raise UsageError("No PRED given: pass PRED (and TARGET), or every input with --input ROLE=PATH.")
    if tdata is None and 1 in need:
        if pdata.table is None:
            where = pdata.source.where
            raise UsageError(f"{where} is an array; pass TARGET too (e.g. losscli eval {where} target.npy -l mse).")
        table, where = pdata.table, pdata.source.where
        p = cols.select(table.columns, pred_col, where) if pred_col else None
        t = cols.select(table.columns, target_col, where) if target_col else None
        p, t = cols.auto_roles(table.columns, taken[id(pdata)], p, t, where)
        cols.check_pairing([table.columns[i] for i in p], [table.columns[i] for i in t], where, where)
        pdata.take(p, POSITIONAL[0], out)
        pdata.take(t, POSITIONAL[1], out)
        return
    pairs = [(POSITIONAL[0], pdata, pred_col)] + ([(POSITIONAL[1], tdata, target_col)] if 1 in need else [])
    for role, data, sel in pairs:
        if data.table is None:
            out.arrays[role] = _array_columns(data.array, sel, data.source.where) if sel else data.array
            out.info[role] = dict(data.info)
            out.sources[role] = data.source.where
        else:
            where = data.source.where
            positions = cols.select(data.table.columns, sel, where) if sel else cols.auto_single(
                data.table.columns, taken[id(data)], role, where
            )
            data.take(positions, role, out)
    names = [out.info.get(role, {}).get("columns") for role in POSITIONAL[:2]]
    if all(names) and tdata is not None:
        cols.check_pairing(names[0], names[1], pdata.source.where, tdata.source.where)


def _pair(pdata, tdata, extra: list["_Input"], out: Loaded, id_col: str | None, align: str, missing: str) -> list[tuple["_Input", int]]:
    """Pair the rows of the tables by their id columns: the ids to check row by row into
    ``out.pairs``, or (``--align join``) every table reordered to PRED's ids. ``extra``: the
    ``--input`` inputs, whose tables are paired like TARGET (with PRED, or with TARGET when PRED shares no id
    column with them). Returns the (input, position) of every id column used."""
    both = all(d is not None and d.table is not None for d in (pdata, tdata))
    if align == "join":
        if not both:
            raise UsageError("--align join pairs the rows of two tables by id: pass PRED and TARGET as tables that both have the id column.")
        return _join(pdata, tdata, extra, out, id_col, missing)
    used: list[tuple[_Input, int]] = []
    refs = [d for d in (pdata, tdata) if d is not None and d.table is not None]
    for data in ([tdata] if both else []) + [d for d in extra if d.table is not None]:
        for ref in refs:
            found = [] if ref is data else _shared_ids(ref, data, id_col, align)
            if found:
                break
        for p, t in found:
            name, pw, tw = ref.table.columns[p], ref.source.where, data.source.where
            out.pairs[pairing.pair_key("pred", name, pw, tw)] = ref.table.take_keys(p)
            out.pairs[pairing.pair_key("target", name, pw, tw)] = data.table.take_keys(t)
            used += [(ref, p), (data, t)]
    return used


def _shared_ids(a: "_Input", b: "_Input", id_col: str | None, align: str) -> list[tuple[int, int]]:
    """Positions ``(in a, in b)`` of the id columns two tables share: ``id_col`` when both have
    it, else (unless a join was given ``id_col``) the id-like columns named alike in both.
    Id names are compared case-insensitively (``id`` and ``ID`` are one id column)."""
    if id_col is not None:
        pa, pb = _id_position(a, id_col), _id_position(b, id_col)
        if pa is not None and pb is not None:
            return [(pa, pb)]
        if align == "join":  # a join uses --id-col alone when given
            return []
    low = [c.lower() for c in b.table.columns]
    return [(i, low.index(c.lower())) for i, c in enumerate(a.table.columns) if cols.id_like(c) and c.lower() in low]


def _id_position(data: "_Input", sel: str) -> int | None:
    """The position of the id column ``sel`` in a table (an exact selection, else the one column
    whose name matches case-insensitively), or None."""
    if _has(data, sel):
        return _single(cols.select(data.table.columns, sel, data.source.where), "--id-col", sel)[0]
    hits = [i for i, c in enumerate(data.table.columns) if c.lower() == sel.lower()]
    return hits[0] if len(hits) == 1 else None


def _join(pdata, tdata, extra: list["_Input"], out: Loaded, id_col: str | None, missing: str) -> list[tuple["_Input", int]]:
    """``--align join``: TARGET's rows, then those of every ``--input`` table with the id
    column, reordered to PRED's ids (PRED's order kept; with ``--missing omit`` the rows without
    exactly one partner in any of them are dropped from all)."""
    from losscli.readers.chunks import LazyTable

    pw = pdata.source.where
    joined: list[tuple[_Input, int]] = []
    for data in [tdata] + [d for d in extra if d.table is not None]:
        found = _shared_ids(pdata, data, id_col, "join")
        tw = data.source.where
        if data is tdata and not found:
            what = f"'{id_col}'" if id_col is not None else "id-like"
            raise UsageError(f"--align join needs an id column in both tables, but {pw} and {tw} share no {what} column; pass --id-col NAME.")
        if len(found) > 1:
            names = ", ".join(pdata.table.columns[i] for i, _ in found)
            raise UsageError(f"--align join: {pw} and {tw} share several id columns ({names}); pass --id-col NAME to choose.")
        if not found:
            continue
        if isinstance(pdata.table, LazyTable) or isinstance(data.table, LazyTable):
            raise UsageError("--align join reads both tables into memory; it cannot be combined with streaming (--chunk-rows, --engine dask).")
        (p, t), name = found[0], pdata.table.columns[found[0][0]]
        prows, trows, dropped = pairing.join(pdata.table.take_keys(p), data.table.take_keys(t), name, pw, tw, missing == "omit")
        for k, v in dropped.items():
            out.dropped[k] = out.dropped.get(k, 0) + v
        pdata.table = pdata.table.rows(prows)
        for d, _ in joined:
            if d is not pdata:
                d.table = d.table.rows(prows)
        data.table = data.table.rows(trows)
        joined += [(pdata, p), (data, t)] if not joined else [(data, t)]
    if sum(out.dropped.values()):
        rest = [d.source.where for d in extra if all(d is not j for j, _ in joined)]
        if rest:
            raise UsageError(f"--missing omit dropped rows, but {rest[0]} has no id column to drop them by; give it the id column or drop --missing omit.")
    (_, p) = joined[0]
    if id_col is None:  # per-sample output and --top-k show the ids the rows were joined by
        out.ids, out.id_name = pdata.table.take_shown(p), pdata.table.columns[p]
    return joined


def _extras(tables: list["_Input"], out: Loaded, weight_col: str | None, id_col: str | None, sides: tuple) -> dict[int, set[int]]:
    """Select the weight and id columns from the table that has them (``_owner``)."""
    taken: dict[int, set[int]] = defaultdict(set)
    for flag, value in (("-w/--weight-col", weight_col), ("--id-col", id_col)):
        if value is None:
            continue
        if flag == "--id-col":  # the ids of both tables are checked or joined (_pair): PRED's are shown
            owner = next((d for d in tables if _has(d, value)), tables[0]) if tables else None
        else:
            owner, value = _owner(tables, value, flag, sides)
        if owner is None:
            raise UsageError(f"{flag} selects a column of a table, but no input is a table.")
        taken[id(owner)] |= owner.extras(out, value if flag.startswith("-w") else None, value if flag == "--id-col" else None)
    return taken


def _owner(tables: list["_Input"], sel: str, flag: str, sides: tuple) -> tuple["_Input | None", str]:
    """The table a ``-w``/``-g`` selection reads, and the selection: ``pred:SEL`` or
    ``target:SEL`` name the table (unless SEL with its prefix is a column); otherwise the one
    table that has the columns. When PRED and TARGET both have them, their values must be the
    same (read in memory), else it is a usage error: the choice is the user's."""
    if not tables:
        return None, sel
    side, _, rest = sel.partition(":")
    if side in POSITIONAL and rest and not any(_has(d, sel) for d in tables):
        data = sides[POSITIONAL.index(side)]
        if data is None or data.table is None:
            raise UsageError(f"{flag} {sel}: the {side.upper()} input is not a table.")
        return data, rest
    having = [d for d in tables if _has(d, sel)]
    if len(having) < 2:
        return (having or tables)[0], sel  # tables[0] raises the missing-column error
    from losscli.readers.chunks import LazyTable

    a, b = having
    same = not any(isinstance(d.table, LazyTable) for d in having) and all(
        len(a.table) == len(b.table) and pairing.first_difference(a.table.take_ids(i), b.table.take_ids(j)) is None
        for i, j in zip(cols.select(a.table.columns, sel, a.source.where), cols.select(b.table.columns, sel, b.source.where))
    )
    if not same:
        short = flag.split("/")[0]
        why = "not compared when streamed" if any(isinstance(d.table, LazyTable) for d in having) else "with different values"
        raise UsageError(
            f"{flag} '{sel}': both {a.source.where} and {b.source.where} have it ({why}); "
            f"pass {short} pred:{sel} or {short} target:{sel} to choose."
        )
    return a, sel


def _group_columns(tables: list["_Input"], out: Loaded, sel: str, taken: dict[int, set[int]], sides: tuple) -> None:
    """``-g/--group-by SEL``: the selected columns (as they are: strings or numbers) of the
    table that has them (``_owner``)."""
    owner, sel = _owner(tables, sel, "-g/--group-by", sides)
    if owner is None:
        raise UsageError("-g/--group-by selects columns of a table, but no input is a table.")
    for pos in cols.select(owner.table.columns, sel, owner.source.where):
        name = owner.table.columns[pos]
        out.groups[name] = owner.table.take_ids(pos)
        out.sources["@group:" + name] = f"{owner.source.where} column '{name}'"
        taken[id(owner)].add(pos)


def _read_role(role: str, text: str, opts: dict) -> tuple["_Input", str | None]:
    """``--input ROLE=PATH[:FORMAT][:SEL]`` read: the input and its selection."""
    source, sel = _split_selection(text)
    return _Input.read(source, None, **opts), sel


def _take_role(role: str, data: "_Input", sel: str | None, out: Loaded) -> None:
    """The array of an ``--input`` role: a whole array, or columns of a table."""
    source = data.source
    out.notes += data.notes
    if data.table is None:
        out.arrays[role] = _array_columns(data.array, sel, source.where) if sel else data.array
        out.info[role] = dict(data.info)
        out.sources[role] = source.where
        return
    columns, where = data.table.columns, source.where
    if sel is not None:
        positions = cols.select(columns, sel, where)
    else:
        found = cols.recognise(columns, (role,), (role + "_*",))
        if len(found) == 1:
            positions = found[0]
        elif len(columns) == 1:
            positions = [0]
        else:
            raise UsageError(f"Cannot tell which columns of {where} hold '{role}'; columns: {cols.describe(columns)}. Pass --input {role}={where}:SEL.")
    data.take(positions, role, out)


def _split_selection(text: str) -> tuple[Source, str | None]:
    """Split ``PATH[:FORMAT][:SEL]`` (or ``FILE.npz:KEY``) at the longest prefix that is a file."""
    parts = text.split(":")
    for i in range(len(parts), 0, -1):
        path = ":".join(parts[:i])
        if path == "-" or os.path.isfile(path):
            rest = parts[i:]
            if rest and rest[0].lower() in FORMATS:
                source = parse_source(f"{path}:{rest[0]}")
                rest = rest[1:]
            else:
                source = parse_source(path)
            if source.fmt == "npz" and rest:
                return Source(source.path, source.fmt, rest[0], source.compression), ":".join(rest[1:]) or None
            return source, ":".join(rest) or None
    return parse_source(parts[0]), ":".join(parts[1:]) or None  # the missing file is reported by read


class _Input:
    """One read input: a table or an array, plus its report info."""

    def __init__(self, source: Source, table: Any, array: np.ndarray | None, info: dict[str, Any], notes: list[str] | None = None) -> None:
        self.source, self.table, self.array, self.info = source, table, array, info
        self.notes = notes or []  # what was decided from the data (tables without header)

    @classmethod
    def read(
        cls, source: Source, key: str | None, *, header: bool | None, delimiter: str | None, hash_inputs: bool | str, lazy: bool = False
    ) -> "_Input":
        hash_inputs = _digest.algorithm(hash_inputs)
        if lazy:
            from losscli.readers.chunks import read_lazy

            opened = read_lazy(cls, source, key, header=header, delimiter=delimiter, hash_inputs=hash_inputs)
            if opened is not None:
                return opened
        paths = _expand(source)
        info: dict[str, Any] = {"path": source.where, "format": source.fmt}
        digests = []
        parts_t, parts_a = [], []
        for path in paths:
            where = "<stdin>" if path == "-" else path
            data, digest = _open(path, source.compression, hash_inputs)
            digests.append(digest)
            if source.fmt == "parquet":  # pyarrow, without pandas (readers.parquet)
                from losscli.readers.parquet import read_parquet

                parts_t.append(read_parquet(data, where))
            elif source.fmt in TABULAR:
                from losscli.readers.tabular import read_table

                parts_t.append(read_table(data, source.fmt, where, header=header, delimiter=delimiter))
            elif source.fmt == "npy":
                parts_a.append(read_npy(data, where))
            else:
                if key and source.key and key != source.key:
                    raise UsageError(f"{source.where}:{source.key} names the NPZ key '{source.key}' but --pred-key/--target-key says '{key}'; give one.")
                arr, info["key"] = read_npz(data, key or source.key, where)
                parts_a.append(arr)
        if len(paths) > 1:
            info["files"] = len(paths)
        if hash_inputs:
            info[hash_inputs] = _digest.combine(digests, hash_inputs)
        if parts_t:
            if source.fmt == "parquet":
                from losscli.readers.parquet import concat
            else:
                from losscli.readers.tabular import concat

            table = parts_t[0] if len(parts_t) == 1 else concat(parts_t, source.where)
            return cls(source, table, None, info, [t.note for t in parts_t if getattr(t, "note", None)])
        array = parts_a[0] if len(parts_a) == 1 else _concat_arrays(parts_a, source.where)
        info.update(shape=list(array.shape), dtype=str(array.dtype))
        return cls(source, None, array, info)

    def take(self, sel: list[int], role: str, out: Loaded) -> None:
        """Put the selected columns of this table into ``out`` as ``role`` (one column of a raw
        role as it is: labels)."""
        raw = role in out.raw and len(sel) == 1
        out.arrays[role] = self.table.take_ids(sel[0]) if raw else self.table.take(sel, role)
        names = [self.table.columns[i] for i in sel]
        out.info.setdefault(role, dict(self.info))["columns"] = names
        shown = names[0] if len(names) == 1 else ",".join(names[:3]) + (",..." if len(names) > 3 else "")
        out.sources[role] = f"{self.source.where} column '{shown}'" if len(names) == 1 else f"{self.source.where} columns '{shown}'"

    def extras(self, out: Loaded, weight_col: str | None, id_col: str | None) -> set[int]:
        """Select the weight and id columns of this table; return their positions."""
        taken: set[int] = set()
        if weight_col is not None:
            (w,) = _single(cols.select(self.table.columns, weight_col, self.source.where), "-w/--weight-col", weight_col)
            out.weights = self.table.take([w], "weight").astype(np.float64)
            out.sources["weight"] = f"{self.source.where} column '{self.table.columns[w]}'"
            out.info["weight"] = {"path": self.source.where, "columns": [self.table.columns[w]]}
            taken.add(w)
        if id_col is not None:
            (i,) = _single(cols.select(self.table.columns, id_col, self.source.where), "--id-col", id_col)
            out.ids, out.id_name = self.table.take_shown(i), self.table.columns[i]
            taken.add(i)
        return taken


def _has(data: _Input, sel: str) -> bool:
    try:
        cols.select(data.table.columns, sel, data.source.where)
        return True
    except InputError:
        return False


def _single(positions: list[int], flag: str, sel: str) -> list[int]:
    if len(positions) != 1:
        raise UsageError(f"{flag} '{sel}' must select exactly one column, got {len(positions)}.")
    return positions


def _array_columns(array: np.ndarray, sel: str, where: str) -> np.ndarray:
    """Columns of a 2-D array by 1-based index, range or list (``-p 1-10`` on an NPY)."""
    if array.ndim != 2:
        raise UsageError(f"A column selection on {where} needs a 2-D array, got shape {array.shape}.")
    names = [str(i + 1) for i in range(array.shape[1])]
    positions = cols.select(names, sel, where)
    return array[:, positions[0]] if len(positions) == 1 else array[:, positions]


def _expand(source: Source) -> list[str]:
    """The files of a source: itself, or the sorted matches of a glob."""
    path = source.path
    if path == "-" or os.path.exists(path) or not any(ch in path for ch in "*?["):
        if path != "-" and not os.path.exists(path):
            raise InputError(f"File not found: {path}")
        if os.path.isdir(path):
            raise InputError(f"{path} is a directory, not a file.")
        return [path]
    matches = sorted((p for p in glob.glob(path) if os.path.isfile(p)), key=_natural)
    if not matches:
        raise InputError(f"No file matches {path}")
    return matches


def _natural(path: str) -> list:
    """Sort key that orders numbered shards numerically: part-2 before part-10."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", path)]


def _open(path: str, compression: str | None, alg: str | None) -> tuple[Any, str | None]:
    """The data to parse (a path, or bytes for stdin and compressed files) and its digest
    (algorithm ``alg``; None without one)."""
    if path != "-" and compression is not None:  # decompressed once, capped (readers.chunks)
        from losscli.readers.chunks import read_compressed

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


def _concat_arrays(parts: list[np.ndarray], where: str) -> np.ndarray:
    tail = {p.shape[1:] for p in parts}
    if len(tail) > 1:
        raise InputError(f"The files of {where} have different shapes: {sorted(tail)}.")
    return np.concatenate(parts)
