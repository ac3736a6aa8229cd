"""Work shared among worker processes, one per core, so that a big guide builds on all of them.

Workers are forked: each starts with a copy of the parent's memory, so the job (the planned pages, the
guide) is set up once in the parent and never sent over a pipe; only small results come back.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Callable, Iterable, Iterator, TypeVar

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


def run_shared(work: Callable[[Chunk], Result], pieces: Iterable[Chunk], workers: int) -> Iterator[Result]:
    """`work` over every piece, in `workers` forked processes (or in this one), results as they finish."""
    if workers <= 1:
        yield from map(work, pieces)
        return
    # The heap the workers inherit goes into the collector's permanent generation: scanning it would touch
    # every one of its pages, which copies them into each worker. The collector still runs on what the
    # workers make: disabled, it left each render worker holding 80 MB more of garbage cycles at 10,000
    # exercises, for no time saved.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap_unordered(work, pieces)
    finally:
        gc.unfreeze()
