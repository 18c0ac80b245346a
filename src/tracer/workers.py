"""Worker processes for many drafts at once: none outlives the parent, and
one that dies mid-draft fails that draft only.

The parent hands each idle worker one name at a time over its own pipe and
waits on the pipes and the processes together. A worker that dies (a crash
in a native library, the OOM killer) fails the name it held, with what ended
it; a fresh worker takes its place. Workers ignore SIGINT (Ctrl-C reaches the
whole process group: the parent alone stops the batch, and stops them), and
get SIGKILL when the parent dies however it dies (SIGTERM, SIGKILL; on Linux
at once, elsewhere within a second).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

R = TypeVar("R")
_PR_SET_PDEATHSIG = 1


def pooled(init: Callable[[Any], Any], arg: Any, work: Callable[[Any, str], R], names: list[str], jobs: int,
           died: Callable[[str, str], R]) -> Iterator[R]:
    """`work(init(arg), name)` for each name, in `jobs` processes, as they
    finish; `died(name, why)` for a name whose worker died drafting it."""
    import multiprocessing  # here: one operation drafted from a kept draft starts no process
    from multiprocessing.connection import wait
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    todo = list(reversed(names))
    workers: list[_Worker] = []
    try:
        while todo and len(workers) < jobs:
            workers.append(_Worker(ctx, init, arg, work))
            workers[-1].give(todo.pop())
        while any(w.name is not None for w in workers):
            busy = [w for w in workers if w.name is not None]
            ready = set(wait([*(w.conn for w in busy), *(w.process.sentinel for w in busy)]))
            for worker in busy:
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                name, result = worker.name, worker.take()
                assert name is not None
                if result is _DIED:
                    yield died(name, worker.end())
                    workers.remove(worker)
                    if todo:
                        workers.append(_Worker(ctx, init, arg, work))
                        workers[-1].give(todo.pop())
                    continue
                yield result
                if todo:
                    worker.give(todo.pop())
    finally:
        for worker in workers:
            worker.end()


_DIED = object()


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def alongside(work: Callable[[Any], None], arg: Any) -> Iterator[None]:
    """`work(arg)` in a child process while the block runs (where processes
    can be forked); the child is stopped when the block ends, and dies with
    this process. What it leaves must be whole at any moment (the index
    cache's entries are)."""
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    process = multiprocessing.get_context("fork").Process(target=_aside, args=(work, arg, os.getpid()),
                                                         daemon=True)
    process.start()
    try:
        yield
    finally:
        if process.is_alive():
            process.terminate()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()


def _aside(work: Callable[[Any], None], arg: Any, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # unwinds: temporary files go
    _die_with(parent)
    work(arg)


class _Worker:
    def __init__(self, ctx: Any, init: Callable[[Any], Any], arg: Any, work: Callable[[Any, str], Any]) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, init, arg, work, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.name: str | None = None

    def give(self, name: str) -> None:
        self.name = name
        try:
            self.conn.send(name)
        except OSError:  # it died already: the wait sees it
            pass

    def take(self) -> Any:
        """The result of the name it held, or _DIED."""
        self.name = None
        try:
            return self.conn.recv() if self.conn.poll() else _DIED
        except (EOFError, OSError):
            return _DIED

    def end(self) -> str:
        """Stop the process (if it still runs); what ended it."""
        if self.name is None:  # idle: told to stop (a pipe closing is not seen while a
            try:               # later forked worker still holds a copy of this end)
                self.conn.send(None)
            except OSError:
                pass
        self.conn.close()
        if self.name is None:
            self.process.join(2)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
        self.process.join()
        code = self.process.exitcode or 0
        if code < 0:
            return f"the drafting process died ({signal.Signals(-code).name})"
        return f"the drafting process ended (exit status {code})"


def _serve(conn: Connection, init: Callable[[Any], Any], arg: Any, work: Callable[[Any, str], Any],
           parent: int) -> None:
    """A worker: one result for each name received, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with(parent)
    state = init(arg)
    while True:
        try:
            name = conn.recv()
        except (EOFError, OSError):
            return
        if name is None:
            return
        conn.send(work(state, name))


def _die_with(parent: int) -> None:
    """SIGKILL this process when `parent` dies."""
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: watch instead
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)
