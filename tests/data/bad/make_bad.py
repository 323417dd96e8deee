"""Write the corpus of bad (and tricky-but-valid) inputs used by tests/test_bad_inputs.py.

Run from anywhere: ``python tests/data/bad/make_bad.py``. The output is deterministic (fixed
zip timestamps, fixed pickle protocol), so re-running it gives byte-identical files; the files
are committed next to this script. Every file is tiny: the point of each is one defect.

The pickles are "malicious" in the harmless way: unpickling them would create a directory
named ``UNPICKLED`` in the working directory, which the tests assert never appears.
"""

from __future__ import annotations

import gzip
import io
import os
import pathlib
import pickle
import shutil
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
X = [0.5, -1.0, 2.0, 3.0]  # the running example of the CLI tests (conftest.X / Y)
Y = [0.0, 1.0, 2.5, 0.0]


class Evil:
    """Unpickling this calls ``os.mkdir("UNPICKLED")``."""

    def __reduce__(self):
        return (os.mkdir, ("UNPICKLED",))


def npy_bytes(array, header_shape=None) -> bytes:
    """NPY bytes of ``array``; ``header_shape`` rewrites the shape the header claims."""
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=True)
    raw = buf.getvalue()
    if header_shape is None:
        return raw
    arr = np.asarray(array)
    header = {"descr": np.lib.format.dtype_to_descr(arr.dtype), "fortran_order": False, "shape": header_shape}
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, header)
    return out.getvalue() + arr.tobytes()


