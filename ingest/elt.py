"""`make elt`: load every known file raw with dlt, then build the marts with dbt.

    python -m ingest.elt [--data-dir DIR] [--full-refresh]

Environment: ELT_DATA_DIR (default: the shipped sample, data/sample), ELT_TARGET, DUCKDB_PATH,
DATABASE_URL / PG* (see ingest/warehouse.py), APP_DATABASE_URL (the API database whose edits the marts apply;
see ingest/edits.py).

The run builds beside the live warehouse and swaps the result in only when everything succeeded
(ingest/atomic.py), so a failing run leaves the previous marts intact and readers never see a
half-built one. Unchanged files are skipped, and when no file and no model changed the run is a no-op.

Exit codes: 0 success, 2 some input files failed (the others were loaded and built), 1 the run failed,
3 another run was writing the warehouse (nothing was done).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from ingest.atomic import clear_build_schemas, staged, writable
from ingest.build_scope import build_scope, code_fingerprint, record_build_inputs, table_loads
from ingest.dbt_runner import WarmDbt, dbt_vars, run_dbt
from ingest.discovery import discover
from ingest.edits import app_database_url, edits_version, read_edits
from ingest.failpoints import crash_point
from ingest.lake import publish_marts
from ingest.phase_worker import PhaseWorker, phase_worker
from ingest.pipeline import RawChanges, fill_raw
from ingest.plan import Plan, parse_pending, plan_files, utc_now
from ingest.report import print_summary, print_unresolved
from ingest.run_lock import RunLockedError, run_lock
from ingest.runs import RunRecord, last_success_fingerprint, record_run
from ingest.secret_files import SecretFileError, load_secret_files
from ingest.warehouse import PROJECT_ROOT, Connection, Target, connect, temp_dir

DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "sample"
# Up to this much changed input, dbt's process starts (and imports, ~1.5 s) while the files are read and
# loaded: a large share of a small run. Beyond it, dbt starts after the load, so that its ~130 MiB never
# add to the loader's peak (docs/scaling.md: peak memory at 100x).
WARM_DBT_MAX_BYTES = 64 * 1024 * 1024


def new_run_id() -> str:
    return utc_now().strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def build_fingerprint(plan: Plan, target: Target, edits: str = "") -> str:
    """What the marts are built from: the code (ingest/build_scope.py) and every file's loaded content."""
    digest = hashlib.sha256(code_fingerprint(target, edits).encode())
    for name in sorted(plan.registry):
        digest.update(f"{name}={plan.registry[name].loaded_hash}".encode())
    return digest.hexdigest()


def _read_quarantine_counts(conn: Connection, schema_suffix: str = "") -> dict[str, int] | None:
    schema, table = "marts" + schema_suffix, "qa_quarantine"
    if not conn.table_exists(schema, table):
        return None
    rows = conn.fetch_all(f"select source_file, count(*) from {schema}.{table} group by 1")  # noqa: S608 - constant names
    return {name: int(count) for name, count in rows}


def run(
    data_dir: Path,
    target: Target,
    full_refresh: bool = False,
    build_models: bool = True,
    run_id: str | None = None,
) -> int:
    """Run the ELT once, the only writer of its warehouse; returns the exit code (0 success, 2 some files
    failed, 1 failure, 3 another run holds the warehouse)."""
    try:
        with run_lock(target):
            return _run_locked(data_dir, target, full_refresh, build_models, run_id)
    except RunLockedError as exc:
        print(f"ELT run not started: {exc}", file=sys.stderr, flush=True)
        return 3


def _run_locked(data_dir: Path, target: Target, full_refresh: bool, build_models: bool, run_id: str | None) -> int:
    # Parsed files wait here as Parquet between reading and loading; removed once loaded, before dbt.
    # Reading and loading run in a child process (ingest/phase_worker.py), stopped before dbt starts: this
    # process then holds little more than its DuckDB connections while dbt runs.
    staging = tempfile.TemporaryDirectory(prefix="elt-staging-", dir=temp_dir())
    try:
        with phase_worker() as worker, WarmDbt() as warm_dbt:
            return _run_staged(data_dir, target, full_refresh, build_models, run_id, staging, worker, warm_dbt)
    finally:
        staging.cleanup()


