"""Independent pieces of work side by side, in forked processes: one per core, at most one per piece.

A forked process starts with what its parent imported, so a piece of work pays no start-up. A
process that runs other threads (the preview's watcher, a test's web server) is never forked: a
fork copies their locks in whatever state they are in; there the pieces run one after the other.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def workers(count: int, jobs: int | None = None) -> int:
    """How many processes ``count`` pieces of work get: one per core (or ``jobs``), at most ``count``;
    1 in a process that runs other threads."""
    if threading.active_count() > 1:
        return 1
    return max(1, min(count, jobs or os.cpu_count() or 1))


def map_forked(fn: Callable[[T], R], items: Iterable[T], jobs: int | None = None) -> list[R]:
    """``[fn(x) for x in items]``, each in a forked process when there are cores for it, the results
    in the order of ``items``; the first error of a piece is raised here (its message kept)."""
    items = list(items)
    n = workers(len(items), jobs)
    if n == 1:
        return [fn(x) for x in items]
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(fn, items))
