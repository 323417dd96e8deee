"""A small pool of daemon worker threads (stdlib only).

``concurrent.futures.ThreadPoolExecutor`` joins its (non-daemon) workers at exit; a Ctrl-C that
lands while it starts a worker can leave one it never wakes, and the process hangs instead of
exiting 130. These workers are daemons: an interrupted run always exits. numpy and pandas
release the GIL in their loops: pieces of a CSV are parsed in parallel.
"""

from __future__ import annotations

import os
import queue
import threading
from typing import Any, Callable

WORKERS = max(1, min(4, os.cpu_count() or 1))


class Future:
    """The result of a submitted call: ``result()`` waits for it (re-raising its error)."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def result(self) -> Any:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


class Pool:
    """``submit(fn, *args) -> Future`` on up to ``workers`` daemon threads, started on demand."""

    def __init__(self, workers: int = WORKERS, name: str = "losscli") -> None:
        self.workers, self.name = workers, name
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        self._queue.put((future, fn, args))
        with self._lock:
            if len(self._threads) < self.workers:
                t = threading.Thread(target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True)
                t.start()
                self._threads.append(t)
        return future

    def _work(self) -> None:
        while True:
            future, fn, args = self._queue.get()
            try:
                future._value = fn(*args)
            except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
                future._error = e
            future._done.set()


_shared: Pool | None = None
_shared_lock = threading.Lock()


def shared() -> Pool:
    """The process-wide pool (created on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Pool()
        return _shared
