"""API benchmark on the real files: a 2-worker server measured with wrk, CSV export against the database's own.

    make bench-api            # or: python -m bench.bench_api [--data-dir DIR] [--seconds N] [--connections N]
                              #     [--targets duckdb,postgres] [--scale N] [--work-dir DIR] [--warehouse FILE]

For DuckDB, then Postgres (TEST_DATABASE_URL's server, or a throwaway one started from the machine's
PostgreSQL binaries, as the tests do), it
1. builds the warehouse from the real files (the ELT, not timed here), or from the real files made N
   times longer with `--scale N` (bench/scale_data.py, cached in `--work-dir` as `make bench` does);
   `--warehouse FILE` serves a DuckDB file already built from those files instead;
2. serves the API with uvicorn, 2 workers, rate limits off, and drives it with wrk (installed with
   apt-get when missing) at a fixed concurrency for: one row by key (keys of the daily fact in a random
   order: every key, or a random sample of MAX_KEYS when there are more; its floor is the same
   requests to a bare ASGI app under the same uvicorn, measured in
   the same run, bench/floor_app.py) and a filtered, sorted page. Each scenario first runs unmeasured
   for a few seconds, so each worker has loaded what it keeps per warehouse file (the tables it reads
   by key, its cursors);
3. exports the whole daily fact as CSV through the API and, as the floor, with the database's own
   export of the same query (DuckDB `COPY ... TO` a file, Postgres `COPY ... TO STDOUT`), in the same run.
Targets (issue 4): >= 5,000 req/s with p99 < 50 ms by key; filtered list p99 < 100 ms; CSV <= 1.5x the floor.
Results are written to BENCHMARKS.md under "API" (1x) or "API at Nx".
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx

from api.core.accounts import create_user, session_for
from api.core.config import Settings
from api.core.security import Role
from api.core.warehouse import Warehouse
from bench.bench_curve import DEFAULT_WORK, LATEST_VALID_DATE, scaled_data
from bench.report import write_section
from ingest.elt import run
from ingest.warehouse import PROJECT_ROOT, Target
from tests.support.net import serving

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data"
WARM_UP_SECONDS = 3
MAX_KEYS = 200_000  # the keys requested at random: a sample of the daily fact beyond this (wrk's script holds them)
NOTE = (
    "This machine's speed varies from run to run: compare runs by their floors. On Postgres, reads by key "
    "are not held in memory (the data can change under the API at any time): each is two queries, the edit "
    "log and then the row, to a server that shares the 2 cores."
)
PAGE = "daily-statistics?country_iso3=eq.FRA&source_code=eq.jhu&date=gte.2020-06-01&order=date.desc&limit=50"


def _ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "update", "-qq"], check=True)  # noqa: S607 - apt-get from PATH, as .ci/run runs it
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)  # noqa: S607 - same
    return shutil.which("wrk") or "wrk"


def _milliseconds(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, token: str, seconds: int, connections: int, script: Path | None = None) -> dict[str, float]:
    command = [
        _ensure_wrk(), "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
        "-H", f"Authorization: Bearer {token}", *(["-s", str(script)] if script else []), url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603 - argv built here, no shell
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": _milliseconds(latency["50"]),
        "p99": _milliseconds(latency["99"]),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def key_script(folder: Path, paths: list[str]) -> Path:
    """A wrk script requesting one of `paths` at random each time."""
    script = folder / f"keys-{len(paths)}.lua"
    listed = ",\n".join(f'"{path}"' for path in paths)
    script.write_text(
        f"local paths = {{\n{listed}\n}}\nrequest = function() return wrk.format(nil, paths[math.random(#paths)]) end\n"
    )
    return script


@dataclass
class Measured:
    target: str
    keys: int
    rows: int
    by_key: dict[str, Any]
    listing: dict[str, float]
    csv_seconds: float
    csv_bytes: int
    floor_seconds: float
    floor_name: str


# The keys are md5 digests: the first MAX_KEYS in their own order are a uniform sample of the rows.
KEYS_QUERY = f"select epidemic_daily_id from marts.fct_epidemic_daily order by 1 limit {MAX_KEYS}"  # noqa: S608
ROWS_QUERY = "select count(*) from marts.fct_epidemic_daily"


def sampled_keys(database: Any) -> tuple[list[str], int]:
    """(up to MAX_KEYS keys, rows of the fact), from a DuckDB connection or a psycopg cursor."""
    keys = [key for (key,) in database.execute(KEYS_QUERY).fetchall()]
    return keys, database.execute(ROWS_QUERY).fetchone()[0]


def measure(
    base: str, token: str, folder: Path, seconds: int, connections: int, keys: list[str], key_cache: Path | None = None
) -> tuple[dict, dict, float, int]:
    """(by key, filtered page, CSV seconds, CSV bytes) for the API at `base`, reading `keys` by key.
    `key_cache`: the server's KEY_CACHE_DIR, where a mart too large to hold in memory gets its sorted copy
    (api/core/mapped_keys.py) after the first read: measured once it is there."""
    headers = {"Authorization": f"Bearer {token}"}
    shuffled = list(keys)
    random.Random(42).shuffle(shuffled)  # noqa: S311 - a reproducible request order, not a secret
    paths = ["/daily-statistics/" + key for key in shuffled]
    script = key_script(folder, paths)
    first_read = time.perf_counter()
    row = httpx.get(base + paths[0], headers=headers).text
    wrk(base, token, WARM_UP_SECONDS, connections, script)
    if key_cache is not None:
        by_key_copy = _wait_for_sorted_copy(key_cache, first_read)
        wrk(base, token, WARM_UP_SECONDS, connections, script)  # the other worker maps it
    # The floor: the same requests to an app that only answers them (bench/floor_app.py), same run, once
    # the server is idle (not while a worker writes the sorted copy), as it is for the reads measured.
    with serving({"FLOOR_BODY": row}, app="bench.floor_app:app", ready="/") as floor_base:
        wrk(floor_base, token, WARM_UP_SECONDS, connections, script)
        floor = wrk(floor_base, token, seconds, connections, script)
    by_key = wrk(base, token, seconds, connections, script)
    by_key["floor_rps"] = floor["rps"]
    if key_cache is not None:
        by_key["sorted_copy"] = by_key_copy
    page = f"{base}/{PAGE}"
    wrk(page, token, WARM_UP_SECONDS, connections)
    listing = wrk(page, token, seconds, connections)
    started = time.perf_counter()
    size = 0
    with httpx.stream("GET", f"{base}/daily-statistics?format=csv", headers=headers, timeout=300) as response:
        for chunk in response.iter_bytes():
            size += len(chunk)
    return by_key, listing, time.perf_counter() - started, size


def _wait_for_sorted_copy(key_cache: Path, since: float, timeout: float = 1800.0) -> str:
    """Wait for the sorted copy of the daily fact; how long it took from `since` (its first read), and its size."""
    while not (written := list(key_cache.rglob("*.arrow"))):
        if time.perf_counter() - since > timeout:
            raise SystemExit(f"no sorted copy of the daily fact in {key_cache} after {timeout:.0f} s")
        time.sleep(1)
    size = sum(path.stat().st_size for path in written)
    return f"written {time.perf_counter() - since:.0f} s after the first read, {size / 1e9:.1f} GB"


def bench_token(settings: Settings) -> str:
    """An ANALYST's access token, from a session opened directly in the app database (a user of its own
    for each run: a warehouse given with --warehouse keeps its app database)."""
    name = f"bench-{secrets.token_hex(4)}"
    create_user(settings, name, secrets.token_urlsafe(16), Role.ANALYST, actor="bench")
    return session_for(settings, name, "bench").access_token


def bench_duckdb(data_dir: Path, folder: Path, seconds: int, connections: int, built: Path | None = None) -> Measured:
    """`built`: a warehouse file the ELT already built from `data_dir`'s files, served as it is."""
    warehouse = built or folder / "warehouse.duckdb"
    if built is None and (code := run(data_dir, Target(name="duckdb", duckdb_path=warehouse))) != 0:
        raise SystemExit(f"ELT on DuckDB failed with exit code {code}")
    token = bench_token(Settings(api_env="test", duckdb_path=warehouse))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        keys, rows = sampled_keys(con)
    key_cache = folder / "key-cache"
    env = {"ELT_TARGET": "duckdb", "DUCKDB_PATH": str(warehouse), "KEY_CACHE_DIR": str(key_cache)}
    with serving(env) as base:
        mapped = key_cache if rows > Warehouse.KEYED_TABLE_MAX_ROWS else None
        by_key, listing, csv_seconds, csv_bytes = measure(base, token, folder, seconds, connections, keys, mapped)
    out = folder / "floor.csv"
    started = time.perf_counter()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(
            "copy (select * from marts.fct_epidemic_daily order by epidemic_daily_id) to ? (header)", [str(out)]
        )
    floor = time.perf_counter() - started
    floor_name = "DuckDB `COPY ... TO` a file"
    return Measured("DuckDB", len(keys), rows, by_key, listing, csv_seconds, csv_bytes, floor, floor_name)


def bench_postgres(data_dir: Path, folder: Path, seconds: int, connections: int) -> Measured:
    """The same on Postgres: TEST_DATABASE_URL's server, or a throwaway one (tests/support/postgres.py)."""
    import psycopg

    from tests.support import postgres

    with postgres.server_from_env_or_throwaway() as server:
        database = postgres.create_database(server, prefix="bench")
        try:
            if (code := run(data_dir, Target(name="postgres", postgres=database))) != 0:
                raise SystemExit(f"ELT on Postgres failed with exit code {code}")
            env = {"ELT_TARGET": "postgres", "DATABASE_URL": database.url}
            token = bench_token(Settings(api_env="test", elt_target="postgres", database_url=database.url))
            with psycopg.connect(database.url) as connection, connection.cursor() as cursor:
                keys, rows = sampled_keys(cursor)
            with serving(env) as base:
                by_key, listing, csv_seconds, csv_bytes = measure(base, token, folder, seconds, connections, keys)
            started = time.perf_counter()
            with psycopg.connect(database.url) as connection, connection.cursor() as cursor:
                query = "select * from marts.fct_epidemic_daily order by epidemic_daily_id"
                with cursor.copy(f"copy ({query}) to stdout (format csv, header)") as copy:
                    for _chunk in copy:
                        pass
            floor = time.perf_counter() - started
        finally:
            postgres.drop_database(server, database.database)
    floor_name = "Postgres `COPY ... TO STDOUT`"
    return Measured("Postgres", len(keys), rows, by_key, listing, csv_seconds, csv_bytes, floor, floor_name)


def heading(scale: int) -> str:
    return "## API" if scale == 1 else f"## API at {scale}x"


def report(results: list[Measured], seconds: int, connections: int, scale: int) -> list[str]:
    data = "real files" if scale == 1 else f"the real files made {scale} times longer (bench/scale_data.py)"
    lines = [
        f"Produced by `make bench-api` (bench/bench_api.py{'' if scale == 1 else f' --scale {scale}'}): "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; uvicorn with 2 workers on {os.cpu_count()} cores, "
        f"wrk with {connections} connections for {seconds} s per scenario after {WARM_UP_SECONDS} s "
        f"unmeasured, {data}. The load generator (and Postgres) share the machine with the server. "
        "The filtered page is `" + PAGE + "`.",
        "",
        "| warehouse | scenario | req/s | p50 ms | p99 ms | non-2xx | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for result in results:
        by_key, listing = result.by_key, result.listing
        keys = (
            f"all {result.keys:,} keys" if result.keys == result.rows
            else f"{result.keys:,} of its {result.rows:,} keys"
        )  # fmt: skip
        lines += [
            f"| {result.target} | floor: the same requests to a bare ASGI app (bench/floor_app.py) | "
            f"{by_key['floor_rps']:.0f} | | | | - |",
            f"| {result.target} | one row by key, {keys} of the daily fact at random "
            f"({by_key['rps'] / by_key['floor_rps']:.0%} of the floor) | "
            f"{by_key['rps']:.0f} | {by_key['p50']:.1f} | {by_key['p99']:.1f} | {by_key['errors']:.0f} | "
            ">= 5,000 req/s, p99 < 50 ms |",
            f"| {result.target} | filtered, sorted page of 50 | {listing['rps']:.0f} | {listing['p50']:.1f} | "
            f"{listing['p99']:.1f} | {listing['errors']:.0f} | p99 < 100 ms |",
        ]
    for result in results:
        if copy := result.by_key.get("sorted_copy"):
            lines += [
                "",
                f"{result.target}: the daily fact is over {Warehouse.KEYED_TABLE_MAX_ROWS:,} rows, so reads by "
                "key come from its copy sorted by key and memory-mapped (api/core/mapped_keys.py), measured once "
                f"it was there: {copy}.",
            ]
    lines += ["", NOTE]
    lines += ["", "| export of the whole daily fact | seconds | ratio |", "|---|---:|---:|"]
    for result in results:
        lines += [
            f"| {result.floor_name} (floor) | {result.floor_seconds:.2f} | 1.00x |",
            f"| API `format=csv` on {result.target} ({result.csv_bytes / 1e6:.1f} MB streamed) | "
            f"{result.csv_seconds:.2f} | {result.csv_seconds / result.floor_seconds:.2f}x (target <= 1.5x) |",
        ]
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("BENCH_DATA_DIR") or DEFAULT_DATA))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--targets", default="duckdb,postgres", help="comma-separated: duckdb, postgres")
    parser.add_argument("--scale", type=int, default=1, help="the real files made N times longer (bench/scale_data.py)")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="where the scaled files are cached")
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB: serve this warehouse file, already built from the same files, "
        "instead of building one (at 100x the build takes ~15 minutes)",
    )
    args = parser.parse_args()
    if not (args.data_dir / "covid19").is_dir():
        print(f"real data not found at {args.data_dir}; set BENCH_DATA_DIR", file=sys.stderr)
        return 1
    data_dir = args.data_dir
    if args.scale > 1:
        data_dir = scaled_data(args.data_dir, args.work_dir, args.scale)
        # the later copies are dated ahead on purpose: serve them, do not quarantine them (as make bench does)
        os.environ["ELT_LATEST_VALID_DATE"] = LATEST_VALID_DATE
    benches = {"duckdb": functools.partial(bench_duckdb, built=args.warehouse), "postgres": bench_postgres}
    results = []
    for target in args.targets.split(","):
        with tempfile.TemporaryDirectory(prefix=f"api-bench-{target}-") as tmp:
            results.append(benches[target](data_dir, Path(tmp), args.seconds, args.connections))
    lines = report(results, args.seconds, args.connections, args.scale)
    write_section(heading(args.scale), lines)
    print("\n".join([heading(args.scale), "", *lines]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
