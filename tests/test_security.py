"""Security guarantees (SECURITY.md): never unpickle, never eval, never touch the
network, write outputs only through exclusive temporary files beside the destination, and
refuse NPZ members whose header would make numpy allocate more than the member holds.

The source checks are AST scans of every module of the ``losscli`` package, so a new module
is covered without editing this file.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import losscli

PACKAGE = pathlib.Path(losscli.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
BIN = pathlib.Path(sys.executable).parent
LOSSCLI = shutil.which("losscli", path=str(BIN))
BAD = pathlib.Path(__file__).parent / "data" / "bad"


@functools.lru_cache(maxsize=1)
def _parsed():
    return [(p.relative_to(PACKAGE.parent).as_posix(), ast.parse(p.read_text(encoding="utf-8"), filename=str(p))) for p in MODULES]


def _trees():
    yield from _parsed()


def _dotted(node: ast.AST) -> str:
    """``np.lib.format.read_array`` for an attribute chain, ``eval`` for a name, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _calls():
    for where, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                yield where, node, _dotted(node.func)


def test_the_scan_sees_the_whole_package():
    names = {p.relative_to(PACKAGE).as_posix() for p in MODULES}
    assert {"readers/arrays.py", "cli/__init__.py", "_atomic.py", "engine/accumulator.py"} <= names


# ---------------------------------------------------------------------------- never unpickle


def test_every_np_load_passes_allow_pickle_false():
    loads = [(w, n) for w, n, name in _calls() if name in ("np.load", "numpy.load") or name.endswith(".load") and name.split(".")[0] in ("np", "numpy")]
    assert loads, "no np.load call found: the scan is broken"
    for where, node in loads:
        kw = {k.arg: k.value for k in node.keywords}
        assert "allow_pickle" in kw, f"{where}:{node.lineno}: np.load without allow_pickle=False"
        assert isinstance(kw["allow_pickle"], ast.Constant) and kw["allow_pickle"].value is False, f"{where}:{node.lineno}"


def test_nothing_imports_a_deserializer_that_runs_code():
    banned = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "joblib", "cloudpickle", "yaml"}
    for where, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "").split(".")[0]]
            else:
                continue
            assert not set(names) & banned, f"{where}:{node.lineno} imports {names}"
    for where, node, name in _calls():
        assert not name.endswith(("read_pickle", "torch.load")), f"{where}:{node.lineno}: {name}"


def test_a_pickled_npy_is_refused(cli, files):
    # the full set (pickle named .npy, object NPY, object NPZ member; from a file, gzip, stdin)
    # is in test_bad_inputs.py and test_readers.py; here: the corpus payload never runs
    shutil.copy(BAD / "object.npy", files.root / "object.npy")
    files.npy("y.npy", [0.0, 1.0])
    result = cli("eval", "object.npy", "y.npy", "-l", "mse")
    assert (result.exit_code, result.stderr) == (3, "Error: object.npy holds a pickled object array; losscli never unpickles.\n")
    assert not (files.root / "UNPICKLED").exists()


# ---------------------------------------------------------------------------- never eval


def test_no_eval_exec_compile_or_dynamic_code():
    banned = {"eval", "exec", "compile", "__import__", "os.system", "os.popen", "subprocess.run", "subprocess.Popen",
              "subprocess.call", "subprocess.check_output", "pd.eval", "pandas.eval", "numexpr.evaluate"}
    found = [f"{w}:{n.lineno} {name}" for w, n, name in _calls() if name in banned or name.endswith(".query")]
    assert found == []
    for where, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(m.split(".")[0] in ("subprocess", "pty", "code", "codeop") for m in mods), f"{where}:{node.lineno}"


def test_dynamic_imports_name_only_losscli_modules():
    # losscli/__init__.py imports its public API lazily by name: the names must be constants
    for where, node, name in _calls():
        if name in ("importlib.import_module",):
            arg = node.args[0]
            ok = isinstance(arg, ast.Constant) or (isinstance(arg, ast.Subscript) and _dotted(arg.value) == "_LAZY")
            assert ok, f"{where}:{node.lineno}: import_module of a computed name"
    lazy = getattr(losscli, "_LAZY", {})
    assert all(str(m).startswith("losscli") for m in lazy.values())


