"""Data-derived text (column names, ids, group values) cannot change what a reader of losscli's
output sees: no Markdown/HTML from data in ``-f md`` and the step summary, no rich markup or
control characters in tables, no GitHub workflow command (a line starting with ``::``, or
``##[`` anywhere) in any output. One escaping layer, ``losscli.render.escape``, does it; these
tests check the invariants on the real CLI's output text.
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
import re

from hypothesis import HealthCheck, Phase, assume, given, settings, strategies as st

from losscli.render.escape import gh_data, terminal

BAD = pathlib.Path(__file__).parent / "data" / "bad"
OUR_TAGS = re.compile(r"</?(details|summary|code)>")
CODE_SPAN = re.compile(r"`[^`\n]*`")
FENCE = re.compile(r"^```json\n(.*?)^```$", re.S | re.M)


def check_lines(text: str) -> None:
    """Every output: one visible line per line, and no workflow command anywhere."""
    assert not any(ord(ch) < 32 and ch != "\n" or ch in "\x7f\u2028\u2029\u202e\x85" for ch in text), repr(text)
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), line  # the runner trims leading whitespace
    assert "##[" not in text


def check_markdown(text: str, headings: int) -> None:
    """Markdown: only our tags, headings and code spans; every table row has its header's cells."""
    check_lines(text)
    for block in FENCE.findall(text):  # the configuration: JSON that cannot end its fence
        assert not set("<>`") & set(block)
        json.loads(block)
    outside = CODE_SPAN.sub("", FENCE.sub("", text))
    assert not set("<>`") & set(OUR_TAGS.sub("", outside)), text
    assert outside.count("<details") == outside.count("</details") == text.count("<details><summary>")
    assert sum(line.startswith("#") for line in text.splitlines()) == headings, text
    pipes = None
    for line in text.splitlines():
        if not line.startswith("|"):
            pipes = None
            continue
        count = CODE_SPAN.sub("", line).count("|")
        pipes = count if pipes is None else pipes
        assert count == pipes, f"a data cell split the row: {line!r}"


def _table_file(path: pathlib.Path, id_name: str, group_name: str, ids: list[str], groups: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(["pred", "target", id_name, group_name])
    for i, (ident, group) in enumerate(zip(ids, groups)):
        w.writerow([i * 0.5, i % 2, ident, group])
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return path.name


def _every_output(cli, files, name: str) -> None:
    """Run eval in every text format (and the step summary) on ``name``; check each output."""
    summary = files.root / "summary.md"
    summary.write_text("")
    common = [name, "-p", "pred", "-y", "target", "--id-col", "3", "-g", "4", "--top-k", "3", "-l", "mse"]
    r = cli("eval", *common, "-f", "md", "--gh-summary", "--report", "r.json", "--per-sample", "ps.csv",
            env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.exit_code == 0, r.stderr
    check_markdown(r.stdout, headings=0)
    check_markdown(summary.read_text(encoding="utf-8"), headings=1)  # "### losscli: ✅ pass", ours
    report = (files.root / "r.json").read_text(encoding="utf-8")
    check_lines(report)
    check_lines((files.root / "ps.csv").read_text(encoding="utf-8"))
    r = cli("eval", *common, "-f", "table")
    assert r.exit_code == 0, r.stderr
    check_lines(r.stdout)
    for g in json.loads(report)["groups"]:  # each group value as read: shown as text, never as markup
        assert terminal(next(iter(g["key"].values()))) in r.stdout
    for fmt in ("csv", "jsonl"):
        r = cli("eval", *common, "-f", fmt, "--per-sample", "ps.jsonl")
        assert r.exit_code == 0, r.stderr
        check_lines(r.stdout)
        check_lines((files.root / "ps.jsonl").read_text(encoding="utf-8"))


def test_the_injection_file_changes_nothing_a_reader_sees(cli, files):
    """The attack of the review (tests/data/bad/injection.csv): a column named
    ``logit_0</details>\\n\\n## All checks passed <img ...>``, group values ``### losscli: pass``,
    ``[link=...]`` and ``[/oops]``, ids with ``::error``/``::add-mask::`` after a newline, OSC 8
    and ESC bytes, ``##[error]`` and backticks."""
    name = files.bytes("injection.csv", (BAD / "injection.csv").read_bytes())
    _every_output(cli, files, name)
    r = cli("eval", name, "-p", "pred", "-y", "target", "--id-col", "3", "-g", "4", "-l", "mse", "-f", "table")
    assert "[link=http://evil.example]x[/link]" in r.stdout and "[/oops]" in r.stdout  # literal, not markup
    r = cli("inspect", name, "-f", "table")
    check_lines(r.stdout)
    assert "logit_0</details>\\n\\n## All checks passed" in r.stdout


_NASTY = st.sampled_from(list("<>`|\\*_[]#!:&~ -=/ae1") + ["\n", "\r", "\t", "\x1b", "\x07", "\x7f", "\u2028", "\u202e", "\xa0", "é", "::", "##[", "</details>", "[/", "[link=x]"])
_TEXT = st.lists(_NASTY, min_size=1, max_size=8).map("".join).filter(lambda s: s.strip() and not s.strip().isdigit())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=[Phase.explicit, Phase.reuse, Phase.generate])  # 4 CLI runs per example; no shrinking
@given(id_name=_TEXT, group_name=_TEXT, ids=st.lists(_TEXT, min_size=3, max_size=3), groups=st.lists(_TEXT, min_size=3, max_size=3))
def test_no_data_text_escapes_its_place_in_any_output(cli, files, id_name, group_name, ids, groups):
    assume(len({id_name.strip(), group_name.strip(), "pred", "target"}) == 4)
    _every_output(cli, files, _table_file(files.root / "d.csv", id_name, group_name, ids, groups))


def test_workflow_command_data_is_percent_encoded():
    # GitHub's escaping of a command's data: % first, then CR and LF; the rest made visible
    assert gh_data("50%\r\n::x\x1b") == "50%25%0D%0A::x\\x1b"