def npz_bytes(members: dict[str, bytes]) -> bytes:
    """A deterministic NPZ (a zip of ``NAME.npy`` members, fixed timestamps)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def csv(header: str, *rows: str, eol: str = "\n") -> bytes:
    return (eol.join([header, *rows]) + eol).encode()


def jsonl(*records: str) -> bytes:
    return ("\n".join(records) + "\n").encode()


def parquet_bytes(columns: dict[str, list], names: list[str] | None = None) -> bytes:
    """A Parquet file of ``columns`` (``names``: the names written, repeats allowed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(list(columns.values()), names=names or list(columns))
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def corpus() -> dict[str, bytes | None]:
    """File name -> content (None: a directory)."""
    good = npy_bytes(np.array(X))
    return {
        # -- valid companions
        "x.npy": good,
        "y.npy": npy_bytes(np.array(Y)),
        "y3.npy": npy_bytes(np.array(Y[:3])),
        # -- NPY
        "truncated_data.npy": good[:-5],
        "truncated_header.npy": good[:30],
        "empty.npy": b"",
        "object.npy": npy_bytes(np.array([Evil(), 1.0], dtype=object)),
        "pickle.npy": pickle.dumps([Evil(), 1.0], protocol=2),
        "complex.npy": npy_bytes(np.array([1 + 2j, 3j, 0j, 1j])),
        "str.npy": npy_bytes(np.array(["0.5", "-1", "2", "3"])),
        "scalar.npy": npy_bytes(np.float64(3.0)),
        "huge_shape.npy": npy_bytes(np.array(X), header_shape=(10**12,)),
        "nan.npy": npy_bytes(np.array([0.5, np.nan, 2.0, 3.0])),
        "inf.npy": npy_bytes(np.array([0.5, -1.0, np.inf, 3.0])),
        "float16.npy": npy_bytes(np.array(X, dtype=np.float16)),
        "bigendian.npy": npy_bytes(np.array(X, dtype=">f8")),
        # -- NPZ
        "two_keys.npz": npz_bytes({"pred": good, "target": npy_bytes(np.array(Y))}),
        "huge_header.npz": npz_bytes({"pred": npy_bytes(np.array(X), header_shape=(10**12,))}),
        "short_member.npz": npz_bytes({"pred": npy_bytes(np.array(X), header_shape=(5,))}),
        "big_member.npz": npz_bytes({"pred": npy_bytes(np.zeros(512))}),  # 4 KiB of data: over a small cap
        "object.npz": npz_bytes({"pred": npy_bytes(np.array([Evil(), 1.0], dtype=object))}),
        "raw_member.npz": npz_bytes({"pred": b"0.5,-1,2,3\n"}),  # a member that is not NPY
        # -- CSV
        "ragged_long.csv": csv("pred,target", "0.5,0", "-1,1,7", "2,2.5"),
        "ragged_short.csv": csv("pred,target", "0.5,0", "-1", "2,2.5"),
        "ragged_all_long.csv": csv("pred,target", "0.5,0,9", "-1,1,9", "2,2.5,9"),  # pandas would make col 1 an index
        "ragged_short.txt": csv("pred target", "0.5 0", "-1", "2 2.5"),
        "bom_crlf_quoted.csv": b"\xef\xbb\xbf" + csv('"pred","target"', '"0.5","0"', '"-1",1', '2,"2.5"', '" 3 ",0', eol="\r\n"),
        "empty.csv": b"",
        "header_only.csv": csv("pred,target"),
        "latin1.csv": "pred,target\n0.5,0\n-1,1\n2,2.5\n3,0\n# café\n".encode("latin-1"),
        "text_cell.csv": csv("pred,target", "0.5,0", "-1,one", "2,2.5"),
        "huge.csv": csv("pred,target", "1e308,-1e308", "1,2"),
        "overflow.csv": csv("pred,target", "1e400,0", "1,2"),
        "nan.csv": csv("pred,target", "0.5,0", "nan,1", "2,2.5"),
        "inf.csv": csv("pred,target", "0.5,0", "-1,1", "inf,2.5"),
        "negative_weight.csv": csv("pred,target,w", "0.5,0,1", "-1,1,-2", "2,2.5,1"),
        "zero_weights.csv": csv("pred,target,w", "0.5,0,0", "-1,1,0"),
        "overflowing_weights.csv": csv("pred,target,w", "0.5,0,1e308", "-1,1,1e308"),  # finite weights, Σw = inf
        "huge_weight.csv": csv("pred,target,w", "0.5,0,0", "-1,1,0", "2,2.5,1e308"),  # Σw² = inf (found by the fuzz)
        "ce_label_high.csv": csv("logit_0,logit_1,logit_2,label", "0.1,0.2,0.3,0", "1,2,3,3", "0,0,0,2"),
        "ce_label_negative.csv": csv("logit_0,logit_1,logit_2,label", "0.1,0.2,0.3,0", "1,2,3,-1"),
        "ce_label_fraction.csv": csv("logit_0,logit_1,logit_2,label", "0.1,0.2,0.3,0", "1,2,3,1.5"),
        "ce_probs_high.csv": csv("p_0,p_1,p_2,label", "0.2,0.3,0.5,0", "1.2,-0.3,0.1,1"),
        "bce_prob_high.csv": csv("prob,label", "0.2,0", "1.2,1", "0.5,1"),
        "bce_prob_negative.csv": csv("prob,label", "0.2,0", "0.5,1", "-0.1,1"),
        "bce_label_two.csv": csv("prob,label", "0.2,0", "0.5,2"),
        "boxes_inverted.csv": csv(
            "p_x1,p_y1,p_x2,p_y2,t_x1,t_y1,t_x2,t_y2", "0,0,2,2,0,0,2,2", "3,0,1,2,0,0,2,2"
        ),
        # -- bombs (memory): small files that unfold into far more
        "bomb.csv.gz": gzip.compress(csv("pred,target", *["0,0"] * 2_500_000), mtime=0),  # 10 KB -> 10 MB
        "wide_header.csv.gz": gzip.compress(csv(",".join(["x"] * 100_001), ",".join(["0"] * 100_001)), mtime=0),  # 100,001 columns
        "long_cell.csv": csv("pred,target", "0.5,0", "-1," + "x" * 10_000),  # echoed cut short in the error line
        "long_group.csv": csv("pred,target,w,g", "1,2,1,a", "1,2,0," + "g" * 10_000),
        # -- data that attacks the reader of the output (tests/test_escaping.py): markup, HTML,
        #    workflow commands, terminal escapes in a column name, ids and group values
        "injection.csv": (
            b'"pred","target","logit_0</details>\n\n## All checks passed <img src=https://evil.example/x.png>","g[/oops]"\n'
            b'0.5,0,"x\n::error title=x::pwned\n::add-mask::abc","### losscli: pass"\n'
            b'-1,1,"\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \x1b[2J","[link=http://evil.example]x[/link]"\n'
            b'2,2.5,"a`b|c","\n::error::g"\n'
            b'3,0,"##[error]x","[/oops]"\n'
        ),
        # -- values read exactly or refused (#13 item 5, #14)
        "long_integer.csv": csv("pred,target", "0.5,0", "-1," + "9" * 309, "2,2", "3,0"),  # past float64: was exit 4
        # -- JSONL
        "bool.jsonl": jsonl('{"pred": 0.5, "target": 0}', '{"pred": true, "target": 1}', '{"pred": 2, "target": 2.5}'),
        "group_object.jsonl": jsonl('{"pred": 0.5, "target": 0, "g": "a"}', '{"pred": -1, "target": 1, "g": {"a": 1}}'),
        "group_list.jsonl": jsonl('{"pred": 0.5, "target": 0, "g": "a"}', '{"pred": -1, "target": 1, "g": [1, 2]}'),
        # -- Parquet (pyarrow writes its version into the file: the corpus test checks these exist)
        "duplicate_columns.parquet": parquet_bytes({"a": X, "b": Y}, names=["a", "a"]),
        "int_null.parquet": parquet_bytes({"pred": _int64([2**60 + 1, None, 3, -(2**60) - 1]), "target": Y}),  # was exit 4
        # -- not a file
        "dir.npy": None,
    }


def _int64(values: list) -> object:
    import pyarrow as pa

    return pa.array(values, pa.int64())


def main() -> None:
    names = corpus()
    for name, content in names.items():
        path = HERE / name
        if content is None:
            if path.is_file():
                path.unlink()
            path.mkdir(exist_ok=True)
            (path / ".keep").write_text("A directory named like a file: the reader must refuse it.\n")
            continue
        if path.is_dir():
            shutil.rmtree(path)
        path.write_bytes(content)
    print(f"wrote {len(names)} entries to {HERE}")


if __name__ == "__main__":
    main()
