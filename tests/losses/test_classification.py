"""Classification losses: hand-computed values, edge cases, the scalar/batched/
shape-mismatch trio per loss, and the CLI's exact error lines.

The reference values (torch, torchvision, scikit-learn) are in tests/golden/golden_classification.json;
the numbers here are worked out by hand, from softmax([ln 3, 0]) = [3/4, 1/4] unless stated, or
quoted from runs of torch / torchvision / scikit-learn (the library is named at each value).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from losscli import evaluate
from losscli.errors import InputError, ShapeError, SpecError, ValueDomainError
from losscli.losses import parse_spec
from losscli.losses import classification as cl

from conftest import fails

LN2, LN3, LN4 = math.log(2.0), math.log(3.0), math.log(4.0)
X34 = np.array([[LN3, 0.0]])  # softmax = [3/4, 1/4]
EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)


def a(*values):
    return np.array(values, dtype=np.float64)


def loss(spec: str):
    (bound,) = parse_spec(spec)
    return bound


# ---------------------------------------------------------------------------- cross-entropy


def test_ce_labels_hand_values():
    # -log(3/4) = ln(4/3) for class 0, -log(1/4) = ln 4 for class 1
    out = cl.cross_entropy(np.vstack([X34, X34]), np.array([0, 1]))
    np.testing.assert_allclose(out, [math.log(4 / 3), LN4], rtol=1e-15)


def test_ce_class_weights_enter_the_normaliser():
    # weight (1, 3): per-sample [ln(4/3), 3 ln 4]; mean = sum / (1 + 3) (torch divides by sum of w_y)
    x, y = np.vstack([X34, X34]), np.array([0, 1])
    r = evaluate(x, y, ["ce:weight=1;3"]).losses[0]
    assert r.sum == pytest.approx(math.log(4 / 3) + 3 * LN4, rel=1e-15)
    assert r.value == pytest.approx((math.log(4 / 3) + 3 * LN4) / 4, rel=1e-15)
    # the statistics are those of the per-sample w_y l, named so: their mean divides by the 2 rows
    assert (r.per_sample, r.mean) == ("ce:weight=1;3.class_weighted", pytest.approx((math.log(4 / 3) + 3 * LN4) / 2, rel=1e-15))


def test_ce_ignored_rows_are_zero_and_leave_the_mean():
    x, y = np.vstack([X34, X34, X34]), np.array([0, -100, 1])
    b = loss("ce")
    np.testing.assert_allclose(b(x, y), [math.log(4 / 3), 0.0, LN4], rtol=1e-15)
    np.testing.assert_array_equal(b.normalizer(x, y), [1.0, 0.0, 1.0])
    assert evaluate(x, y, ["ce"]).losses[0].mean == pytest.approx((math.log(4 / 3) + LN4) / 2, rel=1e-15)


def test_ce_ignore_index_inside_the_class_range():
    x, y = np.vstack([X34, X34]), np.array([0, 1])
    np.testing.assert_allclose(cl.cross_entropy(x, y, ignore_index=1), [math.log(4 / 3), 0.0], rtol=1e-15)


def test_ce_label_smoothing_hand_value():
    # eps = 0.5, C = 2: (1 - eps) ln(4/3) + eps/C (ln(4/3) + ln 4) = 0.75 ln(4/3) + 0.25 ln 4
    out = cl.cross_entropy(X34, np.array([0]), label_smoothing=0.5)
    np.testing.assert_allclose(out, [0.75 * math.log(4 / 3) + 0.25 * LN4], rtol=1e-15)


def test_ce_semantics_4_2_values():
    # torch.nn.functional.cross_entropy run values (float64)
    x = np.array([[2, 1, 0.1], [0.5, 2.5, 0.3], [1, 1, 1], [0, 0, 3]])
    y = np.array([0, 1, 2, -100])
    np.testing.assert_allclose(cl.cross_entropy(x, y), [0.4170300163, 0.220049523, 1.0986122887, 0.0], rtol=1e-9)
    assert evaluate(x, y, ["ce"]).losses[0].mean == pytest.approx(0.5785639427, rel=1e-9)
    assert evaluate(x, y, ["ce:weight=1;2;3"]).losses[0].value == pytest.approx(0.6921609881, rel=1e-9)
    assert evaluate(x, y, ["ce:label_smoothing=0.1"]).losses[0].mean == pytest.approx(0.6574528315, rel=1e-9)
    assert evaluate(x, y, ["ce:label_smoothing=0.1,weight=1;2;3"]).losses[0].value == pytest.approx(0.7713568391, rel=1e-9)
    p = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.2, 0.3, 0.5]])
    assert evaluate(x, p, ["ce:weight=1;2;3"]).losses[0].value == pytest.approx(1.692822182, rel=1e-9)  # / N


def test_ce_probability_targets_and_their_mean_divides_by_n():
    # target [1/2, 1/2]: 0.5 ln(4/3) + 0.5 ln 4; class weights are not in the divisor
    x, t = np.vstack([X34, X34]), np.array([[0.5, 0.5], [1.0, 0.0]])
    out = cl.cross_entropy(x, t, weight=(2.0, 2.0))
    np.testing.assert_allclose(out, [math.log(4 / 3) + LN4, 2 * math.log(4 / 3)], rtol=1e-15)
    assert loss("ce:weight=2;2").normalizer(x, t) is None


def test_ce_inputs_probs_and_log_probs():
    p = np.array([[0.75, 0.25]])
    np.testing.assert_allclose(cl.cross_entropy(p, np.array([0]), input="probs"), [math.log(4 / 3)], rtol=1e-15)
    np.testing.assert_allclose(cl.cross_entropy(np.log(p), np.array([1]), input="log_probs"), [LN4], rtol=1e-15)


def test_ce_float_labels_holding_whole_numbers_are_accepted():
    x = np.vstack([X34, X34])
    np.testing.assert_array_equal(cl.cross_entropy(x, a(0.0, 1.0)), cl.cross_entropy(x, np.array([0, 1])))


def test_ce_extreme_logits():
    x = np.array([[1e4, 0.0], [1e4, 0.0], [-1e4, 1e4]])
    np.testing.assert_array_equal(cl.cross_entropy(x, np.array([0, 1, 0])), [0.0, 1e4, 2e4])


def test_ce_tiny_losses_keep_their_digits():
    # [40, 0], y = 0: log(1 + e^-40) = log1p(e^-40) ~ 4.25e-18; log(sum(exp)) would round it to 0
    np.testing.assert_allclose(cl.cross_entropy(np.array([[40.0, 0.0]]), np.array([0])), [math.log1p(math.exp(-40))], rtol=1e-15)


def test_ce_float32_accumulates_in_float64():
    x = np.random.default_rng(0).normal(size=(50, 7)).astype(np.float32)
    y = np.arange(50) % 7
    np.testing.assert_allclose(cl.cross_entropy(x, y), cl.cross_entropy(x.astype(np.float64), y), rtol=1e-14)


def test_ce_many_classes_match_the_plain_log_softmax():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 10000)) * 3, rng.integers(0, 10000, size=5)
    lp = x - x.max(axis=1, keepdims=True)
    lp -= np.log(np.exp(lp).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(cl.cross_entropy(x, y), -lp[np.arange(5), y], rtol=1e-12)


def test_ce_blocks_are_invisible():
    # more rows than one block of the kernel (65536 elements / 3 classes)
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(50_000, 3)), rng.integers(0, 3, size=50_000)
    whole = cl.cross_entropy(x, y, label_smoothing=0.1)
    np.testing.assert_array_equal(whole[-7:], cl.cross_entropy(x[-7:], y[-7:], label_smoothing=0.1))


def test_ce_weighted_mean_over_chunks_equals_one_pass():
    from losscli.engine import Accumulator

    x = np.vstack([X34] * 4)
    y = np.array([0, -100, 1, 1])
    one = Accumulator(["ce:weight=1;3"])
    one.update({"pred": x, "target": y})
    two = Accumulator(["ce:weight=1;3"])
    two.update({"pred": x[:2], "target": y[:2]})
    two.update({"pred": x[2:], "target": y[2:]})
    assert two.compute().losses[0].value == pytest.approx(one.compute().losses[0].value, rel=1e-15)
    assert one.compute().losses[0].value == pytest.approx((math.log(4 / 3) + 6 * LN4) / 7, rel=1e-15)


def test_ce_errors():
    with pytest.raises(ValueDomainError, match=r"target must be integer class labels in \[0, 2\) or -100 \(ignore_index\), got 2.5"):
        cl.cross_entropy(np.vstack([X34, X34]), a(0.0, 2.5))
    with pytest.raises(ShapeError, match=r"with logits of shape \(1, 2\), target must be labels of shape \(1,\) or probabilities of shape \(1, 2\); got target \(1, 3\)"):
        cl.cross_entropy(X34, np.array([[0.2, 0.3, 0.5]]))
    with pytest.raises(ShapeError, match=r"logits must be 2-D, got shape \(2,\)"):
        cl.cross_entropy(a(1.0, 2.0), np.array([0, 1]))
    with pytest.raises(ShapeError, match="parameter weight has 3 values, but logits has 2 columns"):
        cl.cross_entropy(X34, np.array([0]), weight=(1.0, 2.0, 3.0))
    with pytest.raises(ValueDomainError, match=r"logits must be in \[0, 1\] \(input=probs\)"):
        cl.cross_entropy(np.array([[1.5, -0.5]]), np.array([0]), input="probs")
    with pytest.raises(ValueDomainError, match=r"logits must be <= 0 \(log-probabilities; input=log_probs\), got 0.5"):
        cl.cross_entropy(np.array([[0.5, 0.5]]), np.array([0]), input="log_probs")
    with pytest.raises(InputError, match="ignore_index is for class-label targets"):
        cl.cross_entropy(X34, np.array([[0.5, 0.5]]), ignore_index=0)
    with pytest.raises(SpecError, match=r"'label_smoothing' of loss 'ce' must be in \[0, 1\], got -0.1"):
        parse_spec("ce:label_smoothing=-0.1")  # torch silently ignores negative values
    with pytest.raises(SpecError, match="'weight' of loss 'ce' must be finite and >= 0"):
        parse_spec("ce:weight=1;-2")


# ---------------------------------------------------------------------------- nll, bce, log_loss, kl


def test_nll_hand_values():
    lp = np.log(np.array([[0.5, 0.5], [0.25, 0.75]]))
    np.testing.assert_allclose(cl.nll(lp, np.array([0, 0])), [LN2, LN4], rtol=1e-15)
    np.testing.assert_allclose(cl.nll(lp, np.array([0, -100]), weight=(3.0, 1.0)), [3 * LN2, 0.0], rtol=1e-15)
    np.testing.assert_array_equal(loss("nll:weight=3;1").normalizer(lp, np.array([0, 1])), [3.0, 1.0])


def test_bce_clamps_each_log_at_minus_100():
    # torch binary_cross_entropy (run): p = 0, y = 1 gives 100; p = 1, y = 1 gives -0.0
    out = cl.binary_cross_entropy(a(0.9, 0.2, 0.6, 0.0, 1.0, 1.0, 0.5), a(1, 0, 1, 1, 1, 0, 0))
    np.testing.assert_allclose(out, [0.1053605157, 0.2231435513, 0.5108256238, 100.0, 0.0, 100.0, LN2], rtol=1e-9)


def test_bce_weight_per_column_and_row_mean():
    p, y = np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]])
    np.testing.assert_allclose(cl.binary_cross_entropy(p, y, weight=(1.0, 3.0)), [(LN2 + 3 * LN2) / 2], rtol=1e-15)


def test_bce_range_errors():
    with pytest.raises(ValueDomainError, match=r"probs must be in \[0, 1\] \(bce takes probabilities; use bce_logits for logits\), got 1.5"):
        cl.binary_cross_entropy(a(0.5, 1.5), a(0, 1))
    with pytest.raises(ValueDomainError, match=r"target must be in \[0, 1\] \(for -1/\+1 labels pass --pos-label 1\), got -1"):
        cl.binary_cross_entropy(a(0.5, 0.5), a(0, -1))


def test_bce_logits_hand_values():
    # x = 0: ln 2; pos_weight 2 doubles the positive term; x = -1e4, y = 1: 1e4 (no overflow)
    np.testing.assert_allclose(cl.bce_with_logits(a(0.0, 0.0), a(1, 0)), [LN2, LN2], rtol=1e-15)
    np.testing.assert_allclose(cl.bce_with_logits(a(0.0, 0.0), a(1, 0), pos_weight=2.0), [2 * LN2, LN2], rtol=1e-15)
    np.testing.assert_array_equal(cl.bce_with_logits(a(-1e4, 1e4, 1e4), a(1, 0, 1)), [1e4, 1e4, 0.0])
    x, y = np.zeros((1, 2)), np.array([[1.0, 1.0]])
    np.testing.assert_allclose(cl.bce_with_logits(x, y, pos_weight=(1.0, 3.0)), [2 * LN2], rtol=1e-15)


def test_log_loss_clips_at_the_dtype_epsilon():
    # sklearn: p = 0 with y = 1 -> -log(eps); float64 eps 2.2e-16 -> 36.04, float32 eps 1.19e-7 -> 15.94
    np.testing.assert_allclose(cl.log_loss(a(0.0, 1.0, 0.5), np.array([1, 0, 0])), [-math.log(EPS64)] * 2 + [LN2], rtol=1e-15)
    out32 = cl.log_loss(np.array([0.0], dtype=np.float32), np.array([1]))
    np.testing.assert_allclose(out32, [-math.log(EPS32)], rtol=1e-15)
    assert out32[0] == pytest.approx(15.942385152878742, rel=1e-15)
    assert cl.log_loss(a(1.0), np.array([1]))[0] == pytest.approx(-math.log1p(-EPS64), rel=1e-15)


def test_log_loss_semantics_4_3_and_multiclass():
    assert evaluate(a(0.9, 0.2, 0.6), np.array([1, 0, 1]), ["log_loss"]).losses[0].mean == pytest.approx(0.2797765636, rel=1e-9)
    assert evaluate(a(0.0, 0.0), np.array([1, 0]), ["log_loss"]).losses[0].mean == pytest.approx(18.021826694558577, rel=1e-15)
    p = np.array([[0.2, 0.3, 0.5]])
    np.testing.assert_allclose(cl.log_loss(p, np.array([2])), [math.log(2)], rtol=1e-15)


def test_log_loss_errors():
    with pytest.raises(ValueDomainError, match=r"labels must be integer class labels in \[0, 2\), got 2"):
        cl.log_loss(a(0.5, 0.5), np.array([1, 2]))
    with pytest.raises(ValueDomainError, match=r"probs must be in \[0, 1\], got 1.2"):
        cl.log_loss(a(0.5, 1.2), np.array([1, 0]))


def test_kl_div_hand_values():
    # KL([1/2, 1/2] || [1/4, 3/4]) = 0.5 ln 2 + 0.5 ln(2/3)
    q, t = np.array([[0.25, 0.75]]), np.array([[0.5, 0.5]])
    want = 0.5 * LN2 + 0.5 * math.log(2 / 3)
    np.testing.assert_allclose(cl.kl_div(np.log(q), t), [want], rtol=1e-15)
    np.testing.assert_allclose(cl.kl_div(q, t, input="probs"), [want], rtol=1e-15)
    np.testing.assert_allclose(cl.kl_div(np.log(q), np.log(t), log_target=True), [want], rtol=1e-14)
    # a zero target adds 0 (xlogy); torch kl_div (run): batchmean 0.3696431044
    x = np.log(np.array([[0.25, 0.25, 0.5], [0.1, 0.2, 0.7]]))
    t = np.array([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6]])
    assert evaluate(x, t, ["kl_div"]).losses[0].mean == pytest.approx(0.3696431044, rel=1e-9)


def test_kl_div_errors():
    # positive "log-probabilities": torch's arithmetic, sum t log t - t x = ln 0.5 - 0.5 (0.25 + 0.75)
    np.testing.assert_allclose(cl.kl_div(np.array([[0.25, 0.75]]), np.array([[0.5, 0.5]])), [-LN2 - 0.5], rtol=1e-15)
    with pytest.raises(ValueDomainError, match=r"target must be >= 0 \(probabilities; torch's value is nan below 0\), got -0.5"):
        cl.kl_div(np.log(np.array([[0.25, 0.75]])), np.array([[0.5, -0.5]]))


# ---------------------------------------------------------------------------- focal


def test_focal_hand_values():
    # x = 0, y = 1: p_t = 1/2, bce = ln 2, (1 - p_t)^2 = 1/4, alpha_t = 0.25 -> ln 2 / 16
    np.testing.assert_allclose(cl.sigmoid_focal(a(0.0), a(1.0)), [LN2 / 16], rtol=1e-15)
    np.testing.assert_allclose(cl.sigmoid_focal(a(0.0), a(0.0)), [0.75 * LN2 / 4], rtol=1e-15)
    np.testing.assert_allclose(cl.sigmoid_focal(a(0.0), a(1.0), alpha=None), [LN2 / 4], rtol=1e-15)
    np.testing.assert_allclose(cl.sigmoid_focal(a(0.0), a(1.0), alpha=-1.0), [LN2 / 4], rtol=1e-15)
    # torchvision.ops.sigmoid_focal_loss run values
    np.testing.assert_allclose(cl.sigmoid_focal(a(2, -1, 0), a(1, 0, 1)), [0.0004508907, 0.0169935431, 0.0433216988], rtol=1e-7)


def test_focal_alpha_none_parses_and_labels():
    b = loss("focal:alpha=none")
    assert b.params["alpha"] is None and b.label == "focal:alpha=none"
    assert loss("focal:alpha=-1").label == "focal:alpha=-1"
    with pytest.raises(SpecError, match=r"'alpha' of loss 'focal' must be in \[0, 1\], or -1 or none \(no alpha\), got -0.5"):
        parse_spec("focal:alpha=-0.5")


def test_focal_labels_with_class_logits_are_one_hot():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 4)), np.array([0, 3, 1, 1, 2, 0])
    onehot = np.eye(4)[y]
    np.testing.assert_array_equal(cl.sigmoid_focal(x, y), cl.sigmoid_focal(x, onehot))


def test_focal_gamma_zero_is_alpha_weighted_bce_logits():
    x, y = a(2.0, -1.0, 0.3), a(1.0, 0.0, 1.0)
    np.testing.assert_allclose(cl.sigmoid_focal(x, y, gamma=0.0, alpha=None), cl.bce_with_logits(x, y), rtol=1e-15)


def test_focal_extreme_logits():
    # x = +-1e4: p_t is exactly 0 or 1
    out = cl.sigmoid_focal(a(1e4, -1e4, 1e4, -1e4), a(1, 1, 0, 0), alpha=-1.0)
    np.testing.assert_array_equal(out, [0.0, 1e4, 1e4, 0.0])


def test_softmax_focal_hand_values():
    # [0, 0], y = 0: p = 1/2, -(1/2)^2 log(1/2) = ln 2 / 4, times alpha 0.25
    np.testing.assert_allclose(cl.softmax_focal(np.zeros((1, 2)), np.array([0])), [LN2 / 16], rtol=1e-15)
    x, y = np.array([[2.0, 1.0, 0.1], [1.0, 1.0, 1.0]]), np.array([0, 2])
    np.testing.assert_allclose(cl.softmax_focal(x, y, alpha=None, gamma=0.0), cl.cross_entropy(x, y), rtol=1e-15)


# ---------------------------------------------------------------------------- margins


def test_hinge_and_squared_hinge_hand_values():
    # sklearn hinge_loss (run): y = [1, -1, 1], f = [0.5, -2, -0.3] -> [0.5, 0, 1.3], squared [0.25, 0, 1.69]
    f = a(0.5, -2.0, -0.3)
    np.testing.assert_allclose(cl.hinge(f, np.array([1, -1, 1])), [0.5, 0.0, 1.3], rtol=1e-15)
    np.testing.assert_allclose(cl.hinge(f, np.array([1, 0, 1])), [0.5, 0.0, 1.3], rtol=1e-15)  # 0 means -1
    np.testing.assert_allclose(cl.squared_hinge(f, np.array([1, 0, 1])), [0.25, 0.0, 1.69], rtol=1e-15)


def test_hinge_label_errors():
    with pytest.raises(ValueDomainError, match=r"labels must be -1/\+1 or 0/1 labels, got 2"):
        cl.hinge(a(0.5, 1.0), a(1, 2))
    with pytest.raises(ShapeError, match="for \\(N, C\\) class scores use crammer_singer or multi_margin"):
        cl.hinge(np.zeros((2, 3)), np.array([0, 1]))


def test_multi_margin_hand_values():
    # x = [.1, .2, .4, .8], y = 3: (0.3 + 0.4 + 0.6) / 4 = 0.325 (torch multi_margin_loss gives the same)
    x = np.array([[0.1, 0.2, 0.4, 0.8]])
    np.testing.assert_allclose(cl.multi_margin(x, np.array([3])), [0.325], rtol=1e-15)
    np.testing.assert_allclose(cl.multi_margin(x, np.array([3]), p=2), [(0.09 + 0.16 + 0.36) / 4], rtol=1e-15)
    np.testing.assert_allclose(cl.multi_margin(x, np.array([3]), weight=(1, 1, 1, 2.0)), [0.65], rtol=1e-15)


def test_crammer_singer_hand_values():
    x = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 3.0, 3.0]])
    np.testing.assert_array_equal(cl.crammer_singer(x, np.array([2, 0, 1])), [0.0, 3.0, 1.0])


def test_soft_margin_stays_finite_where_torch_overflows():
    # torch's log1p(exp(1000)) is inf; logaddexp(0, 1000) = 1000
    np.testing.assert_allclose(cl.soft_margin(a(-1000.0, 0.0, 2.0), np.array([1, -1, 1])), [1000.0, LN2, 0.126928011], rtol=1e-9)


def test_multilabel_soft_margin_hand_values():
    # x = 0 everywhere: ln 2 per class; torch multilabel_soft_margin_loss (run): [[0, 2, -1]] vs [[1, 0, 1]] -> 1.3777789597
    np.testing.assert_allclose(cl.multilabel_soft_margin(np.zeros((1, 3)), np.array([[1, 0, 1]])), [LN2], rtol=1e-15)
    np.testing.assert_allclose(cl.multilabel_soft_margin(np.array([[0.0, 2.0, -1.0]]), np.array([[1, 0, 1]])), [1.3777789597], rtol=1e-9)
    out = cl.multilabel_soft_margin(np.array([[-1e4, 0.0]]), np.array([[1, 1]]), weight=(1.0, 2.0))
    np.testing.assert_allclose(out, [(1e4 + 2 * LN2) / 2], rtol=1e-15)


# ---------------------------------------------------------------------------- brier


def test_brier_hand_values():
    # 1-D: (p - y)^2 (halved sum over both columns); sklearn brier_score_loss (run): mean 0.07
    np.testing.assert_allclose(cl.brier(a(0.9, 0.2, 0.6), np.array([1, 0, 1])), [0.01, 0.04, 0.16], rtol=1e-12)
    # 3 classes, not halved: [1,0,0] vs y=0 -> 0; [0,1,0] vs y=0 -> 1 + 1 = 2
    np.testing.assert_allclose(cl.brier(np.array([[1.0, 0, 0], [0, 1.0, 0]]), np.array([0, 0])), [0.0, 2.0])
    # 2 columns are halved: [0.5, 0.5] vs y=1 -> (0.25 + 0.25) / 2
    np.testing.assert_allclose(cl.brier(np.array([[0.5, 0.5]]), np.array([1])), [0.25])
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
    assert evaluate(p, np.array([0, 2, 1]), ["brier"]).losses[0].mean == pytest.approx(0.2466666667, rel=1e-9)


def test_brier_input_logits():
    # sigmoid(0) = 1/2 -> (1/2 - 1)^2; softmax of equal logits over 4 classes -> 3/16 + 9/16
    np.testing.assert_allclose(cl.brier(a(0.0), np.array([1]), input="logits"), [0.25])
    np.testing.assert_allclose(cl.brier(np.zeros((1, 4)), np.array([2]), input="logits"), [0.75], rtol=1e-15)


def test_brier_given_logits_says_input_logits():
    with pytest.raises(ValueDomainError, match=r"probs must be in \[0, 1\] \(pass brier:input=logits for logits\), got 2.5"):
        cl.brier(np.array([[2.5, -1.0, 0.0]]), np.array([0]))


# ---------------------------------------------------------------------------- scalar / batched / shape mismatch

RNG = np.random.default_rng(7)
_X = RNG.normal(size=(5, 3))
_P = RNG.dirichlet(np.ones(3), size=5)
_Y = np.array([0, 2, 1, 1, 0])
_B = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
_PM = np.array([1, -1, 1, 1, -1])
TRIO = {
    "ce": (_X, _Y),
    "ce:input=probs": (_P, _Y),
    "nll": (np.log(_P), _Y),
    "bce": (_P[:, 0], _B),
    "bce_logits": (_X[:, 0], _B),
    "log_loss": (_P, _Y),
    "kl_div": (np.log(_P), _P[::-1].copy()),
    "focal": (_X[:, 0], _B),
    "softmax_focal": (_X, _Y),
    "hinge": (_X[:, 0], _PM),
    "squared_hinge": (_X[:, 0], _PM),
    "multi_margin": (_X, _Y),
    "crammer_singer": (_X, _Y),
    "soft_margin": (_X[:, 0], _PM),
    "multilabel_soft_margin": (_X, (_X > 0).astype(float)),
    "brier": (_P, _Y),
    "brier:input=logits": (_X[:, 0], _B.astype(int)),
    "poly1": (_X, _Y),
    "poly1:epsilon=-1": (_X, _P),
    "perceptron": (_X[:, 0], _PM),
    "sparsemax": (_X, (_X > 0).astype(float)),
    "multilabel_margin": (_X, np.array([[0, 2, -1], [1, -1, 2], [-1, 0, 0], [2, 1, 0], [1, 1, -1]])),
}


def test_trio_covers_every_classification_loss():
    from losscli.losses import list_losses

    covered = {loss(s).spec.name for s in TRIO}
    assert covered == {s.name for s in list_losses(family="classification")}


@pytest.mark.parametrize("spec", list(TRIO))
def test_scalar_batched_and_shape_mismatch(spec):
    b = loss(spec)
    pred, target = TRIO[spec]
    batched = b(pred, target)
    assert batched.shape == (5,) and batched.dtype == np.float64 and np.isfinite(batched).all()
    for i in range(5):  # one row at a time gives the same values
        np.testing.assert_allclose(b(pred[i : i + 1], target[i : i + 1]), batched[i : i + 1], rtol=1e-14)
    with pytest.raises(ShapeError):
        b(pred, target[:-1])


# ---------------------------------------------------------------------------- CLI



def logits_csv(files, labels):
    rows = [(i, 2.0, 1.0, 0.1, y) for i, y in enumerate(labels)]
    return files.csv("d.csv", ["id", "logit_0", "logit_1", "logit_2", "label"], *rows)


def test_cli_all_targets_ignored(cli, files):
    logits_csv(files, [-100, -100])
    fails(
        cli("eval", "d.csv", "-l", "ce"),
        3,
        "Mean of loss 'ce' is undefined: its normaliser sums to 0 (every target is ignore_index or has class weight 0); --reduction sum gives 0.",
    )


@pytest.mark.parametrize("spec, labels", [("ce", [-100, -100]), ("ce:weight=0;1;1", [0, 0]), ("nll:ignore_index=1", [1, 1])])
def test_cli_all_targets_ignored_sum_and_none(cli, files, spec, labels):
    # torch: reduction="sum" of nothing is 0 and "none" gives a zero per target; only the mean
    # (0 / 0) is undefined. nll reads the same columns as log-probabilities (all <= 0 after the shift).
    rows = [(i, -2.0, -1.0, -0.1, y) for i, y in enumerate(labels)]
    files.csv("d.csv", ["id", "logit_0", "logit_1", "logit_2", "label"], *rows)
    r = cli("eval", "d.csv", "-l", spec, "--reduction", "sum", "-f", "json", "--per-sample", "ps.csv")
    assert r.exit_code == 0, r.stderr
    loss = json.loads(r.stdout)["losses"][0]
    assert (loss["value"], loss["sum"], loss["n"], loss["mean"], loss["min"]) == (0.0, 0.0, 0, None, None)
    assert (files.root / "ps.csv").read_text().split("\n")[1:3] == ["0.0", "0.0"]
    r = cli("eval", "d.csv", "-l", spec, "--reduction", "none", "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["losses"][0]["value"] is None, r.stderr


def test_cli_fractional_label(cli, files):
    logits_csv(files, [0, 2.5, 1])
    fails(
        cli("eval", "d.csv", "-l", "ce"),
        3,
        "ce: target (d.csv column 'label') must be integer class labels in [0, 3) or -100 (ignore_index), got 2.5 at row 2",
    )


def test_cli_label_out_of_range(cli, files):
    files.npy("x.npy", np.zeros((3, 3)))
    files.npy("y.npy", np.array([0, 1, 3]))
    fails(cli("eval", "x.npy", "y.npy", "-l", "nll"), 3, "nll: labels (y.npy) must be integer class labels in [0, 3) or -100 (ignore_index), got 3 at row 3")
    fails(cli("eval", "x.npy", "y.npy", "-l", "log_loss"), 3, "log_loss: labels (y.npy) must be integer class labels in [0, 3), got 3 at row 3")


def test_cli_probabilities_outside_0_1(cli, files):
    files.csv("b.csv", ["prob", "label"], (0.2, 0), (1.5, 1))
    fails(
        cli("eval", "b.csv", "-p", "prob", "-y", "label", "-l", "bce"),
        3,
        "bce: probs (b.csv column 'prob') must be in [0, 1] (bce takes probabilities; use bce_logits for logits), got 1.5 at row 2",
    )


def test_cli_brier_given_logits_suggests_input_logits(cli, files):
    logits_csv(files, [0, 1])
    fails(
        cli("eval", "d.csv", "-l", "brier"),
        3,
        "brier: probs (d.csv columns 'logit_0,logit_1,logit_2') must be in [0, 1] (pass brier:input=logits for logits), got 2 at row 1",
    )


def test_cli_shape_mismatch(cli, files):
    files.npy("x.npy", np.zeros((3, 3)))
    files.npy("t.npy", np.full((3, 2), 0.5))
    fails(
        cli("eval", "x.npy", "t.npy", "-l", "ce"),
        3,
        "ce: with logits (x.npy) of shape (3, 3), target (t.npy) must be labels of shape (3,) or probabilities of shape (3, 3); got target (3, 2)",
    )


def test_cli_class_weight_count(cli, files):
    logits_csv(files, [0, 1])
    fails(
        cli("eval", "d.csv", "-l", "ce:weight=1;2"),
        3,
        "ce: parameter weight has 2 values, but logits (d.csv columns 'logit_0,logit_1,logit_2') has 3 columns (classes)",
    )


def test_cli_logits_given_to_nll(cli, files):
    # torch computes on positive log-probabilities: -x_y = -2 and -0.1, mean -1.05; losscli warns
    files.npy("x.npy", np.array([[2.0, -1.0], [0.5, 0.1]]))
    files.npy("y.npy", np.array([0, 1]))
    r = cli("eval", "x.npy", "y.npy", "-l", "nll", "-b")
    assert (r.exit_code, float(r.stdout)) == (0, -1.05)
    assert r.stderr == (
        "Warning: nll: pred (x.npy) holds positive values, which log-probabilities never are (torch computes on them: "
        "negative losses); for logits use ce, for probabilities ce:input=probs.\n"
    )


def test_cli_kl_div_targets_above_one_warn(cli, files):
    # torch: sum t log t - t x; t = (1.5, 0.2), x = log(0.25, 0.75): 1.5 log 6 + 0.2 log(0.2 / 0.75)
    files.npy("x.npy", np.log(np.array([[0.25, 0.75]])))
    files.npy("t.npy", np.array([[1.5, 0.2]]))
    r = cli("eval", "x.npy", "t.npy", "-l", "kl_div", "-b")
    assert (r.exit_code, float(r.stdout)) == (0, pytest.approx(1.5 * math.log(6) + 0.2 * math.log(0.2 / 0.75), rel=1e-14))
    assert r.stderr == "Warning: kl_div: target (t.npy) holds values above 1, which probabilities never are (torch computes on them).\n"


def test_cli_soft_margin_targets_outside_unit_warn(cli, files):
    # torch: -(1/C) sum_c [y log s(x) + (1 - y) log s(-x)] for any y; x = 0: log s = -ln 2, so the
    # row (y = -1, 2) gives -(1/2) [(-1 + 2) (-ln 2) + (2 - 1) (-ln 2)] = ln 2
    files.npy("x.npy", np.array([[0.0, 0.0]]))
    files.npy("y.npy", np.array([[-1.0, 2.0]]))
    r = cli("eval", "x.npy", "y.npy", "-l", "multilabel_soft_margin", "-b")
    assert (r.exit_code, float(r.stdout)) == (0, pytest.approx(LN2, rel=1e-15))
    assert r.stderr.startswith("Warning: multilabel_soft_margin: target (y.npy) holds targets outside [0, 1] (torch computes on them)")


def test_cli_bad_input_option_is_a_usage_error(cli, files):
    logits_csv(files, [0, 1])
    fails(
        cli("eval", "d.csv", "-l", "ce:input=logit"),
        2,
        "Parameter 'input' of loss 'ce' must be one of logits, probs, log_probs, got logit.",
    )


def test_cli_classification_preset_on_logits(cli, files):
    # the README's digits command, on a tiny table: ce, focal and brier (softmax first)
    logits_csv(files, [0, 2])
    result = cli("eval", "d.csv", "-p", "logit_*", "-y", "label", "-l", "@classification", "-f", "json")
    assert result.exit_code == 0, result.stderr
    got = {e["label"]: e["value"] for e in json.loads(result.stdout)["losses"]}
    x = np.array([[2.0, 1.0, 0.1]] * 2)
    y = np.array([0, 2])
    assert list(got) == ["ce", "focal", "brier:input=logits"]
    assert got["ce"] == pytest.approx(cl.cross_entropy(x, y).mean(), rel=1e-15)
    assert got["focal"] == pytest.approx(cl.sigmoid_focal(x, y).mean(), rel=1e-15)
    assert got["brier:input=logits"] == pytest.approx(cl.brier(x, y, input="logits").mean(), rel=1e-15)


def test_cli_binary_preset_on_probabilities(cli, files):
    files.csv("b.csv", ["id", "prob", "logit", "label"], (0, 0.9, 2.1972245773, 1), (1, 0.2, -1.3862943611, 0))
    result = cli("eval", "b.csv", "-p", "prob", "-y", "label", "-l", "@binary", "-f", "json")
    assert result.exit_code == 0, result.stderr
    got = {e["label"]: e["value"] for e in json.loads(result.stdout)["losses"]}
    assert got == pytest.approx({"bce": (-math.log(0.9) - math.log(0.8)) / 2, "brier": (0.01 + 0.04) / 2}, rel=1e-12)


def test_cli_masked_logits_are_values(cli, files):
    # -inf masks a class (torch gives a finite loss when the target is another class); +inf and
    # NaN stay missing values, and so does -inf in an input that a loss without masks also reads.
    # Row 1: log(1 + e^-0.5) = 0.474077; row 2: log(1 + e^-1) = 0.313262 (the -inf class adds e^-inf = 0).
    files.npy("x.npy", [[1.0, -np.inf, 0.5], [3.0, 4.0, -np.inf]])
    files.npy("y.npy", [0, 1])
    r = cli("eval", "x.npy", "y.npy", "-l", "ce", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["losses"][0]["value"] == pytest.approx((math.log1p(math.exp(-0.5)) + math.log1p(math.exp(-1))) / 2, rel=1e-14)
    files.npy("lp.npy", [[0.0, -np.inf], [-np.inf, 0.0]])
    assert cli("eval", "lp.npy", "y.npy", "-l", "nll", "-f", "json").exit_code == 0
    fails(cli("eval", "x.npy", "y.npy", "-l", "ce", "-l", "mse"), 3,
          "-inf in pred (x.npy) at row 1; use --nan-policy omit to drop such rows or propagate to keep them.")
    files.npy("y2.npy", [1, 1])  # the target is the masked class: torch's loss is inf
    fails(cli("eval", "x.npy", "y2.npy", "-l", "ce"), 3,
          "Loss 'ce' is inf at row 1 (its reference is not finite there); use --nan-policy propagate to keep it.")
    files.npy("xp.npy", [[1.0, np.inf, 0.5], [3.0, 4.0, np.nan]])
    fails(cli("eval", "xp.npy", "y.npy", "-l", "ce"), 3,
          "inf in pred (xp.npy) at row 1; use --nan-policy omit to drop such rows or propagate to keep them.")


def test_class_maps_are_scored_per_position(cli, files):
    # (N, C, d1) logits with (N, d1) labels: each position a row of (N, C) ce, averaged per sample
    # (the numpy reference below moves the class axis last, as torch's loss over dim 1).
    x = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4) % 5 - 2.0
    y = np.array([[0, 1, 2, 1], [2, 2, 0, 1]])
    rows = np.moveaxis(x, 1, -1).reshape(-1, 3)
    lp = rows - np.log(np.exp(rows).sum(1, keepdims=True))
    expected = -lp[np.arange(8), y.ravel()].reshape(2, 4).mean(1)
    np.testing.assert_allclose(cl.cross_entropy(x, y), expected, rtol=1e-14)
    np.testing.assert_allclose(cl.nll(np.moveaxis(lp.reshape(2, 4, 3), -1, 1), y), expected, rtol=1e-14)
    bad = y.copy()
    bad[1, 3] = 7  # row 2 (0-based 1) of the samples, not position 7
    with pytest.raises(ValueDomainError) as e:
        cl.cross_entropy(x, bad)
    assert e.value.row == 1
    with pytest.raises(ShapeError, match=r"labels of shape \(2, 4\) or of logits's shape; got target \(2, 3\)"):
        cl.cross_entropy(x, y[:, :3])
    probs = np.exp(np.moveaxis(lp.reshape(2, 4, 3), -1, 1))  # softmax maps read as logits: the trap
    files.npy("p.npy", probs)
    files.npy("y.npy", y)
    fails(cli("eval", "p.npy", "y.npy", "-l", "ce"), 3,
          "ce: pred (p.npy) look like probabilities (every row is in [0, 1] and sums to 1), but ce reads them as logits; "
          "pass ce:input=probs (or ce:input=logits to score them as logits).")


# ---------------------------------------------------------------------------- poly1, kl_div elementwise


def test_poly1_is_cross_entropy_plus_epsilon_times_one_minus_p():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(20, 4)) * 3
    y = rng.integers(0, 4, size=20)
    # independent numpy: log-softmax with the row maximum, p_y = exp(log p_y)
    z = x - x.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    lp_y = log_p[np.arange(20), y]
    want = -lp_y + 2.5 * (1.0 - np.exp(lp_y))
    np.testing.assert_allclose(cl.poly1(x, y, epsilon=2.5), want, rtol=1e-12)
    onehot = np.eye(4)[y]
    np.testing.assert_allclose(cl.poly1(x, onehot, epsilon=2.5), want, rtol=1e-12)


def test_poly1_with_epsilon_0_is_cross_entropy():
    x = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(cl.poly1(x, np.array([0, 2]), epsilon=0.0), cl.cross_entropy(x, np.array([0, 2])))


def test_poly1_refuses_probability_rows_read_as_logits(cli, files):
    files.npy("p.npy", [[0.7, 0.3], [0.4, 0.6]])
    files.npy("y.npy", [0, 1])
    result = cli("eval", "p.npy", "y.npy", "-l", "poly1", "--no-hash")
    assert result.exit_code == 3 and "poly1:input=probs" in result.stderr


def test_kl_div_elementwise_is_batchmean_over_the_classes():
    # torch: reduction="mean" divides the sum of all N*C elements by N*C, batchmean by N
    lq = np.log(np.array([[0.25, 0.25, 0.5], [0.1, 0.2, 0.7]]))
    t = np.array([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6]])
    np.testing.assert_allclose(cl.kl_div(lq, t, reduction_mode="elementwise"), cl.kl_div(lq, t) / 3, rtol=1e-15)
    # torch 2.14.1 on this input: reduction="mean" gives 0.1232144 (batchmean 0.3696431)
    assert cl.kl_div(lq, t, reduction_mode="elementwise").mean() == pytest.approx(0.1232144, abs=1e-7)
