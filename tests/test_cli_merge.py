"""``eval --emit-state`` and ``losscli merge``: shards merged give one run's report.

A table is split into 3 shards; each is evaluated with --emit-state; merging the states gives the
values of one run over the whole table (1e-12 relative), the same n, min and max, and the same
row counts. States of different evaluations are refused (exit 2); a file that is not a state is
exit 3; a failed evaluation writes no state.
"""

from __future__ import annotations

import json

import blake3
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import X, Y, fails, ok
from test_cli_stats import assert_same_cis, cis_of
from test_streaming import same_report
from test_traps import emit_state

LOSSES = ("-l", "mse", "-l", "mae", "-l", "huber:delta=0.5", "-l", "rmse", "-l", "total=0.7*mse+0.3*mae")


def table(n: int = 900, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    p, y, w = rng.normal(size=n), rng.normal(size=n), rng.random(n) * 2
    y[[i for i in (10, 400, 899) if i < n]] = np.nan
    return ["pred,target,w"] + [f"{a!r},{b!r},{c!r}" for a, b, c in zip(p.tolist(), y.tolist(), w.tolist())]


def shards(files, lines: list[str], cuts=(250, 600)) -> list[str]:
    header, rows = lines[0], lines[1:]
    names = []
    for i, (lo, hi) in enumerate(zip((0, *cuts), (*cuts, len(rows)))):
        names.append(files.text(f"part{i}.csv", "\n".join([header, *rows[lo:hi]]) + "\n"))
    return names


def run(cli, *args) -> dict:
    r = cli(*args)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout) if r.stdout.strip() else {}


@pytest.mark.parametrize("weighted", [False, True])
def test_merged_shards_equal_one_run(cli, files, weighted):
    lines = table()
    files.text("all.csv", "\n".join(lines) + "\n")
    extra = ("-p", "pred", "-y", "target", "--nan-policy", "omit", *LOSSES) + (("-w", "w") if weighted else ())
    one = run(cli, "eval", "all.csv", *extra, "-f", "json")
    states = []
    for i, name in enumerate(shards(files, lines)):
        run(cli, "eval", name, *extra, "--emit-state", f"s{i}.json", "-f", "json", "--chunk-rows", 64)
        states.append(f"s{i}.json")
    merged = run(cli, "merge", *reversed(states), "-f", "json")  # any order
    same_report(merged, one)
    assert merged["inputs"]["dropped"] == {"nan": 3}
    assert [s["path"] for s in merged["inputs"]["states"]] == list(reversed(states))
    assert [x["signature"] for x in merged["losses"]] == [x["signature"] for x in one["losses"]]
    combo = merged["losses"][-1]
    assert [t["label"] for t in combo["terms"]] == ["mse", "mae"]


def test_merge_outputs_like_eval(cli, files):
    lines = table(n=30)
    names = shards(files, lines, cuts=(10, 20))
    for i, name in enumerate(names):
        run(cli, "eval", name, "-l", "mse", "--nan-policy", "omit", "--emit-state", f"s{i}.json", "-f", "json")
    r = cli("merge", "s0.json", "s1.json", "s2.json", "-b")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 1
    r = cli("merge", "s0.json", "s1.json", "s2.json", "-o", "merged.json", "--report", "r.json")
    assert r.exit_code == 0 and r.stdout == ""
    assert json.loads((files.root / "merged.json").read_text()) == json.loads((files.root / "r.json").read_text())


def test_state_is_versioned_json_with_provenance(cli, files):
    files.xy_csv()
    run(cli, "eval", "xy.csv", "-l", "mse", "--emit-state", "s.json", "-f", "json")
    state = json.loads((files.root / "s.json").read_text())
    assert state["schema"] == "losscli.state/1"
    assert state["tool"]["name"] == "losscli"
    assert state["inputs"]["pred"]["path"] == "xy.csv" and state["rows"] == 4
    assert files.listing() == ["s.json", "xy.csv"]  # written atomically: no temporary left


