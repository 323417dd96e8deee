"""Inputs as the user names them: ``PATH[:FORMAT][:SEL]``, ``FILE.npz:KEY``, ``-`` (stdin), globs.

The format comes from the suffix (``.csv``, ``.npy.gz``...) unless ``:FORMAT`` says it; a glob
names its files in natural order (``part-2`` before ``part-10``). A leaf of ``losscli.readers``:
the whole-file readers and the streams (``readers.stream``) both start here.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass

from losscli.errors import InputError, UsageError

FORMATS = ("csv", "tsv", "txt", "npy", "npz", "parquet", "jsonl")
TABULAR = ("csv", "tsv", "txt", "parquet", "jsonl")
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}


@dataclass(frozen=True)
class Source:
    """One input as the user named it: a path (or ``-``), its format and an optional NPZ key."""

    path: str
    fmt: str
    key: str | None = None
    compression: str | None = None

    @property
    def where(self) -> str:
        return "<stdin>" if self.path == "-" else self.path


def parse_source(text: str) -> Source:
    """Parse ``path``, ``path:fmt``, ``file.npz:key`` or ``-[:fmt]`` (stdin defaults to CSV)."""
    path, fmt, key = text, None, None
    head, sep, tail = text.rpartition(":")
    if sep and head and tail.lower() in FORMATS:
        path, fmt = head, tail.lower()
    elif sep and head and suffix_format(head)[0] == "npz" and not os.path.exists(text):
        path, key = head, tail
    compression = suffix_format(path)[1]
    if fmt is None:
        fmt = "csv" if path == "-" else suffix_format(path)[0]
    if fmt is None and os.path.isdir(path):
        raise InputError(f"{path} is a directory, not a file.")
    if fmt is None and not os.path.exists(path) and not any(ch in path for ch in "*?["):
        raise InputError(f"File not found: {path}")
    if fmt is None:
        known = ", ".join("." + f for f in FORMATS)
        raise UsageError(f"Cannot tell the format of '{path}' from its suffix ({known}); add ':FORMAT', e.g. {path}:csv.")
    return Source(path, fmt, key, compression)


def suffix_format(path: str) -> tuple[str | None, str | None]:
    """(format, compression) of ``path`` from its suffixes (None where they say nothing)."""
    root, ext = os.path.splitext(path.lower())
    compression = COMPRESSIONS.get(ext)
    if compression:
        root, ext = os.path.splitext(root)
    fmt = ext[1:] if ext[1:] in FORMATS else None
    return fmt, compression


def split_selection(text: str) -> tuple[Source, str | None]:
    """Split ``PATH[:FORMAT][:SEL]`` (or ``FILE.npz:KEY``) at the longest prefix that is a file."""
    parts = text.split(":")
    for i in range(len(parts), 0, -1):
        path = ":".join(parts[:i])
        if path == "-" or os.path.isfile(path):
            rest = parts[i:]
            if rest and rest[0].lower() in FORMATS:
                source = parse_source(f"{path}:{rest[0]}")
                rest = rest[1:]
            else:
                source = parse_source(path)
            if source.fmt == "npz" and rest:
                return Source(source.path, source.fmt, rest[0], source.compression), ":".join(rest[1:]) or None
            return source, ":".join(rest) or None
    return parse_source(parts[0]), ":".join(parts[1:]) or None  # the missing file is reported by read


def expand(source: Source) -> list[str]:
    """The files of a source: itself, or the sorted matches of a glob."""
    path = source.path
    if path == "-" or os.path.exists(path) or not any(ch in path for ch in "*?["):
        if path != "-" and not os.path.exists(path):
            raise InputError(f"File not found: {path}")
        if os.path.isdir(path):
            raise InputError(f"{path} is a directory, not a file.")
        return [path]
    matches = sorted((p for p in glob.glob(path) if os.path.isfile(p)), key=natural)
    if not matches:
        raise InputError(f"No file matches {path}")
    return matches


def natural(path: str) -> list:
    """Sort key that orders numbered shards numerically: part-2 before part-10."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", path)]
