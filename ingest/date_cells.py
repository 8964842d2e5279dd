"""On DuckDB and Postgres a wide file's date cells are one JSON value per row, not one column per date.

Postgres caps a table at 1,600 columns, and a wide file has one column per day (the benchmark's 10x copies
have 1,888, its 100x copies 18,804); DuckDB takes more, but each column of a table being written holds its
own buffers, so a table of 18,804 columns does not load within a 1 GB memory budget. So on both, every
wide file's raw table keeps its id columns (the catalog's headers) as text columns, as everywhere, and
holds all its date cells in one JSON column (`jsonb` on Postgres), `_date_cells`: an object
{raw column name (`_1_22_20`) -> cell text exactly as written}, empty strings included. One layout for
every wide file there, however narrow, so there is one code path to load, model and test. Spark keeps one
column per date in its Parquet lake (a columnar file format made for it); the staging macro
`wide_date_cells` reads either layout and gives the same rows.

The conversion is columnar: each record batch of the staged Parquet file is rewritten by DuckDB
(`to_json(struct_pack(...))`) before dlt loads it, never a Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from ingest.catalog import SourceFile, raw_column
from ingest.reader import PROVENANCE_COLUMNS
from ingest.warehouse import duckdb_settings

DATE_CELLS_COLUMN = "_date_cells"


def uses_date_cells(target_name: str, spec: SourceFile) -> bool:
    """Whether this file's raw table on this target holds its date cells in `_date_cells`."""
    return target_name in ("duckdb", "postgres") and spec.layout == "wide"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Date columns turned into JSON per query: DuckDB scans a batch 2,048 rows at a time, one vector per
# column, so a query over all of a file's 18,804 date columns needs ~600 MB whatever the row count.
COLUMNS_PER_QUERY = 1000


def split_columns(spec: SourceFile, columns: list[str]) -> tuple[list[str], list[str]]:
    """A batch's columns (headers as written): those kept as they are (ids, provenance), and the dates."""
    ids = set(spec.required_columns)
    kept = [name for name in columns if name in ids or name in PROVENANCE_COLUMNS]
    return kept, [name for name in columns if name not in kept]


def date_cells_sql(dates: list[str], relation: str) -> str:
    """A DuckDB select of one JSON object (text) per row of `relation`: {raw column: cell} of `dates`."""
    fields = ", ".join(f"{_quoted(raw_column(name))} := {_quoted(name)}" for name in dates)
    return f"select cast(to_json(struct_pack({fields})) as varchar) as cells from {relation}"  # noqa: S608 - names quoted


def with_date_cells(spec: SourceFile, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The batches with their date columns replaced by one JSON text column, `_date_cells`. The dates are
    turned into JSON `COLUMNS_PER_QUERY` columns at a time and the objects joined, all in columnar calls."""
    import duckdb

    # Row order must hold: each query's rows are joined to the others' by position.
    with duckdb.connect(config={**duckdb_settings(), "preserve_insertion_order": "true", "threads": "1"}) as conn:
        for batch in batches:
            kept, dates = split_columns(spec, batch.schema.names)
            members = []  # per group of dates: the object's members, without the braces
            for start in range(0, len(dates), COLUMNS_PER_QUERY):
                conn.register("date_group", batch.select(dates[start : start + COLUMNS_PER_QUERY]))
                objects = conn.execute(date_cells_sql(dates[start : start + COLUMNS_PER_QUERY], "date_group"))
                members.append(pc.utf8_slice_codeunits(objects.fetch_arrow_table().column(0).combine_chunks(), 1, -1))
                conn.unregister("date_group")
            if members:
                cells = pc.binary_join_element_wise("{", pc.binary_join_element_wise(*members, ","), "}", "")
            else:  # a file without date columns: an empty object per row
                cells = pa.repeat(pa.scalar("{}", pa.string()), batch.num_rows)
            yield pa.RecordBatch.from_arrays(
                [*(batch.column(name) for name in kept), cells], names=[*kept, DATE_CELLS_COLUMN]
            )
