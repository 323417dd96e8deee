"""Ranking and metric-learning losses: hand-computed values, the scalar/batched/shape-mismatch
trio per loss, loop reference implementations of the vectorised code, and CLI role errors.

Reference values from torch / optax are in tests/golden/golden_ranking.json (test_golden.py);
the numbers here are worked out by hand (each says how) or quoted from
runs of torch and optax (named at each value).
"""

from __future__ import annotations

import json
import math
import shlex

import numpy as np
import pytest

from losscli.errors import ShapeError, ValueDomainError
from losscli.losses import parse_spec
from losscli.losses import ranking
from losscli.losses.ranking import contrastive, cosine_embedding, hinge_embedding, margin_ranking, ntxent, triplet
from conftest import fails

RNG = np.random.default_rng(2024)
E12 = float(np.float32(1e-12))  # torch's cosine epsilon (a float32 constant in ATen Loss.cpp)


def a(*rows):
    return np.array(rows, dtype=np.float64)


# ---------------------------------------------------------------------------- reference loops


def triplet_reference(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False):
    """One triplet at a time, torch's pairwise_distance written out."""

    def dist(x, y):
        return sum(abs(u - v + eps) ** p for u, v in zip(x, y)) ** (1.0 / p)

    out = []
    for x, y, z in zip(anchor.tolist(), positive.tolist(), negative.tolist()):
        d_an = dist(x, z)
        if swap:
            d_an = min(d_an, dist(y, z))
        out.append(max(0.0, margin + dist(x, y) - d_an))
    return np.array(out)


def ntxent_reference(z_i, z_j, temperature):
    """SimCLR eq. 1 by loops over the 2N anchors; per-sample = mean of row n's two anchors."""
    z = np.concatenate([z_i, z_j])
    n, m = len(z_i), 2 * len(z_i)
    unit = [v / max(np.linalg.norm(v), math.sqrt(np.finfo(float).eps)) for v in z]
    losses = []
    for k in range(m):
        sims = {j: float(unit[k] @ unit[j]) / temperature for j in range(m) if j != k}
        losses.append(-math.log(math.exp(sims[(k + n) % m]) / sum(math.exp(s) for s in sims.values())))
    return 0.5 * (np.array(losses[:n]) + np.array(losses[n:]))


# ---------------------------------------------------------------------------- margin_ranking


class TestMarginRanking:
    def test_values_from_loss_semantics_4_5(self):
        # torch (run): x1=[1,1,0], x2=[0,2,0], y=[1,1,-1], margin=0.5 -> [0, 1.5, 0.5]
        out = margin_ranking(a(1, 1, 0), a(0, 2, 0), a(1, 1, -1), margin=0.5)
        np.testing.assert_array_equal(out, [0.0, 1.5, 0.5])

    def test_scalar(self):
        # one pair: y=-1 wants x1 below x2; x1 - x2 = 0.5, so the loss is 0.5 + margin 0.25
        np.testing.assert_array_equal(margin_ranking(a(1.0), a(0.5), a(-1), margin=0.25), [0.75])

    def test_batched_rows_take_the_mean_over_columns(self):
        # row 1: y=1, -(x1 - x2) = [1, -2] -> [1, 0], mean 0.5; row 2: y=-1, x1 - x2 = [-1, -1] -> 0
        out = margin_ranking(a([1, 2], [0, 0]), a([2, 0], [1, 1]), a(1, -1))
        np.testing.assert_array_equal(out, [0.5, 0.0])

    def test_tie_costs_the_margin(self):
        np.testing.assert_array_equal(margin_ranking(a(2.0, 2.0), a(2.0, 2.0), a(1, -1), margin=0.3), [0.3, 0.3])

    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"x1 and x2 must have the same shape, got \(3,\) and \(2,\)"):
            margin_ranking(a(1, 2, 3), a(1, 2), a(1, 1, 1))
        with pytest.raises(ShapeError, match=r"^y must have shape \(3,\), got \(2,\) instead$"):
            margin_ranking(a(1, 2, 3), a(1, 2, 3), a(1, 1))

    def test_labels_are_plus_or_minus_one_or_zero(self):
        # torch gives y=0 the loss max(0, -0 (x1 - x2) + margin) = margin (0.5 here); other values are errors (1-based row)
        np.testing.assert_array_equal(margin_ranking(a(1, 2, 3), a(3, 2, 1), a(1, 0, -1), margin=0.5), [2.5, 0.5, 2.5])
        with pytest.raises(ValueDomainError, match=r"^y values must be -1 or 1 \(or 0, see describe\), got 2 at row 2$"):
            margin_ranking(a(1, 2, 3), a(1, 2, 3), a(1, 2, -1))


