"""One writer at a time: an OS file lock beside the warehouse.

DuckDB lets one process open the warehouse for writing; a second one fails at once with a lock
error. ``cxbridge run`` and ``cxbridge live`` (and every other command that writes) take this
lock first, so the second one *waits* for the first instead of failing, and says once, on
standard error, who holds it and why it waits. The lock is ``flock`` on
``<warehouse_dir>/cxbridge.duckdb.writer.lock``: the kernel drops it when its holder ends (a
kill -9 included), so a dead holder never leaves it taken. The file holds a line naming the
current holder (its command and process id), for the waiting side's message.

Within one process the lock is re-entrant (a command that opens the warehouse again while it
holds it does not wait for itself); it is held until the outermost holder lets go.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# how often a waiting writer tries the lock again (the wait itself is the kernel's)
_POLL_SECONDS = 0.05

_held: dict[Path, tuple[int, int]] = {}  # lock path -> (file descriptor, depth)
_guard = threading.Lock()


def lock_path(warehouse_path: Path) -> Path:
    """The lock file of the warehouse at ``warehouse_path``."""
    return warehouse_path.with_name(warehouse_path.name + ".writer.lock")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def holder(path: Path) -> str:
    """Who holds (or last held) the lock at ``path``, as its file says; '' when unknown."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@contextmanager
def writer_lock(warehouse_path: Path, who: str,
                on_wait: Callable[[str], None] | None = _say,
                timeout: float | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block, waiting as long as another process
    holds it (``timeout`` seconds at most, then :class:`WriterLockTimeoutError`). ``who`` names this
    holder in the lock file (e.g. ``cxbridge run``). ``on_wait`` is told once, when the wait
    begins, what is waited for (default: a line on standard error; None: silent)."""
    path = lock_path(warehouse_path)
    with _guard:
        if path in _held:  # this process holds it already
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            _release(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, who, on_wait, timeout)
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{who} (process {os.getpid()})\n".encode(), 0)
    with _guard:
        _held[path] = (fd, 1)
    try:
        yield
    finally:
        _release(path)


class WriterLockTimeoutError(TimeoutError):
    """The writer lock stayed taken longer than the caller would wait."""


def _acquire(fd: int, path: Path, who: str, on_wait: Callable[[str], None] | None,
             timeout: float | None) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    if on_wait is not None:
        other = holder(path) or "another cxbridge command"
        on_wait(f"{who}: waiting for the warehouse: {other} is writing to it "
                f"(lock {path}); continuing as soon as it is done")
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if deadline is not None and time.monotonic() >= deadline:
                raise WriterLockTimeoutError(f"{path} is still held by {holder(path)}") from None
            time.sleep(_POLL_SECONDS)


def _release(path: Path) -> None:
    with _guard:
        fd, depth = _held[path]
        if depth > 1:
            _held[path] = (fd, depth - 1)
            return
        del _held[path]
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def held_here(warehouse_path: Path) -> bool:
    """Whether this process holds the writer lock of the warehouse at ``warehouse_path``."""
    with _guard:
        return lock_path(warehouse_path) in _held
