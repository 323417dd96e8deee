"""``eval --emit-state`` and ``losscli merge`` (SPEC.md 13): shards merged give one run's report.

A table is split into 3 shards; each is evaluated with --emit-state; merging the states gives the
values of one run over the whole table (1e-12 relative), the same n, min and max, and the same
row counts. States of different evaluations are refused (exit 2); a file that is not a state is
exit 3; a failed evaluation writes no state.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from test_streaming import same_report

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
        "Error: ntxent compares each row with every other row of its evaluation: shards cannot be merged "
        "into the value of one run; evaluate all rows at once.\n"
    )
