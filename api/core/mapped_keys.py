"""Reads by key on a mart too large to hold in memory: a copy sorted by key, memory-mapped.

DuckDB has no cheap point read on a large table: a `where key = ?` scans the key column (the daily fact
at 100x, 17 M rows: no read answered within 10 s under load), and an index on the key (an ART, which
DuckDB keeps in memory) does not fit the ELT's 1 GB budget at that size. So once per warehouse file an
API worker writes the mart, sorted by its key, to an Arrow IPC file (uncompressed, in batches of
BATCH_ROWS, streamed from DuckDB: bounded memory, the worker's DuckDB spilling its sort to disk) and maps
it. A read is then a binary search, first over the batches' first keys, then within one batch (on
the key column's buffers: SearchableKeys), and the row is assembled from the mapped columns; the
operating system pages in what is read, and can drop it again, so the worker's own memory stays small.

The file is built once per warehouse file for all workers of a machine: the first takes a lock and
writes it, the others wait for the lock and map the file it wrote. Files of replaced warehouse files are
removed when a new one is built (a worker still reading an old file keeps its mapping until it lets go).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from api.core.arrow_rows import RowReader, fixed_width_values, pyarrow_reader, variable_width_buffers

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
        self.searchable = SearchableKeys.of([columns[self.key_position] for columns in self.batches])
        self.first_keys = [keys_at(0) for keys_at in self.searchable.key_at]
        self.rows: list[RowReader | None] = [None] * len(self.batches)  # made on a batch's first read

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
        searchable = self.searchable
        try:
            wanted = searchable.comparable(value)
            batch_number = bisect.bisect_right(self.first_keys, wanted) - 1
            if batch_number < 0:
                return None
            key_at = searchable.key_at[batch_number]
            columns = self.batches[batch_number]
            rows = len(columns[self.key_position])
            row = bisect.bisect_left(range(rows), wanted, key=key_at)
        except (TypeError, AttributeError, OverflowError):  # a value of another type than the key's: no such row
            return None
        if row == rows or key_at(row) != wanted:
            return None
        rows_of_batch = self.rows[batch_number]
        if rows_of_batch is None:
            rows_of_batch = self.rows[batch_number] = RowReader(self.names, columns)
        return rows_of_batch.row(row)


class SearchableKeys:
    """The sorted key column of each batch, read for a binary search straight from its mapped buffers
    where the type allows (strings and binaries as bytes, integers, dates as days), so a search step
    costs a buffer slice rather than a pyarrow scalar (~0.2 against ~1.5 microseconds). Bytes compare
    as DuckDB sorts VARCHAR (UTF-8 byte order). Other types, or a key column with nulls, compare as
    Python values."""

    def __init__(self, key_at: list[Callable[[int], Any]], comparable: Callable[[Any], Any]) -> None:
        self.key_at = key_at  # per batch: the key of row i, in the comparable form
        self.comparable = comparable  # a requested value in the same form (raises on a wrong type)

    @classmethod
    def of(cls, columns: list[pa.Array]) -> SearchableKeys:
        key_type = columns[0].type if columns else pa.null()
        if any(column.null_count or column.offset for column in columns):
            return cls([pyarrow_reader(column) for column in columns], _same)
        if pa.types.is_string(key_type) or pa.types.is_large_string(key_type):
            return cls([_byte_strings(column) for column in columns], _utf8)
        if pa.types.is_binary(key_type) or pa.types.is_large_binary(key_type):
            return cls([_byte_strings(column) for column in columns], bytes)
        if pa.types.is_integer(key_type):
            return cls([fixed_width_values(column).__getitem__ for column in columns], _integer)
        if pa.types.is_date32(key_type):
            return cls([fixed_width_values(column).__getitem__ for column in columns], _days)
        return cls([pyarrow_reader(column) for column in columns], _same)


_EPOCH = dt.date(1970, 1, 1)


def _byte_strings(column: pa.Array) -> Callable[[int], bytes]:
    offsets, data = variable_width_buffers(column)
    return lambda row: data[offsets[row] : offsets[row + 1]].tobytes()


def _same(value: Any) -> Any:
    return value


def _utf8(value: str) -> bytes:
    return value.encode()  # AttributeError for a value that is not a string


def _integer(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


def _days(value: dt.date) -> int:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(value)
    return (value - _EPOCH).days


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
