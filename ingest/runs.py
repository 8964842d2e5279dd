"""The run log `ops.elt_runs`: one row per ELT run, with its counts, timings and outcome."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from datetime import datetime

from ingest.warehouse import OPS_SCHEMA, Connection

RUNS_TABLE = f"{OPS_SCHEMA}.elt_runs"


@dataclass
class RunRecord:
    run_id: str
    target: str
    data_dir: str
    started_at: datetime
    finished_at: datetime
    status: str  # success | partial (some files failed) | no_op | failed
    files_loaded: int
    files_unchanged: int
    files_failed: int
    rows_loaded: int
    rows_quarantined: int | None
    seconds_read: float
    seconds_load: float
    seconds_dbt: float
    seconds_total: float
    fingerprint: str | None
    error: str | None


_SQL_TYPES = {"datetime": "timestamp", "int": "bigint", "float": "double precision"}


def _ddl() -> str:
    columns = []
    for field in fields(RunRecord):
        base = str(field.type).split(" |")[0]
        sql_type = _SQL_TYPES.get(base, "text")
        columns.append(f"{field.name} {sql_type}")
    return f"create table if not exists {RUNS_TABLE} ({', '.join(columns)})"


def record_run(conn: Connection, record: RunRecord) -> None:
    conn.execute(f"create schema if not exists {OPS_SCHEMA}")
    conn.execute(_ddl())
    placeholders = ", ".join("?" for _ in fields(RunRecord))
    conn.execute(f"insert into {RUNS_TABLE} values ({placeholders})", astuple(record))  # noqa: S608 - values are bound


def last_success_fingerprint(conn: Connection) -> str | None:
    if not conn.table_exists(OPS_SCHEMA, "elt_runs"):
        return None
    rows = conn.fetch_all(
        f"select fingerprint from {RUNS_TABLE} where status in ('success', 'partial', 'no_op') "  # noqa: S608 - constant table
        "order by finished_at desc limit 1"
    )
    return rows[0][0] if rows else None
