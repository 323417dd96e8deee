"""Ranking metrics over queries (ndcg, mrr, map): hand-computed values, the state's fold, merge
and load, the tie and query-id rules, and their refusals.

Reference values from scikit-learn and trec_eval are in tests/golden/golden_metrics_ranking.json
(test_golden.py); the numbers here are worked out by hand (each says how).
"""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import given, strategies as st
import pytest

from losscli.errors import InputError, UsageError
from losscli.losses import parse_spec
from losscli.losses.ranking_metrics import load, mean_average_precision, mrr, ndcg
from conftest import fails

# The running example: query a ranks rel 0, 1, 1 (scores .9 > .8 > .1); query b ranks 1, 0.
S = np.array([0.9, 0.8, 0.1, 0.5, 0.4])
R = np.array([0.0, 1.0, 1.0, 1.0, 0.0])
Q = np.array(["a", "a", "a", "b", "b"])
D2, D3 = 1 / math.log2(3), 1 / math.log2(4)  # the discounts of ranks 2 and 3
NDCG_A = (D2 + D3) / (1 + D2)  # DCG 0 + D2 + D3; ideal 1 + D2 + 0
HAND = {"ndcg": (NDCG_A + 1.0) / 2, "mrr": (1 / 2 + 1) / 2, "map": ((1 / 2 + 2 / 3) / 2 + 1) / 2}


def metric(spec):
    (b,) = parse_spec(spec)
    return b


def value(spec, scores, relevance, query, weights=None):
    b = metric(spec)
    return b.spec.statistic.of([np.asarray(scores), np.asarray(relevance), np.asarray(query)], b.params, weights)


def test_hand_computed_values_of_the_running_example():
    assert ndcg(S, R, Q) == pytest.approx(HAND["ndcg"], rel=1e-15)
    assert mrr(S, R, Q) == pytest.approx(HAND["mrr"], rel=1e-15)
    assert mean_average_precision(S, R, Q) == pytest.approx(HAND["map"], rel=1e-15)
    # k=1: query a's top document has gain 0 (NDCG 0), b's has gain 1 (NDCG 1)
    assert value("ndcg:k=1", S, R, Q) == pytest.approx(0.5, rel=1e-15)


@pytest.mark.parametrize("spec", ["ndcg", "ndcg:k=2", "mrr", "map"])
@pytest.mark.parametrize("cuts", [[1], [2], [1, 4], [2, 3], [1, 2, 3, 4]])
def test_any_split_of_the_rows_merged_in_order_gives_the_whole_value(spec, cuts):
    """A query split across chunks: each chunk folded alone, the states merged (through JSON, as
    shards are) in row order, the value of all rows at once."""
    b = metric(spec)
    st = b.spec.statistic
    parts = [st.fold([S[i:j], R[i:j], Q[i:j]], None, b.params) for i, j in zip([0, *cuts], [*cuts, len(S)])]
    merged = load(json.loads(json.dumps(parts[0].to_state())))
    for p in parts[1:]:
        merged = merged.merge(load(json.loads(json.dumps(p.to_state()))))
    assert st.value(merged, b.params) == st.value(st.fold([S, R, Q], None, b.params), b.params)
    w = np.array([2.0, 1.0, 0.0, 1.0, 3.0])  # a replicate's weights, split the same way
    parts = [st.fold([S[i:j], R[i:j], Q[i:j]], w[i:j], b.params) for i, j in zip([0, *cuts], [*cuts, len(S)])]
    merged = parts[0]
    for p in parts[1:]:
        merged = load(json.loads(json.dumps(merged.merge(p).to_state())))
    assert st.value(merged, b.params) == st.value(st.fold([S, R, Q], w, b.params), b.params)


def test_tied_scores_keep_row_order_for_mrr_and_map():
    # a relevant and an irrelevant document tied: the earlier row ranks first
    assert value("mrr", [0.5, 0.5], [0, 1], ["q", "q"]) == 0.5  # relevant at rank 2
    assert value("mrr", [0.5, 0.5], [1, 0], ["q", "q"]) == 1.0
    assert value("map", [0.5, 0.5, 0.5], [0, 1, 1], ["q"] * 3) == pytest.approx((1 / 2 + 2 / 3) / 2, rel=1e-15)


