"""Configuration glue for the commands: ``--config FILE`` / ``--no-config``, ``LOSSCLI_*``
environment variables and the effective-config echo (rules in ``losscli.config``).

The file's values become click's ``default_map`` of the running command, set by an eager
callback before any other parameter is processed. click consults, in order, the command line,
the environment variable, the ``default_map`` and the default: exactly flags > env > file >
defaults. ``ctx.get_parameter_source`` then says where each value came from.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from losscli import config
from losscli.gating import GateOptions
from losscli.errors import UsageError

_META = "losscli.config"
_SOURCES = {"COMMANDLINE": "flag", "ENVIRONMENT": "env", "DEFAULT_MAP": "file", "PROMPT": "flag"}


def install_envvars(group: Any) -> None:
    """Attach ``LOSSCLI_*`` variables (``config.KEYS``) to every command option that has none."""
    params = config.param_keys()
    for command in getattr(group, "commands", {}).values():
        if not any(p.name == "config_path" for p in command.params):
            continue  # only the commands that read the config file (eval, gate)
        for p in command.params:
            if p.name in params and getattr(p, "envvar", None) is None and p.param_type_name == "option":
                p.envvar = config.env_name(params[p.name])


def _config_callback(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    meta = ctx.meta.setdefault(_META, {})
    meta[param.name] = value
    meta[param.name + "_source"] = getattr(ctx.get_parameter_source(param.name), "name", None)
    if "config_path" in meta and "no_config" in meta and "file" not in meta:
        _apply(ctx, meta)
    return value


def _apply(ctx: typer.Context, meta: dict[str, Any]) -> None:
    path, no_config = meta["config_path"], bool(meta["no_config"])
    if path is not None and no_config:
        if meta.get("config_path_source") == "COMMANDLINE":
            raise UsageError("Use just one of --config and --no-config.")
        path = None  # --no-config also ignores LOSSCLI_CONFIG
    cfg = config.load(path, use_pyproject=not no_config)
    meta["file"] = cfg
    names = {p.name for p in ctx.command.params}
    defaults = {}
    for key, value in cfg.values.items():
        param = config.KEYS[key][0]
        if param in names:
            defaults[param] = value
    if defaults:
        ctx.default_map = {**(ctx.default_map or {}), **defaults}


def config_options(panel: str | None = None) -> tuple[Any, Any]:
    """``Annotated`` types of ``--config FILE`` and ``--no-config`` for a command signature."""
    path = Annotated[
        Optional[str],
        typer.Option(
            "--config",
            envvar="LOSSCLI_CONFIG",
            metavar="FILE",
            is_eager=True,
            callback=_config_callback,
            help="Settings from a TOML file (its \\[tool.losscli] table or top-level keys) instead of ./pyproject.toml.",
            show_default=False,
            rich_help_panel=panel,
        ),
    ]
    off = Annotated[
        bool,
        typer.Option(
            "--no-config",
            envvar="LOSSCLI_NO_CONFIG",
            is_eager=True,
            callback=_config_callback,
            help="Ignore the config file (./pyproject.toml \\[tool.losscli], LOSSCLI_CONFIG).",
            rich_help_panel=panel,
        ),
    ]
    return path, off


def file_config(ctx: typer.Context) -> config.FileConfig:
    return ctx.meta.get(_META, {}).get("file") or config.FileConfig()


def source(ctx: typer.Context, param: str) -> str | None:
    """Where ``param``'s value came from: COMMANDLINE, ENVIRONMENT, DEFAULT_MAP (the config
    file), DEFAULT, or None."""
    src = ctx.get_parameter_source(param)
    return getattr(src, "name", None)


def where(ctx: typer.Context, param: str, flag: str) -> str:
    """How to name a setting in a message: the flag, or the config key and file it came from."""
    src = ctx.get_parameter_source(param)
    if src is not None and src.name == "DEFAULT_MAP":
        key = config.param_keys().get(param, param)
        return f"'{key}' in {file_config(ctx).where}"
    if src is not None and src.name == "ENVIRONMENT":
        key = config.param_keys().get(param, param)
        return f"{config.env_name(key)}"
    return flag


def echo(ctx: typer.Context, **effective: Any) -> dict[str, Any]:
    """The effective configuration for ``report.config``: each config key's value (``effective``
    overrides, e.g. the resolved output format), where non-default values came from, the
    config file read (None when there was none) and the keys whose values it set
    (``config_keys``, listed in every human-readable output)."""
    out: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, (param, *_rest) in config.KEYS.items():
        if param not in ctx.params:
            continue
        value = effective.get(key, ctx.params[param])
        value = getattr(value, "value", value)  # enums as their names
        if isinstance(value, tuple):
            value = list(value)
        out[key] = value
        src = ctx.get_parameter_source(param)
        if src is not None and src.name in _SOURCES:
            sources[key] = _SOURCES[src.name]
    cfg = file_config(ctx)
    if "fail_if" in cfg.values and sources.get("fail_if") in ("flag", "env"):
        sources["fail_if"] = "file+" + sources["fail_if"]  # flags add to the file's gates
    out["config_file"] = cfg.path
    out["config_keys"] = [k for k in config.KEYS if k in cfg.values and sources.get(k, "").startswith("file")]
    out["sources"] = sources
    return out



def gate_options(ctx: typer.Context) -> GateOptions:
    """The gate flags of the running command and the config file's gates, as plain values."""
    p = ctx.params
    cfg = file_config(ctx)
    mode = getattr(p.get("gate_mode"), "value", p.get("gate_mode")) or "fail"
    mode_where = where(ctx, "gate_mode", "--gate-mode")
    seed = p.get("seed")
    return GateOptions(
        fail_if=() if source(ctx, "fail_if") == "DEFAULT_MAP" else tuple(p.get("fail_if") or ()),  # the file's: config_gates
        fail_if_where=where(ctx, "fail_if", "--fail-if"),
        config_gates=tuple(cfg.values.get("fail_if", ())),
        config_where=f"'fail_if' in {cfg.where}",
        losses_chosen=source(ctx, "loss") in ("COMMANDLINE", "ENVIRONMENT"),
        baseline=p.get("baseline"),
        significant=bool(p.get("significant")),
        alpha=p.get("alpha", 0.05),
        alpha_given=source(ctx, "alpha") == "COMMANDLINE",
        mode=mode,
        mode_from="--gate-mode warn" if mode_where == "--gate-mode" else f"warn set by {mode_where}",
        other_target=bool(p.get("baseline_other_target")),
        seed=seed if isinstance(seed, int) else 0,
    )
