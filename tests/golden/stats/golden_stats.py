"""Golden values for losscli.stats (Student t) and the analytic confidence intervals.

Run in a scratch environment with scipy and mpmath:  python tests/golden/stats/golden_stats.py
Writes tests/golden/stats/golden_stats.json next to this script. Kept in a subdirectory so that
tests/test_golden.py (which drives loss cases from tests/golden/*.json) does not read it.

- "t_ppf": scipy.stats.t.ppf(p, df) on a grid (p >= 0.55: scipy is accurate there).
- "t_ppf_mpmath": 40-digit mpmath roots of the t CDF near the median, where scipy is not.
- "intervals": data, the loss spec and flags, and the t-interval computed independently here
  with numpy + scipy.stats.t.interval (formulas in each case's "reference").
"""

import json
import pathlib

import mpmath as mp
import numpy as np
import scipy
from scipy import stats

OUT = pathlib.Path(__file__).with_name("golden_stats.json")
rng = np.random.default_rng(20240601)

P = [0.55, 0.6, 0.75, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.9995, 0.999995]
DF = [0.5, 1, 1.5, 2, 3, 4.7, 9, 10, 29.5, 30, 99, 100, 999.5, 5000, 99999, 1e5, 123456, 1e6, 1e9]
t_ppf = [[p, df, float(stats.t.ppf(p, df))] for p in P for df in DF]

mp.mp.dps = 40


def mp_ppf(p, df):
    p, df = mp.mpf(p), mp.mpf(df)
    f = lambda t: mp.betainc(mp.mpf(0.5), df / 2, 0, t * t / (df + t * t), regularized=True) / 2 - (p - mp.mpf(0.5))
    return float(mp.findroot(f, mp.mpf(1e-7)))


t_ppf_mpmath = [[p, df, mp_ppf(p, df)] for p in (0.5000001, 0.501) for df in (1, 3, 10, 1000)]


def t_interval(center, se, df, level):
    low, high = stats.t.interval(level, df, loc=center, scale=se)
    return [float(low), float(high)]


cases = []

# 1. mse, unweighted: mean ± t_{n-1} s/√n
x, y = rng.normal(size=50), rng.normal(size=50)
l = (x - y) ** 2
cases.append({
    "id": "mse_unweighted", "spec": "mse", "level": 0.95, "columns": {"pred": x.tolist(), "target": y.tolist()},
    "reference": "scipy.stats.t.interval(0.95, n-1, loc=mean(l), scale=std(l, ddof=1)/sqrt(n))",
    "ci": t_interval(l.mean(), l.std(ddof=1) / np.sqrt(len(l)), len(l) - 1, 0.95),
})
# 2. mae, weighted: weighted mean ± t_{n_eff-1} sd_w/√n_eff, sd_w² = Σw(l-μ)²/Σw · n/(n-1), n_eff = (Σw)²/Σw²
x, y, w = rng.normal(size=40), rng.normal(size=40), rng.uniform(0.2, 3.0, size=40)
l = np.abs(x - y)
mu = np.sum(w * l) / np.sum(w)
n = len(l)
var = np.sum(w * (l - mu) ** 2) / np.sum(w) * n / (n - 1)
n_eff = np.sum(w) ** 2 / np.sum(w * w)
cases.append({
    "id": "mae_weighted", "spec": "mae", "level": 0.9, "columns": {"pred": x.tolist(), "target": y.tolist(), "w": w.tolist()},
    "flags": ["-w", "w"],
    "reference": "scipy.stats.t.interval(0.9, n_eff-1, loc=Σwl/Σw, scale=sqrt(Σw(l-μ)²/Σw·n/(n-1)/n_eff)), n_eff=(Σw)²/Σw²",
    "ci": t_interval(mu, np.sqrt(var / n_eff), n_eff - 1, 0.9),
})
# 3. mse with --reduction sum: Σl ± t_{n-1} · n · s/√n
x, y = rng.normal(size=30), rng.normal(size=30)
l = (x - y) ** 2
cases.append({
    "id": "mse_sum", "spec": "mse", "level": 0.95, "columns": {"pred": x.tolist(), "target": y.tolist()},
    "flags": ["--reduction", "sum"],
    "reference": "scipy.stats.t.interval(0.95, n-1, loc=sum(l), scale=n*std(l, ddof=1)/sqrt(n))",
    "ci": t_interval(l.sum(), len(l) * l.std(ddof=1) / np.sqrt(len(l)), len(l) - 1, 0.95),
})
# 4. rmse: the mse interval's ends through sqrt
lo, hi = cases[0]["ci"]
cases.append({
    "id": "rmse_unweighted", "spec": "rmse", "level": 0.95, "columns": cases[0]["columns"],
    "reference": "sqrt of the ends of the mse t-interval (lower end clipped at 0)",
    "ci": [float(np.sqrt(max(lo, 0.0))), float(np.sqrt(hi))],
})
# 5. ce with class weights: ratio R = Σl/Σm (l = w_y·nll, m = w_y), delta method:
#    se = std(l - R m, ddof=1) / (mean(m) √n), df = n - 1
logits, labels = rng.normal(size=(60, 3)) * 2, rng.integers(0, 3, size=60)
cw = np.array([1.0, 2.0, 0.5])
logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
m = cw[labels]
l = -m * logp[np.arange(60), labels]
r = l.sum() / m.sum()
z = l - r * m
cases.append({
    "id": "ce_class_weights", "spec": "ce:weight=1;2;0.5", "level": 0.95,
    "columns": {**{f"logit_{j}": logits[:, j].tolist() for j in range(3)}, "label": labels.tolist()},
    "flags": ["-p", "logit_*", "-y", "label"],
    "reference": "scipy.stats.t.interval(0.95, n-1, loc=Σl/Σm, scale=std(l-R m, ddof=1)/(mean(m) sqrt(n)))",
    "ci": t_interval(r, z.std(ddof=1) / (m.mean() * np.sqrt(60)), 59, 0.95),
})
# 6. three rows at 99%
x, y = np.array([0.5, -1.0, 2.0]), np.array([0.0, 1.0, 2.5])
l = np.abs(x - y)
cases.append({
    "id": "mae_three_rows_99", "spec": "mae", "level": 0.99, "columns": {"pred": x.tolist(), "target": y.tolist()},
    "reference": "scipy.stats.t.interval(0.99, 2, loc=mean(l), scale=std(l, ddof=1)/sqrt(3))",
    "ci": t_interval(l.mean(), l.std(ddof=1) / np.sqrt(3), 2, 0.99),
})

doc = {
    "generated_by": "tests/golden/stats/golden_stats.py",
    "versions": {"scipy": scipy.__version__, "numpy": np.__version__, "mpmath": mp.__version__},
    "t_ppf": t_ppf,
    "t_ppf_mpmath": t_ppf_mpmath,
    "intervals": cases,
}
OUT.write_text(json.dumps(doc, indent=1) + "\n")
print(f"wrote {OUT}: {len(t_ppf)} t quantiles, {len(t_ppf_mpmath)} mpmath, {len(cases)} intervals")
