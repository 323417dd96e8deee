"""Options shared by several commands, declared once."""

from __future__ import annotations

import enum
import re


class OutputFormat(str, enum.Enum):
    auto = "auto"
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    md = "md"


class Reduction(str, enum.Enum):
    """Mirrors ``losscli.reductions.Reduction`` (kept here so --help does not import numpy)."""

    mean = "mean"
    sum = "sum"
    sum_elements = "sum_elements"
    none = "none"


class NanPolicy(str, enum.Enum):
    error = "error"
    omit = "omit"
    propagate = "propagate"


class Align(str, enum.Enum):
    """``--align``: how the rows of two tables are paired (``readers.pairing``)."""

    position = "position"
    join = "join"


class Missing(str, enum.Enum):
    """``--missing`` (with ``--align join``): ids without exactly one partner."""

    error = "error"
    omit = "omit"


HEADER_HELP = "Tables start with column names (--header) or not (--no-header: columns are 1-based indices). Default: a first line of numbers only is data."


def print_notes(notes: list[str]) -> None:
    """What the readers decided from the data (a table read without header), one line each on stderr."""
    import sys

    for note in notes:
        print(f"Note: {note}", file=sys.stderr)


_STDIN_FORMAT = re.compile(r"-:[A-Za-z0-9.]+")
_STDIN_ALIAS = "\0stdin"  # cannot occur in a real argument (argv strings end at NUL)


def protect_stdin(argv: list[str]) -> list[str]:
    """Hide ``-:FORMAT`` (stdin in a format) from click, which would parse it as short options."""
    return [_STDIN_ALIAS + a[1:] if _STDIN_FORMAT.fullmatch(a) else a for a in argv]


def stdin_path(value: str | None) -> str | None:
    """Undo ``protect_stdin`` on a positional path argument."""
    return "-" + value[len(_STDIN_ALIAS) :] if value is not None and value.startswith(_STDIN_ALIAS) else value


class GateMode(str, enum.Enum):
    """``--gate-mode``: ``fail`` exits 1 on a failed gate; ``warn`` reports it and exits 0."""

    fail = "fail"
    warn = "warn"


class Engine(str, enum.Enum):
    """``--engine``: ``local`` evaluates in this process; ``dask`` maps the evaluation over
    partitions of the inputs on a Dask cluster (``losscli.engine.dask``)."""

    local = "local"
    dask = "dask"


class HashAlgorithm(str, enum.Enum):
    """``--hash``: the digest of each input in the report (``losscli._digest``); ``none`` skips it."""

    blake3 = "blake3"
    sha256 = "sha256"
    none = "none"


LOSS_HELP = "Loss spec NAME[:k=v,...] or @preset; repeatable (see 'losscli list')."
HASH_HELP = "Digest of each input in the report: blake3 (default), sha256, or none (--no-hash is --hash none)."
NO_HASH_HELP = "Skip the digest of inputs: the same as --hash none."


def hash_setting(algorithm: "HashAlgorithm | None", no_hash: bool) -> str:
    """The digest algorithm of ``--hash`` and ``--no-hash`` ("none" for no digest)."""
    from losscli.errors import UsageError

    if no_hash and algorithm not in (None, HashAlgorithm.none):
        raise UsageError(f"--no-hash is --hash none, but --hash {algorithm.value} is given too; pass one of them.")
    if no_hash:
        return HashAlgorithm.none.value
    return (algorithm or HashAlgorithm.blake3).value


INPUT_HELP = "ROLE=PATH[:SEL]: fill a loss input (e.g. anchor, var, z_j) from a file or its columns; repeatable."


QUERY_COL_HELP = "Query id column of the ranking metrics (ndcg, mrr, map), read as text: the same as --col query=COL."


def with_query_col(role_cols: list[str], query_col: str | None) -> list[str]:
    """The ``--col`` items with ``--query-col COL`` added as ``query=COL`` (one of the two, not both)."""
    from losscli.errors import UsageError

    if query_col is None:
        return list(role_cols)
    if any(item.partition("=")[0].strip() == "query" for item in role_cols):
        raise UsageError("--query-col COL is --col query=COL, and both are given; pass one of them.")
    return [*role_cols, f"query={query_col}"]


def role_map(items: list[str], flag: str, form: str, known: list[str] | None = None) -> dict[str, str]:
    """Repeated ``ROLE=VALUE`` flags (``--input``, ``--col``) as a mapping; with ``known`` (the
    roles of the requested losses), a role no loss has is a usage error."""
    from losscli.errors import UsageError

    out: dict[str, str] = {}
    for item in items:
        role, eq, value = item.partition("=")
        role = role.strip()
        if not eq or not role or not value:
            raise UsageError(f"{flag} '{item}' is not {form}.")
        if known is not None and role not in known:
            from losscli.run import unknown_role

            raise unknown_role(flag, role, known)
        if role in out:
            raise UsageError(f"{flag} {role}=... is given twice.")
        out[role] = value
    return out
