"""Shard states (``losscli eval --emit-state``): written (``write_state``), read back and checked
(``read_state``) before ``losscli merge`` trusts them.

A state is data like any input: it may come from another machine, be hand-edited or be
truncated. ``validate`` checks every field the merge reads against what ``Accumulator.state()``
writes: the schema and the losscli version that wrote it, the loss specs, counts that are
non-negative integers and agree with each other (each summary's ``n`` is the rows kept, a
group's summaries count its rows, the row ranges add up to the rows), sums that are finite
where they must be (every per-sample loss is finite unless ``--nan-policy propagate``), second
moments that are not negative, the shapes of the bootstrap replicate arrays (``n_boot`` rows,
the loss's columns), the keys that every part of the state must have, and the states of the
metrics without per-sample values (each one's ``load`` refuses what ``to_state`` would not
write; without sample weights each counts the rows kept, overall or in its group: ``Statistic.
count``; every group of the analysis has every metric's state). A failed check is exit
3 naming the file and the field, never a crash (exit 4) and never a report made of impossible
numbers.

``overlaps`` then refuses a state given twice and two states over the same rows of one input
(the same digest): each would count rows twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from losscli._atomic import atomic_write
from losscli._digest import ALGORITHMS as DIGESTS
from losscli._jsonfile import read_json
from losscli._version import __version__
from losscli.errors import InputError, LossCliError, StateError
from losscli.render.escape import json_text

SCHEMA = "losscli.state/1"

_SUMMARY = ("n", "sums", "comp", "mean_l", "m2", "min", "max")
_CELL = ("rows", "summaries", "ratio", "boot")
_OPTIONS = ("ci", "ci_level", "n_boot", "seed", "top_k", "group_by", "row_offset")
_RATIO = ("w", "mean_l", "mean_m", "c_lm", "c_mm")


class _Bad(Exception):
    """One failed check: the field (a dotted path) and what is wrong with it."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(field, why)
        self.field, self.why = field, why


def write_state(path: str, acc: Any, inputs: dict[str, Any]) -> None:
    """``--emit-state``: the accumulator's state (with the tool and the inputs, for provenance),
    written atomically. Floats are written exactly (repr); infinities as JSON ``Infinity``."""
    state = dict(acc.state())
    state["tool"] = {"name": "losscli", "version": __version__}
    state["inputs"] = inputs
    with atomic_write(path) as fh:
        fh.write(json_text(json.dumps(state)))
        fh.write("\n")


def read_state(path: str) -> dict[str, Any]:
    """A state file as a dict, or exit 3 saying why it is not one (``validate``)."""
    state = read_json(
        path,
        missing=f"File not found: {path}",
        invalid=lambda e: f"{path} is not a losscli state (invalid JSON: {e}); write one with 'losscli eval --emit-state'.",
    )
    if not isinstance(state, dict) or "schema" not in state:
        raise InputError(f"{path} is not a losscli state (no 'schema'); write one with 'losscli eval --emit-state'.")
    if state["schema"] != SCHEMA:
        raise InputError(f"{path} has schema {state['schema']!r}; this losscli {__version__} reads {SCHEMA!r}.")
    missing = [k for k in ("losses", "reduction", "nan_policy", "rows", "dropped", "weighted", "summaries") if k not in state]
    if missing:
        raise InputError(f"{path} is not a valid losscli state: it has no {', '.join(repr(k) for k in missing)}.")
    validate(path, state)
    return state


def validate(path: str, state: Mapping[str, Any]) -> None:
    """Exit 3 (``InputError``) naming ``path`` and the first field that is not what
    ``losscli eval --emit-state`` writes."""
    try:
        _state(state)
    except _Bad as e:
        raise InputError(f"{path} is not a valid losscli state: '{e.field}' {e.why.rstrip('.')}.") from None


def first_row(state: Mapping[str, Any]) -> int:
    """The state's first row (``--row-offset``) once validated."""
    return int(state["first_row"])


# ---------------------------------------------------------------------------- the checks


