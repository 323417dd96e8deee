"""iou, giou, diou, ciou: hand-computed geometries, formats, the point-box deviation, errors through
the CLI. Golden values from torchvision 0.29.1 are in tests/golden/golden_boxes.json.

eps = 1e-7 (torchvision) everywhere: iou = inter/(union + eps); giou adds (C - union)/(C + eps)
with C the enclosing box's area; diou adds rho^2/(c^2 + eps) with rho the distance between the
centres and c the enclosing box's diagonal; ciou adds alpha v with
v = 4/pi^2 (atan(w_t/h_t) - atan(w_p/h_p))^2 and alpha = v/(1 - iou + v + eps).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from losscli.errors import ShapeError, SpecError, ValueDomainError
from losscli.losses import parse_spec, presets

from conftest import fails

EPS = 1e-7


def run(spec: str, pred, target):
    (bound,) = parse_spec(spec)
    return bound(np.asarray(pred, dtype=float), np.asarray(target, dtype=float))


def losses(pred, target, fmt="xyxy"):
    return {name: run(f"{name}:fmt={fmt}", [pred], [target])[0] for name in ("iou", "giou", "diou", "ciou")}


# ---------------------------------------------------------------------------- hand-computed geometries


def test_identical_boxes_give_eps_not_zero():
    # inter = union = 4: 1 - 4/(4 + eps); C = union, centres equal, same aspect: the other terms are 0
    expected = 1 - 4 / (4 + EPS)  # 2.5e-8
    assert losses([0, 0, 2, 2], [0, 0, 2, 2]) == pytest.approx(dict.fromkeys(("iou", "giou", "diou", "ciou"), expected), rel=1e-12)


def test_touching_at_a_corner():
    # inter = 0 (touching is no overlap), union = 2, C = 2 x 2 = 4, rho^2 = 1 + 1, c^2 = 2^2 + 2^2 = 8
    got = losses([0, 0, 1, 1], [1, 1, 2, 2])
    assert got["iou"] == 1.0
    assert got["giou"] == pytest.approx(1 + 2 / (4 + EPS), rel=1e-15)  # 1.5
    assert got["diou"] == pytest.approx(1 + 2 / (8 + EPS), rel=1e-15)  # 1.25
    assert got["ciou"] == got["diou"]  # same aspect ratio: v = 0


def test_disjoint():
    # [0,0,1,1] vs [2,2,3,3]: union 2, C = 9, rho^2 = 2^2 + 2^2 = 8, c^2 = 9 + 9 = 18
    got = losses([0, 0, 1, 1], [2, 2, 3, 3])
    assert got["giou"] == pytest.approx(1 + 7 / (9 + EPS), rel=1e-15)  # 1.7777777778
    assert got["diou"] == pytest.approx(1 + 8 / (18 + EPS), rel=1e-15)  # 1.4444444444


def test_half_overlap():
    # [0,0,1,1] vs [0.5,0,1.5,1]: inter 0.5, union 1.5, C = 1.5 = union, rho^2 = 0.25, c^2 = 1.5^2 + 1
    got = losses([0, 0, 1, 1], [0.5, 0, 1.5, 1])
    iou = 0.5 / (1.5 + EPS)
    assert got["iou"] == pytest.approx(1 - iou, rel=1e-15)
    assert got["giou"] == pytest.approx(1 - iou, rel=1e-15)  # 0.6666666667
    assert got["diou"] == pytest.approx(1 - iou + 0.25 / (3.25 + EPS), rel=1e-15)  # 0.7435897635


def test_contained():
    # [1,1,2,2] inside [0,0,4,4]: inter 1, union 16, C = 16, centres (1.5,1.5) and (2,2): rho^2 = 0.5, c^2 = 32
    got = losses([1, 1, 2, 2], [0, 0, 4, 4])
    assert got["giou"] == pytest.approx(1 - 1 / (16 + EPS), rel=1e-15)
    assert got["diou"] == pytest.approx(1 - 1 / (16 + EPS) + 0.5 / (32 + EPS), rel=1e-15)


def test_zero_width_box():
    # [1,1,1,3] vs [1,1,2,3]: inter 0, union 2, C = 2, rho^2 = 0.5^2, c^2 = 1 + 4; v = 4/pi^2 atan(1/2)^2
    got = losses([1, 1, 1, 3], [1, 1, 2, 3])
    assert got["giou"] == pytest.approx(1.0, rel=1e-15)
    assert got["diou"] == pytest.approx(1 + 0.25 / (5 + EPS), rel=1e-15)  # 1.05
    v = 4 / math.pi**2 * math.atan(0.5) ** 2
    assert got["ciou"] == pytest.approx(got["diou"] + v / (1 + v + EPS) * v, rel=1e-15)  # 1.0569822199


def test_zero_height_box_follows_torchvision():
    # [1,1,3,1] vs [1,1,3,2]: atan(2/0) = pi/2 (finite in torchvision too); v = 4/pi^2 (atan 2 - pi/2)^2
    got = losses([1, 1, 3, 1], [1, 1, 3, 2])
    v = 4 / math.pi**2 * (math.atan(2.0) - math.pi / 2) ** 2
    assert got["ciou"] == pytest.approx(got["diou"] + v / (1 + v + EPS) * v, rel=1e-14)


def test_point_boxes_ciou_takes_v_zero():
    # torchvision's complete_box_iou_loss gives nan here (atan(0/0)); losscli's documented deviation: v = 0
    got = losses([0, 0, 0, 0], [0, 0, 0, 0])
    assert got == {"iou": 1.0, "giou": 1.0, "diou": 1.0, "ciou": 1.0}
    got = losses([1, 1, 1, 1], [0, 0, 2, 2])
    assert got["ciou"] == got["diou"]


def test_symmetric_and_in_range():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 10, (50, 2))
    a = np.hstack([xy, xy + rng.uniform(0.1, 5, (50, 2))])
    xy = rng.uniform(0, 10, (50, 2))
    b = np.hstack([xy, xy + rng.uniform(0.1, 5, (50, 2))])
    for name in ("iou", "giou", "diou", "ciou"):
        np.testing.assert_allclose(run(name, a, b), run(name, b, a), rtol=1e-15)
    assert ((run("iou", a, b) >= 0) & (run("iou", a, b) <= 1)).all()
    assert ((run("giou", a, b) >= 0) & (run("giou", a, b) < 2)).all()


# ---------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "fmt, pred, target",
    [
        ("xywh", [0, 0, 1, 1], [0.5, 0, 1, 1]),  # = xyxy [0,0,1,1] vs [0.5,0,1.5,1]
        ("cxcywh", [0.5, 0.5, 1, 1], [1, 0.5, 1, 1]),
    ],
)
def test_formats_convert_to_corners_first(fmt, pred, target):
    assert losses(pred, target, fmt) == losses([0, 0, 1, 1], [0.5, 0, 1.5, 1])


# ---------------------------------------------------------------------------- scalar / batched / mismatch


@pytest.mark.parametrize("name", ["iou", "giou", "diou", "ciou"])
class TestTrio:
    def test_scalar(self, name):
        out = run(name, [[0, 0, 1, 1]], [[0.5, 0, 1.5, 1]])
        assert out.shape == (1,) and out.dtype == np.float64

    def test_batched(self, name):
        pred = [[0, 0, 1, 1], [0, 0, 2, 2], [1, 1, 1, 3]]
        target = [[1, 1, 2, 2], [0, 0, 2, 2], [1, 1, 2, 3]]
        rows = [run(name, [p], [t])[0] for p, t in zip(pred, target)]
        np.testing.assert_array_equal(run(name, pred, target), rows)

    def test_shape_mismatch(self, name):
        with pytest.raises(ShapeError, match=r"got \(2, 4\) and \(1, 4\)"):
            run(name, [[0, 0, 1, 1], [0, 0, 1, 1]], [[0, 0, 1, 1]])
        with pytest.raises(ShapeError, match=r"^pred must be boxes of shape \(N, 4\) \(x1, y1, x2, y2\), got shape \(1, 3\) instead$"):
            run(name, [[0, 0, 1]], [[0, 0, 1]])


def test_inverted_boxes_are_errors_naming_the_row():
    with pytest.raises(ValueDomainError) as e:
        run("giou", [[0, 0, 1, 1], [2, 2, 0, 0]], [[0, 0, 1, 1], [0, 0, 2, 2]])
    assert (e.value.row, e.value.role, str(e.value)) == (1, "pred", "pred boxes must have x2 >= x1 and y2 >= y1, got [2, 2, 0, 0] at row 2")
    with pytest.raises(ValueDomainError, match=r"^target boxes must have w >= 0 and h >= 0, got \[0, 0, 1, -0.5\] \(x, y, w, h\) at row 1$"):
        run("iou:fmt=xywh", [[0, 0, 1, 1]], [[0, 0, 1, -0.5]])


def test_fmt_domain_and_preset():
    with pytest.raises(SpecError, match=r"^Parameter 'fmt' of loss 'ciou' must be one of xyxy, xywh, cxcywh, got yxyx\.$"):
        parse_spec("ciou:fmt=yxyx")
    assert presets()["boxes"] == ("iou", "giou", "diou", "ciou")
    assert [b.label for b in parse_spec("@boxes")] == ["iou", "giou", "diou", "ciou"]
    for alias, name in (("box_iou", "iou"), ("generalized_box_iou_loss", "giou"), ("complete_box_iou_loss", "ciou")):
        assert parse_spec(alias)[0].spec.name == name


# ---------------------------------------------------------------------------- CLI



HEADER = ["id", "p_x1", "p_y1", "p_x2", "p_y2", "t_x1", "t_y1", "t_x2", "t_y2"]


def test_cli_four_columns_make_boxes(cli, files):
    files.csv("b.csv", HEADER, [0, 0, 0, 1, 1, 1, 1, 2, 2], [1, 0, 0, 2, 2, 0, 0, 2, 2])
    for sel in (("-p", "p_*", "-y", "t_*"), ("-p", "p_x1,p_y1,p_x2,p_y2", "-y", "t_x1-t_y2")):
        result = cli("eval", "b.csv", "--id-col", "id", *sel, "-l", "@boxes", "-f", "json")
        assert (result.exit_code, result.stderr) == (0, "")
        got = {e["label"]: e["value"] for e in json.loads(result.stdout)["losses"]}
        # row 1 touching corner (giou 1 + 2/(4 + eps)), row 2 identical (1 - 4/(4 + eps))
        assert got["giou"] == pytest.approx((1 + 2 / (4 + EPS) + 1 - 4 / (4 + EPS)) / 2, rel=1e-15)
        assert list(got) == ["iou", "giou", "diou", "ciou"]


def test_cli_npy_boxes(cli, files):
    files.npy("p.npy", np.array([[0.0, 0, 1, 1]]))
    files.npy("t.npy", np.array([[0.5, 0, 1.5, 1]]))
    result = cli("eval", "p.npy", "t.npy", "-l", "iou", "-f", "json")
    assert json.loads(result.stdout)["losses"][0]["value"] == pytest.approx(1 - 0.5 / (1.5 + EPS), rel=1e-15)


def test_cli_inverted_box_row(cli, files):
    files.csv("b.csv", HEADER, [0, 0, 0, 1, 1, 0, 0, 1, 1], [1, 0, 0, 1, 1, 0, 0, 1, 1], [2, 3, 3, 2, 5, 0, 0, 1, 1])
    fails(
        cli("eval", "b.csv", "--id-col", "id", "-p", "p_*", "-y", "t_*", "-l", "giou"),
        3,
        "giou: pred (b.csv columns 'p_x1,p_y1,p_x2,...') boxes must have x2 >= x1 and y2 >= y1, got [3, 3, 2, 5] at row 3",
    )


def test_cli_wrong_column_count(cli, files):
    files.csv("b.csv", HEADER, [0, 0, 0, 1, 1, 0, 0, 1, 1])
    fails(
        cli("eval", "b.csv", "--id-col", "id", "-p", "p_x1,p_y1,p_x2", "-y", "t_*", "-l", "@boxes"),
        3,
        "iou: pred (b.csv columns 'p_x1,p_y1,p_x2') must be boxes of shape (N, 4) (x1, y1, x2, y2), got shape (1, 3) instead",
    )
    fails(
        cli("eval", "b.csv", "--id-col", "id", "-p", "p_*", "-y", "t_x1", "-l", "diou"),
        3,
        "diou: target (b.csv column 't_x1') must be boxes of shape (N, 4) (x1, y1, x2, y2), got shape (1,) instead",
    )
