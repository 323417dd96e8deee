"""Parquet input and output (issue 7): pyarrow reads, streamed row groups,
strict numbers, globs of shards and ``--per-sample out.parquet``.

Every Parquet evaluation is checked against the same rows as a CSV or NPY evaluation (the
readers already tested): equal values (1e-12 relative), counts, extremes and per-sample values.
"""

from __future__ import annotations

import json
import math
import sys

import blake3
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import fails

N = 200


def ok(result) -> dict:
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)



def same(a: dict, b: dict) -> None:
    """The same results: statistics to 1e-12 relative; n, min, max and the row counts exactly."""
    assert [x["label"] for x in a["losses"]] == [x["label"] for x in b["losses"]]
    for x, y in zip(a["losses"], b["losses"]):
        for k in ("value", "sum", "mean", "std", "se"):
            assert x[k] == pytest.approx(y[k], rel=1e-12, abs=1e-300), (x["label"], k)
        for k in ("n", "min", "max"):
            assert x[k] == y[k], (x["label"], k)
    for k in ("rows", "rows_used", "dropped"):
        assert a["inputs"][k] == b["inputs"][k]


def data(n: int = N, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "id": np.array([f"s{i:04d}" for i in range(n)]),
        "pred": rng.normal(size=n),
        "target": rng.normal(size=n),
        "w": rng.uniform(0.5, 2.0, size=n),
        "g": rng.choice(["a", "b", "c"], size=n),
    }


def write_parquet(path, cols: dict, row_group_size: int | None = None) -> str:
    pq.write_table(pa.table(cols), path, row_group_size=row_group_size)
    return path.name  # tests run in tmp_path: messages name the file as given


def write_csv(path, cols: dict) -> str:
    names = list(cols)
    rows = zip(*(cols[c].tolist() for c in names))
    path.write_text(",".join(names) + "\n" + "".join(",".join(repr(v) if isinstance(v, float) else str(v) for v in r) + "\n" for r in rows))
    return path.name


@pytest.fixture
def pair(files, tmp_path):
    """The same table as ``t.parquet`` (4 row groups) and ``t.csv``."""
    cols = data()
    return write_parquet(tmp_path / "t.parquet", cols, row_group_size=64), write_csv(tmp_path / "t.csv", cols), cols


# ---------------------------------------------------------------------------- reading


@pytest.mark.parametrize("extra", [[], ["--chunk-rows", "7"], ["-w", "w", "-g", "g"], ["-w", "w", "--chunk-rows", "50", "--ci", "bootstrap", "--n-boot", "50"]])
def test_parquet_eval_equals_the_csv_eval(cli, pair, extra):
    p, c, _ = pair
    args = ["-l", "mse", "-l", "mae", "-l", "huber:delta=0.5", "-l", "rmse", "-f", "json", *extra]
    a, b = ok(cli("eval", p, *args)), ok(cli("eval", c, *args))
    same(a, b)
    if "-g" in extra:
        for x, y in zip(a["groups"], b["groups"]):
            assert x["key"] == y["key"] and x["rows"] == y["rows"]
            for lx, ly in zip(x["losses"], y["losses"]):
                assert lx["value"] == pytest.approx(ly["value"], rel=1e-12)
    if "--ci" in extra:
        for x, y in zip(a["losses"], b["losses"]):
            assert x["ci"]["low"] == pytest.approx(y["ci"]["low"], rel=1e-12)
            assert x["ci"]["high"] == pytest.approx(y["ci"]["high"], rel=1e-12)
    info = a["inputs"]["pred"]
    assert info["format"] == "parquet" and info["columns"] == ["pred"]
    assert info["blake3"] == blake3.blake3(open(p, "rb").read()).hexdigest()


def test_streamed_row_groups_equal_the_whole_file(cli, files, tmp_path):
    cols = data(1000, seed=3)
    p = write_parquet(tmp_path / "big.parquet", cols, row_group_size=97)
    assert pq.ParquetFile(p).metadata.num_row_groups == 11
    whole = ok(cli("eval", p, "-l", "mse", "-l", "log_cosh", "-w", "w", "--top-k", "3", "--id-col", "id", "-f", "json"))
    for rows in ("1", "13", "97", "500", "5000"):
        streamed = ok(cli("eval", p, "-l", "mse", "-l", "log_cosh", "-w", "w", "--top-k", "3", "--id-col", "id", "-f", "json", "--chunk-rows", rows))
        same(streamed, whole)
        assert [x["worst"] for x in streamed["losses"]] == [x["worst"] for x in whole["losses"]]
        assert streamed["inputs"]["pred"]["blake3"] == whole["inputs"]["pred"]["blake3"]


