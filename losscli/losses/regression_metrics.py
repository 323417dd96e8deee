"""Regression metrics of scikit-learn 1.9.1: ``pred`` against ``target`` (same shape, ``(N,)`` or
``(N, D)``; ``(N, D)`` scores each output column, then averages them: scikit-learn's
``multioutput="uniform_average"``, or with weights ``multioutput=w1;w2;...`` as its
``multioutput=[w...]``; rmsle averages uniformly).

``rmsle`` has per-sample values (the squared log errors; headline the root of their mean per
column, as ``rmse``). The others have none: each folds a mergeable **state** of its rows
(``losses._statistic``), exact to rounding in any chunking, merge order or engine:

- ``r2``, ``explained_variance`` (kind ``sums``): per column, a ``reductions.Summary`` of the
  target and one of the residual ``target - pred`` (compensated sums, weighted mean, sum of squared
  deviations about it merged with Chan's formula, min and max). Their squared deviations are never
  ``Σy² - (Σy)²/W`` where that cancels (``reductions``' module docstring), so targets ``1e6 +
  noise`` keep their digits. A column whose values are all equal (min = max) has a variance of
  exactly 0 (scikit-learn's rounded mean may leave a tiny one).
- ``d2_tweedie`` (``sums``): the model's deviance sum, and the deviance of the mean model
  ``Σ w d(y, ȳ)`` kept about each state's own weighted mean: the Tweedie deviance is a Bregman
  divergence, so ``Σ w d(y, μ) = Σ w d(y, ȳ) + W d(ȳ, μ)`` for any ``μ`` (for power 0 this is
  Chan's merge of the sum of squares), and ``d(ȳ_a, ȳ)`` of two close means is computed by its
  series in ``(ȳ_a - ȳ) / ȳ``, without the cancellation of the closed form.
- ``max_error`` (``sums``): a ``Summary`` of ``|target - pred|`` (its max). Rows of weight 0 are
  not rows of the evaluation: they never set the max (scikit-learn's ``max_error`` takes no
  weights; with positive weights the value is its value).
- ``median_ae``, ``d2_absolute_error``, ``d2_pinball`` (kind ``ranks``): per column, the summed
  weight of each distinct value (of ``|target - pred|``; of ``target``, plus a ``Summary`` of the
  model's pinball losses, for the d2 scores), so the quantile is exact: scikit-learn's
  ``_weighted_percentile(average=True)`` ("averaged inverted CDF": the mean of the two middle
  values where the cumulative weight lands exactly on one, which is ``np.median`` for unit weights).

Undefined values follow scikit-learn where it gives a number (``force_finite``: a perfect model
scores 1, any other 0 when the targets are all equal) and are an error where it gives nan or
raises (fewer than 2 rows for the R² and D² scores; ``d2_tweedie`` of equal targets).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from losscli._checks import as_float, check_same_shape, check_values, row_mean
from losscli.errors import InputError, ShapeError, StateError
from losscli.losses._registry import interval, register_loss, register_preset
from losscli.losses._statistic import Statistic, exact_keys, whole
from losscli.losses.rank_metrics import collapse_runs
from losscli.losses.regression import MULTIOUTPUT, TWEEDIE_POWER, check_tweedie_domain, output_weights, pinball, unit_deviance
from losscli.reductions import Summary

_VALUES = ("values", "values")
_EPS64 = float(np.finfo(np.float64).eps)
_NEAR = 0.1  # |y - mu| / mu below which the Tweedie deviance is summed by its series


def _columns(pred: np.ndarray, target: np.ndarray, name: str, several: bool = True, weights: tuple[float, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``pred`` and ``target`` as float64 ``(N, D)`` arrays (``(N,)``: one column; ``several``:
    D > 1 allowed), with one ``multioutput`` weight per column when ``weights`` are given."""
    pred, target = as_float(pred, "pred"), as_float(target, "target")
    check_same_shape(pred, target)
    if pred.ndim == 0 or pred.ndim > 2 or (pred.ndim == 2 and pred.shape[1] == 0):
        raise ShapeError(f"{name} takes pred and target of shape (N,) or (N, D), got {pred.shape}")
    if pred.ndim == 1:
        pred, target = pred[:, None], target[:, None]
    if not several and pred.shape[1] != 1:
        raise ShapeError(f"{name} takes one output column (scikit-learn: multioutput not supported), got shape {pred.shape}")
    if weights is not None:
        output_weights(weights, pred.shape[1])
    return pred, target


