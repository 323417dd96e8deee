"""``--engine dask`` (issue 7): the report of the in-process engine, on a local cluster.

Each case runs the same evaluation with ``--engine local`` and ``--engine dask`` and compares every
number of the report: values, sums, means, CIs and group results to 1e-12 relative; ``n``,
``min``, ``max``, top-k rows and input hashes exactly. Inputs: Parquet (row groups), CSV (byte
ranges, counted first when offsets matter or evaluated from row 0 otherwise), NPY (row ranges),
NPZ, globs and mixes of them; weights, groups, bootstrap CIs, top-k, per-sample output. Most
tests share one in-process cluster (``--scheduler``, a few ms per run); one starts its own
LocalCluster (no ``--scheduler``) and one uses worker processes over TCP (everything a task
gets is pickled).
"""

from __future__ import annotations

import json
import math
import pickle
import sys

import distributed  # the 'dask' extra is part of the 'test' extra
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import fails

N = 600
LOSSES = ["-l", "mse", "-l", "mae", "-l", "huber:delta=0.5", "-l", "rmse", "-l", "total=mse+0.5*mae"]


@pytest.fixture(scope="module")
def scheduler():
    """One in-process cluster for the module (its inproc:// address serves ``--scheduler``)."""
    cluster = distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture
def data(files, tmp_path):
    """The same rows as ``t.csv``, ``t.parquet`` (row groups of 45), ``pred.npy``/``target.npy``
    and three Parquet shards ``part-*.parquet``."""
    rng = np.random.default_rng(7)
    cols = {
        "id": np.arange(N) * 3,
        "pred": rng.normal(size=N),
        "target": rng.normal(size=N),
        "w": rng.uniform(0.1, 3.0, size=N),
        "g": rng.choice(["a", "b", "c"], size=N),
    }
    lines = ["id,pred,target,w,g"] + [f"{i},{p!r},{t!r},{w!r},{g}" for i, p, t, w, g in zip(*(cols[c].tolist() for c in cols))]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    pq.write_table(pa.table(cols), tmp_path / "t.parquet", row_group_size=45)
    for k, (lo, hi) in enumerate([(0, 200), (200, 350), (350, N)]):
        pq.write_table(pa.table({c: v[lo:hi] for c, v in cols.items()}), tmp_path / f"part-{k}.parquet", row_group_size=60)
    np.save(tmp_path / "pred.npy", cols["pred"])
    np.save(tmp_path / "target.npy", cols["target"])
    np.save(tmp_path / "w.npy", cols["w"])
    np.savez(tmp_path / "xy.npz", pred=np.stack([cols["pred"], cols["target"]], 1), target=np.stack([cols["target"], cols["pred"]], 1))
    return cols


def ok(result) -> dict:
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)



def close(a, b, where: str) -> None:
    """Every float to 1e-12 relative, everything else exactly (the run time aside)."""
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            if k != "seconds":
                close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-300) or (math.isnan(a) and math.isnan(b)), where
    else:
        assert a == b, where


def both(cli, scheduler, *args) -> tuple[dict, dict]:
    local = ok(cli("eval", *args, "-f", "json"))
    dask = ok(cli("eval", *args, "-f", "json", "--engine", "dask", "--scheduler", scheduler))
    same_as_local(dask, local)
    return local, dask


def same_as_local(dask: dict, local: dict) -> None:
    """``close``, but for the digest of the target's values, which --engine local alone computes."""
    assert "values_digest" not in dask["inputs"].get("target", {})
    local["inputs"].get("target", {}).pop("values_digest", None)
    close(dask, local, "report")


STATS = ["-w", "w", "-g", "g", "--ci", "bootstrap", "--n-boot", "64", "--top-k", "3", "--id-col", "id"]


