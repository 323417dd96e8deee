"""Golden values for poly1, perceptron, sparsemax, multilabel_margin, triplet:distance=cosine,
kl_div:reduction_mode=elementwise, generalized_dice, ranking_softmax and ctc.

Run in a scratch environment with torch and optax (never losscli dependencies):

    python tests/golden/golden_newlosses.py     # writes tests/golden/golden_newlosses.json

References (jax runs with jax_enable_x64, so optax computes in float64):
- poly1: optax.losses.poly_loss_cross_entropy (one-hot labels for label targets; input=probs
  cases give optax the log of the probabilities as logits).
- perceptron, sparsemax: optax.losses.perceptron_loss / sparsemax_loss (elementwise; the
  per-sample value of (N, D) inputs is the row mean; 0/1 perceptron labels given to optax as 2y-1).
- multilabel_margin: torch.nn.functional.multilabel_margin_loss, reduction "none" and "mean".
- triplet distance=cosine: torch.nn.functional.triplet_margin_with_distance_loss with
  distance_function=lambda x, y: 1 - F.cosine_similarity(x, y); its default distance too.
- kl_div reduction_mode=elementwise: torch.nn.functional.kl_div, per-sample the row mean of
  reduction "none", the mean from reduction "mean".
- generalized_dice: optax.losses.multiclass_generalized_dice_loss on channel-last arrays (the
  value); per-sample from optax.losses.dice_loss(reduction="none") with optax's class weights,
  averaged over classes (their mean is checked against the value).
- ranking_softmax: optax.losses.ranking_softmax_loss on each query's list (reduce_fn=None) for
  the per-query losses, and on the padded (queries, items) batch with where= for the value.
- ctc: torch.nn.functional.ctc_loss on (T, N, C) log-probabilities, reduction "none", "mean"
  and "sum".

float32 cases hold float32-exact inputs (the test casts them to float32) and the references run
in float64 on those values, as losscli computes float32 inputs in float64.
"""

from __future__ import annotations

import json
import pathlib

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

OUT = pathlib.Path(__file__).with_suffix(".json")
RNG = np.random.default_rng(16)
CASES: list[dict] = []


