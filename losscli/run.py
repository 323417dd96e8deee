"""The evaluation pipeline: an ``EvalRequest`` in, a ``Report`` out (``run``).

``losscli eval`` parses its flags into a request and renders what ``run`` returns;
``losscli.evaluate`` builds the same request from paths or arrays, so both give the same report.
``run`` owns the order of the work:

1. the checks that need no input (losses, labels, statistics options, gates, ``align``, engine);
2. the inputs read: whole, or streamed in chunks (with ``chunk_rows``, and automatically above
   16 MB of input and for stdin and compressed files) unless a loss or a prediction-file baseline
   needs every row at once;
3. the chunk loop on the local engine, or the partitions on a Dask cluster, each chunk's
   per-sample values handed to the sinks (``Sinks``) in input order;
4. the report, the mergeable state (``Outputs.emit_state``), a prediction-file baseline
   evaluated on the same target, and the gates decided (``losscli.gating``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli import _digest, readers
from losscli.analysis import AnalysisOptions
from losscli.engine import Accumulator, is_statistic, one_sample_rows, resolve_losses, rowwise, shared_roles
from losscli.errors import InputError, UsageError
from losscli.gates import own_file
from losscli.gating import GateOptions, GatePlan, complete, plan
from losscli.labels import LabelMap
from losscli.readers import Loaded, pairing
from losscli.readers.columns import distinct
from losscli.readers.stream import iter_chunks, should_stream
from losscli.report import Report
from losscli.state import write_state


@dataclass(frozen=True)
class Inputs:
    """Where the rows come from: files (paths as on the command line: ``PATH[:FORMAT]``, a glob,
    ``-`` for stdin) or arrays (then ``weights``, ``ids`` and ``groups`` are arrays too)."""

    pred: Any = None
    target: Any = None
    roles: Mapping[str, Any] = field(default_factory=dict)  # ROLE -> PATH[:SEL] (--input) or an array
    role_cols: Mapping[str, str] = field(default_factory=dict)  # ROLE -> columns of PRED's table (--col)
    pred_col: str | None = None
    target_col: str | None = None
    weight_col: str | None = None
    id_col: str | None = None
    group_by: str | None = None
    pred_key: str | None = None
    target_key: str | None = None
    header: bool | None = None
    delimiter: str | None = None
    hash: str = "blake3"  # the digest of each input in the report: blake3, sha256 or none
    align: str = "position"  # position | join
    missing: str = "error"  # with align join: error | omit
    classes: str | None = None  # target labels in the order of pred's columns (A,B,...)
    pos_label: str | None = None  # a binary target's positive label
    weights: Any = None  # arrays only
    ids: Any = None
    groups: Mapping[str, Any] = field(default_factory=dict)

    @property
    def files(self) -> list[Any]:
        """Every input as given (None where absent): PRED, TARGET, then the roles."""
        return [self.pred, self.target, *self.roles.values()]

    @property
    def in_memory(self) -> bool:
        """Arrays rather than paths (mixing both is a usage error)."""
        given = [v for v in self.files if v is not None]
        paths = [isinstance(v, (str, os.PathLike)) for v in given]
        if any(paths) and not all(paths):
            raise UsageError("Pass every input as a path or every input as an array, not both.")
        return bool(given) and not any(paths)


@dataclass(frozen=True)
class Statistics:
    """How the per-sample values reduce, and the statistics around the headline values."""

    reduction: str = "mean"  # mean | sum | none
    nan_policy: str = "error"  # error | omit | propagate
    ci: str | None = None  # analytic | bootstrap
    ci_level: float = 0.95
    n_boot: int = 1000
    seed: int = 0
    max_groups: int | None = None
    top_k: int = 0
    row_offset: int = 0  # the first row's number (shards of one input)


@dataclass(frozen=True)
class Execution:
    """Where the evaluation runs: ``local`` (this process) or ``dask`` (partitions on a cluster)."""

    name: str = "local"
    scheduler: str | None = None  # a Dask scheduler's address; None: a local cluster
    chunk_rows: int | None = None  # stream about this many rows at a time (None: decide by size)


@dataclass(frozen=True)
class Outputs:
    """What ``run`` writes besides the report, and the report's configuration echo."""

    emit_state: str | None = None  # the mergeable state, for 'losscli merge'
    config: Mapping[str, Any] | None = None  # the report's effective configuration (None: from the request)


