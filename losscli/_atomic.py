"""Atomic output files: written to a temporary file beside the target, renamed into place.

An error or an interrupt never leaves a partial or corrupt file at the requested path.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO

from losscli.errors import OutputError


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file in ``path``'s directory; on success rename it to ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise OutputError(f"Cannot write {path}: it is a directory.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".losscli-", suffix=".tmp", dir=directory)
    except OSError as e:
        raise OutputError(f"Cannot write {path}: {e.strerror or e}.") from None
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as e:
        _remove(tmp)
        raise OutputError(f"Cannot write {path}: {e.strerror or e}.") from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
