"""Golden values of the inputs the references accept beyond the plain ``(N, C)`` / ``(N,)`` ones.

Run once in a scratch environment with torch and scikit-learn (never at test time):

    python tests/golden/golden_coverage.py

It writes golden_coverage.json next to itself; tests/test_golden.py drives every case through
the CLI. A case with ``reduction`` runs with ``--reduction`` set to it and compares the headline
(``value``) only; the others compare per-sample values and the mean as every golden case.

Conventions the cases pin (see the README's loss notes):
- masked classes: ``-inf`` logits (ce) and log-probabilities (nll) are values, torch's finite
  losses where the target is another class;
- every target ignored: torch's ``reduction="sum"`` is 0 and ``"none"`` zeros.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import sklearn
import torch
import torch.nn.functional as F

HERE = pathlib.Path(__file__).parent
NAME = "golden_coverage"
torch.set_default_dtype(torch.float64)

cases: list[dict] = []
rng = np.random.default_rng(20261206)
INF = float("inf")


def T(a, dtype=torch.float64):
    return torch.as_tensor(np.asarray(a), dtype=dtype)


def L(a):
    return torch.as_tensor(np.asarray(a), dtype=torch.long)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def tolist(a):
    return np.asarray(a.detach().numpy() if isinstance(a, torch.Tensor) else a, dtype=np.float64).tolist()


def add(id, spec, reference, inputs, per_sample=None, mean=None, *, value=None, reduction=None, dtype="float64"):
    """Record one case; float arrays become float64 lists, labels int lists. ``value`` defaults to
    ``mean``; with ``reduction`` the case is the headline of that reduction only."""
    case = {"id": id, "spec": spec, "reference": reference, "dtype": dtype}
    case["inputs"] = {
        r: (np.asarray(a).astype(np.int64) if np.asarray(a).dtype.kind in "iub" else np.asarray(a, dtype=np.float64)).tolist()
        for r, a in inputs.items()
    }
    case["weights"] = None
    case["per_sample"] = None if per_sample is None else tolist(per_sample)
    if mean is not None:
        case["mean"] = float(mean)
    if reduction is not None:
        case["reduction"] = reduction
    case["value"] = float(mean if value is None else value)
    assert np.isfinite(case["value"]), id
    cases.append(case)


def row_means(none):
    """losscli's per-sample values: the mean of each row of torch's ``reduction="none"`` output (a
    0-d output is one row)."""
    return none.reshape(1) if none.ndim == 0 else none if none.ndim == 1 else none.reshape(len(none), -1).mean(1)


def torch_cases(id, spec, fn, inputs, args, reference, *, headline_only=False, **kw):
    """A mean case (per-sample: the row means of reduction 'none') and a sum case of ``fn(*args, **kw)``
    (torch's sum over every element: ``--reduction sum`` when a row is one element, else ``sum_elements``). ``headline_only``:
    the report's statistics ``mean`` (of the per-sample values) is not the reference's mean (ignored
    positions of (N, C, d1, ...) scores): the case checks the per-sample values and the headline."""
    none = fn(*args, reduction="none", **kw)
    mean = fn(*args, reduction="mean", **kw)
    add(id, spec, reference, inputs, row_means(none), None if headline_only else mean, value=mean)
    red = "sum" if none.ndim <= 1 else "sum_elements"  # a row of several elements: their sum is --reduction sum_elements
    add(id + "_" + red, spec, reference + " reduction='sum'", inputs, value=fn(*args, reduction="sum", **kw), reduction=red)


# ------------------------------------------------------------------------------------------ masked classes
xm = np.array([[1.0, -INF, 0.5], [3.0, 4.0, -INF], [-INF, -INF, 2.0], [1e4, -INF, -1e4], [-1e4, 0.0, -INF]])
ym = np.array([0, 1, 2, 0, 1])
torch_cases("ce_masked_logits", "ce", F.cross_entropy, {"logits": xm, "target": ym}, (T(xm), L(ym)),
            "torch.nn.functional.cross_entropy(x, y) (x holds -inf: masked classes)")
torch_cases("ce_masked_logits_weight", "ce:weight=1;2;0.5", F.cross_entropy, {"logits": xm, "target": ym}, (T(xm), L(ym)),
            "torch.nn.functional.cross_entropy(x, y, weight=[1,2,0.5]) (x holds -inf)", weight=T([1, 2, 0.5]))
xm32 = xm.astype(np.float32)
add("ce_masked_logits_float32", "ce", "torch.nn.functional.cross_entropy(x float32, y) (x holds -inf)",
    {"logits": xm32, "target": ym}, F.cross_entropy(T(xm32, torch.float32), L(ym), reduction="none"),
    F.cross_entropy(T(xm32, torch.float32), L(ym)), dtype="float32")
add("ce_masked_single_sample", "ce", "torch.nn.functional.cross_entropy(x, y) (one row, x holds -inf)",
    {"logits": xm[:1], "target": ym[:1]}, F.cross_entropy(T(xm[:1]), L(ym[:1]), reduction="none"), F.cross_entropy(T(xm[:1]), L(ym[:1])))
lpm = torch.log_softmax(T(xm), dim=1).numpy()
torch_cases("nll_masked_log_probs", "nll", F.nll_loss, {"log_probs": lpm, "labels": ym}, (T(lpm), L(ym)),
            "torch.nn.functional.nll_loss(log_softmax(x), y) (log-probabilities -inf)")
lpc = np.log(np.array([[0.0, 0.3, 0.7], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]))  # probabilities 0 and 1
ypc = np.array([2, 0, 1])
torch_cases("nll_log_of_probs_0_1", "nll", F.nll_loss, {"log_probs": lpc, "labels": ypc}, (T(lpc), L(ypc)),
            "torch.nn.functional.nll_loss(log(p), y) (p holds 0 and 1)")

# ------------------------------------------------------------------------------------------ every target ignored
xi = rng.normal(size=(3, 4))
yi = np.array([-100, -100, -100])
for red in ("sum",):
    add("ce_all_ignored_" + red, "ce", f"torch.nn.functional.cross_entropy(x, y, reduction='{red}') (every y = -100)",
        {"logits": xi, "target": yi}, value=F.cross_entropy(T(xi), L(yi), reduction=red), reduction=red)
yw0 = np.array([1, 1, 3])
add("ce_all_class_weight_0_sum", "ce:weight=1;0;1;0", "torch.nn.functional.cross_entropy(x, y, weight=[1,0,1,0], reduction='sum')",
    {"logits": xi, "target": yw0}, value=F.cross_entropy(T(xi), L(yw0), weight=T([1, 0, 1, 0]), reduction="sum"), reduction="sum")
lpi = torch.log_softmax(T(xi), 1).numpy()
add("nll_all_ignored_sum", "nll:ignore_index=2", "torch.nn.functional.nll_loss(x, y, ignore_index=2, reduction='sum')",
    {"log_probs": lpi, "labels": np.array([2, 2, 2])}, value=F.nll_loss(T(lpi), L([2, 2, 2]), ignore_index=2, reduction="sum"),
    reduction="sum")


# ------------------------------------------------------------------------------------------ gaussian_nll var broadcasting
gp, gt = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
for vid, var in (("1_D", rng.uniform(0.1, 2, size=(1, 3))), ("N_1", rng.uniform(0.1, 2, size=(5, 1))),
                 ("1_D_below_eps", np.array([[0.0, 1e-8, 3.0]]))):
    torch_cases("gaussian_nll_var_" + vid, "gaussian_nll", F.gaussian_nll_loss, {"pred": gp, "target": gt, "var": var},
                (T(gp), T(gt), T(var)), f"torch.nn.functional.gaussian_nll_loss(pred (5, 3), target, var {var.shape})")
gv1 = np.array([0.5])
torch_cases("gaussian_nll_var_one_value_1d", "gaussian_nll:full=true", F.gaussian_nll_loss, {"pred": gp[:, 0], "target": gt[:, 0], "var": gv1},
            (T(gp[:, 0]), T(gt[:, 0]), T(gv1)), "torch.nn.functional.gaussian_nll_loss(pred (5,), target, var (1,), full=True)", full=True)
g32 = [f32(a) for a in (gp, gt, np.array([[0.5, 1.5, 2.5]]))]
add("gaussian_nll_var_1_D_float32", "gaussian_nll", "torch.nn.functional.gaussian_nll_loss(float32 pred (5, 3), target, var (1, 3))",
    dict(zip(("pred", "target", "var"), g32)), row_means(F.gaussian_nll_loss(*(T(a, torch.float32) for a in g32), reduction="none")),
    F.gaussian_nll_loss(*(T(a, torch.float32) for a in g32)), dtype="float32")


# ------------------------------------------------------------------------------------------ class scores with extra dims
# (N, C, d1, ...) scores, (N, d1, ...) labels: torch's reduction="none" is (N, d1, ...); a sample's
# per-sample value is the mean over its positions, the mean torch's mean (class weights and
# ignored positions in its divisor).
def softmax_focal_ref(x, y, alpha=0.25, gamma=2.0, reduction="mean"):
    logp = torch.log_softmax(x, dim=1).gather(1, y.unsqueeze(1)).squeeze(1)
    loss = -((-torch.expm1(logp)) ** gamma) * logp * (alpha if alpha >= 0 else 1.0)
    return loss if reduction == "none" else loss.mean() if reduction == "mean" else loss.sum()


x4 = rng.normal(size=(2, 3, 5, 5)) * 2
y4 = rng.integers(0, 3, size=(2, 5, 5))
y4i = y4.copy()
y4i[0, :2] = -100
y4i[1, 0, :3] = -100
x3 = rng.normal(size=(4, 5, 7))
y3 = rng.integers(0, 5, size=(4, 7))
x5 = rng.normal(size=(2, 4, 2, 3, 2))
y5 = rng.integers(0, 4, size=(2, 2, 3, 2))
dims = {"4d": (x4, y4), "4d_ignored": (x4, y4i), "3d": (x3, y3), "5d": (x5, y5)}
for did, (xd, yd) in dims.items():
    torch_cases(f"ce_{did}", "ce", F.cross_entropy, {"logits": xd, "target": yd}, (T(xd), L(yd)),
                f"torch.nn.functional.cross_entropy(x {xd.shape}, y {yd.shape})", headline_only=did.endswith("ignored"))
kw = dict(weight=T([0.5, 2.0, 1.0]), ignore_index=1, label_smoothing=0.15)
torch_cases("ce_4d_weight_ignore_smooth", "ce:weight=0.5;2;1,ignore_index=1,label_smoothing=0.15", F.cross_entropy,
            {"logits": x4, "target": y4}, (T(x4), L(y4)),
            "torch.nn.functional.cross_entropy(x (2,3,5,5), y, weight=[0.5,2,1], ignore_index=1, label_smoothing=0.15)",
            headline_only=True, **kw)
kw = dict(weight=T([0.5, 2.0, 1.0]))
torch_cases("ce_4d_weight_default_ignore", "ce:weight=0.5;2;1", F.cross_entropy, {"logits": x4, "target": y4i}, (T(x4), L(y4i)),
            "torch.nn.functional.cross_entropy(x (2,3,5,5), y holding -100, weight=[0.5,2,1])", headline_only=True, **kw)
p4 = torch.softmax(T(rng.normal(size=(2, 3, 5, 5))), dim=1).numpy()
torch_cases("ce_4d_prob_targets", "ce:label_smoothing=0.1", F.cross_entropy, {"logits": x4, "target": p4}, (T(x4), T(p4)),
            "torch.nn.functional.cross_entropy(x (2,3,5,5), probabilities (2,3,5,5), label_smoothing=0.1)", label_smoothing=0.1)
xe = np.array([[[1e4, -1e4], [-1e4, 0.0]], [[0.0, 1e4], [1e4, -1e4]]]).transpose(0, 2, 1).copy()  # (2, C=2, 2)
ye = np.array([[0, 1], [1, 0]])
torch_cases("ce_3d_extreme_logits", "ce", F.cross_entropy, {"logits": xe, "target": ye}, (T(xe), L(ye)),
            "torch.nn.functional.cross_entropy(x (2,2,2) with +-1e4, y (2,2))")
torch_cases("ce_4d_single_sample", "ce", F.cross_entropy, {"logits": x4[:1], "target": y4[:1]}, (T(x4[:1]), L(y4[:1])),
            "torch.nn.functional.cross_entropy(x (1,3,5,5), y (1,5,5))")
x432 = f32(x4)
add("ce_4d_float32", "ce", "torch.nn.functional.cross_entropy(x float32 (2,3,5,5), y)", {"logits": x432, "target": y4},
    row_means(F.cross_entropy(T(x432, torch.float32), L(y4), reduction="none")), F.cross_entropy(T(x432, torch.float32), L(y4)),
    dtype="float32")
lp4 = torch.log_softmax(T(x4), dim=1).numpy()
torch_cases("nll_4d_ignored", "nll", F.nll_loss, {"log_probs": lp4, "labels": y4i}, (T(lp4), L(y4i)),
            "torch.nn.functional.nll_loss(log_softmax(x) (2,3,5,5), y holding -100)", headline_only=True)
torch_cases("nll_4d_weight", "nll:weight=1;0.25;3", F.nll_loss, {"log_probs": lp4, "labels": y4}, (T(lp4), L(y4)),
            "torch.nn.functional.nll_loss(log_softmax(x) (2,3,5,5), y, weight=[1,0.25,3])", weight=T([1, 0.25, 3]))
torch_cases("softmax_focal_4d", "softmax_focal", softmax_focal_ref, {"logits": x4, "labels": y4}, (T(x4), L(y4)),
            "-alpha (1 - p_y)**gamma log p_y with torch.log_softmax over dim 1, (2,3,5,5) logits")
pk = torch.log_softmax(T(x4), dim=1).numpy()
add("kl_div_4d_batchmean", "kl_div", "torch.nn.functional.kl_div(log_softmax(x) (2,3,5,5), p, reduction='batchmean')",
    {"pred": pk, "target": p4}, F.kl_div(T(pk), T(p4), reduction="none").reshape(2, -1).sum(1),
    F.kl_div(T(pk), T(p4), reduction="batchmean"))
add("kl_div_4d_batchmean_sum", "kl_div", "torch.nn.functional.kl_div(log_softmax(x) (2,3,5,5), p, reduction='sum')",
    {"pred": pk, "target": p4}, value=F.kl_div(T(pk), T(p4), reduction="sum"), reduction="sum")
bt4 = (rng.uniform(size=x4.shape) > 0.5).astype(float)
from torchvision.ops import sigmoid_focal_loss  # noqa: E402
add("focal_4d", "focal", "torchvision.ops.sigmoid_focal_loss(x (2,3,5,5), t)", {"logits": x4, "target": bt4},
    row_means(sigmoid_focal_loss(T(x4), T(bt4), reduction="none")), sigmoid_focal_loss(T(x4), T(bt4), reduction="mean"))


# ------------------------------------------------------------------------------------------ --reduction sum_elements
# torch's reduction="sum" over every element of (N, D) inputs (losscli's `sum` is of per-row means)
re_p, re_t = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
re_b = (rng.uniform(size=(6, 4)) > 0.5).astype(float)
for rid, spec, fn, args in (
    ("mse", "mse", F.mse_loss, (re_p, re_t)),
    ("mae", "mae", F.l1_loss, (re_p, re_t)),
    ("huber", "huber:delta=0.5", lambda a, b, **k: F.huber_loss(a, b, delta=0.5, **k), (re_p, re_t)),
    ("smooth_l1", "smooth_l1", F.smooth_l1_loss, (re_p, re_t)),
    ("bce_logits", "bce_logits", F.binary_cross_entropy_with_logits, (re_p * 1e4, re_b)),
    ("soft_margin", "soft_margin", F.soft_margin_loss, (re_p, 2 * re_b - 1)),
):
    names = {"bce_logits": ("logits", "target"), "soft_margin": ("scores", "labels")}.get(rid, ("pred", "target"))
    add(f"{rid}_2d_sum_elements", spec, f"torch {rid}(a (6, 4), b, reduction='sum')", dict(zip(names, args)),
        value=fn(T(args[0]), T(args[1]), reduction="sum"), reduction="sum_elements")
p32 = [f32(a) for a in (re_p, re_t)]
add("mse_2d_sum_elements_float32", "mse", "torch.nn.functional.mse_loss(float32 (6, 4), reduction='sum')",
    {"pred": p32[0], "target": p32[1]}, value=F.mse_loss(T(p32[0], torch.float32), T(p32[1], torch.float32), reduction="sum"),
    reduction="sum_elements", dtype="float32")
add("mse_single_sample_sum_elements", "mse", "torch.nn.functional.mse_loss((1, 4), reduction='sum')",
    {"pred": re_p[:1], "target": re_t[:1]}, value=F.mse_loss(T(re_p[:1]), T(re_t[:1]), reduction="sum"), reduction="sum_elements")


# ------------------------------------------------------------------------------------------ domains as the references
import sklearn.metrics as skm  # noqa: E402


def sk_rows(metric, y, p, **kw):
    """Per-sample values of a scikit-learn metric: the metric on each row alone."""
    return np.array([metric(y[i : i + 1], p[i : i + 1], **kw) for i in range(len(y))])


# pinball alpha 0 and 1 (scikit-learn allows them), multi-output weights
yq, pq = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
for a in (0.0, 1.0):
    add(f"pinball_alpha_{a:g}", f"pinball:alpha={a:g}", f"sklearn.metrics.mean_pinball_loss(y, p, alpha={a:g})",
        {"pred": pq[:, 0], "target": yq[:, 0]}, sk_rows(skm.mean_pinball_loss, yq[:, 0], pq[:, 0], alpha=a),
        skm.mean_pinball_loss(yq[:, 0], pq[:, 0], alpha=a))
mo = [0.2, 1.0, 0.0]
add("pinball_multioutput_weights", "pinball:alpha=0.3,multioutput=0.2;1;0",
    "sklearn.metrics.mean_pinball_loss(y (7, 3), p, alpha=0.3, multioutput=[0.2, 1, 0])", {"pred": pq, "target": yq},
    sk_rows(skm.mean_pinball_loss, yq, pq, alpha=0.3, multioutput=mo), skm.mean_pinball_loss(yq, pq, alpha=0.3, multioutput=mo))
yl, pl = np.abs(yq) * 3, np.abs(pq) * 3
add("msle_multioutput_weights", "msle:multioutput=0.2;1;0", "sklearn.metrics.mean_squared_log_error(y (7, 3), p, multioutput=[0.2, 1, 0])",
    {"pred": pl, "target": yl}, sk_rows(skm.mean_squared_log_error, yl, pl, multioutput=mo),
    skm.mean_squared_log_error(yl, pl, multioutput=mo))
add("mape_multioutput_weights", "mape:multioutput=3;1;0.5", "sklearn.metrics.mean_absolute_percentage_error(y (7, 3), p, multioutput=[3, 1, 0.5])",
    {"pred": pq, "target": yq}, sk_rows(skm.mean_absolute_percentage_error, yq, pq, multioutput=[3, 1, 0.5]),
    skm.mean_absolute_percentage_error(yq, pq, multioutput=[3, 1, 0.5]))
# brier scale_by_half
pb, yb = np.array([0.9, 0.2, 0.6, 0.0, 1.0]), np.array([1, 0, 1, 1, 1])
for sbh in (False, True):
    add(f"brier_binary_scale_by_half_{str(sbh).lower()}", f"brier:scale_by_half={str(sbh).lower()}",
        f"sklearn.metrics.brier_score_loss(y, p, scale_by_half={sbh}) (p 0 and 1)", {"probs": pb, "labels": yb},
        sk_rows(skm.brier_score_loss, yb, pb, scale_by_half=sbh, pos_label=1), skm.brier_score_loss(yb, pb, scale_by_half=sbh))
pm = rng.dirichlet(np.ones(3), size=5)
ymc = np.array([0, 1, 2, 2, 0])
add("brier_multiclass_scale_by_half_true", "brier:scale_by_half=true", "sklearn.metrics.brier_score_loss(y, p (5, 3), scale_by_half=True)",
    {"probs": pm, "labels": ymc}, sk_rows(skm.brier_score_loss, ymc, pm, scale_by_half=True, labels=[0, 1, 2]),
    skm.brier_score_loss(ymc, pm, scale_by_half=True))
# y = 0 for the pair losses: torch's arithmetic
x1, x2 = rng.normal(size=6), rng.normal(size=6)
y0 = np.array([1.0, 0.0, -1.0, 0.0, 1.0, -1.0])
torch_cases("margin_ranking_y0", "margin_ranking:margin=0.3", F.margin_ranking_loss, {"x1": x1, "x2": x2, "y": y0},
            (T(x1), T(x2), T(y0)), "torch.nn.functional.margin_ranking_loss(x1, x2, y holding 0, margin=0.3)", margin=0.3)
dist = np.abs(rng.normal(size=6)) * 1.5
torch_cases("hinge_embedding_y0", "hinge_embedding", F.hinge_embedding_loss, {"distance": dist, "y": y0}, (T(dist), T(y0)),
            "torch.nn.functional.hinge_embedding_loss(x, y holding 0)")
e1, e2 = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
torch_cases("cosine_embedding_y0", "cosine_embedding:margin=0.1", F.cosine_embedding_loss, {"x1": e1, "x2": e2, "y": y0},
            (T(e1), T(e2), T(y0)), "torch.nn.functional.cosine_embedding_loss(x1, x2, y holding 0, margin=0.1)", margin=0.1)
# a 0-d input is one row
torch_cases("mse_0d", "mse", F.mse_loss, {"pred": np.array(3.0), "target": np.array(1.25)}, (T(3.0), T(1.25)),
            "torch.nn.functional.mse_loss(tensor(3.), tensor(1.25)) (0-d: one sample)")

# positive log-probabilities (nll, kl_div) and multi-label targets outside [0, 1]: torch's arithmetic
xpl = rng.normal(size=(5, 4)) * 2
ypl = np.array([0, 1, 2, 3, 0])
torch_cases("nll_positive_log_probs", "nll", F.nll_loss, {"log_probs": xpl, "labels": ypl}, (T(xpl), L(ypl)),
            "torch.nn.functional.nll_loss(x holding positive values, y)")
tpk = rng.dirichlet(np.ones(4), size=5)
add("kl_div_positive_log_probs", "kl_div", "torch.nn.functional.kl_div(x holding positive values, p, reduction='batchmean')",
    {"pred": xpl, "target": tpk}, F.kl_div(T(xpl), T(tpk), reduction="none").sum(1), F.kl_div(T(xpl), T(tpk), reduction="batchmean"))
tlk = rng.normal(size=(5, 4))
add("kl_div_log_target_positive", "kl_div:log_target=true", "torch.nn.functional.kl_div(x, t holding positive values, log_target=True, reduction='batchmean')",
    {"pred": xpl, "target": tlk}, F.kl_div(T(xpl), T(tlk), reduction="none", log_target=True).sum(1),
    F.kl_div(T(xpl), T(tlk), reduction="batchmean", log_target=True))
tk1 = rng.uniform(0, 2, size=(5, 4))
add("kl_div_targets_above_one", "kl_div", "torch.nn.functional.kl_div(log_softmax(x), t in [0, 2), reduction='batchmean')",
    {"pred": torch.log_softmax(T(xpl), 1).numpy(), "target": tk1},
    F.kl_div(torch.log_softmax(T(xpl), 1), T(tk1), reduction="none").sum(1), F.kl_div(torch.log_softmax(T(xpl), 1), T(tk1), reduction="batchmean"))
tms = rng.choice([-1.0, 0.0, 1.0, 2.0], size=(5, 4))
torch_cases("multilabel_soft_margin_targets_outside_unit", "multilabel_soft_margin", F.multilabel_soft_margin_loss,
            {"logits": xpl, "target": tms}, (T(xpl), T(tms)), "torch.nn.functional.multilabel_soft_margin_loss(x, y in {-1, 0, 1, 2})")


# ------------------------------------------------------------------------------------------ write
doc = {
    "generated_by": f"tests/golden/{NAME}.py",
    "versions": {"torch": torch.__version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__},
    "cases": cases,
}
(HERE / f"{NAME}.json").write_text(json.dumps(doc, indent=1) + "\n")
print(f"{len(cases)} cases -> {HERE / (NAME + '.json')}")