@dataclass(frozen=True)
class EvalRequest:
    inputs: Inputs
    losses: tuple[Any, ...]  # loss specs NAME[:k=v,...], @presets, or bound losses
    statistics: Statistics = Statistics()
    gates: GateOptions | None = None
    outputs: Outputs = Outputs()
    engine: Execution = Execution()


class Values:
    """A sink that keeps every row's per-sample values (``--hist``, ``--plot``, ``--significant``)."""

    def __init__(self) -> None:
        self.parts: list[dict[str, Any]] = []

    def write(self, values: Mapping[str, Any], ids: Any = None) -> None:
        self.parts.append(dict(values))

    def joined(self) -> dict[str, Any]:
        """The values of all chunks, by loss label."""
        if len(self.parts) == 1:
            return self.parts[0]
        labels = list(self.parts[0]) if self.parts else []
        return {label: np.concatenate([p[label] for p in self.parts]) for label in labels}


def _ignore(lines: Sequence[str]) -> None:
    return None


@dataclass
class Sinks:
    """Where ``run`` sends what is not the report.

    ``per_sample``: writers of per-sample values, each opened once the inputs are read as
    ``factory(labels, id_name, names)`` (a context manager giving an object with
    ``write(values_by_label, ids)``; ``names`` are the column names, e.g. ``rmse.sq_err``).
    ``values`` keeps every row's values; ``notes`` and ``warnings`` receive the readers' notes
    and the report's warnings as they arise.
    """

    per_sample: Sequence[Callable[..., Any]] = ()
    values: Values | None = None
    notes: Callable[[Sequence[str]], None] = _ignore
    warnings: Callable[[Sequence[str]], None] = _ignore


@dataclass
class _Plan:
    """What the checks decided before any input was read."""

    losses: list[Any]
    label_map: Any
    gates: GatePlan | None
    stream: bool
    map_chunks: bool = False  # labels mapped chunk by chunk (a streamed target)


def run(request: EvalRequest, sinks: Sinks | None = None, progress: Callable[..., Any] | None = None) -> Report:
    """Evaluate ``request`` (see the module doc): the report, gates decided.

    ``progress(stream, loaded, paths)`` makes the context manager whose ``advance(rows)`` is
    called after each chunk (``losscli.cli._extras.progress`` draws a bar on stderr).
    """
    start = time.perf_counter()
    sinks = sinks or Sinks()
    p = prepare(request)
    _check_per_sample(p.losses, request.statistics.top_k, bool(sinks.per_sample))
    loaded = _load(request, p)
    sinks.notes(loaded.notes)
    where = lambda key: f"{key} ({loaded.sources[key]})" if loaded.sources.get(key) else key  # noqa: E731
    loaded.arrays = one_sample_rows(p.losses, loaded.arrays, where)  # before any chunking
    if p.label_map is not None:
        p.map_chunks = _map_labels(p.label_map, loaded)
    acc = _accumulator(request, p, loaded)
    values = sinks.values if sinks.values is not None or not (p.gates and p.gates.significant) else Values()
    bar = progress(p.stream, loaded, [f for f in request.inputs.files if f]) if progress and not request.inputs.in_memory else contextlib.nullcontext(_NoBar())
    with contextlib.ExitStack() as stack:
        shown = acc.valued  # metrics without per-sample values have no column
        writers = [stack.enter_context(f([b.label for b in shown], loaded.id_name, [b.per_sample_name or b.label for b in shown])) for f in sinks.per_sample]
        bar = stack.enter_context(bar)
        _evaluate(request, p, loaded, acc, [*writers, *([values] if values is not None else [])], bar)
        config = p.label_map.config() if p.label_map else None
        report = acc.compute(inputs=loaded.info, config=config, seconds=time.perf_counter() - start, shard=request.outputs.emit_state is not None)
    notes = (p.label_map.warnings() if p.label_map is not None else []) + (p.gates.warnings if p.gates is not None else [])
    if notes:
        report = dataclasses.replace(report, warnings=report.warnings + tuple(notes))
    sinks.warnings(report.warnings)
    if request.outputs.emit_state is not None:
        write_state(request.outputs.emit_state, acc, loaded.info)
    decided = _decide(request, p, report, loaded, acc, values, sinks)
    sinks.warnings(decided.warnings[len(report.warnings) :])  # a JSON baseline accepted on another target
    return decided


