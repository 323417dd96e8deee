"""Files to arrays: format detection, stdin, compression, globs, column selection and hashes.

``load_inputs`` is the one entry point of the CLI. pandas is imported only when a table is
read (``readers.tabular``), so NPY evaluations never import it.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.errors import UsageError
from losscli.readers import columns as cols
from losscli.readers import pairing
from losscli.readers.input import Input, single
from losscli.readers.sources import COMPRESSIONS, FORMATS, TABULAR, Source, expand, parse_source, split_selection
from losscli.readers.stream import Column, LazyTable

__all__ = ["ALIGNS", "COMPRESSIONS", "FORMATS", "MISSING", "POSITIONAL", "TABULAR", "Loaded", "Source", "expand", "load_inputs", "parse_source", "split_selection"]

POSITIONAL = ("pred", "target")  # PRED and TARGET fill the first two roles of every loss
ALIGNS = ("position", "join")  # --align
MISSING = ("error", "omit")  # --missing (with --align join)


@dataclass
class Loaded:
    """What the readers give the engine: role arrays, weights, ids, report info and names."""

    arrays: dict[str, np.ndarray]
    weights: np.ndarray | None = None
    ids: np.ndarray | None = None
    id_name: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # what errors name ("pred", "weight", "group column g") -> where it comes from
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # -g/--group-by: column name -> values
    pairs: dict[pairing.Pair, Any] = field(default_factory=dict)  # ids checked row by row (readers.pairing)
    dropped: dict[str, int] = field(default_factory=dict)  # rows dropped by --align join --missing omit, by reason
    raw: frozenset = frozenset()  # roles whose table column is taken as it is (labels for --classes/--pos-label)
    keyed: frozenset = frozenset()  # roles of ids whose table column is taken as its text (query ids): ``007`` is not ``7``
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
    key_roles: Sequence[str] = (),
) -> Loaded:
    """Read the inputs and select the array of every role the losses need.

    ``roles`` lists each loss's role names in order. A role is filled, first to last, by
    ``inputs`` (``--input ROLE=PATH[:SEL]``), ``role_cols`` (``--col ROLE=SEL``, columns of the
    PRED table), a PRED-table column named like the role (or ``ROLE_*`` columns), and finally by
    position: PRED fills every loss's first role and TARGET its second (``pred``/``target``).

    ``header``: whether CSV/TSV/TXT tables start with column names (None: unless their first
    line is all numbers, which is then said in ``notes``).

    With ``lazy``, streamable files are only opened (``readers.stream``): the arrays of the
    result are selections that ``stream.iter_chunks`` reads chunk by chunk. A table column of a
    role in ``raw_roles`` is taken as it is (text or numbers, as an id column), not parsed as
    numbers: labels that ``losscli.labels`` maps (``--classes``, ``--pos-label``). A table column
    of a role in ``key_roles`` (ids: a ranking metric's query) is taken as the file's text, as an
    id column is compared (``007`` is not ``7``).

    When PRED and TARGET are tables that both have the id column (``id_col``, or columns both
    name like an id), their ids are checked row by row as the rows are read (``align``
    "position"), or the TARGET table's rows are joined to PRED's by id (``align`` "join", in
    memory; ``missing`` "omit" drops the rows without exactly one partner): ``readers.pairing``.

    ``hash_inputs`` (``--hash``): each input's info carries the digest of its bytes under the
    algorithm's name (``losscli._digest``): True for BLAKE3, "sha256", or False/"none" for none.
    """
    _check_flags(pred, target, inputs, align, missing)
    opts = dict(header=header, delimiter=delimiter, hash_inputs=hash_inputs, lazy=lazy)
    out = Loaded(arrays={}, raw=frozenset(raw_roles), keyed=frozenset(key_roles))
    pdata = Input.read(parse_source(pred), pred_key, **opts) if pred is not None else None
    tdata = Input.read(parse_source(target), target_key, **opts) if target is not None else None
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
    _role_columns(pdata, role_cols or {}, out, taken)
    _named_roles(tables, roles, out, taken, (pred_col, target_col))
    need = [i for i in (0, 1) if any(len(loss) > i and loss[i] not in out.arrays for loss in roles)]
    if pdata is None:
        _check_named(roles, need, out)
    if need:
        _positional(pdata, tdata, out, need, taken, pred_col, target_col)
    return out


def _check_flags(pred: str | None, target: str | None, inputs: Mapping[str, str] | None, align: str, missing: str) -> None:
    """Refuse ``--align``/``--missing`` values and uses that make no sense, and stdin twice."""
    if align not in ALIGNS or missing not in MISSING:
        raise UsageError(f"Invalid --align '{align}' or --missing '{missing}'.")
    if missing != "error" and align != "join":
        raise UsageError("--missing omit drops the rows whose ids do not pair up: it needs --align join.")
    if pred == "-" and target == "-":
        raise UsageError("Only one of PRED and TARGET can be '-' (stdin).")
    if sum(v.split(":")[0] == "-" for v in (pred, target, *(inputs or {}).values()) if v) > 1:
        raise UsageError("Only one input can be '-' (stdin).")


def _role_columns(pdata: Input | None, role_cols: Mapping[str, str], out: Loaded, taken: dict[int, set[int]]) -> None:
    """``--col ROLE=SEL``: columns of the PRED table."""
    for role, sel in role_cols.items():
        if pdata is None or pdata.table is None:
            raise UsageError(f"--col {role}={sel} selects columns of the PRED table, but there is no PRED table.")
        positions = cols.select(pdata.table.columns, sel, pdata.source.where)
        pdata.take(positions, role, out)
        taken[id(pdata)] |= set(positions)


def _named_roles(tables: list[Input], roles: Sequence[Sequence[str]], out: Loaded, taken: dict[int, set[int]], flags: Sequence[str | None] = ()) -> None:
    """Roles other than pred/target not given yet: a column named like the role (or ``ROLE_*``
    columns) in the PRED table or the TARGET table. A role in the position that ``-p`` or ``-y``
    (``flags``) fills is theirs when they select other columns (a ranking metric's
    ``relevance`` with ``-y grade`` is the grade column, whatever column is named ``relevance``)."""
    flagged = {loss[i]: sel for loss in roles for i, sel in enumerate(flags) if sel is not None and len(loss) > i}
    for role in dict.fromkeys(r for loss in roles for r in loss):
        if role in out.arrays or role in POSITIONAL:
            continue
        hits = [(d, f[0]) for d in tables for f in [cols.recognise(d.table.columns, (role,), (role + "_*",))] if len(f) == 1]
        hits = [(d, found) for d, found in hits if role not in flagged or _selects(d, flagged[role], found)]
        if len(hits) > 1:
            raise UsageError(
                f"Both {hits[0][0].source.where} and {hits[1][0].source.where} have a '{role}' column; "
                f"pass --input {role}=FILE:COLUMN to choose."
            )
        if hits:
            (data, found), = hits
            data.take(found, role, out)
            taken[id(data)] |= set(found)


def _selects(data: Input, sel: str, positions: list[int]) -> bool:
    """Whether ``sel`` (a ``-p``/``-y`` selection) selects exactly these columns of the table."""
    return data.has(sel) and cols.select(data.table.columns, sel, data.source.where) == list(positions)


def _check_named(roles: Sequence[Sequence[str]], need: list[int], out: Loaded) -> None:
    """Without PRED, the roles still missing are named, with the flags that give them."""
    missing = list(dict.fromkeys(loss[i] for loss in roles for i in need if len(loss) > i and loss[i] not in out.arrays))
    if any(r not in POSITIONAL for r in missing):  # name the roles, e.g. --input positive=PATH
        names = ", ".join(f"'{r}'" for r in missing)
        flags = " ".join(f"--input {r}=PATH[:SEL]" for r in missing)
        s = "s" if len(missing) > 1 else ""
        raise UsageError(f"Missing input{s} {names}: pass {'them' if s else 'it'} with {flags}.")


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


def _pair(pdata, tdata, extra: list["Input"], out: Loaded, id_col: str | None, align: str, missing: str) -> list[tuple["Input", int]]:
    """Pair the rows of the tables by their id columns: the ids to check row by row into
    ``out.pairs``, or (``--align join``) every table reordered to PRED's ids. ``extra``: the
    ``--input`` inputs, whose tables are paired like TARGET (with PRED, or with TARGET when PRED shares no id
    column with them). Returns the (input, position) of every id column used."""
    both = all(d is not None and d.table is not None for d in (pdata, tdata))
    if align == "join":
        if not both:
            raise UsageError("--align join pairs the rows of two tables by id: pass PRED and TARGET as tables that both have the id column.")
        return _join(pdata, tdata, extra, out, id_col, missing)
    used: list[tuple[Input, int]] = []
    refs = [d for d in (pdata, tdata) if d is not None and d.table is not None]
    for data in ([tdata] if both else []) + [d for d in extra if d.table is not None]:
        found: list[tuple[int, int]] = []  # no table to pair with (PRED and TARGET are arrays)
        for ref in refs:
            found = [] if ref is data else _shared_ids(ref, data, id_col, align)
            if found:
                break
        for p, t in found:
            name, pw, tw = ref.table.columns[p], ref.source.where, data.source.where
            out.pairs[pairing.Pair("pred", name, pw, tw)] = ref.table.take_keys(p)
            out.pairs[pairing.Pair("target", name, pw, tw)] = data.table.take_keys(t)
            used += [(ref, p), (data, t)]
    return used


def _shared_ids(a: "Input", b: "Input", id_col: str | None, align: str) -> list[tuple[int, int]]:
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


def _id_position(data: "Input", sel: str) -> int | None:
    """The position of the id column ``sel`` in a table (an exact selection, else the one column
    whose name matches case-insensitively), or None."""
    if data.has(sel):
        return single(cols.select(data.table.columns, sel, data.source.where), "--id-col", sel)[0]
    hits = [i for i, c in enumerate(data.table.columns) if c.lower() == sel.lower()]
    return hits[0] if len(hits) == 1 else None


def _join(pdata, tdata, extra: list["Input"], out: Loaded, id_col: str | None, missing: str) -> list[tuple["Input", int]]:
    """``--align join``: TARGET's rows, then those of every ``--input`` table with the id
    column, reordered to PRED's ids (PRED's order kept; with ``--missing omit`` the rows without
    exactly one partner in any of them are dropped from all)."""
    pw = pdata.source.where
    joined: list[tuple[Input, int]] = []
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


def _extras(tables: list["Input"], out: Loaded, weight_col: str | None, id_col: str | None, sides: tuple) -> dict[int, set[int]]:
    """Select the weight and id columns from the table that has them (``_owner``)."""
    taken: dict[int, set[int]] = defaultdict(set)
    for flag, value in (("-w/--weight-col", weight_col), ("--id-col", id_col)):
        if value is None:
            continue
        if flag == "--id-col":  # the ids of both tables are checked or joined (_pair): PRED's are shown
            owner = next((d for d in tables if d.has(value)), tables[0]) if tables else None
        else:
            owner, value = _owner(tables, value, flag, sides)
        if owner is None:
            raise UsageError(f"{flag} selects a column of a table, but no input is a table.")
        taken[id(owner)] |= owner.extras(out, value if flag.startswith("-w") else None, value if flag == "--id-col" else None)
    return taken


def _owner(tables: list["Input"], sel: str, flag: str, sides: tuple) -> tuple["Input | None", str]:
    """The table a ``-w``/``-g`` selection reads, and the selection: ``pred:SEL`` or
    ``target:SEL`` name the table (unless SEL with its prefix is a column); otherwise the one
    table that has the columns. When PRED and TARGET both have them, their values must be the
    same (read in memory), else it is a usage error: the choice is the user's."""
    if not tables:
        return None, sel
    side, _, rest = sel.partition(":")
    if side in POSITIONAL and rest and not any(d.has(sel) for d in tables):
        data = sides[POSITIONAL.index(side)]
        if data is None or data.table is None:
            raise UsageError(f"{flag} {sel}: the {side.upper()} input is not a table.")
        return data, rest
    having = [d for d in tables if d.has(sel)]
    if len(having) < 2:
        return (having or tables)[0], sel  # tables[0] raises the missing-column error
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


