"""One writer at a time: an exclusive lock per warehouse, held for the whole ELT run.

DuckDB (and Spark, by its serving file): an `flock` on `<warehouse>.lock` beside the file. Postgres: a
session advisory lock in the warehouse database. Both are released by the operating system or the server
when the process ends, however it ends (`kill -9` included), so a crashed run never blocks the next one.
A second run waits up to `ELT_LOCK_WAIT` seconds (default 0), then exits with a clear message and exit
code 3.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ingest.warehouse import Target

# pg_advisory_lock key: the first 8 bytes of sha256("epidemic-elt") as a signed 64-bit integer.
ADVISORY_KEY = 5_404_210_781_353_436_155


class RunLockedError(RuntimeError):
    """Another ELT run is writing this warehouse."""


def _wait_seconds() -> float:
    return float(os.environ.get("ELT_LOCK_WAIT") or 0)


@contextmanager
def run_lock(target: Target) -> Iterator[None]:
    if target.uses_duckdb_file:
        with _file_lock(target):
            yield
    else:
        with _advisory_lock(target):
            yield


@contextmanager
def _file_lock(target: Target) -> Iterator[None]:
    live = target.duckdb_file
    path = live.with_name(live.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + _wait_seconds()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                    raise RunLockedError(
                        f"another ELT run (pid {holder}) is writing {live}; nothing was done. "
                        "Run again when it ends, or set ELT_LOCK_WAIT=<seconds> to wait for it."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def _advisory_lock(target: Target) -> Iterator[None]:
    import psycopg

    settings = target.postgres_settings
    with psycopg.connect(settings.url, autocommit=True) as conn:
        deadline = time.monotonic() + _wait_seconds()
        while not conn.execute("select pg_try_advisory_lock(%s)", [ADVISORY_KEY]).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise RunLockedError(
                    f"another ELT run is writing the Postgres warehouse {settings.database}; nothing was "
                    "done. Run again when it ends, or set ELT_LOCK_WAIT=<seconds> to wait for it."
                )
            time.sleep(0.5)
        yield  # the lock goes with the session
