"""The fast engine path (losscli/engine/blocked.py) and its numerics (reductions.moments, dot1).

- every loss registered with ``propagates_nonfinite=True`` really gives a NaN/inf value on each
  row with a NaN/inf input (the fast path skips its input check on that claim);
- the in-place regression kernels are bit-identical to the reference formulas (torch's
  ``where`` forms), and the compiled one-pass kernels (losscli._kernels) to those definitions;
- the one-pass M2 stays within its documented error bound of the exact value (rational
  arithmetic), on both sides of the ``KAPPA_MAX`` threshold;
- ``Summary.of_blocks`` is the sequential ``merge`` of the blocks' summaries, bit for bit;
- the fast path, on one thread or two, with or without the compiled kernels, gives the exact path's report (1e-12; n, min, max
  exactly), per-sample values and errors, whatever the block size and NaN policy.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import losscli.engine.accumulator as engine
import losscli.engine.blocked as blocked
from losscli.engine import Accumulator
from losscli.errors import InputError
from losscli.losses import KERNELS, list_losses, parse_spec
from losscli.losses import regression as R
from losscli.reductions import KAPPA_MAX, Summary, dot1, moments

PROPAGATING = [s.name for s in list_losses() if s.propagates_nonfinite]
SPECIALS = (np.nan, np.inf, -np.inf)


def test_some_losses_propagate_nonfinite():
    assert {"mse", "mae", "huber", "smooth_l1", "log_cosh", "rmse"} <= set(PROPAGATING)


@pytest.mark.parametrize("name", PROPAGATING)
@pytest.mark.parametrize("shape", [(9,), (9, 3)])
def test_a_nonfinite_input_gives_a_nonfinite_loss(name, shape):
    """The claim behind ``propagates_nonfinite``, for each role, value and parameter setting."""
    spec = parse_spec(name)[0].spec
    assert all(r.kind == "values" for r in spec.roles), "extend this test for other kinds"
    rng = np.random.default_rng(0)
    settings = [{}] + [{p.name: v} for p in spec.params if p.type == "float" for v in (0.0, 1e-300, 1e300) if p.domain is None or p.domain.test(v)]
    for params in settings:
        bound = spec.bind(params)
        for role in range(len(spec.roles)):
            inputs = [rng.normal(size=shape) for _ in spec.roles]
            bad_rows = [1, 4, 7]
            for row, value in zip(bad_rows, SPECIALS):
                inputs[role][row] = value  # (N, D): the whole row
            inputs[role][8, ...] = np.inf
            for other in range(len(spec.roles)):  # inf - inf on the same row
                inputs[other][8, ...] = np.inf
            with np.errstate(all="ignore"):
                out = bound(*inputs)
            assert not np.isfinite(out[bad_rows + [8]]).any(), (name, params, role)
            assert np.isfinite(np.delete(out, bad_rows + [8])).all()


def _where_forms(a: np.ndarray, delta: float):
    huber = np.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))
    smooth = np.where(a < delta, 0.5 * a * a / delta, a - 0.5 * delta) if delta else a
    return huber, smooth


def test_in_place_kernels_are_bit_identical_to_the_reference_forms():
    rng = np.random.default_rng(3)
    specials = [0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-160, 1e154, 1e200, 1.7976931348623157e308, 0.5, 1.0, 2.0]
    for scale in (False, True):
        p = rng.normal(size=20_000) * (10.0 ** rng.integers(-320, 300, size=20_000) if scale else 1.0)
        t = np.where(rng.random(20_000) < 0.2, p, rng.normal(size=20_000))
        p[: len(specials)] = specials
        t[len(specials) : 2 * len(specials)] = specials
        with np.errstate(all="ignore"):
            d = p - t
            a = np.abs(d)
            for delta in (1.0, 0.5, 2.0, 1e-300, 1e300):
                huber, smooth = _where_forms(a, delta)
                np.testing.assert_array_equal(R.huber(p, t, delta=delta), huber)
                np.testing.assert_array_equal(R.smooth_l1(p, t, beta=delta), smooth)
            np.testing.assert_array_equal(R.smooth_l1(p, t, beta=0.0), a)
            np.testing.assert_array_equal(R.squared_error(p, t), d * d)
            np.testing.assert_array_equal(R.absolute_error(p, t), a)
            np.testing.assert_array_equal(R.log_cosh(p, t), np.logaddexp(d, -d) - math.log(2.0))
    p0 = p.copy()
    with np.errstate(all="ignore"):
        R.huber(p, t), R.smooth_l1(p, t), R.squared_error(p, t)
    np.testing.assert_array_equal(p, p0)  # inputs untouched


def test_compiled_kernels_are_built():
    try:
        import losscli._kernels
    except ImportError as e:  # pragma: no cover - the message is the point
        pytest.fail(f"losscli._kernels was not built ({e}): the install needs a C compiler (setup.py); without it losscli is slower")
    assert all(hasattr(losscli._kernels, name.upper()) for name in KERNELS)  # each declared kernel is compiled
    declared = [s.name for s in list_losses() if s.kernel]
    assert sorted(declared) == ["huber", "mae", "mse", "rmse", "smooth_l1"]
    assert all(blocked.kernel(parse_spec(name)[0]) is not None for name in declared)
    assert blocked.kernel(parse_spec("log_cosh")[0]) is None


def _kernel_cases():
    rng = np.random.default_rng(11)
    specials = [0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-160, 1e154, 1e200, 1.7976931348623157e308, 0.5, 1.0, 2.0, 0.3, -0.3]
    for n in [*range(0, 20), 255, 256, 257, 1000, 20_000]:
        for scale in (False, True):
            p = rng.normal(size=n) * (10.0 ** rng.integers(-320, 300, size=n) if scale else 1.0)
            t = np.where(rng.random(n) < 0.2, p, rng.normal(size=n))
            if n > 2 * len(specials):
                p[: len(specials)] = specials
                t[len(specials) : 2 * len(specials)] = specials
                t[-len(specials) :] = specials
            yield p, t


KERNEL_SETTINGS = [("mse", {}), ("mae", {}), *(("huber", {"delta": v}) for v in (1.0, 0.3, 1e-300, 1e300)), *(("smooth_l1", {"beta": v}) for v in (1.0, 0.0, 0.3, 1e-300, 1e300))]


@pytest.mark.parametrize("name, params", KERNEL_SETTINGS)
def test_compiled_kernels_match_the_definitions_bit_for_bit(name, params):
    """losscli._kernels.fold against the numpy definition: every non-NaN value bit for bit (NaN
    where it has NaN), min and max exactly, the sum within 1 ulp of the exact sum of the
    definition's values (math.fsum; TwoSum lanes), the sum of squares within 64 ulps."""
    from losscli import _kernels

    bound = parse_spec(name)[0].spec.bind(params)
    kind, param = blocked.kernel(bound)
    eps = np.finfo(np.float64).eps
    for p, t in _kernel_cases():
        with np.errstate(all="ignore"):
            want = bound(p, t)
        got = np.full(len(p), -1.0)
        s, err, q, lo, hi = _kernels.fold(kind, param, p, t, got)
        nan = np.isnan(want)
        np.testing.assert_array_equal(np.isnan(got), nan)
        np.testing.assert_array_equal(got[~nan].view(np.int64), want[~nan].view(np.int64))
        assert str(_kernels.fold(kind, param, p, t, None)) == str((s, err, q, lo, hi))
        if not np.isfinite(want).all():  # the caller's check: a NaN/inf value makes the sum NaN/inf
            assert not math.isfinite(s)
            continue
        assert (lo, hi) == ((want.min(), want.max()) if len(p) else (math.inf, -math.inf))
        exact_s = math.fsum(want.tolist())
        assert abs(s - exact_s) <= eps * exact_s or not math.isfinite(exact_s)
        assert abs(err) <= eps * abs(s)  # the sum's rounding error: at most an ulp
        with np.errstate(all="ignore"):
            exact_q = math.fsum((want * want).tolist()) if np.isfinite(want * want).all() else math.inf
        assert abs(q - exact_q) <= 64 * eps * exact_q or not math.isfinite(exact_q)