def _run_staged(
    data_dir: Path,
    target: Target,
    full_refresh: bool,
    build_models: bool,
    run_id: str | None,
    staging: tempfile.TemporaryDirectory,
    worker: PhaseWorker,
    warm_dbt: WarmDbt,
) -> int:
    started_at, started = utc_now(), time.perf_counter()
    run_id = run_id or new_run_id()
    print(f"ELT run {run_id}: {data_dir} -> {target.describe()}", flush=True)
    found = discover(data_dir)
    for path in found.unknown:
        print(f"  ignored: {path} (not a known input file)", flush=True)

    live_exists = not target.uses_duckdb_file or (target.duckdb_path is not None and target.duckdb_path.exists())
    conn_ctx = connect(target, read_only=target.uses_duckdb_file) if live_exists else None
    if conn_ctx is not None:
        with conn_ctx as conn:
            plan = plan_files(conn, found, full_refresh)
            previous_fingerprint = last_success_fingerprint(conn)
    else:
        plan = plan_files(None, found, full_refresh)
        previous_fingerprint = None
    if build_models and plan.pending and sum(file.content.size_bytes for file in plan.pending) <= WARM_DBT_MAX_BYTES:
        warm_dbt.start()  # dbt imports while the files are read and loaded
    if plan.pending:
        plan.merge(worker.run(parse_pending, plan.pending, run_id, Path(staging.name)))
    crash_point("after_read")
    try:
        edits, edits_error = read_edits(app_database_url(target)), None
    except Exception as exc:  # the run fails below, leaving the marts as they are
        edits, edits_error = None, f"cannot read the API's edits from its database: {exc}"
    edits_seen = edits_version(edits) if edits is not None else "unreadable"
    fingerprint = build_fingerprint(plan, target, edits_seen)

    record = RunRecord(
        run_id=run_id,
        target=target.name,
        data_dir=str(data_dir),
        started_at=started_at,
        finished_at=started_at,
        status="failed",
        files_loaded=len(plan.parsed),
        files_unchanged=sum(o.status == "unchanged" for o in plan.outcomes.values()),
        files_failed=sum(o.status == "failed" for o in plan.outcomes.values()),
        rows_loaded=sum(p.rows for p in plan.parsed.values()),
        rows_quarantined=None,
        seconds_read=plan.seconds_read,
        seconds_load=0.0,
        seconds_dbt=0.0,
        seconds_total=0.0,
        fingerprint=fingerprint,
        error=None,
    )
    no_op = (
        edits_error is None and not plan.registry_changed and (fingerprint == previous_fingerprint or not build_models)
    )
    exit_code = 0
    quarantined: dict[str, int] | None = None
    unresolved: list[tuple[str, str, int]] = []
    try:
        if no_op:
            record.status = "no_op"
            print("Nothing changed since the last successful run: raw and marts are up to date.", flush=True)
            with writable(target) as work:
                quarantined, unresolved = _finish(work, record, started)
        else:
            code_version = code_fingerprint(target, edits_seen)
            with staged(target, builds_models=build_models, code=code_version) as work:
                if edits is None:
                    raise RuntimeError(edits_error)
                if plan.registry_changed:
                    print(f"Loading {len(plan.parsed)} changed file(s) into raw ...", flush=True)
                t0 = time.perf_counter()
                changes = RawChanges.of(plan) if plan.registry_changed else None
                for table in worker.run(fill_raw, work, changes, edits):
                    print(f"  raw.{table}: no file loaded yet, created empty", flush=True)
                worker.close()
                staging.cleanup()
                record.seconds_load = time.perf_counter() - t0
                crash_point("after_load")
                if edits.num_rows:
                    print(f"Applying {edits.num_rows} API edit event(s) from raw.api_edits", flush=True)
                if build_models:
                    loads = table_loads(plan.registry)
                    with connect(work) as conn:
                        scope = build_scope(conn, work, code_version, loads)
                    if scope.full_refresh:
                        clear_build_schemas(work)
                    print(f"Building models with dbt ({scope.describe()}) ...", flush=True)
                    t0 = time.perf_counter()
                    code = run_dbt(work, "build", *scope.dbt_args(), extra_env=scope.dbt_env(), warm=warm_dbt)
                    record.seconds_dbt = time.perf_counter() - t0
                    if code != 0:
                        raise RuntimeError(f"dbt build failed (exit {code}); the previous marts are left as they were")
                    with connect(work) as conn:
                        record_build_inputs(conn, work, code_version, loads)
                    if target.name == "spark":
                        with connect(work) as conn:
                            published = publish_marts(conn, work)
                        print(f"Published {len(published)} marts from the lake into {target.duckdb_path}", flush=True)
                if not build_models:
                    record.status, record.fingerprint = "raw_only", None
                else:
                    record.status = "partial" if record.files_failed else "success"
                if target.uses_duckdb_file:  # logged inside the file that goes live
                    quarantined, unresolved = _finish(work, record, started)
                crash_point("before_swap")
            crash_point("after_swap")
            if not target.uses_duckdb_file:  # logged once live: a crash before the swap is never a success
                quarantined, unresolved = _finish(target, record, started)
    except Exception as exc:
        record.status, record.error = "failed", str(exc)
        print(f"ELT run failed: {exc}", file=sys.stderr, flush=True)
        exit_code = 1
        with writable(target) as work:
            quarantined, unresolved = _finish(work, record, started)
    for outcome in plan.outcomes.values():
        outcome.quarantined = (quarantined or {}).get(outcome.source_file or "", 0) if quarantined is not None else None
    print_summary(list(plan.outcomes.values()), record)
    print_unresolved(unresolved)
    if exit_code == 0 and record.files_failed:
        exit_code = 2
    return exit_code


