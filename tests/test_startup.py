"""Start-up settings of the command (losscli/cli/_startup.py), in fresh processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
{before}
from losscli.cli import app
try:
    app({args!r}, prog_name="losscli")
except SystemExit:
    pass
print("\\nPROBE", json.dumps([os.environ.get("OPENBLAS_NUM_THREADS"), sorted(m for m in ("markdown_it", "pygments") if m in sys.modules)]))
"""


def _probe(args: list[str], before: str = "import os") -> tuple[str, list]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    p = subprocess.run([sys.executable, "-c", PROBE.format(args=args, before=before)], capture_output=True, text=True, env=env, timeout=60)
    assert p.stderr == "", p.stderr
    out, _, last = p.stdout.rpartition("\nPROBE ")
    return out, json.loads(last)


def test_help_loads_neither_markdown_nor_pygments_and_is_complete():
    out, (threads, modules) = _probe(["--help"])
    assert modules == [] and threads == "1"
    assert "Usage: losscli" in out and "Commands" in out and "eval" in out and "Exit codes:" in out


def test_the_user_blas_setting_is_kept():
    _, (threads, _) = _probe(["--version"], before="import os; os.environ['OPENBLAS_NUM_THREADS'] = '2'")
    assert threads == "2"


def test_stand_ins_load_the_real_modules_on_use():
    code = """
import sys
from losscli.cli import _startup
_startup.apply()
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


def test_gc_settings_of_the_command():
    # The exit function registered here before losscli loads runs after losscli's (exit functions
    # run last-registered first): it sees whether gc.freeze() ran at exit, and not before.
    code = """
import atexit, gc
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
from losscli.cli import _startup
assert gc.get_threshold()[0] == _startup.GC_GEN0
print("frozen before exit:", gc.get_freeze_count() > 0)
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, "frozen before exit: False\nfrozen at exit: True\n", "")
