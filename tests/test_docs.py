"""The docs stay honest: every README example runs, every command has help, the README's loss
table is the registry, and the repository stands alone (no file cites a document it does not
hold)."""

import pathlib
import re
import shlex
import subprocess

import pytest
from typer.testing import CliRunner

from losscli.cli import app
from losscli.losses import FAMILIES, list_losses

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _examples():
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    return [line for b in blocks for line in b.splitlines() if line.startswith("losscli ")]


EXAMPLES = _examples()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """One directory for the whole README: an example may read what an earlier one wrote."""
    path = tmp_path_factory.mktemp("readme")
    (path / "sample_data").symlink_to(ROOT / "sample_data")
    return path


@pytest.mark.parametrize("command", EXAMPLES)
def test_readme_example_runs(command, workdir, monkeypatch):
    monkeypatch.chdir(workdir)  # files an example writes land there
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = CliRunner().invoke(app, shlex.split(command)[1:])
    assert result.exit_code == 0, f"{command}\n{result.stderr}"
    assert result.stdout.strip()
    assert result.stderr == ""


def test_readme_has_examples_and_make_targets():
    assert len(EXAMPLES) >= 8
    assert "make demo" in README and "make test" in README


@pytest.mark.parametrize("command", [c.name for g in app.registered_groups for c in g.typer_instance.registered_commands])
def test_every_command_has_help(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.stdout


def _loss_table() -> dict[str, list[str]]:
    """The README's loss table (section "Losses"): family -> the loss names of its row."""
    section = README.split("\n## Losses\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\w+) \| (`.*`) \|$", section, flags=re.M)
    return {family: re.findall(r"`([^`]+)`", cell) for family, cell in rows}


def test_the_readme_loss_table_is_the_registry():
    """One row per family with exactly its registered losses (``losscli list --family F``), in
    whatever order the row gives them: a loss added, renamed or removed shows up here."""
    table = {family: sorted(names) for family, names in _loss_table().items()}
    registry = {f: sorted(s.name for s in list_losses(family=f)) for f in FAMILIES if list_losses(family=f)}
    assert table == registry


# Design documents kept outside the repository (a product spec, a style guide, notes on the losses'
# references and the directory they live in): a person who clones the repository has none of them,
# so what the code relies on is written here (README.md, ARCHITECTURE.md, docstrings). The pattern
# is assembled from pieces so that this file does not match it.
OUTSIDE = re.compile(rb"\b(?:SPEC|STYLE|LOSSES)\.md\b|" + b"loss" + rb"-semantics|\.\./shared\b|\bshared/reference\b")


def _tracked_files() -> list[pathlib.Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an unpacked archive)
        skip = {".git", ".venv", ".hypothesis", ".pytest_cache", "build", "__pycache__"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_file_cites_a_document_outside_the_repository():
    files = _tracked_files()
    assert any(p.name == "README.md" for p in files) and len(files) > 50
    texts = {p: p.read_bytes() for p in files if p.is_file()}
    found = [
        f"{p.relative_to(ROOT)}:{n}: {line.decode(errors='replace').strip()}"
        for p, data in texts.items() if OUTSIDE.search(data)
        for n, line in enumerate(data.splitlines(), 1) if OUTSIDE.search(line)
    ]
    assert not found, "cites a document that is not in the repository:\n" + "\n".join(found)
