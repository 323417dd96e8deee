"""Golden values for the regression losses, computed by their references (torch, scikit-learn).

Run in a scratch environment with the references installed (never a losscli dependency):

    python tests/golden/golden_regression.py     # writes tests/golden/golden_regression.json

Per-sample values come from torch's ``reduction="none"`` or, for scikit-learn metrics (which only
reduce), from the metric called on each single sample; ``mean``/``sum``/``value`` from the
reference's own reduction. ``log_cosh`` (reference optax, not installed here) is checked against
``torch.log(torch.cosh(d))`` in float64, a different formula from ours, on |d| < 300.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import sklearn
import sklearn.metrics as skm
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).with_suffix(".json")
RNG = np.random.default_rng(7)
CASES: list[dict] = []


def t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a))


def add(id_, spec, reference, pred, target, per_sample, value, *, mean=None, total=None, weights=None, dtype="float64"):
    case = {
        "id": id_,
        "spec": spec,
        "reference": reference,
        "dtype": dtype,
        "inputs": {"pred": np.asarray(pred).tolist(), "target": np.asarray(target).tolist()},
        "weights": None if weights is None else np.asarray(weights).tolist(),
        "per_sample": None if per_sample is None else np.asarray(per_sample, dtype=np.float64).tolist(),
        "value": float(value),
    }
    if mean is not None:
        case["mean"] = float(mean)
    if total is not None:
        case["sum"] = float(total)
    CASES.append(case)


def torch_case(id_, spec, fn, pred, target, **kw):
    """A torch functional loss: per-sample from reduction='none' (row mean for (N, D))."""
    p, y = t(pred), t(target)
    none = fn(p, y, reduction="none", **kw)
    per = none.reshape(len(p), -1).mean(dim=1) if none.ndim > 1 else none
    mean = fn(p, y, reduction="mean", **kw).item()
    add(id_, spec, f"torch.nn.functional.{fn.__name__}", pred, target, per.numpy(), mean, mean=mean, total=per.sum().item())


def sk_case(id_, spec, metric, pred, target, weights=None, **kw):
    """A scikit-learn metric: per-sample by calling it on each sample alone."""
    pred, target = np.asarray(pred), np.asarray(target)
    per = [metric(target[i : i + 1], pred[i : i + 1], **kw) for i in range(len(pred))]
    value = metric(target, pred, sample_weight=weights, **kw)
    extra = {} if weights is not None else {"mean": value}
    add(id_, spec, f"sklearn.metrics.{metric.__name__}", pred, target, per, value, weights=weights, **extra)


def main() -> None:
    n = 9
    pred = RNG.normal(0, 2, n)
    target = RNG.normal(0, 2, n)
    pred_2d = RNG.normal(0, 1, (7, 3))
    target_2d = RNG.normal(0, 1, (7, 3))
    # Residuals on both sides of the smooth_l1/huber thresholds, including exactly at them.
    edge_p = np.array([0.0, 0.25, 0.5, 0.999, 1.0, 1.001, -3.0, 10.0, -0.5])
    edge_y = np.zeros(9)
    w = RNG.uniform(0.2, 3.0, n)

    torch_case("mae", "mae", F.l1_loss, pred, target)
    torch_case("mae_2d", "mae", F.l1_loss, pred_2d, target_2d)
    torch_case("mse", "mse", F.mse_loss, pred, target)
    torch_case("mse_2d", "mse", F.mse_loss, pred_2d, target_2d)
    torch_case("mse_large", "mse", F.mse_loss, pred * 1e150, target * 1e150)
    torch_case("smooth_l1", "smooth_l1", F.smooth_l1_loss, edge_p, edge_y)
    torch_case("smooth_l1_beta", "smooth_l1:beta=0.5", F.smooth_l1_loss, edge_p, edge_y, beta=0.5)
    torch_case("smooth_l1_beta0", "smooth_l1:beta=0", F.smooth_l1_loss, edge_p, edge_y, beta=0.0)
    torch_case("smooth_l1_2d", "smooth_l1", F.smooth_l1_loss, pred_2d, target_2d)
    torch_case("huber", "huber", F.huber_loss, edge_p, edge_y)
    torch_case("huber_delta", "huber:delta=0.5", F.huber_loss, edge_p, edge_y, delta=0.5)
    torch_case("huber_delta3", "huber:delta=3", F.huber_loss, pred, target, delta=3.0)
    torch_case("poisson_nll", "poisson_nll", F.poisson_nll_loss, pred, np.abs(np.round(target * 3)))
    rates = np.abs(pred) + 0.1
    counts = np.array([0.0, 1.0, 2.0, 5.0, 0.5, 3.0, 1.5, 9.0, 0.0])
    torch_case("poisson_nll_rate", "poisson_nll:log_input=false", F.poisson_nll_loss, rates, counts, log_input=False)
    torch_case("poisson_nll_full", "poisson_nll:full=true", F.poisson_nll_loss, pred, counts, full=True)
    torch_case("poisson_nll_rate_eps", "poisson_nll:log_input=false,eps=0.01", F.poisson_nll_loss, np.append(rates[:-1], 0.0), counts, log_input=False, eps=0.01)

    # rmse: per-sample is the squared error; headline sqrt of the mean, per column for (N, D).
    for id_, p, y in (("rmse", pred, target), ("rmse_2d", pred_2d, target_2d)):
        per = ((p - y) ** 2).reshape(len(p), -1).mean(axis=1)
        value = skm.root_mean_squared_error(y, p)
        add(id_, "rmse", "sklearn.metrics.root_mean_squared_error", p, y, per, value)
    value = skm.root_mean_squared_error(target, pred, sample_weight=w)
    add("rmse_weighted", "rmse", "sklearn.metrics.root_mean_squared_error", pred, target, (pred - target) ** 2, value, weights=w)

    d = RNG.normal(0, 50, n)
    per = torch.log(torch.cosh(t(d))).numpy()
    add("log_cosh", "log_cosh", "log(cosh(d)) in float64 torch (optax.log_cosh formula)", d, np.zeros(n), per, per.mean(), mean=per.mean())

    sk_case("mape", "mape", skm.mean_absolute_percentage_error, pred, target)
    sk_case("mape_zero_target", "mape", skm.mean_absolute_percentage_error, pred, np.append(target[:-1], 0.0))
    pos_p, pos_y = np.abs(pred) + 0.5, np.abs(target)
    sk_case("msle", "msle", skm.mean_squared_log_error, pos_p, pos_y)
    sk_case("msle_near_minus1", "msle", skm.mean_squared_log_error, np.array([-0.999, 0.0, 3.0]), np.array([0.0, -0.5, 2.0]))
    for alpha in (0.1, 0.5, 0.9):
        sk_case(f"pinball_{alpha}", f"pinball:alpha={alpha}", skm.mean_pinball_loss, pred, target, alpha=alpha)
    sk_case("pinball_weighted", "pinball:alpha=0.9", skm.mean_pinball_loss, pred, target, weights=w, alpha=0.9)
    sk_case("mae_weighted", "mae", skm.mean_absolute_error, pred, target, weights=w)
    sk_case("mse_weighted", "mse", skm.mean_squared_error, pred, target, weights=w)

    counts_y = np.array([0.0, 1.0, 2.0, 5.0, 0.5, 3.0, 1.5, 9.0, 0.0])
    pos_y2 = np.abs(target) + 0.1
    sk_case("tweedie_normal", "tweedie", skm.mean_tweedie_deviance, pred, target, power=0.0)
    sk_case("tweedie_neg", "tweedie:power=-1", skm.mean_tweedie_deviance, rates, pos_y2, power=-1.0)
    sk_case("tweedie_1_5", "tweedie:power=1.5", skm.mean_tweedie_deviance, rates, counts_y, power=1.5)
    sk_case("tweedie_3", "tweedie:power=3", skm.mean_tweedie_deviance, rates, pos_y2, power=3.0)
    sk_case("tweedie_weighted", "tweedie:power=1.5", skm.mean_tweedie_deviance, rates, counts_y, weights=w, power=1.5)
    sk_case("poisson_deviance", "poisson_deviance", skm.mean_poisson_deviance, rates, counts_y)
    sk_case("gamma_deviance", "gamma_deviance", skm.mean_gamma_deviance, rates, pos_y2)

    # float32 inputs: the reference runs in float64 on the same (float32-exact) values.
    p32, y32 = pred.astype(np.float32).astype(np.float64), target.astype(np.float32).astype(np.float64)
    for id_, spec, fn in (("mse_f32", "mse", F.mse_loss), ("huber_f32", "huber", F.huber_loss), ("mae_f32", "mae", F.l1_loss)):
        torch_case(id_, spec, fn, p32, y32)
        CASES[-1]["dtype"] = "float32"

    doc = {
        "generated_by": "tests/golden/golden_regression.py",
        "versions": {"torch": torch.__version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "cases": CASES,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
