"""ctc: against a brute-force sum over every alignment, its parameters, its input errors, and
through the CLI from one NPZ (streamed in chunks of one sequence: the same values).

Reference values from torch are in tests/golden/golden_newlosses.json (test_golden.py).
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from losscli.errors import ShapeError, ValueDomainError
from losscli.losses.sequence import ctc
from conftest import fails

RNG = np.random.default_rng(6)


def brute_force_nll(log_probs, target, blank):
    """-log of the summed probability of every path whose collapse (merge repeats, drop blanks)
    is the target: Graves et al. 2006's definition, with no recursion."""
    steps, classes = log_probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(target):
            total += math.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    return -math.log(total) if total > 0 else math.inf


def random_log_probs(n, steps, classes):
    x = RNG.normal(size=(n, steps, classes)) * 1.5
    return x - np.log(np.exp(x).sum(axis=2, keepdims=True))


@pytest.mark.parametrize("blank", [0, 2])
def test_ctc_equals_the_sum_over_all_alignments(blank):
    lp = random_log_probs(6, 5, 3)
    labels = [c for c in range(3) if c != blank]
    targets = np.array([[labels[0], labels[1], 0], [labels[0], labels[0], 0], [labels[1], 0, 0],
                        [0, 0, 0], [labels[1], labels[0], labels[1]], [labels[0], labels[0], labels[0]]])
    target_lengths = np.array([2, 2, 1, 0, 3, 3])
    input_lengths = np.array([5, 4, 1, 3, 5, 4])  # the last needs 5 steps (blanks between repeats): inf
    targets = np.where(np.arange(3) < target_lengths[:, None], targets, 99)  # the padding may hold anything
    want = [brute_force_nll(lp[i, : input_lengths[i]], targets[i, : target_lengths[i]], blank) for i in range(6)]
    got = ctc(lp, targets, input_lengths, target_lengths, blank=blank, per_target_length=False)
    assert got[-1] == math.inf
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_per_target_length_divides_by_the_length_at_least_one():
    lp = random_log_probs(3, 4, 3)
    targets, il, tl = np.array([[1, 2], [1, 0], [0, 0]]), np.array([4, 4, 2]), np.array([2, 1, 0])
    plain = ctc(lp, targets, il, tl, per_target_length=False)
    np.testing.assert_array_equal(ctc(lp, targets, il, tl), plain / np.array([2.0, 1.0, 1.0]))


def test_zero_infinity_and_empty_inputs():
    lp = random_log_probs(3, 2, 3)
    # 3 labels in 2 steps: impossible (inf, or 0 with zero_infinity); an empty input with an
    # empty target has probability 1 (loss 0), with a non-empty target probability 0 (inf)
    targets, il, tl = np.array([[1, 2, 1], [0, 0, 0], [1, 0, 0]]), np.array([2, 0, 0]), np.array([3, 0, 1])
    np.testing.assert_array_equal(ctc(lp, targets, il, tl, per_target_length=False), [math.inf, 0.0, math.inf])
    np.testing.assert_array_equal(ctc(lp, targets, il, tl, zero_infinity=True), [0.0, 0.0, 0.0])


def test_a_table_column_of_targets_is_one_label_per_sequence():
    lp = random_log_probs(2, 3, 3)
    np.testing.assert_array_equal(
        ctc(lp, np.array([1, 2]), np.array([3, 3]), np.array([1, 1])),
        ctc(lp, np.array([[1], [2]]), np.array([3, 3]), np.array([1, 1])),
    )


@pytest.mark.parametrize(
    "targets, il, tl, error, match",
    [
        (np.array([[0, 1]]), [3], [2], ValueDomainError, r"other than blank \(0\)"),
        (np.array([[1, 5]]), [3], [2], ValueDomainError, r"class indices in \[0, 3\)"),
        (np.array([[1, 2]]), [4], [2], ValueDomainError, r"input_lengths must be whole numbers in \[0, 3\]"),
        (np.array([[1, 2]]), [3], [3], ValueDomainError, r"target_lengths must be whole numbers in \[0, 2\]"),
        (np.array([[1, 2]]), [2.5], [2], ValueDomainError, "whole numbers"),
        (np.array([[[1, 2]]]), [3], [2], ShapeError, r"targets must have shape \(1, S\)"),
    ],
)
def test_input_errors(targets, il, tl, error, match):
    with pytest.raises(error, match=match):
        ctc(random_log_probs(1, 3, 3), targets, np.array(il), np.array(tl))


def test_log_probs_must_be_batch_first_3d():
    with pytest.raises(ShapeError, match="log_probs must be 3-D"):
        ctc(np.zeros((3, 3)), np.array([[1]]), np.array([3]), np.array([1]))


def _npz(files):
    lp = random_log_probs(4, 6, 4)
    arrays = dict(log_probs=lp, targets=np.array([[1, 2, 3], [2, 2, 0], [3, 0, 0], [1, 3, 1]]),
                  input_lengths=np.array([6, 5, 2, 6]), target_lengths=np.array([3, 2, 1, 3]))
    np.savez(files.root / "batch.npz", **arrays)
    return arrays


ROLES = ["batch.npz:log_probs", "batch.npz:targets", "--input", "input_lengths=batch.npz:input_lengths",
         "--input", "target_lengths=batch.npz:target_lengths"]


def test_ctc_from_one_npz_streamed_one_sequence_at_a_time(cli, files):
    arrays = _npz(files)
    want = ctc(*arrays.values())
    whole = cli("eval", *ROLES, "-l", "ctc", "-f", "json", "--no-hash")
    streamed = cli("eval", *ROLES, "-l", "ctc", "-f", "json", "--no-hash", "--chunk-rows", "1")
    for result in (whole, streamed):
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["losses"][0]["value"] == pytest.approx(want.mean(), rel=1e-15)


def test_time_first_log_probs_get_a_line_that_says_to_save_them_batch_first(cli, files):
    arrays = _npz(files)
    arrays["log_probs"] = np.swapaxes(arrays["log_probs"], 0, 1)  # torch's (T, N, C): 6 x 4 x 4
    np.savez(files.root / "batch.npz", **arrays)
    result = cli("eval", *ROLES, "-l", "ctc", "--no-hash")
    assert result.exit_code == 3 and result.stdout == "" and len(result.stderr.splitlines()) == 1
    assert "pred (batch.npz) has shape (6, 4, 4): rows come first" in result.stderr
    assert "numpy.swapaxes(a, 0, 1)" in result.stderr


def test_an_impossible_alignment_is_exit_3_naming_zero_infinity(cli, files):
    arrays = _npz(files)
    arrays["input_lengths"][1] = 2  # "2 2" needs 3 steps
    np.savez(files.root / "batch.npz", **arrays)
    result = cli("eval", *ROLES, "-l", "ctc", "--no-hash")
    assert result.exit_code == 3 and "inf at row 2" in result.stderr
    assert cli("eval", *ROLES, "-l", "ctc:zero_infinity=true", "--no-hash").exit_code == 0
