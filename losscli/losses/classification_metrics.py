"""Classification metrics, as scikit-learn computes them: predicted classes against labels.

Predictions: ``(N, C)`` class scores (logits or probabilities: the predicted class is the
first maximum of the row, as ``numpy.argmax``), ``(N,)`` probabilities of class 1 (class 1 when
``p > 0.5``; ``input=logits``: when the logit is ``> 0``, as scikit-learn's ``predict``), or
``(N,)`` predicted class labels (an integer array; ``input=labels`` for whole numbers stored as
floats). A float ``(N,)`` prediction outside [0, 1] is an error that says which ``input`` to
pass: it is never thresholded silently. Targets: class labels ``0..C-1`` with scores, 0/1 with
probabilities, any whole numbers with predicted labels (whole-number floats are accepted).

``accuracy``, ``zero_one`` and ``top_k_accuracy`` have one value per row (hit or miss): they
reduce like losses. The others have no per-sample value: their state is the weighted confusion
counts of the classes seen (``Counts``), exact and mergeable, and their value is scikit-learn's
formula on those counts. The classes a metric averages over are those that occur in the target
or the prediction (scikit-learn's default ``labels=None``), whatever their weight; the positive
class of ``average=binary`` is 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from losscli._checks import check_rank, check_same_shape, check_values
from losscli.errors import InputError, ShapeError, StateError, number
from losscli.losses._registry import interval, options, register_loss, register_preset
from losscli.losses._statistic import Statistic, at_most, exact_keys, floats, labels_of, non_negative, whole
from losscli.losses.classification import class_labels, rows_match
from losscli.reductions import two_sum

FAMILY = "classification_metrics"
PRED_KINDS = ("scores|probs|logits|labels", "labels")
INPUT = options("auto", "probs", "logits", "labels")
AVERAGE = options("auto", "binary", "macro", "micro", "weighted")
ZERO_DIVISION = options(0.0, 1.0)
DENSE_CLASSES = 256  # up to this label range a chunk's counts are one bincount of t * K + p
MAX_MATRIX = 1024  # classes of a full confusion matrix (confusion, weighted cohen_kappa)
MAX_RANGE = 1 << 20  # label ranges above this are encoded by sorting (np.unique)


# ---------------------------------------------------------------------------- predicted classes


def whole_labels(y: np.ndarray, role: str) -> np.ndarray:
    """Class labels as int64: integers, booleans, or floats holding whole numbers."""
    y = np.asarray(y)
    if y.dtype.kind in "iub":
        return y.astype(np.int64, copy=False)
    if y.dtype.kind != "f":
        raise ShapeError(f"{role} must hold numeric class labels, got dtype {y.dtype} instead")
    check_values((y == np.floor(y)) & (np.abs(y) < 2.0**53), y, "must be whole-number class labels", role)
    return y.astype(np.int64)


def positive(x: np.ndarray, input: str, name: str) -> np.ndarray:
    """Class 1 where an ``(N,)`` probability is > 0.5 (``input=logits``: a logit > 0), as int64.
    Values outside [0, 1] are an error whose hint says which ``input`` to pass."""
    if x.dtype.kind not in "fiub":
        raise ShapeError(f"pred must be numeric, got dtype {x.dtype} instead")
    if input == "logits":
        return (x > 0).astype(np.int64)
    bad = (x < 0) | (x > 1)
    if bad.any():
        labels = input == "auto" and bool(np.all(x == np.floor(x)))
        hint = f"class labels? pass {name}:input=labels" if labels else f"logits? pass {name}:input=logits"
        check_values(~bad, x, f"must be probabilities in [0, 1] ({hint})", "pred")
    return (x > 0.5).astype(np.int64)


def predicted(pred: np.ndarray, target: np.ndarray, input: str, name: str) -> tuple[np.ndarray, np.ndarray, int]:
    """``(true classes, predicted classes, C)`` as int64 arrays; ``C`` is the number of score
    columns of ``(N, C)`` predictions, 0 for ``(N,)`` ones (probabilities or labels)."""
    x, t = np.asarray(pred), np.asarray(target)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim == 2:
        if input == "labels":
            raise ShapeError(f"{name}: input=labels takes (N,) predicted labels, but pred holds scores of shape {x.shape}")
        if x.dtype.kind not in "fiub":
            raise ShapeError(f"pred must be numeric, got dtype {x.dtype} instead")
        rows_match(x, t, ("pred", "target"))
        return class_labels(t, x.shape[1], "target"), np.argmax(x, axis=1), x.shape[1]
    check_rank(x, (1,), "pred")
    check_same_shape(x, t)
    if input == "labels" or (input == "auto" and x.dtype.kind in "iub"):
        return whole_labels(t, "target"), whole_labels(x, "pred"), 0
    p = positive(x, input, name)  # first: whole numbers in pred are the likelier mistake than in target
    return class_labels(t, 2, "target"), p, 0


# ---------------------------------------------------------------------------- per-sample metrics


def _hits(pred: np.ndarray, target: np.ndarray, input: str, name: str) -> np.ndarray:
    t, p, _ = predicted(pred, target, input, name)
    return (t == p).astype(np.float64)


@register_loss(
    "accuracy",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("accuracy_score",),
    reference="sklearn.metrics.accuracy_score",
    direction="higher",
    domains={"input": INPUT},
)
def accuracy(pred: np.ndarray, target: np.ndarray, *, input: str = "auto") -> np.ndarray:
    """Accuracy: 1 where the predicted class is the target's, else 0; the mean is the accuracy.

    Args:
      pred: class scores (N, C) (argmax, the first maximum), probabilities of class 1 (N,)
        (class 1 when p > 0.5), or predicted class labels (N,) (an integer array).
      target: class labels (N,).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1]
        (class 1 when p > 0.5); logits: class 1 when > 0.

    Returns:
      Per-sample hit (1.0) or miss (0.0), shape (N,).

    Examples:
      >>> accuracy(np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]]), np.array([1, 1, 0]))
      array([1., 0., 1.])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.accuracy_score.html
    """
    return _hits(pred, target, input, "accuracy")


@register_loss(
    "zero_one",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("zero_one_loss",),
    reference="sklearn.metrics.zero_one_loss",
    domains={"input": INPUT},
)
def zero_one(pred: np.ndarray, target: np.ndarray, *, input: str = "auto") -> np.ndarray:
    """Zero-one loss: 1 where the predicted class is not the target's; the mean is 1 - accuracy.

    Args:
      pred: class scores (N, C), probabilities of class 1 (N,) or predicted labels (N,), as accuracy.
      target: class labels (N,).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1].

    Returns:
      Per-sample miss (1.0) or hit (0.0), shape (N,).

    Examples:
      >>> zero_one(np.array([0.9, 0.2, 0.7]), np.array([1, 1, 0]))
      array([0., 1., 1.])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.zero_one_loss.html
    """
    return 1.0 - _hits(pred, target, input, "zero_one")


def _top_k_hits(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Whether class ``y`` is among the ``k`` first of each row of scores ``x`` ranked as
    scikit-learn does (a stable ascending sort, reversed): ahead of ``y`` are the classes with a
    higher score and, among equal scores, the classes with a higher index."""
    c = x.shape[1]
    s_y = x[np.arange(len(x)), y][:, None]
    later = np.arange(c)[None, :] > y[:, None]
    ahead = np.count_nonzero((x > s_y) | ((x == s_y) & later), axis=1)
    return (ahead < k).astype(np.float64)