def test_column_selection_names_globs_ranges_and_indices(cli, files, tmp_path):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(N, 5))
    labels = rng.integers(0, 5, size=N)
    cols = {"id": np.arange(N), **{f"logit_{j}": logits[:, j] for j in range(5)}, "label": labels}
    p = write_parquet(tmp_path / "c.parquet", cols, row_group_size=50)
    np.save(tmp_path / "logits.npy", logits)
    np.save(tmp_path / "labels.npy", labels)
    expected = ok(cli("eval", "logits.npy", "labels.npy", "-l", "ce", "-f", "json"))
    for sel in (["-p", "logit_*", "-y", "label"], ["-p", "logit_0-logit_4", "-y", "7"], ["-p", "2-6", "-y", "label"], []):
        for stream in ([], ["--chunk-rows", "33"]):
            same(ok(cli("eval", p, "-l", "ce", "-f", "json", *sel, *stream)), expected)
    fails(cli("eval", p, "-l", "ce", "-p", "nope", "-y", "label"), 3, "Column 'nope' not found in c.parquet; columns: id, logit_0, logit_1, logit_2, logit_3, logit_4, label.")


def test_a_list_column_is_a_matrix(cli, files, tmp_path):
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(60, 3))
    labels = rng.integers(0, 3, size=60)
    p = write_parquet(tmp_path / "l.parquet", {"logits": pa.array(logits.tolist(), pa.list_(pa.float64(), 3)), "label": labels})
    np.save(tmp_path / "x.npy", logits)
    np.save(tmp_path / "y.npy", labels)
    expected = ok(cli("eval", "x.npy", "y.npy", "-l", "ce", "-f", "json"))
    same(ok(cli("eval", p, "-p", "logits", "-y", "label", "-l", "ce", "-f", "json")), expected)
    same(ok(cli("eval", p, "-p", "logits", "-y", "label", "-l", "ce", "-f", "json", "--chunk-rows", "7")), expected)
    ragged = write_parquet(tmp_path / "r.parquet", {"logits": pa.array([[1.0, 2.0], [1.0, 2.0, 3.0]]), "label": [0, 1]})
    fails(cli("eval", ragged, "-p", "logits", "-y", "label", "-l", "ce"), 3,
          "Column 'logits' of r.parquet (logits) holds lists of different lengths: 2 in row 1, 3 in row 2.")


def test_nulls_are_nan_and_follow_the_nan_policy(cli, files, tmp_path):
    pred = pa.array([0.5, None, 2.0, 3.0, 1.0], pa.float64())
    target = pa.array([0, 1, None, 0, 1], pa.int32())
    p = write_parquet(tmp_path / "n.parquet", {"pred": pred, "target": target}, row_group_size=2)
    fails(cli("eval", p, "-l", "mse"), 3, "nan in pred (n.parquet column 'pred') at row 2; use --nan-policy omit to drop such rows or propagate to keep them.")
    fails(cli("eval", p, "-l", "mse", "--chunk-rows", "2"), 3, "nan in pred (n.parquet column 'pred') at row 2; use --nan-policy omit to drop such rows or propagate to keep them.")
    for stream in ([], ["--chunk-rows", "1"]):
        r = ok(cli("eval", p, "-l", "mse", "--nan-policy", "omit", "-f", "json", *stream))
        assert r["inputs"]["rows"] == 5 and r["inputs"]["dropped"] == {"nan": 2}
        assert r["losses"][0]["value"] == pytest.approx((0.25 + 9.0 + 0.0) / 3, rel=1e-15)


def test_integer_columns_stay_integers(cli, files, tmp_path):
    # labels as int8 (a common Parquet type) are class indices, as from an NPY of int64
    p = write_parquet(tmp_path / "i.parquet", {"prob": [0.9, 0.2, 0.7], "label": pa.array([1, 0, 0], pa.int8())})
    r = ok(cli("eval", p, "-p", "prob", "-y", "label", "-l", "bce", "-f", "json"))
    assert r["losses"][0]["value"] == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.3)) / 3, rel=1e-12)


@pytest.mark.parametrize(
    ("column", "typ"),
    [(pa.array(["1.5", "2", "3"]), "string"), (pa.array([True, False, True]), "bool"), (pa.array([1, 2, 3], pa.timestamp("ms")), "timestamp[ms]")],
)
def test_a_non_numeric_column_names_file_column_and_type(cli, files, tmp_path, column, typ):
    p = write_parquet(tmp_path / "s.parquet", {"pred": [1.0, 2.0, 3.0], "target": column})
    message = f"Non-numeric column 'target' in s.parquet (target): its Parquet type is {typ}, not a number."
    fails(cli("eval", p, "-l", "mse"), 3, message)
    fails(cli("eval", p, "-l", "mse", "--chunk-rows", "2"), 3, message)


