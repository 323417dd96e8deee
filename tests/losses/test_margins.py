"""perceptron, sparsemax and multilabel_margin: hand-computed values, a loop reference of the
vectorised multi-label margin, label errors through the CLI.

Reference values from optax / torch are in tests/golden/golden_newlosses.json (test_golden.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from losscli.errors import ShapeError, ValueDomainError
from losscli.losses.margins import multilabel_margin, perceptron, sparsemax
from conftest import fails

RNG = np.random.default_rng(16)


def test_perceptron_by_hand():
    # max(0, -y f): 0.5*1 -> 0; -2*-1 = 2 -> 0; -0.3*1 -> 0.3; 0 on the boundary -> 0
    got = perceptron(np.array([0.5, -2.0, -0.3, 0.0]), np.array([1, -1, 1, -1]))
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.3, 0.0])


def test_perceptron_reads_label_0_as_minus_1_and_rows_as_their_mean():
    f = np.array([[2.0, -1.0]])
    # labels 0 -> -1: max(0, 2) = 2 and max(0, -1) = 0; row mean 1
    np.testing.assert_array_equal(perceptron(f, np.array([[0, 0]])), [1.0])
    np.testing.assert_array_equal(perceptron(f, np.array([[0, 0]])), perceptron(f, np.array([[-1, -1]])))


def test_perceptron_rejects_other_labels():
    with pytest.raises(ValueDomainError, match="-1/\\+1 or 0/1"):
        perceptron(np.array([1.0, 2.0]), np.array([1, 2]))


def test_sparsemax_regions_by_hand():
    # label 0 scores z = x, label 1 scores z = -x; sparse_plus: 0 for z <= -1, (z+1)^2/4 inside, z beyond 1
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0, -2.0, 0.5])
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    want = [0.0, 0.0625, 0.25, 0.5625, 1.0, 2.0, 2.0, 0.0625]
    np.testing.assert_array_equal(sparsemax(x, y), want)


def test_sparsemax_minus_one_labels_say_how_to_map_them():
    with pytest.raises(ValueDomainError, match="pass --pos-label 1"):
        sparsemax(np.array([1.0, 2.0]), np.array([1, -1]))


def multilabel_reference(x, target):
    """torch's loops: targets up to the first -1, every (target, non-target) pair, divided by C."""
    out = []
    for row, t in zip(x.tolist(), target.tolist()):
        ys = []
        for v in t:
            if v == -1:
                break
            ys.append(int(v))
        total = 0.0
        for j in ys:
            for i in range(len(row)):
                if i not in ys:
                    total += max(0.0, 1.0 - (row[j] - row[i]))
        out.append(total / len(row))
    return np.array(out)


def test_multilabel_margin_matches_a_loop_reference():
    x = RNG.normal(size=(40, 6))
    target = np.full((40, 6), -1)
    for n in range(40):
        k = RNG.integers(0, 7)
        target[n, :k] = RNG.integers(0, 6, size=k)  # duplicates possible: they count twice
        target[n, k:] = np.where(RNG.uniform(size=6 - k) < 0.3, -1, RNG.integers(0, 6, size=6 - k))  # after a -1: ignored
    np.testing.assert_allclose(multilabel_margin(x, target), multilabel_reference(x, target), rtol=1e-13, atol=0)


def test_multilabel_margin_torch_doc_example():
    # torch's documentation: x = [0.1, 0.2, 0.4, 0.8], y = [3, 0, -1, 1] -> 0.85
    assert multilabel_margin(np.array([[0.1, 0.2, 0.4, 0.8]]), np.array([[3, 0, -1, 1]]))[0] == pytest.approx(0.85)


def test_multilabel_margin_needs_targets_of_the_scores_shape():
    with pytest.raises(ShapeError, match="same shape"):
        multilabel_margin(np.zeros((2, 3)), np.array([0, 1]))


def test_multilabel_margin_bad_index_through_the_cli(cli, files):
    files.npy("x.npy", np.zeros((2, 3)))
    files.npy("t.npy", np.array([[0, -1, -1], [3, -1, -1]]))
    fails(cli("eval", "x.npy", "t.npy", "-l", "multilabel_margin", "--no-hash"), 3,
          "multilabel_margin: target (t.npy) must be class indices in [0, 3) padded with -1, got 3 at row 2")