def prepare(request: EvalRequest) -> _Plan:
    """The checks that need no input, in the order the command line reports them."""
    if not request.losses:
        raise UsageError("No loss requested. Pass -l SPEC (e.g. -l mse); see 'losscli list'.")
    losses = resolve_losses(list(request.losses))
    i, s, e = request.inputs, request.statistics, request.engine
    label_map = LabelMap.from_flags(i.classes, i.pos_label)
    AnalysisOptions(s.ci, s.ci_level, s.n_boot, s.seed, s.top_k, (), s.row_offset)  # flag values checked before any file is read
    gates = plan(request.gates, losses, s.reduction) if request.gates is not None else None
    _check_align(i.align, e, gates)
    if e.name == "dask":
        from losscli.engine.dask import check_usage

        if i.in_memory:
            raise UsageError("--engine dask reads inputs by path on its workers: pass paths, not arrays.")
        check_usage(losses, gate_plan=gates, paths=i.files, scheduler=e.scheduler)
        if label_map is not None:
            raise UsageError(f"{label_map.flag} is not supported with --engine dask yet; map the labels with --engine local.")
    elif e.scheduler is not None:
        raise UsageError("--scheduler is the address of a Dask scheduler: pass --engine dask too.")
    stream = e.name == "dask" or (i.align != "join" and not i.in_memory and _streaming(e.chunk_rows, i.files, losses, gates))
    return _Plan(losses, label_map, gates, stream)


def _check_per_sample(losses: Sequence[Any], top_k: int, per_sample: bool) -> None:
    """``--per-sample`` and ``--top-k`` need a loss with per-sample values: a line when every
    requested loss is a metric without them (f1, r2, roc_auc)."""
    flag = "--per-sample" if per_sample else "--top-k" if top_k else None
    if flag and all(is_statistic(b) for b in losses):
        names = ", ".join(b.label for b in losses)
        raise UsageError(f"{flag}: {names} {'has' if len(losses) == 1 else 'have'} no per-sample values (a function of every row); drop {flag} or add a loss.")


def _check_align(align: str, engine: Execution, gates: GatePlan | None) -> None:
    """Usage errors of --align join, before any file is read (``load_inputs`` checks the rest)."""
    if align != "join":
        return
    if engine.name == "dask":
        raise UsageError("--align join reads both tables into memory: it cannot run on --engine dask; use --engine local.")
    if engine.chunk_rows is not None:
        raise UsageError("--align join reads both tables into memory: drop --chunk-rows.")
    if gates is not None and gates.baseline is not None and not gates.baseline_is_report:
        raise UsageError("--align join cannot be combined with a prediction-file --baseline (its rows are paired by position); pass a JSON report as --baseline.")


def _streaming(chunk_rows: int | None, paths: Sequence[Any], losses: Sequence[Any], gates: GatePlan | None) -> bool:
    """Whether to stream: with ``chunk_rows``, or for large inputs (``readers.stream.should_stream``);
    never for losses that compare rows with each other, nor with a prediction-file baseline
    (both need every row at once)."""
    whole = [b.label for b in losses if not rowwise(b)]
    base_file = gates is not None and gates.baseline is not None and not gates.baseline_is_report
    if chunk_rows is not None:
        if whole:
            raise UsageError(f"--chunk-rows: {', '.join(whole)} gives a row a value that depends on other rows, so it needs all rows at once; drop --chunk-rows.")
        if base_file:
            raise UsageError("--chunk-rows cannot be combined with a prediction-file --baseline (it is evaluated in memory); drop one of them.")
        return True
    if whole or base_file:
        return False
    return should_stream([str(p) for p in paths if p is not None])


def _load(request: EvalRequest, p: _Plan) -> Any:
    """The inputs read (opened only, when streamed) and checked, labels mapped."""
    i = request.inputs
    roles = [[r.name for r in part.spec.roles] for b in p.losses for part in b.parts]
    if i.in_memory:
        loaded = _from_arrays(i)
    else:
        loaded = readers.load_inputs(
            _path(i.pred), _path(i.target), roles=roles,
            inputs={k: _path(v) for k, v in _known_roles(i.roles, "--input", "ROLE=PATH[:SEL]", p.losses).items()},
            role_cols=_known_roles(i.role_cols, "--col", "ROLE=SEL", p.losses),
            pred_col=i.pred_col, target_col=i.target_col, weight_col=i.weight_col, id_col=i.id_col,
            pred_key=i.pred_key, target_key=i.target_key, header=i.header, delimiter=i.delimiter,
            hash_inputs=i.hash, group_col=i.group_by, lazy=p.stream, align=i.align, missing=i.missing,
            raw_roles=("target",) if p.label_map is not None else (), key_roles=id_roles(p.losses),
        )
    return loaded


