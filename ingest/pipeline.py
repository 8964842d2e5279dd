"""The dlt load: Arrow tables of raw text in, one `raw` schema out, in a single load package.

Arrow tables go to dlt as-is and are written as parquet loader files, which DuckDB reads natively
and Postgres receives through ADBC's COPY path: no row-by-row Python anywhere.
"""

from __future__ import annotations

import os
import tempfile

import pyarrow as pa

from ingest.registry import REGISTRY_TABLE
from ingest.rejects import REJECTS_TABLE
from ingest.warehouse import Target

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")


def raw_resources(tables: dict[str, pa.Table], registry: pa.Table, rejected: pa.Table) -> list:
    """One dlt resource per changed file (replacing that file's table), the whole registry and rejected lines."""
    import dlt

    resources = [dlt.resource(table, name=name, write_disposition="replace") for name, table in tables.items()]
    resources.append(dlt.resource(registry, name=REGISTRY_TABLE, write_disposition="replace"))
    if rejected.num_rows:  # ADBC cannot ingest an empty table: then elt.py empties it with SQL
        resources.append(dlt.resource(rejected, name=REJECTS_TABLE, write_disposition="replace"))
    return resources


def load_raw(target: Target, tables: dict[str, pa.Table], registry: pa.Table, rejected: pa.Table) -> None:
    """Load the changed files and the registry into the raw schema; raise if any job failed."""
    import dlt

    # A throwaway working folder: a crashed earlier run leaves no pending package to replay.
    with tempfile.TemporaryDirectory(prefix="elt-dlt-") as pipelines_dir:
        pipeline = dlt.pipeline(
            pipeline_name="epidemic_raw",
            destination=target.dlt_destination(),
            dataset_name=target.raw_schema,
            pipelines_dir=pipelines_dir,
        )
        info = pipeline.run(raw_resources(tables, registry, rejected), loader_file_format="parquet")
        info.raise_on_failed_jobs()
