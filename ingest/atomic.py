"""Build beside the live warehouse and swap the result in only when the whole run succeeded.

- DuckDB (and Spark's serving file, ingest/lake.py): the run works on a file beside the live one (same
  file name in a build folder, so dbt-duckdb's catalog name is unchanged) and `os.replace` swaps it in:
  readers see the old file or the new one, never a half-built one, and raw is swapped with the marts.
  The build file is not a copy of the live one, which would cost a run O(warehouse): the file replaced at
  the last swap is kept (a hard link, `.<name>-previous/`, so two versions are on disk) and becomes the
  next build, brought up to date from the live file with what the last run changed: the raw tables of
  the files it loaded (the registry says which), the bookkeeping tables (registry, rejected lines, the
  run log). Its models are left as they are: they are one build behind, and the next dbt build's scope
  (ingest/build_scope.py: from the build file's own record of what its models were made from) covers
  the changes of both runs. When the previous version is missing, or still open in a reader (DuckDB then
  refuses a writer), the run copies the live file as before.
- Postgres: dlt loads the changed files into `raw_build` (the unchanged ones are views there over
  `raw`), and dbt builds the modelled schemas under a `__build` suffix; one transaction then moves the
  loaded raw tables into `raw` and renames the built schemas over the live ones, so raw and marts become
  visible together. The schemas replaced there are not dropped but kept as `<schema>__previous` (two
  versions of the models on the server), and the next run builds in them, as DuckDB builds in its
  previous file: their models are one build behind, and the build scope (from the record of what they
  were made from, which they hold) covers the changes of both runs. Raw needs no catching up: it is
  shared, not part of the kept schemas. If anything fails the live schemas are untouched; the next run
  builds whole from empty schemas.
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

from ingest.sql_literals import duckdb_literal
from ingest.warehouse import RAW_BUILD_SCHEMA, RAW_SCHEMA, Target, connect, duckdb_settings

MODELLED_SCHEMAS = ("reference", "staging", "intermediate", "marts")
RAW_BUILD = RAW_BUILD_SCHEMA
BUILD_SUFFIX = "__build"
PREVIOUS_SUFFIX = "__previous"


@contextmanager
def staged(target: Target, builds_models: bool = True, code: str | None = None) -> Iterator[Target]:
    """Yield the target to build into; on normal exit, make it the live warehouse. `builds_models`: the
    caller runs the dbt build in it (else the models must already be those of the live file). `code`: the
    fingerprint of the project the build runs (ingest/build_scope.py); on Postgres, live models made by
    another are not copied to build on, as the build will be whole."""
    if target.uses_duckdb_file:
        with _staged_duckdb(target, builds_models) as work:
            yield work
    else:
        with _staged_postgres(target, builds_models, code) as work:
            yield work


@contextmanager
def writable(target: Target) -> Iterator[Target]:
    """A target for small bookkeeping writes (the run log) that never opens a live DuckDB file for
    writing, so API readers holding it open never block the ELT: DuckDB goes through a staged copy."""
    if target.uses_duckdb_file:
        with _staged_duckdb(target, builds_models=False) as work:
            yield work
    else:
        yield target


@contextmanager
def _staged_duckdb(target: Target, builds_models: bool) -> Iterator[Target]:
    live = target.duckdb_file
    # The run log of a failed run is written through a folder of its own: the failed build stays for inspection.
    build_dir = live.parent / f".{live.stem}-{'build' if builds_models else 'log'}"
    build_dir.mkdir(parents=True, exist_ok=True)
    build = build_dir / live.name
    previous = previous_version(live)
    build.unlink(missing_ok=True)
    Path(f"{build}.wal").unlink(missing_ok=True)
    if live.exists():
        if Path(f"{live}.wal").exists():
            # Only after a writer outside the ELT crashed on the live file (the ELT never writes to it).
            with connect(target) as conn:
                conn.execute("checkpoint")
        if not (target.name == "duckdb" and _reuse_previous(previous, live, build, builds_models)):
            shutil.copyfile(live, build)
    try:
        yield target.at(build)
    except BaseException:
        print(f"The live warehouse is unchanged; the failed build is kept for inspection at {build}", flush=True)
        raise
    if Path(f"{build}.wal").exists():
        with connect(target.at(build)) as conn:
            conn.execute("checkpoint")
    previous.parent.mkdir(parents=True, exist_ok=True)
    previous.unlink(missing_ok=True)
    if live.exists() and target.name == "duckdb":
        os.link(live, previous)  # the version about to be replaced: the next run's build
    os.replace(build, live)
    shutil.rmtree(build_dir, ignore_errors=True)


def previous_version(live: Path) -> Path:
    """Where the version of the warehouse file replaced at the last swap is kept."""
    return live.parent / f".{live.stem}-previous" / live.name


def _reuse_previous(previous: Path, live: Path, build: Path, builds_models: bool) -> bool:
    """Move the previous version into the build's place and bring its raw and bookkeeping tables up to date
    with the live file; False (and nothing kept) when it is missing or cannot be written, or when no build
    follows (a no-op's or a failure's run log, a raw-only run) and its models are not the live ones."""
    import duckdb

    if not previous.exists() or Path(f"{previous}.wal").exists():
        return False
    if os.path.samefile(previous, live):  # a crash between keeping the live version and the swap
        previous.unlink()
        return False
    os.replace(previous, build)
    try:
        conn = duckdb.connect(str(build), config=duckdb_settings())  # refused while a reader holds it
    except duckdb.Error as exc:
        print(f"  previous warehouse version not reusable ({exc}); copying the live file", flush=True)
        build.unlink(missing_ok=True)
        return False
    try:
        if not builds_models and not _same_models(conn, live):
            conn.close()
            os.replace(build, previous)  # kept for a run that builds
            return False
        copied = catch_up(conn, live)
    except BaseException:
        conn.close()
        build.unlink(missing_ok=True)
        raise
    conn.close()
    print(f"  build file: the previous version, {copied} table(s) brought up to date from the live file", flush=True)
    return True


def catch_up(conn, live: Path) -> int:
    """Copy into `conn`'s database what differs in the live file: raw tables whose file was loaded again,
    every other table of raw and ops, except the record of what the models were built from (it belongs to
    the models, which stay as they are). Returns the number of tables copied."""
    conn.execute(f"attach '{live}' as live_file (read_only)")
    try:
        wanted = _tables(conn, "live_file")
        current = _tables(conn, _catalog(conn))
        unchanged = _unchanged_raw_tables(conn) if ("raw", REGISTRY) in current else set()
        copied = 0
        for schema, table in sorted(wanted):
            if (schema, table) in unchanged or (schema, table) == MODEL_INPUTS:
                continue
            conn.execute(f'create schema if not exists "{schema}"')
            conn.execute(
                f'create or replace table "{schema}"."{table}" as select * from live_file."{schema}"."{table}"'  # noqa: S608 - names from the file's catalog
            )
            copied += 1
        for schema, table in sorted(current - wanted):
            if schema == "raw":  # a raw table the live file no longer has
                conn.execute(f'drop table "{schema}"."{table}"')
        return copied
    finally:
        conn.execute("detach live_file")


REGISTRY = "file_registry"
MODEL_INPUTS = ("ops", "model_inputs")


def _same_models(conn, live: Path) -> bool:
    """Whether both files' models were built from the same code and loads (ops.model_inputs), so are the same."""
    conn.execute(f"attach '{live}' as live_file (read_only)")
    try:
        if not {MODEL_INPUTS} <= _tables(conn, "live_file") & _tables(conn, _catalog(conn)):
            return False
        (differing,) = conn.execute(
            "select count(*) from ((select * from ops.model_inputs except select * from live_file.ops.model_inputs) "
            "union all (select * from live_file.ops.model_inputs except select * from ops.model_inputs))"
        ).fetchone()
        return differing == 0
    finally:
        conn.execute("detach live_file")