def t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def f32(a):
    """float32-exact values (stored as float64; the test casts them back to float32)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def add(id_, spec, reference, inputs, per_sample, value, *, weights=None, dtype="float64", mean=True):
    per = np.asarray(per_sample, dtype=np.float64)
    case = {
        "id": id_,
        "spec": spec,
        "reference": reference,
        "dtype": dtype,
        "inputs": {k: np.asarray(v).astype(np.float64).tolist() for k, v in inputs.items()},
        "weights": None if weights is None else np.asarray(weights, dtype=np.float64).tolist(),
        "per_sample": per.tolist(),
        "value": float(value),
    }
    if weights is None:
        if mean:
            case["mean"] = float(value)
        case["sum"] = float(per.sum())
    CASES.append(case)


def weighted(per, weights):
    w = np.asarray(weights, dtype=np.float64)
    return float(np.sum(w * per) / np.sum(w))


def row_mean(a):
    a = np.asarray(a, dtype=np.float64)
    return a if a.ndim == 1 else a.reshape(len(a), -1).mean(axis=1)


# ---------------------------------------------------------------------------- poly1


def poly1_case(id_, spec, logits, target, *, epsilon=2.0, probs=False, dtype="float64", weights=None):
    x = np.log(logits) if probs else logits
    labels = target if np.ndim(target) == 2 else np.eye(x.shape[1])[np.asarray(target, dtype=int)]
    per = np.asarray(optax.losses.poly_loss_cross_entropy(jnp.asarray(x), jnp.asarray(labels, dtype=jnp.float64), epsilon=epsilon))
    value = per.mean() if weights is None else weighted(per, weights)
    add(id_, spec, "optax.losses.poly_loss_cross_entropy", {"logits": logits, "target": target}, per, value,
        weights=weights, dtype=dtype)


def poly1_cases():
    x = RNG.normal(size=(7, 4)) * 2
    y = RNG.integers(0, 4, size=7)
    poly1_case("poly1_labels", "poly1", x, y)
    for eps in (-1.0, 0.0, 5.5):
        poly1_case(f"poly1_epsilon_{eps}", f"poly1:epsilon={eps}", x, y, epsilon=eps)
    soft = RNG.uniform(0.0, 1.0, size=(7, 4))
    soft[0] = [1.0, 0.0, 0.0, 0.0]
    soft[1] = [0.0, 0.0, 0.5, 0.5]
    poly1_case("poly1_prob_targets", "poly1", x, soft / soft.sum(axis=1, keepdims=True))
    ext = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [0.0, 0.0, 0.0]])
    poly1_case("poly1_extreme_logits", "poly1", ext, np.array([0, 1, 2, 1]))
    p = RNG.uniform(0.05, 1.0, size=(5, 3))
    p /= p.sum(axis=1, keepdims=True)
    poly1_case("poly1_input_probs", "poly1:input=probs", p, np.array([0, 1, 2, 0, 1]), probs=True)
    poly1_case("poly1_float32", "poly1", f32(x), y, dtype="float32")
    poly1_case("poly1_single_sample", "poly1:epsilon=1", np.array([[2.0, 1.0, 0.1]]), np.array([0]), epsilon=1.0)
    poly1_case("poly1_weighted", "poly1", x, y, weights=RNG.uniform(0.1, 2.0, size=7))


# ---------------------------------------------------------------------------- perceptron, sparsemax


def elementwise_case(id_, spec, fn, scores, labels, *, ref_labels=None, dtype="float64", weights=None):
    out = np.asarray(fn(jnp.asarray(scores), jnp.asarray(labels if ref_labels is None else ref_labels)))
    per = row_mean(out)
    value = out.mean() if weights is None else weighted(per, weights)
    add(id_, spec, f"optax.losses.{fn.__name__}", {"scores" if "perceptron" in spec else "logits": scores, "labels": labels},
        per, value, weights=weights, dtype=dtype)


def margin_cases():
    f = RNG.normal(size=8) * 2
    f[:3] = [0.0, 1.0, -1.0]
    y = RNG.choice([-1.0, 1.0], size=8)
    elementwise_case("perceptron_pm1", "perceptron", optax.losses.perceptron_loss, f, y)
    y01 = (y > 0).astype(float)
    elementwise_case("perceptron_01_labels", "perceptron", optax.losses.perceptron_loss, f, y01, ref_labels=2 * y01 - 1)
    f2 = RNG.normal(size=(5, 3))
    y2 = RNG.choice([-1.0, 1.0], size=(5, 3))
    elementwise_case("perceptron_rows", "perceptron", optax.losses.perceptron_loss, f2, y2)
    ext = np.array([1e4, -1e4, 1e4, -1e4])
    elementwise_case("perceptron_extreme", "perceptron", optax.losses.perceptron_loss, ext, np.array([1.0, 1.0, -1.0, -1.0]))
    elementwise_case("perceptron_float32", "perceptron", optax.losses.perceptron_loss, f32(f), y, dtype="float32")
    elementwise_case("perceptron_single", "perceptron", optax.losses.perceptron_loss, np.array([-0.75]), np.array([1.0]))

    x = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, -1.0, 0.25, 1.0])
    lab = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1.0])
    elementwise_case("sparsemax_regions", "sparsemax", optax.losses.sparsemax_loss, x, lab)
    x2 = RNG.normal(size=(6, 4)) * 1.5
    l2 = RNG.integers(0, 2, size=(6, 4)).astype(float)
    elementwise_case("sparsemax_rows", "sparsemax", optax.losses.sparsemax_loss, x2, l2)
    elementwise_case("sparsemax_extreme", "sparsemax", optax.losses.sparsemax_loss, ext, np.array([1.0, 1.0, 0.0, 0.0]))
    elementwise_case("sparsemax_float32", "sparsemax", optax.losses.sparsemax_loss, f32(x2), l2, dtype="float32")
    elementwise_case("sparsemax_single", "sparsemax", optax.losses.sparsemax_loss, np.array([0.3]), np.array([1.0]))
    elementwise_case("sparsemax_weighted", "sparsemax", optax.losses.sparsemax_loss, x, lab, weights=RNG.uniform(0.1, 2, 10))


# ---------------------------------------------------------------------------- multilabel_margin, triplet, kl_div


def torch_case(id_, spec, fn, inputs, *, per_row_mean=False, dtype="float64", ref=None, **kw):
    args = [torch.as_tensor(np.asarray(v)) if np.asarray(v).dtype.kind in "iu" else t(v) for v in inputs.values()]
    none = fn(*args, reduction="none", **kw).numpy()
    per = row_mean(none) if per_row_mean else none
    mean = fn(*args, reduction="mean", **kw).item()
    add(id_, spec, ref or f"torch.nn.functional.{fn.__name__}", inputs, per, mean, dtype=dtype)


def multilabel_cases():
    x = RNG.normal(size=(6, 5))
    y = np.array([
        [3, 0, -1, 1, 2],  # entries after the first -1 are ignored
        [0, 1, 2, 3, 4],  # every class a target: nothing to compare with
        [-1, 2, 2, 2, 2],  # no target at all
        [2, 2, -1, -1, -1],  # a class listed twice counts twice
        [4, -1, -1, -1, -1],
        [1, 3, 0, -1, 4],
    ])
    torch_case("multilabel_margin_padded", "multilabel_margin", F.multilabel_margin_loss, {"scores": x, "target": y})
    torch_case("multilabel_margin_doc", "multilabel_margin", F.multilabel_margin_loss,
               {"scores": np.array([[0.1, 0.2, 0.4, 0.8]]), "target": np.array([[3, 0, -1, 1]])})
    ext = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    torch_case("multilabel_margin_extreme", "multilabel_margin", F.multilabel_margin_loss,
               {"scores": ext, "target": np.array([[0, -1, -1], [0, 2, -1]])})
    torch_case("multilabel_margin_float32", "multilabel_margin", F.multilabel_margin_loss,
               {"scores": f32(x), "target": y}, dtype="float32")


def cosine_distance(a, b):
    return 1.0 - F.cosine_similarity(a, b)


def triplet_cases():
    a, p, n = (RNG.normal(size=(7, 4)) for _ in range(3))
    a[0] = 0.0  # a zero vector: cosine similarity 0 (norm clamped at 1e-8)
    p[1] = a[1] * 3.0  # same direction: distance 0
    ref = "torch.nn.functional.triplet_margin_with_distance_loss(distance_function=1 - cosine_similarity)"
    fn = F.triplet_margin_with_distance_loss
    inputs = {"anchor": a, "positive": p, "negative": n}
    torch_case("triplet_cosine", "triplet:distance=cosine", fn, inputs, ref=ref, distance_function=cosine_distance)
    torch_case("triplet_cosine_swap_margin", "triplet:distance=cosine,swap=true,margin=0.5", fn, inputs, ref=ref,
               distance_function=cosine_distance, swap=True, margin=0.5)
    torch_case("triplet_default_distance", "triplet:distance=pairwise", fn, inputs,
               ref="torch.nn.functional.triplet_margin_with_distance_loss (default pairwise_distance)")
    # opposite positive (distance 2), orthogonal negative (distance 1): loss 1 + 2 - 1
    ext = {"anchor": np.array([[1e4, -1e4]]), "positive": np.array([[-1e4, 1e4]]), "negative": np.array([[1e4, 1e4]])}
    torch_case("triplet_cosine_extreme_single", "triplet:distance=cosine", fn, ext, ref=ref, distance_function=cosine_distance)
    torch_case("triplet_cosine_float32", "triplet:distance=cosine", fn, {k: f32(v) for k, v in inputs.items()},
               ref=ref, dtype="float32", distance_function=cosine_distance)


def kl_cases():
    q = RNG.uniform(0.01, 1.0, size=(5, 4))
    q /= q.sum(axis=1, keepdims=True)
    p = RNG.uniform(0.0, 1.0, size=(5, 4))
    p[0, 1] = 0.0
    p[2] = [1.0, 0.0, 0.0, 0.0]
    p /= p.sum(axis=1, keepdims=True)
    spec = "kl_div:reduction_mode=elementwise"
    torch_case("kl_div_elementwise", spec, F.kl_div, {"pred": np.log(q), "target": p}, per_row_mean=True)
    torch_case("kl_div_elementwise_log_target", spec + ",log_target=true", F.kl_div,
               {"pred": np.log(q), "target": np.log(q[::-1].copy())}, per_row_mean=True, log_target=True)
    torch_case("kl_div_elementwise_doc", spec, F.kl_div,
               {"pred": np.log([[0.25, 0.25, 0.5], [0.1, 0.2, 0.7]]), "target": np.array([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6]])},
               per_row_mean=True)
    torch_case("kl_div_elementwise_float32", spec, F.kl_div, {"pred": f32(np.log(q)), "target": f32(p)},
               per_row_mean=True, dtype="float32")
    torch_case("kl_div_elementwise_single", spec, F.kl_div, {"pred": np.log([[0.5, 0.5]]), "target": np.array([[1.0, 0.0]])},
               per_row_mean=True)


# ---------------------------------------------------------------------------- generalized_dice


def gdl_reference(pred_last, target_last, smooth, apply_softmax, ignore_background):
    """optax's value, and per sample the class mean of dice_loss(reduction='none') under optax's weights."""
    p, y = jnp.asarray(pred_last), jnp.asarray(target_last)
    value = float(optax.losses.multiclass_generalized_dice_loss(
        p, y, smooth=smooth, apply_softmax=apply_softmax, ignore_background=ignore_background))
    freq = jnp.sum(y, axis=tuple(range(y.ndim - 1)))
    w = 1.0 / (freq**2 + 1e-7)
    w = w / jnp.sum(w) * len(w)
    per_class = optax.losses.dice_loss(p, y, class_weights=w, smooth=smooth, apply_softmax=apply_softmax,
                                       reduction="none", ignore_background=ignore_background)
    per = np.asarray(per_class).mean(axis=-1)
    np.testing.assert_allclose(per.mean(), value, rtol=1e-13)
    return per, value


def gdl_case(id_, spec, pred, target, *, smooth=1.0, logits=False, ignore_background=False, dtype="float64", weights=None):
    """pred (N, C, H, W) channel-first as losscli takes it; target labels (N, H, W) or one-hot (N, C, H, W)."""
    c = pred.shape[1]
    onehot = np.eye(c)[np.asarray(target, dtype=int)] if target.ndim == pred.ndim - 1 else np.moveaxis(target, 1, -1)
    per, value = gdl_reference(np.moveaxis(pred, 1, -1), onehot, smooth, logits, ignore_background)
    if weights is not None:
        value = weighted(per, weights)
    add(id_, spec, "optax.losses.multiclass_generalized_dice_loss (class axis moved last)",
        {"pred": pred, "target": target}, per, value, weights=weights, dtype=dtype)


def gdl_cases():
    n, c, h, w = 4, 3, 3, 4
    logits = RNG.normal(size=(n, c, h, w)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = RNG.integers(0, c, size=(n, h, w))
    labels[0, 0, 0] = 2  # every class present
    gdl_case("gdl_probs_labels", "generalized_dice", probs, labels)
    gdl_case("gdl_logits", "generalized_dice:input=logits", logits, labels, logits=True)
    gdl_case("gdl_onehot_smooth", "generalized_dice:smooth=0.5", probs, np.moveaxis(np.eye(c)[labels], -1, 1), smooth=0.5)
    gdl_case("gdl_ignore_background", "generalized_dice:ignore_background=true", probs, labels, ignore_background=True)
    rare = np.where(labels == 2, 1, labels)  # class 2 absent: weight 1/1e-7 before normalisation
    gdl_case("gdl_absent_class", "generalized_dice", probs, rare)
    ext = np.where(np.eye(c)[labels].transpose(0, 3, 1, 2) > 0, 1e4, -1e4)
    gdl_case("gdl_extreme_logits", "generalized_dice:input=logits", ext, labels, logits=True)
    hard = np.moveaxis(np.eye(c)[labels], -1, 1)  # probabilities exactly 0 and 1
    gdl_case("gdl_probs_0_1", "generalized_dice", hard, labels)
    gdl_case("gdl_float32", "generalized_dice", f32(probs), labels, dtype="float32")
    gdl_case("gdl_single_sample", "generalized_dice", probs[:1], labels[:1])


# ---------------------------------------------------------------------------- ranking_softmax


def ranking_case(id_, scores, relevance, query, *, dtype="float64", weights=None):
    ids = list(dict.fromkeys(np.asarray(query).tolist()))
    per_query = {}
    for q in ids:
        m = np.asarray(query) == q
        per_query[q] = float(optax.losses.ranking_softmax_loss(jnp.asarray(scores[m]), jnp.asarray(relevance[m]), reduce_fn=None))
    size = max(int(np.sum(np.asarray(query) == q)) for q in ids)
    padded_s, padded_y, where = np.zeros((len(ids), size)), np.zeros((len(ids), size)), np.zeros((len(ids), size), bool)
    for i, q in enumerate(ids):
        m = np.asarray(query) == q
        k = int(m.sum())
        padded_s[i, :k], padded_y[i, :k], where[i, :k] = scores[m], relevance[m], True
    value = float(optax.losses.ranking_softmax_loss(jnp.asarray(padded_s), jnp.asarray(padded_y), where=jnp.asarray(where)))
    np.testing.assert_allclose(np.mean(list(per_query.values())), value, rtol=1e-13)
    counts = {q: int(np.sum(np.asarray(query) == q)) for q in ids}
    per = np.array([per_query[q] / counts[q] for q in np.asarray(query).tolist()])
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        share = np.array([1.0 / counts[q] for q in np.asarray(query).tolist()])
        value = float(np.sum(w * per) / np.sum(w * share))
    add(id_, "ranking_softmax", "optax.losses.ranking_softmax_loss (per query; value with where= on the padded batch)",
        {"scores": scores, "relevance": relevance, "query": query}, per, value, weights=weights, dtype=dtype, mean=False)


def ranking_cases():
    query = np.array([3, 1, 3, 2, 1, 3, 2, 2, 5, 1, 3, 7, 7])  # rows of a query are not adjacent
    scores = RNG.normal(size=len(query)) * 2
    rel = RNG.integers(0, 4, size=len(query)).astype(float)
    rel[query == 7] = 0.0  # a query with no relevant item: loss 0, still counted
    ranking_case("ranking_softmax_queries", scores, rel, query)
    ranking_case("ranking_softmax_doc", np.array([2.0, 1.0, 3.0]), np.array([1.0, 0.0, 0.0]), np.array([0, 0, 0]))
    ranking_case("ranking_softmax_extreme", np.array([1e4, -1e4, 0.0, -1e4, 1e4]), np.array([0.0, 1.0, 2.0, 1.0, 0.0]),
                 np.array([1, 1, 1, 2, 2]))
    ranking_case("ranking_softmax_float32", f32(scores), rel, query, dtype="float32")
    ranking_case("ranking_softmax_single", np.array([0.7]), np.array([1.0]), np.array([4]))
    qw = {1: 0.5, 2: 2.0, 3: 1.0, 5: 0.25, 7: 3.0}
    ranking_case("ranking_softmax_query_weights", scores, rel, query, weights=np.array([qw[q] for q in query]))


# ---------------------------------------------------------------------------- ctc


def ctc_case(id_, spec, log_probs_tnc, targets, input_lengths, target_lengths, *, dtype="float64", **kw):
    per_target_length = kw.pop("per_target_length", True)
    args = (t(log_probs_tnc), torch.as_tensor(targets), torch.as_tensor(input_lengths), torch.as_tensor(target_lengths))
    none = F.ctc_loss(*args, reduction="none", **kw).numpy()
    if per_target_length:
        per = none / np.maximum(np.asarray(target_lengths), 1)
        value = F.ctc_loss(*args, reduction="mean", **kw).item()
    else:
        per = none
        value = none.mean()
        np.testing.assert_allclose(F.ctc_loss(*args, reduction="sum", **kw).item(), none.sum(), rtol=1e-13)
    inputs = {"log_probs": np.swapaxes(log_probs_tnc, 0, 1), "targets": targets,
              "input_lengths": input_lengths, "target_lengths": target_lengths}
    add(id_, spec, "torch.nn.functional.ctc_loss", inputs, per, value, dtype=dtype)


def log_softmax(x, axis=-1):
    return torch.log_softmax(t(x), dim=axis).numpy()


def ctc_cases():
    tt, n, c = 12, 5, 5
    lp = log_softmax(RNG.normal(size=(tt, n, c)) * 1.5)
    targets = np.array([[1, 2, 2, 3], [4, 4, 4, 0], [1, 0, 0, 0], [2, 3, 1, 4], [3, 1, 0, 0]])
    il = np.array([12, 9, 4, 12, 7])
    tl = np.array([4, 3, 1, 4, 0])
    ctc_case("ctc_mean", "ctc", lp, targets, il, tl)
    ctc_case("ctc_none", "ctc:per_target_length=false", lp, targets, il, tl, per_target_length=False)
    tight = np.array([4, 4, 1, 3, 1])  # fewer steps than the target needs (a repeat needs a blank between): inf
    ctc_case("ctc_zero_infinity", "ctc:zero_infinity=true", lp, targets, tight, tl, zero_infinity=True)
    ctc_case("ctc_tight_lengths", "ctc", lp, targets, np.array([7, 5, 1, 5, 1]), tl)
    lp_last = log_softmax(RNG.normal(size=(tt, n, c)))
    ctc_case("ctc_blank_last", "ctc:blank=4", lp_last, np.where(targets == 4, 0, targets), il, tl, blank=4)
    ext = log_softmax(np.where(RNG.uniform(size=(tt, n, c)) > 0.5, 1e4, -1e4))
    ctc_case("ctc_extreme_logits", "ctc:zero_infinity=true", ext, targets, il, tl, zero_infinity=True)
    ctc_case("ctc_float32", "ctc", f32(lp), targets, il, tl, dtype="float32")
    ctc_case("ctc_single_sequence", "ctc", lp[:, :1], targets[:1, :2], np.array([3]), np.array([2]))


# ---------------------------------------------------------------------------- --reduction sum_elements


def sum_elements_case(id_, spec, reference, inputs, total):
    """The headline of ``--reduction sum_elements``: the reference's sum over every element."""
    CASES.append({
        "id": id_, "spec": spec, "reference": reference, "dtype": "float64",
        "inputs": {k: np.asarray(v).astype(np.float64).tolist() for k, v in inputs.items()},
        "weights": None, "per_sample": None, "reduction": "sum_elements", "value": float(total),
    })