def _average(scores: Sequence[float], params: Mapping[str, Any]) -> float:
    """The columns' scores averaged: uniformly, or with the ``multioutput`` weights (``np.average``)."""
    return float(np.average(scores, weights=params.get("multioutput")))


def _rows(n: int, name: str) -> None:
    """scikit-learn's R² and D² scores are nan below two samples: an error here."""
    if n < 2:
        raise InputError(f"{name} is undefined for {n} row(s) of positive weight (scikit-learn gives nan): it needs at least 2")


def _explained(numerator: float, denominator: float) -> float:
    """``1 - numerator / denominator`` with scikit-learn's ``force_finite=True``: 1 for a zero
    numerator (a perfect model), 0 for a zero denominator otherwise (constant targets)."""
    if numerator == 0:
        return 1.0
    if denominator == 0:
        return 0.0
    return 1.0 - numerator / denominator


def _merge_all(a: Sequence[Any], b: Sequence[Any]) -> tuple[Any, ...]:
    if len(a) != len(b):
        raise InputError(f"cannot merge the states of {len(a)} and {len(b)} output columns")
    return tuple(x.merge(y) for x, y in zip(a, b))


# ---------------------------------------------------------------------------- r2, explained variance


@dataclass(frozen=True)
class Moments:
    """Per output column: ``Summary`` of the target and of the residual ``target - pred``."""

    y: tuple[Summary, ...]
    d: tuple[Summary, ...]

    def merge(self, other: "Moments") -> "Moments":
        return Moments(_merge_all(self.y, other.y), _merge_all(self.d, other.d))

    def row_count(self) -> float:
        """The rows counted (their weight sum)."""
        return float(self.y[0].weight_sum)

    def to_state(self) -> dict[str, Any]:
        return {"y": [s.to_state() for s in self.y], "d": [s.to_state() for s in self.d]}


