"""The corpus of bad inputs (``tests/data/bad/``, written by ``make_bad.py``) through the CLI.

Each case asserts the exit code (2 usage, 3 could not evaluate), the exact one-line
``Error: ...`` on stderr, an empty stdout, that none of the requested outputs (``-o``,
``--report``, ``--per-sample``) nor a temporary file was left behind (``--report`` holds the error
report: ``status: "error"``, the exit code and the same line), and that nothing was ever
unpickled (the corpus pickles would create a directory named ``UNPICKLED``).

A few tricky-but-valid files (BOM + CRLF + quoted numbers, float16, big-endian) must work.
The expected numbers use the running example x = [0.5, -1, 2, 3], y = [0, 1, 2.5, 0]:
mse = mean([0.25, 4, 0.25, 9]) = 3.375 (hand-computed in test_cli_eval.py).
"""

from __future__ import annotations

import json
import pathlib
import shutil

import numpy as np
import pytest

BAD = pathlib.Path(__file__).parent / "data" / "bad"
OUTPUTS = ["-o", "out.json", "--report", "r.json", "--per-sample", "ps.csv"]

TRUNC = "is truncated or corrupt: its header declares shape"
PICKLE_MSG = "holds a pickled object array; losscli never unpickles."
NAN_HINT = "use --nan-policy omit to drop such rows or propagate to keep them."

