"""The digest (BLAKE3 by default) of big text inputs, started with the command (losscli/_prefetch.py).

The digest in the report is the file's BLAKE3 whatever path reads it (whole, streamed, gzip,
pred and target from one file), a file that changes while it is read is an error, and only
regular text tables of at least MIN_BYTES are hashed ahead (arrays hash the blocks they read).
"""

from __future__ import annotations

import gzip
import json
import os

import blake3
import numpy as np
import pytest

from losscli import _prefetch
from losscli.errors import InputError


@pytest.fixture
def small_min(monkeypatch):
    monkeypatch.setattr(_prefetch, "MIN_BYTES", 1)  # every test file qualifies
    yield
    _prefetch.clear()


def _table(files, name="t.csv", n=3000):
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a!r},{b!r}" for a, b in rng.normal(size=(n, 2)).tolist())
    return files.text(name, "pred,target\n" + rows + "\n")


@pytest.mark.parametrize("extra", [[], ["--chunk-rows", "100"]])
def test_report_digest_is_the_file_blake3(cli, files, small_min, extra):
    name = _table(files)
    gz = files.bytes("t.csv.gz", gzip.compress((files.root / name).read_bytes()))
    for path in (name, gz):
        r = cli("eval", path, "-l", "mse", "-f", "json", *extra)
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["inputs"]["pred"]["blake3"] == blake3.blake3((files.root / path).read_bytes()).hexdigest()
    r = cli("eval", name, "-l", "mse", "-f", "json", "--no-hash")
    assert json.loads(r.stdout)["inputs"]["pred"].get("blake3") is None and _prefetch.claim(name) is None


@pytest.mark.parametrize("read_bytes", [1, 1000, 1 << 24])
def test_a_stream_takes_the_hash_over_at_any_point(files, small_min, monkeypatch, read_bytes):
    # the thread's own reading stopped after 1, 1000 or all bytes: the reader's bytes continue it
    monkeypatch.setattr(_prefetch, "READ_BYTES", read_bytes)
    name = _table(files)
    data = (files.root / name).read_bytes()
    _prefetch.start([name])
    job = _prefetch.claim(name)
    assert _prefetch.claim(name) is None  # handed out once
    for lo in range(0, len(data), 7777):
        job.update(memoryview(data)[lo : lo + 7777])
    assert job.hexdigest() == blake3.blake3(data).hexdigest()


def test_a_file_that_changes_while_read_is_an_error(files, small_min):
    name = _table(files)
    _prefetch.start([name])
    job = _prefetch.claim(os.path.abspath(name))  # found by its real path, relative or not
    assert job is not None
    with open(name, "a") as fh:
        fh.write("1.0,2.0\n")
    with pytest.raises(InputError, match="changed while it was read"):
        job.result()


def test_only_big_regular_text_tables_are_hashed_ahead(files, monkeypatch):
    name = _table(files, n=10)
    npy = files.npy("x.npy", np.zeros(10))
    _prefetch.start([name, npy, "-", None, "missing.csv", "*.csv"])
    assert _prefetch.claim(name) is None  # under MIN_BYTES
    monkeypatch.setattr(_prefetch, "MIN_BYTES", 1)
    _prefetch.start([npy, "-", "missing.csv", "*.csv", files.root.name])
    assert all(_prefetch.claim(p) is None for p in (npy, "-", "missing.csv", "*.csv"))
    _prefetch.start([name])
    assert _prefetch.claim(name).result() == blake3.blake3((files.root / name).read_bytes()).hexdigest()
    _prefetch.start([name])
    _prefetch.clear()
    assert _prefetch.claim(name) is None