@pytest.mark.parametrize(
    "args",
    [
        ["t.parquet", *STATS],  # Parquet: row groups grouped into partitions
        ["t.parquet", *STATS, "--chunk-rows", "100"],
        ["t.csv", *STATS, "--chunk-rows", "70"],  # CSV units counted first (bootstrap and top-k number rows)
        ["t.csv", "--chunk-rows", "40"],  # CSV units evaluated from row 0
        ["t.csv", "-w", "w", "-g", "g", "--ci", "analytic", "--chunk-rows", "55"],
        ["pred.npy", "target.npy", "--ci", "bootstrap", "--n-boot", "64", "--top-k", "2", "--chunk-rows", "77"],  # NPY row ranges
        ["pred.npy", "t.csv", "-y", "target", "-w", "w", "--ci", "bootstrap", "--n-boot", "32", "--chunk-rows", "50"],  # NPY + CSV
        ["part-*.parquet", *STATS, "--chunk-rows", "90"],  # a glob of shards
        ["t.parquet", "target.npy", "-p", "pred", "--ci", "analytic", "--chunk-rows", "120"],
    ],
    ids=["parquet", "parquet-rows", "csv-counted", "csv-units", "csv-analytic", "npy", "npy+csv", "parquet-glob", "parquet+npy"],
)
def test_dask_gives_the_local_report(cli, data, scheduler, args):
    local, dask = both(cli, scheduler, *args, *LOSSES)
    assert dask["inputs"]["rows"] == N and all(x["n"] == N for x in dask["losses"])
    if "-g" in args:
        assert [g["key"] for g in dask["groups"]] == [{"g": "a"}, {"g": "b"}, {"g": "c"}]
    if "bootstrap" in args:
        assert all(x["ci"]["low"] < x["value"] < x["ci"]["high"] for x in dask["losses"])
    assert dask["inputs"]["pred"]["blake3"] == local["inputs"]["pred"]["blake3"]


def test_npz_members_and_column_ranges(cli, data, scheduler):
    both(cli, scheduler, "xy.npz:pred", "xy.npz:target", "-l", "mse", "--chunk-rows", "64")
    both(cli, scheduler, "xy.npz:pred", "xy.npz:target", "-p", "2", "-y", "1", "-l", "mae", "--chunk-rows", "64")


def test_whole_read_inputs_are_sliced(cli, data, scheduler, tmp_path):
    # JSONL and compressed CSV are read whole (one unit), then sliced into the partitions
    rows = [json.dumps({"pred": p, "target": t}) for p, t in zip(data["pred"].tolist(), data["target"].tolist())]
    (tmp_path / "t.jsonl").write_text("\n".join(rows) + "\n")
    both(cli, scheduler, "t.jsonl", "-l", "mse", "--chunk-rows", "100", "--ci", "bootstrap", "--n-boot", "16")
    import gzip

    (tmp_path / "t.csv.gz").write_bytes(gzip.compress((tmp_path / "t.csv").read_bytes()))
    both(cli, scheduler, "t.csv.gz", "-p", "pred", "-y", "target", "-l", "mse", "--chunk-rows", "100")


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "npy", "parquet"])
def test_per_sample_output_is_in_input_order(cli, data, scheduler, tmp_path, suffix):
    ident = [] if suffix == "npy" else ["--id-col", "id"]
    args = ["t.csv", "-p", "pred", "-y", "target", "-l", "mse", "-l", "mae", *ident, "--chunk-rows", "45"]
    ok(cli("eval", *args, "-f", "json", "--per-sample", f"local.{suffix}"))
    ok(cli("eval", *args, "-f", "json", "--per-sample", f"dask.{suffix}", "--engine", "dask", "--scheduler", scheduler))
    if suffix == "parquet":  # row groups follow the partitions: compare the contents
        assert pq.read_table(tmp_path / "dask.parquet").equals(pq.read_table(tmp_path / "local.parquet"))
    else:
        assert (tmp_path / f"dask.{suffix}").read_bytes() == (tmp_path / f"local.{suffix}").read_bytes()


