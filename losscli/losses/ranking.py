"""Ranking and metric-learning losses: pairs, triplets and two-view batches of embeddings.

Embedding roles are ``(N, D)`` (one row per sample); score and label roles are ``(N,)``.
Labels ``y`` must be -1 or 1 (torch silently gives other values a loss of its own; losscli
rejects them, naming the row). Float32 inputs are computed in float64.
"""

from __future__ import annotations

import numpy as np

from losscli import _kinds
from losscli._checks import as_float, check_rank, check_same_shape, check_values, row_mean
from losscli.errors import ShapeError, SpecError
from losscli.losses._registry import all_elements, interval, options, register_loss

_EPS64 = float(np.finfo(np.float64).eps)  # optax.ntxent's cosine epsilon (finfo(dtype).eps)
_COSINE_EPS = float(np.float32(1e-12))  # torch Loss.cpp: `constexpr float EPSILON = 1e-12`, a float32
_SIMILARITY_EPS = 1e-8  # torch.nn.functional.cosine_similarity's default eps (a double)
_BLOCK = 1024  # ntxent anchors per block: bounds memory at 2N x _BLOCK similarities


def _pm1(y: np.ndarray, shape: tuple[int, ...], role: str = "y") -> np.ndarray:
    """Labels ``y`` in {-1, 0, 1}, of ``shape`` or ``(N,)``; returned broadcastable to ``shape``.
    0 is no class: each loss gives it torch's arithmetic (and a warning when no -1 is there)."""
    y = as_float(y, role)
    if y.shape != shape and y.shape != shape[:1]:
        want = f"{shape}" if len(shape) == 1 else f"{shape} or ({shape[0]},)"
        raise ShapeError(f"{role} must have shape {want}, got {y.shape} instead")
    check_values((y == 1.0) | (y == -1.0) | (y == 0.0), y, "values must be -1 or 1 (or 0, see describe)", role)
    return y.reshape(y.shape + (1,) * (len(shape) - y.ndim))