def sum_elements_cases():
    q = RNG.uniform(0.01, 1.0, size=(4, 3))
    q /= q.sum(axis=1, keepdims=True)
    p = RNG.dirichlet(np.ones(3), size=4)
    total = F.kl_div(t(np.log(q)), t(p), reduction="sum").item()
    sum_elements_case("kl_div_elementwise_sum_elements", "kl_div:reduction_mode=elementwise",
                      'torch.nn.functional.kl_div(reduction="sum")', {"pred": np.log(q), "target": p}, total)
    sum_elements_case("kl_div_batchmean_sum_elements", "kl_div", 'torch.nn.functional.kl_div(reduction="sum")',
                      {"pred": np.log(q), "target": p}, total)
    f, y = RNG.normal(size=(5, 3)), RNG.choice([-1.0, 1.0], size=(5, 3))
    sum_elements_case("perceptron_sum_elements", "perceptron", "optax.losses.perceptron_loss, summed",
                      {"scores": f, "labels": y}, np.sum(optax.losses.perceptron_loss(jnp.asarray(f), jnp.asarray(y))))
    lab = (y > 0).astype(float)
    sum_elements_case("sparsemax_sum_elements", "sparsemax", "optax.losses.sparsemax_loss, summed",
                      {"logits": f, "labels": lab}, np.sum(optax.losses.sparsemax_loss(jnp.asarray(f), jnp.asarray(lab))))


def main() -> None:
    poly1_cases()
    margin_cases()
    multilabel_cases()
    triplet_cases()
    kl_cases()
    gdl_cases()
    ranking_cases()
    ctc_cases()
    sum_elements_cases()
    versions = {"torch": torch.__version__, "optax": optax.__version__, "jax": jax.__version__, "numpy": np.__version__}
    doc = {"generated_by": "tests/golden/golden_newlosses.py", "versions": versions, "cases": CASES}
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
