"""Golden values for the regression metrics (family ``regression_metrics``), by scikit-learn.

Run in a scratch environment with scikit-learn installed (never a losscli dependency):

    python tests/golden/golden_metrics_regression.py   # writes tests/golden/golden_metrics_regression.json

Metrics without per-sample values (all but rmsle) have ``per_sample``, ``mean`` and ``sum`` null
and ``value`` = scikit-learn's result. rmsle's per-sample values are the squared log errors (the
row mean for ``(N, D)``), its value ``root_mean_squared_log_error``. ``max_error`` takes no
weights in scikit-learn: its weighted case is ``max_error`` of the rows of positive weight.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import sklearn
import sklearn.metrics as skm

OUT = pathlib.Path(__file__).with_suffix(".json")
RNG = np.random.default_rng(17)
CASES: list[dict] = []


def add(id_, spec, metric, pred, target, *, weights=None, per_sample=None, **kw):
    pred, target = np.asarray(pred, dtype=np.float64), np.asarray(target, dtype=np.float64)
    value = metric(target, pred, **kw) if weights is None else metric(target, pred, sample_weight=weights, **kw)
    CASES.append(
        {
            "id": id_,
            "spec": spec,
            "reference": f"sklearn.metrics.{metric.__name__}" + "".join(f", {k}={v!r}" for k, v in kw.items()),
            "dtype": "float64",
            "inputs": {"pred": pred.tolist(), "target": target.tolist()},
            "weights": None if weights is None else np.asarray(weights, dtype=np.float64).tolist(),
            "per_sample": None if per_sample is None else np.asarray(per_sample, dtype=np.float64).tolist(),
            "value": float(value),
        }
    )
    if per_sample is None:  # a metric without per-sample values: no mean or sum of them
        CASES[-1].update(mean=None, sum=None)


def scores(n=9, d=None, scale=2.0):
    shape = (n,) if d is None else (n, d)
    target = RNG.normal(0, scale, shape)
    return target + RNG.normal(0, scale / 2, shape), target


def explained_cases(name, metric):
    """r2 and explained_variance: random, weighted, (N, D), all-equal targets, large offsets."""
    pred, target = scores()
    w = RNG.uniform(0.2, 3.0, len(pred))
    add(name, name, metric, pred, target)
    add(f"{name}_weighted", name, metric, pred, target, weights=w)
    p2, y2 = scores(8, 3)
    add(f"{name}_2d", name, metric, p2, y2)
    add(f"{name}_2d_weighted", name, metric, p2, y2, weights=RNG.uniform(0.2, 3.0, 8))
    add(f"{name}_2d_multioutput", f"{name}:multioutput=0.3;0.7;2", metric, p2, y2, weights=RNG.uniform(0.2, 3.0, 8), multioutput=[0.3, 0.7, 2.0])
    y2c = y2.copy()
    y2c[:, 1] = 4.25  # one constant column: force_finite scores it 0 (imperfect)
    add(f"{name}_2d_constant_column", name, metric, p2, y2c)
    const = np.full(6, 3.5)
    add(f"{name}_equal_targets_perfect", name, metric, const, const)  # force_finite: 1.0
    add(f"{name}_equal_targets", name, metric, const + np.arange(6) * 0.5, const)  # force_finite: 0.0
    offset = 1e6 + RNG.normal(0, 1, 200)
    add(f"{name}_offset_1e6", name, metric, offset + RNG.normal(0, 0.5, 200), offset)
    add(f"{name}_offset_1e6_weighted", name, metric, offset + RNG.normal(0, 0.5, 200), offset, weights=RNG.uniform(0.5, 2, 200))
    add(f"{name}_two_rows", name, metric, [1.0, 2.5], [1.5, 2.0])


def tweedie_cases():
    pos_y = RNG.gamma(2.0, 1.5, 12)
    pos_p = pos_y * RNG.uniform(0.6, 1.5, 12)
    w = RNG.uniform(0.2, 3.0, 12)
    for power in (0, 1, 1.5, 2, 3, -1):
        spec = "d2_tweedie" if power == 0 else f"d2_tweedie:power={power:g}"
        tag = f"{power:g}".replace(".", "_").replace("-", "m")
        add(f"d2_tweedie_p{tag}", spec, skm.d2_tweedie_score, pos_p, pos_y, power=power)
        add(f"d2_tweedie_p{tag}_weighted", spec, skm.d2_tweedie_score, pos_p, pos_y, weights=w, power=power)
    counts = RNG.poisson(1.2, 15).astype(np.float64)  # zeros in y: xlogy(0, .) = 0 (powers 1 and 1.5)
    rates = RNG.uniform(0.3, 3.0, 15)
    add("d2_tweedie_p1_zeros", "d2_tweedie:power=1", skm.d2_tweedie_score, rates, counts, power=1)
    add("d2_tweedie_p1_5_zeros", "d2_tweedie:power=1.5", skm.d2_tweedie_score, rates, counts, power=1.5)
    pred, target = scores(11)
    add("d2_tweedie_p0_signed", "d2_tweedie", skm.d2_tweedie_score, pred, target, power=0)
    offset = 1e6 + RNG.normal(0, 1, 200)
    add("d2_tweedie_p0_offset_1e6", "d2_tweedie", skm.d2_tweedie_score, offset + RNG.normal(0, 0.5, 200), offset, power=0)


def quantile_cases():
    """median_ae, d2_absolute_error, d2_pinball: odd and even N, ties, weights landing exactly on
    the half (the averaged inverted CDF), (N, D), all-equal targets, alpha 0.1/0.5/0.9."""
    odd, even = scores(9), scores(10)
    ties_p = np.array([1.0, 2.0, 2.0, 2.0, 5.0, 3.0, 0.0, 4.0])
    ties_y = np.array([0.0, 1.0, 1.0, 3.0, 5.0, 1.0, 1.0, 2.0])  # |e| = 1, 1, 1, 1, 0, 2, 1, 2
    ties_w = np.array([1.0, 2.0, 1.0, 1.0, 3.0, 1.0, 2.0, 1.0])
    # |e| = 1..6 with weights whose cumulative sum lands exactly on W/2 = 6 at the value 3: the mean
    # of 3 and the next value (4; 5 when 4 has weight 0, which is skipped)
    half_p, half_y = np.zeros(6), np.arange(1.0, 7.0)
    half_w = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    w = RNG.uniform(0.2, 3.0, 9)
    p2, y2 = scores(7, 3)
    for name, metric, kw in (
        ("median_ae", skm.median_absolute_error, {}),
        ("d2_absolute_error", skm.d2_absolute_error_score, {}),
    ):
        add(f"{name}_odd", name, metric, *odd, **kw)
        add(f"{name}_even", name, metric, *even, **kw)
        add(f"{name}_ties", name, metric, ties_p, ties_y, **kw)
        add(f"{name}_weighted", name, metric, *odd, weights=w, **kw)
        add(f"{name}_ties_weighted", name, metric, ties_p, ties_y, weights=ties_w, **kw)
        add(f"{name}_ties_weight_zero", name, metric, ties_p, ties_y, weights=np.where(np.arange(8) == 2, 0.0, ties_w), **kw)
        add(f"{name}_weighted_exact_half", name, metric, half_p, half_y, weights=half_w, **kw)
        add(f"{name}_weighted_exact_half_next_zero", name, metric, half_p, half_y, weights=[1.0, 2.0, 3.0, 0.0, 3.0, 3.0], **kw)
        add(f"{name}_2d", name, metric, p2, y2, **kw)
        add(f"{name}_2d_weighted", name, metric, p2, y2, weights=RNG.uniform(0.2, 3.0, 7), **kw)
        add(f"{name}_2d_multioutput", f"{name}:multioutput=1;0;2.5", metric, p2, y2, multioutput=[1.0, 0.0, 2.5], **kw)
    const = np.full(5, -1.25)
    add("d2_absolute_error_equal_targets_perfect", "d2_absolute_error", skm.d2_absolute_error_score, const, const)
    add("d2_absolute_error_equal_targets", "d2_absolute_error", skm.d2_absolute_error_score, const + 1.0, const)
    for alpha in (0.1, 0.5, 0.9):
        spec, tag = f"d2_pinball:alpha={alpha:g}", f"{alpha:g}".replace(".", "_")
        add(f"d2_pinball_a{tag}", spec, skm.d2_pinball_score, *odd, alpha=alpha)
        add(f"d2_pinball_a{tag}_even", spec, skm.d2_pinball_score, *even, alpha=alpha)
        add(f"d2_pinball_a{tag}_weighted", spec, skm.d2_pinball_score, *odd, weights=w, alpha=alpha)
        add(f"d2_pinball_a{tag}_2d", spec, skm.d2_pinball_score, p2, y2, alpha=alpha)
        add(f"d2_pinball_a{tag}_2d_multioutput", f"{spec},multioutput=0.5;2;1", skm.d2_pinball_score, p2, y2, alpha=alpha, multioutput=[0.5, 2.0, 1.0])
        add(f"d2_pinball_a{tag}_ties", spec, skm.d2_pinball_score, ties_p, ties_y, weights=ties_w, alpha=alpha)
    p30, y30 = scores(30)  # 0.1 * 100 / 100 * 30 rounds above 3: the 4th value, not an average
    add("d2_pinball_a0_1_n30", "d2_pinball:alpha=0.1", skm.d2_pinball_score, p30, y30, alpha=0.1)
    add("d2_pinball_a0", "d2_pinball:alpha=0", skm.d2_pinball_score, *odd, alpha=0.0)
    add("d2_pinball_a1", "d2_pinball:alpha=1", skm.d2_pinball_score, *odd, alpha=1.0)


def max_error_cases():
    pred, target = scores(9)
    add("max_error", "max_error", skm.max_error, pred, target)
    add("max_error_ties", "max_error", skm.max_error, [1.0, -1.0, 0.0], [0.0, 0.0, 0.0])
    w = np.ones(9)
    worst = int(np.argmax(np.abs(pred - target)))
    w[worst] = 0.0  # the largest error has weight 0: not a row of the evaluation
    keep = w > 0
    case_value = skm.max_error(target[keep], pred[keep])
    add("max_error_weighted", "max_error", skm.max_error, pred[keep], target[keep])
    CASES[-1].update(
        inputs={"pred": pred.tolist(), "target": target.tolist()},
        weights=w.tolist(),
        value=float(case_value),
        reference="sklearn.metrics.max_error of the rows of positive weight",
    )


def rmsle_cases():
    target = RNG.uniform(0, 10, 9)
    pred = target * RNG.uniform(0.5, 1.5, 9)
    pred[0] = -0.5  # > -1 is allowed
    per = (np.log1p(target) - np.log1p(pred)) ** 2
    add("rmsle", "rmsle", skm.root_mean_squared_log_error, pred, target, per_sample=per)
    add("rmsle_weighted", "rmsle", skm.root_mean_squared_log_error, pred, target, weights=RNG.uniform(0.2, 3, 9), per_sample=per)
    y2 = RNG.uniform(0, 5, (6, 2))
    p2 = y2 * RNG.uniform(0.5, 1.5, (6, 2))
    add("rmsle_2d", "rmsle", skm.root_mean_squared_log_error, p2, y2, per_sample=((np.log1p(y2) - np.log1p(p2)) ** 2).mean(axis=1))


def main() -> None:
    explained_cases("r2", skm.r2_score)
    explained_cases("explained_variance", skm.explained_variance_score)
    tweedie_cases()
    quantile_cases()
    max_error_cases()
    rmsle_cases()
    doc = {
        "generated_by": "tests/golden/golden_metrics_regression.py",
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "cases": CASES,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
