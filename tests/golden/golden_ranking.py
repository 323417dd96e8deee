"""Golden values for the ranking / metric-learning losses.

Run in a scratch environment with torch installed (never a losscli dependency):

    python tests/golden/golden_ranking.py     # writes tests/golden/golden_ranking.json

References:
- margin_ranking, hinge_embedding, cosine_embedding, triplet: torch.nn.functional, per-sample from
  ``reduction="none"`` (row mean for (N, D) inputs), ``mean`` from ``reduction="mean"``.
- contrastive: Hadsell, Chopra, LeCun 2006 eq. 4 (no library ships it), written out per pair with
  Python floats.
- ntxent: optax.losses.ntxent is not installed here, so the reference is an independent
  per-anchor loop over the 2N views, written from the SimCLR definition (Chen et al. 2020, eq. 1)
  with optax's cosine (squared norms clipped at finfo(float64).eps), and cross-checked against a
  second formulation (torch cross_entropy over the masked similarity matrix) and against the
  value of runs of optax ntxent and pytorch-metric-learning NTXentLoss(temperature=0.5) (0.2964603).

float32 cases hold float32-exact inputs (the test casts them to float32) and the reference runs in
float64 on those values, as losscli computes float32 inputs in float64; torch's own float32
arithmetic differs from it by its rounding (up to ~4e-6 relative where triplet distances cancel).
"""

from __future__ import annotations

import json
import math
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).with_suffix(".json")
RNG = np.random.default_rng(11)
CASES: list[dict] = []


def t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a))


def add(id_, spec, reference, inputs, per_sample, mean, *, weights=None, value=None, dtype="float64"):
    per = np.asarray(per_sample, dtype=np.float64)
    case = {
        "id": id_,
        "spec": spec,
        "reference": reference,
        "dtype": dtype,
        "inputs": {k: np.asarray(v).astype(np.float64).tolist() for k, v in inputs.items()},
        "weights": None if weights is None else np.asarray(weights, dtype=np.float64).tolist(),
        "per_sample": per.tolist(),
        "value": float(mean if value is None else value),
    }
    if weights is None:
        case["mean"] = float(mean)
        case["sum"] = float(per.sum())
    CASES.append(case)


def torch_case(id_, spec, fn, inputs: dict, *, dtype="float64", weights=None, **kw):
    """A torch functional loss on the role arrays, in order; ``y`` of (N,) is unsqueezed for (N, D)."""
    args = [t(v).to(torch.float64) for v in inputs.values()]  # float32 cases: float64 on float32-exact values
    if fn in (F.margin_ranking_loss, F.hinge_embedding_loss) and args[0].ndim == 2 and args[-1].ndim == 1:
        args[-1] = args[-1][:, None]  # torch wants equal ndim; losscli takes y per row
    none = fn(*args, reduction="none", **kw)
    per = (none.reshape(len(args[0]), -1).mean(dim=1) if none.ndim > 1 else none).double().numpy()
    mean = fn(*args, reduction="mean", **kw).item()
    value = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        value = float(np.sum(w * per) / np.sum(w))
    add(id_, spec, f"torch.nn.functional.{fn.__name__}", inputs, per, mean, weights=weights, value=value, dtype=dtype)