def test_incompatible_states_are_usage_errors(cli, files):
    files.xy_csv()
    run(cli, "eval", "xy.csv", "-l", "mse", "--emit-state", "a.json", "-f", "json")
    run(cli, "eval", "xy.csv", "-l", "mae", "--emit-state", "b.json", "-f", "json")
    run(cli, "eval", "xy.csv", "-l", "mse", "--reduction", "sum", "--emit-state", "c.json", "-f", "json")
    r = cli("merge", "a.json", "b.json")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "Error: Cannot merge b.json into a.json: their losses (-l) differ (mae vs mse); merge states of the same evaluation settings.\n"
    r = cli("merge", "a.json", "c.json")
    assert r.exit_code == 2
    assert r.stderr == "Error: Cannot merge c.json into a.json: their --reduction differ (sum vs mean); merge states of the same evaluation settings.\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "bad.json is not a losscli state (invalid JSON: "),
        ('{"a": 1}', "bad.json is not a losscli state (no 'schema'); write one with 'losscli eval --emit-state'."),
        ('{"schema": "losscli.state/9"}', "bad.json has schema 'losscli.state/9'; this losscli "),
        ('{"schema": "losscli.state/1", "losses": ["mse"]}', "bad.json is not a valid losscli state: it has no 'reduction', "),
        ('{"schema": "losscli.report/1"}', "bad.json has schema 'losscli.report/1'"),
    ],
)
def test_files_that_are_not_states_exit_3(cli, files, content, message):
    files.text("bad.json", content)
    r = cli("merge", "bad.json")
    assert (r.exit_code, r.stdout) == (3, "")
    assert r.stderr.startswith("Error: " + message), r.stderr


def test_missing_state_file(cli, files):
    r = cli("merge", "nope.json")
    assert (r.exit_code, r.stderr) == (3, "Error: File not found: nope.json\n")


def test_a_failed_evaluation_writes_no_state(cli, files):
    files.csv("bad.csv", ["pred", "target"], [1, 2], ["x", 3])
    r = cli("eval", "bad.csv", "-l", "mse", "--emit-state", "s.json")
    assert r.exit_code == 3
    assert files.listing() == ["bad.csv"]


def test_merging_one_state_is_that_evaluation(cli, files):
    files.xy_csv()
    one = run(cli, "eval", "xy.csv", "-l", "mse", "-l", "mae", "--emit-state", "s.json", "-f", "json")
    same_report(run(cli, "merge", "s.json", "-f", "json"), one)


def test_bootstrap_groups_and_top_k_merge_exactly(cli, files):
    # the bootstrap weight of row i is keyed on (seed, i): shards pass their first row with --row-offset
    lines = table(n=300)
    files.text("all.csv", "\n".join(lines).replace("nan", "1.0") + "\n")
    rows = (files.root / "all.csv").read_text().splitlines()
    stats = ("-p", "pred", "-y", "target", "-l", "mse", "--ci", "bootstrap", "--n-boot", "100", "--top-k", "3")
    one = run(cli, "eval", "all.csv", *stats, "-f", "json")
    for i, (lo, hi) in enumerate([(0, 120), (120, 300)]):
        files.text(f"p{i}.csv", "\n".join([rows[0], *rows[1 + lo : 1 + hi]]) + "\n")
        run(cli, "eval", f"p{i}.csv", *stats, "--row-offset", lo, "--emit-state", f"s{i}.json", "-f", "json")
    merged = run(cli, "merge", "s0.json", "s1.json", "-f", "json")
    same_report(merged, one)
    for k in ("low", "high"):
        assert merged["losses"][0]["ci"][k] == pytest.approx(one["losses"][0]["ci"][k], rel=1e-12)
    assert merged["losses"][0].get("worst") == one["losses"][0].get("worst")


def test_states_of_losses_that_compare_rows_do_not_merge(cli, files):
    rng = np.random.default_rng(0)
    files.npy("zi.npy", rng.normal(size=(40, 4)))
    files.npy("zj.npy", rng.normal(size=(40, 4)))
    run(cli, "eval", "--input", "z_i=zi.npy", "--input", "z_j=zj.npy", "-l", "ntxent", "--emit-state", "s.json", "-f", "json")
    assert cli("merge", "s.json", "-f", "json").exit_code == 0  # one whole evaluation is fine
    r = cli("merge", "s.json", "s.json")
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: ntxent gives a row a value that depends on other rows of its evaluation: shards cannot be merged "
        "into the value of one run; evaluate all rows at once.\n"
    )


# ---------------------------------------------------------------------------- validated states
# A state is checked field by field before it is merged (losscli/state.py): a tampered or
# malformed state is exit 3 naming the file and the field, never exit 4, never a report made of
# impossible numbers.


