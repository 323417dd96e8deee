"""The gate grammar (accept/reject table), label matching, evaluation and the paired test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from losscli import gates as G
from losscli.errors import UsageError

FORMS = G.FORMS

ACCEPT = [
    # expr, label, op, number, base_op
    ("mse<=0.02", "mse", "<=", 0.02, None),
    ("mse < 1", "mse", "<", 1.0, None),
    ("mae>=0.5", "mae", ">=", 0.5, None),
    ("iou>0.7", "iou", ">", 0.7, None),
    ("huber:delta=0.5<=3", "huber:delta=0.5", "<=", 3.0, None),  # '=' inside the label is no operator
    ("ce:weight=1;2;0.5,label_smoothing=0.1<=0.4", "ce:weight=1;2;0.5,label_smoothing=0.1", "<=", 0.4, None),
    ("ce<=base*1.02", "ce", "<=", 1.02, "*"),
    ("rmse<base+0.5", "rmse", "<", 0.5, "+"),
    (" iou >= base - 0.01 ", "iou", ">=", 0.01, "-"),
    ("mse<=base", "mse", "<=", None, ""),
    ("mse<=BASE*2", "mse", "<=", 2.0, "*"),
    ("total<=1e-3", "total", "<=", 0.001, None),
    ("mse<=-1", "mse", "<=", -1.0, None),
    ("mse <= .5", "mse", "<=", 0.5, None),
    ("mse<=+2E+1", "mse", "<=", 20.0, None),
    ("mse<=base*-1", "mse", "<=", -1.0, "*"),
]


@pytest.mark.parametrize("expr,label,op,number,base_op", ACCEPT, ids=[a[0] for a in ACCEPT])
def test_accept(expr, label, op, number, base_op):
    g = G.parse_gate(expr)
    assert (g.expr, g.label, g.op, g.number, g.base_op) == (expr.strip(), label, op, number, base_op)


REJECT = [
    ("", f"Empty --fail-if expression. Expected {FORMS}."),
    ("   ", f"Empty --fail-if expression. Expected {FORMS}."),
    ("mse", f"Bad --fail-if 'mse': no comparison operator. Expected {FORMS}."),
    ("mse=0.02", f"Bad --fail-if 'mse=0.02': no comparison operator. Expected {FORMS}."),
    ("mse==0.02", f"Bad --fail-if 'mse==0.02': '==' is not an operator. Expected {FORMS}."),
    ("mse!=0.02", f"Bad --fail-if 'mse!=0.02': '!=' is not an operator. Expected {FORMS}."),
    ("mse=<0.02", "Bad --fail-if 'mse=<0.02': '=<' is not an operator; write '<='."),
    ("mse=>0.02", "Bad --fail-if 'mse=>0.02': '=>' is not an operator; write '>='."),
    ("mse<==0.02", f"Bad --fail-if 'mse<==0.02': '<==' is not an operator. Expected {FORMS}."),
    ("<=0.02", f"Bad --fail-if '<=0.02': it names no loss. Expected {FORMS}."),
    ("mse<=", f"Bad --fail-if 'mse<=': no threshold after the operator. Expected {FORMS}."),
    ("mse<=abc", f"Bad --fail-if 'mse<=abc': threshold 'abc' is neither a number nor base[+|-|*]NUMBER. Expected {FORMS}."),
    ("mse<=nan", f"Bad --fail-if 'mse<=nan': threshold 'nan' is neither a number nor base[+|-|*]NUMBER. Expected {FORMS}."),
    ("mse<=inf", f"Bad --fail-if 'mse<=inf': threshold 'inf' is neither a number nor base[+|-|*]NUMBER. Expected {FORMS}."),
    ("mse<=1e999", "Bad --fail-if 'mse<=1e999': '1e999' is not a finite number."),
    ("mse<=base*", f"Bad --fail-if 'mse<=base*': threshold 'base*' is neither a number nor base[+|-|*]NUMBER. Expected {FORMS}."),
    ("mse<=base 2", f"Bad --fail-if 'mse<=base 2': threshold 'base 2' is neither a number nor base[+|-|*]NUMBER. Expected {FORMS}."),
    ("mse<=base/2", f"Bad --fail-if 'mse<=base/2': threshold 'base/2' is neither a number nor base[+|-|*]NUMBER. Expected {FORMS}."),
    ("mse<=base*x", f"Bad --fail-if 'mse<=base*x': 'x' after 'base*' is not a number. Expected {FORMS}."),
    ("mse<=2*base", f"Bad --fail-if 'mse<=2*base': threshold '2*base' is neither a number nor base[+|-|*]NUMBER. Expected {FORMS}."),
    ("0<mse<1", f"Bad --fail-if '0<mse<1': more than one comparison operator. Expected {FORMS}."),
    ("mse<=1,mae<=2", f"Bad --fail-if 'mse<=1,mae<=2': more than one comparison operator. Expected {FORMS}."),
    ("mse<=1 2", f"Bad --fail-if 'mse<=1 2': threshold '1 2' is neither a number nor base[+|-|*]NUMBER. Expected {FORMS}."),
]


@pytest.mark.parametrize("expr,message", REJECT, ids=[r[0] or "empty" for r in REJECT])
def test_reject(expr, message):
    with pytest.raises(UsageError) as e:
        G.parse_gate(expr)
    assert str(e.value) == message


def test_where_names_the_source():
    with pytest.raises(UsageError, match=r"^Bad 'fail_if' in \[tool.losscli\] of pyproject.toml 'mse': no comparison"):
        G.parse_gate("mse", "'fail_if' in [tool.losscli] of pyproject.toml")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("msebal<>=!+-*.:,;0123 9eE")), max_size=20))
def test_parser_never_crashes(text):
    """Any text either parses (and round-trips its parts) or is a one-line usage error."""
    try:
        g = G.parse_gate(text)
    except UsageError as e:
        assert "\n" not in str(e)
        return
    assert g.op in G.OPERATORS and g.label and "<" not in g.label and ">" not in g.label


def test_threshold_and_holds():
    assert G.parse_gate("ce<=base*1.02").threshold(0.5) == 0.51
    assert G.parse_gate("ce<=base+0.5").threshold(1.0) == 1.5
    assert G.parse_gate("ce<=base-0.5").threshold(1.0) == 0.5
    assert G.parse_gate("ce<=base").threshold(0.25) == 0.25
    g = G.parse_gate("mse<=1")
    assert g.holds(1.0, 1.0) and not G.parse_gate("mse<1").holds(1.0, 1.0)
    assert not g.holds(math.nan, 1.0)  # NaN fails every gate
    assert not G.parse_gate("mse>=1").holds(math.nan, 1.0)


def test_match_labels_canonical_forms():
    labels = ["mse", "huber:delta=0.5", "total"]
    got = G.match_labels(G.parse_gates(["MSE<=1", "l2<=1", "huber:delta=0.50<=2", "total<=3"]), labels)
    assert [g.label for g in got] == ["mse", "mse", "huber:delta=0.5", "total"]


def test_match_labels_unknown():
    with pytest.raises(UsageError) as e:
        G.match_labels(G.parse_gates(["huber<=1"]), ["mse", "huber:delta=0.5"])
    assert str(e.value) == (
        "--fail-if 'huber<=1' names loss 'huber', which is not computed; computed: mse, huber:delta=0.5. "
        "Add -l huber or gate one of those."
    )


def test_evaluate_entries():
    g = G.parse_gate("mse<=base*2")
    assert G.evaluate(g, 3.0, 1.0, baseline="old.json") == {
        "expr": "mse<=base*2", "label": "mse", "op": "<=", "value": 3.0, "threshold": 2.0,
        "base": 1.0, "baseline": "old.json", "passed": False, "status": "fail",
    }
    nan = G.evaluate(G.parse_gate("mse<=1"), math.nan)
    assert nan["passed"] is False and nan["value"] == "nan" and nan["note"] == "the value is nan"


def test_significance_turns_a_violation_into_a_pass_only_when_not_significant():
    g = G.parse_gate("mse<=base")
    weak = G.evaluate(g, 1.1, 1.0, test={"p_value": 0.3}, alpha=0.05)
    assert weak["passed"] is True and weak["significant"] is False
    assert weak["note"] == "threshold not met, not significant: p = 0.3 >= alpha 0.05"
    strong = G.evaluate(g, 1.1, 1.0, test={"p_value": 0.001}, alpha=0.05)
    assert strong["passed"] is False and strong["significant"] is True
    fine = G.evaluate(g, 0.9, 1.0, test={"p_value": 0.9}, alpha=0.05)
    assert fine["passed"] is True and "note" not in fine


# ---------------------------------------------------------------------------- the paired test


def test_sign_flip_detects_a_planted_difference():
    rng = np.random.default_rng(7)
    base = rng.exponential(1.0, 300)
    worse = base + rng.normal(0.15, 0.5, 300)  # planted: +0.15 on average, se ~0.03
    assert G.sign_flip_test(worse - base, alternative="greater", n_perm=1999)["p_value"] < 0.01
    assert G.sign_flip_test(worse - base, alternative="less", n_perm=1999)["p_value"] > 0.9


def test_sign_flip_null_rejects_at_about_alpha():
    """Under the null (symmetric differences) the test rejects at about its level."""
    rejections = 0
    for seed in range(40):
        d = np.random.default_rng(seed).normal(0.0, 1.0, 100)
        rejections += G.sign_flip_test(d, n_perm=499, seed=seed)["p_value"] < 0.05
    assert rejections <= 6  # expected 2; P(>6) < 0.5% for Binomial(40, 0.05)


def test_sign_flip_is_seeded_and_weight_scale_invariant():
    d = np.random.default_rng(3).normal(0.1, 1.0, 200)
    w = np.random.default_rng(4).uniform(0.5, 2.0, 200)
    a = G.sign_flip_test(d, w, n_perm=999, seed=5)
    assert a == G.sign_flip_test(d, w, n_perm=999, seed=5)
    assert a["p_value"] == G.sign_flip_test(d, 10 * w, n_perm=999, seed=5)["p_value"]
    assert a["p_value"] != G.sign_flip_test(d, w, n_perm=999, seed=6)["p_value"]
    assert {k: a[k] for k in ("method", "alternative", "n", "permutations", "seed")} == {
        "method": "sign-flip permutation", "alternative": "greater", "n": 200, "permutations": 999, "seed": 5,
    }


def test_sign_flip_drops_nan_rows_and_handles_all_ties():
    d = np.array([np.nan, 1.0, 2.0, np.nan, 3.0])
    assert G.sign_flip_test(d, n_perm=99)["n"] == 3
    assert G.sign_flip_test(np.zeros(10))["p_value"] == 1.0


def test_permutations_shrink_on_long_inputs():
    assert G.permutations_for(1000) == 9999
    assert G.permutations_for(10**6) == 999
    assert G.permutations_for(50_000) == 4000


def test_gating_plan_takes_plain_values():
    # losscli.gating needs no command-line context: the gates of the flags and of a config file
    # given as plain values; a config gate on a loss the command line did not choose is skipped
    from losscli.engine import resolve_losses
    from losscli.gating import GateOptions, plan

    options = GateOptions(fail_if=("mse<=1",), config_gates=("mae<=2",), config_where="'fail_if' in cfg.toml", losses_chosen=True)
    gp = plan(options, resolve_losses(["mse"]), "mean")
    assert [g.expr for g in gp.gates] == ["mse<=1"]
    assert [e["expr"] for e in gp.skipped] == ["mae<=2"]
    with pytest.raises(UsageError, match="--alpha is the level of --significant"):
        plan(GateOptions(fail_if=("mse<=1",), alpha_given=True), resolve_losses(["mse"]), "mean")