def id_roles(losses: Sequence[Any]) -> tuple[str, ...]:
    """The roles of ``losses`` whose kind is ids (a ranking metric's ``query``): read from a
    table as the file's text, not as numbers."""
    return tuple(dict.fromkeys(r.name for b in losses for part in b.parts for r in part.spec.roles if r.kind == "ids"))


def _path(value: Any) -> str | None:
    return None if value is None else os.fspath(value)


def _from_arrays(i: Inputs) -> Any:
    """In-memory inputs as the readers would give them (no file: no digest, no source names)."""
    arrays = {k: v for k, v in i.roles.items()}
    arrays.update({k: np.asarray(v) for k, v in (("pred", i.pred), ("target", i.target)) if v is not None})
    weights = None if i.weights is None else np.asarray(i.weights, dtype=np.float64)
    return Loaded(arrays=arrays, weights=weights, ids=i.ids, groups={k: np.asarray(v) for k, v in i.groups.items()})


def _known_roles(items: Mapping[str, Any], flag: str, form: str, losses: Sequence[Any]) -> dict[str, Any]:
    """``ROLE=VALUE`` pairs checked: some requested loss has the role."""
    known = list(dict.fromkeys(r.name for b in losses for part in b.parts for r in part.spec.roles))
    for role, value in items.items():
        if not role or value in (None, ""):
            raise UsageError(f"{flag} '{role}={value or ''}' is not {form}.")
        if role not in known:
            raise unknown_role(flag, role, known)
    return dict(items)


def unknown_role(flag: str, role: str, known: Sequence[str]) -> UsageError:
    """The error of ``FLAG ROLE=...`` when no requested loss has the role (``--col query=`` is
    also ``--query-col``: both are named)."""
    what = "--query-col (--col query=...)" if (flag, role) == ("--col", "query") else f"{flag} {role}=..."
    return UsageError(f"{what}: no requested loss has an input '{role}'; their inputs are {', '.join(known)}.")


def _map_labels(label_map: Any, loaded: Any) -> bool:
    """``classes``/``pos_label``: check them against pred's width and map an in-memory target
    now; True when the target is streamed, to be mapped chunk by chunk (in order: errors name
    absolute rows)."""
    if "target" not in loaded.arrays:
        raise UsageError(f"{label_map.flag} maps the target's labels, but no loss here has a target.")
    label_map.where = loaded.sources.get("target", "target")
    pred = loaded.arrays.get("pred")
    columns = loaded.info.get("pred", {}).get("columns")
    width = len(columns) if columns else (1 if getattr(pred, "ndim", 0) == 1 else pred.shape[1] if getattr(pred, "ndim", 0) == 2 else None)
    label_map.check_width(width)
    if columns and len(columns) > 1:
        label_map.check_order(distinct(columns))
    if not isinstance(loaded.arrays["target"], np.ndarray):
        return True
    loaded.arrays["target"] = label_map.apply(loaded.arrays["target"])
    return False


def _accumulator(request: EvalRequest, p: _Plan, loaded: Any) -> Any:
    s = request.statistics
    groups = tuple(loaded.groups)
    analysis = AnalysisOptions(
        s.ci, s.ci_level, s.n_boot, s.seed, s.top_k, groups, s.row_offset,
        **({} if s.max_groups is None else {"max_groups": s.max_groups}),
    )
    acc = Accumulator(p.losses, reduction=s.reduction, nan_policy=s.nan_policy, sources=loaded.sources, analysis=analysis)
    acc.excluded = dict(loaded.dropped)  # rows --align join --missing omit dropped
    return acc


class _NoBar:
    def advance(self, rows: int) -> None:
        return None


