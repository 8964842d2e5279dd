"""Values read from Arrow buffers (api.core.arrow_rows) equal pyarrow's own `as_py()`, value and type, for
every type the readers know, with nulls, and for the types they leave to pyarrow; the binary search of
a mapped copy (api.core.mapped_keys.SearchableKeys) finds what Python's own bisect finds."""

from __future__ import annotations

import bisect
import datetime as dt
import decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.core.arrow_rows import RowReader, value_reader
from api.core.mapped_keys import SearchableKeys

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
TYPED_VALUES = [
    (pa.int8(), st.integers(-(2**7), 2**7 - 1)),
    (pa.int16(), st.integers(-(2**15), 2**15 - 1)),
    (pa.int32(), st.integers(-(2**31), 2**31 - 1)),
    (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    (pa.uint8(), st.integers(0, 2**8 - 1)),
    (pa.uint64(), st.integers(0, 2**64 - 1)),
    (pa.float32(), st.floats(width=32, allow_nan=False)),
    (pa.float64(), st.floats(allow_nan=False)),
    (pa.bool_(), st.booleans()),
    (pa.string(), TEXT),
    (pa.large_string(), TEXT),
    (pa.date32(), DATES),
    # left to pyarrow
    (pa.timestamp("us"), st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1))),
    (pa.decimal128(12, 3), st.decimals(min_value=-(10**8), max_value=10**8, places=3, allow_nan=False)),
    (pa.binary(), st.binary(max_size=8)),
]


def _assert_read_as_pyarrow_does(column: pa.Array) -> None:
    read = value_reader(column)
    for position in range(len(column)):
        expected = column[position].as_py()
        assert read(position) == expected, (column.type, position)
        assert type(read(position)) is type(expected), (column.type, position)


@pytest.mark.parametrize(("arrow_type", "values"), TYPED_VALUES, ids=[str(kind) for kind, _ in TYPED_VALUES])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_values_equal_pyarrows(arrow_type: pa.DataType, values: st.SearchStrategy, data: st.DataObject) -> None:
    rows = data.draw(st.lists(st.one_of(st.none(), values), max_size=40))
    column = pa.array(rows, arrow_type)
    _assert_read_as_pyarrow_does(column)
    if len(column) > 2:
        _assert_read_as_pyarrow_does(column.slice(1, len(column) - 2))  # a slice's buffers start before it


def test_rows_of_a_table() -> None:
    table = pa.table(
        {
            "name": ["a", None, "é"],
            "day": [dt.date(2020, 1, 22), None, dt.date(1969, 12, 31)],
            "count": [1, None, -3],
            "share": [0.5, 1.25, None],
            "flag": [True, False, None],
            "amount": pa.array([decimal.Decimal("1.5"), None, None], pa.decimal128(4, 2)),
        }
    )
    reader = RowReader(table.column_names, [column.chunk(0) for column in table.columns])
    assert [reader.row(position) for position in range(3)] == table.to_pylist()


SORTED_KEYS = [
    (pa.string(), TEXT, str.encode),
    (pa.large_string(), TEXT, str.encode),
    (pa.binary(), st.binary(max_size=6), bytes),
    (pa.int64(), st.integers(-(2**63), 2**63 - 1), int),
    (pa.int16(), st.integers(-(2**15), 2**15 - 1), int),
    (pa.date32(), DATES, lambda day: day),
]


@pytest.mark.parametrize(("arrow_type", "values", "_"), SORTED_KEYS, ids=[str(kind) for kind, _, _ in SORTED_KEYS])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_binary_search_finds_what_bisect_finds(
    arrow_type: pa.DataType, values: st.SearchStrategy, _: object, data: st.DataObject
) -> None:
    keys = sorted(set(data.draw(st.lists(values, min_size=1, max_size=60))), key=_byte_order)
    size = data.draw(st.integers(1, 7))
    batches = [pa.array(keys[start : start + size], arrow_type) for start in range(0, len(keys), size)]
    searchable = SearchableKeys.of(batches)
    first_keys = [key_at(0) for key_at in searchable.key_at]
    for wanted in [*keys, *data.draw(st.lists(values, max_size=10))]:
        comparable = searchable.comparable(wanted)
        batch = bisect.bisect_right(first_keys, comparable) - 1
        found = None
        if batch >= 0:
            key_at = searchable.key_at[batch]
            row = bisect.bisect_left(range(len(batches[batch])), comparable, key=key_at)
            if row < len(batches[batch]) and key_at(row) == comparable:
                found = batches[batch][row].as_py()
        assert found == (wanted if wanted in keys else None)


def test_a_value_of_another_type_is_refused() -> None:
    for arrow_type, wrong in [(pa.string(), 1), (pa.int64(), "1"), (pa.int64(), True), (pa.date32(), "2020-01-01")]:
        searchable = SearchableKeys.of([pa.array([], arrow_type)])
        with pytest.raises((TypeError, AttributeError)):
            searchable.comparable(wrong)


def _byte_order(value: object) -> object:
    """DuckDB's order of a key: strings by their UTF-8 bytes."""
    return value.encode() if isinstance(value, str) else value