def _fold_moments(name: str, inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> Moments:
    pred, target = _columns(inputs[0], inputs[1], name, weights=params.get("multioutput"))
    y = tuple(Summary.of(np.ascontiguousarray(target[:, j]), weights) for j in range(target.shape[1]))
    d = tuple(Summary.of(target[:, j] - pred[:, j], weights) for j in range(target.shape[1]))
    return Moments(y, d)


def summary_of(d: Any, where: str) -> Summary:
    """A ``Summary`` of a state file, checked: its exact fields, a whole row count, weight sums
    finite and >= 0, a second moment not negative, min <= max (NaN allowed in the values:
    ``--nan-policy propagate``). Else a ``StateError`` naming ``where``'s field."""
    d = exact_keys(d, ("n", "sums", "comp", "mean_l", "m2", "min", "max"), where=where)
    at = f"{where}." if where else ""
    n = whole(d["n"], f"{at}n")
    try:
        out = Summary.from_state(d)
    except (TypeError, ValueError, OverflowError):
        raise StateError(where or "sums", "must hold numbers") from None
    if out.sums.ndim != 1 or len(out.sums) < 4 or out.comp.shape != out.sums.shape:
        raise StateError(f"{at}sums", "must be a list of at least 4 numbers, 'comp' as long")
    weights = out.sums[:2] + out.comp[:2]
    if not (np.isfinite(weights) & (weights >= 0)).all() or (not n and weights.any()):
        raise StateError(f"{at}sums", "must start with finite weight sums >= 0 (0 without rows)")
    if out.m2 < 0 or (n and out.min > out.max):
        raise StateError(where or "m2", "has a negative 'm2' or 'min' above 'max'")
    return out


def _summaries(state: Mapping[str, Any], key: str) -> tuple[Summary, ...]:
    if not isinstance(state[key], list) or not state[key]:
        raise StateError(key, "must be a non-empty list of summaries")
    return tuple(summary_of(s, f"{key}[{i}]") for i, s in enumerate(state[key]))


def _load_moments(state: Mapping[str, Any]) -> Moments:
    exact_keys(state, ("y", "d"))
    y, d = _summaries(state, "y"), _summaries(state, "d")
    if len(y) != len(d):
        raise StateError("d", f"has {len(d)} summaries, 'y' {len(y)}")
    _same_rows(y + d, "d")
    return Moments(y, d)


def _same_rows(summaries: Sequence[Summary], field: str) -> None:
    """Summaries of the same rows: one count and one weight sum."""
    first = summaries[0]
    if any(s.n != first.n or s.weight_sum != first.weight_sum for s in summaries):
        raise StateError(field, "count other rows (n, weight sum) than 'y'")


def _spread(s: Summary) -> float:
    """``Σ w (x - x̄)²``: exactly 0 when every value is equal."""
    return 0.0 if s.min == s.max else s.m2


def _r2_value(state: Moments, params: Mapping[str, Any]) -> float:
    _rows(state.y[0].n, "r2")
    # Σ w d² = Σ w (d - d̄)² + W d̄²: two non-negative terms, no cancellation
    scores = [_explained(d.m2 + d.weight_sum * d.mean_l * d.mean_l, _spread(y)) for y, d in zip(state.y, state.d)]
    return _average(scores, params)


def _explained_variance_value(state: Moments, params: Mapping[str, Any]) -> float:
    if state.y[0].n == 0:
        raise InputError("explained_variance is undefined for 0 rows of positive weight")
    scores = [_explained(_spread(d) / d.weight_sum, _spread(y) / y.weight_sum) for y, d in zip(state.y, state.d)]
    return _average(scores, params)


_R2 = Statistic("sums", functools.partial(_fold_moments, "r2"), _r2_value, _load_moments)
_EXPLAINED_VARIANCE = Statistic("sums", functools.partial(_fold_moments, "explained_variance"), _explained_variance_value, _load_moments)


@register_loss(
    "r2",
    family="regression_metrics",
    inputs=_VALUES,
    aliases=("r2_score",),
    reference="sklearn.metrics.r2_score",
    direction="higher",
    domains={"multioutput": MULTIOUTPUT},
    statistic=_R2,
)
def r2(pred: np.ndarray, target: np.ndarray, *, multioutput: tuple[float, ...] | None = None) -> float | None:
    """Coefficient of determination ``1 - Σ w (y - p)² / Σ w (y - ȳ)²``, per column, averaged.

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.
      multioutput: weights of the output columns of (N, D) inputs (``1;2``), as scikit-learn's
        ``multioutput=[w...]``; none: their plain mean.

    Returns:
      The score (1 is perfect; all-equal targets: 1 if predicted exactly, else 0, as
      scikit-learn's ``force_finite=True``).

    Examples:
      >>> r2(np.array([2.5, 0.0, 2.0, 8.0]), np.array([3.0, -0.5, 2.0, 7.0]))
      0.9486081370449679

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.r2_score.html
    """
    return _R2.of((pred, target), {"multioutput": multioutput})


@register_loss(
    "explained_variance",
    family="regression_metrics",
    inputs=_VALUES,
    aliases=("explained_variance_score",),
    reference="sklearn.metrics.explained_variance_score",
    direction="higher",
    domains={"multioutput": MULTIOUTPUT},
    statistic=_EXPLAINED_VARIANCE,
)
def explained_variance(pred: np.ndarray, target: np.ndarray, *, multioutput: tuple[float, ...] | None = None) -> float | None:
    """Explained variance ``1 - Var(y - p) / Var(y)`` (weighted variances), per column, averaged.

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.
      multioutput: weights of the output columns of (N, D) inputs (``1;2``), as scikit-learn's
        ``multioutput=[w...]``; none: their plain mean.

    Returns:
      The score (1 is perfect; a constant offset of pred is not penalised; all-equal targets:
      1 if the residual is constant, else 0, as scikit-learn's ``force_finite=True``).

    Examples:
      >>> explained_variance(np.array([2.5, 0.0, 2.0, 8.0]), np.array([3.0, -0.5, 2.0, 7.0]))
      0.9571734475374732

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.explained_variance_score.html
    """
    return _EXPLAINED_VARIANCE.of((pred, target), {"multioutput": multioutput})


# ---------------------------------------------------------------------------- max_error


def _fold_max(inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> Summary:
    pred, target = _columns(inputs[0], inputs[1], "max_error", several=False)
    return Summary.of(np.abs(target[:, 0] - pred[:, 0]), weights)


def _max_value(state: Summary, params: Mapping[str, Any]) -> float:
    if state.n == 0:
        raise InputError("max_error is undefined for 0 rows of positive weight")
    return math.nan if math.isnan(state.sum) else state.max  # a NaN row (--nan-policy propagate) is NaN


_MAX_ERROR = Statistic("sums", _fold_max, _max_value, functools.partial(summary_of, where=""))


@register_loss(
    "max_error",
    family="regression_metrics",
    inputs=_VALUES,
    reference="sklearn.metrics.max_error",
    statistic=_MAX_ERROR,
)
def max_error(pred: np.ndarray, target: np.ndarray) -> float | None:
    """Largest absolute error ``max |y - p|`` over the rows (of positive weight).

    Args:
      pred: predictions, shape (N,) (or (N, 1)).
      target: targets, same shape as pred.

    Returns:
      The largest absolute residual (0 is perfect).

    Examples:
      >>> max_error(np.array([4.0, 2.0, 7.0, 1.0]), np.array([3.0, 2.0, 7.0, 1.0]))
      1.0

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.max_error.html
    """
    return _MAX_ERROR.of((pred, target), {})


# ---------------------------------------------------------------------------- d2_tweedie


def _near_series(r: np.ndarray, power: float) -> np.ndarray:
    """``g(r) = Σ_k c_k r^(k+2) / ((k+1)(k+2))``, ``c_k`` the binomial coefficients of
    ``(1+s)^-power``: ``d(μ(1+r), μ) = 2 μ^(2-power) g(r)``, for ``|r| < _NEAR`` (terms shrink
    by ~|r| each: a few dozen reach the rounding of the sum for moderate powers)."""
    total = np.zeros_like(r)
    coef, rk = 1.0, r * r
    for k in range(200):
        term = coef * rk / ((k + 1) * (k + 2))
        total += term
        if np.all(np.abs(term) <= 1e-17 * np.abs(total)):
            break
        coef *= (-power - k) / (k + 1)
        rk = rk * r
    return total


def deviance_about(y: np.ndarray, mu: float, power: float) -> np.ndarray:
    """Tweedie unit deviance ``d(y, mu)`` of each ``y`` for one mean ``mu``: scikit-learn's
    formula, and where ``y`` is within 10% of ``mu > 0`` its series (the closed form loses
    ``~(mu / (y - mu))²`` ulps there: for y ≈ 1e6 ± 1 it keeps ~4 digits, the series all)."""
    out = np.asarray(unit_deviance(y, mu, power), dtype=np.float64)
    if power == 0 or not mu > 0:
        return out
    r = (y - mu) / mu
    near = np.abs(r) < _NEAR
    if near.any():
        out = np.where(near, 2 * mu ** (2 - power) * _near_series(np.where(near, r, 0.0), power), out)
    return out


@dataclass(frozen=True)
class TweedieState:
    """``model``: Summary of the model's unit deviances; ``y``: Summary of the target (weight,
    weighted mean); ``dev``: ``Σ w d(y, ȳ)`` about that mean (the mean model's deviance)."""

    model: Summary
    y: Summary
    dev: float
    power: float

    def merge(self, other: "TweedieState") -> "TweedieState":
        if other.y.n == 0:
            return TweedieState(self.model.merge(other.model), self.y, self.dev, self.power)
        if self.y.n == 0:
            return TweedieState(self.model.merge(other.model), other.y, other.dev, self.power)
        y = self.y.merge(other.y)
        shift = sum(s.weight_sum * float(deviance_about(np.array([s.mean_l]), y.mean_l, self.power)[0]) for s in (self.y, other.y))
        return TweedieState(self.model.merge(other.model), y, self.dev + other.dev + shift, self.power)

    def row_count(self) -> float:
        """The rows counted (their weight sum)."""
        return float(self.y.weight_sum)

    def to_state(self) -> dict[str, Any]:
        return {"model": self.model.to_state(), "y": self.y.to_state(), "dev": self.dev, "power": self.power}


def _fold_tweedie(inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> TweedieState:
    power = params["power"]
    pred, target = _columns(inputs[0], inputs[1], "d2_tweedie", several=False)
    mu, y = pred[:, 0], target[:, 0]
    check_tweedie_domain(mu, y, power, "d2_tweedie")
    model = Summary.of(unit_deviance(y, mu, power), weights)
    ys = Summary.of(np.ascontiguousarray(y), weights)
    if ys.n == 0:
        return TweedieState(model, ys, 0.0, power)
    live = weights is None or weights.all()
    yl, wl = (y, weights) if live else (y[weights > 0], weights[weights > 0])
    dev = deviance_about(yl, ys.mean_l, power)
    return TweedieState(model, ys, float(np.sum(dev) if wl is None else np.sum(wl * dev)), power)


def _load_tweedie(state: Mapping[str, Any]) -> TweedieState:
    exact_keys(state, ("model", "y", "dev", "power"))
    model, y = summary_of(state["model"], "model"), summary_of(state["y"], "y")
    _same_rows((y, model), "model")
    dev, power = state["dev"], state["power"]
    if isinstance(dev, bool) or not isinstance(dev, (int, float)) or not dev >= 0:
        raise StateError("dev", "must be a deviance >= 0")
    if isinstance(power, bool) or not isinstance(power, (int, float)):
        raise StateError("power", "must be a number")
    return TweedieState(model, y, float(dev), float(power))


def _d2_tweedie_value(state: TweedieState, params: Mapping[str, Any]) -> float:
    if state.power != params["power"]:
        raise InputError(f"a d2_tweedie state of power={state.power:g} is not one of d2_tweedie:power={params['power']:g}")
    _rows(state.y.n, "d2_tweedie")
    denominator = 0.0 if state.y.min == state.y.max else state.dev / state.y.weight_sum
    if not denominator != 0:
        raise InputError(
            f"d2_tweedie:power={params['power']:g} is undefined: the mean model's deviance is {denominator:g} "
            "(every target equal; scikit-learn divides by zero)"
        )
    return 1.0 - state.model.mean / denominator


_D2_TWEEDIE = Statistic("sums", _fold_tweedie, _d2_tweedie_value, _load_tweedie)


@register_loss(
    "d2_tweedie",
    family="regression_metrics",
    inputs=_VALUES,
    aliases=("d2_tweedie_score",),
    reference="sklearn.metrics.d2_tweedie_score",
    direction="higher",
    domains={"power": TWEEDIE_POWER},
    statistic=_D2_TWEEDIE,
)
def d2_tweedie(pred: np.ndarray, target: np.ndarray, *, power: float = 0.0) -> float | None:
    """Fraction of Tweedie deviance explained: ``1 - D(y, p) / D(y, ȳ)`` (ȳ the weighted mean).

    Domains as scikit-learn: power < 0 needs pred > 0; 1 <= power < 2 needs target >= 0 and
    pred > 0; power >= 2 needs target > 0 and pred > 0.

    Args:
      pred: predicted means, shape (N,) (or (N, 1)).
      target: observations, same shape as pred.
      power: the Tweedie power (<= 0 or >= 1; 0 normal: R², 1 Poisson, 2 gamma).

    Returns:
      The score (1 is perfect, 0 the mean model).

    Examples:
      >>> d2_tweedie(np.array([1.0, 1.0, 5.0, 3.5]), np.array([0.5, 1.0, 2.5, 7.0]), power=1.0)
      0.4879151349031142

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.d2_tweedie_score.html
    """
    return _D2_TWEEDIE.of((pred, target), {"power": power})


# ---------------------------------------------------------------------------- median_ae, d2_pinball


@dataclass(frozen=True)
class Distinct:
    """One column's distinct values (sorted) and the summed weight of each (rows of weight 0
    left out; without sample weights the weights are counts)."""

    values: np.ndarray
    weights: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, weights: np.ndarray | None) -> "Distinct":
        if weights is not None:
            live = weights > 0
            x, weights = x[live], weights[live]
        values, inverse = np.unique(x, return_inverse=True)
        return cls(values, np.bincount(inverse.ravel(), weights=weights, minlength=len(values)).astype(np.float64))

    def merge(self, other: "Distinct") -> "Distinct":
        """The union: the smaller run's values found in the larger by binary search, their weights
        added where the value is there, inserted where not (linear in the larger run)."""
        big, small = (self, other) if len(self.values) >= len(other.values) else (other, self)
        at = np.searchsorted(big.values, small.values)
        found = at < len(big.values)
        found[found] = big.values[at[found]] == small.values[found]
        weights = big.weights.copy()
        weights[at[found]] += small.weights[found]
        new = ~found
        slots = at[new] + np.arange(int(new.sum()))  # where the new values land (at is ascending)
        kept = np.ones(len(big.values) + len(slots), dtype=bool)
        kept[slots] = False
        values, summed = np.empty(len(kept)), np.empty(len(kept))
        values[slots], summed[slots] = small.values[new], small.weights[new]
        values[kept], summed[kept] = big.values, weights
        return Distinct(values, summed)

    def to_state(self) -> dict[str, Any]:
        return {"values": self.values.tolist(), "weights": self.weights.tolist()}

    @classmethod
    def load(cls, state: Mapping[str, Any]) -> "Distinct":
        """The state ``to_state`` wrote; a state file is data: anything else (unsorted or repeated
        values, weights not finite and > 0, lengths apart) is a ValueError, never a quantile."""
        values, weights = np.asarray(state["values"], dtype=np.float64), np.asarray(state["weights"], dtype=np.float64)
        finite = values[~np.isnan(values)]
        if values.ndim != 1 or weights.shape != values.shape or np.any(finite[1:] <= finite[:-1]) or np.isnan(values[: len(finite)]).any():
            raise ValueError("distinct values must be a sorted list without repeats, with one weight each")
        if not np.all(np.isfinite(weights) & (weights > 0)):
            raise ValueError("the weights of distinct values must be finite and > 0")
        return cls(values, weights)

    def quantile(self, alpha: float) -> float:
        """scikit-learn's ``_weighted_percentile(x, w, alpha * 100, average=True)``: the first value
        whose cumulative weight reaches ``alpha W``; where it reaches it exactly (within float64
        epsilon), the mean of that value and the next one."""
        if len(self.values) == 0:
            return math.nan
        if math.isnan(self.values[-1]):  # a NaN value (--nan-policy propagate): NaN, as np.median
            return math.nan
        cdf = np.cumsum(self.weights)
        target = (alpha * 100) / 100 * cdf[-1]  # scikit-learn's arithmetic: percentile_rank / 100 * total
        if target == 0:
            target = np.nextafter(0.0, 1.0)  # scikit-learn: leading zero weights are skipped
        i = min(int(np.searchsorted(cdf, target)), len(cdf) - 1)
        if cdf[i] - target > _EPS64:
            return float(self.values[i])
        return float((self.values[i] + self.values[min(i + 1, len(cdf) - 1)]) / 2)

    def pinball_sum(self, q: float, alpha: float) -> float:
        """``Σ w pinball(y - q)`` over the rows (scikit-learn's ``mean_pinball_loss`` terms)."""
        diff = self.values - q
        return float(np.dot(self.weights, np.where(diff >= 0, alpha * diff, (alpha - 1) * diff)))


@dataclass(frozen=True)
class QuantileState:
    """Per output column: the distinct values (``|y - p|`` for median_ae, ``y`` for the d2 scores)
    and, for the d2 scores, a Summary of the model's pinball losses.

    The distinct values are kept as a few runs per column, merged lazily (``rank_metrics.
    collapse_runs``: folding N rows chunk by chunk costs O(N log N), not a copy of the whole
    state per chunk); ``columns`` (what ``value`` and ``to_state`` read) merges them once."""

    runs: tuple[tuple[Distinct, ...], ...]
    model: tuple[Summary, ...] = ()

    @classmethod
    def of(cls, columns: Sequence[Distinct], model: Sequence[Summary] = ()) -> "QuantileState":
        return cls(tuple((c,) for c in columns), tuple(model))

    @functools.cached_property
    def columns(self) -> tuple[Distinct, ...]:
        return tuple(functools.reduce(lambda a, b: a.merge(b), runs) for runs in self.runs)

    def merge(self, other: "QuantileState") -> "QuantileState":
        if len(self.runs) != len(other.runs):
            raise InputError(f"cannot merge the states of {len(self.runs)} and {len(other.runs)} output columns")
        runs = tuple(collapse_runs(a + b, size=_size) for a, b in zip(self.runs, other.runs))
        return QuantileState(runs, _merge_all(self.model, other.model))

    def row_count(self) -> float:
        """The rows counted (their weight sum: rows of weight 0 are left out)."""
        return float(self.columns[0].weights.sum())

    def to_state(self) -> dict[str, Any]:
        return {"columns": [c.to_state() for c in self.columns], "model": [s.to_state() for s in self.model]}


def _size(d: Distinct) -> int:
    return len(d.values)


def _load_quantiles(state: Mapping[str, Any]) -> QuantileState:
    exact_keys(state, ("columns", "model"))
    if not isinstance(state["columns"], list) or not state["columns"] or not isinstance(state["model"], list):
        raise StateError("columns", "must be a non-empty list of columns, 'model' a list")
    columns = [Distinct.load(exact_keys(c, ("values", "weights"), where=f"columns[{i}]")) for i, c in enumerate(state["columns"])]
    model = [summary_of(s, f"model[{i}]") for i, s in enumerate(state["model"])]
    if model and len(model) != len(columns):
        raise StateError("model", f"has {len(model)} summaries for {len(columns)} columns")
    return QuantileState.of(columns, model)


def _fold_median(inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> QuantileState:
    pred, target = _columns(inputs[0], inputs[1], "median_ae", weights=params.get("multioutput"))
    return QuantileState.of([Distinct.of(np.abs(target[:, j] - pred[:, j]), weights) for j in range(target.shape[1])])


def _median_value(state: QuantileState, params: Mapping[str, Any]) -> float:
    if not len(state.columns[0].values):
        raise InputError("median_ae is undefined for 0 rows of positive weight")
    return _average([c.quantile(0.5) for c in state.columns], params)


def _fold_pinball(name: str, inputs: Sequence[np.ndarray], weights: np.ndarray | None, params: Mapping[str, Any]) -> QuantileState:
    alpha = params.get("alpha", 0.5)
    pred, target = _columns(inputs[0], inputs[1], name, weights=params.get("multioutput"))
    columns = tuple(Distinct.of(target[:, j], weights) for j in range(target.shape[1]))
    model = tuple(Summary.of(pinball(pred[:, j], target[:, j], alpha=alpha), weights) for j in range(target.shape[1]))
    return QuantileState.of(columns, model)


def _d2_pinball_scores(name: str, state: QuantileState, params: Mapping[str, Any]) -> float:
    alpha = params.get("alpha", 0.5)
    _rows(state.model[0].n, name)
    scores = []
    for col, model in zip(state.columns, state.model):
        q = col.quantile(alpha)  # scikit-learn's constant model: the weighted alpha-quantile of y
        scores.append(_explained(model.mean, col.pinball_sum(q, alpha) / float(np.sum(col.weights))))
    return _average(scores, params)


_MEDIAN_AE = Statistic("ranks", _fold_median, _median_value, _load_quantiles)
_D2_ABSOLUTE = Statistic(
    "ranks",
    functools.partial(_fold_pinball, "d2_absolute_error"),
    functools.partial(_d2_pinball_scores, "d2_absolute_error"),
    _load_quantiles,
)
_D2_PINBALL = Statistic(
    "ranks", functools.partial(_fold_pinball, "d2_pinball"), functools.partial(_d2_pinball_scores, "d2_pinball"), _load_quantiles
)


@register_loss(
    "median_ae",
    family="regression_metrics",
    inputs=_VALUES,
    aliases=("median_absolute_error",),
    reference="sklearn.metrics.median_absolute_error",
    domains={"multioutput": MULTIOUTPUT},
    statistic=_MEDIAN_AE,
)
def median_ae(pred: np.ndarray, target: np.ndarray, *, multioutput: tuple[float, ...] | None = None) -> float | None:
    """Median absolute error ``median |y - p|`` (weighted: scikit-learn's averaged inverted CDF), per column, averaged.

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.
      multioutput: weights of the output columns of (N, D) inputs (``1;2``), as scikit-learn's
        ``multioutput=[w...]``; none: their plain mean.

    Returns:
      The median absolute residual (0 is perfect; an even count: the mean of the two middle values).

    Examples:
      >>> median_ae(np.array([2.5, 0.0, 2.0, 8.0]), np.array([3.0, -0.5, 2.0, 7.0]))
      0.5

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.median_absolute_error.html
    """
    return _MEDIAN_AE.of((pred, target), {"multioutput": multioutput})


@register_loss(
    "d2_absolute_error",
    family="regression_metrics",
    inputs=_VALUES,
    aliases=("d2_absolute_error_score",),
    reference="sklearn.metrics.d2_absolute_error_score",
    direction="higher",
    domains={"multioutput": MULTIOUTPUT},
    statistic=_D2_ABSOLUTE,
)
def d2_absolute_error(pred: np.ndarray, target: np.ndarray, *, multioutput: tuple[float, ...] | None = None) -> float | None:
    """Fraction of absolute error explained: ``1 - Σ w |y - p| / Σ w |y - median(y)|``, per column, averaged.

    Args:
      pred: predictions, shape (N,) or (N, D).
      target: targets, same shape as pred.
      multioutput: weights of the output columns of (N, D) inputs (``1;2``), as scikit-learn's
        ``multioutput=[w...]``; none: their plain mean.

    Returns:
      The score (1 is perfect, 0 the (weighted) median of the targets; all-equal targets: 1 if
      predicted exactly, else 0, as scikit-learn).

    Examples:
      >>> d2_absolute_error(np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0]))
      0.0

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.d2_absolute_error_score.html
    """
    return _D2_ABSOLUTE.of((pred, target), {"multioutput": multioutput})


@register_loss(
    "d2_pinball",
    family="regression_metrics",
    inputs=_VALUES,
    aliases=("d2_pinball_score",),
    reference="sklearn.metrics.d2_pinball_score",
    direction="higher",
    domains={"alpha": interval(0.0, 1.0), "multioutput": MULTIOUTPUT},
    statistic=_D2_PINBALL,
)
def d2_pinball(
    pred: np.ndarray, target: np.ndarray, *, alpha: float = 0.5, multioutput: tuple[float, ...] | None = None
) -> float | None:
    """Fraction of pinball loss explained: ``1 - pinball(y, p) / pinball(y, q_alpha(y))``, per column, averaged.

    Args:
      pred: predicted alpha-quantiles, shape (N,) or (N, D).
      target: targets, same shape as pred.
      alpha: the quantile level, in [0, 1].
      multioutput: weights of the output columns of (N, D) inputs (``1;2``), as scikit-learn's
        ``multioutput=[w...]``; none: their plain mean.

    Returns:
      The score (1 is perfect, 0 the (weighted) alpha-quantile of the targets; all-equal targets:
      1 if predicted exactly, else 0, as scikit-learn).

    Examples:
      >>> d2_pinball(np.array([1.0, 3.0, 2.0]), np.array([1.0, 2.0, 3.0]), alpha=0.9)
      -2.333333333333334

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.d2_pinball_score.html
    """
    return _D2_PINBALL.of((pred, target), {"alpha": alpha, "multioutput": multioutput})


# ---------------------------------------------------------------------------- rmsle


@register_loss(
    "rmsle",
    family="regression_metrics",
    inputs=_VALUES,
    aliases=("root_mean_squared_log_error",),
    reference="sklearn.metrics.root_mean_squared_log_error",
    finalize=np.sqrt,
    headline="sqrt(mean), per output column then averaged",
    per_sample="sq_log_err",
)
def squared_log1p_error(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Squared log error ``(log1p(target) - log1p(pred))**2`` (rmsle: the root of its mean); values <= -1 are an error.

    Args:
      pred: predictions > -1, shape (N,) or (N, D).
      target: targets > -1, same shape as pred.

    Returns:
      Per-sample squared log error, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> squared_log1p_error(np.array([1.0, 2.0]), np.array([0.0, 1.0]))
      array([0.48045301, 0.16440195])

    References:
      https://scikit-learn.org/stable/modules/generated/sklearn.metrics.root_mean_squared_log_error.html
    """
    pred, target = as_float(pred, "pred"), as_float(target, "target")
    check_same_shape(pred, target)
    check_values(pred > -1, pred, "values must be > -1 for rmsle", "pred")
    check_values(target > -1, target, "values must be > -1 for rmsle", "target")
    d = np.log1p(target) - np.log1p(pred)
    return row_mean(d * d)


register_preset("regression_metrics", "r2", "explained_variance", "median_ae", "max_error")