def _embeddings(x1: np.ndarray, x2: np.ndarray, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Two ``(N, D)`` float64 arrays of equal shape."""
    x1, x2 = as_float(x1, names[0]), as_float(x2, names[1])
    check_rank(x1, (2,), names[0])
    check_rank(x2, (2,), names[1])
    check_same_shape(x1, x2, names)
    return x1, x2


@register_loss(
    "margin_ranking",
    family="ranking",
    inputs=("scores", "scores", "binary"),
    aliases=("MarginRankingLoss", "ranking_hinge", "margin_ranking_loss"),
    reference="torch.nn.functional.margin_ranking_loss",
    elements=all_elements,
    checks=(_kinds.zero_pair_labels(2, "the loss max(0, margin)"),),
)
def margin_ranking(x1: np.ndarray, x2: np.ndarray, y: np.ndarray, *, margin: float = 0.0) -> np.ndarray:
    """Margin ranking loss ``max(0, -y (x1 - x2) + margin)``: y = 1 means x1 should rank higher.

    Args:
      x1: scores of the first item of each pair, shape (N,) or (N, D).
      x2: scores of the second item, same shape as x1.
      y: -1 or 1 per pair, shape (N,) or the shape of x1; 0 gives ``max(0, margin)`` (torch's
        arithmetic; a warning when no -1 is there).
      margin: how far x1 must exceed x2 (for y = 1) before the loss is 0.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> margin_ranking(np.array([1.0, 1.0, 0.0]), np.array([0.0, 2.0, 0.0]), np.array([1, 1, -1]), margin=0.5)
      array([0. , 1.5, 0.5])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.MarginRankingLoss.html
    """
    x1, x2 = as_float(x1, "x1"), as_float(x2, "x2")
    check_same_shape(x1, x2, ("x1", "x2"))
    y = _pm1(y, x1.shape)
    return row_mean(np.maximum(-y * (x1 - x2) + margin, 0.0))


@register_loss(
    "hinge_embedding",
    family="ranking",
    inputs=("values", "binary"),
    aliases=("HingeEmbeddingLoss", "hinge_embedding_loss"),
    reference="torch.nn.functional.hinge_embedding_loss",
    elements=all_elements,
    checks=(_kinds.zero_pair_labels(1, "both terms, x + max(0, margin - x)"),),
)
def hinge_embedding(distance: np.ndarray, y: np.ndarray, *, margin: float = 1.0) -> np.ndarray:
    """Hinge embedding loss: ``x`` where y = 1, ``max(0, margin - x)`` where y = -1.

    ``x`` is usually a distance (>= 0); a negative x with y = 1 gives a negative loss, as torch.

    Args:
      distance: distances x of each pair, shape (N,) or (N, D).
      y: 1 (similar pair) or -1 (dissimilar), shape (N,) or the shape of distance; 0 gives both
        terms, ``x + max(0, margin - x)`` (torch's arithmetic; a warning when no -1 is there).
      margin: dissimilar pairs closer than this are penalised.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> hinge_embedding(np.array([0.3, 0.3, 1.5]), np.array([1, -1, -1]))
      array([0.3, 0.7, 0. ])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.HingeEmbeddingLoss.html
    """
    x = as_float(distance, "distance")
    y = _pm1(y, x.shape)
    # torch: the margin term where y != 1, x where y != -1 (both for y = 0)
    return row_mean(np.where(y != 1.0, np.maximum(margin - x, 0.0), 0.0) + np.where(y != -1.0, x, 0.0))


@register_loss(
    "cosine_embedding",
    family="ranking",
    inputs=("embeddings", "embeddings", "binary"),
    aliases=("CosineEmbeddingLoss", "cosine_embedding_loss"),
    reference="torch.nn.functional.cosine_embedding_loss",
    domains={"margin": interval(-1.0, 1.0)},
    checks=(_kinds.zero_pair_labels(2, "the loss 0"),),
)
def cosine_embedding(x1: np.ndarray, x2: np.ndarray, y: np.ndarray, *, margin: float = 0.0) -> np.ndarray:
    """Cosine embedding loss: ``1 - cos`` where y = 1, ``max(0, cos - margin)`` where y = -1.

    ``cos = sum(x1 x2) / sqrt((sum(x1**2) + e) (sum(x2**2) + e))`` per row, with torch's
    ``e = float32(1e-12)`` where torch puts it (so a zero vector has cos 0, not nan).

    Args:
      x1: first embeddings, shape (N, D).
      x2: second embeddings, shape (N, D).
      y: 1 (similar) or -1 (dissimilar) per row, shape (N,); 0 gives 0 (torch's arithmetic; a
        warning when no -1 is there).
      margin: dissimilar pairs with cos above this are penalised, in [-1, 1].

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> cosine_embedding(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([1, -1]))
      array([1., 1.])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.CosineEmbeddingLoss.html
    """
    x1, x2 = _embeddings(x1, x2, ("x1", "x2"))
    y = _pm1(y, x1.shape[:1])
    denom = np.sqrt((np.sum(x1 * x1, axis=1) + _COSINE_EPS) * (np.sum(x2 * x2, axis=1) + _COSINE_EPS))
    cos = np.sum(x1 * x2, axis=1) / denom
    return np.where(y == 1.0, 1.0 - cos, np.where(y == -1.0, np.maximum(cos - margin, 0.0), 0.0))  # y = 0: 0 (torch)


def _pairwise_distance(a: np.ndarray, b: np.ndarray, p: float, eps: float) -> np.ndarray:
    """torch.nn.functional.pairwise_distance: ``||a - b + eps||_p`` per row (eps on the difference)."""
    d = a - b + eps
    if p == 2.0:
        return np.sqrt(np.sum(d * d, axis=1))
    if p == 1.0:
        return np.sum(np.abs(d), axis=1)
    return np.sum(np.abs(d) ** p, axis=1) ** (1.0 / p)


def _cosine_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``1 - cosine_similarity(a, b)`` per row as torch computes it: each row divided by
    ``max(||row||, 1e-8)`` first, then the dot product (a zero row has distance 1)."""
    na = np.maximum(np.sqrt(np.sum(a * a, axis=1, keepdims=True)), _SIMILARITY_EPS)
    nb = np.maximum(np.sqrt(np.sum(b * b, axis=1, keepdims=True)), _SIMILARITY_EPS)
    return 1.0 - np.sum((a / na) * (b / nb), axis=1)


def _distance(kind: str, p: float, eps: float):
    """The distance function of ``triplet``'s ``distance`` parameter."""
    if kind == "pairwise":
        return lambda x, y: _pairwise_distance(x, y, p, eps)
    if p != 2.0 or eps != 1e-6:
        raise SpecError("triplet: p and eps belong to the pairwise distance; drop them with distance=cosine.")
    return _cosine_distance


@register_loss(
    "triplet",
    family="ranking",
    inputs=("embeddings", "embeddings", "embeddings"),
    aliases=("triplet_margin", "TripletMarginLoss", "triplet_margin_loss", "TripletMarginWithDistanceLoss"),
    reference="torch.nn.functional.triplet_margin_loss (distance=cosine: triplet_margin_with_distance_loss)",
    domains={
        "margin": interval(0.0, closed="neither"),
        "p": interval(0.0, closed="neither"),
        "eps": interval(0.0),
        "distance": options("pairwise", "cosine"),
    },
)
def triplet(
    anchor: np.ndarray,
    positive: np.ndarray,
    negative: np.ndarray,
    *,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    distance: str = "pairwise",
) -> np.ndarray:
    """Triplet margin loss ``max(0, margin + d(a, p) - d(a, n))`` with ``d(x, y) = ||x - y + eps||_p``.

    As torch, eps is added to the difference vector (so d(a, a) is ``D**(1/p) * eps``, not 0);
    optax adds it inside the root instead. With ``swap``, ``d(a, n)`` is replaced by
    ``min(d(a, n), d(p, n))`` (Balntas et al. 2016). ``distance=cosine`` is torch's
    ``TripletMarginWithDistanceLoss`` with ``distance_function=lambda x, y: 1 - cosine_similarity(x, y)``:
    ``d = 1 - <x / max(||x||, 1e-8), y / max(||y||, 1e-8)>``, in [0, 2] (p and eps then do not apply).
    The default distance is that loss's default (``pairwise_distance``, p = 2, eps = 1e-6).

    Args:
      anchor: anchor embeddings, shape (N, D).
      positive: embeddings of the same identity as the anchor, shape (N, D).
      negative: embeddings of another identity, shape (N, D).
      margin: required gap between the negative and positive distances (> 0, as torch).
      p: the norm degree of the distance (> 0).
      eps: added to each difference before the norm (>= 0).
      swap: use the distance swap (the harder of the two negatives' distances).
      distance: ``pairwise`` (the p-norm above) or ``cosine`` (one minus the cosine similarity).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> triplet(np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([[0.5, 0.0]]), eps=0.0)
      array([1.5])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.TripletMarginLoss.html
    """
    a, pos = _embeddings(anchor, positive, ("anchor", "positive"))
    _, neg = _embeddings(anchor, negative, ("anchor", "negative"))
    dist = _distance(distance, p, eps)
    d_ap = dist(a, pos)
    d_an = dist(a, neg)
    if swap:
        d_an = np.minimum(d_an, dist(pos, neg))
    return np.maximum(margin + d_ap - d_an, 0.0)


@register_loss(
    "contrastive",
    family="ranking",
    inputs=("embeddings", "embeddings", "binary"),
    aliases=("pair_contrastive", "contrastive_loss"),
    reference="Hadsell, Chopra, LeCun 2006, eq. 4 (hand-computed goldens)",
    domains={"margin": interval(0.0)},
)
def contrastive(x1: np.ndarray, x2: np.ndarray, same: np.ndarray, *, margin: float = 1.0) -> np.ndarray:
    """Pair contrastive loss ``0.5 same d**2 + 0.5 (1 - same) max(0, margin - d)**2``, d Euclidean.

    Similar pairs are pulled together; dissimilar pairs are pushed apart until they are
    ``margin`` away. Note Hadsell et al. write Y = 0 for similar pairs; here ``same = 1`` is similar.

    Args:
      x1: first embeddings, shape (N, D).
      x2: second embeddings, shape (N, D).
      same: 1 for a similar pair, 0 for a dissimilar one, shape (N,).
      margin: the distance beyond which dissimilar pairs cost nothing (>= 0).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> contrastive(np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([[3.0, 4.0], [0.3, 0.4]]), np.array([1, 0]))
      array([12.5  ,  0.125])

    References:
      Hadsell, Chopra, LeCun, "Dimensionality Reduction by Learning an Invariant Mapping",
      CVPR 2006, eq. 4. http://yann.lecun.com/exdb/publis/pdf/hadsell-chopra-lecun-06.pdf
    """
    x1, x2 = _embeddings(x1, x2, ("x1", "x2"))
    s = as_float(same, "same")
    if s.shape != x1.shape[:1]:
        raise ShapeError(f"same must have shape ({x1.shape[0]},), got {s.shape} instead")
    check_values((s == 0.0) | (s == 1.0), s, "values must be 0 or 1", "same")
    diff = x1 - x2
    d2 = np.sum(diff * diff, axis=1)
    hinge = np.maximum(margin - np.sqrt(d2), 0.0)
    return np.where(s == 1.0, 0.5 * d2, 0.5 * hinge * hinge)


@register_loss(
    "ntxent",
    family="ranking",
    inputs=("embeddings", "embeddings"),
    aliases=("nt_xent", "infonce", "info_nce", "simclr"),
    reference="optax.losses.ntxent on concat(z_i, z_j) with labels concat(arange N, arange N)",
    rowwise=False,  # the negatives of a row are all other rows: evaluated on all rows at once
    domains={"temperature": interval(0.0, closed="neither")},
)
def ntxent(z_i: np.ndarray, z_j: np.ndarray, *, temperature: float = 0.5) -> np.ndarray:
    """NT-Xent (SimCLR): each of the 2N views against its one positive and the 2N - 2 others.

    With ``s(u, v) = cos(u, v) / temperature`` over ``z = concat(z_i, z_j)``, anchor k's loss is
    ``-log(exp(s(z_k, z_k+)) / sum_{j != k} exp(s(z_k, z_j)))`` where k+ is the other view of the
    same row; the per-sample value of row n is the mean of its two anchors' losses, so the mean
    over rows is the mean over all 2N anchors. Cosine clips squared norms at float64 eps (optax).
    The value of a row depends on the whole batch (the negatives), not on the row alone.

    Args:
      z_i: first view's embeddings, shape (N, D).
      z_j: second view's embeddings, same shape; row n of z_i and z_j is a positive pair.
      temperature: the softmax temperature tau (> 0; SimCLR used 0.5, optax defaults to 0.07).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> ntxent(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.9, 0.1], [0.1, 0.9]])).round(7)
      array([0.2964603, 0.2964603])

    References:
      Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations",
      ICML 2020, eq. 1. https://arxiv.org/abs/2002.05709
    """
    z_i, z_j = _embeddings(z_i, z_j, ("z_i", "z_j"))
    n = len(z_i)
    z = np.concatenate([z_i, z_j])
    u = z / np.sqrt(np.maximum(np.sum(z * z, axis=1, keepdims=True), _EPS64))
    partner = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    anchor_loss = np.empty(2 * n)
    for start in range(0, 2 * n, _BLOCK):  # blocks of anchors, not a loop over samples
        rows = np.arange(start, min(start + _BLOCK, 2 * n))
        s = (u[rows] @ u.T) / temperature
        s[rows - start, rows] = -np.inf  # an anchor is not its own negative
        top = s.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.sum(np.exp(s - top), axis=1))
        anchor_loss[rows] = lse - s[rows - start, partner[rows]]
    return 0.5 * (anchor_loss[:n] + anchor_loss[n:])


def _queries(scores: np.ndarray, relevance: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scores and relevance as float64 ``(N,)``, each row's query number and the queries' sizes."""
    s, y, q = as_float(scores, "scores"), as_float(relevance, "relevance"), np.asarray(query)
    if q.dtype.kind not in "iufb":  # integer ids stay integers: ids above 2**53 are not merged by a float cast
        raise ShapeError(f"query must hold numeric query ids, got dtype {q.dtype} instead")
    for name, a in (("scores", s), ("relevance", y), ("query", q)):
        if a.ndim != 1 or len(a) != len(s):
            raise ShapeError(f"{name} must have shape ({len(s)},) (one value per item), got {a.shape} instead")
    check_values(~(y < 0), y, "must be >= 0 (leave padding items, such as label -1, out of the file)", "relevance")
    _, which, sizes = np.unique(q, return_inverse=True, return_counts=True)
    return s, y, which.reshape(-1), sizes


def _query_share(scores: np.ndarray, relevance: np.ndarray, query: np.ndarray, **_: object) -> np.ndarray:
    """The normaliser of ranking_softmax: ``1 / n_q`` on each of the n_q rows of query q (they sum to 1 per query)."""
    _, _, which, sizes = _queries(scores, relevance, query)
    return 1.0 / sizes[which]


@register_loss(
    "ranking_softmax",
    family="ranking",
    inputs=("scores", "values", "labels"),
    aliases=("ranking_softmax_loss", "listwise_softmax", "listnet"),
    reference="optax.losses.ranking_softmax_loss (one list per query, reduce_fn=jnp.mean)",
    rowwise=False,  # a row's value depends on the other rows of its query
    normalizer=_query_share,
    per_sample="query_share",
)
def ranking_softmax(scores: np.ndarray, relevance: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Listwise softmax cross-entropy per query: ``L_q = -sum_{i in q} y_i log softmax_q(s)_i``.

    Each row is one item: its score, its relevance label y (>= 0; not normalised, as optax) and
    the number of its query (rows of a query need not be adjacent). The softmax runs over the
    rows of each query; the headline is the mean of ``L_q`` over queries (optax's
    ``reduce_fn=jnp.mean`` over lists), ``--reduction sum`` is their sum. A per-sample value is
    a row's share ``L_q / n_q`` of its query's loss, and the mean divides by the number of
    queries (each row counts ``1 / n_q``); a sample weight scales a row's share and count, so one
    weight per query gives the weighted mean over queries, and a group (-g) holding whole
    queries gets the mean over its queries. A query's loss needs all its rows: ranking_softmax
    is evaluated on all rows at once (no streaming, no --chunk-rows, no merging of shards, no
    Dask). Query numbers must be numbers (LETOR ``qid``); map text ids to integers first.

    Args:
      scores: the model's score of each item, shape (N,).
      relevance: graded relevance of each item (>= 0), shape (N,).
      query: the query (list) each item belongs to, shape (N,); pass it with
        ``--input query=FILE[:COL]`` or ``--col query=COL``.

    Returns:
      Per-sample share of its query's loss, shape (N,).

    Examples:
      >>> ranking_softmax(np.array([2.0, 1.0, 3.0]), np.array([1.0, 0.0, 0.0]), np.array([7, 7, 7])).round(4)
      array([0.4692, 0.4692, 0.4692])

    References:
      https://optax.readthedocs.io/en/latest/api/losses.html#optax.losses.ranking_softmax_loss
      Cao et al., Learning to Rank: From Pairwise Approach to Listwise Approach (ListNet), ICML 2007
    """
    s, y, which, sizes = _queries(scores, relevance, query)
    top = np.full(len(sizes), -np.inf)
    np.maximum.at(top, which, s)
    shifted = s - top[which]  # jax.nn.log_softmax: x - max, minus log(sum(exp(x - max)))
    log_p = shifted - np.log(np.bincount(which, weights=np.exp(shifted), minlength=len(sizes)))[which]
    per_query = -np.bincount(which, weights=y * log_p, minlength=len(sizes))
    return per_query[which] / sizes[which]
