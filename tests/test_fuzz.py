"""Property-based fuzzing: parsers and the whole CLI never fail in any way other
than a ``LossCliError`` (exit 2 or 3 with one ``Error: `` line).

The CLI fuzz draws a command and a random combination of its *real* options (read from the
Typer/click command, so options added later are fuzzed too), with random bytes, half-valid
tables and arrays as input files and stdin. Properties checked on every run:

- the exit code is 0, 1, 2 or 3: never 4 (an internal error), never an uncaught exception;
- no traceback; on failure stderr is exactly one ``Error: `` line (or usage help on stdout);
- after a failure none of the requested output files exists and no temporary file is left;
  after a success each requested output exists.

Example counts come from the hypothesis profile (tests/conftest.py): "ci" by default, "long"
under ``make fuzz``.
"""

from __future__ import annotations

import bz2
import collections
import gzip
import io
import json
import math
import os
import pathlib
import tempfile

import numpy as np
import pytest
import typer.main
from hypothesis import example, given, strategies as st
from typer.testing import CliRunner

from losscli.cli import app
from losscli.errors import LossCliError
from losscli.losses import list_losses, parse_spec

SPECS = list_losses()
NAMES = [s.name for s in SPECS] + [a for s in SPECS for a in s.aliases]
PARAMS = sorted({p.name for s in SPECS for p in s.params})
VALUES = ["0", "1", "0.5", "-1", "2", "1;2;3", "1;", ";", "true", "false", "none", "abc", "1e400", "nan", "-inf", "", " ", "=", "1e-320", "logits", "probs", "mean"]


# ---------------------------------------------------------------------------- strategies

def _spec_text():
    param = st.tuples(st.sampled_from(PARAMS + ["bogus"]), st.sampled_from(VALUES)).map(lambda kv: "=".join(kv))
    params = st.lists(param, max_size=3).map(",".join)
    named = st.tuples(st.sampled_from(NAMES + ["nope", "MSE", "@regression", "@boxes", "@nope", ""]), params).map(
        lambda t: f"{t[0]}:{t[1]}" if t[1] else t[0]
    )
    combo = st.tuples(st.sampled_from(["total", "t", "1x"]), st.lists(
        st.tuples(st.sampled_from(["0.5", "1", "-2", "1e400", "", "x"]), named), min_size=1, max_size=3
    )).map(lambda t: t[0] + "=" + "+".join(f"{c}*{s}" if c else s for c, s in t[1]))
    return st.one_of(named, combo, st.text(max_size=30))


SPEC_TEXT = _spec_text()
LABELS = st.sampled_from(["mse", "mae", "MSE", "huber:delta=0.5", "ce", "total", "nope", "total[0]", ""])
GATE_TEXT = st.one_of(
    st.tuples(
        LABELS,
        st.sampled_from(["<", "<=", ">", ">=", "=<", "==", "!=", "=", "<<", " <= ", ""]),
        st.sampled_from(["0.5", "1e400", "nan", "base", "base*1.02", "base+", "base-0.1", "BASE * 2", "-1", "x", "", "1e-5"]),
    ).map("".join),
    st.text(alphabet="msehubr:=.,<>!=+-*0123456789e base", max_size=30),
    st.text(max_size=30),
)
COLUMNS = ["pred", "target", "label", "w", "id", "logit_0", "logit_1", "prob", "x1", "x2", "y", "var", "g"]
SELECTORS = st.one_of(
    st.sampled_from(COLUMNS + ["1", "2", "0", "-1", "1-2", "2-1", "1-99", "logit_*", "p*", "x1,x2", "pred,pred", "", " ", ",", "a-", "-"]),
    st.text(alphabet="prdetag_*0123456789-,[]? ", max_size=12),
)
CELLS = ["0", "1", "0.5", "-1", "2", "nan", "NaN", "", "inf", "-inf", "1e308", "1e400", "abc", '"1"', '"a,b"', "-100", "1e-320", "true", " 3 "]


