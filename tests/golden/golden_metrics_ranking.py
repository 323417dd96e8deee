"""Golden values for the ranking metrics (ndcg, mrr, map), computed by their references.

Run in the reference environment (scikit-learn 1.9.1, torchmetrics 1.9.0, torch; never a losscli
dependency):

    python tests/golden/golden_metrics_ranking.py     # writes tests/golden/golden_metrics_ranking.json

ndcg: scikit-learn's ``ndcg_score([relevance], [scores], k=k)`` called on each query alone (a
query is one sample of scikit-learn's 2-D input), averaged over the queries.

mrr and map: trec_eval (pytrec-eval) is not installable here, so ``trec_recip_rank`` and
``trec_map`` below are written from trec_eval 10.0's C source (``form_res_rels.c``: results sorted
by score descending, ties by docno descending with ``strcmp``; ``m_recip_rank.c``; ``m_map.c``;
``trec_eval.c``/``meas_avg.c``: every query of the judgments counts, a query without a relevant
document scores 0; relevant means rel >= 1 of the integer judgments). Each row gets the docno
``%08d`` of (rows - row index), so trec_eval's docno rule ranks the earlier of two tied rows first,
the rule losscli states. On the cases whose scores are positive and untied, the script checks them
against torchmetrics' ``RetrievalMRR``/``RetrievalMAP`` (``empty_target_action="neg"``; float32,
so to 1e-6): torchmetrics breaks ties arbitrarily (``topk``) and treats a document of score <= 0
as not relevant, so it cannot judge the other cases.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import sklearn
import torch
import torchmetrics
from sklearn.metrics import ndcg_score
from torchmetrics.retrieval import RetrievalMAP, RetrievalMRR

OUT = pathlib.Path(__file__).with_suffix(".json")
RNG = np.random.default_rng(17)
CASES: list[dict] = []


def queries(query) -> list[np.ndarray]:
    """The row indices of each query, in order of first appearance."""
    q = np.asarray(query)
    return [np.flatnonzero(q == key) for key in dict.fromkeys(q.tolist())]


def sk_ndcg(scores, relevance, query, k) -> float:
    s, r = np.asarray(scores, dtype=np.float64), np.asarray(relevance, dtype=np.float64)
    return float(np.mean([ndcg_score([r[i]], [s[i]], k=k) for i in queries(query)]))


def trec_ranked(scores, relevance, rows) -> list[float]:
    """form_res_rels.c: the relevance of the query's documents in trec_eval's rank order
    (sim descending, then docno descending), docno = %08d of (N - row)."""
    n = len(scores)
    docs = [(float(scores[i]), f"{n - i:08d}", float(relevance[i])) for i in rows]
    docs.sort(key=lambda d: (-d[0], tuple(-ord(c) for c in d[1])))  # strcmp(p2->docno, p1->docno)
    return [d[2] for d in docs]


def trec_recip_rank(ranked: list[float]) -> float:
    for i, rel in enumerate(ranked):  # m_recip_rank.c (relevance_level 1: rel > 0 of integers)
        if rel > 0:
            return 1.0 / (i + 1)
    return 0.0


def trec_map(ranked: list[float]) -> float:
    rel_so_far, total = 0, 0.0  # m_map.c
    for i, rel in enumerate(ranked):
        if rel > 0:
            rel_so_far += 1
            total += rel_so_far / (i + 1)
    num_rel = sum(1 for rel in ranked if rel > 0)  # every judged document is retrieved here
    return total / num_rel if rel_so_far else 0.0


def trec_mean(measure, scores, relevance, query) -> float:
    """trec_eval's average: the sum over queries (in qid order) divided by their number."""
    groups = sorted(zip(dict.fromkeys(np.asarray(query).tolist()), queries(query)), key=lambda g: str(g[0]))
    total = 0.0
    for _, rows in groups:
        total += measure(trec_ranked(scores, relevance, rows))
    return total / len(groups)


def torchmetrics_value(metric, scores, relevance, query) -> float:
    codes = np.unique(np.asarray(query), return_inverse=True)[1].ravel()
    m = metric(empty_target_action="neg")
    return float(m(torch.tensor(np.asarray(scores, dtype=np.float32)), torch.tensor(np.asarray(relevance) > 0), indexes=torch.tensor(codes)))


def add(id_, spec, reference, scores, relevance, query, value):
    CASES.append({
        "id": id_,
        "spec": spec,
        "reference": reference,
        "dtype": "float64",
        "inputs": {"scores": np.asarray(scores, dtype=np.float64).tolist(), "relevance": np.asarray(relevance, dtype=np.float64).tolist(), "query": np.asarray(query).tolist()},
        "weights": None,
        "per_sample": None,
        "mean": None,
        "sum": None,
        "value": float(value),
    })  # fmt: skip