def test_hist_and_emit_state(cli, data, scheduler, tmp_path):
    r = cli("eval", "t.parquet", "-l", "mse", "--hist", "-f", "table", "--engine", "dask", "--scheduler", scheduler, "--chunk-rows", "100")
    assert r.exit_code == 0 and "mse" in r.stdout
    ok(cli("eval", "t.parquet", "-l", "mse", "-w", "w", "--ci", "bootstrap", "--n-boot", "32", "--emit-state", "s.json", "-f", "json",
           "--engine", "dask", "--scheduler", scheduler, "--chunk-rows", "100"))  # fmt: skip
    merged = ok(cli("merge", "s.json", "-f", "json"))
    local = ok(cli("eval", "t.parquet", "-l", "mse", "-w", "w", "--ci", "bootstrap", "--n-boot", "32", "-f", "json"))
    close(merged["losses"], local["losses"], "losses")


def test_errors_name_rows_of_the_whole_input(cli, data, scheduler, tmp_path):
    lines = (tmp_path / "t.csv").read_text().splitlines()
    lines[500] = lines[500].replace(",a", ",a").split(",", 1)[0] + ",oops," + lines[500].split(",", 2)[2]
    (tmp_path / "bad.csv").write_text("\n".join(lines) + "\n")
    pred = data["pred"].copy()
    pred[431] = np.nan
    np.save(tmp_path / "nan.npy", pred)
    w = data["w"].copy()
    w[333] = -1.0
    pq.write_table(pa.table({"pred": data["pred"], "target": data["target"], "w": w}), tmp_path / "w.parquet", row_group_size=50)
    for args, code, message in [
        (["bad.csv", "-l", "mse"], 3, "Non-numeric value 'oops' in bad.csv, column 'pred' (pred), row 500."),
        (["bad.csv", "-l", "mse", "--ci", "bootstrap", "--n-boot", "8"], 3, "Non-numeric value 'oops' in bad.csv, column 'pred' (pred), row 500."),
        (["nan.npy", "target.npy", "-l", "mse"], 3, "nan in pred (nan.npy) at row 432; use --nan-policy omit to drop such rows or propagate to keep them."),
        (["w.parquet", "-w", "w", "-l", "mse"], 3, "Sample weights must be >= 0, got -1 in weight (w.parquet column 'w') at row 334"),
    ]:
        for rows in ("40", "150"):
            fails(cli("eval", *args, "--chunk-rows", rows), code, message)
            fails(cli("eval", *args, "--chunk-rows", rows, "--engine", "dask", "--scheduler", scheduler), code, message)
    fails(cli("eval", "pred.npy", "part-0.parquet", "-y", "target", "-l", "mse", "--engine", "dask", "--scheduler", scheduler), 3,
          "Inputs have different numbers of rows: pred (pred.npy) has 600, target (part-0.parquet column 'target') has 200.")
    r = cli("eval", "nan.npy", "target.npy", "-l", "mse", "--nan-policy", "omit", "-f", "json", "--engine", "dask", "--scheduler", scheduler)
    assert ok(r)["inputs"]["dropped"] == {"nan": 1}


def test_usage_errors(cli, data, scheduler, files):
    fails(cli("eval", "t.csv", "-l", "mse", "--scheduler", scheduler), 2, "--scheduler is the address of a Dask scheduler: pass --engine dask too.")
    fails(cli("eval", "-", "-l", "mse", "--engine", "dask", input="pred,target\n1,2\n"), 2,
          "--engine dask reads inputs by path on its workers: stdin ('-') cannot be one; save it to a file.")
    fails(cli("eval", "t.csv", "-l", "mse", "--engine", "dask", "--scheduler", "nonsense"), 2,
          "--scheduler nonsense is not a Dask scheduler address (missing port number in address 'nonsense'); e.g. tcp://10.0.0.5:8786.")
    fails(cli("eval", "pred.npy", "target.npy", "-l", "mse", "--baseline", "target.npy", "--fail-if", "mse<=base", "--engine", "dask"), 2,
          "--engine dask cannot evaluate a prediction-file --baseline (it is evaluated in memory); pass a JSON report as --baseline, or use --engine local.")
    z = np.random.default_rng(0).normal(size=(8, 4))
    files.npy("zi.npy", z)
    files.npy("zj.npy", z + 0.1)
    r = cli("eval", "zi.npy", "zj.npy", "-l", "ntxent", "--engine", "dask")
    assert r.exit_code == 2 and r.stderr.startswith("Error: --engine dask: ntxent gives a row a value that depends on other rows")


