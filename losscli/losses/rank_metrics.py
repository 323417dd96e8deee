"""Rank metrics of scores against binary labels: ``roc_auc`` and ``average_precision``.

Both are functions of how the positive and negative rows are ordered by score, so their state
(``Ranks``) is the weighted count of positive and of negative rows **per distinct score**
(ascending): exact and mergeable (two states merge into the union of their scores, counts
added), so every chunking, ``merge`` of shards, ``--engine dask``, ``--group-by`` and the
Poisson bootstrap give the same headline. The state grows with the number of distinct scores
(at most the number of rows); nothing is approximated. Counts are integers without sample
weights (and exact up to 2**53 rows); with float weights their sums agree across chunkings to
rounding. A row with a NaN or inf score or a NaN label (kept by ``--nan-policy propagate``) is
counted apart and makes the value nan, as it makes a loss's mean nan.

- ``roc_auc`` (scikit-learn ``roc_auc_score``): ``Σ_k P_k (N_<k + N_k / 2) / (ΣP ΣN)`` over the
  distinct scores k (``P_k``, ``N_k`` the weights of the positive and negative rows scoring
  ``s_k``, ``N_<k`` of the negatives scoring below): the probability that a positive outscores
  a negative, ties counting one half (the trapezoidal area under the ROC curve). For ``(N, C)``
  class probabilities: one-vs-rest, the unweighted mean over the classes of each class's AUC
  (``multi_class="ovr"``, ``average="macro"``); rows must sum to 1 (scikit-learn's check:
  ``|1 - Σ_c p_c| <= 1e-8 + 1e-5 |Σ_c p_c|``). Undefined (an error line) when the rows hold one
  class only, or a class of ``(N, C)`` no row.
- ``average_precision`` (scikit-learn ``average_precision_score``): ``Σ_k (R_k - R_{k-1}) P@k``
  over the distinct scores in decreasing order, precision ``P@k = TP_k / (TP_k + FP_k)`` and
  recall ``R_k = TP_k / ΣP`` at threshold ``s_k`` (all rows scoring ``s_k`` enter together): the
  step-wise area, no interpolation. No positive row gives 0, as scikit-learn (which warns).

``--ci analytic`` for ``roc_auc`` is DeLong's interval (DeLong, DeLong & Clarke-Pearson 1988, in
the placement-value form of Sun & Xu 2014), from the state: a positive scoring ``s_k`` has the
placement ``V10_k = (N_<k + N_k/2) / ΣN`` (the share of negatives it outscores), a negative
``V01_k = (P_>k + P_k/2) / ΣP``; ``Var(AUC) = S10 / m + S01 / n`` with ``S10``, ``S01`` the
placements' sample variances over the ``m`` positive and ``n`` negative rows; the interval is
``AUC ± z_{(1+level)/2} √Var``, clipped to [0, 1]. With sample weights the variances are the
weighted ones with Kish's effective counts ``(Σw)² / Σw²`` (the state then also keeps the sums
of squared weights): DeLong's for unit weights. Binary scores only (the one-vs-rest mean's
variance needs each row's scores of every class together). ``paired_delong`` is DeLong's test
of two models' AUCs on the same rows (``compare --ci analytic``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from losscli._checks import as_float, check_values
from losscli.errors import InputError, ShapeError, StateError, UsageError, ValueDomainError, number
from losscli.losses._registry import register_loss
from losscli.losses._statistic import Statistic, exact_keys

_SQUARES = ("pos2", "neg2")


@dataclass(frozen=True)
class Ranks:
    """Weighted counts of the positive and negative rows per distinct score, scores ascending.

    ``pos2``/``neg2``: sums of the squared weights per score (DeLong's interval with sample
    weights); None when every weight was 1 (they are then ``pos``/``neg``).
    """

    scores: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    pos2: np.ndarray | None = None
    neg2: np.ndarray | None = None

    @property
    def squares(self) -> tuple[np.ndarray, np.ndarray]:
        """The sums of squared weights per score (``pos``/``neg`` for unit weights)."""
        return (self.pos if self.pos2 is None else self.pos2), (self.neg if self.neg2 is None else self.neg2)

    def merge(self, other: "Ranks") -> "Ranks":
        """The counts of the union of both sets of rows (scores merged, counts added)."""
        weighted = self.pos2 is not None or other.pos2 is not None
        columns = [(self.pos, other.pos), (self.neg, other.neg)]
        if weighted:
            columns += list(zip(self.squares, other.squares))
        scores, summed = merge_sorted((self.scores, other.scores), columns)
        return Ranks(scores, *summed) if weighted else Ranks(scores, summed[0], summed[1])

    def to_state(self) -> dict[str, Any]:
        out = {"scores": self.scores.tolist(), "pos": self.pos.tolist(), "neg": self.neg.tolist()}
        if self.pos2 is not None:
            out.update(pos2=self.pos2.tolist(), neg2=self.neg2.tolist())
        return out


def merge_sorted(keys: Sequence[np.ndarray], columns: Sequence[Sequence[np.ndarray]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The sorted union of sorted unique ``keys`` arrays and each column's values per key summed
    (``columns[j][i]``: column j's values along ``keys[i]``). A stable sort of the concatenation
    (numpy's merge of sorted runs) then one sum per run of equal keys."""
    cat = np.concatenate(keys)
    if len(cat) == 0:
        return cat, [np.zeros(0) for _ in columns]
    order = np.argsort(cat, kind="stable")
    merged = cat[order]
    starts = np.flatnonzero(np.concatenate(([True], merged[1:] != merged[:-1])))
    return merged[starts], [np.add.reduceat(np.concatenate(c)[order], starts) for c in columns]