def all_three(id_, scores, relevance, query, *, ks=(10,), cross_check=False):
    """ndcg at each k (10: the default spec), mrr and map of one ranking."""
    for k in ks:
        spec = "ndcg" if k == 10 else f"ndcg:k={'none' if k is None else k}"
        add(f"{id_}_ndcg_k{k}", spec, f"sklearn.metrics.ndcg_score per query, k={k}", scores, relevance, query, sk_ndcg(scores, relevance, query, k))
    for spec, measure, metric in (("mrr", trec_recip_rank, RetrievalMRR), ("map", trec_map, RetrievalMAP)):
        value = trec_mean(measure, scores, relevance, query)
        if cross_check:
            tm = torchmetrics_value(metric, scores, relevance, query)
            assert abs(tm - value) <= 1e-6 * max(1.0, abs(value)), (id_, spec, tm, value)
        add(f"{id_}_{spec}", spec, f"trec_eval {'recip_rank' if spec == 'mrr' else 'map'} (written from its C source)", scores, relevance, query, value)


def interleaved(sizes, levels, *, decimals=None, positive=True):
    """Queries 101, 102, ... of ``sizes`` documents, rows shuffled (a query's rows not adjacent)."""
    query = np.repeat(100 + np.arange(1, len(sizes) + 1), sizes)
    relevance = RNG.integers(0, levels, len(query)).astype(np.float64)
    scores = RNG.uniform(0.01, 1.0, len(query)) if positive else RNG.normal(0.0, 1.0, len(query))
    if decimals is not None:
        scores = np.round(scores, decimals)
    order = RNG.permutation(len(query))
    return scores[order], relevance[order], query[order]


def main() -> None:
    # Three queries of 3, 5 and 4 documents, graded relevance 0-3, untied positive scores.
    s, r, q = interleaved([3, 5, 4], 4)
    all_three("graded", s, r, q, ks=(10, 1, 2, 4, None), cross_check=True)
    # Ties: scores on a coarse grid (ties within queries, across the k cut), one all-zero query.
    s = np.array([0.5, 0.5, 0.5, 0.2, 0.9, 0.9, 0.1, 0.7, 0.7, 0.7, 0.7, 0.3, 0.3])
    r = np.array([0, 2, 1, 3, 1, 0, 1, 0, 0, 0, 0, 0, 0])
    q = np.array([1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3])
    all_three("ties", s, r, q, ks=(10, 1, 2, 3, None))
    # Negative scores and binary relevance; a query whose only relevant document ranks last.
    s = np.array([-0.5, -2.0, 1.5, -1.0, 0.0, -3.0, -0.25, 2.0])
    r = np.array([0, 1, 0, 0, 1, 1, 0, 0])
    q = np.array([7, 7, 7, 8, 8, 9, 9, 9])
    all_three("negative_scores", s, r, q, ks=(10, 2))
    # Fractional relevance (ndcg's gains; > 0 relevant for mrr and map).
    s = np.array([0.3, 0.8, 0.55, 0.1, 0.6, 0.45, 0.2])
    r = np.array([0.25, 0.0, 1.5, 0.75, 0.0, 0.5, 0.0])
    q = np.array([4, 4, 4, 4, 5, 5, 5])
    all_three("fractional", s, r, q, ks=(10, 3), cross_check=True)
    # Every query without a relevant document: ndcg, mrr and map 0.
    all_three("no_relevant", [0.4, 0.3, 0.9, 0.1], [0, 0, 0, 0], [1, 1, 2, 2])
    # 20 queries of 2-15 documents, relevance 0-4, scores rounded to 1 decimal (many ties).
    s, r, q = interleaved(RNG.integers(2, 16, 20), 5, decimals=1, positive=False)
    all_three("random_ties", s, r, q, ks=(10, 3, None))
    # The same sizes, untied positive scores: torchmetrics agrees.
    s, r, q = interleaved(RNG.integers(2, 16, 20), 3)
    all_three("random", s, r, q, ks=(10, 5), cross_check=True)

    doc = {
        "generated_by": "tests/golden/golden_metrics_ranking.py",
        "versions": {"scikit-learn": sklearn.__version__, "torchmetrics": torchmetrics.__version__, "torch": torch.__version__, "numpy": np.__version__, "trec_eval": "10.0 (its C source, written out)"},
        "cases": CASES,
    }  # fmt: skip
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
