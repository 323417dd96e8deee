"""The registry: lookup, spec parsing, parameter validation, labels and presets."""

import numpy as np
import pytest

from losscli.errors import SpecError, UnknownLossError
from losscli.losses import get_loss, list_losses, parse_spec, presets
from losscli.losses._registry import _arg_docs, _param_type, interval, options


@pytest.mark.parametrize("name", ["mse", "MSE", "l2", "MSELoss", "mean_squared_error", " Mse "])
def test_lookup_is_case_insensitive_and_alias_aware(name):
    assert get_loss(name).name == "mse"


def test_unknown_loss_suggests_close_names():
    with pytest.raises(UnknownLossError) as e:
        get_loss("hubr")
    assert str(e.value) == "Unknown loss 'hubr'. Did you mean 'huber'? Run 'losscli list' to see available losses."


def test_unknown_loss_without_close_names():
    with pytest.raises(UnknownLossError) as e:
        get_loss("zzzzzz")
    assert str(e.value) == "Unknown loss 'zzzzzz'. Run 'losscli list' to see available losses."


def test_spec_with_params_gives_label_of_non_default_params():
    (b,) = parse_spec("huber:delta=0.5")
    assert b.spec.name == "huber" and b.params == {"delta": 0.5} and b.label == "huber:delta=0.5"
    (b,) = parse_spec("HuberLoss:delta=1")  # the default: label is the bare name
    assert b.label == "huber"


def test_typed_values():
    (b,) = parse_spec("poisson_nll:log_input=false,full=true,eps=1e-6")
    assert b.params == {"log_input": False, "full": True, "eps": 1e-6}
    assert b.label == "poisson_nll:log_input=false,full=true,eps=1e-06"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("huber:dleta=1", "Unknown parameter 'dleta' for loss 'huber'. Did you mean 'delta'? Parameters: delta."),
        ("mse:delta=1", "Unknown parameter 'delta' for loss 'mse'. Parameters: none."),
        ("huber:delta=abc", "Bad value 'abc' for parameter 'delta' of loss 'huber': expected a number."),
        ("huber:delta=0", "Parameter 'delta' of loss 'huber' must be > 0, got 0."),
        ("huber:delta=inf", "Parameter 'delta' of loss 'huber' must be finite, got inf."),
        ("smooth_l1:beta=-1", "Parameter 'beta' of loss 'smooth_l1' must be >= 0, got -1."),
        ("pinball:alpha=1.5", "Parameter 'alpha' of loss 'pinball' must be in [0, 1], got 1.5."),
        ("tweedie:power=0.5", "Parameter 'power' of loss 'tweedie' must be <= 0 or >= 1, got 0.5."),
        ("poisson_nll:full=maybe", "Bad value 'maybe' for parameter 'full' of loss 'poisson_nll': expected true or false."),
        ("huber:delta", "Bad parameter 'delta' in spec 'huber:delta'. Expected key=value, e.g. huber:key=1.5."),
        ("huber:delta=1,delta=2", "Parameter 'delta' given twice in spec 'huber:delta=1,delta=2'."),
        (":delta=1", "Empty loss name in spec ':delta=1'. Expected name[:key=value,...], e.g. huber:delta=0.5."),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(SpecError) as e:
        parse_spec(spec)
    assert str(e.value) == message


def test_presets_expand():
    assert [b.label for b in parse_spec("@regression")] == ["mse", "rmse", "mae", "huber"]
    assert "regression" in presets()
    with pytest.raises(UnknownLossError) as e:
        parse_spec("@regresion")
    assert str(e.value).startswith("Unknown preset '@regresion'. Did you mean '@regression'")  # (or '@regression_metrics')


