"""Atomic output files: written to a temporary file beside the target, renamed into place.

An error or an interrupt never leaves a partial or corrupt file at the requested path.

The outputs of one command are one transaction (``Transaction``, opened by the CLI around every
command): each finished temporary file waits, and all are renamed only when the command has
succeeded (``commit``); an error or a signal removes every temporary file instead
(``rollback``). SIGINT, SIGTERM and SIGHUP are held while the renames run, so an interrupt
finds all outputs renamed or none. An output that is a stream (a device, a FIFO, ``/dev/std*``,
``/proc/self/fd/*``) is written in place as the command runs: it cannot be renamed onto.
Without a transaction (the Python API) each file is renamed as soon as it is complete.
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Sequence
from typing import IO

from losscli.errors import OutputError, UsageError

HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Transaction:
    """The temporary files of one command's outputs, renamed together by ``commit``."""

    def __init__(self) -> None:
        self.staged: list[tuple[str, str]] = []  # (temporary file, destination), in write order

    def commit(self) -> None:
        """Rename every staged file into place, with SIGINT/TERM/HUP held until all are done."""
        held = HeldInterrupts()
        done: list[str] = []
        try:
            while self.staged:
                tmp, path = self.staged[0]
                try:
                    os.replace(tmp, path)
                except OSError as e:
                    self.rollback()
                    written = f" ({', '.join(done)} already written)" if done else ""
                    raise OutputError(f"Cannot write {path}: {e.strerror or e}{written}.") from None
                self.staged.pop(0)
                done.append(path)
                if self.staged:
                    between_renames()
        finally:
            held.release()

    def __enter__(self) -> "Transaction":
        """The transaction of the outputs written until ``__exit__``, which removes whatever
        was not committed (on success the caller commits first)."""
        _current.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _current.remove(self)
        self.rollback()

    def rollback(self) -> None:
        """Remove every staged temporary file (nothing is renamed)."""
        held = HeldInterrupts()
        try:
            while self.staged:
                _remove(self.staged.pop()[0])
        finally:
            held.release()


_current: list[Transaction] = []  # the transaction of the running command (the CLI opens one)


def commit() -> None:
    """Rename the staged outputs of the running command now (a no-op without a transaction):
    before anything goes to stdout, so that a reader of stdout finds the files in place."""
    if _current:
        _current[-1].commit()


def between_renames() -> None:
    """Called between two renames of a commit (a test point: tests make it raise a signal)."""


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file in ``path``'s directory; on success rename it to ``path`` (at the
    commit of the running transaction, when there is one)."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise OutputError(f"Cannot write {path}: it is a directory.")
    if written_in_place(path):  # /dev/stdout, /dev/full, a FIFO: a stream, never replaced by a rename
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
        if _current:
            _current[-1].staged.append((tmp, path))
        else:
            os.replace(tmp, path)
    except OSError as e:
        _remove(tmp)
        raise OutputError(f"Cannot write {path}: {e.strerror or e}.") from None
    except BaseException:
        _remove(tmp)
        raise


class HeldInterrupts:
    """Defers SIGINT, SIGTERM and SIGHUP while a temporary file is created (until its removal is
    in place) or while a transaction's files are renamed (until all are).

    Without it, a Ctrl-C landing between ``mkstemp`` creating the file and the ``try`` that
    removes it would leave a ``.losscli-*`` file behind, and one landing between two renames
    would leave some outputs without the others. ``release()`` restores the handlers and replays
    the first signal that arrived meanwhile (SIGINT as ``KeyboardInterrupt``, the CLI's SIGTERM
    and SIGHUP handlers raise); it must be called inside the block that cleans up. Only the main
    thread receives signals, so elsewhere it does nothing. An ignored signal stays ignored.
    """

    def __init__(self) -> None:
        self.hit: int | None = None
        self.old: dict[int, object] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in HELD:
            try:
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    self.old[sig] = signal.signal(sig, self._note)
            except (ValueError, OSError):
                continue

    def _note(self, signum, frame) -> None:
        if self.hit is None:
            self.hit = signum

    def release(self) -> None:
        old, self.old = self.old, {}
        for sig, handler in old.items():
            signal.signal(sig, handler)
        if self.hit is None or self.hit not in old:
            return
        handler = old[self.hit]
        if callable(handler):
            handler(self.hit, None)
        elif self.hit == signal.SIGINT:
            raise KeyboardInterrupt
        elif handler == signal.SIG_DFL:
            signal.raise_signal(self.hit)


def written_in_place(path: str) -> bool:
    """Whether ``path`` is a stream that is written in place, never renamed onto: anything under
    /dev or /proc (``/dev/stdout``, ``/proc/self/fd/1``, or a symlink leading there, whatever the
    stream is: a rename would replace the link), or an existing path that is neither a regular
    file nor a directory (a device, a FIFO). Renaming onto a device would replace the device node
    (as root, ``-o /dev/full`` used to turn /dev/full into a regular file)."""
    p = os.path.abspath(path)
    for _ in range(40):  # the symlink chain, one hop at a time
        if p.startswith(("/dev/", "/proc/")):
            return True
        try:
            p = os.path.normpath(os.path.join(os.path.dirname(p), os.readlink(p)))
        except (OSError, ValueError):
            break
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode))


def check_distinct(outputs: Sequence[tuple[str, str | None]], inputs: Sequence[str | None]) -> None:
    """Exit 2, before anything is read, when an output path is an input or another output.

    ``outputs`` are (flag, path) pairs; ``inputs`` are paths as given (``PATH:FORMAT``,
    ``FILE.npz:KEY``, ``PATH:SEL`` and globs included: every reading of the text is tried).
    Paths are the same when they resolve to the same file (``os.path.realpath``, or
    ``os.path.samefile`` for hard links). Streams (``written_in_place``) are left out.
    """
    seen: list[tuple[str, str, str]] = []  # (flag, path, real path) of the outputs so far
    for flag, path in outputs:
        if path is None or path == "-" or written_in_place(path):
            continue
        real = _real(path)
        for other_flag, other, other_real in seen:
            if real == other_real or _same(path, other):
                raise UsageError(f"{other_flag} {other} and {flag} {path} are the same file; give each output its own path.")
        for text in inputs:
            for candidate in _readings(text):
                if _real(candidate) == real or _same(candidate, path):
                    raise UsageError(f"{flag} {path} is the input {candidate}: writing it would replace the file being read; write the output elsewhere.")
        seen.append((flag, path, real))


def _readings(text: str | None) -> list[str]:
    """The paths an input argument may name: itself, each prefix before a ``:``, glob matches."""
    if not text or text == "-":
        return []
    out = [text] + [text[:i] for i, ch in enumerate(text) if ch == ":" and i]
    if any(ch in text for ch in "*?["):
        out += glob.glob(text)
    return out


def _real(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):  # a NUL byte: no file has that name (the reader says so)
        return "\0" + path


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


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
