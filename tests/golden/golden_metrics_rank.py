"""Golden values for the rank metrics (roc_auc, average_precision), computed by scikit-learn.

Run with scikit-learn installed (never a losscli dependency):

    python tests/golden/golden_metrics_rank.py     # writes tests/golden/golden_metrics_rank.json

``value`` is ``sklearn.metrics.roc_auc_score`` / ``average_precision_score`` (``sample_weight``
for the weighted cases; ``multi_class="ovr"`` for ``(N, C)`` probabilities); a metric without
per-sample values has ``per_sample``, ``mean`` and ``sum`` null. DeLong's variance and interval
(``delong`` of a case, ``paired`` of the file) come from an independent O(n²) implementation
here: the Mann-Whitney kernel ``psi(x, y) = [x > y] + [x = y] / 2`` over every (positive,
negative) pair, the placements ``V10_i = mean_j psi(X_i, Y_j)`` and ``V01_j = mean_i psi(X_i, Y_j)``
and ``Var = var(V10) / m + var(V01) / n`` (DeLong, DeLong & Clarke-Pearson 1988, eq. 5 and the
text after it), with scipy's normal quantile; with sample weights the kernel's weighted means
and variances with Kish's effective counts (losscli's definition, which is DeLong's for unit
weights). scikit-learn has no DeLong.
"""

from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import scipy
import scipy.stats
import sklearn
import sklearn.metrics as skm

OUT = pathlib.Path(__file__).with_suffix(".json")
RNG = np.random.default_rng(17)
CASES: list[dict] = []
LEVEL = 0.95


def add(id_, spec, reference, pred, target, value, *, weights=None, delong=None):
    case = {
        "id": id_,
        "spec": spec,
        "reference": reference,
        "dtype": "float64",
        "inputs": {"pred": np.asarray(pred).tolist(), "target": np.asarray(target).tolist()},
        "weights": None if weights is None else np.asarray(weights).tolist(),
        "per_sample": None,
        "mean": None,
        "sum": None,
        "value": float(value),
    }
    if delong is not None:
        case["delong"] = delong
    CASES.append(case)


def kernel_placements(scores, target, weights):
    """``(AUC, V10 on the positives, V01 on the negatives, w1, w0)`` from the O(n²) kernel."""
    w = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=np.float64)
    pos = target == 1
    x, y, w1, w0 = scores[pos], scores[~pos], w[pos], w[~pos]
    psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    v10 = psi @ w0 / w0.sum()
    v01 = w1 @ psi / w1.sum()
    return float(w1 @ v10 / w1.sum()), v10, v01, w1, w0


def weighted_var(v, w, center):
    """``Σw²(v - c)² / (Σw)² · k/(k-1)``, ``k = (Σw)²/Σw²``: ``var(v, ddof=1) / len(v)`` for unit weights."""
    k = w.sum() ** 2 / (w @ w)
    return float((w * w) @ (v - center) ** 2 / w.sum() ** 2 * k / (k - 1))


def delong(scores, target, weights=None):
    auc, v10, v01, w1, w0 = kernel_placements(scores, target, weights)
    var = weighted_var(v10, w1, auc) + weighted_var(v01, w0, auc)
    half = scipy.stats.norm.ppf(0.5 + LEVEL / 2) * np.sqrt(var)
    return {"auc": auc, "var": var, "level": LEVEL, "low": max(auc - half, 0.0), "high": min(auc + half, 1.0)}


def paired(base, cand, target):
    """DeLong's paired test: delta = AUC(cand) - AUC(base), var = var of the placement differences."""
    a, v10a, v01a, w1, w0 = kernel_placements(base, target, None)
    b, v10b, v01b, _, _ = kernel_placements(cand, target, None)
    var = weighted_var(v10b - v10a, w1, b - a) + weighted_var(v01b - v01a, w0, b - a)
    z = (b - a) / np.sqrt(var)
    return {
        "base": base.tolist(), "cand": cand.tolist(), "target": target.tolist(),
        "delta": b - a, "var": var, "p_value": float(2 * scipy.stats.norm.sf(abs(z))),
    }  # fmt: skip


def auc_case(id_, pred, target, weights=None, with_delong=True, **kw):
    value = skm.roc_auc_score(target, pred, sample_weight=weights, **kw)
    d = delong(pred, target, weights) if with_delong else None
    ref = "sklearn.metrics.roc_auc_score" + (f"(multi_class={kw['multi_class']!r})" if kw else "")
    add(id_, "roc_auc", ref, pred, target, value, weights=weights, delong=d)


def ap_case(id_, pred, target, weights=None):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = skm.average_precision_score(target, pred, sample_weight=weights)
    add(id_, "average_precision", "sklearn.metrics.average_precision_score", pred, target, value, weights=weights)
    if caught:
        CASES[-1]["reference_warning"] = str(caught[0].message)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main() -> None:
    n = 40
    y = RNG.integers(0, 2, n)
    scores = RNG.normal(0, 1, n) + 0.8 * y  # logits-like, unbounded
    ties = np.round(RNG.uniform(0, 1, n) + 0.3 * y, 1)  # about 13 distinct values: many ties across classes
    w = RNG.uniform(0.2, 3.0, n) * (RNG.uniform(size=n) > 0.15)  # some rows of weight 0
    auc_case("roc_auc_random", scores, y)
    auc_case("roc_auc_ties", ties, y)
    auc_case("roc_auc_weighted", ties, y, w)
    auc_case("roc_auc_all_equal", np.full(n, 0.3), y)  # one threshold: 0.5
    auc_case("roc_auc_perfect", np.arange(n, dtype=np.float64), (np.arange(n) >= 25).astype(np.int64))  # 1.0, variance 0
    labels = np.concatenate([np.arange(4), RNG.integers(0, 4, 56)])  # every class present
    probs = softmax(RNG.normal(0, 1, (60, 4)) + 1.5 * np.eye(4)[labels])
    auc_case("roc_auc_ovr", probs, labels, with_delong=False, multi_class="ovr")
    auc_case("roc_auc_ovr_weighted", np.round(probs, 2) / np.round(probs, 2).sum(axis=1, keepdims=True), labels, RNG.uniform(0.5, 2, 60), with_delong=False, multi_class="ovr")
    ap_case("average_precision_random", scores, y)
    ap_case("average_precision_ties", ties, y)
    ap_case("average_precision_weighted", ties, y, w)
    ap_case("average_precision_all_equal", np.full(n, 0.3), y)  # the prevalence
    ap_case("average_precision_no_positives", scores[:10], np.zeros(10, dtype=np.int64))  # 0 (scikit-learn warns)
    ap_case("average_precision_no_negatives", scores[:10], np.ones(10, dtype=np.int64))  # 1
    base, cand = ties, np.round(0.5 * ties + RNG.uniform(0, 0.6, n), 1)
    doc = {
        "generated_by": "tests/golden/golden_metrics_rank.py",
        "versions": {"scikit-learn": sklearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
        "cases": CASES,
        "paired": paired(base, cand, y),
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
