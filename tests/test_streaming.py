"""Streaming: --chunk-rows and the blocked engine give the whole-file result.

Invariance: any chunking of the rows, through the Accumulator (in blocks of any size) and
through the CLI (CSV pieces, NPY blocks, NPZ members, globs, gzip, stdin), gives the report of
one pass (values to 1e-12 relative; n, min and max exactly; the same input hashes) and the same
per-sample file. Errors name the same absolute rows as a whole-file read.
"""

from __future__ import annotations

import gzip
import json
import os

import blake3
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import losscli.engine.accumulator as engine
from losscli.engine import Accumulator
from losscli.errors import InputError
from losscli.readers import load_inputs
from losscli.readers import input as readers_input
from losscli.readers import stream
from losscli.readers.stream import csv as csv_stream
from losscli.readers.stream import files as stream_files
from losscli.readers.stream import sizing

LOSSES = ["mse", "mae", "huber:delta=0.5", "smooth_l1", "log_cosh", "rmse"]
STATS = ("value", "sum", "mean", "std", "se")
EXACT = ("n", "min", "max")


def same_report(a: dict, b: dict) -> None:
    """Equal results: statistics to 1e-12 relative, counts and extremes exactly."""
    assert [x["label"] for x in a["losses"]] == [x["label"] for x in b["losses"]]
    for x, y in zip(a["losses"], b["losses"]):
        for k in STATS:
            if y[k] is None or isinstance(y[k], str):  # std of one row; "nan" in JSON
                assert x[k] == y[k], (x["label"], k)
            else:
                assert x[k] == pytest.approx(y[k], rel=1e-12, abs=1e-300), (x["label"], k)
        for k in EXACT:
            assert x[k] == y[k], (x["label"], k)
    for k in ("rows", "rows_used", "dropped"):
        assert a["inputs"][k] == b["inputs"][k]


def report_of(acc: Accumulator) -> dict:
    return acc.compute().to_dict()


# ---------------------------------------------------------------------------- the Accumulator


@st.composite
def chunked_data(draw):
    n = draw(st.integers(1, 200))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    width = draw(st.sampled_from([None, 3]))
    shape = (n,) if width is None else (n, width)
    pred = rng.normal(size=shape) * 10 ** draw(st.integers(-3, 3))
    target = rng.normal(size=shape)
    if draw(st.booleans()):
        bad = rng.random(n) < 0.1
        bad[0] = False  # some row is kept
        pred[bad] = np.nan
    weights = rng.random(n) * 3 if draw(st.booleans()) else None
    cuts = sorted(set(draw(st.lists(st.integers(1, max(n - 1, 1)), max_size=8))) - {n})
    return pred, target, weights, cuts


@settings(max_examples=60)
@given(data=chunked_data(), block=st.sampled_from([1, 7, 64, 1 << 16]))
def test_any_chunking_and_blocking_gives_the_one_pass_report(data, block):
    pred, target, weights, cuts = data
    one = Accumulator(LOSSES, nan_policy="omit")
    one.update({"pred": pred, "target": target}, weights)
    expected = report_of(one)
    old = engine.BLOCK_ELEMENTS
    engine.BLOCK_ELEMENTS = block
    try:
        acc = Accumulator(LOSSES, nan_policy="omit")
        values = []
        for lo, hi in zip([0, *cuts], [*cuts, len(pred)]):
            w = None if weights is None else weights[lo:hi]
            values.append(acc.update({"pred": pred[lo:hi], "target": target[lo:hi]}, w))
    finally:
        engine.BLOCK_ELEMENTS = old
    same_report(report_of(acc), expected)
    # the per-sample values, in input order (NaN where a row was dropped)
    whole = one_pass_values(pred, target, weights)
    for label in whole:
        np.testing.assert_array_equal(np.concatenate([v[label] for v in values]), whole[label])


