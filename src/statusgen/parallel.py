"""Work shared out to forked worker processes, one per CPU, for large sites: the public
site's months and the knowledge base's incident pages.

Fork only: the children start with the parent's data (the site, templates, the tree writer),
so nothing needs to be pickled but the small results. Never from a process that runs threads
(``statusgen serve``), where forking is unsafe; there, and for small sites, the work runs in
the calling process.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["Forked", "worker_count"]

T = TypeVar("T")
R = TypeVar("R")


def worker_count(items: int, *, least: int) -> int:
    """How many processes to fork for ``items`` pieces of work: none below ``least``."""
    if items < least or threading.active_count() > 1 or not hasattr(os, "fork"):
        return 0
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cpus, 8) if cpus > 1 else 0


class Forked(Generic[T, R]):
    """``work(share)`` for ``processes`` interleaved shares of ``items``, each in a forked
    child, started at once; :meth:`results` waits for them (in share order). With no
    processes, :meth:`results` runs the work here."""

    def __init__(self, work: Callable[[Sequence[T]], R], items: Sequence[T], processes: int) -> None:
        self._work, self._items = work, items
        self._children: list[tuple[int, int]] = []
        if processes < 1:
            return
        frozen_before = gc.get_freeze_count() > 0  # the commands freeze the model they read
        gc.freeze()  # the children's collector then leaves the shared objects (and their pages) alone
        try:
            for share in range(processes):
                reader, writer = os.pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child (coverage does not follow forks)
                    os.close(reader)
                    _child(writer, work, items[share::processes])
                os.close(writer)
                self._children.append((pid, reader))
        except BaseException:
            self.stop()
            raise
        finally:
            if not frozen_before:
                gc.unfreeze()

    def results(self) -> list[R]:
        if not self._children:
            return [self._work(self._items)]
        results, failures = [], []
        try:
            for pid, reader in self._children:
                with os.fdopen(reader, "rb") as pipe:
                    try:  # read as it arrives: a large result is never held twice, as bytes and as objects
                        ok, value = pickle.load(pipe)  # noqa: S301 - our own child's result
                    except Exception:  # noqa: BLE001 - nothing or a torn result: the child failed
                        ok, value = None, None
                _, status = os.waitpid(pid, 0)
                if ok is None:
                    failures.append(f"a worker process ended with status {status} without a result")
                    continue
                if ok:
                    results.append(value)
                else:
                    failures.append(value)
        finally:
            self._children = []
        if failures:
            raise RuntimeError("a worker process failed:\n" + "\n".join(failures))
        return results

    def stop(self) -> None:
        """End the children (the parent failed): they must not go on writing."""
        for pid, reader in self._children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
            os.close(reader)
        self._children = []


def _child(pipe: int, work: Callable[[Sequence[T]], R], share: Sequence[T]) -> None:  # pragma: no cover
    code = 1
    try:
        try:
            data = pickle.dumps((True, work(share)))
            code = 0
        except BaseException:
            data = pickle.dumps((False, traceback.format_exc()))
        with os.fdopen(pipe, "wb") as out:
            out.write(data)
    finally:
        os._exit(code)
