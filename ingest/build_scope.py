"""What a build rebuilds (DuckDB, Postgres): only the raw tables whose load changed since the build its
models come from, or everything.

The incremental models (dbt_project/macros/incremental.sql) keep the rows of unchanged raw tables, and of
unchanged sources, as the last build made them. That is only right when everything else a build depends
on is as it was: the project (models, macros, seeds, catalog), the target, the settings' dbt vars and the
API's edits. So every successful build records, with the models that go live, the fingerprint of those
(`code`) and the load id of every raw table: in the DuckDB file (`ops.model_inputs`), or in a schema that
is swapped with the models on Postgres (`intermediate.elt_model_inputs`). The next build compares its
build's record (the previous version's: ingest/atomic.py) with the loads of now:
- same code: the tables whose load id differs are the changed ones (DBT_CHANGED_TABLES for dbt), and dbt
  builds and tests only what depends on them or on the registry (`--select source:<table>+ ...`); the
  rest (e.g. the dimensions made from seeds) is kept as the last build made and tested it;
- other code, or no record (a new warehouse, a build from empty schemas, or one from an older version):
  `--full-refresh`.
Spark rebuilds its plain Parquet tables whole at every build (no scope).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from ingest.catalog import catalog
from ingest.dbt_runner import project_fingerprint, setting_vars
from ingest.registry import REGISTRY_TABLE, RegistryEntry
from ingest.rejects import REJECTS_TABLE
from ingest.warehouse import OPS_SCHEMA, Connection, Target

MODEL_INPUTS = "model_inputs"


@dataclass(frozen=True)
class BuildScope:
    full_refresh: bool
    changed_tables: list[str] | None = None  # None: the models decide (all rows of every table)

    def dbt_args(self) -> list[str]:
        if self.full_refresh:
            return ["--full-refresh"]
        if self.changed_tables is None:
            return []
        publishers = {spec.table: spec.publisher for spec in catalog().sources}
        selected = [f"source:{publishers[t]}.{t}+" for t in self.changed_tables if t in publishers]
        # what every load changes: the registry and the rejected lines (the file accounting, qa_*)
        return ["--select", *selected, f"source:ingest.{REGISTRY_TABLE}+", f"source:ingest.{REJECTS_TABLE}+"]

    def dbt_env(self) -> dict[str, str]:
        return {"DBT_CHANGED_TABLES": "*" if self.changed_tables is None else ",".join(self.changed_tables)}

    def describe(self) -> str:
        if self.full_refresh:
            return "full rebuild"
        if self.changed_tables is None:
            return "whole build"
        return f"rebuilding the rows of {len(self.changed_tables)} changed raw table(s)" + (
            f": {', '.join(self.changed_tables)}" if self.changed_tables else ""
        )


def code_fingerprint(target: Target, edits_version: str) -> str:
    """Everything a build depends on besides the raw data. Without ELT_LATEST_VALID_DATE the last plausible
    date is the day of the build (dbt's current_date): on a new day, rows dated after yesterday may have
    become valid, so the day is part of it (the first run of a day rebuilds whole, even with no new file)."""
    digest = hashlib.sha256(project_fingerprint().encode())
    digest.update(target.name.encode())
    digest.update(f"edits={edits_version}".encode())
    settings = setting_vars() or {"load_date": datetime.now().astimezone().date().isoformat()}
    digest.update(repr(sorted(settings.items())).encode())
    return digest.hexdigest()


def table_loads(registry: dict[str, RegistryEntry]) -> dict[str, str | None]:
    """The load id of every raw table a file feeds (None: never loaded)."""
    return {entry.table_name: entry.load_id for entry in registry.values()}


SCOPED_TARGETS = ("duckdb", "postgres")


def model_inputs_table(target: Target) -> tuple[str, str]:
    """Where a build's record of what its models were made from is kept: with the models."""
    if target.name == "postgres":
        return f"intermediate{target.schema_suffix}", f"elt_{MODEL_INPUTS}"
    return OPS_SCHEMA, MODEL_INPUTS


def _recorded(conn: Connection, target: Target) -> tuple[str | None, dict[str, str | None]]:
    schema, table = model_inputs_table(target)
    if not conn.table_exists(schema, table):
        return None, {}
    rows = conn.fetch_all(f'select code_fingerprint, table_name, load_id from "{schema}"."{table}"')  # noqa: S608 - constant names
    codes = {row[0] for row in rows}
    return (codes.pop() if len(codes) == 1 else None), {row[1]: row[2] for row in rows}


def build_scope(conn: Connection, target: Target, code: str, loads: dict[str, str | None]) -> BuildScope:
    """The scope of the build about to run in `target`, from the record its models hold."""
    if target.name not in SCOPED_TARGETS:
        return BuildScope(full_refresh=False)
    recorded_code, recorded_loads = _recorded(conn, target)
    if recorded_code != code:
        return BuildScope(full_refresh=True)
    changed = sorted(t for t in loads.keys() | recorded_loads.keys() if loads.get(t) != recorded_loads.get(t))
    return BuildScope(full_refresh=False, changed_tables=changed)


def record_build_inputs(conn: Connection, target: Target, code: str, loads: dict[str, str | None]) -> None:
    """After a successful build, in the warehouse about to go live: what it was built from."""
    if target.name not in SCOPED_TARGETS:
        return
    schema, table = model_inputs_table(target)
    conn.execute(f'create schema if not exists "{schema}"')
    conn.execute(f'drop table if exists "{schema}"."{table}"')
    conn.execute(f'create table "{schema}"."{table}" (code_fingerprint text, table_name text, load_id text)')
    for name, load_id in sorted(loads.items()):
        conn.execute(f'insert into "{schema}"."{table}" values (?, ?, ?)', [code, name, load_id])  # noqa: S608 - constant names
