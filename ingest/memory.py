"""Hand the memory of the read and load phases back to the operating system before dbt starts.

dbt runs in its own process with its own DuckDB budget; what the ELT process still holds then only adds to
the run's peak. Python objects are collected, Arrow's pool releases its cached blocks, and glibc's malloc
returns its free pages (malloc_trim; absent outside glibc, where this step is skipped).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

import pyarrow as pa


def release_memory() -> None:
    gc.collect()
    pa.default_memory_pool().release_unused()
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return
    try:
        ctypes.CDLL(libc_name).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        return
