"""Mergeable statistics beyond the ``Summary``: confidence intervals, groups and worst samples.

``Analysis`` rides along an ``Accumulator`` (``--ci``, ``-g/--group-by``, ``--top-k``). It sees
every chunk's per-sample values (per summary key: a loss, or a term of a combination) and keeps

* for ``--ci analytic``: the ``(l, m)`` co-moments of losses with a normaliser (``RatioMoments``);
* for ``--ci bootstrap``: per-replicate sums ``[Σ k w m, Σ k w l, Σ k w l_col...]`` with the
  chunk-invariant Poisson weights of ``losscli.bootstrap``;
* for ``--group-by``: per group value, the same ``Summary`` per key (and the two above), kept
  compact (``Groups``: arrays with a row per group, not an object per group and key);
* for ``--top-k K``: the K worst rows of each loss (largest loss; smallest for a
  higher-is-better entry such as IoU), ties broken by the lower row number;
* the global row ranges seen, so that merging two shards that both start at row 1 (their
  replicates would coincide) is refused instead of silently wrong.

Everything merges exactly (sums by addition, top-k by selection), so any chunking or sharding
gives the same report (to ~1e-15 relative for the sums).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from losscli.bootstrap import PoissonWeights, ReplicateSums, percentile_interval, replicate_values
from losscli.errors import InputError, UsageError
from losscli.reductions import Summary, live_rows, two_sum
from losscli.stats import CI_METHODS, RatioMoments, analytic_interval, ci_object

MAX_N_BOOT = 100_000  # bootstrap replicates: each costs a row of weights per 256-row block and a sum per loss
MAX_ROW_OFFSET = 2**53 - 1  # row numbers stay exact in float64 and in JSON states
MAX_GROUPS = 100_000  # default of --max-groups: an id column given to -g must not exhaust memory


class Side(NamedTuple):
    """The key of a per-row array that rides along with the role arrays through
    ``Accumulator.update`` (sliced and filtered with them) and comes back to the analysis: the
    ids (``kind`` "ids", for --top-k) or a group column (``kind`` "group", ``name``: its name).
    ``str`` is how errors name it (and its key in the accumulator's sources)."""

    kind: str
    name: str = ""

    def __str__(self) -> str:
        return "id column" if self.kind == "ids" else f"group column {self.name}"


IDS = Side("ids")


@dataclass(frozen=True)
class AnalysisOptions:
    """What to compute beyond the summaries (all recorded in the state and the report)."""

    ci: str | None = None  # None, "analytic" or "bootstrap"
    ci_level: float = 0.95
    n_boot: int = 1000
    seed: int = 0
    top_k: int = 0
    group_by: tuple[str, ...] = ()
    row_offset: int = 0  # global index of the first row this accumulator sees (shards)
    max_groups: int = field(default=MAX_GROUPS, compare=False)  # a bound on memory, not a statistic: not in the state

    def __post_init__(self) -> None:
        if self.ci is not None and self.ci not in CI_METHODS:
            raise UsageError(f"Invalid --ci '{self.ci}'. Expected one of: {', '.join(CI_METHODS)}.")
        if not 0.0 < self.ci_level < 1.0:
            raise UsageError(f"--ci-level must be between 0 and 1 (exclusive), got {self.ci_level}.")
        if not 0.5 < 0.5 + self.ci_level / 2.0 < 1.0:  # the interval's quantile, as a float
            raise UsageError(
                f"--ci-level {self.ci_level!r} is too close to {round(self.ci_level)}: the quantile (1 + level) / 2 rounds to "
                f"{0.5 + self.ci_level / 2.0!r}; use e.g. 0.95 (at most 0.9999999999999998)."
            )
        if not 1 <= self.n_boot <= MAX_N_BOOT:
            raise UsageError(f"--n-boot must be an integer from 1 to {MAX_N_BOOT:,}, got {self.n_boot}.")
        if not 0 <= self.seed < 2**64:
            raise UsageError(f"--seed must be an integer in [0, 2**64), got {self.seed}.")
        if self.top_k < 0:
            raise UsageError(f"--top-k must be >= 0, got {self.top_k}.")
        if not 0 <= self.row_offset <= MAX_ROW_OFFSET:
            raise UsageError(f"--row-offset must be an integer from 0 to 2**53 - 1 ({MAX_ROW_OFFSET}), got {self.row_offset}.")
        if self.max_groups < 1:
            raise UsageError(f"--max-groups must be at least 1, got {self.max_groups}.")

    @property
    def active(self) -> bool:
        return self.ci is not None or self.top_k > 0 or bool(self.group_by)

    @property
    def bootstrap(self) -> bool:
        return self.ci == "bootstrap"

    def config(self) -> dict[str, Any]:
        """The report's ``config`` entries (only those in use)."""
        out: dict[str, Any] = {}
        if self.ci is not None:
            out.update(ci=self.ci, ci_level=self.ci_level)
        if self.bootstrap:
            out.update(n_boot=self.n_boot, seed=self.seed)
        if self.group_by:
            out["group_columns"] = list(self.group_by)  # resolved names (the CLI also echoes -g's SEL as group_by)
        if self.top_k:
            out["top_k"] = self.top_k
        return out

    def signature(self) -> list[str]:
        """Signature parts: ``ci:bs1000@0.95|seed:0`` or ``ci:t@0.95``."""
        if self.ci == "bootstrap":
            return [f"ci:bs{self.n_boot}@{self.ci_level:g}", f"seed:{self.seed}"]
        if self.ci == "analytic":
            return [f"ci:t@{self.ci_level:g}"]
        return []

    def to_state(self) -> dict[str, Any]:
        return {"ci": self.ci, "ci_level": self.ci_level, "n_boot": self.n_boot, "seed": self.seed,
                "top_k": self.top_k, "group_by": list(self.group_by), "row_offset": self.row_offset}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> "AnalysisOptions":
        return cls(state.get("ci"), float(state.get("ci_level", 0.95)), int(state.get("n_boot", 1000)),
                   int(state.get("seed", 0)), int(state.get("top_k", 0)), tuple(state.get("group_by", ())),
                   int(state.get("row_offset", 0)))

    def mergeable_with(self, other: "AnalysisOptions") -> bool:
        return replace(self, row_offset=0) == replace(other, row_offset=0)


# ---------------------------------------------------------------------------- worst rows


@dataclass
class TopK:
    """The ``k`` worst rows seen: value, global row (0-based) and id; mergeable."""

    k: int
    higher_is_better: bool = False
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ids: list | None = None

    def update(self, values: np.ndarray, rows: np.ndarray, ids: np.ndarray | None) -> None:
        ok = ~np.isnan(values)
        if not ok.all():
            values, rows, ids = values[ok], rows[ok], (ids[ok] if ids is not None else None)
        badness = -values if self.higher_is_better else values
        if len(values) > self.k:
            # the k-th worst value; every row at least as bad is a candidate (exact ties kept)
            kth = np.partition(badness, len(badness) - self.k)[len(badness) - self.k]
            pick = np.flatnonzero(badness >= kth)
            values, rows, badness = values[pick], rows[pick], badness[pick]
            ids = ids[pick] if ids is not None else None
        new_ids = [plain(v) for v in ids] if ids is not None else None
        self._combine(values, rows.astype(np.int64), new_ids)

    def merge(self, other: "TopK") -> "TopK":
        self._combine(other.values, other.rows, other.ids)
        return self

    def _combine(self, values: np.ndarray, rows: np.ndarray, ids: list | None) -> None:
        all_v = np.concatenate([self.values, values])
        all_r = np.concatenate([self.rows, rows])
        all_i = None if ids is None and self.ids is None else (self.ids or [None] * len(self.values)) + (ids or [None] * len(values))
        badness = -all_v if self.higher_is_better else all_v
        order = np.lexsort((all_r, -badness))[: self.k]  # worst first, then by row
        self.values, self.rows = all_v[order], all_r[order]
        self.ids = [all_i[i] for i in order] if all_i is not None else None

    def entries(self) -> list[dict[str, Any]]:
        """``[{"row": 1-based row, "id": ..., "value": ...}]``, worst first."""
        out = []
        for i, (v, r) in enumerate(zip(self.values.tolist(), self.rows.tolist())):
            entry: dict[str, Any] = {"row": r + 1}
            if self.ids is not None:
                entry["id"] = self.ids[i]
            entry["value"] = v
            out.append(entry)
        return out

    def to_state(self) -> dict[str, Any]:
        return {"values": self.values.tolist(), "rows": self.rows.tolist(), "ids": self.ids}

    def load(self, state: Mapping[str, Any]) -> "TopK":
        self.values = np.array(state["values"], dtype=np.float64)
        self.rows = np.array(state["rows"], dtype=np.int64)
        self.ids = state.get("ids")
        return self


def plain(v: Any) -> Any:
    """A JSON-safe Python scalar from a numpy/pandas cell."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v if isinstance(v, (str, int, float, bool)) or v is None else str(v)


# ---------------------------------------------------------------------------- groups


@dataclass
class Cell:
    """The statistics of one set of rows (the whole input, or one group)."""

    rows: int = 0
    summaries: dict[str, Summary] = field(default_factory=dict)
    ratio: dict[str, RatioMoments] = field(default_factory=dict)
    boot: dict[str, ReplicateSums] = field(default_factory=dict)

    def merge(self, other: "Cell") -> "Cell":
        self.rows += other.rows
        for name, src in (("summaries", other.summaries), ("ratio", other.ratio)):
            mine = getattr(self, name)
            for k, v in src.items():
                mine[k] = mine[k].merge(v) if k in mine else v
        for k, v in other.boot.items():
            self.boot[k] = self.boot[k].merge(v) if k in self.boot else v
        return self

    def to_state(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "summaries": {k: s.to_state() for k, s in self.summaries.items()},
            "ratio": {k: r.to_state() for k, r in self.ratio.items()},
            "boot": {k: b.to_state() for k, b in self.boot.items()},
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> "Cell":
        return cls(
            int(state.get("rows", 0)),
            {k: Summary.from_state(v) for k, v in state.get("summaries", {}).items()},
            {k: RatioMoments.from_state(v) for k, v in state.get("ratio", {}).items()},
            {k: ReplicateSums.from_state(v) for k, v in state.get("boot", {}).items()},
        )


def group_codes(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, list[tuple]]:
    """Per-row group codes ``0..G-1`` and the G group keys (tuples of plain values, sorted; a
    missing value, NaN or None, is its own group with key None, shown as ``(missing)``: never
    merged with the text "nan", never dropped)."""
    invs, uniqs = [], []
    for a in columns:
        inv, keys = _column_codes(np.asarray(a))
        uniqs.append(keys)
        invs.append(inv)
    if len(invs) == 1:
        return invs[0], [(v,) for v in uniqs[0]]
    combos, codes = np.unique(np.stack(invs, axis=1), axis=0, return_inverse=True)
    keys = [tuple(uniqs[j][c] for j, c in enumerate(row)) for row in combos]
    return codes.reshape(-1), keys


def _column_codes(a: np.ndarray) -> tuple[np.ndarray, list]:
    """Codes and plain keys of one group column, the missing key (None) last."""
    a = a.reshape(-1)
    if a.dtype.kind == "f":
        miss = np.isnan(a)
    elif a.dtype.kind in "mM":
        miss = np.isnat(a)
    elif a.dtype.kind == "O":
        miss = np.fromiter((_missing(v) for v in a), bool, len(a))
    else:
        miss = np.zeros(len(a), bool)
    present = a[~miss] if miss.any() else a
    if present.dtype.kind == "O":
        present = present.astype(str)
    u, inv = np.unique(present, return_inverse=True)
    keys = [plain(v) for v in u]
    if not miss.any():
        return inv.reshape(-1), keys
    codes = np.full(len(a), len(u), dtype=np.intp)
    codes[~miss] = inv.reshape(-1)
    return codes, keys + [None]


def _missing(v: Any) -> bool:
    """An empty cell as readers give it: None, a float NaN, pandas' NA or NaT."""
    if v is None:
        return True
    if isinstance(v, (float, np.floating)):
        return bool(v != v)
    return type(v).__name__ in ("NAType", "NaTType")


class _SummaryTable:
    """One summary key's ``Summary`` for every group, as arrays with a row per group (about 100
    bytes a group instead of a kilobyte of objects); ``fold`` is ``Summary.merge`` on many rows."""

    def __init__(self, capacity: int, width: int) -> None:
        self.n = np.zeros(capacity, np.int64)
        self.sums = np.zeros((capacity, width))
        self.comp = np.zeros((capacity, width))
        self.mean_l = np.zeros(capacity)
        self.m2 = np.zeros(capacity)
        self.min = np.full(capacity, math.inf)
        self.max = np.full(capacity, -math.inf)

    def grow(self, capacity: int) -> None:
        for name, fill in (("n", 0), ("sums", 0.0), ("comp", 0.0), ("mean_l", 0.0), ("m2", 0.0), ("min", math.inf), ("max", -math.inf)):
            old = getattr(self, name)
            new = np.full((capacity, *old.shape[1:]), fill, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def fold(self, gi: np.ndarray, n, sums, comp, mean_l, m2, lo, hi) -> None:
        """Merge the statistics of rows ``gi`` (distinct) with the given ones, as
        ``Summary.merge`` does (Neumaier sums, Chan's update; an empty side is taken as is)."""
        first = self.n[gi] == 0
        s, c = two_sum(self.sums[gi], self.comp[gi] + comp, sums)
        wa = self.sums[gi, 0] + self.comp[gi, 0]
        wb = sums[:, 0] + comp[:, 0]
        w = wa + wb
        with np.errstate(all="ignore"):
            delta = mean_l - self.mean_l[gi]
            mean = np.where(w > 0, self.mean_l[gi] + delta * wb / w, 0.0)
            m2_ab = self.m2[gi] + m2 + np.where(w > 0, delta * delta * wa * wb / w, 0.0)
        self.sums[gi] = np.where(first[:, None], sums, s)
        self.comp[gi] = np.where(first[:, None], comp, c)
        self.mean_l[gi] = np.where(first, mean_l, mean)
        self.m2[gi] = np.where(first, m2, m2_ab)
        self.min[gi] = np.minimum(self.min[gi], lo)
        self.max[gi] = np.maximum(self.max[gi], hi)
        self.n[gi] += n

    def summary(self, i: int) -> Summary:
        return Summary(int(self.n[i]), self.sums[i].copy(), self.comp[i].copy(), float(self.mean_l[i]), float(self.m2[i]), float(self.min[i]), float(self.max[i]))

    def rows(self, gi: np.ndarray) -> tuple:
        """The statistics of rows ``gi``, as ``fold`` takes them."""
        return self.n[gi], self.sums[gi], self.comp[gi], self.mean_l[gi], self.m2[gi], self.min[gi], self.max[gi]


def _grouped(codes: np.ndarray, g: int, values, weights, norm, columns) -> tuple:
    """What ``Summary.of`` gives for the rows of each group ``0..g-1`` (``codes``: a group per
    row), for all groups at once: (n, sums, comp, mean_l, m2, min, max) as arrays; rows that are
    not samples (``live_rows``) are left out, as ``Summary.of`` does."""
    values = np.asarray(values, dtype=np.float64)
    live = live_rows(values, weights, norm)
    if live is not None:
        codes, values = codes[live], values[live]
        weights = None if weights is None else np.asarray(weights)[live]
        norm = None if norm is None else norm[live]
        columns = None if columns is None else columns[live]
    n = np.bincount(codes, minlength=g)
    parts = [] if columns is None else [columns[:, j] for j in range(columns.shape[1])]
    if weights is None:
        w_sum = n.astype(np.float64)
        sums = [w_sum, w_sum, np.bincount(codes, values, g), np.bincount(codes, norm, g) if norm is not None else w_sum]
        sums += [np.bincount(codes, col, g) for col in parts]
    else:
        w = np.asarray(weights, dtype=np.float64)
        w_sum = np.bincount(codes, w, g)
        sums = [w_sum, np.bincount(codes, w * w, g), np.bincount(codes, w * values, g)]
        sums += [np.bincount(codes, w * norm, g) if norm is not None else w_sum]
        sums += [np.bincount(codes, w * col, g) for col in parts]
    with np.errstate(all="ignore"):
        mean_l = np.where(w_sum > 0, sums[2] / np.where(w_sum > 0, w_sum, 1.0), 0.0)
        dev = values - mean_l[codes]
        m2 = np.bincount(codes, dev * dev if weights is None else w * dev * dev, g)
    lo = np.full(g, math.inf)
    hi = np.full(g, -math.inf)
    np.minimum.at(lo, codes, values)
    np.maximum.at(hi, codes, values)
    stacked = np.stack(sums, axis=1)
    return n, stacked, np.zeros_like(stacked), mean_l, m2, lo, hi


class Groups:
    """The per-group state of ``--group-by``: each group's row count and ``Summary`` per key in
    ``_SummaryTable`` arrays (a row per group), and the ``--ci`` state of groups (``Cell``s
    holding ``ratio`` and ``boot`` only) where it is asked for. ``groups[key]`` is the ``Cell``
    of one group, built when asked. At most ``limit`` groups are made by ``add`` (exit 3 beyond)."""

    def __init__(self, limit: int = MAX_GROUPS) -> None:
        self.limit = limit
        self.index: dict[tuple, int] = {}
        self.counts = np.zeros(0, np.int64)
        self.tables: dict[str, _SummaryTable] = {}
        self.extra: dict[tuple, Cell] = {}

    def __len__(self) -> int:
        return len(self.index)

    def __iter__(self):
        return iter(self.index)

    def __contains__(self, key: object) -> bool:
        return key in self.index

    def __getitem__(self, key: tuple) -> Cell:
        i = self.index[key]
        extra = self.extra.get(key) or Cell()
        return Cell(int(self.counts[i]), {k: t.summary(i) for k, t in self.tables.items()}, extra.ratio, extra.boot)

    def items(self):
        return ((k, self[k]) for k in self.index)

    def cell(self, key: tuple) -> Cell:
        """The ``--ci`` state of a group (made when first asked)."""
        self._indices([key])
        return self.extra.setdefault(key, Cell())

    def _indices(self, keys: Sequence[tuple]) -> np.ndarray:
        """The rows of ``keys``, new keys appended (the arrays grow by half when full)."""
        index = self.index
        out = np.empty(len(keys), np.intp)
        for j, key in enumerate(keys):
            i = index.get(key)
            if i is None:
                i = index[key] = len(index)
            out[j] = i
        if len(index) > len(self.counts):
            capacity = max(len(index), len(self.counts) * 3 // 2, 16)
            counts = np.zeros(capacity, np.int64)
            counts[: len(self.counts)] = self.counts
            self.counts = counts
            for t in self.tables.values():
                t.grow(capacity)
        return out

    def _table(self, key: str, width: int) -> _SummaryTable:
        if key not in self.tables:
            self.tables[key] = _SummaryTable(len(self.counts), width)
        return self.tables[key]

    def add(self, keys: list[tuple], codes: np.ndarray, chunk, weights: np.ndarray | None) -> np.ndarray:
        """Fold the rows of one chunk into their groups (``codes``: each row's index into
        ``keys``); the groups' rows."""
        new = sum(1 for k in keys if k not in self.index)
        if len(self.index) + new > self.limit:
            raise InputError(
                f"--group-by makes more than {self.limit} groups; pass --max-groups N to allow more "
                "(each group costs memory), or group by a column with fewer distinct values."
            )
        gi = self._indices(keys)
        g = len(keys)
        self.counts[gi] += np.bincount(codes, minlength=g)
        for k, (values, norm, columns) in chunk.items():
            stats = _grouped(codes, g, values, weights, norm, columns)
            self._table(k, stats[1].shape[1]).fold(gi, *stats)
        return gi

    def put(self, cells: list[tuple[tuple, Cell]]) -> None:
        """Merge groups' ``Cell``s in (a state being loaded), each key's summaries at once."""
        first: list[tuple[tuple, Cell]] = []
        again: list[tuple[tuple, Cell]] = []
        seen: set[tuple] = set()
        for item in cells:
            (again if item[0] in seen else first).append(item)
            seen.add(item[0])
        if again:  # a key given twice: merged one batch at a time
            self.put(first)
            self.put(again)
            return
        gi = self._indices([key for key, _ in cells])
        self.counts[gi] += np.array([cell.rows for _, cell in cells], dtype=np.int64)
        for k in dict.fromkeys(k for _, cell in cells for k in cell.summaries):
            have = [(i, cell.summaries[k]) for i, (_, cell) in zip(gi, cells) if k in cell.summaries]
            rows = [s for _, s in have]
            if len({len(s.sums) for s in rows}) > 1:
                raise InputError(f"The groups of a state disagree on the width of '{k}'.")
            self._table(k, len(rows[0].sums)).fold(
                np.array([i for i, _ in have], dtype=np.intp), np.array([s.n for s in rows], dtype=np.int64),
                np.stack([s.sums for s in rows]), np.stack([s.comp for s in rows]), np.array([s.mean_l for s in rows]),
                np.array([s.m2 for s in rows]), np.array([s.min for s in rows]), np.array([s.max for s in rows]),
            )  # fmt: skip
        for key, cell in cells:
            if cell.ratio or cell.boot:
                self.cell(key).merge(Cell(0, {}, cell.ratio, cell.boot))

    def merge(self, other: "Groups") -> "Groups":
        """Add another accumulator's groups (its tables row by row, vectorized)."""
        if not len(other):
            return self
        keys = list(other.index)
        mine = self._indices(keys)
        theirs = np.fromiter((other.index[k] for k in keys), np.intp, len(keys))
        self.counts[mine] += other.counts[theirs]
        for k, t in other.tables.items():
            present = t.n[theirs] > 0
            self._table(k, t.sums.shape[1]).fold(mine[present], *t.rows(theirs[present]))
        for key, cell in other.extra.items():
            self.cell(key).merge(cell)
        return self


# ---------------------------------------------------------------------------- the analysis


class Analysis:
    """The mergeable analysis state of one ``Accumulator`` (see the module docstring)."""

    def __init__(self, options: AnalysisOptions, directions: Mapping[str, str]) -> None:
        self.options = options
        self.directions = dict(directions)  # top-level label -> "lower" / "higher"
        self.overall = Cell()  # ratio and boot only: the summaries are the Accumulator's
        self.groups = Groups(options.max_groups)
        self.top = {label: TopK(options.top_k, d == "higher") for label, d in self.directions.items()} if options.top_k else {}
        self.ranges: list[list[int]] = []
        self._weights = PoissonWeights(options.seed, options.n_boot) if options.bootstrap else None

    # ------------------------------------------------------------------ update
    def side_arrays(self, ids: np.ndarray | None, groups: Mapping[str, np.ndarray] | None) -> dict[str, np.ndarray]:
        """The id and group columns, keyed so that ``Accumulator.update`` slices them with the
        role arrays and hands them back here."""
        out = {}
        if self.options.top_k and ids is not None:
            out[IDS] = np.asarray(ids)
        for name in self.options.group_by:
            if groups is None or name not in groups:
                raise UsageError(f"--group-by {name}: no such group column was given to the accumulator.")
            out[Side("group", name)] = np.asarray(groups[name])
        return out

    def update(
        self,
        first_row: int,
        n: int,
        keep: np.ndarray | None,
        chunk: Mapping[str, tuple[np.ndarray, np.ndarray | None, np.ndarray | None]],
        weights: np.ndarray | None,
        side: Mapping[str, np.ndarray],
    ) -> None:
        """Fold one chunk in: ``chunk[key] = (values, norm, columns)`` on the kept rows; ``side``
        holds the id and group arrays (kept rows); ``first_row`` is the chunk's first global
        row (0-based) and ``keep`` the kept rows of its ``n`` (None: all)."""
        start = self.options.row_offset + first_row
        if n:
            self._add_range(start, start + n)
        rows = start + (np.arange(n) if keep is None else np.flatnonzero(keep))
        m = len(rows)
        if self.options.group_by:
            codes, keys = group_codes([side[Side("group", g)] for g in self.options.group_by]) if m else (np.zeros(0, np.intp), [])
        else:
            codes, keys = None, []
        if codes is not None and m:  # first: the --max-groups check comes before any group state is made
            self.groups.add(keys, codes, chunk, weights)
        if self.options.ci == "analytic":
            self._ratio(self.overall, chunk, weights, None)
        if self.options.bootstrap and m and chunk:  # chunk: the losses' values (metrics without them: engine.aggregates)
            self._bootstrap(start, n, keep, chunk, weights, codes, keys)
        for label, top in self.top.items():
            values, norm, _ = chunk[label]
            live = live_rows(values, weights, norm)  # a row of weight (or normaliser) 0 is not a sample
            ids = side.get(IDS)
            if live is not None:
                values, top_rows, ids = values[live], rows[live], (None if ids is None else ids[live])
            else:
                top_rows = rows
            top.update(values, top_rows, ids)
        if codes is not None and m:
            if self.options.ci == "analytic":
                order = np.argsort(codes, kind="stable")
                bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))
                for g, key in enumerate(keys):
                    self._ratio(self.groups.cell(key), chunk, weights, order[bounds[g] : bounds[g + 1]])

    def _ratio(self, cell: Cell, chunk, weights, idx) -> None:
        for k, (values, norm, _) in chunk.items():
            if norm is None:
                continue
            if idx is not None:
                values, norm = values[idx], norm[idx]
            w = None if weights is None else (weights if idx is None else weights[idx])
            r = RatioMoments.of(values, np.asarray(norm, dtype=np.float64), w)
            cell.ratio[k] = cell.ratio[k].merge(r) if k in cell.ratio else r

    def _bootstrap(self, start: int, n: int, keep, chunk, weights, codes, keys) -> None:
        """Add ``K Vᵀ`` block by block: the columns of ``V`` are, per key, ``w m`` (``w`` itself,
        shared, without a normaliser), ``w l`` and ``w l_col`` on the chunk's rows (0 on dropped
        rows). With groups, each group's rows of a block are gathered; the whole is the sum of
        the groups (they partition the kept rows)."""
        layout, cols = _columns(chunk, weights)
        vt = np.stack(cols)  # (C, rows kept)
        if keep is not None:
            full = np.zeros((len(cols), n))
            full[:, keep] = vt
            vt = full
        c, b = vt.shape[0], self.options.n_boot
        g = len(keys) if codes is not None else 0
        if g:
            full_codes = np.full(n, -1, dtype=np.intp)
            full_codes[keep if keep is not None else slice(None)] = codes
        total = np.zeros((b, c))
        per_group = np.zeros((g, b, c))
        for lo, hi, k in self._weights.spans(start, start + n):
            if not g:
                total += _kv(k, vt[:, lo:hi])
                continue
            cb = full_codes[lo:hi]
            for gi in np.unique(cb[cb >= 0]):
                idx = np.flatnonzero(cb == gi)
                per_group[gi] += _kv(k, vt[:, lo:hi]) if len(idx) == hi - lo else _kv(k[:, idx], vt[:, lo + idx])
        if g:
            total = per_group.sum(axis=0)
        self._add(self.overall, layout, total)
        for gi, key in enumerate(keys):
            self._add(self.groups.cell(key), layout, per_group[gi])

    @staticmethod
    def _add(cell: Cell, layout, total: np.ndarray) -> None:
        for k, idx in layout:
            if k not in cell.boot:
                cell.boot[k] = ReplicateSums(total.shape[0], len(idx))
            cell.boot[k].add(total[:, idx])

    def _add_range(self, lo: int, hi: int) -> None:
        if self.ranges and self.ranges[-1][1] == lo:
            self.ranges[-1][1] = hi
        else:
            self.ranges.append([lo, hi])

    # ------------------------------------------------------------------ merge / state
    def merge(self, other: "Analysis") -> "Analysis":
        if not self.options.mergeable_with(other.options):
            raise UsageError(
                f"Cannot merge states computed with different statistics options: {self.options.config()} and {other.options.config()}."
            )
        self._check_disjoint(other.ranges)
        self.overall.merge(other.overall)
        self.groups.merge(other.groups)
        for label, top in other.top.items():
            self.top[label].merge(top)
        self.ranges = _union(self.ranges + other.ranges)
        return self

    def _check_disjoint(self, other: list[list[int]]) -> None:
        if not (self.options.bootstrap or self.options.top_k):
            return
        for lo, hi in other:
            for a, b in self.ranges:
                if lo < b and a < hi:
                    first, last = max(lo, a) + 1, min(hi, b)
                    raise UsageError(
                        f"Cannot merge: both parts contain rows {first}-{last}, which would get the same bootstrap weights "
                        "and row numbers. Evaluate each shard with --row-offset N (N = the rows before it)."
                    )

    def to_state(self) -> dict[str, Any]:
        return {
            "options": self.options.to_state(),
            "ranges": self.ranges,
            "overall": self.overall.to_state(),
            "groups": [{"key": list(k), **cell.to_state()} for k, cell in self.groups.items()],
            "top": {label: t.to_state() for label, t in self.top.items()},
        }

    def load(self, state: Mapping[str, Any]) -> "Analysis":
        self.ranges = [list(r) for r in state.get("ranges", [])]
        self.overall = Cell.from_state(state.get("overall", {}))
        self.groups = Groups(self.options.max_groups)
        self.groups.put([(tuple(g["key"]), Cell.from_state(g)) for g in state.get("groups", [])])
        for label, t in state.get("top", {}).items():
            self.top[label].load(t)
        return self

    # ------------------------------------------------------------------ results
    def interval(
        self,
        key: str,
        summary: Summary,
        reduction: str,
        finalize: Callable | None = None,
        parts: Sequence[tuple[str, float, Callable | None]] | None = None,
        group: tuple | None = None,
    ) -> dict[str, Any] | None:
        """The ``ci`` object of summary key ``key`` (of ``group``), or None without ``--ci``.

        ``parts`` (a combination's ``(key, coefficient, finalize)`` per term): its bootstrap
        replicates are the coefficient-weighted sums of the terms' replicate headlines, like
        its value.
        """
        o = self.options
        if o.ci is None:
            return None
        cell = self.overall if group is None else self.groups[group]
        if reduction == "none":
            return ci_object(o.ci, o.ci_level, None, None)
        if o.ci == "analytic":
            low, high = analytic_interval(summary, o.ci_level, reduction, finalize, cell.ratio.get(key))
            return ci_object(o.ci, o.ci_level, low, high)
        if parts:
            if not all(k in cell.boot for k, _, _ in parts):
                return ci_object(o.ci, o.ci_level, None, None)
            reps = sum(coef * replicate_values(cell.boot[k].total(), reduction, fin) for k, coef, fin in parts)
        elif key in cell.boot:
            reps = replicate_values(cell.boot[key].total(), reduction, finalize)
        else:
            return ci_object(o.ci, o.ci_level, None, None)
        low, high = percentile_interval(reps, o.ci_level)
        return ci_object(o.ci, o.ci_level, low, high)

    def replicates(self, key: str, reduction: str, finalize: Callable | None = None) -> np.ndarray:
        """The overall replicate headlines of ``key`` (paired comparisons use them)."""
        return replicate_values(self.overall.boot[key].total(), reduction, finalize)

    def worst(self, label: str) -> list[dict[str, Any]] | None:
        return self.top[label].entries() if label in self.top else None

    def group_keys(self) -> list[tuple]:
        """Group keys in sorted order (by their plain values; mixed types by their text)."""
        try:  # the missing key (None) after every value
            return sorted(self.groups, key=lambda k: tuple((v is None, 0 if v is None else v) for v in k))
        except TypeError:
            return sorted(self.groups, key=lambda k: tuple((v is None, str(v)) for v in k))


def _columns(chunk, weights) -> tuple[list[tuple[str, list[int]]], list[np.ndarray]]:
    """The columns of ``V`` (``Analysis._bootstrap``) and, per key, the indices of its own:
    ``w m`` (column 0, ``w`` itself, shared by every key without a normaliser), ``w l`` and
    ``w l_col``."""
    layout: list[tuple[str, list[int]]] = []
    cols: list[np.ndarray] = []
    w = np.ones(len(next(iter(chunk.values()))[0])) if weights is None else weights
    for k, (values, norm, columns) in chunk.items():
        if norm is None:
            if not cols:
                cols.append(w)  # column 0: Σ k w, shared by every key without a normaliser
            idx = [0]
        else:
            cols.append(w * norm)
            idx = [len(cols) - 1]
        cols.append(w * values)
        idx.append(len(cols) - 1)
        if columns is not None:
            cols.extend(w * columns[:, j] for j in range(columns.shape[1]))
            idx.extend(range(len(cols) - columns.shape[1], len(cols)))
        layout.append((k, idx))
    return layout, cols


def _kv(k: np.ndarray, vt: np.ndarray) -> np.ndarray:
    """``k @ vt.T`` as one matrix-vector product per column: BLAS runs a GEMV single-threaded,
    while a small GEMM may go multi-threaded and is then ~30x slower on a busy machine."""
    out = np.empty((k.shape[0], vt.shape[0]))
    for j in range(vt.shape[0]):
        out[:, j] = k @ vt[j]
    return out


def _union(ranges: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out
