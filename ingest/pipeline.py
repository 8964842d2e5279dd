"""The dlt load: the parsed files' rows as Arrow record batches in, one `raw` schema out, in a single load package.

Each changed file is one dlt resource that reads its staged Parquet file (ingest/reader.py) a batch at a
time, so neither this process nor dlt holds a whole file: dlt writes each batch on to its own parquet
loader files as it arrives (its buffer counts rows: `data_writer.buffer_max_items`, 5000 by default, is
below one batch, so every batch is flushed at once) and rotates them at `file_max_items` rows. DuckDB
reads those files natively and Postgres receives them through ADBC's COPY path, a row group at a time:
no row-by-row Python anywhere. On Postgres a wide file's date columns are packed into one `jsonb` column on
the way (ingest/date_cells.py): dlt creates it as `json` (ADBC cannot COPY into `jsonb`), and it is turned
into `jsonb` once loaded.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from ingest import registry as reg
from ingest import rejects
from ingest.catalog import catalog
from ingest.date_cells import DATE_CELLS_COLUMN, uses_date_cells, with_date_cells
from ingest.edits import write_edits
from ingest.failpoints import crash_point
from ingest.memory import release_memory
from ingest.phase_worker import elt_process
from ingest.plan import Plan
from ingest.raw_tables import empty_rejected_lines, ensure_raw_tables
from ingest.reader import ParsedFile
from ingest.registry import REGISTRY_TABLE
from ingest.rejects import REJECTS_TABLE
from ingest.warehouse import Target, connect, temp_dir

BATCH_ROWS = 65_536  # rows handed to dlt at a time: a few MB of text columns
# Load jobs at once on Postgres (and into Spark's lake). Each job holds its loader file (up to FILE_MAX_ROWS
# rows) while it copies it in: on Postgres at 100x (22.6 M rows), dlt's default of 20 took the loader to 6.6 GB,
# 2 jobs to 1.4 GB (1 job: 1.2 GB), in the same time (96-98 s; 1 job: 102 s).
DLT_LOAD_WORKERS = 2
FILE_MAX_ROWS = 1_000_000  # rows per loader file dlt writes: bounds what a load job reads at once
# dlt reads its configuration from the environment; a variable the user sets wins over these.
DLT_DEFAULTS = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "DATA_WRITER__FILE_MAX_ITEMS": str(FILE_MAX_ROWS),
    # One file's batches after another (dlt's default, round_robin, takes a batch of each resource in turn, so
    # every file's reader is open at once: three 100x wide files of 18,804 columns held 1.86 GB together in the
    # extract, 1.12 GB one after another).
    "EXTRACT__NEXT_ITEM_MODE": "fifo",
}


def _batches(parsed: ParsedFile) -> Iterator[pa.RecordBatch]:
    yield from parsed.batches(BATCH_ROWS)


COLLECT_AFTER_BYTES = 8 << 20  # parsed size (Parquet) from which a file's load ends with a full gc


def _released(batches: Iterator[pa.RecordBatch], file: ParsedFile) -> Iterator[pa.RecordBatch]:
    """The batches, then the memory their reading took handed back before the next file is read. Python's
    full cycle collection (~0.14 s once dlt is imported) only after a large file (COLLECT_AFTER_BYTES):
    beside its load it costs little, and the small files (all of the sample's) skip it."""
    collect_cycles = file.path.stat().st_size >= COLLECT_AFTER_BYTES
    yield from batches
    release_memory(collect_cycles=collect_cycles)


def _packed_tables(target: Target, parsed: dict[str, ParsedFile]) -> set[str]:
    """The loaded raw tables whose date cells go into `_date_cells` on this target."""
    specs = {spec.table: spec for spec in catalog().sources}
    return {name for name in parsed if name in specs and uses_date_cells(target.name, specs[name])}


def raw_resources(
    parsed: dict[str, ParsedFile], registry: pa.Table, rejected: pa.Table, packed: frozenset[str] = frozenset()
) -> list:
    """One dlt resource per changed file (replacing that file's table), the whole registry and rejected lines.
    The files in `packed` have their date columns packed into `_date_cells` (see ingest/date_cells.py)."""
    import dlt

    specs = {spec.table: spec for spec in catalog().sources}
    resources = []
    for name, file in parsed.items():
        if name in packed:
            batches = _released(with_date_cells(specs[name], _batches(file)), file)
            columns = {DATE_CELLS_COLUMN: {"data_type": "json"}}
            resources.append(dlt.resource(batches, name=name, write_disposition="replace", columns=columns))
        else:
            resources.append(dlt.resource(_released(_batches(file), file), name=name, write_disposition="replace"))
    resources.append(dlt.resource(registry, name=REGISTRY_TABLE, write_disposition="replace"))
    if rejected.num_rows:  # ADBC cannot ingest an empty table: then elt.py empties it with SQL
        resources.append(dlt.resource(rejected, name=REJECTS_TABLE, write_disposition="replace"))
    return resources


def load_raw(target: Target, parsed: dict[str, ParsedFile], registry: pa.Table, rejected: pa.Table) -> None:
    """Load the changed files and the registry into the raw schema; raise if any job failed."""
    # Set here, in the process that loads (the phase worker takes the ELT's environment as its run starts).
    for name, value in DLT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    import dlt

    # A throwaway working folder: a crashed earlier run leaves no pending package to replay.
    with tempfile.TemporaryDirectory(prefix="elt-dlt-", dir=temp_dir()) as pipelines_dir:
        pipeline = dlt.pipeline(
            pipeline_name="epidemic_raw",
            destination=target.dlt_destination(),
            dataset_name=target.raw_schema,
            pipelines_dir=pipelines_dir,
        )
        packed = _packed_tables(target, parsed)
        pipeline.extract(raw_resources(parsed, registry, rejected, frozenset(packed)), loader_file_format="parquet")
        pipeline.normalize()
        info = pipeline.load(workers=load_workers(target))
        info.raise_on_failed_jobs()
    if packed and target.name == "postgres":
        with connect(target) as conn:
            for name in sorted(packed):
                conn.execute(
                    f"alter table {target.raw_schema}.{name} alter column {DATE_CELLS_COLUMN} "  # catalog tables
                    f"type jsonb using {DATE_CELLS_COLUMN}::jsonb"
                )


@dataclass
class RawChanges:
    """What a run loads into raw: the changed files, the whole registry and every rejected line."""

    parsed: dict[str, ParsedFile]
    entries: list[reg.RegistryEntry]
    rejected: dict[str, list[dict]]  # file name -> its rejected lines

    @classmethod
    def of(cls, plan: Plan) -> RawChanges:
        return cls(plan.parsed, [plan.registry[name] for name in sorted(plan.registry)], plan.rejects)


def fill_raw(target: Target, changes: RawChanges | None, edits: pa.Table) -> list[str]:
    """The run's raw schema, ready for dbt: the changes loaded (if any), every table dbt reads present (returns
    the names created empty) and the API's edits written. Runs in the phase worker (ingest/phase_worker.py),
    which is where dlt (and, through DuckDB's Arrow scans, pandas) is imported."""
    rejected_rows = None
    if changes is not None:
        crash_point("during_load", process=elt_process())  # the ELT process this worker works for
        rejected = rejects.to_arrow(changes.rejected)
        load_raw(target, changes.parsed, reg.to_arrow(changes.entries), rejected)
        rejected_rows = rejected.num_rows
    with connect(target) as conn:
        if rejected_rows == 0:  # not loaded (ADBC cannot ingest an empty table): emptied here
            empty_rejected_lines(conn, target)
        created = ensure_raw_tables(conn, target)
        write_edits(conn, target, edits)
    return created


def load_workers(target: Target) -> int:
    """Load jobs run at once. One DuckDB file takes one writer at a time anyway, and each job's insert holds
    its own buffers: in parallel (dlt's default, 20) the loader's memory grows with the number of files
    (1.6 GB for two files of 4.9 and 3.5 M rows, 0.7 GB one at a time, with the same budget). Postgres (and
    Spark's lake, written as files) take a few at once (DLT_LOAD_WORKERS)."""
    return 1 if target.name == "duckdb" else DLT_LOAD_WORKERS
