"""The read and load phases run in a child process, so their memory is back with the system before dbt starts.

Parsing large files and handing them to dlt leave a process holding memory it does not give back even after
`release_memory` (allocator pools and fragmentation, dlt's modules): ~150 MB after the 10x files, which the ELT
process would keep through the whole dbt build, on top of dbt's own peak. A child process returns all of it
when it exits. The worker is one process, started on first use and reused for both phases; a run where
nothing changed never starts it. If the worker dies (killed, out of memory), the phase raises
`BrokenProcessPool` and the run fails like any other, leaving the marts as they were. If the ELT process
dies, the worker is killed with it (ingest/parent_death.py).

Workers are forked from multiprocessing's fork server, a process started with no data and no threads:
each worker is a fresh fork, so nothing of one run's work is inherited by the next. By default the server
is stopped with the worker, before dbt starts (`stop_server`), so a one-run process (`python -m ingest.elt`,
the API's runs) holds nothing of either while dbt runs, and the worker imports what its phases need
itself. A process that runs the ELT many times (the test suite) can keep the server between runs
(`keep_server_between_runs`): the server then imports the phases' modules (pyarrow, DuckDB, dlt, pandas)
once, and each run forks a worker that has them already (a raw-only run of the sample repeated in one
process: ~6.4 s with a new worker importing everything, ~3.6 s with a kept server). A worker takes the
environment and working folder of the ELT process as they are when its run starts, not as they were when
the server started.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from ingest.parent_death import die_with_parent

T = TypeVar("T")

# What the phases import, loaded once in the fork server (ingest.pipeline imports dlt and pandas lazily).
PRELOADED = ("ingest.plan", "ingest.pipeline", "dlt", "dlt.destinations", "pandas")

_context = multiprocessing.get_context("forkserver")
_lock = threading.Lock()
_open_workers = 0
_keep_server = False
_elt_process: int | None = None  # in a worker: the ELT process it works for


def keep_server_between_runs(keep: bool = True) -> None:
    """Keep the fork server (and its preloaded modules, ~150 MB) between runs in this process, for a process
    that runs the ELT many times. By default it is stopped before dbt starts."""
    global _keep_server
    _keep_server = keep


def elt_process() -> int | None:
    """In a worker: the pid of the ELT process it works for (its parent is the fork server)."""
    return _elt_process


def _start_worker(elt_process: int, environment: dict[str, str], folder: str) -> None:
    global _elt_process
    _elt_process = elt_process
    # multiprocessing hands every forked process the ELT process's end of the pipe whose closing tells the
    # fork server to exit; held here, it would keep the server (this worker's parent) alive after the ELT
    # process died, and so this worker too. This worker starts no processes of its own through it.
    server = multiprocessing.forkserver._forkserver  # type: ignore[attr-defined]
    if server._forkserver_alive_fd is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None
    die_with_parent(watched=elt_process)
    os.environ.clear()
    os.environ.update(environment)
    os.chdir(folder)


class PhaseWorker:
    """One child process that runs functions (importable, with picklable arguments) one at a time."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def run(self, function: Callable[..., T], *args: Any) -> T:
        global _open_workers
        if self._pool is None:
            with _lock:
                # A server stopped after this run would import for nothing what the worker imports anyway.
                _context.set_forkserver_preload(list(PRELOADED) if _keep_server else [])
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=_context,
                    initializer=_start_worker,
                    initargs=(os.getpid(), dict(os.environ), os.getcwd()),
                )
                _open_workers += 1
        return self._pool.submit(function, *args).result()

    def close(self) -> None:
        """Stop the process (waits for it to exit, so its memory is released when this returns), and the
        fork server with it unless it is kept between runs (keep_server_between_runs)."""
        global _open_workers
        if self._pool is None:
            return
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
        with _lock:
            _open_workers -= 1
            if not _keep_server and _open_workers == 0:
                stop_server()


def stop_server() -> None:
    """Stop multiprocessing's fork server if it runs (it starts again on the next worker's start).
    `ForkServer._stop` is CPython's own, used by its test suite; the public API only stops it at exit."""
    server = multiprocessing.forkserver._forkserver  # type: ignore[attr-defined]
    if getattr(server, "_forkserver_pid", None) is not None:
        server._stop()


@contextmanager
def phase_worker() -> Iterator[PhaseWorker]:
    worker = PhaseWorker()
    try:
        yield worker
    finally:
        worker.close()
