"""GAN losses: per-sample values from discriminator (critic) outputs.

Roles: ``real`` holds D's outputs on real data, ``fake`` its outputs on generated data, both
``(N,)`` (row n of each is one sample of the batch). Generator losses take only ``fake``.

``gan_d``/``gan_g`` take ``input=probs`` (D ends in a sigmoid; every log is clamped at -100 as
``torch.nn.BCELoss`` does, so one term is at most 100) or ``input=logits`` (exact log-sigmoid, as
``torch.nn.BCEWithLogitsLoss``, finite for any finite logit and not clamped). The mean of
``gan_d`` is dcgan's ``errD = BCE(D(x), 1) + BCE(D(G(z)), 0)``, the sum of two batch means.
"""

from __future__ import annotations

import numpy as np

from losscli import _kinds
from losscli._checks import as_float, check_rank, check_same_shape, check_values
from losscli.losses._registry import options, register_loss

_LOG_FLOOR = -100.0  # torch BCELoss clamps each log at -100
_INPUTS = {"input": options("probs", "logits")}
_MODES = {"mode": options("nonsaturating", "minimax"), **_INPUTS}


def _outputs(x: np.ndarray, role: str, input: str | None = None) -> np.ndarray:
    """D outputs of one role: 1-D float64; probabilities checked to be in [0, 1]."""
    x = as_float(x, role)
    check_rank(x, (1,), role)
    if input == "probs":
        check_values((x >= 0.0) & (x <= 1.0), x, "values must be in [0, 1] for input=probs", role)
    return x


def _pair(real: np.ndarray, fake: np.ndarray, input: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    real, fake = _outputs(real, "real", input), _outputs(fake, "fake", input)
    check_same_shape(real, fake, ("real", "fake"))
    return real, fake


def _log_d(x: np.ndarray, input: str) -> np.ndarray:
    """``log D``: clamped log of a probability, or log-sigmoid of a logit."""
    if input == "logits":
        return -np.logaddexp(0.0, -x)  # log sigmoid(x), no overflow for any finite x
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(x), _LOG_FLOOR)


def _log_one_minus_d(x: np.ndarray, input: str) -> np.ndarray:
    """``log(1 - D)``: clamped ``log1p(-p)`` (as torch BCELoss), or ``log sigmoid(-x)``."""
    if input == "logits":
        return -np.logaddexp(0.0, x)
    with np.errstate(divide="ignore"):
        return np.maximum(np.log1p(-x), _LOG_FLOOR)


@register_loss(
    "gan_d",
    family="gan",
    inputs=("probs|logits", "probs|logits"),
    aliases=("gan_discriminator",),
    reference="pytorch/examples dcgan/main.py errD = BCELoss(D(x), 1) + BCELoss(D(G(z)), 0)",
    domains=_INPUTS,
    checks=(_kinds.probabilities_read_as_logits((0, 1), " and of fake"),),
)
def gan_discriminator(real: np.ndarray, fake: np.ndarray, *, input: str = "probs") -> np.ndarray:
    """Discriminator loss ``-log D(x) - log(1 - D(G(z)))`` (each log clamped at -100 for probs).

    Args:
      real: D's outputs on real samples, shape (N,).
      fake: D's outputs on generated samples, shape (N,).
      input: ``probs`` (outputs after the sigmoid, in [0, 1]) or ``logits``.

    Returns:
      Per-sample loss, shape (N,); its mean is ``BCE(D(x), 1) + BCE(D(G(z)), 0)``.

    Examples:
      >>> gan_discriminator(np.array([0.9, 0.8]), np.array([0.3, 0.1])).round(7)
      array([0.4620355, 0.3285041])

    References:
      https://github.com/pytorch/examples/blob/main/dcgan/main.py (errD);
      Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    """
    real, fake = _pair(real, fake, input)
    return -_log_d(real, input) - _log_one_minus_d(fake, input)