def one_pass_values(pred, target, weights):
    acc = Accumulator(LOSSES, nan_policy="omit")
    return acc.update({"pred": pred, "target": target}, weights)


def test_per_sample_false_returns_nothing_and_changes_nothing():
    rng = np.random.default_rng(0)
    p, t = rng.normal(size=200_000), rng.normal(size=200_000)
    a, b = Accumulator(["mse", "huber"]), Accumulator(["mse", "huber"])
    assert a.update({"pred": p, "target": t}, per_sample=False) == {}
    values = b.update({"pred": p, "target": t})
    assert values["mse"].shape == (200_000,)
    same_report(report_of(a), report_of(b))


def test_errors_in_a_late_block_name_the_absolute_row():
    p = np.zeros(300_000)
    p[250_123] = np.nan
    acc = Accumulator(["mse"])
    with pytest.raises(Exception) as e:
        acc.update({"pred": p, "target": np.zeros_like(p)})
    assert str(e.value) == "nan in pred at row 250124; use --nan-policy omit to drop such rows or propagate to keep them."


def test_rowwise_losses_are_the_default():
    from losscli.losses import parse_spec

    assert all(engine.rowwise(b) for b in parse_spec("@regression"))


# ---------------------------------------------------------------------------- the CLI

N = 1000


def write_table(files, name="t.csv", n=N, seed=0, nan_rows=(), quoted=False):
    rng = np.random.default_rng(seed)
    p, y, w = rng.normal(size=n).tolist(), rng.normal(size=n).tolist(), (rng.random(n) * 2).tolist()
    rows = ["id,pred,target,w"]
    for i in range(n):
        ident = f'"r{i}\nsecond line, with ""quotes"""' if quoted and i % 7 == 0 else f"r{i}"
        target = "nan" if i in nan_rows else repr(y[i])
        rows.append(f"{ident},{p[i]!r},{target},{w[i]!r}")
    return files.text(name, "\n".join(rows) + "\n")


