"""Regression losses. gaussian_nll (roles pred, target, var): hand-computed values, the trio,
var shapes and errors.

Torch references are in tests/golden/golden_gaussian_nll.json; the numbers here are worked out by
hand from 0.5 (log v + d**2 / v), v = max(var, eps), or quoted from
a torch run (var = 0 -> 0.5 log(1e-6) = -6.9078: torch clamps var at eps = 1e-6).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from losscli.errors import ShapeError, ValueDomainError
from losscli.losses.regression import gaussian_nll
from conftest import fails


def a(*values):
    return np.array(values, dtype=np.float64)


def test_scalar():
    # d = 2, var = 4: 0.5 (log 4 + 4 / 4)
    np.testing.assert_allclose(gaussian_nll(a(3.0), a(1.0), a(4.0)), [0.5 * (math.log(4) + 1)], rtol=1e-15)


def test_batched_full_and_eps():
    # d = [1, 0], var = [1, 0]: [0.5 (0 + 1), 0.5 log(1e-6)] (var 0 clamps to eps, as torch)
    out = gaussian_nll(a(1.0, 0.0), a(0.0, 0.0), a(1.0, 0.0))
    np.testing.assert_allclose(out, [0.5, 0.5 * math.log(1e-6)], rtol=1e-15)
    assert out[1] == pytest.approx(-6.9078, abs=1e-4)
    full = gaussian_nll(a(1.0, 0.0), a(0.0, 0.0), a(1.0, 0.0), full=True)
    np.testing.assert_allclose(full, out + 0.5 * math.log(2 * math.pi), rtol=1e-15)
    # eps = 0.5 lifts var 0 to 0.5 and leaves var 1 alone: 0.5 log 0.5
    np.testing.assert_allclose(gaussian_nll(a(1.0, 0.0), a(0.0, 0.0), a(1.0, 0.0), eps=0.5), [0.5, 0.5 * math.log(0.5)], rtol=1e-15)


def test_var_per_row_for_2d_pred():
    # pred (2, 2), var (2,) = one variance per row (torch unsqueezes it): row 1 d = [1, 1], var 1
    # -> 0.5 (0 + 1) each; row 2 d = [0, 2], var 2 -> 0.5 (log 2 + 0) and 0.5 (log 2 + 2), mean
    pred, target = a([1.0, 1.0], [0.0, 2.0]), np.zeros((2, 2))
    expected = [0.5, 0.5 * math.log(2) + 0.5]
    np.testing.assert_allclose(gaussian_nll(pred, target, a(1.0, 2.0)), expected, rtol=1e-15)
    np.testing.assert_allclose(gaussian_nll(pred, target, a([1.0], [2.0])), expected, rtol=1e-15)  # (N, 1)
    np.testing.assert_allclose(gaussian_nll(pred, target, a([1.0, 1.0], [2.0, 2.0])), expected, rtol=1e-15)


def test_shape_mismatch():
    with pytest.raises(ShapeError, match=r"pred and target must have the same shape, got \(2,\) and \(3,\)"):
        gaussian_nll(a(1, 2), a(1, 2, 3), a(1, 1))
    with pytest.raises(ShapeError, match=r"var must have the shape of pred \(2,\), .* got \(3,\) instead"):
        gaussian_nll(a(1, 2), a(1, 2), a(1, 1, 1))
    with pytest.raises(ShapeError, match=r"got \(2, 2\) instead"):  # two rows for three: no broadcasting
        gaussian_nll(np.zeros((3, 2)), np.zeros((3, 2)), np.ones((2, 2)))
    # one row broadcasts (torch): 0.5 log 2 per element, the same for every row
    np.testing.assert_allclose(gaussian_nll(np.zeros((3, 2)), np.zeros((3, 2)), np.full((1, 2), 2.0)), [0.5 * math.log(2)] * 3, rtol=1e-15)


def test_negative_variance_names_the_row():
    with pytest.raises(ValueDomainError, match=r"^var values must be >= 0 \(variances\), got -0.5 at row 2$"):
        gaussian_nll(a(1, 2), a(1, 2), a(1.0, -0.5))


def test_nan_variance_propagates():
    out = gaussian_nll(a(1, 2), a(1, 2), a(1.0, np.nan))
    assert out[0] == 0.0 and np.isnan(out[1])


def test_cli_var_column_is_recognised_and_missing_var_is_named(cli, files):
    files.csv("g.csv", ["pred", "target", "var"], (3.0, 1.0, 4.0), (1.0, 0.0, 1.0))
    result = cli("eval", "g.csv", "-l", "gaussian_nll", "-b")
    assert (result.exit_code, result.stderr) == (0, "")
    assert float(result.stdout) == pytest.approx((0.5 * (math.log(4) + 1) + 0.5) / 2, rel=1e-15)
    files.csv("xy.csv", ["pred", "target"], (3.0, 1.0))
    result = cli("eval", "xy.csv", "-l", "gaussian_nll")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        "Error: Loss 'gaussian_nll' needs input 'var' (values); its inputs are pred, target, var. "
        "Pass it with --input var=PATH[:SEL] (see 'losscli describe gaussian_nll').\n",
    )


def test_cli_negative_variance_is_exit_3(cli, files):
    files.csv("g.csv", ["pred", "target", "var"], (3.0, 1.0, 4.0), (1.0, 0.0, -1.0))
    result = cli("eval", "g.csv", "-l", "gaussian_nll")
    assert (result.exit_code, result.stdout, result.stderr) == (
        3,
        "",
        "Error: gaussian_nll: var (g.csv column 'var') values must be >= 0 (variances), got -1 at row 2\n",
    )


def test_cli_var_of_one_row_is_shared_by_every_row(cli, files):
    # torch broadcasts a (1, D) var over the rows: per row the mean over D of 0.5 (log v + d²/v),
    # v = (1, 4): row 1 d = (1, 2): 0.5 (0 + 1) + 0.5 (log 4 + 1) = 1 + 0.5 log 4, halved over D;
    # row 2 d = (0, 0): 0.5 log 4, halved.
    files.npy("p.npy", [[1.0, 2.0], [0.0, 0.0]])
    files.npy("t.npy", [[0.0, 0.0], [0.0, 0.0]])
    files.npy("v.npy", [[1.0, 4.0]])
    result = cli("eval", "--input", "pred=p.npy", "--input", "target=t.npy", "--input", "var=v.npy", "-l", "gaussian_nll", "-b")
    assert (result.exit_code, result.stderr) == (0, "")
    assert float(result.stdout) == pytest.approx(((1 + 0.5 * math.log(4)) / 2 + 0.5 * math.log(4) / 2) / 2, rel=1e-15)
    files.npy("v3.npy", [[1.0, 4.0]] * 3)
    fails(cli("eval", "--input", "pred=p.npy", "--input", "target=t.npy", "--input", "var=v3.npy", "-l", "gaussian_nll"), 3,
          "Inputs have different numbers of rows: pred (p.npy) has 2, target (t.npy) has 2, var (v3.npy) has 3; "
          "var may also have 1 row, shared by every row.")
