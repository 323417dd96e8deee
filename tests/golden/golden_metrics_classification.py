"""Golden values of the classification metrics, computed by scikit-learn.

Run once in a scratch environment with scikit-learn (never at test time):

    python tests/golden/golden_metrics_classification.py

It writes golden_metrics_classification.json next to itself; tests/test_golden.py drives every
case through the CLI. The predicted classes scikit-learn is given are what losscli documents:
``argmax`` of (N, C) scores (the first maximum), ``p > 0.5`` of (N,) probabilities, ``x > 0`` of
(N,) logits, (N,) integer predictions as they are. Per-sample metrics (accuracy, zero_one,
top_k_accuracy) have per-sample values: the metric called on each row alone. Statistic metrics
(precision, recall, f1, fbeta, balanced_accuracy, mcc, cohen_kappa, confusion) have none:
``per_sample``, ``mean`` and ``sum`` are null and ``value`` is scikit-learn's result;
``confusion``'s value is null and ``details`` holds scikit-learn's matrix over the sorted union of
the labels (``np.union1d``: scikit-learn's ``labels=None``).
"""

from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import sklearn
import sklearn.metrics as skm

HERE = pathlib.Path(__file__).parent
NAME = "golden_metrics_classification"
warnings.filterwarnings("ignore")  # UndefinedMetricWarning (zero_division), k >= C: the cases mean them

cases: list[dict] = []
rng = np.random.default_rng(20261206)


def enc(a):
    a = np.asarray(a)
    return (a.astype(np.int64) if a.dtype.kind in "iub" else a.astype(np.float64)).tolist()


def add(id, spec, reference, inputs, value, *, per_sample=None, weights=None, details=None):
    case = {"id": id, "spec": spec, "reference": reference, "dtype": "float64",
            "inputs": {r: enc(a) for r, a in inputs.items()},
            "weights": None if weights is None else np.asarray(weights, dtype=np.float64).tolist()}
    if per_sample is None:
        case.update(per_sample=None, mean=None, sum=None)
    else:
        ps = np.asarray(per_sample, dtype=np.float64)
        case.update(per_sample=ps.tolist(), mean=float(ps.mean()), sum=float(ps.sum()))
    case["value"] = None if value is None else float(value)
    if details is not None:
        case["details"] = details
    cases.append(case)


def per_row(fn, y, p, **kw):
    return [fn(y[i : i + 1], p[i : i + 1], **kw) for i in range(len(y))]


def sample_weight(weights):
    return {} if weights is None else {"sample_weight": np.asarray(weights, dtype=np.float64)}


def per_sample_cases(tag, pred, y, y_pred, spec_tail="", weights=None):
    """accuracy and zero_one on one data set."""
    sw = sample_weight(weights)
    ref = f"sklearn.metrics.%s(y, y_pred{', sample_weight=w' if weights is not None else ''}) ({tag})"
    tail = f":{spec_tail}" if spec_tail else ""
    add(f"accuracy_{tag}", "accuracy" + tail, ref % "accuracy_score", {"pred": pred, "target": y},
        skm.accuracy_score(y, y_pred, **sw), per_sample=per_row(skm.accuracy_score, y, y_pred), weights=weights)
    add(f"zero_one_{tag}", "zero_one" + tail, ref % "zero_one_loss", {"pred": pred, "target": y},
        skm.zero_one_loss(y, y_pred, **sw), per_sample=per_row(skm.zero_one_loss, y, y_pred), weights=weights)


def prf_cases(tag, pred, y, y_pred, averages, extra="", weights=None, zero_divisions=(0, 1), betas=(2.0,)):
    """precision, recall, f1, fbeta (each of ``betas``) for each average and zero_division."""
    sw = sample_weight(weights)
    fns = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}
    for average, spec_average in averages:
        for zd in zero_divisions:
            params = [p for p in (extra, f"average={spec_average}" if spec_average else "", f"zero_division={zd}" if zd else "") if p]
            tail = (":" + ",".join(params)) if params else ""
            for name, fn in fns.items():
                v = fn(y, y_pred, average=average, zero_division=zd, **sw)
                add(f"{name}_{tag}_{average}_zd{zd}", name + tail,
                    f"sklearn.metrics.{fn.__name__}(y, y_pred, average={average!r}, zero_division={zd}) ({tag})",
                    {"pred": pred, "target": y}, v, weights=weights)
            for beta in betas:
                btail = tail + ("," if tail else ":") + f"beta={beta:g}" if beta != 2.0 else tail
                v = skm.fbeta_score(y, y_pred, beta=beta, average=average, zero_division=zd, **sw)
                add(f"fbeta{beta:g}_{tag}_{average}_zd{zd}", "fbeta" + btail,
                    f"sklearn.metrics.fbeta_score(y, y_pred, beta={beta:g}, average={average!r}, zero_division={zd}) ({tag})",
                    {"pred": pred, "target": y}, v, weights=weights)


