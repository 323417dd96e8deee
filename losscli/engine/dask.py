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

Without ``--scheduler`` a ``LocalCluster`` of threads in this process is started: its scheduler
and worker talk over the in-process transport (no listening socket), their HTTP endpoints are
bound to 127.0.0.1 on a random port, there is no dashboard, nothing probes the network for this
host's address, and dask's logging is kept off stderr. With an address, a ``Client`` connects to
that scheduler, whose workers must have losscli installed and see the input files at the same
absolute paths. A Dask cluster runs pickled code and the client unpickles what it sends back:
connect only to a cluster you trust.

Failures of the cluster (nothing Dask at the address, a connection refused or timed out, a
scheduler or worker lost mid-run) are exit 3 with one line; an exception in a task's own code is
sent back as text and raised here as an internal error (exit 4). Only this module imports dask.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from dataclasses import dataclass
from typing import Any

from losscli.analysis import AnalysisOptions
from losscli.engine.accumulator import Accumulator, rowwise, shared_roles
from losscli.errors import InputError, LossCliError, UsageError

INSTALL = "pip install 'losscli[dask]'"
CONNECT_TIMEOUT = "10s"  # to reach a --scheduler (and get a Dask handshake back)
# To close the client. A close that times out leaves the client half open, and its __del__ then
# closes it again at garbage collection, which can deadlock on the event loop's lock (seen on a
# loaded 2-core machine with 5 s): a generous bound, normally never reached.
CLOSE_TIMEOUT = 60


def check_usage(losses: Any, *, gate_plan: Any = None, paths: list[str | None] = (), scheduler: str | None = None) -> None:
    """Usage errors (exit 2) of ``--engine dask``, before any file is read."""
    whole = [b.label for b in losses if not rowwise(b)]
    if whole:
        raise UsageError(
            f"--engine dask: {', '.join(whole)} gives a row a value that depends on other rows, so it needs all "
            "rows at once; use --engine local."
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
    plan.shared = shared_roles(acc.losses, loaded.arrays)
    job = _Job(plan, [b.text for b in acc.losses], acc.reduction.value, acc.nan_policy, dict(acc.sources),
               acc.analysis_options, keep_values or sink is not None)  # fmt: skip
    alg = _pending_digest(loaded, streams)
    hashing = _Digests(plan.sources, alg) if alg is not None else None
    with _client(scheduler) as client:
        parts = _parts(client, plan, chunk_rows, numbered=acc.analysis is not None)
        shared = _on_cluster(client.scatter, job, hash=False)
        futures = [_on_cluster(client.submit, _task, shared, part, pure=False) for part in parts]
        try:
            out = _gather(job, parts, futures, acc, sink, keep_values, bar)
        finally:
            for future in futures:
                future.cancel()
    if hashing is not None:
        partitions.fill_digests(loaded, streams, hashing.result())
    return out


def _parts(client: Any, plan: Any, chunk_rows: int | None, *, numbered: bool) -> list[tuple]:
    """The tasks' partitions: ``("rows", lo, hi)`` of the whole input, or ``("unit", u)`` for the
    CSV units of one input when no statistic numbers rows (``numbered``) and the row offsets
    are not known; several inputs to align, or numbered rows, count every unit's rows first."""
    unknown = plan.unknown()
    if unknown and (len(plan.sources) > 1 or numbered):
        _count(client, plan, unknown)  # row offsets first: every unit's rows
        unknown = []
    if unknown:  # one CSV input and no statistic that numbers rows: its units from row 0
        return [("unit", u) for u in range(len(plan.sources[0].units))]
    plan.check_rows()
    return [("rows", lo, hi) for lo, hi in plan.partitions(chunk_rows)]


def _gather(job: _Job, parts: list[tuple], futures: list[Any], acc: Accumulator, sink: Any, keep_values: bool, bar: Any) -> list[dict]:
    """Merge the tasks' states into ``acc`` in partition order; per-sample values to ``sink``
    and, with ``keep_values``, into the returned list; a failed task raises its error."""
    out: list[dict] = []
    done = 0
    in_file: dict[int, int] = {}
    for part, future in zip(parts, futures):
        result = _result(future)
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
            f = job.plan.sources[0].units[part[1]].file
            in_file[f] = in_file.get(f, 0) + result["rows"]
        done += result["rows"]
    return out


def _task(job: _Job, part: tuple) -> dict:
    """On a worker: read the partition, evaluate it, return its state (or the error's text)."""
    try:
        return _evaluate(job, _read(job, part))
    except LossCliError as e:
        return {"error": str(e), "exit_code": e.exit_code}
    except Exception as e:  # noqa: BLE001 - a bug in the task's code: sent back as text, raised by _result
        return {"bug": f"{type(e).__name__}: {e}"}


def _on_cluster(call: Any, *args: Any, **kwargs: Any) -> Any:
    """A client call (``scatter``, ``submit``): what the cluster raises is exit 3, one line."""
    import asyncio

    try:
        return call(*args, **kwargs)
    except LossCliError:
        raise
    except (Exception, asyncio.CancelledError) as e:  # noqa: BLE001 - the cluster's failure, whatever its type
        raise InputError(f"The Dask cluster failed during the evaluation: {_reason(e)}. Check the scheduler and its workers, then run again.") from None


def _result(future: Any) -> dict:
    """A task's result (its future released); a bug in the task's code is exit 4."""
    result = _on_cluster(future.result)
    future.release()
    if "bug" in result:
        raise RuntimeError(f"{result['bug']} (on a Dask worker)")
    return result


def _reason(e: BaseException) -> str:
    """The exception's type and the first line of its message, cut to 160 characters."""
    text = str(e).strip().splitlines()[0].rstrip(".") if str(e).strip() else ""
    text = text if len(text) <= 160 else text[:157] + "..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


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
    shared = _on_cluster(client.scatter, plan, hash=False)
    futures = [_on_cluster(client.submit, _count_task, shared, s, u, pure=False) for s, u in units]
    counts: dict[int, list[int]] = {s: [] for s in sources}
    try:
        for (s, u), future in zip(units, futures):
            result = _result(future)
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
    except Exception as e:  # noqa: BLE001 - a bug: sent back as text, raised by _result
        return {"bug": f"{type(e).__name__}: {e}"}


def _pending_digest(loaded: Any, streams: list[Any]) -> str | None:
    """The algorithm of the digests the lazy read left to fill (None: no digest to compute)."""
    from losscli import _digest

    infos = [getattr(s, "info", None) for s in streams if s is not None] + list(loaded.info.values())
    for info in infos:
        alg = _digest.key(info) if isinstance(info, dict) else None
        if alg is not None and info[alg] is None:
            return alg
    return None


class _Digests:
    """The inputs' digests, computed on a thread of this process while the cluster works."""

    def __init__(self, sources: list[Any], alg: str) -> None:
        from losscli.readers.partitions import digests

        self._value: list = []
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = digests(sources, alg)
            except BaseException as e:  # noqa: BLE001 - re-raised by result()
                self._error = e

        self._thread = threading.Thread(target=run, name="losscli-digest", daemon=True)
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
    # A Client that failed or timed out half-way (a lost scheduler) is closed again by its __del__
    # at garbage collection. Run that now: inside a new Client's start, under distributed's
    # loop-runner lock, it deadlocks (seen in the test suite, which starts many clients).
    gc.collect()
    cluster = None
    try:
        if scheduler is None:
            cluster = _local_cluster(distributed)
            client = distributed.Client(cluster, set_as_default=False)
        else:
            _check_address(scheduler)
            client = _on_cluster(_connect, distributed, scheduler)
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):  # a lost scheduler: closing cannot fail the run
                client.close(timeout=CLOSE_TIMEOUT)
    finally:
        if cluster is not None:
            cluster.close()


