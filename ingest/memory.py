"""Hand the memory a file's read and load took back to the operating system before the next file.

The load runs in the phase worker (ingest/phase_worker.py), one file after another; between two large files
this keeps the worker's peak near one file's, not the sum. Python objects are collected, Arrow's pool
releases its cached blocks, and glibc's malloc returns its free pages (malloc_trim; absent outside glibc,
where this step is skipped).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable

import pyarrow as pa


def release_memory(*, collect_cycles: bool = True) -> None:
    """Return freed memory to the operating system. `collect_cycles=False` skips Python's full cycle
    collection (~0.1 s once dlt and pyarrow are imported): Arrow buffers are freed by reference count as
    soon as their batches are dropped, so between two files only the pools need handing back."""
    if collect_cycles:
        gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up once (find_library runs ldconfig in a subprocess)."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    try:
        return ctypes.CDLL(libc_name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