def test_without_scheduler_a_local_cluster_is_started(cli, data):
    local = ok(cli("eval", "t.parquet", "-l", "mse", "-g", "g", "-f", "json"))
    dask = ok(cli("eval", "t.parquet", "-l", "mse", "-g", "g", "-f", "json", "--engine", "dask", "--chunk-rows", "100"))
    same_as_local(dask, local)


@pytest.mark.filterwarnings("ignore::UserWarning")  # a worker's HTTP port already taken on a busy machine
def test_worker_processes_over_tcp(data, tmp_path):
    """A cluster of worker processes: every task and result is pickled, files opened by path."""
    import subprocess

    cluster = distributed.LocalCluster(processes=True, n_workers=1, threads_per_worker=2, dashboard_address=None)
    try:
        args = [sys.executable, "-m", "losscli", "eval", "t.csv", "-p", "pred", "-y", "target", *LOSSES, "-w", "w", "--ci", "bootstrap",
                "--n-boot", "32", "--chunk-rows", "100", "-f", "json"]  # fmt: skip
        dask = subprocess.run([*args, "--engine", "dask", "--scheduler", cluster.scheduler_address], capture_output=True, text=True, cwd=tmp_path)
    finally:
        cluster.close()
    local = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path)
    assert (dask.returncode, dask.stderr) == (0, "")
    same_as_local(json.loads(dask.stdout), json.loads(local.stdout))


def test_the_plan_pickles(data, tmp_path):
    from losscli.engine import Accumulator
    from losscli.engine.dask import _Job, _task
    from losscli.readers import load_inputs, partitions

    for pred, target in (("t.parquet", None), ("t.csv", None), ("pred.npy", "target.npy")):
        loaded = load_inputs(pred, target, weight_col="w" if target is None else None, lazy=True)
        plan, _ = partitions.plan(loaded, 200)
        if plan.unknown():
            continue  # CSV: its units are read by index (read_unit), covered above
        acc = Accumulator(["mse"])
        job = pickle.loads(pickle.dumps(_Job(plan, ["mse"], "mean", "error", {}, acc.analysis_options, False)))
        states = [_task(job, ("rows", lo, hi))["state"] for lo, hi in job.plan.partitions(200)]
        assert sum(s["rows"] for s in states) == N


