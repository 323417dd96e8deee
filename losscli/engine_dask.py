"""``--engine dask``: the ``Accumulator`` mapped over partitions of the inputs on a Dask cluster.

The client plans the partitions (``readers.partitions``: NPY row ranges, Parquet row groups,
byte ranges of CSV files cut at record boundaries) and submits one task per partition. A task
reads its rows by path, evaluates them with an ``Accumulator`` that starts at the partition's
first row of the whole input (so errors name rows of the whole input, and the bootstrap's
Poisson weights, the top-k rows and the group statistics are those of the in-process run) and
returns ``acc.state()``, with the per-sample values when an output needs them. The client merges
the states in partition order into the caller's accumulator (``Accumulator.merge``): the report
is the in-process one, to rounding (~1e-15 relative).

A CSV unit's rows are only known once it is parsed. When the offsets matter before that (a
statistic that numbers rows, or several inputs to align), a first round of tasks counts the rows
of every unit; otherwise each unit is evaluated from row 0 and, should it fail, re-read on the
client with its true offset, which gives the in-process error message.

Without ``--scheduler`` a ``LocalCluster`` of threads in this process is started (no dashboard,
logging silenced); with an address, a ``Client`` connects to that scheduler, whose workers must
have losscli installed and see the input files at the same absolute paths. Only this module
imports dask.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from typing import Any

from losscli.engine import Accumulator, AnalysisOptions, rowwise
from losscli.errors import InputError, LossCliError, UsageError

INSTALL = "pip install 'losscli[dask]'"


def check_usage(losses: Any, *, gate_plan: Any = None, paths: list[str | None] = (), scheduler: str | None = None) -> None:
    """Usage errors (exit 2) of ``--engine dask``, before any file is read."""
    whole = [b.label for b in losses if not rowwise(b)]
    if whole:
        raise UsageError(
            f"--engine dask: {', '.join(whole)} compares each row with every other row, so it needs all rows "
            "at once; use --engine local."
        )
    if gate_plan is not None and gate_plan.baseline is not None and not gate_plan.baseline_is_report:
        raise UsageError("--engine dask cannot evaluate a prediction-file --baseline (it is evaluated in memory); pass a JSON report as --baseline, or use --engine local.")
    if any(p is not None and (p == "-" or p.startswith("-:")) for p in paths):
        raise UsageError("--engine dask reads inputs by path on its workers: stdin ('-') cannot be one; save it to a file.")
    if scheduler is not None and not scheduler.strip():
        raise UsageError("--scheduler needs the address of a Dask scheduler, e.g. tcp://10.0.0.5:8786.")
    _distributed()  # before any file is read


@dataclass
class _Job:
    """What every task needs (picklable): the plan and the accumulator's settings."""

    plan: Any
    losses: list[str]
    reduction: str
    nan_policy: str
    sources: dict[str, str]
    analysis: AnalysisOptions
    values: bool  # return per-sample values (--per-sample, --hist, --plot)


def evaluate(
    loaded: Any,
    acc: Accumulator,
    *,
    scheduler: str | None = None,
    chunk_rows: int | None = None,
    sink: Any = None,
    keep_values: bool = False,
    bar: Any = None,
) -> list[dict]:
    """Evaluate the lazy ``loaded`` on a Dask cluster into ``acc`` (empty, as the CLI made it).

    Per-sample values are written to ``sink`` in input order; with ``keep_values`` they are
    also returned, one dict per partition. The report's input digests are filled in.
    """
    from losscli.readers import partitions

    plan, streams = partitions.plan(loaded, chunk_rows)
    job = _Job(plan, [b.text for b in acc.losses], acc.reduction.value, acc.nan_policy, dict(acc.sources),
               acc.analysis_options, keep_values or sink is not None)  # fmt: skip
    hashing = _Digests(plan.sources) if _needs_digests(loaded, streams) else None
    out: list[dict] = []
    with _client(scheduler) as client:
        unknown = plan.unknown()
        if unknown and (len(plan.sources) > 1 or acc.analysis is not None):
            _count(client, plan, unknown)  # row offsets first: every unit's rows
            unknown = []
        if unknown:  # one CSV input and no statistic that numbers rows: its units from row 0
            parts = [("unit", u) for u in range(len(plan.sources[0].units))]
        else:
            plan.check_rows(loaded.sources)
            parts = [("rows", lo, hi) for lo, hi in plan.partitions(chunk_rows)]
        shared = client.scatter(job, hash=False)
        futures = [client.submit(_task, shared, part, pure=False) for part in parts]
        done = 0
        in_file: dict[int, int] = {}
        try:
            for part, future in zip(parts, futures):
                result = future.result()
                future.release()
                if "error" in result:
                    _raise(job, part, result, done, in_file)
                acc.merge(Accumulator.from_state(result["state"]))
                if sink is not None:
                    sink.write(result["values"], result["ids"])
                if keep_values:
                    out.append(result["values"])
                if bar is not None:
                    bar.advance(result["rows"])
                if part[0] == "unit":
                    f = plan.sources[0].units[part[1]].file
                    in_file[f] = in_file.get(f, 0) + result["rows"]
                done += result["rows"]
        finally:
            for future in futures:
                future.cancel()
    if hashing is not None:
        partitions.fill_digests(loaded, streams, hashing.result())
    return out