def _stats_shards(cli, files) -> tuple[dict, dict]:
    """Two shard states with every part a state can have (weights, a per-column loss, a
    combination, bootstrap sums, groups, top-k), and the report of their merge."""
    lines = ["id,g,pred,target,w"] + [f"r{i},{'ab'[i % 2]},{0.25 * i},{(i * 7) % 5},{1 + i % 3}" for i in range(12)]
    header, rows = lines[0], lines[1:]
    flags = ("-p", "pred", "-y", "target", "-w", "w", "--id-col", "id", "-g", "g", "-l", "rmse", "-l", "t=0.5*mse+mae",
             "--ci", "bootstrap", "--n-boot", "4", "--top-k", "2")  # fmt: skip
    for i, (lo, hi) in enumerate([(0, 5), (5, 12)]):
        files.text(f"p{i}.csv", "\n".join([header, *rows[lo:hi]]) + "\n")
        run(cli, "eval", f"p{i}.csv", *flags, "--row-offset", lo, "--emit-state", f"s{i}.json", "-f", "json")
    merged = run(cli, "merge", "s0.json", "s1.json", "-f", "json")
    return json.loads((files.root / "s1.json").read_text()), merged


def _numbers(report: dict) -> dict:
    """What a merge computes: every statistic of every loss and group, the worst rows' values and
    row numbers, and the row counts (not the echo of the inputs, nor ids and group names, which
    are data)."""
    def loss(e):
        return {k: e.get(k) for k in ("label", "value", "n", "sum", "mean", "std", "se", "min", "max", "ci")} | {
            "worst": [(w.get("value"), w.get("row")) for w in e.get("worst") or []]
        }
    return {
        "losses": [loss(e) for e in report["losses"]],
        "groups": [(g["rows"], [loss(e) for e in g["losses"]]) for g in report["groups"]],
        "rows": [report["inputs"][k] for k in ("rows", "rows_used", "dropped")],
    }


_COMMAND: list = []  # the click command, built once (typer builds it again on every CliRunner call: ~0.2 s)


def _tamper(cli, files, state: dict, edit) -> object:
    """Merge s0.json with a copy of ``state`` (t.json) edited by ``edit``."""
    import typer
    from click.testing import CliRunner

    from losscli.cli import app

    bad = json.loads(json.dumps(state))
    edit(bad)
    files.text("t.json", json.dumps(bad))
    if not _COMMAND:
        _COMMAND.append(typer.main.get_command(app))
    return CliRunner().invoke(_COMMAND[0], ["merge", "s0.json", "t.json", "-f", "json"], env={"LOSSCLI_FORMAT": None, "NO_COLOR": None})


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s["summaries"]["rmse"].update(n=-442), "'summaries.rmse.n' must be an integer >= 0, got -442."),
        (lambda s: s["summaries"]["t[1]"]["sums"].__setitem__(2, float("nan")), "'summaries.t[1].sums' must be finite (every loss value is, without --nan-policy propagate), got nan."),
        (lambda s: s["summaries"]["t"].update(m2=-1.5), "'summaries.t.m2' is negative (-1.5); it is a sum of squares."),
        (lambda s: s["tool"].update(version="99.0"), "'tool.version' is '99.0', this losscli is 0.1.0: evaluate every shard with one version."),
        (lambda s: s["summaries"].pop("rmse"), "'summaries.rmse' is missing."),  # was exit 4 (KeyError)
        (lambda s: s["summaries"]["rmse"].update(sums=[1.0]), "'summaries.rmse.sums' has 1 values; a summary has 4 and one per column."),  # was exit 4 (IndexError)
        (lambda s: s.update(rows=6), "'summaries.rmse.n' is 7, but 6 rows were kept."),  # weighted: n counts rows of weight > 0, at most those kept
        (lambda s: s["analysis"]["overall"]["boot"]["t"]["sums"].pop(), "'analysis.overall.boot.t.sums' must be 4 replicates (n_boot) of 2 sums."),
        (lambda s: s["analysis"]["groups"][0]["summaries"]["rmse"].update(n=4), "'analysis.groups[0].summaries.rmse.n' is 4, but 3 rows were kept."),
        (lambda s: s.update(losses=["mse", "nope"]), "'losses' is not valid: Unknown loss 'nope'. Run 'losscli list' to see available losses."),
        (lambda s: s.update(weighted="yes"), "'weighted' must be true or false, got 'yes'."),
    ],
)
def test_tampered_states_are_exit_3_naming_the_field(cli, files, edit, message):
    state, _ = _stats_shards(cli, files)
    r = _tamper(cli, files, state, edit)
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", f"Error: t.json is not a valid losscli state: {message}\n")