@st.composite
def csv_text(draw) -> bytes:
    cols = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=5))
    width = len(cols)
    rows = draw(st.lists(st.lists(st.sampled_from(CELLS), min_size=max(0, width - 1), max_size=width + 1), max_size=6))
    sep = draw(st.sampled_from([",", ",", ",", ";", "\t", " "]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = ([] if draw(st.booleans()) and rows else [sep.join(cols)]) + [sep.join(r) for r in rows]
    text = eol.join(lines) + (eol if draw(st.booleans()) else "")
    bom = b"\xef\xbb\xbf" if draw(st.integers(0, 9)) == 0 else b""
    return bom + text.encode()


DTYPES = ["<f8", "<f4", "<f2", ">f8", "<i8", "<i4", "|u1", "|b1", "<c16", "<U2", "|S1", "<M8[D]"]


@st.composite
def npy_bytes(draw) -> bytes:
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = tuple(draw(st.lists(st.integers(0, 5), max_size=3)))
    n = int(np.prod(shape)) if shape else 1
    raw = draw(st.lists(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, 1e308, float("nan"), float("inf"), -100.0, 3.0]), min_size=n, max_size=n))
    with np.errstate(all="ignore"):
        arr = np.array(raw).reshape(shape)
        arr = arr.astype(dtype) if dtype.kind not in "USM" else np.zeros(shape, dtype=dtype)
    buf = io.BytesIO()
    np.save(buf, arr)
    data = buf.getvalue()
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return data if cut is None else data[:cut] + draw(st.binary(max_size=8))


@st.composite
def npz_bytes(draw) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for key in draw(st.lists(st.sampled_from(["pred", "target", "a", "label"]), max_size=3, unique=True)):
            member = draw(st.one_of(npy_bytes(), st.binary(max_size=30)))
            zf.writestr(key + draw(st.sampled_from([".npy", ".npy", ""])), member)
    data = buf.getvalue()
    return data if draw(st.integers(0, 4)) else data[: draw(st.integers(0, len(data)))]


@st.composite
def report_json(draw) -> bytes:
    value = st.one_of(st.none(), st.floats(allow_nan=True), st.sampled_from(["inf", "nan", "x"]), st.integers(-3, 3))
    loss = st.fixed_dictionaries({"label": st.sampled_from(["mse", "mae", "ce", "total"]), "value": value},
                                 optional={"terms": st.lists(st.fixed_dictionaries({"label": st.just("total[0]"), "value": value}), max_size=2)})
    report = st.fixed_dictionaries({"schema": st.sampled_from(["losscli.report/1", "other"])}, optional={"losses": st.lists(loss, max_size=3)})
    return json.dumps(draw(st.one_of(report, st.lists(st.integers(), max_size=2), st.text(max_size=5)))).encode()


FILES = {
    "in.csv": st.one_of(csv_text(), st.binary(max_size=60)),
    "t.csv": csv_text(),
    "in.tsv": st.one_of(csv_text(), st.binary(max_size=40)),
    "in.txt": csv_text(),
    "in.jsonl": st.one_of(st.binary(max_size=40), st.just(b'{"pred": 1, "target": 2}\n{"pred": 0.5}\n')),
    "in.npy": npy_bytes(),
    "t.npy": npy_bytes(),
    "in.npz": npz_bytes(),
    "in.csv.gz": csv_text().map(gzip.compress) | st.binary(max_size=30),
    "in.npy.bz2": npy_bytes().map(bz2.compress),
    "base.json": report_json(),
    "cfg.toml": st.sampled_from([b"", b"[tool.losscli]\nlosses = ['mse']\n", b"losses = 3\n", b"[tool.losscli]\nformat = 'nope'\n", b"\xff"]),
}
INPUT_PATHS = list(FILES) + ["-", "-:npy", "missing.csv", "in.npy:csv", "*.npy", "sub", "in.npz:pred", "in.npz:nope", "in.csv:npy", "in.bin"]
OUTPUT_PATHS = ["out.json", "out.csv", "out.md", "out.txt", "out.jsonl", "out.xyz", "ps.csv", "ps.npy", "ps.tsv", "ps.jsonl",
                "ps.parquet", "sub/x.json", "nodir/x.json", "in.npy/x.json", "sub", "fig.png", "state.json"]
