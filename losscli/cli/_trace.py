"""What a run that stopped with an error (exit 2, 3 or 4) leaves behind, besides its ``Error:`` line.

A command says early what it was asked for (``expect``: the ``--report`` path, ``--gh-summary``,
its inputs and options); when the run then stops, ``leave`` writes

* with ``--report``: a JSON report with ``status: "error"``, the exit code, the error line and
  what was known of the run (inputs as given, options);
* with ``--gh-summary`` (and ``$GITHUB_STEP_SUMMARY`` set): an error section;
* with ``GITHUB_ACTIONS=true``: an ``::error::`` workflow command on stderr (the Actions runner
  reads workflow commands from both stdout and stderr; stderr keeps stdout's data clean), its
  text percent-encoded as GitHub requires. ``annotate`` does the same for failed gates.

An error found before the command starts (an unknown flag) knows no ``--report``: it gets the
annotation only. An error report never replaces an input (``--report`` naming an input is
itself the error), and a report that cannot be written (its directory is missing) is skipped
silently: the ``Error:`` line already says why the run stopped.
"""

from __future__ import annotations

import enum
import math
import os
import sys
from collections.abc import Mapping
from typing import Any

_expected: dict[str, Any] = {}


def clear() -> None:
    _expected.clear()


def expect(*, report: str | None = None, gh_summary: bool = False, inputs: Mapping[str, Any] | None = None, options: Mapping[str, Any] | None = None) -> None:
    """Record what the running command was asked for, for ``leave``."""
    _expected.update(
        report=report,
        gh_summary=gh_summary,
        inputs={k: v for k, v in (inputs or {}).items() if v not in (None, [], "")},
        options={k: _plain(v) for k, v in (options or {}).items()},
    )


def leave(code: int, message: str) -> None:
    """The error report, the summary's error section and the annotation of a failed run."""
    annotate("error", message)
    report = _expected.get("report")
    if report is not None:
        _write_report(report, code, message)
    if _expected.get("gh_summary"):
        from losscli.render.markdown import append_summary, error_markdown

        try:
            append_summary(error_markdown(code, message))
        except OSError:
            pass  # the Error: line already says why the run stopped


def annotate(level: str, message: str) -> None:
    """``::error::MESSAGE`` (or ``::warning::``) on stderr when running in GitHub Actions."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from losscli.render.escape import gh_data

    print(f"::{level} title=losscli::{gh_data(message)}", file=sys.stderr)


def _write_report(path: str, code: int, message: str) -> None:
    import json

    from losscli._atomic import atomic_write, check_distinct
    from losscli._version import __version__
    from losscli.errors import LossCliError
    from losscli.render.escape import json_text
    from losscli.report import error_report

    inputs = _expected.get("inputs", {})
    try:
        check_distinct([("--report", path)], _flat(inputs.values()))
        with atomic_write(path) as fh:
            fh.write(json_text(json.dumps(error_report(code, message, inputs, _expected.get("options", {}), __version__), indent=2, allow_nan=False)) + "\n")
    except LossCliError:
        pass


def _flat(values) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]
    return out


def _plain(v: Any) -> Any:
    """An option value as JSON can hold it (enums by value, floats that are not finite as text)."""
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)
