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

from ingest.catalog import SourceFile, raw_column
from ingest.reader import PROVENANCE_COLUMNS
from ingest.warehouse import duckdb_settings

DATE_CELLS_COLUMN = "_date_cells"


def uses_date_cells(target_name: str, spec: SourceFile) -> bool:
    """Whether this file's raw table on this target holds its date cells in `_date_cells`."""
    return target_name in ("duckdb", "postgres") and spec.layout == "wide"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def date_cells_sql(spec: SourceFile, columns: list[str], relation: str) -> str:
    """A DuckDB select of `relation` (a batch of the staged Parquet file, columns named by the headers as
    written) keeping every other column and packing the date columns into `_date_cells` as JSON text."""
    ids = set(spec.required_columns)
    kept, dates = [], []
    for name in columns:
        if name in ids or name in PROVENANCE_COLUMNS:
            kept.append(_quoted(name))
        else:
            dates.append(f"{_quoted(raw_column(name))} := {_quoted(name)}")
    # struct_pack() takes no arguments when a file has no date column: an empty object then.
    cells = f"cast(to_json(struct_pack({', '.join(dates)})) as varchar)" if dates else "'{}'"
    return f"select {', '.join(kept)}, {cells} as {DATE_CELLS_COLUMN} from {relation}"  # noqa: S608 - names quoted


def with_date_cells(spec: SourceFile, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The batches with their date columns replaced by one JSON text column, `_date_cells`."""
    import duckdb

    with duckdb.connect(config=duckdb_settings()) as conn:
        for batch in batches:
            conn.register("wide_batch", batch)
            converted = conn.execute(date_cells_sql(spec, batch.schema.names, "wide_batch")).fetch_arrow_table()
            conn.unregister("wide_batch")
            yield from converted.to_batches()