OUTPUT_OPTIONS = {"output", "report", "per_sample", "plot", "emit_state"}
ROLES = ["pred", "target", "var", "anchor", "positive", "negative", "x1", "x2", "y", "z_i", "z_j", "real", "fake", "same", "nope", ""]
SKIP_OPTIONS = {"engine", "scheduler", "install_completion", "show_completion", "help", "version"}  # network / cluster / shell


def _value(draw, param) -> str:
    """A value for ``param`` by its click type and, for strings, its name."""
    name, typ = param.name, param.type
    kind = type(typ).__name__
    rarely = draw(st.integers(0, 9)) == 0  # one value in ten is out of the option's domain
    if hasattr(typ, "choices"):
        return draw(st.sampled_from(["", "nope"] if rarely else list(typ.choices)))
    if kind in ("IntRange", "IntParamType"):
        return str(draw(st.integers(-2, 40) if rarely else st.integers(1, 12)))
    if kind in ("FloatRange", "FloatParamType"):
        return draw(st.sampled_from(["0", "1", "-1", "nan", "1e400", "x"] if rarely else ["0.05", "0.95", "0.5", "0.9"]))
    if name == "loss":
        return draw(SPEC_TEXT)
    if name == "fail_if":
        return draw(GATE_TEXT)
    if name in OUTPUT_OPTIONS:
        return draw(st.sampled_from(OUTPUT_PATHS))
    if name in ("input", "role_inputs"):
        role, path, sel = draw(st.sampled_from(ROLES)), draw(st.sampled_from(INPUT_PATHS)), draw(st.sampled_from(["", ":pred", ":1", ":csv", ":x"]))
        return f"{role}={path}{sel}"
    if name in ("col", "role_cols"):
        return f"{draw(st.sampled_from(ROLES))}={draw(SELECTORS)}"
    if name == "config":
        return draw(st.sampled_from(INPUT_PATHS) if rarely else st.just("cfg.toml"))
    if name in ("baseline", "target") and param.param_type_name == "option":
        return draw(st.sampled_from(INPUT_PATHS) if rarely else st.sampled_from(["base.json", "in.npy", "in.csv", "t.npy"]))
    if name.endswith("_col") or name in ("group_by", "pred_key", "target_key", "family", "pattern"):
        return draw(SELECTORS)
    if name == "delimiter":
        return draw(st.sampled_from([",", ";", "\t", " ", "", "ab", "\\s+", "|"]))
    return draw(st.text(max_size=8) if rarely else st.sampled_from(INPUT_PATHS + COLUMNS))


COMMANDS = typer.main.get_command(app).commands