def _task(job: _Job, part: tuple) -> dict:
    """On a worker: read the partition, evaluate it, return its state (or the error's text)."""
    try:
        return _evaluate(job, _read(job, part))
    except LossCliError as e:
        return {"error": str(e), "exit_code": e.exit_code}


def _read(job: _Job, part: tuple, in_file: int = 0, base: int = 0) -> Any:
    if part[0] == "unit":
        return job.plan.read_unit(0, part[1], in_file, base)
    return job.plan.read(part[1], part[2])


def _evaluate(job: _Job, chunk: Any) -> dict:
    acc = Accumulator(job.losses, reduction=job.reduction, nan_policy=job.nan_policy, sources=job.sources, analysis=job.analysis)
    acc.rows = chunk.first_row  # rows before: errors and statistics number rows of the whole input
    values = acc.update(chunk.arrays, chunk.weights, per_sample=job.values, ids=chunk.ids, groups=chunk.groups)
    acc.rows -= chunk.first_row
    return {
        "state": acc.state(),
        "rows": chunk.rows,
        "values": values if job.values else None,
        "ids": chunk.ids if job.values else None,
    }


def _raise(job: _Job, part: tuple, result: dict, done: int, in_file: dict[int, int]) -> None:
    """A task failed: evaluate its partition here, with its true offsets, for the in-process
    error; if that passes (a worker that cannot see the files), report the worker's error."""
    if part[0] == "unit":
        f = job.plan.sources[0].units[part[1]].file
        _evaluate(job, _read(job, part, in_file.get(f, 0), done))
    else:
        _evaluate(job, _read(job, part))
    cls = UsageError if result["exit_code"] == UsageError.exit_code else InputError
    raise cls(f"{result['error']} (on a Dask worker)")


def _count(client: Any, plan: Any, sources: list[int]) -> None:
    """The rows of every unit of the CSV ``sources`` (tasks that parse them), into ``counts``."""
    units = [(s, u) for s in sources for u in range(len(plan.sources[s].units))]
    shared = client.scatter(plan, hash=False)
    futures = [client.submit(_count_task, shared, s, u, pure=False) for s, u in units]
    counts: dict[int, list[int]] = {s: [] for s in sources}
    try:
        for (s, u), future in zip(units, futures):
            result = future.result()
            future.release()
            if "error" in result:
                source = plan.sources[s]
                source.counts = counts[s] + [0] * (len(source.units) - len(counts[s]))
                source.read_unit(u, *source.offsets(u))  # raises the error with its rows
                cls = UsageError if result["exit_code"] == UsageError.exit_code else InputError
                raise cls(f"{result['error']} (on a Dask worker)")
            counts[s].append(result["rows"])
    finally:
        for future in futures:
            future.cancel()
    for s in sources:
        plan.sources[s].counts = counts[s]


def _count_task(plan: Any, source: int, unit: int) -> dict:
    try:
        return {"rows": len(plan.sources[source].read_unit(unit, 0, 0))}
    except LossCliError as e:
        return {"error": str(e), "exit_code": e.exit_code}


def _needs_digests(loaded: Any, streams: list[Any]) -> bool:
    infos = [getattr(s, "info", None) for s in streams if s is not None] + list(loaded.info.values())
    return any(isinstance(i, dict) and "sha256" in i and i["sha256"] is None for i in infos)


class _Digests:
    """The inputs' sha256, computed on a thread of this process while the cluster works."""

    def __init__(self, sources: list[Any]) -> None:
        from losscli.readers.partitions import digests

        self._value: list = []
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = digests(sources)
            except BaseException as e:  # noqa: BLE001 - re-raised by result()
                self._error = e

        self._thread = threading.Thread(target=run, name="losscli-sha256", daemon=True)
        self._thread.start()

    def result(self) -> list:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


@contextlib.contextmanager
def _client(scheduler: str | None):
    """A ``distributed.Client``: connected to ``scheduler``, or to a new in-process LocalCluster."""
    distributed = _distributed()
    _quiet()
    cluster = None
    try:
        if scheduler is None:
            threads = max(1, min(4, os.cpu_count() or 1))
            cluster = distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=threads, dashboard_address=None)
            client = distributed.Client(cluster, set_as_default=False)
        else:
            _check_address(scheduler)
            try:
                client = distributed.Client(scheduler, timeout="10s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as e:
                raise InputError(f"Cannot connect to the Dask scheduler at {scheduler}: {e}") from None
        try:
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _distributed() -> Any:
    """``distributed``, or one clear exit-3 error: it is an optional extra."""
    try:
        import distributed
    except ImportError:
        raise InputError(f"--engine dask needs dask[distributed]: {INSTALL}") from None
    return distributed


def _check_address(address: str) -> None:
    """A usage error for what cannot be a scheduler address (a failed Client hangs on close)."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
    except ValueError as e:
        raise UsageError(f"--scheduler {address} is not a Dask scheduler address ({e}); e.g. tcp://10.0.0.5:8786.") from None


def _quiet() -> None:
    """Nothing from dask on stderr: its loggers silenced (errors reach the user as exit codes)."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", module=r"distributed(\..*)?$")
    for name in ["distributed", *[n for n in logging.root.manager.loggerDict if n.startswith("distributed.")]]:
        logging.getLogger(name).setLevel(logging.CRITICAL)