# ---------------------------------------------------------------------------- hinge_embedding


class TestHingeEmbedding:
    def test_values_from_loss_semantics_4_5(self):
        # torch (run): x=[.3,.3,1.5], y=[1,-1,-1] -> [0.3, 0.7, 0.0]
        np.testing.assert_allclose(hinge_embedding(a(0.3, 0.3, 1.5), a(1, -1, -1)), [0.3, 0.7, 0.0], rtol=1e-15)

    def test_scalar(self):
        # y=1: the distance itself, even a negative one (as torch)
        np.testing.assert_array_equal(hinge_embedding(a(-0.5), a(1)), [-0.5])

    def test_batched_with_margin(self):
        # margin 2: y=-1 rows give max(0, 2 - x) = [2, 0, 0.5]; the y=1 row gives x = 1
        out = hinge_embedding(a(0.0, 2.0, 1.5, 1.0), a(-1, -1, -1, 1), margin=2.0)
        np.testing.assert_array_equal(out, [2.0, 0.0, 0.5, 1.0])

    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"^y must have shape \(2, 2\) or \(2,\), got \(3,\) instead$"):
            hinge_embedding(a([0.1, 0.2], [0.3, 0.4]), a(1, 1, -1))

    def test_labels_must_be_plus_or_minus_one(self):
        with pytest.raises(ValueDomainError, match=r"^y values must be -1 or 1 \(or 0, see describe\), got 2 at row 1$"):
            hinge_embedding(a(0.1, 0.2), a(2, 1))

    def test_zero_label_takes_both_terms(self):
        # torch: max(0, margin - x) where y != 1 plus x where y != -1: y = 0 gets both (0.7 + 0.3 = 1, 0 + 1.5)
        np.testing.assert_allclose(hinge_embedding(a(0.3, 1.5), a(0, 0)), [1.0, 1.5], rtol=1e-15)


# ---------------------------------------------------------------------------- cosine_embedding


class TestCosineEmbedding:
    def test_values_from_loss_semantics_4_5(self):
        # torch (run): x1=[[1,0],[1,1]], x2=[[0,1],[1,1]], y=[1,-1] -> [1.0, 1.0]
        out = cosine_embedding(a([1, 0], [1, 1]), a([0, 1], [1, 1]), a(1, -1))
        np.testing.assert_allclose(out, [1.0, 1.0], rtol=1e-12)

    def test_scalar(self):
        # (3, 4) . (4, 3) = 24, |x1|^2 = |x2|^2 = 25: cos = 24 / (25 + e) with torch's e
        np.testing.assert_allclose(cosine_embedding(a([3, 4]), a([4, 3]), a(1)), [1 - 24 / (25 + E12)], rtol=1e-15)

    def test_batched_with_margin(self):
        # cos = 0.96 (above); y=-1 rows give max(0, cos - margin): margin 0.5 -> 0.46; cos = -1 -> 0
        out = cosine_embedding(a([3, 4], [1, 0]), a([4, 3], [-2, 0]), a(-1, -1), margin=0.5)
        np.testing.assert_allclose(out, [24 / (25 + E12) - 0.5, 0.0], rtol=1e-14)

    def test_zero_vector_has_cosine_zero(self):
        # the epsilon keeps 0 / 0 away: cos = 0, so y=1 gives 1 and y=-1 with margin -0.5 gives 0.5
        out = cosine_embedding(a([0, 0], [0, 0]), a([1, 2], [1, 2]), a(1, -1), margin=-0.5)
        np.testing.assert_array_equal(out, [1.0, 0.5])

    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"x1 and x2 must have the same shape, got \(2, 2\) and \(2, 3\)"):
            cosine_embedding(np.ones((2, 2)), np.ones((2, 3)), a(1, 1))
        with pytest.raises(ShapeError, match=r"x1 must be 2-D, got shape \(2,\) instead"):
            cosine_embedding(a(1, 2), a(1, 2), a(1, 1))

    def test_margin_outside_minus_one_one_is_a_usage_error(self):
        from losscli.errors import SpecError

        with pytest.raises(SpecError, match=r"Parameter 'margin' of loss 'cosine_embedding' must be in \[-1, 1\], got 1.5\."):
            parse_spec("cosine_embedding:margin=1.5")


