"""What a DuckDB build rebuilds: only the raw tables whose load changed since the last build, or everything.

The incremental models (dbt_project/macros/incremental.sql) keep the rows of unchanged raw tables, and of
unchanged sources, as the last build made them. That is only right when everything else a build depends
on is as it was: the project (models, macros, seeds, catalog), the target, the settings' dbt vars and the
API's edits. So every successful DuckDB build records, inside the file that goes live, the fingerprint of
those (`code`) and the load id of every raw table (`ops.model_inputs`). The next build compares:
- same code: the tables whose load id differs are the changed ones (DBT_CHANGED_TABLES for dbt), and dbt
  builds and tests only what depends on them or on the registry (`--select source:<table>+ ...`); the
  rest (e.g. the dimensions made from seeds) is kept as the last build made and tested it;
- other code, or no record (a new warehouse, or one from an older version): `--full-refresh`.
Postgres and Spark build from empty schemas and tables: there every build is whole (no scope).
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


def _recorded(conn: Connection) -> tuple[str | None, dict[str, str | None]]:
    if not conn.table_exists(OPS_SCHEMA, MODEL_INPUTS):
        return None, {}
    rows = conn.fetch_all(f"select code_fingerprint, table_name, load_id from {OPS_SCHEMA}.{MODEL_INPUTS}")  # noqa: S608 - constant table
    codes = {row[0] for row in rows}
    return (codes.pop() if len(codes) == 1 else None), {row[1]: row[2] for row in rows}


def build_scope(conn: Connection, target: Target, code: str, loads: dict[str, str | None]) -> BuildScope:
    """The scope of the build about to run in `target` (its previous models are those of the live warehouse)."""
    if target.name != "duckdb":
        return BuildScope(full_refresh=False)
    recorded_code, recorded_loads = _recorded(conn)
    if recorded_code != code:
        return BuildScope(full_refresh=True)
    changed = sorted(t for t in loads.keys() | recorded_loads.keys() if loads.get(t) != recorded_loads.get(t))
    return BuildScope(full_refresh=False, changed_tables=changed)


def record_build_inputs(conn: Connection, target: Target, code: str, loads: dict[str, str | None]) -> None:
    """After a successful build, in the warehouse about to go live: what it was built from."""
    if target.name != "duckdb":
        return
    conn.execute(f"create schema if not exists {OPS_SCHEMA}")
    conn.execute(
        f"create or replace table {OPS_SCHEMA}.{MODEL_INPUTS} (code_fingerprint text, table_name text, load_id text)"
    )
    for table, load_id in sorted(loads.items()):
        conn.execute(f"insert into {OPS_SCHEMA}.{MODEL_INPUTS} values (?, ?, ?)", [code, table, load_id])  # noqa: S608 - constant table
