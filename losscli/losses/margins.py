"""Margin classification losses beside the hinge: perceptron, binary sparsemax, multi-label margin.

``perceptron`` and ``sparsemax`` are elementwise on scores of shape ``(N,)`` or ``(N, D)`` (the
per-sample value is the row mean, so the mean is the reference's mean over all elements);
``multilabel_margin`` takes ``(N, C)`` scores with ``(N, C)`` class-index targets. Float32
inputs are computed in float64.
"""

from __future__ import annotations

import numpy as np

from losscli._checks import as_float, check_rank, check_same_shape, check_values, row_mean
from losscli.errors import ShapeError
from losscli.losses._registry import all_elements, register_loss


def _scores_and_targets(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores and labels of equal shape, one value (or row) per sample, as float64."""
    f, y = as_float(scores, "scores"), as_float(labels, "labels")
    check_same_shape(f, y, ("scores", "labels"))
    if f.ndim == 0:
        raise ShapeError("scores must have one value per row, got a scalar")
    return f, y


@register_loss(
    "perceptron",
    family="classification",
    inputs=("scores", "binary"),
    aliases=("perceptron_loss",),
    reference="optax.losses.perceptron_loss",
    elements=all_elements,
)
def perceptron(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Binary perceptron loss ``max(0, -y f)`` with labels y in {-1, +1} (0 is read as -1).

    optax takes -1/+1 targets only; 0/1 labels are read as the hinge loss reads them here.

    Args:
      scores: decision values f, shape (N,) or (N, D).
      labels: -1/+1 or 0/1 labels, same shape as scores.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> perceptron(np.array([0.5, -2.0, -0.3]), np.array([1, -1, 1]))
      array([0. , 0. , 0.3])

    References:
      https://optax.readthedocs.io/en/latest/api/losses.html#optax.losses.perceptron_loss
    """
    f, y = _scores_and_targets(scores, labels)
    check_values((y == 1) | (y == -1) | (y == 0), y, "must be -1/+1 or 0/1 labels", "labels")
    y = np.where(y == 1, 1.0, -1.0)
    return row_mean(np.maximum(-f * y, 0.0))


def _sparse_plus(z: np.ndarray) -> np.ndarray:
    """jax.nn.sparse_plus: 0 for z <= -1, ``(z + 1)**2 / 4`` on (-1, 1), z for z >= 1."""
    return np.where(z <= -1.0, 0.0, np.where(z >= 1.0, z, (z + 1.0) ** 2 / 4.0))


@register_loss(
    "sparsemax",
    family="classification",
    inputs=("logits", "binary"),
    aliases=("sparsemax_loss", "binary_sparsemax"),
    reference="optax.losses.sparsemax_loss",
    elements=all_elements,
)
def sparsemax(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Binary sparsemax loss ``sparse_plus(-x)`` for label 1, ``sparse_plus(x)`` for label 0.

    ``sparse_plus(z)`` is 0 for ``z <= -1``, ``(z + 1)**2 / 4`` for ``-1 < z < 1`` and z for
    ``z >= 1`` (the Fenchel-Young loss of the sparse sigmoid): 0 exactly when the sparse
    sigmoid of x equals the label. Labels must be 0 or 1 (optax reads any nonzero label as 1,
    so -1/+1 labels would all count as positives: pass ``--pos-label 1`` for them).

    Args:
      logits: scores x, shape (N,) or (N, D).
      labels: 0/1 labels, same shape as logits.

    Returns:
      Per-sample loss, shape (N,) (the row mean for (N, D) inputs).

    Examples:
      >>> sparsemax(np.array([2.0, 0.0, -0.5, 3.0]), np.array([1, 1, 0, 0]))
      array([0.    , 0.25  , 0.0625, 3.    ])

    References:
      https://optax.readthedocs.io/en/latest/api/losses.html#optax.losses.sparsemax_loss
      Blondel, Martins, Niculae, Learning with Fenchel-Young Losses, JMLR 2020, sec. 4.4
    """
    x, y = _scores_and_targets(logits, labels)
    hint = " (for -1/+1 labels pass --pos-label 1)" if bool((y == -1).any()) else ""
    check_values((y == 0) | (y == 1), y, f"must be 0/1 labels{hint}", "labels")
    return row_mean(_sparse_plus(np.where(y == 1, -x, x)))


def _label_sets(target: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torch's multi-label targets: class indices read up to the first -1 of each row.

    Returns the indices (-1 and everything after it set to 0), the mask of the entries read, and
    the (N, C) mask of each row's target classes.
    """
    t = as_float(target, "target")
    ok = (t == np.floor(t)) & (t >= -1) & (t < n_classes)
    check_values(ok, t, f"must be class indices in [0, {n_classes}) padded with -1", "target")
    read = np.cumprod(t != -1, axis=1).astype(bool)
    idx = np.where(read, t, 0).astype(np.int64)
    is_target = np.zeros(t.shape, dtype=bool)
    rows = np.broadcast_to(np.arange(len(t))[:, None], t.shape)
    is_target[rows[read], idx[read]] = True
    return idx, read, is_target


@register_loss(
    "multilabel_margin",
    family="classification",
    inputs=("scores", "labels"),
    aliases=("MultiLabelMarginLoss", "multilabel_margin_loss"),
    reference="torch.nn.functional.multilabel_margin_loss",
)
def multilabel_margin(scores: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Multi-label margin loss ``(1/C) sum_{j in Y} sum_{i not in Y} max(0, 1 - (x_j - x_i))``.

    Y is the row's target classes, given as torch takes them: class indices at the start of
    the row, padded with -1; the first -1 ends the list (later entries are ignored). A class
    listed twice counts twice in the sum, as torch. A row with no target class has loss 0.

    Args:
      scores: class scores x, shape (N, C).
      target: class indices, shape (N, C), each row's targets first, then -1 (e.g. ``3,0,-1,-1``).

    Returns:
      Per-sample loss, shape (N,).

    Examples:
      >>> multilabel_margin(np.array([[0.1, 0.2, 0.4, 0.8]]), np.array([[3, 0, -1, 1]]))
      array([0.85])

    References:
      https://pytorch.org/docs/stable/generated/torch.nn.MultiLabelMarginLoss.html
    """
    x = as_float(scores, "scores")
    check_rank(x, (2,), "scores")
    check_same_shape(x, np.asarray(target), ("scores", "target"))
    idx, read, is_target = _label_sets(target, x.shape[1])
    others = ~is_target
    total = np.zeros(len(x))
    for j in range(x.shape[1]):  # each target slot: (N, C) at a time, never (N, C, C)
        if not read[:, j].any():
            break
        x_j = np.take_along_axis(x, idx[:, j : j + 1], axis=1)
        z = 1.0 - x_j + x  # torch: 1 - input[target] + input[i]
        total += np.sum(np.where(others & (z > 0) & read[:, j : j + 1], z, 0.0), axis=1)
    return total / x.shape[1]
