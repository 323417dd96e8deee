"""Golden values for gaussian_nll (roles pred, target, var), computed by torch.

Run in a scratch environment with torch installed (never a losscli dependency):

    python tests/golden/golden_gaussian_nll.py     # writes tests/golden/golden_gaussian_nll.json

Reference: ``torch.nn.functional.gaussian_nll_loss``; per-sample values from ``reduction="none"``
(row mean for (N, D) pred; for a var of shape (N,) with (N, D) pred torch unsqueezes it to (N, 1)),
``mean`` from ``reduction="mean"``. float32 cases hold float32-exact inputs (the test casts them
to float32) and the reference runs in float64 on those values, as losscli computes them.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).with_suffix(".json")
RNG = np.random.default_rng(3)
CASES: list[dict] = []


def t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def case(id_, spec, pred, target, var, *, weights=None, dtype="float64", **kw):
    none = F.gaussian_nll_loss(t(pred), t(target), t(var), reduction="none", **kw)
    per = (none.reshape(len(pred), -1).mean(dim=1) if none.ndim > 1 else none).numpy()
    mean = F.gaussian_nll_loss(t(pred), t(target), t(var), reduction="mean", **kw).item()
    entry = {
        "id": id_,
        "spec": spec,
        "reference": "torch.nn.functional.gaussian_nll_loss",
        "dtype": dtype,
        "inputs": {k: np.asarray(v, dtype=np.float64).tolist() for k, v in (("pred", pred), ("target", target), ("var", var))},
        "weights": None if weights is None else np.asarray(weights, dtype=np.float64).tolist(),
        "per_sample": per.tolist(),
        "value": mean if weights is None else float(np.sum(weights * per) / np.sum(weights)),
    }
    if weights is None:
        entry["mean"], entry["sum"] = mean, float(per.sum())
    CASES.append(entry)


def main() -> None:
    n = 9
    pred, target = RNG.normal(0, 2, n), RNG.normal(0, 2, n)
    var = RNG.uniform(0.05, 4.0, n)
    var[:3] = [0.0, 1e-7, 1e-6]  # clamped to eps (1e-6), below eps, exactly eps
    case("gaussian_nll", "gaussian_nll", pred, target, var)
    case("gaussian_nll_full", "gaussian_nll:full=true", pred, target, var, full=True)
    case("gaussian_nll_eps", "gaussian_nll:eps=0.01", pred, target, var, eps=0.01)
    case("gaussian_nll_full_eps", "gaussian_nll:full=true,eps=1e-3", pred, target, var, full=True, eps=1e-3)
    case("gaussian_nll_weighted", "gaussian_nll", pred, target, var, weights=RNG.uniform(0.2, 3.0, n))
    p2, y2 = RNG.normal(0, 1, (6, 3)), RNG.normal(0, 1, (6, 3))
    case("gaussian_nll_2d", "gaussian_nll", p2, y2, RNG.uniform(0.1, 2.0, (6, 3)))
    case("gaussian_nll_2d_row_var", "gaussian_nll", p2, y2, RNG.uniform(0.1, 2.0, 6))  # (N,) var: one per row
    case("gaussian_nll_2d_col1_var", "gaussian_nll:full=true", p2, y2, RNG.uniform(0.1, 2.0, (6, 1)), full=True)
    case("gaussian_nll_f32", "gaussian_nll", f32(pred), f32(target), f32(var), dtype="float32")

    doc = {
        "generated_by": "tests/golden/golden_gaussian_nll.py",
        "versions": {"torch": torch.__version__, "numpy": np.__version__},
        "cases": CASES,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