# (id, argv after "eval", exit code, the message after "Error: ")
CASES = [
    # ---- NPY
    ("truncated_data", ["truncated_data.npy", "y.npy", "-l", "mse"], 3,
     f"truncated_data.npy {TRUNC} (4,) of float64 (32 bytes of data) but 27 bytes follow."),
    ("truncated_header", ["truncated_header.npy", "y.npy", "-l", "mse"], 3,
     "truncated_header.npy is not a valid NPY file: EOF: reading array header, expected 118 bytes got 20"),
    ("empty_npy", ["empty.npy", "y.npy", "-l", "mse"], 3, "empty.npy is empty."),
    ("object_npy", ["object.npy", "y.npy", "-l", "mse"], 3, f"object.npy {PICKLE_MSG}"),
    ("pickle_named_npy", ["pickle.npy", "y.npy", "-l", "mse"], 3,
     "pickle.npy is not a valid NPY file: it has no NPY/NPZ header (losscli never unpickles)."),
    ("pickle_read_as_npz", ["pickle.npy:npz", "y.npy", "-l", "mse"], 3,
     "pickle.npy is not a valid NPZ archive: it has no NPY/NPZ header (losscli never unpickles)."),
    ("complex_npy", ["complex.npy", "y.npy", "-l", "mse"], 3, "complex.npy has dtype complex128; expected integers or floats."),
    ("string_npy", ["str.npy", "y.npy", "-l", "mse"], 3, "str.npy has dtype <U3; expected integers or floats."),
    ("scalar_npy", ["scalar.npy", "y.npy", "-l", "mse"], 3,  # a scalar is one row (as torch), against 4
     "Inputs have different numbers of rows: pred (scalar.npy) has 1, target (y.npy) has 4."),
    ("huge_shape_npy", ["huge_shape.npy", "y.npy", "-l", "mse"], 3,
     f"huge_shape.npy {TRUNC} (1000000000000,) of float64 (8000000000000 bytes of data) but 32 bytes follow."),
    ("nan_npy", ["nan.npy", "y.npy", "-l", "mse"], 3, f"nan in pred (nan.npy) at row 2; {NAN_HINT}"),
    ("inf_npy", ["inf.npy", "y.npy", "-l", "mse"], 3, f"inf in pred (inf.npy) at row 3; {NAN_HINT}"),
    ("mismatched_lengths", ["x.npy", "y3.npy", "-l", "mse"], 3,
     "Inputs have different numbers of rows: pred (x.npy) has 4, target (y3.npy) has 3."),
    ("directory", ["dir.npy", "y.npy", "-l", "mse"], 3, "dir.npy is a directory, not a file."),
    ("directory_target", ["x.npy", "dir.npy", "-l", "mse"], 3, "dir.npy is a directory, not a file."),
    # ---- NPZ
    ("npz_missing_key", ["two_keys.npz:nope", "y.npy", "-l", "mse"], 3, "two_keys.npz has no array 'nope'; it holds: pred, target."),
    ("npz_missing_key_flag", ["two_keys.npz", "y.npy", "--pred-key", "nope", "-l", "mse"], 3,
     "two_keys.npz has no array 'nope'; it holds: pred, target."),
    ("npz_no_key", ["two_keys.npz", "y.npy", "-l", "mse"], 2,
     "two_keys.npz holds several arrays (pred, target); choose one with two_keys.npz:KEY or --pred-key/--target-key."),
    ("npz_zip_bomb_header", ["huge_header.npz", "y.npy", "-l", "mse"], 3,
     f"huge_header.npz:pred {TRUNC} (1000000000000,) of float64 (8000000000000 bytes of data) but 32 bytes follow."),
    ("npz_short_member", ["short_member.npz", "y.npy", "-l", "mse"], 3,
     f"short_member.npz:pred {TRUNC} (5,) of float64 (40 bytes of data) but 32 bytes follow."),
    ("npz_object_member", ["object.npz", "y.npy", "-l", "mse"], 3, f"object.npz:pred {PICKLE_MSG}"),
    ("npz_raw_member", ["raw_member.npz", "y.npy", "-l", "mse"], 3,
     "raw_member.npz:pred is not an NPY array (every member of an NPZ must be an .npy file)."),
    ("npy_read_as_npz", ["x.npy:npz", "y.npy", "-l", "mse"], 3, "x.npy is not an NPZ archive."),
    # ---- CSV / TXT
    ("ragged_long", ["ragged_long.csv", "-l", "mse"], 3, "ragged_long.csv: row 2 has 3 fields, expected 2 as in the header."),
    ("ragged_short", ["ragged_short.csv", "-l", "mse"], 3, "ragged_short.csv: row 2 has 1 field, expected 2 as in the header."),
    ("ragged_short_omit", ["ragged_short.csv", "-l", "mse", "--nan-policy", "omit"], 3,
     "ragged_short.csv: row 2 has 1 field, expected 2 as in the header."),
    ("ragged_all_long", ["ragged_all_long.csv", "-l", "mse"], 3,
     "ragged_all_long.csv: row 1 has 3 fields, expected 2 as in the header."),
    ("ragged_no_header", ["ragged_short.csv", "--no-header", "-p", "1", "-y", "2", "-l", "mse"], 3,
     "ragged_short.csv: row 3 has 1 field, expected 2 as in row 1."),
    ("ragged_short_txt", ["ragged_short.txt", "-l", "mse"], 3, "ragged_short.txt: row 2 has 1 field, expected 2 as in the header."),
    ("empty_csv", ["empty.csv", "-l", "mse"], 3, "empty.csv is empty."),
    ("header_only", ["header_only.csv", "-l", "mse"], 3, "header_only.csv has no data rows."),
    ("non_utf8", ["latin1.csv", "-l", "mse"], 3, "latin1.csv is not UTF-8 text (byte 38: invalid continuation byte)."),
    ("text_cell", ["text_cell.csv", "-l", "mse"], 3, "Non-numeric value 'one' in text_cell.csv, column 'target' (target), row 2."),
    # a value from the data is echoed cut to 80 characters (its length said), never whole
    ("long_cell", ["long_cell.csv", "-l", "mse"], 3,
     f"Non-numeric value '{'x' * 80}'... (10000 characters) in long_cell.csv, column 'target' (target), row 2."),
    ("long_group", ["long_group.csv", "-l", "mse", "-w", "w", "-g", "g"], 3,
     f"Mean of loss 'mse' in group '{'g' * 80}'... (10000 characters) is undefined: sample weights sum to 0."),
    ("huge_values", ["huge.csv", "-l", "mse"], 3,
     "Loss 'mse' is inf at row 1 (its reference is not finite there); use --nan-policy propagate to keep it."),
    ("overflowing_literal", ["overflow.csv", "-l", "mse"], 3, f"inf in pred (overflow.csv column 'pred') at row 1; {NAN_HINT}"),
    ("nan_csv", ["nan.csv", "-l", "mse"], 3, f"nan in pred (nan.csv column 'pred') at row 2; {NAN_HINT}"),
    ("inf_csv", ["inf.csv", "-l", "mse"], 3, f"inf in pred (inf.csv column 'pred') at row 3; {NAN_HINT}"),
    ("negative_weight", ["negative_weight.csv", "-w", "w", "-l", "mse"], 3,
     "Sample weights must be >= 0, got -2 in weight (negative_weight.csv column 'w') at row 2"),
    ("zero_weights", ["zero_weights.csv", "-w", "w", "-l", "mse"], 3, "Mean of loss 'mse' is undefined: sample weights sum to 0."),
    ("overflowing_weights", ["overflowing_weights.csv", "-w", "w", "-l", "mse"], 3,
     "Mean of loss 'mse' is undefined: the sample weights sum to inf (overflow); scale them down."),
    ("long_integer", ["long_integer.csv", "-l", "mse"], 3,
     "Integer of 309 digits in long_integer.csv, column 'target' (target), row 2: too large for a 64-bit float."),
    # ---- JSONL
    ("json_boolean", ["bool.jsonl", "-l", "mse"], 3, "Non-numeric value 'True' in bool.jsonl, column 'pred' (pred), row 2."),
    ("json_group_object", ["group_object.jsonl", "-l", "mse", "-g", "g"], 3,
     "Column 'g' of group_object.jsonl holds an object in row 2: id and group values must be strings or numbers."),
    ("json_group_list", ["group_list.jsonl", "-l", "mse", "-g", "g"], 3,
     "Column 'g' of group_list.jsonl holds a list in row 2: id and group values must be strings or numbers."),
    # ---- Parquet
    ("parquet_duplicate_columns", ["duplicate_columns.parquet", "-p", "1", "-y", "2", "-l", "mse"], 3,
     "duplicate_columns.parquet has 2 columns named 'a': column names must be distinct."),
    ("parquet_int64_with_null", ["int_null.parquet", "-l", "mse"], 3, f"nan in pred (int_null.parquet column 'pred') at row 2; {NAN_HINT}"),
    # ---- value domains of classification and box losses
    ("ce_label_high", ["ce_label_high.csv", "-l", "ce"], 3,
     "ce: target (ce_label_high.csv column 'label') must be integer class labels in [0, 3) or -100 (ignore_index), got 3 at row 2"),
    ("ce_label_negative", ["ce_label_negative.csv", "-l", "ce"], 3,
     "ce: target (ce_label_negative.csv column 'label') must be integer class labels in [0, 3) or -100 (ignore_index), got -1 at row 2"),
    ("ce_label_fraction", ["ce_label_fraction.csv", "-l", "ce"], 3,
     "ce: target (ce_label_fraction.csv column 'label') must be integer class labels in [0, 3) or -100 (ignore_index), got 1.5 at row 2"),
    ("ce_probs_high", ["ce_probs_high.csv", "-p", "p_*", "-y", "label", "-l", "ce:input=probs"], 3,
     "ce: logits (ce_probs_high.csv columns 'p_0,p_1,p_2') must be in [0, 1] (input=probs), got 1.2 at row 2"),
    ("bce_prob_high", ["bce_prob_high.csv", "-l", "bce"], 3,
     "bce: probs (bce_prob_high.csv column 'prob') must be in [0, 1] (bce takes probabilities; use bce_logits for logits), got 1.2 at row 2"),
    ("bce_prob_negative", ["bce_prob_negative.csv", "-l", "bce"], 3,
     "bce: probs (bce_prob_negative.csv column 'prob') must be in [0, 1] (bce takes probabilities; use bce_logits for logits), got -0.1 at row 3"),
    ("bce_label_two", ["bce_label_two.csv", "-l", "bce"], 3,
     "bce: target (bce_label_two.csv column 'label') must be in [0, 1], got 2 at row 2"),
    ("boxes_inverted", ["boxes_inverted.csv", "-p", "p_*", "-y", "t_*", "-l", "iou"], 3,
     "iou: pred (boxes_inverted.csv columns 'p_x1,p_y1,p_x2,...') boxes must have x2 >= x1 and y2 >= y1, got [3, 0, 1, 2] at row 2"),
]