def other_cases(tag, pred, y, y_pred, extra="", weights=None, kappa=True):
    """balanced_accuracy (plain and adjusted), mcc, cohen_kappa (each weighting), confusion."""
    sw = sample_weight(weights)
    tail = f":{extra}" if extra else ""
    more = (lambda p: tail + "," + p) if extra else (lambda p: ":" + p)
    inputs = {"pred": pred, "target": y}
    add(f"balanced_accuracy_{tag}", "balanced_accuracy" + tail, f"sklearn.metrics.balanced_accuracy_score(y, y_pred) ({tag})",
        inputs, skm.balanced_accuracy_score(y, y_pred, **sw), weights=weights)
    if len(np.unique(y)) > 1:
        add(f"balanced_accuracy_adjusted_{tag}", "balanced_accuracy" + more("adjusted=true"),
            f"sklearn.metrics.balanced_accuracy_score(y, y_pred, adjusted=True) ({tag})",
            inputs, skm.balanced_accuracy_score(y, y_pred, adjusted=True, **sw), weights=weights)
    add(f"mcc_{tag}", "mcc" + tail, f"sklearn.metrics.matthews_corrcoef(y, y_pred) ({tag})",
        inputs, skm.matthews_corrcoef(y, y_pred, **sw), weights=weights)
    for kw in (None, "linear", "quadratic") if kappa else ():
        spec = "cohen_kappa" + (more(f"weights={kw}") if kw else tail)
        add(f"cohen_kappa_{kw or 'none'}_{tag}", spec, f"sklearn.metrics.cohen_kappa_score(y, y_pred, weights={kw!r}) ({tag})",
            inputs, skm.cohen_kappa_score(y, y_pred, weights=kw, **sw), weights=weights)
    labels = np.union1d(y, y_pred)
    m = skm.confusion_matrix(y, y_pred, **sw)
    add(f"confusion_{tag}", "confusion" + tail, f"sklearn.metrics.confusion_matrix(y, y_pred) ({tag})", inputs, None,
        weights=weights, details={"labels": labels.astype(int).tolist(), "matrix": m.tolist()})


ALL_AVERAGES = [("binary", None), ("macro", "macro"), ("micro", "micro"), ("weighted", "weighted")]
MULTI_AVERAGES = [("macro", None), ("micro", "micro"), ("weighted", "weighted")]  # (N, C) scores: macro by default
LABEL_AVERAGES = [("macro", "macro"), ("micro", "micro"), ("weighted", "weighted")]  # (N,) labels: binary by default

# --------------------------------------------------------------------- binary probabilities (N,)
n = 40
pb = np.round(rng.uniform(size=n), 3)
pb[:4] = [0.5, 0.5000001, 0.0, 1.0]  # p = 0.5 is class 0 (p > 0.5)
yb = (rng.uniform(size=n) < np.clip(pb + rng.normal(scale=0.3, size=n), 0, 1)).astype(int)
yb_pred = (pb > 0.5).astype(int)
per_sample_cases("binary_probs", pb, yb, yb_pred)
prf_cases("binary_probs", pb, yb, yb_pred, ALL_AVERAGES, zero_divisions=(0,))
other_cases("binary_probs", pb, yb, yb_pred)

# --------------------------------------------------------------------- binary logits (N,)
xl = np.round(rng.normal(scale=2, size=30), 2)
xl[:2] = [0.0, -0.0]  # logit 0 is class 0 (x > 0)
yl = (rng.uniform(size=30) < 1 / (1 + np.exp(-xl))).astype(int)
yl_pred = (xl > 0).astype(int)
per_sample_cases("binary_logits", xl, yl, yl_pred, "input=logits")
prf_cases("binary_logits", xl, yl, yl_pred, [("binary", None)], extra="input=logits", zero_divisions=(0,))
other_cases("binary_logits", xl, yl, yl_pred, extra="input=logits")

# --------------------------------------------------------------------- multiclass scores (N, C)
nm, c = 60, 4
sm = np.round(rng.normal(size=(nm, c)), 1)  # rounded: ties in some rows (argmax: the first maximum)
sm[0] = [0.3, 0.3, 0.3, 0.3]
sm[1] = [0.1, 0.7, 0.7, 0.2]
ym = rng.integers(0, c, size=nm)
ym_pred = sm.argmax(axis=1)
assert (sm == sm.max(axis=1, keepdims=True)).sum(axis=1).max() > 1, "no tie in the scores"
per_sample_cases("scores", sm, ym, ym_pred)
prf_cases("scores", sm, ym, ym_pred, MULTI_AVERAGES, zero_divisions=(0,), betas=(2.0, 0.5, 0.0))
other_cases("scores", sm, ym, ym_pred)
wm = np.round(rng.uniform(0, 3, size=nm), 2)
wm[:3] = 0.0
per_sample_cases("scores_weighted", sm, ym, ym_pred, weights=wm)
prf_cases("scores_weighted", sm, ym, ym_pred, MULTI_AVERAGES, weights=wm, zero_divisions=(0,))
other_cases("scores_weighted", sm, ym, ym_pred, weights=wm)

