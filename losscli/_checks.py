"""Tiny array checks: they return normalised arrays or raise ``losscli.errors``.

Messages say what was expected and what was given ("Expected ..., got ... instead").
"""

from __future__ import annotations

import math

import numpy as np

from losscli.errors import ShapeError, ValueDomainError, number


def as_float(x: np.ndarray, name: str) -> np.ndarray:
    """Return ``x`` as a float64 array (float32 and float16 inputs accumulate in float64)."""
    x = np.asarray(x)
    if x.dtype == np.float64:
        return x
    if x.dtype.kind not in "fiub":
        raise ShapeError(f"{name} must be numeric, got dtype {x.dtype} instead")
    return x.astype(np.float64)


def check_same_shape(a: np.ndarray, b: np.ndarray, names: tuple[str, str] = ("pred", "target")) -> None:
    """Raise unless ``a`` and ``b`` have equal shapes (no silent broadcasting)."""
    if a.shape != b.shape:
        raise ShapeError(f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}")


def check_rank(x: np.ndarray, ranks: tuple[int, ...], name: str) -> None:
    """Raise unless ``x.ndim`` is one of ``ranks``."""
    if x.ndim not in ranks:
        want = " or ".join(f"{r}-D" for r in ranks)
        raise ShapeError(f"{name} must be {want}, got shape {x.shape} instead")


def check_values(ok: np.ndarray, x: np.ndarray, what: str, role: str) -> None:
    """Raise ``ValueDomainError`` at the first row where ``ok`` is False.

    ``what`` describes the rule ("values must be > -1"); the message adds the offending
    value and the row.
    """
    if ok.all():
        return
    flat = np.flatnonzero(~rows(ok).all(axis=1)) if ok.ndim > 1 else np.flatnonzero(~ok)
    row = int(flat[0])
    bad = float(x[row]) if x.ndim == 1 else float(np.asarray(x[row])[~ok[row]].flat[0])
    raise ValueDomainError(f"{role} {what}, got {number(bad)}", row=row, role=role)


def row_mean(x: np.ndarray) -> np.ndarray:
    """Per-sample value of an elementwise loss: the mean over each row's elements."""
    return x if x.ndim == 1 else rows(x).mean(axis=1)


def rows(x: np.ndarray) -> np.ndarray:
    """``x`` as a 2-D ``(N, K)`` view, one row per sample (also when N is 0)."""
    return x.reshape(x.shape[0], math.prod(x.shape[1:]))