@pytest.fixture
def corpus(files):
    """The corpus copied into the working directory (short names in messages); its listing."""
    for p in BAD.iterdir():
        if p.is_dir():
            shutil.copytree(p, files.root / p.name)
        elif p.suffix != ".py":
            shutil.copy(p, files.root / p.name)
    return files


def assert_fails(result, code: int, message: str, corpus, before: list[str]) -> None:
    """The one-line error, and no output left but the error report of ``--report r.json``."""
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", f"Error: {message}\n")
    assert corpus.listing() == sorted([*before, "r.json"]), "an output or temporary file was left behind"
    report = json.loads((corpus.root / "r.json").read_text())
    assert (report["status"], report["error"]) == ("error", {"exit_code": code, "message": message})
    (corpus.root / "r.json").unlink()


@pytest.mark.parametrize("args, code, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(cli, corpus, args, code, message):
    before = corpus.listing()
    assert_fails(cli("eval", *args, *OUTPUTS), code, message, corpus, before)
    assert "UNPICKLED" not in before


@pytest.mark.parametrize("args, code, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_streamed_gives_the_same_line(cli, corpus, args, code, message):
    # the streaming readers (--chunk-rows) must refuse each bad input exactly as a whole-file read
    from losscli.cli import app
    import typer.main

    if "--chunk-rows" not in {o for p in typer.main.get_command(app).commands["eval"].params for o in p.opts}:
        pytest.skip("no --chunk-rows in this version")
    before = corpus.listing()
    assert_fails(cli("eval", *args, "--chunk-rows", "1", *OUTPUTS), code, message, corpus, before)


def test_the_corpus_is_what_make_bad_writes():
    # the committed files are the script's output: regenerate with python tests/data/bad/make_bad.py
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_bad", BAD / "make_bad.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, content in module.corpus().items():
        path = BAD / name
        if content is None:
            assert path.is_dir(), name
        elif name.startswith("object.") or name.endswith(".parquet"):
            assert path.is_file(), name  # numpy's pickle of an object array names numpy modules, Parquet pyarrow's version: version-dependent bytes
        else:
            assert path.read_bytes() == content, f"{name} differs from make_bad.py's output"


@pytest.mark.parametrize(
    "args",
    [
        ["bom_crlf_quoted.csv"],  # a UTF-8 BOM, CRLF line ends, quoted header and numbers (" 3 " too)
        ["float16.npy", "y.npy"],  # float16 is read and computed in float64
        ["bigendian.npy", "y.npy"],
        ["two_keys.npz:pred", "two_keys.npz:target"],
        ["two_keys.npz", "two_keys.npz", "--pred-key", "pred", "--target-key", "target"],
    ],
    ids=["bom_crlf_quoted", "float16", "bigendian", "npz_keys", "npz_key_flags"],
)
def test_tricky_but_valid_inputs_work(cli, corpus, args):
    result = cli("eval", *args, "-l", "mse", "-b", "--report", "r.json", "--per-sample", "ps.csv")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "3.375\n", "")
    assert json.loads((corpus.root / "r.json").read_text())["losses"][0]["value"] == 3.375
    assert (corpus.root / "ps.csv").read_text() == "mse\n0.25\n4.0\n0.25\n9.0\n"


def test_huge_values_propagate_to_an_inf_report(cli, corpus):
    # 1e308 - (-1e308) overflows; under --nan-policy propagate the report says inf, never a number
    result = cli("eval", "huge.csv", "-l", "mse", "-f", "json", "--nan-policy", "propagate")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["losses"][0]["value"] == "inf"


@pytest.mark.parametrize("extra", [[], ["--ci", "analytic"], ["--ci", "bootstrap", "--n-boot", "20"]])
def test_one_huge_weight_is_fine(cli, corpus, extra):
    # Σw² overflows (1e308 squared) though Σw does not: found by the fuzz as an OverflowError (exit 4)
    # in the effective sample size; now the mean is exact and the se/CI are simply undefined
    result = cli("eval", "huge_weight.csv", "-w", "w", "-l", "mse", "-f", "json", *extra)
    assert (result.exit_code, result.stderr) == (0, "")
    entry = json.loads(result.stdout)["losses"][0]
    assert (entry["value"], entry["se"]) == (0.25, None)  # only row 3 has weight: (2 - 2.5)**2


def test_huge_npy_header_from_stdin_is_refused_before_allocating(cli, corpus):
    data = (corpus.root / "huge_shape.npy").read_bytes()
    before = corpus.listing()
    assert_fails(
        cli("eval", "-:npy", "y.npy", "-l", "mse", *OUTPUTS, input=data), 3,
        f"<stdin> {TRUNC} (1000000000000,) of float64 (8000000000000 bytes of data) but 32 bytes follow.", corpus, before,
    )


@pytest.mark.parametrize("suffix, compress", [("gz", "gzip"), ("bz2", "bz2"), ("xz", "lzma")])
def test_a_compressed_input_over_the_size_cap(cli, corpus, suffix, compress):
    import importlib

    path = corpus.root / f"bomb.csv.{suffix}"
    path.write_bytes(importlib.import_module(compress).compress(b"pred,target\n" + b"1,2\n" * 5000))  # 20 kB out
    before = corpus.listing()
    assert_fails(
        cli("eval", path.name, "-l", "mse", *OUTPUTS, env={"LOSSCLI_MAX_DECOMPRESSED_BYTES": "10000"}), 3,
        f"{path.name} decompresses to more than 10000 bytes (LOSSCLI_MAX_DECOMPRESSED_BYTES sets the limit).", corpus, before,
    )
    result = cli("eval", path.name, "-l", "mse", "-b", env={"LOSSCLI_MAX_DECOMPRESSED_BYTES": "20012"})  # exactly fits
    assert (result.exit_code, result.stdout) == (0, "1.0\n")


def test_a_small_gzip_bomb_stops_at_the_cap_while_streamed(cli, corpus):
    # bomb.csv.gz: 10 KB that unfold into 10 MB; compressed inputs are always streamed, and the
    # cap holds there too: decompression stops at 1 MB (the same line as a whole-file read)
    before = corpus.listing()
    env = {"LOSSCLI_MAX_DECOMPRESSED_BYTES": "1000000"}
    assert_fails(
        cli("eval", "bomb.csv.gz", "-l", "mse", *OUTPUTS, env=env), 3,
        "bomb.csv.gz decompresses to more than 1000000 bytes (LOSSCLI_MAX_DECOMPRESSED_BYTES sets the limit).", corpus, before,
    )


def test_a_compressed_input_read_whole_stops_at_the_cap(cli, corpus):
    # JSONL is read whole (not streamed): the same cap, the same line
    import gzip

    rows = b"".join(b'{"pred": 1, "target": 2}\n' for _ in range(1000))  # 25 kB out
    (corpus.root / "bomb.jsonl.gz").write_bytes(gzip.compress(rows, mtime=0))
    before = corpus.listing()
    assert_fails(
        cli("eval", "bomb.jsonl.gz", "-l", "mse", *OUTPUTS, env={"LOSSCLI_MAX_DECOMPRESSED_BYTES": "10000"}), 3,
        "bomb.jsonl.gz decompresses to more than 10000 bytes (LOSSCLI_MAX_DECOMPRESSED_BYTES sets the limit).", corpus, before,
    )
    assert cli("eval", "bomb.jsonl.gz", "-l", "mse", "-b").stdout == "1.0\n"  # (1 - 2)^2 under the default cap


def test_the_decompression_cap_is_a_fixed_4_gib_by_default(monkeypatch):
    from losscli.readers.arrays import max_member_bytes

    monkeypatch.delenv("LOSSCLI_MAX_DECOMPRESSED_BYTES", raising=False)
    assert max_member_bytes() == 4 * 2**30  # not the machine's memory
    monkeypatch.setenv("LOSSCLI_MAX_DECOMPRESSED_BYTES", "123")
    assert max_member_bytes() == 123


def test_decompressed_data_is_held_once():
    # a whole-file read of a compressed input holds its decompressed bytes once: the peak of
    # Python allocations stays well under twice their size (a second copy would reach 2x)
    import gzip
    import io
    import tracemalloc

    from losscli.readers.stream import decompressed

    size = 32 << 20  # large beside the fixed read buffers (1 MB each)
    raw = gzip.compress(bytes(size), mtime=0)
    tracemalloc.start()
    try:
        data = decompressed(io.BytesIO(raw), "gzip", "z.gz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(data) == size
    assert peak < 1.5 * size, f"peak {peak / size:.2f} x the data"


def test_a_header_wider_than_the_limit_is_refused_before_parsing(cli, corpus, monkeypatch):
    # wide_header.csv.gz: 100,001 columns (one over MAX_COLUMNS), streamed; the same file
    # plain and small (read whole), and on stdin; pandas is never asked to parse the header
    import gzip

    import losscli.readers.tabular as tabular

    text = gzip.decompress((corpus.root / "wide_header.csv.gz").read_bytes())
    (corpus.root / "wide.csv").write_bytes(text)
    (corpus.root / "wide.tsv").write_bytes(text.replace(b",", b"\t"))
    parsed = []
    monkeypatch.setattr(tabular.pd, "read_csv", lambda *a, **k: parsed.append(1))
    before = corpus.listing()
    for args, where in [(["wide_header.csv.gz"], "wide_header.csv.gz"), (["wide.csv"], "wide.csv"),
                        (["wide.tsv"], "wide.tsv"), (["wide.csv", "--no-header"], "wide.csv")]:
        assert_fails(cli("eval", *args, "-l", "mse", *OUTPUTS), 3, f"{where} has more than 100000 columns, the most losscli reads.", corpus, before)
    assert_fails(cli("eval", "-", "-l", "mse", *OUTPUTS, input=text), 3, "<stdin> has more than 100000 columns, the most losscli reads.", corpus, before)
    assert parsed == []


def test_the_width_limit_counts_fields_as_the_parser_does():
    from losscli.readers.tabular import first_line_fields

    assert first_line_fields(b"a,b,c\n1,2,3\n", ",", 10) == 3
    assert first_line_fields(b"\n\n" + b'a,"b,c",d\n', ",", 10) == 3  # blank lines skipped; a quoted comma is no separator
    assert first_line_fields(b"a  b\tc\n", r"\s+", 10) == 3
    assert first_line_fields(b"x," * 99_999 + b"x\n", ",", 100_000) == 100_000  # at the limit: read
    assert first_line_fields(b"x " * 300_000 + b"x", r"\s+", 100_000) > 100_000  # cut across 1 MB blocks, counted once


def test_the_width_check_never_reads_a_pipe_given_by_path(cli, files):
    # a named pipe (as <(cat file) gives) can be read once: the header check must leave it to the parser
    import os
    import threading

    os.mkfifo(files.root / "p.fifo")

    def feed():
        with open(files.root / "p.fifo", "w") as fh:
            fh.write("pred,target\n1,2\n3,3\n")

    writer = threading.Thread(target=feed)
    writer.start()
    result = cli("eval", "p.fifo:csv", "-l", "mse", "-b", "--no-hash")
    writer.join()
    assert (result.exit_code, result.stdout) == (0, "0.5\n")  # ((1-2)^2 + 0) / 2


def test_jsonl_and_parquet_wider_than_the_limit(cli, corpus, monkeypatch):
    # the limit, lowered to 2 columns here, applies to JSONL (after parsing) and Parquet (footer)
    import pyarrow as pa
    import pyarrow.parquet as pq

    import losscli.readers.columns as columns

    monkeypatch.setattr(columns, "MAX_COLUMNS", 2)
    pq.write_table(pa.table({"pred": [1.0], "target": [2.0], "w": [1.0]}), corpus.root / "wide.parquet")
    (corpus.root / "wide.jsonl").write_text('{"pred": 1, "target": 2, "w": 1}\n')
    before = corpus.listing()
    for name in ("wide.parquet", "wide.jsonl"):
        assert_fails(cli("eval", name, "-l", "mse", *OUTPUTS), 3, f"{name} has more than 2 columns, the most losscli reads.", corpus, before)


def test_npz_member_over_the_size_cap(cli, corpus):
    before = corpus.listing()
    env = {"LOSSCLI_MAX_DECOMPRESSED_BYTES": "1000"}
    assert_fails(
        cli("eval", "big_member.npz", "big_member.npz", "-l", "mse", *OUTPUTS, env=env), 3,
        "big_member.npz:pred holds 4096 bytes of data, over the limit of 1000 bytes for one NPZ member; "
        "set LOSSCLI_MAX_DECOMPRESSED_BYTES to raise it.", corpus, before,
    )
    result = cli("eval", "big_member.npz", "big_member.npz", "-l", "mse", "-b", env={"LOSSCLI_MAX_DECOMPRESSED_BYTES": "4096"})
    assert (result.exit_code, result.stdout) == (0, "0.0\n")
    assert_fails(
        cli("eval", "big_member.npz", "big_member.npz", "-l", "mse", *OUTPUTS, env={"LOSSCLI_MAX_DECOMPRESSED_BYTES": "lots"}), 2,
        "LOSSCLI_MAX_DECOMPRESSED_BYTES must be a positive whole number of bytes, got 'lots'.", corpus, before,
    )


def test_malicious_pickles_never_run(cli, corpus):
    # the pickles in the corpus would mkdir UNPICKLED when loaded: prove they are real pickles
    # (loading them in a scratch directory does create it), then that losscli never runs them
    import os
    import pickle

    for name in ("pickle.npy", "object.npy", "object.npz"):
        result = cli("eval", name, "y.npy", "-l", "mse")
        assert result.exit_code == 3 and "never unpickles" in result.stderr
    assert not (corpus.root / "UNPICKLED").exists()
    for name, load in (("pickle.npy", lambda p: pickle.loads(p.read_bytes())), ("object.npy", lambda p: np.load(p, allow_pickle=True))):
        scratch = corpus.root / f"scratch-{name}"
        scratch.mkdir()
        os.chdir(scratch)
        load(corpus.root / name)
        assert (scratch / "UNPICKLED").is_dir(), name