@register_loss(
    "gan_g",
    family="gan",
    inputs=("probs|logits",),
    aliases=("gan_generator",),
    reference="pytorch/examples dcgan/main.py errG = BCELoss(D(G(z)), 1); minimax: Goodfellow et al. 2014",
    domains=_MODES,
)
def gan_generator(fake: np.ndarray, *, mode: str = "nonsaturating", input: str = "probs") -> np.ndarray:
    """Generator loss: ``-log D(G(z))`` (non-saturating), or ``log(1 - D(G(z)))`` (minimax).

    Both are minimised by the generator; the minimax value is <= 0 and saturates (its gradient
    vanishes) when D confidently rejects the fakes, which is why dcgan uses the first.

    Args:
      fake: D's outputs on generated samples, shape (N,).
      mode: ``nonsaturating`` (dcgan's errG) or ``minimax`` (the original objective).
      input: ``probs`` (outputs after the sigmoid, in [0, 1]) or ``logits``.

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> gan_generator(np.array([0.3, 0.1])).round(7)
      array([1.2039728, 2.3025851])
      >>> gan_generator(np.array([0.3, 0.1]), mode="minimax").round(7)
      array([-0.3566749, -0.1053605])

    References:
      https://github.com/pytorch/examples/blob/main/dcgan/main.py (errG);
      Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, section 3.
    """
    fake = _outputs(fake, "fake", input)
    return -_log_d(fake, input) if mode == "nonsaturating" else _log_one_minus_d(fake, input)


@register_loss(
    "wgan_d",
    family="gan",
    inputs=("scores", "scores"),
    aliases=("wasserstein_critic",),
    reference="Arjovsky et al. 2017 (hand-computed goldens)",
)
def wasserstein_critic(real: np.ndarray, fake: np.ndarray) -> np.ndarray:
    """Wasserstein critic loss ``D(G(z)) - D(x)`` on raw critic scores (no sigmoid).

    Args:
      real: critic scores on real samples, shape (N,).
      fake: critic scores on generated samples, shape (N,).

    Returns:
      Per-sample loss, shape (N,); minus its mean estimates the Wasserstein-1 distance.

    Examples:
      >>> wasserstein_critic(np.array([2.0, 0.5]), np.array([-1.0, 1.0]))
      array([-3. ,  0.5])

    References:
      Arjovsky, Chintala, Bottou, "Wasserstein GAN", ICML 2017, algorithm 1.
      https://arxiv.org/abs/1701.07875
    """
    real, fake = _pair(real, fake)
    return fake - real


@register_loss(
    "wgan_g",
    family="gan",
    inputs=("scores",),
    aliases=("wasserstein_generator",),
    reference="Arjovsky et al. 2017 (hand-computed goldens)",
)
def wasserstein_generator(fake: np.ndarray) -> np.ndarray:
    """Wasserstein generator loss ``-D(G(z))`` on raw critic scores.

    Args:
      fake: critic scores on generated samples, shape (N,).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> wasserstein_generator(np.array([-1.0, 1.0]))
      array([ 1., -1.])

    References:
      Arjovsky, Chintala, Bottou, "Wasserstein GAN", ICML 2017, algorithm 1.
      https://arxiv.org/abs/1701.07875
    """
    return -_outputs(fake, "fake")


@register_loss(
    "hinge_gan_d",
    family="gan",
    inputs=("scores", "scores"),
    reference="Miyato et al. 2018 (hand-computed goldens)",
)
def hinge_discriminator(real: np.ndarray, fake: np.ndarray) -> np.ndarray:
    """Hinge discriminator loss ``max(0, 1 - D(x)) + max(0, 1 + D(G(z)))`` on raw scores.

    Args:
      real: D's scores on real samples, shape (N,).
      fake: D's scores on generated samples, shape (N,).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> hinge_discriminator(np.array([2.0, 0.5]), np.array([-1.0, 1.0]))
      array([0. , 2.5])

    References:
      Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018,
      eq. 16-17. https://arxiv.org/abs/1802.05957
    """
    real, fake = _pair(real, fake)
    return np.maximum(1.0 - real, 0.0) + np.maximum(1.0 + fake, 0.0)


@register_loss(
    "hinge_gan_g",
    family="gan",
    inputs=("scores",),
    reference="Miyato et al. 2018 (hand-computed goldens)",
)
def hinge_generator(fake: np.ndarray) -> np.ndarray:
    """Hinge generator loss ``-D(G(z))`` on raw scores (the same value as wgan_g).

    Args:
      fake: D's scores on generated samples, shape (N,).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> hinge_generator(np.array([-1.0, 1.0]))
      array([ 1., -1.])

    References:
      Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018,
      eq. 17. https://arxiv.org/abs/1802.05957
    """
    return -_outputs(fake, "fake")
