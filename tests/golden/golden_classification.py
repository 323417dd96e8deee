"""Golden values of the classification losses, computed by their references.

Run once in a scratch environment with torch, torchvision and scikit-learn (never at test time):

    python tests/golden/golden_classification.py

It writes golden_classification.json (and golden_classification.npz for the big C = 10000 case)
next to itself; tests/test_golden.py drives every case through the CLI. Per-sample values are the
reference's ``reduction='none'`` output; for scikit-learn metrics (which only return a mean) the
per-sample value of row i is the metric with ``sample_weight`` = the indicator of row i, which
``np.average`` reduces to exactly that row's loss.

float32 cases: inputs are float32 values (stored as float64 lists, cast back by the test), the
reference runs on float32 tensors, and the script checks that this agrees with the reference in
float64 on the same values to 5e-7, so the test's rtol of 1e-6 is meaningful.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import sklearn
import sklearn.metrics as skm
import torch
import torch.nn.functional as F
import torchvision
from torchvision.ops import sigmoid_focal_loss

HERE = pathlib.Path(__file__).parent
NAME = "golden_classification"
torch.set_default_dtype(torch.float64)

cases: list[dict] = []
npz: dict[str, np.ndarray] = {}


def T(a, dtype=torch.float64):
    return torch.as_tensor(np.asarray(a), dtype=dtype)


def L(a):
    return torch.as_tensor(np.asarray(a), dtype=torch.long)


def tolist(a):
    return np.asarray(a.detach().numpy() if isinstance(a, torch.Tensor) else a, dtype=np.float64).tolist()


def add(id, spec, reference, inputs, per_sample, mean, sum_=None, *, dtype="float64", weights=None, value=None, big=False):
    """Record one case; float arrays become float64 lists, labels int lists."""
    per_sample = None if per_sample is None else np.asarray(tolist(per_sample))
    case = {"id": id, "spec": spec, "reference": reference, "dtype": dtype}
    enc = {}
    for role, a in inputs.items():
        a = np.asarray(a)
        enc[role] = a.astype(np.int64) if a.dtype.kind in "iub" else a.astype(np.float64)
    if big:
        case["inputs_npz"] = NAME + ".npz"
        for role, a in inputs.items():
            a = np.asarray(a)
            npz[f"{id}__{role}"] = a if a.dtype.kind in "iu" else a.astype(np.float32 if dtype == "float32" else np.float64)
    else:
        case["inputs"] = {r: a.tolist() for r, a in enc.items()}
    case["weights"] = None if weights is None else np.asarray(weights, dtype=np.float64).tolist()
    case["per_sample"] = None if per_sample is None else per_sample.tolist()
    case["mean"] = float(mean)
    if sum_ is not None:
        case["sum"] = float(sum_)
    case["value"] = float(mean if value is None else value)
    cases.append(case)


def check32(ref32, ref64, what):
    np.testing.assert_allclose(np.asarray(tolist(ref32)), np.asarray(tolist(ref64)), rtol=5e-7, atol=0, err_msg=what)


def f32(a):
    return np.asarray(a, dtype=np.float32)


rng = np.random.default_rng(20240611)

# ------------------------------------------------------------------------------------------ ce
L42 = [[2, 1, 0.1], [0.5, 2.5, 0.3], [1, 1, 1], [0, 0, 3]]
Y42 = [0, 1, 2, -100]
x, y = T(L42), L(Y42)
add("ce_semantics_4_2", "ce", "torch.nn.functional.cross_entropy(x, y)", {"logits": L42, "target": Y42},
    F.cross_entropy(x, y, reduction="none"), F.cross_entropy(x, y), F.cross_entropy(x, y, reduction="sum"))
w = T([1, 2, 3])
add("ce_weight", "ce:weight=1;2;3", "torch.nn.functional.cross_entropy(x, y, weight=[1,2,3])",
    {"logits": L42, "target": Y42}, F.cross_entropy(x, y, weight=w, reduction="none"), F.cross_entropy(x, y, weight=w),
    F.cross_entropy(x, y, weight=w, reduction="sum"))
add("ce_smooth", "ce:label_smoothing=0.1", "torch.nn.functional.cross_entropy(x, y, label_smoothing=0.1)",
    {"logits": L42, "target": Y42}, F.cross_entropy(x, y, label_smoothing=0.1, reduction="none"),
    F.cross_entropy(x, y, label_smoothing=0.1), F.cross_entropy(x, y, label_smoothing=0.1, reduction="sum"))

xw = rng.normal(size=(9, 3)) * 2
yw = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0])
kw = dict(weight=T([1, 2, 0.5]), ignore_index=1, label_smoothing=0.1)
add("ce_weight_ignore_smooth", "ce:weight=1;2;0.5,ignore_index=1,label_smoothing=0.1",
    "torch.nn.functional.cross_entropy(x, y, weight=[1,2,0.5], ignore_index=1, label_smoothing=0.1)",
    {"logits": xw, "target": yw}, F.cross_entropy(T(xw), L(yw), reduction="none", **kw),
    F.cross_entropy(T(xw), L(yw), **kw), F.cross_entropy(T(xw), L(yw), reduction="sum", **kw))

yi = np.array([0, -100, 2, 1, -100, 2, 0, 1, 1])
kw = dict(weight=T([0.3, 1.7, 2.0]), label_smoothing=0.25)
add("ce_weight_default_ignore_smooth", "ce:weight=0.3;1.7;2,label_smoothing=0.25",
    "torch.nn.functional.cross_entropy(x, y, weight=[0.3,1.7,2], label_smoothing=0.25) (y holds -100)",
    {"logits": xw, "target": yi}, F.cross_entropy(T(xw), L(yi), reduction="none", **kw),
    F.cross_entropy(T(xw), L(yi), **kw), F.cross_entropy(T(xw), L(yi), reduction="sum", **kw))

P42 = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.2, 0.3, 0.5]]
add("ce_prob_targets_weight", "ce:weight=1;2;3", "torch.nn.functional.cross_entropy(x, p, weight=[1,2,3]) (mean / N)",
    {"logits": L42, "target": P42}, F.cross_entropy(x, T(P42), weight=w, reduction="none"),
    F.cross_entropy(x, T(P42), weight=w), F.cross_entropy(x, T(P42), weight=w, reduction="sum"))
ps = rng.dirichlet(np.ones(5), size=6)
xs = rng.normal(size=(6, 5)) * 3
kw = dict(label_smoothing=0.2, weight=T([1, 0.5, 2, 1, 3]))
add("ce_prob_targets_smooth_weight", "ce:label_smoothing=0.2,weight=1;0.5;2;1;3",
    "torch.nn.functional.cross_entropy(x, p, label_smoothing=0.2, weight=[1,0.5,2,1,3])",
    {"logits": xs, "target": ps}, F.cross_entropy(T(xs), T(ps), reduction="none", **kw),
    F.cross_entropy(T(xs), T(ps), **kw), F.cross_entropy(T(xs), T(ps), reduction="sum", **kw))

xe = np.array([[1e4, 0, -1e4], [1e4, 0, -1e4], [1e4, 0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 0], [0, 0, 1e4]])
ye = np.array([0, 1, 2, 1, 0, 2])
add("ce_extreme_logits", "ce", "torch.nn.functional.cross_entropy(x, y) on logits +-1e4",
    {"logits": xe, "target": ye}, F.cross_entropy(T(xe), L(ye), reduction="none"), F.cross_entropy(T(xe), L(ye)),
    F.cross_entropy(T(xe), L(ye), reduction="sum"))
add("ce_extreme_logits_smooth", "ce:label_smoothing=0.05", "torch.nn.functional.cross_entropy(x, y, label_smoothing=0.05) on logits +-1e4",
    {"logits": xe, "target": ye}, F.cross_entropy(T(xe), L(ye), reduction="none", label_smoothing=0.05),
    F.cross_entropy(T(xe), L(ye), label_smoothing=0.05), F.cross_entropy(T(xe), L(ye), reduction="sum", label_smoothing=0.05))

x32 = f32(rng.normal(size=(16, 6)) * 2)
y32 = rng.integers(0, 6, size=16)
r32 = F.cross_entropy(torch.from_numpy(x32), L(y32), reduction="none")
check32(r32, F.cross_entropy(T(x32), L(y32), reduction="none"), "ce float32")
add("ce_float32", "ce", "torch.nn.functional.cross_entropy on float32 tensors", {"logits": x32, "target": y32},
    r32, F.cross_entropy(torch.from_numpy(x32), L(y32)), F.cross_entropy(torch.from_numpy(x32), L(y32), reduction="sum"),
    dtype="float32")

xb = (np.round(rng.normal(size=(24, 10000)) * 16) / 4).astype(np.float32)  # multiples of 1/4: a compact npz
yb = rng.integers(0, 10000, size=24)
yb[[5, 17]] = -100
rb = F.cross_entropy(torch.from_numpy(xb), L(yb), reduction="none", label_smoothing=0.1)
check32(rb, F.cross_entropy(T(xb), L(yb), reduction="none", label_smoothing=0.1), "ce C=10000")
add("ce_c10000_float32", "ce:label_smoothing=0.1", "torch.nn.functional.cross_entropy(x, y, label_smoothing=0.1), C=10000, float32",
    {"logits": xb, "target": yb}, rb, F.cross_entropy(torch.from_numpy(xb), L(yb), label_smoothing=0.1),
    F.cross_entropy(torch.from_numpy(xb), L(yb), reduction="sum", label_smoothing=0.1), dtype="float32", big=True)

pp = rng.dirichlet(np.ones(4), size=7)
pp[0] = [0.0, 1.0, 0.0, 0.0]
yp = np.array([1, 0, 3, 2, 2, 1, 0])
lp = torch.log(T(pp))
add("ce_input_probs", "ce:input=probs", "torch.nn.functional.nll_loss(torch.log(p), y)", {"logits": pp, "target": yp},
    F.nll_loss(lp, L(yp), reduction="none"), F.nll_loss(lp, L(yp)), F.nll_loss(lp, L(yp), reduction="sum"))
lq = torch.log_softmax(T(xs), dim=1)
ys = np.array([4, 0, 1, 2, 3, 3])
add("ce_input_log_probs_smooth", "ce:input=log_probs,label_smoothing=0.3",
    "torch.nn.functional.cross_entropy(x, y, label_smoothing=0.3) with x = log_softmax(logits)",
    {"logits": lq.numpy(), "target": ys}, F.cross_entropy(lq, L(ys), reduction="none", label_smoothing=0.3),
    F.cross_entropy(lq, L(ys), label_smoothing=0.3), F.cross_entropy(lq, L(ys), reduction="sum", label_smoothing=0.3))

# sample weights (-w): value = sum(w l) / sum(w m), m = class weight of the label (0 if ignored)
sw = rng.uniform(0.2, 3.0, size=9)
kw = dict(weight=T([1, 2, 0.5]), ignore_index=1)
per = F.cross_entropy(T(xw), L(yw), reduction="none", **kw).numpy()
m = np.where(yw == 1, 0.0, np.array([1, 2, 0.5])[yw])
add("ce_sample_weights", "ce:weight=1;2;0.5,ignore_index=1",
    "sum(w * F.cross_entropy(x, y, weight=[1,2,0.5], ignore_index=1, reduction='none')) / sum(w * weight[y] * (y != 1))",
    {"logits": xw, "target": yw}, per, float(np.sum(sw * per) / np.sum(sw * m)), weights=sw)

# ------------------------------------------------------------------------------------------ nll
lpn = torch.log_softmax(T(rng.normal(size=(8, 4)) * 2), dim=1)
yn = np.array([0, 3, -100, 1, 2, 2, 3, 0])
kw = dict(weight=T([0.5, 1, 2, 4]))
add("nll_weight_ignore", "nll:weight=0.5;1;2;4", "torch.nn.functional.nll_loss(x, y, weight=[0.5,1,2,4])",
    {"log_probs": lpn.numpy(), "labels": yn}, F.nll_loss(lpn, L(yn), reduction="none", **kw), F.nll_loss(lpn, L(yn), **kw),
    F.nll_loss(lpn, L(yn), reduction="sum", **kw))
ln32 = f32(lpn.numpy())
yn32 = np.array([0, 3, 1, 1, 2, 2, 3, 0])
r = F.nll_loss(torch.from_numpy(ln32), L(yn32), reduction="none", ignore_index=3)
add("nll_float32_ignore3", "nll:ignore_index=3", "torch.nn.functional.nll_loss(x, y, ignore_index=3) on float32",
    {"log_probs": ln32, "labels": yn32}, r, F.nll_loss(torch.from_numpy(ln32), L(yn32), ignore_index=3),
    F.nll_loss(torch.from_numpy(ln32), L(yn32), ignore_index=3, reduction="sum"), dtype="float32")

# ------------------------------------------------------------------------------------------ bce
pb = [0.9, 0.2, 0.6, 0.0, 1.0, 1.0, 0.0, 1e-300, 0.5]
yb_ = [1, 0, 1, 1, 1, 0, 0, 1, 0.3]
a, b = T(pb), T(yb_)
add("bce_p_0_1", "bce", "torch.nn.functional.binary_cross_entropy (log clamped at -100)", {"probs": pb, "target": yb_},
    F.binary_cross_entropy(a, b, reduction="none"), F.binary_cross_entropy(a, b), F.binary_cross_entropy(a, b, reduction="sum"))
pm = rng.uniform(0, 1, size=(5, 3))
pm[0, 0], pm[1, 2] = 0.0, 1.0
ym = rng.integers(0, 2, size=(5, 3)).astype(float)
ym[0, 0], ym[1, 2] = 1.0, 0.0
wb = T([1.0, 2.0, 0.5])
add("bce_matrix_weight", "bce:weight=1;2;0.5", "torch.nn.functional.binary_cross_entropy(p, y, weight=[1,2,0.5]) (mean over elements)",
    {"probs": pm, "target": ym}, F.binary_cross_entropy(T(pm), T(ym), weight=wb, reduction="none").mean(dim=1),
    F.binary_cross_entropy(T(pm), T(ym), weight=wb), F.binary_cross_entropy(T(pm), T(ym), weight=wb, reduction="sum") / 3)
p32 = f32(rng.uniform(0.05, 0.95, size=10))
y32b = rng.integers(0, 2, size=10).astype(np.float32)
r = F.binary_cross_entropy(torch.from_numpy(p32), torch.from_numpy(y32b), reduction="none")
check32(r, F.binary_cross_entropy(T(p32), T(y32b), reduction="none"), "bce f32")
add("bce_float32", "bce", "torch.nn.functional.binary_cross_entropy on float32", {"probs": p32, "target": y32b}, r,
    r.mean(), r.sum(), dtype="float32")

# ------------------------------------------------------------------------------------------ bce_logits
z = [2, -1, 0, 30, -30, 1e4, -1e4, 1e4, -1e4]
yz = [1, 0, 1, 0, 1, 1, 0, 0, 1]
a, b = T(z), T(yz)
add("bce_logits_extreme", "bce_logits", "torch.nn.functional.binary_cross_entropy_with_logits (logits up to +-1e4)",
    {"logits": z, "target": yz}, F.binary_cross_entropy_with_logits(a, b, reduction="none"),
    F.binary_cross_entropy_with_logits(a, b), F.binary_cross_entropy_with_logits(a, b, reduction="sum"))
pw = torch.tensor(3.0)
add("bce_logits_pos_weight", "bce_logits:pos_weight=3", "torch.nn.functional.binary_cross_entropy_with_logits(pos_weight=3)",
    {"logits": z, "target": yz}, F.binary_cross_entropy_with_logits(a, b, pos_weight=pw, reduction="none"),
    F.binary_cross_entropy_with_logits(a, b, pos_weight=pw), F.binary_cross_entropy_with_logits(a, b, pos_weight=pw, reduction="sum"))
xl = rng.normal(size=(6, 3)) * 3
yl = rng.uniform(0, 1, size=(6, 3))
yl[:3] = np.round(yl[:3])
kw = dict(pos_weight=T([1.0, 2.0, 3.0]), weight=T([0.5, 1.0, 2.0]))
add("bce_logits_class_pos_weight_weight", "bce_logits:pos_weight=1;2;3,weight=0.5;1;2",
    "torch.nn.functional.binary_cross_entropy_with_logits(x, y, pos_weight=[1,2,3], weight=[0.5,1,2]) (soft targets)",
    {"logits": xl, "target": yl}, F.binary_cross_entropy_with_logits(T(xl), T(yl), reduction="none", **kw).mean(dim=1),
    F.binary_cross_entropy_with_logits(T(xl), T(yl), **kw), F.binary_cross_entropy_with_logits(T(xl), T(yl), reduction="sum", **kw) / 3)
x32l = f32(rng.normal(size=12) * 3)
y32l = rng.integers(0, 2, size=12).astype(np.float32)
x32l = np.where(y32l == 0, np.abs(x32l), x32l)  # torch's float32 (1 - y) x - log_sigmoid(x) cancels for y = 0, x << 0
r = F.binary_cross_entropy_with_logits(torch.from_numpy(x32l), torch.from_numpy(y32l), reduction="none")
check32(r, F.binary_cross_entropy_with_logits(T(x32l), T(y32l), reduction="none"), "bce_logits f32")
add("bce_logits_float32", "bce_logits", "torch.nn.functional.binary_cross_entropy_with_logits on float32",
    {"logits": x32l, "target": y32l}, r, r.mean(), r.sum(), dtype="float32")


# ------------------------------------------------------------------------------------------ scikit-learn per-sample helper
def sk_per_sample(metric, y, p, **kw):
    n = len(y)
    return np.array([metric(y, p, sample_weight=np.eye(n)[i], **kw) for i in range(n)])


# ------------------------------------------------------------------------------------------ log_loss
y3, p3 = np.array([1, 0, 1]), np.array([0.9, 0.2, 0.6])
add("log_loss_binary", "log_loss", "sklearn.metrics.log_loss(y, p)", {"probs": p3, "labels": y3},
    sk_per_sample(skm.log_loss, y3, p3), skm.log_loss(y3, p3), skm.log_loss(y3, p3, normalize=False))
y01, p01 = np.array([1, 0, 1, 0, 1, 0]), np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.25])
add("log_loss_p_0_1", "log_loss", "sklearn.metrics.log_loss(y, p) with p in {0, 1} (clipped to float64 eps)",
    {"probs": p01, "labels": y01}, sk_per_sample(skm.log_loss, y01, p01), skm.log_loss(y01, p01), skm.log_loss(y01, p01, normalize=False))
p01f = f32(p01)
r = sk_per_sample(skm.log_loss, y01, p01f)
eps32 = float(np.finfo(np.float32).eps)
q = np.where(y01 == 1, p01f.astype(np.float64), 1.0 - p01f.astype(np.float64))
check32(r, -np.log(np.clip(q, eps32, 1 - eps32)), "log_loss f32")
add("log_loss_float32_p_0_1", "log_loss", "sklearn.metrics.log_loss(y, p) on float32 p (clipped to float32 eps)",
    {"probs": p01f, "labels": y01}, r, skm.log_loss(y01, p01f), skm.log_loss(y01, p01f, normalize=False), dtype="float32")
pc = rng.dirichlet(np.ones(4), size=8)
pc[0] = [0, 0, 1, 0]
yc = np.array([2, 0, 1, 3, 3, 2, 1, 0])
add("log_loss_multiclass", "log_loss", "sklearn.metrics.log_loss(y, p, labels=[0,1,2,3])", {"probs": pc, "labels": yc},
    sk_per_sample(skm.log_loss, yc, pc, labels=[0, 1, 2, 3]), skm.log_loss(yc, pc, labels=[0, 1, 2, 3]),
    skm.log_loss(yc, pc, labels=[0, 1, 2, 3], normalize=False))
swl = rng.uniform(0.1, 2.0, size=8)
add("log_loss_sample_weights", "log_loss", "sklearn.metrics.log_loss(y, p, sample_weight=w, labels=[0,1,2,3])",
    {"probs": pc, "labels": yc}, sk_per_sample(skm.log_loss, yc, pc, labels=[0, 1, 2, 3]),
    skm.log_loss(yc, pc, labels=[0, 1, 2, 3], sample_weight=swl), weights=swl)

# ------------------------------------------------------------------------------------------ kl_div
inp = torch.log(T([[0.25, 0.25, 0.5], [0.1, 0.2, 0.7]]))
tgt = T([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6]])
add("kl_div_semantics_4_4", "kl_div", 'torch.nn.functional.kl_div(x, t, reduction="batchmean")', {"pred": inp.numpy(), "target": tgt.numpy()},
    F.kl_div(inp, tgt, reduction="none").sum(dim=1), F.kl_div(inp, tgt, reduction="batchmean"), F.kl_div(inp, tgt, reduction="sum"))
lt = torch.log(T(rng.dirichlet(np.ones(5), size=4)))
li = torch.log_softmax(T(rng.normal(size=(4, 5))), dim=1)
add("kl_div_log_target", "kl_div:log_target=true", 'torch.nn.functional.kl_div(x, t, reduction="batchmean", log_target=True)',
    {"pred": li.numpy(), "target": lt.numpy()}, F.kl_div(li, lt, reduction="none", log_target=True).sum(dim=1),
    F.kl_div(li, lt, reduction="batchmean", log_target=True), F.kl_div(li, lt, reduction="sum", log_target=True))
pq = rng.dirichlet(np.ones(5), size=4)
tq = rng.dirichlet(np.ones(5), size=4)
tq[0, 1] = 0.0
add("kl_div_input_probs", "kl_div:input=probs", 'torch.nn.functional.kl_div(torch.log(q), t, reduction="batchmean")',
    {"pred": pq, "target": tq}, F.kl_div(torch.log(T(pq)), T(tq), reduction="none").sum(dim=1),
    F.kl_div(torch.log(T(pq)), T(tq), reduction="batchmean"), F.kl_div(torch.log(T(pq)), T(tq), reduction="sum"))

# ------------------------------------------------------------------------------------------ focal
zf, yf = T([2.0, -1.0, 0.0]), T([1.0, 0.0, 1.0])
r = sigmoid_focal_loss(zf, yf)
add("focal_semantics_4_5", "focal", "torchvision.ops.sigmoid_focal_loss(x, y)", {"logits": zf.numpy(), "target": yf.numpy()},
    r, r.mean(), r.sum())
r = sigmoid_focal_loss(zf, yf, alpha=-1)
add("focal_alpha_none", "focal:alpha=none", "torchvision.ops.sigmoid_focal_loss(x, y, alpha=-1)", {"logits": zf.numpy(), "target": yf.numpy()},
    r, r.mean(), r.sum())
zx = np.array([1e4, -1e4, 1e4, -1e4, 3.5, -2.5, 0.3, -0.7])
yx = np.array([1.0, 1.0, 0.0, 0.0, 0.2, 0.9, 1.0, 0.0])
r = sigmoid_focal_loss(T(zx), T(yx), alpha=0.6, gamma=1.5)
add("focal_extreme_soft_alpha_gamma", "focal:alpha=0.6,gamma=1.5", "torchvision.ops.sigmoid_focal_loss(x, y, alpha=0.6, gamma=1.5)",
    {"logits": zx, "target": yx}, r, r.mean(), r.sum())
xfc = rng.normal(size=(7, 5)) * 2
yfc = np.array([0, 4, 2, 2, 1, 3, 0])
oh = F.one_hot(L(yfc), 5).to(torch.float64)
r = sigmoid_focal_loss(T(xfc), oh, reduction="none").mean(dim=1)
add("focal_multiclass_labels_onehot", "focal", "torchvision.ops.sigmoid_focal_loss(x, one_hot(y)) (mean over classes)",
    {"logits": xfc, "target": yfc}, r, sigmoid_focal_loss(T(xfc), oh, reduction="mean"), sigmoid_focal_loss(T(xfc), oh, reduction="sum") / 5)
x32f = f32(rng.normal(size=12) * 2)
y32f = rng.integers(0, 2, size=12).astype(np.float32)
x32f = np.where(y32f == 0, np.abs(x32f), x32f)  # as bce_logits_float32: avoid torch's float32 cancellation
r = sigmoid_focal_loss(torch.from_numpy(x32f), torch.from_numpy(y32f), gamma=0.0)
check32(r, sigmoid_focal_loss(T(x32f), T(y32f), gamma=0.0), "focal f32")
add("focal_float32_gamma0", "focal:gamma=0", "torchvision.ops.sigmoid_focal_loss(x, y, gamma=0) on float32",
    {"logits": x32f, "target": y32f}, r, r.mean(), r.sum(), dtype="float32")


# ------------------------------------------------------------------------------------------ softmax_focal
def softmax_focal_ref(x, y, alpha=0.25, gamma=2.0):
    logp = torch.log_softmax(x, dim=1).gather(1, y[:, None])[:, 0]
    loss = -((-torch.expm1(logp)) ** gamma) * logp
    return loss * alpha if alpha >= 0 else loss


xsf = T(rng.normal(size=(8, 4)) * 2)
ysf = L([0, 1, 2, 3, 3, 2, 1, 0])
r = softmax_focal_ref(xsf, ysf)
add("softmax_focal_default", "softmax_focal",
    "-alpha (1 - p_y)**gamma log p_y with torch.log_softmax (Lin et al. 2017; Keras categorical_focal_crossentropy without its clip)",
    {"logits": xsf.numpy(), "labels": ysf.numpy()}, r, r.mean(), r.sum())
r = softmax_focal_ref(xsf, ysf, alpha=-1, gamma=0.0)
assert torch.allclose(r, F.cross_entropy(xsf, ysf, reduction="none"), rtol=1e-15, atol=0)
add("softmax_focal_gamma0_is_ce", "softmax_focal:alpha=-1,gamma=0", "torch.nn.functional.cross_entropy (softmax focal with gamma=0, no alpha)",
    {"logits": xsf.numpy(), "labels": ysf.numpy()}, r, r.mean(), r.sum())
xse = T([[1e4, 0, -1e4], [-1e4, 0, 1e4], [3.0, 2.0, 1.0]])
yse = L([0, 0, 2])
r = softmax_focal_ref(xse, yse, alpha=0.5, gamma=3.0)
add("softmax_focal_extreme", "softmax_focal:alpha=0.5,gamma=3", "-alpha (1 - p_y)**gamma log p_y with torch.log_softmax, logits +-1e4",
    {"logits": xse.numpy(), "labels": yse.numpy()}, r, r.mean(), r.sum())

# ------------------------------------------------------------------------------------------ hinge family
yh, fh = np.array([1, -1, 1]), np.array([0.5, -2.0, -0.3])
add("hinge_semantics_4_5", "hinge", "sklearn.metrics.hinge_loss(y, f)", {"scores": fh, "labels": yh},
    sk_per_sample(skm.hinge_loss, yh, fh), skm.hinge_loss(yh, fh))
yh01 = np.array([1, 0, 1, 0, 0, 1])
fh01 = np.array([0.5, -2.0, -0.3, 0.4, 1.5, 3.0])
add("hinge_01_labels", "hinge", "sklearn.metrics.hinge_loss(y, f) with 0/1 labels (0 encoded as -1)", {"scores": fh01, "labels": yh01},
    sk_per_sample(skm.hinge_loss, yh01, fh01), skm.hinge_loss(yh01, fh01))
swh = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 3.0])
add("hinge_sample_weights", "hinge", "sklearn.metrics.hinge_loss(y, f, sample_weight=w)", {"scores": fh01, "labels": yh01},
    sk_per_sample(skm.hinge_loss, yh01, fh01), skm.hinge_loss(yh01, fh01, sample_weight=swh), weights=swh)
r = torch.clamp(1 - T(np.where(yh01 == 1, 1.0, -1.0)) * T(fh01), min=0) ** 2
add("squared_hinge_01_labels", "squared_hinge",
    "keras.losses.squared_hinge formula mean(max(1 - y f, 0)**2) with 0/1 labels mapped to -1/+1 (Keras not installed: computed with torch)",
    {"scores": fh01, "labels": yh01}, r, r.mean(), r.sum())
xm = T([[0.1, 0.2, 0.4, 0.8]])
add("multi_margin_semantics_4_5", "multi_margin", "torch.nn.functional.multi_margin_loss(x, y)", {"scores": xm.numpy(), "labels": [3]},
    F.multi_margin_loss(xm, L([3]), reduction="none"), F.multi_margin_loss(xm, L([3])), F.multi_margin_loss(xm, L([3]), reduction="sum"))
xmm = T(rng.normal(size=(8, 5)))
ymm = L(rng.integers(0, 5, size=8))
kw = dict(p=2, margin=0.7, weight=T([1, 2, 0.5, 1.5, 3]))
add("multi_margin_p2_margin_weight", "multi_margin:p=2,margin=0.7,weight=1;2;0.5;1.5;3",
    "torch.nn.functional.multi_margin_loss(x, y, p=2, margin=0.7, weight=[1,2,0.5,1.5,3])",
    {"scores": xmm.numpy(), "labels": ymm.numpy()}, F.multi_margin_loss(xmm, ymm, reduction="none", **kw),
    F.multi_margin_loss(xmm, ymm, **kw), F.multi_margin_loss(xmm, ymm, reduction="sum", **kw))
ycs = np.array([0, 1, 2, 3, 4, 4, 2, 0])
xcs = xmm.numpy() * 2
add("crammer_singer", "crammer_singer", "sklearn.metrics.hinge_loss(y, scores, labels=[0..4]) (multiclass)",
    {"scores": xcs, "labels": ycs}, sk_per_sample(skm.hinge_loss, ycs, xcs, labels=[0, 1, 2, 3, 4]),
    skm.hinge_loss(ycs, xcs, labels=[0, 1, 2, 3, 4]))
swc = rng.uniform(0.1, 2.0, size=8)
add("crammer_singer_sample_weights", "crammer_singer", "sklearn.metrics.hinge_loss(y, scores, labels=[0..4], sample_weight=w)",
    {"scores": xcs, "labels": ycs}, sk_per_sample(skm.hinge_loss, ycs, xcs, labels=[0, 1, 2, 3, 4]),
    skm.hinge_loss(ycs, xcs, labels=[0, 1, 2, 3, 4], sample_weight=swc), weights=swc)
xsm, ysm = T([2.0, -1.0, 30.0, -30.0, -700.0, 0.0]), T([1.0, 1.0, -1.0, -1.0, 1.0, -1.0])
add("soft_margin", "soft_margin", "torch.nn.functional.soft_margin_loss(x, y)", {"scores": xsm.numpy(), "labels": ysm.numpy().astype(int)},
    F.soft_margin_loss(xsm, ysm, reduction="none"), F.soft_margin_loss(xsm, ysm), F.soft_margin_loss(xsm, ysm, reduction="sum"))
xms, yms = T([[0.0, 2.0, -1.0]]), T([[1.0, 0.0, 1.0]])
add("multilabel_soft_margin_semantics_4_5", "multilabel_soft_margin", "torch.nn.functional.multilabel_soft_margin_loss(x, y)",
    {"logits": xms.numpy(), "target": yms.numpy()}, F.multilabel_soft_margin_loss(xms, yms, reduction="none"),
    F.multilabel_soft_margin_loss(xms, yms), F.multilabel_soft_margin_loss(xms, yms, reduction="sum"))
xme = T(np.vstack([rng.normal(size=(4, 4)) * 3, [[1e4, -1e4, -1000.0, 1000.0]]]))
yme = T(np.vstack([rng.integers(0, 2, size=(4, 4)), [[0, 1, 1, 0]]]).astype(float))
kw = dict(weight=T([1.0, 0.5, 2.0, 1.5]))
add("multilabel_soft_margin_weight_extreme", "multilabel_soft_margin:weight=1;0.5;2;1.5",
    "torch.nn.functional.multilabel_soft_margin_loss(x, y, weight=[1,0.5,2,1.5]) (logits up to +-1e4)",
    {"logits": xme.numpy(), "target": yme.numpy()}, F.multilabel_soft_margin_loss(xme, yme, reduction="none", **kw),
    F.multilabel_soft_margin_loss(xme, yme, **kw), F.multilabel_soft_margin_loss(xme, yme, reduction="sum", **kw))

# ------------------------------------------------------------------------------------------ brier
add("brier_binary", "brier", "sklearn.metrics.brier_score_loss(y, p)", {"probs": p3, "labels": y3},
    sk_per_sample(skm.brier_score_loss, y3, p3), skm.brier_score_loss(y3, p3))
p01b = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 1e-10])
y01b = np.array([1, 0, 1, 0, 1, 0])
add("brier_binary_p_0_1", "brier", "sklearn.metrics.brier_score_loss(y, p) with p in {0, 1}", {"probs": p01b, "labels": y01b},
    sk_per_sample(skm.brier_score_loss, y01b, p01b), skm.brier_score_loss(y01b, p01b))
yb3, pb3 = np.array([0, 2, 1]), np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
add("brier_multiclass_semantics_4_3", "brier", "sklearn.metrics.brier_score_loss(y, p, labels=[0,1,2])", {"probs": pb3, "labels": yb3},
    sk_per_sample(skm.brier_score_loss, yb3, pb3, labels=[0, 1, 2]), skm.brier_score_loss(yb3, pb3, labels=[0, 1, 2]))
pb2 = rng.dirichlet(np.ones(2), size=5)
yb2 = np.array([0, 1, 1, 0, 1])
add("brier_two_columns_halved", "brier", "sklearn.metrics.brier_score_loss(y, p (N, 2), labels=[0,1]) (halved: C < 3)",
    {"probs": pb2, "labels": yb2}, sk_per_sample(skm.brier_score_loss, yb2, pb2, labels=[0, 1]),
    skm.brier_score_loss(yb2, pb2, labels=[0, 1]))
xbl = rng.normal(size=(6, 4)) * 1.5
ybl = np.array([0, 1, 2, 3, 1, 2])
pbl = torch.softmax(T(xbl), dim=1).numpy()
add("brier_input_logits_softmax", "brier:input=logits", "sklearn.metrics.brier_score_loss(y, torch.softmax(x), labels=[0..3])",
    {"probs": xbl, "labels": ybl}, sk_per_sample(skm.brier_score_loss, ybl, pbl, labels=[0, 1, 2, 3]),
    skm.brier_score_loss(ybl, pbl, labels=[0, 1, 2, 3]))
xb1 = np.array([2.0, -1.0, 0.0, 0.5, -3.0])
yb1 = np.array([1, 0, 1, 0, 0])
pb1 = torch.sigmoid(T(xb1)).numpy()
swb = np.array([0.5, 1.0, 2.0, 1.0, 0.25])
add("brier_input_logits_sigmoid_sample_weights", "brier:input=logits", "sklearn.metrics.brier_score_loss(y, torch.sigmoid(x), sample_weight=w)",
    {"probs": xb1, "labels": yb1}, sk_per_sample(skm.brier_score_loss, yb1, pb1), skm.brier_score_loss(yb1, pb1, sample_weight=swb),
    weights=swb)

# ------------------------------------------------------------------------------------------ write
doc = {
    "generated_by": f"tests/golden/{NAME}.py",
    "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "scikit-learn": sklearn.__version__,
                 "numpy": np.__version__},
    "cases": cases,
}
(HERE / f"{NAME}.json").write_text(json.dumps(doc, indent=1) + "\n")
np.savez_compressed(HERE / f"{NAME}.npz", **npz)
print(f"{len(cases)} cases -> {HERE / (NAME + '.json')}, {len(npz)} arrays -> {NAME}.npz")
