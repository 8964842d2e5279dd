"""What a run does to each known file: hash it, skip it when unchanged, parse it when it changed.

Hashing runs in the ELT process (it streams, and decides whether there is anything to do at all); parsing the
changed files into Parquet runs in the phase worker (ingest/phase_worker.py), whose memory goes back to the
system before dbt starts. `plan_files` returns the plan with those files still to parse; `parse_pending`
parses them (in the worker) and `Plan.merge` takes the result back.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingest import registry as reg
from ingest import rejects
from ingest.catalog import SourceFile, catalog
from ingest.discovery import Discovery
from ingest.raw_tables import has_current_layout
from ingest.reader import BadFileError, FileContent, ParsedFile, header_columns, identify, read_table
from ingest.report import FileOutcome, print_progress
from ingest.warehouse import Connection


@dataclass
class PendingFile:
    """A changed file, hashed, waiting to be parsed (its registry entry names it)."""

    content: FileContent
    entry: reg.RegistryEntry
    outcome: FileOutcome


@dataclass
class Plan:
    """What this run will do to each known file."""

    outcomes: dict[str, FileOutcome] = field(default_factory=dict)
    parsed: dict[str, ParsedFile] = field(default_factory=dict)  # raw table -> its rows staged in Parquet
    rejects: dict[str, list[dict]] = field(default_factory=dict)  # file name -> its rejected lines in raw
    registry: dict[str, reg.RegistryEntry] = field(default_factory=dict)
    registry_changed: bool = False
    seconds_read: float = 0.0
    pending: list[PendingFile] = field(default_factory=list)  # changed files not parsed yet

    def merge(self, parsed: Plan) -> None:
        """Take in what `parse_pending` made of this plan's pending files."""
        self.outcomes.update(parsed.outcomes)
        self.parsed.update(parsed.parsed)
        self.rejects.update(parsed.rejects)
        self.registry.update(parsed.registry)
        self.registry_changed = self.registry_changed or parsed.registry_changed
        self.seconds_read += parsed.seconds_read
        self.pending = []


def utc_now() -> datetime:
    return datetime.now(UTC)


def plan_files(conn: Connection | None, found: Discovery, full_refresh: bool) -> Plan:
    """Hash every present file and decide what to do with it; a changed file is left in `Plan.pending`, a file
    found twice fails here."""
    plan = Plan(registry=reg.read_registry(conn) if conn else {}, rejects=rejects.read_rejects(conn))
    for spec in catalog().sources:
        entry = plan.registry.get(spec.file_name) or reg.RegistryEntry(
            file_name=spec.file_name, table_name=spec.table, publisher=spec.publisher
        )
        outcome = FileOutcome(spec.file_name, spec.publisher, status="absent")
        plan.outcomes[spec.file_name] = outcome
        if spec.file_name in found.duplicates:
            paths = ", ".join(str(p) for p in found.duplicates[spec.file_name])
            outcome.status, outcome.error = "failed", f"{spec.file_name}: found more than once ({paths}); keep one"
            print_progress(outcome)
            continue
        path = found.found.get(spec.file_name)
        if path is None:
            continue
        started = time.perf_counter()
        content = identify(path, found.root)
        outcome.source_file = content.source_file
        outcome.seconds = time.perf_counter() - started
        plan.seconds_read += outcome.seconds
        counts = reg.raw_row_counts(conn, spec.table) if conn and has_current_layout(conn, spec) else {}
        if not full_refresh and reg.is_loaded(entry, content.content_hash, counts):
            outcome.status, outcome.rows, outcome.rejected = "unchanged", entry.loaded_rows, entry.rejected_lines
        elif not full_refresh and entry.status == "failed" and entry.last_seen_hash == content.content_hash:
            outcome.status, outcome.error = "failed", f"(unchanged since last attempt) {entry.error}"
        else:
            plan.pending.append(PendingFile(content, entry, outcome))
            continue
        print_progress(outcome)
    return plan


def parse_pending(pending: list[PendingFile], run_id: str, staging_dir: Path) -> Plan:
    """Parse each pending file into a Parquet file in `staging_dir`, recording failures in its registry entry;
    the result is for `Plan.merge`. Runs in the phase worker."""
    specs = {spec.file_name: spec for spec in catalog().sources}
    plan = Plan()
    for file in pending:
        started = time.perf_counter()
        spec = specs[file.entry.file_name]
        _parse_into_plan(plan, spec, file.entry, file.content, run_id, file.outcome, staging_dir)
        seconds = time.perf_counter() - started
        file.outcome.seconds += seconds
        plan.seconds_read += seconds
        plan.outcomes[spec.file_name] = file.outcome
        print_progress(file.outcome)
    return plan


def _parse_into_plan(
    plan: Plan,
    spec: SourceFile,
    entry: reg.RegistryEntry,
    content: FileContent,
    run_id: str,
    outcome: FileOutcome,
    staging_dir: Path,
) -> None:
    now = utc_now()
    entry.source_file = content.source_file
    entry.last_seen_hash = content.content_hash
    entry.size_bytes = content.size_bytes
    entry.last_attempt_at = now
    try:
        parsed = read_table(content, spec, run_id, staging_dir)
    except BadFileError as exc:
        entry.status, entry.error, entry.error_line = "failed", exc.reason, exc.line
        outcome.status, outcome.error = "failed", str(exc)
    else:
        plan.parsed[spec.table] = parsed
        plan.rejects[spec.file_name] = rejects.rows_for(
            spec.file_name, spec.table, content.source_file, content.content_hash, run_id, parsed.rejected
        )
        entry.status, entry.error, entry.error_line = "loaded", None, None
        entry.loaded_hash, entry.loaded_rows, entry.load_id = content.content_hash, parsed.rows, run_id
        entry.data_lines, entry.rejected_lines = parsed.data_lines, len(parsed.rejected)
        entry.first_loaded_at = entry.first_loaded_at or now
        entry.last_loaded_at = now
        entry.header = json.dumps(parsed.header, ensure_ascii=False)
        entry.header_columns = json.dumps(header_columns(spec, parsed.header), ensure_ascii=False)
        outcome.status, outcome.rows, outcome.rejected = "loaded", parsed.rows, len(parsed.rejected)
    plan.registry[spec.file_name] = entry
    plan.registry_changed = True
