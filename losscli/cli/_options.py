"""Options shared by several commands, declared once."""

from __future__ import annotations

import enum


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
    none = "none"


class ListFormat(str, enum.Enum):
    table = "table"
    json = "json"


class NanPolicy(str, enum.Enum):
    error = "error"
    omit = "omit"
    propagate = "propagate"


SUFFIX_FORMATS = {".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".md": "md", ".txt": "table"}
