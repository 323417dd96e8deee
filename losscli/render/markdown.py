"""Markdown for CI: the gates section of ``-f md`` and the GitHub step summary (``--gh-summary``).

Both read a ``Report`` (the one just computed, or a report file read back by ``losscli gate``
through ``Report.from_dict``), so ``eval`` and ``gate`` write the same summary. Stdlib only.

The step summary is appended to the file named by ``$GITHUB_STEP_SUMMARY``; without that
variable nothing is written and nothing is said (the flag can stay on in scripts that also run
outside GitHub Actions). GitHub refuses a step summary over 1 MiB: the text is cut at a line
boundary to fit what is left of that budget (the file may already hold earlier summaries of
the same step), any open ``<details>`` is closed, and a note says it was truncated.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from losscli._digest import ALGORITHMS
from losscli.render._format import ci_cell, config_note, md_note, number_cell, value_header, with_arrow
from losscli.render.breakdown import MISSING, ci_header, display_rows, group_cells, group_names, has_ci, note, stat_fields, value_cell
from losscli.render.escape import code, json_text, md
from losscli.render.matrix import markdown_matrices
from losscli.report import GroupResult, Report, gate_outcome as outcome, gate_tally as tally

SUMMARY_LIMIT = 1024 * 1024  # bytes: GitHub's per-step summary limit
TRUNCATED_NOTE = "\n> **Note:** summary truncated to fit GitHub's 1 MiB step-summary limit; the full results are in the JSON report (`--report FILE`).\n"
PASS, FAIL, WARN, SKIPPED = "✅ pass", "❌ fail", "⚠️ fail (warn)", "➖ skipped"


def _num(v: Any, precision: int | None) -> str:
    return number_cell(v, precision, md)  # "nan"/"inf" text in a gate entry


def gates_markdown(entries: Sequence[Mapping[str, Any]], precision: int | None = 6, mode: str = "fail") -> str:
    """A gates table: gate, value, threshold (with base), p-value when tested, result.

    >>> print(gates_markdown([{"expr": "mse<=0.02", "label": "mse", "value": 3.375, "threshold": 0.02, "passed": False}]), end="")
    | gate | value | threshold | result |
    |---|---:|---:|---|
    | `mse<=0.02` | 3.375 | 0.02 | ❌ fail |
    """
    if not entries:
        return ""
    with_base = any("base" in e for e in entries)
    with_p = any("p_value" in e for e in entries)
    head = ["gate", "value", "threshold"] + (["base"] if with_base else []) + (["p-value"] if with_p else []) + ["result"]
    rule = ["---", "---:", "---:"] + (["---:"] if with_base else []) + (["---:"] if with_p else []) + ["---"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    for e in entries:
        state = outcome(e)
        result = SKIPPED if state == "skipped" else PASS if state == "pass" else (WARN if mode == "warn" else FAIL)
        if e.get("note"):
            result += f" ({md(e['note'])})"
        cells = [code(e["expr"]), _num(e.get("value"), precision), _num(e.get("threshold"), precision)]
        if with_base:
            cells.append(_num(e.get("base"), precision) if "base" in e else "")
        if with_p:
            cells.append(f"{e['p_value']:.4g}" if "p_value" in e else "")
        lines.append("| " + " | ".join(cells + [result]) + " |")
    return "\n".join(lines) + "\n"


def losses_table(report: Report, precision: int | None = 6, groups: bool = True) -> str:
    """The losses as a Markdown table (``breakdown.display_rows``): a CI column when any loss
    has one; with ``groups``, the ``--group-by`` columns and each group's rows; the per-sample
    statistics only when a loss has per-sample values (``breakdown.stat_fields``)."""
    shown = report if groups else dataclasses.replace(report, groups=())
    names, with_ci = group_names(shown), has_ci(shown)
    fields = ["value", *(["ci"] if with_ci else []), *stat_fields(shown)[1:]]
    heads = {"ci": ci_header(shown), "value": value_header(shown.config)}
    head = "| " + " | ".join([*map(md, names), "loss", *(heads.get(f, f) for f in fields)]) + " |"
    rule = "|" + "---|" * (len(names) + 1) + "---:|" * len(fields)
    lines = [
        "| "
        + " | ".join(
            [*map(md, group_cells(key, names, first)), with_arrow(label, direction, code)]
            + [ci_cell(values.get("ci"), precision) if f == "ci" else value_cell(values, f, precision) for f in fields]
        )
        + " |"
        for key, first, label, direction, values in display_rows(shown)
    ]
    return "\n".join([head, rule, *lines]) + "\n"


def warnings_markdown(warnings: Sequence[str]) -> str:
    """The report's warnings as a Markdown list ('' without any); the text is escaped, so a file
    or column name cannot add markup."""
    if not warnings:
        return ""
    return "**Warnings**\n\n" + "".join(f"- ⚠️ {md(w)}\n" for w in warnings)


def summary_markdown(report: Report, precision: int | None = 6, mode: str = "fail") -> str:
    """The step summary: status heading, inputs line, losses, gates, and folded details."""
    icon = {"pass": "✅", "fail": "⚠️" if mode == "warn" else "❌"}.get(report.status, "❗")
    paths = [v["path"] for v in report.inputs.values() if isinstance(v, dict) and "path" in v]
    where = ", ".join(code(p) for p in dict.fromkeys(paths))
    used = report.rows_used
    count = f"{used} rows" + (f" ({report.rows - used} dropped)" if report.rows != used else "")
    parts = [f"### losscli: {icon} {md(report.status)}" + (" (gate mode warn)" if mode == "warn" and report.status == "fail" else ""), ""]
    parts.append(" · ".join(x for x in (where, count) if x) + "\n")
    note = config_note(report.config)
    if note:
        parts.append(md_note(note) + "\n")
    parts.append(losses_table(report, precision, groups=False))
    matrices = markdown_matrices(report, precision, groups=False)
    if matrices:
        parts.append(matrices)
    if report.warnings:
        parts.append(warnings_markdown(report.warnings))
    if report.gates:
        parts.append(f"**Gates:** {tally(report.gates)}\n")
        parts.append(gates_markdown(report.gates, precision, mode))
    if report.groups:
        grouped = "\n".join(filter(None, [groups_markdown(report.groups, precision), markdown_matrices(report, precision, overall=False)]))
        parts.append(f"<details><summary>Groups ({len(report.groups)})</summary>\n\n{grouped}\n</details>\n")
    parts.append(_details(report))
    return "\n".join(parts)


def error_markdown(code: int, message: str) -> str:
    """The step summary of a run that stopped with an error: the exit code and the error line."""
    return f"### losscli: ❗ error\n\n**Error** (exit {code}): {md(message)}\n"


def groups_markdown(groups: Sequence[GroupResult], precision: int | None = 6) -> str:
    """One row per (group, loss): the group's key columns, loss, value, CI when present, n."""
    keys = list(dict.fromkeys(k for g in groups for k in g.key))
    with_ci = any(r.ci for g in groups for r in g.losses)
    head = [md(k) for k in keys] + ["loss", "value"] + (["CI"] if with_ci else []) + ["n"]
    rule = ["---"] * (len(keys) + 1) + ["---:"] * (len(head) - len(keys) - 1)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    for g in groups:
        for r in g.losses:
            cells = [md(MISSING if g.key.get(k) is None else g.key[k]) for k in keys] + [with_arrow(r.label, r.direction, code), value_cell({"value": r.value, **note(r)}, "value", precision)]
            cells += [ci_cell(r.ci, precision)] if with_ci else []
            lines.append("| " + " | ".join([*cells, str(r.n)]) + " |")
    return "\n".join(lines) + "\n"


