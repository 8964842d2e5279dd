"""Reads by key on a mart too large to hold in memory: a copy sorted by key, memory-mapped.

DuckDB has no cheap point read on a large table: a `where key = ?` scans the key column (the daily fact
at 100x, 17 M rows: no read answered within 10 s under load), and an index on the key (an ART, which
DuckDB keeps in memory) does not fit the ELT's 1 GB budget at that size. So once per warehouse file an
API worker writes the mart, sorted by its key, to an Arrow IPC file (uncompressed, in batches of
BATCH_ROWS, streamed from DuckDB: bounded memory, the worker's DuckDB spilling its sort to disk) and maps
it. A read is then a binary search, first over the batches' first keys, then within one batch, and the
row is assembled from the mapped columns; the operating system pages in what is read, and can drop it
again, so the worker's own memory stays small.

The file is built once per warehouse file for all workers of a machine: the first takes a lock and
writes it, the others wait for the lock and map the file it wrote. Files of replaced warehouse files are
removed when a new one is built (a worker still reading an old file keeps its mapping until it lets go).
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa

BATCH_ROWS = 65_536


def cache_folder(warehouse_path: Path, identity: tuple[int, int], root: Path) -> Path:
    """Where the sorted copies of one warehouse file go under `root`: one folder per warehouse path (the
    tests and benchmarks serve several on one machine), with one subfolder per version of the file."""
    digest = hashlib.sha256(str(warehouse_path.resolve()).encode()).hexdigest()[:16]
    return root / digest / f"{identity[0]}-{identity[1]}"


class MappedKeyedTable:
    """A mart written sorted by `key` to an Arrow IPC file and memory-mapped."""

    def __init__(self, path: Path, key: str) -> None:
        reader = pa.ipc.open_file(pa.memory_map(str(path)))
        self.names = reader.schema.names
        self.key_position = self.names.index(key)
        # The columns of each batch, wrapped once: pyarrow makes new wrappers at each `batch.columns`.
        self.batches = [reader.get_batch(i).columns for i in range(reader.num_record_batches)]
        self.first_keys = [columns[self.key_position][0].as_py() for columns in self.batches]

    @classmethod
    def build(cls, cursor: Any, schema: str, table: str, key: str, folder: Path) -> MappedKeyedTable:
        """Write the mart sorted by `key` into `folder`, or map the copy another worker wrote, and
        return it."""
        relation = f'"{schema}"."{table}"'
        path = folder / f"{schema}.{table}.arrow"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{path.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be writing it: wait, then map its file
            if not path.exists():
                _remove_older_versions(folder)
                _write_sorted(cursor, relation, key, path)
        return cls(path, key)

    def get(self, value: Any) -> dict[str, Any] | None:
        try:
            batch_number = bisect.bisect_right(self.first_keys, value) - 1
        except TypeError:  # a value of another type than the key's: no such row
            return None
        if batch_number < 0:
            return None
        columns = self.batches[batch_number]
        keys = columns[self.key_position]
        low, high = 0, len(keys)
        while low < high:
            middle = (low + high) // 2
            if keys[middle].as_py() < value:
                low = middle + 1
            else:
                high = middle
        if low == len(keys) or keys[low].as_py() != value:
            return None
        return {name: column[low].as_py() for name, column in zip(self.names, columns, strict=True)}


def _write_sorted(cursor: Any, relation: str, key: str, path: Path) -> None:
    """Stream the sorted rows into a file beside `path`, then rename it: `path` is never a partial file."""
    partial = path.with_name(path.name + ".partial")
    reader = cursor.execute(f'select * from {relation} order by "{key}"').fetch_record_batch(BATCH_ROWS)  # noqa: S608 - a model's table and key
    try:
        with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, reader.schema) as writer:
            for batch in reader:
                if batch.num_rows:
                    writer.write_batch(batch)
        os.replace(partial, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def _remove_older_versions(folder: Path) -> None:
    """The copies of the warehouse file's earlier versions: siblings of `folder` named for an older
    modification time (a worker still draining an older file must not remove a newer one's)."""
    modified = int(folder.name.split("-")[1])
    for sibling in folder.parent.iterdir():
        with contextlib.suppress(IndexError, ValueError):
            if int(sibling.name.split("-")[1]) < modified:
                shutil.rmtree(sibling, ignore_errors=True)