def _group_columns(tables: list["Input"], out: Loaded, sel: str, taken: dict[int, set[int]], sides: tuple) -> None:
    """``-g/--group-by SEL``: the selected columns (as they are: strings or numbers) of the
    table that has them (``_owner``)."""
    owner, sel = _owner(tables, sel, "-g/--group-by", sides)
    if owner is None:
        raise UsageError("-g/--group-by selects columns of a table, but no input is a table.")
    for pos in cols.select(owner.table.columns, sel, owner.source.where):
        name = owner.table.columns[pos]
        out.groups[name] = owner.table.take_ids(pos)
        out.sources[Column("group", name).label()] = f"{owner.source.where} column '{name}'"
        taken[id(owner)].add(pos)


def _read_role(role: str, text: str, opts: dict) -> tuple["Input", str | None]:
    """``--input ROLE=PATH[:FORMAT][:SEL]`` read: the input and its selection."""
    source, sel = split_selection(text)
    return Input.read(source, None, **opts), sel


def _take_role(role: str, data: "Input", sel: str | None, out: Loaded) -> None:
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


def _array_columns(array: np.ndarray, sel: str, where: str) -> np.ndarray:
    """Columns of a 2-D array by 1-based index, range or list (``-p 1-10`` on an NPY)."""
    if array.ndim != 2:
        raise UsageError(f"A column selection on {where} needs a 2-D array, got shape {array.shape}.")
    names = [str(i + 1) for i in range(array.shape[1])]
    positions = cols.select(names, sel, where)
    return array[:, positions[0]] if len(positions) == 1 else array[:, positions]