def test_tied_scores_average_their_gains_for_ndcg():
    # two tied documents of gains 1 and 0 share ranks 1 and 2: each gets the mean gain 1/2,
    # DCG = 1/2 (1 + D2), ideal 1: whatever their row order (scikit-learn's ignore_ties=False)
    for rel in ([1, 0], [0, 1]):
        assert value("ndcg", [0.5, 0.5], rel, ["q", "q"]) == pytest.approx(0.5 * (1 + D2), rel=1e-15)
    # k=1 cuts the tie: the mean gain 1/2 times the discount of rank 1 only
    assert value("ndcg:k=1", [0.5, 0.5], [1, 0], ["q", "q"]) == pytest.approx(0.5, rel=1e-15)


def test_a_query_without_a_relevant_document_scores_0_and_counts():
    s, r, q = np.r_[S, 0.3, 0.2], np.r_[R, 0, 0], np.concatenate([Q, ["c", "c"]])
    assert value("mrr", s, r, q) == pytest.approx((1 / 2 + 1 + 0) / 3, rel=1e-15)
    assert value("map", s, r, q) == pytest.approx(((1 / 2 + 2 / 3) / 2 + 1 + 0) / 3, rel=1e-15)
    assert value("ndcg", s, r, q) == pytest.approx((NDCG_A + 1 + 0) / 3, rel=1e-15)


def test_query_ids_are_text_integers_their_decimal_text():
    # '007' and '7' are two queries: rel 1 at rank 1 and rel 1 at rank 2 (mrr 1 and 1/2)
    s, r = [0.9, 0.1, 0.1, 0.9], [1, 0, 1, 0]
    assert value("mrr", s, r, np.array(["007", "007", "7", "7"], dtype=object)) == 0.75
    # the integer 7 is the query '7': one query of 4 documents, first relevant at rank 1 (tie by row order)
    assert value("mrr", s, r, np.array([7, 7, "7", "7"], dtype=object)) == 1.0
    assert value("mrr", s, r, np.array([7, 7, 8, 8])) == value("mrr", s, r, np.array(["7", "7", "8", "8"]))


def test_replicate_weights_draw_whole_queries_by_their_first_row():
    """A bootstrap replicate's Poisson weights: a query counts as many times as its first row
    (in row order) is drawn, with every document; the other rows' weights do not matter."""
    per_query = {"ndcg": (NDCG_A, 1.0), "mrr": (1 / 2, 1.0), "map": ((1 / 2 + 2 / 3) / 2, 1.0)}
    for spec, (a, b) in per_query.items():
        # a drawn 2 times, b 3 times (rows 2, 3 and 5's weights ignored): (2 a + 3 b) / 5
        assert value(spec, S, R, Q, np.array([2.0, 0.0, 7.0, 3.0, 0.0])) == pytest.approx((2 * a + 3 * b) / 5, rel=1e-15)
        # b not drawn: a alone, whatever b's other rows weigh
        assert value(spec, S, R, Q, np.array([1.0, 0.0, 0.0, 0.0, 4.0])) == pytest.approx(a, rel=1e-15)
        with pytest.raises(InputError, match="no query drawn"):
            value(spec, S, R, Q, np.array([0.0, 1.0, 1.0, 0.0, 1.0]))


def test_arrays_changed_in_place_are_valued_afresh():
    """The last inputs are kept to share their checked rows with the bootstrap's replicates: an
    array refilled in place (a training loop's buffer) must not be taken for the old one."""
    r, q = R.copy(), Q.copy()
    assert mrr(S, r, q) == 0.75  # the running example
    r[:] = [1, 0, 0, 1, 0]  # both queries' top document relevant
    assert mrr(S, r, q) == 1.0
    q[:] = ["a", "a", "a", "a", "a"]  # one query ranking .9 (relevant), .8, .5 (relevant), .4, .1
    assert mrr(S, r, q) == 1.0 and mean_average_precision(S, r, q) == pytest.approx((1 + 2 / 3) / 2, rel=1e-15)
    r[:] = [0, 0, 0, 0, 1]  # the one relevant document at rank 4 (.9, .8, .5, .4)
    assert mrr(S, r, q) == 0.25