def _catalog(conn) -> str:
    return conn.execute("select current_database()").fetchone()[0]


def _tables(conn, catalog: str) -> set[tuple[str, str]]:
    rows = conn.execute(
        "select schema_name, table_name from duckdb_tables() "  # noqa: S608 - a literal (ingest.sql_literals)
        f"where database_name = {duckdb_literal(catalog)} and schema_name in ('raw', 'ops') and not temporary"
    ).fetchall()
    return {(schema, table) for schema, table in rows}


def _unchanged_raw_tables(conn) -> set[tuple[str, str]]:
    """Raw tables holding the same loads in both files: same file content and load id in both registries."""
    rows = conn.execute(
        "select built.table_name from raw.file_registry as built "
        "inner join live_file.raw.file_registry as live using (file_name) "
        "where built.table_name = live.table_name and built.loaded_hash is not distinct from live.loaded_hash "
        "and built.load_id is not distinct from live.load_id"
    ).fetchall()
    return {("raw", table) for (table,) in rows}


@contextmanager
def _staged_postgres(target: Target, builds_models: bool, code: str | None) -> Iterator[Target]:
    with connect(target) as conn:
        conn.execute(f'drop schema if exists "{RAW_BUILD}" cascade')
        reused = builds_models and _reuse_previous_schemas(conn)
        if not reused:
            _drop_build_schemas(conn)
        copied = 0
        if builds_models and not reused:
            try:
                copied = _copy_live_schemas(conn, code)
            except Exception as exc:  # a copy that fails leaves a whole build, not a failed run
                print(f"  copying the live schemas failed ({exc}); building whole", flush=True)
                _drop_build_schemas(conn)
    if reused:
        print("  build schemas: the version replaced at the last swap (<schema>__previous)", flush=True)
    elif copied:
        print(f"  build schemas: a copy of the live ones ({copied} tables; no previous version kept)", flush=True)
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