def test_every_vector_width_gives_the_same_bits():
    """The fold is compiled for 2, 4 and 8 doubles per vector; each machine uses its widest.
    Every width this CPU has gives the same sums, min, max and values (same 8 lanes)."""
    from losscli import _kernels

    widths = [w for w in (2, 4, 8) if w <= _kernels.WIDTH]
    assert _kernels.WIDTH in (2, 4, 8) and 2 in widths
    for name, params in KERNEL_SETTINGS:
        bound = parse_spec(name)[0].spec.bind(params)
        kind, param = blocked.kernel(bound)
        for p, t in _kernel_cases():
            results = []
            for w in widths:
                out = np.empty(len(p))
                results.append((str(_kernels.fold(kind, param, p, t, out, w)), out.tobytes()))
            assert all(r == results[0] for r in results), (name, params, len(p))
    with pytest.raises(ValueError, match="wide vectors"):
        _kernels.fold(_kernels.SQUARED, 0.0, np.ones(3), np.ones(3), None, 3)


def test_compiled_kernels_check_their_arguments():
    from losscli import _kernels

    x = np.ones(4)
    with pytest.raises(TypeError, match="float64"):
        _kernels.fold(_kernels.SQUARED, 0.0, x.astype(np.float32), x, None)
    with pytest.raises(ValueError, match="same length"):
        _kernels.fold(_kernels.SQUARED, 0.0, x, np.ones(3), None)
    with pytest.raises(ValueError, match="same length"):
        _kernels.fold(_kernels.SQUARED, 0.0, x, x, np.ones(5))
    with pytest.raises(ValueError, match="unknown kernel"):
        _kernels.fold(99, 0.0, x, x, None)
    with pytest.raises((TypeError, BufferError, ValueError)):
        _kernels.fold(_kernels.SQUARED, 0.0, x, x, np.ones(8)[::2])  # not contiguous
    assert _kernels.fold(_kernels.SQUARED, 0.0, np.array([1.0, 3.0]), np.array([0.0, 0.0]), None) == (10.0, 0.0, 82.0, 1.0, 9.0)  # by hand
    ro = np.array([1.0, 3.0])
    ro.setflags(write=False)  # a read-only input (a memory map opened "r") is fine, a read-only out is not
    assert _kernels.fold(_kernels.ABSOLUTE, 0.0, ro, np.zeros(2), None) == (4.0, 0.0, 10.0, 1.0, 3.0)
    with pytest.raises((TypeError, BufferError, ValueError)):
        _kernels.fold(_kernels.ABSOLUTE, 0.0, ro, np.zeros(2), ro)
    big_endian = np.array([1.0, 3.0], dtype=">f8")  # not this machine's float64: converted by _fold
    assert blocked._one_pass(parse_spec("mae")[0], [big_endian, np.zeros(2)], None)[1] == 4.0


