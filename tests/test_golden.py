"""Every golden case, through the CLI: inputs written to files, `losscli eval ... -f json
--per-sample`, compared with the reference's values (tests/golden/*.json, made by the
tests/golden/golden_*.py scripts with torch / torchvision / scikit-learn; see their README).

float64 cases must agree to rtol 1e-12, float32 cases to 1e-6.
"""

import json
import pathlib

import numpy as np
import pytest
from typer.testing import CliRunner

from losscli.cli import app
from losscli.losses import parse_spec

GOLDEN = pathlib.Path(__file__).parent / "golden"


def _cases():
    out = []
    for path in sorted(GOLDEN.glob("*.json")):
        doc = json.loads(path.read_text())
        for case in doc["cases"]:
            out.append(pytest.param(path, case, id=f"{path.stem}:{case['id']}"))
    return out


CASES = _cases()


def _inputs(path: pathlib.Path, case: dict) -> dict[str, np.ndarray]:
    dtype = np.float32 if case.get("dtype") == "float32" else np.float64
    if "inputs_npz" in case:
        with np.load(path.parent / case["inputs_npz"], allow_pickle=False) as z:
            prefix = case["id"] + "__"
            return {k[len(prefix) :]: z[k] for k in z.files if k.startswith(prefix)}
    out = {}
    for role, values in case["inputs"].items():
        a = np.asarray(values)
        out[role] = a.astype(dtype) if a.dtype.kind == "f" else a
    return out


def _csv(path: pathlib.Path, arrays: list[tuple[str, np.ndarray]], weights) -> list[str]:
    """One table holding every role (and the weights); returns the -p/-y/--col selections."""
    header, cols, sels = [], [], []
    for role, a in arrays:
        a2 = a.reshape(len(a), -1)
        names = [f"{role}_{j}" for j in range(a2.shape[1])] if a.ndim > 1 else [role]
        header += names
        cols += [a2[:, j] for j in range(a2.shape[1])]
        sels.append(",".join(names))
    header.append("w")
    cols.append(np.asarray(weights, dtype=np.float64))
    lines = [",".join(header)]
    for row in zip(*cols):
        lines.append(",".join(repr(v.item()) for v in row))
    path.write_text("\n".join(lines) + "\n")
    return sels


@pytest.mark.parametrize("path, case", CASES)
def test_golden_case_through_the_cli(path, case, tmp_path):
    (bound,) = parse_spec(case["spec"])
    arrays = _inputs(path, case)
    roles = [r.name for r in bound.spec.roles]
    ordered = [(r, arrays[r]) for r in roles if r in arrays]
    per_sample = tmp_path / "ps.npy"
    if case.get("weights") is not None:
        sels = _csv(tmp_path / "in.csv", ordered, case["weights"])
        args = ["eval", str(tmp_path / "in.csv"), "-w", "w"]
        args += ["-p", sels[0], "-y", sels[1]] + [x for r, s in zip(roles[2:], sels[2:]) for x in ("--col", f"{r}={s}")]
    else:
        files = []
        for role, a in ordered:
            np.save(tmp_path / f"{role}.npy", a)
            files.append(str(tmp_path / f"{role}.npy"))
        args = ["eval", *files[:2]] if len(files) <= 2 else ["eval"] + [
            x for (r, _), f in zip(ordered, files) for x in ("--input", f"{r}={f}")
        ]
    metric = bound.spec.statistic is not None  # a metric without per-sample values: its value (and details) only
    args += ["-l", case["spec"], "-f", "json", "--no-hash"] + ([] if metric else ["--per-sample", str(per_sample)])
    args += case.get("args", [])  # options the case needs (e.g. --classes)
    args += ["--reduction", case["reduction"]] if "reduction" in case else []  # a headline other than the mean
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    entry = json.loads(result.stdout)["losses"][0]
    rtol = 1e-6 if case.get("dtype") == "float32" else 1e-12
    if case.get("per_sample") is not None:  # some references give only the reduced value
        got = np.load(per_sample)
        np.testing.assert_allclose(got, np.asarray(case["per_sample"], dtype=np.float64), rtol=rtol, atol=0)
    assert entry["value"] == (None if case["value"] is None else pytest.approx(case["value"], rel=rtol, abs=0))
    if metric:
        assert entry["per_sample"] is False and entry["mean"] is None
        _assert_details(entry.get("details"), case.get("details"), rtol)
    elif case.get("weights") is None and "reduction" not in case:
        if "mean" in case:  # the reference's mean: the headline (class-weighted losses name their per-sample mean apart)
            mean = entry["value"] if entry.get("per_sample", "").endswith(".class_weighted") else entry["mean"]
            assert mean == pytest.approx(case["mean"], rel=rtol, abs=0)
        if "sum" in case:
            assert entry["sum"] == pytest.approx(case["sum"], rel=rtol, abs=1e-300)


def test_every_registered_loss_has_a_golden_case():
    """Read from every tests/golden/*.json as it is (a new file, or new cases in one, count at
    once): a case covers each loss its spec names (a combination: each of its terms)."""
    from losscli.losses import list_losses

    covered = {part.spec.name for c in CASES for b in parse_spec(c.values[1]["spec"]) for part in b.parts}
    missing = [s.name for s in list_losses() if s.name not in covered]
    assert not missing, f"losses without a golden case in tests/golden/*.json: {missing}"


def _assert_details(got, expected, rtol: float) -> None:
    """The report's ``details`` against the reference's: every expected key, numbers at ``rtol``."""
    if expected is None:
        return
    assert got is not None, "the report has no details"
    for key, value in expected.items():
        if isinstance(value, (list, float, int)) and not isinstance(value, bool):
            np.testing.assert_allclose(np.asarray(got[key], dtype=np.float64), np.asarray(value, dtype=np.float64), rtol=rtol, atol=0)
        else:
            assert got[key] == value, key
