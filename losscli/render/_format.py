"""The cells every renderer shares: numbers, direction arrows, intervals, p-values, the config
note and the inputs line (stdlib only; it imports nothing of losscli but ``render.escape``, the
one escaping layer, so every renderer can import it without a cycle).

Text that comes from data is never formatted here without an ``escape`` function of the output
kind (``escape.terminal``, ``escape.md``, ``escape.code``, ``escape.csv_cell``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from losscli.render.escape import md

Escape = Callable[[object], str]
# The headline column of the table and Markdown under --reduction sum / sum_elements: which sum it is
# (`sum`: of the per-sample values, per-row means for (N, D) inputs; `sum_elements`: torch's sum).
VALUE_HEADERS = {"sum": "sum over rows", "sum_elements": "sum over elements"}


def value_header(config: Mapping[str, Any]) -> str:
    """The name of the headline column: ``value``, or which sum it is."""
    return VALUE_HEADERS.get(config.get("reduction"), "value")


def fmt_number(v: float | int | None, precision: int | None) -> str:
    """``repr`` precision by default, ``precision`` significant digits when given; '' for None.

    >>> fmt_number(1 / 3, 3), fmt_number(2, 3), fmt_number(float("-inf"), None), fmt_number(None, 3)
    ('0.333', '2', '-inf', '')
    """
    if v is None:
        return ""
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return repr(v) if precision is None else f"{v:.{precision}g}"


def number_cell(v: Any, precision: int | None, escape: Escape) -> str:
    """A number, or a text value (``"nan"`` in a gate entry, any text in an edited file) through
    ``escape``."""
    return escape(v) if isinstance(v, str) else fmt_number(v, precision)


def arrow(direction: str) -> str:
    return "↓" if direction == "lower" else "↑"


def with_arrow(label: str, direction: str, escape: Escape) -> str:
    """``LABEL ↓``: a loss label (data text: column names reach it) through ``escape``."""
    return f"{escape(label)} {arrow(direction)}"


def ci_cell(ci: Mapping[str, Any] | None, precision: int | None) -> str:
    """``[low, high]`` ('' without an interval; an undefined end shows as ``?``).

    >>> ci_cell({"low": 0.25, "high": None}, 3), ci_cell(None, 3)
    ('[0.25, ?]', '')
    """
    if not ci:
        return ""
    low, high = ci.get("low"), ci.get("high")
    return f"[{'?' if low is None else fmt_number(low, precision)}, {'?' if high is None else fmt_number(high, precision)}]"


def ci_columns(ci: Mapping[str, Any] | None, precision: int | None) -> list[str]:
    """``[low, high]`` cells for CSV ('' when undefined)."""
    ci = ci or {}
    return [fmt_number(ci.get("low"), precision), fmt_number(ci.get("high"), precision)]


def signed(v: float | None, precision: int | None) -> str:
    """A difference with its sign (``+0.5``, ``-0.5``; '' for None)."""
    if v is None:
        return ""
    text = fmt_number(v, precision)
    return text if text.startswith("-") else "+" + text


def p_cell(p: float | None) -> str:
    """A p-value to 3 significant digits ('' for None)."""
    return "" if p is None else f"{p:.3g}"


def config_note(config: Mapping[str, Any]) -> str | None:
    """``settings from pyproject.toml: fail_if, gate_mode`` when a config file set any value
    (in CI the working tree's config is written by the pull request: it must be visible)."""
    keys = config.get("config_keys") or []
    if not keys:
        return None
    return f"settings from {config.get('config_file')}: {', '.join(map(str, keys))}"


def md_note(note: str) -> str:
    """The config note as one Markdown paragraph (no markup from the file name)."""
    return "_" + md(note) + "_"


def inputs_line(inputs: Mapping[str, Any], escape: Escape) -> str:
    """Where pred and target (and -w weights) were read, as ``pred: FILE:COLUMNS  target: FILE:COLUMNS`` (an
    array: ``FILE`` or ``FILE.npz:KEY``; many columns: ``first..last (N columns)``); file, key
    and column names come from the data: each role's ``FILE:COLUMNS`` goes through ``escape``
    as one piece.

    >>> inputs_line({"pred": {"path": "p.csv", "columns": ["score"]}, "target": {"path": "y.npy"}}, str)
    'pred: p.csv:score  target: y.npy'
    """
    parts = []
    for role in ("pred", "target", "weight"):
        info = inputs.get(role)
        if not isinstance(info, dict) or "path" not in info:
            continue
        where = str(info["path"]) + (f":{info['key']}" if info.get("key") else "")
        names = [str(n) for n in info.get("columns") or []]
        shown = ",".join(names) if len(names) <= 4 else f"{names[0]}..{names[-1]} ({len(names)} columns)"
        parts.append(f"{role}: " + escape(where + (f":{shown}" if names else "")))
    return "  ".join(parts)