def _evaluate(request: EvalRequest, p: _Plan, loaded: Any, acc: Any, sinks: Sequence[Any], bar: Any) -> None:
    """Every row through ``acc``: partitions on Dask, else the chunks in order, each chunk's
    per-sample values to ``sinks``."""
    out = _Tee(sinks) if sinks else None
    e = request.engine
    if e.name == "dask":  # partitions evaluated on a Dask cluster, their states merged into acc in order
        from losscli.engine import dask as engine_dask

        engine_dask.evaluate(loaded, acc, scheduler=e.scheduler, chunk_rows=e.chunk_rows, sink=out, bar=bar)
        return
    # the digest of the target's values (the report's inputs.target.values_digest): what a later
    # JSON baseline is checked against when the target shares its file with other columns (a file
    # of its own is named by its digest: hashing its values again would cost a second hash)
    hashing = request.inputs.hash != "none" and "target" in loaded.info and not own_file(loaded.info)
    digest = _digest.ValuesDigest(request.inputs.hash) if hashing else None
    for chunk in iter_chunks(loaded, e.chunk_rows, shared_roles(p.losses, loaded.arrays)):  # the whole input is one chunk unless streamed
        if p.map_chunks:  # streamed labels: mapped chunk by chunk
            chunk.arrays["target"] = p.label_map.apply(chunk.arrays["target"], chunk.first_row)
        part = acc.update(chunk.arrays, chunk.weights, per_sample=out is not None, ids=chunk.ids, groups=chunk.groups)
        if digest is not None and "target" in chunk.arrays:
            digest.update(chunk.arrays["target"])
        if out is not None:
            out.write(part, chunk.ids)
        if p.stream:
            bar.advance(chunk.rows)
    if digest is not None:
        loaded.info["target"]["values_digest"] = digest.result()


class _Tee:
    """One sink writing to several, in order."""

    def __init__(self, sinks: Sequence[Any]) -> None:
        self.sinks = sinks

    def write(self, values: Mapping[str, Any], ids: Any = None) -> None:
        for sink in self.sinks:
            sink.write(values, ids)


def _decide(request: EvalRequest, p: _Plan, report: Report, loaded: Any, acc: Any, values: Values | None, sinks: Sinks) -> Report:
    """The report with its configuration echo and, with gates, their entries and status (a
    prediction-file baseline evaluated first)."""
    gp, s, i = p.gates, request.statistics, request.inputs
    joined = values.joined() if values is not None else None
    base = None
    if gp is not None and gp.baseline is not None and not gp.baseline_is_report:
        read = {"pred_col": i.pred_col, "pred_key": i.pred_key, "header": i.header, "delimiter": i.delimiter, "hash_inputs": i.hash}
        base = evaluate_baseline(gp, loaded, acc.losses, {"reduction": s.reduction, "nan_policy": s.nan_policy}, read, joined, sinks.notes)
    echo = request.outputs.config if request.outputs.config is not None else _echo(request)
    return complete(report, gp, echo=echo, values=joined, baseline=base, weights=loaded.weights)


def _echo(request: EvalRequest) -> dict[str, Any]:
    """The effective configuration of a request (what ``losscli eval`` echoes from its flags)."""
    i, s, g = request.inputs, request.statistics, request.gates or GateOptions()
    return {
        "losses": [x if isinstance(x, str) else x.label for x in request.losses],
        "fail_if": list(g.fail_if), "gate_mode": g.mode, "alpha": g.alpha,
        "reduction": s.reduction, "nan_policy": s.nan_policy, "seed": s.seed, "ci": s.ci, "ci_level": s.ci_level,
        "n_boot": s.n_boot, "group_by": i.group_by, "top_k": s.top_k, "pred_col": i.pred_col, "target_col": i.target_col,
        "weight_col": i.weight_col, "id_col": i.id_col, "align": i.align, "missing": i.missing,
    }


def evaluate_baseline(
    gp: GatePlan,
    loaded: Any,
    losses: Sequence[Any],
    acc_options: Mapping[str, Any],
    read_options: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    notes: Callable[[list[str]], None] = lambda notes: None,
) -> tuple[Any, dict[str, Any]]:
    """Evaluate the baseline prediction file on the same target: (report, per-sample values).

    The baseline replaces PRED only (read with the same -p/--pred-key/-d/--header options); every
    other input, the target and the weights come from this evaluation. Under ``--nan-policy
    omit`` it is restricted to the rows the candidate kept (the finite ones of its per-sample
    ``values``), so both values are means over the same rows; the per-sample values come back
    at full length with NaN elsewhere. ``notes`` receives what the reader decided from the data.
    """
    if "pred" not in loaded.arrays:
        raise UsageError("A prediction-file --baseline replaces PRED, but this evaluation takes its predictions from --input/--col.")
    base = readers.load_inputs(gp.baseline, None, roles=[["pred"]], **read_options)
    notes(base.notes)
    _check_ids(base, loaded, gp.baseline)
    arrays = dict(loaded.arrays)
    arrays["pred"] = base.arrays["pred"]
    weights = loaded.weights
    sources = dict(loaded.sources)
    sources["pred"] = f"baseline {base.sources.get('pred', gp.baseline)}"
    n = len(arrays["pred"])
    rows = np.isfinite(next(iter(values.values()))) if values and acc_options.get("nan_policy") == "omit" else None
    subset = rows is not None and len(rows) == n and not bool(np.all(rows))
    if subset:
        arrays = {k: np.asarray(v)[rows] if np.ndim(v) and len(v) == n else v for k, v in arrays.items()}
        weights = None if weights is None else np.asarray(weights)[rows]
    acc = Accumulator(list(losses), sources=sources, **acc_options)
    out = acc.update(arrays, weights)
    if subset:
        out = {label: _scatter(v, rows, n) for label, v in out.items()}
    return acc.compute(), out