def _state(s: Mapping[str, Any]) -> None:
    from losscli.engine import NAN_POLICIES, Accumulator, keyed_parts

    tool = _dict(s, "tool", ("name", "version"))
    if tool["name"] != "losscli":
        raise _Bad("tool.name", f"must be 'losscli', got {_show(tool['name'])}")
    if tool["version"] != __version__:
        raise _Bad("tool.version", f"is {_show(tool['version'])}, this losscli is {__version__}: evaluate every shard with one version")
    _choice(s, "reduction", ("mean", "sum", "sum_elements", "none"))
    _choice(s, "nan_policy", NAN_POLICIES)
    rows, dropped = _count(s, "rows"), _count(s, "dropped")
    if dropped > rows:
        raise _Bad("dropped", f"is {dropped}, more than the {rows} rows")
    start = _count(s, "first_row")
    if not isinstance(s["weighted"], bool):
        raise _Bad("weighted", f"must be true or false, got {_show(s['weighted'])}")
    losses = s["losses"]
    if not isinstance(losses, list) or not losses or not all(isinstance(x, str) for x in losses):
        raise _Bad("losses", "must be a non-empty list of loss specs")
    try:
        acc = Accumulator(losses, reduction=s["reduction"], nan_policy=s["nan_policy"])
    except LossCliError as e:
        raise _Bad("losses", f"is not valid: {e}") from None
    columns = {key: part.spec.finalize is not None for b in acc.losses for key, _, part in keyed_parts(b)}
    columns.update({b.label: False for b in acc.losses if b.label not in columns})  # a combination's own sum
    finite = s["nan_policy"] != "propagate"
    summaries = _dict(s, "summaries", tuple(acc.summaries))
    # rows of weight or normaliser 0 are not samples (reductions.live_rows): n may be below the rows kept
    loose = {key for b in acc.losses for key, _, part in keyed_parts(b) if part.spec.normalizer is not None or s["weighted"]}
    loose |= {b.label for b in acc.losses} if s["weighted"] else set()
    widths = {}
    for key in acc.summaries:
        widths[key] = _summary(summaries[key], f"summaries.{key}", rows - dropped, s["weighted"], finite, columns[key], exact=key not in loose)
    _inputs(s)
    if "analysis" in s:
        _analysis(s["analysis"], [b.label for b in acc.losses if b.label in acc.summaries], widths, rows, dropped, start, s["weighted"], finite, loose)
    if acc.aggregates is not None:
        _metrics(s, acc.aggregates, rows > dropped)


def _metrics(s: Mapping[str, Any], aggregates: Any, any_rows: bool) -> None:
    """The states of the metrics without per-sample values: an object per part, a state per
    metric (overall when any row was kept; in every group of the analysis), each one its
    statistic loads (its ``load`` checks the fields) and, without sample weights, counting the
    rows kept (``Statistic.count``); then they must evaluate."""
    m = _dict(s, "metrics", ("overall", "groups", "boot"))
    extra = sorted(set(m) - {"overall", "groups", "boot"})
    if extra:
        raise _Bad(f"metrics.{extra[0]}", "is not a part of a metrics state (overall, groups, boot)")
    labels = set(aggregates.metrics)
    overall = _dict_at(m["overall"], "metrics.overall", sorted(labels) if any_rows else ())
    boot = _dict_at(m["boot"], "metrics.boot", ())
    for where, states in [("metrics.overall", overall), ("metrics.boot", boot)]:
        extra = sorted(set(states) - labels)
        if extra:
            raise _Bad(f"{where}.{extra[0]}", "is not a metric of this state's losses")
    exact = not s["weighted"] and s["nan_policy"] != "propagate"  # else rows of weight 0 or NaN may be left out
    for label, raw in overall.items():
        _metric_state(aggregates, label, raw, f"metrics.overall.{label}", s["rows"] - s["dropped"] if exact else None)
    for i, (states, rows) in enumerate(_metric_groups(m["groups"], s.get("analysis"), sorted(labels))):
        for label in sorted(labels):
            _metric_state(aggregates, label, states[label], f"metrics.groups[{i}].{label}", rows if exact else None)
    options = (s.get("analysis") or {}).get("options") or {}
    n_boot = options.get("n_boot") if options.get("ci") == "bootstrap" else 0
    _metric_replicates(aggregates, boot, "metrics.boot", n_boot)
    for i, g in enumerate(m["groups"]):
        if "boot" in g:
            _metric_replicates(aggregates, _dict_at(g["boot"], f"metrics.groups[{i}].boot", ()), f"metrics.groups[{i}].boot", n_boot)
    try:
        aggregates.load(m)
        for label in overall:
            aggregates.value(label)
    except LossCliError:
        pass  # an undefined value (one class in a shard): the merged rows may define it
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as e:
        raise _Bad("metrics", f"holds a state its metric cannot read ({type(e).__name__}: {e})") from None


