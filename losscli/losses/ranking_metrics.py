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
the number of rows (three values a row). The bootstrap's replicates share those rows in memory
(each keeps only its weights of the queries' first rows) and the per-query values are computed
once; a state file (``--emit-state``) writes the rows once per replicate.

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
from typing import Any, Callable

import numpy as np

from losscli._checks import as_float, check_rank
from losscli.errors import InputError, ShapeError, StateError, number, shown
from losscli.losses._registry import interval, register_loss, register_preset
from losscli.losses._statistic import Statistic, exact_keys

_INPUTS = ("scores", "values", "ids")
_UNWEIGHTED = "scikit-learn's ndcg_score weights queries and trec_eval nothing, so a row has no weight of its own"


@dataclass(frozen=True)
class Part:
    """Some rows as one ``fold`` got them: query ids as text, scores and relevance (float64),
    the position of each query's first row here, and a bootstrap replicate's weights of those
    first rows (None: every query counts once). The replicates of a chunk share its arrays."""

    query: np.ndarray
    score: np.ndarray
    relevance: np.ndarray
    first: np.ndarray
    weight: np.ndarray | None = None


@dataclass(frozen=True)
class QueryRows:
    """Every row of some queries, in row order, as the parts folded: the mergeable state of a
    ranking metric (a merge joins nothing; the rows are joined once their value is computed)."""

    parts: tuple[Part, ...]

    def merge(self, other: "QueryRows") -> "QueryRows":
        """The rows of both, ``other``'s after these (rows merge in row order)."""
        return QueryRows(self.parts + other.parts)

    @property
    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query, score, relevance) of every row, joined."""
        if len(self.parts) == 1:
            p = self.parts[0]
            return p.query, p.score, p.relevance
        if not self.parts:
            return _objects([]), np.zeros(0), np.zeros(0)
        return tuple(np.concatenate([getattr(p, c) for p in self.parts]) for c in ("query", "score", "relevance"))

    def first_weights(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(row, weight) of every part's first rows of its queries, rows counted over all parts;
        None when no part is weighted."""
        if all(p.weight is None for p in self.parts):
            return None
        offsets = np.cumsum([0] + [len(p.score) for p in self.parts])[:-1]
        rows = np.concatenate([o + p.first for o, p in zip(offsets, self.parts)])
        weights = np.concatenate([np.ones(len(p.first)) if p.weight is None else p.weight for p in self.parts])
        return rows, weights

    def row_count(self) -> float:
        """The rows held; nan for a bootstrap replicate's state (it carries the queries'
        weights): no shard's or group's row count equals it."""
        return float(sum(len(p.score) for p in self.parts)) if self.first_weights() is None else float("nan")

    def to_state(self) -> dict[str, Any]:
        query, score, relevance = self.rows
        out = {"query": query.tolist(), "score": score.tolist(), "relevance": relevance.tolist()}
        drawn = self.first_weights()
        if drawn is None:
            return out
        weight = np.zeros(len(score))  # a row that is not the first of its query in its part: 0 (unread)
        weight[drawn[0]] = drawn[1]
        return {**out, "weight": weight.tolist()}


def load(state: Mapping[str, Any]) -> QueryRows:
    """A state written by ``QueryRows.to_state`` (``losscli merge``); a malformed one raises ValueError."""
    exact_keys(state, ("query", "score", "relevance"), ("weight",))
    if not isinstance(state["query"], list):
        raise StateError("query", "must be a list of query ids")
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
    q = _objects(query)
    first = _first_rows(q)
    return QueryRows((Part(q, cols[0], cols[1], first, None if weight is None else weight[first]),))


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


def _factorize(query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's query code (0, 1, ... in the order the queries first appear: a dict, not a
    sort of the text ids) and each query's first row (ascending)."""
    seen: dict[str, int] = {}
    code = np.fromiter((seen.setdefault(k, len(seen)) for k in query.tolist()), dtype=np.int64, count=len(query))
    if len(code) == 0:
        return code, code
    return code, np.flatnonzero(np.r_[True, code[1:] > np.maximum.accumulate(code)[:-1]])