def test_a_file_that_is_not_parquet(cli, files):
    files.bytes("bad.parquet", b"PAR1 this is not a parquet file")
    r = cli("eval", "bad.parquet", "-l", "mse")
    assert r.exit_code == 3 and r.stdout == "" and r.stderr.startswith("Error: bad.parquet is not a valid Parquet file: ")
    assert r.stderr.count("\n") == 1
    r = cli("eval", "bad.parquet", "-l", "mse", "--chunk-rows", "5")
    assert r.exit_code == 3 and r.stderr.startswith("Error: bad.parquet is not a valid Parquet file: ")


def test_stdin_and_compressed_parquet_are_read_whole(cli, pair, tmp_path):
    p, c, _ = pair
    expected = ok(cli("eval", c, "-l", "mse", "-f", "json"))
    raw = open(p, "rb").read()
    same(ok(cli("eval", "-:parquet", "-l", "mse", "-f", "json", input=raw)), expected)
    import gzip

    (tmp_path / "t.parquet.gz").write_bytes(gzip.compress(raw))
    same(ok(cli("eval", "t.parquet.gz", "-l", "mse", "-f", "json")), expected)


def test_a_glob_of_shards_is_one_input(cli, files, tmp_path):
    cols = data(300, seed=5)
    whole = write_parquet(tmp_path / "all.parquet", cols)
    for k, (lo, hi) in enumerate([(0, 90), (90, 200), (200, 300)]):
        write_parquet(tmp_path / f"part-{k}.parquet", {c: v[lo:hi] for c, v in cols.items()}, row_group_size=40)
    expected = ok(cli("eval", whole, "-l", "mse", "-w", "w", "--top-k", "2", "--id-col", "id", "-f", "json"))
    for stream in ([], ["--chunk-rows", "25"]):
        r = ok(cli("eval", "part-*.parquet", "-l", "mse", "-w", "w", "--top-k", "2", "--id-col", "id", "-f", "json", *stream))
        same(r, expected)
        assert r["losses"][0]["worst"] == expected["losses"][0]["worst"]
        digests = "".join(blake3.blake3(open(tmp_path / f"part-{k}.parquet", "rb").read()).hexdigest() for k in range(3))
        assert r["inputs"]["pred"]["blake3"] == blake3.blake3(digests.encode()).hexdigest()
        assert r["inputs"]["pred"]["files"] == 3
    write_parquet(tmp_path / "part-3.parquet", {"pred": [1.0], "y": [2.0]})
    for stream in ([], ["--chunk-rows", "25"]):
        fails(cli("eval", "part-*.parquet", "-l", "mse", *stream), 3,
              "part-3.parquet has columns ['pred', 'y'], but part-0.parquet has ['id', 'pred', 'target', 'w', 'g'].")


def test_pred_and_target_in_different_formats(cli, pair, tmp_path):
    p, c, cols = pair
    np.save(tmp_path / "target.npy", cols["target"])
    expected = ok(cli("eval", c, "-l", "mse", "-f", "json"))
    for stream in ([], ["--chunk-rows", "30"]):
        same(ok(cli("eval", p, "target.npy", "-p", "pred", "-l", "mse", "-f", "json", *stream)), expected)


# ---------------------------------------------------------------------------- --per-sample out.parquet


@pytest.mark.parametrize("stream", [[], ["--chunk-rows", "16"]])
def test_per_sample_parquet_is_in_input_order(cli, pair, tmp_path, stream):
    p, c, cols = pair
    ok(cli("eval", c, "-l", "mse", "-l", "mae", "--id-col", "id", "--per-sample", "ps.csv", "-f", "json"))
    ok(cli("eval", p, "-l", "mse", "-l", "mae", "--id-col", "id", "--per-sample", "ps.parquet", "-f", "json", *stream))
    table = pq.read_table(tmp_path / "ps.parquet")
    assert table.column_names == ["id", "mse", "mae"]
    assert table.schema.field("mse").type == pa.float64()
    assert table.column("id").to_pylist() == cols["id"].tolist()
    assert table.column("mse").to_pylist() == ((cols["pred"] - cols["target"]) ** 2).tolist()
    lines = (tmp_path / "ps.csv").read_text().splitlines()[1:]
    assert [float(line.split(",")[2]) for line in lines] == table.column("mae").to_pylist()
    if stream:
        assert pq.ParquetFile(tmp_path / "ps.parquet").metadata.num_row_groups == math.ceil(N / 16)
    assert sorted(x.name for x in tmp_path.iterdir() if x.name.startswith(".")) == []