def _metric_replicates(aggregates: Any, boot: Mapping[str, Any], where: str, n_boot: int) -> None:
    """Replicate states by label: metrics of this state, ``n_boot`` states each (or null)."""
    for label, reps in boot.items():
        if label not in aggregates.metrics:
            raise _Bad(f"{where}.{label}", "is not a metric of this state's losses")
        if not isinstance(reps, list) or len(reps) != n_boot:
            raise _Bad(f"{where}.{label}", f"must be a list of {n_boot} replicate states (n_boot)")
        for j, raw in enumerate(reps):
            if raw is not None:
                _metric_state(aggregates, label, raw, f"{where}.{label}[{j}]", None)


def _metric_groups(groups: Any, analysis: Any, labels: list[str]) -> list[tuple[dict, int]]:
    """The metric states of each group with the group's rows (``analysis.groups[i].rows``, checked
    before): one entry per group of the analysis, the same keys, every metric's state."""
    if not isinstance(groups, list):
        raise _Bad("metrics.groups", f"must be a list, got {_show(groups)}")
    rows = {json.dumps(g["key"]): g["rows"] for g in (analysis["groups"] if analysis is not None else [])}
    out, seen = [], set()
    for i, g in enumerate(groups):
        where = f"metrics.groups[{i}]"
        key = json.dumps(_dict_at(g, where, ("key", "states"))["key"])
        extra = sorted(set(g) - {"key", "states", "boot"})
        if extra:
            raise _Bad(f"{where}.{extra[0]}", "is not a part of a group's metric states (key, states, boot)")
        if not isinstance(g["key"], list) or key not in rows:
            raise _Bad(f"{where}.key", "must be the key of a group of 'analysis.groups'")
        if key in seen:
            raise _Bad(f"{where}.key", "is given twice")
        seen.add(key)
        states = _dict_at(g["states"], f"{where}.states", labels)
        extra = sorted(set(states) - set(labels))
        if extra:
            raise _Bad(f"{where}.states.{extra[0]}", "is not a metric of this state's losses")
        out.append((states, rows[key]))
    if len(seen) != len(rows):
        missing = sorted(set(rows) - seen)[0]
        raise _Bad("metrics.groups", f"have no states for the group {_show(json.loads(missing))} of 'analysis.groups'")
    return out