def _exact_m2(x: np.ndarray) -> Fraction:
    f = [Fraction(v) for v in x.tolist()]
    mean = sum(f) / len(f)
    return sum((v - mean) ** 2 for v in f)


@pytest.mark.parametrize("kappa", [1.5, 7.5, 8.5, 100.0, 1e8])
def test_one_pass_m2_is_within_its_error_bound(kappa):
    """M2 of a chunk vs rational arithmetic: within ~3 κ ε (one pass, κ <= 8) or the two-pass
    error (κ > 8); the module docstring of losscli.reductions has the analysis."""
    rng = np.random.default_rng(int(kappa))
    eps = np.finfo(np.float64).eps
    worst = 0.0
    for _ in range(5):
        noise = rng.normal(size=4096)
        x = noise + math.sqrt(kappa - 1.0) * (1.0 + rng.random() * 1e-3)  # κ = 1 + mean²/var ≈ kappa
        s, m2, lo, hi = moments(x)
        exact = _exact_m2(x)
        worst = max(worst, abs(float((Fraction(m2) - exact) / exact)))
        assert (lo, hi) == (x.min(), x.max()) and s == np.sum(x)
    bound = 3 * min(kappa, KAPPA_MAX) * eps * 64  # 64: a generous growth factor for 4096 terms
    assert worst <= bound, (worst, bound)


def test_moments_edge_cases():
    assert moments(np.array([np.nan, 1.0])) is None and moments(np.array([1.0, np.inf])) is None
    assert moments(np.array([-np.inf])) is None
    assert moments(np.full(1000, 0.5))[1] == 0.0  # constant: the two-pass form, exactly 0
    c = np.full(1000, 0.1)  # Σ c / n is not exactly 0.1: the two-pass form's tiny M2
    assert moments(c)[1] == float(np.einsum("i,i->", c - c.sum() / 1000, c - c.sum() / 1000))
    assert moments(np.array([3.0]))[1] == 0.0
    big = np.array([1e308, 1e308])  # Σl overflows: as the two-pass form (inf)
    with np.errstate(all="ignore"):
        assert moments(big)[0] == math.inf
    x = np.arange(1e5)  # κ = 4: one pass
    assert moments(x)[1] == pytest.approx(float(((x - x.mean()) ** 2).sum()), rel=1e-14)
    assert dot1(x, x) == pytest.approx(float(np.dot(x, x)), rel=1e-15)
    assert dot1(x[::2], x[::2]) == pytest.approx(float(np.dot(x[::2], x[::2])), rel=1e-15)  # strided: einsum


