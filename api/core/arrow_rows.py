"""One row of Arrow columns as a dict of Python values, read straight from the columns' buffers.

A read by key returns one row of a mart held as Arrow columns (api.core.warehouse.KeyedTable, or
api.core.mapped_keys.MappedKeyedTable for a large one). Through pyarrow, each value costs a scalar object
and its `as_py()` (about 1.5 microseconds; 40 for a row of the daily fact, more than the search for it).
Here each column gets a reader, made once, that indexes the column's buffers through a memoryview:
strings, integers, floats, booleans and dates, the types of the marts, with their nulls. Any other
type is read through pyarrow as before. The values and their Python types are those pyarrow gives
(and DuckDB's own fetch: a test compares them with SQL's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pyarrow as pa

Reader = Callable[[int], Any]

_DAYS_BEFORE_EPOCH = dt.date(1970, 1, 1).toordinal()
_FIXED_WIDTH_CODES = {
    pa.int8(): "b",
    pa.int16(): "h",
    pa.int32(): "i",
    pa.int64(): "q",
    pa.uint8(): "B",
    pa.uint16(): "H",
    pa.uint32(): "I",
    pa.uint64(): "Q",
    pa.float32(): "f",
    pa.float64(): "d",
    pa.date32(): "i",
}


class RowReader:
    """Rows of equally long Arrow arrays (one per column, named), as dicts."""

    def __init__(self, names: list[str], columns: list[pa.Array]) -> None:
        self.readers = [(name, value_reader(column)) for name, column in zip(names, columns, strict=True)]

    def row(self, position: int) -> dict[str, Any]:
        return {name: read(position) for name, read in self.readers}


def value_reader(column: pa.Array) -> Reader:
    """A function from a row position to the column's value there, as pyarrow's `as_py()` gives it."""
    if column.offset:  # a slice: its buffers start before it
        return pyarrow_reader(column)
    read = _buffer_reader(column)
    if read is None:
        return pyarrow_reader(column)
    if not column.null_count:
        return read
    validity = memoryview(column.buffers()[0])

    def read_or_none(position: int) -> Any:
        return read(position) if validity[position >> 3] >> (position & 7) & 1 else None

    return read_or_none


def _buffer_reader(column: pa.Array) -> Reader | None:
    kind, rows = column.type, len(column)
    if rows == 0 or column.null_count == rows:
        return None
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        offsets, data = variable_width_buffers(column)
        return lambda position: str(data[offsets[position] : offsets[position + 1]], "utf-8")
    if pa.types.is_date32(kind):
        days = fixed_width_values(column)
        return lambda position: dt.date.fromordinal(days[position] + _DAYS_BEFORE_EPOCH)
    if kind in _FIXED_WIDTH_CODES:
        return fixed_width_values(column).__getitem__
    if pa.types.is_boolean(kind):
        bits = memoryview(column.buffers()[1])
        return lambda position: bool(bits[position >> 3] >> (position & 7) & 1)
    return None


def variable_width_buffers(column: pa.Array) -> tuple[memoryview, memoryview]:
    """(offsets, data) of a string or binary column (large ones too) without nulls or offset: value i is
    data[offsets[i]:offsets[i + 1]]."""
    wide = pa.types.is_large_string(column.type) or pa.types.is_large_binary(column.type)
    _validity, offsets, data = column.buffers()
    width, code = (8, "q") if wide else (4, "i")
    return memoryview(offsets)[: (len(column) + 1) * width].cast(code), memoryview(data if data is not None else b"")


def fixed_width_values(column: pa.Array) -> memoryview:
    """The values of an integer, float or date32 column (dates as days since 1970-01-01), indexable."""
    code = _FIXED_WIDTH_CODES[column.type]
    return memoryview(column.buffers()[1])[: len(column) * column.type.bit_width // 8].cast(code)


def pyarrow_reader(column: pa.Array) -> Reader:
    """Through pyarrow's scalars: any type, nulls and slices included."""
    return lambda position: column[position].as_py()
