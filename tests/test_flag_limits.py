"""Flag values at the edges are usage errors (exit 2, one line), never a crash (exit 4): a
bootstrap larger than memory, a confidence level whose quantile rounds to 1, a row offset beyond
exact float64 integers; and a stdout that cannot encode the output's symbols (``PYTHONIOENCODING
=ascii``) gets ASCII look-alikes instead of a UnicodeEncodeError."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from losscli import analysis, config

from conftest import fails


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--ci", "bootstrap", "--n-boot", "1000000000000"], "--n-boot must be an integer from 1 to 100,000, got 1000000000000."),
        (["--ci", "bootstrap", "--n-boot", "100001"], "--n-boot must be an integer from 1 to 100,000, got 100001."),
        # (1 + 0.9999999999999999) / 2 rounds to 1.0: the t quantile would be infinite
        (
            ["--ci", "analytic", "--ci-level", "0.9999999999999999"],
            "--ci-level 0.9999999999999999 is too close to 1: the quantile (1 + level) / 2 rounds to 1.0; use e.g. 0.95 (at most 0.9999999999999998).",
        ),
        # (1 + 1e-300) / 2 rounds to 0.5: a zero-width interval
        (
            ["--ci", "bootstrap", "--ci-level", "1e-300"],
            "--ci-level 1e-300 is too close to 0: the quantile (1 + level) / 2 rounds to 0.5; use e.g. 0.95 (at most 0.9999999999999998).",
        ),
        (["--ci", "bootstrap", "--row-offset", "100000000000000000000000"], "--row-offset must be an integer from 0 to 2**53 - 1 (9007199254740991), got 100000000000000000000000."),
        (["--row-offset", "9007199254740992"], "--row-offset must be an integer from 0 to 2**53 - 1 (9007199254740991), got 9007199254740992."),
        (["--row-offset", "1e23"], "Invalid value for '--row-offset': '1e23' is not a valid int range."),
    ],
)
def test_out_of_range_statistics_flags_are_usage_errors(cli, files, flags, message):
    files.xy_csv()
    fails(cli("eval", "xy.csv", "-l", "mse", *flags), 2, message)


def test_edges_that_are_allowed_still_work(cli, files):
    files.xy_csv()
    r = cli("eval", "xy.csv", "-l", "mse", "-f", "json", "--ci", "analytic", "--ci-level", "0.9999999999999998")
    assert r.exit_code == 0, r.stderr
    r = cli("eval", "xy.csv", "-l", "mse", "-b", "--ci", "bootstrap", "--n-boot", "5", "--row-offset", str(2**53 - 1))
    assert (r.exit_code, r.stdout) == (0, "3.375\n"), r.stderr  # mse of the running example (conftest: 13.5 / 4)


def test_the_config_file_limit_of_n_boot_is_the_flags():
    assert config.KEYS["n_boot"][3] == (1, analysis.MAX_N_BOOT)


def _ascii_run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "xy.csv").write_text("pred,target\n0.5,0\n-1,1\n2,2.5\n3,0\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOSSCLI_")}
    env.update(PYTHONIOENCODING="ascii", COLUMNS="120")
    return subprocess.run([sys.executable, "-m", "losscli", "eval", "xy.csv", *args], cwd=tmp_path, env=env, capture_output=True, timeout=60)


@pytest.mark.parametrize("fmt", ["table", "md"])
def test_an_ascii_stdout_gets_ascii_symbols_not_a_crash(tmp_path, fmt):
    p = _ascii_run(tmp_path, "-l", "mse", "-l", "total=0.5*mse+mae", "-f", fmt, "--fail-if", "mse<=3", "--hist")
    # exit 1: the gate fails (mse = 13.5 / 4 = 3.375 > 3); not 4
    assert p.returncode == 1 and "Gate failed: mse<=3: mse is 3.375, threshold 3.0" in p.stderr.decode("ascii").splitlines()
    out = p.stdout.decode("ascii")  # every byte is ASCII
    assert "mse` v" in out if fmt == "md" else "mse v" in out
    assert "0.5 x mse" in out and "\\u" not in out