# ---------------------------------------------------------------------------- triplet


class TestTriplet:
    def test_value_from_loss_semantics_4_7(self):
        # torch (run): a=[[0,0]], p=[[1,0]], n=[[0.5,0]], margin=1 -> 1.5 (eps 0 makes it exact)
        out = triplet(a([0, 0]), a([1, 0]), a([0.5, 0]), eps=0.0)
        np.testing.assert_array_equal(out, [1.5])

    def test_scalar_with_default_eps(self):
        # eps on the difference: d(a,p) = |(-1 + 1e-6, 1e-6)|, d(a,n) = |(-0.5 + 1e-6, 1e-6)|
        d_ap = math.hypot(-1 + 1e-6, 1e-6)
        d_an = math.hypot(-0.5 + 1e-6, 1e-6)
        np.testing.assert_allclose(triplet(a([0, 0]), a([1, 0]), a([0.5, 0])), [1 + d_ap - d_an], rtol=1e-15)

    def test_zero_distance_is_sqrt_d_times_eps(self):
        # a == p in D = 4: d(a, p) = sqrt(4) * 1e-6; n is 3 away: 1 + 2e-6 - |(-3 + 1e-6, 1e-6, ...)| < 0
        x = a([1, 2, 3, 4])
        assert _dist(x, x) == pytest.approx(2e-6, rel=1e-12)
        np.testing.assert_array_equal(triplet(x, x, x + a([3, 0, 0, 0])), [0.0])

    def test_p1_from_loss_semantics_4_7_note(self):
        # p=1, a=(0,0), p=(1,1), n=(-1,0): torch gives 1 + 2 - 1 = 2 (optax 0: no abs); with eps:
        # d(a,p) = 2 (1 - 1e-6), d(a,n) = (1 + 1e-6) + 1e-6 -> 2 - 4e-6
        np.testing.assert_array_equal(triplet(a([0, 0]), a([1, 1]), a([-1, 0]), p=1.0, eps=0.0), [2.0])
        np.testing.assert_allclose(triplet(a([0, 0]), a([1, 1]), a([-1, 0]), p=1.0), [2 - 4e-6], rtol=1e-12)

    def test_swap_uses_the_closer_of_the_negatives_distances(self):
        # d(a,p) = 1, d(a,n) = 1.5, d(p,n) = 0.5: without swap 1 + 1 - 1.5; with swap 1 + 1 - 0.5
        args = a([0, 0]), a([1, 0]), a([1.5, 0])
        np.testing.assert_array_equal(triplet(*args, eps=0.0), [0.5])
        np.testing.assert_array_equal(triplet(*args, eps=0.0, swap=True), [1.5])

    @pytest.mark.parametrize("kw", [{}, {"p": 1.0}, {"p": 3.0, "margin": 0.2}, {"swap": True}, {"eps": 0.0, "p": 1.5}])
    def test_batched_matches_the_loop_reference(self, kw):
        x, y, z = (RNG.normal(size=(7, 4)) for _ in range(3))
        np.testing.assert_allclose(triplet(x, y, z, **kw), triplet_reference(x, y, z, **kw), rtol=1e-12, atol=1e-15)

    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"anchor and negative must have the same shape, got \(3, 2\) and \(2, 2\)"):
            triplet(np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((2, 2)))

    def test_margin_must_be_positive_as_torch(self):
        from losscli.errors import SpecError

        with pytest.raises(SpecError, match=r"^Parameter 'margin' of loss 'triplet' must be > 0, got 0\.$"):
            parse_spec("triplet:margin=0")


def _dist(x, y, eps=1e-6):
    return ranking._pairwise_distance(x, y, 2.0, eps)[0]


# ---------------------------------------------------------------------------- contrastive