def _reuse_previous_schemas(conn) -> bool:
    """Rename the kept `<schema>__previous` schemas to `<schema>__build` (a failed build there goes);
    False when any of them is missing (a first run, or the last build failed in them)."""
    existing = {row[0] for row in conn.fetch_all("select schema_name from information_schema.schemata")}
    if not all(f"{schema}{PREVIOUS_SUFFIX}" in existing for schema in MODELLED_SCHEMAS):
        return False
    for schema in MODELLED_SCHEMAS:
        conn.execute(f'drop schema if exists "{schema}{BUILD_SUFFIX}" cascade')
        conn.execute(f'alter schema "{schema}{PREVIOUS_SUFFIX}" rename to "{schema}{BUILD_SUFFIX}"')
    return True


def _copy_live_schemas(conn, code: str | None) -> int:
    """Copy the live modelled schemas into `<schema>__build` when their record says they were built by the
    project of `code` (only then can a build add to them), as DuckDB copies its live file when no previous
    version is kept: after the first build, or after a failed one. Rows are copied before the indexes and
    keys are made. Returns the number of tables copied (0: nothing to build on)."""
    from ingest.build_scope import model_inputs_table

    record_schema, record_table = model_inputs_table(Target(name="postgres"))
    if code is None or not conn.table_exists(record_schema, record_table):
        return 0
    recorded = conn.fetch_all(f'select distinct code_fingerprint from "{record_schema}"."{record_table}"')  # noqa: S608 - constant names
    if recorded != [(code,)]:
        return 0
    tables = conn.fetch_all(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_schema = any(?) order by 1, 2",
        [list(MODELLED_SCHEMAS)],
    )
    for schema in MODELLED_SCHEMAS:
        conn.execute(f"create schema {_quoted(schema + BUILD_SUFFIX)}")
    for schema, table in tables:
        live = f"{_quoted(schema)}.{_quoted(table)}"
        build = f"{_quoted(schema + BUILD_SUFFIX)}.{_quoted(table)}"
        conn.execute(f"create table {build} (like {live} including all excluding indexes)")
        conn.execute(f"insert into {build} select * from {live}")  # noqa: S608 - names from the catalog
        for statement in _index_statements(conn, schema, table, schema + BUILD_SUFFIX):
            conn.execute(statement)
        # LIKE copies the columns' comments, not the table's own (its dbt description)
        (comment,) = conn.fetch_all("select obj_description(?::regclass, 'pg_class')", [live])[0]
        if comment is not None:
            conn.execute(f"comment on table {build} is {_literal(comment)}")
        conn.execute(f"analyze {build}")
    return len(tables)