@register_loss(
    "top_k_accuracy",
    family=FAMILY,
    inputs=("scores|probs|logits", "labels"),
    aliases=("top_k_accuracy_score",),
    reference="sklearn.metrics.top_k_accuracy_score(labels=range(C))",
    direction="higher",
    domains={"k": interval(1), "input": options("auto", "probs", "logits")},
)
def top_k_accuracy(scores: np.ndarray, target: np.ndarray, *, k: int = 5, input: str = "auto") -> np.ndarray:
    """Top-k accuracy: 1 where the target class is among the k highest scores of its row.

    Ties rank as scikit-learn ranks them (``argsort(kind="mergesort")`` reversed): among equal
    scores the class of higher index comes first. With ``k >= C`` every row is a hit (scikit-learn
    warns that the score is then meaningless). (N,) probabilities of class 1 are two classes:
    with k = 1 class 1 is predicted when p > 0.5 (``input=logits``: logit > 0), and k >= 2 is
    every row, as scikit-learn's binary case.

    Args:
      scores: class scores (N, C) (logits or probabilities), or probabilities of class 1 (N,).
      target: class labels (N,) in [0, C).
      k: how many of the highest-scored classes count as a hit.
      input: what an (N,) scores holds: probabilities in [0, 1] (auto, probs) or logits.

    Returns:
      Per-sample hit (1.0) or miss (0.0), shape (N,).

    Examples:
      >>> top_k_accuracy(np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]), np.array([1, 0]), k=2)
      array([1., 0.])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.top_k_accuracy_score.html
    """
    x = np.asarray(scores)
    if x.ndim == 2 and x.shape[1] > 1:
        rows_match(x, np.asarray(target), ("scores", "target"))
        return _top_k_hits(x, class_labels(target, x.shape[1], "target"), k)
    hits = _hits(x, target, "probs" if input == "auto" else input, "top_k_accuracy")  # never labels
    return np.ones_like(hits) if k >= 2 else hits