def test_missing_dask_is_one_clear_error(cli, data, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` raises ImportError
    fails(cli("eval", "t.csv", "-l", "mse", "--engine", "dask"), 3, "--engine dask needs dask[distributed]: pip install 'losscli[dask]'")


def test_ids_of_two_tables_are_checked_on_every_partition(cli, data, scheduler, tmp_path):
    """PRED and TARGET tables that both have 'id' (issue 13): the ids are compared in each
    partition; rows 451 and 452 swapped in TARGET stop it at row 451 of the whole input."""
    lines = (tmp_path / "t.csv").read_text().splitlines()
    lines[451], lines[452] = lines[452], lines[451]
    (tmp_path / "swapped.csv").write_text("\n".join(lines) + "\n")
    args = ["t.csv", "swapped.csv", "-p", "pred", "-y", "target", "-l", "mse", "--chunk-rows", "100"]
    message = f"Rows are paired by position, but row 451 has id {450 * 3} in t.csv and {451 * 3} in swapped.csv; pass --align join to pair them by id."
    fails(cli("eval", *args), 3, message)
    fails(cli("eval", *args, "--engine", "dask", "--scheduler", scheduler), 3, message)
    both(cli, scheduler, "t.csv", "t.csv", "-p", "pred", "-y", "target", "-l", "mse", "--chunk-rows", "100")  # same ids: evaluated


# ---------------------------------------------------------------------------- hardening
# The local cluster stays on 127.0.0.1 and quiet; cluster failures are exit 3 with one line.

_AUDIT = """
import json, sys
events = []
def hook(event, args):
    if event in ("socket.bind", "socket.connect", "socket.sendto"):
        events.append([event, list(args[1])[:2] if isinstance(args[1], tuple) else str(args[1])])
sys.addaudithook(hook)
import atexit
atexit.register(lambda: open("sockets.json", "w").write(json.dumps(events)))
sys.argv = ["losscli", *sys.argv[1:]]
from losscli.cli import app
app(prog_name="losscli")
"""


def test_the_local_cluster_listens_only_on_loopback_and_probes_nothing(data, tmp_path):
    """Every socket the run binds or connects (an audit hook in a real process) is 127.0.0.1 with a
    random port: no 0.0.0.0/[::], no dashboard on 8787, no UDP 'connect' to 8.8.8.8; stderr stays empty."""
    import subprocess

    p = subprocess.run([sys.executable, "-c", _AUDIT, "eval", "t.csv", "-p", "pred", "-y", "target", "-l", "mse", "-f", "json", "--engine", "dask"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert (p.returncode, p.stderr) == (0, "")
    events = json.loads((tmp_path / "sockets.json").read_text())
    binds = [address for event, address in events if event == "socket.bind"]
    assert binds and all(address == ["127.0.0.1", 0] for address in binds), events
    assert all(address[0] == "127.0.0.1" for event, address in events if event != "socket.bind"), events


@pytest.fixture
def not_dask():
    """A TCP service on 127.0.0.1 that greets every connection with an SSH banner (read as a Dask
    frame length, its first 8 bytes ask for 2.8 EiB)."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = server.accept()
                conn.sendall(b"SSH-2.0-OpenSSH_8.9p1\r\n")
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_service_that_is_not_dask_is_exit_3(cli, data, not_dask, monkeypatch):
    from losscli.engine import dask as engine_dask

    monkeypatch.setattr(engine_dask, "CONNECT_TIMEOUT", "2s")
    r = cli("eval", "t.csv", "-p", "pred", "-y", "target", "-l", "mse", "--engine", "dask", "--scheduler", not_dask)
    assert (r.exit_code, r.stdout, r.stderr.count("\n")) == (3, "", 1)
    assert r.stderr.startswith(f"Error: Cannot connect to the Dask scheduler at {not_dask}: MemoryError: ")


def test_a_bug_in_a_task_is_an_internal_error_not_a_cluster_failure(cli, data, scheduler, monkeypatch):
    from losscli.engine import dask as engine_dask

    def broken(job, chunk):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(engine_dask, "_evaluate", broken)  # the in-process worker runs this module's _task
    r = cli("eval", "pred.npy", "target.npy", "-l", "mse", "--engine", "dask", "--scheduler", scheduler)
    fails(r, 4, "internal error: RuntimeError: ZeroDivisionError: division by zero (on a Dask worker). Please report it (run with -v for the traceback).")


@pytest.mark.filterwarnings("ignore::UserWarning")  # a worker's HTTP port already taken on a busy machine
def test_a_worker_lost_mid_run_is_exit_3(cli, data, monkeypatch):
    """A worker process that dies while it runs a task (the task calls os._exit; cloudpickle sends
    this lambda by value) ends the run with exit 3 and one line, not a traceback."""
    import dask

    from losscli.engine import dask as engine_dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(processes=True, n_workers=1, threads_per_worker=1, dashboard_address=None)
        try:
            monkeypatch.setattr(engine_dask, "_task", lambda job, part: __import__("os")._exit(1))
            r = cli("eval", "pred.npy", "target.npy", "-l", "mse", "--engine", "dask", "--scheduler", cluster.scheduler_address)
        finally:
            cluster.close()
    assert (r.exit_code, r.stdout, r.stderr.count("\n")) == (3, "", 1)
    assert r.stderr.startswith("Error: The Dask cluster failed during the evaluation: KilledWorker: ")


_SCHEDULER = (
    "from distributed import LocalCluster\n"
    "c = LocalCluster(processes=False, n_workers=1, threads_per_worker=1, scheduler_port=0, host='127.0.0.1', protocol='tcp://', dashboard_address=None)\n"
    "print(c.scheduler_address, flush=True)\n"
    "import time; time.sleep(120)\n"
)


def test_a_scheduler_killed_mid_run_is_exit_3(cli, data, monkeypatch):
    """The scheduler's process (with its worker) is killed by the first task: exit 3, one line."""
    import os
    import signal
    import subprocess

    from losscli.engine import dask as engine_dask

    child = subprocess.Popen([sys.executable, "-c", _SCHEDULER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        address = child.stdout.readline().strip()
        monkeypatch.setattr(engine_dask, "_task", lambda job, part: os.kill(os.getpid(), signal.SIGKILL))  # runs in the child
        r = cli("eval", "pred.npy", "target.npy", "-l", "mse", "--engine", "dask", "--scheduler", address)
    finally:
        child.kill()
        child.wait()
    assert (r.exit_code, r.stdout, r.stderr.count("\n")) == (3, "", 1)
    assert r.stderr.startswith("Error: The Dask cluster failed during the evaluation: ")
    assert r.stderr.endswith(". Check the scheduler and its workers, then run again.\n")


def test_zero_weights_and_missing_group_keys_give_the_local_report(cli, data, scheduler, tmp_path):
    # rows of weight 0 are not samples (n counts the others) and an empty group cell is a group of its own
    w = data["w"].copy()
    w[::4] = 0.0
    g = data["g"].astype(object)
    g[1::7] = None
    cols = {**data, "w": w, "g": g}
    pq.write_table(pa.table(cols), tmp_path / "t0.parquet", row_group_size=45)
    local, dask = both(cli, scheduler, "t0.parquet", *STATS, "--chunk-rows", "100", *LOSSES)
    assert all(x["n"] == int(np.count_nonzero(w)) for x in dask["losses"])
    assert [grp["key"] for grp in dask["groups"]][-1] == {"g": None}


def test_a_one_row_var_under_dask_says_what_to_pass(cli, files, scheduler):
    # gaussian_nll's (1, D) var stands for every row when this process reads the inputs (in
    # chunks too: test_streaming.py); the partitions of --engine dask do not carry it: one line
    rng = np.random.default_rng(1)
    files.npy("p.npy", rng.normal(size=(5, 3)))
    files.npy("t.npy", rng.normal(size=(5, 3)))
    files.npy("v.npy", rng.uniform(0.5, 2, size=(1, 3)))
    fails(cli("eval", "p.npy", "t.npy", "--input", "var=v.npy", "-l", "gaussian_nll", "--engine", "dask", "--scheduler", scheduler), 3,
          "var (v.npy) has 1 row, which stands for every row with --engine local but not with --engine dask: pass --engine local, or one row per row.")


def test_metrics_without_per_sample_values_give_the_local_report(cli, data, scheduler, monkeypatch):
    """The toy metrics of test_metrics_output (a mean difference, a 2x2 matrix of counts): their
    states folded per partition and merged give the local report, groups and bootstrap included."""
    from test_metrics_output import register_toys

    register_toys(monkeypatch)
    local, dask = both(cli, scheduler, "t.parquet", *STATS[:6], "--n-boot", "16", "--chunk-rows", "100", "-l", "meandiff", "-l", "toyconf", "-l", "mse")
    p, t, w = data["pred"], data["target"], data["w"]
    assert dask["losses"][0]["value"] == pytest.approx(np.average(p - t, weights=w), rel=1e-12)
    expected = [[w[((t > 0) == i) & ((p > 0) == j)].sum() for j in (False, True)] for i in (False, True)]  # weighted counts by hand
    np.testing.assert_allclose(dask["losses"][1]["details"]["matrix"], expected, rtol=1e-12)
    assert dask["losses"][0]["per_sample"] is False and dask["groups"][0]["losses"][1]["details"] is not None
