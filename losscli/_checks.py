"""Tiny array checks: they return normalised arrays or raise ``losscli.errors``.

Messages say what was expected and what was given ("Expected ..., got ... instead").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

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


def role_keys(losses: Any, arrays: Mapping[str, np.ndarray], kind: str) -> frozenset[str]:
    """The keys of ``arrays`` whose role is listed in ``spec.<kind>`` for every loss of ``losses``
    (bound losses or combinations) that reads them. ``masked``: ``-inf`` is a value there (a
    masked logit, a log-probability of probability 0); ``broadcast``: one row may stand for every
    row (torch broadcasting, gaussian_nll's ``(1, D)`` var). Declared by ``register_loss``."""
    ok: set[str] = set()
    other: set[str] = set()
    for loss in losses:
        for part in loss.parts:
            for role in part.spec.roles:
                (ok if role.name in getattr(part.spec, kind) else other).add(part.source_key(role.name, arrays))
    return frozenset(ok - other)


def class_pairs(losses: Any, arrays: Mapping[str, np.ndarray]) -> list[tuple[str, str]]:
    """(scores key, labels key) of every loss whose first input is class scores and whose
    second may be class indices, not binary targets (ce, nll, multi_margin...)."""
    out = []
    for loss in losses:
        for part in loss.parts:
            roles = part.spec.roles
            if len(roles) > 1 and "labels" in roles[1].kind.split("|") and "binary" not in roles[1].kind.split("|"):
                out.append((part.source_key(roles[0].name, arrays), part.source_key(roles[1].name, arrays)))
    return out


def unbatched(arrays: dict[str, np.ndarray], pairs: list[tuple[str, str]], where: Any = str) -> dict[str, np.ndarray]:
    """``arrays`` with each ``(C,)`` row of scores whose class label is 0-d made one row of C
    classes, ``(1, C)``: torch's unbatched input (a 0-d input is one row already). A ``(C,)``
    row with a one-row ``(1,)`` label is C rows or one: a ``ShapeError`` that says what to pass
    (``where`` names a key in messages)."""
    for scores, labels in pairs:
        s, y = arrays.get(scores), arrays.get(labels)
        if getattr(s, "ndim", None) != 1 or getattr(y, "ndim", None) is None:  # either may be streamed (readers.stream)
            continue
        if y.ndim == 0 and not isinstance(s, np.ndarray):
            raise ShapeError(
                f"{where(labels)} is one class label (0-d) but {where(scores)} is read in chunks: for one sample of {len(s)} classes "
                f"pass {scores} of shape (1, {len(s)})."
            )
        if y.ndim == 0:
            arrays[scores] = s.reshape(1, -1)
        elif len(y) == 1 and len(s) > 1:
            c = len(s)
            raise ShapeError(
                f"{where(scores)} has {c} values and {where(labels)} 1 class label: for one sample of {c} classes "
                f"pass {scores} of shape (1, {c}) (or a 0-d label); for {c} samples, {c} labels."
            )
    return arrays


def as_rows(a: Any) -> np.ndarray:
    """``a`` as an array of rows: a 0-d array (a scalar) is one row, as torch takes a scalar."""
    a = np.asarray(a)
    return a.reshape(1) if a.ndim == 0 else a


def broadcast_rows(arrays: dict[str, np.ndarray], keys: frozenset[str]) -> dict[str, np.ndarray]:
    """``arrays`` with each one-row array of ``keys`` repeated (a read-only view) to the row count
    of the others, when they all have one and it is not 1."""
    counts = {a.shape[0] for k, a in arrays.items() if k not in keys and a.ndim}
    if not keys or len(counts) != 1 or (n := counts.pop()) == 1:
        return arrays
    return {k: np.broadcast_to(a, (n, *a.shape[1:])) if k in keys and a.ndim and a.shape[0] == 1 else a for k, a in arrays.items()}


def missing(a: np.ndarray, masked: bool) -> np.ndarray:
    """The missing values of ``a``: NaN and ±inf, or NaN and +inf where ``-inf`` is a value (``masked``)."""
    return np.isnan(a) | (a == np.inf) if masked else ~np.isfinite(a)

