"""Golden values for the segmentation losses (dice, jaccard, tversky), from reference code written
out here in torch float64.

Run in a scratch environment with torch installed (never a losscli dependency):

    python tests/golden/golden_segmentation.py   # writes golden_segmentation.json and .npz

None of the reference libraries is installed here (optax and Keras need JAX/TensorFlow;
segmentation_models_pytorch is not in the golden environment), so each is written out from its
definition, in a different form from losscli's ``I, P, T`` sums:
- dice: optax ``dice_loss`` form ``(I + s') / (I + 0.5 FP + 0.5 FN + s')`` with ``s' = s/2`` and
  ``FP = sum(p (1 - t))``, ``FN = sum((1 - p) t)`` summed elementwise, per sample and class, then
  the mean over classes (optax's per-sample reduction);
- jaccard: segmentation_models_pytorch ``soft_jaccard_score`` (``I = sum(p t)``,
  ``cardinality = sum(p + t)``, ``(I + s) / (cardinality - I + s).clamp_min(1e-7)``) and
  ``JaccardLoss``'s ``1 - score`` with its empty-class mask (``T = 0`` -> 0), applied to each sample
  alone (a batch of one), the multiclass mode one-hot encoding the labels;
- tversky: Salehi et al. 2017 ``TP / (TP + alpha FP + beta FN)`` with smooth s (Keras' form after
  keras-team/keras#23333, without its 1e-7).
Activations: ``torch.sigmoid`` (one channel) and ``torch.softmax(dim=1)`` (C channels).

The one rule that is not a library's: with ``smooth = 0`` a ``0/0`` ratio (nothing predicted and
nothing to find) is a loss of 0 (losscli's rule, documented in losscli/losses/segmentation.py).
For jaccard the case ``jaccard_empty_target`` (T = 0, P > 0) follows the formula (loss 1) where
SMP's empty-class mask would give 0: its expected values come from the definition, not from the
SMP code (reference says so).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).with_suffix(".json")
NPZ = pathlib.Path(__file__).with_suffix(".npz")
RNG = np.random.default_rng(5)
CASES: list[dict] = []
ARRAYS: dict[str, np.ndarray] = {}


# ---------------------------------------------------------------------------- references


def probabilities(pred: torch.Tensor, channels: bool, logits: bool) -> torch.Tensor:
    """(N, C, K) probabilities from pred (N, C, ...) or (N, ...)."""
    x = pred.reshape(pred.shape[0], pred.shape[1], -1) if channels else pred.reshape(pred.shape[0], 1, -1)
    if logits:
        x = torch.sigmoid(x) if x.shape[1] == 1 else torch.softmax(x, dim=1)
    return x


def targets(target: torch.Tensor, c: int, labels: bool) -> torch.Tensor:
    """(N, C, K) 0/1 targets; labels (N, ...) one-hot over C classes (as SMP multiclass mode)."""
    if labels:
        return F.one_hot(target.reshape(target.shape[0], -1).long(), c).permute(0, 2, 1).double()
    return target.reshape(target.shape[0], c, -1).double()


def zero_over_zero_is_one(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    return torch.where(den == 0, torch.ones_like(num), num / torch.where(den == 0, torch.ones_like(den), den))


def optax_dice(p: torch.Tensor, t: torch.Tensor, smooth: float) -> torch.Tensor:
    """optax dice_loss(smooth=s/2, alpha=beta=0.5, apply_softmax=False): per sample & class, mean over classes."""
    s = smooth / 2
    inter = (p * t).sum(dim=-1)
    fp = (p * (1 - t)).sum(dim=-1)
    fn = ((1 - p) * t).sum(dim=-1)
    score = zero_over_zero_is_one(inter + s, inter + 0.5 * fp + 0.5 * fn + s)
    return (1 - score).mean(dim=1)


def smp_jaccard_per_sample(p: torch.Tensor, t: torch.Tensor, smooth: float) -> torch.Tensor:
    """SMP JaccardLoss on each sample alone: soft_jaccard_score over dims (0, 2), empty-class mask, mean."""
    out = []
    for n in range(p.shape[0]):
        yp, yt = p[n : n + 1], t[n : n + 1]
        dims = (0, 2)
        inter = torch.sum(yp * yt, dim=dims)
        cardinality = torch.sum(yp + yt, dim=dims)
        union = cardinality - inter
        score = (inter + smooth) / (union + smooth).clamp_min(1e-7)
        loss = 1.0 - score
        mask = yt.sum(dims) > 0
        loss = loss * mask.to(loss.dtype)
        out.append(loss.mean())
    return torch.stack(out)


def definition_jaccard(p: torch.Tensor, t: torch.Tensor, smooth: float) -> torch.Tensor:
    """1 - (I + s) / (P + T - I + s) from the definition (no empty-class mask), 0/0 -> loss 0."""
    inter = (p * t).sum(dim=-1)
    union = p.sum(dim=-1) + t.sum(dim=-1) - inter
    return (1 - zero_over_zero_is_one(inter + smooth, union + smooth)).mean(dim=1)


def salehi_tversky(p: torch.Tensor, t: torch.Tensor, alpha: float, beta: float, smooth: float) -> torch.Tensor:
    tp = (p * t).sum(dim=-1)
    fp = (p * (1 - t)).sum(dim=-1)
    fn = ((1 - p) * t).sum(dim=-1)
    score = zero_over_zero_is_one(tp + smooth, tp + alpha * fp + beta * fn + smooth)
    return (1 - score).mean(dim=1)


# ---------------------------------------------------------------------------- cases


def add(id_, spec, reference, per_sample, pred, target, *, weights=None, dtype="float64"):
    per = per_sample.double()
    assert per.shape == (pred.shape[0],) and torch.isfinite(per).all(), id_
    if weights is not None:
        w = torch.as_tensor(np.asarray(weights, dtype=np.float64))
        value = float((per * w).sum() / w.sum())
    else:
        value = float(per.mean())
    case = {"id": id_, "spec": spec, "reference": reference, "dtype": dtype}
    if pred.size + target.size > 200:
        case["inputs_npz"] = NPZ.name
        ARRAYS[f"{id_}__pred"] = pred.astype(np.float32) if dtype == "float32" else pred
        ARRAYS[f"{id_}__target"] = target
    else:
        case["inputs"] = {"pred": pred.tolist(), "target": target.tolist()}
    case["weights"] = None if weights is None else np.asarray(weights, dtype=np.float64).tolist()
    case["per_sample"] = per.tolist()
    case["value"] = value
    if weights is None:
        case["mean"] = value
        case["sum"] = float(per.sum())
    CASES.append(case)


def case(id_, spec, pred, target, *, channels=False, labels=False, logits=False, weights=None, dtype="float64"):
    """Compute the reference for ``spec`` (its name and params) on ``pred``/``target``."""
    name, _, rest = spec.partition(":")
    params = dict(kv.split("=") for kv in rest.split(",")) if rest else {}
    tp = torch.as_tensor(pred.astype(np.float32).astype(np.float64) if dtype == "float32" else pred)
    c = tp.shape[1] if channels else 1
    p = probabilities(tp, channels, logits)
    t = targets(torch.as_tensor(target), c, labels)
    act = ("softmax(dim=1)" if c > 1 else "sigmoid") + " of the logits, then " if logits else ""
    if name == "dice":
        s = float(params.get("smooth", 1.0))
        per, ref = optax_dice(p, t, s), f"{act}optax dice_loss form written out (smooth={s / 2:g}, alpha=beta=0.5), per sample"
    elif name == "jaccard":
        s = float(params.get("smooth", 0.0))
        smp = smp_jaccard_per_sample(p, t, s)
        per = definition_jaccard(p, t, s)
        empty_target_with_pred = ((t.sum(-1) == 0) & (p.sum(-1) > 0)).any()
        if empty_target_with_pred:
            ref = f"{act}definition 1 - (I+s)/(P+T-I+s), s={s:g} (SMP's empty-class mask would give 0 where T = 0)"
        else:
            assert torch.equal(smp, per) or torch.allclose(smp, per, rtol=1e-14, atol=0), id_
            per = smp
            ref = f"{act}segmentation_models_pytorch JaccardLoss (soft_jaccard_score, smooth={s:g}) written out, per sample"
    else:
        a, b, s = (float(params.get(k, d)) for k, d in (("alpha", 0.5), ("beta", 0.5), ("smooth", 0.0)))
        per = salehi_tversky(p, t, a, b, s)
        ref = f"{act}Salehi et al. 2017 TP/(TP + {a:g} FP + {b:g} FN) with smooth {s:g} (keras.losses.tversky after #23333, without 1e-7)"
    add(id_, spec, ref, per, pred, target, weights=weights, dtype=dtype)


def masks(n, *shape, density=0.4):
    return (RNG.uniform(size=(n, *shape)) < density).astype(np.int64)


def soft(target, noise=0.35):
    """Probabilities that roughly follow the target."""
    p = np.clip(target * 0.7 + 0.15 + RNG.normal(0, noise, target.shape), 0, 1)
    return np.round(p, 6)


def main() -> None:
    # Single-channel masks (N, H, W), probabilities.
    t_hw = masks(6, 5, 7)
    p_hw = soft(t_hw)
    t_hw_empty = t_hw.copy()
    p_hw_empty = p_hw.copy()
    t_hw_empty[0] = 0  # empty target, non-empty prediction
    t_hw_empty[1] = 0
    p_hw_empty[1] = 0.0  # empty target and empty prediction: 0/0 with smooth 0
    w = RNG.uniform(0.2, 3.0, 6)
    for spec in ("dice", "dice:smooth=0", "dice:smooth=0.5", "dice:smooth=10"):
        case(spec.replace(":", "_").replace("=", ""), spec, p_hw, t_hw)
    case("dice_empty_masks", "dice", p_hw_empty, t_hw_empty)
    case("dice_empty_masks_smooth0", "dice:smooth=0", p_hw_empty, t_hw_empty)
    case("dice_weighted", "dice", p_hw, t_hw, weights=w)
    case("dice_hand_binary", "dice:smooth=0", np.array([[[0.9, 0.1], [0.8, 0.2]]]), np.array([[[1, 0], [1, 0]]]))
    case("dice_hand_smooth1", "dice", np.array([[0.9, 0.1, 0.8, 0.2]]), np.array([[1, 0, 1, 0]]))

    # One flattened row per sample (N, K), as read from a table.
    t_rows = masks(8, 12)
    p_rows = soft(t_rows)
    case("dice_rows", "dice", p_rows, t_rows)
    case("jaccard_rows", "jaccard", p_rows, t_rows)
    case("tversky_rows", "tversky:alpha=0.3,beta=0.7", p_rows, t_rows)

    # Logits, one channel: sigmoid.
    z_hw = np.round(RNG.normal(0, 2.5, (6, 5, 7)), 4)
    case("dice_logits", "dice:input=logits", z_hw, t_hw, logits=True)
    case("jaccard_logits", "jaccard:input=logits", z_hw, t_hw, logits=True)
    case("tversky_logits", "tversky:input=logits,alpha=0.7,beta=0.3", z_hw, t_hw, logits=True)
    case("dice_logits_extreme", "dice:input=logits", z_hw * 300, t_hw, logits=True)
    # (N, 1, H, W) prediction with an (N, H, W) 0/1 target (SMP binary mode).
    case("dice_one_channel_labels", "dice:input=logits,smooth=0.5", z_hw[:, None], t_hw, logits=True)

    # Label maps (N, H, W) in [0, C) with C-channel predictions (N, C, H, W).
    lab = RNG.integers(0, 3, (5, 6, 6))
    lab[:, 0, :3] = [0, 1, 2]  # every class in every sample (SMP's empty-class mask stays out)
    z = np.round(RNG.normal(0, 2, (5, 3, 6, 6)), 4)
    z[np.arange(5)[:, None, None], lab, np.arange(6)[None, :, None], np.arange(6)[None, None, :]] += 1.5
    e = np.exp(z - z.max(axis=1, keepdims=True))
    probs = np.round(e / e.sum(axis=1, keepdims=True), 8)
    case("dice_labels_logits", "dice:input=logits", z, lab, channels=True, labels=True, logits=True)
    case("dice_labels_probs", "dice:smooth=0", probs, lab, channels=True, labels=True)
    case("jaccard_labels_logits", "jaccard:input=logits", z, lab, channels=True, labels=True, logits=True)
    case("jaccard_labels_probs_smooth", "jaccard:smooth=1", probs, lab, channels=True, labels=True)
    case("tversky_labels_logits", "tversky:input=logits,alpha=0.3,beta=0.7,smooth=1", z, lab, channels=True, labels=True, logits=True)
    # A class absent from a sample's labels: its per-class loss follows the formula.
    lab_missing = lab.copy()
    lab_missing[0][lab_missing[0] == 2] = 1
    case("dice_labels_absent_class", "dice", probs, lab_missing, channels=True, labels=True)
    # The same labels one-hot as a (N, C, H, W) 0/1 target: equal to the label-map case.
    onehot = (lab[:, None] == np.arange(3)[None, :, None, None]).astype(np.int64)
    case("dice_onehot_target", "dice:input=logits", z, onehot, channels=True, logits=True)
    # Multilabel (N, C, H, W) 0/1 masks, probabilities per channel.
    t_ml = masks(4, 2, 5, 5)
    t_ml[:, :, 0, 0] = 1
    case("jaccard_multilabel", "jaccard", soft(t_ml), t_ml, channels=True)
    case("tversky_multilabel", "tversky:alpha=1,beta=1", soft(t_ml), t_ml, channels=True)

    # Jaccard (SMP written out) and its empty-mask rules.
    t_full = t_hw.copy()
    t_full[:, 0, 0] = 1  # no empty target
    case("jaccard", "jaccard", p_hw, t_full)
    case("jaccard_smooth1", "jaccard:smooth=1", p_hw, t_full)
    case("jaccard_weighted", "jaccard", p_hw, t_full, weights=w)
    case("jaccard_hand", "jaccard", np.array([[[0.9, 0.1], [0.8, 0.2]]]), np.array([[[1, 0], [1, 0]]]))
    both_empty_p, both_empty_t = p_hw.copy(), t_full.copy()
    both_empty_p[2], both_empty_t[2] = 0.0, 0
    case("jaccard_both_empty", "jaccard", both_empty_p, both_empty_t)
    case("jaccard_empty_target", "jaccard", p_hw_empty, t_hw_empty)

    # Tversky.
    case("tversky", "tversky", p_hw, t_hw)
    case("tversky_fp_heavy", "tversky:alpha=0.7,beta=0.3", p_hw, t_hw)
    case("tversky_fn_heavy_smooth", "tversky:alpha=0.3,beta=0.7,smooth=1", p_hw, t_hw)
    case("tversky_alpha0", "tversky:alpha=0,beta=1", p_hw_empty, t_hw_empty)
    case("tversky_empty_masks", "tversky", p_hw_empty, t_hw_empty)
    case("tversky_weighted", "tversky:alpha=0.3,beta=0.7", p_hw, t_hw, weights=w)
    case("tversky_keras_example", "tversky:alpha=0.3,beta=0.7", np.array([[0.8, 0.2, 0.5]]), np.array([[1, 1, 0]]))

    # float32 inputs (the reference computes in float64 on the float32 values).
    case("dice_f32", "dice", p_hw, t_hw, dtype="float32")
    case("jaccard_f32", "jaccard", p_hw, t_full, dtype="float32")
    case("tversky_f32", "tversky:alpha=0.3,beta=0.7", p_hw, t_hw, dtype="float32")

    doc = {
        "generated_by": "tests/golden/golden_segmentation.py",
        "versions": {"torch": torch.__version__, "numpy": np.__version__},
        "cases": CASES,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    np.savez_compressed(NPZ, **ARRAYS)
    print(f"{len(CASES)} cases -> {OUT} ({len(ARRAYS)} arrays in {NPZ.name})")


if __name__ == "__main__":
    main()