def test_list_losses_filters_and_sorts():
    names = [s.name for s in list_losses(family="regression")]
    assert names == sorted(names) and "mse" in names
    # a glob keeps exactly the losses with a matching name or alias (an independent filter: any
    # loss added later with "huber" in a name is expected too)
    want = [s.name for s in list_losses() if any("huber" in n.lower() for n in (s.name, *s.aliases))]
    assert "huber" in want and [s.name for s in list_losses("*huber*")] == want
    assert [s.name for s in list_losses("L1LOSS")] == ["mae"]  # globs match aliases, case-insensitively


def test_every_loss_declares_its_contract():
    for spec in list_losses():
        assert spec.direction in ("lower", "higher")
        assert spec.reference and spec.summary
        assert spec.roles, spec.name
        for p in spec.params:  # every parameter is documented in the docstring's Args section
            assert p.doc, f"{spec.name}.{p.name} has no Args entry"


def test_domains_and_param_types():
    assert interval(0.0).text == ">= 0" and interval(0.0, closed="neither").text == "> 0"
    assert interval(0.0, 1.0).text == "in [0, 1]" and interval(high=1.0, closed="neither").text == "< 1"
    assert options("a", "b").test("a") and not options("a", "b").test("c")
    assert _param_type("float") == "float" and _param_type("tuple[float, ...] | None") == "floats"
    assert _param_type("float | tuple[float, ...] | None") == "float_or_floats"
    assert _arg_docs("S.\n\nArgs:\n  x: the x.\n  y (int): the y.\n\nReturns:\n  z\n") == {"x": "the x.", "y": "the y."}


def test_bound_loss_is_callable_on_arrays():
    (b,) = parse_spec("huber:delta=2")
    # hand-computed: d = [0.5, -2, -0.5, 3] -> [0.125, 2, 0.125, 4] (torch huber_loss gives the same)
    got = b(np.array([0.5, -1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.5, 0.0]))
    np.testing.assert_allclose(got, [0.125, 2.0, 0.125, 4.0], rtol=0, atol=0)
    assert b.normalizer(np.zeros(2), np.zeros(2)) is None


def test_every_registered_loss_is_a_name_of_the_package():
    """The re-exports come from the registry: every loss function is ``losscli.losses.<its
    name>``; every family module on disk is imported by the package (and registered a loss)."""
    import pathlib

    import losscli.losses as package

    for spec in list_losses():
        assert getattr(package, spec.fn.__name__) is spec.fn and spec.fn.__name__ in package.__all__
    on_disk = {p.stem for p in pathlib.Path(package.__file__).parent.glob("*.py") if not p.stem.startswith("_")}
    assert {m.__name__.rsplit(".", 1)[1] for m in package.FAMILY_MODULES} == on_disk, "add the module to losses/__init__.py"
    assert {spec.fn.__module__.rsplit(".", 1)[1] for spec in list_losses()} == on_disk


def test_kernels_are_declared_by_name():
    from losscli.losses._registry import register_loss

    with pytest.raises(ValueError, match="unknown kernel 'cube'"):
        register_loss("x_cube", family="regression", inputs=("values", "values"), reference="-", kernel="cube")
    with pytest.raises(ValueError, match="kernel 'huber' takes parameter 'delta'"):
        register_loss("x_huber", family="regression", inputs=("values", "values"), reference="-", kernel="huber")(lambda pred, target: pred)
    assert get_loss("huber").kernel == "huber" and get_loss("log_cosh").kernel is None
    with pytest.raises(UnknownLossError):
        get_loss("x_huber")  # nothing registered by the failed declaration


def test_metric_presets_expand_to_their_metrics():
    from losscli.losses import parse_spec

    assert [b.label for b in parse_spec("@binary_metrics")] == ["accuracy", "precision", "recall", "f1", "roc_auc", "average_precision"]
    assert [b.label for b in parse_spec("@multiclass_metrics")] == ["accuracy", "top_k_accuracy", "f1", "balanced_accuracy", "mcc"]
    assert [b.label for b in parse_spec("@regression_metrics")] == ["r2", "explained_variance", "median_ae", "max_error"]
