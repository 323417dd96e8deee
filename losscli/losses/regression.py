"""Regression losses: per-sample values of ``pred`` against ``target`` (same shape).

Inputs are ``(N,)`` or ``(N, D)``; an elementwise loss on ``(N, D)`` gives the row mean per
sample, so the overall mean equals the reference's mean over all elements. Float32 inputs are
computed in float64.
"""

from __future__ import annotations

import math

import numpy as np

from losscli._checks import as_float, check_same_shape, check_values, row_mean
from losscli.errors import ShapeError
from losscli.losses._registry import Domain, all_elements, interval, register_loss, register_preset

_EPS64 = float(np.finfo(np.float64).eps)
_VALUES = ("values", "values")


def _diff(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    pred, target = as_float(pred, "pred"), as_float(target, "target")
    check_same_shape(pred, target)
    return pred - target


def _finite_weights(v: object) -> bool:
    values = v if isinstance(v, tuple) else (v,)
    return all(isinstance(t, (int, float)) and math.isfinite(t) and t >= 0 for t in values) and sum(values) > 0


# scikit-learn's multioutput=[w...]: weights of the output columns (also the regression metrics')
MULTIOUTPUT = Domain(_finite_weights, "finite and >= 0, not all 0 (one weight per output column, separated by ';')")


def _output_mean(loss: np.ndarray, multioutput: tuple[float, ...] | None) -> np.ndarray:
    """Per-sample value of an elementwise loss: the row mean, or with ``multioutput`` weights
    (scikit-learn's ``multioutput=[w...]``) the weighted mean ``Σ_j w_j l_j / Σ_j w_j`` over the
    output columns (the mean over rows of it is scikit-learn's ``np.average`` of the per-column
    means with those weights)."""
    if multioutput is None:
        return row_mean(loss)
    if loss.ndim > 2:
        raise ShapeError(f"parameter multioutput weighs output columns, but pred has shape {loss.shape}")
    w = output_weights(multioutput, 1 if loss.ndim == 1 else loss.shape[1])
    return loss if loss.ndim == 1 else loss @ w / np.sum(w)


def output_weights(multioutput: tuple[float, ...], d: int) -> np.ndarray:
    """The ``multioutput`` weights as an array, one per output column of the ``d`` there are."""
    w = np.asarray(multioutput, dtype=np.float64)
    if len(w) != d:
        raise ShapeError(f"parameter multioutput has {len(w)} values, but pred has {d} output columns")
    return w


def _pair(pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred, target = as_float(pred, "pred"), as_float(target, "target")
    check_same_shape(pred, target)
    return pred, target


@register_loss(
    "mae",
    family="regression",
    inputs=_VALUES,
    aliases=("l1", "l1_loss", "L1Loss", "mean_absolute_error"),
    reference="torch.nn.functional.l1_loss",
    propagates_nonfinite=True,
    kernel="absolute",
    elements=all_elements,
)
def absolute_error(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Absolute error ``|pred - target|``.

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> absolute_error(np.array([0.5, -1.0]), np.array([0.0, 1.0]))
      array([0.5, 2. ])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.L1Loss.html
    """
    d = _diff(pred, target)  # a fresh array: the steps below reuse it (no second temporary)
    return row_mean(np.abs(d, out=d))


@register_loss(
    "rmse",
    family="regression",
    inputs=_VALUES,
    aliases=("root_mean_squared_error",),
    reference="sklearn.metrics.root_mean_squared_error",
    finalize=np.sqrt,
    headline="sqrt(mean), per output column then averaged",
    per_sample="sq_err",
    propagates_nonfinite=True,
    kernel="squared",
)
@register_loss(
    "mse",
    family="regression",
    inputs=_VALUES,
    aliases=("l2", "mse_loss", "MSELoss", "mean_squared_error"),
    reference="torch.nn.functional.mse_loss",
    propagates_nonfinite=True,
    kernel="squared",
    elements=all_elements,
)
def squared_error(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Squared error ``(pred - target)**2`` (for rmse the headline is the root of its mean).

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> squared_error(np.array([0.5, -1.0]), np.array([0.0, 1.0]))
      array([0.25, 4.  ])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html
    """
    d = _diff(pred, target)
    return row_mean(np.multiply(d, d, out=d))


@register_loss(
    "smooth_l1",
    family="regression",
    inputs=_VALUES,
    aliases=("SmoothL1Loss", "smooth_l1_loss"),
    reference="torch.nn.functional.smooth_l1_loss",
    domains={"beta": interval(0.0)},
    propagates_nonfinite=True,
    kernel="smooth_l1",
    elements=all_elements,
)
def smooth_l1(pred: np.ndarray, target: np.ndarray, *, beta: float = 1.0) -> np.ndarray:
    """Smooth L1: ``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``.

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.
      beta: where the quadratic part turns linear (>= 0; 0 gives exactly |d|).

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> smooth_l1(np.array([0.5, -1.0]), np.array([0.0, 1.0]))
      array([0.125, 1.5  ])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.SmoothL1Loss.html
    """
    d = _diff(pred, target)
    a = np.abs(d, out=d)
    if beta == 0.0:
        return row_mean(a)  # torch dispatches beta == 0 to l1_loss
    # torch's where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta): the same operations in the
    # same order, and the choice made on the bits (q ^ ((q ^ l) & ~m) with m all ones where
    # a < beta): numpy's masked selections (where, putmask) branch per element, 3x slower here.
    quadratic = np.subtract(0, a < beta, dtype=np.int64)  # -1 (all bits set) where a < beta, else 0
    out = np.multiply(a, 0.5)
    out *= a
    if beta != 1.0:  # x / 1.0 is x: the default skips a pass
        out /= beta
    linear = np.subtract(a, 0.5 * beta, out=a)  # (a NaN row: NaN, as torch's linear branch)
    q, l = out.view(np.int64), linear.view(np.int64)
    np.bitwise_xor(q, l, out=q)
    np.bitwise_and(q, quadratic, out=q)
    np.bitwise_xor(q, l, out=q)  # the quadratic value where a < beta, else the linear one
    return row_mean(out)


@register_loss(
    "huber",
    family="regression",
    inputs=_VALUES,
    aliases=("HuberLoss", "huber_loss"),
    reference="torch.nn.functional.huber_loss",
    domains={"delta": interval(0.0, closed="neither")},
    propagates_nonfinite=True,
    kernel="huber",
    elements=all_elements,
)
def huber(pred: np.ndarray, target: np.ndarray, *, delta: float = 1.0) -> np.ndarray:
    """Huber: ``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.
      delta: where the quadratic part turns linear (> 0).

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> huber(np.array([0.5, -1.0]), np.array([0.0, 1.0]), delta=2.0)
      array([0.125, 2.   ])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.HuberLoss.html
    """
    d = _diff(pred, target)
    a = np.abs(d, out=d)
    # torch's where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta)) as q * (a - 0.5 * q) with
    # q = min(a, delta): for a >= delta the same operations; for a < delta, a - 0.5 * a is exactly
    # 0.5 * a (or 0.5 * a underflows and so does a * a), so a * (0.5 * a) is the same product.
    q = np.minimum(a, delta)
    h = np.multiply(q, 0.5)
    np.subtract(a, h, out=h)
    return row_mean(np.multiply(q, h, out=q))


@register_loss(
    "log_cosh",
    family="regression",
    inputs=_VALUES,
    aliases=("logcosh",),
    reference="optax.log_cosh",
    propagates_nonfinite=True,
    elements=all_elements,
)
def log_cosh(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Log-cosh ``log(cosh(d))``, computed as ``logaddexp(d, -d) - log 2``.

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> log_cosh(np.array([1000.0, 0.0]), np.array([0.0, 0.0]))
      array([999.30685282,   0.        ])

    References:
      https://optax.readthedocs.io/en/latest/api/losses.html#optax.losses.log_cosh
    """
    d = _diff(pred, target)
    # logaddexp never overflows; log(cosh(d)) does for |d| > ~710.
    out = np.negative(d)
    np.logaddexp(d, out, out=out)
    out -= math.log(2.0)
    return row_mean(out)


@register_loss(
    "mape",
    family="regression",
    inputs=_VALUES,
    aliases=("mean_absolute_percentage_error",),
    reference="sklearn.metrics.mean_absolute_percentage_error",
    domains={"eps": interval(0.0, closed="neither"), "multioutput": MULTIOUTPUT},
    elements=all_elements,
)
def absolute_percentage_error(
    pred: np.ndarray, target: np.ndarray, *, eps: float = _EPS64, multioutput: tuple[float, ...] | None = None
) -> np.ndarray:
    """Absolute percentage error ``|d| / max(|target|, eps)``, a fraction (not percent).

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.
      eps: floor of the denominator (float64 machine epsilon, as scikit-learn).
      multioutput: weights of the output columns of (N, D) inputs (``1;2``), as scikit-learn's
        ``multioutput=[w...]``; none: their plain mean.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> absolute_percentage_error(np.array([1.5, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
      array([0.5 , 0.  , 0.25])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.mean_absolute_percentage_error.html
    """
    pred, target = _pair(pred, target)
    return _output_mean(np.abs(pred - target) / np.maximum(np.abs(target), eps), multioutput)


@register_loss(
    "msle",
    family="regression",
    inputs=_VALUES,
    aliases=("mean_squared_log_error",),
    reference="sklearn.metrics.mean_squared_log_error",
    elements=all_elements,
    domains={"multioutput": MULTIOUTPUT},
)
def squared_log_error(pred: np.ndarray, target: np.ndarray, *, multioutput: tuple[float, ...] | None = None) -> np.ndarray:
    """Squared log error ``(log1p(target) - log1p(pred))**2``; values <= -1 are an error.

    Args:
      pred: predictions > -1, shape (N,) or (N, D).
      target: targets > -1, same shape as pred.
      multioutput: weights of the output columns of (N, D) inputs (``1;2``), as scikit-learn's
        ``multioutput=[w...]``; none: their plain mean.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> squared_log_error(np.array([1.0, 2.0]), np.array([0.0, 1.0]))
      array([0.48045301, 0.16440195])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.mean_squared_log_error.html
    """
    pred, target = _pair(pred, target)
    check_values(pred > -1, pred, "values must be > -1 for msle", "pred")
    check_values(target > -1, target, "values must be > -1 for msle", "target")
    d = np.log1p(target) - np.log1p(pred)
    return _output_mean(d * d, multioutput)


@register_loss(
    "pinball",
    family="regression",
    inputs=_VALUES,
    aliases=("quantile", "mean_pinball_loss"),
    reference="sklearn.metrics.mean_pinball_loss",
    domains={"alpha": interval(0.0, 1.0), "multioutput": MULTIOUTPUT},
    elements=all_elements,
)
def pinball(
    pred: np.ndarray, target: np.ndarray, *, alpha: float = 0.5, multioutput: tuple[float, ...] | None = None
) -> np.ndarray:
    """Pinball (quantile) loss ``alpha max(target - pred, 0) + (1 - alpha) max(pred - target, 0)``.

    Args:
      pred: predicted alpha-quantiles, shape (N,) or (N, D).
      target: targets, same shape as pred.
      alpha: the quantile level, in [0, 1] (0 and 1: the one-sided losses, as scikit-learn).
      multioutput: weights of the output columns of (N, D) inputs (``1;2``), as scikit-learn's
        ``multioutput=[w...]``; none: their plain mean.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> pinball(np.array([0.0, 2.0]), np.array([1.0, 1.0]), alpha=0.9)
      array([0.9, 0.1])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.mean_pinball_loss.html
    """
    d = -_diff(pred, target)  # target - pred
    return _output_mean(alpha * np.maximum(d, 0.0) + (1.0 - alpha) * np.maximum(-d, 0.0), multioutput)


@register_loss(
    "poisson_nll",
    family="regression",
    inputs=_VALUES,
    aliases=("PoissonNLLLoss", "poisson_nll_loss"),
    reference="torch.nn.functional.poisson_nll_loss",
    domains={"eps": interval(0.0, closed="neither")},
    elements=all_elements,
)
def poisson_nll(
    pred: np.ndarray, target: np.ndarray, *, log_input: bool = True, full: bool = False, eps: float = 1e-8
) -> np.ndarray:
    """Poisson negative log-likelihood: ``exp(x) - y x`` (log-rate input) or ``x - y log(x + eps)``.

    Args:
      pred: predicted log-rates (``log_input=true``) or rates, shape (N,) or (N, D).
      target: observed counts, same shape as pred.
      log_input: whether pred holds log-rates.
      full: add the Stirling term ``y log y - y + 0.5 log(2 pi y)`` where ``y > 1``.
      eps: added to the rate before the log when ``log_input=false``.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> poisson_nll(np.array([0.0, 2.0]), np.array([0.0, 2.0]))
      array([1.       , 3.3890561])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.PoissonNLLLoss.html
    """
    x, y = _pair(pred, target)
    loss = np.exp(x) - y * x if log_input else x - y * np.log(x + eps)
    if full:
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = y * np.log(y) - y + 0.5 * np.log(2.0 * math.pi * y)
        loss = loss + np.where(y > 1, stirling, 0.0)  # torch masks the term where y <= 1
    return row_mean(loss)


def _check_power(power: float) -> bool:
    return power <= 0.0 or power >= 1.0


TWEEDIE_POWER = Domain(_check_power, "<= 0 or >= 1")  # scikit-learn's allowed Tweedie powers


@register_loss(
    "tweedie",
    family="regression",
    inputs=_VALUES,
    aliases=("tweedie_deviance", "mean_tweedie_deviance"),
    reference="sklearn.metrics.mean_tweedie_deviance",
    domains={"power": TWEEDIE_POWER},
    elements=all_elements,
)
def tweedie_deviance(pred: np.ndarray, target: np.ndarray, *, power: float = 0.0) -> np.ndarray:
    """Tweedie unit deviance of the predicted mean ``pred`` for the observation ``target``.

    Domains as scikit-learn: power < 0 needs pred > 0; 1 <= power < 2 needs target >= 0 and
    pred > 0; power >= 2 needs target > 0 and pred > 0.

    Args:
      pred: predicted means, shape (N,) or (N, D).
      target: observations, same shape as pred.
      power: the Tweedie power (<= 0 or >= 1; 0 normal, 1 Poisson, 2 gamma).

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> tweedie_deviance(np.array([1.0, 1.0]), np.array([0.0, 2.0]), power=1.5)
      array([4.       , 0.6862915])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.mean_tweedie_deviance.html
    """
    mu, y = _pair(pred, target)
    check_tweedie_domain(mu, y, power, "tweedie")
    return row_mean(unit_deviance(y, mu, power))


def check_tweedie_domain(mu: np.ndarray, y: np.ndarray, power: float, name: str) -> None:
    """scikit-learn's domains of the Tweedie deviance: power < 0 needs mu > 0; 1 <= power < 2
    needs y >= 0 and mu > 0; power >= 2 needs y > 0 and mu > 0 (``name``: the loss, for the message)."""
    where = f"for {name} with power={power:g}"
    if power < 0:
        check_values(mu > 0, mu, f"values must be > 0 {where}", "pred")
    elif 1 <= power < 2:
        check_values(y >= 0, y, f"values must be >= 0 {where}", "target")
        check_values(mu > 0, mu, f"values must be > 0 {where}", "pred")
    elif power >= 2:
        check_values(y > 0, y, f"values must be > 0 {where}", "target")
        check_values(mu > 0, mu, f"values must be > 0 {where}", "pred")


def unit_deviance(y: np.ndarray, mu: np.ndarray, power: float) -> np.ndarray:
    """Tweedie unit deviance of ``mu`` for ``y``, elementwise, by scikit-learn's formulas
    (``_mean_tweedie_deviance``; power < 0 takes ``max(y, 0)`` in the ``y**(2-p)`` term), for
    values already in the power's domain (no checks)."""
    if power == 0:
        return (y - mu) ** 2
    if power == 1:
        # xlogy: 0 * log(0 / mu) is 0, as scipy.special.xlogy in scikit-learn.
        with np.errstate(divide="ignore", invalid="ignore"):
            return 2 * (np.where(y == 0, 0.0, y * np.log(y / mu)) - y + mu)
    if power == 2:
        return 2 * (np.log(mu / y) + y / mu - 1)
    y_pos = np.maximum(y, 0) if power < 0 else y
    return 2 * (
        np.power(y_pos, 2 - power) / ((1 - power) * (2 - power))
        - y * np.power(mu, 1 - power) / (1 - power)
        + np.power(mu, 2 - power) / (2 - power)
    )


@register_loss(
    "poisson_deviance",
    family="regression",
    inputs=_VALUES,
    aliases=("mean_poisson_deviance",),
    reference="sklearn.metrics.mean_poisson_deviance",
    elements=all_elements,
)
def poisson_deviance(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Poisson unit deviance ``2 (y log(y / mu) - y + mu)``: tweedie with power 1.

    Args:
      pred: predicted means > 0, shape (N,) or (N, D).
      target: observations >= 0, same shape as pred.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> poisson_deviance(np.array([1.0, 1.0]), np.array([0.0, 2.0]))
      array([2.        , 0.77258872])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.mean_poisson_deviance.html
    """
    return tweedie_deviance(pred, target, power=1.0)


@register_loss(
    "gamma_deviance",
    family="regression",
    inputs=_VALUES,
    aliases=("mean_gamma_deviance",),
    reference="sklearn.metrics.mean_gamma_deviance",
    elements=all_elements,
)
def gamma_deviance(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Gamma unit deviance ``2 (log(mu / y) + y / mu - 1)``: tweedie with power 2.

    Args:
      pred: predicted means > 0, shape (N,) or (N, D).
      target: observations > 0, same shape as pred.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> gamma_deviance(np.array([2.0, 1.0]), np.array([1.0, 1.0]))
      array([0.38629436, 0.        ])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.mean_gamma_deviance.html
    """
    return tweedie_deviance(pred, target, power=2.0)


register_preset("regression", "mse", "rmse", "mae", "huber")


def _gaussian_var(var: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``var`` broadcast to ``shape`` by torch.nn.functional.gaussian_nll_loss's rules.

    Same shape; one dimension fewer (``(N,)`` for ``(N, D)`` pred: one variance per row); or the
    same rank with exactly one size-1 dimension (``(1, D)``: one row for every row; the engine
    repeats such a var before chunking, ``register_loss(broadcast=("var",))``).
    """
    if var.shape == shape:
        return var
    if var.shape == shape[:-1] and len(shape) > 1:
        return var[..., None]
    mismatched = [i for i, (a, b) in enumerate(zip(shape, var.shape)) if a != b]
    if var.ndim == len(shape) and len(mismatched) == 1 and var.shape[mismatched[0]] == 1:
        return var
    raise ShapeError(
        f"var must have the shape of pred {shape}, that shape without its last dimension, or one "
        f"dimension of size 1; got {var.shape} instead"
    )


@register_loss(
    "gaussian_nll",
    family="regression",
    inputs=("values", "values", "values"),
    aliases=("GaussianNLLLoss", "gaussian_nll_loss"),
    reference="torch.nn.functional.gaussian_nll_loss",
    domains={"eps": interval(0.0, closed="neither")},
    broadcast=("var",),
    elements=all_elements,
)
def gaussian_nll(
    pred: np.ndarray, target: np.ndarray, var: np.ndarray, *, full: bool = False, eps: float = 1e-6
) -> np.ndarray:
    """Gaussian negative log-likelihood ``0.5 (log v + d**2 / v)``, ``v = max(var, eps)``.

    ``var`` is the predicted variance: the shape of pred, or ``(N,)`` for ``(N, D)`` pred (one
    variance per row), or pred's shape with one dimension of size 1 (``(N, 1)``; ``(1, D)`` or
    ``(1,)``: one row of variances shared by every row), as torch broadcasts it. A negative
    variance is an error; a zero one is clamped to eps.

    Args:
      pred: predicted means, shape (N,) or (N, D).
      target: observations, same shape as pred.
      var: predicted variances >= 0 (see above for the shapes).
      full: add the constant ``0.5 log(2 pi)``.
      eps: floor of the variance, for stability (> 0).

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> gaussian_nll(np.array([1.0, 0.0]), np.array([0.0, 0.0]), np.array([1.0, 0.0]))
      array([ 0.5       , -6.90775528])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.GaussianNLLLoss.html
    """
    pred, target = _pair(pred, target)
    var = as_float(var, "var")
    check_values(~(var < 0), var, "values must be >= 0 (variances)", "var")  # NaN propagates, as torch
    v = np.maximum(_gaussian_var(var, pred.shape), eps)
    d = pred - target
    loss = 0.5 * (np.log(v) + d * d / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return row_mean(loss)