def run_json(cli, *args) -> dict:
    r = cli("eval", *args, "-f", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


CSV_ARGS = ("-p", "pred", "-y", "target", "-w", "w", "--id-col", "id", "--nan-policy", "omit", *sum((("-l", s) for s in LOSSES[:5]), ()))


@pytest.fixture
def small_pieces(monkeypatch):
    """Cut tables into pieces of a few rows (the defaults are megabytes)."""
    monkeypatch.setattr(csv_stream, "FIRST_PIECE", 300)
    monkeypatch.setattr(csv_stream, "MIN_PIECE", 1)


@settings(max_examples=12)
@given(rows=st.integers(1, 405))
def test_csv_chunks_give_the_whole_file_report_and_per_sample_file(cli, files, small_pieces, rows):
    # 400 rows in pieces of a few rows (small_pieces), chunks of 1 row up to more than the file
    path = write_table(files, n=400, nan_rows=(3, 200, 399), quoted=True)
    whole = run_json(cli, path, *CSV_ARGS, "--per-sample", "whole.csv")
    streamed = run_json(cli, path, *CSV_ARGS, "--per-sample", "streamed.csv", "--chunk-rows", rows)
    same_report(streamed, whole)
    assert streamed["inputs"] == whole["inputs"]  # same hashes, columns, counts
    assert (files.root / "streamed.csv").read_bytes() == (files.root / "whole.csv").read_bytes()


@settings(max_examples=10)
@given(rows=st.integers(1, 3000), width=st.sampled_from([None, 4]), dtype=st.sampled_from(["float64", "float32"]))
def test_npy_blocks_give_the_whole_file_report(cli, files, rows, width, dtype):
    rng = np.random.default_rng(rows)
    shape = (2500,) if width is None else (2500, width)
    files.npy("p.npy", rng.normal(size=shape).astype(dtype))
    files.npy("y.npy", rng.normal(size=shape).astype(dtype))
    args = ["p.npy", "y.npy", "-l", "mse", "-l", "rmse", "-l", "huber"]
    whole = run_json(cli, *args, "--per-sample", "a.npy")
    streamed = run_json(cli, *args, "--chunk-rows", rows, "--per-sample", "b.npy")
    same_report(streamed, whole)
    assert streamed["inputs"] == whole["inputs"]
    np.testing.assert_array_equal(np.load(files.root / "a.npy"), np.load(files.root / "b.npy"))


def test_hashes_of_streamed_inputs_are_the_file_hashes(cli, files):
    path = write_table(files)
    files.npy("p.npy", np.arange(N, dtype=float))
    r = run_json(cli, "p.npy", path, "-y", "target", "-l", "mse", "--chunk-rows", 77)
    assert r["inputs"]["pred"]["blake3"] == blake3.blake3((files.root / "p.npy").read_bytes()).hexdigest()
    assert r["inputs"]["target"]["blake3"] == blake3.blake3((files.root / path).read_bytes()).hexdigest()


@pytest.mark.parametrize("compress", ["stored", "deflated"])
def test_npz_members_stream(cli, files, compress):
    rng = np.random.default_rng(1)
    arrays = {"pred": rng.normal(size=(999, 2)), "target": rng.normal(size=(999, 2))}
    if compress == "stored":
        np.savez(files.root / "a.npz", **arrays)
    else:
        np.savez_compressed(files.root / "a.npz", **arrays)
    args = ["a.npz:pred", "a.npz:target", "-l", "mse", "-l", "mae"]
    same_report(run_json(cli, *args, "--chunk-rows", 100), run_json(cli, *args))


def test_gzip_glob_and_stdin_stream(cli, files, small_pieces):
    path = write_table(files)
    text = (files.root / path).read_bytes()
    whole = run_json(cli, path, *CSV_ARGS)
    (files.root / "t.csv.gz").write_bytes(gzip.compress(text))
    same_report(run_json(cli, "t.csv.gz", *CSV_ARGS, "--chunk-rows", 99), whole)
    lines = text.decode().splitlines(keepends=True)
    files.text("s1.csv", "".join(lines[:400]))
    files.text("s2.csv", lines[0] + "".join(lines[400:]))
    globbed = run_json(cli, "s*.csv", *CSV_ARGS, "--chunk-rows", 123)
    same_report(globbed, whole)
    assert globbed["inputs"] == run_json(cli, "s*.csv", *CSV_ARGS)["inputs"]
    r = cli("eval", "-", *CSV_ARGS, "--chunk-rows", 50, "-f", "json", input=text)
    same_report(json.loads(r.stdout), whole)


def test_mixed_csv_and_npy_inputs_are_aligned_by_rows(cli, files, small_pieces):
    path = write_table(files)
    files.npy("p.npy", np.linspace(-1, 1, N))
    args = ["p.npy", path, "-y", "target", "-w", "w", "-l", "mse", "-l", "mae"]
    same_report(run_json(cli, *args, "--chunk-rows", 333), run_json(cli, *args))


# ---------------------------------------------------------------------------- errors


def both_fail(cli, args, code, message):
    for extra in ((), ("--chunk-rows", 64)):
        r = cli("eval", *args, *extra)
        assert (r.exit_code, r.stderr) == (code, f"Error: {message}\n"), extra


def test_a_bad_cell_in_a_late_chunk_names_its_row(cli, files, small_pieces):
    lines = ["pred,target"] + [f"{i}.5,1" for i in range(1000)]
    lines[701] = "oops,1"
    files.text("bad.csv", "\n".join(lines) + "\n")
    both_fail(cli, ["bad.csv", "-l", "mse"], 3, "Non-numeric value 'oops' in bad.csv, column 'pred' (pred), row 701.")


def test_a_ragged_row_in_a_late_chunk_names_its_row(cli, files, small_pieces):
    lines = ["pred,target"] + [f"{i}.5,1" for i in range(1000)]
    lines[850] = "1,2,3"
    files.text("rag.csv", "\n".join(lines) + "\n")
    both_fail(cli, ["rag.csv", "-l", "mse"], 3, "rag.csv: row 850 has 3 fields, expected 2 as in the header.")


def test_nan_in_a_late_chunk_names_its_row(cli, files, small_pieces):
    path = write_table(files, nan_rows=(900,))
    both_fail(cli, [path, "-p", "pred", "-y", "target", "-l", "mse"], 3,
              f"nan in target ({path} column 'target') at row 901; use --nan-policy omit to drop such rows or propagate to keep them.")


def test_inputs_of_different_lengths(cli, files):
    files.npy("p.npy", np.zeros(1000))
    files.npy("y.npy", np.zeros(1001))
    both_fail(cli, ["p.npy", "y.npy", "-l", "mse"], 3, "Inputs have different numbers of rows: pred (p.npy) has 1000, target (y.npy) has 1001.")


def test_a_group_column_of_another_length_is_named_alike_whole_and_streamed(cli, files, small_pieces):
    # the group column travels beside the roles (a typed key, not a prefixed name): read whole
    # (the engine checks the lengths) or streamed (the readers do), it is named the same way
    files.npy("p.npy", np.zeros(1000))
    files.csv("y.csv", ["target", "g"], *[[1.0, 2]] * 990)
    message = "Inputs have different numbers of rows: pred (p.npy) has 1000, target (y.csv column 'target') has 990, group column g (y.csv column 'g') has 990."
    both_fail(cli, ["p.npy", "y.csv", "-l", "mse", "-g", "g"], 3, message)


def test_a_csv_shorter_than_an_npy(cli, files, small_pieces):
    files.npy("p.npy", np.zeros(1000))
    files.csv("y.csv", ["target"], *[[1.0]] * 990)
    r = cli("eval", "p.npy", "y.csv", "-l", "mse", "--chunk-rows", 100)
    assert r.exit_code == 3
    assert r.stderr == "Error: Inputs have different numbers of rows: pred (p.npy) has 1000, target (y.csv column 'target') has 990.\n"


# ---------------------------------------------------------------------------- choosing to stream


def test_large_inputs_stream_automatically(cli, files, monkeypatch):
    path = write_table(files)
    seen = []
    real = readers_input.open_lazy

    def spy(*args, **kwargs):
        seen.append(args[0].path)
        return real(*args, **kwargs)

    monkeypatch.setattr(readers_input, "open_lazy", spy)
    run_json(cli, path, *CSV_ARGS)
    assert seen == []  # small: read whole
    monkeypatch.setattr(sizing, "AUTO_STREAM_BYTES", 1000)
    run_json(cli, path, *CSV_ARGS)
    assert seen == [path]
    files.npy("p.npy", np.zeros(3000))
    files.npy("y.npy", np.zeros(3000))
    seen.clear()
    run_json(cli, "p.npy", "y.npy", "-l", "mse")  # 48 kB: over AUTO_STREAM_BYTES
    monkeypatch.setattr(sizing, "AUTO_STREAM_BYTES", 40_000)
    run_json(cli, "p.npy", "y.npy", "-l", "mse")  # 48 kB in all (24 kB each): over
    monkeypatch.setattr(sizing, "AUTO_STREAM_BYTES", 1 << 30)
    run_json(cli, "p.npy", "y.npy", "-l", "mse")  # under
    assert seen == ["p.npy", "y.npy", "p.npy", "y.npy"]


def test_input_bytes_counts_files_and_globs(files):
    files.bytes("a.npy", b"x" * 10)
    files.bytes("b.npy", b"x" * 5)
    assert stream.input_bytes(["a.npy", "*.npy", "-", "missing.csv", "a.npy:npy"]) == 10 + 15 + 10


def test_lazy_inputs_select_like_whole_ones(files, small_pieces):
    path = write_table(files)
    opts = dict(pred_col="pred", target_col="target", weight_col="w", id_col="id", group_col="w")
    lazy = load_inputs(path, None, **opts, lazy=True)
    whole = load_inputs(path, None, **opts)
    assert isinstance(lazy.arrays["pred"], stream.Ref)
    got = list(stream.iter_chunks(lazy, 300))
    assert len(got) > 3 and sum(c.rows for c in got) == N  # pieces of about 300 rows
    assert [c.first_row for c in got] == list(np.cumsum([0] + [c.rows for c in got[:-1]]))
    np.testing.assert_array_equal(np.concatenate([c.arrays["pred"] for c in got]), whole.arrays["pred"])
    np.testing.assert_array_equal(np.concatenate([c.weights for c in got]), whole.weights)
    assert np.concatenate([c.ids for c in got]).tolist() == whole.ids.tolist()
    assert all(list(c.groups) == ["w"] for c in got)  # the group column, under its name
    np.testing.assert_array_equal(np.concatenate([c.groups["w"] for c in got]), whole.groups["w"])
    assert lazy.info == whole.info and lazy.sources == whole.sources


def test_every_source_of_pieces_is_a_stream(files):
    import pyarrow as pa
    import pyarrow.parquet as pq

    files.npy("p.npy", np.arange(5.0))
    files.text("t.csv", "pred,target\n1,2\n")
    pq.write_table(pa.table({"pred": [1.0], "target": [2.0]}), files.root / "t.parquet")
    opened = [load_inputs(*names, lazy=True).arrays["pred"].stream for names in (("p.npy", "p.npy"), ("t.csv",), ("t.parquet",))]
    assert [type(s).__name__ for s in opened] == ["ArrayStream", "CsvStream", "ParquetStream"]
    for s in [*opened, stream.MemoryStream(np.arange(3.0))]:
        assert isinstance(s, stream.Stream), type(s)  # pieces, selected, digest, row_bytes, tabular, info
    assert not isinstance(np.arange(3.0), stream.Stream)


def test_whole_inputs_are_one_chunk_without_a_copy(files):
    files.npy("p.npy", np.arange(5.0))
    files.npy("y.npy", np.arange(5.0))
    loaded = load_inputs("p.npy", "y.npy")
    (chunk,) = stream.iter_chunks(loaded)
    assert chunk.arrays["pred"] is loaded.arrays["pred"]


def test_record_boundaries_respect_quotes():
    text = b'a,b\n"x\ny",1\n"p""\nq",2\nz,3\n'
    cut = csv_stream.boundary(text, 5)
    assert text[:cut] == b'a,b\n"x\ny",1\n'
    cut = csv_stream.boundary(text, 13)
    assert text[:cut] == b'a,b\n"x\ny",1\n"p""\nq",2\n'
    assert csv_stream.boundary(b"no newline", 1) is None


def test_a_bad_utf8_byte_in_a_late_piece_names_its_offset(cli, files, small_pieces):
    lines = ["pred,target"] + [f"{i}.5,1" for i in range(1000)]
    lines[900] = "\xff\xfe,2"
    data = ("\n".join(lines) + "\n").encode("latin-1")
    files.bytes("nu.csv", data)
    at = data.find(b"\xff")
    both_fail(cli, ["nu.csv", "-l", "mse"], 3, f"nu.csv is not UTF-8 text (byte {at}: invalid start byte).")


def test_an_unterminated_quote_in_a_late_piece(cli, files, small_pieces):
    lines = ["pred,target"] + [f"{i}.5,1" for i in range(1000)]
    lines[900] = '"1,2'
    files.text("uq.csv", "\n".join(lines) + "\n")
    both_fail(cli, ["uq.csv", "-l", "mse"], 3, "uq.csv: row 900 has 1 field, expected 2 as in the header.")


def test_losses_that_compare_rows_are_never_chunked(cli, files, monkeypatch):
    rng = np.random.default_rng(0)
    files.npy("zi.npy", rng.normal(size=(300, 8)))
    files.npy("zj.npy", rng.normal(size=(300, 8)))
    args = ["--input", "z_i=zi.npy", "--input", "z_j=zj.npy", "-l", "ntxent"]
    r = cli("eval", *args, "--chunk-rows", 50)
    assert (r.exit_code, r.stderr) == (2, "Error: --chunk-rows: ntxent gives a row a value that depends on other rows, so it needs all rows at once; drop --chunk-rows.\n")
    whole = run_json(cli, *args)
    monkeypatch.setattr(sizing, "AUTO_STREAM_BYTES", 0)  # large input: still read and evaluated whole
    monkeypatch.setattr(engine, "BLOCK_ELEMENTS", 16)
    assert run_json(cli, *args)["losses"] == whole["losses"]


def test_array_digests_come_from_their_own_reading_and_catch_a_changed_file(cli, files, monkeypatch):
    """An NPY or NPZ stream is hashed by a thread reading the file beside the reader: the digest
    is the file's digest, and a file changed while it was read is an error, not a digest of
    bytes that were not evaluated."""
    import hashlib
    import os

    monkeypatch.setattr(sizing, "AUTO_STREAM_BYTES", 0)
    rng = np.random.default_rng(2)
    files.npy("p.npy", rng.normal(size=5000))
    files.npy("y.npy", rng.normal(size=5000))
    np.savez(files.root / "a.npz", pred=rng.normal(size=5000), target=rng.normal(size=5000))
    report = run_json(cli, "p.npy", "y.npy", "-l", "mse", "--chunk-rows", "700")
    assert report["inputs"]["pred"]["blake3"] == blake3.blake3((files.root / "p.npy").read_bytes()).hexdigest()
    assert report["inputs"]["target"]["blake3"] == blake3.blake3((files.root / "y.npy").read_bytes()).hexdigest()
    report = run_json(cli, "a.npz:pred", "a.npz:target", "-l", "mse", "--chunk-rows", "700")
    assert report["inputs"]["pred"]["blake3"] == blake3.blake3((files.root / "a.npz").read_bytes()).hexdigest()
    digests = stream_files.FileDigests([str(files.root / "p.npy")], "blake3")
    os.utime(files.root / "p.npy", ns=(1, 1))  # the modification time changes under the reader
    with pytest.raises(InputError, match="p.npy changed while it was read"):
        digests.result()


def test_the_benchmarks_know_the_streaming_threshold():
    """benchmarks/_bench.py states the threshold without importing losscli (its process stays small)."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "_bench.py"
    spec = importlib.util.spec_from_file_location("_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.AUTO_STREAM_MB << 20 == sizing.AUTO_STREAM_BYTES


def test_stdin_and_compressed_inputs_are_always_streamed(files):
    # their size is unknown before they are read (a 10 KB gzip may hold gigabytes): the choice
    # cannot rest on the size on disk, so they are streamed whatever it is
    files.text("small.csv", "pred,target\n1,2\n")
    files.bytes("small.csv.gz", gzip.compress(b"pred,target\n1,2\n", mtime=0))
    assert not stream.should_stream(["small.csv"])
    assert stream.should_stream(["small.csv.gz"])
    assert stream.should_stream(["-"]) and stream.should_stream(["-:npy"]) and stream.should_stream(["small.csv", "-:tsv"])


def test_gaussian_nll_one_row_var_streamed_is_the_in_memory_value(cli, files):
    """var of shape (1, D) stands for every row (torch broadcasting): read in chunks, its one
    row goes with every chunk, from an NPY or a CSV, and gives the value of the whole read."""
    rng = np.random.default_rng(1)
    p, t, v = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), rng.uniform(0.5, 2, size=(1, 3))
    # torch's gaussian_nll_loss (full=False, eps=1e-6 below every var here), by numpy:
    # the mean over every element of (log var + (pred - target)^2 / var) / 2
    expected = float(np.mean(0.5 * (np.log(v) + (p - t) ** 2 / v)))
    files.npy("p.npy", p)
    files.npy("t.npy", t)
    files.npy("v.npy", v)
    files.csv("v.csv", ["a", "b", "c"], v[0])
    for var in ("v.npy", "v.csv:a,b,c"):
        for chunk in ((), ("--chunk-rows", "2"), ("--chunk-rows", "1")):
            r = cli("eval", "p.npy", "t.npy", "--input", f"var={var}", "-l", "gaussian_nll", "-b", *chunk)
            assert r.exit_code == 0 and float(r.stdout) == pytest.approx(expected, rel=1e-14), (var, chunk, r.stderr)
    files.csv("v2.csv", ["a", "b", "c"], v[0], v[0])  # two rows of five: not one row for every row
    r = cli("eval", "p.npy", "t.npy", "--input", "var=v2.csv:a,b,c", "-l", "gaussian_nll", "--chunk-rows", "2")
    assert (r.exit_code, r.stderr) == (3, "Error: Inputs have different numbers of rows: var (v2.csv columns 'a,b,c') has 2, pred (p.npy) has 5, "
                                          "target (t.npy) has 5; var may also have 1 row, shared by every row.\n")


# ---------------------------------------------------------------------------- pyarrow's reader

from losscli.readers.stream import csv_arrow  # noqa: E402


def float_table(files, name="f.csv", n=400, seed=7, cells=None, newline="\n"):
    """A pred,target CSV of float64 values written as repr; ``cells``: {row index: line}."""
    rng = np.random.default_rng(seed)
    rows = [f"{a!r},{b!r}" for a, b in zip(rng.normal(size=n).tolist(), (rng.normal(size=n) * 1e5).tolist())]
    for i, line in (cells or {}).items():
        rows[i] = line
    return files.text(name, newline.join(["pred,target", *rows]) + newline)


@pytest.fixture
def arrow_batches(monkeypatch):
    """The rows of each batch that pyarrow read and the stream accepted or refused (None)."""
    seen: list = []
    real = csv_arrow.values

    def spy(batch, positions):
        out = real(batch, positions)
        seen.append(None if out is None else batch.num_rows)
        return out

    monkeypatch.setattr(csv_arrow, "values", spy)
    return seen


def test_a_float_csv_streamed_through_pyarrow_gives_the_whole_file_report(cli, files, small_pieces, arrow_batches):
    path = float_table(files)
    args = [path, "-l", "mse", "-l", "mae", "-l", "huber"]
    whole = run_json(cli, *args, "--per-sample", "whole.csv")  # read whole by pandas (no streaming)
    assert arrow_batches == []
    streamed = run_json(cli, *args, "--chunk-rows", 7, "--per-sample", "streamed.csv")
    assert len(arrow_batches) > 10 and None not in arrow_batches  # every row after the first piece
    same_report(streamed, whole)
    assert streamed["inputs"] == whole["inputs"]
    # the digest is the file's own (BLAKE3 of its bytes), though pyarrow read them natively
    assert streamed["inputs"]["pred"]["blake3"] == blake3.blake3((files.root / path).read_bytes()).hexdigest()
    assert (files.root / "streamed.csv").read_bytes() == (files.root / "whole.csv").read_bytes()
    lines = (files.root / path).read_text().splitlines(keepends=True)
    files.text("g1.csv", "".join(lines[:150]))
    files.text("g2.csv", lines[0] + "".join(lines[150:]))
    same_report(run_json(cli, "g*.csv", "-l", "mse", "-l", "mae", "-l", "huber", "--chunk-rows", 5), whole)


# each: a row that pyarrow refuses or may read otherwise than pandas (words, -0, quotes, widths,
# an integer past float64, a blank line), at row 301 of 400: pandas reads on from that row
HANDED_OVER = ["-0,1.5", "NAN,1", "Infinity,1", "1e400,1", "0x1,1", '"1.5",2', '"1,5",2', "1.5,", "nan,1",
               "1,2,3", "", "oops,1", f"{'9' * 400},1", "1.5,2.5\r3.5,4.5"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("line", HANDED_OVER)
def test_pandas_reads_on_from_the_first_row_pyarrow_does_not_accept(cli, files, small_pieces, arrow_batches, line, newline):
    # expected: the whole-file read by pandas (values, errors with their rows, digests)
    path = float_table(files, cells={300: line}, newline=newline)
    args = ["eval", path, "-l", "mse", "-l", "mae", "--nan-policy", "omit", "-f", "json"]
    whole = cli(*args)
    streamed = cli(*args, "--chunk-rows", 7)
    assert sum(n or 0 for n in arrow_batches) >= 100  # pyarrow read rows before the hand-over
    assert (streamed.exit_code, streamed.stderr) == (whole.exit_code, whole.stderr)
    if whole.exit_code == 0:
        a, b = json.loads(streamed.stdout), json.loads(whole.stdout)
        same_report(a, b)
        assert a["inputs"] == b["inputs"]


def test_a_late_error_after_a_lone_carriage_return_names_its_row(cli, files, small_pieces):
    # row 201 holds two rows (a carriage return alone ends a row, for pandas as for pyarrow):
    # "oops" at line index 300 is data row 302
    path = float_table(files, cells={200: "1.5,2.5\r3.5,4.5", 300: "oops,1"})
    both_fail(cli, [path, "-l", "mse"], 3, f"Non-numeric value 'oops' in {path}, column 'pred' (pred), row 302.")


@pytest.mark.parametrize("step", [1, 2, 3, 1 << 20])
def test_record_end_counts_rows_ended_by_lf_crlf_or_a_lone_cr(files, monkeypatch, step):
    # rows: "a\n" (0-2), "bb\r\n" (2-6), "c\r" (6-8), "d" (8-9, no end): offsets by hand
    monkeypatch.setattr(csv_arrow, "STEP", step)  # steps of 1-3 bytes cut a CRLF
    with open(files.bytes("r.csv", b"a\nbb\r\nc\rd"), "rb") as fh:
        fd = fh.fileno()
        assert [csv_arrow.record_end(fd, 0, rows) for rows in range(5)] == [(0, 0), (2, 1), (6, 2), (8, 2), (9, 2)]
        assert csv_arrow.record_end(fd, 2, 2) == (8, 1)


def test_only_regular_files_of_float64_columns_selected_as_numbers_are_read_by_pyarrow(files, monkeypatch):
    take = [(stream.Column("role", "pred"), stream.Ref(None, "take", ([0], "pred")))]
    ids = [*take, (stream.Column("ids"), stream.Ref(None, "keys", 1))]
    with open(files.text("u.csv", "1\n"), "rb") as fh:
        fd = fh.fileno()
        assert csv_arrow.usable(["float64", "float64"], take, ",", fd)
        assert not csv_arrow.usable(["float64", "float64"], ids, ",", fd)  # ids are read as written: pandas
        assert not csv_arrow.usable(["float64", "int64"], take, ",", fd)  # pyarrow reads 0x1 in an int column
        assert not csv_arrow.usable(["float64", "str"], take, ",", fd)  # quotes in a text column
        assert not csv_arrow.usable(["float64"], take, r"\s+", fd)
        assert not csv_arrow.usable(["float64"], take, ",", None)  # stdin, a compressed file
        monkeypatch.setattr(csv_arrow.importlib.util, "find_spec", lambda name: None)
        assert not csv_arrow.usable(["float64", "float64"], take, ",", fd)  # pyarrow not installed: pandas
    read, write = os.pipe()
    try:
        assert not csv_arrow.usable(["float64"], take, ",", read)
    finally:
        os.close(read)
        os.close(write)