# ---------------------------------------------------------------------------- no network


def test_no_module_imports_a_network_library():
    network = {"socket", "urllib", "http", "requests", "httpx", "ftplib", "smtplib", "telnetlib", "xmlrpc", "ssl", "aiohttp", "websocket"}
    for where, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [(node.module or "").split(".")[0]]
            else:
                continue
            assert not set(mods) & network, f"{where}:{node.lineno} imports {mods}"


SITECUSTOMIZE = textwrap.dedent(
    """
    # Installed by tests/test_security.py: every socket operation is refused and logged.
    import atexit, json, os, socket, sys

    _log = os.environ["NET_LOG"]
    _events = []

    def _hook(event, args):
        if event.startswith("socket.") and event != "socket.gethostname":
            _events.append(event)
            raise OSError(f"network access blocked by the test: {event}")

    class _NoSocket(socket.socket):
        def __init__(self, *a, **k):
            _events.append("socket.socket()")
            raise OSError("network access blocked by the test: socket.socket()")

    socket.socket = _NoSocket
    sys.addaudithook(_hook)

    @atexit.register
    def _write():
        with open(_log, "w") as fh:
            json.dump(_events, fh)
    """
)


def _blocked(tmp_path, argv, cwd):
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "net.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOSSCLI_")}
    env.update(PYTHONPATH=str(site), NET_LOG=str(log))
    p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    return p, json.loads(log.read_text())


def test_the_socket_blocker_works(tmp_path):
    p, events = _blocked(tmp_path, [sys.executable, "-c", "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9))\nexcept OSError as e:\n    print(e)"], tmp_path)
    assert "blocked by the test" in p.stdout and events


def test_evaluations_run_with_the_network_blocked(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "t.csv").write_text("id,pred,target,w\na,0.5,0,1\nb,-1,1,2\nc,2,2.5,1\nd,3,0,1\n")
    np.save(work / "x.npy", np.array([0.5, -1.0, 2.0, 3.0]))
    np.save(work / "y.npy", np.array([0.0, 1.0, 2.5, 0.0]))
    runs = [
        [LOSSCLI, "eval", "t.csv", "-p", "pred", "-y", "target", "-w", "w", "--id-col", "id", "-l", "mse", "-l", "huber",
         "-f", "json", "-o", "out.json", "--report", "r.json", "--per-sample", "ps.csv", "--ci", "bootstrap", "--n-boot", "50"],
        [LOSSCLI, "eval", "x.npy", "y.npy", "-l", "mse", "-b", "--fail-if", "mse<=10"],
    ]
    for argv in runs:
        p, events = _blocked(tmp_path, argv, work)
        assert (p.returncode, p.stderr) == (0, ""), p.stderr
        assert events == [], f"{argv[1:3]} touched the network: {events}"
    assert json.loads((work / "out.json").read_text())["losses"][0]["label"] == "mse"


# ---------------------------------------------------------------------------- output files


def test_temporary_files_are_exclusive_and_never_follow_a_planted_symlink(cli, files, monkeypatch, tmp_path_factory):
    # plant a symlink at the first temporary name losscli will try; mkstemp (O_CREAT|O_EXCL)
    # must skip it rather than write through it into the victim file
    import tempfile

    victim = tmp_path_factory.mktemp("elsewhere") / "victim.txt"
    victim.write_text("precious\n")
    names = iter(["planted", "fresh1", "fresh2", "fresh3"])
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: names)
    os.symlink(victim, files.root / ".losscli-planted.tmp")
    files.xy_npy()
    result = cli("eval", "x.npy", "y.npy", "-l", "mse", "-f", "json", "-o", "out.json")
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert json.loads((files.root / "out.json").read_text())["losses"][0]["value"] == 3.375
    assert os.path.islink(files.root / ".losscli-planted.tmp")  # untouched
    assert not any(n.startswith(".losscli-fresh") for n in files.listing())


