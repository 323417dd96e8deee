"""``losscli inspect``: shapes, dtypes, columns, NaN/inf counts, ranges, guessed roles; exit 3
when unusable (the description still on stdout, one Error line on stderr)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from test_traps import ROWS, header_note, table_text


def doc(result, code: int = 0, stderr: str = "") -> dict:
    assert (result.exit_code, result.stderr) == (code, stderr), result.stderr
    return json.loads(result.stdout)


def test_table_columns_counts_and_roles(cli, files):
    files.text("t.csv", "id,pred,target,w\na,0.5,0,1\nb,nan,1,2\nc,inf,2,1\n")
    d = doc(cli("inspect", "t.csv", "-f", "json"))
    assert d == {
        "schema": "losscli.inspect/1",
        "files": [
            {
                "path": "t.csv",
                "format": "csv",
                "rows": 3,
                "columns": [
                    {"name": "id", "dtype": d["files"][0]["columns"][0]["dtype"], "numeric": False,
                     "note": "Non-numeric value 'a' in t.csv, column 'id' (id), row 1.", "role": "id"},
                    {"name": "pred", "dtype": "float64", "numeric": True, "nan": 1, "inf": 1, "min": 0.5, "max": 0.5, "role": "pred"},
                    {"name": "target", "dtype": "int64", "numeric": True, "nan": 0, "inf": 0, "min": 0, "max": 2, "role": "target"},
                    {"name": "w", "dtype": "int64", "numeric": True, "nan": 0, "inf": 0, "min": 1, "max": 2, "role": "weight"},
                ],
                "guess": "pred: pred; target: target; weight: w; id: id",
                "problems": [],
            }
        ],
        "problems": [],
    }


def test_two_free_columns_are_pred_then_target(cli, files):
    files.csv("t.csv", ["a", "b"], (1, 2), (3, 4))
    d = doc(cli("inspect", "t.csv", "-f", "json"))
    assert [c["role"] for c in d["files"][0]["columns"]] == ["pred", "target"]


def test_ambiguous_table_names_what_to_pass(cli, files):
    files.csv("b.csv", ["p_x1", "p_y1", "t_x1", "t_y1", "label"], (0, 0, 1, 1, 0))
    d = doc(cli("inspect", "b.csv", "-f", "json"))
    assert d["files"][0]["guess"] == "target: label; ambiguous: pass -p/--pred-col; column groups: p_* (2), t_* (2)"


def test_arrays_and_kinds(cli, files):
    files.npy("labels.npy", np.array([0, 2, 1, 2]))
    files.npy("logits.npy", np.array([[1.0, -2.0, 0.5]] * 4))
    files.npy("probs.npy", np.array([[0.2, 0.8]] * 4))
    files.npy("masks.npy", np.zeros((4, 3, 3)))
    files.npy("pm.npy", np.array([1, -1, 1, -1]))
    d = doc(cli("inspect", "labels.npy", "logits.npy", "probs.npy", "masks.npy", "pm.npy", "-f", "json"))
    assert [(f["shape"], f["dtype"], f["kind"]) for f in d["files"]] == [
        ([4], "int64", "labels (N,)"),
        ([4, 3], "float64", "logits or values (N, C)"),
        ([4, 2], "float64", "probs (N, C)"),
        ([4, 3, 3], "float64", "masks (N, ..., ...)"),
        ([4], "int64", "binary ±1 (N,)"),
    ]
    assert d["files"][1] | {} == {"path": "logits.npy", "format": "npy", "shape": [4, 3], "dtype": "float64", "rows": 4,
                                 "nan": 0, "inf": 0, "min": -2.0, "max": 1.0, "kind": "logits or values (N, C)", "problems": []}


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x93NUMPY\x01\x00\x06\x00\x00\x00\x00" + b"'" * 3, "Error: e.npz is not an NPZ archive.\n"),  # was exit 4
        (b"", "Error: e.npz is empty.\n"),
    ],
)
def test_a_corrupt_npz_is_exit_3_as_in_eval(cli, files, content, message):
    (files.root / "e.npz").write_bytes(content)
    for command in ("inspect", "eval"):
        result = cli(command, "e.npz", *(["e.npz", "-l", "mse"] if command == "eval" else []))
        assert (result.exit_code, result.stderr) == (3, message)


def test_npz_lists_every_array(cli, files):
    np.savez(files.root / "e.npz", a=np.ones((3, 2)), same=np.array([0, 1, 1]))
    d = doc(cli("inspect", "e.npz", "-f", "json"))
    assert [(a["key"], a["shape"], a["kind"]) for a in d["files"][0]["arrays"]] == [("a", [3, 2], "probs or multi-label (N, C)"), ("same", [3], "binary (N,)")]


def test_row_mismatch_is_exit_3_with_the_description(cli, files):
    files.npy("x.npy", [1.0, 2.0, 3.0])
    files.npy("y.npy", [1.0, 2.0])
    r = cli("inspect", "x.npy", "y.npy", "-f", "json")
    d = doc(r, 3, "Error: The files have different numbers of rows: x.npy has 3, y.npy has 2.\n")
    assert d["problems"] == ["The files have different numbers of rows: x.npy has 3, y.npy has 2."]


def test_no_numeric_column_is_exit_3(cli, files):
    files.text("words.csv", "a,b\nx,y\n")
    r = cli("inspect", "words.csv", "-f", "json")
    assert doc(r, 3, "Error: words.csv has no numeric column.\n")["files"][0]["problems"] == ["words.csv has no numeric column."]


def test_unreadable_file_is_exit_3_without_stdout(cli, files):
    assert (lambda r: (r.exit_code, r.stdout, r.stderr))(cli("inspect", "gone.csv")) == (3, "", "Error: File not found: gone.csv\n")
    files.bytes("bad.npy", b"\x93NUMPY garbage")
    r = cli("inspect", "bad.npy")
    assert r.exit_code == 3 and r.stdout == "" and r.stderr.startswith("Error: bad.npy is not a valid NPY file")


def test_table_output(cli, files):
    files.xy_csv()
    r = cli("inspect", "xy.csv", "-f", "table")
    assert r.exit_code == 0
    lines = [line.rstrip() for line in r.stdout.splitlines()]
    assert lines[0] == "xy.csv  csv, 4 rows × 2 columns"
    assert lines[1].split() == ["column", "dtype", "nan", "inf", "min", "max", "role"]
    assert lines[3].split() == ["pred", "float64", "0", "0", "-1", "3", "pred"]
    assert lines[4].split() == ["target", "float64", "0", "0", "0", "2.5", "target"]
    assert lines[5] == "guessed roles: pred: pred; target: target"


def test_inspect_reads_a_headerless_file_as_eval_does(cli, files):
    name = files.text("h.csv", table_text(ROWS, ","))
    result = cli("inspect", name, "-f", "json")
    assert (result.exit_code, result.stderr) == (0, header_note(name))
    found = json.loads(result.stdout)["files"][0]
    assert found["rows"] == 4 and [c["name"] for c in found["columns"]] == ["1", "2"]
    assert json.loads(cli("inspect", name, "-f", "json", "--header").stdout)["files"][0]["rows"] == 3


def test_inspect_names_an_integer_too_large_for_float64(cli, files):
    # exit 3 with the reader's line after the description (was exit 4)
    files.text("l.csv", "pred,target\n1,2\n3," + "9" * 309 + "\n")
    message = "Integer of 309 digits in l.csv, column 'target' (target), row 2: too large for a 64-bit float."
    result = cli("inspect", "l.csv", "-f", "json")
    assert (result.exit_code, result.stderr) == (3, f"Error: {message}\n")
    target = json.loads(result.stdout)["files"][0]["columns"][1]
    assert (target["numeric"], target["note"]) == (False, message)
