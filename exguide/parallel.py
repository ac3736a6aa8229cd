"""Work shared among processes, one per core, so that a big guide builds on all of them.

Workers are forked: each starts with a copy of the parent's memory, so the job (the planned pages, the
guide) is set up once in the parent and never sent over a pipe; only small results come back.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, TypeVar

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")

ITEMS_PER_WORKER = 150  # below this a worker costs more to start than it saves


def worker_count(requested: int | None, items: int) -> int:
    """How many processes to use for `items` pieces of work: 1 means the work stays in this process."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if requested is not None:
        return max(1, requested)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, items // ITEMS_PER_WORKER))


@dataclass
class _SharedWork:
    """The pieces of one `run_shared`, as the forked workers inherit them, and what they share with it."""

    work: Callable[[Any], Any]
    pieces: list
    bounds: Any  # a shared array: the next piece from the front, the end of those left at the back
    results: Any  # a queue: each worker's results, as they are done
    reserved: int  # how many pieces, at the front, only this process takes


_shared: _SharedWork | None = None  # set before the workers fork
_in_worker = False  # set in each worker once forked


def in_worker() -> bool:
    """Whether this process is a worker that `run_shared` forked: what it makes is pickled to the parent, and
    what it keeps stays in it."""
    return _in_worker


def run_shared(work: Callable[[Chunk], Result], pieces: Iterable[Chunk], workers: int, reserved: int = 0
               ) -> Iterator[Result]:
    """`work` over every piece, in `workers` processes (or in this one), results as they finish. The first
    `reserved` pieces are this process's alone: work whose effects must stay in it.

    This process is one of them: it takes the pieces from the front while the forked workers take them from
    the back. A worker's results are pickled to this process; this one's are not. And a page of memory that
    any process writes (Python writes an object's reference count as it reads it) is copied for it: one
    process fewer to copy into, one copy fewer of what they all read."""
    global _shared
    pieces = list(pieces)
    if workers <= 1 or len(pieces) <= 1:
        yield from map(work, pieces)
        return
    context = multiprocessing.get_context("fork")
    _shared = _SharedWork(work, pieces, context.Array("q", [0, len(pieces)]), context.Queue(), reserved)
    pool = context.Pool(workers - 1)
    try:
        helpers = pool.map_async(_work_from_back, range(workers - 1))
        yield from _work_from_front(_shared, helpers)
        # The workers are let finish and leave, not killed (as leaving `with Pool()` does): one killed while
        # it sent back that it was done held the pool's queue lock for good, and the build hung (seen once).
        helpers.get()
        pool.close()
        pool.join()
    except BaseException:
        pool.terminate()
        raise
    finally:
        _shared = None


def _work_from_front(shared: _SharedWork, helpers: multiprocessing.pool.AsyncResult) -> Iterator[Any]:
    """This process's share of the pieces, then the workers' results, each as soon as it is here."""
    received = 0
    while (index := _take(shared.bounds)) is not None:
        yield shared.work(shared.pieces[index])
        received += 1
        while True:  # what the workers finished meanwhile
            try:
                yield shared.results.get_nowait()
            except queue.Empty:
                break
            received += 1
    while received < len(shared.pieces):
        try:
            yield shared.results.get(timeout=0.1)
            received += 1
        except queue.Empty:
            if helpers.ready():
                helpers.get()  # a worker's exception is raised here; otherwise the last results are on their way


def _work_from_back(_: int) -> None:
    global _in_worker
    _in_worker = True
    shared = _shared
    while (index := _take(shared.bounds, from_back=True, reserved=shared.reserved)) is not None:
        shared.results.put(shared.work(shared.pieces[index]))


def _take(bounds: Any, from_back: bool = False, reserved: int = 0) -> int | None:
    """The place of the next piece nobody took, from the front or from the back (never one of the first
    `reserved`); None when none is left."""
    with bounds.get_lock():
        front, back = bounds[0], bounds[1]
        if front >= back or (from_back and back <= reserved):
            return None
        if from_back:
            bounds[1] = back - 1
            return back - 1
        bounds[0] = front + 1
        return front
