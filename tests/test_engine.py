"""The engine: the Accumulator is the one path from per-sample losses to a Report."""

import json

import numpy as np
import pytest

import losscli
from losscli import evaluate
from losscli.engine import Accumulator, resolve_losses
from losscli.errors import InputError, ShapeError, UsageError, ValueDomainError

X = np.array([0.5, -1.0, 2.0, 3.0])
Y = np.array([0.0, 1.0, 2.5, 0.0])


def test_evaluate_matches_hand_computed_values():
    # torch run values: mse 3.375, l1 1.5; huber delta=2 per-sample [0.125, 2, 0.125, 4]
    r = evaluate(X, Y, ["mse", "mae", "huber:delta=2"])
    assert [x.value for x in r.losses] == [3.375, 1.5, 1.5625]
    assert r.result("huber:delta=2").sum == 6.25
    assert r.rows == r.rows_used == 4


def test_sum_and_none_reductions():
    assert evaluate(X, Y, ["mse"], reduction="sum").losses[0].value == 13.5
    r = evaluate(X, Y, ["mse"], reduction="none")
    assert r.losses[0].value is None and r.losses[0].mean == 3.375


def test_weights_give_weighted_mean_and_are_scale_free():
    w = np.array([1.0, 2.0, 0.0, 1.0])
    r = evaluate(X, Y, ["mae"], weights=w)
    assert r.losses[0].value == (0.5 + 2 * 2.0 + 3.0) / 4  # hand-computed Σwl/Σw
    assert evaluate(X, Y, ["mae"], weights=w * 7.5).losses[0].value == pytest.approx(r.losses[0].value, rel=1e-15)
    assert "w:yes" in r.losses[0].signature and r.config["weighted"] is True


def test_negative_weight_is_an_error_naming_the_row():
    with pytest.raises(ValueDomainError) as e:
        evaluate(X, Y, ["mae"], weights=[1.0, -1.0, 1.0, 1.0])
    assert str(e.value) == "Sample weights must be >= 0, got -1 in weight at row 2"


def test_zero_weight_sum_is_an_error():
    with pytest.raises(InputError) as e:
        evaluate(X, Y, ["mae"], weights=np.zeros(4))
    assert str(e.value) == "Mean of loss 'mae' is undefined: sample weights sum to 0."


def test_rmse_is_per_output_column_then_averaged():
    p = np.array([[0.5, -1.0], [2.0, 3.0]])
    t = np.array([[0.0, 1.0], [2.5, 0.0]])
    # sklearn root_mean_squared_error(multioutput='uniform_average'): mean(sqrt(col means)),
    # col means of d² are 0.25 and 6.5 (hand-computed)
    assert evaluate(p, t, ["rmse"]).losses[0].value == pytest.approx((0.5 + 6.5**0.5) / 2, rel=1e-15)


def test_nan_policies():
    x = np.array([0.5, np.nan, 2.0, np.inf])
    with pytest.raises(InputError) as e:
        evaluate(x, Y, ["mse"])
    assert str(e.value) == "nan in pred at row 2; use --nan-policy omit to drop such rows or propagate to keep them."
    r = evaluate(x, Y, ["mse"], nan_policy="omit")
    assert r.rows == 4 and r.rows_used == 2 and r.to_dict()["inputs"]["dropped"] == {"nan": 2}
    assert r.losses[0].value == (0.25 + 0.25) / 2
    r = evaluate(x, Y, ["mse"], nan_policy="propagate")
    assert np.isnan(r.losses[0].value)
    assert json.loads(r.to_json())["losses"][0]["value"] == "nan"  # never an invalid JSON NaN


def test_all_rows_dropped_and_empty_input():
    with pytest.raises(InputError) as e:
        evaluate(np.array([np.nan]), np.array([1.0]), ["mse"], nan_policy="omit")
    assert str(e.value) == "No rows to evaluate (all 1 rows dropped by --nan-policy omit)."
    with pytest.raises(InputError) as e:
        evaluate(np.array([]), np.array([]), ["mse"])
    assert str(e.value) == "No rows to evaluate."
    with pytest.raises(InputError) as e:  # (0, D): no reshape(0, -1) crash
        evaluate(np.zeros((0, 3)), np.zeros((0, 3)), ["mse", "rmse", "mae"])
    assert str(e.value) == "No rows to evaluate."


def test_row_counts_must_agree():
    acc = Accumulator(["mse"], sources={"pred": "p.npy", "target": "t.npy"})
    with pytest.raises(ShapeError) as e:
        acc.update({"pred": X, "target": Y[:3]})
    assert str(e.value) == "Inputs have different numbers of rows: pred (p.npy) has 4, target (t.npy) has 3."


