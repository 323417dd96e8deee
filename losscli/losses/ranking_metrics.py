"""Ranking metrics over queries: ``ndcg`` (scikit-learn's ``ndcg_score``), ``mrr`` and ``map`` (trec_eval).

A row is one document of one query: the model's ``scores``, the judged ``relevance`` and the
``query`` id (text as written in the file: ``007`` and ``7`` are two queries; an integer array's
ids are their decimal text). A metric is computed per query and averaged over the queries, each
query counting once whatever its number of documents.

- ``ndcg:k=10``: scikit-learn 1.9.1 ``ndcg_score(y_true=[relevance], y_score=[scores], k=k)`` of
  each query (``k=none``: every document): linear gains, discount ``1 / log2(rank + 1)``, tied
  scores averaged (``ignore_ties=False``: every tied document gets the mean gain of its tie group),
  divided by the ideal DCG; a query whose relevance is all 0 has NDCG 0 (as scikit-learn) and
  counts in the mean. Negative relevance, and a query of one document, are refused, as
  scikit-learn refuses them.
- ``mrr`` (trec_eval ``recip_rank``): 1 / the rank of the first relevant document.
- ``map`` (trec_eval ``map``): per query, the sum of the precision at the rank of each relevant
  document divided by the number of relevant documents.

trec_eval semantics: relevance > 0 is relevant (trec_eval's judgments are integers, relevant
from 1); a query without a relevant document scores 0 and counts in the mean (trec_eval counts
every query of its judgments, and every query here is judged). trec_eval ranks by score,
descending, and breaks ties by docno, descending; without docnos, **tied scores keep row
order**: of two documents with the same score in one query, the earlier row ranks first.

The state (kind ``queries``) keeps every row's query, score and relevance until the value is
computed, in row order: exact and mergeable whatever the chunking (a query may be split across
chunks, shards or partitions; merged in row order, as every engine merges), but it grows with
the number of rows (three values a row; ``--ci bootstrap`` keeps them, with the weights, once per
replicate).

Weights: scikit-learn's ``ndcg_score`` weights queries, trec_eval nothing; a per-row sample
weight has no meaning here, so ``-w`` is refused. The bootstrap (``--ci bootstrap``, ``compare``)
resamples whole queries, the units these metrics average over: a replicate folds every row with
its Poisson weight (``every_row``), and a query's weight is that of its first row (in row
order), so each query is drawn Poisson(1) times, with all its documents, and two systems scored
on the same rows draw the same queries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from losscli._checks import as_float, check_rank
from losscli.errors import InputError, ShapeError, number, shown
from losscli.losses._registry import interval, register_loss
from losscli.losses._statistic import Statistic

_INPUTS = ("scores", "values", "ids")
_UNWEIGHTED = "scikit-learn's ndcg_score weights queries and trec_eval nothing, so a row has no weight of its own"


@dataclass(frozen=True)
class QueryRows:
    """Every row of some queries, in row order: the mergeable state of a ranking metric. ``parts``
    are the folded pieces (query ids as text, scores, relevance, and the weights of a bootstrap
    replicate or None), joined only when the value is computed: a merge copies nothing."""

    parts: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None], ...]

    def merge(self, other: "QueryRows") -> "QueryRows":
        """The rows of both, ``other``'s after these (rows merge in row order)."""
        return QueryRows(self.parts + other.parts)

    @functools.cached_property
    def joined(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """(query, score, relevance, weight) of every row; weight None when no part has weights."""
        if len(self.parts) == 1:
            return self.parts[0]
        cols = [np.concatenate([p[i] for p in self.parts]) for i in range(3)] if self.parts else [_objects([]), np.zeros(0), np.zeros(0)]
        weighted = any(p[3] is not None for p in self.parts)
        w = np.concatenate([np.ones(len(p[1])) if p[3] is None else p[3] for p in self.parts]) if weighted else None
        return cols[0], cols[1], cols[2], w

    def to_state(self) -> dict[str, Any]:
        query, score, relevance, weight = self.joined
        out = {"query": query.tolist(), "score": score.tolist(), "relevance": relevance.tolist()}
        return out if weight is None else {**out, "weight": weight.tolist()}


def load(state: Mapping[str, Any]) -> QueryRows:
    """A state written by ``QueryRows.to_state`` (``losscli merge``); a malformed one raises ValueError."""
    query = list(state["query"])
    if not all(isinstance(q, str) for q in query):
        raise ValueError("query ids must be strings")
    cols = [np.asarray(state[k], dtype=np.float64) for k in ("score", "relevance")]
    weight = None if state.get("weight") is None else np.asarray(state["weight"], dtype=np.float64)
    for a in (*cols, *([] if weight is None else [weight])):
        if a.shape != (len(query),):
            raise ValueError("query, score, relevance and weight must be lists of one length")
        if not np.isfinite(a).all():
            raise ValueError("scores, relevance and weights must be finite")
    if weight is not None and (weight < 0).any():
        raise ValueError("weights must be >= 0")
    return QueryRows(((_objects(query), cols[0], cols[1], weight),))


def _objects(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def query_keys(query: Any) -> np.ndarray:
    """Query ids as text (an object array of str): strings as they are, integers as their
    decimal text, floats as their shortest text; a missing id (an empty cell, NaN) is an error."""
    q = np.asarray(query)
    if q.ndim == 2 and q.shape[1] == 1:
        q = q[:, 0]
    check_rank(q, (1,), "query")
    if q.dtype.kind == "f":
        if not np.isfinite(q).all():
            raise InputError(f"query: a query id is {number(float(q[~np.isfinite(q)][0]))}; every row needs a query id.")
        return _objects([repr(v) if not v.is_integer() else str(int(v)) for v in q.tolist()])
    if q.dtype.kind in "iub":
        return _objects([str(int(v)) for v in q.tolist()])
    return _objects([_key(v) for v in q.tolist()])


def _key(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, (bool, int)) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return repr(value)
    raise InputError(f"query: a query id is {shown(value) if value is not None else 'empty'}; every row needs a query id (a string or a number).")


def fold_rows(inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> QueryRows:
    """The state of some rows: their query ids, scores and relevance (and the weights of a
    bootstrap replicate: a query's weight is that of its first row)."""
    scores, relevance, query = inputs
    s, r = as_float(scores, "scores"), as_float(relevance, "relevance")
    s, r = (a[:, 0] if a.ndim == 2 and a.shape[1] == 1 else a for a in (s, r))
    check_rank(s, (1,), "scores")
    check_rank(r, (1,), "relevance")
    q = query_keys(query)
    if not (len(s) == len(r) == len(q)):
        raise ShapeError(f"scores, relevance and query must have one row each per document, got {len(s)}, {len(r)} and {len(q)} rows")
    for name, a in (("scores", s), ("relevance", r)):
        if not np.isfinite(a).all():
            bad = number(float(a[~np.isfinite(a)][0]))
            raise InputError(f"{name} holds {bad}, which cannot be ranked; pass --nan-policy omit to drop such rows.")
    w = None if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    if w is not None and (len(w) != len(s) or not (np.isfinite(w).all() and (w >= 0).all())):
        raise InputError(f"a ranking metric's weights must be finite and >= 0, one per row: {_UNWEIGHTED}.")
    return QueryRows(((q, s, r, w),))


@dataclass(frozen=True)
class Ranked:
    """The rows of a state ordered by query, then score descending, then row order."""

    code: np.ndarray  # the query of each row (0, 1, ... in the order of the sorted ids)
    score: np.ndarray
    relevance: np.ndarray
    starts: np.ndarray  # the first row of each query
    rank: np.ndarray  # each row's 0-based rank within its query
    weight: np.ndarray | None  # each query's weight (its first row's), or None: every query counts once

    @classmethod
    def of(cls, state: QueryRows, what: str) -> "Ranked":
        query, score, relevance, weight = state.joined
        if len(query) == 0:
            raise InputError(f"{what}: no rows to rank; it needs at least one query.")
        _, first, code = np.unique(query, return_index=True, return_inverse=True)
        code = code.ravel()
        order = np.lexsort((-score, code))  # stable: tied scores keep row order
        code = code[order]
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
        sizes = np.diff(np.r_[starts, len(code)])
        rank = np.arange(len(code)) - np.repeat(starts, sizes)
        return cls(code, score[order], relevance[order], starts, rank, None if weight is None else weight[first])

    def mean(self, per_query: np.ndarray) -> float:
        """The mean over queries (weighted by the queries' weights in a bootstrap replicate)."""
        if self.weight is None:
            return float(np.mean(per_query))
        total = float(np.sum(self.weight))
        if total == 0:
            raise InputError("no query drawn in this bootstrap replicate")
        return float(np.sum(self.weight * per_query) / total)


def mrr_value(state: QueryRows, params: Mapping[str, Any]) -> float:
    """trec_eval's ``recip_rank`` of each query (0 without a relevant document), averaged."""
    t = Ranked.of(state, "mrr")
    first = np.minimum.reduceat(np.where(t.relevance > 0, t.rank, len(t.rank)), t.starts)
    rr = np.where(first < len(t.rank), 1.0 / (first + 1.0), 0.0)
    return t.mean(rr)


def map_value(state: QueryRows, params: Mapping[str, Any]) -> float:
    """trec_eval's ``map``: each query's average precision (0 without a relevant document), averaged."""
    t = Ranked.of(state, "map")
    relevant = (t.relevance > 0).astype(np.int64)
    seen = np.cumsum(relevant)
    before = np.r_[0, seen][t.starts]  # relevant rows of the queries before each one
    so_far = seen - np.repeat(before, np.diff(np.r_[t.starts, len(seen)]))
    precision = np.where(relevant == 1, so_far / (t.rank + 1.0), 0.0)
    total = np.add.reduceat(precision, t.starts)
    n_rel = np.add.reduceat(relevant, t.starts)
    ap = np.where(n_rel > 0, total / np.maximum(n_rel, 1), 0.0)
    return t.mean(ap)


def _discount_cumsum(n: int, k: int | None) -> np.ndarray:
    """``C[m]``: the sum of scikit-learn's discounts ``1 / log2(i + 2)`` of ranks ``i < m``,
    0 from rank ``k`` on (``C[0] = 0``), computed as scikit-learn computes them."""
    discount = 1 / (np.log(np.arange(n) + 2) / np.log(2))
    if k is not None:
        discount[k:] = 0
    return np.r_[0.0, np.cumsum(discount)]


def ndcg_value(state: QueryRows, params: Mapping[str, Any]) -> float:
    """scikit-learn's ``ndcg_score`` of each query (tie-averaged DCG over the ideal DCG; 0 when
    every relevance is 0), averaged over the queries."""
    t = Ranked.of(state, "ndcg")
    if t.relevance.min() < 0:
        raise InputError(f"ndcg: relevance {number(float(t.relevance.min()))} is negative; scikit-learn's ndcg_score takes relevance >= 0.")
    sizes = np.diff(np.r_[t.starts, len(t.code)])
    if sizes.min() < 2:
        raise InputError("ndcg: a query has a single document, for which scikit-learn's ndcg_score is undefined; drop such queries.")
    c = _discount_cumsum(int(sizes.max()), params.get("k"))
    tie = np.flatnonzero(np.r_[True, (t.code[1:] != t.code[:-1]) | (t.score[1:] != t.score[:-1])])
    counts = np.diff(np.r_[tie, len(t.code)])
    mean_gain = np.add.reduceat(t.relevance, tie) / counts
    start = t.rank[tie]
    dcg = np.add.reduceat(mean_gain * (c[start + counts] - c[start]), np.searchsorted(tie, t.starts))
    ideal = _ideal_dcg(t, c)
    gain = np.where(ideal == 0, 0.0, dcg / np.where(ideal == 0, 1.0, ideal))
    return t.mean(gain)


def _ideal_dcg(t: Ranked, c: np.ndarray) -> np.ndarray:
    """Each query's DCG with its documents sorted by relevance (ties do not matter there)."""
    order = np.lexsort((-t.relevance, t.code))
    discount = np.diff(c)  # the discount of each rank (0 from k on)
    return np.add.reduceat(t.relevance[order] * discount[t.rank], t.starts)


_NDCG = Statistic("queries", fold_rows, ndcg_value, load, unweighted=_UNWEIGHTED, every_row=True)
_MRR = Statistic("queries", fold_rows, mrr_value, load, unweighted=_UNWEIGHTED, every_row=True)
_MAP = Statistic("queries", fold_rows, map_value, load, unweighted=_UNWEIGHTED, every_row=True)


@register_loss(
    "ndcg",
    family="ranking_metrics",
    inputs=_INPUTS,
    aliases=("ndcg_score",),
    reference="sklearn.metrics.ndcg_score",
    direction="higher",
    domains={"k": interval(1, closed="both")},
    statistic=_NDCG,
)
def ndcg(scores: np.ndarray, relevance: np.ndarray, query: np.ndarray, *, k: int | None = 10) -> float:
    """Normalized discounted cumulative gain at k per query (scikit-learn's ndcg_score), averaged over queries.

    Args:
      scores: the model's score of each document, shape (N,); higher ranks first.
      relevance: the judged relevance (gain) of each document, >= 0, shape (N,).
      query: the query id of each document, shape (N,) (text or integers).
      k: only the k highest-scored documents of each query count; none: all of them.

    Returns:
      The mean over queries of each query's NDCG@k (ties in scores averaged, as scikit-learn).

    Examples:
      >>> round(ndcg(np.array([0.9, 0.8, 0.1, 0.5, 0.4]), np.array([0, 1, 1, 1, 0]), np.array(["a", "a", "a", "b", "b"])), 6)
      0.846713

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.ndcg_score.html
    """
    return _NDCG.of([scores, relevance, query], {"k": k})


@register_loss(
    "mrr",
    family="ranking_metrics",
    inputs=_INPUTS,
    aliases=("recip_rank",),
    reference="trec_eval recip_rank",
    direction="higher",
    statistic=_MRR,
)
def mrr(scores: np.ndarray, relevance: np.ndarray, query: np.ndarray) -> float:
    """Mean reciprocal rank of the first relevant document (relevance > 0) of each query (trec_eval recip_rank).

    Args:
      scores: the model's score of each document, shape (N,); higher ranks first, ties in row order.
      relevance: the judged relevance of each document, shape (N,); > 0 is relevant.
      query: the query id of each document, shape (N,) (text or integers).

    Returns:
      The mean over queries of 1 / rank of the query's first relevant document (0 without one).

    Examples:
      >>> mrr(np.array([0.9, 0.8, 0.1, 0.5, 0.4]), np.array([0, 1, 1, 1, 0]), np.array(["a", "a", "a", "b", "b"]))
      0.75

    References:
      https://github.com/usnistgov/trec_eval (m_recip_rank.c)
    """
    return _MRR.of([scores, relevance, query], {})


@register_loss(
    "map",
    family="ranking_metrics",
    inputs=_INPUTS,
    aliases=("mean_average_precision",),
    reference="trec_eval map",
    direction="higher",
    statistic=_MAP,
)
def mean_average_precision(scores: np.ndarray, relevance: np.ndarray, query: np.ndarray) -> float:
    """Mean average precision over queries, relevance > 0 relevant (trec_eval map).

    Args:
      scores: the model's score of each document, shape (N,); higher ranks first, ties in row order.
      relevance: the judged relevance of each document, shape (N,); > 0 is relevant.
      query: the query id of each document, shape (N,) (text or integers).

    Returns:
      The mean over queries of the precision at each relevant document's rank, summed and divided
      by the query's number of relevant documents (0 without one).

    Examples:
      >>> round(mean_average_precision(np.array([0.9, 0.8, 0.1, 0.5, 0.4]), np.array([0, 1, 1, 1, 0]), np.array(["a", "a", "a", "b", "b"])), 6)
      0.791667

    References:
      https://github.com/usnistgov/trec_eval (m_map.c)
    """
    return _MAP.of([scores, relevance, query], {})