# softmax probabilities of 5 classes, one class (4) never predicted nor in the target, one (3)
# in the target but never predicted: precision 0/0 (zero_division), macro over the classes seen
sp = rng.dirichlet(np.ones(5), size=50)
sp[:, 3] *= 0.01
sp[:, 4] *= 0.01
sp /= sp.sum(axis=1, keepdims=True)
yp = rng.integers(0, 4, size=50)
yp_pred = sp.argmax(axis=1)
assert 3 in yp and 3 not in yp_pred and 4 not in yp and 4 not in yp_pred
prf_cases("never_predicted", sp, yp, yp_pred, MULTI_AVERAGES)
other_cases("never_predicted", sp, yp, yp_pred)

# a class predicted but never in the target: recall 0/0 (zero_division); balanced accuracy drops it
yq = np.where(ym == 3, 0, ym)
prf_cases("never_true", sm, yq, ym_pred, MULTI_AVERAGES)
other_cases("never_true", sm, yq, ym_pred)

# --------------------------------------------------------------------- predicted labels (N,)
yi = rng.integers(0, 3, size=45)
pi = np.where(rng.uniform(size=45) < 0.6, yi, rng.integers(0, 3, size=45))
per_sample_cases("labels", pi, yi, pi)
prf_cases("labels", pi, yi, pi, LABEL_AVERAGES, zero_divisions=(0,))
other_cases("labels", pi, yi, pi)
wi = np.round(rng.exponential(size=45), 3)
other_cases("labels_weighted", pi, yi, pi, weights=wi)
y2 = rng.integers(0, 2, size=20)
p2 = np.where(rng.uniform(size=20) < 0.7, y2, 1 - y2)
prf_cases("labels_binary", p2, y2, p2, ALL_AVERAGES, zero_divisions=(0,), betas=(2.0, 0.5))
w2 = np.round(rng.uniform(0, 2, size=20), 2)
prf_cases("labels_binary_weighted", p2, y2, p2, ALL_AVERAGES, weights=w2, zero_divisions=(0,))

# --------------------------------------------------------------------- one class present
po = np.array([0.1, 0.2, 0.4, 0.05, 0.3])  # every prediction 0, every target 0
yo = np.zeros(5, dtype=int)
yo_pred = (po > 0.5).astype(int)
per_sample_cases("one_class", po, yo, yo_pred)
prf_cases("one_class", po, yo, yo_pred, ALL_AVERAGES)
other_cases("one_class", po, yo, yo_pred, kappa=False)  # kappa: 0/0 (scikit-learn's nan; an error here)
ph = np.array([0.9, 0.7, 0.6, 0.2])  # every target 1, some predictions 0
yh = np.ones(4, dtype=int)
prf_cases("one_true_class", ph, yh, (ph > 0.5).astype(int), ALL_AVERAGES)
other_cases("one_true_class", ph, yh, (ph > 0.5).astype(int))

# --------------------------------------------------------------------- top-k accuracy
nk, ck = 30, 5
sk = np.round(rng.normal(size=(nk, ck)), 1)
sk[0] = [0.2, 0.2, 0.2, 0.2, 0.2]  # all tied: scikit-learn ranks the higher index first
sk[1] = [0.9, 0.5, 0.5, 0.5, 0.1]
sk[2] = [0.5, 0.5, 0.1, 0.0, 0.5]
yk = rng.integers(0, ck, size=nk)
yk[:3] = [0, 1, 1]
labels = list(range(ck))
for k in (1, 2, 3, 5, 7):
    spec = "top_k_accuracy" if k == 5 else f"top_k_accuracy:k={k}"
    add(f"top_k_accuracy_k{k}", spec, f"sklearn.metrics.top_k_accuracy_score(y, scores, k={k}, labels=range({ck}))",
        {"scores": sk, "target": yk}, skm.top_k_accuracy_score(yk, sk, k=k, labels=labels),
        per_sample=per_row(lambda a, b: skm.top_k_accuracy_score(a, b, k=k, labels=labels), yk, sk))
wk = np.round(rng.uniform(0, 2, size=nk), 2)
add("top_k_accuracy_k2_weighted", "top_k_accuracy:k=2",
    f"sklearn.metrics.top_k_accuracy_score(y, scores, k=2, labels=range({ck}), sample_weight=w)",
    {"scores": sk, "target": yk}, skm.top_k_accuracy_score(yk, sk, k=2, labels=labels, sample_weight=wk),
    per_sample=per_row(lambda a, b: skm.top_k_accuracy_score(a, b, k=2, labels=labels), yk, sk), weights=wk)
for k in (1, 2):
    add(f"top_k_accuracy_binary_k{k}", f"top_k_accuracy:k={k}", f"sklearn.metrics.top_k_accuracy_score(y, p, k={k}) (p in [0, 1])",
        {"scores": pb, "target": yb}, skm.top_k_accuracy_score(yb, pb, k=k),
        per_sample=[skm.top_k_accuracy_score(yb[i : i + 1], pb[i : i + 1], k=k, labels=[0, 1]) for i in range(n)])

# ------------------------------------------------------------------------------------------ write
doc = {
    "generated_by": f"tests/golden/{NAME}.py",
    "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
    "cases": cases,
}
(HERE / f"{NAME}.json").write_text(json.dumps(doc, indent=1) + "\n")
print(f"{len(cases)} cases -> {HERE / (NAME + '.json')}")
