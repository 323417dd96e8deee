"""Golden values for the GAN losses.

Run in a scratch environment with torch installed (never a losscli dependency):

    python tests/golden/golden_gan.py     # writes tests/golden/golden_gan.json

References:
- gan_d / gan_g with ``input=probs``: the pytorch/examples ``dcgan/main.py`` composition with
  ``nn.BCELoss`` on D's outputs against ones/zeros: errD = BCE(D(x), 1) + BCE(D(G(z)), 0),
  errG = BCE(D(G(z)), 1); minimax = -BCE(D(G(z)), 0) = mean log(1 - D(G(z))). Per-sample values
  from ``reduction="none"``, the mean from the reductions as dcgan writes them (for gan_d the sum
  of the two batch means).
- ``input=logits``: the same with ``binary_cross_entropy_with_logits``. Each term uses target 1:
  -log(1 - sigmoid(x)) is written BCEWithLogits(-x, 1), which equals BCEWithLogits(x, 0) in exact
  arithmetic; torch's target-0 path computes ``x - log_sigmoid(x)``, which cancels to 0 for
  x << 0 (x = -40 gives 0 instead of 4.2e-18). The script checks the two forms agree elsewhere.
- wgan_d / wgan_g / hinge_gan_d / hinge_gan_g: no library ships them; the formulas of Arjovsky et al.
  2017 and Miyato et al. 2018 written out in torch float64 (hand-computed goldens).

float32 cases hold float32-exact inputs (the test casts them to float32); the reference runs in
float64 on those values, as losscli computes float32 inputs in float64.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).with_suffix(".json")
RNG = np.random.default_rng(5)
CASES: list[dict] = []


def t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def add(id_, spec, reference, inputs, per_sample, mean, dtype="float64"):
    per = np.asarray(per_sample, dtype=np.float64)
    CASES.append(
        {
            "id": id_,
            "spec": spec,
            "reference": reference,
            "dtype": dtype,
            "inputs": {k: np.asarray(v, dtype=np.float64).tolist() for k, v in inputs.items()},
            "weights": None,
            "per_sample": per.tolist(),
            "mean": float(mean),
            "sum": float(per.sum()),
            "value": float(mean),
        }
    )


def bce(x, target: float, logits: bool, reduction: str):
    """BCE of D outputs against a constant target (BCELoss, or BCEWithLogits as explained above)."""
    x = t(x)
    if not logits:
        return F.binary_cross_entropy(x, torch.full_like(x, target), reduction=reduction)
    if target == 1.0:
        return F.binary_cross_entropy_with_logits(x, torch.ones_like(x), reduction=reduction)
    direct = F.binary_cross_entropy_with_logits(x, torch.zeros_like(x), reduction="none")
    flipped = F.binary_cross_entropy_with_logits(-x, torch.ones_like(x), reduction="none")
    torch.testing.assert_close(direct, flipped, rtol=1e-13, atol=1e-15)  # same value, but for x << 0
    return F.binary_cross_entropy_with_logits(-x, torch.ones_like(x), reduction=reduction)


def gan_d_case(id_, real, fake, *, logits=False, dtype="float64"):
    per = (bce(real, 1.0, logits, "none") + bce(fake, 0.0, logits, "none")).numpy()
    mean = (bce(real, 1.0, logits, "mean") + bce(fake, 0.0, logits, "mean")).item()
    fn = "binary_cross_entropy_with_logits" if logits else "BCELoss"
    spec = "gan_d:input=logits" if logits else "gan_d"
    add(id_, spec, f"dcgan errD = {fn}(D(x), 1) + {fn}(D(G(z)), 0)", {"real": real, "fake": fake}, per, mean, dtype)


def gan_g_case(id_, fake, *, logits=False, minimax=False, dtype="float64"):
    if minimax:  # log(1 - D(G(z))) = -BCE(D(G(z)), 0)
        per, mean = -bce(fake, 0.0, logits, "none").numpy(), -bce(fake, 0.0, logits, "mean").item()
    else:
        per, mean = bce(fake, 1.0, logits, "none").numpy(), bce(fake, 1.0, logits, "mean").item()
    params = [p for p, on in (("mode=minimax", minimax), ("input=logits", logits)) if on]
    spec = "gan_g" + (":" + ",".join(params) if params else "")
    fn = "binary_cross_entropy_with_logits" if logits else "BCELoss"
    ref = f"-{fn}(D(G(z)), 0) (minimax)" if minimax else f"dcgan errG = {fn}(D(G(z)), 1)"
    add(id_, spec, ref, {"fake": fake}, per, mean, dtype)


def formula_case(id_, spec, reference, fn, inputs, dtype="float64"):
    per = fn(*(t(v) for v in inputs.values()))
    add(id_, spec, reference, inputs, per.numpy(), per.mean().item(), dtype)


def main() -> None:
    n = 10
    # ------------------------------------------------------------------ gan_d / gan_g, probabilities
    real_p, fake_p = RNG.uniform(0.05, 0.99, n), RNG.uniform(0.01, 0.9, n)
    gan_d_case("gan_d_semantics_4_9", [0.9, 0.8], [0.3, 0.1])  # errD = 0.3952697633
    gan_d_case("gan_d", real_p, fake_p)
    # probabilities 0 and 1: each log is clamped at -100 (a term is at most 100)
    edge_real = np.array([0.0, 1.0, 1.0, 0.0, 1e-50, 0.5, 1.0 - 1e-16])
    edge_fake = np.array([1.0, 0.0, 1.0, 0.0, 0.5, 1e-300, 1.0 - 1e-16])
    gan_d_case("gan_d_probs_0_1", edge_real, edge_fake)
    gan_d_case("gan_d_f32", f32(real_p), f32(fake_p), dtype="float32")
    gan_g_case("gan_g_semantics_4_9", [0.3, 0.1])  # errG = 1.753278949
    gan_g_case("gan_g_minimax_semantics_4_9", [0.3, 0.1], minimax=True)  # -0.2310177298
    gan_g_case("gan_g", fake_p)
    gan_g_case("gan_g_minimax", fake_p, minimax=True)
    gan_g_case("gan_g_probs_0_1", edge_fake)
    gan_g_case("gan_g_minimax_probs_0_1", edge_fake, minimax=True)
    gan_g_case("gan_g_f32", f32(fake_p), dtype="float32")
    gan_g_case("gan_g_minimax_f32", f32(fake_p), minimax=True, dtype="float32")

    # ------------------------------------------------------------------ logits, extreme ones included
    real_l, fake_l = RNG.normal(1.0, 2.0, n), RNG.normal(-1.0, 2.0, n)
    ext_real = np.array([1000.0, -1000.0, 40.0, -40.0, 0.0, 1e-3, 35.0, -800.0, 710.0])
    ext_fake = np.array([-1000.0, 1000.0, -40.0, 40.0, 0.0, -1e-3, 36.7, 800.0, -710.0])
    gan_d_case("gan_d_logits", real_l, fake_l, logits=True)
    gan_d_case("gan_d_logits_extreme", ext_real, ext_fake, logits=True)
    gan_d_case("gan_d_logits_f32", f32(real_l), f32(fake_l), logits=True, dtype="float32")
    gan_g_case("gan_g_logits", fake_l, logits=True)
    gan_g_case("gan_g_logits_extreme", ext_fake, logits=True)
    gan_g_case("gan_g_minimax_logits", fake_l, logits=True, minimax=True)
    gan_g_case("gan_g_minimax_logits_extreme", ext_fake, logits=True, minimax=True)
    gan_g_case("gan_g_logits_f32", f32(fake_l), logits=True, dtype="float32")

    # ------------------------------------------------------------------ Wasserstein and hinge (formulas)
    real_s, fake_s = RNG.normal(0.5, 2.0, n), RNG.normal(-0.5, 2.0, n)
    real_s[:3], fake_s[:3] = [1.0, 1.0, -1e6], [-1.0, 0.5, 1e6]  # hinge boundaries, huge scores
    scores = {"real": real_s, "fake": fake_s}
    wgan = "Arjovsky et al. 2017: D(G(z)) - D(x), torch float64"
    formula_case("wgan_d", "wgan_d", wgan, lambda r, f: f - r, scores)
    formula_case("wgan_d_f32", "wgan_d", wgan, lambda r, f: f - r, {k: f32(v) for k, v in scores.items()}, "float32")
    formula_case("wgan_g", "wgan_g", "Arjovsky et al. 2017: -D(G(z)), torch float64", lambda f: -f, {"fake": fake_s})
    formula_case("wgan_g_f32", "wgan_g", "Arjovsky et al. 2017: -D(G(z))", lambda f: -f, {"fake": f32(fake_s)}, "float32")
    hinge = "Miyato et al. 2018: relu(1 - D(x)) + relu(1 + D(G(z))), torch float64"
    hinge_d = lambda r, f: torch.relu(1.0 - r) + torch.relu(1.0 + f)  # noqa: E731
    formula_case("hinge_gan_d", "hinge_gan_d", hinge, hinge_d, scores)
    formula_case("hinge_gan_d_f32", "hinge_gan_d", hinge, hinge_d, {k: f32(v) for k, v in scores.items()}, "float32")
    formula_case("hinge_gan_g", "hinge_gan_g", "Miyato et al. 2018: -D(G(z)), torch float64", lambda f: -f, {"fake": fake_s})
    formula_case("hinge_gan_g_f32", "hinge_gan_g", "Miyato et al. 2018: -D(G(z))", lambda f: -f, {"fake": f32(fake_s)}, "float32")

    semantics = {c["id"]: c["value"] for c in CASES}
    assert abs(semantics["gan_d_semantics_4_9"] - 0.3952697633) < 1e-9
    assert abs(semantics["gan_g_semantics_4_9"] - 1.753278949) < 1e-9
    assert abs(semantics["gan_g_minimax_semantics_4_9"] + 0.2310177298) < 1e-9

    doc = {
        "generated_by": "tests/golden/golden_gan.py",
        "versions": {"torch": torch.__version__, "numpy": np.__version__},
        "cases": CASES,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