def test_of_blocks_is_the_sequential_merge():
    rng = np.random.default_rng(5)
    for trial in range(50):
        x = rng.lognormal(size=int(rng.integers(1, 2000))) * 10.0 ** int(rng.integers(-5, 5))
        if trial % 5 == 0:
            x[0] = 1e308
        cuts = sorted({0, len(x), *rng.integers(0, len(x), size=5).tolist()})
        merged, blocks = Summary(), []
        for a, b in zip(cuts, cuts[1:]):
            merged = merged.merge(Summary.of(x[a:b]))
            s, m2, lo, hi = moments(x[a:b])
            blocks.append((b - a, s, 0.0, float(b - a), m2, lo, hi))
        assert str(Summary.of_blocks(blocks).to_state()) == str(merged.to_state())  # (nan == nan)
    assert Summary.of_blocks([]).n == 0


def test_all_finite_check():
    x = np.ones(100)
    assert blocked._all_finite([x, x, x])
    for bad in SPECIALS:
        y = x.copy()
        y[57] = bad
        assert not blocked._all_finite([x, y]) and not blocked._all_finite([y])
    assert blocked._all_finite([np.full(10, 1e200), np.full(10, 1e200)])  # the dot overflows: exact check
    assert blocked._all_finite([x, np.ones(3)]) and blocked._all_finite([np.ones((4, 3), np.float32)])
    assert not blocked._all_finite([np.array([1.0, np.nan], np.float32)])


# ---------------------------------------------------------------------------- fast == exact

LOSSES = ["mse", "mae", "huber:delta=0.5", "smooth_l1", "log_cosh", "rmse", "mape", "poisson_nll"]


def _report(losses, pred, target, policy="error", *, fast=True, threads="2", block=None, monkeypatch=None, per_sample=True, compiled=True):
    monkeypatch.setenv("LOSSCLI_THREADS", threads)
    if not compiled:
        monkeypatch.setattr(blocked, "compiled", None)
    if not fast:
        monkeypatch.setattr(blocked, "eligible", lambda *args: False)
    if block is not None:
        monkeypatch.setattr(engine, "BLOCK_ELEMENTS", block)
    try:
        acc = Accumulator(losses, nan_policy=policy)
        values = acc.update({"pred": pred, "target": target}, per_sample=per_sample)
        return acc.compute().to_dict(), values
    finally:
        monkeypatch.undo()


def _same(a: dict, b: dict) -> None:
    for x, y in zip(a["losses"], b["losses"], strict=True):
        for k in ("value", "sum", "mean", "std", "se"):
            if isinstance(y[k], float) and math.isfinite(y[k]):
                assert x[k] == pytest.approx(y[k], rel=1e-12, abs=1e-300), (x["label"], k)
            else:
                assert str(x[k]) == str(y[k]), (x["label"], k)
        for k in ("n", "min", "max"):
            assert x[k] == y[k], (x["label"], k)
    assert a["inputs"]["rows_used"] == b["inputs"]["rows_used"] and a["inputs"]["dropped"] == b["inputs"]["dropped"]


