"""Atomic output files: written to a temporary file beside the target, renamed into place.

An error or an interrupt never leaves a partial or corrupt file at the requested path.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from typing import IO

from losscli.errors import OutputError


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file in ``path``'s directory; on success rename it to ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise OutputError(f"Cannot write {path}: it is a directory.")
    if _is_special(path):  # /dev/stdout, /dev/full, a FIFO: a stream, never replaced by a rename
        with _direct(path, mode) as fh:
            yield fh
        return
    held = HeldInterrupts()
    try:
        fd, tmp = tempfile.mkstemp(prefix=".losscli-", suffix=".tmp", dir=directory)
    except BaseException as e:
        held.release()
        if isinstance(e, OSError):
            raise OutputError(f"Cannot write {path}: {e.strerror or e}.") from None
        raise
    try:
        held.release()  # a Ctrl-C during the creation is raised here, where the file is removed
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


class HeldInterrupts:
    """Defers SIGINT while a temporary file is created, until its removal is in place.

    Without it, a Ctrl-C landing between ``mkstemp`` creating the file and the ``try`` that
    removes it would leave a ``.losscli-*`` file behind. ``release()`` restores the handler and
    replays a Ctrl-C that arrived meanwhile (``KeyboardInterrupt``); it must be called inside
    the block that cleans up. Only the main thread receives signals, so elsewhere it does nothing.
    """

    def __init__(self) -> None:
        self.hit = False
        self.old = None
        if threading.current_thread() is threading.main_thread():
            try:
                self.old = signal.signal(signal.SIGINT, self._note)
            except (ValueError, OSError):
                self.old = None

    def _note(self, signum, frame) -> None:
        self.hit = True

    def release(self) -> None:
        if self.old is None:
            return
        old, self.old = self.old, None
        signal.signal(signal.SIGINT, old)
        if self.hit:
            if callable(old):
                old(signal.SIGINT, None)
            elif old == signal.SIG_DFL:
                raise KeyboardInterrupt


def _is_special(path: str) -> bool:
    """Whether ``path`` exists and (through symlinks) is not a regular file or a directory.

    Renaming a temporary file onto a device would replace the device node itself (as root,
    ``-o /dev/full`` used to turn /dev/full into a regular file): such paths are written in place.
    """
    try:
        st = os.stat(path)
    except OSError:
        return False
    return not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode))


@contextlib.contextmanager
def _direct(path: str, mode: str) -> Iterator[IO]:
    """Write straight into a device or FIFO; a failed write (ENOSPC on /dev/full) is exit 3."""
    try:
        fh = open(path, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""}))
    except OSError as e:
        raise OutputError(f"Cannot write {path}: {e.strerror or e}.") from None
    try:
        with fh:
            yield fh
    except OSError as e:
        raise OutputError(f"Cannot write {path}: {e.strerror or e}.") from None


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
