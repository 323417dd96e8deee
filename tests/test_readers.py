"""Readers: files to arrays: formats, column selection, strict parsing,
corrupt inputs, stdin, globs and hashes."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickle
import sys

import blake3
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

import losscli
from losscli.errors import InputError, LossCliError, UsageError
from losscli.readers import load_inputs, parse_source
from losscli.readers.columns import select

from conftest import X, Y, fails

COLUMNS = ["id", "p0", "p1", "p2", "y", "logit_a", "logit_b"]


def _npy_bytes(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array))
    return buf.getvalue()


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


# ---------------------------------------------------------------------------- column selection


@pytest.mark.parametrize(
    "sel, positions",
    [
        ("p1", [2]),  # a name
        ("2", [1]),  # a 1-based index
        ("p0-p2", [1, 2, 3]),  # a range of names, inclusive
        ("2-4", [1, 2, 3]),  # a range of indices
        ("logit_*", [5, 6]),  # a glob, in header order
        ("y,p0", [4, 1]),  # a comma list, in selection order
        ("p0, p1 ,p0", [1, 2]),  # spaces ignored, no repeats
        ("p*,1", [1, 2, 3, 0]),  # items mixed
    ],
)
def test_select(sel, positions):
    assert select(COLUMNS, sel, "t.csv") == positions


def test_select_prefers_an_exact_name_over_a_range_or_index():
    assert select(["a-b", "a", "b"], "a-b", "t.csv") == [0]
    assert select(["x", "2"], "2", "t.csv") == [1]  # a name that is also its own index (a name at another index: ambiguous, tests/test_traps.py)


@pytest.mark.parametrize(
    "sel, message",
    [
        ("q", "Column 'q' not found in t.csv; columns: id, p0, p1, p2, y, logit_a, logit_b."),
        ("q*", "No column matches 'q*' in t.csv; columns: id, p0, p1, p2, y, logit_a, logit_b."),
        ("9", "Column index 9 is out of range in t.csv: it has 7 columns (1-based)."),
        ("0", "Column index 0 is out of range in t.csv: it has 7 columns (1-based)."),
        ("p0-q", "Column 'p0-q' not found in t.csv; columns: id, p0, p1, p2, y, logit_a, logit_b."),
    ],
)
def test_select_missing_column_is_an_input_error_listing_the_columns(sel, message):
    with pytest.raises(InputError) as e:
        select(COLUMNS, sel, "t.csv")
    assert str(e.value) == message


def test_select_lists_at_most_20_columns():
    columns = [f"c{i}" for i in range(25)]
    with pytest.raises(InputError) as e:
        select(columns, "nope", "t.csv")
    assert str(e.value) == "Column 'nope' not found in t.csv; columns: " + ", ".join(columns[:20]) + ", ... (25 in all)."


@pytest.mark.parametrize(
    "sel, message",
    [("p0,,p1", "Empty item in column selection 'p0,,p1'."), ("p2-p0", "Column range 'p2-p0' runs backwards in t.csv.")],
)
def test_select_malformed_is_a_usage_error(sel, message):
    with pytest.raises(UsageError) as e:
        select(COLUMNS, sel, "t.csv")
    assert str(e.value) == message


def test_selection_of_several_columns_gives_a_matrix(files):
    files.csv("w.csv", ["id", "p0", "p1", "p2", "y0", "y1", "y2"], ["a", 1, 2, 3.5, 0, 0, 1], ["b", 4, 5, 6, 1, 0, 0])
    out = load_inputs("w.csv", pred_col="p0-p2", target_col="5-7")
    np.testing.assert_array_equal(out.arrays["pred"], [[1, 2, 3.5], [4, 5, 6]])
    np.testing.assert_array_equal(out.arrays["target"], [[0, 0, 1], [1, 0, 0]])
    assert out.arrays["pred"].dtype == np.float64 and out.arrays["target"].dtype == np.int64
    assert out.info["pred"]["columns"] == ["p0", "p1", "p2"]
    assert out.info["target"]["columns"] == ["y0", "y1", "y2"]


def test_column_selection_on_a_2d_npy(files):
    files.npy("m.npy", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    files.npy("t.npy", [[9.0, 8.0], [7.0, 6.0]])
    out = load_inputs("m.npy", "t.npy", pred_col="2-3")
    np.testing.assert_array_equal(out.arrays["pred"], [[2.0, 3.0], [5.0, 6.0]])
    np.testing.assert_array_equal(load_inputs("m.npy", "t.npy", pred_col="1", target_col="2").arrays["target"], [8.0, 6.0])
    files.npy("v.npy", [1.0, 2.0])
    with pytest.raises(UsageError) as e:
        load_inputs("v.npy", "t.npy", pred_col="1")
    assert str(e.value) == "A column selection on v.npy needs a 2-D array, got shape (2,)."


# ---------------------------------------------------------------------------- auto-detection


@pytest.mark.parametrize(
    "header, pred, target",
    [
        (["prediction", "label"], "prediction", "label"),
        (["y_true", "y_pred"], "y_pred", "y_true"),  # recognised by name, whatever the order
        (["target", "pred"], "pred", "target"),
        (["u", "v"], "u", "v"),  # exactly two free columns: pred, target in that order
        (["pred", "z"], "pred", "z"),  # one recognised, one left over
        (["z", "y"], "z", "y"),
    ],
)
def test_auto_detection_of_pred_and_target(files, header, pred, target):
    files.csv("t.csv", header, [1, 2], [3, 4])
    out = load_inputs("t.csv")
    assert out.info["pred"]["columns"] == [pred]
    assert out.info["target"]["columns"] == [target]
    first = {header[0]: 1, header[1]: 2}
    assert out.arrays["pred"][0] == first[pred] and out.arrays["target"][0] == first[target]


def test_auto_detection_recognises_logit_columns_as_a_matrix(files):
    files.csv("t.csv", ["idx", "logit_0", "logit_1", "logit_2", "label"], [7, 0.1, 0.2, 0.3, 2], [8, 1, 2, 3, 0])
    out = load_inputs("t.csv")
    assert out.info["pred"]["columns"] == ["logit_0", "logit_1", "logit_2"]
    np.testing.assert_array_equal(out.arrays["pred"], [[0.1, 0.2, 0.3], [1, 2, 3]])
    np.testing.assert_array_equal(out.arrays["target"], [2, 0])


def test_weight_and_id_columns_are_not_free(files):
    files.csv("t.csv", ["w", "a", "name", "b"], [1, 0.5, "r1", 0], [2, -1, "r2", 1])
    out = load_inputs("t.csv", weight_col="w", id_col="name")
    assert out.info["pred"]["columns"] == ["a"] and out.info["target"]["columns"] == ["b"]
    np.testing.assert_array_equal(out.weights, [1.0, 2.0])
    assert out.ids.tolist() == ["r1", "r2"] and out.id_name == "name"


def test_ambiguous_columns_are_a_usage_error_naming_the_flags(files):
    files.csv("t.csv", ["a", "b", "c"], [1, 2, 3])
    with pytest.raises(UsageError) as e:
        load_inputs("t.csv")
    assert str(e.value) == "Cannot tell which columns of t.csv to use; columns: a, b, c. Pass -p/--pred-col and -y/--target-col."
    files.csv("u.csv", ["pred", "b", "c"], [1, 2, 3])
    with pytest.raises(UsageError) as e:
        load_inputs("u.csv")
    assert str(e.value) == "Cannot tell which columns of u.csv to use; columns: pred, b, c. Pass -y/--target-col."


def test_several_recognised_columns_are_a_usage_error(files):
    files.csv("t.csv", ["pred", "prediction", "target"], [1, 2, 3])
    with pytest.raises(UsageError) as e:
        load_inputs("t.csv")
    assert str(e.value) == "Several prediction columns in t.csv: 'pred' and 'prediction'. Pass -p/--pred-col to choose."
    files.csv("u.csv", ["pred", "y", "label"], [1, 2, 3])
    with pytest.raises(UsageError) as e:
        load_inputs("u.csv")
    assert str(e.value) == "Several target columns in u.csv: 'y' and 'label'. Pass -y/--target-col to choose."


def test_flags_resolve_an_ambiguous_table(files):
    files.csv("t.csv", ["a", "b", "c"], [1, 2, 3])
    out = load_inputs("t.csv", pred_col="c", target_col="1")
    assert (out.arrays["pred"][0], out.arrays["target"][0]) == (3, 1)
    out = load_inputs("t.csv", pred_col="b", weight_col="c")  # a and the selected b: target is the one left
    assert out.info["target"]["columns"] == ["a"]


def test_no_header_columns_are_1_based_indices(files):
    files.text("t.csv", "0.5,0\n-1,1\n")
    out = load_inputs("t.csv", header=False)
    np.testing.assert_array_equal(out.arrays["pred"], [0.5, -1.0])
    assert out.info["pred"]["columns"] == ["1"] and out.info["target"]["columns"] == ["2"]
    files.text("u.csv", "1,2,3\n4,5,6\n")
    out = load_inputs("u.csv", header=False, pred_col="3", target_col="1")
    np.testing.assert_array_equal(out.arrays["pred"], [3, 6])


# ---------------------------------------------------------------------------- two-file mode


def test_npy_and_npy(files):
    x, y = files.xy_npy()
    out = load_inputs(x, y)
    np.testing.assert_array_equal(out.arrays["pred"], X)
    np.testing.assert_array_equal(out.arrays["target"], Y)
    assert out.info["pred"] == {
        "path": "x.npy",
        "format": "npy",
        "blake3": blake3.blake3(open("x.npy", "rb").read()).hexdigest(),
        "shape": [4],
        "dtype": "float64",
    }
    assert out.sources == {"pred": "x.npy", "target": "y.npy"}


def test_csv_and_npy(files):
    files.csv("p.csv", ["id", "score"], ["a", 0.5], ["b", -1], ["c", 2], ["d", 3])
    files.npy("y.npy", Y)
    out = load_inputs("p.csv", "y.npy", pred_col="score")
    np.testing.assert_array_equal(out.arrays["pred"], X)
    np.testing.assert_array_equal(out.arrays["target"], Y)
    assert out.sources["pred"] == "p.csv column 'score'"
    # without -p: 'score' is a prediction name ('id' is id-like: never a role)
    np.testing.assert_array_equal(load_inputs("p.csv", "y.npy").arrays["pred"], X)
    files.csv("q.csv", ["id", "a", "b"], ["a", 0.5, 1], ["b", -1, 1], ["c", 2, 1], ["d", 3, 1])
    with pytest.raises(UsageError) as e:
        load_inputs("q.csv", "y.npy")
    assert str(e.value) == "Cannot tell which column of q.csv holds the pred; columns: id, a, b (id-like, never guessed: id). Pass -p/--pred-col."


def test_csv_and_csv(files):
    files.csv("p.csv", ["a", "b"], [9, 0.5], [9, -1])
    files.csv("t.csv", ["c", "d"], [0, 7], [1, 7])
    out = load_inputs("p.csv", "t.csv", pred_col="b", target_col="c")
    np.testing.assert_array_equal(out.arrays["pred"], [0.5, -1.0])
    np.testing.assert_array_equal(out.arrays["target"], [0, 1])
    files.csv("p1.csv", ["pred"], [1], [2])
    files.csv("t1.csv", ["whatever"], [3], [4])
    out = load_inputs("p1.csv", "t1.csv")  # one column each needs no flag
    np.testing.assert_array_equal(out.arrays["target"], [3, 4])


def test_an_array_pred_without_target_is_a_usage_error(files):
    files.npy("x.npy", X)
    with pytest.raises(UsageError) as e:
        load_inputs("x.npy")
    assert str(e.value) == "x.npy is an array; pass TARGET too (e.g. losscli eval x.npy target.npy -l mse)."


# ---------------------------------------------------------------------------- strict numeric parsing


def test_non_numeric_cell_names_file_column_and_row(files):
    files.text("t.csv", "pred,target\n0.5,0\n-1,1\n2,abc\n")
    with pytest.raises(InputError) as e:
        load_inputs("t.csv")
    assert str(e.value) == "Non-numeric value 'abc' in t.csv, column 'target' (target), row 3."


@pytest.mark.parametrize("cell", ["", "nan", "NaN"])
def test_empty_cell_and_nan_are_nan(files, cell):
    files.text("t.csv", f"pred,target\n1,{cell}\n2,3\n")
    out = load_inputs("t.csv")
    assert np.isnan(out.arrays["target"][0]) and out.arrays["target"][1] == 3


@pytest.mark.parametrize("cell", ["NA", "null", "N/A", "None", "NAN", "1,5", "True"])
def test_other_missing_markers_are_errors_not_nan(files, cell):
    files.text("t.csv", f'pred,target\n1,2\n3,"{cell}"\n')
    with pytest.raises(InputError) as e:
        load_inputs("t.csv")
    assert str(e.value) == f"Non-numeric value {cell!r} in t.csv, column 'target' (target), row 2."


def test_a_boolean_column_is_not_numeric(files):
    files.text("t.csv", "pred,target\nTrue,1\nFalse,0\n")
    with pytest.raises(InputError) as e:
        load_inputs("t.csv")
    assert str(e.value) == "Non-numeric value 'True' in t.csv, column 'pred' (pred), row 1."


def test_an_unselected_text_column_is_fine(files):
    files.text("t.csv", "name,pred,target\nx,1,2\ny,3,4\n")
    out = load_inputs("t.csv", pred_col="pred", target_col="target")
    np.testing.assert_array_equal(out.arrays["pred"], [1, 3])


@pytest.mark.parametrize(
    "name, content",
    [
        ("bom.csv", b"\xef\xbb\xbfpred,target\n0.5,0\n-1,1\n2,2.5\n3,0\n"),
        ("crlf.csv", b"pred,target\r\n0.5,0\r\n-1,1\r\n2,2.5\r\n3,0\r\n"),
        ("quoted.csv", b'"pred","target"\n"0.5","0"\n"-1",1\n2,"2.5"\n" 3 ",0\n'),
        ("t.tsv", b"pred\ttarget\n0.5\t0\n-1\t1\n2\t2.5\n3\t0\n"),
        ("t.txt", b"pred   target\n0.5 0\n  -1\t1\n2    2.5\n3 0\n"),
        ("exp.csv", b"pred,target\n5e-1,0.0\n-1.0,1e0\n2,25E-1\n+3,-0\n"),
    ],
)
def test_text_variants(files, name, content):
    files.bytes(name, content)
    out = load_inputs(name)
    np.testing.assert_array_equal(out.arrays["pred"], X)
    np.testing.assert_array_equal(out.arrays["target"], Y)
    assert out.info["pred"]["columns"] == ["pred"]


def test_delimiter_flag(files):
    files.text("t.csv", "pred;target\n0.5;0\n-1;1\n")
    np.testing.assert_array_equal(load_inputs("t.csv", delimiter=";").arrays["pred"], [0.5, -1.0])


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", "empty.csv is empty."),
        ("blank.csv", b"\n\n", "blank.csv is empty."),
        ("hdr.csv", b"pred,target\n", "hdr.csv has no data rows."),
        ("ragged.csv", b"pred,target\n1,2\n3,4,5\n", "ragged.csv: row 2 has 3 fields, expected 2 as in the header."),
        ("latin.csv", b"pred,target\n1,\xe9\n", "latin.csv is not UTF-8 text (byte 14: invalid continuation byte)."),
    ],
)
def test_bad_tables(files, name, content, message):
    files.bytes(name, content)
    with pytest.raises(InputError) as e:
        load_inputs(name)
    assert str(e.value) == message


# ---------------------------------------------------------------------------- compression, format override


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_compressed_csv_and_npy(files, suffix, compress):
    raw = compress(b"pred,target\n0.5,0\n-1,1\n2,2.5\n3,0\n")
    files.bytes("t.csv" + suffix, raw)
    out = load_inputs("t.csv" + suffix)
    np.testing.assert_array_equal(out.arrays["pred"], X)
    assert out.info["pred"]["blake3"] == blake3.blake3(raw).hexdigest()  # of the file's bytes, as stored
    assert out.info["pred"]["format"] == "csv"
    files.bytes("x.npy" + suffix, compress(_npy_bytes(X)))
    files.npy("y.npy", Y)
    out = load_inputs("x.npy" + suffix, "y.npy")
    np.testing.assert_array_equal(out.arrays["pred"], X)
    assert out.info["pred"]["format"] == "npy"


def test_corrupt_compressed_data(files):
    files.bytes("t.csv.gz", b"plain text")
    with pytest.raises(InputError) as e:
        load_inputs("t.csv.gz")
    assert str(e.value) == "t.csv.gz is not valid gzip data: Not a gzipped file (b'pl')"


def test_path_format_override(files):
    files.bytes("dump.bin", _npy_bytes(X))
    files.npy("y.npy", Y)
    out = load_inputs("dump.bin:npy", "y.npy")
    np.testing.assert_array_equal(out.arrays["pred"], X)
    assert out.info["pred"]["path"] == "dump.bin" and out.info["pred"]["format"] == "npy"
    files.text("table.dat", "pred target\n1 2\n")
    out = load_inputs("table.dat:txt")
    assert out.arrays["target"][0] == 2


def test_unknown_suffix_is_a_usage_error(files):
    files.bytes("dump.bin", b"x")
    with pytest.raises(UsageError) as e:
        parse_source("dump.bin")
    assert str(e.value) == (
        "Cannot tell the format of 'dump.bin' from its suffix (.csv, .tsv, .txt, .npy, .npz, .parquet, .jsonl); "
        "add ':FORMAT', e.g. dump.bin:csv."
    )


# ---------------------------------------------------------------------------- NPY / NPZ


def test_npz_key_selection(files):
    np.savez("a.npz", pred=np.array(X), other=np.zeros(4))
    files.npy("y.npy", Y)
    np.testing.assert_array_equal(load_inputs("a.npz:pred", "y.npy").arrays["pred"], X)
    out = load_inputs("a.npz", "y.npy", pred_key="pred")
    np.testing.assert_array_equal(out.arrays["pred"], X)
    assert out.info["pred"]["key"] == "pred"
    np.savez("one.npz", whatever=np.array(Y))
    np.testing.assert_array_equal(load_inputs("a.npz:pred", "one.npz").arrays["target"], Y)  # one array: no key needed
    np.testing.assert_array_equal(load_inputs("one.npz", "a.npz", target_key="other").arrays["target"], np.zeros(4))


def test_npz_key_in_the_path_and_a_different_key_flag_is_a_usage_error(files):
    np.savez("a.npz", pred=np.array(X), other=np.zeros(4))
    files.npy("y.npy", Y)
    with pytest.raises(UsageError) as e:
        load_inputs("a.npz:pred", "y.npy", pred_key="other")
    assert str(e.value) == "a.npz:pred names the NPZ key 'pred' but --pred-key/--target-key says 'other'; give one."
    np.testing.assert_array_equal(load_inputs("a.npz:pred", "y.npy", pred_key="pred").arrays["pred"], X)  # agreeing is fine


def test_npz_with_several_arrays_and_no_key_is_a_usage_error(files):
    np.savez("a.npz", pred=np.array(X), other=np.zeros(4))
    files.npy("y.npy", Y)
    with pytest.raises(UsageError) as e:
        load_inputs("a.npz", "y.npy")
    assert str(e.value) == "a.npz holds several arrays (pred, other); choose one with a.npz:KEY or --pred-key/--target-key."


def test_npz_missing_key_is_an_input_error(files):
    np.savez("a.npz", pred=np.array(X))
    files.npy("y.npy", Y)
    with pytest.raises(InputError) as e:
        load_inputs("a.npz:nope", "y.npy")
    assert str(e.value) == "a.npz has no array 'nope'; it holds: pred."


@pytest.mark.parametrize("via", ["file", "gzip", "stdin"])
def test_object_npy_is_refused_and_never_unpickled(files, monkeypatch, via):
    calls = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: calls.append(a))
    buf = io.BytesIO()
    np.save(buf, np.array([1.0, "a", None], dtype=object), allow_pickle=True)
    files.npy("y.npy", [1.0, 2.0, 3.0])
    if via == "file":
        name, where = files.bytes("obj.npy", buf.getvalue()), "obj.npy"
    elif via == "gzip":
        name, where = files.bytes("obj.npy.gz", gzip.compress(buf.getvalue())), "obj.npy.gz"
    else:
        _stdin(monkeypatch, buf.getvalue())
        name, where = "-:npy", "<stdin>"
    with pytest.raises(InputError) as e:
        load_inputs(name, "y.npy")
    assert str(e.value) == f"{where} holds a pickled object array; losscli never unpickles."
    assert calls == []


def test_object_array_in_npz_is_refused(files):
    np.savez("a.npz", pred=np.array([1, None], dtype=object))
    files.npy("y.npy", [1.0, 2.0])
    with pytest.raises(InputError) as e:
        load_inputs("a.npz", "y.npy")
    assert str(e.value) == "a.npz:pred holds a pickled object array; losscli never unpickles."


def test_a_pickle_named_npy_is_not_unpickled(files):
    files.bytes("p.npy", pickle.dumps([1.0, 2.0]))
    files.bytes("p.npz", pickle.dumps([1.0, 2.0]))
    files.npy("y.npy", [1.0, 2.0])
    with pytest.raises(InputError) as e:
        load_inputs("p.npy", "y.npy")
    assert str(e.value) == "p.npy is not a valid NPY file: it has no NPY/NPZ header (losscli never unpickles)."
    with pytest.raises(InputError) as e:
        load_inputs("p.npz", "y.npy")
    assert str(e.value) == "p.npz is not a valid NPZ archive: it has no NPY/NPZ header (losscli never unpickles)."


def test_npy_scalar_is_one_row(cli, files):
    # torch.nn.functional.mse_loss(tensor(3.), tensor(1.)) = (3 - 1)² = 4: a scalar is one sample
    files.npy("p.npy", np.float64(3.0))
    files.npy("t.npy", np.float64(1.0))
    r = cli("eval", "p.npy", "t.npy", "-l", "mse", "-b")
    assert (r.exit_code, r.stdout) == (0, "4.0\n"), r.stderr


UNBATCHED = np.array([1.0, 1.5, 0.8])  # one sample's logits over 3 classes; its class is 1


def test_unbatched_sample_with_a_0d_class_label_is_one_row_of_c_classes(cli, files):
    # torch's unbatched input: cross_entropy(logits (C,), target ()) is one sample of C classes.
    # Expected values by numpy, not by losscli: -log_softmax(x)[1], and multi_margin's
    # sum over i != 1 of max(0, 1 - x[1] + x[i]) / C = (0.5 + 0.3) / 3; nll reads x as log-probs: -x[1]
    x = UNBATCHED
    ce = -(x[1] - np.log(np.exp(x).sum()))
    mm = sum(max(0.0, 1 - x[1] + x[i]) for i in (0, 2)) / 3
    files.npy("p.npy", x)
    files.npy("t.npy", np.int64(1))
    for spec, expected in (("ce", ce), ("nll", -x[1]), ("multi_margin", mm)):
        r = cli("eval", "p.npy", "t.npy", "-l", spec, "-b")
        assert r.exit_code == 0 and float(r.stdout) == pytest.approx(expected, rel=1e-15), (spec, r.stderr)
    assert losscli.evaluate(x, np.array(1), ["ce"]).losses[0].value == pytest.approx(ce, rel=1e-15)
    assert cli("eval", "p.npy", "t.npy", "-l", "mse", "-b").exit_code == 3  # an elementwise loss: no class axis to infer


def test_unbatched_sample_with_a_one_row_label_says_what_to_pass(cli, files):
    # a (C,) row with a (1,) label is 3 rows of one score or one row of 3: never guessed
    files.npy("p.npy", UNBATCHED)
    files.npy("t.npy", np.array([1]))
    msg = ("pred (p.npy) has 3 values and target (t.npy) 1 class label: for one sample of 3 classes "
           "pass pred of shape (1, 3) (or a 0-d label); for 3 samples, 3 labels.")
    fails(cli("eval", "p.npy", "t.npy", "-l", "ce"), 3, msg)
    fails(cli("eval", "p.npy", "t.npy", "-l", "ce", "--chunk-rows", "1"), 3, msg)
    files.npy("t.npy", np.int64(1))
    fails(cli("eval", "p.npy", "t.npy", "-l", "ce", "--chunk-rows", "1"), 3,
          "target (t.npy) is one class label (0-d) but pred (p.npy) is read in chunks: for one sample of 3 classes "
          "pass pred of shape (1, 3).")


@pytest.mark.parametrize(
    "array, message",
    [
        (np.array([1 + 2j, 3j]), "bad.npy has dtype complex128; expected integers or floats."),
        (np.array(["a", "b"]), "bad.npy has dtype <U1; expected integers or floats."),
        (np.array([b"a", b"b"]), "bad.npy has dtype |S1; expected integers or floats."),
        (np.array(["2024-01-01"], dtype="datetime64[D]"), "bad.npy has dtype datetime64[D]; expected integers or floats."),
    ],
)
def test_npy_dtype_and_rank_checks(files, array, message):
    files.npy("bad.npy", array)
    files.npy("y.npy", [1.0, 2.0])
    with pytest.raises(InputError) as e:
        load_inputs("bad.npy", "y.npy")
    assert str(e.value) == message


def test_integer_bool_and_float32_npy_are_accepted(files):
    files.npy("i.npy", np.array([1, 2], dtype=np.int32))
    files.npy("b.npy", np.array([True, False]))
    files.npy("f.npy", np.array([0.5, 1.5], dtype=np.float32))
    out = load_inputs("f.npy", "i.npy")
    assert out.info["pred"]["dtype"] == "float32" and out.info["target"]["dtype"] == "int32"
    assert load_inputs("f.npy", "b.npy").arrays["target"].dtype == np.bool_


@pytest.mark.parametrize(
    "content, message",
    [
        (_npy_bytes(X)[:-5], "t.npy is truncated or corrupt: its header declares shape (4,) of float64 (32 bytes of data) but 27 bytes follow."),  # data cut
        (_npy_bytes(X)[:30], "t.npy is not a valid NPY file: EOF: reading array header, expected 118 bytes got 20"),  # header cut
        (_npy_bytes(X)[:4], "t.npy is not a valid NPY file: it has no NPY/NPZ header (losscli never unpickles)."),
        (b"", "t.npy is empty."),
        (b"pred,target\n1,2\n", "t.npy is not a valid NPY file: it has no NPY/NPZ header (losscli never unpickles)."),
    ],
)
def test_truncated_and_foreign_npy(files, content, message):
    files.bytes("t.npy", content)
    files.npy("y.npy", Y)
    with pytest.raises(InputError) as e:
        load_inputs("t.npy", "y.npy")
    assert str(e.value) == message


def test_truncated_npy_from_bytes(files):
    files.bytes("t.npy.gz", gzip.compress(_npy_bytes(X)[:-4]))
    files.npy("y.npy", Y)
    with pytest.raises(InputError) as e:
        load_inputs("t.npy.gz", "y.npy")
    assert str(e.value) == "t.npy.gz is truncated or corrupt: its header declares shape (4,) of float64 (32 bytes of data) but 28 bytes follow."


def test_an_npz_named_npy(files):
    np.savez("a.npz", p=np.array(X))
    files.bytes("a.npy", open("a.npz", "rb").read())
    files.npy("y.npy", Y)
    with pytest.raises(InputError) as e:
        load_inputs("a.npy", "y.npy")
    assert str(e.value) == "a.npy is an NPZ archive; name it .npz or add ':npz'."


# ---------------------------------------------------------------------------- paths, globs, stdin, hashes


def test_missing_file_and_directory(files):
    files.npy("y.npy", Y)
    (files.root / "d.csv").mkdir()
    (files.root / "plain").mkdir()
    for path, message in [
        ("nope.csv", "File not found: nope.csv"),
        ("nope", "File not found: nope"),
        ("d.csv", "d.csv is a directory, not a file."),
        ("plain", "plain is a directory, not a file."),
        ("none*.csv", "No file matches none*.csv"),
    ]:
        with pytest.raises(InputError) as e:
            load_inputs(path, "y.npy")
        assert str(e.value) == message


def test_glob_of_shards_is_read_in_sorted_order_as_one_input(files):
    files.csv("s2.csv", ["pred", "target"], [2, 2.5], [3, 0])  # written first, read second
    files.csv("s1.csv", ["pred", "target"], [0.5, 0], [-1, 1])
    out = load_inputs("s*.csv")
    np.testing.assert_array_equal(out.arrays["pred"], X)
    np.testing.assert_array_equal(out.arrays["target"], Y)
    assert out.info["pred"]["files"] == 2
    digests = [blake3.blake3(open(n, "rb").read()).hexdigest() for n in ("s1.csv", "s2.csv")]
    assert out.info["pred"]["blake3"] == blake3.blake3("".join(digests).encode()).hexdigest()


def test_numbered_shards_are_read_in_numeric_order(files):
    for i in (10, 2, 1):  # plain string order would read part-10 before part-2
        files.npy(f"part-{i}.npy", [float(i)])
    assert load_inputs("part-*.npy", "part-*.npy").arrays["pred"].tolist() == [1.0, 2.0, 10.0]


def test_glob_of_npy_shards(files):
    files.npy("p_b.npy", X[2:])
    files.npy("p_a.npy", X[:2])
    files.npy("y.npy", Y)
    np.testing.assert_array_equal(load_inputs("p_*.npy", "y.npy").arrays["pred"], X)
    files.npy("q_a.npy", [[1.0, 2.0]])
    files.npy("q_b.npy", [1.0])
    with pytest.raises(InputError) as e:
        load_inputs("q_*.npy", "y.npy")
    assert str(e.value) == "The files of q_*.npy have different shapes: [(), (2,)]."


def test_shards_with_different_columns(files):
    files.csv("s1.csv", ["pred", "target"], [1, 2])
    files.csv("s2.csv", ["target", "pred"], [1, 2])
    with pytest.raises(InputError) as e:
        load_inputs("s*.csv")
    assert str(e.value) == "s2.csv has columns ['target', 'pred'], but s1.csv has ['pred', 'target']."


def test_stdin_csv(files, monkeypatch):
    data = b"pred,target\n0.5,0\n-1,1\n2,2.5\n3,0\n"
    _stdin(monkeypatch, data)
    out = load_inputs("-")
    np.testing.assert_array_equal(out.arrays["pred"], X)
    assert out.info["pred"]["path"] == "<stdin>" and out.info["pred"]["format"] == "csv"
    assert out.info["pred"]["blake3"] == blake3.blake3(data).hexdigest()
    assert out.sources["target"] == "<stdin> column 'target'"


def test_stdin_npy(files, monkeypatch):
    _stdin(monkeypatch, _npy_bytes(X))
    files.npy("y.npy", Y)
    out = load_inputs("-:npy", "y.npy")
    np.testing.assert_array_equal(out.arrays["pred"], X)
    assert out.info["pred"]["format"] == "npy" and out.info["pred"]["blake3"] == blake3.blake3(_npy_bytes(X)).hexdigest()


def test_empty_stdin(files, monkeypatch):
    _stdin(monkeypatch, b"")
    with pytest.raises(InputError) as e:
        load_inputs("-")
    assert str(e.value) == "<stdin> is empty."


def test_stdin_at_most_once(files):
    with pytest.raises(UsageError) as e:
        load_inputs("-", "-")
    assert str(e.value) == "Only one of PRED and TARGET can be '-' (stdin)."
    with pytest.raises(UsageError) as e:
        load_inputs("-", "-:npy")
    assert str(e.value) == "Only one input can be '-' (stdin)."


def test_blake3_equals_blake3_of_the_file_bytes(files):
    name = files.xy_csv()
    x, _ = files.xy_npy()
    out = load_inputs(name)
    expected = blake3.blake3((files.root / name).read_bytes()).hexdigest()
    assert out.info["pred"]["blake3"] == out.info["target"]["blake3"] == expected
    assert load_inputs(x, "y.npy").info["pred"]["blake3"] == blake3.blake3((files.root / x).read_bytes()).hexdigest()
    assert "blake3" not in load_inputs(name, hash_inputs=False).info["pred"]
    assert "blake3" not in load_inputs(name, hash_inputs="none").info["pred"]


def test_hash_sha256_is_hashlib_of_the_file_bytes_and_of_a_glob(files):
    import hashlib

    name = files.xy_csv()
    x, _ = files.xy_npy()
    out = load_inputs(name, hash_inputs="sha256")
    assert out.info["pred"] == {"path": name, "format": "csv", "sha256": hashlib.sha256((files.root / name).read_bytes()).hexdigest(), "columns": ["pred"]}
    assert load_inputs(x, "y.npy", hash_inputs="sha256").info["pred"]["sha256"] == hashlib.sha256((files.root / x).read_bytes()).hexdigest()
    files.csv("s1.csv", ["pred", "target"], [0.5, 0])
    files.csv("s2.csv", ["pred", "target"], [2, 2.5])
    digests = [hashlib.sha256(open(n, "rb").read()).hexdigest() for n in ("s1.csv", "s2.csv")]
    assert load_inputs("s*.csv", hash_inputs="sha256").info["pred"]["sha256"] == hashlib.sha256("".join(digests).encode()).hexdigest()


# ---------------------------------------------------------------------------- property tests


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_floats_round_trip_through_csv(files, values):
    files.text("r.csv", "pred,target\n" + "".join(f"{v!r},{-v!r}\n" for v in values))
    out = load_inputs("r.csv")
    np.testing.assert_array_equal(out.arrays["pred"], values)
    np.testing.assert_array_equal(out.arrays["target"], [-v for v in values])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_floats_round_trip_through_jsonl(files, values):
    files.text("r.jsonl", "".join(f'{{"pred": {v!r}, "target": {-v!r}}}\n' for v in values))
    out = load_inputs("r.jsonl")
    np.testing.assert_array_equal(out.arrays["pred"], values)
    np.testing.assert_array_equal(out.arrays["target"], [-v for v in values])


def test_jsonl_values_are_read_exactly(files):
    """pandas.read_json's default float parser misread 128,637 of 600,000 17-digit values here
    (by an ulp or more): the reader asks for precise_float."""
    values = np.random.default_rng(3).normal(size=2000)
    files.text("p.jsonl", "".join(f'{{"pred": {v!r}, "target": 0.0}}\n' for v in values.tolist()))
    np.testing.assert_array_equal(load_inputs("p.jsonl").arrays["pred"], values)
    # a subnormal number: pandas' precise parser refuses it ("Range error"), Python's json reads it
    tiny = [1.1125369292536007e-308, 5e-324, 0.1, 3.0]
    text = "".join(f'{{"pred": {v!r}, "target": 1}}\n' for v in tiny)
    files.text("s.jsonl", text)
    files.bytes("s.jsonl.gz", gzip.compress(text.encode()))
    for name in ("s.jsonl", "s.jsonl.gz"):
        out = load_inputs(name)
        np.testing.assert_array_equal(out.arrays["pred"], tiny)
        np.testing.assert_array_equal(out.arrays["target"], [1, 1, 1, 1])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.builds(lambda n, b: _npy_bytes(np.arange(4.0))[:n] + b, st.integers(0, 160), st.binary(max_size=40)),
        st.text(alphabet='pred,target\n"0123456789.-eE ;\tnaNA\r', max_size=80).map(str.encode),
    ),
    fmt=st.sampled_from(["csv", "tsv", "txt", "npy", "npz"]),
)
@example(data=b"\x93NUMPY\x01\x00\x06\x00\x00\x00\x00" + b"'" * 3, fmt="npy")  # found: tokenize error in the header
@example(data=b"\x93NUMPY\x01\x00\x13\x00" + b"\x00" * 16 + b"{", fmt="npy")  # found: null bytes in the header
@example(data=b"\x93NUMPY\x01\x00\x06\x00\x00\x00\x00" + b"'" * 3, fmt="npz")  # found: the same read as NPZ
@example(data=b"PK\x03\x04", fmt="npy")  # found: a truncated zip read as NPY
def test_arbitrary_bytes_give_a_losscli_error_or_arrays(files, data, fmt):
    # Fuzzing the readers: any content either loads or raises a LossCliError (exit 2/3), never
    # another exception (which the CLI would report as an internal error, exit 4).
    files.bytes("f.bin", data)
    files.npy("y.npy", np.arange(4.0))
    try:
        out = load_inputs(f"f.bin:{fmt}", "y.npy" if fmt in ("npy", "npz") else None)
    except LossCliError:
        return
    assert isinstance(out.arrays["pred"], np.ndarray)