def _first_rows(query: np.ndarray) -> np.ndarray:
    """The position of each query's first row, ascending."""
    return _factorize(query)[1]


_FOLDED: list[Any] = [None]  # (copies of the inputs, their checked arrays) of the last fold (see fold_rows)


def _checked(inputs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(query ids as text, scores, relevance, first rows) of some rows, checked."""
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
    return q, np.array(s, copy=True), np.array(r, copy=True), _first_rows(q)  # the state's own copies


def _same(a: Any, b: np.ndarray) -> bool:
    a = np.asarray(a)
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))


def fold_rows(inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> QueryRows:
    """The state of some rows: their query ids, scores and relevance (and a bootstrap replicate's
    weights: a query's weight is that of its first row). The bootstrap folds the rows of a chunk
    once per replicate (``every_row``): the last inputs are kept (copies), and inputs equal to
    them reuse their checked arrays, which every replicate's part then shares."""
    last = _FOLDED[0]
    if last is not None and len(last[0]) == len(inputs) and all(_same(a, b) for a, b in zip(inputs, last[0])):
        q, s, r, first = last[1]
    else:
        q, s, r, first = _checked(inputs)
        _FOLDED[0] = (tuple(np.array(a, copy=True) for a in inputs), (q, s, r, first))
    if weights is None:
        return QueryRows((Part(q, s, r, first),))
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(w) != len(s) or not (np.isfinite(w).all() and (w >= 0).all()):
        raise InputError(f"a ranking metric's weights must be finite and >= 0, one per row: {_UNWEIGHTED}.")
    return QueryRows((Part(q, s, r, first, w[first]),))


@dataclass(frozen=True)
class Ranked:
    """The rows of a state ordered by query, then score descending, then row order."""

    code: np.ndarray  # the query of each row (0, 1, ... in the order the queries first appear)
    score: np.ndarray
    relevance: np.ndarray
    starts: np.ndarray  # the first row of each query
    rank: np.ndarray  # each row's 0-based rank within its query

    @classmethod
    def of(cls, query: np.ndarray, score: np.ndarray, relevance: np.ndarray, code: np.ndarray) -> "Ranked":
        order = np.lexsort((-score, code))  # stable: tied scores keep row order
        code = code[order]
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
        sizes = np.diff(np.r_[starts, len(code)])
        rank = np.arange(len(code)) - np.repeat(starts, sizes)
        return cls(code, score[order], relevance[order], starts, rank)


_VALUED: dict[Any, Any] = {}  # (metric, params) -> (the parts' arrays, per-query values, row codes) last computed


def _average(state: QueryRows, key: tuple, per_query: Callable[[Ranked], np.ndarray]) -> float:
    """The mean over queries of ``per_query`` of the ranked rows; in a bootstrap replicate, the
    mean weighted by each query's weight (its first row's). The replicates of a run share their
    rows, the state's own arrays (``fold_rows``): the per-query values of the last rows valued
    are kept, found again by the identity of those arrays."""
    arrays = tuple(a for p in state.parts for a in (p.query, p.score, p.relevance))
    hit = _VALUED.get(key)
    if hit is not None and len(hit[0]) == len(arrays) and all(a is b for a, b in zip(hit[0], arrays)):
        values, code = hit[1], hit[2]
    else:
        query, score, relevance = state.rows
        if len(query) == 0:
            raise InputError(f"{key[0]}: no rows to rank; it needs at least one query.")
        code = _factorize(query)[0]
        values = per_query(Ranked.of(query, score, relevance, code))
        _VALUED[key] = (arrays, values, code)
    drawn = state.first_weights()
    if drawn is None:
        return float(np.mean(values))
    rows, weight = drawn  # ascending rows: the first occurrence of a query is its first row
    weight = weight[np.unique(code[rows], return_index=True)[1]]
    if weight.sum() == 0:
        raise InputError("no query drawn in this bootstrap replicate")
    return float(np.sum(weight * values) / np.sum(weight))


def mrr_value(state: QueryRows, params: Mapping[str, Any]) -> float:
    """trec_eval's ``recip_rank`` of each query (0 without a relevant document), averaged."""
    return _average(state, ("mrr",), _reciprocal_ranks)


def _reciprocal_ranks(t: Ranked) -> np.ndarray:
    first = np.minimum.reduceat(np.where(t.relevance > 0, t.rank, len(t.rank)), t.starts)
    return np.where(first < len(t.rank), 1.0 / (first + 1.0), 0.0)


def map_value(state: QueryRows, params: Mapping[str, Any]) -> float:
    """trec_eval's ``map``: each query's average precision (0 without a relevant document), averaged."""
    return _average(state, ("map",), _average_precisions)


def _average_precisions(t: Ranked) -> np.ndarray:
    relevant = (t.relevance > 0).astype(np.int64)
    seen = np.cumsum(relevant)
    before = np.r_[0, seen][t.starts]  # relevant rows of the queries before each one
    so_far = seen - np.repeat(before, np.diff(np.r_[t.starts, len(seen)]))
    precision = np.where(relevant == 1, so_far / (t.rank + 1.0), 0.0)
    total = np.add.reduceat(precision, t.starts)
    n_rel = np.add.reduceat(relevant, t.starts)
    return np.where(n_rel > 0, total / np.maximum(n_rel, 1), 0.0)


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
    k = params.get("k")
    return _average(state, ("ndcg", k), functools.partial(_ndcgs, k=k))


def _ndcgs(t: Ranked, k: int | None) -> np.ndarray:
    if t.relevance.min() < 0:
        raise InputError(f"ndcg: relevance {number(float(t.relevance.min()))} is negative; scikit-learn's ndcg_score takes relevance >= 0.")
    sizes = np.diff(np.r_[t.starts, len(t.code)])
    if sizes.min() < 2:
        raise InputError("ndcg: a query has a single document, for which scikit-learn's ndcg_score is undefined; drop such queries.")
    c = _discount_cumsum(int(sizes.max()), k)
    tie = np.flatnonzero(np.r_[True, (t.code[1:] != t.code[:-1]) | (t.score[1:] != t.score[:-1])])
    counts = np.diff(np.r_[tie, len(t.code)])
    mean_gain = np.add.reduceat(t.relevance, tie) / counts
    start = t.rank[tie]
    dcg = np.add.reduceat(mean_gain * (c[start + counts] - c[start]), np.searchsorted(tie, t.starts))
    ideal = _ideal_dcg(t, c)
    return np.where(ideal == 0, 0.0, dcg / np.where(ideal == 0, 1.0, ideal))


def _ideal_dcg(t: Ranked, c: np.ndarray) -> np.ndarray:
    """Each query's DCG with its documents sorted by relevance (ties do not matter there)."""
    order = np.lexsort((-t.relevance, t.code))
    discount = np.diff(c)  # the discount of each rank (0 from k on)
    return np.add.reduceat(t.relevance[order] * discount[t.rank], t.starts)


def query_counts(state: QueryRows, params: Mapping[str, Any]) -> dict[str, int]:
    """The report's details: the number of queries the value is the mean over, and of those
    without a relevant document (relevance > 0), which score 0."""
    query, _, relevance = state.rows
    if len(query) == 0:
        return {"queries": 0, "queries_without_relevant": 0}
    code = _factorize(query)[0]
    relevant = np.bincount(code, weights=(relevance > 0).astype(np.float64)) > 0
    return {"queries": len(relevant), "queries_without_relevant": int(np.sum(~relevant))}


_OPTIONS = dict(details=query_counts, unweighted=_UNWEIGHTED, every_row=True)
_NDCG = Statistic("queries", fold_rows, ndcg_value, load, **_OPTIONS)
_MRR = Statistic("queries", fold_rows, mrr_value, load, **_OPTIONS)
_MAP = Statistic("queries", fold_rows, map_value, load, **_OPTIONS)


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


register_preset("ranking_metrics", "ndcg", "mrr", "map")
