"""Build beside the live warehouse and swap the result in only when the whole run succeeded.

- DuckDB (and Spark's serving file, ingest/lake.py): the run works on a copy of the warehouse file (same
  file name in a build folder, so dbt-duckdb's catalog name is unchanged) and `os.replace` swaps it in:
  readers see the old file or the new one, never a half-built one, and raw is swapped with the marts.
- Postgres: dlt loads the changed files into `raw_build` (the unchanged ones are views there over
  `raw`), and dbt builds the modelled schemas under a `__build` suffix; one transaction then moves the
  loaded raw tables into `raw` and renames the built schemas over the live ones, so raw and marts become
  visible together. If anything fails the live schemas are untouched; the next run starts again.
- Spark: dlt replaces the changed files' raw Parquet in the lake in place and dbt-spark rebuilds its
  tables in place (a build area, not for readers); the marts are published into the serving DuckDB file,
  which is swapped in as above. After a failure the published marts are unchanged, and the next run
  rebuilds (the run log holds the last successful build's fingerprint, which the new raw no longer matches).
In every case a failed build is left in place for inspection until the next run starts.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.warehouse import RAW_BUILD_SCHEMA, RAW_SCHEMA, Target, connect

MODELLED_SCHEMAS = ("reference", "staging", "intermediate", "marts")
RAW_BUILD = RAW_BUILD_SCHEMA
BUILD_SUFFIX = "__build"
OLD_SUFFIX = "__old"


@contextmanager
def staged(target: Target) -> Iterator[Target]:
    """Yield the target to build into; on normal exit, make it the live warehouse."""
    if target.uses_duckdb_file:
        with _staged_duckdb(target) as work:
            yield work
    else:
        with _staged_postgres(target) as work:
            yield work


@contextmanager
def writable(target: Target) -> Iterator[Target]:
    """A target for small bookkeeping writes (the run log) that never opens a live DuckDB file for
    writing, so API readers holding it open never block the ELT: DuckDB goes through a staged copy."""
    if target.uses_duckdb_file:
        with _staged_duckdb(target) as work:
            yield work
    else:
        yield target


@contextmanager
def _staged_duckdb(target: Target) -> Iterator[Target]:
    live = target.duckdb_file
    build_dir = live.parent / f".{live.stem}-build"
    build_dir.mkdir(parents=True, exist_ok=True)
    build = build_dir / live.name
    build.unlink(missing_ok=True)
    Path(f"{build}.wal").unlink(missing_ok=True)
    if live.exists():
        if Path(f"{live}.wal").exists():
            # Only after a writer outside the ELT crashed on the live file (the ELT never writes to it).
            with connect(target) as conn:
                conn.execute("checkpoint")
        shutil.copyfile(live, build)
    try:
        yield target.at(build)
    except BaseException:
        print(f"The live warehouse is unchanged; the failed build is kept for inspection at {build}", flush=True)
        raise
    if Path(f"{build}.wal").exists():
        with connect(target.at(build)) as conn:
            conn.execute("checkpoint")
    os.replace(build, live)
    shutil.rmtree(build_dir, ignore_errors=True)


@contextmanager
def _staged_postgres(target: Target) -> Iterator[Target]:
    with connect(target) as conn:
        for schema in (*(s + BUILD_SUFFIX for s in MODELLED_SCHEMAS), RAW_BUILD):
            conn.execute(f'drop schema if exists "{schema}" cascade')
    try:
        yield target.with_schema_suffix(BUILD_SUFFIX)
    except BaseException:
        print(
            f"The live schemas are unchanged; the failed build is kept for inspection in "
            f"{', '.join((RAW_BUILD, *(s + BUILD_SUFFIX for s in MODELLED_SCHEMAS)))}",
            flush=True,
        )
        raise
    swap_postgres_schemas(target)


def swap_postgres_schemas(target: Target) -> None:
    """Rename every `<schema>__build` over `<schema>` in one transaction, then drop the old ones."""
    import psycopg

    with psycopg.connect(target.postgres_settings.url) as conn, conn.transaction():
        existing = {row[0] for row in conn.execute("select schema_name from information_schema.schemata")}
        for schema in MODELLED_SCHEMAS:
            if f"{schema}{BUILD_SUFFIX}" not in existing:
                continue
            conn.execute(f'drop schema if exists "{schema}{OLD_SUFFIX}" cascade')
            if schema in existing:
                conn.execute(f'alter schema "{schema}" rename to "{schema}{OLD_SUFFIX}"')
            conn.execute(f'alter schema "{schema}{BUILD_SUFFIX}" rename to "{schema}"')
            conn.execute(f'drop schema if exists "{schema}{OLD_SUFFIX}" cascade')
        if RAW_BUILD in existing:  # after the old modelled schemas are gone: nothing depends on old raw
            _move_raw_tables(conn)


def _move_raw_tables(conn) -> None:
    """The tables the run loaded into raw_build replace their live raw ones (its views of unchanged tables
    and dlt's bookkeeping go with the schema)."""
    loaded = [
        row[0]
        for row in conn.execute(
            "select table_name from information_schema.tables "
            "where table_schema = %s and table_type = 'BASE TABLE' and table_name not like '\\_dlt%%'",
            [RAW_BUILD],
        )
    ]
    conn.execute(f'create schema if not exists "{RAW_SCHEMA}"')
    for table in loaded:
        conn.execute(f'drop table if exists "{RAW_SCHEMA}"."{table}"')
        conn.execute(f'alter table "{RAW_BUILD}"."{table}" set schema "{RAW_SCHEMA}"')
    conn.execute(f'drop schema "{RAW_BUILD}" cascade')
