"""Configuration files: ``[tool.losscli]`` in ``./pyproject.toml`` or ``--config FILE`` (TOML).

Precedence: command-line flags > ``LOSSCLI_*`` environment variables > the config
file > built-in defaults. This module reads and validates the file; ``losscli.cli._config``
feeds it to the commands (as click's ``default_map``, which sits exactly between the environment
and the defaults) and echoes the effective configuration into ``report.config``.

``--config FILE`` reads FILE's ``[tool.losscli]`` table when it has one (a pyproject.toml),
else the whole document. Without ``--config``, ``./pyproject.toml`` is read when it has a
``[tool.losscli]`` table; ``--no-config`` (or ``LOSSCLI_NO_CONFIG=1``) skips both. Every key is a
long flag name with ``_`` for ``-``; repeatable flags take a list. An unknown key, a value of the
wrong type, or a file that cannot be read or parsed is a usage error (exit 2) naming the key and
the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from losscli.errors import UsageError

PYPROJECT = "pyproject.toml"

# key -> (parameter name in the commands, environment variable, kind, allowed values or range)
KEYS: dict[str, tuple[str, str | None, str, Any]] = {
    "losses": ("loss", "LOSSCLI_LOSSES", "list", None),
    "fail_if": ("fail_if", "LOSSCLI_FAIL_IF", "list", None),
    "gate_mode": ("gate_mode", "LOSSCLI_GATE_MODE", "choice", ("fail", "warn")),
    "alpha": ("alpha", "LOSSCLI_ALPHA", "float", (0.0, 1.0)),
    "format": ("fmt", "LOSSCLI_FORMAT", "choice", ("auto", "table", "json", "jsonl", "csv", "md")),
    "precision": ("precision", "LOSSCLI_PRECISION", "int", (1, 17)),
    "reduction": ("reduction", "LOSSCLI_REDUCTION", "choice", ("mean", "sum", "sum_elements", "none")),
    "nan_policy": ("nan_policy", "LOSSCLI_NAN_POLICY", "choice", ("error", "omit", "propagate")),
    "seed": ("seed", "LOSSCLI_SEED", "int", (0, 2**63 - 1)),
    "ci": ("ci", "LOSSCLI_CI", "choice", ("analytic", "bootstrap")),
    "ci_level": ("ci_level", "LOSSCLI_CI_LEVEL", "float", (0.0, 1.0)),
    "n_boot": ("n_boot", "LOSSCLI_N_BOOT", "int", (1, 100_000)),  # = analysis.MAX_N_BOOT (a test keeps them equal)
    "group_by": ("group_by", "LOSSCLI_GROUP_BY", "str", None),
    "top_k": ("top_k", "LOSSCLI_TOP_K", "int", (0, 10**6)),
    "pred_col": ("pred_col", "LOSSCLI_PRED_COL", "str", None),
    "target_col": ("target_col", "LOSSCLI_TARGET_COL", "str", None),
    "weight_col": ("weight_col", "LOSSCLI_WEIGHT_COL", "str", None),
    "id_col": ("id_col", "LOSSCLI_ID_COL", "str", None),
    "align": ("align", "LOSSCLI_ALIGN", "choice", ("position", "join")),
    "missing": ("missing", "LOSSCLI_MISSING", "choice", ("error", "omit")),
}


@dataclass
class FileConfig:
    """The validated keys of a config file (empty when there is none) and where they came from."""

    path: str | None = None
    section: str | None = None  # "[tool.losscli]" or None for a whole-file config
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.section} of {self.path}" if self.section else str(self.path)


def load(path: str | None = None, *, use_pyproject: bool = True) -> FileConfig:
    """Read ``path`` (``--config``), else ``./pyproject.toml`` when it has ``[tool.losscli]``."""
    if path is not None:
        doc = _read(path)
        table = doc.get("tool", {}).get("losscli") if isinstance(doc.get("tool"), dict) else None
        if table is not None:
            return _validate(table, FileConfig(path, "[tool.losscli]"))
        return _validate(doc, FileConfig(path))
    if use_pyproject and os.path.isfile(PYPROJECT):
        doc = _read(PYPROJECT)
        tool = doc.get("tool")
        table = tool.get("losscli") if isinstance(tool, dict) else None
        if table is not None:
            return _validate(table, FileConfig(PYPROJECT, "[tool.losscli]"))
    return FileConfig()


def _read(path: str) -> dict[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"Config file not found: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"Config file {path} is a directory.") from None
    except OSError as e:
        raise UsageError(f"Cannot read config file {path}: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"Config file {path} is not valid TOML: {e}") from None
    except ValueError as e:  # a path with a NUL byte
        raise UsageError(f"Cannot read config file {path!r}: {e}") from None


def _validate(table: Any, cfg: FileConfig) -> FileConfig:
    if not isinstance(table, dict):
        raise UsageError(f"{cfg.where} must be a table of settings.")
    for key, value in table.items():
        if key not in KEYS:
            import difflib

            close = difflib.get_close_matches(key, list(KEYS), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise UsageError(f"Unknown key '{key}' in {cfg.where}.{hint} Known keys: {', '.join(KEYS)}.")
        cfg.values[key] = _check(key, value, cfg.where)
    return cfg


def _check(key: str, value: Any, where: str) -> Any:
    _, _, kind, allowed = KEYS[key]

    def bad(expected: str) -> UsageError:
        return UsageError(f"'{key}' in {where} must be {expected}, got {value!r}.")

    if kind == "list":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            raise bad("a list of strings")
        return list(items)
    if kind == "choice":
        if not isinstance(value, str) or value not in allowed:
            raise bad("one of " + ", ".join(allowed))
        return value
    if kind == "int":
        lo, hi = allowed
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise bad(f"an integer from {lo} to {hi}")
        return value
    if kind == "float":
        lo, hi = allowed
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo < value < hi:
            raise bad(f"a number between {lo:g} and {hi:g}")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise bad("a column selection (a name, index, range, glob or comma list)")
    return str(value)


def env_name(key: str) -> str | None:
    return KEYS[key][1]


def param_keys() -> dict[str, str]:
    """parameter name -> config key."""
    return {param: key for key, (param, *_rest) in KEYS.items()}