class TestContrastive:
    def test_scalar_similar_pair(self):
        # d = |(3, 4)| = 5, same = 1: 0.5 * 25
        np.testing.assert_array_equal(contrastive(a([0, 0]), a([3, 4]), a(1)), [12.5])

    def test_batched(self):
        # rows: similar at d=0 -> 0; dissimilar at d=0 -> 0.5 m^2 = 0.5; dissimilar at d=0.5 ->
        # 0.5 (1 - 0.5)^2 = 0.125; dissimilar at d = 1 = margin -> 0; dissimilar at d = 5 -> 0
        x1 = np.zeros((5, 2))
        x2 = a([0, 0], [0, 0], [0.3, 0.4], [0.6, 0.8], [3, 4])
        np.testing.assert_allclose(contrastive(x1, x2, a(1, 0, 0, 0, 0)), [0.0, 0.5, 0.125, 0.0, 0.0], rtol=1e-15)

    def test_margin(self):
        # margin 2, dissimilar at d = 0.5: 0.5 (2 - 0.5)^2 = 1.125
        np.testing.assert_allclose(contrastive(a([0, 0]), a([0.3, 0.4]), a(0), margin=2.0), [1.125], rtol=1e-15)

    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"same must have shape \(2,\), got \(3,\) instead"):
            contrastive(np.zeros((2, 2)), np.zeros((2, 2)), a(1, 0, 1))

    def test_same_must_be_zero_or_one(self):
        with pytest.raises(ValueDomainError, match=r"^same values must be 0 or 1, got -1 at row 2$"):
            contrastive(np.zeros((2, 2)), np.zeros((2, 2)), a(1, -1))


# ---------------------------------------------------------------------------- ntxent


class TestNTXent:
    def test_value_from_loss_semantics_4_7(self):
        # optax.ntxent(E, [0,0,1,1], 0.5) = PML NTXentLoss(0.5) = 0.2964603 for
        # E = [[1,0],[.9,.1],[0,1],[.1,.9]]: the same pairs as z_i = E[0::2], z_j = E[1::2]
        out = ntxent(a([1, 0], [0, 1]), a([0.9, 0.1], [0.1, 0.9]))
        assert out.mean() == pytest.approx(0.2964603, abs=5e-8)

    def test_batched_hand_computed(self):
        # z_i = z_j = [e1, e2], tau = 1: each anchor sees its copy (cos 1) and two orthogonal
        # vectors (cos 0): -log(e / (e + 1 + 1)) = log(e + 2) - 1 for every anchor
        e = a([1, 0], [0, 1])
        np.testing.assert_allclose(ntxent(e, e, temperature=1.0), [math.log(math.e + 2) - 1] * 2, rtol=1e-14)

    def test_scalar_one_pair_has_no_negative(self):
        # N = 1: the positive is the only other view, so the softmax is 1 and the loss 0
        np.testing.assert_allclose(ntxent(a([1, 2]), a([3, -1])), [0.0], atol=1e-15)

    def test_scale_invariant_and_matches_the_loop_reference(self):
        z_i, z_j = RNG.normal(size=(6, 3)), RNG.normal(size=(6, 3))
        expected = ntxent_reference(z_i, z_j, 0.3)
        np.testing.assert_allclose(ntxent(z_i, z_j, temperature=0.3), expected, rtol=1e-12)
        np.testing.assert_allclose(ntxent(7.0 * z_i, z_j, temperature=0.3), expected, rtol=1e-12)

    def test_blocks_do_not_change_the_result(self, monkeypatch):
        z_i, z_j = RNG.normal(size=(9, 4)), RNG.normal(size=(9, 4))
        whole = ntxent(z_i, z_j)
        monkeypatch.setattr(ranking, "_BLOCK", 4)  # 18 anchors in blocks of 4, 4, 4, 4, 2
        np.testing.assert_allclose(ntxent(z_i, z_j), whole, rtol=1e-13)

    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"z_i and z_j must have the same shape, got \(3, 2\) and \(2, 2\)"):
            ntxent(np.ones((3, 2)), np.ones((2, 2)))


# ---------------------------------------------------------------------------- CLI


def test_cli_missing_third_role_names_it_and_the_flag(cli, files):
    for role in ("anchor", "positive"):
        files.npy(f"{role}.npy", np.zeros((2, 3)))
    result = cli("eval", "--input", "anchor=anchor.npy", "--input", "positive=positive.npy", "-l", "triplet")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: Loss 'triplet' needs input 'negative' (embeddings); its inputs are anchor, positive, negative. "
        "Pass it with --input negative=PATH[:SEL] (see 'losscli describe triplet').\n"
    )


def test_cli_missing_second_role_names_it_and_the_flag(cli, files):
    files.npy("anchor.npy", np.zeros((2, 3)))
    files.npy("negative.npy", np.zeros((2, 3)))
    result = cli("eval", "--input", "anchor=anchor.npy", "--input", "negative=negative.npy", "-l", "triplet")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        "Error: Missing input 'positive': pass it with --input positive=PATH[:SEL].\n",
    )