def test_temporary_files_live_in_the_destination_directory(cli, files, monkeypatch):
    import tempfile

    seen = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        seen.append(kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    (files.root / "sub").mkdir()
    files.xy_npy()
    result = cli("eval", "x.npy", "y.npy", "-l", "mse", "-b", "--report", "sub/r.json", "--per-sample", "sub/ps.npy")
    assert result.exit_code == 0, result.stderr
    assert seen and all(d == str(files.root / "sub") for d in seen), seen


def test_a_symlink_at_the_output_path_is_replaced_not_written_through(cli, files, tmp_path_factory):
    victim = tmp_path_factory.mktemp("elsewhere") / "victim.json"
    victim.write_text("precious\n")
    os.symlink(victim, files.root / "out.json")
    files.xy_npy()
    result = cli("eval", "x.npy", "y.npy", "-l", "mse", "-f", "json", "-o", "out.json")
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert not os.path.islink(files.root / "out.json")
    assert json.loads((files.root / "out.json").read_text())["losses"][0]["value"] == 3.375


def test_error_lines_escape_control_characters(cli, files):
    # a file name cannot break the one-line error contract or send terminal escape sequences
    result = cli("eval", "a\x1b]0;x\x07\nb.csv", "-l", "mse")
    assert (result.exit_code, result.stderr) == (3, "Error: File not found: a\\x1b]0;x\\x07\\nb.csv\n")


# ---------------------------------------------------------------------------- NPZ size limits


@pytest.mark.parametrize("name", ["huge_header.npz", "short_member.npz"])
def test_npz_member_sizes_are_checked_before_numpy_reads_the_array(cli, files, monkeypatch, name):
    calls = []
    real = np.lib.format.read_array
    monkeypatch.setattr(np.lib.format, "read_array", lambda *a, **k: calls.append(a) or real(*a, **k))
    shutil.copy(BAD / name, files.root / name)
    files.npy("y.npy", [0.0, 1.0, 2.5, 0.0])
    result = cli("eval", name, "y.npy", "-l", "mse")
    assert result.exit_code == 3 and "is truncated or corrupt: its header declares shape" in result.stderr
    assert calls == []
    # the spy does see a normal member, so the assertion above can fail
    shutil.copy(BAD / "two_keys.npz", files.root / "two_keys.npz")
    assert cli("eval", "two_keys.npz:pred", "y.npy", "-l", "mse", "-b").exit_code == 0
    assert len(calls) == 1


# files opened for writing anywhere but through losscli._atomic: the step summary is appended to
# by design ($GITHUB_STEP_SUMMARY), and the per-sample NPY scratch file is an mkstemp descriptor
WRITERS_ALLOWED = {
    ("losscli/_atomic.py", "os.fdopen"),
    ("losscli/_atomic.py", "open"),  # devices and FIFOs (/dev/stdout), written in place
    ("losscli/render/markdown.py", "open"),  # append to $GITHUB_STEP_SUMMARY
    ("losscli/render/per_sample.py", "os.fdopen"),  # mkstemp scratch beside the destination
}


def test_files_are_written_only_through_atomic_write():
    found = set()
    for where, node, name in _calls():
        if name in ("open", "io.open", "os.fdopen"):
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            if mode is None or (isinstance(mode, ast.Constant) and set(str(mode.value)) & set("wax+")) or not isinstance(mode, ast.Constant):
                if name == "os.fdopen" or mode is not None:
                    found.add((where, name))
        elif name == "os.open":
            found.add((where, name)) if "devnull" not in ast.unparse(node) else None
        elif name.endswith((".write_text", ".write_bytes")) or name in ("np.save", "np.savez", "np.savez_compressed", "np.savetxt"):
            found.add((where, name))
    assert found <= WRITERS_ALLOWED, sorted(found - WRITERS_ALLOWED)


def test_a_huge_unknown_label_is_cut_in_the_error_line(cli, files):
    """A 100,000-character target label outside --classes: the line shows its first 80
    characters and its length (it once repeated the whole cell, twice with ::error::)."""
    files.text("big.csv", "prob,label\n0.3,no\n0.6," + "X" * 100_000 + "\n")
    result = cli("eval", "big.csv", "-p", "prob", "-y", "label", "--classes", "no,yes", "-l", "accuracy")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"Error: Label {'X' * 80!r}... (100000 characters) in big.csv column 'label' at row 2 is not one of --classes no,yes.\n"
