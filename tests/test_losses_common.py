"""Properties every registered loss must have (sklearn test_common style).

Inputs are generated from each loss's declared roles and kinds; ``SHAPES`` overrides the
generic rule for losses whose roles need a particular shape, and the test below checks that
every registered loss gets valid inputs, so no loss is forgotten.
"""

import inspect

import numpy as np
import pytest

from losscli import evaluate
from losscli.errors import UsageError
from losscli.losses import list_losses, parse_spec

N, C, D = 12, 4, 5
ALL = [s.name for s in list_losses()]
PER_SAMPLE = [s.name for s in list_losses() if s.statistic is None]  # the rest: metrics whose value is a statistic of all rows
STATISTICS = [s.name for s in list_losses() if s.statistic is not None]


def _labels(rng, n):
    return rng.integers(0, C, size=n)


def _array(kind: str, role: str, shape: tuple, rng) -> np.ndarray:
    kind = kind.split("|")[0]
    if kind == "labels":
        return _labels(rng, shape[0])
    if kind == "binary":
        # ±1 for roles named y (ranking/embedding losses); 0/1 elsewhere
        return rng.choice([-1.0, 1.0], size=shape) if role == "y" else rng.integers(0, 2, size=shape).astype(float)
    if kind == "probs":
        p = rng.uniform(0.02, 0.98, size=shape)
        return p / p.sum(axis=1, keepdims=True) if len(shape) == 2 else p
    if kind == "log_probs":
        p = rng.uniform(0.02, 0.98, size=shape)
        return np.log(p / p.sum(axis=1, keepdims=True)) if len(shape) == 2 else np.log(p)
    if kind == "boxes":
        xy = rng.uniform(0, 10, size=(shape[0], 2))
        return np.hstack([xy, xy + rng.uniform(0.5, 5, size=(shape[0], 2))])
    if kind == "masks":
        return rng.uniform(0.0, 1.0, size=shape) if role == "pred" else (rng.uniform(size=shape) > 0.5).astype(float)
    if kind == "values":
        return rng.uniform(0.1, 3.0, size=shape)  # positive: inside every regression loss's domain
    return rng.normal(size=shape)  # logits, scores, embeddings


# loss -> shape per role where the generic rule (below) does not fit
SHAPES = {
    "kl_div": {"pred": (N, C), "target": (N, C)},
    "multilabel_soft_margin": {"logits": (N, C), "target": (N, C)},
}


def _multilabel_targets(rng):
    """Each row: a random number of distinct classes first, then -1 padding (torch's form)."""
    out = np.full((N, C), -1)
    for i in range(N):
        k = rng.integers(0, C + 1)
        out[i, :k] = rng.permutation(C)[:k]
    return out


def _ctc_inputs(rng):
    t, s = 7, 3
    x = rng.normal(size=(N, t, C))
    log_probs = x - np.log(np.exp(x).sum(axis=2, keepdims=True))
    target_lengths = rng.integers(0, s + 1, size=N)
    return [log_probs, rng.integers(1, C, size=(N, s)), rng.integers(2 * s + 1, t + 1, size=N), target_lengths]