def test_an_untampered_copy_merges_to_the_same_report(cli, files):
    state, merged = _stats_shards(cli, files)
    r = _tamper(cli, files, state, lambda s: None)
    assert r.exit_code == 0, r.stderr
    assert _numbers(json.loads(r.stdout)) == _numbers(merged)


_OTHER_TYPES = ("x", [], {}, None, True, 1.5)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _mutate(state: dict, path: tuple, kind: str, pick: int) -> None:
    """One mutation of the node at ``path``: dropped, of another type, a negative count, NaN or
    infinite, or a list of another length."""
    parent = state
    for p in path[:-1]:
        parent = parent[p]
    key = path[-1]
    value = parent[key]
    if kind == "drop":
        del parent[key]
    elif kind == "type":
        others = [v for v in _OTHER_TYPES if type(v) is not type(value)]
        parent[key] = others[pick % len(others)]
    elif kind == "negative" and isinstance(value, int) and not isinstance(value, bool):
        parent[key] = -value - 1 - pick
    elif kind == "nan" and isinstance(value, (int, float)) and not isinstance(value, bool):
        parent[key] = (float("nan"), float("inf"), -float("inf"))[pick % 3]
    elif kind == "shape" and isinstance(value, list):
        if value and pick % 2:
            value.pop()
        else:
            value.append(value[-1] if value else 0.0)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_mutated_states_give_the_same_numbers_or_exit_3_never_4(cli, files, data):
    """Any one mutation of a valid state (a key dropped, a value of another type, a negative
    count, NaN or infinity, a list of another length) either leaves what the merge computes
    unchanged (exit 0, the same numbers) or is exit 3 with one line naming the file; exit 2
    only for a mutation that leaves a valid state of other settings (its statistics removed)."""
    if not (files.root / "s0.json").exists():
        _STATE_CACHE.clear()
        _STATE_CACHE.extend(_stats_shards(cli, files))
    state, merged = _STATE_CACHE
    paths = [p for p in _paths(state) if p]
    path = data.draw(st.sampled_from(paths), label="path")
    kind = data.draw(st.sampled_from(["drop", "type", "negative", "nan", "shape"]), label="kind")
    pick = data.draw(st.integers(0, 5), label="pick")
    r = _tamper(cli, files, state, lambda s: _mutate(s, path, kind, pick))
    assert r.exit_code in (0, 2, 3), r.stderr
    if r.exit_code == 0 and _is_group_key(path) and kind == "type":
        # a group key is data: another scalar (None: the missing group, True, 1.5) is a valid
        # state of rows in another group, so its rows are reported under that group
        assert _numbers(json.loads(r.stdout))["losses"] == _numbers(merged)["losses"]
    elif r.exit_code == 0:
        assert _numbers(json.loads(r.stdout)) == _numbers(merged)
    else:
        assert r.stdout == "" and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
        assert "t.json" in r.stderr
        if r.exit_code == 2:
            assert r.stderr.startswith("Error: Cannot merge t.json into s0.json: "), r.stderr


def _is_group_key(path: tuple) -> bool:
    """Whether ``path`` is a value of a group's key (``analysis.groups[i].key[j]``)."""
    return len(path) == 5 and path[:2] == ("analysis", "groups") and path[3] == "key"


_STATE_CACHE: list = []


@pytest.fixture
def two_states(cli, files) -> list[str]:
    """The running example (conftest X, Y) as two shards: mse over all four rows is 3.375
    (mean of the squared errors 0.25, 4, 0.25, 9, hand-computed)."""
    files.text("p0.csv", "pred,target\n0.5,0\n-1,1\n")
    files.text("p1.csv", "pred,target\n2,2.5\n3,0\n")
    run(cli, "eval", "p0.csv", "-l", "mse", "--emit-state", "s0.json", "-f", "json")
    run(cli, "eval", "p1.csv", "-l", "mse", "--row-offset", "2", "--emit-state", "s1.json", "-f", "json")
    return ["s0.json", "s1.json"]


def test_merge_gates_the_merged_values(cli, two_states):
    passed = cli("merge", *two_states, "--fail-if", "mse<4", "-f", "json")
    assert (passed.exit_code, passed.stderr) == (0, "")
    data = json.loads(passed.stdout)
    assert data["status"] == "pass"
    assert [(g["expr"], g["value"], g["threshold"], g["passed"]) for g in data["gates"]] == [("mse<4", 3.375, 4.0, True)]
    failed = cli("merge", *two_states, "--fail-if", "mse<3", "--report", "r.json", "-f", "json")
    assert failed.exit_code == 1
    assert failed.stderr == "Gate failed: mse<3: mse is 3.375, threshold 3.0\n"
    with open("r.json", encoding="utf-8") as fh:
        assert json.load(fh)["status"] == "fail"  # the report is written on a failed gate too