def _read_unresolved(conn: Connection, schema_suffix: str = "") -> list[tuple[str, str, int]]:
    schema, table = "marts" + schema_suffix, "qa_unresolved_locations"
    if not conn.table_exists(schema, table):
        return []
    rows = conn.fetch_all(f"select location_name, source_files, row_count from {schema}.{table} order by 1")  # noqa: S608 - constant names
    return [(str(name), str(files), int(count)) for name, files, count in rows]


def _finish(
    work: Target, record: RunRecord, started: float
) -> tuple[dict[str, int] | None, list[tuple[str, str, int]]]:
    """Count quarantined rows and log the run, in the warehouse about to become (or staying) live."""
    record.finished_at = utc_now()
    record.seconds_total = time.perf_counter() - started
    with connect(work) as conn:
        quarantined = _read_quarantine_counts(conn, work.schema_suffix)
        unresolved = _read_unresolved(conn, work.schema_suffix)
        record.rows_quarantined = sum(quarantined.values()) if quarantined is not None else None
        record_run(conn, record)
    return quarantined, unresolved


def main(argv: list[str] | None = None) -> int:
    try:
        load_secret_files()  # DATABASE_URL_FILE and the like (Docker secrets) before anything reads the environment
    except SecretFileError as error:
        raise SystemExit(f"error: {error}") from None
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("ELT_DATA_DIR") or DEFAULT_DATA_DIR))
    parser.add_argument("--full-refresh", action="store_true", help="reload every file even when unchanged")
    parser.add_argument("--raw-only", action="store_true", help="load raw files but do not run dbt")
    parser.add_argument("--run-id", help="identifier to record the run under (default: generated)")
    args = parser.parse_args(argv)
    try:
        dbt_vars()  # settings checked before any work
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    return run(
        args.data_dir.resolve(),
        Target.from_env(),
        full_refresh=args.full_refresh,
        build_models=not args.raw_only,
        run_id=args.run_id,
    )


if __name__ == "__main__":
    sys.exit(main())
