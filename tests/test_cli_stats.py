"""``losscli eval --ci/-g/--top-k``, through the CLI (``losscli compare``: test_cli_compare.py).

The running example with ids and a group column (``conftest.X``/``Y``): d = x - y =
[0.5, -2, -0.5, 3]; mse per row [0.25, 4, 0.25, 9], mae [0.5, 2, 0.5, 3]. Hand-computed:
  all:    mse mean 3.375, sample std sqrt(51.5625/3) = 4.14578, se = std/2 = 2.07289
  site x (rows a, c): mse [0.25, 0.25] -> mean 0.25, std 0;  mae mean 0.5
  site y (rows b, d): mse [4, 9] -> mean 6.5, std sqrt(12.5) = 3.53553, se 2.5;  mae [2, 3] -> 2.5
  worst mse: row 4 (d, 9), row 2 (b, 4); worst mae: row 4 (d, 3), row 2 (b, 2)
  95% t-intervals: t(0.975, 3) = 3.182446305284263 (scipy), t(0.975, 1) = tan(0.475 pi)
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import X, Y, fails, ok

T3 = 3.182446305284263  # scipy.stats.t.ppf(0.975, 3)
T1 = math.tan(0.475 * math.pi)  # Cauchy quantile
MSE_SE = math.sqrt(51.5625 / 3) / 2


@pytest.fixture
def grouped(files) -> str:
    return files.csv("g.csv", ["id", "site", "pred", "target"], *zip("abcd", "xyxy", X, Y))


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_groups_and_worst_samples_table(cli, grouped):
    out = ok(cli("eval", grouped, "-l", "mse", "-l", "mae", "-g", "site", "--top-k", "2", "--id-col", "id", "-f", "table"))
    rule = "─" * 61
    assert lines(out) == [
        "site    loss    value   n        std         se    min    max",
        rule,
        "(all)   mse ↓   3.375   4    4.14578    2.07289   0.25      9",
        "        mae ↓     1.5   4    1.22474   0.612372    0.5      3",
        "",
        "x       mse ↓    0.25   2          0          0   0.25   0.25",
        "        mae ↓     0.5   2          0          0    0.5    0.5",
        "",
        "y       mse ↓     6.5   2    3.53553        2.5      4      9",
        "        mae ↓     2.5   2   0.707107        0.5      2      3",
        "4 rows",
        "pred: g.csv:pred  target: g.csv:target",
        "",
        "worst samples",
        "loss    #   row   id   value",
        "─" * 28,
        "mse ↓   1     4   d        9",
        "        2     2   b        4",
        "mae ↓   1     4   d        3",
        "        2     2   b        2",
    ]


def test_groups_and_worst_samples_json(cli, grouped):
    r = json.loads(ok(cli("eval", grouped, "-l", "mse", "-g", "site", "--top-k", "3", "--id-col", "id", "-f", "json")))
    assert r["config"]["group_columns"] == ["site"] and r["config"]["top_k"] == 3
    (mse,) = r["losses"]
    assert mse["worst"] == [{"row": 4, "id": "d", "value": 9.0}, {"row": 2, "id": "b", "value": 4.0}, {"row": 1, "id": "a", "value": 0.25}]
    assert [(g["key"], g["rows"], g["losses"][0]["value"], g["losses"][0]["n"]) for g in r["groups"]] == [
        ({"site": "x"}, 2, 0.25, 2),
        ({"site": "y"}, 2, 6.5, 2),
    ]
    assert "worst" not in r["groups"][0]["losses"][0]
    assert r["groups"][1]["losses"][0]["std"] == pytest.approx(math.sqrt(12.5), rel=1e-14)


def test_worst_samples_without_ids(cli, files):
    boxes = files.csv(
        "b.csv",
        ["p_x1", "p_y1", "p_x2", "p_y2", "t_x1", "t_y1", "t_x2", "t_y2"],
        (0, 0, 2, 2, 0, 0, 2, 2),  # IoU 1: loss 0
        (0, 0, 2, 2, 1, 1, 3, 3),  # IoU 1/7: loss 6/7
        (0, 0, 2, 2, 0, 0, 2, 1),  # IoU 1/2: loss 1/2
    )
    r = json.loads(ok(cli("eval", boxes, "-p", "p_*", "-y", "t_*", "-l", "iou", "--top-k", "2", "-f", "json")))
    (iou,) = r["losses"]
    assert [w["row"] for w in iou["worst"]] == [2, 3]
    assert iou["worst"][0] == {"row": 2, "value": pytest.approx(6 / 7, rel=1e-6)}  # the loss adds an eps


def test_analytic_ci_per_group_csv(cli, grouped):
    out = ok(cli("eval", grouped, "-l", "mse", "-g", "site", "--ci", "analytic", "-f", "csv"))
    f = lambda v: f"{v:.6g}"  # noqa: E731  (--precision 6)
    assert out.splitlines() == [
        "site,loss,direction,value,n,mean,std,se,min,max,sum,ci_low,ci_high",
        f",mse,lower,3.375,4,3.375,4.14578,2.07289,0.25,9,13.5,{f(3.375 - T3 * MSE_SE)},{f(3.375 + T3 * MSE_SE)}",
        "x,mse,lower,0.25,2,0.25,0,0,0.25,0.25,0.5,0.25,0.25",
        f"y,mse,lower,6.5,2,6.5,3.53553,2.5,4,9,13,{f(6.5 - T1 * 2.5)},{f(6.5 + T1 * 2.5)}",
    ]


def test_bootstrap_ci_in_json_markdown_and_table(cli, grouped):
    r = json.loads(ok(cli("eval", grouped, "-l", "mse", "--ci", "bootstrap", "--n-boot", "200", "--seed", "3", "-f", "json")))
    assert {k: r["config"][k] for k in ("ci", "ci_level", "n_boot", "seed")} == {"ci": "bootstrap", "ci_level": 0.95, "n_boot": 200, "seed": 3}
    (mse,) = r["losses"]
    assert list(mse)[-2:] == ["ci", "signature"]
    assert list(mse["ci"]) == ["method", "level", "low", "high"]
    assert 0.25 <= mse["ci"]["low"] < 3.375 < mse["ci"]["high"] <= 9.0  # inside [min, max]
    assert mse["signature"] == "mse|red:mean|nan:error|n:4|ci:bs200@0.95|seed:3|v:0.1.0"
    again = json.loads(ok(cli("eval", grouped, "-l", "mse", "--ci", "bootstrap", "--n-boot", "200", "--seed", "3", "-f", "json")))
    assert again["losses"][0]["ci"] == mse["ci"]  # seeded
    md = ok(cli("eval", grouped, "-l", "mse", "--ci", "bootstrap", "--n-boot", "200", "--seed", "3", "-f", "md", "--precision", "3"))
    low, high = (f"{v:.3g}" for v in (mse["ci"]["low"], mse["ci"]["high"]))
    assert md.splitlines()[:3] == [
        "| loss | value | 95% CI | n | mean | std | se | min | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| `mse` ↓ | 3.38 | [{low}, {high}] | 4 | 3.38 | 4.15 | 2.07 | 0.25 | 9 |",
    ]
    table = ok(cli("eval", grouped, "-l", "mse", "--ci", "bootstrap", "--n-boot", "200", "--seed", "3", "-f", "table"))
    assert "95% CI" in table.splitlines()[0] and f"[{mse['ci']['low']:.6g}, {mse['ci']['high']:.6g}]" in table


def test_group_by_two_columns_and_markdown(cli, files):
    name = files.csv("g2.csv", ["a", "b", "pred", "target"], (1, "u", 0.0, 1.0), (1, "v", 0.0, 2.0), (2, "u", 0.0, 3.0), (1, "u", 0.0, 5.0))
    r = json.loads(ok(cli("eval", name, "-p", "pred", "-y", "target", "-l", "mae", "-g", "a,b", "-f", "json")))
    assert [(g["key"], g["losses"][0]["value"]) for g in r["groups"]] == [({"a": 1, "b": "u"}, 3.0), ({"a": 1, "b": "v"}, 2.0), ({"a": 2, "b": "u"}, 3.0)]
    md = ok(cli("eval", name, "-p", "pred", "-y", "target", "-l", "mae", "-g", "a,b", "--top-k", "1", "-f", "md"))
    assert md == (
        "| a | b | loss | value | n | mean | std | se | min | max |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
        "| (all) |  | `mae` ↓ | 2.75 | 4 | 2.75 | 1.70783 | 0.853913 | 1 | 5 |\n"
        "| 1 | u | `mae` ↓ | 3 | 2 | 3 | 2.82843 | 2 | 1 | 5 |\n"
        "| 1 | v | `mae` ↓ | 2 | 1 | 2 |  |  | 2 | 2 |\n"
        "| 2 | u | `mae` ↓ | 3 | 1 | 3 |  |  | 3 | 3 |\n"
        "\n"
        "pred: `g2.csv:pred`  target: `g2.csv:target`\n"
        "\n"
        "**Worst samples**\n"
        "\n"
        "| loss | # | row | value |\n"
        "|---|---:|---:|---:|\n"
        "| `mae` | 1 | 4 | 5 |\n"
    )


def test_statistics_flag_errors(cli, files, grouped):
    fails(cli("eval", grouped, "-l", "mse", "--ci", "analytic", "--ci-level", "1.5"), 2, "--ci-level must be between 0 and 1 (exclusive), got 1.5.")
    x, y = files.xy_npy()
    fails(cli("eval", x, y, "-l", "mse", "-g", "site"), 2, "-g/--group-by selects columns of a table, but no input is a table.")
    fails(cli("eval", grouped, "-l", "mse", "-g", "nope"), 3, "Column 'nope' not found in g.csv; columns: id, site, pred, target.")
    result = cli("eval", grouped, "-l", "mse", "--ci", "exact")
    assert result.exit_code == 2 and "'exact' is not one of 'analytic', 'bootstrap'" in result.stderr


# ---------------------------------------------------------------------------- streaming and shards


def cis_of(result) -> list:
    r = json.loads(ok(result))
    out = [(e["label"], e["ci"]["low"], e["ci"]["high"], e["worst"]) for e in r["losses"]]
    return out + [(g["key"], e["ci"]["low"], e["ci"]["high"]) for g in r["groups"] for e in g["losses"]]


def assert_same_cis(a, b) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x[0] == y[0] and x[1:3] == pytest.approx(y[1:3], rel=1e-12) and x[3:] == y[3:]


def test_streamed_chunks_give_the_same_statistics(cli, files):
    rng = np.random.default_rng(5)
    files.csv("s.csv", ["id", "site", "pred", "target"], *zip(range(300), rng.choice(["a", "b"], 300), rng.normal(size=300).round(3), rng.normal(size=300).round(3)))
    args = ["eval", "s.csv", "-p", "pred", "-y", "target", "-l", "mse", "-l", "rmse", "-g", "site", "--ci", "bootstrap", "--n-boot", "100", "--top-k", "2", "--id-col", "id", "-f", "json"]
    whole = cis_of(cli(*args))
    for rows in ("1", "7"):
        assert_same_cis(cis_of(cli(*args, "--chunk-rows", rows)), whole)


# ---------------------------------------------------------------------------- bounded groups
# -g on an id column used to make an object graph of ~1 KB per group and key, without limit
# (3M distinct values took 24 GB). Groups are now arrays with a row per group, and at most
# --max-groups (default 100,000) of them are made.


@pytest.mark.parametrize("extra", [[], ["--chunk-rows", "1"], ["--ci", "bootstrap", "--n-boot", "5"], ["--ci", "analytic"]])
def test_max_groups_is_exit_3_beyond_it(cli, files, extra):
    files.csv("g.csv", ["pred", "target", "g"], (1, 2, "a"), (1, 3, "b"), (2, 2, "c"), (2, 2, "c"))
    fails(cli("eval", "g.csv", "-l", "mse", "-g", "g", "--max-groups", "2", *extra), 3,
          "--group-by makes more than 2 groups; pass --max-groups N to allow more (each group costs memory), "
          "or group by a column with fewer distinct values.")
    r = cli("eval", "g.csv", "-l", "mse", "-g", "g", "--max-groups", "3", "-f", "json", *extra)
    assert r.exit_code == 0, r.stderr
    groups = json.loads(r.stdout)["groups"]
    # by hand: a: (1-2)^2 = 1, b: (1-3)^2 = 4, c: 0
    assert [(g["key"]["g"], g["rows"], g["losses"][0]["value"]) for g in groups] == [("a", 1, 1.0), ("b", 1, 4.0), ("c", 2, 0.0)]


def test_the_default_group_limit_is_100000():
    from losscli.engine import Accumulator, AnalysisOptions, resolve_losses

    assert AnalysisOptions().max_groups == 100_000
    assert Accumulator(resolve_losses(["mse"]), analysis=AnalysisOptions(group_by=("g",))).analysis.groups.limit == 100_000


def test_group_state_is_compact():
    # measured: ~1100 bytes a group for one loss as an object per group (Cell + Summary + arrays),
    # ~300 as rows of arrays; the bound sits between the two
    import tracemalloc

    from losscli.engine import Accumulator, AnalysisOptions, resolve_losses

    n = 5_000
    keys = np.array([f"id{i:07d}" for i in range(n)], dtype=object)
    acc = Accumulator(resolve_losses(["mse"]), analysis=AnalysisOptions(group_by=("g",)))
    tracemalloc.start()
    try:
        acc.update({"pred": np.ones(n), "target": np.zeros(n)}, None, groups={"g": keys})
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held / n < 600, f"{held / n:.0f} bytes per group"


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_group_statistics_match_numpy_whatever_the_chunking(chunk):
    # each group's weighted mean, n, min and max against numpy on that group's rows alone
    from losscli.engine import Accumulator, AnalysisOptions, resolve_losses

    rng = np.random.default_rng(3)
    n = 150
    p, y, w = rng.normal(size=n), rng.normal(size=n), rng.random(n)
    g = rng.integers(0, 13, n)
    acc = Accumulator(resolve_losses(["mse", "mae"]), analysis=AnalysisOptions(group_by=("g",)))
    for lo in range(0, n, chunk):
        s = slice(lo, lo + chunk)
        acc.update({"pred": p[s], "target": y[s]}, w[s], groups={"g": g[s]})
    report = acc.compute()
    assert [grp.key["g"] for grp in report.groups] == list(range(13))
    for grp in report.groups:
        rows = g == grp.key["g"]
        for res, values in zip(grp.losses, ((p - y) ** 2, np.abs(p - y))):
            v, wr = values[rows], w[rows]
            assert grp.rows == rows.sum() == res.n
            assert res.value == pytest.approx(np.sum(wr * v) / np.sum(wr), rel=1e-12)
            assert (res.min, res.max) == (v.min(), v.max())