@st.composite
def command_line(draw) -> tuple[list[str], list[str]]:
    """(argv, output paths it requests) for a random command and a random set of its options."""
    name = draw(st.sampled_from(sorted(COMMANDS) + ["eval"] * 6))  # mostly eval, the main command
    cmd = COMMANDS[name]
    argv: list[str] = [name]
    outputs: list[str] = []
    for param in cmd.params:
        if param.param_type_name == "argument":
            count = (param.nargs if param.nargs > 0 else draw(st.integers(0, 3))) if draw(st.integers(0, 5)) else 0
            argv += [draw(st.sampled_from(INPUT_PATHS)) for _ in range(count)]
            continue
        if param.name in SKIP_OPTIONS or draw(st.integers(0, max(4, len(cmd.params) // 3))):
            continue  # a few options per command line: most combinations then get past usage checks
        flag = draw(st.sampled_from(param.opts))
        if param.is_flag:
            argv.append(flag)
            continue
        for _ in range(draw(st.integers(1, 3)) if param.multiple else 1):
            value = _value(draw, param)
            argv += [flag, value]
            if param.name in OUTPUT_OPTIONS:
                outputs.append(value)
    if name == "eval" and "-l" not in argv and "--loss" not in argv and draw(st.integers(0, 3)):
        argv += ["-l", draw(st.sampled_from(["mse", "mae", "ce", "bce", "iou", "@regression", "dice"]))]
    if draw(st.integers(0, 9)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(st.sampled_from(["-v", "--", "--nope", "-x", "--help"])))
    return argv, outputs


# ---------------------------------------------------------------------------- parsers


@given(SPEC_TEXT)
@example("mse:")  # a trailing ':' with no parameter
@example("total=0.5*mse+0.5*")
@example("ce:weight=1;;2")
def test_spec_parser_raises_only_losscli_errors(text):
    try:
        parsed = parse_spec(text)
    except LossCliError:
        return
    assert parsed and all(hasattr(b, "label") for b in parsed)


@given(GATE_TEXT, st.lists(LABELS, max_size=3))
@example("mse<=0.5", ["mse"])
@example("huber:delta=0.5<=3", ["huber:delta=0.5"])
def test_gate_parser_raises_only_losscli_errors(text, labels):
    gates = pytest.importorskip("losscli.gates")
    try:
        gate = gates.parse_gate(text)
        gates.match_labels([gate], [x for x in labels if x])
    except LossCliError:
        return
    assert gate.op in ("<", "<=", ">", ">=")


@given(st.lists(st.sampled_from(COLUMNS), max_size=5, unique=True), SELECTORS)
def test_column_selection_raises_only_losscli_errors(columns, sel):
    from losscli.readers import columns as cols

    try:
        positions = cols.select(columns, sel, "t.csv")
    except LossCliError:
        return
    assert all(0 <= p < len(columns) for p in positions)


# ---------------------------------------------------------------------------- the CLI end to end

def check_run(files: dict[str, bytes], stdin: bytes, argv: list[str], outputs: list[str]) -> int:
    """Run ``losscli ARGV`` in a fresh directory holding ``files``; check the failure contract.

    Returns the exit code (the fuzz tests tally them)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        for name, content in files.items():
            (root / name).write_bytes(content)
        (root / "sub").mkdir()
        before = {p.name for p in root.iterdir()}
        old = os.getcwd()
        os.chdir(root)
        try:
            env = {"LOSSCLI_FORMAT": None, "NO_COLOR": "1", "COLUMNS": "120", "GITHUB_STEP_SUMMARY": str(root / "summary.md"), "GITHUB_ACTIONS": None}
            result = CliRunner().invoke(app, argv, input=stdin, env=env)
        finally:
            os.chdir(old)
        after = {p.name for p in root.iterdir()}
        sub_after = {p.name for p in (root / "sub").iterdir()} if (root / "sub").is_dir() else set()
        written = {o: (root / o).read_bytes() if (root / o).is_file() else b"" for o in outputs if o not in before and (root / o).exists()}
    code = result.exit_code
    context = f"argv={argv!r}\nstdout={result.stdout[-500:]!r}\nstderr={result.stderr!r}"
    assert result.exception is None or isinstance(result.exception, SystemExit), context
    assert code in (0, 1, 2, 3), context
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, context
    assert not any(n.startswith(".losscli-") for n in after | sub_after), context
    if code in (2, 3):
        if result.stderr:
            lines = result.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: "), context
        else:
            assert "Usage:" in result.stdout, context  # a bare command prints its help
        assert all(_is_error_report(b) for b in written.values()), context  # no output but the --report of the error
    elif argv[0] == "eval" and "--help" not in argv and "--" not in argv:
        assert set(written) == {o for o in outputs if o not in before}, context
    return code


def _is_error_report(data: bytes) -> bool:
    try:
        report = json.loads(data)
    except ValueError:
        return False
    return isinstance(report, dict) and report.get("status") == "error" and "message" in report.get("error", {})


REQUIRED = ("in.csv", "in.npy", "t.npy")
ALL_FILES = st.fixed_dictionaries({k: FILES[k] for k in REQUIRED}, optional={k: v for k, v in FILES.items() if k not in REQUIRED})
STDIN = st.one_of(csv_text(), npy_bytes(), st.binary(max_size=40))


def test_cli_never_crashes_and_never_leaves_partial_files():
    codes: collections.Counter[int] = collections.Counter()

    @given(files=ALL_FILES, stdin=STDIN, line=command_line())
    @example(files={"in.csv": b"pred,target\n1,2\n"}, stdin=b"", line=(["eval", "in.csv", "-l", "mse", "-o", "out.json", "--report", "r.json"], ["out.json", "r.json"]))
    @example(files={"in.npy": b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000,), }" + b" " * 43 + b"\n"},
             stdin=b"", line=(["eval", "in.npy", "in.npy", "-l", "mse"], []))
    @example(files={}, stdin=b"", line=(["eval", "a\x0cb.csv", "-l", "mse"], []))  # found: a form feed split the error line
    def run(files, stdin, line):
        codes[check_run(files, stdin, *line)] += 1

    run()
    print(f"\nCLI fuzz (any command): {codes.total()} command lines, exit codes {dict(sorted(codes.items()))}")
    assert len(codes) > 1, codes  # the generated command lines reach more than one outcome


# Mostly-valid evaluations: real inputs, real losses and a few output and statistics options, so
# that the fuzz gets past the usage checks into the readers, the engine and the writers.
EVAL_OPTIONS = {opt for p in COMMANDS["eval"].params for opt in p.opts}
GOOD_SPECS = ["mse", "mae", "huber:delta=0.5", "rmse", "log_cosh", "@regression", "bce", "ce", "iou", "dice", "hinge",
              "total=0.5*mse+0.5*mae", "pinball:alpha=0.9", "poisson_nll", "smooth_l1:beta=0.5"]
NUMERIC_CELLS = ["0", "1", "0.5", "-1", "2", "3.25", "1e-3", "0", "1", "nan", "", "inf", "1e308", "abc"]


@st.composite
def numeric_csv(draw) -> bytes:
    cols = draw(st.sampled_from([["pred", "target"], ["pred", "target", "w"], ["id", "pred", "target", "g"],
                                 ["logit_0", "logit_1", "label"], ["prob", "label"], ["pred", "target", "w", "id", "g"]]))
    n = draw(st.integers(0, 8))
    rare = st.sampled_from(NUMERIC_CELLS)
    common = st.sampled_from(["0", "1", "0.5", "2", "0.25", "1.5"])
    rows = [[draw(rare if draw(st.integers(0, 15)) == 0 else common) for _ in cols] for _ in range(n)]
    if rows and draw(st.integers(0, 9)) == 0:
        rows[draw(st.integers(0, n - 1))].pop()  # a short row
    return ("\n".join([",".join(cols)] + [",".join(r) for r in rows]) + "\n").encode()


@st.composite
def numeric_npy(draw, n: int) -> bytes:
    dtype = draw(st.sampled_from(["<f8", "<f4", "<f2", "<i8", "|b1"]))
    common = st.sampled_from([0.0, 1.0, 0.5, 2.0, 0.25])
    rare = st.sampled_from([-1.0, float("nan"), 1e300])
    values = [draw(rare if draw(st.integers(0, 15)) == 0 else common) for _ in range(n)]
    buf = io.BytesIO()
    with np.errstate(all="ignore"):
        np.save(buf, np.array(values).astype(dtype))
    return buf.getvalue()


@st.composite
def eval_line(draw) -> tuple[list[str], list[str]]:
    inputs = draw(st.sampled_from([["in.csv"], ["in.csv"], ["-"], ["in.npy", "t.npy"], ["in.npy", "t.npy"], ["in.npy", "in.csv"], ["in.csv.gz"]]))
    argv = ["eval", *inputs]
    for spec in draw(st.lists(st.sampled_from(GOOD_SPECS), min_size=1, max_size=3)):
        argv += ["-l", spec]
    outputs: list[str] = []
    choices = [
        ["-p", "pred", "-y", "target"], ["-w", "w"], ["--id-col", "id"], ["-g", "g"], ["--nan-policy", "omit"],
        ["--nan-policy", "propagate"], ["--reduction", "sum"], ["--reduction", "none"], ["-b"], ["-f", "csv"], ["-f", "md"],
        ["-f", "jsonl"], ["-f", "table"], ["--precision", "3"], ["--ci", "analytic"], ["--ci", "bootstrap", "--n-boot", "20"],
        ["--top-k", "2"], ["--fail-if", "mse<=1"], ["--gate-mode", "warn", "--fail-if", "mse<0.1"], ["--chunk-rows", "2"],
        ["--chunk-rows", "3"], ["--no-hash"], ["--hist"], ["-o", "out.json"], ["-o", "out.csv"], ["--report", "r.json"],
        ["--per-sample", "ps.csv"], ["--per-sample", "ps.npy"], ["--per-sample", "ps.jsonl"], ["--emit-state", "state.json"],
    ]
    for extra in draw(st.lists(st.sampled_from(choices), max_size=5, unique_by=lambda e: e[0])):  # a repeated option: the last wins
        if extra[0] not in EVAL_OPTIONS:
            continue  # an option this version does not have
        argv += extra
        if extra[0] in ("-o", "--report", "--per-sample", "--emit-state"):
            outputs.append(extra[1])
    return argv, outputs


@st.composite
def eval_files(draw) -> dict[str, bytes]:
    n = draw(st.integers(1, 8))
    m = n if draw(st.integers(0, 9)) else draw(st.integers(1, 8))  # one pair in ten has different lengths
    return {"in.csv": draw(numeric_csv()), "in.npy": draw(numeric_npy(n)), "t.npy": draw(numeric_npy(m)),
            "in.csv.gz": gzip.compress(draw(numeric_csv()))}


def test_mostly_valid_evaluations_never_crash():
    codes: collections.Counter[int] = collections.Counter()

    @given(files=eval_files(), stdin=numeric_csv(), line=eval_line())
    @example(files={"in.csv": b"pred,target,w\n0,0,0\n0,0,0\n0,0,1e308\n"}, stdin=b"",  # found: OverflowError in (Σw)**2
             line=(["eval", "in.csv", "-l", "mse", "-p", "pred", "-y", "target", "-w", "w", "--ci", "analytic"], []))
    def run(files, stdin, line):
        codes[check_run(files, stdin, *line)] += 1

    run()
    print(f"\nCLI fuzz (eval): {codes.total()} command lines, exit codes {dict(sorted(codes.items()))}")
    # mostly valid: some evaluations succeed, and the rare bad cells and flags make others fail
    assert codes[0] > 0 and len(codes) > 1, codes


# ---------------------------------------------------------------------------- compiled kernels

FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 5e-324, 1e-308, 1e154, 1.7976931348623157e308, 0.5, 1.0]))


@given(
    st.integers(0, 70).flatmap(lambda n: st.tuples(st.lists(FLOATS, min_size=n, max_size=n), st.lists(FLOATS, min_size=n, max_size=n))),
    st.sampled_from([("mse", {}), ("mae", {}), ("huber", {"delta": 1.0}), ("huber", {"delta": 1e-300}), ("smooth_l1", {"beta": 0.0}), ("smooth_l1", {"beta": 0.7})]),
)
def test_compiled_kernels_give_the_definitions_values(rows, loss):
    """losscli._kernels on any float64 input, specials included: every value bit for bit the
    numpy definition's (NaN where it has NaN) on every vector width this CPU has; a NaN/inf value
    makes the sum non-finite (the engine then takes the exact path)."""
    from losscli import _kernels
    from losscli.engine import blocked as _blocked
    from losscli.losses import parse_spec

    name, params = loss
    bound = parse_spec(name)[0].spec.bind(params)
    kind, param = _blocked.kernel(bound)
    p, t = (np.array(r, dtype=np.float64) for r in rows)
    with np.errstate(all="ignore"):
        want = bound(p, t)
    for width in [w for w in (2, 4, 8) if w <= _kernels.WIDTH]:
        got = np.empty(len(p))
        s = _kernels.fold(kind, param, p, t, got, width)[0]
        assert np.array_equal(np.isnan(got), np.isnan(want))
        ok = ~np.isnan(want)
        assert got[ok].tobytes() == want[ok].tobytes()
        if not np.isfinite(want).all():
            assert not math.isfinite(s)