def test_domain_errors_name_the_absolute_row_across_chunks():
    acc = Accumulator(["msle"], sources={"pred": "p.csv column 'pred'"})
    acc.update({"pred": np.array([1.0, 2.0]), "target": np.array([1.0, 1.0])})
    with pytest.raises(ValueDomainError) as e:
        acc.update({"pred": np.array([0.0, -1.5]), "target": np.array([1.0, 1.0])})
    assert str(e.value) == "msle: pred (p.csv column 'pred') values must be > -1 for msle, got -1.5 at row 4"


def test_missing_role_is_a_usage_error():
    (b,) = resolve_losses(["mse"])
    with pytest.raises(UsageError) as e:
        Accumulator([b]).update({"pred": X})
    assert "Loss 'mse' needs input 'target' (values)" in str(e.value)


def test_duplicate_requests_run_once():
    assert [b.label for b in resolve_losses(["mse", "@regression", "huber"])] == ["mse", "rmse", "mae", "huber"]


@pytest.mark.parametrize("chunk", [1, 3, 7, 1000])
def test_chunked_update_and_merge_equal_one_pass(chunk):
    rng = np.random.default_rng(chunk)
    p, t, w = rng.normal(size=500), rng.normal(size=500), rng.uniform(size=500)
    one = Accumulator(["mse", "huber:delta=0.3", "rmse"])
    one.update({"pred": p, "target": t}, w)
    many = Accumulator(["mse", "huber:delta=0.3", "rmse"])
    shards = []
    for i in range(0, 500, chunk):
        shard = Accumulator(["mse", "huber:delta=0.3", "rmse"])
        shard.update({"pred": p[i : i + chunk], "target": t[i : i + chunk]}, w[i : i + chunk])
        shards.append(Accumulator.from_state(json.loads(json.dumps(shard.state()))))
    for s in shards:
        many.merge(s)
    a, b = one.compute(), many.compute()
    for ra, rb in zip(a.losses, b.losses):
        for f in ("value", "sum", "mean", "std", "se", "min", "max", "n"):
            assert getattr(rb, f) == pytest.approx(getattr(ra, f), rel=1e-12), f


def test_per_sample_values_are_aligned_to_input_rows():
    acc = Accumulator(["mae"], nan_policy="omit")
    out = acc.update({"pred": np.array([1.0, np.nan, 3.0]), "target": np.array([0.0, 0.0, 0.0])})
    np.testing.assert_array_equal(out["mae"], [1.0, np.nan, 3.0])


def test_float32_inputs_accumulate_in_float64():
    p = np.full(10**6, 0.1, dtype=np.float32)
    r = evaluate(p, np.zeros_like(p), ["mae"])
    assert r.losses[0].value == pytest.approx(float(np.float32(0.1)), rel=1e-12)


def test_public_api():
    assert losscli.get_loss("L1Loss").name == "mae"
    assert "mse" in [s.name for s in losscli.list_losses()]
    assert isinstance(losscli.evaluate(X, Y), losscli.Report)


def test_add_summaries_folds_the_statistics_of_blocks_evaluated_elsewhere():
    # the fast path's contract: one Summary per loss per run of rows; X, Y give squared errors
    # [0.25, 4, 0.25, 9] (by hand): mean 13.5 / 4 = 3.375, as evaluate() gives above
    from losscli.reductions import Summary

    acc = Accumulator(["mse"])
    acc.add_summaries({"mse": Summary.of(np.array([0.25, 4.0]))}, 2)
    acc.add_summaries({"mse": Summary.of(np.array([0.25, 9.0]))}, 2)
    r = acc.compute()
    assert (r.rows, r.losses[0].value, r.losses[0].max) == (4, 3.375, 9.0)
    with pytest.raises(ValueError):  # a summary per loss, no more, no less
        Accumulator(["mse", "mae"]).add_summaries({"mse": Summary.of(np.ones(2))}, 2)
    with pytest.raises(ValueError):  # a combination's terms and per-sample sums are not summaries of its label
        Accumulator(["t=mse+mae"]).add_summaries({"t": Summary.of(np.ones(2))}, 2)
    with pytest.raises(ValueError):  # --ci needs every per-sample value
        Accumulator(["mse"], analysis=losscli.engine.AnalysisOptions(ci="analytic")).add_summaries({"mse": Summary.of(np.ones(2))}, 2)


def test_one_loss_name_as_a_string_is_that_loss_not_its_letters():
    """Accumulator("mse") once split into the specs m, s, e (Unknown loss 'm')."""
    acc = Accumulator("mse")
    acc.update({"pred": np.array([1.0, 3.0]), "target": np.array([0.0, 0.0])})
    assert [b.label for b in acc.losses] == ["mse"] and acc.compute().result("mse").value == 5.0  # (1 + 9) / 2