@pytest.mark.parametrize(
    "spec, scores, relevance, query, weights, message",
    [
        ("ndcg", [0.1, 0.2], [1, -1], ["q", "q"], None, "ndcg: relevance -1 is negative; scikit-learn's ndcg_score takes relevance >= 0."),
        ("ndcg", [0.1, 0.2, 0.3], [1, 0, 1], ["q", "q", "r"], None, "ndcg: a query has a single document, for which scikit-learn's ndcg_score is undefined; drop such queries."),
        ("mrr", [0.1, 0.2], [1, 0], np.array(["q", None], dtype=object), None, "query: a query id is empty; every row needs a query id (a string or a number)."),
        ("mrr", [0.1, 0.2], [1, 0], [1.0, np.nan], None, "query: a query id is nan; every row needs a query id."),
        ("map", [0.1, np.nan], [1, 0], ["q", "q"], None, "scores holds nan, which cannot be ranked; pass --nan-policy omit to drop such rows."),
        ("map", [0.1, 0.2], [1, 0], ["q", "q"], [1.0, -0.5], "a ranking metric's weights must be finite and >= 0, one per row: "
         "scikit-learn's ndcg_score weights queries and trec_eval nothing, so a row has no weight of its own."),
        ("mrr", [], [], np.array([], dtype=object), None, "mrr: no rows to rank; it needs at least one query."),
    ],
)  # fmt: skip
def test_refusals(spec, scores, relevance, query, weights, message):
    with pytest.raises(InputError) as e:
        value(spec, np.asarray(scores, dtype=np.float64), relevance, np.asarray(query), None if weights is None else np.asarray(weights))
    assert str(e.value) == message


@pytest.mark.parametrize(
    "state",
    [
        {"query": [1], "score": [0.5], "relevance": [1.0]},
        {"query": ["a", "b"], "score": [0.5], "relevance": [1.0, 0.0]},
        {"query": ["a"], "score": [[0.5]], "relevance": [1.0]},
        {"query": ["a"], "score": [0.5], "relevance": [1.0], "weight": [-1.0]},
        {"query": ["a"], "score": [np.inf], "relevance": [1.0]},
    ],
)
def test_load_refuses_a_malformed_state(state):
    with pytest.raises(ValueError):
        load(state)


def test_the_preset_is_the_three_metrics():
    assert [b.label for b in parse_spec("@ranking_metrics")] == ["ndcg", "mrr", "map"]


def test_k_must_be_at_least_1():
    with pytest.raises(UsageError, match="k"):
        metric("ndcg:k=0")
    assert metric("ndcg:k=none").params["k"] is None


# ---------------------------------------------------------------------------- through the CLI


def reference(scores, relevance, query, k=10):
    """(ndcg@k, mrr, map) by loops over each query, written from the definitions: documents in
    score order (stable: tied rows in row order); NDCG's tied documents each get the mean
    discount of the ranks their tie group spans (scikit-learn's average over tie orders)."""
    out = {"ndcg": [], "mrr": [], "map": []}
    for key in dict.fromkeys(query):
        rows = [i for i in range(len(query)) if query[i] == key]
        ranked = sorted(rows, key=lambda i: -scores[i])
        disc = [1 / math.log2(r + 2) if k is None or r < k else 0.0 for r in range(len(rows))]
        dcg = 0.0
        for pos, i in enumerate(ranked):
            span = [p for p, j in enumerate(ranked) if scores[j] == scores[i]]
            dcg += relevance[i] * sum(disc[p] for p in span) / len(span)
        ideal = sum(d * g for d, g in zip(disc, sorted((relevance[i] for i in rows), reverse=True)))
        out["ndcg"].append(dcg / ideal if ideal else 0.0)
        hits = [pos + 1 for pos, i in enumerate(ranked) if relevance[i] > 0]
        out["mrr"].append(1 / hits[0] if hits else 0.0)
        out["map"].append(sum((n + 1) / h for n, h in enumerate(hits)) / len(hits) if hits else 0.0)
    return {m: sum(v) / len(v) for m, v in out.items()}