def _ranking_inputs(rng):
    """Scores, graded relevance and integer query ids: N // 3 queries of 3 rows, shuffled."""
    return [rng.normal(size=N), rng.integers(0, 4, size=N).astype(float), rng.permutation(np.repeat(np.arange(N // 3), 3))]


# loss -> inputs where a role's values need a structure of their own
MAKERS = {
    **{name: _ranking_inputs for name in ("ndcg", "mrr", "map")},
    "multilabel_margin": lambda rng: [rng.normal(size=(N, C)), _multilabel_targets(rng)],
    "ctc": _ctc_inputs,
    "ranking_softmax": lambda rng: [rng.normal(size=N), rng.integers(0, 3, size=N).astype(float), rng.integers(0, 4, size=N)],
}


def make_inputs(spec, rng):
    if spec.name in MAKERS:
        return MAKERS[spec.name](rng)
    has_labels = any(r.kind.split("|")[0] == "labels" for r in spec.roles)
    out = []
    for r in spec.roles:
        kind = r.kind.split("|")[0]
        shape = SHAPES.get(spec.name, {}).get(r.name)
        if shape is None:
            shape = {"boxes": (N, 4), "masks": (N, 6, 6), "embeddings": (N, D)}.get(kind)
        if shape is None:
            shape = (N, C) if has_labels and kind != "labels" else (N,)
        out.append(_array(r.kind, r.name, shape, rng))
    return out


def _case(name):
    (bound,) = parse_spec(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    return bound, make_inputs(bound.spec, rng)


@pytest.fixture(params=ALL)
def case(request):
    return _case(request.param)


@pytest.fixture(params=PER_SAMPLE)
def per_sample_case(request):
    return _case(request.param)


def result_of(bound, inputs):
    """The per-sample values of a loss; a statistic metric's value on the whole arrays (its
    details when it has no value: the confusion matrix)."""
    if bound.spec.statistic is None:
        return bound(*inputs)
    st = bound.spec.statistic
    state = st.fold(inputs, None, bound.params)
    value = st.value(state, bound.params)
    return np.asarray(st.details(state, bound.params)["matrix"], dtype=float) if value is None else value


def test_output_is_one_finite_float64_per_row(per_sample_case):
    bound, inputs = per_sample_case
    out = bound(*inputs)
    assert isinstance(out, np.ndarray) and out.shape == (N,) and out.dtype == np.float64
    assert np.isfinite(out).all()


def test_permuting_rows_permutes_the_output(per_sample_case):
    bound, inputs = per_sample_case
    perm = np.random.default_rng(0).permutation(N)
    np.testing.assert_allclose(bound(*[a[perm] for a in inputs]), bound(*inputs)[perm], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", STATISTICS)
def test_permuting_rows_leaves_a_statistic_unchanged(name):
    bound, inputs = _case(name)
    perm = np.random.default_rng(0).permutation(N)
    np.testing.assert_allclose(result_of(bound, [a[perm] for a in inputs]), result_of(bound, inputs), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", STATISTICS)
def test_a_statistic_has_a_finite_headline_and_no_sum_or_mean(name):
    """A metric without per-sample values: its finite value (or, for confusion, no value but a
    matrix) is the report's; no sum or mean of per-sample values."""
    bound, inputs = _case(name)
    r = evaluate(inputs={rl.name: a for rl, a in zip(bound.spec.roles, inputs)}, losses=[bound]).losses[0]
    assert (r.per_sample, r.sum, r.mean) == (False, None, None)
    out = result_of(bound, inputs)
    assert np.isfinite(out).all()
    assert r.value is None if isinstance(out, np.ndarray) else r.value == pytest.approx(out, rel=1e-12)


def test_float32_inputs_agree_with_float64(case):
    bound, inputs = case
    as32 = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in inputs]
    up = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in as32]
    np.testing.assert_allclose(result_of(bound, as32), result_of(bound, up), rtol=1e-12)


def test_sum_is_mean_times_n_for_unit_normalisers(per_sample_case):
    bound, inputs = per_sample_case
    r = evaluate(inputs={rl.name: a for rl, a in zip(bound.spec.roles, inputs)}, losses=[bound]).losses[0]
    if bound.normalizer(*inputs) is None:
        assert r.sum == pytest.approx(r.mean * r.n, rel=1e-12)
    else:
        assert r.value == pytest.approx(r.sum / np.sum(bound.normalizer(*inputs)), rel=1e-12)


def test_scaling_all_weights_leaves_the_mean_unchanged(case):
    bound, inputs = case
    arrays = {rl.name: a for rl, a in zip(bound.spec.roles, inputs)}
    w = np.random.default_rng(1).uniform(0.1, 2.0, size=N)
    if bound.spec.statistic is not None and bound.spec.statistic.unweighted:  # a metric that refuses sample weights (ndcg)
        with pytest.raises(UsageError, match="takes no sample weights"):
            evaluate(inputs=arrays, losses=[bound], weights=w)
        return
    a = evaluate(inputs=arrays, losses=[bound], weights=w).losses[0].value
    b = evaluate(inputs=arrays, losses=[bound], weights=w * 13.0).losses[0].value
    assert b == pytest.approx(a, rel=1e-12) if a is not None else b is None  # confusion: no value


def test_shape_mismatch_is_an_error(case):
    bound, inputs = case
    from losscli.errors import ShapeError

    if len(inputs) == 1:  # one role (GAN generator losses): a wrong rank is the mismatch
        with pytest.raises(ShapeError):
            bound(np.stack([inputs[0], inputs[0]], axis=1))
        return
    with pytest.raises(ShapeError):
        bound(inputs[0], *[a[:-1] for a in inputs[1:]])


@pytest.mark.parametrize("name", ALL)
def test_docstring_has_the_sections(name):
    spec = next(s for s in list_losses() if s.name == name)
    doc = inspect.getdoc(spec.fn) or ""
    for section in ("Args:", "Returns:", "Examples:", "References:"):
        assert section in doc, f"{name}: docstring lacks {section}"
    for r in spec.roles:
        assert f"  {r.name}:" in doc or f"  {r.name} (" in doc, f"{name}: Args does not document {r.name}"
