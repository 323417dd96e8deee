"""dice, jaccard, tversky: hand-computed values, shapes (masks, rows, label maps), empty masks,
logits, errors through the CLI. Golden values against the written-out references are in
tests/golden/golden_segmentation.json (tests/test_golden.py).

The running example (segmentation_models_pytorch's binary example): one 2x2 image
p = [[0.9, 0.1], [0.8, 0.2]], t = [[1, 0], [1, 0]], so I = 0.9 + 0.8 = 1.7, P = 2.0, T = 2:
  dice s=0: 1 - 2*1.7/(2 + 2) = 0.15;  dice s=1: 1 - (3.4 + 1)/(4 + 1) = 0.12
  jaccard s=0: 1 - 1.7/(2 + 2 - 1.7) = 0.6/2.3 = 0.26086956...
  tversky a=b=0.5: FP = P - I = 0.3, FN = T - I = 0.3: 1 - 1.7/(1.7 + 0.15 + 0.15) = 0.15 (= dice)
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from losscli.errors import ShapeError, SpecError, ValueDomainError
from losscli.losses import parse_spec

from conftest import fails

P = np.array([[[0.9, 0.1], [0.8, 0.2]]])
T = np.array([[[1, 0], [1, 0]]])


def run(spec: str, *arrays):
    (bound,) = parse_spec(spec)
    return bound(*arrays)


# ---------------------------------------------------------------------------- hand-computed


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("dice:smooth=0", 0.15),
        ("dice", 0.12),  # smooth=1 by default
        ("dice:smooth=2", 1 - (3.4 + 2) / (4 + 2)),
        ("jaccard", 0.6 / 2.3),  # smooth=0 by default
        ("jaccard:smooth=1", 1 - 2.7 / 3.3),
        ("tversky", 0.15),
        ("tversky:alpha=1,beta=1", 0.6 / 2.3),  # alpha = beta = 1 is jaccard
        ("tversky:alpha=0.5,beta=0.5,smooth=0.5", 0.12),  # dice with the smoothing doubled
    ],
)
def test_running_example(spec, expected):
    np.testing.assert_allclose(run(spec, P, T), [expected], rtol=1e-14)


def test_tversky_alpha_weights_false_positives():
    # p = [0.8, 0.2, 0.5], t = [1, 1, 0]: I = 0.8 + 0.2 = 1, P = 1.5, T = 2: FP = P - I = 0.5, FN = T - I = 1
    p, t = np.array([[0.8, 0.2, 0.5]]), np.array([[1, 1, 0]])
    np.testing.assert_allclose(run("tversky:alpha=0.3,beta=0.7", p, t), [1 - 1 / (1 + 0.3 * 0.5 + 0.7 * 1.0)], rtol=1e-14)
    # Keras before keras-team/keras#23333 weighted FN by alpha: its 0.3939394 is our alpha=0.7, beta=0.3.
    np.testing.assert_allclose(run("tversky:alpha=0.7,beta=0.3", p, t), [1 - 1 / 1.65], rtol=1e-14)


def test_label_map_is_one_hot_per_class_then_mean():
    # pred (1, 2, 1, 2): class 0 = [0.7, 0.4], class 1 = [0.3, 0.6]; labels [[0, 1]].
    # class 0: t = [1, 0], I = 0.7, P = 1.1, T = 1 -> 1 - 1.4/2.1 = 1/3
    # class 1: t = [0, 1], I = 0.6, P = 0.9, T = 1 -> 1 - 1.2/1.9 = 0.7/1.9
    p = np.array([[[[0.7, 0.4]], [[0.3, 0.6]]]])
    labels = np.array([[[0, 1]]])
    expected = (1 / 3 + 0.7 / 1.9) / 2
    np.testing.assert_allclose(run("dice:smooth=0", p, labels), [expected], rtol=1e-14)
    onehot = np.array([[[[1, 0]], [[0, 1]]]])  # the same target as (N, C, H, W) 0/1 masks
    np.testing.assert_allclose(run("dice:smooth=0", p, onehot), [expected], rtol=1e-14)
    np.testing.assert_allclose(run("dice:smooth=0", p, labels.astype(np.uint8)), [expected], rtol=1e-14)
    np.testing.assert_allclose(run("dice:smooth=0", p, labels.astype(np.float64)), [expected], rtol=1e-14)


def test_logits_single_channel_take_a_sigmoid():
    # logits 0 -> p = 0.5; t = [1, 0]: I = 0.5, P = 1, T = 1 -> dice s=0 = 1 - 1/2
    np.testing.assert_allclose(run("dice:smooth=0,input=logits", np.array([[0.0, 0.0]]), np.array([[1, 0]])), [0.5])
    # logit log(3) -> p = 0.75: I = 0.75, P = 0.75, T = 1 -> jaccard = 1 - 0.75/1
    np.testing.assert_allclose(run("jaccard:input=logits", np.array([[np.log(3.0)]]), np.array([[1]])), [0.25], rtol=1e-14)


def test_logits_over_channels_take_a_softmax():
    # class logits [log 3, 0] -> softmax [0.75, 0.25]; pixel 2 the other way round; labels [0, 1]
    # each class: I = 0.75, P = 1, T = 1 -> dice s=0 = 1 - 1.5/2 = 0.25
    z = np.array([[[[np.log(3.0), 0.0]], [[0.0, np.log(3.0)]]]])
    np.testing.assert_allclose(run("dice:smooth=0,input=logits", z, np.array([[[0, 1]]])), [0.25], rtol=1e-14)


def test_one_channel_pred_with_a_mask_target():
    # (N, 1, H, W) with (N, H, W) 0/1 (SMP's binary mode) = the (N, H, W) case
    np.testing.assert_allclose(run("dice", P[:, None], T), run("dice", P, T), rtol=0)


@pytest.mark.filterwarnings("error")
def test_extreme_logits_stay_finite_without_warnings():
    z = np.array([[1e4, -1e4, 800.0, -800.0]])
    t = np.array([[1, 0, 1, 0]])
    np.testing.assert_allclose(run("dice:smooth=0,input=logits", z, t), [0.0], atol=0)
    zc = np.array([[[[1e4, -1e4]], [[-1e4, 1e4]]]])
    np.testing.assert_allclose(run("jaccard:input=logits", zc, np.array([[[0, 1]]])), [0.0], atol=0)


# ---------------------------------------------------------------------------- empty masks


def test_empty_masks():
    empty = np.zeros((1, 2, 2))
    # nothing predicted, nothing to find: 0 for every smooth (0/0 is a loss of 0 when smooth = 0)
    for spec in ("dice", "dice:smooth=0", "jaccard", "jaccard:smooth=1", "tversky", "tversky:alpha=0,beta=1"):
        assert run(spec, empty, empty.astype(int)).tolist() == [0.0], spec
    # empty target, P = 0.25 + 0.25: dice s=1 -> 1 - 1/(0.5 + 1) = 1/3; jaccard s=0 -> 1 - 0/0.5 = 1
    p = np.array([[[0.25, 0.0], [0.0, 0.25]]])
    np.testing.assert_allclose(run("dice", p, empty), [1 / 3], rtol=1e-14)
    assert run("dice:smooth=0", p, empty).tolist() == [1.0]
    assert run("jaccard", p, empty).tolist() == [1.0]
    # tversky with alpha = 0 ignores false positives: 0/0 -> 0
    assert run("tversky:alpha=0,beta=1", p, empty).tolist() == [0.0]


# ---------------------------------------------------------------------------- scalar / batched / mismatch


@pytest.mark.parametrize("spec", ["dice", "jaccard", "tversky:alpha=0.3,beta=0.7"])
class TestTrio:
    def test_scalar(self, spec):
        out = run(spec, P, T)
        assert out.shape == (1,) and out.dtype == np.float64

    def test_batched(self, spec):
        rng = np.random.default_rng(0)
        t = (rng.uniform(size=(5, 4, 3)) > 0.5).astype(int)
        p = rng.uniform(size=(5, 4, 3))
        out = run(spec, p, t)
        rows = [run(spec, p[i : i + 1], t[i : i + 1])[0] for i in range(5)]
        np.testing.assert_allclose(out, rows, rtol=1e-15)
        # one flattened row per sample (a table) gives the same values
        np.testing.assert_allclose(run(spec, p.reshape(5, -1), t.reshape(5, -1)), out, rtol=1e-15)

    def test_shape_mismatch(self, spec):
        with pytest.raises(ShapeError, match=r"got \(1, 2, 2\) and \(1, 2, 3\)"):
            run(spec, P, np.zeros((1, 2, 3)))


def test_label_map_shape_mismatch_names_both_shapes():
    with pytest.raises(ShapeError) as e:
        run("dice", np.zeros((2, 3, 4, 4)), np.zeros((2, 4, 5), dtype=int))
    assert str(e.value) == (
        "pred and target must have the same shape (or target labels (N, H, W) for pred (N, C, H, W)), "
        "got (2, 3, 4, 4) and (2, 4, 5)"
    )
    # (N, H, W) with (N, W) is not a label map with C = H: channels exist from 4-D predictions on
    with pytest.raises(ShapeError, match=r"got \(2, 4, 4\) and \(2, 4\)$"):
        run("dice", np.full((2, 4, 4), 0.5), np.zeros((2, 4), dtype=int))


# ---------------------------------------------------------------------------- value errors


def test_probabilities_outside_0_1():
    with pytest.raises(ValueDomainError) as e:
        run("dice", np.array([[0.5, 0.5], [0.2, 1.5]]), np.array([[1, 0], [0, 1]]))
    assert (e.value.row, str(e.value)) == (1, "pred values must be in [0, 1] (pass input=logits for logits), got 1.5 at row 2")


def test_target_mask_not_0_1():
    with pytest.raises(ValueDomainError, match=r"^target mask values must be 0 or 1, got 0.5 at row 1$"):
        run("jaccard", P, np.array([[[1, 0], [0.5, 0]]]))


def test_labels_out_of_range_or_not_integers():
    p = np.full((2, 3, 1, 2), 1 / 3)
    with pytest.raises(ValueDomainError, match=r"^target labels must be integers in \[0, 3\), got 3 at row 2$"):
        run("dice", p, np.array([[[0, 2]], [[3, 1]]]))
    with pytest.raises(ValueDomainError, match=r"^target labels must be integers in \[0, 3\), got -1 at row 1$"):
        run("dice", p, np.array([[[-1, 2]], [[0, 1]]]))
    with pytest.raises(ValueDomainError, match=r"got 1.5 at row 1$"):
        run("dice", p, np.array([[[1.5, 2]], [[0, 1]]]))


@pytest.mark.parametrize(
    "spec, message",
    [
        ("dice:smooth=-1", "Parameter 'smooth' of loss 'dice' must be >= 0, got -1."),
        ("tversky:alpha=-0.5", "Parameter 'alpha' of loss 'tversky' must be >= 0, got -0.5."),
        ("jaccard:input=log_probs", "Parameter 'input' of loss 'jaccard' must be one of probs, logits, got log_probs."),
    ],
)
def test_param_domains(spec, message):
    with pytest.raises(SpecError) as e:
        parse_spec(spec)
    assert str(e.value) == message


def test_float32_inputs_are_computed_in_float64():
    rng = np.random.default_rng(1)
    p = rng.uniform(size=(4, 3, 3)).astype(np.float32)
    t = (rng.uniform(size=(4, 3, 3)) > 0.5).astype(np.uint8)
    out = run("dice", p, t)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, run("dice", p.astype(np.float64), t.astype(np.float64)), rtol=1e-15)


def test_aliases():
    for alias, name in (("soft_dice", "dice"), ("iou_seg", "jaccard"), ("jaccard_loss", "jaccard"), ("tversky_loss", "tversky")):
        assert parse_spec(alias)[0].spec.name == name


# ---------------------------------------------------------------------------- CLI



def test_cli_masks_npy_and_rows_csv_agree(cli, files):
    rng = np.random.default_rng(2)
    p = np.round(rng.uniform(size=(3, 2, 2)), 3)
    t = (rng.uniform(size=(3, 2, 2)) > 0.5).astype(np.uint8)
    files.npy("p.npy", p)
    files.npy("t.npy", t)
    header = [f"p_{j}" for j in range(4)] + [f"t_{j}" for j in range(4)]
    files.csv("m.csv", header, *(list(p[i].ravel()) + list(t[i].ravel()) for i in range(3)))
    a = json.loads(cli("eval", "p.npy", "t.npy", "-l", "dice", "-f", "json").stdout)["losses"][0]
    b = json.loads(cli("eval", "m.csv", "-p", "p_*", "-y", "t_*", "-l", "dice", "-f", "json").stdout)["losses"][0]
    assert a["value"] == pytest.approx(b["value"], rel=1e-15)
    assert a["value"] == pytest.approx(run("dice", p, t).mean(), rel=1e-15)


def test_cli_label_map_with_logits(cli, files):
    files.npy("z.npy", np.zeros((2, 3, 2, 2)))  # uniform softmax: p = 1/3 everywhere
    files.npy("lab.npy", np.array([[[0, 1], [2, 2]], [[0, 0], [0, 0]]], dtype=np.uint8))
    result = cli("eval", "z.npy", "lab.npy", "-l", "dice:input=logits,smooth=0", "-f", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    # sample 1: classes with T = 1, 1, 2 and P = 4/3 each: 1 - (2/3)/(7/3) = 5/7, 1 - (4/3)/(10/3) = 3/5
    # sample 2: class 0 T = 4 (1 - (8/3)/(16/3) = 1/2), classes 1, 2 T = 0 (I = 0: loss 1)
    expected = ((5 / 7 + 5 / 7 + 3 / 5) / 3 + (0.5 + 1 + 1) / 3) / 2
    assert json.loads(result.stdout)["losses"][0]["value"] == pytest.approx(expected, rel=1e-14)


def test_cli_probabilities_out_of_range(cli, files):
    files.npy("p.npy", np.array([[[0.2, 0.4]], [[1.5, 0.3]]]))
    files.npy("t.npy", np.array([[[1, 0]], [[0, 1]]]))
    fails(
        cli("eval", "p.npy", "t.npy", "-l", "dice"),
        3,
        "dice: pred (p.npy) values must be in [0, 1] (pass input=logits for logits), got 1.5 at row 2",
    )


def test_cli_label_out_of_range(cli, files):
    files.npy("z.npy", np.zeros((2, 3, 1, 2)))
    files.npy("lab.npy", np.array([[[0, 1]], [[3, 1]]]))
    fails(
        cli("eval", "z.npy", "lab.npy", "-l", "jaccard:input=logits"),
        3,
        "jaccard: target (lab.npy) labels must be integers in [0, 3), got 3 at row 2",
    )


def test_cli_shape_mismatch(cli, files):
    files.npy("p.npy", np.full((2, 2, 2), 0.5))
    files.npy("t.npy", np.zeros((2, 2, 3), dtype=int))
    fails(
        cli("eval", "p.npy", "t.npy", "-l", "tversky"),
        3,
        "tversky: pred (p.npy) and target (t.npy) must have the same shape (or target labels (N, H, W) for pred (N, C, H, W)), got (2, 2, 2) and (2, 2, 3)",
    )


def test_nan_propagates_and_empty_input_is_no_rows(cli, files):
    # NaN reaches a loss only under --nan-policy propagate: it gives nan, not a domain error
    assert np.isnan(run("dice", np.array([[np.nan, 0.5]]), np.array([[1, 0]]))).all()
    assert np.isnan(run("jaccard", np.array([[0.5, 0.5]]), np.array([[np.nan, 0]]))).all()
    assert run("dice", np.zeros((0, 4, 4)), np.zeros((0, 4, 4))).shape == (0,)
    assert run("dice", np.zeros((0, 3, 4, 4)), np.zeros((0, 4, 4), dtype=int)).shape == (0,)
    files.npy("e.npy", np.zeros((0, 4, 4)))
    fails(cli("eval", "e.npy", "e.npy", "-l", "dice"), 3, "No rows to evaluate.")


# ---------------------------------------------------------------------------- generalized_dice


def gdl_reference(p, labels, smooth=1.0):
    """Sudre et al. written out with loops over (N, C, K) probabilities and (N, K) labels:
    w_c = 1 / (F_c^2 + 1e-7) normalised to sum C, per sample mean_c w_c (1 - (I + s)/((P + T)/2 + s))."""
    n, c, k = len(p), len(p[0]), len(p[0][0])
    freq = [sum(1 for i in range(n) for j in range(k) if labels[i][j] == cl) for cl in range(c)]
    w = [1.0 / (f * f + 1e-7) for f in freq]
    w = [v / sum(w) * c for v in w]
    out = []
    for i in range(n):
        total = 0.0
        for cl in range(c):
            inter = sum(p[i][cl][j] for j in range(k) if labels[i][j] == cl)
            pred = sum(p[i][cl][j] for j in range(k))
            true = sum(1 for j in range(k) if labels[i][j] == cl)
            total += w[cl] * (1.0 - (inter + smooth) / ((pred + true) / 2 + smooth))
        out.append(total / c)
    return np.array(out)


def test_generalized_dice_matches_a_loop_reference():
    from losscli.losses.segmentation import generalized_dice

    rng = np.random.default_rng(3)
    x = rng.uniform(size=(5, 3, 2, 3))
    p = x / x.sum(axis=1, keepdims=True)
    labels = rng.integers(0, 3, size=(5, 2, 3))
    labels[0, 0, 0], labels[1, 0, 0] = 0, 0  # class 0 frequent, class 2 rare: weights differ
    labels[labels == 2] = 1
    labels[2, 1, 2] = 2
    want = gdl_reference(p.reshape(5, 3, 6).tolist(), labels.reshape(5, 6).tolist(), smooth=0.5)
    np.testing.assert_allclose(generalized_dice(p, labels, smooth=0.5), want, rtol=1e-12)


def test_generalized_dice_depends_on_the_other_rows():
    """The class weights come from every row's target: a sample's value changes when rows are
    added, which is why the loss is evaluated on all rows at once (rowwise=False)."""
    from losscli.losses.segmentation import generalized_dice

    p = np.array([[[[0.9, 0.2]], [[0.1, 0.8]]]])
    alone = generalized_dice(p, np.array([[[0, 1]]]))
    with_more = generalized_dice(np.concatenate([p, p]), np.array([[[0, 1]], [[0, 0]]]))
    assert alone[0] != pytest.approx(with_more[0], rel=1e-3)


def test_generalized_dice_refuses_chunks(cli, files):
    files.npy("p.npy", np.full((2, 2, 1, 2), 0.5))
    files.npy("t.npy", np.zeros((2, 1, 2), dtype=np.int64))
    result = cli("eval", "p.npy", "t.npy", "-l", "generalized_dice", "--chunk-rows", "1", "--no-hash")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: --chunk-rows: generalized_dice ") and result.stderr.count("\n") == 1
