"""GAN losses: hand-computed values, the scalar/batched/shape-mismatch trio, clamps, extreme
logits and CLI role handling.

Torch references (the dcgan BCELoss composition) are in tests/golden/golden_gan.json; the numbers
here are worked out by hand or quoted from a torch run
(D(x) = [0.9, 0.8], D(G(z)) = [0.3, 0.1]: errD = 0.3952697633, errG = 1.753278949,
minimax = -0.2310177298, torch "run" values).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from losscli.errors import ShapeError, SpecError, ValueDomainError
from losscli.losses import parse_spec
from losscli.losses.gan import (
    gan_discriminator,
    gan_generator,
    hinge_discriminator,
    hinge_generator,
    wasserstein_critic,
    wasserstein_generator,
)


def a(*values):
    return np.array(values, dtype=np.float64)


def logit(p):
    return math.log(p / (1 - p))


REAL, FAKE = a(0.9, 0.8), a(0.3, 0.1)


class TestGanD:
    def test_values_from_loss_semantics_4_9(self):
        # per sample -log D(x) - log(1 - D(G(z))); the mean is dcgan's errD
        out = gan_discriminator(REAL, FAKE)
        np.testing.assert_allclose(out, [-math.log(0.9) - math.log(0.7), -math.log(0.8) - math.log(0.9)], rtol=1e-15)
        assert out.mean() == pytest.approx(0.3952697633, abs=1e-10)

    def test_scalar(self):
        # D(x) = D(G(z)) = 0.5: 2 log 2
        np.testing.assert_allclose(gan_discriminator(a(0.5), a(0.5)), [2 * math.log(2)], rtol=1e-15)

    def test_logits_equal_probabilities(self):
        # logit(0.9), logit(0.3), ...: the same per-sample values as the probabilities
        out = gan_discriminator(a(logit(0.9), logit(0.8)), a(logit(0.3), logit(0.1)), input="logits")
        np.testing.assert_allclose(out, gan_discriminator(REAL, FAKE), rtol=1e-14)

    def test_probabilities_0_and_1_are_clamped_at_100_per_term(self):
        # BCELoss clamps each log at -100: D(x)=0 costs 100, D(G(z))=1 costs 100
        out = gan_discriminator(a(0.0, 1.0, 1.0, 0.0), a(0.0, 1.0, 0.0, 1.0))
        np.testing.assert_array_equal(out, [100.0, 100.0, 0.0, 200.0])

    def test_extreme_logits_stay_finite_and_exact(self):
        # -log sigmoid(1000) = 0 and -log(1 - sigmoid(-1000)) = 0; the other way round 1000 each
        out = gan_discriminator(a(1000.0, -1000.0), a(-1000.0, 1000.0), input="logits")
        np.testing.assert_array_equal(out, [0.0, 2000.0])

    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"real and fake must have the same shape, got \(2,\) and \(3,\)"):
            gan_discriminator(REAL, a(0.1, 0.2, 0.3))
        with pytest.raises(ShapeError, match=r"real must be 1-D, got shape \(2, 1\) instead"):
            gan_discriminator(REAL[:, None], FAKE[:, None])

    def test_probabilities_outside_0_1_name_the_row(self):
        with pytest.raises(ValueDomainError, match=r"^fake values must be in \[0, 1\] for input=probs, got 1.5 at row 2$"):
            gan_discriminator(REAL, a(0.2, 1.5))


class TestGanG:
    def test_values_from_loss_semantics_4_9(self):
        out = gan_generator(FAKE)
        np.testing.assert_allclose(out, [-math.log(0.3), -math.log(0.1)], rtol=1e-15)
        assert out.mean() == pytest.approx(1.753278949, abs=1e-9)
        minimax = gan_generator(FAKE, mode="minimax")
        np.testing.assert_allclose(minimax, [math.log(0.7), math.log(0.9)], rtol=1e-15)
        assert minimax.mean() == pytest.approx(-0.2310177298, abs=1e-10)

    def test_scalar(self):
        np.testing.assert_allclose(gan_generator(a(0.5)), [math.log(2)], rtol=1e-15)

    def test_batched_logits(self):
        # logit 0: log 2 both ways; logit -1000: non-saturating 1000, minimax log(1 - 0) = 0
        np.testing.assert_allclose(gan_generator(a(0.0, -1000.0), input="logits"), [math.log(2), 1000.0], rtol=1e-15)
        np.testing.assert_allclose(
            gan_generator(a(0.0, -1000.0), mode="minimax", input="logits"), [-math.log(2), 0.0], rtol=1e-15
        )

    def test_clamps(self):
        # non-saturating D(G(z)) = 0 -> 100; minimax D(G(z)) = 1 -> log 0 clamped to -100
        np.testing.assert_array_equal(gan_generator(a(0.0, 1.0)), [100.0, 0.0])
        np.testing.assert_array_equal(gan_generator(a(0.0, 1.0), mode="minimax"), [0.0, -100.0])

    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"fake must be 1-D, got shape \(2, 2\) instead"):
            gan_generator(np.full((2, 2), 0.5))

    def test_unknown_mode_is_a_usage_error(self):
        with pytest.raises(SpecError, match=r"^Parameter 'mode' of loss 'gan_g' must be one of nonsaturating, minimax, got saturating\.$"):
            parse_spec("gan_g:mode=saturating")


class TestWassersteinAndHinge:
    def test_scalar(self):
        assert wasserstein_critic(a(2.0), a(-1.0)).tolist() == [-3.0]
        assert wasserstein_generator(a(-1.0)).tolist() == [1.0]
        assert hinge_discriminator(a(2.0), a(-1.0)).tolist() == [0.0]  # both past the margin
        assert hinge_generator(a(-1.0)).tolist() == [1.0]

    def test_batched(self):
        # wgan_d: fake - real; hinge_d: max(0, 1 - real) + max(0, 1 + fake)
        real, fake = a(2.0, 0.5, 1.0, -3.0), a(-1.0, 1.0, -1.0, 0.0)
        np.testing.assert_array_equal(wasserstein_critic(real, fake), [-3.0, 0.5, -2.0, 3.0])
        np.testing.assert_array_equal(hinge_discriminator(real, fake), [0.0, 2.5, 0.0, 5.0])
        np.testing.assert_array_equal(wasserstein_generator(fake), [1.0, -1.0, 1.0, -0.0])
        np.testing.assert_array_equal(hinge_generator(fake), wasserstein_generator(fake))

    def test_shape_mismatch(self):
        for fn in (wasserstein_critic, hinge_discriminator):
            with pytest.raises(ShapeError, match=r"real and fake must have the same shape, got \(2,\) and \(1,\)"):
                fn(a(1.0, 2.0), a(1.0))
        for fn in (wasserstein_generator, hinge_generator):
            with pytest.raises(ShapeError, match=r"fake must be 1-D"):
                fn(np.zeros((2, 2)))


# ---------------------------------------------------------------------------- CLI


def test_cli_gan_table_columns_are_recognised_by_name(cli, files):
    files.csv("gan.csv", ["real", "fake"], (0.9, 0.3), (0.8, 0.1))
    result = cli("eval", "gan.csv", "-l", "gan_d", "-l", "gan_g", "-l", "gan_g:mode=minimax", "-f", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    import json

    values = {e["label"]: e["value"] for e in json.loads(result.stdout)["losses"]}
    assert values["gan_d"] == pytest.approx(0.3952697633, abs=1e-10)  # torch run (the dcgan composition)
    assert values["gan_g"] == pytest.approx(1.753278949, abs=1e-9)
    assert values["gan_g:mode=minimax"] == pytest.approx(-0.2310177298, abs=1e-10)


def test_cli_generator_needs_only_fake(cli, files):
    files.npy("fake.npy", [0.3, 0.1])
    for args in (["fake.npy"], ["--input", "fake=fake.npy"]):
        result = cli("eval", *args, "-l", "gan_g", "-b")
        assert (result.exit_code, result.stdout, result.stderr) == (0, "1.753278948659991\n", "")


def test_cli_discriminator_without_real_names_the_role(cli, files):
    files.npy("fake.npy", [0.3, 0.1])
    result = cli("eval", "--input", "fake=fake.npy", "-l", "gan_d")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        "Error: Missing input 'real': pass it with --input real=PATH[:SEL].\n",
    )


def test_cli_probability_out_of_range_is_exit_3(cli, files):
    files.npy("real.npy", [0.9, 0.8])
    files.npy("fake.npy", [0.3, 1.1])
    result = cli("eval", "--input", "real=real.npy", "--input", "fake=fake.npy", "-l", "gan_d")
    assert (result.exit_code, result.stdout, result.stderr) == (
        3,
        "",
        "Error: gan_d: fake (fake.npy) values must be in [0, 1] for input=probs, got 1.1 at row 2\n",
    )


def test_describe_gan_g_example_uses_only_fake(cli):
    result = cli("describe", "gan_g")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "  losscli eval --input fake=FAKE.npy -l gan_g"
