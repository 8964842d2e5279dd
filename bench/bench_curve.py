"""The ELT's cost curve: 1x, 10x, 100x the real files, on DuckDB and Postgres (and Spark in local mode at
1x and 10x), each against a floor.

    make bench        # or: python -m bench.bench_curve [--scales 1,10,100] [--engines duckdb,postgres,spark]
                      #     [--spark-scales 1,10] [--postgres-scales 1,10,100] [--data-dir DIR]
                      #     [--work-dir DIR] [--timeout S] [--max-rss-gb G] [--clean]

For each scale, the real files are made N times longer by bench/scale_data.py (cached in the work
dir, reused while the generator, the catalog and the input are unchanged). Then, for each engine:
- floor, measured in the same run on the same machine: DuckDB `read_csv(all_varchar=true)` of every
  file into a new database file, plus one typed CTAS of the largest file; Postgres: `COPY` of every file
  as text (a file wider than Postgres' 1,600 columns: one text column per line) plus the same typed CTAS,
  on the same server as the ELT; Spark (local mode on this machine's cores, ELT_TARGET=spark) is measured
  against the DuckDB floor: the same files read on the same machine;
- full: `python -m ingest.elt` in a fresh process on a new warehouse (a new DuckDB file; a new database
  on TEST_DATABASE_URL's server or a throwaway one started from the machine's PostgreSQL binaries);
- no-op: the same command again, nothing changed;
- one-file change: a day appended to one small file (`--changed-file`), the command again; the file is
  then restored, so the cached folder stays as generated.
Each ELT run is timed and its process tree (the ELT and its dbt subprocesses) sampled every 0.2 s from
/proc: peak RSS is the largest sum seen (the Postgres server is not in the tree). A run that exits non-zero,
outlives `--timeout` or whose tree exceeds `--max-rss-gb` is killed and recorded as failed; the bench
goes on. Results: the "ELT cost curve" section of BENCHMARKS.md and BENCHMARKS-curve.svg beside it.

Benchmarks are not timed tests: nothing here fails on a missed target, the report says which are met.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.report import write_section
from bench.scale_data import append_day, read_manifest, scale, source_signature
from ingest.atomic import previous_version
from ingest.catalog import DateFormat, SourceFile, catalog, raw_column
from ingest.discovery import discover
from ingest.warehouse import PROJECT_ROOT, PostgresSettings

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data"
DEFAULT_WORK = Path("/tmp/bench-data")  # noqa: S108 - a cache of generated files, named by the user with --work-dir
CHART = PROJECT_ROOT / "BENCHMARKS-curve.svg"
SECTION = "## ELT cost curve"
ENGINES = {"duckdb": "DuckDB", "postgres": "Postgres", "spark": "Spark (local)"}
# The targets ("Cost at scale"); Spark in local mode has none (its point is linear growth).
FLOOR_RATIO = {"duckdb": 3.0, "postgres": 4.0}  # full run at 10x and 100x, x the floor
GROWTH_100_OVER_10 = 11.0
RSS_AT_100X = 2 * 1024**3
NO_OP_SHARE, CHANGE_SHARE = 0.03, 0.10
POSTGRES_MAX_COLUMNS = 1600
SAMPLE_SECONDS = 0.2

LATEST_VALID_DATE = "2199-12-31"  # beyond the last day of the 100x copies


# -- measuring a process tree -------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # gone meanwhile
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    tree, total, todo, page = _children(), 0, [root], os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
    return total


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DBT_TIME = re.compile(r"^\d\d:\d\d:\d\d\s+")


def failure_cause(log: Path, offset: int = 0) -> str:
    """Why a run failed, from what it wrote to `log` after `offset`: the message under dbt's last
    "... Error in model/test ..." (e.g. the database's own words), else the ELT's "ELT run failed" line,
    else the last line."""
    with log.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode(errors="replace")
    lines = [_DBT_TIME.sub("", _ANSI.sub("", line)).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    for position in range(len(lines) - 1, -1, -1):
        if " Error in " in lines[position] and position + 1 < len(lines):
            return lines[position + 1]
    failed = [line for line in lines if line.startswith("ELT run failed")]
    return (failed or lines or [""])[-1]


@dataclass
class Measured:
    seconds: float | None = None
    peak_rss: int = 0
    error: str | None = None
    partial: bool = False  # exit 2: some input files failed, the others were loaded and built


def run_measured(command: list[str], env: dict[str, str], log: Path, timeout: float, max_rss: int) -> Measured:
    """Run `command` in its own process group, sampling its tree's RSS; kill it on timeout or over `max_rss`."""
    result, stop = Measured(), threading.Event()
    logged_before = log.stat().st_size if log.exists() else 0  # the log is shared by an engine's runs
    with log.open("ab") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603 - argv built here, no shell

        def sample() -> None:
            while not stop.is_set():
                rss = tree_rss(process.pid)
                result.peak_rss = max(result.peak_rss, rss)
                reason = None
                if rss > max_rss:
                    reason = f"killed: process tree over {max_rss / 1024**3:.0f} GiB RSS"
                elif time.perf_counter() - started > timeout:
                    reason = f"killed: over the {timeout:.0f} s timeout"
                if reason and process.poll() is None:
                    result.error = reason
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)  # the group this bench started, nothing else
                    return
                stop.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        elapsed = time.perf_counter() - started
        stop.set()
        sampler.join()
    result.partial = code == 2
    if result.error is None and code not in (0, 2):
        result.error = f"exit {code} ({failure_cause(log, logged_before)[:160]})"
    if result.error is None:
        result.seconds = elapsed
    return result