def _scatter(values: Any, rows: Any, n: int) -> Any:
    """``values`` of the rows ``rows`` at full length ``n``, NaN elsewhere."""
    out = np.full(n, np.nan)
    out[rows] = values
    return out


def _check_ids(base: Any, loaded: Any, where: str) -> None:
    """The baseline's rows pair with this evaluation's by position: where the baseline and
    TARGET (or PRED) have an id column of the same name (case-insensitive), the ids must agree
    row by row (``readers.pairing``); ``--align join`` does not apply to a baseline."""
    mine = base.keys.get("pred", {})
    for side in ("target", "pred"):
        for name, read in loaded.keys.get(side, {}).items():
            other = next((v for k, v in mine.items() if k.lower() == name.lower()), None)
            if other is None:
                continue
            other, ids = other(), read()
            row = pairing.first_difference(other, ids)
            if row is not None:
                there = loaded.sources.get(side, side).split(" column ")[0]
                raise InputError(
                    f"The baseline's rows are paired by position, but row {row + 1} has {name} {pairing.show(other[row])} in {where} "
                    f"and {pairing.show(ids[row])} in {there}; sort the baseline's rows like {there}."
                )
            return


def evaluate(
    pred: Any = None,
    target: Any = None,
    losses: Sequence[Any] = ("mse",),
    *,
    weights: Any = None,
    inputs: Mapping[str, Any] | None = None,
    reduction: str = "mean",
    nan_policy: str = "error",
    ci: str | None = None,
    ci_level: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    groups: Mapping[str, Any] | None = None,
    top_k: int = 0,
    ids: Any = None,
    **read: Any,
) -> Report:
    """Evaluate losses on arrays or files and return the ``Report`` (``losscli eval``'s, for files).

    ``pred`` and ``target`` are arrays, or paths read as ``losscli eval PRED TARGET`` reads them
    (``PATH[:FORMAT]``, globs); ``inputs`` gives the other roles of a loss (``anchor``, ``var``...)
    by name, as arrays or ``PATH[:SEL]``. With files, ``read`` takes the reading options by their
    flag names: ``pred_col``, ``target_col``, ``weight_col``, ``id_col``, ``group_by``,
    ``pred_key``, ``target_key``, ``header``, ``delimiter``, ``hash``, ``align``, ``missing``,
    ``classes``, ``pos_label``, ``chunk_rows``. ``ci`` ("analytic" or "bootstrap"), ``groups``
    (name -> per-row values; with files ``group_by``) and ``top_k`` (with optional ``ids``) add
    the statistics of ``--ci``, ``--group-by`` and ``--top-k``.

    >>> import numpy as np
    >>> evaluate(np.array([0.5, -1.0]), np.array([0.0, 1.0]), ["mse", "mae"]).result("mse").value
    2.125
    """
    losses = (losses,) if isinstance(losses, str) else losses  # one spec, not its letters (the request's tuple)
    chunk_rows = read.pop("chunk_rows", None)
    if isinstance(read.get("classes"), (list, tuple)):
        read["classes"] = ",".join(map(str, read["classes"]))  # the --classes flag's text
    given = Inputs(pred, target, roles=dict(inputs or {}), weights=weights, ids=ids, groups=dict(groups or {}), **read)
    if not given.in_memory and any(x is not None and x != {} for x in (weights, ids, groups)):
        raise UsageError("weights, ids and groups go with arrays; with files name their columns (weight_col, id_col, group_by).")
    statistics = Statistics(reduction, nan_policy, ci, ci_level, n_boot, seed, top_k=top_k)
    return run(EvalRequest(given, tuple(losses), statistics, engine=Execution(chunk_rows=chunk_rows)))
