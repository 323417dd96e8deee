"""Markdown for CI: the gates section of ``-f md`` and the GitHub step summary (``--gh-summary``).

Both read the JSON report as a dict (``Report.to_dict()`` or a report file read back by
``losscli gate``), so ``eval`` and ``gate`` write the same summary. Stdlib only.

The step summary is appended to the file named by ``$GITHUB_STEP_SUMMARY``; without that
variable nothing is written and nothing is said (the flag can stay on in scripts that also run
outside GitHub Actions). GitHub refuses a step summary over 1 MiB: the text is cut at a line
boundary to fit what is left of that budget (the file may already hold earlier summaries of
the same step), any open ``<details>`` is closed, and a note says it was truncated.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from losscli._digest import ALGORITHMS
from losscli.render.escape import code, json_text, md
from losscli.render._format import arrow, config_note, fmt_number, md_note, number_cell
from losscli.report import gate_outcome as outcome, gate_tally as tally

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


def losses_markdown(report: Mapping[str, Any], precision: int | None = 6) -> str:
    """The losses of a report dict as a Markdown table (a CI column when any loss has one)."""
    losses = report.get("losses", [])
    with_ci = any(isinstance(e.get("ci"), dict) for e in losses)
    fields = ["value"] + (["ci"] if with_ci else []) + ["n", "mean", "std", "se", "min", "max"]
    head = "| loss | " + " | ".join(f if f != "ci" else _ci_head(losses) for f in fields) + " |"
    rule = "|---|" + "|".join("---:" for _ in fields) + "|"
    lines = [head, rule]
    for e in losses:
        head_only = e.get("per_sample") is not None  # rmse: the headline's row, then the squared errors' statistics
        shown = [f if not head_only or f in ("value", "ci", "n") else None for f in fields]
        lines.append("| " + " | ".join([f"{code(e['label'])} {arrow(e.get('direction', 'lower'))}", *(_cell(e, f, precision) if f else "" for f in shown)]) + " |")
        if head_only:
            cells = ["" if f in ("value", "ci") else _cell(e, f, precision) for f in fields]
            lines.append("| " + " | ".join([f"↳ {code(e['per_sample'])}", *cells]) + " |")
        for t in e.get("terms", []) or []:
            coef = fmt_number(float(t["coefficient"]), None).removesuffix(".0")
            row = [f"↳ {coef} × {code(t['label'])}", _num(t.get("contribution"), precision)] + [""] * (len(fields) - 1)
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def warnings_markdown(warnings: Sequence[str]) -> str:
    """The report's warnings as a Markdown list ('' without any); the text is escaped, so a file
    or column name cannot add markup."""
    if not warnings:
        return ""
    return "**Warnings**\n\n" + "".join(f"- ⚠️ {md(w)}\n" for w in warnings)


def _ci_head(losses: Sequence[Mapping[str, Any]]) -> str:
    levels = {e["ci"].get("level") for e in losses if isinstance(e.get("ci"), dict)}
    return f"{levels.pop():.0%} CI" if len(levels) == 1 and None not in levels else "CI"


def _cell(entry: Mapping[str, Any], f: str, precision: int | None) -> str:
    if f != "ci":
        return _num(entry.get(f), precision)
    ci = entry.get("ci")
    if not isinstance(ci, dict):
        return ""
    return f"[{_num(ci.get('low'), precision)}, {_num(ci.get('high'), precision)}]"


def summary_markdown(report: Mapping[str, Any], precision: int | None = 6, mode: str = "fail") -> str:
    """The step summary: status heading, inputs line, losses, gates, and folded details."""
    status = report.get("status", "pass")
    icon = {"pass": "✅", "fail": "⚠️" if mode == "warn" else "❌"}.get(status, "❗")
    inputs = report.get("inputs", {})
    paths = [v["path"] for k, v in inputs.items() if isinstance(v, dict) and "path" in v]
    rows = inputs.get("rows")
    used = inputs.get("rows_used")
    where = ", ".join(code(p) for p in dict.fromkeys(paths))
    count = f"{md(used)} rows" + (f" ({rows - used} dropped)" if isinstance(rows, int) and isinstance(used, int) and rows != used else "")
    parts = [f"### losscli: {icon} {md(status)}" + (" (gate mode warn)" if mode == "warn" and status == "fail" else ""), ""]
    parts.append(" · ".join(x for x in (where, count if used is not None else "") if x) + "\n" if where or used is not None else "")
    note = config_note(report.get("config") or {})
    if note:
        parts.append(md_note(note) + "\n")
    parts.append(losses_markdown(report, precision))
    if report.get("warnings"):
        parts.append(warnings_markdown(report["warnings"]))
    gates = report.get("gates") or []
    if gates:
        parts.append(f"**Gates:** {tally(gates)}\n")
        parts.append(gates_markdown(gates, precision, mode))
    groups = report.get("groups") or []
    if groups:
        parts.append(f"<details><summary>Groups ({len(groups)})</summary>\n\n{groups_markdown(groups, precision)}\n</details>\n")
    parts.append(_details(report))
    return "\n".join(p for p in parts if p is not None)


def error_markdown(code: int, message: str) -> str:
    """The step summary of a run that stopped with an error: the exit code and the error line."""
    return f"### losscli: ❗ error\n\n**Error** (exit {code}): {md(message)}\n"


def groups_markdown(groups: Sequence[Mapping[str, Any]], precision: int | None = 6) -> str:
    """One row per (group, loss): the group's key columns, loss, value, CI when present, n."""
    keys = list(dict.fromkeys(k for g in groups for k in (g.get("key") or {})))
    with_ci = any(isinstance(e.get("ci"), dict) for g in groups for e in g.get("losses", []))
    head = [md(k) for k in keys] + ["loss", "value"] + (["CI"] if with_ci else []) + ["n"]
    rule = ["---"] * (len(keys) + 1) + ["---:"] * (len(head) - len(keys) - 1)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    for g in groups:
        key = g.get("key") or {}
        for e in g.get("losses", []):
            cells = [md(key.get(k, "")) for k in keys] + [f"{code(e['label'])} {arrow(e.get('direction', 'lower'))}", _num(e.get("value"), precision)]
            if with_ci:
                cells.append(_cell(e, "ci", precision))
            cells.append(_num(e.get("n"), precision))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _details(report: Mapping[str, Any]) -> str:
    lines = ["<details><summary>Details</summary>", ""]
    for e in report.get("losses", []):
        lines.append(f"- {code(e['label'])}: {code(e.get('signature', ''), table=False)}")
    for key, value in report.get("inputs", {}).items():
        if isinstance(value, dict) and "path" in value:
            alg = next((k for k in ALGORITHMS if value.get(k)), None)  # the digest, named by its algorithm
            extra = f" {alg} {code(value[alg])}" if alg else ""
            shape = f" shape [{', '.join(md(d) for d in value['shape'])}]" if isinstance(value.get("shape"), (list, tuple)) else ""
            names = value.get("columns") or []
            shown = ", ".join(map(code, names)) if len(names) <= 4 else f"{code(names[0])} .. {code(names[-1])} ({len(names)})"
            cols = f" column{'s' if len(names) > 1 else ''} {shown}" if names else ""
            lines.append(f"- {md(key)}: {code(value.get('path', ''))}{shape}{cols}{extra}")
    tool = report.get("tool", {})
    seconds = report.get("timing", {}).get("seconds")
    lines.append(f"- losscli {md(tool.get('version', ''))}" + (f", {seconds:.3f} s" if isinstance(seconds, (int, float)) else ""))
    lines += ["", "Configuration:", "", "```json", _fenced_json(report.get("config", {})), "```", "", "</details>", ""]
    return "\n".join(lines)


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