def _quoted(name: str) -> str:
    """A Postgres identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    """A Postgres string literal (standard_conforming_strings, on since Postgres 9.1)."""
    return "'" + text.replace("'", "''") + "'"


def _index_statements(conn, schema: str, table: str, into: str) -> list[str]:
    """The primary key, unique constraints and indexes of `schema.table`, made again on `into.table`."""
    rows = conn.fetch_all(
        "select index_class.relname, constraint_row.conname, pg_get_constraintdef(constraint_row.oid), "
        "pg_get_indexdef(index_row.indexrelid), index_row.indisunique "
        "from pg_index as index_row "
        "join pg_class as index_class on index_class.oid = index_row.indexrelid "
        "left join pg_constraint as constraint_row on constraint_row.conindid = index_row.indexrelid "
        "and constraint_row.conrelid = index_row.indrelid "
        "where index_row.indrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass",
        [schema, table],
    )
    statements = []
    relation = f"{_quoted(into)}.{_quoted(table)}"
    for index_name, constraint_name, constraint_def, index_def, unique in rows:
        if constraint_name:
            statements.append(f"alter table {relation} add constraint {_quoted(constraint_name)} {constraint_def}")
        else:
            method = index_def[index_def.index(" USING ") :]
            statements.append(f"create {'unique ' if unique else ''}index {_quoted(index_name)} on {relation}{method}")
    return statements


def clear_build_schemas(target: Target) -> None:
    """Empty the modelled `__build` schemas of a Postgres build (a whole build then starts from nothing:
    no table of a model that is gone stays behind); no-op on the other targets."""
    if target.name != "postgres" or target.schema_suffix != BUILD_SUFFIX:
        return
    with connect(target) as conn:
        _drop_build_schemas(conn)


def _drop_build_schemas(conn) -> None:
    for schema in MODELLED_SCHEMAS:
        conn.execute(f"drop schema if exists {_quoted(schema + BUILD_SUFFIX)} cascade")


def swap_postgres_schemas(target: Target) -> None:
    """In one transaction: rename every `<schema>` to `<schema>__previous` (replacing the one kept there)
    and `<schema>__build` to `<schema>`, and move the loaded raw tables into `raw`."""
    import psycopg

    with psycopg.connect(target.postgres_settings.url) as conn, conn.transaction():
        existing = {row[0] for row in conn.execute("select schema_name from information_schema.schemata")}
        for schema in MODELLED_SCHEMAS:
            if f"{schema}{BUILD_SUFFIX}" not in existing:
                continue
            conn.execute(f'drop schema if exists "{schema}{PREVIOUS_SUFFIX}" cascade')
            if schema in existing:
                conn.execute(f'alter schema "{schema}" rename to "{schema}{PREVIOUS_SUFFIX}"')
                _revoke_schema_access(conn, f"{schema}{PREVIOUS_SUFFIX}")
            conn.execute(f'alter schema "{schema}{BUILD_SUFFIX}" rename to "{schema}"')
        if RAW_BUILD in existing:
            _move_raw_tables(conn)


def _revoke_schema_access(conn, schema: str) -> None:
    """Take every role's rights on a kept schema, but its owner's: it is a build area, and when a later run
    builds in it and publishes it, the dbt hook grant_reader_access grants the reader role of that run
    (DBT_READER_ROLE) again. A role that was the reader before, or that was granted by hand, does not get
    its access back through a reused schema."""
    grantees = conn.execute(
        "select distinct case when acl.grantee <> 0 then pg_get_userbyid(acl.grantee) end "
        "from pg_namespace as namespace, aclexplode(namespace.nspacl) as acl "
        "where namespace.nspname = %s and acl.grantee <> namespace.nspowner",
        [schema],
    ).fetchall()
    for (role,) in grantees:  # NULL: PUBLIC
        conn.execute(f"revoke all on schema {_quoted(schema)} from {'public' if role is None else _quoted(role)}")


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