def f32(a):
    """float32-exact values (stored as float64; the test casts them back to float32)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def pm1(n):
    y = RNG.choice([-1.0, 1.0], size=n)
    y[:2] = [1.0, -1.0]
    return y


# ---------------------------------------------------------------------------- contrastive, ntxent


def contrastive_reference(x1, x2, same, margin):
    """Hadsell et al. 2006 eq. 4 with Y = 1 - same: (1 - Y) D^2 / 2 + Y max(0, m - D)^2 / 2."""
    out = []
    for a, b, s in zip(x1.tolist(), x2.tolist(), same.tolist()):
        d = math.sqrt(sum((u - v) ** 2 for u, v in zip(a, b)))
        y = 1.0 - s
        out.append((1.0 - y) * 0.5 * d * d + y * 0.5 * max(0.0, margin - d) ** 2)
    return np.array(out)


def ntxent_reference(z_i, z_j, temperature):
    """SimCLR's l(k, k+) for each of the 2N anchors, by loops; per-sample = mean of row n's two."""
    z = np.concatenate([z_i, z_j]).tolist()
    m, n = len(z), len(z_i)
    eps = float(np.finfo(np.float64).eps)
    norms = [math.sqrt(max(sum(v * v for v in row), eps)) for row in z]

    def sim(a, b):
        return sum((u / norms[a]) * (v / norms[b]) for u, v in zip(z[a], z[b])) / temperature

    losses = []
    for k in range(m):
        pos = (k + n) % m
        others = [sim(k, j) for j in range(m) if j != k]
        top = max(others)
        log_denominator = top + math.log(sum(math.exp(s - top) for s in others))
        losses.append(log_denominator - sim(k, pos))
    losses = np.array(losses)
    return 0.5 * (losses[:n] + losses[n:]), float(losses.mean())


def ntxent_cross_check(z_i, z_j, temperature):
    """The usual SimCLR code: cross_entropy over cos/tau with the diagonal masked out."""
    z = F.normalize(t(np.concatenate([z_i, z_j])), dim=1)
    s = (z @ z.T) / temperature
    s.fill_diagonal_(-math.inf)
    n = len(z_i)
    labels = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return F.cross_entropy(s, labels, reduction="none").numpy()


def ntxent_case(id_, spec, z_i, z_j, temperature, dtype="float64"):
    per, mean = ntxent_reference(z_i, z_j, temperature)
    check = ntxent_cross_check(z_i, z_j, temperature)
    np.testing.assert_allclose(0.5 * (check[: len(z_i)] + check[len(z_i) :]), per, rtol=1e-10)
    add(id_, spec, "SimCLR NT-Xent by loops (= optax.losses.ntxent on concat(z_i, z_j), labels arange N twice)",
        {"z_i": z_i, "z_j": z_j}, per, mean, dtype=dtype)


def main() -> None:
    n, d = 9, 5
    # ------------------------------------------------------------------ margin_ranking
    x1, x2 = RNG.normal(0, 1, n), RNG.normal(0, 1, n)
    x2[3] = x1[3]  # a tie: loss is max(0, margin)
    y = pm1(n)
    torch_case("margin_ranking_semantics_4_5", "margin_ranking:margin=0.5", F.margin_ranking_loss,
               {"x1": [1.0, 1.0, 0.0], "x2": [0.0, 2.0, 0.0], "y": [1.0, 1.0, -1.0]}, margin=0.5)
    torch_case("margin_ranking", "margin_ranking", F.margin_ranking_loss, {"x1": x1, "x2": x2, "y": y})
    torch_case("margin_ranking_margin", "margin_ranking:margin=0.3", F.margin_ranking_loss, {"x1": x1, "x2": x2, "y": y}, margin=0.3)
    torch_case("margin_ranking_neg_margin", "margin_ranking:margin=-0.2", F.margin_ranking_loss, {"x1": x1, "x2": x2, "y": y}, margin=-0.2)
    x1_2d, x2_2d = RNG.normal(0, 1, (6, 3)), RNG.normal(0, 1, (6, 3))
    torch_case("margin_ranking_2d", "margin_ranking:margin=0.1", F.margin_ranking_loss,
               {"x1": x1_2d, "x2": x2_2d, "y": pm1(6)}, margin=0.1)
    torch_case("margin_ranking_weighted", "margin_ranking:margin=0.3", F.margin_ranking_loss,
               {"x1": x1, "x2": x2, "y": y}, weights=RNG.uniform(0.2, 3.0, n), margin=0.3)
    torch_case("margin_ranking_f32", "margin_ranking:margin=0.5", F.margin_ranking_loss,
               {"x1": f32(x1), "x2": f32(x2), "y": y}, dtype="float32", margin=0.5)

    # ------------------------------------------------------------------ hinge_embedding
    dist = RNG.uniform(0, 2, n)
    dist[:4] = [0.0, 1.0, 0.5, -0.5]  # zero distance, exactly at the margin, negative x
    yh = np.array([-1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    torch_case("hinge_embedding_semantics_4_5", "hinge_embedding", F.hinge_embedding_loss,
               {"distance": [0.3, 0.3, 1.5], "y": [1.0, -1.0, -1.0]})
    torch_case("hinge_embedding", "hinge_embedding", F.hinge_embedding_loss, {"distance": dist, "y": yh})
    torch_case("hinge_embedding_margin", "hinge_embedding:margin=0.5", F.hinge_embedding_loss, {"distance": dist, "y": yh}, margin=0.5)
    torch_case("hinge_embedding_2d", "hinge_embedding:margin=1.5", F.hinge_embedding_loss,
               {"distance": RNG.uniform(0, 2, (5, 4)), "y": pm1(5)}, margin=1.5)
    torch_case("hinge_embedding_f32", "hinge_embedding", F.hinge_embedding_loss,
               {"distance": f32(dist), "y": yh}, dtype="float32")

    # ------------------------------------------------------------------ cosine_embedding
    e1, e2 = RNG.normal(0, 1, (8, d)), RNG.normal(0, 1, (8, d))
    e2[1] = -e1[1]  # cos = -1
    ye = pm1(8)
    torch_case("cosine_embedding_semantics_4_5", "cosine_embedding", F.cosine_embedding_loss,
               {"x1": [[1.0, 0.0], [1.0, 1.0]], "x2": [[0.0, 1.0], [1.0, 1.0]], "y": [1.0, -1.0]})
    torch_case("cosine_embedding", "cosine_embedding", F.cosine_embedding_loss, {"x1": e1, "x2": e2, "y": ye})
    torch_case("cosine_embedding_margin", "cosine_embedding:margin=0.2", F.cosine_embedding_loss, {"x1": e1, "x2": e2, "y": ye}, margin=0.2)
    torch_case("cosine_embedding_neg_margin", "cosine_embedding:margin=-0.5", F.cosine_embedding_loss, {"x1": e1, "x2": e2, "y": ye}, margin=-0.5)
    # zero vectors (cos = 0 thanks to the 1e-12), identical and opposite vectors (small integers: exact sums)
    z1 = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 2.0], [1.0, 2.0, 2.0], [3.0, 0.0, 4.0], [1e-7, 0.0, 0.0]])
    z2 = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 2.0], [1.0, 2.0, 2.0], [-3.0, 0.0, -4.0], [1e-7, 0.0, 0.0]])
    torch_case("cosine_embedding_edges", "cosine_embedding:margin=-0.25", F.cosine_embedding_loss,
               {"x1": z1, "x2": z2, "y": [1.0, -1.0, 1.0, -1.0, 1.0, 1.0]}, margin=-0.25)
    torch_case("cosine_embedding_f32", "cosine_embedding:margin=0.1", F.cosine_embedding_loss,
               {"x1": f32(e1), "x2": f32(e2), "y": ye}, dtype="float32", margin=0.1)

    # ------------------------------------------------------------------ triplet
    a, p, ng = RNG.normal(0, 1, (10, 6)), RNG.normal(0, 1, (10, 6)), RNG.normal(0, 1, (10, 6))
    p[0] = a[0]  # zero anchor-positive distance: d = sqrt(6) * eps
    ng[1] = a[1]  # zero anchor-negative distance
    ng[2] = p[2] + 0.01  # the negative sits on the positive: swap changes the loss
    ng[3] = a[3] + 5.0  # far negative: clamped to 0
    trip = {"anchor": a, "positive": p, "negative": ng}
    torch_case("triplet_semantics_4_7", "triplet", F.triplet_margin_loss,
               {"anchor": [[0.0, 0.0]], "positive": [[1.0, 0.0]], "negative": [[0.5, 0.0]]})
    torch_case("triplet", "triplet", F.triplet_margin_loss, trip)
    torch_case("triplet_margin", "triplet:margin=0.5", F.triplet_margin_loss, trip, margin=0.5)
    torch_case("triplet_p1", "triplet:p=1", F.triplet_margin_loss, trip, p=1.0)
    torch_case("triplet_p3", "triplet:p=3", F.triplet_margin_loss, trip, p=3.0)
    torch_case("triplet_p1_5", "triplet:p=1.5", F.triplet_margin_loss, trip, p=1.5)
    torch_case("triplet_swap", "triplet:swap=true", F.triplet_margin_loss, trip, swap=True)
    torch_case("triplet_swap_p1_margin2", "triplet:margin=2,p=1,swap=true", F.triplet_margin_loss, trip, margin=2.0, p=1.0, swap=True)
    torch_case("triplet_eps0", "triplet:eps=0", F.triplet_margin_loss, trip, eps=0.0)
    torch_case("triplet_eps", "triplet:eps=0.01", F.triplet_margin_loss, trip, eps=0.01)
    torch_case("triplet_weighted", "triplet:swap=true", F.triplet_margin_loss, trip, weights=RNG.uniform(0.2, 3.0, 10), swap=True)
    torch_case("triplet_f32", "triplet", F.triplet_margin_loss,
               {k: f32(v) for k, v in trip.items()}, dtype="float32")

    # ------------------------------------------------------------------ contrastive (Hadsell eq. 4)
    c1, c2 = RNG.normal(0, 0.6, (8, 4)), RNG.normal(0, 0.6, (8, 4))
    c2[0] = c1[0]  # zero distance, similar: 0
    c2[1] = c1[1]  # zero distance, dissimilar: margin^2 / 2
    c1[2], c2[2] = [0.0, 0.0, 0.0, 0.0], [0.6, 0.8, 0.0, 0.0]  # d = 1 = margin exactly
    c1[3], c2[3] = [0.0, 0.0, 0.0, 0.0], [3.0, 4.0, 0.0, 0.0]  # d = 5
    same = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    for id_, spec, margin in (("contrastive", "contrastive", 1.0), ("contrastive_margin2", "contrastive:margin=2", 2.0),
                              ("contrastive_margin0", "contrastive:margin=0", 0.0)):
        per = contrastive_reference(c1, c2, same, margin)
        add(id_, spec, "Hadsell, Chopra, LeCun 2006 eq. 4, per pair by hand (Python floats)",
            {"x1": c1, "x2": c2, "same": same}, per, per.mean())
    per = contrastive_reference(f32(c1), f32(c2), same, 1.0)
    add("contrastive_f32", "contrastive", "Hadsell, Chopra, LeCun 2006 eq. 4, per pair by hand (float64 on float32 inputs)",
        {"x1": f32(c1), "x2": f32(c2), "same": same}, per, per.mean(), dtype="float32")

    # ------------------------------------------------------------------ ntxent
    E_i, E_j = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.9, 0.1], [0.1, 0.9]])
    per, mean = ntxent_reference(E_i, E_j, 0.5)
    assert abs(mean - 0.2964603) < 1e-7, mean  # optax = pytorch-metric-learning at tau 0.5 (runs)
    ntxent_case("ntxent_semantics_4_7", "ntxent", E_i, E_j, 0.5)
    zi, zj = RNG.normal(0, 1, (7, 5)), RNG.normal(0, 1, (7, 5))
    zj = zi + 0.3 * zj  # correlated views
    ntxent_case("ntxent", "ntxent", zi, zj, 0.5)
    ntxent_case("ntxent_tau0_1", "ntxent:temperature=0.1", zi, zj, 0.1)
    ntxent_case("ntxent_tau2", "ntxent:temperature=2", zi, zj, 2.0)
    ntxent_case("ntxent_one_pair", "ntxent", zi[:1], zj[:1], 0.5)  # one positive, no negative: 0
    zz = zi.copy()
    zz[2] = 0.0  # a zero embedding: optax's eps clip gives cos 0 with everything
    ntxent_case("ntxent_zero_row", "ntxent:temperature=0.3", zz, zj, 0.3)
    big = RNG.normal(0, 1, (40, 8))
    ntxent_case("ntxent_40", "ntxent:temperature=0.07", big, big + RNG.normal(0, 0.5, (40, 8)), 0.07)
    ntxent_case("ntxent_f32", "ntxent", f32(zi), f32(zj), 0.5, dtype="float32")

    doc = {
        "generated_by": "tests/golden/golden_ranking.py",
        "versions": {"torch": torch.__version__, "numpy": np.__version__},
        "cases": CASES,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
