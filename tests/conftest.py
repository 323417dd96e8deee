"""Shared fixtures: run the CLI in-process and write small input files into ``tmp_path``.

Every test that uses ``cli`` or ``files`` runs with ``tmp_path`` as the working directory, so
paths in messages are short relative names (``a.csv``) and outputs land in ``tmp_path``.
"""

from __future__ import annotations

import pathlib
import signal

import functools

import numpy as np
import pytest
import typer.testing
from typer.testing import CliRunner

from losscli.cli import app

# typer's CliRunner.invoke builds the click command of the whole app at every call (each
# command's options, their annotations evaluated again): ~0.1 s of every in-process run, more
# than a small evaluation takes. The app does not change during the suite: built once per app.
typer.testing._get_command = functools.cache(typer.testing._get_command)

# Hypothesis profiles: "ci" (the default: 50 examples per property, the whole suite's fuzzing a
# few seconds; derandomized, so every run of the suite draws the same examples and a CI result
# does not depend on luck) and "long" (`make fuzz`: HYPOTHESIS_PROFILE=long, 5000 new examples
# per property each run: where new failures are found, then pinned as plain tests).
# Tests that set max_examples themselves keep it; the fuzz tests (test_fuzz.py) take the profile's.
import os as _os

from hypothesis import HealthCheck as _HealthCheck, settings as _settings

_QUIET = [_HealthCheck.function_scoped_fixture, _HealthCheck.too_slow, _HealthCheck.data_too_large]
_settings.register_profile("ci", max_examples=50, deadline=None, suppress_health_check=_QUIET, print_blob=True, derandomize=True)
_settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=_QUIET, print_blob=True)
_settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The running example of the CLI tests (hand-computed values are in the tests that use it).
X = [0.5, -1.0, 2.0, 3.0]
Y = [0.0, 1.0, 2.5, 0.0]


class Files:
    """Writes input files into the working directory and returns their relative names."""

    def __init__(self, root: pathlib.Path) -> None:
        self.root = root

    def text(self, name: str, content: str) -> str:
        (self.root / name).write_text(content, encoding="utf-8", newline="")
        return name

    def bytes(self, name: str, content: bytes) -> str:
        (self.root / name).write_bytes(content)
        return name

    def npy(self, name: str, array) -> str:
        np.save(self.root / name, np.asarray(array), allow_pickle=True)
        return name

    def csv(self, name: str, header: list[str], *rows) -> str:
        """A CSV with ``header`` and ``rows`` (each a sequence of cells, written with ``str``)."""
        lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
        return self.text(name, "\n".join(lines) + "\n")

    def xy_csv(self, name: str = "xy.csv") -> str:
        """``pred,target`` with the running example ``X``, ``Y``."""
        return self.csv(name, ["pred", "target"], *zip(X, Y))

    def xy_npy(self) -> tuple[str, str]:
        return self.npy("x.npy", X), self.npy("y.npy", Y)

    def listing(self) -> list[str]:
        """Every file in the working directory (hidden temporary files included), sorted."""
        return sorted(p.name for p in self.root.iterdir())


@pytest.fixture
def default_signals():
    """SIGINT, SIGTERM and SIGHUP as a terminal gives them, whatever the suite's runner left:
    a job started in the background (``cmd &``) ignores SIGINT, one under ``nohup`` SIGHUP,
    and losscli keeps an ignored signal ignored (in this process and in its children, which
    inherit it), so the tests that send these signals would see exit 0."""
    sigs = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    old = {s: signal.getsignal(s) for s in sigs}
    for s in sigs:
        signal.signal(s, signal.default_int_handler if s == signal.SIGINT else signal.SIG_DFL)
    yield
    for s, handler in old.items():
        signal.signal(s, signal.SIG_DFL if handler is None else handler)


@pytest.fixture
def files(tmp_path, monkeypatch) -> Files:
    monkeypatch.chdir(tmp_path)
    return Files(tmp_path)


@pytest.fixture
def cli(files):
    """``cli(*args, input=None, env=None)`` runs ``losscli ARGS`` in-process in ``tmp_path``.

    The result has ``exit_code``, ``stdout`` and ``stderr`` (kept apart). ``LOSSCLI_FORMAT`` from
    the outer environment is removed unless ``env`` sets it, and so are ``GITHUB_ACTIONS`` and
    ``GITHUB_STEP_SUMMARY`` (the suite may run in GitHub Actions).
    """

    def run(*args, input=None, env=None):
        environment = {"LOSSCLI_FORMAT": None, "NO_COLOR": None, "COLUMNS": "200", "GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None}
        environment.update(env or {})
        return CliRunner().invoke(app, [str(a) for a in args], input=input, env=environment)

    return run


def fails(result, code: int, message: str) -> None:
    """The one-line error contract: exit ``code``, nothing on stdout, exactly ``Error: message``."""
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", f"Error: {message}\n")


def ok(result) -> str:
    """The success contract: exit 0 and nothing on stderr; returns stdout."""
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout
