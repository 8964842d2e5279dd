"""ELT benchmark on the real files: every figure is a ratio to a floor measured in the same run.

    make bench-elt        # or: python -m bench.bench_elt [--data-dir DIR] [--repeat N]

- floor: DuckDB `read_csv(all_varchar=true)` of the same files into a new DuckDB file, one table each;
- raw load: the project's ingest (hash, parse, validate, dlt load with the registry) into a new file;
- full `make elt`: `python -m ingest.elt` in a fresh process on a new warehouse (raw + dbt build);
- no-op re-run: the same command again with nothing changed.
Targets: raw load <= 3x floor; no-op re-run <= 10% of a full run. Results go to BENCHMARKS.md, section
"ELT on the real files" (the cost curve at 1x/10x/100x is bench/bench_curve.py, `make bench`).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.report import write_section
from ingest.catalog import catalog
from ingest.discovery import discover
from ingest.warehouse import PROJECT_ROOT, Target

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data"
SECTION = "## ELT on the real files"


def _median_seconds(action: Callable[[Path], None], repeat: int, workdir: Path) -> float:
    times = []
    for i in range(repeat):
        path = workdir / f"run{i}-{time.monotonic_ns()}" / "warehouse.duckdb"
        path.parent.mkdir()
        started = time.perf_counter()
        action(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def floor_load(data_dir: Path) -> Callable[[Path], None]:
    import duckdb

    files = discover(data_dir).found

    def action(path: Path) -> None:
        con = duckdb.connect(str(path))
        for spec in catalog().sources:
            if spec.file_name in files:
                con.execute(
                    f"create table {spec.table} as select * from read_csv(?, all_varchar = true)",  # noqa: S608 - table name from ingest/catalog.yml, file bound
                    [str(files[spec.file_name])],
                )
        con.close()

    return action


def raw_load(data_dir: Path) -> Callable[[Path], None]:
    import dlt  # noqa: F401 - imported up front so the timing is the load, not the import

    from ingest.elt import run

    def action(path: Path) -> None:
        code = run(data_dir, Target(name="duckdb", duckdb_path=path), build_models=False)
        if code != 0:
            raise SystemExit(f"raw load failed with exit code {code}")

    return action


def elt_process(data_dir: Path, path: Path) -> float:
    env = {**os.environ, "ELT_TARGET": "duckdb", "DUCKDB_PATH": str(path), "ELT_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ingest.elt"], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("BENCH_DATA_DIR") or DEFAULT_DATA))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.data_dir / "covid19").is_dir():
        print(f"real data not found at {args.data_dir}; set BENCH_DATA_DIR", file=sys.stderr)
        return 1
    files = discover(args.data_dir).found
    size_mb = sum(p.stat().st_size for p in files.values()) / 1e6

    with tempfile.TemporaryDirectory(prefix="elt-bench-") as tmp:
        work = Path(tmp)
        floor = _median_seconds(floor_load(args.data_dir), args.repeat, work)
        raw = _median_seconds(raw_load(args.data_dir), args.repeat, work)
        full_runs, noop_runs = [], []
        for i in range(args.repeat):
            warehouse = work / f"elt{i}" / "warehouse.duckdb"
            warehouse.parent.mkdir()
            full_runs.append(elt_process(args.data_dir, warehouse))
            noop_runs.append(elt_process(args.data_dir, warehouse))
        full, noop = statistics.median(full_runs), statistics.median(noop_runs)

    rows = [
        ("floor: DuckDB read_csv(all_varchar) into a file", floor, "1.00x floor", "-"),
        ("raw load (ingest: hash, validate, dlt parquet load, registry)", raw, f"{raw / floor:.2f}x floor", "<= 3x"),
        ("full `make elt` (fresh process: raw + dbt build + tests)", full, f"{full / floor:.2f}x floor", "-"),
        ("no-op re-run (nothing changed)", noop, f"{noop / full:.1%} of full run", "<= 10%"),
    ]
    verdict_raw = "met" if raw / floor <= 3 else "NOT met"
    verdict_noop = "met" if noop / full <= 0.10 else "NOT met"
    lines = [
        "Produced by `make bench-elt` (bench/bench_elt.py); every figure is a median of "
        f"{args.repeat} runs measured in the same session. Ratios are what to compare across machines.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"- input: {len(files)} real files from {args.data_dir.name}/ ({size_mb:.1f} MB)",
        "",
        "| measure | seconds | ratio | target |",
        "|---|---:|---:|---|",
    ]
    for name, seconds, ratio, target in rows:
        lines.append(f"| {name} | {seconds:.2f} | {ratio} | {target} |")
    lines += ["", f"Raw load target {verdict_raw}; no-op target {verdict_noop}.", ""]
    write_section(SECTION, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