def test_cli_bad_label_is_exit_3_naming_file_and_row(cli, files):
    files.npy("x1.npy", [1.0, 2.0, 3.0])
    files.npy("x2.npy", [1.0, 2.0, 3.0])
    files.npy("y.npy", [1.0, -1.0, 0.5])
    result = cli("eval", "--input", "x1=x1.npy", "--input", "x2=x2.npy", "--input", "y=y.npy", "-l", "margin_ranking")
    assert (result.exit_code, result.stdout, result.stderr) == (
        3,
        "",
        "Error: margin_ranking: y (y.npy) values must be -1 or 1 (or 0, see describe), got 0.5 at row 3\n",
    )


def test_cli_zero_labels_without_minus_one_warn(cli, files):
    # 0/1 labels: torch's arithmetic for y = 0 (here max(0, margin) = 0) with a warning; beside -1, no warning
    files.npy("x1.npy", [1.0, 2.0, 3.0])
    files.npy("x2.npy", [1.0, 2.0, 3.0])
    files.npy("y.npy", [1.0, 0.0, 0.0])
    args = ["eval", "--input", "x1=x1.npy", "--input", "x2=x2.npy", "--input", "y=y.npy", "-l", "margin_ranking", "-b"]
    result = cli(*args)
    assert (result.exit_code, result.stdout) == (0, "0.0\n")
    assert result.stderr == (
        "Warning: margin_ranking: y (y.npy) holds 0 but no -1: torch's arithmetic gives y = 0 the loss max(0, margin); "
        "if 0 marks dissimilar pairs, write them as -1.\n"
    )
    files.npy("y.npy", [-1.0, 0.0, 1.0])
    assert (cli(*args).stderr, cli(*args).exit_code) == ("", 0)


def test_cli_table_columns_named_like_the_roles(cli, files):
    # pairs.csv-style table: x1, x2, y recognised by name; values of torch margin_ranking_loss (run)
    files.csv("pairs.csv", ["x1", "x2", "y"], (1, 0, 1), (1, 2, 1), (0, 0, -1))
    result = cli("eval", "pairs.csv", "-l", "margin_ranking:margin=0.5", "-b")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "0.6666666666666666\n", "")  # mean(0, 1.5, 0.5)


def test_cli_npz_keys_as_roles(cli, files):
    # the contrastive rows of TestContrastive.test_batched, from one NPZ
    np.savez(
        files.root / "emb.npz",
        a=np.zeros((5, 2)),
        b=a([0, 0], [0, 0], [0.3, 0.4], [0.6, 0.8], [3, 4]),
        same=a(1, 0, 0, 0, 0),
    )
    args = ["--input", "x1=emb.npz:a", "--input", "x2=emb.npz:b", "--input", "same=emb.npz:same"]
    result = cli("eval", *args, "-l", "contrastive", "-b")
    assert (result.exit_code, result.stderr) == (0, "")
    assert float(result.stdout) == pytest.approx((0.5 + 0.125) / 5, rel=1e-15)


def test_describe_triplet_shows_roles_and_a_runnable_example(cli, files):
    result = cli("describe", "triplet")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[4:8] == ["inputs:", "  anchor (embeddings)", "  positive (embeddings)", "  negative (embeddings)"]
    example = "losscli eval --input anchor=ANCHOR.npy --input positive=POSITIVE.npy --input negative=NEGATIVE.npy -l triplet"
    assert lines[-2:] == ["example:", "  " + example]
    files.npy("ANCHOR.npy", a([0, 0]))
    files.npy("POSITIVE.npy", a([1, 0]))
    files.npy("NEGATIVE.npy", a([0.5, 0]))
    run = cli(*shlex.split(example)[1:], "-l", "triplet:eps=0", "-b")
    # two -l: triplet (eps 1e-6) then triplet:eps=0 (1.5, torch triplet_margin_loss run)
    assert run.exit_code == 0, run.stderr
    first, second = (float(v) for v in run.stdout.split())
    assert second == 1.5 and first == pytest.approx(1.5, abs=1e-5)


# ---------------------------------------------------------------------------- triplet distance=cosine