def ranking_table(files, name="r.csv", n=90, seed=3):
    """``n`` rows of 9 queries (text ids, ``007`` beside ``7``), rows shuffled, scores on a grid
    of 0.1 (ties), relevance 0-3; returns the columns."""
    rng = np.random.default_rng(seed)
    ids = ["007", "7", "q1", "q2", "a b", "x", "y", "z", "w"]
    query = [ids[i] for i in rng.integers(0, len(ids), n)]
    scores = np.round(rng.uniform(0, 1, n), 1).tolist()
    relevance = rng.integers(0, 4, n).tolist()
    files.csv(name, ["qid", "score", "grade"], *zip(query, scores, relevance))
    return scores, relevance, query


ARGS = ("-p", "score", "-y", "grade", "--query-col", "qid", "-l", "ndcg", "-l", "ndcg:k=3", "-l", "mrr", "-l", "map", "--no-hash", "-f", "json")


def values(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return {e["label"]: e["value"] for e in json.loads(result.stdout)["losses"]}


def test_eval_with_query_col_matches_the_loop_reference(cli, files):
    s, r, q = ranking_table(files)
    got = values(cli("eval", "r.csv", *ARGS))
    want = reference(s, r, q)
    assert got["ndcg"] == pytest.approx(want["ndcg"], rel=1e-12)
    assert got["ndcg:k=3"] == pytest.approx(reference(s, r, q, k=3)["ndcg"], rel=1e-12)
    assert got["mrr"] == pytest.approx(want["mrr"], rel=1e-12) and got["map"] == pytest.approx(want["map"], rel=1e-12)
    # --col query=qid is the same flag; a column named 'query' is found without either
    assert values(cli("eval", "r.csv", *ARGS[:4], "--col", "query=qid", *ARGS[6:])) == got
    (files.root / "r2.csv").write_text((files.root / "r.csv").read_text().replace("qid,", "query,", 1))
    assert values(cli("eval", "r2.csv", *ARGS[:4], *ARGS[6:])) == got


def test_the_report_counts_the_queries(cli, files):
    # queries a (a relevant row), b (none), c (a relevant row): 3, one without a relevant document
    files.csv("t.csv", ["query", "score", "relevance"], ("a", 0.9, 1), ("b", 0.5, 0), ("a", 0.1, 0), ("c", 0.3, 2), ("b", 0.2, 0), ("c", 0.7, 0))
    r = cli("eval", "t.csv", "-p", "score", "-y", "relevance", "-l", "mrr", "-g", "query", "-f", "json", "--no-hash")
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["losses"][0]["details"] == {"queries": 3, "queries_without_relevant": 1}
    assert [g["losses"][0]["details"] for g in report["groups"]] == [{"queries": 1, "queries_without_relevant": k} for k in (0, 1, 0)]


def test_text_ids_007_and_7_are_two_queries(cli, files):
    # as one query '7' of 4 rows the relevant row would rank first (mrr 1); as two, mrr (1 + 1/2) / 2
    files.csv("t.csv", ["qid", "score", "grade"], ("007", 0.9, 1), ("007", 0.1, 0), ("7", 0.9, 0), ("7", 0.1, 1))
    assert values(cli("eval", "t.csv", *ARGS[:6], "-l", "mrr", "-f", "json")) == {"mrr": 0.75}


def test_y_wins_over_a_column_named_relevance(cli, files):
    # relevance (unused) would give query a mrr 1/2; grade gives it 1
    files.csv("t.csv", ["query", "score", "relevance", "grade"], ("a", 0.9, 0, 1), ("a", 0.5, 1, 0))
    assert values(cli("eval", "t.csv", "-p", "score", "-y", "grade", "-l", "mrr", "-f", "json")) == {"mrr": 1.0}


def test_cli_refusals(cli, files):
    files.csv("t.csv", ["qid", "score", "grade", "w"], ("a", 0.9, 1, 1), ("a", 0.5, 0, 2))
    fails(cli("eval", "t.csv", "-p", "score", "-y", "grade", "-l", "ndcg"), 2, "ndcg needs the query ids: pass --query-col COL (or --input query=PATH[:SEL]).")
    fails(
        cli("eval", "t.csv", "-p", "score", "-y", "grade", "--query-col", "qid", "-w", "w", "-l", "map"), 2,
        "map takes no sample weights (-w/--weight-col): scikit-learn's ndcg_score weights queries and trec_eval nothing, so a row has no weight of its own; drop -w.",
    )  # fmt: skip
    fails(cli("eval", "t.csv", "-p", "score", "-y", "grade", "--query-col", "qid", "--col", "query=qid", "-l", "mrr"), 2,
          "--query-col COL is --col query=COL, and both are given; pass one of them.")  # fmt: skip
    fails(cli("eval", "t.csv", "-p", "score", "-y", "grade", "--query-col", "qid,w", "-l", "mrr"), 2, "The query input 'qid,w' must select exactly one column, got 2.")
    fails(cli("eval", "t.csv", "-p", "score", "-y", "grade", "--query-col", "qid", "-l", "mse"), 2,
          "--query-col (--col query=...): no requested loss has an input 'query'; their inputs are pred, target.")  # fmt: skip
    files.csv("u.csv", ["qid", "score"], ("a", 0.5), ("a", 0.6))
    fails(cli("compare", "-t", "t.csv", "t.csv", "u.csv", "-y", "grade", "-p", "score", "--query-col", "qid", "-l", "mse"), 2,
          "--query-col (--col query=...): no requested loss has an input 'query'; their inputs are pred, target.")  # fmt: skip
    files.csv("e.csv", ["qid", "score", "grade"], ("a", 0.9, 1), ("", 0.5, 0))
    fails(cli("eval", "e.csv", "-p", "score", "-y", "grade", "--query-col", "qid", "-l", "mrr"), 3,
          "query: a query id is empty; every row needs a query id (a string or a number).")  # fmt: skip


def test_chunks_shards_and_bootstrap_agree(cli, files):
    """--chunk-rows 7 (queries split across chunks), two shards merged (in either order) and the
    whole file: the same values and the same query-bootstrap intervals. The shards split 7 of the
    9 queries, and each has 2+ rows of every query it holds (a shard's own ndcg needs that)."""
    ranking_table(files, n=60)
    boot = ("--ci", "bootstrap", "--n-boot", "50")
    whole = json.loads(cli("eval", "r.csv", *ARGS, *boot).stdout)
    chunked = json.loads(cli("eval", "r.csv", *ARGS, *boot, "--chunk-rows", "7").stdout)
    rows = (files.root / "r.csv").read_text().splitlines()
    for i, (lo, hi) in enumerate([(0, 24), (24, 60)]):
        files.text(f"p{i}.csv", "\n".join([rows[0], *rows[1 + lo : 1 + hi]]) + "\n")
        assert cli("eval", f"p{i}.csv", *ARGS, *boot, "--row-offset", lo, "--emit-state", f"s{i}.json").exit_code == 0
    merged = json.loads(cli("merge", "s1.json", "s0.json", "-f", "json").stdout)
    for other in (chunked, merged):
        for a, b in zip(whole["losses"], other["losses"]):
            assert (a["label"], a["n"]) == (b["label"], b["n"])
            assert b["value"] == pytest.approx(a["value"], rel=1e-12)
            assert [b["ci"]["low"], b["ci"]["high"]] == pytest.approx([a["ci"]["low"], a["ci"]["high"]], rel=1e-12)
    assert all(e["ci"]["low"] < e["value"] < e["ci"]["high"] for e in whole["losses"])  # queries resampled: around the value


def test_dask_engine_agrees(cli, files):
    import distributed

    ranking_table(files, n=60)
    whole = values(cli("eval", "r.csv", *ARGS))
    cluster = distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0")
    try:
        got = values(cli("eval", "r.csv", *ARGS, "--engine", "dask", "--scheduler", cluster.scheduler_address, "--chunk-rows", "9"))
    finally:
        cluster.close()
    assert got == pytest.approx(whole, rel=1e-12)


def test_describe_says_the_state_grows_with_the_rows(cli):
    out = cli("describe", "map").stdout.splitlines()
    assert "state:     queries: every row of every query: exact, mergeable, grows with the number of rows" in out
    assert out[-1] == "  losscli eval TABLE.csv -p SCORES -y RELEVANCE --query-col QUERY -l map"


def test_table_shows_one_row_per_metric(cli, files):
    """A metric has no per-sample statistics: no '↳' row under it (that row is rmse's squared errors)."""
    files.csv("t.csv", ["query", "score", "relevance"], ("a", 0.9, 0), ("a", 0.5, 1), ("b", 0.3, 1), ("b", 0.1, 0))
    for fmt in ("table", "csv", "md"):
        out = cli("eval", "t.csv", "-p", "score", "-y", "relevance", "-l", "mrr", "-l", "map", "-f", fmt, "--no-hash").stdout
        assert "↳" not in out and "False" not in out, fmt
    # mrr (1/2 + 1) / 2, map the same (one relevant document per query)
    assert cli("eval", "t.csv", "-p", "score", "-y", "relevance", "-l", "mrr", "-l", "map", "-b").stdout == "0.75\n0.75\n"


def test_bootstrap_replicates_share_the_rows():
    """Each replicate folds every row (whole queries are drawn) but keeps only its weights of the
    queries' first rows: the rows themselves are the whole state's arrays, not copies."""
    from losscli.engine import Accumulator, AnalysisOptions

    acc = Accumulator(["mrr"], analysis=AnalysisOptions("bootstrap", n_boot=20))
    acc.update({"scores": S, "relevance": R, "query": Q})
    whole, reps = acc.aggregates.overall["mrr"], acc.aggregates.boot["mrr"]
    assert all(rep.parts[0].score is whole.parts[0].score and rep.parts[0].query is whole.parts[0].query for rep in reps)
    assert all(len(rep.parts[0].weight) == 2 for rep in reps)  # one weight per query: its first row's


def test_compare_ranks_systems_by_the_metric(cli, files):
    """compare: the query ids from each system's table, the relevance from TARGET; higher is better."""
    files.csv("good.csv", ["qid", "score"], ("a", 0.1), ("a", 0.9), ("b", 0.8), ("b", 0.2))
    files.csv("bad.csv", ["qid", "score"], ("a", 0.9), ("a", 0.1), ("b", 0.2), ("b", 0.8))
    files.csv("rel.csv", ["grade"], (0,), (1,), (1,), (0,))
    r = cli("compare", "-t", "rel.csv", "bad.csv", "good.csv", "-p", "score", "-y", "grade", "--query-col", "qid", "-l", "mrr", "-f", "json", "--n-boot", "50")
    assert r.exit_code == 0, r.stderr
    (entry,) = json.loads(r.stdout)["losses"]
    # bad ranks each query's relevant document second (mrr 1/2), good first (mrr 1)
    assert [(s["system"], s["value"], s["rank"]) for s in entry["systems"]] == [("bad.csv", 0.5, 2), ("good.csv", 1.0, 1)]
    assert entry["systems"][1]["delta"] == 0.5


@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.integers(0, 3)), min_size=1, max_size=30),
    st.sampled_from([None, 1, 2, 5]),
    st.integers(0, 30),
)
def test_any_rows_match_the_loop_reference_and_any_split(rows, k, cut):
    """Few distinct scores (many ties), graded relevance, queries of any size; a split at ``cut``
    folded as two chunks and merged gives the same value."""
    q, s, r = (list(c) for c in zip(*rows))
    want = reference(s, r, q, k=k)
    specs = {"mrr": "mrr", "map": "map"}
    if min(q.count(key) for key in set(q)) >= 2:  # scikit-learn's ndcg needs 2+ documents a query
        specs["ndcg"] = f"ndcg:k={'none' if k is None else k}"
    for name, spec in specs.items():
        b = metric(spec)
        st_ = b.spec.statistic
        arrays = [np.asarray(s, dtype=np.float64), np.asarray(r, dtype=np.float64), np.asarray(q)]
        whole = st_.value(st_.fold(arrays, None, b.params), b.params)
        assert whole == pytest.approx(want[name], rel=1e-12, abs=1e-15), (name, rows)
        c = min(cut, len(q))
        parts = [st_.fold([a[:c] for a in arrays], None, b.params), st_.fold([a[c:] for a in arrays], None, b.params)]
        assert st_.value(parts[0].merge(parts[1]), b.params) == pytest.approx(whole, rel=1e-12, abs=1e-15)