# ---------------------------------------------------------------------------- confusion counts


@dataclass(frozen=True)
class Counts:
    """The weighted confusion counts of some rows: the mergeable state of a statistic metric.

    ``labels``: the classes seen (sorted), in the target or the prediction of any row whatever
    its weight (scikit-learn's ``labels=None``: a row of weight 0 still brings its classes).
    ``sums`` + ``comp`` (Neumaier-compensated, merged exactly in any order): the ``(L, L)``
    matrix (rows: true class, columns: predicted) when ``square``, else ``(3, L)``: per class
    the true positives, the true count and the predicted count (what every metric but
    ``confusion`` and a weighted ``cohen_kappa`` needs: its size does not grow as ``L²``).
    ``columns``: C of ``(N, C)`` score predictions, 0 for ``(N,)`` ones (``average=auto``).
    """

    labels: np.ndarray
    sums: np.ndarray
    comp: np.ndarray
    square: bool
    columns: int

    def merge(self, other: "Counts") -> "Counts":
        if (self.square, self.columns) != (other.square, other.columns):
            raise InputError(
                "cannot merge the counts of (N, C) class scores with those of (N,) predictions "
                f"({self.columns or 'no'} and {other.columns or 'no'} score columns)"
            )
        labels = np.union1d(self.labels, other.labels)
        if self.square and len(labels) > MAX_MATRIX:
            raise InputError(f"{len(labels)} classes; a full confusion matrix takes at most {MAX_MATRIX}")
        (a, ca), (b, cb) = self._embedded(labels), other._embedded(labels)
        s, c = two_sum(a, ca + cb, b)
        return Counts(labels, s, c, self.square, self.columns)

    def _embedded(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``sums`` and ``comp`` over ``labels`` (a superset of this state's labels)."""
        if len(labels) == len(self.labels):
            return self.sums, self.comp
        pos = np.searchsorted(labels, self.labels)
        out = []
        for a in (self.sums, self.comp):
            o = np.zeros((len(labels),) * 2 if self.square else (3, len(labels)))
            o[np.ix_(pos, pos) if self.square else (slice(None), pos)] = a
            out.append(o)
        return out[0], out[1]

    def per_class(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per class: true positives, true count (support), predicted count."""
        m = self.sums + self.comp
        if self.square:
            return np.diag(m).copy(), m.sum(axis=1), m.sum(axis=0)
        return m[0], m[1], m[2]

    def matrix(self) -> np.ndarray:
        return self.sums + self.comp

    def to_state(self) -> dict[str, Any]:
        return {
            "labels": [int(v) for v in self.labels], "square": self.square, "columns": self.columns,
            "sums": self.sums.tolist(), "comp": self.comp.tolist(),
        }  # fmt: skip

    def row_count(self) -> float:
        """The rows counted (their weight sum): the sum of the true counts."""
        return float(self.per_class()[1].sum())

    @classmethod
    def load(cls, state: Mapping[str, Any]) -> "Counts":
        """The state ``to_state`` wrote; a state file is data: anything else (unknown fields,
        labels not strictly increasing integers, counts of the wrong shape, not finite, negative
        or inconsistent) is a ``StateError`` (a ValueError), never a metric value."""
        state = exact_keys(state, ("labels", "square", "columns", "sums", "comp"))
        if not isinstance(state["square"], bool):
            raise StateError("square", "must be true or false")
        square, labels = state["square"], labels_of(state["labels"], "labels")
        columns = whole(state["columns"], "columns")
        if columns and (columns < 2 or labels[0] < 0 or labels[-1] >= columns):
            raise StateError("columns", f"is {columns}: score columns are 0 or at least 2, one per label 0..C-1, labels {_labels_text(labels)}")
        if square and len(labels) > MAX_MATRIX:
            raise StateError("labels", f"has {len(labels)} labels, more than the {MAX_MATRIX} of a full confusion matrix")
        shape = (len(labels),) * 2 if square else (3, len(labels))
        sums, comp = floats(state["sums"], "sums", shape), floats(state["comp"], "comp", shape)
        counts = cls(labels, sums, comp, square, columns)
        tp, true, pred = counts.per_class()
        non_negative(counts.matrix(), "sums")
        at_most(tp, np.minimum(true, pred), "sums", "true positives than true or predicted rows of their class")
        if not square and not math.isclose(float(true.sum()), float(pred.sum()), rel_tol=1e-9, abs_tol=1e-9):
            raise StateError("sums", f"counts {float(true.sum()):g} true and {float(pred.sum()):g} predicted rows")
        return counts


def _tally(t: np.ndarray, p: np.ndarray, w: np.ndarray | None, k: int, square: bool) -> np.ndarray:
    """Counts of codes ``t``, ``p`` in ``[0, k)``: the (k, k) matrix or the (3, k) per-class rows."""
    if square or k <= DENSE_CLASSES:
        idx = t * k
        idx += p
        m = np.bincount(idx, weights=w, minlength=k * k).astype(np.float64).reshape(k, k)
        return m if square else np.stack([np.diag(m), m.sum(axis=1), m.sum(axis=0)])
    hit = t == p
    tp = np.bincount(t[hit], weights=None if w is None else w[hit], minlength=k)
    return np.stack([tp, np.bincount(t, weights=w, minlength=k), np.bincount(p, weights=w, minlength=k)]).astype(np.float64)


def _seen(t: np.ndarray, p: np.ndarray, w: np.ndarray | None, sums: np.ndarray, square: bool) -> np.ndarray:
    """Which codes occur (as true or predicted class) in some row, whatever its weight."""
    if w is None:
        return (sums.sum(axis=0) + sums.sum(axis=1) > 0) if square else (sums[1] + sums[2] > 0)
    seen = np.zeros(len(sums[0]), dtype=bool)
    seen[t] = True
    seen[p] = True
    return seen


def count(t: np.ndarray, p: np.ndarray, w: np.ndarray | None, square: bool, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(labels seen, counts over them)`` of true and predicted classes ``t``, ``p`` (int64),
    weights ``w``: one ``bincount`` of ``t * K + p`` for a small label range ``K``, per-class
    bincounts for a large one, codes from a sort (``np.unique``) for a very large one."""
    if len(t) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0) if square else (3, 0))
    lo = min(int(t.min()), int(p.min()))
    k = max(int(t.max()), int(p.max())) - lo + 1
    if k > MAX_RANGE or (square and k > DENSE_CLASSES):
        labels, codes = np.unique(np.concatenate([t, p]), return_inverse=True)
        if square and len(labels) > MAX_MATRIX:
            raise InputError(f"{name}: {len(labels)} classes; a full confusion matrix takes at most {MAX_MATRIX}")
        return labels, _tally(codes[: len(t)], codes[len(t) :], w, len(labels), square)
    if lo:
        t, p = t - lo, p - lo
    sums = _tally(t, p, w, k, square)
    keep = np.flatnonzero(_seen(t, p, w, sums, square))
    if len(keep) < k:
        sums = sums[np.ix_(keep, keep)] if square else sums[:, keep]
    return keep + lo, sums


def folder(name: str, square: Callable[[Mapping[str, Any]], bool] = lambda params: False) -> Callable[..., Counts]:
    """The ``fold`` of metric ``name``: the ``Counts`` of some rows (``square(params)``: keep the
    whole matrix)."""

    def fold(inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> Counts:
        t, p, columns = predicted(inputs[0], inputs[1], params["input"], name)
        w = None if weights is None else np.asarray(weights, dtype=np.float64)
        if w is not None and w.shape != t.shape:
            raise ShapeError(f"{name}: {len(w)} weights for {len(t)} rows")
        full = square(params)
        labels, sums = count(t, p, w, full, name)
        return Counts(labels, sums, np.zeros_like(sums), full, columns)

    return fold


# ---------------------------------------------------------------------------- values


def _labels_text(labels: np.ndarray) -> str:
    shown = ", ".join(str(int(v)) for v in labels[:6])
    return shown + (", ..." if len(labels) > 6 else "")


def _binary(state: Counts, name: str, auto: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The counts of class 1 (scikit-learn's ``pos_label=1``), as one-class arrays."""
    labels = state.labels
    default = " (the default for (N,) predictions)" if auto else ""
    if len(labels) > 2:
        raise InputError(
            f"{name}: the classes are {_labels_text(labels)}, more than two, but average=binary{default}; "
            f"pass {name}:average=macro (or micro, weighted)"
        )
    at = np.flatnonzero(labels == 1)
    if len(at) == 0 and len(labels) == 2:
        raise InputError(
            f"{name}: average=binary scores class 1, but the classes are {_labels_text(labels)}; "
            f"pass {name}:average=macro, or map the positive class to 1 (--pos-label)"
        )
    tp, true, pred = state.per_class()
    if len(at) == 0:  # class 1 never occurs: every count is 0 (zero_division decides)
        return np.zeros(1), np.zeros(1), np.zeros(1)
    return tp[at], true[at], pred[at]


def scored(state: Counts, name: str) -> Counts:
    """``state``, or an ``InputError`` when no row has a positive weight (every sample weight 0:
    scikit-learn raises rather than score nothing)."""
    if len(state.labels) == 0:
        raise InputError(f"{name}: no rows to score")
    if not float(state.per_class()[1].sum()) > 0:
        raise InputError(f"{name}: the sample weights sum to 0: no row to score (scikit-learn raises: sample weights must contain a non-zero number).")
    return state


def class_counts(state: Counts, params: Mapping[str, Any], name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Per-class true positives, true and predicted counts that ``average`` averages over, and
    the average (``auto`` resolved: ``binary`` for (N,) predictions, ``macro`` for (N, C))."""
    scored(state, name)
    average = params["average"]
    if average == "auto":
        average = "macro" if state.columns else "binary"
    if average == "binary":
        return (*_binary(state, name, params["average"] == "auto"), average)
    tp, true, pred = state.per_class()
    if average == "micro":
        return np.array([tp.sum()]), np.array([true.sum()]), np.array([pred.sum()]), average
    return tp, true, pred, average


def _divide(num: np.ndarray, den: np.ndarray, zero_division: float) -> np.ndarray:
    """``num / den``, ``zero_division`` where ``den`` is 0 (scikit-learn's ``_prf_divide``)."""
    out = num / np.where(den == 0, 1.0, den)
    out[den == 0] = zero_division
    return out


def _averaged(values: np.ndarray, true: np.ndarray, average: str) -> float:
    """scikit-learn's average of per-class values: ``weighted`` by support (unweighted when
    every support is 0), else the plain mean (one value for binary and micro)."""
    if average == "weighted" and true.sum() != 0:
        return float(np.average(values, weights=true))
    return float(np.mean(values))


def prf(which: str, name: str) -> Callable[[Counts, Mapping[str, Any]], float]:
    """The ``value`` of precision, recall or an F-score (``which``) from the counts."""

    def value(state: Counts, params: Mapping[str, Any]) -> float:
        tp, true, pred, average = class_counts(state, params, name)
        zd = float(params["zero_division"])
        if which == "precision":
            scores = _divide(tp, pred, zd)
        elif which == "recall":
            scores = _divide(tp, true, zd)
        else:
            beta2 = float(params.get("beta", 1.0)) ** 2
            scores = _divide((1 + beta2) * tp, beta2 * true + pred, zd)
        return _averaged(scores, true, average)

    return value


def _balanced_accuracy(state: Counts, params: Mapping[str, Any]) -> float:
    """Mean recall over the classes present in the target (scikit-learn drops the others)."""
    tp, true, _ = state.per_class()
    present = true != 0
    if not present.any():
        raise InputError("balanced_accuracy: no class has a row of positive weight in the target: the mean recall is undefined")
    score = float(np.mean(tp[present] / true[present]))
    if params["adjusted"]:
        chance = 1.0 / int(present.sum())
        if chance == 1.0:
            raise InputError("balanced_accuracy: adjusted=true with one class in the target divides by 0; pass adjusted=false")
        score = (score - chance) / (1.0 - chance)
    return score


def _mcc(state: Counts, params: Mapping[str, Any]) -> float:
    """Matthews correlation coefficient from the class totals (scikit-learn's formula); 0 when a
    variance is 0 (one class in the target or in the prediction), as scikit-learn."""
    tp, t_sum, p_sum = scored(state, "mcc").per_class()
    n_correct, n = tp.sum(), p_sum.sum()
    cov_ytyp = n_correct * n - np.dot(t_sum, p_sum)
    cov_ypyp = n**2 - np.dot(p_sum, p_sum)
    cov_ytyt = n**2 - np.dot(t_sum, t_sum)
    if cov_ypyp * cov_ytyt == 0:
        return 0.0
    return float(cov_ytyp / np.sqrt(cov_ypyp * cov_ytyt))


def _kappa_terms(state: Counts, weights: str | None) -> tuple[float, float]:
    """Cohen's kappa's ``Σ w·observed`` and ``Σ w·expected`` (scikit-learn's disagreement
    weights ``w``: 1 off the diagonal, or |i - j|, or (i - j)² over the classes' positions)."""
    if weights is None:  # from the class totals: Σ_{i≠j} O_ij and Σ_{i≠j} E_ij, E = outer(p, t) / n
        tp, true, pred = state.per_class()
        n = pred.sum()
        return float(np.sum(true - tp)), float(n - np.dot(pred, true) / n)
    confusion = state.matrix()
    sum0, sum1 = confusion.sum(axis=0), confusion.sum(axis=1)
    expected = np.outer(sum0, sum1) / sum0.sum()
    w = np.zeros(confusion.shape) + np.arange(len(confusion))
    w = np.abs(w - w.T) if weights == "linear" else (w - w.T) ** 2
    return float(np.sum(w * confusion)), float(np.sum(w * expected))


def _cohen_kappa(state: Counts, params: Mapping[str, Any]) -> float:
    if len(state.labels) == 0 or state.per_class()[2].sum() == 0:
        raise InputError("cohen_kappa: no rows of positive weight: kappa is undefined")
    observed, expected = _kappa_terms(state, params["weights"])
    if expected == 0:
        raise InputError(
            f"cohen_kappa: target and prediction agree on one class only ({_labels_text(state.labels)}): "
            "kappa is undefined (0/0; scikit-learn gives nan)"
        )
    return 1.0 - observed / expected


def _confusion_details(state: Counts, params: Mapping[str, Any]) -> dict[str, Any]:
    """The matrix (rows: true class, columns: predicted) over the classes seen; whole counts as
    integers (scikit-learn's int64 matrix without sample weights)."""
    m = scored(state, "confusion").matrix()
    whole = bool(np.all(m == np.floor(m))) and (m.size == 0 or float(np.abs(m).max()) < 2.0**53)
    rows = [[int(v) for v in row] for row in m] if whole else m.tolist()
    return {"labels": [int(v) for v in state.labels], "matrix": rows}


# ---------------------------------------------------------------------------- statistic metrics


def _stat(name: str, value: Callable[..., Any], square: Callable[[Mapping[str, Any]], bool] = lambda params: False, details: Any = None) -> Statistic:
    return Statistic("counts", folder(name, square), value, Counts.load, details=details)


PRF_DOMAINS = {"average": AVERAGE, "zero_division": ZERO_DIVISION, "input": INPUT}
PRECISION = _stat("precision", prf("precision", "precision"))
RECALL = _stat("recall", prf("recall", "recall"))
F1 = _stat("f1", prf("f", "f1"))
FBETA = _stat("fbeta", prf("f", "fbeta"))
BALANCED_ACCURACY = _stat("balanced_accuracy", _balanced_accuracy)
MCC = _stat("mcc", _mcc)
COHEN_KAPPA = _stat("cohen_kappa", _cohen_kappa, square=lambda params: params["weights"] is not None)
CONFUSION = _stat("confusion", lambda state, params: None, square=lambda params: True, details=_confusion_details)


@register_loss(
    "precision",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("precision_score",),
    reference="sklearn.metrics.precision_score",
    direction="higher",
    domains=PRF_DOMAINS,
    statistic=PRECISION,
)
def precision(pred: np.ndarray, target: np.ndarray, *, average: str = "auto", zero_division: float = 0.0, input: str = "auto") -> float:
    """Precision ``tp / (tp + fp)`` of the predicted classes, averaged over classes as ``average`` says.

    ``binary``: of class 1 alone; ``macro``: the mean over the classes seen in the target or the
    prediction; ``weighted``: weighted by each class's support (weighted count in the target);
    ``micro``: from the counts summed over classes. A class never predicted has precision 0/0:
    ``zero_division`` (scikit-learn's default ``"warn"`` gives 0).

    Args:
      pred: class scores (N, C) (argmax), probabilities of class 1 (N,) (class 1 when p > 0.5),
        or predicted class labels (N,) (an integer array).
      target: class labels (N,).
      average: how the classes are averaged; auto: binary for (N,) pred, macro for (N, C) scores.
      zero_division: the value of a 0/0 ratio (scikit-learn's default "warn" gives 0).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1]
        (class 1 when p > 0.5); logits: class 1 when > 0.

    Returns:
      The precision (the engine folds the confusion counts of chunks; no per-sample value).

    Examples:
      >>> precision(np.array([0.9, 0.8, 0.2, 0.6]), np.array([1, 0, 0, 1]))
      0.6666666666666666

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.precision_score.html
    """
    return PRECISION.of([pred, target], {"average": average, "zero_division": zero_division, "input": input})


@register_loss(
    "recall",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("recall_score",),
    reference="sklearn.metrics.recall_score",
    direction="higher",
    domains=PRF_DOMAINS,
    statistic=RECALL,
)
def recall(pred: np.ndarray, target: np.ndarray, *, average: str = "auto", zero_division: float = 0.0, input: str = "auto") -> float:
    """Recall ``tp / (tp + fn)``, averaged over classes as ``average`` says (as precision).

    A class seen only in the prediction has recall 0/0: ``zero_division``.

    Args:
      pred: class scores (N, C), probabilities of class 1 (N,) or predicted labels (N,), as precision.
      target: class labels (N,).
      average: how the classes are averaged; auto: binary for (N,) pred, macro for (N, C) scores.
      zero_division: the value of a 0/0 ratio (scikit-learn's default "warn" gives 0).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1].

    Returns:
      The recall (no per-sample value).

    Examples:
      >>> recall(np.array([0.9, 0.8, 0.2, 0.6]), np.array([1, 0, 1, 1]))
      0.6666666666666666

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.recall_score.html
    """
    return RECALL.of([pred, target], {"average": average, "zero_division": zero_division, "input": input})


@register_loss(
    "f1",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("f1_score",),
    reference="sklearn.metrics.f1_score",
    direction="higher",
    domains=PRF_DOMAINS,
    statistic=F1,
)
def f1(pred: np.ndarray, target: np.ndarray, *, average: str = "auto", zero_division: float = 0.0, input: str = "auto") -> float:
    """F1 score ``2 tp / (2 tp + fp + fn)`` per class, averaged as ``average`` says (as precision).

    A class with no true positive, false positive or false negative is 0/0: ``zero_division``.

    Args:
      pred: class scores (N, C), probabilities of class 1 (N,) or predicted labels (N,), as precision.
      target: class labels (N,).
      average: how the classes are averaged; auto: binary for (N,) pred, macro for (N, C) scores.
      zero_division: the value of a 0/0 ratio (scikit-learn's default "warn" gives 0).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1].

    Returns:
      The F1 score (no per-sample value).

    Examples:
      >>> f1(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), np.array([1, 1, 0]))
      0.25

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.f1_score.html
    """
    return F1.of([pred, target], {"average": average, "zero_division": zero_division, "input": input})


@register_loss(
    "fbeta",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("fbeta_score",),
    reference="sklearn.metrics.fbeta_score",
    direction="higher",
    domains={"beta": interval(0.0), **PRF_DOMAINS},
    statistic=FBETA,
)
def fbeta(
    pred: np.ndarray, target: np.ndarray, *, beta: float = 2.0, average: str = "auto", zero_division: float = 0.0, input: str = "auto"
) -> float:
    """F-beta score ``(1 + b²) tp / ((1 + b²) tp + b² fn + fp)`` per class, averaged as ``average`` says.

    beta > 1 weighs recall more, beta < 1 precision (beta = 0 is the precision).

    Args:
      pred: class scores (N, C), probabilities of class 1 (N,) or predicted labels (N,), as precision.
      target: class labels (N,).
      beta: the weight of recall, >= 0.
      average: how the classes are averaged; auto: binary for (N,) pred, macro for (N, C) scores.
      zero_division: the value of a 0/0 ratio (scikit-learn's default "warn" gives 0).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1].

    Returns:
      The F-beta score (no per-sample value).

    Examples:
      >>> fbeta(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 1]), beta=2.0)
      0.35714285714285715

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.fbeta_score.html
    """
    params = {"beta": beta, "average": average, "zero_division": zero_division, "input": input}
    return FBETA.of([pred, target], params)


@register_loss(
    "balanced_accuracy",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("balanced_accuracy_score",),
    reference="sklearn.metrics.balanced_accuracy_score",
    direction="higher",
    domains={"input": INPUT},
    statistic=BALANCED_ACCURACY,
)
def balanced_accuracy(pred: np.ndarray, target: np.ndarray, *, adjusted: bool = False, input: str = "auto") -> float:
    """Balanced accuracy: the mean recall over the classes present in the target.

    Classes seen only in the prediction are left out (scikit-learn warns). ``adjusted``: chance
    (1 / number of classes) maps to 0 and perfect to 1.

    Args:
      pred: class scores (N, C), probabilities of class 1 (N,) or predicted labels (N,), as precision.
      target: class labels (N,).
      adjusted: rescale so that chance is 0 (scikit-learn's ``adjusted=True``).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1].

    Returns:
      The balanced accuracy (no per-sample value).

    Examples:
      >>> balanced_accuracy(np.array([0, 1, 1, 1]), np.array([0, 0, 1, 1]))
      0.75

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.balanced_accuracy_score.html
    """
    return BALANCED_ACCURACY.of([pred, target], {"adjusted": adjusted, "input": input})


@register_loss(
    "mcc",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("matthews_corrcoef",),
    reference="sklearn.metrics.matthews_corrcoef",
    direction="higher",
    domains={"input": INPUT},
    statistic=MCC,
)
def mcc(pred: np.ndarray, target: np.ndarray, *, input: str = "auto") -> float:
    """Matthews correlation coefficient (multiclass: Gorodkin's R_K, as scikit-learn), in [-1, 1].

    0 when the target or the prediction holds a single class (the correlation is 0/0 there;
    scikit-learn gives 0).

    Args:
      pred: class scores (N, C), probabilities of class 1 (N,) or predicted labels (N,), as precision.
      target: class labels (N,).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1].

    Returns:
      The coefficient (no per-sample value).

    Examples:
      >>> mcc(np.array([0, 1, 1, 1]), np.array([0, 0, 1, 1]))
      0.5773502691896258

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.matthews_corrcoef.html
    """
    return MCC.of([pred, target], {"input": input})


@register_loss(
    "cohen_kappa",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("cohen_kappa_score",),
    reference="sklearn.metrics.cohen_kappa_score(target, pred)",
    direction="higher",
    domains={"weights": options("linear", "quadratic"), "input": INPUT},
    statistic=COHEN_KAPPA,
)
def cohen_kappa(pred: np.ndarray, target: np.ndarray, *, weights: str | None = None, input: str = "auto") -> float:
    """Cohen's kappa: agreement of prediction and target beyond chance, ``1 - Σ w O / Σ w E``.

    ``O`` is the confusion matrix, ``E`` the outer product of its margins over its total, ``w``
    the disagreement weights: 1 off the diagonal (none), ``|i - j|`` (linear) or ``(i - j)²``
    (quadratic), i and j the positions of the classes among those seen. Undefined (0/0: one
    class in both, scikit-learn's nan) is an error.

    Args:
      pred: class scores (N, C), probabilities of class 1 (N,) or predicted labels (N,), as precision.
      target: class labels (N,).
      weights: disagreement weights: none (1 off the diagonal), linear or quadratic (ordinal classes).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1].

    Returns:
      Kappa (no per-sample value).

    Examples:
      >>> cohen_kappa(np.array([0, 1, 1, 1]), np.array([0, 0, 1, 1]))
      0.5

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.cohen_kappa_score.html
    """
    return COHEN_KAPPA.of([pred, target], {"weights": weights, "input": input})


@register_loss(
    "confusion",
    family=FAMILY,
    inputs=PRED_KINDS,
    aliases=("confusion_matrix",),
    reference="sklearn.metrics.confusion_matrix",
    direction="higher",
    domains={"input": INPUT},
    statistic=CONFUSION,
)
def confusion(pred: np.ndarray, target: np.ndarray, *, input: str = "auto") -> dict[str, Any]:
    """Confusion matrix: the (weighted) count of rows of each true class (row) and predicted
    class (column), over the classes seen in the target or the prediction, sorted.

    It has no headline value (null in the report); the report's ``details`` hold
    ``{"labels": [...], "matrix": [[...]]}`` (integers without sample weights), at most 1024 classes.
    Here, on whole arrays, the function returns that dict.

    Args:
      pred: class scores (N, C), probabilities of class 1 (N,) or predicted labels (N,), as precision.
      target: class labels (N,).
      input: what an (N,) pred holds; auto: integers are labels, floats probabilities in [0, 1].

    Returns:
      ``{"labels": [...], "matrix": [[...]]}``.

    Examples:
      >>> confusion(np.array([0, 1, 1, 2]), np.array([0, 0, 1, 1]))
      {'labels': [0, 1, 2], 'matrix': [[1, 1, 0], [0, 1, 1], [0, 0, 0]]}

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.confusion_matrix.html
    """
    params = {"input": input}
    return _confusion_details(CONFUSION.fold([pred, target], None, params), params)


register_preset("binary_metrics", "accuracy", "precision", "recall", "f1", "roc_auc", "average_precision")
register_preset("multiclass_metrics", "accuracy", "top_k_accuracy:k=5", "f1", "balanced_accuracy", "mcc")