def _details(report: Report) -> str:
    lines = ["<details><summary>Details</summary>", ""]
    lines += [f"- {code(r.label)}: {code(r.signature, table=False)}" for r in report.losses]
    for key, value in report.inputs.items():
        if isinstance(value, dict) and "path" in value:
            lines.append(f"- {md(key)}: {_input_details(value)}")
    lines.append(f"- losscli {md(report.tool_version)}, {report.seconds:.3f} s")
    lines += ["", "Configuration:", "", "```json", _fenced_json(report.config), "```", "", "</details>", ""]
    return "\n".join(lines)


def _input_details(info: Mapping[str, Any]) -> str:
    """One input of the details list: path, shape, columns and digest (all from the data: escaped)."""
    alg = next((k for k in ALGORITHMS if info.get(k)), None)  # the digest, named by its algorithm
    extra = f" {alg} {code(info[alg])}" if alg else ""
    shape = f" shape [{', '.join(md(d) for d in info['shape'])}]" if isinstance(info.get("shape"), (list, tuple)) else ""
    names = info.get("columns") or []
    shown = ", ".join(map(code, names)) if len(names) <= 4 else f"{code(names[0])} .. {code(names[-1])} ({len(names)})"
    cols = f" column{'s' if len(names) > 1 else ''} {shown}" if names else ""
    return f"{code(info.get('path', ''))}{shape}{cols}{extra}"


def _fenced_json(value: Any) -> str:
    """JSON for a fenced block: ASCII (``ensure_ascii``), with the characters that could end the
    fence or read as HTML (`` ` < > & ``) written as JSON ``\\u`` escapes; the same JSON value."""
    text = json_text(json.dumps(value, indent=2, sort_keys=True, default=str))
    return text.replace("`", "\\u0060").replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def fit(text: str, budget: int) -> str | None:
    """``text`` cut to at most ``budget`` UTF-8 bytes at a line boundary, with any open
    ``<details>`` closed and the truncation note; None when not even the note fits."""
    data = text.encode("utf-8")
    if len(data) <= budget:
        return text
    closing = "\n</details>\n"
    room = budget - len(TRUNCATED_NOTE.encode("utf-8")) - len(closing.encode("utf-8"))
    if room <= 0:
        return None
    head = data[:room].decode("utf-8", errors="ignore")
    cut = head.rfind("\n")
    head = head[: cut + 1] if cut >= 0 else ""
    if head.count("```") % 2:
        head = head[: head.rfind("```")]
    if head.count("<details>") > head.count("</details>"):
        head += closing
    return head + TRUNCATED_NOTE


def append_summary(text: str, path: str | None = None, limit: int = SUMMARY_LIMIT) -> tuple[str | None, str]:
    """Append ``text`` to ``path`` (``$GITHUB_STEP_SUMMARY`` by default) within ``limit`` bytes
    for the whole file. Returns (path or None when unset, ``written``/``truncated``/``full``)."""
    path = path if path is not None else os.environ.get("GITHUB_STEP_SUMMARY") or None
    if path is None:
        return None, "unset"
    used = os.path.getsize(path) if os.path.isfile(path) else 0
    sep = "\n" if used else ""
    fitted = fit(text, limit - used - len(sep))
    if fitted is None:
        return path, "full"
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(sep + fitted)
    return path, "written" if fitted == text else "truncated"