# -- floors -------------------------------------------------------------------------------------------


def _largest(files: dict[str, Path]) -> tuple[SourceFile, Path]:
    name = max(files, key=lambda n: files[n].stat().st_size)
    return catalog().by_file_name[name], files[name]


def _typed_columns(spec: SourceFile, names: dict[str, str], dialect: str) -> list[str]:
    """Each column (header -> its quoted name in the table) cast to its catalog type; a wide file's date
    columns to the type of its measure."""
    by_header = {column.header: column for column in spec.columns}
    measure = catalog().vocabulary.get(spec.values or "", {}).get("type", "text")
    expressions = []
    for header, quoted in names.items():
        column = by_header.get(header)
        kind = column.type if column else measure
        if kind in ("count", "number"):
            number = r"'^\s*-?[0-9.]+([eE][-+]?[0-9]+)?\s*$'"
            expression = (
                f"try_cast(nullif(trim({quoted}), '') as double)"
                if dialect == "duckdb"
                else f"case when {quoted} ~ {number} then {quoted}::float8 end"
            )
        elif kind == "date" and column is not None:
            fmt = DateFormat.parse(column.date_format)
            if dialect == "duckdb":
                parts = {"Y": "%y" if fmt.two_digit_year else "%Y", "M": "%m", "D": "%d"}
                formats = [sep.join(parts[p] for p in fmt.order) for sep in fmt.separators or [""]]
                expression = f"try_strptime({quoted}, {formats!r})"
            else:  # to_date reads any separator and unpadded numbers
                parts = {"Y": "YY" if fmt.two_digit_year else "YYYY", "M": "MM", "D": "DD"}
                pattern = "-".join(parts[p] for p in fmt.order) if fmt.separators else "YYYYMMDD"
                expression = f"case when {quoted} ~ '{fmt.pattern()}' then to_date({quoted}, '{pattern}') end"
        else:
            expression = f"nullif(trim({quoted}), '')"
        expressions.append(f"{expression} as {quoted}")
    return expressions


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _header(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def floor_duckdb(files: dict[str, Path], database: Path) -> float:
    import duckdb

    started = time.perf_counter()
    largest = _largest(files)[0]
    con = duckdb.connect(str(database))
    for name, path in files.items():
        spec = catalog().by_file_name[name]
        con.execute(
            f"create table {spec.table} as select * from read_csv(?, all_varchar = true, header = true)",  # noqa: S608 - table from the catalog, file bound
            [str(path)],
        )
        if spec is largest:
            columns = ", ".join(_typed_columns(spec, {h: _quoted(h) for h in _header(path)}, "duckdb"))
            con.execute(f"create table {spec.table}_typed as select {columns} from {spec.table}")  # noqa: S608 - catalog names
    con.close()
    return time.perf_counter() - started


def floor_postgres(files: dict[str, Path], database: PostgresSettings) -> float:
    import psycopg

    started = time.perf_counter()
    largest = _largest(files)[0]
    with psycopg.connect(database.url, autocommit=True) as connection:
        for name, path in files.items():
            spec, header = catalog().by_file_name[name], _header(path)
            wide = len(header) > POSTGRES_MAX_COLUMNS
            names = {"line": _quoted("line")} if wide else {h: _quoted(raw_column(h)) for h in header}
            listed = ", ".join(names.values())
            connection.execute(f"create table {spec.table} ({', '.join(n + ' text' for n in names.values())})")
            # Too wide for a table: a line as one value, with a delimiter and a quote no file holds.
            options = "format csv, header true" + (", delimiter e'\\x01', quote e'\\x02'" if wide else "")
            with (
                connection.cursor() as cursor,
                cursor.copy(f"copy {spec.table} ({listed}) from stdin ({options})") as copy,
                path.open("rb") as handle,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            if spec is largest and not wide:
                typed = ", ".join(_typed_columns(spec, names, "postgres"))
                connection.execute(f"create table {spec.table}_typed as select {typed} from {spec.table}")  # noqa: S608 - catalog names
    return time.perf_counter() - started


# -- one scale, one engine ----------------------------------------------------------------------------


@dataclass
class Row:
    scale: int
    engine: str
    rows: int
    input_mb: float
    floor: float | None = None
    floor_error: str | None = None
    full: Measured = field(default_factory=Measured)
    no_op: Measured = field(default_factory=Measured)
    change: Measured = field(default_factory=Measured)
    loaded: int | None = None
    quarantined: int | None = None

    @property
    def peak_rss(self) -> int:
        return max(self.full.peak_rss, self.no_op.peak_rss, self.change.peak_rss)


def scaled_data(data_dir: Path, work: Path, factor: int) -> Path:
    out = work / f"x{factor}"
    manifest = read_manifest(out)
    if manifest and manifest["factor"] == factor and manifest["signature"] == source_signature(data_dir):
        print(f"{factor}x: reusing {out}", flush=True)
        return out
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    scale(data_dir, out, factor)
    print(f"{factor}x: generated {out} in {time.perf_counter() - started:.1f} s", flush=True)
    return out


def _elt_env(engine: str, warehouse: Path | PostgresSettings, data_dir: Path, work: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PG") and key not in ("DATABASE_URL", "ELT_DATABASE_URL", "APP_DATABASE_URL")
    }
    env |= {
        "ELT_DATA_DIR": str(data_dir),
        "ELT_TARGET": engine,
        "DBT_TARGET_PATH": str(work / "dbt-target"),
        "DBT_LOG_PATH": str(work / "dbt-logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        # The later copies of a scaled file are dated ahead on purpose: measure their processing, not
        # their quarantine ("after the load date").
        "ELT_LATEST_VALID_DATE": LATEST_VALID_DATE,
    }
    if engine == "spark" and isinstance(warehouse, Path):  # the lake; the marts are served from a file in it
        env["LAKE_PATH"] = str(warehouse)
        env["DUCKDB_PATH"] = str(warehouse / "warehouse.duckdb")
    elif isinstance(warehouse, Path):
        env["DUCKDB_PATH"] = str(warehouse)
    else:
        env["DATABASE_URL"] = warehouse.url
    return env


def _last_run(engine: str, warehouse: Path | PostgresSettings) -> tuple[int | None, int | None]:
    """(rows loaded, rows quarantined) of the first (full) run, from the warehouse's run log."""
    query = "select rows_loaded, rows_quarantined from ops.elt_runs order by started_at limit 1"
    with contextlib.suppress(Exception):  # a failed run may have left no log: the table says "-"
        if isinstance(warehouse, Path):
            import duckdb

            path = warehouse / "warehouse.duckdb" if engine == "spark" else warehouse
            with duckdb.connect(str(path), read_only=True) as con:
                found = con.execute(query).fetchone()
        else:
            import psycopg

            with psycopg.connect(warehouse.url) as con:
                found = con.execute(query).fetchone()
        return (found[0], found[1]) if found else (None, None)
    return None, None


def _keep_run_results(folder: Path, label: str, started: float) -> None:
    """dbt's timings of this run (each run overwrites dbt-target), kept beside the log for diagnosis; none
    when dbt did not run (a no-op run leaves the last run's file)."""
    results = folder / "dbt-target" / "run_results.json"
    if results.exists() and results.stat().st_mtime >= started:
        shutil.copyfile(results, folder / f"run_results-{label}.json")


def measure(
    engine: str, factor: int, data: Path, work: Path, args: argparse.Namespace, server: PostgresSettings | None
) -> Row:
    manifest = read_manifest(data) or {"files": {}}
    files = discover(data).found
    known = {path.relative_to(data).as_posix() for path in files.values()}
    rows = sum(item["rows"] for name, item in manifest["files"].items() if name in known)
    row = Row(factor, engine, rows, sum(p.stat().st_size for p in files.values()) / 1e6)
    folder = work / f"{engine}-x{factor}-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    folder.mkdir(parents=True)
    log = folder / "elt.log"
    databases: list[str] = []
    warehouse: Path | PostgresSettings | None = None
    try:
        if engine in ("duckdb", "spark"):
            floor_target: Path | PostgresSettings = folder / "floor.duckdb"
            warehouse = folder / ("lake" if engine == "spark" else "warehouse.duckdb")
        else:
            from tests.support import postgres

            assert server is not None  # noqa: S101 - main() starts one for a Postgres engine
            floor_target = postgres.create_database(server, prefix="floor")
            warehouse = postgres.create_database(server, prefix="bench")
            databases = [floor_target.database, warehouse.database]
        print(f"{factor}x {engine}: floor ...", flush=True)
        try:
            if isinstance(floor_target, Path):
                row.floor = floor_duckdb(files, floor_target)
            else:
                row.floor = floor_postgres(files, floor_target)
        except Exception as exc:  # recorded; the ELT is still measured
            row.floor_error = f"failed: {str(exc).splitlines()[0][:120]}"
        with contextlib.suppress(OSError):
            (folder / "floor.duckdb").unlink()
        env = _elt_env(engine, warehouse, data, folder)
        command = [sys.executable, "-m", "ingest.elt"]
        limit = int(args.max_rss_gb * 1024**3)
        for label in ("full", "no_op", "change"):
            print(f"{factor}x {engine}: {label.replace('_', '-')} run ...", flush=True)
            if label == "change":
                changed = files[args.changed_file]
                original = changed.read_bytes()
                append_day(catalog().by_file_name[args.changed_file], changed)
            started = time.time()
            try:
                measured = run_measured(command, env, log, args.timeout, limit)
            finally:
                if label == "change":
                    changed.write_bytes(original)
            setattr(row, label, measured)
            _keep_run_results(folder, label, started)
            print(f"    {_seconds(measured)} s, peak RSS {_gib(measured.peak_rss)}", flush=True)
            if label == "full":
                row.loaded, row.quarantined = _last_run(engine, warehouse)
                if measured.error:
                    break
    finally:
        if server is not None:
            from tests.support import postgres

            for database in databases:
                with contextlib.suppress(Exception):
                    postgres.drop_database(server, database)
        if not args.keep_warehouses:
            remove_warehouses(folder, warehouse)
    return row


def remove_warehouses(folder: Path, warehouse: Path | PostgresSettings | None) -> None:
    """Delete what a measurement built in `folder` (the logs and dbt's timings stay): dbt's target folder,
    the DuckDB files, the version the last swap kept (next run's build: 4 GB at 100x) and Spark's lake."""
    shutil.rmtree(folder / "dbt-target", ignore_errors=True)
    for path in folder.glob("*.duckdb*"):
        path.unlink()
    if isinstance(warehouse, Path):
        shutil.rmtree(previous_version(warehouse).parent, ignore_errors=True)
    shutil.rmtree(folder / "lake", ignore_errors=True)


# -- report -------------------------------------------------------------------------------------------


def _seconds(measured: Measured) -> str:
    if measured.seconds is None:
        return f"failed: {measured.error}" if measured.error else "-"
    return f"{measured.seconds:.2f}" + (" (some files failed, exit 2)" if measured.partial else "")


def _gib(size: int) -> str:
    return f"{size / 1024**3:.2f} GiB" if size >= 1024**3 else f"{size / 1024**2:.0f} MiB"


def _share(part: Measured, whole: Measured) -> str:
    if part.seconds is None:
        return f"failed: {part.error}" if part.error else "-"
    return f"{part.seconds / whole.seconds:.1%}" if whole.seconds else "-"


def verdicts(rows: list[Row]) -> list[str]:
    lines = []
    by_key = {(row.engine, row.scale): row for row in rows}

    def check(label: str, value: float | None, limit: float, shown: str) -> None:
        if value is None:
            lines.append(f"- {label}: not measured (failed or not run)")
        else:
            lines.append(f"- {label}: {shown} -> {'met' if value <= limit else 'NOT met'}")

    for row in rows:
        name, full = f"{ENGINES[row.engine]} {row.scale}x", row.full.seconds
        if row.scale >= 10 and row.engine in FLOOR_RATIO:
            ratio = full / row.floor if full and row.floor else None
            check(
                f"{name}, full <= {FLOOR_RATIO[row.engine]:.0f}x floor",
                ratio,
                FLOOR_RATIO[row.engine],
                f"{ratio or 0:.1f}x",
            )
        if row.scale == 100 and row.engine in FLOOR_RATIO:
            check(f"{name}, peak RSS <= 2 GiB", row.peak_rss if full else None, RSS_AT_100X, _gib(row.peak_rss))
            ten = by_key.get((row.engine, 10))
            growth = full / ten.full.seconds if full and ten and ten.full.seconds else None
            check(f"{name}, 100x <= 11x the 10x run", growth, GROWTH_100_OVER_10, f"{growth or 0:.1f}x")
        if row.engine not in FLOOR_RATIO:  # measured, not held to the targets
            continue
        no_op = row.no_op.seconds / full if full and row.no_op.seconds else None
        change = row.change.seconds / full if full and row.change.seconds else None
        check(f"{name}, no-op <= 3% of full", no_op, NO_OP_SHARE, f"{no_op or 0:.1%}")
        check(f"{name}, one-file change <= 10% of full", change, CHANGE_SHARE, f"{change or 0:.1%}")
    return lines


def report(rows: list[Row], args: argparse.Namespace) -> list[str]:
    lines = [
        "Produced by `make bench` (bench/bench_curve.py): the real files made N times longer by "
        "bench/scale_data.py (dates shifted, cumulative series continued), measured against a floor in "
        "the same run. Ratios are what to compare across machines.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; scales measured: {', '.join(f'{s}x' for s in args.scale_list)}; "
        f"engines: {', '.join(ENGINES[e] for e in args.engine_list)}",
        "- floor: DuckDB `read_csv(all_varchar=true)` of every file into a new file + one typed CTAS of the "
        "largest; Postgres `COPY` of every file as text + the same CTAS, same server; Spark (local mode) "
        "against the DuckDB floor",
        "- full: `python -m ingest.elt` in a fresh process on a new warehouse; no-op: the same again; "
        f"one-file change: a day appended to {args.changed_file}, then the same again",
        "- peak RSS: the largest sum over the ELT process and its dbt subprocesses, sampled every 0.2 s "
        "(the Postgres server is not counted)",
        "- quarantined: rows of the full run the marts set aside; the later copies of a scaled file are dated "
        f"ahead, accepted up to ELT_LATEST_VALID_DATE={LATEST_VALID_DATE} (two-digit years, as in the JHU "
        "time series' M/D/YY headers, stop at 2068)",
        "",
        "| scale | engine | rows | input MB | floor s | full s | ratio | peak RSS | no-op % of full "
        "| one-file change % of full | quarantined |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        full = row.full
        floor = f"{row.floor:.2f}" if row.floor is not None else row.floor_error or "-"
        ratio = f"{full.seconds / row.floor:.1f}x" if full.seconds and row.floor else "-"
        quarantined = f"{row.quarantined:,}" if row.quarantined is not None else "-"
        lines.append(
            f"| {row.scale}x | {ENGINES[row.engine]} | {row.rows:,} | {row.input_mb:.1f} | {floor} "
            f"| {_seconds(full)} | {ratio} | {_gib(row.peak_rss)} | {_share(row.no_op, full)} "
            f"| {_share(row.change, full)} | {quarantined} |"
        )
    lines += [
        "",
        'Targets (issue "Cost at scale"):',
        "",
        *verdicts(rows),
        "",
        "![cost curve](BENCHMARKS-curve.svg)",
        "",
    ]
    return lines


def chart(rows: list[Row]) -> str:
    """A log-log SVG: seconds against scale, full run and floor per engine (standard library only)."""
    width, height, left, right, top, bottom = 560, 360, 60, 150, 20, 45
    series = []
    colours = {"duckdb": "#1f77b4", "postgres": "#d62728", "spark": "#2ca02c"}
    for engine in ENGINES:
        mine = sorted((row for row in rows if row.engine == engine), key=lambda row: row.scale)
        for label, dash, values in (
            ("full", "", [(row.scale, row.full.seconds) for row in mine]),
            ("floor", "6 4", [(row.scale, row.floor) for row in mine]),
        ):
            points = [(x, y) for x, y in values if y]
            if points:
                series.append((f"{ENGINES[engine]} {label}", colours[engine], dash, points))
    xs = [x for *_, points in series for x, _ in points] or [1, 100]
    ys = [y for *_, points in series for _, y in points] or [1, 100]
    x0, x1 = math.floor(math.log10(min(xs))), max(math.ceil(math.log10(max(xs))), math.floor(math.log10(min(xs))) + 1)
    y0, y1 = math.floor(math.log10(min(ys))), max(math.ceil(math.log10(max(ys))), math.floor(math.log10(min(ys))) + 1)

    def px(x: float, y: float) -> tuple[float, float]:
        fx = (math.log10(x) - x0) / (x1 - x0)
        fy = (math.log10(y) - y0) / (y1 - y0)
        return left + fx * (width - left - right), height - bottom - fy * (height - top - bottom)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        "<title>ELT cost curve: seconds against scale, log-log (BENCHMARKS.md)</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for exponent in range(x0, x1 + 1):
        x, _ = px(10**exponent, 10**y0)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{height - bottom + 15}" text-anchor="middle">{10**exponent}x</text>')
    for exponent in range(y0, y1 + 1):
        _, y = px(10**x0, 10**exponent)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{10.0**exponent:g} s</text>')
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 8}" text-anchor="middle">scale (x the real files)</text>'
    )
    for index, (label, colour, dash, points) in enumerate(series):
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (px(*point) for point in points))
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
        )
        for x, y in (px(*point) for point in points):
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        ly = top + 14 + index * 18
        out.append(
            f'<line x1="{width - right + 12}" y1="{ly}" x2="{width - right + 36}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
        )
        out.append(f'<text x="{width - right + 42}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- main ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _server(needed: bool) -> Iterator[PostgresSettings | None]:
    if not needed:
        yield None
        return
    from tests.support import postgres

    with postgres.server_from_env_or_throwaway() as server:
        yield server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10,100", help="comma-separated factors")
    parser.add_argument("--engines", default="duckdb,postgres,spark", help="comma-separated: duckdb, postgres, spark")
    parser.add_argument("--spark-scales", default="1,10", help="the factors Spark (local mode) is measured at")
    parser.add_argument("--postgres-scales", default=None, help="the factors Postgres is measured at (default: all)")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("BENCH_DATA_DIR") or DEFAULT_DATA))
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="generated files and run logs")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before an ELT run is killed")
    parser.add_argument("--max-rss-gb", type=float, default=16, help="kill an ELT run whose tree goes over this")
    parser.add_argument("--changed-file", default="Daily_Country_Wise_Confirmed_Cases.csv")
    parser.add_argument("--keep-warehouses", action="store_true", help="keep each run's warehouse file")
    parser.add_argument("--clean", action="store_true", help="delete the generated files at the end")
    args = parser.parse_args(argv)
    args.scale_list = [int(s) for s in args.scales.split(",")]
    args.engine_list = [e.strip() for e in args.engines.split(",")]
    args.spark_scale_list = [int(s) for s in args.spark_scales.split(",")]
    args.postgres_scale_list = [int(s) for s in (args.postgres_scales or args.scales).split(",")]
    if unknown := set(args.engine_list) - set(ENGINES):
        parser.error(f"unknown engine(s) {sorted(unknown)}")
    if args.changed_file not in catalog().by_file_name:
        parser.error(f"--changed-file {args.changed_file} is not in the catalog")
    if not (args.data_dir / "covid19").is_dir():
        print(f"real data not found at {args.data_dir}; set BENCH_DATA_DIR", file=sys.stderr)
        return 1
    args.work_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        with _server("postgres" in args.engine_list) as server:
            for factor in args.scale_list:
                data = scaled_data(args.data_dir, args.work_dir, factor)
                for engine in args.engine_list:
                    if engine == "spark" and factor not in args.spark_scale_list:
                        continue
                    if engine == "postgres" and factor not in args.postgres_scale_list:
                        continue
                    rows.append(measure(engine, factor, data, args.work_dir, args, server))
                    _write(rows, args)  # after every row: an interrupted session keeps what it measured
    finally:
        if args.clean:
            for factor in args.scale_list:
                shutil.rmtree(args.work_dir / f"x{factor}", ignore_errors=True)
    print("\n".join(_write(rows, args)))
    return 0


def _write(rows: list[Row], args: argparse.Namespace) -> list[str]:
    lines = report(rows, args)
    write_section(SECTION, lines, first=True)
    CHART.write_text(chart(rows))
    return lines


if __name__ == "__main__":
    sys.exit(main())