def test_triplet_cosine_distance_by_hand():
    # a = (1, 0); p = (1, 1): cos = 1/sqrt(2), d = 1 - 0.70710678; n = (0, 1): cos 0, d = 1
    # loss = max(0, 1 + 0.29289322 - 1) = 1 - 1/sqrt(2)
    got = triplet(a([1.0, 0.0]), a([1.0, 1.0]), a([0.0, 1.0]), distance="cosine")
    assert got[0] == pytest.approx(1.0 - 1.0 / math.sqrt(2.0), rel=1e-15)


def test_triplet_cosine_zero_vector_has_distance_one():
    # torch clamps each norm at 1e-8: a zero anchor has cosine 0 with everything, d = 1 both ways
    np.testing.assert_array_equal(triplet(a([0.0, 0.0]), a([1.0, 2.0]), a([3.0, -1.0]), distance="cosine"), [1.0])


def test_triplet_cosine_refuses_the_pairwise_parameters(cli, files):
    files.npy("a.npy", np.eye(2))
    args = ["eval", "--input", "anchor=a.npy", "--input", "positive=a.npy", "--input", "negative=a.npy", "--no-hash"]
    fails(cli(*args, "-l", "triplet:distance=cosine,p=1"), 2,
          "triplet: p and eps belong to the pairwise distance; drop them with distance=cosine.")


# ---------------------------------------------------------------------------- ranking_softmax


def test_ranking_softmax_optax_doc_example():
    # optax's docstring: scores [2, 1, 3], labels [1, 0, 0] -> 1.408 (= log(e^2 + e + e^3) - 2)
    got = ranking.ranking_softmax(a(2.0, 1.0, 3.0), a(1.0, 0.0, 0.0), a(0, 0, 0))
    want = math.log(math.exp(2) + math.exp(1) + math.exp(3)) - 2.0
    np.testing.assert_allclose(got * 3, [want] * 3, rtol=1e-15)


def test_ranking_softmax_is_the_mean_over_queries_through_the_cli(cli, files):
    # query 5: scores (0, 0), relevance (1, 0): -log(1/2); query 2: one item, loss 0;
    # query 9: scores (ln 3, 0) relevance (0, 2): -2 log(1/4). Rows of a query are not adjacent.
    files.csv("r.csv", ["q", "s", "rel"], (5, 0.0, 1), (9, math.log(3.0), 0), (2, 1.5, 1), (5, 0.0, 0), (9, 0.0, 2))
    result = cli("eval", "r.csv", "-p", "s", "-y", "rel", "--col", "query=q", "-l", "ranking_softmax", "-f", "json", "--no-hash")
    assert result.exit_code == 0, result.stderr
    entry = json.loads(result.stdout)["losses"][0]
    queries = [math.log(2.0), 0.0, 2.0 * math.log(4.0)]
    assert entry["value"] == pytest.approx(sum(queries) / 3, rel=1e-15)
    assert entry["sum"] == pytest.approx(sum(queries), rel=1e-15)
    assert entry["per_sample"] == "ranking_softmax.query_share"


def test_ranking_softmax_refuses_chunks(cli, files):
    files.csv("r.csv", ["q", "s", "rel"], (1, 0.0, 1), (1, 1.0, 0))
    result = cli("eval", "r.csv", "-p", "s", "-y", "rel", "--col", "query=q", "-l", "ranking_softmax", "--chunk-rows", "1", "--no-hash")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: --chunk-rows: ranking_softmax ") and result.stderr.count("\n") == 1


def test_ranking_softmax_rejects_negative_relevance():
    with pytest.raises(ValueDomainError, match="leave padding items"):
        ranking.ranking_softmax(a(0.0, 1.0), a(1.0, -1.0), a(0, 0))


def test_ranking_softmax_without_query_names_the_role(cli, files):
    files.csv("r.csv", ["s", "rel"], (0.0, 1), (1.0, 0))
    result = cli("eval", "r.csv", "-p", "s", "-y", "rel", "-l", "ranking_softmax", "--no-hash")
    assert result.exit_code == 2 and "needs input 'query'" in result.stderr and "--input query=PATH" in result.stderr


def test_ranking_softmax_keeps_large_integer_query_ids_apart():
    # 2**53 and 2**53 + 1 are one float64: as floats the two queries would be one list of 2
    q = np.array([2**53, 2**53 + 1], dtype=np.int64)
    np.testing.assert_array_equal(ranking.ranking_softmax(a(0.0, 5.0), a(1.0, 1.0), q), [0.0, 0.0])