def _local_cluster(distributed: Any) -> Any:
    """A LocalCluster of threads in this process that listens on nothing outside 127.0.0.1.

    Scheduler and worker use the in-process transport, which names itself by this host's IP; left
    to itself it finds that IP by a UDP "connect" to 8.8.8.8, so it is given 127.0.0.1 instead.
    Their HTTP endpoints (always started; health and metrics) get 127.0.0.1 and a random port
    rather than 8787 on every interface, and the dashboard stays off (the worker's flag only
    matters when bokeh is installed).
    """
    from distributed.comm import inproc

    if getattr(inproc.global_manager, "_ip", "set") is None:
        inproc.global_manager._ip = "127.0.0.1"
    threads = max(1, min(4, os.cpu_count() or 1))
    return distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=threads, protocol="inproc://",
        dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        worker_dashboard_address="127.0.0.1:0",
    )  # fmt: skip


def _connect(distributed: Any, scheduler: str) -> Any:
    """A Client of the scheduler at ``scheduler``, or the exception that says why not."""
    try:
        return distributed.Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as e:  # noqa: BLE001 - e.g. MemoryError: a non-Dask service answered with garbage
        raise InputError(f"Cannot connect to the Dask scheduler at {scheduler}: {_reason(e)}") from None


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
    """Nothing from dask, tornado or asyncio on stderr (their tracebacks when a connection drops):
    their loggers silenced; errors reach the user as one line and an exit code."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", module=r"distributed(\..*)?$")
    roots = ("distributed", "tornado", "asyncio")
    for name in [*roots, *[n for n in logging.root.manager.loggerDict if n.startswith(tuple(r + "." for r in roots))]]:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