def test_per_sample_parquet_marks_dropped_rows_nan(cli, files, tmp_path):
    p = write_parquet(tmp_path / "n.parquet", {"pred": [1.0, None, 3.0], "target": [0.0, 0.0, 1.0]})
    ok(cli("eval", p, "-l", "mse", "--nan-policy", "omit", "--per-sample", "ps.parquet", "-f", "json"))
    values = pq.read_table(tmp_path / "ps.parquet").column("mse").to_pylist()
    assert values[0] == 1.0 and math.isnan(values[1]) and values[2] == 4.0


def test_per_sample_parquet_from_npy_and_no_partial_file_on_error(cli, files, tmp_path):
    x, y = files.xy_npy()
    ok(cli("eval", x, y, "-l", "mse", "--per-sample", "ps.parquet", "-f", "json"))
    assert pq.read_table(tmp_path / "ps.parquet").column("mse").to_pylist() == [0.25, 4.0, 0.25, 9.0]
    (tmp_path / "ps.parquet").unlink()
    bad = files.npy("bad.npy", [1.0, np.nan, 2.0, 3.0])
    r = cli("eval", bad, y, "-l", "mse", "--per-sample", "ps.parquet", "--chunk-rows", "1")
    assert r.exit_code == 3
    assert not (tmp_path / "ps.parquet").exists()
    assert [n for n in files.listing() if n.startswith(".")] == []


# ---------------------------------------------------------------------------- without pyarrow


@pytest.fixture
def no_pyarrow(monkeypatch):
    """pyarrow made unimportable (``import pyarrow`` raises ImportError)."""
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)


def test_missing_pyarrow_is_one_clear_error(cli, pair, no_pyarrow):
    p, c, _ = pair
    fails(cli("eval", p, "-l", "mse"), 3, "Reading t.parquet needs pyarrow: pip install 'losscli[parquet]'")
    fails(cli("eval", p, "-l", "mse", "--chunk-rows", "10"), 3, "Reading t.parquet needs pyarrow: pip install 'losscli[parquet]'")
    fails(cli("eval", c, "-l", "mse", "--per-sample", "out.parquet"), 3, "--per-sample out.parquet needs pyarrow: pip install 'losscli[parquet]'")


def test_inspect_shows_arrow_types(cli, pair):
    p, _, _ = pair
    r = ok(cli("inspect", p, "-f", "json"))
    columns = {c["name"]: c for c in r["files"][0]["columns"]}
    assert r["files"][0]["rows"] == N and r["files"][0]["format"] == "parquet"
    assert columns["pred"]["dtype"] == "double" and columns["pred"]["numeric"]
    assert columns["id"]["dtype"] == "string" and not columns["id"]["numeric"]


def test_an_empty_parquet_file(cli, files, tmp_path):
    write_parquet(tmp_path / "e.parquet", {"pred": pa.array([], pa.float64()), "target": pa.array([], pa.float64())})
    for stream in ([], ["--chunk-rows", "5"]):
        fails(cli("eval", "e.parquet", "-l", "mse", *stream), 3, "e.parquet has no data rows.")


MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KiB (Linux)")
def test_a_large_parquet_file_streams_in_bounded_memory(tmp_path):
    """6M rows (2 x 48 MB of float64 in 6 row groups, streamed automatically above 16 MB): the
    peak RSS of the child stays under 180 MB (pyarrow's libraries alone are ~60 MB), where a
    whole read holds both columns in Arrow and in numpy (over 300 MB)."""
    import os
    import pathlib
    import shutil
    import subprocess

    rows, block = 6_000_000, 1_000_000
    path = tmp_path / "big.parquet"
    base = np.linspace(-1.0, 1.0, block)
    schema = pa.schema([("pred", pa.float64()), ("target", pa.float64())])
    with pq.ParquetWriter(path, schema, compression="none") as writer:
        for lo in range(0, rows, block):
            writer.write_table(pa.table({"pred": base + lo / rows, "target": base * 0.5}, schema=schema))
    assert path.stat().st_size > 64 << 20
    losscli = shutil.which("losscli", path=str(pathlib.Path(sys.executable).parent))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOSSCLI_")}
    try:
        proc = subprocess.run([sys.executable, "-c", MEASURE, losscli, "eval", "big.parquet", "-l", "mse", "-f", "json"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, check=False)  # fmt: skip
    finally:
        path.unlink()
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["losses"][0]["n"] == rows
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    assert peak_mb < 180, f"peak RSS {peak_mb:.0f} MB"