def _runs(sorted_scores: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Distinct values of ascending ``sorted_scores`` and, per value, the number of rows (or the
    sum of ``weights`` and of their squares)."""
    if len(sorted_scores) == 0:
        return sorted_scores, [np.zeros(0)] * (1 if weights is None else 2)
    starts = np.flatnonzero(np.concatenate(([True], sorted_scores[1:] != sorted_scores[:-1])))
    if weights is None:
        return sorted_scores[starts], [np.diff(np.append(starts, len(sorted_scores))).astype(np.float64)]
    return sorted_scores[starts], [np.add.reduceat(weights, starts), np.add.reduceat(weights * weights, starts)]


def _side(scores: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, list[np.ndarray]]:
    """The runs of one class's scores: a plain sort without weights, else a sort of the weights too."""
    if weights is None:
        return _runs(np.sort(scores), None)
    order = np.argsort(scores)
    return _runs(scores[order], weights[order])


def ranks_of(scores: np.ndarray, positive: np.ndarray, weights: np.ndarray | None = None) -> Ranks:
    """The ``Ranks`` of 1-D float scores with a boolean positive mask (and non-negative weights;
    scores whose rows all weigh 0 are left out: they move no threshold)."""
    neg_mask = ~positive
    wp, wn = (None, None) if weights is None else (weights[positive], weights[neg_mask])
    up, cp = _side(scores[positive], wp)
    un, cn = _side(scores[neg_mask], wn)
    zp, zn = np.zeros(len(up)), np.zeros(len(un))
    # pos, neg (and pos2, neg2): each class's counts along its own scores, 0 along the other's
    columns = [(c, zn) for c in cp[:1]] + [(zp, c) for c in cn[:1]] + [(c, zn) for c in cp[1:]] + [(zp, c) for c in cn[1:]]
    scores_u, counts = merge_sorted((up, un), columns)
    if weights is None:
        return Ranks(scores_u, *counts)
    keep = (counts[0] > 0) | (counts[1] > 0)
    return Ranks(scores_u, *counts) if keep.all() else Ranks(scores_u[keep], *(c[keep] for c in counts))


@dataclass(frozen=True)
class RankState:
    """A rank metric's state: one ``Ranks`` for binary scores, one per class for ``(N, C)``
    class probabilities (class c's scores against "label is c").

    Merges are lazy: each class keeps a few runs of decreasing size, and two runs are merged only
    when the smaller is at least half the larger (as timsort keeps its runs), so folding N rows
    chunk by chunk costs O(N log N), not a copy of the whole state per chunk. ``classes`` (what
    ``value`` and ``to_state`` read) merges the runs once.
    """

    runs: tuple[tuple[Ranks, ...], ...]
    multiclass: bool = False
    nonfinite: int = 0  # rows with a NaN/inf score or label (--nan-policy propagate): the value is nan

    @classmethod
    def of(cls, classes: Sequence[Ranks], multiclass: bool = False, nonfinite: int = 0) -> "RankState":
        return cls(tuple((r,) for r in classes), multiclass, nonfinite)

    @functools.cached_property
    def classes(self) -> tuple[Ranks, ...]:
        return tuple(functools.reduce(lambda a, b: b.merge(a), runs[::-1]) for runs in self.runs)

    def merge(self, other: "RankState") -> "RankState":
        if (self.multiclass, len(self.runs)) != (other.multiclass, len(other.runs)):
            raise InputError(f"Cannot merge rank states of {_layout(self)} and {_layout(other)} scores.")
        runs = tuple(collapse_runs(a + b) for a, b in zip(self.runs, other.runs))
        return RankState(runs, self.multiclass, self.nonfinite + other.nonfinite)

    def row_count(self) -> float:
        """The rows counted (their weight sum): the first class's positives and negatives, and
        the rows of a NaN/inf score or label."""
        first = self.classes[0]
        return float(first.pos.sum() + first.neg.sum()) + self.nonfinite

    def to_state(self) -> dict[str, Any]:
        return {"multiclass": self.multiclass, "classes": [r.to_state() for r in self.classes], "nonfinite": self.nonfinite}


def collapse_runs(runs: tuple[Any, ...], size: Callable[[Any], int] = lambda r: len(r.scores)) -> tuple[Any, ...]:
    """``runs`` (states with ``merge``; ``size``: their number of distinct values) largest first,
    the last two merged while the smaller is at least half the larger: lazy merges of states that
    grow with the data (also regression_metrics' distinct values)."""
    out = sorted(runs, key=size, reverse=True)
    while len(out) > 1 and size(out[-2]) <= 2 * size(out[-1]):
        last = out.pop()
        out[-1] = out[-1].merge(last)
        out.sort(key=size, reverse=True)
    return tuple(out)


def _layout(state: RankState) -> str:
    return f"{len(state.runs)}-class" if state.multiclass else "binary"


def load_state(d: Mapping[str, Any]) -> RankState:
    """A ``RankState`` from ``to_state``'s dict, checked (a state file is untrusted input)."""
    if not isinstance(d, Mapping) or not isinstance(d.get("multiclass"), bool) or not isinstance(d.get("classes"), list) or not d["classes"]:
        raise InputError("A rank metric state must hold 'multiclass' (true/false) and a non-empty list 'classes'.")
    exact_keys(d, ("multiclass", "classes"), ("nonfinite",))
    if d["multiclass"] and len(d["classes"]) < 2:
        raise StateError("classes", "of a multiclass state hold one entry per class, at least 2")
    if not d["multiclass"] and len(d["classes"]) != 1:
        raise InputError("A binary rank metric state holds one entry in 'classes'.")
    nonfinite = d.get("nonfinite", 0)
    if isinstance(nonfinite, bool) or not isinstance(nonfinite, int) or nonfinite < 0:
        raise InputError("A rank metric state's 'nonfinite' must be a count of rows (an integer >= 0).")
    state = RankState.of([_load_ranks(c, i) for i, c in enumerate(d["classes"])], d["multiclass"], nonfinite)
    totals = [float(r.pos.sum() + r.neg.sum()) for r in state.classes]
    if not all(math.isclose(t, totals[0], rel_tol=1e-9) for t in totals):
        raise StateError("classes", f"count different rows per class ({', '.join(f'{t:g}' for t in totals)})")
    return state


def _load_ranks(d: Any, i: int) -> Ranks:
    where = f"rank metric state classes[{i}]"
    if not isinstance(d, Mapping) or not all(k in d for k in ("scores", "pos", "neg")) or ("pos2" in d) != ("neg2" in d):
        raise InputError(f"The {where} must hold 'scores', 'pos' and 'neg' (and both or neither of 'pos2', 'neg2').")
    exact_keys(d, ("scores", "pos", "neg"), _SQUARES)
    arrays = {k: _numbers(d[k], f"{where}.{k}") for k in ("scores", "pos", "neg", *(_SQUARES if "pos2" in d else ()))}
    if len({len(a) for a in arrays.values()}) != 1:
        raise InputError(f"The {where} lists have different lengths.")
    s = arrays["scores"]
    if not np.isfinite(s).all() or (len(s) > 1 and not (s[1:] > s[:-1]).all()):
        raise InputError(f"The {where}.scores must be finite and strictly increasing.")
    if any(not (np.isfinite(a) & (a >= 0)).all() for k, a in arrays.items() if k != "scores"):
        raise InputError(f"The {where} counts must be finite and >= 0.")
    return Ranks(**arrays)


def _numbers(v: Any, where: str) -> np.ndarray:
    if not isinstance(v, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        raise InputError(f"The {where} must be a list of numbers.")
    return np.asarray(v, dtype=np.float64).reshape(-1)


# ---------------------------------------------------------------------------- fold


def _binary_target(y: np.ndarray) -> np.ndarray:
    """0/1 labels (bool, integers or whole floats; NaN passes: its row is left to the NaN
    policy) as a boolean positive mask."""
    if y.dtype.kind == "b":
        return y
    y = as_float(y, "target")
    ok = (y == 0.0) | (y == 1.0) | np.isnan(y)
    check_values(ok, y, "must be 0/1 labels (for other labels pass --pos-label V: V is 1, any other label 0)", "target")
    return y == 1.0


def _class_target(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Class labels ``0..C-1`` (integers or whole floats; NaN passes, as class -1) as int64."""
    y = as_float(y, "target")
    ok = ((y >= 0) & (y < n_classes) & (y == np.floor(y))) | np.isnan(y)
    check_values(ok, y, f"must be class labels in [0, {n_classes}) (or names mapped by --classes)", "target")
    return np.where(ok & ~np.isnan(y), y, -1).astype(np.int64)


def _finite_rows(p: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """The rows whose scores and label are finite; None when all are. A NaN or inf kept by
    ``--nan-policy propagate`` makes the value nan (the state counts such rows)."""
    ok = np.isfinite(p) if p.ndim == 1 else np.isfinite(p).all(axis=1)
    if y.dtype.kind == "f":
        ok &= np.isfinite(y)
    return None if ok.all() else ok


def _sum_to_one(p: np.ndarray, keep: np.ndarray | None) -> None:
    """scikit-learn's check of one-vs-rest AUC inputs, ``np.allclose(1, p.sum(axis=1))``, on the finite rows."""
    total = p.sum(axis=1)
    ok = np.abs(total - 1.0) <= 1e-8 + 1e-5 * np.abs(total)
    bad = np.flatnonzero(~ok if keep is None else ~ok & keep)
    if len(bad):
        raise ValueDomainError(
            f"pred rows must be class probabilities summing to 1 for one-vs-rest roc_auc, as scikit-learn requires "
            f"(logits? pass their softmax); this row sums to {number(float(total[bad[0]]))}", row=int(bad[0]), role="pred"
        )


def _fold(inputs: Sequence[np.ndarray], weights: np.ndarray | None, classes_ok: bool) -> RankState:
    """The state of some rows: binary scores ``(N,)`` with 0/1 labels, or (``classes_ok``)
    ``(N, C)`` class probabilities with labels ``0..C-1`` (one ``Ranks`` per class)."""
    p, y = as_float(inputs[0], "pred"), np.asarray(inputs[1])
    multiclass = classes_ok and p.ndim == 2 and p.shape[1] >= 2
    if not multiclass and p.ndim != 1 and classes_ok:
        raise ShapeError(f"pred must be binary scores (N,) or class probabilities (N, C) with C >= 2, got shape {p.shape} instead")
    if not multiclass and p.ndim != 1:
        raise ShapeError(f"average_precision takes binary scores of shape (N,), got {p.shape}: for one class's score pass its column")
    if y.shape != (len(p),):
        raise ShapeError(f"target must have shape ({len(p)},) (one label per row of pred), got {y.shape} instead")
    keep = _finite_rows(p, y)
    labels = _class_target(y, p.shape[1]) if multiclass else _binary_target(y)
    if multiclass:
        _sum_to_one(p, keep)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    if keep is not None:
        p, labels, w = p[keep], labels[keep], None if w is None else w[keep]
    ranks = [ranks_of(np.ascontiguousarray(p[:, c]), labels == c, w) for c in range(p.shape[1])] if multiclass else [ranks_of(p, labels, w)]
    return RankState.of(ranks, multiclass, 0 if keep is None else int(len(keep) - keep.sum()))


def fold_auc(inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> RankState:
    """``roc_auc``'s state of some rows: binary scores ``(N,)`` or class probabilities ``(N, C)``."""
    return _fold(inputs, weights, True)


def fold_ap(inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> RankState:
    """``average_precision``'s state of some rows: binary scores ``(N,)`` only."""
    return _fold(inputs, weights, False)


# ---------------------------------------------------------------------------- values


def _totals(r: Ranks, label: int | None = None) -> tuple[float, float]:
    """``(ΣP, ΣN)``; an ``InputError`` when either is 0 (``label``: the class, for ``(N, C)``)."""
    w1, w0 = float(r.pos.sum()), float(r.neg.sum())
    if w1 > 0 and w0 > 0:
        return w1, w0
    if label is None:
        why = f"the rows (of non-zero weight) are all {'negative (0)' if w1 == 0 else 'positive (1)'}"
    else:
        why = f"for class {label} (one-vs-rest) {'no row' if w1 == 0 else 'every row'} (of non-zero weight) has label {label}"
    raise InputError(
        f"ROC AUC is undefined: {why}; it needs positive and negative rows (scikit-learn gives nan). "
        "Evaluate rows of both classes (in a --group-by group it is null, with a warning)."
    )


def placements(r: Ranks, w1: float, w0: float) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct score: ``V10`` (the share of negatives a positive scoring it outscores, ties
    one half) and ``V01`` (the share of positives a negative scoring it is outscored by)."""
    below = np.cumsum(r.neg) - r.neg
    above = w1 - np.cumsum(r.pos)
    return (below + 0.5 * r.neg) / w0, (above + 0.5 * r.pos) / w1


def binary_auc(r: Ranks, label: int | None = None) -> float:
    w1, w0 = _totals(r, label)
    v10, _ = placements(r, w1, w0)
    return float(np.dot(r.pos, v10) / w1)


def auc_value(state: RankState, params: Mapping[str, Any]) -> float:
    """The AUC; for ``(N, C)`` the mean of the classes' one-vs-rest AUCs (nan with a NaN row)."""
    if state.nonfinite:
        return math.nan
    if not state.multiclass:
        return binary_auc(state.classes[0])
    return float(np.mean([binary_auc(r, c) for c, r in enumerate(state.classes)]))


def ap_value(state: RankState, params: Mapping[str, Any]) -> float:
    """Average precision over the distinct scores, highest first (0 without positive rows; nan
    with a NaN row)."""
    if state.nonfinite:
        return math.nan
    r = state.classes[0]
    w1 = float(r.pos.sum())
    if w1 == 0 and float(r.neg.sum()) == 0:
        raise InputError("average_precision: the sample weights sum to 0: no row to score (scikit-learn raises: sample weights must contain a non-zero number).")
    if w1 == 0:
        return 0.0
    tp, fp = np.cumsum(r.pos[::-1]), np.cumsum(r.neg[::-1])
    return float(np.dot(r.pos[::-1] / w1, tp / (tp + fp)))


# ---------------------------------------------------------------------------- DeLong


def _kish(w: float, w2: float) -> float:
    """Kish's effective count ``(Σw)² / Σw²`` (the row count for unit weights)."""
    return w * w / w2 if w2 > 0 else 0.0


def delong(r: Ranks) -> tuple[float, float | None]:
    """``(AUC, Var(AUC))`` by DeLong's placement values; the variance is None with fewer than two
    (effective) positive or negative rows."""
    w1, w0 = _totals(r)
    v10, v01 = placements(r, w1, w0)
    auc = float(np.dot(r.pos, v10) / w1)
    p2, n2 = r.squares
    k1, k0 = _kish(w1, float(p2.sum())), _kish(w0, float(n2.sum()))
    if k1 <= 1 or k0 <= 1:
        return auc, None
    s10 = float(np.dot(p2, (v10 - auc) ** 2)) / (w1 * w1) * k1 / (k1 - 1)
    s01 = float(np.dot(n2, (v01 - auc) ** 2)) / (w0 * w0) * k0 / (k0 - 1)
    return auc, s10 + s01


def auc_interval(state: RankState, params: Mapping[str, Any], level: float) -> tuple[float | None, float | None]:
    """DeLong's interval of a binary AUC, clipped to [0, 1] (None, None: too few rows)."""
    if state.multiclass:
        raise UsageError("--ci analytic (DeLong) is for binary roc_auc; the one-vs-rest mean of (N, C) scores has none: use --ci bootstrap.")
    if state.nonfinite:
        return math.nan, math.nan
    auc, var = delong(state.classes[0])
    if var is None:
        return None, None
    half = NormalDist().inv_cdf(0.5 + level / 2.0) * math.sqrt(var)
    return max(auc - half, 0.0), min(auc + half, 1.0)


def paired_delong(base: Sequence[np.ndarray], cand: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> tuple[float, float]:
    """DeLong's paired test of two models' AUCs on the same rows: ``(AUC_cand - AUC_base, its
    variance)``. ``base`` and ``cand`` are ``(scores, labels)`` with the same labels; each row's
    placement under each model comes from that model's state. The variance of the difference is
    ``S10_bb + S10_cc - 2 S10_bc`` over the positives plus the same over the negatives."""
    if np.asarray(base[0]).ndim != 1 or np.asarray(cand[0]).ndim != 1:
        raise UsageError("compare --ci analytic (paired DeLong) is for binary roc_auc; for (N, C) scores use --ci bootstrap.")
    positive = _binary_target(np.asarray(base[1]))  # checked as the systems were evaluated (fold)
    w = np.ones(len(positive)) if weights is None else np.asarray(weights, dtype=np.float64)
    (auc_b, d10_b, d01_b), (auc_c, d10_c, d01_c) = (_row_placements(as_float(s, "pred"), positive, w) for s in (base[0], cand[0]))
    var = 0.0
    for mask, db, dc in ((positive, d10_b, d10_c), (~positive, d01_b, d01_c)):
        wm = w[mask]
        total, k = float(wm.sum()), _kish(float(wm.sum()), float(np.dot(wm, wm)))
        if k <= 1:
            raise InputError("DeLong's paired test needs at least two positive and two negative rows (of non-zero weight).")
        var += float(np.dot(wm * wm, (dc - db) ** 2)) / (total * total) * k / (k - 1)
    return auc_c - auc_b, var


def _row_placements(scores: np.ndarray, positive: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``(AUC, V10 - AUC on the positive rows, V01 - AUC on the negative rows)`` of one model."""
    r = ranks_of(scores, positive, w)
    w1, w0 = _totals(r)
    v10, v01 = placements(r, w1, w0)
    auc = float(np.dot(r.pos, v10) / w1)
    at = np.searchsorted(r.scores, scores)
    at = np.minimum(at, len(r.scores) - 1)  # rows of weight 0 whose score the state left out: their terms weigh 0
    return auc, v10[at[positive]] - auc, v01[at[~positive]] - auc


# ---------------------------------------------------------------------------- registry

AUC_STAT = Statistic("ranks", fold_auc, auc_value, load_state, interval=auc_interval, paired=paired_delong)
AP_STAT = Statistic("ranks", fold_ap, ap_value, load_state)


@register_loss(
    "roc_auc",
    family="classification_metrics",
    inputs=("scores|probs", "binary|labels"),
    aliases=("roc_auc_score",),
    reference="sklearn.metrics.roc_auc_score",
    direction="higher",
    statistic=AUC_STAT,
)
def roc_auc(pred: np.ndarray, target: np.ndarray) -> float:
    """Area under the ROC curve: the chance a positive row outscores a negative one (ties 1/2).

    Binary scores ``(N,)`` (any monotone score: probabilities, logits) with 0/1 labels; or
    ``(N, C)`` class probabilities (rows summing to 1) with labels ``0..C-1``: the mean of the
    one-vs-rest AUCs (scikit-learn ``multi_class="ovr"``, ``average="macro"``). ``--ci analytic``
    is DeLong's interval (binary); ``compare --ci analytic`` DeLong's paired test. Undefined (an
    error) when the rows hold one class only. The state is the counts per distinct score.

    Args:
      pred: scores (N,) or class probabilities (N, C).
      target: 0/1 labels (N,), or class labels 0..C-1 for (N, C).

    Returns:
      The AUC, in [0, 1].

    Examples:
      >>> roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
      0.75

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.roc_auc_score.html
    """
    return AUC_STAT.of([pred, target], {})


@register_loss(
    "average_precision",
    family="classification_metrics",
    inputs=("scores|probs", "binary"),
    aliases=("average_precision_score",),
    reference="sklearn.metrics.average_precision_score",
    direction="higher",
    statistic=AP_STAT,
)
def average_precision(pred: np.ndarray, target: np.ndarray) -> float:
    """Average precision: the step-wise area under the precision-recall curve (no interpolation).

    ``Σ_k (R_k - R_{k-1}) P_k`` over the distinct scores from the highest (rows of equal score
    enter together), as scikit-learn's ``average_precision_score`` of binary scores ``(N,)``
    with 0/1 labels. No positive row gives 0, as scikit-learn. No analytic interval: use
    ``--ci bootstrap``. The state is the counts per distinct score.

    Args:
      pred: scores (N,).
      target: 0/1 labels (N,).

    Returns:
      The average precision, in [0, 1].

    Examples:
      >>> round(average_precision(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])), 12)
      0.833333333333

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.average_precision_score.html
    """
    return AP_STAT.of([pred, target], {})