@pytest.mark.parametrize("policy", ["error", "omit", "propagate"])
@pytest.mark.parametrize("block", [7, 64, 1000])
@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_fast_path_gives_the_exact_report(monkeypatch, policy, block, nan, compiled):
    rng = np.random.default_rng(block)
    n = 5003 if block > 7 else 1403  # blocks of 7 elements: 200 of them (each block has a fixed cost)
    pred, target = rng.uniform(0.1, 3.0, size=n), rng.uniform(0.1, 3.0, size=n)
    if block == 64:  # |pred - target| ~ 10 with a small spread: κ ~ 2500 > KAPPA_MAX, the two-pass M2
        target = pred - 10.0 - rng.normal(scale=0.1, size=n)
    if nan:
        pred[[17, n // 2, n - 4]] = [np.nan, np.inf, -np.inf]
        target[3 * n // 5] = np.nan
    losses = LOSSES if policy != "propagate" else LOSSES[:5]
    try:
        exact, ev = _report(losses, pred, target, policy, fast=False, block=block, monkeypatch=monkeypatch)
    except InputError as e:
        for threads in ("1", "2"):
            with pytest.raises(InputError) as again:
                _report(losses, pred, target, policy, threads=threads, block=block, monkeypatch=monkeypatch, compiled=compiled)
            assert str(again.value) == str(e)
        return
    for threads in ("1", "2"):
        fast, fv = _report(losses, pred, target, policy, threads=threads, block=block, monkeypatch=monkeypatch, compiled=compiled)
        _same(fast, exact)
        for label in ev:
            np.testing.assert_array_equal(fv[label], ev[label])


def test_fast_path_on_wide_inputs_and_unused_inputs(monkeypatch):
    rng = np.random.default_rng(1)
    p, t = rng.normal(size=(3000, 4)), rng.normal(size=(3000, 4))
    for losses in (["mse", "huber"], ["rmse"], ["mae", "rmse"]):
        _same(_report(losses, p, t, block=100, monkeypatch=monkeypatch)[0], _report(losses, p, t, fast=False, block=100, monkeypatch=monkeypatch)[0])
    # an input no loss reads is still checked for NaN (as the exact path does)
    var = np.ones(3000)
    var[2999] = np.nan
    monkeypatch.setattr(engine, "BLOCK_ELEMENTS", 100)
    acc = Accumulator(["mse"])
    with pytest.raises(InputError, match="nan in var at row 3000"):
        acc.update({"pred": p[:, 0], "target": t[:, 0], "var": var})


@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float32", "int64"), ("float16", "float64"), ("int32", "uint8"), ("bool", "float64")])
def test_kernels_take_other_numeric_dtypes_as_the_definitions_do(monkeypatch, dtypes):
    """float32 predictions, integer targets, ...: converted to float64 per block (as_float),
    then the compiled kernel; the same values and report as the exact path."""
    rng = np.random.default_rng(7)
    pred = (rng.normal(size=3001) * 4).astype(dtypes[0])
    target = (rng.normal(size=3001) * 4).astype(dtypes[1])
    losses = ["mse", "mae", "huber:delta=0.5", "smooth_l1:beta=2"]
    exact, ev = _report(losses, pred, target, fast=False, block=256, monkeypatch=monkeypatch)
    fast, fv = _report(losses, pred, target, block=256, monkeypatch=monkeypatch)
    _same(fast, exact)
    for label in ev:
        np.testing.assert_array_equal(fv[label], ev[label])
    x, y = pred[:256], target[:256]
    assert blocked._one_pass(parse_spec("mse")[0], [x, y], None) is not None  # the kernel took them
    assert blocked._one_pass(parse_spec("mse")[0], [x.astype(complex), y], None) is None  # not complex


def test_headline_sums_are_correctly_rounded():
    """The kernels' Σl (TwoSum lanes, compensated groups) equals math.fsum of the values on 500
    random inputs (numpy's pairwise sum does on about 70% of them), so a mean prints the digits of
    the exact mean: 3006.508605429864 for the diabetes sample, as math.fsum gives."""
    from losscli import _kernels

    rng = np.random.default_rng(12)
    for _ in range(500):
        n = int(rng.integers(1, 5000))
        p, y = rng.lognormal(size=n) * 10.0 ** int(rng.integers(-3, 4)), rng.normal(size=n)
        for kind, param in ((_kernels.SQUARED, 0.0), (_kernels.ABSOLUTE, 0.0), (_kernels.HUBER, 1.0), (_kernels.SMOOTH_L1, 0.5)):
            values = np.empty(n)
            s = _kernels.fold(kind, param, p, y, values)[0]
            assert s == math.fsum(values.tolist())
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1] / "sample_data"
    p, y = np.load(root / "diabetes_pred.npy"), np.load(root / "diabetes_target.npy")
    acc = Accumulator(["mse"])
    acc.update({"pred": p, "target": y}, per_sample=False)
    assert acc.compute().losses[0].value == math.fsum(((p - y) ** 2).tolist()) / len(p) == 3006.508605429864
