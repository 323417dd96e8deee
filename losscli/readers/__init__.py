"""Files to arrays: format detection, stdin, compression, globs, column selection and hashes.

``load_inputs`` is the one entry point of the CLI. pandas is imported only when a table is
read (``readers.tabular``), so NPY evaluations never import it.
"""

from __future__ import annotations

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
    for role, text in (inputs or {}).items():
        _read_role(role, text, out, opts)
    paired = _pair(pdata, tdata, out, id_col, align, missing)
    out.notes += [n for d in (pdata, tdata) if d is not None for n in d.notes]
    tables = [d for d in (pdata, tdata) if d is not None and d.table is not None]
    taken = _extras(tables, out, weight_col, id_col)
    for data, pos in paired:
        taken[id(data)].add(pos)
    if group_col is not None:
        _group_columns(tables, out, group_col, taken)
    ptable = pdata if pdata is not None and pdata.table is not None else None
    for role, sel in (role_cols or {}).items():
        if ptable is None:
            raise UsageError(f"--col {role}={sel} selects columns of the PRED table, but there is no PRED table.")
        positions = cols.select(ptable.table.columns, sel, ptable.source.where)
        ptable.take(positions, role, out)
        taken[id(ptable)] |= set(positions)
    wanted = list(dict.fromkeys(r for loss in roles for r in loss))
    if ptable is not None:
        for role in wanted:
            if role not in out.arrays and role not in POSITIONAL:
                found = cols.recognise(ptable.table.columns, (role,), (role + "_*",))
                if len(found) == 1:
                    ptable.take(found[0], role, out)
                    taken[id(ptable)] |= set(found[0])
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


def _pair(pdata, tdata, out: Loaded, id_col: str | None, align: str, missing: str) -> list[tuple["_Input", int]]:
    """Pair the rows of the PRED and TARGET tables by their id columns: the ids to check row by
    row into ``out.pairs``, or (``--align join``) both tables reordered to PRED's ids. Returns
    the (input, position) of every id column used."""
    both = all(d is not None and d.table is not None for d in (pdata, tdata))
    if not both:
        if align == "join":
            raise UsageError("--align join pairs the rows of two tables by id: pass PRED and TARGET as tables that both have the id column.")
        return []
    pcols, tcols = pdata.table.columns, tdata.table.columns
    pw, tw = pdata.source.where, tdata.source.where
    found = []
    if id_col is not None and _has(pdata, id_col) and _has(tdata, id_col):
        (p,), (t,) = (_single(cols.select(d.table.columns, id_col, d.source.where), "--id-col", id_col) for d in (pdata, tdata))
        found = [(p, t)]
    elif id_col is None or align != "join":  # the id-like columns both share (a join uses --id-col alone when given)
        found = [(i, tcols.index(c)) for i, c in enumerate(pcols) if cols.id_like(c) and c in tcols]
    if align == "join":
        if not found:
            what = f"'{id_col}'" if id_col is not None else "id-like"
            raise UsageError(f"--align join needs an id column in both tables, but {pw} and {tw} share no {what} column; pass --id-col NAME.")
        if len(found) > 1:
            names = ", ".join(pcols[i] for i, _ in found)
            raise UsageError(f"--align join: {pw} and {tw} share several id columns ({names}); pass --id-col NAME to choose.")
        from losscli.readers.chunks import LazyTable

        if isinstance(pdata.table, LazyTable) or isinstance(tdata.table, LazyTable):
            raise UsageError("--align join reads both tables into memory; it cannot be combined with streaming (--chunk-rows, --engine dask).")
        (p, t), name = found[0], pcols[found[0][0]]
        prows, trows, out.dropped = pairing.join(pdata.table.take_ids(p), tdata.table.take_ids(t), name, pw, tw, missing == "omit")
        pdata.table, tdata.table = pdata.table.rows(prows), tdata.table.rows(trows)
        if id_col is None:  # per-sample output and --top-k show the ids the rows were joined by
            out.ids, out.id_name = pdata.table.take_ids(p), name
    else:
        for p, t in found:
            name = pcols[p]
            out.pairs[pairing.pair_key("pred", name, pw, tw)] = pdata.table.take_ids(p)
            out.pairs[pairing.pair_key("target", name, pw, tw)] = tdata.table.take_ids(t)
    return [(d, pos) for p, t in found for d, pos in ((pdata, p), (tdata, t))]


def _extras(tables: list["_Input"], out: Loaded, weight_col: str | None, id_col: str | None) -> dict[int, set[int]]:
    """Select the weight and id columns from the first table that has them."""
    taken: dict[int, set[int]] = defaultdict(set)
    for flag, value in (("-w/--weight-col", weight_col), ("--id-col", id_col)):
        if value is None:
            continue
        if not tables:
            raise UsageError(f"{flag} selects a column of a table, but no input is a table.")
        owner = next((d for d in tables if _has(d, value)), tables[0])  # tables[0] raises the missing-column error
        taken[id(owner)] |= owner.extras(out, value if flag.startswith("-w") else None, value if flag == "--id-col" else None)
    return taken


def _group_columns(tables: list["_Input"], out: Loaded, sel: str, taken: dict[int, set[int]]) -> None:
    """``-g/--group-by SEL``: the selected columns (as they are: strings or numbers) of the
    first table that has them."""
    if not tables:
        raise UsageError("-g/--group-by selects columns of a table, but no input is a table.")
    owner = next((d for d in tables if _has(d, sel)), tables[0])  # tables[0] raises the missing-column error
    for pos in cols.select(owner.table.columns, sel, owner.source.where):
        name = owner.table.columns[pos]
        out.groups[name] = owner.table.take_ids(pos)
        out.sources["@group:" + name] = f"{owner.source.where} column '{name}'"
        taken[id(owner)].add(pos)


def _read_role(role: str, text: str, out: Loaded, opts: dict) -> None:
    """``--input ROLE=PATH[:FORMAT][:SEL]``: a whole array, or columns of a table."""
    source, sel = _split_selection(text)
    data = _Input.read(source, None, **opts)
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
            taken.add(w)
        if id_col is not None:
            (i,) = _single(cols.select(self.table.columns, id_col, self.source.where), "--id-col", id_col)
            out.ids, out.id_name = self.table.take_ids(i), self.table.columns[i]
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
