"""The end-of-run summary table: one line per known file, then the totals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.runs import RunRecord


@dataclass
class FileOutcome:
    """What happened to one known file in this run."""

    file_name: str
    publisher: str
    status: str  # loaded | unchanged | failed | absent
    source_file: str | None = None
    rows: int | None = None
    rejected: int | None = None  # lines set aside by the reader (raw.rejected_lines)
    quarantined: int | None = None
    seconds: float = 0.0
    error: str | None = None


def print_progress(outcome: FileOutcome) -> None:
    """One line per file as it is read, so a long run shows where it is."""
    what = {
        "loaded": f"read {_cell(outcome.rows)} rows, to load",
        "unchanged": "unchanged, skipped",
        "failed": f"FAILED: {outcome.error}",
    }.get(outcome.status, outcome.status)
    print(
        f"  {outcome.publisher:<11} {outcome.source_file or outcome.file_name}: {what} ({outcome.seconds:.2f} s)",
        flush=True,
    )


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_summary(outcomes: list[FileOutcome], record: RunRecord) -> str:
    header = ("publisher", "file", "status", "rows", "rejected lines", "quarantined", "seconds")
    rows = [
        (o.publisher, o.source_file or o.file_name, o.status, o.rows, o.rejected, o.quarantined, o.seconds)
        for o in outcomes
    ]
    cells = [header] + [tuple(_cell(v) for v in row) for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    numeric = {3, 4, 5, 6}

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    out.append("")
    out.append(
        f"files loaded {record.files_loaded}, unchanged (skipped) {record.files_unchanged}, "
        f"failed {record.files_failed}; rows loaded {record.rows_loaded:,}; "
        f"quarantined rows {_cell(record.rows_quarantined)}"
    )
    out.append(
        f"seconds: read {record.seconds_read:.2f}, raw load {record.seconds_load:.2f}, "
        f"dbt {record.seconds_dbt:.2f}, total {record.seconds_total:.2f}; status {record.status}"
    )
    errors = [o.error for o in outcomes if o.error]
    if errors:
        out.append("")
        out.append("Files that could not be loaded (previously loaded rows, if any, are kept):")
        out += [f"  - {e}" for e in errors]
    return "\n".join(out)


def print_summary(outcomes: list[FileOutcome], record: RunRecord) -> None:
    print("\n" + format_summary(outcomes, record), flush=True)


def print_unresolved(unresolved: list[tuple[str, str, int]]) -> None:
    """Warn about place names no seed resolves: their rows are held back, not lost, and the run goes on."""
    if not unresolved:
        return
    print(
        f"\nWarning: {len(unresolved)} location name(s) resolve to no country; their rows are held back "
        "(marts.qa_quarantine, marts.qa_unresolved_locations) and come in at the next run once the name is "
        "added to seeds/country_aliases.csv:",
        flush=True,
    )
    for name, files, rows in unresolved:
        print(f"  - {name!r}: {rows:,} row(s) in {files}", flush=True)
