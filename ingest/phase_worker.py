"""The read and load phases run in a child process, so their memory is back with the system before dbt starts.

Parsing large files and handing them to dlt leave a process holding memory it does not give back even after
`release_memory` (allocator pools and fragmentation, dlt's modules): ~150 MB after the 10x files, which the ELT
process would keep through the whole dbt build, on top of dbt's own peak. A child process returns all of it
when it exits. The worker is one process, started on first use with `spawn` (a fresh interpreter: no
inherited threads or open connections; it imports the ingest modules again, ~0.5 s) and reused for both
phases; a run where nothing changed never starts it. If the worker dies (killed, out of memory), the phase
raises `BrokenProcessPool` and the run fails like any other, leaving the marts as they were. If the ELT
process dies, the worker is killed with it (ingest/parent_death.py).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from ingest.parent_death import die_with_parent

T = TypeVar("T")


class PhaseWorker:
    """One child process that runs functions (importable, with picklable arguments) one at a time."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def run(self, function: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool.submit(function, *args).result()

    def close(self) -> None:
        """Stop the process (waits for it to exit, so its memory is released when this returns)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@contextmanager
def phase_worker() -> Iterator[PhaseWorker]:
    worker = PhaseWorker()
    try:
        yield worker
    finally:
        worker.close()