def _metric_state(aggregates: Any, label: str, raw: Any, where: str, kept: int | None) -> None:
    """One metric state: it loads (a field its ``load`` refuses is named) and, when ``kept`` is
    given (no sample weights, not a bootstrap replicate), counts exactly those rows."""
    statistic = aggregates.metrics[label].spec.statistic
    try:
        state = statistic.load(raw)
    except StateError as e:
        raise _Bad(f"{where}.{e.field}", e.why) from None
    except (LossCliError, KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as e:
        raise _Bad(where, f"is not a state of {label} ({type(e).__name__}: {e})") from None
    count = None if kept is None else statistic.count(state)
    if count is not None and math.isnan(count):
        raise _Bad(where, "carries a bootstrap replicate's weights outside 'metrics.boot'")
    if count is not None and count != kept:
        raise _Bad(where, f"counts {count:g} rows, but {kept} were kept")


def _summary(d: Any, where: str, n_kept: int | None, weighted: bool, finite: bool, columns: bool, width: int | None = None, *, exact: bool = True) -> int:
    """Check one ``Summary`` state; its width (the length of ``sums``). ``exact``: its ``n`` is the
    rows kept (else at most those: rows of weight or normaliser 0 are not counted)."""
    d = _dict_at(d, where, _SUMMARY)
    n = _count(d, "n", where)
    if n_kept is not None and (n > n_kept or (exact and n != n_kept)):
        raise _Bad(f"{where}.n", f"is {n}, but {n_kept} rows were kept")
    sums, comp = _numbers(d["sums"], f"{where}.sums", finite), _numbers(d["comp"], f"{where}.comp", finite)
    if len(sums) < 4 or (not columns and len(sums) != 4):
        raise _Bad(f"{where}.sums", f"has {len(sums)} values; a summary has 4" + (" and one per column" if columns else ""))
    if width is not None and len(sums) != width:
        raise _Bad(f"{where}.sums", f"has {len(sums)} values, the loss's other summaries {width}")
    if len(comp) != len(sums):
        raise _Bad(f"{where}.comp", f"has {len(comp)} values, 'sums' {len(sums)}")
    for k in ("mean_l", "m2", "min", "max"):
        _number(d[k], f"{where}.{k}", finite and not (k in ("min", "max") and n == 0))
    total = [a + b for a, b in zip(sums, comp)]
    if not weighted and n and (total[0] != n or total[1] != n):
        raise _Bad(f"{where}.sums", f"counts {total[0]:g} rows (and {total[1]:g}), 'n' {n}")
    for i, what in ((0, "weight sum"), (1, "sum of squared weights"), (3, "normaliser sum")):
        if total[i] < 0:
            raise _Bad(f"{where}.sums", f"has a negative {what} ({total[i]:g})")
    if d["m2"] < 0:
        raise _Bad(f"{where}.m2", f"is negative ({d['m2']:g}); it is a sum of squares")
    if n and d["min"] > d["max"]:
        raise _Bad(f"{where}.min", f"is {d['min']:g}, above 'max' {d['max']:g}")
    return len(sums)


def _inputs(s: Mapping[str, Any]) -> None:
    if "inputs" not in s:
        raise _Bad("inputs", "is missing")
    inputs = s["inputs"]
    if not isinstance(inputs, dict):
        raise _Bad("inputs", "must be an object (role -> file)")
    for role, info in inputs.items():
        if not isinstance(info, dict):
            continue  # rows, rows_used, dropped: not used by the merge
        for alg in DIGESTS:
            if alg in info and not _hex(info[alg]):
                raise _Bad(f"inputs.{role}.{alg}", "must be a hex digest")


def _analysis(a: Any, labels: list[str], widths: dict[str, int], rows: int, dropped: int, start: int, weighted: bool, finite: bool, loose: set[str] = frozenset()) -> None:
    from losscli.analysis import AnalysisOptions

    a = _dict_at(a, "analysis", ("options", "ranges", "overall", "groups", "top"))
    o = _dict_at(a["options"], "analysis.options", _OPTIONS)
    for k in ("n_boot", "seed", "top_k", "row_offset"):
        _count(o, k, "analysis.options")
    if not isinstance(o["group_by"], list) or not all(isinstance(g, str) for g in o["group_by"]):
        raise _Bad("analysis.options.group_by", "must be a list of column names")
    _number(o["ci_level"], "analysis.options.ci_level", True)
    try:
        options = AnalysisOptions.from_state(o)
    except (LossCliError, TypeError, ValueError) as e:
        raise _Bad("analysis.options", f"is not valid: {e}") from None
    if not options.active:
        raise _Bad("analysis", "is given without --ci, -g or --top-k in its options")
    if options.row_offset != start:
        raise _Bad("analysis.options.row_offset", f"is {options.row_offset}, 'first_row' {start}")
    ranges = a["ranges"]
    if not isinstance(ranges, list) or not all(isinstance(r, list) and len(r) == 2 and all(_is_int(x) for x in r) and 0 <= r[0] < r[1] for r in ranges):
        raise _Bad("analysis.ranges", "must be a list of [first, end) row pairs")
    if sum(hi - lo for lo, hi in ranges) != rows or (ranges and min(lo for lo, _ in ranges) != start):
        raise _Bad("analysis.ranges", f"do not cover the {rows} rows from row {start}")
    boot_keys = tuple(widths) if options.bootstrap and rows > dropped else ()
    _cell(a["overall"], "analysis.overall", {}, boot_keys, options.n_boot, widths, weighted, finite)
    kept = _groups(a["groups"], options, widths, weighted, finite, loose)
    if options.group_by and kept != rows - dropped:
        raise _Bad("analysis.groups", f"count {kept} rows, but {rows - dropped} were kept")
    _top(a["top"], labels if options.top_k else [], finite)


def _groups(groups: Any, options: Any, widths: dict[str, int], weighted: bool, finite: bool, loose: set[str]) -> int:
    """Check the groups of an analysis state; the rows they count."""
    if not isinstance(groups, list):
        raise _Bad("analysis.groups", "must be a list")
    if groups and not options.group_by:
        raise _Bad("analysis.groups", "are given without 'group_by'")
    seen, kept = set(), 0
    for i, g in enumerate(groups):
        where = f"analysis.groups[{i}]"
        key = _dict_at(g, where, ("key", *_CELL))["key"]
        if not isinstance(key, list) or len(key) != len(options.group_by) or not all(v is None or isinstance(v, (str, int, float, bool)) for v in key):
            raise _Bad(f"{where}.key", f"must be a list of {len(options.group_by)} values")
        if repr(key) in seen:
            raise _Bad(f"{where}.key", "is given twice")
        seen.add(repr(key))
        n = _count(g, "rows", where)
        kept += n
        _cell(g, where, {k: n for k in widths}, tuple(widths) if options.bootstrap else (), options.n_boot, widths, weighted, finite, loose)
    return kept


def _top(top: Any, labels: list[str], finite: bool) -> None:
    """Check the worst rows (``--top-k``) of an analysis state: one entry per loss of ``labels``."""
    if not isinstance(top, dict) or sorted(top) != sorted(labels):
        raise _Bad("analysis.top", "must hold the worst rows of each loss (with --top-k), else nothing")
    for label, t in top.items():
        where = f"analysis.top.{label}"
        t = _dict_at(t, where, ("values", "rows", "ids"))
        values = _numbers(t["values"], f"{where}.values", finite)  # per-sample values: finite unless --nan-policy propagate
        if not isinstance(t["rows"], list) or not all(_is_int(r) and r >= 0 for r in t["rows"]) or len(t["rows"]) != len(values):
            raise _Bad(f"{where}.rows", "must be one row number (>= 0) per value")
        if t["ids"] is not None and (not isinstance(t["ids"], list) or len(t["ids"]) != len(values)):
            raise _Bad(f"{where}.ids", "must be null or one id per value")


def _cell(c: Any, where: str, counts: dict[str, int], boot_keys: Sequence[str], n_boot: int, widths: dict[str, int], weighted: bool, finite: bool, loose: set[str] = frozenset()) -> None:
    """An analysis cell: its summaries (``counts``: key -> n, the keys it must have), ratio
    moments and bootstrap replicate sums (``boot_keys``: the keys it must have)."""
    c = _dict_at(c, where, _CELL)
    _count(c, "rows", where)
    summaries = _dict_at(c["summaries"], f"{where}.summaries", tuple(counts))
    for key, n in counts.items():
        _summary(summaries[key], f"{where}.summaries.{key}", n, weighted, finite, widths[key] > 4, widths[key], exact=key not in loose)
    ratio = c["ratio"]
    if not isinstance(ratio, dict) or not set(ratio) <= set(widths):
        raise _Bad(f"{where}.ratio", "must map loss keys to ratio moments")
    for key, r in ratio.items():
        r = _dict_at(r, f"{where}.ratio.{key}", _RATIO)
        for k in _RATIO:
            _number(r[k], f"{where}.ratio.{key}.{k}", finite)
        if r["w"] < 0 or r["c_mm"] < 0:
            raise _Bad(f"{where}.ratio.{key}", "has a negative weight or second moment")
    boot = c["boot"]
    if not isinstance(boot, dict) or sorted(boot) != sorted(boot_keys):
        raise _Bad(f"{where}.boot", "must hold the bootstrap sums of every loss (with --ci bootstrap), else nothing")
    for key, b in boot.items():
        b = _dict_at(b, f"{where}.boot.{key}", ("sums", "comp"))
        width = widths[key] - 2  # Σw(m), Σwl and one per column
        for k in ("sums", "comp"):
            m = b[k]
            if not isinstance(m, list) or len(m) != n_boot or not all(isinstance(r, list) and len(r) == width for r in m):
                raise _Bad(f"{where}.boot.{key}.{k}", f"must be {n_boot} replicates (n_boot) of {width} sums")
            for r in m:
                _numbers(r, f"{where}.boot.{key}.{k}", finite)


# ---------------------------------------------------------------------------- field helpers


def _dict(s: Mapping[str, Any], key: str, keys: Sequence[str]) -> dict:
    if key not in s:
        raise _Bad(key, "is missing")
    return _dict_at(s[key], key, keys)


def _dict_at(d: Any, where: str, keys: Sequence[str]) -> dict:
    if not isinstance(d, dict):
        raise _Bad(where, f"must be an object, got {_show(d)}")
    missing = [k for k in keys if k not in d]
    if missing:
        raise _Bad(f"{where}.{missing[0]}", "is missing")
    return d


def _choice(s: Mapping[str, Any], key: str, allowed: Sequence[str]) -> None:
    if s[key] not in allowed or not isinstance(s[key], str):
        raise _Bad(key, f"must be one of {', '.join(allowed)}, got {_show(s[key])}")


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _count(d: Mapping[str, Any], key: str, where: str | None = None) -> int:
    field = f"{where}.{key}" if where else key
    if key not in d:
        raise _Bad(field, "is missing")
    x = d[key]
    if not _is_int(x) or x < 0:
        raise _Bad(field, f"must be an integer >= 0, got {_show(x)}")
    return x


def _number(x: Any, where: str, finite: bool) -> float:
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        raise _Bad(where, f"must be a number, got {_show(x)}")
    try:
        v = float(x)
    except OverflowError:
        raise _Bad(where, f"is too large ({_show(x)})") from None
    if finite and not math.isfinite(v):
        raise _Bad(where, f"must be finite (every loss value is, without --nan-policy propagate), got {v}")
    return v


def _numbers(xs: Any, where: str, finite: bool) -> list[float]:
    if not isinstance(xs, list):
        raise _Bad(where, f"must be a list of numbers, got {_show(xs)}")
    return [_number(x, where, finite) for x in xs]


def _hex(x: Any) -> bool:
    return isinstance(x, str) and len(x) == 64 and all(ch in "0123456789abcdef" for ch in x)


def _show(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------------------- duplicates


def overlaps(loaded: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """Exit 3 when a state is given twice (the same file, the same content, or the same inputs
    over the same rows), or when two states cover some of the same rows of one input (a file
    digest they share): merging either would count those rows twice. States over different
    files may number their rows alike (no --row-offset): only the same input is refused."""
    import os

    seen: list[tuple[str, str, int, int, dict]] = []
    for path, state in loaded:
        lo = first_row(state)
        hi = lo + int(state["rows"])
        digests = _file_digests(state)
        text = json.dumps(state, sort_keys=True)
        for other, other_text, olo, ohi, odigests in seen:
            if os.path.realpath(other) == os.path.realpath(path):
                raise InputError(f"{path} is given twice; merge each shard once.")
            if text == other_text or (digests and digests == odigests and (lo, hi) == (olo, ohi)):
                raise InputError(f"{other} and {path} are the same state given twice (the same inputs, rows {lo + 1}-{hi}); merge each shard once.")
            shared = sorted(set(digests) & set(odigests))
            if shared and lo < ohi and olo < hi:
                alg, value = shared[0]
                raise InputError(
                    f"{other} and {path} both cover rows {max(lo, olo) + 1}-{min(hi, ohi)} of the same input "
                    f"({digests[shared[0]]}, {alg} {value[:12]}...); each row must be in one shard only (--row-offset numbers them)."
                )
        seen.append((path, text, lo, hi, digests))


def _file_digests(state: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """``(algorithm, digest) -> path`` of the files a state's inputs were read from."""
    out: dict[tuple[str, str], str] = {}
    for info in state["inputs"].values():
        if isinstance(info, dict):
            for alg in DIGESTS:
                if isinstance(info.get(alg), str):
                    out.setdefault((alg, info[alg]), str(info.get("path", "?")))
    return out