def test_merge_gate_mode_warn_exits_0(cli, two_states):
    r = cli("merge", *two_states, "--fail-if", "mse<3", "--gate-mode", "warn", "-b")
    assert (r.exit_code, r.stdout) == (0, "3.375\n")
    assert r.stderr == "Warning: gate failed (--gate-mode warn): mse<3: mse is 3.375, threshold 3.0\n"


def test_merge_gate_errors(cli, two_states):
    from conftest import fails

    fails(cli("merge", *two_states, "--fail-if", "mse<=base*1.02"), 2,
          "--fail-if 'mse<=base*1.02' compares with base, but 'losscli merge' has no baseline: gate its JSON report with 'losscli gate REPORT --baseline OLD.json'.")
    fails(cli("merge", *two_states, "--fail-if", "mae<3"), 2, "--fail-if 'mae<3' names loss 'mae', which is not computed; computed: mse. Add -l mae or gate one of those.")


def test_merge_refuses_a_state_given_twice(cli, files):
    files.xy_csv()
    emit_state(cli, "xy.csv", "s.json")
    fails(cli("merge", "s.json", "s.json"), 3, "s.json is given twice; merge each shard once.")
    files.text("copy.json", (files.root / "s.json").read_text())
    fails(cli("merge", "s.json", "copy.json"), 3, "s.json and copy.json are the same state given twice (the same inputs, rows 1-4); merge each shard once.")
    emit_state(cli, "xy.csv", "again.json")  # the same file evaluated again
    fails(cli("merge", "s.json", "again.json"), 3, "s.json and again.json are the same state given twice (the same inputs, rows 1-4); merge each shard once.")


def test_merge_refuses_two_states_over_the_same_rows_of_one_file(cli, files):
    files.xy_csv()
    emit_state(cli, "xy.csv", "a.json")
    emit_state(cli, "xy.csv", "b.json", "--row-offset", "2", "-l", "mse")  # claims rows 3-6: rows 3-4 overlap a.json's
    digest = blake3.blake3((files.root / "xy.csv").read_bytes()).hexdigest()
    fails(
        cli("merge", "a.json", "b.json"), 3,
        f"a.json and b.json both cover rows 3-4 of the same input (xy.csv, blake3 {digest[:12]}...); "
        "each row must be in one shard only (--row-offset numbers them).",
    )


def test_shards_of_different_files_merge_without_row_offsets(cli, files):
    files.csv("p0.csv", ["pred", "target"], *zip(X[:2], Y[:2]))
    files.csv("p1.csv", ["pred", "target"], *zip(X[2:], Y[2:]))
    emit_state(cli, "p0.csv", "s0.json")
    emit_state(cli, "p1.csv", "s1.json")
    r = cli("merge", "s0.json", "s1.json", "-b")
    assert (r.exit_code, r.stdout) == (0, "3.375\n")  # d = [0.5, -2, -0.5, 3]: (0.25 + 4 + 0.25 + 9) / 4


def test_shards_with_row_offsets_merge_into_the_single_run(cli, files):
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=250).round(3), rng.normal(size=250).round(3)
    files.csv("all.csv", ["pred", "target"], *zip(x, y))
    files.csv("s1.csv", ["pred", "target"], *zip(x[:100], y[:100]))
    files.csv("s2.csv", ["pred", "target"], *zip(x[100:], y[100:]))
    common = ["-l", "mse", "--ci", "bootstrap", "--n-boot", "100", "--top-k", "1"]
    ok(cli("eval", "s1.csv", *common, "--emit-state", "a.json", "-f", "json", "-o", "r1.json"))
    ok(cli("eval", "s2.csv", *common, "--row-offset", "100", "--emit-state", "b.json", "-f", "json", "-o", "r2.json"))
    assert_same_cis(cis_of(cli("merge", "b.json", "a.json", "-f", "json")), cis_of(cli("eval", "all.csv", *common, "-f", "json")))
    ok(cli("eval", "s2.csv", *common, "--emit-state", "c.json", "-f", "json", "-o", "r3.json"))  # no offset
    result = cli("merge", "a.json", "c.json", "-f", "json")
    assert result.exit_code == 2 and "both parts contain rows 1-100" in result.stderr
