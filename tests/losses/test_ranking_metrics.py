"""Ranking metrics over queries (ndcg, mrr, map): hand-computed values, the state's fold, merge
and load, the tie and query-id rules, and their refusals.

Reference values from scikit-learn and trec_eval are in tests/golden/golden_metrics_ranking.json
(test_golden.py); the numbers here are worked out by hand (each says how).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from losscli.errors import InputError, UsageError
from losscli.losses import parse_spec
from losscli.losses.ranking_metrics import load, mean_average_precision, mrr, ndcg

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


def test_k_must_be_at_least_1():
    with pytest.raises(UsageError, match="k"):
        metric("ndcg:k=0")
    assert metric("ndcg:k=none").params["k"] is None
