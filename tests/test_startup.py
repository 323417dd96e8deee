"""The console entry point (losscli/_entry.py): its process settings, made only by ``main``
(never on ``import losscli`` or ``import losscli.cli``), in fresh processes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Spies on ctypes.CDLL (glibc's mallopt) and an exit function registered before main's
# gc.freeze (exit functions run last-registered first: it sees the freeze).
PROBE = """
import atexit, ctypes, gc, json, os, sys
calls = []

class CDLL:
    def __init__(self, name):
        self.mallopt = lambda *args: calls.append(args)

ctypes.CDLL = CDLL
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
{before}
sys.argv = ["losscli", *{args!r}]
from losscli import _entry
try:
    _entry.main()
except SystemExit:
    pass
modules = sorted(m for m in ("markdown_it", "pygments") if m in sys.modules)
print("\\nPROBE", json.dumps([os.environ.get("OPENBLAS_NUM_THREADS"), gc.get_threshold()[0], modules, calls, gc.get_freeze_count()]))
"""


def _probe(args: list[str], before: str = "") -> tuple[str, list, str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    p = subprocess.run([sys.executable, "-c", PROBE.format(args=args, before=before)], capture_output=True, text=True, env=env, timeout=60)
    assert p.stderr == "", p.stderr
    out, _, last = p.stdout.rpartition("\nPROBE ")
    probe, _, at_exit = last.partition("\n")
    return out, json.loads(probe), at_exit


def test_the_entry_point_sets_the_process_up():
    out, (threads, gen0, modules, calls, frozen), at_exit = _probe(["--help"])
    assert threads == "1" and gen0 == 50_000
    assert frozen == 0 and at_exit == "frozen at exit: True\n"  # gc.freeze at exit, not before
    assert calls == ([[-3, 4 << 20], [-1, 8 << 20]] if sys.platform.startswith("linux") else [])  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
    assert modules == []  # typer's help imports rich.markdown and rich.traceback: stand-ins
    assert "Usage: losscli" in out and "Commands" in out and "eval" in out and "Exit codes:" in out


def test_the_user_settings_are_kept():
    _, (threads, gen0, _, _, _), _ = _probe(["--version"], before="os.environ['OPENBLAS_NUM_THREADS'] = '2'; gc.set_threshold(900)")
    assert (threads, gen0) == ("2", 900)


def test_importing_the_package_or_the_cli_changes_nothing_of_the_process():
    """An embedding program keeps its environment, gc, import hooks, exit functions and
    allocator, also when the API evaluates more rows than a block (the fast path)."""
    code = """
import atexit, ctypes, gc, os, sys
ctypes.CDLL = lambda *a, **k: sys.exit("ctypes.CDLL called")
before = (dict(os.environ), gc.get_threshold(), list(sys.meta_path), atexit._ncallbacks())
import numpy as np
import losscli, losscli.cli, losscli.engine
losscli.evaluate(np.arange(300_000.0), np.zeros(300_000), ["mse", "mae"])
after = (dict(os.environ), gc.get_threshold(), list(sys.meta_path), atexit._ncallbacks())
assert before == after, (before, after)
print("ok")
"""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, "ok\n", "")


def test_the_console_script_and_python_m_run_the_entry_point():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"losscli": "losscli._entry:main"}
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "losscli", "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "Usage: losscli" in p.stdout
    assert "rich.markdown" in p.stderr and "markdown_it" not in p.stderr  # the stand-in was imported, not the real module


def test_stand_ins_load_the_real_modules_on_use():
    code = """
import sys
from losscli.cli import _standins
_standins.install()
import typer.rich_utils as ru
assert "markdown_it" not in sys.modules and "pygments" not in sys.modules
import rich.traceback
assert callable(rich.traceback.install)  # an attribute: the real module
assert type(ru.Markdown("# x")).__module__ == "rich.markdown" and "markdown_it" in sys.modules
from rich.markdown import Heading
import rich.markdown
assert rich.markdown.Heading is Heading and sys.modules["rich.markdown"] is rich.markdown
assert ru.Traceback.from_exception.__qualname__ == "Traceback.from_exception"
print("ok")
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, "ok\n", "")


def test_the_app_builds_only_the_command_it_runs(capsys):
    import typer.main

    from losscli.cli import app

    built = []
    real = typer.main.get_command_from_info

    def spy(command_info, **kwargs):
        built.append(command_info.name)
        return real(command_info=command_info, **kwargs)

    groups = list(app.registered_groups)
    typer.main.get_command_from_info = spy
    try:
        for args, code in ((["list", "-f", "json"], 0), (["evl"], 2), (["--version"], 0)):
            built.clear()
            try:
                app(args, prog_name="losscli")
            except SystemExit as e:
                assert e.code == code
            assert built == ["list"] if args[0] == "list" else len(built) == 7, (args, built)
    finally:
        typer.main.get_command_from_info = real
    assert app.registered_groups == groups  # restored
    err = capsys.readouterr().err
    assert "No such command 'evl'. Did you mean 'eval'?" in err
